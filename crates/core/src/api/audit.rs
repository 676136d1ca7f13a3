//! The auditor's report: authenticity, policy compliance, ratings, and the board's fairness tables in
//! one document.
//!
//! `fairboard audit` verifies the ledger against the trusted operator key (and a checkpoint, if given),
//! evaluates the pack, fits the ratings, and adds what the study asked boards to publish: battle and
//! data shares per provider and per license class, deprecations per license class, and the best-of-N
//! picture of every release. The JSON form is the check report of `schemas/report.json` plus these
//! sections; like it, it is deterministic.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::api::evidence::EvidenceRecord;
use crate::api::report::Report;
use crate::facts::Facts;
use crate::ledger::event::License;
use crate::stats::anchor::AnchorSpec;
use crate::stats::flip::{self, Fragility};
use crate::stats::pairs::{Comparisons, PeriodFilter};
use crate::stats::scores::{CiMethod, Scoreboard, scoreboard};
use crate::stats::selection::{self, Selection};

/// Whether the ledger is authentic.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Verification {
    /// True when every record verified under the trusted key (and the checkpoint matched).
    pub ok: bool,
    /// Records verified.
    pub records: u64,
    /// Head hash ("" if none verified).
    pub head: String,
    /// The first defect, if any: line and reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defect: Option<String>,
    /// The defect's 1-based ledger line, when it is in the ledger (not in the checkpoint).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defect_line: Option<u64>,
    /// The checkpoint the ledger was compared with, if one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
}

/// One provider's share of the board.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProviderRow {
    /// Provider id.
    pub provider: String,
    /// Public models.
    pub public_models: u64,
    /// Private variants tested.
    pub private_tests: u64,
    /// Battles in which one of its models took part.
    pub battles: u64,
    /// Those battles over all battles.
    pub battle_share: f64,
    /// Its battle data released to it (records).
    pub data_records: u64,
    /// That over all released data.
    pub data_share: f64,
    /// Score retractions.
    pub retractions: u64,
    /// Public deprecations of its models.
    pub deprecated_public: u64,
    /// Deprecations recorded as not public.
    pub deprecated_silent: u64,
}

/// One license class's share of the board.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClassRow {
    /// The class.
    pub license: String,
    /// Public models of the class.
    pub public_models: u64,
    /// Battle appearances of its models over all appearances (two per battle).
    pub appearance_share: f64,
    /// Data released to providers whose public models are mostly of this class, over all data.
    pub data_share: f64,
    /// Public deprecations.
    pub deprecated_public: u64,
    /// Deprecations recorded as not public.
    pub deprecated_silent: u64,
    /// All deprecations over public models.
    pub deprecation_rate: f64,
    /// Public models not deprecated but silently inactive, as the pack's `deprecation-parity` rule
    /// counts them (fewer than `inactive_battles_per_day · window_days` battles in the last
    /// `window_days`); absent without that rule or when the battles do not cover the window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inactive: Option<u64>,
    /// Deprecated or inactive public models over public models: the rate that rule compares.
    pub retirement_rate: f64,
}

/// How `deprecation-parity` counts a silent retirement (its parameters).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inactivity {
    /// Battles a day below which a public model counts as retired.
    pub battles_per_day: f64,
    /// The window those battles are counted over, in days.
    pub window_days: i64,
}

impl Inactivity {
    /// The parameters of `report`'s enabled `deprecation-parity` rule, if it has one.
    pub fn of(report: &Report) -> Option<Self> {
        let r = report.enabled_rule("deprecation-parity")?;
        Some(Self {
            battles_per_day: r.param("inactive_battles_per_day")?,
            window_days: r.param("window_days")? as i64,
        })
    }
}

/// A rating row.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RatingRow {
    /// Model.
    pub model: String,
    /// Rating.
    pub rating: f64,
    /// Lower 95% bound.
    pub ci_low: f64,
    /// Upper 95% bound.
    pub ci_high: f64,
    /// Battles.
    pub battles: u64,
    /// CI-aware rank.
    pub rank: usize,
}

/// The ratings recomputed from the ledger's battles.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RatingsSummary {
    /// Anchor and interval method, in words.
    pub method: String,
    /// Rated models, best first.
    pub rows: Vec<RatingRow>,
    /// Models with battles but no rating, and why.
    pub unrateable: Vec<(String, String)>,
    /// Strongly connected components of the comparison graph (one means connected).
    pub components: usize,
    /// Votes to flip the top model and each adjacent pair among the best [`FLIP_DEPTH`] + 1 models
    /// (`None` when it could not be computed).
    pub votes_to_flip: Option<Fragility>,
}

/// Adjacent pairs of the rating order whose votes to flip the audit computes: those of the rows it
/// shows.
pub const FLIP_DEPTH: usize = 20;

