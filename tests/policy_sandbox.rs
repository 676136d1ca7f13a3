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
    run_pack_on(rules, None, |_| {})
}

/// Checks a pack of `rules` against a fresh ledger (holding `events` if given, JSON Lines), with
/// `setup` run on the pack's folder first, under an address-space limit of 2 GB (`prlimit`, where
/// it exists): a sandbox escape by memory would abort instead of passing. Every case must end within
/// 30 s, without a panic or an abort.
fn run_pack_on(rules: &str, events: Option<&str>, setup: impl FnOnce(&std::path::Path)) -> (i32, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = fresh_ledger(dir.path());
    if let Some(events) = events {
        std::fs::write(dir.path().join("events.jsonl"), events).unwrap();
        Command::cargo_bin("fairboard")
            .unwrap()
            .args(["append", "--ledger"])
            .arg(&ledger)
            .arg("--key")
            .arg(dir.path().join("op.key"))
            .args(["--time", "2026-01-02T00:00:00Z"])
            .arg(dir.path().join("events.jsonl"))
            .assert()
            .success();
    }
    let pack = format!("apiVersion: fairboard/v1\nkind: PolicyPack\nname: sandbox\nversion: '1'\nrules:\n{rules}");
    std::fs::write(dir.path().join("pack.yaml"), pack).unwrap();
    setup(dir.path());
    let binary = assert_cmd::cargo::cargo_bin("fairboard");
    let mut command = if std::path::Path::new("/usr/bin/prlimit").exists() {
        let mut c = std::process::Command::new("/usr/bin/prlimit");
        c.arg("--as=2000000000").arg(binary);
        c
    } else {
        std::process::Command::new(binary)
    };
    let started = std::time::Instant::now();
    let out = command
        .args(["check", "--format", "json", "--ledger"])
        .arg(&ledger)
        .arg("--policy")
        .arg(dir.path().join("pack.yaml"))
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("overflow") && !stderr.contains("memory allocation"),
        "{stderr}"
    );
    assert!(elapsed.as_secs() < 30, "took {elapsed:?}");
    let code = out.status.code().unwrap_or_else(|| panic!("killed by a signal: {:?}; {stderr}", out.status));
    (code, serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}")))
}

