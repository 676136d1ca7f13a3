//! The JSON Schemas (draft 2020-12) that pin fairboard's formats, compiled once.
//!
//! The schema files under `schemas/` are the normative definition of records and events; they are
//! embedded at build time so the binary and the published files cannot drift apart. Validation errors
//! carry the JSON pointer of the offending value.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use jsonschema::Validator;
use serde_json::Value;

/// A schema could not be used (a bug in a shipped schema, reported instead of panicking).
#[derive(Debug, Clone, thiserror::Error)]
#[error("internal schema `{name}` does not compile: {detail}")]
pub struct SchemaError {
    /// The schema's file name.
    pub name: String,
    /// What the compiler said.
    pub detail: String,
}

/// Where a JSON value breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", if pointer.is_empty() { "(root)" } else { pointer.as_str() })]
pub struct Violation {
    /// JSON pointer (RFC 6901) to the offending value; empty for the whole document.
    pub pointer: String,
    /// What was expected there.
    pub message: String,
}

impl Violation {
    /// A violation at `pointer`.
    pub fn at(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self { pointer: pointer.into(), message: message.into() }
    }

    /// The same violation seen from a containing document, under `prefix` (e.g. `/event`).
    pub fn under(mut self, prefix: &str) -> Self {
        self.pointer = format!("{prefix}{}", self.pointer);
        self
    }
}

/// The event types of ledger format v1, in the order design.md lists them.
pub const EVENT_TYPES: [&str; 19] = [
    "ledger_opened",
    "key_authorized",
    "key_revoked",
    "policy_adopted",
    "provider_registered",
    "model_registered",
    "private_test_started",
    "private_test_ended",
    "private_test_revealed",
    "model_released",
    "battles_recorded",
    "sampling_set",
    "score_disclosed",
    "score_retracted",
    "model_deprecated",
    "data_released",
    "waiver_granted",
    "waiver_revoked",
    "method_adopted",
];

const EVENT_SCHEMAS: [(&str, &str); 19] = [
    ("ledger_opened", include_str!("../../../../schemas/events/ledger_opened.json")),
    ("key_authorized", include_str!("../../../../schemas/events/key_authorized.json")),
    ("key_revoked", include_str!("../../../../schemas/events/key_revoked.json")),
    ("policy_adopted", include_str!("../../../../schemas/events/policy_adopted.json")),
    ("provider_registered", include_str!("../../../../schemas/events/provider_registered.json")),
    ("model_registered", include_str!("../../../../schemas/events/model_registered.json")),
    ("private_test_started", include_str!("../../../../schemas/events/private_test_started.json")),
    ("private_test_ended", include_str!("../../../../schemas/events/private_test_ended.json")),
    ("private_test_revealed", include_str!("../../../../schemas/events/private_test_revealed.json")),
    ("model_released", include_str!("../../../../schemas/events/model_released.json")),
    ("battles_recorded", include_str!("../../../../schemas/events/battles_recorded.json")),
    ("sampling_set", include_str!("../../../../schemas/events/sampling_set.json")),
    ("score_disclosed", include_str!("../../../../schemas/events/score_disclosed.json")),
    ("score_retracted", include_str!("../../../../schemas/events/score_retracted.json")),
    ("model_deprecated", include_str!("../../../../schemas/events/model_deprecated.json")),
    ("data_released", include_str!("../../../../schemas/events/data_released.json")),
    ("waiver_granted", include_str!("../../../../schemas/events/waiver_granted.json")),
    ("waiver_revoked", include_str!("../../../../schemas/events/waiver_revoked.json")),
    ("method_adopted", include_str!("../../../../schemas/events/method_adopted.json")),
];

const RECORD_SCHEMA: &str = include_str!("../../../../schemas/record.json");

/// Compiled validators for the record envelope and every event type.
pub struct Schemas {
    record: Validator,
    events: BTreeMap<&'static str, Validator>,
}

