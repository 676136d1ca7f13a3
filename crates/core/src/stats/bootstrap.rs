//! Bootstrap confidence intervals, the way FastChat computes them.
//!
//! Each round resamples all N battles with replacement. Since the fit depends only on per-pair
//! outcome counts, that is the same as drawing the counts of every (pair, outcome) cell from a
//! multinomial with N trials and the observed cell frequencies, which is what FastChat's
//! `compute_bootstrap_bt` does too. The multinomial is drawn as a chain of binomials in the fixed
//! cell order. Each round is refitted (warm-started at the full-data MLE) and anchored like the
//! point estimate; the interval is the 2.5% and 97.5% quantiles of the rounds (linear interpolation,
//! NumPy's and pandas' default).
//!
//! With battle weights (`--reweight`) the weights stay those of the full data, as in arena-rank.
//!
//! Round `r` draws from its own ChaCha8 stream: seed `--seed`, stream `r`. Rounds run in parallel
//! (rayon) and the result does not depend on the number of threads or on scheduling.
//!
//! A resample can lose every win of some model, leaving a graph that is not strongly connected and
//! an MLE that does not exist. Such a draw is discarded and drawn again from the same stream (at most
//! [`MAX_REDRAWS`] times per round); the number of redraws is reported. This conditions the bootstrap
//! on the MLE existing, as a model needs for a rating at all.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};
use rayon::prelude::*;

use super::bradley_terry::{FitError, FitOptions, Ratings, fit_weighted};
use super::graph::strongly_connected;
use super::pairs::PairTally;

/// FastChat's default number of rounds.
pub const DEFAULT_ROUNDS: usize = 100;
/// Most resamples tried for one round before giving up.
pub const MAX_REDRAWS: usize = 100;

/// A bootstrap that could not be completed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BootstrapError {
    /// Too few rounds to take quantiles from.
    #[error("{0} bootstrap rounds: at least 2 rounds are needed for an interval")]
    TooFewRounds(usize),
    /// A round never produced a strongly connected resample.
    #[error(
        "bootstrap round {round}: {MAX_REDRAWS} resamples in a row left the comparison graph disconnected; the data are too thin for a bootstrap interval (the sandwich interval needs no resamples)"
    )]
    Degenerate {
        /// The round.
        round: usize,
    },
    /// A round's fit failed.
    #[error("bootstrap round {round}: {source}")]
    Fit {
        /// The round.
        round: usize,
        /// Why.
        source: FitError,
    },
}

/// Percentile intervals per rated model.
#[derive(Debug, Clone, PartialEq)]
pub struct Bootstrap {
    /// 2.5% quantile per position in [`Ratings::rated`].
    pub lower: Vec<f64>,
    /// 97.5% quantile per position.
    pub upper: Vec<f64>,
    /// Rounds run.
    pub rounds: usize,
    /// The seed.
    pub seed: u64,
    /// Resamples discarded because their graph was not strongly connected.
    pub redrawn: usize,
}

/// The `q` quantile of sorted `xs` with linear interpolation between order statistics (NumPy's
/// default, `method="linear"`).
pub fn quantile(xs: &[f64], q: f64) -> f64 {
    match xs.len() {
        0 => f64::NAN,
        1 => xs[0],
        len => {
            let h = (len - 1) as f64 * q;
            let lo = (h.floor() as usize).min(len - 1);
            let hi = (lo + 1).min(len - 1);
            xs[lo] + (h - lo as f64) * (xs[hi] - xs[lo])
        }
    }
}

/// Draws one multinomial resample of `pairs` (same total, cell frequencies as probabilities).
pub fn resample(pairs: &[PairTally], rng: &mut ChaCha8Rng) -> Vec<PairTally> {
    let mut remaining_cells: u64 = pairs.iter().fold(0u64, |n, p| n.saturating_add(p.battles()));
    let mut remaining_draws = remaining_cells;
    let mut draw = |count: u64| -> u64 {
        if count == 0 || remaining_draws == 0 {
            remaining_cells -= count.min(remaining_cells);
            return 0;
        }
        let p = (count as f64 / remaining_cells as f64).min(1.0);
        remaining_cells -= count;
        let x = if p >= 1.0 {
            remaining_draws
        } else {
            Binomial::new(remaining_draws, p).map_or(0, |b| b.sample(rng)).min(remaining_draws)
        };
        remaining_draws -= x;
        x
    };
    pairs
        .iter()
        .map(|p| {
            let wins_a = draw(p.wins_a);
            let wins_b = draw(p.wins_b);
            let ties = draw(p.ties);
            PairTally { wins_a, wins_b, ties, ..*p }
        })
        .collect()
}

