//! What-if plans: future events a provider (or operator) intends, judged before anything is signed.
//!
//! A plan is YAML (an object with `steps`, pinned by `schemas/plan.json`) or JSON Lines of steps
//! (`.jsonl`/`.ndjson` files). Each step is `{"at"?: time, "event": {...}}`; a step without `at` happens
//! at the previous step's time (the first at the ledger's last record time). [`what_if`] replays the
//! steps one by one on top of the ledger's facts, in memory, and reports for each step the findings it
//! introduces (see [`crate::policy::admission`]). Nothing is ever written.

use std::sync::{Arc, LazyLock};

use serde::Serialize;
use serde_json::Value;

use crate::facts::{FactsBuilder, FactsError};
use crate::ledger::schema::{self, SchemaError, Violation};
use crate::policy::admission::introduced;
use crate::policy::host::SharedMeter;
use crate::policy::pack::{Location, PackError, yaml_to_json};
use crate::policy::{Finding, PolicyPack, RuleError, evaluate};
use crate::primitives::yaml::Locator;

/// A plan that cannot be used (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// Reading failed.
    #[error("{file}: {source}")]
    Io {
        /// The plan file.
        file: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// YAML or JSON syntax.
    #[error(transparent)]
    Syntax(#[from] PackError),
    /// The plan breaks its schema, an event its event schema, or times go backwards.
    #[error("{at}: {message}")]
    Invalid {
        /// Where.
        at: Location,
        /// What was expected.
        message: String,
    },
    /// The embedded schema is broken (a bug).
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// A step's event does not read as facts (a bug between the schemas and the typed events).
    #[error(transparent)]
    Facts(#[from] FactsError),
}

/// One planned step.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// 1-based position in the plan.
    pub number: usize,
    /// Line in the plan file where it starts (0 if unknown).
    pub line: usize,
    /// Its time, if given.
    pub at: Option<String>,
    /// The event.
    pub event: Value,
}

/// A loaded plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Whose plan it is, if it says.
    pub provider: Option<String>,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

static PLAN_SCHEMA: LazyLock<Result<jsonschema::Validator, SchemaError>> =
    LazyLock::new(|| schema::compile("plan.json", include_str!("../../../../schemas/plan.json")));

pub use crate::primitives::limits::MAX_PLAN_BYTES;

/// Parses and validates plan `text` (JSON Lines of steps when `jsonl`, YAML otherwise); `file` names
/// the plan in errors. A JSON Lines plan may also be the very event lines `append` takes (an object
/// with `type` and no `event`): each is a step without a time. The file store
/// (`fairboard::store::packs::load_plan`) reads a file and calls this; the fuzz targets call it directly.
/// A leading byte-order mark is skipped and `\r\n` line ends are accepted; JSON Lines steps are read
/// strictly, as events input is ([`crate::ledger::input::parse_strict`]), and YAML as packs are ([`yaml_to_json`]).
pub fn parse(file: &str, text: &str, jsonl: bool) -> Result<Plan, PlanError> {
    let file = file.to_owned();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // One parse for every location (a YAML plan of 10,000 steps locates each step).
    let locator = Locator::new(if jsonl { "" } else { text });
    let (value, lines): (Value, Vec<usize>) = if jsonl {
        let mut steps = Vec::new();
        let mut lines = Vec::new();
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let step = crate::ledger::input::parse_strict(line).map_err(|e| {
                let column = line[..e.offset.min(line.len())].chars().count() + 1;
                let (pointer, message) = match e.pointer {
                    Some(p) => (format!("/steps/{}{p}", steps.len()), e.message),
                    None => (String::new(), format!("malformed JSON: {}", e.message)),
                };
                PlanError::Invalid { at: Location { file: file.clone(), line: i + 1, column, pointer }, message }
            })?;
            // A line of bare events, as `append` takes them, is a step with no time.
            let step = match step {
                Value::Object(m) if m.contains_key("type") && !m.contains_key("event") => {
                    serde_json::json!({ "event": Value::Object(m) })
                }
                other => other,
            };
            steps.push(step);
            lines.push(i + 1);
        }
        (serde_json::json!({ "steps": steps }), lines)
    } else {
        let value = yaml_to_json(&file, text)?;
        let n = value.get("steps").and_then(Value::as_array).map_or(0, Vec::len);
        let lines = (0..n).map(|i| locator.locate(&format!("/steps/{i}")).0).collect();
        (value, lines)
    };
    let here = |pointer: &str| {
        let (line, column) = if jsonl {
            let step: Option<usize> = pointer.split('/').nth(2).and_then(|s| s.parse().ok());
            (step.and_then(|s| lines.get(s).copied()).unwrap_or(0), 0)
        } else {
            locator.locate(pointer)
        };
        Location { file: file.clone(), line, column, pointer: pointer.to_owned() }
    };
    let validator = PLAN_SCHEMA.as_ref().map_err(Clone::clone)?;
    if let Err(Violation { pointer, message }) = schema::first_violation(validator, &value) {
        return Err(PlanError::Invalid { at: here(&pointer), message });
    }
    let schemas = schema::schemas()?;
    let mut steps = Vec::new();
    let mut last: Option<chrono::DateTime<chrono::Utc>> = None;
    for (i, step) in value["steps"].as_array().map(Vec::as_slice).unwrap_or_default().iter().enumerate() {
        schemas.validate_event(&step["event"]).map_err(|v| {
            let v = v.under(&format!("/steps/{i}/event"));
            PlanError::Invalid { at: here(&v.pointer), message: v.message }
        })?;
        let event_bytes = crate::primitives::canonical::to_canonical_string(&step["event"]).map_or(0, |s| s.len());
        if event_bytes + crate::primitives::limits::MIN_ENVELOPE_BYTES > crate::primitives::limits::MAX_RECORD_BYTES {
            return Err(PlanError::Invalid {
                at: here(&format!("/steps/{i}/event")),
                message: format!(
                    "the event's canonical form is {event_bytes} bytes; its record would exceed the ledger's limit of \
                     {} bytes per record, so it could never be appended",
                    crate::primitives::limits::MAX_RECORD_BYTES
                ),
            });
        }
        let at = step.get("at").and_then(Value::as_str).map(str::to_owned);
        if let Some(t) = at.as_deref().and_then(|t| crate::primitives::time::parse(t).ok()) {
            if last.is_some_and(|l| t < l) {
                return Err(PlanError::Invalid {
                    at: here(&format!("/steps/{i}/at")),
                    message: "time goes backwards".into(),
                });
            }
            last = Some(t);
        }
        steps.push(Step { number: i + 1, line: lines.get(i).copied().unwrap_or(0), at, event: step["event"].clone() });
    }
    Ok(Plan { provider: value.get("provider").and_then(Value::as_str).map(str::to_owned), steps })
}

