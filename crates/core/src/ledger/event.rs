//! Typed ledger events: the vocabulary of design.md as Rust types.
//!
//! Validation is the schemas' job ([`crate::ledger::schema`]); this module gives already-valid events a typed
//! shape for the code that reasons about them (facts, plans, simulations). Field names are part of the
//! ledger format and must match `schemas/events/*.json`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A model's license class, as the study groups models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum License {
    /// Closed weights, served only through an API.
    Proprietary,
    /// Weights published, training data or code not.
    OpenWeights,
    /// Fully open: weights, data and code.
    OpenSource,
}

impl License {
    /// The class name as the ledger spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proprietary => "proprietary",
            Self::OpenWeights => "open_weights",
            Self::OpenSource => "open_source",
        }
    }

    /// All classes, in a fixed order.
    pub const ALL: [License; 3] = [Self::Proprietary, Self::OpenWeights, Self::OpenSource];
}

/// Whether a model is listed publicly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Listed on the public leaderboard.
    Public,
    /// An anonymous private variant.
    Private,
}

/// A key's role in `key_authorized`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyRole {
    /// May sign every event.
    Operator,
    /// May sign its own provider's test, release and retraction events.
    Provider,
}

/// One pair's outcome counts in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairCount {
    /// First model.
    pub model_a: String,
    /// Second model.
    pub model_b: String,
    /// Battles `model_a` won.
    pub wins_a: u64,
    /// Battles `model_b` won.
    pub wins_b: u64,
    /// Ties, both-bad included.
    pub ties: u64,
}

impl PairCount {
    /// All battles between the two in the period.
    pub fn battles(&self) -> u64 {
        self.wins_a + self.wins_b + self.ties
    }
}

/// `score_disclosed`'s `method`: a free-text label (as format v1 always allowed), or a method
/// object precise enough to recompute the score ([`crate::ledger::method::Method`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MethodField {
    /// A label.
    Label(String),
    /// A method.
    Spec(crate::ledger::method::Method),
}

/// A ledger event (format v1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs, reason = "the variants and fields are the event vocabulary documented in docs/ledger-format.md")]
pub enum Event {
    /// Seq 0: names the board and its operator key.
    LedgerOpened { leaderboard: String, operator_key: String },
    /// Authorises a key.
    KeyAuthorized {
        key: String,
        role: KeyRole,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        provider: Option<String>,
    },
    /// Revokes a key for good.
    KeyRevoked { key_id: String },
    /// Records the policy pack in force.
    PolicyAdopted { name: String, version: String, digest: String },
    /// A provider joins.
    ProviderRegistered {
        provider: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// A model joins.
    ModelRegistered { model: String, provider: String, license: License, visibility: Visibility },
    /// A private variant's test starts: named by `model`, or sealed by `commitment`.
    PrivateTestStarted {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        model: Option<String>,
        provider: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        commitment: Option<String>,
    },
    /// Opens a sealed test's commitment.
    PrivateTestRevealed {
        provider: String,
        commitment: String,
        model: String,
        salt: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        artifact: Option<String>,
    },
    /// A private variant's test ends.
    PrivateTestEnded { model: String, provider: String },
    /// A model is made public.
    ModelReleased {
        model: String,
        provider: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        public_name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        artifact: Option<String>,
    },
    /// Anonymous battle counts over a period.
    BattlesRecorded { period_start: String, period_end: String, pairs: Vec<PairCount> },
    /// Sampling weights from a moment on.
    SamplingSet { effective_from: String, weights: BTreeMap<String, f64> },
    /// A published score.
    ScoreDisclosed {
        model: String,
        rating: f64,
        ci_low: f64,
        ci_high: f64,
        battles: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        method: Option<MethodField>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        board_digest: Option<String>,
    },
    /// The rating method the board uses from `effective_from` on.
    MethodAdopted {
        method: crate::ledger::method::Method,
        effective_from: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A withdrawn score.
    ScoreRetracted {
        model: String,
        provider: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A retired model.
    ModelDeprecated { model: String, reason: String, public: bool },
    /// Data handed to a provider.
    DataReleased { provider: String, records: u64, period_start: String, period_end: String },
    /// An exemption of one subject from one rule, until `expires`.
    WaiverGranted { rule: String, subject: String, reason: String, approved_by: String, expires: String },
    /// Ends the waiver granted at seq `waiver`.
    WaiverRevoked {
        waiver: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
}

impl Event {
    /// The event as the JSON object the ledger stores.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::schema::schemas;

    #[test]
    fn typed_events_round_trip_and_validate() {
        let events = [
            Event::ProviderRegistered { provider: "meta".into(), name: None },
            Event::ModelRegistered {
                model: "m".into(),
                provider: "meta".into(),
                license: License::OpenWeights,
                visibility: Visibility::Private,
            },
            Event::BattlesRecorded {
                period_start: "2025-03-01T00:00:00Z".into(),
                period_end: "2025-03-01T23:59:59Z".into(),
                pairs: vec![PairCount { model_a: "a".into(), model_b: "b".into(), wins_a: 1, wins_b: 2, ties: 3 }],
            },
            Event::ModelDeprecated { model: "m".into(), reason: "inactive".into(), public: false },
        ];
        for e in events {
            let v = e.to_value();
            schemas().unwrap().validate_event(&v).unwrap();
            assert_eq!(serde_json::from_value::<Event>(v).unwrap(), e);
        }
    }
}
