//! The JSON-in / JSON-out twin of each use case (the shape of Cedar's `ffi` module), for bindings:
//! every language sees the same contract, and a binding stays a thin wrapper.
//!
//! Each call takes one JSON object and returns one JSON object, never panics, and never fails:
//! `{"ok": true, "result": …}` or `{"ok": false, "error": {"kind", "subject", "message", "line"?,
//! "hint"?}}`, where `kind` is `input` (bad input) or `verification` (the input does not verify).
//! Ledgers, keys, checkpoints and packs are passed as text. A pack's `uses:` may name the shipped
//! scripts (`builtin/*.rhai`) or scripts given in `scripts` (`{"path": "text"}`); without `policy`
//! the shipped pack is used.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::api::{self, ApiError, ErrorKind, Options, Subject};
use crate::policy::pack::{PackError, PolicyPack, load_text};
use crate::policy::shipped;
use crate::policy::source::{ScriptSource, Scripts};
use crate::primitives::time;
use crate::stats::{AnchorSpec, CiMethod, PeriodFilter};

/// A request that cannot be used as given.
struct Refusal {
    subject: Subject,
    message: String,
}

fn refuse(subject: Subject, message: impl std::fmt::Display) -> Refusal {
    Refusal { subject, message: message.to_string() }
}

fn answer(result: Result<Value, Refusal>) -> String {
    let value = match result {
        Ok(result) => json!({"ok": true, "result": result}),
        Err(r) => json!({"ok": false, "error": {"kind": ErrorKind::Input, "subject": r.subject, "message": r.message}}),
    };
    value.to_string()
}

fn api_error(e: &ApiError) -> Value {
    let mut error = json!({"kind": e.kind(), "subject": e.subject(), "message": e.to_string()});
    if let Some(line) = e.line() {
        error["line"] = json!(line);
    }
    if let Some(hint) = e.hint() {
        error["hint"] = json!(hint);
    }
    json!({"ok": false, "error": error})
}

fn run(f: impl FnOnce() -> Result<Result<Value, ApiError>, Refusal>) -> String {
    match f() {
        Ok(Ok(v)) => answer(Ok(v)),
        Ok(Err(e)) => api_error(&e).to_string(),
        Err(r) => answer(Err(r)),
    }
}

