//! The Bradley–Terry maximum-likelihood fit, exactly as `background.md` specifies it.
//!
//! Model: P(a beats b) = 1 / (1 + 10^((R_b − R_a) / 400)). Internally the fit works in natural
//! log-odds θ (P = σ(θ_a − θ_b)); a rating is `400 / ln 10 · θ` shifted by the [anchor](super::anchor).
//! A tie counts as half a win and half a loss. There is no prior and no regularisation: this is the
//! plain MLE that FastChat's `compute_bt` approximates with L-BFGS.
//!
//! The MLE exists only on a strongly connected comparison graph, so [`rate`] first splits the graph
//! into its strongly connected components ([`super::graph`]), fits the largest (the *main*
//! component), and reports every other model as [`Unrateable`] with the reason, instead of letting
//! its rating run off to ±∞.
//!
//! The solver is Newton's method on the concave log-likelihood with a backtracking line search. The
//! Hessian is a weighted graph Laplacian, singular along the all-ones direction (the free shift), so
//! each step solves `(H + c·11ᵀ) d = g`: because the gradient sums to zero, `d` is exactly the Newton
//! step restricted to the zero-sum subspace. Newton converges quadratically, so the fit stops at
//! machine precision, far below the required relative gradient norm of 1e-8 (defined on
//! [`Fit::relative_gradient`]).

use std::fmt;

use super::anchor::{self, Anchor, AnchorError, AnchorSpec};
use super::graph::{Components, strongly_connected};
use super::linalg::{Cholesky, LinalgError, Matrix};
use super::pairs::{Comparisons, PairTally};

/// A fit that could not reach the MLE.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    /// The iteration limit was reached first.
    #[error(
        "Bradley–Terry fit did not converge in {iterations} iterations (relative gradient norm {relative_gradient:e}, required < {tolerance:e})"
    )]
    NotConverged {
        /// Iterations run.
        iterations: usize,
        /// Where the gradient got to.
        relative_gradient: f64,
        /// What was required.
        tolerance: f64,
    },
    /// The Newton system was singular: the graph was not strongly connected after all, or counts are
    /// too extreme for double precision.
    #[error("Bradley–Terry fit failed: {0}")]
    Singular(#[from] LinalgError),
}

/// Most models [`rate`] fits at once. The Newton system is dense (n² memory, n³ time per step): 2,000
/// models is 32 MB and about a second per step, ten times any public board so far (LMArena listed
/// about 300 text models by 2025); a ledger naming more is refused instead of exhausting the machine.
pub const MAX_RATED_MODELS: usize = 2_000;

/// A failure of [`rate`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RateError {
    /// The main component is larger than [`MAX_RATED_MODELS`].
    #[error("{models} models to rate at once, more than the limit of {MAX_RATED_MODELS}")]
    TooManyModels {
        /// Models in the main component.
        models: usize,
    },
    /// The anchor cannot be applied.
    #[error(transparent)]
    Anchor(#[from] AnchorError),
    /// The fit failed.
    #[error(transparent)]
    Fit(#[from] FitError),
}

/// Convergence requirement and iteration limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitOptions {
    /// Required [`Fit::relative_gradient`].
    pub tolerance: f64,
    /// Newton iterations allowed.
    pub max_iterations: usize,
    /// Weight each battle by 1 / max(battles of its pair, this floor) (LMArena's arena-rank,
    /// `reweighted=True` with `min_pair_count`): inverse-propensity weights that stop heavily sampled
    /// pairs from dominating the fit. `None`: every battle weighs 1.
    pub reweight: Option<u64>,
}

/// The convergence requirement of the issue: relative gradient norm below 1e-8.
pub const TOLERANCE: f64 = 1e-8;

impl Default for FitOptions {
    fn default() -> Self {
        Self { tolerance: TOLERANCE, max_iterations: 200, reweight: None }
    }
}

