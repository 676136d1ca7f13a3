//! Arbitrary bytes as a rule script, compiled by the sandboxed engine (`policy::host::engine`) and
//! evaluated by `policy::evaluate` against the fixture facts. The sandbox limits must stop every
//! script: run with `-timeout=10 -rss_limit_mb=2048` so a hang or a memory blow-up is a crash.
//!
//! If the first byte is `!`, the rest is wrapped as the body of `fn evaluate(facts, params)`, so the
//! fuzzer reaches evaluation without having to discover the interface first.

#![no_main]

use fairboard_core::policy::{PolicyPack, Rule, Severity};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let script = match text.strip_prefix('!') {
        Some(body) => format!("fn evaluate(facts, params) {{\n{body}\n}}"),
        None => text.to_owned(),
    };
    let engine = fairboard_core::policy::host::engine();
    let Ok(ast) = engine.compile(&script) else { return };
    let rule = Rule {
        id: "fuzz".into(),
        severity: Severity::Deny,
        params: serde_json::json!({"limit": 3, "window_days": 30, "name": "meta", "weights": [1, 2.5]}),
        rationale: String::new(),
        remedy: None,
        enabled: true,
        source: "fuzz.rhai".into(),
        ast,
    };
    let pack = PolicyPack {
        name: "fuzz".into(),
        version: "1".into(),
        digest: String::new(),
        source: "fuzz.yaml".into(),
        rules: vec![rule],
    };
    let _ = fairboard_core::policy::evaluate(
        &pack,
        std::sync::Arc::clone(&fairboard_fuzz::FACTS),
        Some(&fairboard::store::SystemMeter::shared()),
    );
});
