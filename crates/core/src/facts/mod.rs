//! Facts: the aggregates one streaming pass over a ledger builds, and that policies read.
//!
//! Policies never walk records. [`FactsBuilder`] consumes verified records in order and keeps, per
//! provider, per model and per battle period, what the rules need, each item with the seq numbers of
//! the records that prove it. Times are Unix milliseconds (UTC). Everything is kept in sorted maps or
//! in ledger order, so every query answers deterministically.

mod builder;

use std::collections::BTreeMap;

pub use builder::{FactsBuilder, FactsError};

use crate::ledger::event::{License, Visibility};

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// A registered provider.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderFact {
    /// Display name, if given.
    pub name: Option<String>,
    /// Seq of `provider_registered`.
    pub seq: u64,
}

/// Everything known about one model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFact {
    /// Owning provider.
    pub provider: String,
    /// License class.
    pub license: License,
    /// Visibility at registration.
    pub visibility: Visibility,
    /// Seq and time of `model_registered`.
    pub registered: (u64, i64),
    /// Seq and time of `model_released`, if released.
    pub released: Option<(u64, i64)>,
    /// Public name given at release.
    pub public_name: Option<String>,
    /// Index into [`Facts::deprecations`] of the model's first deprecation.
    pub deprecation: Option<usize>,
    /// Battles in all recorded periods.
    pub battles: u64,
    /// Start of the first period with a battle of this model.
    pub first_battle: Option<i64>,
    /// End of the last period with a battle of this model.
    pub last_battle: Option<i64>,
}

impl ModelFact {
    /// Listed publicly: registered public, or released.
    pub fn is_public(&self) -> bool {
        self.visibility == Visibility::Public || self.released.is_some()
    }
}

/// One private test of one variant: from `private_test_started` to `private_test_ended` (if any).
#[derive(Debug, Clone, PartialEq)]
pub struct TestInterval {
    /// The variant.
    pub model: String,
    /// Its provider.
    pub provider: String,
    /// Seq and time of the start.
    pub start: (u64, i64),
    /// Seq and time of the end, if it ended.
    pub end: Option<(u64, i64)>,
    /// The commitment of a sealed test (its model is then the sealed id until the reveal).
    pub commitment: Option<String>,
    /// Seq and time of the `private_test_revealed` that opened it, if any.
    pub revealed: Option<(u64, i64)>,
    /// The artifact the opening committed to, if any.
    pub artifact: Option<String>,
    /// A reveal that named a model the ledger already used (seq, name): not accepted.
    pub reveal_conflict: Option<(u64, String)>,
}

/// A `score_disclosed`.
#[derive(Debug, Clone, PartialEq)]
pub struct Disclosure {
    /// Seq and time.
    pub at: (u64, i64),
    /// The model.
    pub model: String,
    /// Disclosed rating and interval.
    pub rating: f64,
    /// Lower CI bound.
    pub ci_low: f64,
    /// Upper CI bound.
    pub ci_high: f64,
    /// Battles the discloser claims.
    pub battles: u64,
    /// Battles of the model in the `battles_recorded` records that precede the disclosure in the ledger.
    pub recorded_battles: u64,
    /// Method label (a method object is described in words).
    pub method: Option<String>,
    /// The method object, when the disclosure records one.
    pub spec: Option<crate::ledger::method::Method>,
    /// The board digest it records, if any.
    pub board_digest: Option<String>,
}

/// A `method_adopted`.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodAdoption {
    /// Seq and time.
    pub at: (u64, i64),
    /// The method.
    pub method: crate::ledger::method::Method,
    /// When it takes effect (Unix ms).
    pub effective_from: i64,
}

/// A `score_retracted`.
#[derive(Debug, Clone, PartialEq)]
pub struct Retraction {
    /// Seq and time.
    pub at: (u64, i64),
    /// The model.
    pub model: String,
    /// The provider.
    pub provider: String,
    /// Stated reason.
    pub reason: Option<String>,
}

/// A `model_released`.
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    /// Seq and time.
    pub at: (u64, i64),
    /// The model (the private variant's id).
    pub model: String,
    /// The provider.
    pub provider: String,
    /// Public name, if different.
    pub public_name: Option<String>,
    /// The released artifact, if the release names one.
    pub artifact: Option<String>,
}

/// A `model_deprecated`.
#[derive(Debug, Clone, PartialEq)]
pub struct Deprecation {
    /// Seq and time.
    pub at: (u64, i64),
    /// The model.
    pub model: String,
    /// Stated reason.
    pub reason: String,
    /// Announced on a public list.
    pub public: bool,
}

/// A `data_released`.
#[derive(Debug, Clone, PartialEq)]
pub struct DataRelease {
    /// Seq and time.
    pub at: (u64, i64),
    /// Receiving provider.
    pub provider: String,
    /// Battle records released.
    pub records: u64,
    /// Period covered.
    pub period: (i64, i64),
}

/// A `sampling_set`.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplingSet {
    /// Seq and time.
    pub at: (u64, i64),
    /// When the weights take effect.
    pub effective_from: i64,
    /// Weight per model.
    pub weights: BTreeMap<String, f64>,
}

