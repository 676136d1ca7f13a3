//! The leaderboard: ratings, 95% intervals, battles and the CI-aware rank, in the shapes
//! `fairboard scores` prints.
//!
//! Rank follows Chatbot Arena: `rank(a) = 1 + #{b : lower(b) > upper(a)}`, the number of models whose
//! whole interval lies above a's, plus one. Rows are ordered best first (rating descending, then
//! model id); unrateable models follow, by id, with empty rating, interval and rank.
//!
//! Its renderings (CSV, JSON, table) are [`crate::render::scores`].

use std::fmt::Write as _;

use super::bootstrap::{self, BootstrapError};
use super::bradley_terry::{FitOptions, RateError, Ratings, Unrateable, rate};
use super::sandwich::{self, SandwichError};
use super::{AnchorSpec, Comparisons, Z95};

/// How the intervals are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum CiMethod {
    /// Percentile bootstrap over `rounds` multinomial resamples from `seed`.
    Bootstrap {
        /// Rounds.
        rounds: usize,
        /// Seed.
        seed: u64,
    },
    /// Sandwich (robust) standard errors, normal interval.
    Sandwich,
}

/// The leaderboard could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoresError {
    /// The ratings.
    #[error(transparent)]
    Rate(#[from] RateError),
    /// The bootstrap.
    #[error(transparent)]
    Bootstrap(#[from] BootstrapError),
    /// The sandwich.
    #[error(transparent)]
    Sandwich(#[from] SandwichError),
}

/// One row of the leaderboard.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScoreRow {
    /// The model.
    pub model: String,
    /// Its rating, if rateable.
    pub rating: Option<f64>,
    /// Lower 95% bound.
    pub ci_low: Option<f64>,
    /// Upper 95% bound.
    pub ci_high: Option<f64>,
    /// Its battles.
    pub battles: u64,
    /// CI-aware rank.
    pub rank: Option<usize>,
    /// Why it has no rating.
    pub unrateable: Option<Unrateable>,
    /// For a model outside the main component, in a component of two or more models: its rating
    /// fitted within that component alone. Ratings of different components share no scale, so no
    /// rank crosses a component.
    pub within_component: Option<WithinComponent>,
}

/// A rating on the scale of one comparison component other than the main one (mean 1000 within it).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WithinComponent {
    /// The component, 1-based as in [`Scoreboard::components`] (the main one is 1).
    pub component: usize,
    /// Its rating within the component.
    pub rating: f64,
    /// Lower 95% bound.
    pub ci_low: f64,
    /// Upper 95% bound.
    pub ci_high: f64,
    /// CI-aware rank among the component's models.
    pub rank: usize,
}

impl ScoreRow {
    /// The rating's standard error implied by the 95% interval: half its width over Φ⁻¹(0.975).
    pub fn standard_error(&self) -> Option<f64> {
        Some((self.ci_high? - self.ci_low?) / (2.0 * Z95))
    }
}

/// Ratings with intervals and ranks.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Scoreboard {
    /// Rows, best first, unrateable last.
    pub rows: Vec<ScoreRow>,
    /// The fit behind them.
    pub ratings: Ratings,
    /// How the intervals were computed.
    pub method: CiMethod,
    /// Bootstrap resamples redrawn (0 for the sandwich).
    pub redrawn: usize,
}

/// CI-aware ranks: `1 + #{b : lower(b) > upper(a)}` for every a.
pub fn ci_ranks(lower: &[f64], upper: &[f64]) -> Vec<usize> {
    upper.iter().map(|&u| 1 + lower.iter().filter(|&&l| l > u).count()).collect()
}

/// Rates `comparisons` under `anchor` and adds intervals by `method`.
pub fn scoreboard(comparisons: &Comparisons, anchor: &AnchorSpec, method: CiMethod) -> Result<Scoreboard, ScoresError> {
    scoreboard_with(comparisons, anchor, method, FitOptions::default())
}

