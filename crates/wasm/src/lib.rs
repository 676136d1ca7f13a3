//! fairboard's core in WebAssembly: the JSON-in / JSON-out twins of the use cases
//! ([`fairboard_core::ffi`]) exported unchanged through wasm-bindgen, so that a page or a Node script sees
//! exactly the contract every other binding sees. Each function takes one JSON request and returns
//! one JSON answer (`{"ok": true, "result": …}` or `{"ok": false, "error": …}`), and never throws.
//!
//! Build: `cargo build -p fairboard-wasm --profile wasm --target wasm32-unknown-unknown`, then
//! `wasm-bindgen --target nodejs` (or `--target web`) on the `.wasm`. The policy sandbox runs with
//! its operation and size limits; the JSON twins run it without a clock.
//!
//! For the browser page (`web/`, `docs/browser.md`) there are also sessions that take the ledger
//! chunk by chunk, as a Web Worker reads `File.stream()`: [`VerifySession`] and [`AuditSession`]
//! (the latter renders the report as JSON and HTML), whose sandbox has the page's clock
//! (`Date.now()`) and the module's allocation count as its seconds and memory backstops; and
//! [`verify_proof_by_key`]. The sessions throw the JSON error answer when they cannot start.

use fairboard_core::api::{self, AuditStream, Options, VerifyStream};
use fairboard_core::ffi;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

/// `{"ledger", "trust", "checkpoint"?}` → the verification.
#[wasm_bindgen]
pub fn verify(request: &str) -> String {
    fairboard_core::ffi::verify(request)
}

/// `{"ledger", "policy"?, "scripts"?, "at"?, "allow_override"?}` → the check report.
#[wasm_bindgen]
pub fn check(request: &str) -> String {
    fairboard_core::ffi::check(request)
}

/// `{"ledger", "trust", "policy"?, "scripts"?, "checkpoint"?, "allow_override"?}` → the audit.
#[wasm_bindgen]
pub fn audit(request: &str) -> String {
    fairboard_core::ffi::audit(request)
}

/// `{"proof", "vkey"}` → what an inclusion or consistency proof establishes.
#[wasm_bindgen]
pub fn verify_proof(request: &str) -> String {
    fairboard_core::ffi::verify_proof(request)
}

/// `{"ledger", "ci"?, "rounds"?, "seed"?, "anchor"?}` → the scoreboard.
#[wasm_bindgen]
pub fn scores(request: &str) -> String {
    fairboard_core::ffi::scores(request)
}

/// `{"ledger", "seq", "checkpoint"}` or `{"ledger", "from", "to"}` → `{"proof"}`: an inclusion or
/// consistency proof.
#[wasm_bindgen]
pub fn prove(request: &str) -> String {
    fairboard_core::ffi::prove(request)
}

/// The module's allocator, counted for the policy sandbox's memory budget (it sets no limit of its
/// own: the budget is checked by the sandbox).
#[global_allocator]
static ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

/// The page's clock (`Date.now()`) and the module's allocation count: the sandbox's seconds and
/// memory backstops, which the native CLI takes from the system.
#[derive(Debug)]
struct PageMeter(f64);

impl fairboard_core::policy::host::Meter for PageMeter {
    fn now(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(((js_sys::Date::now() - self.0) / 1000.0).max(0.0))
    }

    fn allocated(&self) -> Option<usize> {
        Some(ALLOCATOR.allocated())
    }
}

fn meter() -> fairboard_core::policy::host::SharedMeter {
    std::sync::Arc::new(PageMeter(js_sys::Date::now()))
}

fn thrown(answer: String) -> JsValue {
    JsValue::from_str(&answer)
}

/// A verification fed chunk by chunk (a Web Worker reading `File.stream()`): `push` each chunk,
/// then `finish`. Errors are thrown as the JSON error answer of [`fairboard_core::ffi`].
#[wasm_bindgen]
#[derive(Debug)]
pub struct VerifySession(Option<VerifyStream>);

#[wasm_bindgen]
impl VerifySession {
    /// `trust`: SPKI PEM or a C2SP verifier key; `checkpoint`: a signed note's text.
    #[wasm_bindgen(constructor)]
    pub fn new(trust: &str, checkpoint: Option<String>) -> Result<VerifySession, JsValue> {
        let trust = ffi::request_trust(trust).map_err(thrown)?;
        Ok(Self(Some(VerifyStream::new(trust, checkpoint.as_deref()))))
    }

    /// The next bytes of the ledger; returns the records verified so far.
    pub fn push(&mut self, chunk: &[u8]) -> f64 {
        self.0.as_mut().map_or(0.0, |s| {
            s.push(chunk, |_| {});
            s.records() as f64
        })
    }

