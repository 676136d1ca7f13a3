//! The rhai sandbox: hostile rule scripts are stopped with an error naming the rule, the other
//! rules still run, and no script can reach files, the clock or the process.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and benches fail loudly on what they did not expect"
)]

use assert_cmd::Command;

fn run_pack(rules: &str) -> (i32, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.jsonl");
    Command::cargo_bin("fairboard").unwrap().args(["keygen", "--out"]).arg(dir.path().join("op")).assert().success();
    Command::cargo_bin("fairboard")
        .unwrap()
        .args(["init", "--leaderboard", "x", "--ledger"])
        .arg(&ledger)
        .arg("--key")
        .arg(dir.path().join("op.key"))
        .assert()
        .success();
    let pack = format!("apiVersion: fairboard/v1\nkind: PolicyPack\nname: sandbox\nversion: '1'\nrules:\n{rules}");
    std::fs::write(dir.path().join("pack.yaml"), pack).unwrap();
    let out = Command::cargo_bin("fairboard")
        .unwrap()
        .args(["check", "--format", "json", "--ledger"])
        .arg(&ledger)
        .arg("--policy")
        .arg(dir.path().join("pack.yaml"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code().unwrap(), serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}")))
}

fn rule(id: &str, severity: &str, body: &str) -> String {
    format!("  - id: {id}\n    severity: {severity}\n    rationale: test\n    script: |\n{}\n", indent(body))
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("      {l}")).collect::<Vec<_>>().join("\n")
}

const GOOD: &str = "fn evaluate(facts, params) { [finding(\"board\", \"still ran\", [0])] }";

fn assert_stopped(body: &str, expect_in_message: &str) {
    let rules = rule("hostile", "warn", body) + &rule("good", "info", GOOD);
    let (code, report) = run_pack(&rules);
    assert_eq!(code, 0, "a failing warn rule does not fail the check: {report}");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{report}");
    assert_eq!(errors[0]["rule"], "hostile");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(message.contains(expect_in_message), "`{expect_in_message}` not in `{message}`");
    assert_eq!(report["findings"][0]["rule"], "good", "the other rule still ran: {report}");
}

#[test]
fn an_endless_loop_hits_the_operation_limit() {
    assert_stopped("fn evaluate(facts, params) { loop { } }", "operations");
}

#[test]
fn unbounded_recursion_hits_the_call_depth_limit() {
    assert_stopped("fn down(n) { down(n + 1) }\nfn evaluate(facts, params) { down(0) }", "Stack overflow");
}

#[test]
fn unbounded_allocation_hits_a_size_limit() {
    assert_stopped("fn evaluate(facts, params) { let s = \"xxxxxxxx\"; loop { s += s; } }", "too large");
    assert_stopped("fn evaluate(facts, params) { let a = [1]; loop { a += a; } }", "too large");
}

#[test]
fn no_clock_no_sleep_no_eval_no_files() {
    for body in [
        "fn evaluate(facts, params) { timestamp(); [] }",
        "fn evaluate(facts, params) { sleep(100); [] }",
        "fn evaluate(facts, params) { parse_json(\"{}\"); [] }",
        "fn evaluate(facts, params) { exit(); [] }",
        "fn evaluate(facts, params) { open_file(\"/etc/passwd\"); [] }",
    ] {
        assert_stopped(body, "not found");
    }
}

#[test]
fn import_and_eval_do_not_compile() {
    for body in
        ["import \"x\" as y;\nfn evaluate(facts, params) { [] }", "fn evaluate(facts, params) { eval(\"1\"); [] }"]
    {
        let (code, _) = std::panic::catch_unwind(|| run_pack(&rule("hostile", "deny", body)))
            .unwrap_or((2, serde_json::Value::Null));
        assert_eq!(code, 2, "{body}");
    }
}

#[test]
fn a_failing_deny_rule_fails_the_check() {
    let (code, report) = run_pack(&rule("hostile", "deny", "fn evaluate(facts, params) { loop {} }"));
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["summary"]["errors"], 1);
}

#[test]
fn malformed_results_are_rule_errors() {
    assert_stopped("fn evaluate(facts, params) { 42 }", "must return an array");
    assert_stopped("fn evaluate(facts, params) { [#{ subject: \"x\" }] }", "element 0");
    assert_stopped("fn evaluate(facts, params) { [finding(\"x\", \"y\", [99])] }", "seq 99");
}
