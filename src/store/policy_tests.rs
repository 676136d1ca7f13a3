//! `fairboard policy test`: test cases for rules, in the spirit of `opa test`.
//!
//! A case is a YAML file: a small ledger fixture (events with times, after an automatic
//! `ledger_opened` at seq 0, turned into facts without signing) and the findings each named rule must
//! report. Only the rules named under `expect` run. Findings match in order; `subject` must be
//! equal, `evidence` (if given) equal, `message` (if given) a substring. An empty list means the rule
//! must stay quiet. The format is documented in docs/policies.md.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use crate::facts::{Facts, FactsBuilder};
use crate::ledger::schema::schemas;
use crate::policy::pack::{self, PackError};
use crate::policy::{Finding, evaluate};

/// A case that cannot be run (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// The case or a pack could not be read or parsed.
    #[error(transparent)]
    Pack(#[from] PackError),
    /// The case file is malformed.
    #[error("{file}: {message}")]
    Invalid {
        /// The case file.
        file: String,
        /// What is wrong, with a pointer.
        message: String,
    },
    /// The directory holds no cases.
    #[error("{0}: no test cases (*.yaml) found")]
    Empty(String),
    /// Listing the directory failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    #[serde(default)]
    description: Option<String>,
    pack: Option<PathBuf>,
    #[serde(default)]
    at: Option<String>,
    events: Vec<FixtureEvent>,
    expect: BTreeMap<String, Vec<Expected>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureEvent {
    at: String,
    event: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    subject: String,
    #[serde(default)]
    evidence: Option<Vec<u64>>,
    #[serde(default)]
    message: Option<String>,
}

/// The verdict on one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseResult {
    /// The case file.
    pub file: PathBuf,
    /// Its description.
    pub description: String,
    /// Mismatches; empty when the case passes.
    pub failures: Vec<String>,
}

/// Whether a YAML file is a policy pack rather than a test case (`kind: PolicyPack` at the top
/// level), so that `fairboard policy test` can be pointed at a pack's folder, as `opa test .` is.
fn is_pack(path: &Path) -> bool {
    let Ok(Some(bytes)) = super::packs::read_bounded(path, crate::primitives::limits::MAX_PACK_BYTES) else {
        return false;
    };
    String::from_utf8_lossy(&bytes).lines().any(|l| {
        let l = l.trim_end();
        l == "kind: PolicyPack" || l == "kind: \"PolicyPack\"" || l == "kind: 'PolicyPack'"
    })
}

/// Finds every `*.yaml` case under `dir` (skipping policy packs), sorted by path.
pub fn discover(dir: &Path) -> Result<Vec<PathBuf>, CaseError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let io = |source| CaseError::Io { path: d.display().to_string(), source };
        for entry in std::fs::read_dir(&d).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") && !is_pack(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(CaseError::Empty(dir.display().to_string()));
    }
    Ok(out)
}

/// Builds the fixture's facts: seq 0 `ledger_opened`, then the events in order.
fn fixture_facts(file: &str, case: &Case) -> Result<Facts, CaseError> {
    let invalid = |message: String| CaseError::Invalid { file: file.to_owned(), message };
    let at = case
        .at
        .as_deref()
        .map(|t| {
            crate::primitives::time::parse(t).map(|t| t.timestamp_millis()).map_err(|e| invalid(format!("at /at: {e}")))
        })
        .transpose()?;
    let first_time = case.events.first().map_or("1970-01-01T00:00:00Z", |e| e.at.as_str());
    // The fixture's seq 0. Nothing is signed: facts are built from the planned events directly, so
    // the declared key is a placeholder (32 zero bytes).
    let opened = serde_json::json!({"type": "ledger_opened", "leaderboard": "policy-test", "operator_key": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="});
    let schemas = schemas().map_err(PackError::from)?;
    let mut builder = FactsBuilder::new(at);
    let mut last = None;
    let all = std::iter::once((first_time, &opened)).chain(case.events.iter().map(|e| (e.at.as_str(), &e.event)));
    for (i, (time, event)) in all.enumerate() {
        let pointer = format!("/events/{}", i.saturating_sub(1));
        let t = crate::primitives::time::parse(time).map_err(|e| invalid(format!("at {pointer}/at: {e}")))?;
        if last.is_some_and(|l| t < l) {
            return Err(invalid(format!("at {pointer}/at: time goes backwards")));
        }
        last = Some(t);
        if i > 0 {
            schemas.validate_event(event).map_err(|v| invalid(format!("at {pointer}/event{v}")))?;
        }
        builder.push_planned(i as u64, t.timestamp_millis(), event);
    }
    builder.finish().map_err(|e| invalid(e.to_string()))
}

/// Runs one case file. `default_pack` is used when the case names none.
pub fn run_case(path: &Path, default_pack: Option<&Path>) -> Result<CaseResult, CaseError> {
    let file = path.display().to_string();
    let invalid = |message: String| CaseError::Invalid { file: file.clone(), message };
    let text = std::fs::read_to_string(path).map_err(|source| CaseError::Io { path: file.clone(), source })?;
    let value = pack::yaml_to_json(&file, &text)?;
    let case: Case = serde_json::from_value(value).map_err(|e| invalid(format!("not a test case: {e}")))?;
    let pack_path = match (&case.pack, default_pack) {
        (Some(p), _) => path.parent().unwrap_or(Path::new(".")).join(p),
        (None, Some(p)) => p.to_path_buf(),
        (None, None) => return Err(invalid("names no `pack:` and no --policy was given".into())),
    };
    let mut pack = super::packs::load(&pack_path)?;
    for id in case.expect.keys() {
        if !pack.rules.iter().any(|r| &r.id == id) {
            return Err(invalid(format!("at /expect/{id}: the pack has no rule `{id}`")));
        }
    }
    for rule in &mut pack.rules {
        rule.enabled = case.expect.contains_key(&rule.id);
    }
    let facts = fixture_facts(&file, &case)?;
    let evaluation = evaluate(&pack, Arc::new(facts), Some(&super::SystemMeter::shared()));
    let mut failures: Vec<String> =
        evaluation.errors.iter().map(|e| format!("rule `{}` could not be evaluated: {}", e.rule, e.message)).collect();
    for (rule, expected) in &case.expect {
        let got: Vec<&Finding> = evaluation.findings.iter().filter(|f| &f.rule == rule).collect();
        if got.len() != expected.len() {
            failures.push(format!(
                "rule `{rule}`: expected {} finding(s), got {}{}",
                expected.len(),
                got.len(),
                got.iter()
                    .map(|f| format!("\n    got: {} | {} | evidence {:?}", f.subject, f.message, f.evidence))
                    .collect::<String>()
            ));
            continue;
        }
        for (i, (e, g)) in expected.iter().zip(&got).enumerate() {
            if e.subject != g.subject {
                failures.push(format!("rule `{rule}` finding {i}: subject `{}`, expected `{}`", g.subject, e.subject));
            }
            if let Some(ev) = &e.evidence
                && ev != &g.evidence
            {
                failures.push(format!("rule `{rule}` finding {i}: evidence {:?}, expected {ev:?}", g.evidence));
            }
            if let Some(m) = &e.message
                && !g.message.contains(m.as_str())
            {
                failures.push(format!("rule `{rule}` finding {i}: message `{}` does not contain `{m}`", g.message));
            }
        }
    }
    Ok(CaseResult { file: path.to_path_buf(), description: case.description.unwrap_or_default(), failures })
}
