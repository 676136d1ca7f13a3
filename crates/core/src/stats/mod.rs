//! Statistics: the ratings anyone can recompute from a ledger, and the numbers the rules need.
//!
//! Everything here follows the conventions of `../shared/background.md` ("Rating conventions") so
//! that a rating recomputed from the ledger matches the board it audits, and `docs/statistics.md`
//! states them for auditors:
//!
//! - [`pairs`]: per-pair outcome counts (the sufficient statistic of the Bradley–Terry model), from
//!   ledger facts or from imported data;
//! - [`graph`]: the directed win graph and its strongly connected components (the MLE exists only
//!   when that graph is strongly connected, Ford 1957);
//! - [`linalg`]: the small dense Cholesky solver the fits use;
//! - [`bradley_terry`]: the maximum-likelihood fit (Newton's method), unrateable models, and the
//!   anchor convention ([`anchor`]);
//! - [`bootstrap`] and [`sandwich`]: confidence intervals; [`scores`]: the CI-aware leaderboard;
//! - [`sampling`]: the active-sampling recommendation of Chiang et al. (Eq. 9) against configured
//!   and realised shares;
//! - [`selection`]: best-of-N inflation and the selection-adjusted rating;
//! - [`flip`]: votes to flip, the fewest battles whose removal reverses an order on the board;
//! - [`recompute`]: ratings recomputed from ledger facts for the policy rules (`score-integrity`,
//!   `graph-connected`);
//! - [`normal`]: the standard normal distribution functions they share.
//!
//! Public Arena data is turned into ledger events by `fairboard::import`.
//!
//! All results are deterministic: models are sorted by id, sums run in a fixed order, random draws
//! come from seeded per-replicate streams.

pub mod anchor;
pub mod bootstrap;
pub mod bradley_terry;
pub mod flip;
pub mod graph;
pub mod linalg;
pub mod normal;
pub mod pairs;
pub mod recompute;
pub mod reproduce;
pub mod sampling;
pub mod sandwich;
pub mod scores;
pub mod selection;

pub use anchor::{Anchor, AnchorSpec};
pub use bradley_terry::{Ratings, Unrateable, rate};
pub use pairs::{Comparisons, PairTally, PeriodFilter};
pub use scores::{CiMethod, Scoreboard};

/// Rating points per unit of base-10 log-odds (FastChat's `SCALE`).
pub const SCALE: f64 = 400.0;
/// Base of the odds (FastChat's `BASE`): P(a beats b) = 1 / (1 + BASE^((R_b − R_a) / SCALE)).
pub const BASE: f64 = 10.0;
/// The rating of a model at log-odds zero, and the mean rating when no anchor model is present
/// (FastChat's `INIT_RATING`).
pub const INIT: f64 = 1000.0;
/// The model FastChat pins when it is present.
pub const DEFAULT_ANCHOR_MODEL: &str = "mixtral-8x7b-instruct-v0.1";
/// The rating FastChat pins [`DEFAULT_ANCHOR_MODEL`] at.
pub const DEFAULT_ANCHOR_RATING: f64 = 1114.0;
/// The two-sided 95% standard normal quantile, Φ⁻¹(0.975).
pub const Z95: f64 = 1.959_963_984_540_054;

/// Rating points per unit of natural log-odds: the fits work in natural log-odds θ, and a rating is
/// `POINTS_PER_NAT · θ` plus the anchor's offset.
pub fn points_per_nat() -> f64 {
    SCALE / BASE.ln()
}