    /// Whether a defect already decided the result (the reader may stop).
    pub fn failed(&self) -> bool {
        self.0.as_ref().is_some_and(VerifyStream::failed)
    }

    /// The verification's answer, `verify`'s JSON twin: `{"ok": true, "result": {records, head,
    /// checkpoint?}}` or `{"ok": false, "error": {…, "line"}}`.
    pub fn finish(&mut self) -> String {
        match self.0.take().map(|s| s.finish(|_| {})) {
            Some(Ok(v)) => ffi::answer_ok(serde_json::to_value(&v).unwrap_or_default()),
            Some(Err(e)) => ffi::answer_error(&e),
            None => ffi::answer_error(&api::ApiError::Serialise("the session has already finished".into())),
        }
    }
}

/// An audit fed chunk by chunk: `push` each chunk, `finish`, then read the report as JSON (`audit
/// --format json`) or HTML (`audit --format html`). The sandbox runs with the page's clock and the
/// module's allocation count as its backstops.
#[wasm_bindgen]
#[derive(Debug)]
pub struct AuditSession {
    stream: Option<AuditStream>,
    report: Option<fairboard_core::api::audit::AuditReport>,
}

#[wasm_bindgen]
impl AuditSession {
    /// `trust`: SPKI PEM or a C2SP verifier key; `policy`: a pack's YAML (the shipped pack when
    /// absent); `checkpoint`: a signed note's text.
    #[wasm_bindgen(constructor)]
    pub fn new(
        trust: &str,
        policy: Option<String>,
        checkpoint: Option<String>,
        allow_override: bool,
    ) -> Result<AuditSession, JsValue> {
        let trust = ffi::request_trust(trust).map_err(thrown)?;
        let pack = ffi::request_pack(policy.as_deref()).map_err(thrown)?;
        let options = Options { at: None, allow_override, meter: Some(meter()), detail: true };
        Ok(Self { stream: Some(AuditStream::new(trust, pack, checkpoint.as_deref(), options)), report: None })
    }

    /// The next bytes of the ledger; returns the records verified so far.
    pub fn push(&mut self, chunk: &[u8]) -> f64 {
        self.stream.as_mut().map_or(0.0, |s| {
            s.push(chunk);
            s.records() as f64
        })
    }

    /// Whether a defect already decided the verdict (the reader may stop).
    pub fn failed(&self) -> bool {
        self.stream.as_ref().is_some_and(AuditStream::failed)
    }

    /// Verifies the rest, evaluates the pack, rates and tabulates. Throws the error answer when the
    /// audit cannot be made (a pack that is not the adopted one without the override).
    pub fn finish(&mut self) -> Result<(), JsValue> {
        let Some(stream) = self.stream.take() else { return Ok(()) };
        self.report = Some(stream.finish().map_err(|e| thrown(ffi::answer_error(&e)))?);
        Ok(())
    }

    /// `audit --format json` of the finished audit ("" before `finish`).
    pub fn json(&self) -> String {
        self.report.as_ref().map_or_else(String::new, |r| {
            let mut r = r.clone();
            r.timeline = None;
            r.evidence.clear();
            r.to_json().unwrap_or_default()
        })
    }

    /// `audit --format html`: the self-contained report page ("" before `finish`).
    pub fn html(&self, all_ratings: bool) -> String {
        self.report
            .as_ref()
            .map_or_else(String::new, |r| r.to_html(&fairboard_core::render::html::HtmlOptions { all_ratings }))
    }

    /// The verdict line (`AUTHENTIC: …` or `NOT AUTHENTIC: line N: …`) and whether the audit fails:
    /// `{"verdict", "authentic", "fails"}`.
    pub fn verdict(&self) -> String {
        self.report.as_ref().map_or_else(String::new, |r| {
            serde_json::json!({"verdict": r.verdict_line(), "authentic": r.verification.ok, "fails": r.fails()})
                .to_string()
        })
    }
}

/// `{"proof", "key"}` → what an inclusion or consistency proof establishes, under the key the
/// visitor gave: a C2SP verifier key, or the operator's SPKI PEM key (named by the proof's origin).
#[wasm_bindgen]
pub fn verify_proof_by_key(proof: &str, key: &str) -> String {
    match api::verify_proof_by_key(proof.as_bytes(), key) {
        Ok(v) => ffi::answer_ok(serde_json::to_value(&v).unwrap_or_default()),
        Err(e) => ffi::answer_error(&e),
    }
}
