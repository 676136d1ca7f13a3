//! `fairboard check` and `fairboard policy test` through the real binary: the shipped pack's own
//! test cases, report determinism and shape, `--at`, and bad packs (exit 2 with a location).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and benches fail loudly on what they did not expect"
)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn fairboard() -> Command {
    Command::cargo_bin("fairboard").unwrap()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shipped_pack() -> PathBuf {
    root().join("policies/leaderboard-illusion.yaml")
}

/// Builds a signed ledger in `dir` from JSON Lines events appended at `time`.
fn ledger(dir: &Path, batches: &[(&str, &str)]) -> PathBuf {
    let path = dir.join("ledger.jsonl");
    fairboard().args(["keygen", "--out"]).arg(dir.join("op")).assert().success();
    fairboard()
        .args(["init", "--leaderboard", "test-arena", "--time", "2025-01-01T00:00:00Z", "--ledger"])
        .arg(&path)
        .arg("--key")
        .arg(dir.join("op.key"))
        .assert()
        .success();
    for (time, events) in batches {
        fairboard()
            .args(["append", "--time", time, "--ledger"])
            .arg(&path)
            .arg("--key")
            .arg(dir.join("op.key"))
            .arg("-")
            .write_stdin(events.to_string())
            .assert()
            .success();
    }
    path
}

const ILLUSION: &[(&str, &str)] = &[
    (
        "2025-03-01T00:00:00Z",
        r#"{"type":"provider_registered","provider":"meta"}
{"type":"private_test_started","model":"v1","provider":"meta"}
{"type":"private_test_started","model":"v2","provider":"meta"}
{"type":"private_test_started","model":"v3","provider":"meta"}
{"type":"private_test_started","model":"v4","provider":"meta"}"#,
    ),
    (
        "2025-03-05T00:00:00Z",
        r#"{"type":"score_disclosed","model":"v1","rating":1210.5,"ci_low":1200,"ci_high":1220,"battles":3000}
{"type":"score_retracted","model":"v1","provider":"meta","reason":"superseded"}"#,
    ),
];

/// `fairboard policy test policies`, pointed at the pack's own folder as `opa test .` is, skips the
/// pack file and runs the cases beneath it.
#[test]
fn policy_test_on_the_pack_folder_skips_the_pack_itself() {
    let out = fairboard().args(["policy", "test"]).arg(root().join("policies")).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(!text.contains("leaderboard-illusion.yaml"), "{text}");
    assert!(text.contains(" passed, 0 failed, 0 could not run"), "{text}");
}

#[test]
fn shipped_pack_passes_its_own_test_cases() {
    let out = fairboard().args(["policy", "test"]).arg(root().join("policies/tests")).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains(" 0 failed"), "{text}");
    // every shipped rule has a case that makes it fire and one that keeps it quiet
    let pack = std::fs::read_to_string(shipped_pack()).unwrap();
    for line in pack.lines().filter_map(|l| l.trim().strip_prefix("- id: ")) {
        let dir = root().join("policies/tests").join(line);
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("no test cases for rule {line}"))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().any(|n| n.starts_with("fires")), "rule {line} has no firing case: {names:?}");
        assert!(names.iter().any(|n| n.starts_with("quiet")), "rule {line} has no quiet case: {names:?}");
    }
}

#[test]
fn policy_test_fails_on_a_wrong_expectation() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("wrong.yaml"),
        format!(
            "pack: {}\nevents:\n  - {{ at: \"2025-03-01T00:00:00Z\", event: {{ type: score_retracted, model: m, provider: p }} }}\nexpect:\n  no-retraction: []\n",
            shipped_pack().display()
        ),
    )
    .unwrap();
    let out = fairboard().args(["policy", "test"]).arg(dir.path()).assert().code(1);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("FAIL  wrong.yaml") && text.contains("expected 0 finding(s), got 1"), "{text}");
}

#[test]
fn check_reports_deny_findings_with_evidence_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = ledger(dir.path(), ILLUSION);
    let out = fairboard()
        .args(["check", "--format", "json", "--ledger"])
        .arg(&path)
        .arg("--policy")
        .arg(shipped_pack())
        .assert()
        .code(1);
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let rules: Vec<&str> = findings.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"no-retraction"), "{rules:?}");
    assert!(rules.contains(&"private-variant-limit"), "{rules:?}");
    let retraction = findings.iter().find(|f| f["rule"] == "no-retraction").unwrap();
    assert_eq!(retraction["evidence"], serde_json::json!([6, 7]));
    assert_eq!(report["ledger"]["records"], 8);
    assert!(report["summary"]["deny"].as_u64().unwrap() >= 2);

    // the report matches its published schema
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("schemas/report.json")).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&report), "{:?}", validator.iter_errors(&report).next().map(|e| e.to_string()));
}

#[test]
fn check_output_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let path = ledger(dir.path(), ILLUSION);
    let run = |format: &str| {
        fairboard()
            .args(["check", "--format", format, "--ledger"])
            .arg(&path)
            .arg("--policy")
            .arg(shipped_pack())
            .output()
            .unwrap()
            .stdout
    };
    for format in ["json", "table", "markdown"] {
        let first = run(format);
        assert!(!first.is_empty());
        for _ in 0..3 {
            assert_eq!(run(format), first, "format {format} differs between runs");
        }
    }
}