/// The board over time: what the battle-share and private-variant charts draw.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Timeline {
    /// Each period's start (RFC 3339), in ledger order.
    pub period_start: Vec<String>,
    /// Each period's battles.
    pub period_battles: Vec<u64>,
    /// Each provider's battles in each period (0 where it had none), one entry per period.
    pub provider_battles: BTreeMap<String, Vec<u64>>,
    /// Each provider's open private tests after every start or end of one: (time, open), in time
    /// order.
    pub open_private: BTreeMap<String, Vec<(String, u32)>>,
}

/// The board's periods and private tests over time.
pub fn timeline(facts: &Facts) -> Timeline {
    let n = facts.periods.len();
    let mut provider_battles: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for (i, p) in facts.periods.iter().enumerate() {
        for (provider, b) in &p.provider_battles {
            provider_battles.entry(provider.clone()).or_insert_with(|| vec![0; n])[i] = *b;
        }
    }
    let mut changes: BTreeMap<&str, Vec<(i64, u64, i32)>> = BTreeMap::new();
    for t in &facts.private_tests {
        let c = changes.entry(t.provider.as_str()).or_default();
        c.push((t.start.1, t.start.0, 1));
        if let Some(end) = t.end {
            c.push((end.1, end.0, -1));
        }
    }
    let open_private = changes
        .into_iter()
        .map(|(provider, mut c)| {
            c.sort_unstable();
            let mut open = 0i32;
            let steps = c
                .into_iter()
                .map(|(at, _, d)| {
                    open += d;
                    (rfc3339(at), open.max(0) as u32)
                })
                .collect();
            (provider.to_owned(), steps)
        })
        .collect();
    Timeline {
        period_start: facts.periods.iter().map(|p| rfc3339(p.span.0)).collect(),
        period_battles: facts.periods.iter().map(|p| p.battles).collect(),
        provider_battles,
        open_private,
    }
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(String::new, crate::primitives::time::format)
}

/// The whole audit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuditReport {
    /// Authenticity.
    pub verification: Verification,
    /// Policy compliance (the check report).
    #[serde(flatten)]
    pub report: Report,
    /// Ratings, when the ledger verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratings: Option<RatingsSummary>,
    /// Best-of-N per release after more than one variant.
    pub best_of_n: Vec<Selection>,
    /// Per provider.
    pub providers: Vec<ProviderRow>,
    /// Per license class.
    pub license_classes: Vec<ClassRow>,
    /// The board over time; only when [`crate::api::Options::detail`] asked for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Timeline>,
    /// The records the findings cite, by seq; only with [`crate::api::Options::detail`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceRecord>,
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

fn blank(provider: &str) -> ProviderRow {
    ProviderRow {
        provider: provider.to_owned(),
        public_models: 0,
        private_tests: 0,
        battles: 0,
        battle_share: 0.0,
        data_records: 0,
        data_share: 0.0,
        retractions: 0,
        deprecated_public: 0,
        deprecated_silent: 0,
    }
}

/// Per-provider rows, sorted by provider id.
pub fn provider_rows(facts: &Facts) -> Vec<ProviderRow> {
    let total_battles: u64 = facts.periods.iter().map(|p| p.battles).sum();
    let total_data: u64 = facts.data_releases.iter().map(|d| d.records).sum();
    let mut rows: BTreeMap<String, ProviderRow> = BTreeMap::new();
    fn at<'a>(rows: &'a mut BTreeMap<String, ProviderRow>, p: &str) -> &'a mut ProviderRow {
        rows.entry(p.to_owned()).or_insert_with(|| blank(p))
    }
    for id in facts.providers.keys() {
        at(&mut rows, id);
    }
    for (id, m) in &facts.models {
        let row = at(&mut rows, &m.provider);
        if m.is_public() {
            row.public_models += 1;
        }
        if let Some(d) = facts.deprecation_of(id) {
            if d.public {
                row.deprecated_public += 1;
            } else {
                row.deprecated_silent += 1;
            }
        }
    }
    for t in &facts.private_tests {
        at(&mut rows, &t.provider).private_tests += 1;
    }
    for p in &facts.periods {
        for (provider, n) in &p.provider_battles {
            at(&mut rows, provider).battles += n;
        }
    }
    for d in &facts.data_releases {
        at(&mut rows, &d.provider).data_records += d.records;
    }
    for r in &facts.retractions {
        at(&mut rows, &r.provider).retractions += 1;
    }
    rows.into_values()
        .map(|mut r| {
            r.battle_share = share(r.battles, total_battles);
            r.data_share = share(r.data_records, total_data);
            r
        })
        .collect()
}

