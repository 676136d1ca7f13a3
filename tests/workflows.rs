//! The users' workflows end to end through the real binary: maintainer admission control
//! (`append --policy`), provider what-if plans (`check --plan --as`), and the adopted-pack check.

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

fn pack() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies/leaderboard-illusion.yaml")
}

struct Board {
    dir: tempfile::TempDir,
}

impl Board {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fairboard().args(["keygen", "--out"]).arg(dir.path().join("op")).assert().success();
        fairboard()
            .args(["init", "--leaderboard", "wf", "--time", "2025-03-01T00:00:00Z", "--ledger"])
            .arg(dir.path().join("ledger.jsonl"))
            .arg("--key")
            .arg(dir.path().join("op.key"))
            .assert()
            .success();
        Self { dir }
    }

    fn ledger(&self) -> PathBuf {
        self.dir.path().join("ledger.jsonl")
    }

    fn bytes(&self) -> Vec<u8> {
        std::fs::read(self.ledger()).unwrap()
    }

    fn append(&self, time: &str, events: &str, policy: Option<&Path>) -> assert_cmd::assert::Assert {
        let mut cmd = fairboard();
        cmd.args(["append", "--time", time, "--ledger"])
            .arg(self.ledger())
            .arg("--key")
            .arg(self.dir.path().join("op.key"));
        if let Some(p) = policy {
            cmd.arg("--policy").arg(p);
        }
        cmd.arg("-").write_stdin(events.to_owned()).assert()
    }
}

const THREE_TESTS: &str = r#"{"type":"provider_registered","provider":"meta"}
{"type":"private_test_started","model":"a","provider":"meta"}
{"type":"private_test_started","model":"b","provider":"meta"}
{"type":"private_test_started","model":"c","provider":"meta"}"#;

#[test]
fn a_deny_leaves_the_ledger_byte_identical_and_names_the_rule() {
    let board = Board::new();
    board.append("2025-03-02T00:00:00Z", THREE_TESTS, Some(&pack())).success();
    let before = board.bytes();
    let out = board
        .append(
            "2025-03-03T00:00:00Z",
            r#"{"type":"private_test_started","model":"d","provider":"meta"}"#,
            Some(&pack()),
        )
        .code(1);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("refused by policy") && err.contains("private-variant-limit"), "{err}");
    assert!(err.contains("evidence: 2, 3, 4, 5"), "{err}");
    assert_eq!(board.bytes(), before, "a refused append changed the ledger");
    // without the policy the same event is accepted: admission control is the policy's doing
    board
        .append("2025-03-03T00:00:00Z", r#"{"type":"private_test_started","model":"d","provider":"meta"}"#, None)
        .success();
}

