//! Sandwich (robust, Huber–White) confidence intervals, as Chiang et al. (2024) prefer at scale.
//!
//! With H the Fisher information (negative Hessian of the log-likelihood) at the MLE and J the sum
//! over battles of the outer products of the per-battle scores, the robust covariance of θ̂ is
//! `H⁻¹ J H⁻¹`. Both matrices are Laplacians (the ratings' common shift is not identified); the
//! covariance is taken in the zero-sum parametrisation, `H⁺ J H⁺`, and then moved to the anchor's:
//! with an anchor model `a`, Var(R_i) = V_ii − 2 V_ia + V_aa (the anchor itself has no variance),
//! with the mean convention Var(R_i) = V_ii. Per battle of pair (i, j) with outcome y ∈ {1, ½, 0} the
//! score is (y − p_ij)(e_i − e_j), so J sums `wins_i (1−p)² + wins_j p² + ties (½−p)²` per pair. The
//! interval is R ± Φ⁻¹(0.975) · SE. With battle weights w per pair (`--reweight`) the pair adds
//! w·n·p(1−p) to H and w² times its squared scores to J (the weighted M-estimator's sandwich, as
//! arena-rank computes it). Unlike the bootstrap it needs no random draws and one
//! factorisation, so it is what the policy functions use.

use super::Z95;
use super::bradley_terry::{Ratings, factor_grounded, sigmoid};
use super::linalg::{LinalgError, Matrix};
use super::points_per_nat;

/// The sandwich covariance could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SandwichError {
    /// The information matrix is singular.
    #[error("sandwich interval: {0}")]
    Singular(#[from] LinalgError),
}

/// Σ over a pair's battles of the squared score (y − q)², q = P(a beats b).
fn meat(p: &super::pairs::PairTally, q: f64) -> f64 {
    p.wins_a as f64 * (1.0 - q).powi(2) + p.wins_b as f64 * q * q + p.ties as f64 * (0.5 - q).powi(2)
}

/// The robust covariance of θ̂ (natural log-odds, zero-sum parametrisation) over the rated models.
pub fn covariance(ratings: &Ratings) -> Result<Matrix, SandwichError> {
    let n = ratings.rated.len();
    let h = ratings.information_at(&ratings.pairs, &ratings.theta);
    let mut j = Matrix::zeros(n);
    for (k, p) in ratings.pairs.iter().enumerate() {
        let (q, w) = (sigmoid(ratings.theta[p.a] - ratings.theta[p.b]), ratings.weight(k));
        j.add_pair(p.a, p.b, w * w * meat(p, q));
    }
    if n == 0 {
        return Ok(Matrix::zeros(0));
    }
    let inverse = factor_grounded(&h)?.inverse();
    Ok(inverse.mul(&j).mul(&inverse))
}

/// Standard errors in rating points per rated model (positions of [`Ratings::rated`]), under the
/// ratings' anchor.
pub fn standard_errors(ratings: &Ratings) -> Result<Vec<f64>, SandwichError> {
    standard_errors_of(ratings, &(0..ratings.rated.len()).collect::<Vec<_>>())
}

/// Standard errors of the rated models at `positions` only: one factorisation and one solve per
/// model, `Var(R_i) = uᵀ J u` with `(H + c·11ᵀ) u = e_i − e_anchor` (or `e_i` with the mean
/// convention; J annihilates the all-ones direction, so the grounding constant drops out).
pub fn standard_errors_of(ratings: &Ratings, positions: &[usize]) -> Result<Vec<f64>, SandwichError> {
    let n = ratings.rated.len();
    if n == 0 || positions.is_empty() {
        return Ok(vec![0.0; positions.len()]);
    }
    let h = ratings.information_at(&ratings.pairs, &ratings.theta);
    let meat: Vec<f64> = ratings
        .pairs
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let (q, w) = (sigmoid(ratings.theta[p.a] - ratings.theta[p.b]), ratings.weight(k));
            w * w * self::meat(p, q)
        })
        .collect();
    let chol = factor_grounded(&h)?;
    let k = points_per_nat();
    let mut u = vec![0.0; n];
    Ok(positions
        .iter()
        .map(|&i| {
            u.iter_mut().for_each(|x| *x = 0.0);
            u[i] = 1.0;
            if let Some(a) = ratings.anchor_at {
                u[a] -= 1.0;
            }
            chol.solve(&mut u);
            let var: f64 = ratings.pairs.iter().zip(&meat).map(|(p, m)| m * (u[p.a] - u[p.b]).powi(2)).sum();
            k * var.max(0.0).sqrt()
        })
        .collect())
}

/// 95% intervals `(lower, upper)` per rated model.
pub fn intervals(ratings: &Ratings) -> Result<(Vec<f64>, Vec<f64>), SandwichError> {
    let se = standard_errors(ratings)?;
    let values: Vec<f64> = ratings.rated.iter().map(|&i| ratings.rating[i].unwrap_or(f64::NAN)).collect();
    Ok((
        values.iter().zip(&se).map(|(r, s)| r - Z95 * s).collect(),
        values.iter().zip(&se).map(|(r, s)| r + Z95 * s).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::bradley_terry::{FitOptions, rate};
    use crate::stats::{AnchorSpec, Comparisons};

    #[test]
    fn two_models_match_the_binomial_standard_error() {
        // Two models, no ties: the MLE gap is logit(p̂), whose robust (and model) variance is
        // 1 / (n p̂ (1 − p̂)); under the mean convention each rating carries half the gap.
        let r = rate(&Comparisons::from_counts([("a", "b", 300, 100, 0)]), &AnchorSpec::Default, FitOptions::default())
            .unwrap();
        let se = standard_errors(&r).unwrap();
        let gap_se = points_per_nat() * (1.0f64 / (400.0 * 0.75 * 0.25)).sqrt();
        assert!((se[0] - gap_se / 2.0).abs() < 1e-9, "{se:?} {gap_se}");
        let anchored = rate(
            &Comparisons::from_counts([("a", "b", 300, 100, 0)]),
            &AnchorSpec::Model { model: "b".into(), rating: 1000.0 },
            FitOptions::default(),
        )
        .unwrap();
        let se = standard_errors(&anchored).unwrap();
        assert!(se[1].abs() < 1e-9 && (se[0] - gap_se).abs() < 1e-9, "{se:?}");
    }

    #[test]
    fn intervals_are_symmetric_around_the_estimate() {
        let rows = [("a", "b", 70, 30, 20), ("b", "c", 60, 20, 10), ("c", "a", 40, 50, 30)];
        let r = rate(&Comparisons::from_counts(rows), &AnchorSpec::Default, FitOptions::default()).unwrap();
        let (lo, hi) = intervals(&r).unwrap();
        for (k, &i) in r.rated.iter().enumerate() {
            let x = r.rating[i].unwrap();
            assert!(lo[k] < x && x < hi[k]);
            assert!(((x - lo[k]) - (hi[k] - x)).abs() < 1e-9);
        }
    }
}
