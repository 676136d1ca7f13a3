//! The rating method a `score_disclosed` or `method_adopted` records (docs/statistics.md §12):
//! plain data in the ledger format, applied by `stats::reproduce`.

use serde::{Deserialize, Serialize};

/// A method whose members do not fit together (the schema checks each alone).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MethodError(pub String);

/// How a disclosed score was computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Method {
    /// The model: only `bradley-terry` (MLE, ties as half a win, 400 points per base-10 unit).
    pub algorithm: Algorithm,
    /// The anchor; absent: FastChat's (mixtral-8x7b-instruct-v0.1 = 1114 when rated, else mean 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<Pin>,
    /// How the 95% interval was computed.
    pub interval: Interval,
    /// Bootstrap rounds (`interval: bootstrap` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounds: Option<u64>,
    /// Bootstrap seed (`interval: bootstrap` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Battle reweighting, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reweight: Option<Reweight>,
    /// The pair-count floor of the reweighting (required with `reweight`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_pair_count: Option<u64>,
    /// The battles are those of the `battles_recorded` records at or before this seq (and before
    /// the disclosure); absent: all recorded before the disclosure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub through_seq: Option<u64>,
    /// Decimals the disclosed numbers were rounded to (0 to 6).
    pub decimals: u32,
}

/// The rating model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    /// Bradley–Terry maximum likelihood.
    BradleyTerry,
}

/// A model pinned to a rating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    /// The model.
    pub model: String,
    /// Its rating.
    pub rating: f64,
}

/// An interval method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Interval {
    /// Sandwich (robust) standard errors, rating ± 1.96·SE.
    Sandwich,
    /// Percentile bootstrap, `rounds` resamples from `seed`.
    Bootstrap,
    /// rating ± 1.96/sqrt(I_vv): the model's own Fisher information at the MLE, opponents held
    /// fixed (cheap; what the simulator's board publishes).
    FisherDiagonal,
}

/// A reweighting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reweight {
    /// Each battle weighted 1 / max(pair count, `min_pair_count`).
    InversePairFrequency,
}

impl Method {
    /// Bradley–Terry with the default anchor, every battle before the disclosure, no reweighting,
    /// intervals by `interval` (not `bootstrap`, which needs rounds and a seed), rounded to `decimals`.
    pub fn plain(interval: Interval, decimals: u32) -> Self {
        Self {
            algorithm: Algorithm::BradleyTerry,
            anchor: None,
            interval,
            rounds: None,
            seed: None,
            reweight: None,
            min_pair_count: None,
            through_seq: None,
            decimals,
        }
    }

    /// Checks the combinations the schema cannot: bootstrap needs rounds and seed, reweighting
    /// needs its floor, decimals stay within 0..=6.
    pub fn check(&self) -> Result<(), MethodError> {
        let bad = |m: &str| Err(MethodError(m.into()));
        match (self.interval, self.rounds, self.seed) {
            (Interval::Bootstrap, Some(r), Some(_)) if r > 0 => {}
            (Interval::Bootstrap, ..) => return bad("interval bootstrap needs rounds (> 0) and seed"),
            (_, None, None) => {}
            _ => return bad("rounds and seed belong to interval bootstrap only"),
        }
        if self.reweight.is_some() != self.min_pair_count.is_some() {
            return bad("reweight and min_pair_count go together");
        }
        if self.decimals > 6 {
            return bad("decimals is at most 6");
        }
        Ok(())
    }
}

/// The method in words, for reports: `bradley-terry, anchor X = R, sandwich intervals, reweighted
/// 1/max(n, 50), battles through seq 120, 2 decimals`.
pub fn describe(m: &Method) -> String {
    let mut parts = vec!["bradley-terry".to_owned()];
    parts.push(
        m.anchor.as_ref().map_or_else(|| "default anchor".to_owned(), |p| format!("anchor {} = {}", p.model, p.rating)),
    );
    parts.push(match m.interval {
        Interval::Sandwich => "sandwich intervals".to_owned(),
        Interval::Bootstrap => {
            format!("bootstrap intervals ({} rounds, seed {})", m.rounds.unwrap_or(0), m.seed.unwrap_or(0))
        }
        Interval::FisherDiagonal => "own-information intervals".to_owned(),
    });
    if let Some(n) = m.min_pair_count {
        parts.push(format!("reweighted 1/max(n, {n})"));
    }
    if let Some(t) = m.through_seq {
        parts.push(format!("battles through seq {t}"));
    }
    parts.push(format!("{} decimals", m.decimals));
    parts.join(", ")
}