/// A new ledger in `dir` (its operator key beside it).
fn fresh_ledger(dir: &std::path::Path) -> std::path::PathBuf {
    let ledger = dir.join("ledger.jsonl");
    Command::cargo_bin("fairboard").unwrap().args(["keygen", "--out"]).arg(dir.join("op")).assert().success();
    Command::cargo_bin("fairboard")
        .unwrap()
        .args(["init", "--leaderboard", "x", "--ledger"])
        .arg(&ledger)
        .arg("--key")
        .arg(dir.join("op.key"))
        .args(["--time", "2026-01-01T00:00:00Z"])
        .assert()
        .success();
    ledger
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

/// The rule errors of a report, as (rule, message).
fn errors(report: &serde_json::Value) -> Vec<(String, String)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["rule"].as_str().unwrap().to_owned(), e["message"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn memory_is_bounded_findings_closures_and_curried_pointers_included() {
    let grow = "let s = \"x\"; while s.len() < 500000 { s += s; }";
    for (body, expect) in [
        (
            format!(
                "fn evaluate(facts, params) {{ {grow} let out = []; for i in 0..100000 {{ out.push(finding(s, s, [0])); }} out }}"
            ),
            "findings built take more than",
        ),
        (
            format!(
                "fn evaluate(facts, params) {{ {grow} let a = []; for i in 0..100000 {{ let t = s + i; a.push(|| t); }} a }}"
            ),
            "memory limit",
        ),
        (
            format!(
                "fn evaluate(facts, params) {{ {grow} let a = []; for i in 0..100000 {{ a.push(Fn(\"evaluate\").curry(s + i)); }} a }}"
            ),
            "memory limit",
        ),
    ] {
        assert_stopped(&body, expect);
    }
}

#[test]
fn deeply_nested_values_do_not_overflow_the_stack() {
    let nest = |n: u32, then: &str| {
        format!("fn evaluate(facts, params) {{ let a = [0]; for i in 0..{n} {{ a = [a]; }} let b = a; {then} [] }}")
    };
    // Two rules in parallel at the depth that overflowed a worker thread, then one deeper for each
    // recursive operation. Reaching a limit (time) is fine; aborting is not.
    let (code, report) = run_pack(
        &(rule("one", "deny", &nest(1500, "if a == b { }")) + &rule("two", "deny", &nest(1500, "if a == b { }"))),
    );
    assert_eq!((code, errors(&report).len()), (0, 0), "{report}");
    for then in ["if a == b { }", "let t = a.to_string();", "let t = `${a}`;"] {
        let (code, report) = run_pack(&rule("deep", "warn", &nest(5000, then)));
        assert_eq!(code, 0, "{then}: {report}");
    }
}

#[test]
fn facts_api_calls_are_charged_and_memoised() {
    // One battles record with every pair of 60 models: one fit is milliseconds, a loop of them hours.
    let mut events = String::from("{\"type\":\"provider_registered\",\"provider\":\"p\"}\n");
    for m in 0..60 {
        events.push_str(&format!("{{\"type\":\"model_registered\",\"model\":\"m{m}\",\"provider\":\"p\",\"license\":\"proprietary\",\"visibility\":\"public\"}}\n"));
    }
    let pairs: Vec<String> = (0..60)
        .flat_map(|a| {
            (a + 1..60).map(move |b| {
                format!(
                    "{{\"model_a\":\"m{a}\",\"model_b\":\"m{b}\",\"wins_a\":{},\"wins_b\":3,\"ties\":1}}",
                    1 + (a * b) % 7
                )
            })
        })
        .collect();
    events.push_str(&format!(
        "{{\"type\":\"battles_recorded\",\"period_start\":\"2025-12-01T00:00:00Z\",\"period_end\":\"2025-12-31T23:59:59Z\",\"pairs\":[{}]}}\n",
        pairs.join(",")
    ));
    let calls = [
        "facts.ratings()",
        "facts.recomputed_disclosures()",
        "facts.best_of_n(30)",
        "facts.active_sampling()",
        "facts.components()",
        "facts.models()",
        "facts.edges()",
    ];
    let rules: String = calls
        .iter()
        .enumerate()
        .map(|(i, call)| {
            rule(&format!("r{i}"), "warn", &format!("fn evaluate(facts, params) {{ loop {{ {call}; }} }}"))
        })
        .chain([rule(
            "distinct",
            "warn",
            "fn evaluate(facts, params) { let i = 0; loop { facts.ratings_before(i); i += 1; } }",
        )])
        .collect();
    let (code, report) = run_pack_on(&rules, Some(&events), |_| {});
    assert_eq!(code, 0, "{report}");
    let errors = errors(&report);
    assert_eq!(errors.len(), calls.len() + 1, "every loop was stopped: {report}");
    for (rule, message) in &errors {
        assert!(
            message.contains("operation") || message.contains("budget") || message.contains("distinct statistics"),
            "{rule}: {message}"
        );
    }
}

#[test]
fn a_pack_of_many_rules_shares_one_budget() {
    let rules: String =
        (0..256).map(|i| rule(&format!("spin-{i}"), "warn", "fn evaluate(facts, params) { loop { } }")).collect();
    let (code, report) = run_pack(&rules);
    assert_eq!(code, 0, "{report}");
    let errors = errors(&report);
    assert_eq!(errors.len(), 256);
    assert!(errors.iter().any(|(_, m)| m.contains("the pack's operation budget")), "{errors:?}");
}

#[test]
fn uses_reads_only_regular_files_inside_the_pack_folder() {
    let uses = "  - id: used\n    severity: warn\n    rationale: test\n    uses: rule.rhai\n";
    for (what, setup) in [
        (
            "a link out of the folder",
            Box::new(|dir: &std::path::Path| std::os::unix::fs::symlink("/etc/passwd", dir.join("rule.rhai")).unwrap())
                as Box<dyn FnOnce(&std::path::Path)>,
        ),
        (
            "a FIFO",
            Box::new(|dir: &std::path::Path| {
                let status = std::process::Command::new("mkfifo").arg(dir.join("rule.rhai")).status().unwrap();
                assert!(status.success());
            }),
        ),
        ("a directory", Box::new(|dir: &std::path::Path| std::fs::create_dir(dir.join("rule.rhai")).unwrap())),
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pack.yaml"),
            format!("apiVersion: fairboard/v1\nkind: PolicyPack\nname: sandbox\nversion: '1'\nrules:\n{uses}"),
        )
        .unwrap();
        setup(dir.path());
        let ledger = fresh_ledger(dir.path());
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("fairboard"))
            .args(["check", "--ledger"])
            .arg(&ledger)
            .arg("--policy")
            .arg(dir.path().join("pack.yaml"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(!stderr.contains("root:"), "{what}: the file's content leaked: {stderr}");
        assert!(
            stderr.contains("outside the pack's folder") || stderr.contains("not a regular file"),
            "{what}: {stderr}"
        );
    }
}