fn round_ratings(
    ratings: &Ratings,
    weights: Option<&[f64]>,
    round: usize,
    seed: u64,
) -> Result<(Vec<f64>, usize), BootstrapError> {
    let n = ratings.rated.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(round as u64);
    for redraws in 0..MAX_REDRAWS {
        let pairs = resample(&ratings.pairs, &mut rng);
        if !strongly_connected(n, &pairs).is_strongly_connected() {
            continue;
        }
        let fit = fit_weighted(n, &pairs, weights, Some(&ratings.theta), FitOptions::default())
            .map_err(|source| BootstrapError::Fit { round, source })?;
        return Ok((ratings.anchored(&fit.theta), redraws));
    }
    Err(BootstrapError::Degenerate { round })
}

/// The anchored ratings of every bootstrap round (per position in [`Ratings::rated`]) and the
/// resamples redrawn: what [`bootstrap`] takes quantiles from, and what an interval for a rating
/// *difference* needs (the quantiles of per-round differences, not the difference of quantiles).
pub fn rounds(ratings: &Ratings, rounds: usize, seed: u64) -> Result<(Vec<Vec<f64>>, usize), BootstrapError> {
    if rounds < 2 {
        return Err(BootstrapError::TooFewRounds(rounds));
    }
    let weights = ratings.weights();
    let results: Vec<(Vec<f64>, usize)> = (0..rounds)
        .into_par_iter()
        .map(|round| round_ratings(ratings, weights.as_deref(), round, seed))
        .collect::<Result<_, _>>()?;
    let redrawn = results.iter().map(|(_, d)| d).sum();
    Ok((results.into_iter().map(|(r, _)| r).collect(), redrawn))
}

/// Runs `rounds` bootstrap rounds from `seed` over the rated models of `ratings`.
pub fn bootstrap(ratings: &Ratings, rounds: usize, seed: u64) -> Result<Bootstrap, BootstrapError> {
    let (results, redrawn) = self::rounds(ratings, rounds, seed)?;
    let n = ratings.rated.len();
    let (mut lower, mut upper) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut column = Vec::with_capacity(results.len());
    for k in 0..n {
        column.clear();
        column.extend(results.iter().map(|r| r[k]));
        column.sort_by(f64::total_cmp);
        lower.push(quantile(&column, 0.025));
        upper.push(quantile(&column, 0.975));
    }
    Ok(Bootstrap { lower, upper, rounds: results.len(), seed, redrawn })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::bradley_terry::rate;
    use crate::stats::{AnchorSpec, Comparisons};

    fn sample_ratings() -> Ratings {
        let rows = [
            ("a", "b", 70, 30, 20),
            ("b", "c", 60, 20, 10),
            ("c", "a", 40, 50, 30),
            ("a", "d", 10, 10, 0),
            ("d", "c", 20, 90, 10),
            ("b", "d", 33, 12, 4),
        ];
        rate(&Comparisons::from_counts(rows), &AnchorSpec::Default, FitOptions::default()).unwrap()
    }

    #[test]
    fn numpy_linear_quantiles() {
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&xs, 0.0), 1.0);
        assert_eq!(quantile(&xs, 1.0), 5.0);
        assert_eq!(quantile(&xs, 0.5), 3.0);
        assert!((quantile(&xs, 0.025) - 1.1).abs() < 1e-12);
        assert!((quantile(&xs, 0.975) - 4.9).abs() < 1e-12);
    }

    #[test]
    fn a_resample_keeps_the_total_and_the_pairs() {
        let r = sample_ratings();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let total: u64 = r.pairs.iter().map(PairTally::battles).sum();
        for _ in 0..20 {
            let s = resample(&r.pairs, &mut rng);
            assert_eq!(s.iter().map(PairTally::battles).sum::<u64>(), total);
            assert!(s.iter().zip(&r.pairs).all(|(x, y)| (x.a, x.b) == (y.a, y.b)));
        }
    }

    #[test]
    fn intervals_bracket_the_estimate_and_are_deterministic_across_thread_counts() {
        let r = sample_ratings();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| bootstrap(&r, 60, 42).unwrap())
        };
        let one = run(1);
        assert_eq!(run(2), one);
        assert_eq!(run(3), one);
        for (k, &i) in r.rated.iter().enumerate() {
            let x = r.rating[i].unwrap();
            assert!(
                one.lower[k] <= x + 1e-9 && x <= one.upper[k] + 1e-9,
                "{} {x} {:?}",
                r.models[i],
                (one.lower[k], one.upper[k])
            );
        }
        assert_ne!(bootstrap(&r, 60, 43).unwrap(), one, "another seed, other draws");
        assert!(matches!(bootstrap(&r, 1, 0), Err(BootstrapError::TooFewRounds(1))));
    }
}
