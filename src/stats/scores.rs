//! The leaderboard: ratings, 95% intervals, battles and the CI-aware rank, in the shapes
//! `fairboard scores` prints.
//!
//! Rank follows Chatbot Arena: `rank(a) = 1 + #{b : lower(b) > upper(a)}`, the number of models whose
//! whole interval lies above a's, plus one. Rows are ordered best first (rating descending, then
//! model id); unrateable models follow, by id, with empty rating, interval and rank.
//!
//! The CSV shape is fixed by design.md (`model,rating,ci_low,ci_high,battles,rank`); numbers are
//! printed with four decimals, so equal inputs give equal bytes.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::bootstrap::{self, BootstrapError};
use super::bradley_terry::{FitOptions, RateError, Ratings, Unrateable, rate};
use super::sandwich::{self, SandwichError};
use super::{AnchorSpec, Comparisons, Z95};

/// How the intervals are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq)]
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
}

impl ScoreRow {
    /// The rating's standard error implied by the 95% interval: half its width over Φ⁻¹(0.975).
    pub fn standard_error(&self) -> Option<f64> {
        Some((self.ci_high? - self.ci_low?) / (2.0 * Z95))
    }
}

/// Ratings with intervals and ranks.
#[derive(Debug, Clone, PartialEq)]
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
    let ratings = rate(comparisons, anchor, FitOptions::default())?;
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
        })
        .collect();
    rows.sort_by(|x, y| {
        y.rating
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&x.rating.unwrap_or(f64::NEG_INFINITY))
            .then(x.model.cmp(&y.model))
    });
    rows.extend(ratings.unrateable.iter().map(|&(i, why)| ScoreRow {
        model: ratings.models[i].clone(),
        rating: None,
        ci_low: None,
        ci_high: None,
        battles: ratings.battles[i],
        rank: None,
        unrateable: Some(why),
    }));
    Ok(Scoreboard { rows, ratings, method, redrawn })
}

fn fixed(x: Option<f64>) -> String {
    x.map_or_else(String::new, |x| format!("{x:.4}"))
}

fn rounded(x: f64) -> Value {
    json!((x * 1e4).round() / 1e4)
}

impl Scoreboard {
    /// The row of `model`.
    pub fn row(&self, model: &str) -> Option<&ScoreRow> {
        self.rows.iter().find(|r| r.model == model)
    }

    /// A one-line description of the interval method.
    pub fn method_text(&self) -> String {
        match self.method {
            CiMethod::Bootstrap { rounds, seed } => {
                let mut s = format!("bootstrap, {rounds} rounds, seed {seed}, 2.5%/97.5% quantiles");
                if self.redrawn > 0 {
                    let _ = write!(s, " ({} disconnected resamples redrawn)", self.redrawn);
                }
                s
            }
            CiMethod::Sandwich => format!("sandwich (robust) standard errors, rating ± {Z95:.4} SE"),
        }
    }

    /// The components as model ids, main first (one component means the graph is strongly connected).
    pub fn components(&self) -> Vec<Vec<&str>> {
        let r = &self.ratings;
        r.components.members.iter().map(|m| m.iter().map(|&i| r.models[i].as_str()).collect()).collect()
    }