/// The MLE of one strongly connected problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Log-odds strengths (natural units), mean zero.
    pub theta: Vec<f64>,
    /// Newton iterations taken.
    pub iterations: usize,
    /// `‖∇ℓ(θ)‖₂ / N`: the Euclidean norm of the log-likelihood gradient (in natural log-odds) divided
    /// by the number of battles N, i.e. the gradient of the mean per-battle log-likelihood.
    pub relative_gradient: f64,
    /// The log-likelihood ℓ(θ) at the MLE (ties as half a win and half a loss).
    pub log_likelihood: f64,
}

/// σ(x) = 1 / (1 + e^(−x)), without overflow.
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// One pair's data in the form the likelihood uses: effective wins of each side and battles.
#[derive(Debug, Clone, Copy)]
struct Term {
    a: usize,
    b: usize,
    s_a: f64,
    s_b: f64,
    m: f64,
}

fn terms(pairs: &[PairTally], weights: Option<&[f64]>) -> Vec<Term> {
    pairs
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let w = weights.and_then(|w| w.get(k)).copied().unwrap_or(1.0);
            let half = p.ties as f64 / 2.0;
            Term {
                a: p.a,
                b: p.b,
                s_a: w * (p.wins_a as f64 + half),
                s_b: w * (p.wins_b as f64 + half),
                m: w * p.battles() as f64,
            }
        })
        .collect()
}

/// The per-pair weights of [`FitOptions::reweight`] for `pairs`, or `None` without reweighting.
pub fn pair_weights(pairs: &[PairTally], reweight: Option<u64>) -> Option<Vec<f64>> {
    reweight.map(|floor| pairs.iter().map(|p| 1.0 / p.battles().max(floor).max(1) as f64).collect())
}

/// ℓ(θ) and its gradient.
fn value_and_gradient(terms: &[Term], theta: &[f64], grad: &mut [f64]) -> f64 {
    grad.iter_mut().for_each(|g| *g = 0.0);
    let mut ll = 0.0;
    for t in terms {
        let x = theta[t.a] - theta[t.b];
        // log σ(x), log σ(−x) and σ(x) from one exp and one ln_1p: with e = exp(−|x|),
        // log σ(|x|) = −ln(1 + e), log σ(−|x|) = −|x| − ln(1 + e), σ(|x|) = 1 / (1 + e).
        let e = (-x.abs()).exp();
        let l = e.ln_1p();
        let (log_p, log_q, p) = if x >= 0.0 { (-l, -x - l, 1.0 / (1.0 + e)) } else { (x - l, -l, e / (1.0 + e)) };
        ll += t.s_a * log_p + t.s_b * log_q;
        let r = t.s_a - t.m * p;
        grad[t.a] += r;
        grad[t.b] -= r;
    }
    ll
}

/// The negative Hessian of ℓ: a Laplacian with weights `m · p(1 − p)`.
fn information(n: usize, terms: &[Term], theta: &[f64]) -> Matrix {
    let mut h = Matrix::zeros(n);
    for t in terms {
        let p = sigmoid(theta[t.a] - theta[t.b]);
        h.add_pair(t.a, t.b, t.m * p * (1.0 - p));
    }
    h
}

/// Solves `(H + c·11ᵀ) x = b` for a Laplacian-shaped `H` of a connected graph; for `b` summing to zero
/// this is `H⁺ b`. `c` is the mean diagonal entry over `n`, which keeps the system well scaled.
pub fn factor_grounded(h: &Matrix) -> Result<Cholesky, LinalgError> {
    let n = h.order();
    let trace: f64 = (0..n).map(|i| h.get(i, i)).sum();
    let mut a = h.clone();
    a.add_constant((trace / (n * n) as f64).max(f64::MIN_POSITIVE));
    Cholesky::in_place(a)
}