impl std::fmt::Debug for Schemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schemas").field("events", &self.events.keys().collect::<Vec<_>>()).finish_non_exhaustive()
    }
}

static SCHEMAS: LazyLock<Result<Schemas, SchemaError>> = LazyLock::new(Schemas::compile);

/// The compiled schema set (compiled on first use).
pub fn schemas() -> Result<&'static Schemas, SchemaError> {
    SCHEMAS.as_ref().map_err(Clone::clone)
}

/// Compiles one embedded schema text.
pub fn compile(name: &str, text: &str) -> Result<Validator, SchemaError> {
    let err = |detail: String| SchemaError { name: name.to_owned(), detail };
    let schema: Value = serde_json::from_str(text).map_err(|e| err(e.to_string()))?;
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| err(e.to_string()))
}

/// Validates `instance` and returns the first violation, if any.
pub fn first_violation(validator: &Validator, instance: &Value) -> Result<(), Violation> {
    if validator.is_valid(instance) {
        return Ok(());
    }
    match validator.iter_errors(instance).next() {
        None => Ok(()),
        Some(e) => {
            let mut pointer = e.instance_path().as_str().to_owned();
            // An unexpected member is best located at the member itself, not at its object.
            if let jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } = e.kind()
                && let Some(name) = unexpected.first()
            {
                pointer = format!("{pointer}/{}", name.replace('~', "~0").replace('/', "~1"));
            }
            Err(Violation::at(pointer, bounded(e.to_string())))
        }
    }
}

/// The longest violation message kept, in bytes. The validator quotes the offending value, which may be
/// megabytes long; an error message must stay readable.
const MAX_MESSAGE_BYTES: usize = 512;

/// `message` with its middle elided when it is longer than [`MAX_MESSAGE_BYTES`]: the start (the quoted
/// value) and the end (what was expected) are kept.
fn bounded(message: String) -> String {
    if message.len() <= MAX_MESSAGE_BYTES {
        return message;
    }
    let keep = MAX_MESSAGE_BYTES / 2;
    let mut head = keep;
    while !message.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = message.len() - keep;
    while !message.is_char_boundary(tail) {
        tail += 1;
    }
    // Both cuts are on character boundaries, so neither `get` fails.
    let (Some(start), Some(end)) = (message.get(..head), message.get(tail..)) else {
        return message;
    };
    format!("{start}…[{} bytes elided]…{end}", tail - head)
}

impl Schemas {
    fn compile() -> Result<Self, SchemaError> {
        let record = compile("record.json", RECORD_SCHEMA)?;
        let mut events = BTreeMap::new();
        for (name, text) in EVENT_SCHEMAS {
            events.insert(name, compile(&format!("events/{name}.json"), text)?);
        }
        Ok(Self { record, events })
    }

    /// Checks a record's envelope (every field but the event's own contents).
    pub fn validate_record(&self, record: &Value) -> Result<(), Violation> {
        first_violation(&self.record, record)
    }

    /// Checks an event against `schemas/events/<type>.json` and the cross-field rules a schema cannot
    /// express (documented in docs/ledger-format.md, "Event validity").
    pub fn validate_event(&self, event: &Value) -> Result<(), Violation> {
        let Some(object) = event.as_object() else {
            return Err(Violation::at("", "expected a JSON object with a `type` field"));
        };
        let Some(kind) = object.get("type") else {
            return Err(Violation::at("", "missing required field `type`"));
        };
        let Some(kind) = kind.as_str() else {
            return Err(Violation::at("/type", "expected a string naming the event type"));
        };
        let Some(validator) = self.events.get(kind) else {
            return Err(Violation::at(
                "/type",
                format!("unknown event type `{kind}`; expected one of: {}", EVENT_TYPES.join(", ")),
            ));
        };
        first_violation(validator, event)?;
        cross_field_rules(kind, event)
    }
}