/// [`scoreboard`] with fit options (battle weights, say).
pub fn scoreboard_with(
    comparisons: &Comparisons,
    anchor: &AnchorSpec,
    method: CiMethod,
    options: FitOptions,
) -> Result<Scoreboard, ScoresError> {
    let ratings = rate(comparisons, anchor, options)?;
    let ((lower, upper), redrawn) = if ratings.rated.is_empty() {
        ((Vec::new(), Vec::new()), 0)
    } else {
        match method {
            CiMethod::Bootstrap { rounds, seed } => {
                let b = bootstrap::bootstrap(&ratings, rounds, seed)?;
                ((b.lower, b.upper), b.redrawn)
            }
            CiMethod::Sandwich => (sandwich::intervals(&ratings)?, 0),
        }
    };
    let ranks = ci_ranks(&lower, &upper);
    let mut rows: Vec<ScoreRow> = ratings
        .rated
        .iter()
        .enumerate()
        .map(|(k, &i)| ScoreRow {
            model: ratings.models[i].clone(),
            rating: ratings.rating[i],
            ci_low: Some(lower[k]),
            ci_high: Some(upper[k]),
            battles: ratings.battles[i],
            rank: Some(ranks[k]),
            unrateable: None,
            within_component: None,
        })
        .collect();
    rows.sort_by(|x, y| {
        y.rating
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&x.rating.unwrap_or(f64::NEG_INFINITY))
            .then(x.model.cmp(&y.model))
    });
    let within = other_components(comparisons, &ratings, method, options)?;
    rows.extend(ratings.unrateable.iter().map(|&(i, why)| ScoreRow {
        model: ratings.models[i].clone(),
        rating: None,
        ci_low: None,
        ci_high: None,
        battles: ratings.battles[i],
        rank: None,
        unrateable: Some(why),
        within_component: within.iter().find(|w| w.0 == i).map(|w| w.1.clone()),
    }));
    Ok(Scoreboard { rows, ratings, method, redrawn })
}

/// Ratings of the models in every component but the main one that has two models or more, each
/// component fitted on its own (mean-1000 convention, intervals by `method`), as (model index,
/// rating).
fn other_components(
    comparisons: &Comparisons,
    ratings: &Ratings,
    method: CiMethod,
    options: FitOptions,
) -> Result<Vec<(usize, WithinComponent)>, ScoresError> {
    let mut out = Vec::new();
    for (c, members) in ratings.components.members.iter().enumerate().skip(1).filter(|(_, m)| m.len() >= 2) {
        let part = Comparisons {
            models: members.iter().map(|&i| comparisons.models[i].clone()).collect(),
            pairs: comparisons.restricted(members),
        };
        let board = scoreboard_with(&part, &AnchorSpec::Default, method, options)?;
        for row in board.rows.iter().filter(|r| r.rating.is_some()) {
            if let (Some(k), Some(rating), Some(ci_low), Some(ci_high), Some(rank)) =
                (comparisons.index_of(&row.model), row.rating, row.ci_low, row.ci_high, row.rank)
            {
                out.push((k, WithinComponent { component: c + 1, rating, ci_low, ci_high, rank }));
            }
        }
    }
    Ok(out)
}

impl Scoreboard {
    /// The row of `model`.
    pub fn row(&self, model: &str) -> Option<&ScoreRow> {
        self.rows.iter().find(|r| r.model == model)
    }

    /// A one-line description of the interval method.
    pub fn method_text(&self) -> String {
        let mut s = match self.method {
            CiMethod::Bootstrap { rounds, seed } => {
                let mut s = format!("bootstrap, {rounds} rounds, seed {seed}, 2.5%/97.5% quantiles");
                if self.redrawn > 0 {
                    let _ = write!(s, " ({} disconnected resamples redrawn)", self.redrawn);
                }
                s
            }
            CiMethod::Sandwich => format!("sandwich (robust) standard errors, rating ± {Z95:.4} SE"),
        };
        if let Some(floor) = self.ratings.reweight {
            let _ = write!(s, "; battles weighted 1/max(pair count, {floor})");
        }
        s
    }

    /// The components as model ids, main first (one component means the graph is strongly connected).
    pub fn components(&self) -> Vec<Vec<&str>> {
        let r = &self.ratings;
        r.components.members.iter().map(|m| m.iter().map(|&i| r.models[i].as_str()).collect()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_counts_models_whose_whole_interval_is_above() {
        // a: [10, 20], b: [15, 25], c: [0, 9], d: [21, 30]
        let lower = [10.0, 15.0, 0.0, 21.0];
        let upper = [20.0, 25.0, 9.0, 30.0];
        assert_eq!(ci_ranks(&lower, &upper), [2, 1, 4, 1]);
    }
}