/// The factorised Newton system. Far from the optimum the weights `p(1 − p)` of lopsided pairs can
/// underflow and leave the information matrix numerically singular; then a growing multiple of the
/// identity is added (a Levenberg–Marquardt step, still an ascent direction), which the line search
/// tames. At and near the MLE the plain system is used.
fn newton_system(h: &Matrix) -> Result<Cholesky, LinalgError> {
    let first = match factor_grounded(h) {
        Ok(c) => return Ok(c),
        Err(e) => e,
    };
    let n = h.order();
    let scale = ((0..n).map(|i| h.get(i, i)).sum::<f64>() / n as f64).max(1.0);
    let mut mu = scale * 1e-8;
    for _ in 0..12 {
        let mut damped = h.clone();
        (0..n).for_each(|i| damped.add(i, i, mu));
        if let Ok(c) = factor_grounded(&damped) {
            return Ok(c);
        }
        mu *= 100.0;
    }
    Err(first)
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Fits θ for `n` models from `pairs` (local indices), starting from `start` or from zero. The graph
/// must be strongly connected (see [`strongly_connected`]). Every battle weighs 1.
pub fn fit(n: usize, pairs: &[PairTally], start: Option<&[f64]>, options: FitOptions) -> Result<Fit, FitError> {
    fit_weighted(n, pairs, None, start, options)
}

/// [`fit`] with a weight per pair (multiplying each of its battles' log-likelihood terms); the
/// relative gradient is then per unit of weight.
pub fn fit_weighted(
    n: usize,
    pairs: &[PairTally],
    weights: Option<&[f64]>,
    start: Option<&[f64]>,
    options: FitOptions,
) -> Result<Fit, FitError> {
    let terms = terms(pairs, weights);
    let battles: f64 = terms.iter().map(|t| t.m).sum::<f64>().max(1.0);
    let mut theta: Vec<f64> = start.map_or_else(|| vec![0.0; n], <[f64]>::to_vec);
    let mean = theta.iter().sum::<f64>() / n.max(1) as f64;
    theta.iter_mut().for_each(|t| *t -= mean);
    if n < 2 {
        return Ok(Fit { theta, iterations: 0, relative_gradient: 0.0, log_likelihood: 0.0 });
    }
    let mut grad = vec![0.0; n];
    let mut ll = value_and_gradient(&terms, &theta, &mut grad);
    let mut rel = norm(&grad) / battles;
    let (mut trial, mut trial_grad, mut step) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    // Quadratic convergence: once below the requirement, a few more steps reach machine precision.
    // Stop there, when a step no longer helps, or at the limit.
    let polish = options.tolerance * 1e-4;
    let mut iterations = 0;
    while rel > polish && iterations < options.max_iterations {
        iterations += 1;
        let chol = newton_system(&information(n, &terms, &theta))?;
        step.copy_from_slice(&grad);
        chol.solve(&mut step);
        let slope: f64 = grad.iter().zip(&step).map(|(g, d)| g * d).sum();
        let mut t = 1.0;
        let accepted = loop {
            trial.iter_mut().zip(theta.iter().zip(&step)).for_each(|(x, (th, d))| *x = th + t * d);
            let trial_ll = value_and_gradient(&terms, &trial, &mut trial_grad);
            let trial_rel = norm(&trial_grad) / battles;
            // Armijo, or (near the optimum, where ℓ no longer resolves the change) a smaller gradient
            if trial_ll >= ll + 1e-4 * t * slope || (trial_ll >= ll - 1e-9 * ll.abs() && trial_rel < rel) {
                break Some((trial_ll, trial_rel));
            }
            t /= 2.0;
            if t < 1e-12 {
                break None;
            }
        };
        let Some((new_ll, new_rel)) = accepted else { break };
        let stalled = rel < options.tolerance && new_rel >= rel / 2.0;
        std::mem::swap(&mut theta, &mut trial);
        std::mem::swap(&mut grad, &mut trial_grad);
        ll = new_ll;
        rel = new_rel;
        if stalled {
            break;
        }
    }
    if rel >= options.tolerance || !rel.is_finite() {
        return Err(FitError::NotConverged { iterations, relative_gradient: rel, tolerance: options.tolerance });
    }
    let mean = theta.iter().sum::<f64>() / n as f64;
    theta.iter_mut().for_each(|t| *t -= mean);
    Ok(Fit { theta, iterations, relative_gradient: rel, log_likelihood: ll })
}

/// Why a model has no rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unrateable {
    /// It never won or tied: its MLE would be −∞.
    NoWins,
    /// It never lost or tied: its MLE would be +∞.
    NoLosses,
    /// It won and lost, but not against the main component in both directions; `component` indexes
    /// [`Components::members`].
    OutsideMainComponent {
        /// Its component.
        component: usize,
    },
}

