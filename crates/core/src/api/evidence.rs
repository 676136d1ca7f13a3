//! The records findings cite, kept during verification so that a report can show each one: the
//! evidence behind a finding, not only its seq.
//!
//! A `battles_recorded` record holds a whole period's pair counts (the demo's weigh 15 kB to 1 MB
//! each, 87 MB in all), so it is kept abridged: its period, pair and battle counts and its hash, with
//! the full line left in the ledger. Every other record is kept whole, as its canonical (RFC 8785)
//! line, the bytes that were hashed.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::ledger::VerifiedRecord;
use crate::primitives::canonical::to_canonical_string;

/// One cited record.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EvidenceRecord {
    /// Its seq (its ledger line is seq + 1).
    pub seq: u64,
    /// Its time (RFC 3339).
    pub time: String,
    /// Key id of its signer.
    pub signer: String,
    /// Its event type.
    pub event_type: String,
    /// Its hash.
    pub hash: String,
    /// The record's canonical line; `None` when abridged (see [`Abridged`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
    /// What an abridged `battles_recorded` record holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abridged: Option<Abridged>,
}

/// The summary of a `battles_recorded` record kept instead of its pairs.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Abridged {
    /// `period_start` as recorded.
    pub period_start: String,
    /// `period_end` as recorded.
    pub period_end: String,
    /// Pairs in the record.
    pub pairs: u64,
    /// Battles in the record (wins of either side and ties, over all pairs).
    pub battles: u64,
}

/// Collects [`EvidenceRecord`]s while a ledger is verified.
#[derive(Debug, Default)]
pub struct Collector {
    records: BTreeMap<u64, EvidenceRecord>,
}

impl Collector {
    /// Keeps `record` (abridged if it is a `battles_recorded`).
    pub fn push(&mut self, record: &VerifiedRecord) {
        let r = record.record();
        let event_type = r.event_type().to_owned();
        let (line, abridged) = if event_type == "battles_recorded" {
            (None, Some(abridge(&r.event)))
        } else {
            let line = serde_json::to_value(r).ok().and_then(|v| to_canonical_string(&v).ok());
            (line, None)
        };
        self.records.insert(
            r.seq,
            EvidenceRecord {
                seq: r.seq,
                time: r.time.clone(),
                signer: r.signer.clone(),
                event_type,
                hash: r.hash.clone(),
                line,
                abridged,
            },
        );
    }

    /// The records among `cited`, by seq.
    pub fn finish(mut self, cited: &BTreeSet<u64>) -> Vec<EvidenceRecord> {
        cited.iter().filter_map(|s| self.records.remove(s)).collect()
    }
}

fn abridge(event: &serde_json::Value) -> Abridged {
    let text = |k: &str| event.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    let pairs = event.get("pairs").and_then(|p| p.as_array()).map_or(&[][..], Vec::as_slice);
    let count = |p: &serde_json::Value, k: &str| p.get(k).and_then(serde_json::Value::as_u64).unwrap_or(0);
    Abridged {
        period_start: text("period_start"),
        period_end: text("period_end"),
        pairs: pairs.len() as u64,
        battles: pairs.iter().map(|p| count(p, "wins_a") + count(p, "wins_b") + count(p, "ties")).sum(),
    }
}
