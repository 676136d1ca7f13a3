//! Importing public Arena data as ledger events, so the statistics can run on real boards.
//!
//! - [`fastchat`]: FastChat battle records (`clean_battle_*.json` and the like), a JSON array or JSON
//!   Lines, one `battles_recorded` per UTC day (or one for a declared period);
//! - [`pairs`]: per-pair counts (`model_a,model_b,a_wins,b_wins,ties,ties_bothbad`, as leaderbot
//!   publishes them), one `battles_recorded` for a declared period;
//! - [`metadata`]: the model metadata (`model,provider,license`, or LMSYS's leaderboard tables) that
//!   gives the `provider_registered` and `model_registered` events, with the licence mapping.
//!
//! The output is event JSON, one object per line, ready for `fairboard append`; nothing is signed.
//! Registrations come first (providers, then models, by id), then the battle periods in time order;
//! within a period the pairs are sorted and each unordered pair appears once, so the same input always
//! gives the same bytes. Every event is checked against its schema before it is returned.

pub mod fastchat;
pub mod metadata;
pub mod pairs;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use chrono::DateTime;
use serde_json::{Value, json};

pub use metadata::{Metadata, license_class};

use crate::ledger::schema::{SchemaError, Violation, schemas};

/// Bad import input (exit 2). Every variant names the file and, where there is one, the line.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("{file}: {source}")]
    Io {
        /// The input.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// A record or row is malformed; `at` is `line N`, `line N, column M` or `element N`.
    #[error("{file}: {at}: {message}")]
    Record {
        /// The input.
        file: String,
        /// Where in it.
        at: String,
        /// What was expected.
        message: String,
    },
    /// The input holds no battles to import.
    #[error("{file}: no battles to import ({detail})")]
    Empty {
        /// The input.
        file: String,
        /// What was dropped or missing.
        detail: String,
    },
    /// Models in the battles that the metadata does not describe.
    #[error(
        "{file}: {} model(s) in the battles are missing from the metadata: {}\nhelp: add a `model,provider,license` row for each",
        models.len(),
        models.join(", ")
    )]
    MissingModels {
        /// The metadata file.
        file: String,
        /// Every missing model, sorted.
        models: Vec<String>,
    },
    /// The period given is malformed or inconsistent.
    #[error("{0}")]
    Period(String),
    /// The data carries no dates (or a record lacks them) and no period was given.
    #[error("{file}: {why}; the period the data covers must be given")]
    NoPeriod {
        /// The input.
        file: String,
        /// What lacks dates (`line N: no `tstamp` field`, or the format's reason).
        why: String,
    },
    /// An event that would be emitted breaks its schema (e.g. a model id longer than 256 characters).
    #[error("{file}: the imported data would give an invalid `{kind}` event at {violation}")]
    Invalid {
        /// The input.
        file: String,
        /// The event type.
        kind: String,
        /// Where and what.
        violation: Violation,
    },
    /// The embedded schemas are broken (a bug).
    #[error(transparent)]
    Schema(#[from] SchemaError),
}

/// A period `[start, end]` in Unix milliseconds.
pub type Span = (i64, i64);

/// Per-pair counts `(wins_a, wins_b, ties)` keyed by `(model_a, model_b)` with `model_a < model_b`.
pub type PairMap = BTreeMap<(String, String), (u64, u64, u64)>;

/// Battles collected from an input, per period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Battles {
    /// Pair counts per period, periods in time order.
    pub periods: BTreeMap<Span, PairMap>,
    /// Battles kept.
    pub kept: u64,
    /// Records dropped because they were not anonymous.
    pub dropped_named: u64,
    /// Records dropped because FastChat's deduplication left them out (`dedup_tag.sampled` false).
    pub dropped_dedup: u64,
    /// Records dropped because a model battled itself (not valid in a ledger).
    pub dropped_self: u64,
}

impl Battles {
    /// Adds `wins_a`, `wins_b`, `ties` for `a` against `b` in `span`.
    pub fn add(&mut self, span: Span, a: &str, b: &str, wins_a: u64, wins_b: u64, ties: u64) {
        let n = wins_a.saturating_add(wins_b).saturating_add(ties);
        if a == b {
            self.dropped_self = self.dropped_self.saturating_add(n);
            return;
        }
        if n == 0 {
            return;
        }
        let (key, wa, wb) = if a < b {
            ((a.to_owned(), b.to_owned()), wins_a, wins_b)
        } else {
            ((b.to_owned(), a.to_owned()), wins_b, wins_a)
        };
        let t = self.periods.entry(span).or_default().entry(key).or_insert((0, 0, 0));
        t.0 = t.0.saturating_add(wa);
        t.1 = t.1.saturating_add(wb);
        t.2 = t.2.saturating_add(ties);
        self.kept = self.kept.saturating_add(n);
    }

    /// Every model in the kept battles.
    pub fn models(&self) -> BTreeSet<&str> {
        self.periods.values().flat_map(|p| p.keys().flat_map(|(a, b)| [a.as_str(), b.as_str()])).collect()
    }

    /// A one-line account of what was kept and dropped.
    pub fn summary(&self) -> String {
        format!(
            "{} battles in {} period(s) over {} models; dropped {} non-anonymous, {} deduplicated, {} self-battles",
            self.kept,
            self.periods.len(),
            self.models().len(),
            self.dropped_named,
            self.dropped_dedup,
            self.dropped_self
        )
    }
}