impl fmt::Display for Unrateable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoWins => f.write_str("no wins"),
            Self::NoLosses => f.write_str("no losses"),
            Self::OutsideMainComponent { component } => {
                write!(f, "outside the main comparison component (in component {})", component + 1)
            }
        }
    }
}

/// Ratings of every model of a [`Comparisons`], with the facts needed to judge and extend them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Ratings {
    /// All models with battles, sorted (the indices below refer to this list).
    pub models: Vec<String>,
    /// Battles per model (all of them, including those against unrateable models).
    pub battles: Vec<u64>,
    /// The anchored rating of each model; `None` when unrateable.
    pub rating: Vec<Option<f64>>,
    /// Unrateable models and why, by index.
    pub unrateable: Vec<(usize, Unrateable)>,
    /// The strongly connected components of the win graph; the first is the main one.
    pub components: Components,
    /// The anchor applied.
    pub anchor: Anchor,
    /// Newton iterations of the fit.
    pub iterations: usize,
    /// [`Fit::relative_gradient`] at the solution.
    pub relative_gradient: f64,
    /// The rated models (indices, ascending): the main component, when it has two models or more.
    pub rated: Vec<usize>,
    /// The pairs among rated models, re-indexed to positions in `rated`.
    pub pairs: Vec<PairTally>,
    /// The MLE (natural log-odds, mean zero) per position in `rated`.
    pub theta: Vec<f64>,
    /// Position of the anchor model in `rated`, if any.
    pub anchor_at: Option<usize>,
    /// The floor of the pair count of [`FitOptions::reweight`], when battles are weighted (each
    /// battle of `pairs[k]` then weighs [`Ratings::weight`]`(k)`).
    pub reweight: Option<u64>,
}

impl Ratings {
    /// Battles among rated models (what the fit and the intervals use).
    pub fn rated_battles(&self) -> u64 {
        self.pairs.iter().fold(0u64, |n, p| n.saturating_add(p.battles()))
    }

    /// The weight of each battle of `pairs[k]`: 1 / max(its battles, floor), 1 without reweighting.
    pub fn weight(&self, k: usize) -> f64 {
        match (self.reweight, self.pairs.get(k)) {
            (Some(floor), Some(p)) => 1.0 / p.battles().max(floor).max(1) as f64,
            _ => 1.0,
        }
    }

    /// Every pair's weight, for refits of resampled or reduced counts (which keep the full data's
    /// weights); `None` without reweighting.
    pub fn weights(&self) -> Option<Vec<f64>> {
        pair_weights(&self.pairs, self.reweight)
    }

    /// The Fisher information (negative Hessian of the weighted log-likelihood) of `pairs` at `theta`:
    /// the Laplacian Σ w·n·p(1−p)·(e_a − e_b)(e_a − e_b)ᵀ. `pairs` are indexed like [`Ratings::pairs`]
    /// (the same pairs, possibly with fewer battles), so they carry its weights.
    pub fn information_at(&self, pairs: &[PairTally], theta: &[f64]) -> Matrix {
        let mut h = Matrix::zeros(theta.len());
        for (k, p) in pairs.iter().enumerate() {
            let q = sigmoid(theta[p.a] - theta[p.b]);
            h.add_pair(p.a, p.b, self.weight(k) * p.battles() as f64 * q * (1.0 - q));
        }
        h
    }

    /// Ratings from log-odds `theta` (per position in `rated`) under this anchor.
    pub fn anchored(&self, theta: &[f64]) -> Vec<f64> {
        anchor::apply(theta, self.anchor_at, self.anchor.rating())
    }

    /// Why `model` is unrateable, if it is.
    pub fn why_unrateable(&self, index: usize) -> Option<Unrateable> {
        self.unrateable.iter().find(|(i, _)| *i == index).map(|(_, u)| *u)
    }
}

/// Rates every model of `comparisons`: fits the main component, anchors it per `spec`, and explains
/// every model left out.
pub fn rate(comparisons: &Comparisons, spec: &AnchorSpec, options: FitOptions) -> Result<Ratings, RateError> {
    rate_from(comparisons, spec, options, |_| None)
}