#[test]
fn old_violations_do_not_block_unrelated_appends_but_worsening_them_does() {
    let board = Board::new();
    board.append("2025-03-02T00:00:00Z", THREE_TESTS, None).success();
    board
        .append("2025-03-02T00:00:00Z", r#"{"type":"private_test_started","model":"d","provider":"meta"}"#, None)
        .success();
    // the ledger now breaks private-variant-limit; an unrelated event still goes in
    board
        .append("2025-03-03T00:00:00Z", r#"{"type":"provider_registered","provider":"google"}"#, Some(&pack()))
        .success();
    // a fifth open test cites the new record as evidence: refused
    let before = board.bytes();
    board
        .append(
            "2025-03-04T00:00:00Z",
            r#"{"type":"private_test_started","model":"e","provider":"meta"}"#,
            Some(&pack()),
        )
        .code(1);
    assert_eq!(board.bytes(), before);
}

#[test]
fn warn_findings_are_printed_and_the_events_appended() {
    let board = Board::new();
    board.append("2025-03-02T00:00:00Z", THREE_TESTS, Some(&pack())).success();
    board
        .append("2025-03-03T00:00:00Z", r#"{"type":"private_test_ended","model":"a","provider":"meta"}"#, Some(&pack()))
        .success();
    board
        .append(
            "2025-03-03T00:00:00Z",
            r#"{"type":"private_test_started","model":"d","provider":"meta"}"#,
            Some(&pack()),
        )
        .success();
    let before = board.bytes().len();
    // releasing after 4 variants were tested: provisional-after-parallel-tests (warn)
    let out = board
        .append("2025-03-10T00:00:00Z", r#"{"type":"model_released","model":"b","provider":"meta"}"#, Some(&pack()))
        .success();
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("warn  provisional-after-parallel-tests"), "{err}");
    assert!(board.bytes().len() > before);
}

/// `check --format json --as meta --plan PLAN` on the board: the JSON report of a plan that breaks a
/// deny rule (exit 1).
fn plan_report(board: &Board, plan: &std::path::Path) -> serde_json::Value {
    let out = fairboard()
        .args(["check", "--format", "json", "--as", "meta", "--ledger"])
        .arg(board.ledger())
        .arg("--policy")
        .arg(pack())
        .arg("--plan")
        .arg(plan)
        .assert()
        .code(1);
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

#[test]
fn a_plan_names_the_step_that_opens_a_fourth_test() {
    let board = Board::new();
    board.append("2025-03-02T00:00:00Z", THREE_TESTS, None).success();
    let before = board.bytes();
    let plan = board.dir.path().join("plan.yaml");
    std::fs::write(
        &plan,
        "apiVersion: fairboard/v1\nkind: Plan\nprovider: meta\nsteps:\n  - at: \"2025-03-05T00:00:00Z\"\n    event: { type: private_test_ended, model: a, provider: meta }\n  - event: { type: private_test_started, model: d, provider: meta }\n  - at: \"2025-03-06T00:00:00Z\"\n    event: { type: private_test_started, model: e, provider: meta }\n",
    )
    .unwrap();
    let report = plan_report(&board, &plan);
    let breaks = report["plan"]["breaks"].as_array().unwrap();
    assert_eq!(breaks.len(), 1, "{report}");
    assert_eq!(breaks[0]["step"], 3, "step 2 only refills the slot step 1 freed: {report}");
    assert_eq!(breaks[0]["line"], 8);
    assert_eq!(breaks[0]["finding"]["rule"], "private-variant-limit");
    assert_eq!(breaks[0]["concerns_provider"], true);
    assert!(breaks[0]["remedy"].as_str().unwrap().contains("End one private test"));
    assert_eq!(board.bytes(), before, "a plan never writes the ledger");

    // the same plan as JSON Lines; the text report says which step first breaks which rule
    let jsonl = board.dir.path().join("plan.jsonl");
    std::fs::write(
        &jsonl,
        "{\"at\":\"2025-03-05T00:00:00Z\",\"event\":{\"type\":\"private_test_started\",\"model\":\"d\",\"provider\":\"meta\"}}\n",
    )
    .unwrap();
    let out = fairboard()
        .args(["check", "--as", "meta", "--ledger"])
        .arg(board.ledger())
        .arg("--policy")
        .arg(pack())
        .arg("--plan")
        .arg(&jsonl)
        .assert()
        .code(1);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains(
            "step 1 (line 1, private_test_started at 2025-03-05T00:00:00Z) first breaks: deny `private-variant-limit`"
        ),
        "{text}"
    );
    assert!(text.contains("instead: End one private test"), "{text}");
}

#[test]
fn a_compliant_plan_exits_0_and_a_bad_plan_exits_2() {
    let board = Board::new();
    board.append("2025-03-02T00:00:00Z", THREE_TESTS, None).success();
    let plan = board.dir.path().join("ok.yaml");
    std::fs::write(&plan, "steps:\n  - event: { type: private_test_ended, model: a, provider: meta }\n").unwrap();
    let check = |plan: &Path| {
        fairboard()
            .args(["check", "--ledger"])
            .arg(board.ledger())
            .arg("--policy")
            .arg(pack())
            .arg("--plan")
            .arg(plan)
            .assert()
    };
    check(&plan).success();
    let bad = board.dir.path().join("bad.yaml");
    std::fs::write(&bad, "steps:\n  - event: { type: private_test_started, model: a }\n").unwrap();
    let out = check(&bad).code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("bad.yaml:2:") && err.contains("/steps/0/event"), "{err}");
}

#[test]
fn check_refuses_a_pack_other_than_the_adopted_one_unless_overridden() {
    let board = Board::new();
    let adopted = format!(
        "{{\"type\":\"policy_adopted\",\"name\":\"leaderboard-illusion-recommendations\",\"version\":\"0.9\",\"digest\":\"sha256:{}\"}}",
        "ab".repeat(32)
    );
    board.append("2025-03-02T00:00:00Z", &adopted, None).success();
    let check = |extra: &[&str]| {
        fairboard()
            .args(["check", "--format", "json", "--ledger"])
            .arg(board.ledger())
            .arg("--policy")
            .arg(pack())
            .args(extra)
            .assert()
    };
    let out = check(&[]).code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("the ledger adopted sha256:abab") && err.contains("--policy-override"), "{err}");
    let out = check(&["--policy-override"]).success();
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(report["override"]["adopted_seq"], 1, "{report}");
    // admission control refuses the mismatched pack too
    board.append("2025-03-03T00:00:00Z", r#"{"type":"provider_registered","provider":"x"}"#, Some(&pack())).code(2);
}

fn audit(board: &Board, format: &str) -> assert_cmd::assert::Assert {
    fairboard()
        .args(["audit", "--format", format, "--ledger"])
        .arg(board.ledger())
        .arg("--trust")
        .arg(board.dir.path().join("op.pub"))
        .arg("--policy")
        .arg(pack())
        .assert()
}

const BATTLES: &str = r#"{"type":"model_registered","model":"a","provider":"p1","license":"proprietary","visibility":"public"}
{"type":"model_registered","model":"b","provider":"p2","license":"open_weights","visibility":"public"}
{"type":"battles_recorded","period_start":"2025-03-01T00:00:00Z","period_end":"2025-03-01T23:59:59Z","pairs":[{"model_a":"a","model_b":"b","wins_a":300,"wins_b":200,"ties":100}]}"#;

#[test]
fn an_audit_reports_authenticity_findings_ratings_and_shares() {
    let board = Board::new();
    board.append("2025-03-02T00:00:00Z", BATTLES, None).success();
    let out = audit(&board, "json").code(1);
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(report["verification"]["ok"], true, "{report}");
    assert_eq!(report["verification"]["records"], 4);
    assert!(report["findings"].as_array().unwrap().iter().any(|f| f["rule"] == "provider-sampling-cap"));
    let ratings = report["ratings"]["rows"].as_array().unwrap();
    assert_eq!(ratings[0]["model"], "a", "a won more: {report}");
    assert_eq!(report["providers"].as_array().unwrap().len(), 2);
    assert_eq!(report["license_classes"][0]["license"], "proprietary");
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/report.json")).unwrap(),
    )
    .unwrap();
    assert!(jsonschema::validator_for(&schema).unwrap().is_valid(&report), "audit JSON breaks schemas/report.json");
    let md = String::from_utf8(audit(&board, "markdown").code(1).get_output().stdout.clone()).unwrap();
    assert!(md.contains("**AUTHENTIC:") && md.contains("## Providers") && md.contains("## Ratings"), "{md}");
}

#[test]
fn an_audit_of_a_tampered_ledger_exits_1() {
    let board = Board::new();
    board.append("2025-03-02T00:00:00Z", BATTLES, None).success();
    let text = std::fs::read_to_string(board.ledger()).unwrap().replace("\"wins_a\":300", "\"wins_a\":301");
    std::fs::write(board.ledger(), text).unwrap();
    let out = audit(&board, "table").code(1);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(stdout.starts_with("NOT AUTHENTIC: line 4:"), "{stdout}");
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("audit failed"), "{err}");
}

