//! Inputs the fuzz targets (`fuzz/`, docs/fuzzing.md) found to crash, hang or exhaust memory, fed
//! through the same entry points. Each must now end in a clear error, in bounded time.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and benches fail loudly on what they did not expect"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use fairboard_core::facts::FactsBuilder;
use fairboard_core::policy::{evaluate, limits};

/// A one-rule pack around `body`, the body of `fn evaluate(facts, params)`.
fn pack_with(body: &str) -> fairboard_core::policy::PolicyPack {
    let yaml = format!(
        "apiVersion: fairboard/v1\nkind: PolicyPack\nname: fuzz\nversion: \"1\"\nrules:\n  - id: r\n    severity: deny\n    \
         rationale: regression\n    script: |\n      fn evaluate(facts, params) {{ {body} }}\n"
    );
    fairboard_core::policy::pack::load_text("fuzz-regression.yaml", yaml.as_bytes(), &fairboard::InlineOnly).unwrap()
}

/// Evaluates `body` against empty facts; returns the rule error and how long it took.
fn rule_error(body: &str) -> (String, Duration) {
    let pack = pack_with(body);
    let start = Instant::now();
    let out = evaluate(
        &pack,
        Arc::new(FactsBuilder::new(None).finish().unwrap()),
        Some(&fairboard::store::SystemMeter::shared()),
    );
    let took = start.elapsed();
    assert!(out.findings.is_empty());
    assert_eq!(out.errors.len(), 1, "{out:?}");
    (out.errors[0].message.clone(), took)
}

/// Well under the fuzzer's 10 s timeout in release builds; generous for slow, loaded test machines.
const BOUND: Duration = Duration::from_secs(limits::MAX_SCRIPT_SECONDS + 20);

/// rhai_eval, `timeout-df2d7351…` (the seed `grow-forever.txt`): pushing short strings to an array
/// until a size limit stops it took 53 s of CPU in a release build, because rhai re-measures the
/// whole array after every push. The script-time backstop now stops it.
#[test]
fn rhai_eval_growing_array_is_stopped_by_the_time_limit() {
    let (message, took) = rule_error(r#"let x = []; loop { x.push("abcdefgh" + x.len()); }"#);
    assert!(message.contains("Script terminated: script time limit"), "{message}");
    assert!(took < BOUND, "took {took:?}");
}

/// The same cost without growth: each change to a large array re-measures all of it, so a loop over
/// a 90,000-element array would run for hours inside the operation limit.
#[test]
fn rhai_eval_churning_a_large_array_is_stopped_by_the_time_limit() {
    let (message, took) = rule_error("let x = []; x.pad(90000, 0); loop { x.push(1); x.pop(); }");
    assert!(message.contains("Script terminated: script time limit"), "{message}");
    assert!(took < BOUND, "took {took:?}");
}

/// A script under its limits is unaffected by the clock.
#[test]
fn rhai_eval_ordinary_script_runs() {
    let pack = pack_with("let x = []; for i in 0..1000 { x.push(i); } []");
    let out = evaluate(
        &pack,
        Arc::new(FactsBuilder::new(None).finish().unwrap()),
        Some(&fairboard::store::SystemMeter::shared()),
    );
    assert!(out.errors.is_empty(), "{:?}", out.errors);
}

/// The limit's reason survives a termination inside a function the rule calls.
#[test]
fn rhai_eval_time_limit_inside_a_called_function_names_its_reason() {
    let yaml = "apiVersion: fairboard/v1\nkind: PolicyPack\nname: fuzz\nversion: \"1\"\nrules:\n  - id: r\n    severity: deny\n    rationale: regression\n    script: |\n      fn grow() { let x = []; x.pad(90000, 0); loop { x.push(1); x.pop(); } }\n      fn evaluate(facts, params) { grow() }\n";
    let pack = fairboard_core::policy::pack::load_text("fuzz-regression.yaml", yaml.as_bytes(), &fairboard::InlineOnly)
        .unwrap();
    let out = evaluate(
        &pack,
        Arc::new(FactsBuilder::new(None).finish().unwrap()),
        Some(&fairboard::store::SystemMeter::shared()),
    );
    assert_eq!(out.errors.len(), 1, "{out:?}");
    assert!(out.errors[0].message.contains("script time limit"), "{}", out.errors[0].message);
}

/// plan, `crash-294e0629…` (minimised to the 3 bytes `"\u{7bc}`): a JSON Lines step whose syntax
/// error serde_json reports in the middle of a multi-byte character made the error's column
/// computation slice the line inside that character, a panic. The offset now moves back to the
/// character's start.
#[test]
fn plan_syntax_error_inside_a_multibyte_character_is_an_error() {
    let original = std::fs::read("tests/fixtures/fuzz-regressions/plan-column-inside-char").unwrap();
    let original = String::from_utf8(original).unwrap();
    for text in ["\"\u{7bc}", "{\"at\":\"\u{7bc}\u{7bc}", original.as_str()] {
        for jsonl in [true, false] {
            let err = fairboard_core::policy::plan::parse("plan.jsonl", text, jsonl).unwrap_err();
            assert!(err.to_string().starts_with("plan.jsonl"), "{err}");
        }
        let err = fairboard_core::ledger::input::parse_events("events.jsonl", text.as_bytes()).unwrap_err();
        assert!(err.to_string().starts_with("events.jsonl:1:"), "{err}");
    }
}
