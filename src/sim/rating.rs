//! The ratings the simulated board discloses: a Bradley–Terry fit of the battles recorded so far.
//!
//! The board rates the way an auditor recomputes ([`crate::stats`], after `../shared/background.md`):
//! the main strongly connected component of the win graph ([`crate::stats::graph`]), the plain MLE
//! with ties as half a win ([`crate::stats::bradley_terry::fit`]), ratings `1000 + 400·log10-odds`
//! with the mean over the rated models at 1000 (the simulated board has no
//! `mixtral-8x7b-instruct-v0.1` to anchor on). So a disclosed rating is what `score-integrity`
//! recomputes from the battles recorded before it. Each update warm-starts Newton's method from the
//! previous one.
//!
//! The disclosed 95% interval is `rating ± 1.96·σ`, with σ from the model's own Fisher information at
//! the MLE (its battles against opponents held fixed): cheap at every update, and within a few percent
//! of the full inverse on a board where every model meets many others.

use crate::stats::bradley_terry::{FitOptions, fit as newton};
use crate::stats::graph::strongly_connected;
use crate::stats::{INIT, PairTally, Z95, points_per_nat};

use super::sampling::PairCounts;

/// One fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Rating per model index; `None` without battles, outside the main component, or when the fit
    /// failed.
    pub rating: Vec<Option<f64>>,
    /// Half-width of the 95% interval (rating points) per model index; 0 when unrated.
    pub half_width: Vec<f64>,
    /// Recorded battles per model index.
    pub battles: Vec<u64>,
}

impl Fit {
    /// Indices of the rated models.
    pub fn rated(&self) -> impl Iterator<Item = usize> + '_ {
        self.rating.iter().enumerate().filter_map(|(i, r)| r.map(|_| i))
    }
}

/// Fits the counts; `theta` (natural log-strengths, one per model) is the warm start and receives the
/// result for the rated models.
pub fn fit(counts: &PairCounts, theta: &mut [f64]) -> Fit {
    let n = counts.models();
    let mut battles = vec![0u64; n];
    let pairs: Vec<PairTally> = counts
        .nonzero()
        .map(|(a, b, [wins_a, wins_b, ties])| {
            let total = u64::from(wins_a + wins_b + ties);
            battles[a] += total;
            battles[b] += total;
            PairTally { a, b, wins_a: wins_a.into(), wins_b: wins_b.into(), ties: ties.into() }
        })
        .collect();
    let mut out = Fit { rating: vec![None; n], half_width: vec![0.0; n], battles };
    let components = strongly_connected(n, &pairs);
    let Some(main) = components.members.first().filter(|m| m.len() >= 2) else {
        return out;
    };
    let mut local = vec![usize::MAX; n];
    for (k, &i) in main.iter().enumerate() {
        local[i] = k;
    }
    let restricted: Vec<PairTally> = pairs
        .iter()
        .filter(|p| local[p.a] != usize::MAX && local[p.b] != usize::MAX)
        .map(|p| PairTally { a: local[p.a], b: local[p.b], ..*p })
        .collect();
    let start: Vec<f64> = main.iter().map(|&i| theta[i]).collect();
    let Ok(result) = newton(main.len(), &restricted, Some(&start), FitOptions::default()) else {
        return out;
    };
    let mut information = vec![0.0; main.len()];
    for p in &restricted {
        let q = 1.0 / (1.0 + (result.theta[p.b] - result.theta[p.a]).exp());
        let v = p.battles() as f64 * q * (1.0 - q);
        information[p.a] += v;
        information[p.b] += v;
    }
    let k = points_per_nat();
    for (j, &i) in main.iter().enumerate() {
        theta[i] = result.theta[j];
        out.rating[i] = Some(INIT + k * result.theta[j]);
        out.half_width[i] = if information[j] > 0.0 { Z95 * k / information[j].sqrt() } else { 0.0 };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_known_gap_and_pins_the_mean() {
        // 0 beats 1 with expected score 0.76 (a 200-point gap); 2 has only wins: unrated.
        let mut c = PairCounts::new(3);
        c.add(0, 1, [700, 180, 120]);
        c.add(0, 2, [0, 5, 0]);
        let fit = fit(&c, &mut [0.0; 3]);
        let (a, b) = (fit.rating[0].unwrap(), fit.rating[1].unwrap());
        assert!((a + b - 2000.0).abs() < 1e-9);
        assert!((a - b - 400.0 * (0.76f64 / 0.24).log10()).abs() < 1e-6, "{a} {b}");
        assert_eq!(fit.rating[2], None);
        assert!(fit.half_width[0] > 10.0 && fit.half_width[0] < 30.0, "{}", fit.half_width[0]);
        assert_eq!(fit.battles, vec![1005, 1000, 5]);
    }

    #[test]
    fn agrees_with_the_auditors_recomputation() {
        let mut c = PairCounts::new(4);
        c.add(0, 1, [30, 20, 10]);
        c.add(1, 2, [25, 15, 5]);
        c.add(0, 2, [12, 30, 3]);
        c.add(2, 3, [40, 10, 8]);
        c.add(1, 3, [9, 11, 2]);
        let ours = fit(&c, &mut [0.0; 4]);
        let names = ["m0", "m1", "m2", "m3"];
        let rows: Vec<_> = c
            .nonzero()
            .map(|(i, j, [a, b, t])| (names[i], names[j], u64::from(a), u64::from(b), u64::from(t)))
            .collect();
        let theirs = crate::stats::recompute::snapshot(&crate::stats::Comparisons::from_counts(rows)).ratings;
        for (i, name) in names.iter().enumerate() {
            assert!((ours.rating[i].unwrap() - theirs[*name]).abs() < 1e-6, "{name}");
        }
    }
}