/// A finding a step would introduce, with what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Break {
    /// The step number (1-based).
    pub step: usize,
    /// The step's line in the plan file.
    pub line: usize,
    /// The step's event type.
    pub event_type: String,
    /// The step's time.
    pub at: String,
    /// The finding.
    pub finding: Finding,
    /// The rule's remedy, if the pack gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
    /// Whether the finding concerns the plan's provider (its id, one of its models, or its steps).
    pub concerns_provider: bool,
}

/// The verdict on a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhatIf {
    /// Steps judged.
    pub steps: usize,
    /// Whose plan, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Findings introduced, step by step.
    pub breaks: Vec<Break>,
    /// Rules that start failing at some step.
    pub errors: Vec<RuleError>,
}

impl WhatIf {
    /// True when some step introduces a deny finding or breaks a deny rule. For a provider's plan
    /// (`--as`), only the breaks that concern it count: another provider's deadline passing while the
    /// plan unfolds is reported, not its failure.
    pub fn denies(&self) -> bool {
        self.breaks.iter().any(|b| {
            b.finding.severity == crate::policy::Severity::Deny && (self.provider.is_none() || b.concerns_provider)
        }) || self.errors.iter().any(|e| e.severity == crate::policy::Severity::Deny)
    }
}

/// Replays `plan` on top of the facts in `builder` (a ledger of `records` records whose last time is
/// `head_time`, Unix ms), step by step, and collects what each step introduces.
pub fn what_if(
    pack: &PolicyPack,
    mut builder: FactsBuilder,
    head: (u64, i64),
    plan: &Plan,
    provider: Option<&str>,
    meter: Option<&SharedMeter>,
) -> Result<WhatIf, PlanError> {
    let (records, head_time) = head;
    let mut time = head_time;
    // Each step is judged against the plan's state one step earlier, at that step's time: what
    // the plan brings about between two steps (a deadline it lets pass, a reveal it makes too late)
    // is the later step's doing. The first step is judged against the ledger at its head.
    let mut previous = evaluate(pack, Arc::new(builder.judged_at(head_time)?), meter);
    let mut out =
        WhatIf { steps: plan.steps.len(), provider: provider.map(str::to_owned), breaks: vec![], errors: vec![] };
    for (i, step) in plan.steps.iter().enumerate() {
        if let Some(t) = step.at.as_deref().and_then(|t| crate::primitives::time::parse(t).ok()) {
            time = time.max(t.timestamp_millis());
        }
        let formatted =
            chrono::DateTime::from_timestamp_millis(time).map_or_else(String::new, crate::primitives::time::format);
        let seq = records + i as u64;
        builder.push_planned(seq, time, &step.event);
        let after = builder.judged_at(time)?;
        let models_of_provider: Vec<String> = match provider {
            Some(p) => after.models.iter().filter(|(_, m)| m.provider == p).map(|(k, _)| k.clone()).collect(),
            None => vec![],
        };
        let renames = after.revealed.clone();
        let ea = evaluate(pack, Arc::new(after), meter);
        let new = introduced(&previous, &ea, seq, &renames);
        previous = ea;
        for finding in new.findings {
            let concerns_provider = provider.is_some_and(|p| {
                finding.subject == p || models_of_provider.contains(&finding.subject) || finding.evidence.contains(&seq)
            });
            let remedy = pack.rules.iter().find(|r| r.id == finding.rule).and_then(|r| r.remedy.clone());
            out.breaks.push(Break {
                step: step.number,
                line: step.line,
                event_type: step.event["type"].as_str().unwrap_or("").to_owned(),
                at: formatted.clone(),
                finding,
                remedy,
                concerns_provider,
            });
        }
        for e in new.errors {
            if !out.errors.iter().any(|x| x.rule == e.rule) {
                out.errors.push(e);
            }
        }
    }
    Ok(out)
}