/// The period a whole input covers, from its start and end times (RFC 3339), parsed and checked.
pub fn period(start: Option<&str>, end: Option<&str>) -> Result<Option<Span>, ImportError> {
    let parse = |what: &str, t: &str| {
        crate::primitives::time::parse(t)
            .map(|t| t.timestamp_millis())
            .map_err(|e| ImportError::Period(format!("period {what}: {e}")))
    };
    match (start, end) {
        (None, None) => Ok(None),
        (Some(s), Some(e)) => {
            let (s, e) = (parse("start", s)?, parse("end", e)?);
            if e < s {
                return Err(ImportError::Period("the period ends before it starts".into()));
            }
            Ok(Some((s, e)))
        }
        _ => Err(ImportError::Period("a period needs both a start and an end; only one was given".into())),
    }
}

impl ImportError {
    /// True when giving the period the input covers would help (the CLI names its flags).
    pub fn needs_period(&self) -> bool {
        matches!(self, Self::NoPeriod { .. } | Self::Period(_))
    }
}

fn time(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms).map_or_else(|| ms.to_string(), crate::primitives::time::format)
}

/// Opens `path` for reading, `-` meaning stdin; returns its display name too.
pub fn open(path: &Path) -> Result<(String, Box<dyn Read>), ImportError> {
    if path == Path::new("-") {
        return Ok(("<stdin>".to_owned(), Box::new(std::io::stdin())));
    }
    let file = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|source| ImportError::Io { file: file.clone(), source })?;
    Ok((file, Box::new(f)))
}

/// The events for `battles` read from `file`: registrations from `metadata` (if given) for the
/// models in the battles and their providers, then one `battles_recorded` per period.
pub fn events(file: &str, battles: &Battles, metadata: Option<&Metadata>) -> Result<Vec<Value>, ImportError> {
    if battles.kept == 0 {
        return Err(ImportError::Empty { file: file.to_owned(), detail: battles.summary() });
    }
    let mut out = Vec::new();
    if let Some(meta) = metadata {
        let models = battles.models();
        let missing: Vec<String> =
            models.iter().filter(|m| !meta.models.contains_key(**m)).map(|m| (*m).to_owned()).collect();
        if !missing.is_empty() {
            return Err(ImportError::MissingModels { file: meta.file.clone(), models: missing });
        }
        let mut providers: BTreeMap<&str, Option<&str>> = BTreeMap::new();
        for m in &models {
            let info = &meta.models[*m];
            let name = providers.entry(info.provider.as_str()).or_insert(None);
            if name.is_none() {
                *name = info.provider_name.as_deref();
            }
        }
        for (provider, name) in providers {
            let mut e = json!({"type": "provider_registered", "provider": provider});
            if let (Some(name), Some(obj)) = (name, e.as_object_mut()) {
                obj.insert("name".into(), json!(name));
            }
            out.push(e);
        }
        for m in &models {
            let info = &meta.models[*m];
            out.push(json!({
                "type": "model_registered",
                "model": m,
                "provider": info.provider,
                "license": info.license.as_str(),
                "visibility": "public",
            }));
        }
    }
    for (&(start, end), pairs) in &battles.periods {
        let pairs: Vec<Value> = pairs
            .iter()
            .map(|((a, b), (wa, wb, t))| json!({"model_a": a, "model_b": b, "wins_a": wa, "wins_b": wb, "ties": t}))
            .collect();
        out.push(
            json!({"type": "battles_recorded", "period_start": time(start), "period_end": time(end), "pairs": pairs}),
        );
    }
    let schemas = schemas()?;
    for e in &out {
        schemas.validate_event(e).map_err(|violation| ImportError::Invalid {
            file: file.to_owned(),
            kind: e["type"].as_str().unwrap_or_default().to_owned(),
            violation,
        })?;
    }
    Ok(out)
}

/// Checks a model id read from `file` at `at` the way the schemas will: 1–256 characters, no control
/// characters.
pub fn check_model_id(file: &str, at: impl FnOnce() -> String, field: &str, id: &str) -> Result<(), ImportError> {
    if id.is_empty() || id.chars().count() > 256 || id.chars().any(char::is_control) {
        return Err(ImportError::Record {
            file: file.to_owned(),
            at: at(),
            message: format!("`{field}` must be a model id of 1-256 characters without control characters"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_checked() {
        assert_eq!(period(None, None).unwrap(), None);
        assert_eq!(
            period(Some("2024-01-01T00:00:00Z"), Some("2024-01-01T00:00:00Z")).unwrap(),
            Some((1_704_067_200_000, 1_704_067_200_000))
        );
        assert!(period(Some("2024-01-02T00:00:00Z"), Some("2024-01-01T00:00:00Z")).is_err());
        assert!(period(Some("2024-01-02T00:00:00Z"), None).is_err());
        assert!(
            period(Some("yesterday"), Some("2024-01-01T00:00:00Z"))
                .unwrap_err()
                .to_string()
                .starts_with("period start: ")
        );
    }

    #[test]
    fn battles_merge_orient_and_drop_self_pairs() {
        let mut b = Battles::default();
        b.add((0, 1), "y", "x", 1, 2, 3);
        b.add((0, 1), "x", "y", 1, 0, 0);
        b.add((0, 1), "x", "x", 1, 0, 0);
        assert_eq!(b.periods[&(0, 1)][&("x".to_owned(), "y".to_owned())], (3, 1, 3));
        assert_eq!((b.kept, b.dropped_self), (7, 1));
        let out = events("f", &b, None).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0]["period_start"], "1970-01-01T00:00:00Z");
        assert!(matches!(events("f", &Battles::default(), None), Err(ImportError::Empty { .. })));
    }
}