#[test]
fn an_audit_of_a_compliant_ledger_exits_0_and_writes_out() {
    let board = Board::new();
    board.append("2025-03-02T00:00:00Z", r#"{"type":"provider_registered","provider":"meta"}"#, None).success();
    let out = board.dir.path().join("report.md");
    fairboard()
        .args(["audit", "--format", "markdown", "--ledger"])
        .arg(board.ledger())
        .arg("--trust")
        .arg(board.dir.path().join("op.pub"))
        .arg("--policy")
        .arg(pack())
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    assert!(std::fs::read_to_string(out).unwrap().contains("result: **PASS**"));
}

/// A new user's first plan is the events file they would append: bare event lines, no `{"event": …}`
/// wrapper and no times. `check --plan` takes them as steps without times.
#[test]
fn a_plan_of_bare_event_lines_is_accepted() {
    let board = Board::new();
    board.append("2025-03-02T00:00:00Z", THREE_TESTS, None).success();
    let plan = board.dir.path().join("events.jsonl");
    std::fs::write(&plan, "{\"type\":\"private_test_started\",\"model\":\"d\",\"provider\":\"meta\"}\n").unwrap();
    let report = plan_report(&board, &plan);
    let breaks = report["plan"]["breaks"].as_array().unwrap();
    assert_eq!(breaks.len(), 1, "{report}");
    assert_eq!((breaks[0]["step"].as_u64(), breaks[0]["line"].as_u64()), (Some(1), Some(1)));
    assert_eq!(breaks[0]["finding"]["rule"], "private-variant-limit");
}