/// Per-license-class rows, in the order proprietary, open_weights, open_source; silent inactivity
/// counted as `inactivity` says (none: only recorded deprecations).
pub fn class_rows(facts: &Facts, inactivity: Option<Inactivity>) -> Vec<ClassRow> {
    // As deprecation-parity judges it: only when the battles cover the whole window, and only models
    // registered before it.
    let window = inactivity.and_then(|i| {
        let from = facts.now - i.window_days * 86_400_000;
        let covered = facts.periods.first().is_some_and(|p| p.span.0 <= from);
        covered.then(|| (from, i.battles_per_day * i.window_days as f64, facts.battles_in(from, facts.now + 1)))
    });
    let total_appearances: u64 = 2 * facts.periods.iter().map(|p| p.battles).sum::<u64>();
    let total_data: u64 = facts.data_releases.iter().map(|d| d.records).sum();
    // A provider's class for data shares: the class of most of its public models (ties: the first
    // in ALL order).
    let mut provider_classes: BTreeMap<&str, [u64; 3]> = BTreeMap::new();
    for m in facts.models.values().filter(|m| m.is_public()) {
        let i = License::ALL.iter().position(|l| *l == m.license).unwrap_or(0);
        provider_classes.entry(m.provider.as_str()).or_default()[i] += 1;
    }
    let class_of = |provider: &str| -> Option<License> {
        let counts = provider_classes.get(provider)?;
        let best = (0..3).max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))?;
        Some(License::ALL[best])
    };
    License::ALL
        .iter()
        .map(|&license| {
            let models: Vec<(&String, &crate::facts::ModelFact)> =
                facts.models.iter().filter(|(_, m)| m.license == license && m.is_public()).collect();
            let appearances: u64 = models.iter().map(|(_, m)| m.battles).sum();
            let data: u64 =
                facts.data_releases.iter().filter(|d| class_of(&d.provider) == Some(license)).map(|d| d.records).sum();
            let deps: Vec<bool> =
                models.iter().filter_map(|(id, _)| facts.deprecation_of(id)).map(|d| d.public).collect();
            let public = deps.iter().filter(|p| **p).count() as u64;
            let inactive = window.as_ref().map(|(from, threshold, recent)| {
                models
                    .iter()
                    .filter(|(id, m)| {
                        m.deprecation.is_none()
                            && m.registered.1 <= *from
                            && (recent.get(id.as_str()).copied().unwrap_or(0) as f64) < *threshold
                    })
                    .count() as u64
            });
            ClassRow {
                license: license.as_str().to_owned(),
                public_models: models.len() as u64,
                appearance_share: share(appearances, total_appearances),
                data_share: share(data, total_data),
                deprecated_public: public,
                deprecated_silent: deps.len() as u64 - public,
                deprecation_rate: share(deps.len() as u64, models.len() as u64),
                inactive,
                retirement_rate: share(deps.len() as u64 + inactive.unwrap_or(0), models.len() as u64),
            }
        })
        .collect()
}

/// The ratings of every model with battles, with sandwich intervals, and the scoreboard behind them.
pub fn ratings(facts: &Facts) -> Option<(RatingsSummary, Scoreboard)> {
    let comparisons = Comparisons::from_facts(facts, PeriodFilter::ALL);
    if comparisons.models.is_empty() {
        return None;
    }
    let board = scoreboard(&comparisons, &AnchorSpec::Default, CiMethod::Sandwich).ok()?;
    let rows = board
        .rows
        .iter()
        .filter_map(|r| {
            Some(RatingRow {
                model: r.model.clone(),
                rating: r.rating?,
                ci_low: r.ci_low?,
                ci_high: r.ci_high?,
                battles: r.battles,
                rank: r.rank?,
            })
        })
        .collect();
    let unrateable = board.rows.iter().filter_map(|r| r.unrateable.map(|u| (r.model.clone(), u.to_string()))).collect();
    let summary = RatingsSummary {
        method: board.method_text(),
        rows,
        unrateable,
        components: board.ratings.components.members.len(),
        votes_to_flip: flip::fragility(&board.ratings, Some(FLIP_DEPTH)).ok(),
    };
    Some((summary, board))
}

/// The best-of-N picture of every release after more than one variant, under `board`'s ratings
/// (all recorded periods): the same numbers as `fairboard scores` and the facts API's `best_of_n`.
pub fn best_of_n(facts: &Facts, board: Option<&Scoreboard>) -> Vec<Selection> {
    let current = board.map(|b| (&b.ratings, PeriodFilter::ALL));
    selection::selections(facts, selection::WINDOW_DAYS, current).into_iter().filter(|s| s.at_release.n > 1).collect()
}

impl AuditReport {
    /// Exit status: failed when verification failed or the policy failed.
    pub fn fails(&self) -> bool {
        !self.verification.ok || self.report.fails()
    }
}
