//! Reproducible disclosures: the rating method a `score_disclosed` (or a `method_adopted`) records,
//! the board that method gives from the ledger's battles, and the digest of that board
//! (docs/statistics.md §12).
//!
//! A board changes its method now and then (Arena moved from bootstrap to sandwich intervals and to
//! inverse-frequency reweighting in July 2025); a score published without its method cannot be
//! recomputed by anyone else. With one, `fairboard scores --reproduce SEQ` recomputes it, and
//! `score-integrity` judges it under its own method.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::bradley_terry::{FitOptions, Ratings, rate};
use super::pairs::{Comparisons, PeriodFilter};
use super::scores::{CiMethod, scoreboard_with};
use super::{AnchorSpec, Z95, points_per_nat};
use crate::facts::Facts;
pub use crate::ledger::method::{Algorithm, Interval, Method, MethodError, Pin, Reweight, describe};
use crate::primitives::canonical::to_canonical_string;

/// Why a method cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReproduceError {
    /// The record is not a disclosure.
    #[error("seq {0} is not a score_disclosed record of this ledger")]
    NotADisclosure(u64),
    /// The disclosure records no method object.
    #[error(
        "the disclosure at seq {0} records no method object (only a label, or nothing): there is nothing to reproduce"
    )]
    NoMethod(u64),
    /// The method is inconsistent.
    #[error("method: {0}")]
    Invalid(#[from] MethodError),
    /// The fit failed.
    #[error("the method's fit failed: {0}")]
    Fit(String),
}

/// One model's line of a board: rating and 95% interval, rounded to the method's decimals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Line {
    /// Rating.
    pub rating: f64,
    /// Lower bound.
    pub ci_low: f64,
    /// Upper bound.
    pub ci_high: f64,
}

/// The board a method gives: every rated model, rounded, and its digest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Board {
    /// Lines by model id.
    pub lines: BTreeMap<String, Line>,
    /// `sha256:` + hex over [`canonical`] of the method and lines.
    pub digest: String,
}

/// The anchor of `method` as the statistics take it.
pub fn anchor_spec(method: &Method) -> AnchorSpec {
    method
        .anchor
        .as_ref()
        .map_or(AnchorSpec::Default, |p| AnchorSpec::Model { model: p.model.clone(), rating: p.rating })
}

/// `x` rounded half away from zero to `decimals`.
pub fn round_to(x: f64, decimals: u32) -> f64 {
    let f = 10f64.powi(decimals as i32);
    (x * f).round() / f
}

/// The canonical board: RFC 8785 text of `{"method": METHOD, "ratings": [[model, rating, ci_low,
/// ci_high], …]}`, rows sorted by model id (UTF-16 code units, as JCS sorts), numbers rounded.
pub fn canonical(method: &Method, lines: &BTreeMap<String, Line>) -> String {
    let mut rows: Vec<(&String, &Line)> = lines.iter().collect();
    rows.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
    let ratings: Vec<Value> = rows.iter().map(|(m, l)| json!([m, l.rating, l.ci_low, l.ci_high])).collect();
    let value = json!({"method": method, "ratings": ratings});
    to_canonical_string(&value).unwrap_or_default()
}

/// Rates `comparisons` under `method` and returns the rounded board.
pub fn board_of(comparisons: &Comparisons, method: &Method) -> Result<Board, ReproduceError> {
    method.check()?;
    let options = FitOptions { reweight: method.min_pair_count, ..FitOptions::default() };
    let anchor = anchor_spec(method);
    let d = method.decimals;
    let mut lines = BTreeMap::new();
    let line =
        |r: f64, lo: f64, hi: f64| Line { rating: round_to(r, d), ci_low: round_to(lo, d), ci_high: round_to(hi, d) };
    match method.interval {
        Interval::FisherDiagonal => {
            let ratings = rate(comparisons, &anchor, options).map_err(|e| ReproduceError::Fit(e.to_string()))?;
            for (pos, half) in diagonal_half_widths(&ratings).into_iter().enumerate() {
                let i = ratings.rated[pos];
                if let Some(r) = ratings.rating[i] {
                    lines.insert(ratings.models[i].clone(), line(r, r - half, r + half));
                }
            }
        }
        Interval::Sandwich | Interval::Bootstrap => {
            let ci = match method.interval {
                Interval::Bootstrap => {
                    CiMethod::Bootstrap { rounds: method.rounds.unwrap_or(0) as usize, seed: method.seed.unwrap_or(0) }
                }
                _ => CiMethod::Sandwich,
            };
            let board =
                scoreboard_with(comparisons, &anchor, ci, options).map_err(|e| ReproduceError::Fit(e.to_string()))?;
            for row in &board.rows {
                if let (Some(r), Some(lo), Some(hi)) = (row.rating, row.ci_low, row.ci_high) {
                    lines.insert(row.model.clone(), line(r, lo, hi));
                }
            }
        }
    }
    let digest =
        format!("sha256:{}", crate::primitives::crypto::hex(&Sha256::digest(canonical(method, &lines).as_bytes())));
    Ok(Board { lines, digest })
}