/// Rules that relate two fields of one event.
fn cross_field_rules(kind: &str, event: &Value) -> Result<(), Violation> {
    let period_order = |start: &str, end: &str| -> Result<(), Violation> {
        let (Some(s), Some(e)) = (event[start].as_str(), event[end].as_str()) else {
            return Ok(());
        };
        match (crate::primitives::time::parse(s), crate::primitives::time::parse(e)) {
            (Ok(s), Ok(e)) if e < s => Err(Violation::at(format!("/{end}"), format!("`{end}` is before `{start}`"))),
            (Err(err), _) => Err(Violation::at(format!("/{start}"), err.to_string())),
            (_, Err(err)) => Err(Violation::at(format!("/{end}"), err.to_string())),
            _ => Ok(()),
        }
    };
    match kind {
        "battles_recorded" => {
            period_order("period_start", "period_end")?;
            if let Some(pairs) = event["pairs"].as_array() {
                for (i, pair) in pairs.iter().enumerate() {
                    if pair["model_a"] == pair["model_b"] {
                        return Err(Violation::at(format!("/pairs/{i}/model_b"), "a model cannot battle itself"));
                    }
                }
            }
            Ok(())
        }
        "data_released" => period_order("period_start", "period_end"),
        "private_test_started" => match (event.get("model").is_some(), event.get("commitment").is_some()) {
            (true, false) | (false, true) => Ok(()),
            (true, true) => Err(Violation::at(
                "/commitment",
                "a sealed test names no model: give `model` or `commitment`, not both",
            )),
            (false, false) => {
                Err(Violation::at("", "missing required field `model` (or `commitment`, for a sealed test)"))
            }
        },
        "score_disclosed" | "method_adopted" => {
            if kind == "method_adopted"
                && let Some(t) = event["effective_from"].as_str()
            {
                crate::primitives::time::parse(t).map_err(|e| Violation::at("/effective_from", e.to_string()))?;
            }
            if let Some(m @ Value::Object(_)) = event.get("method") {
                let method: crate::ledger::method::Method =
                    serde_json::from_value(m.clone()).map_err(|e| Violation::at("/method", e.to_string()))?;
                method.check().map_err(|e| Violation::at("/method", e.to_string()))?;
            }
            if kind == "score_disclosed" {
                ci_order(event)?;
            }
            Ok(())
        }
        "waiver_granted" => {
            if let Some(t) = event["expires"].as_str() {
                crate::primitives::time::parse(t).map_err(|e| Violation::at("/expires", e.to_string()))?;
            }
            Ok(())
        }
        "sampling_set" => {
            if let Some(t) = event["effective_from"].as_str() {
                crate::primitives::time::parse(t).map_err(|e| Violation::at("/effective_from", e.to_string()))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `score_disclosed`: `ci_low <= rating <= ci_high`.
fn ci_order(event: &Value) -> Result<(), Violation> {
    let (lo, r, hi) = (event["ci_low"].as_f64(), event["rating"].as_f64(), event["ci_high"].as_f64());
    match (lo, r, hi) {
        (Some(lo), Some(r), Some(hi)) if !(lo <= r && r <= hi) => {
            Err(Violation::at("/rating", "expected ci_low <= rating <= ci_high"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(event: Value) -> Result<(), Violation> {
        schemas().unwrap().validate_event(&event)
    }

    #[test]
    fn all_schemas_compile() {
        assert_eq!(schemas().unwrap().events.len(), EVENT_TYPES.len());
    }

    #[test]
    fn accepts_valid_events() {
        check(json!({"type":"provider_registered","provider":"meta","name":"Meta"})).unwrap();
        check(json!({"type":"key_authorized","key":"Kay64UG8yvCyLhqU000LxzYeUm0L/hLIl5S8kyKWbdc=","role":"provider","provider":"meta"})).unwrap();
        check(json!({"type":"sampling_set","effective_from":"2025-03-05T00:00:00Z","weights":{"a":1e-7,"b":3}}))
            .unwrap();
    }

    #[test]
    fn reports_pointer_of_the_bad_value() {
        let v = check(
            json!({"type":"battles_recorded","period_start":"2025-03-02T00:00:00Z","period_end":"2025-03-02T23:59:59Z",
            "pairs":[{"model_a":"a","model_b":"b","wins_a":"x","wins_b":1,"ties":0}]}),
        )
        .unwrap_err();
        assert_eq!(v.pointer, "/pairs/0/wins_a");
    }

    #[test]
    fn rejects_unknown_type_extra_field_and_missing_field() {
        assert_eq!(check(json!({"type":"nope"})).unwrap_err().pointer, "/type");
        assert!(check(json!({"type":"key_revoked","key_id":"0011223344556677","extra":1})).is_err());
        assert!(check(json!({"type":"key_revoked"})).is_err());
        assert!(
            check(
                json!({"type":"key_authorized","key":"Kay64UG8yvCyLhqU000LxzYeUm0L/hLIl5S8kyKWbdc=","role":"provider"})
            )
            .is_err()
        );
        assert!(check(json!({"type":"key_authorized","key":"Kay64UG8yvCyLhqU000LxzYeUm0L/hLIl5S8kyKWbdc=","role":"operator","provider":"x"})).is_err());
    }

    #[test]
    fn rejects_cross_field_violations() {
        let pair = |a: &str, b: &str| {
            json!({"type":"battles_recorded","period_start":"2025-03-02T00:00:00Z","period_end":"2025-03-02T23:59:59Z",
            "pairs":[{"model_a":a,"model_b":b,"wins_a":1,"wins_b":1,"ties":0}]})
        };
        assert_eq!(check(pair("a", "a")).unwrap_err().pointer, "/pairs/0/model_b");
        check(pair("a", "b")).unwrap();
        let backwards = json!({"type":"data_released","provider":"p","records":1,"period_start":"2025-03-02T00:00:00Z","period_end":"2025-03-01T00:00:00Z"});
        assert_eq!(check(backwards).unwrap_err().pointer, "/period_end");
        let ci = json!({"type":"score_disclosed","model":"m","rating":10.0,"ci_low":11.0,"ci_high":12.0,"battles":5});
        assert_eq!(check(ci).unwrap_err().pointer, "/rating");
    }

    #[test]
    fn long_values_are_not_echoed_in_full() {
        let v = check(json!({"type":"provider_registered","provider":"p","name":"é".repeat(1 << 20)})).unwrap_err();
        assert_eq!(v.pointer, "/name");
        assert!(v.message.len() < 600, "{} bytes", v.message.len());
        assert!(v.message.ends_with("is longer than 4096 characters"), "{}", v.message);
        assert!(v.message.contains("bytes elided]"), "{}", v.message);
    }

    #[test]
    fn enforces_ijson_integer_bounds_and_time_form() {
        let big = json!({"type":"data_released","provider":"p","records":9007199254740992u64,"period_start":"2025-03-01T00:00:00Z","period_end":"2025-03-01T00:00:00Z"});
        assert_eq!(check(big).unwrap_err().pointer, "/records");
        let offset = json!({"type":"data_released","provider":"p","records":1,"period_start":"2025-03-01T00:00:00+01:00","period_end":"2025-03-01T00:00:00Z"});
        assert_eq!(check(offset).unwrap_err().pointer, "/period_start");
        let month13 = json!({"type":"data_released","provider":"p","records":1,"period_start":"2025-13-01T00:00:00Z","period_end":"2025-13-01T00:00:00Z"});
        assert!(check(month13).is_err());
        let control = json!({"type":"provider_registered","provider":"a\u{0001}b"});
        assert_eq!(check(control).unwrap_err().pointer, "/provider");
    }
}