fn parse<T: DeserializeOwned>(request: &str) -> Result<T, Refusal> {
    serde_json::from_str(request).map_err(|e| refuse(Subject::Other, format!("request: {e}")))
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, Refusal> {
    serde_json::to_value(v).map_err(|e| refuse(Subject::Other, format!("result: {e}")))
}

/// The shipped scripts, then those given in the request.
struct RequestScripts(Scripts);

impl ScriptSource for RequestScripts {
    fn name(&self, rel: &str) -> String {
        rel.to_owned()
    }

    fn read(&self, rel: &str) -> Result<String, String> {
        self.0.read(rel).or_else(|_| shipped::Builtin.read(rel))
    }
}

fn pack(policy: Option<&str>, scripts: std::collections::BTreeMap<String, String>) -> Result<PolicyPack, Refusal> {
    let loaded: Result<PolicyPack, PackError> = match policy {
        None => shipped::pack(),
        Some(text) => load_text("policy", text.as_bytes(), &RequestScripts(Scripts(scripts))),
    };
    loaded.map_err(|e| refuse(Subject::Policy, e))
}

fn trust_key(text: &str) -> Result<ed25519_dalek::VerifyingKey, Refusal> {
    api::operator_key(text).map_err(|e| refuse(Subject::Other, format!("trust: {e}")))
}

/// For bindings that hold state between calls (a streamed audit): the answer `{"ok": true,
/// "result": result}`.
pub fn answer_ok(result: Value) -> String {
    answer(Ok(result))
}

/// The error answer of a use case's error.
pub fn answer_error(e: &ApiError) -> String {
    api_error(e).to_string()
}

/// The pack a request names: the shipped one for `None`, else the YAML text (its `uses:` may name
/// the shipped `builtin/*.rhai` scripts); the error is an answer naming the policy.
pub fn request_pack(policy: Option<&str>) -> Result<PolicyPack, String> {
    pack(policy, Default::default()).map_err(|r| answer(Err(r)))
}

/// The operator key a request gives (SPKI PEM or a C2SP verifier key string); the error is an
/// answer.
pub fn request_trust(text: &str) -> Result<ed25519_dalek::VerifyingKey, String> {
    trust_key(text).map_err(|r| answer(Err(r)))
}

fn at(value: Option<&str>) -> Result<Option<i64>, Refusal> {
    value
        .map(|t| time::parse(t).map(|t| t.timestamp_millis()).map_err(|e| refuse(Subject::Other, format!("at: {e}"))))
        .transpose()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyRequest {
    ledger: String,
    trust: String,
    checkpoint: Option<String>,
}

/// `{"ledger", "trust" (SPKI PEM or a C2SP verifier key), "checkpoint"?}` → [`api::Verified`].
pub fn verify(request: &str) -> String {
    run(|| {
        let r: VerifyRequest = parse(request)?;
        let trust = trust_key(&r.trust)?;
        Ok(api::verify(r.ledger.as_bytes(), &trust, r.checkpoint.as_deref()).map(|v| to_value(&v)).and_then(ok))
    })
}

/// Lifts a serialisation outcome into the API result (a serialisation failure is reported).
fn ok(v: Result<Value, Refusal>) -> Result<Value, ApiError> {
    v.map_err(|r| ApiError::Serialise(r.message))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckRequest {
    ledger: String,
    policy: Option<String>,
    #[serde(default)]
    scripts: std::collections::BTreeMap<String, String>,
    at: Option<String>,
    #[serde(default)]
    allow_override: bool,
}

/// `{"ledger", "policy"? (YAML), "scripts"?, "at"?, "allow_override"?}` → the check report
/// (`schemas/report.json`).
pub fn check(request: &str) -> String {
    run(|| {
        let r: CheckRequest = parse(request)?;
        let pack = pack(r.policy.as_deref(), r.scripts)?;
        let options = Options { at: at(r.at.as_deref())?, allow_override: r.allow_override, ..Options::default() };
        Ok(api::check(r.ledger.as_bytes(), &pack, &options).map(|v| to_value(&v)).and_then(ok))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditRequest {
    ledger: String,
    trust: String,
    policy: Option<String>,
    #[serde(default)]
    scripts: std::collections::BTreeMap<String, String>,
    checkpoint: Option<String>,
    #[serde(default)]
    allow_override: bool,
}

/// `{"ledger", "trust", "policy"?, "scripts"?, "checkpoint"?, "allow_override"?}` → the audit report.
pub fn audit(request: &str) -> String {
    run(|| {
        let r: AuditRequest = parse(request)?;
        let trust = trust_key(&r.trust)?;
        let pack = pack(r.policy.as_deref(), r.scripts)?;
        let options = Options { allow_override: r.allow_override, ..Options::default() };
        let report = api::audit(r.ledger.as_bytes(), &trust, &pack, r.checkpoint.as_deref(), &options, |_| {}, 0);
        Ok(report.map(|v| to_value(&v)).and_then(ok))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProofRequest {
    proof: String,
    vkey: String,
}

/// `{"proof" (the proof file's text), "vkey" (the log's C2SP verifier key)}` → what the proof
/// establishes.
pub fn verify_proof(request: &str) -> String {
    run(|| {
        let r: ProofRequest = parse(request)?;
        Ok(api::verify_proof(r.proof.as_bytes(), &r.vkey).map(|v| to_value(&v)).and_then(ok))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProveRequest {
    ledger: String,
    seq: Option<u64>,
    checkpoint: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// `{"ledger", "seq", "checkpoint"}` (inclusion of record `seq`) or `{"ledger", "from", "to"}`
/// (consistency of two checkpoints, their texts) → `{"proof": the proof file's text}`, which
/// [`verify_proof`] checks.
pub fn prove(request: &str) -> String {
    run(|| {
        let r: ProveRequest = parse(request)?;
        let ledger = r.ledger.as_bytes();
        let text = match (r.seq, r.checkpoint, r.from, r.to) {
            (Some(seq), Some(cp), None, None) => api::prove_inclusion(ledger, seq, &cp).map(|p| p.to_text()),
            (None, None, Some(from), Some(to)) => api::prove_consistency(ledger, &from, &to).map(|p| p.to_text()),
            _ => {
                return Err(refuse(
                    Subject::Other,
                    "request: give `seq` and `checkpoint` (inclusion) or `from` and `to` (consistency)",
                ));
            }
        };
        Ok(text.map(|proof| json!({ "proof": proof })))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScoresRequest {
    ledger: String,
    #[serde(default)]
    ci: Ci,
    rounds: Option<usize>,
    #[serde(default = "one")]
    seed: u64,
    anchor: Option<String>,
}

fn one() -> u64 {
    1
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "snake_case")]
enum Ci {
    #[default]
    Sandwich,
    Bootstrap,
}

/// `{"ledger", "ci"? ("sandwich" | "bootstrap"), "rounds"?, "seed"?, "anchor"? ("MODEL=RATING")}`
/// → the scoreboard, as `fairboard scores --format json` prints it.
pub fn scores(request: &str) -> String {
    run(|| {
        let r: ScoresRequest = parse(request)?;
        let method = match r.ci {
            Ci::Sandwich => CiMethod::Sandwich,
            Ci::Bootstrap => CiMethod::Bootstrap {
                rounds: r.rounds.unwrap_or(crate::stats::bootstrap::DEFAULT_ROUNDS),
                seed: r.seed,
            },
        };
        let anchor = r
            .anchor
            .as_deref()
            .map(str::parse::<AnchorSpec>)
            .transpose()
            .map_err(|e| refuse(Subject::Other, format!("anchor: {e}")))?
            .unwrap_or_default();
        Ok(api::scores(r.ledger.as_bytes(), PeriodFilter::ALL, &anchor, method).map(|b| Value::Object(b.to_json())))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_input_error_not_a_panic() {
        for call in [verify, check, audit, scores, verify_proof, prove] {
            let out: Value = serde_json::from_str(&call("{not json")).unwrap();
            assert_eq!(out["ok"], false);
            assert_eq!(out["error"]["kind"], "input");
        }
        let out: Value = serde_json::from_str(&check(r#"{"ledger": "", "surprise": 1}"#)).unwrap();
        assert!(out["error"]["message"].as_str().unwrap().contains("unknown field"), "{out}");
    }

    #[test]
    fn a_proof_made_by_prove_verifies_with_verify_proof() {
        let op = ed25519_dalek::SigningKey::from_bytes(&[21; 32]);
        let t0 = time::parse("2025-03-01T00:00:00Z").unwrap();
        let (chain, first) = crate::ledger::Chain::open(&op, "ffi", t0).unwrap();
        let event = json!({"type": "provider_registered", "provider": "meta"});
        let next = chain.prepare(&op, "events", &[crate::ledger::input::InputEvent { line: 1, event }], None).unwrap();
        let ledger = format!("{}\n{}\n", first.line, next[0].line);
        let cp = api::checkpoint(ledger.as_bytes(), &op, "example.com/ffi").unwrap();
        let request = json!({"ledger": ledger, "seq": 1, "checkpoint": cp}).to_string();
        let out: Value = serde_json::from_str(&prove(&request)).unwrap();
        assert_eq!(out["ok"], true, "{out}");
        let vkey = crate::merkle::NoteSigner::new("example.com/ffi", op).unwrap().verifier().to_vkey();
        let request = json!({"proof": out["result"]["proof"], "vkey": vkey}).to_string();
        let out: Value = serde_json::from_str(&verify_proof(&request)).unwrap();
        assert_eq!((&out["ok"], &out["result"]["seq"]), (&json!(true), &json!(1)), "{out}");
        let out: Value = serde_json::from_str(&prove(&json!({"ledger": ledger, "seq": 1}).to_string())).unwrap();
        assert_eq!(out["error"]["kind"], "input", "{out}");
    }
}