/// [`rate`], with Newton started from `start(model)` (natural log-odds; models without a value start
/// at 0). The MLE is the same; a start near it (the previous day's fit, say) saves iterations.
pub fn rate_from(
    comparisons: &Comparisons,
    spec: &AnchorSpec,
    options: FitOptions,
    start: impl Fn(&str) -> Option<f64>,
) -> Result<Ratings, RateError> {
    let n = comparisons.models.len();
    let components = strongly_connected(n, &comparisons.pairs);
    let rated: Vec<usize> = components.members.first().filter(|m| m.len() >= 2).cloned().unwrap_or_default();
    if rated.len() > MAX_RATED_MODELS {
        return Err(RateError::TooManyModels { models: rated.len() });
    }
    let wl = comparisons.wins_and_losses();
    let mut unrateable = Vec::new();
    let mut in_main = vec![false; n];
    rated.iter().for_each(|&i| in_main[i] = true);
    for i in (0..n).filter(|&i| !in_main[i]) {
        let (wins, losses) = wl[i];
        let reason = if wins == 0.0 {
            Unrateable::NoWins
        } else if losses == 0.0 {
            Unrateable::NoLosses
        } else {
            Unrateable::OutsideMainComponent { component: components.of[i] }
        };
        unrateable.push((i, reason));
    }
    let position = |m: &str| comparisons.index_of(m).and_then(|i| rated.binary_search(&i).ok());
    let why_not = |m: &str| {
        comparisons.index_of(m).and_then(|i| unrateable.iter().find(|(j, _)| *j == i)).map(|(_, u)| u.to_string())
    };
    let (anchor, anchor_at) = anchor::resolve(spec, position, why_not)?;
    let pairs = comparisons.restricted(&rated);
    let initial: Vec<f64> = rated.iter().map(|&i| start(&comparisons.models[i]).unwrap_or(0.0)).collect();
    let weights = pair_weights(&pairs, options.reweight);
    let fit = fit_weighted(rated.len(), &pairs, weights.as_deref(), Some(&initial), options)?;
    let values = anchor::apply(&fit.theta, anchor_at, anchor.rating());
    let mut rating = vec![None; n];
    for (&i, &r) in rated.iter().zip(&values) {
        rating[i] = Some(r);
    }
    Ok(Ratings {
        models: comparisons.models.clone(),
        battles: comparisons.model_battles(),
        rating,
        unrateable,
        components,
        anchor,
        iterations: fit.iterations,
        relative_gradient: fit.relative_gradient,
        rated,
        pairs,
        theta: fit.theta,
        anchor_at,
        reweight: options.reweight,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{DEFAULT_ANCHOR_MODEL, points_per_nat};

    fn rate_rows(rows: &[(&str, &str, u64, u64, u64)], spec: &AnchorSpec) -> Ratings {
        rate(&Comparisons::from_counts(rows.iter().copied()), spec, FitOptions::default()).unwrap()
    }

    fn rating(r: &Ratings, m: &str) -> f64 {
        r.rating[r.models.iter().position(|x| x == m).unwrap()].unwrap()
    }

    #[test]
    fn two_models_match_the_closed_form() {
        // With two models the MLE is the empirical log-odds: 3 wins to 1 → 400·log10(3) apart.
        let r = rate_rows(&[("a", "b", 3, 1, 0)], &AnchorSpec::Default);
        let gap = rating(&r, "a") - rating(&r, "b");
        assert!((gap - 400.0 * 3f64.log10()).abs() < 1e-9, "{gap}");
        assert!((rating(&r, "a") + rating(&r, "b") - 2000.0).abs() < 1e-9, "mean 1000");
        assert_eq!(r.anchor.kind(), "mean");
        assert!(r.relative_gradient < TOLERANCE);
    }

    #[test]
    fn a_tie_is_half_a_win_and_half_a_loss() {
        // 2 wins, 0 losses, 2 ties = 3 : 1 effective.
        let tied = rate_rows(&[("a", "b", 2, 0, 2)], &AnchorSpec::Default);
        let plain = rate_rows(&[("a", "b", 3, 1, 0)], &AnchorSpec::Default);
        assert!((rating(&tied, "a") - rating(&plain, "a")).abs() < 1e-9);
        // ties only: equal ratings
        let even = rate_rows(&[("a", "b", 0, 0, 5)], &AnchorSpec::Default);
        assert!((rating(&even, "a") - 1000.0).abs() < 1e-9);
    }

    #[test]
    fn three_models_match_a_hand_computed_mle() {
        // Transitive odds a:b = 2, b:c = 2, a:c = 4 are matched exactly by π = (4, 2, 1), so the MLE
        // is θ = ln π up to a shift: ratings 400·log10(2) apart.
        let r = rate_rows(&[("a", "b", 20, 10, 0), ("b", "c", 20, 10, 0), ("a", "c", 40, 10, 0)], &AnchorSpec::Default);
        let step = 400.0 * 2f64.log10();
        assert!((rating(&r, "a") - (1000.0 + step)).abs() < 1e-9, "{:?}", r.rating);
        assert!((rating(&r, "b") - 1000.0).abs() < 1e-9);
        assert!((rating(&r, "c") - (1000.0 - step)).abs() < 1e-9);
    }

    #[test]
    fn a_non_transitive_case_satisfies_the_likelihood_equations() {
        let rows =
            [("a", "b", 7, 3, 2), ("b", "c", 6, 2, 1), ("c", "a", 4, 5, 3), ("a", "d", 1, 1, 0), ("d", "c", 2, 9, 1)];
        let r = rate_rows(&rows, &AnchorSpec::Default);
        // At the MLE every model's expected (half-tie) wins equal its observed wins.
        let c = Comparisons::from_counts(rows);
        let wl = c.wins_and_losses();
        for (k, &i) in r.rated.iter().enumerate() {
            let expected: f64 = r
                .pairs
                .iter()
                .filter(|p| p.a == k || p.b == k)
                .map(|p| {
                    let x = if p.a == k { r.theta[p.a] - r.theta[p.b] } else { r.theta[p.b] - r.theta[p.a] };
                    p.battles() as f64 * sigmoid(x)
                })
                .sum();
            assert!((expected - wl[i].0).abs() < 1e-9, "{} {expected} {}", r.models[i], wl[i].0);
        }
    }

    #[test]
    fn anchoring_shifts_without_changing_gaps() {
        let rows = [("a", "b", 5, 3, 1), ("b", DEFAULT_ANCHOR_MODEL, 4, 4, 0), (DEFAULT_ANCHOR_MODEL, "a", 2, 6, 1)];
        let default = rate_rows(&rows, &AnchorSpec::Default);
        assert_eq!(default.anchor.kind(), "default");
        assert!((rating(&default, DEFAULT_ANCHOR_MODEL) - 1114.0).abs() < 1e-9);
        let declared = rate_rows(&rows, &AnchorSpec::Model { model: "a".into(), rating: 1300.0 });
        assert_eq!(declared.anchor.kind(), "declared");
        assert!((rating(&declared, "a") - 1300.0).abs() < 1e-9);
        let shift = rating(&declared, "b") - rating(&default, "b");
        assert!(
            (rating(&declared, DEFAULT_ANCHOR_MODEL) - rating(&default, DEFAULT_ANCHOR_MODEL) - shift).abs() < 1e-9
        );
        let missing = rate(
            &Comparisons::from_counts(rows),
            &AnchorSpec::Model { model: "zzz".into(), rating: 1.0 },
            FitOptions::default(),
        );
        assert!(matches!(missing, Err(RateError::Anchor(AnchorError::NotRated { .. }))));
    }

    #[test]
    fn unbeaten_and_winless_models_are_unrateable_not_infinite() {
        let rows = [
            ("a", "b", 3, 2, 0),
            ("b", "c", 2, 2, 1),
            ("c", "a", 1, 1, 0),
            ("top", "a", 4, 0, 0),
            ("top", "c", 1, 0, 0),
            ("bottom", "b", 0, 3, 0),
        ];
        let r = rate_rows(&rows, &AnchorSpec::Default);
        let idx = |m: &str| r.models.iter().position(|x| x == m).unwrap();
        assert_eq!(r.why_unrateable(idx("top")), Some(Unrateable::NoLosses));
        assert_eq!(r.why_unrateable(idx("bottom")), Some(Unrateable::NoWins));
        assert_eq!(r.rating[idx("top")], None);
        assert!(r.rating.iter().flatten().all(|x| x.is_finite()));
        assert_eq!(r.rated.len(), 3);
        assert_eq!(r.components.members.len(), 3);
        assert_eq!(r.battles[idx("top")], 5);
    }

    #[test]
    fn a_disconnected_graph_rates_the_main_component_and_reports_the_rest() {
        let rows =
            [("a", "b", 3, 2, 0), ("b", "c", 2, 2, 1), ("c", "a", 1, 1, 0), ("x", "y", 2, 1, 0), ("y", "x", 0, 0, 1)];
        let r = rate_rows(&rows, &AnchorSpec::Default);
        assert_eq!(r.components.members.len(), 2);
        let names = |m: &[usize]| m.iter().map(|&i| r.models[i].as_str()).collect::<Vec<_>>();
        assert_eq!(names(&r.components.members[0]), ["a", "b", "c"]);
        assert_eq!(names(&r.components.members[1]), ["x", "y"]);
        let x = r.models.iter().position(|m| m == "x").unwrap();
        assert_eq!(r.why_unrateable(x), Some(Unrateable::OutsideMainComponent { component: 1 }));
        assert_eq!(
            Unrateable::OutsideMainComponent { component: 1 }.to_string(),
            "outside the main comparison component (in component 2)"
        );
    }

    #[test]
    fn converges_from_far_away_and_on_lopsided_data() {
        let rows = [("a", "b", 10_000, 1, 0), ("b", "c", 10_000, 1, 0), ("c", "a", 1, 0, 0), ("c", "d", 5000, 2, 3)];
        let c = Comparisons::from_counts(rows);
        let r = rate(&c, &AnchorSpec::Default, FitOptions::default()).unwrap();
        assert!(r.relative_gradient < TOLERANCE, "{}", r.relative_gradient);
        let start = vec![8.0, -8.0, 3.0, 0.0];
        let far = fit(4, &c.pairs, Some(&start), FitOptions::default()).unwrap();
        for (x, y) in far.theta.iter().zip(&r.theta) {
            assert!((x - y).abs() * points_per_nat() < 1e-6, "{x} {y}");
        }
    }

    #[test]
    fn an_iteration_limit_is_an_error_not_a_wrong_answer() {
        let c = Comparisons::from_counts([("a", "b", 10_000, 1, 0), ("b", "c", 10_000, 1, 0), ("c", "a", 1, 0, 0)]);
        let err = fit(3, &c.pairs, None, FitOptions { max_iterations: 1, ..FitOptions::default() }).unwrap_err();
        assert!(matches!(err, FitError::NotConverged { iterations: 1, .. }), "{err}");
    }

    #[test]
    fn a_board_beyond_the_model_limit_is_refused_not_fitted() {
        let names: Vec<String> = (0..=MAX_RATED_MODELS).map(|i| format!("m{i:05}")).collect();
        let rows = (0..names.len()).map(|i| (names[i].as_str(), names[(i + 1) % names.len()].as_str(), 1, 1, 0));
        let err = rate(&Comparisons::from_counts(rows), &AnchorSpec::Default, FitOptions::default()).unwrap_err();
        assert_eq!(err, RateError::TooManyModels { models: MAX_RATED_MODELS + 1 });
    }

    #[test]
    fn row_order_and_orientation_do_not_change_a_bit() {
        let rows = vec![
            ("a", "b", 7, 3, 2),
            ("b", "c", 6, 2, 1),
            ("c", "a", 4, 5, 3),
            ("a", "d", 1, 1, 0),
            ("d", "c", 2, 9, 1),
        ];
        let one = rate_rows(&rows, &AnchorSpec::Default);
        let flipped: Vec<_> = rows.iter().rev().map(|&(a, b, wa, wb, t)| (b, a, wb, wa, t)).collect();
        assert_eq!(rate_rows(&flipped, &AnchorSpec::Default), one);
    }
}