/// A `waiver_granted`, with its revocation if one followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    /// Seq and time of the grant (the seq names the waiver).
    pub at: (u64, i64),
    /// The rule waived.
    pub rule: String,
    /// The subject waived (matched exactly).
    pub subject: String,
    /// Why.
    pub reason: String,
    /// Who approved it.
    pub approved_by: String,
    /// When it stops applying (Unix ms).
    pub expires: i64,
    /// Seq and time of the `waiver_revoked`, if any.
    pub revoked: Option<(u64, i64)>,
}

/// A `policy_adopted`.
#[derive(Debug, Clone, PartialEq)]
pub struct Adoption {
    /// Seq and time.
    pub at: (u64, i64),
    /// Pack name.
    pub name: String,
    /// Pack version.
    pub version: String,
    /// `sha256:` digest of the pack file.
    pub digest: String,
}

/// One `battles_recorded` record, aggregated.
#[derive(Debug, Clone, PartialEq)]
pub struct Period {
    /// Seq of the record.
    pub seq: u64,
    /// Period start and end.
    pub span: (i64, i64),
    /// Battles in the period.
    pub battles: u64,
    /// Battles per model (model index into [`Facts::model_names`]).
    pub model_battles: Vec<(u32, u64)>,
    /// Battles with at least one model of the provider, per provider (registered models only).
    pub provider_battles: BTreeMap<String, u64>,
    /// The period's outcomes per pair, keyed like [`Facts::edges`] (model indices, smaller name first),
    /// sorted by key, duplicates merged, empty pairs dropped. The statistics read windows and
    /// "recorded before" cuts from these.
    pub pairs: Vec<((u32, u32), Edge)>,
}

/// Aggregated outcomes between two models over all periods (`a` sorts before `b`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Edge {
    /// Wins of the first model.
    pub wins_a: u64,
    /// Wins of the second model.
    pub wins_b: u64,
    /// Ties.
    pub ties: u64,
}

/// The facts of one ledger (up to an evaluation time).
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The leaderboard name from seq 0.
    pub leaderboard: String,
    /// Records read (those at or before the evaluation time).
    pub records: u64,
    /// Hash of the last record read.
    pub head: String,
    /// Time of the last record read.
    pub last_time: i64,
    /// The time rules judge against: `--at`, or the last record's time.
    pub now: i64,
    /// Providers by id.
    pub providers: BTreeMap<String, ProviderFact>,
    /// Models by id.
    pub models: BTreeMap<String, ModelFact>,
    /// Private tests, in order of their start.
    pub private_tests: Vec<TestInterval>,
    /// Disclosures, in ledger order.
    pub disclosures: Vec<Disclosure>,
    /// Retractions, in ledger order.
    pub retractions: Vec<Retraction>,
    /// Releases, in ledger order.
    pub releases: Vec<Release>,
    /// Deprecations, in ledger order.
    pub deprecations: Vec<Deprecation>,
    /// Data releases, in ledger order.
    pub data_releases: Vec<DataRelease>,
    /// Sampling weight changes, in ledger order.
    pub sampling_sets: Vec<SamplingSet>,
    /// Policy adoptions, in ledger order.
    pub adoptions: Vec<Adoption>,
    /// Waivers, in ledger order.
    pub waivers: Vec<Waiver>,
    /// Rating-method adoptions, in ledger order.
    pub method_adoptions: Vec<MethodAdoption>,
    /// Sealed id → revealed name, for every accepted reveal (the facts already use the names).
    pub revealed: BTreeMap<String, String>,
    /// Battle periods, in ledger order.
    pub periods: Vec<Period>,
    /// Names of every model seen in battles or registrations, by index.
    pub model_names: Vec<String>,
    /// Aggregated pair outcomes, keyed by model indices (smaller name first).
    pub edges: BTreeMap<(u32, u32), Edge>,
}

impl Facts {
    /// Battles per model over the periods whose start lies in `[from, to)`.
    pub fn battles_in(&self, from: i64, to: i64) -> BTreeMap<&str, u64> {
        let mut out = BTreeMap::new();
        for p in self.periods.iter().filter(|p| p.span.0 >= from && p.span.0 < to) {
            for &(m, n) in &p.model_battles {
                *out.entry(self.model_names[m as usize].as_str()).or_insert(0) += n;
            }
        }
        out
    }

    /// The periods whose start lies in `[from, to)`.
    pub fn periods_in(&self, from: i64, to: i64) -> impl Iterator<Item = &Period> {
        self.periods.iter().filter(move |p| p.span.0 >= from && p.span.0 < to)
    }

    /// The provider owning `model`, if registered.
    pub fn provider_of(&self, model: &str) -> Option<&str> {
        self.models.get(model).map(|m| m.provider.as_str())
    }

    /// The deprecation of `model`, if any.
    pub fn deprecation_of(&self, model: &str) -> Option<&Deprecation> {
        self.models.get(model).and_then(|m| m.deprecation).map(|i| &self.deprecations[i])
    }
}