    /// `model,rating,ci_low,ci_high,battles,rank`, one row per model, best first.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("model,rating,ci_low,ci_high,battles,rank\n");
        for row in &self.rows {
            let model = if row.model.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", row.model.replace('"', "\"\""))
            } else {
                row.model.clone()
            };
            let rank = row.rank.map_or_else(String::new, |r| r.to_string());
            let _ = writeln!(
                out,
                "{model},{},{},{},{},{rank}",
                fixed(row.rating),
                fixed(row.ci_low),
                fixed(row.ci_high),
                row.battles
            );
        }
        out
    }

    /// The JSON object `fairboard scores --format json` prints (callers may add keys).
    pub fn to_json(&self) -> serde_json::Map<String, Value> {
        let r = &self.ratings;
        let ratings: Vec<Value> = self
            .rows
            .iter()
            .filter(|row| row.rating.is_some())
            .map(|row| {
                json!({
                    "model": row.model,
                    "rating": row.rating.map(rounded),
                    "ci_low": row.ci_low.map(rounded),
                    "ci_high": row.ci_high.map(rounded),
                    "battles": row.battles,
                    "rank": row.rank,
                })
            })
            .collect();
        let unrateable: Vec<Value> = self
            .rows
            .iter()
            .filter_map(|row| {
                row.unrateable.map(|why| json!({"model": row.model, "battles": row.battles, "reason": why.to_string()}))
            })
            .collect();
        let ci = match self.method {
            CiMethod::Bootstrap { rounds, seed } => {
                json!({"method": "bootstrap", "level": 0.95, "rounds": rounds, "seed": seed, "redrawn": self.redrawn})
            }
            CiMethod::Sandwich => json!({"method": "sandwich", "level": 0.95}),
        };
        let mut out = serde_json::Map::new();
        out.insert(
            "anchor".into(),
            json!({"kind": r.anchor.kind(), "model": r.anchor.model(), "rating": r.anchor.rating(), "description": r.anchor.to_string()}),
        );
        out.insert("battles".into(), json!(r.battles.iter().sum::<u64>() / 2));
        out.insert("ci".into(), ci);
        out.insert("components".into(), json!(self.components()));
        out.insert(
            "fit".into(),
            json!({"method": "newton", "iterations": r.iterations, "relative_gradient": r.relative_gradient, "converged": true}),
        );
        out.insert("ratings".into(), Value::Array(ratings));
        out.insert("unrateable".into(), Value::Array(unrateable));
        out
    }

    /// The table for people (the caller adds context lines).
    pub fn to_table(&self) -> String {
        let rows: Vec<[String; 5]> = self
            .rows
            .iter()
            .map(|row| match row.rating {
                Some(x) => [
                    row.rank.map_or_else(String::new, |r| r.to_string()),
                    row.model.clone(),
                    format!("{x:.1}"),
                    format!("{:.1} to {:.1}", row.ci_low.unwrap_or(f64::NAN), row.ci_high.unwrap_or(f64::NAN)),
                    row.battles.to_string(),
                ],
                None => [
                    "-".into(),
                    row.model.clone(),
                    "unrateable".into(),
                    row.unrateable.map_or_else(String::new, |u| u.to_string()),
                    row.battles.to_string(),
                ],
            })
            .collect();
        crate::report::table(&["rank", "model", "rating", "95% CI", "battles"], &rows)
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

    #[test]
    fn csv_is_best_first_with_unrateable_rows_last() {
        let rows = [("a", "b", 30, 10, 5), ("b", "c", 20, 15, 5), ("c", "a", 10, 25, 5), ("top", "c", 3, 0, 0)];
        let board = scoreboard(&Comparisons::from_counts(rows), &AnchorSpec::Default, CiMethod::Sandwich).unwrap();
        let csv = board.to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "model,rating,ci_low,ci_high,battles,rank");
        assert!(lines[1].starts_with("a,"), "{csv}");
        assert_eq!(lines[4], "top,,,,3,");
        assert_eq!(lines.len(), 5);
        let json = board.to_json();
        assert_eq!(json["unrateable"][0]["reason"], "no losses");
        assert_eq!(json["components"].as_array().unwrap().len(), 2);
        assert_eq!(json["battles"], 128);
        assert!(board.to_table().contains("unrateable"));
        let sigma = board.rows[0].standard_error().unwrap();
        assert!(sigma > 0.0);
    }

    #[test]
    fn quoted_model_ids_stay_one_csv_field() {
        let board =
            scoreboard(&Comparisons::from_counts([("a,b", "c", 3, 2, 1)]), &AnchorSpec::Default, CiMethod::Sandwich)
                .unwrap();
        assert!(board.to_csv().contains("\n\"a,b\","), "{}", board.to_csv());
    }
}