#[test]
fn check_at_judges_an_earlier_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = ledger(dir.path(), ILLUSION);
    // before the retraction was recorded: the variant limit is already broken, the retraction not yet
    let out = fairboard()
        .args(["check", "--format", "json", "--at", "2025-03-02T00:00:00Z", "--ledger"])
        .arg(&path)
        .arg("--policy")
        .arg(shipped_pack())
        .assert()
        .code(1);
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let rules: Vec<&str> = report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert!(!rules.contains(&"no-retraction") && rules.contains(&"private-variant-limit"), "{rules:?}");
    assert_eq!(report["ledger"]["records"], 6);
    assert_eq!(report["ledger"]["at"], "2025-03-02T00:00:00Z");
}

#[test]
fn a_clean_ledger_passes() {
    let dir = tempfile::tempdir().unwrap();
    let path = ledger(dir.path(), &[("2025-03-01T00:00:00Z", r#"{"type":"provider_registered","provider":"meta"}"#)]);
    fairboard().args(["check", "--ledger"]).arg(&path).arg("--policy").arg(shipped_pack()).assert().success();
}

#[test]
fn check_refuses_a_tampered_ledger_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = ledger(dir.path(), ILLUSION);
    let text = std::fs::read_to_string(&path).unwrap().replace("superseded", "superceded");
    std::fs::write(&path, text).unwrap();
    let out = fairboard().args(["check", "--ledger"]).arg(&path).arg("--policy").arg(shipped_pack()).assert().code(1);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("does not verify") && err.contains("line 8"), "{err}");
}

/// Writes a pack (and optional script files) into a fresh directory and runs `check` against a
/// one-record ledger; returns (exit code, stderr).
fn check_pack(pack: &str, scripts: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in scripts {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    std::fs::write(dir.path().join("pack.yaml"), pack).unwrap();
    let path = ledger(dir.path(), &[]);
    let out = fairboard()
        .args(["check", "--ledger"])
        .arg(&path)
        .arg("--policy")
        .arg(dir.path().join("pack.yaml"))
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains("panicked"), "{err}");
    (out.status.code().unwrap(), err)
}

const HEADER: &str = "apiVersion: fairboard/v1\nkind: PolicyPack\nname: t\nversion: '1'\nrules:\n";
const OK_SCRIPT: &str = "fn params_spec() { #{ limit: \"integer\" } }\nfn evaluate(facts, params) { [] }\n";

/// A pack text, its script files, and what the error must contain.
type BadPack = (String, Vec<(&'static str, &'static str)>, &'static str);

#[test]
fn bad_packs_exit_2_with_a_location() {
    let cases: Vec<BadPack> = vec![
        (
            format!(
                "{HEADER}  - id: a\n    uses: r.rhai\n    severity: deny\n    rationale: x\n    params: {{ limit: 3 \n"
            ),
            vec![("r.rhai", OK_SCRIPT)],
            "pack.yaml:",
        ),
        (
            format!(
                "{HEADER}  - id: a\n    uses: r.rhai\n    severity: deny\n    rationale: x\n    params: {{ limit: 3 }}\n    colour: red\n"
            ),
            vec![("r.rhai", OK_SCRIPT)],
            "pack.yaml:11:13: at /rules/0/colour",
        ),
        (
            format!("{HEADER}  - id: a\n    uses: r.rhai\n    severity: fatal\n    rationale: x\n"),
            vec![("r.rhai", OK_SCRIPT)],
            "at /rules/0/severity",
        ),
        (
            format!(
                "{HEADER}  - id: a\n    uses: r.rhai\n    severity: deny\n    rationale: x\n    params: {{ limit: 3 }}\n"
            ),
            vec![("r.rhai", "fn evaluate(facts, params) { let x = ; }")],
            "r.rhai:1:",
        ),
        (
            format!("{HEADER}  - id: a\n    uses: missing.rhai\n    severity: deny\n    rationale: x\n"),
            vec![],
            "pack.yaml:7:11: at /rules/0/uses",
        ),
        (
            format!(
                "{HEADER}  - id: a\n    uses: r.rhai\n    severity: deny\n    rationale: x\n    params: {{ limit: \"three\" }}\n"
            ),
            vec![("r.rhai", OK_SCRIPT)],
            "at /rules/0/params/limit",
        ),
        (
            format!(
                "{HEADER}  - id: a\n    uses: r.rhai\n    severity: deny\n    rationale: x\n    params: {{ limit: 3, extra: 1 }}\n"
            ),
            vec![("r.rhai", OK_SCRIPT)],
            "unknown parameter `extra`",
        ),
        (
            format!("{HEADER}  - id: a\n    uses: r.rhai\n    severity: deny\n    rationale: x\n"),
            vec![("r.rhai", OK_SCRIPT)],
            "missing parameter `limit`",
        ),
        (
            format!("{HEADER}  - id: a\n    uses: ../r.rhai\n    severity: deny\n    rationale: x\n"),
            vec![],
            "at /rules/0/uses",
        ),
        (
            format!("{HEADER}  - id: a\n    script: 'fn nope() {{}}'\n    severity: deny\n    rationale: x\n"),
            vec![],
            "must define `fn evaluate(facts, params)`",
        ),
        (
            format!(
                "{HEADER}  - id: a\n    script: 'fn evaluate(f, p) {{ [] }}'\n    severity: deny\n    rationale: x\n  - id: a\n    script: 'fn evaluate(f, p) {{ [] }}'\n    severity: deny\n    rationale: y\n"
            ),
            vec![],
            "duplicate rule id `a`",
        ),
    ];
    for (pack, scripts, expected) in cases {
        let (code, err) = check_pack(&pack, &scripts);
        assert_eq!(code, 2, "pack:\n{pack}\nstderr: {err}");
        assert!(err.contains(expected), "expected `{expected}` in: {err}\npack:\n{pack}");
    }
}
