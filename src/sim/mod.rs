//! A deterministic arena simulator: a year of a Chatbot-Arena-style board, as ledger events.
//!
//! `fairboard demo` runs it to show the whole tool on a realistic board. A [`Scenario`] (YAML, see
//! `examples/illusion.yaml` and `examples/fair.yaml`) sets the knobs; [`simulate`] draws, from a seed:
//!
//! - a cast ([`arena`]): about 40 providers and 250 public models in the three license classes, each
//!   with a hidden true skill on the Elo scale, their arrival days, the private test programmes of
//!   each provider and, for boards whose models fade out, which models retire when;
//! - a year of days ([`run`]): each day's live models, the pairs drawn by the sampling scheme
//!   ([`sampling`]: uniform, hand-weighted with provider boosts, or active sampling after Chiang et
//!   al. Eq. 9), outcomes from the Bradley–Terry model with the true skills, aggregated per pair into
//!   one `battles_recorded` per UTC day; private tests that end in best-of-N disclosure and a release;
//!   leaderboard updates that disclose ratings fitted on the battles recorded so far ([`rating`]);
//!   retirements; monthly data releases.
//!
//! The result is a timeline of events with their times and signers, and the [`Truth`] behind it (the
//! hidden skills, and per released model its disclosed and selection-adjusted ratings), so a report
//! can show how much best-of-N selection inflated a disclosed score. [`write_ledger`] turns a
//! timeline into a signed ledger directory that `fairboard verify`, `check` and `audit` read.
//!
//! Everything is reproducible: the same scenario and seed give the same bytes. Independent random
//! streams drive the cast and the battles, so changing the battle volume does not change the
//! providers, the models, their skills or the schedules; only which variant wins a programme and which
//! models a review retires follow the (volume-dependent) fitted ratings.

pub mod arena;
pub mod rating;
pub mod run;
pub mod sampling;
pub mod scenario;
pub mod seal;
pub mod truth;
pub mod write;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use rand::RngExt as _;
use rand::SeedableRng as _;
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

pub use run::simulate;
pub use scenario::Scenario;
pub use truth::{ReleaseTruth, Truth};
pub use write::{Written, write_ledger};

use crate::ledger::event::Event;

/// Who signs an event of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Signer {
    /// The board's operator key.
    Operator,
    /// The key of this provider (authorised with `key_authorized`).
    Provider(String),
}

/// One event of a timeline: when it enters the ledger, what it is, and who signs it.
pub type TimedEvent = (DateTime<Utc>, Event, Signer);

/// What [`simulate`] returns.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// The board's name (for `ledger_opened`).
    pub leaderboard: String,
    /// The events, in non-decreasing time order.
    pub timeline: Vec<TimedEvent>,
    /// The hidden truth behind them.
    pub truth: Truth,
}

/// Failures of loading a scenario, simulating it, or writing its ledger.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The scenario file is not valid YAML, does not match the scenario structure, or breaks a
    /// constraint.
    #[error("{file}:{line}:{column}: {message}")]
    Scenario {
        /// The scenario file.
        file: String,
        /// 1-based line (0 if unknown).
        line: usize,
        /// 1-based column (0 if unknown).
        column: usize,
        /// What is wrong, with the field's JSON pointer when it is a constraint.
        message: String,
    },
    /// A scenario built in code breaks a constraint.
    #[error("scenario: {pointer}: {message}")]
    Invalid {
        /// JSON pointer of the field.
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// `write_ledger` refuses to overwrite a file.
    #[error("{0}: already exists; refusing to overwrite (choose a new directory)")]
    Exists(PathBuf),
    /// A provider id cannot name a key file.
    #[error("provider id `{0}` cannot name a key file (use letters, digits, `.`, `_` and `-`)")]
    BadProviderId(String),
    /// A key could not be written.
    #[error(transparent)]
    Key(#[from] crate::store::keys::KeyFileError),
    /// The embedded policy pack does not load (a bug: a script it uses is not embedded).
    #[error("embedded policy pack: {0}")]
    Pack(#[from] crate::policy::PackError),
    /// An event has no canonical form (a bug).
    #[error(transparent)]
    Canonical(#[from] crate::primitives::canonical::CanonicalError),
    /// The timeline goes back in time (a bug in the caller).
    #[error("timeline event {index} at {time} is earlier than the event before it")]
    TimeBackwards {
        /// Index in the timeline.
        index: usize,
        /// Its time.
        time: String,
    },
}

/// A seeded random stream for one purpose: independent of every other stream of the same seed.
pub(crate) fn stream(seed: u64, purpose: &str) -> ChaCha8Rng {
    let mut h = Sha256::new();
    h.update(b"fairboard/sim/rng/v1\n");
    h.update(seed.to_be_bytes());
    h.update(purpose.as_bytes());
    ChaCha8Rng::from_seed(h.finalize().into())
}

/// A uniform draw in `[0, 1)`.
pub(crate) fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    rng.random::<f64>()
}

/// A standard normal draw (Box–Muller).
pub(crate) fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - uniform(rng); // (0, 1]
    let u2 = uniform(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A uniform index below `n` (0 when `n` is 0).
pub(crate) fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    ((uniform(rng) * n as f64) as usize).min(n.saturating_sub(1))
}

/// Fisher–Yates shuffle.
pub(crate) fn shuffle<T>(rng: &mut ChaCha8Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        items.swap(i, below(rng, i + 1));
    }
}

/// Splits `total` into parts proportional to `weights` (largest remainder; ties to the earlier part).
pub(crate) fn apportion(total: u32, weights: &[f64]) -> Vec<u32> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| f64::from(total) * w / sum).collect();
    let mut out: Vec<u32> = exact.iter().map(|x| x.floor() as u32).collect();
    let given: u32 = out.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    for &i in order.iter().take(total.saturating_sub(given) as usize) {
        out[i] += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_is_exact_and_proportional() {
        assert_eq!(apportion(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(apportion(250, &[0.48, 0.34, 0.18]), vec![120, 85, 45]);
        assert_eq!(apportion(5, &[]), Vec::<u32>::new());
    }

    #[test]
    fn streams_are_independent_and_reproducible() {
        let a: Vec<f64> = (0..3).map(|_| uniform(&mut stream(7, "cast"))).collect();
        assert_eq!(a[0], a[1]);
        assert_ne!(uniform(&mut stream(7, "cast")), uniform(&mut stream(7, "battles")));
        let mut r = stream(1, "x");
        let mean = (0..20_000).map(|_| normal(&mut r)).sum::<f64>() / 20_000.0;
        assert!(mean.abs() < 0.05, "{mean}");
    }
}