/// Half-widths of `rating ± 1.96/sqrt(I_vv)` per rated position: I_vv = Σ w·n·p(1−p) over the
/// model's pairs at the MLE.
pub fn diagonal_half_widths(ratings: &Ratings) -> Vec<f64> {
    let mut information = vec![0.0; ratings.theta.len()];
    for (k, p) in ratings.pairs.iter().enumerate() {
        let q = 1.0 / (1.0 + (ratings.theta[p.b] - ratings.theta[p.a]).exp());
        let v = ratings.weight(k) * p.battles() as f64 * q * (1.0 - q);
        information[p.a] += v;
        information[p.b] += v;
    }
    let k = points_per_nat();
    information.iter().map(|&i| if i > 0.0 { Z95 * k / i.sqrt() } else { 0.0 }).collect()
}

/// The battles a disclosure at `seq` under `method` rates: the periods recorded before it, and at
/// or before `through_seq` when given.
pub fn comparisons_for(facts: &Facts, method: &Method, seq: u64) -> Comparisons {
    let before = method.through_seq.map_or(seq, |t| seq.min(t.saturating_add(1)));
    Comparisons::from_facts(facts, PeriodFilter { before_seq: Some(before), ..PeriodFilter::ALL })
}

/// What reproducing one disclosure found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reproduction {
    /// The disclosure's seq.
    pub seq: u64,
    /// The model disclosed.
    pub model: String,
    /// The method it records.
    pub method: Method,
    /// What it disclosed.
    pub disclosed: Line,
    /// What the method gives for the model (`None`: it does not rate it).
    pub recomputed: Option<Line>,
    /// The board digest the disclosure records, if any.
    pub recorded_digest: Option<String>,
    /// The digest of the recomputed board.
    pub digest: String,
    /// True when every number agrees within one unit of the last decimal and the digests (when one
    /// was recorded) are equal.
    pub equal: bool,
    /// The first difference, in words, when not equal.
    pub difference: Option<String>,
}

/// Recomputes the disclosure at `seq` under the method it records.
pub fn reproduce(facts: &Facts, seq: u64) -> Result<Reproduction, ReproduceError> {
    let d = facts.disclosures.iter().find(|d| d.at.0 == seq).ok_or(ReproduceError::NotADisclosure(seq))?;
    let method = d.spec.clone().ok_or(ReproduceError::NoMethod(seq))?;
    let board = board_of(&comparisons_for(facts, &method, seq), &method)?;
    let disclosed = Line { rating: d.rating, ci_low: d.ci_low, ci_high: d.ci_high };
    let recomputed = board.lines.get(&d.model).copied();
    let unit = 10f64.powi(-(method.decimals as i32)) * (1.0 + 1e-9);
    let difference = match recomputed {
        None => Some(format!("the method does not rate {} from the battles it names", d.model)),
        Some(r) => [("rating", d.rating, r.rating), ("ci_low", d.ci_low, r.ci_low), ("ci_high", d.ci_high, r.ci_high)]
            .into_iter()
            .find(|(_, a, b)| (a - b).abs() > unit)
            .map(|(what, a, b)| format!("{what}: disclosed {a}, recomputed {b} (difference {:.6})", a - b))
            .or_else(|| {
                d.board_digest
                    .as_ref()
                    .filter(|g| **g != board.digest)
                    .map(|g| format!("board digest: recorded {g}, recomputed {}", board.digest))
            }),
    };
    Ok(Reproduction {
        seq,
        model: d.model.clone(),
        method,
        disclosed,
        recomputed,
        recorded_digest: d.board_digest.clone(),
        digest: board.digest,
        equal: difference.is_none(),
        difference,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method() -> Method {
        Method::plain(Interval::FisherDiagonal, 2)
    }

    fn comparisons() -> Comparisons {
        Comparisons::from_counts([("a", "b", 30, 20, 10), ("b", "c", 25, 15, 5), ("a", "c", 12, 30, 3)])
    }

    #[test]
    fn the_board_is_rounded_canonical_and_digested() {
        let board = board_of(&comparisons(), &method()).unwrap();
        assert_eq!(board.lines.len(), 3);
        let a = board.lines["a"];
        assert_eq!(a.rating, round_to(a.rating, 2));
        let text = canonical(&method(), &board.lines);
        assert!(
            text.starts_with(
                r#"{"method":{"algorithm":"bradley-terry","decimals":2,"interval":"fisher-diagonal"},"ratings":[["a","#
            ),
            "{text}"
        );
        assert_eq!(board_of(&comparisons(), &method()).unwrap().digest, board.digest, "deterministic");
        let sandwich = Method { interval: Interval::Sandwich, ..method() };
        assert_ne!(board_of(&comparisons(), &sandwich).unwrap().digest, board.digest, "the method is bound");
    }

    #[test]
    fn inconsistent_methods_are_refused() {
        for m in [
            Method { interval: Interval::Bootstrap, ..method() },
            Method { rounds: Some(10), ..method() },
            Method { reweight: Some(Reweight::InversePairFrequency), ..method() },
            Method { decimals: 7, ..method() },
        ] {
            assert!(m.check().is_err(), "{m:?}");
        }
        let unknown = serde_json::from_value::<Method>(
            json!({"algorithm":"bradley-terry","interval":"sandwich","decimals":2,"colour":"red"}),
        );
        assert!(unknown.is_err());
    }
}
