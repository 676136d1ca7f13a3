//! Waivers through the real binary, on one ledger, in all five paths that judge findings: `check`,
//! `audit`, `append --policy`, `check --plan` and `policy test`. They must agree, stop at expiry and
//! revocation, and be tallied apart, never hidden.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and benches fail loudly on what they did not expect"
)]

mod common;

use std::path::{Path, PathBuf};

use common::{fairboard, shipped_pack_path as pack};
use serde_json::Value;

/// meta runs four private tests at once (one over the limit of 3): one private-variant-limit
/// finding, subject `meta`, citing seqs 2 to 5. Seq 6 waives it until 2025-03-20.
const BOARD: &str = r#"{"type":"provider_registered","provider":"meta"}
{"type":"private_test_started","model":"a","provider":"meta"}
{"type":"private_test_started","model":"b","provider":"meta"}
{"type":"private_test_started","model":"c","provider":"meta"}
{"type":"private_test_started","model":"d","provider":"meta"}
{"type":"waiver_granted","rule":"private-variant-limit","subject":"meta","reason":"a safety evaluation needs four variants in parallel","approved_by":"board of the arena","expires":"2025-03-20T00:00:00Z"}"#;

struct Board {
    dir: tempfile::TempDir,
}

impl Board {
    fn new(events: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        fairboard().args(["keygen", "--out"]).arg(dir.path().join("op")).assert().success();
        let board = Self { dir };
        fairboard()
            .args(["init", "--leaderboard", "w", "--time", "2025-03-01T00:00:00Z", "--ledger"])
            .arg(board.ledger())
            .arg("--key")
            .arg(board.path("op.key"))
            .assert()
            .success();
        board.append("2025-03-02T00:00:00Z", events, None).success();
        board
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn ledger(&self) -> PathBuf {
        self.path("ledger.jsonl")
    }

    fn append(&self, time: &str, events: &str, policy: Option<&Path>) -> assert_cmd::assert::Assert {
        let mut cmd = fairboard();
        cmd.args(["append", "--time", time, "--ledger"]).arg(self.ledger()).arg("--key").arg(self.path("op.key"));
        if let Some(p) = policy {
            cmd.arg("--policy").arg(p);
        }
        cmd.arg("-").write_stdin(events.to_owned()).assert()
    }

    fn check(&self, extra: &[&str]) -> (Value, i32) {
        let out = fairboard()
            .args(["check", "--format", "json", "--ledger"])
            .arg(self.ledger())
            .arg("--policy")
            .arg(pack())
            .args(extra)
            .output()
            .unwrap();
        (serde_json::from_slice(&out.stdout).unwrap(), out.status.code().unwrap())
    }
}

fn limit_findings(report: &Value, key: &str) -> Vec<Value> {
    report[key].as_array().unwrap().iter().filter(|f| f["rule"] == "private-variant-limit").cloned().collect()
}

#[test]
fn check_reports_the_waived_finding_apart_until_it_expires() {
    let board = Board::new(BOARD);
    let (report, code) = board.check(&[]);
    assert_eq!(code, 0, "the only deny finding is waived: {report}");
    assert!(limit_findings(&report, "findings").is_empty());
    let waived = limit_findings(&report, "waived");
    assert_eq!(waived.len(), 1);
    assert_eq!(waived[0]["subject"], "meta");
    assert_eq!(waived[0]["waiver"], 6);
    assert_eq!(waived[0]["evidence"], serde_json::json!([2, 3, 4, 5]));
    assert_eq!(report["summary"]["waived"], 1);
    assert_eq!(report["summary"]["deny"], 0);
    let w = &report["waivers"][0];
    assert_eq!((w["seq"].as_u64(), w["status"].as_str(), w["applied"].as_u64()), (Some(6), Some("active"), Some(1)));

    // At its expiry the waiver stops applying, and the finding counts again.
    let (late, code) = board.check(&["--at", "2025-03-20T00:00:00Z"]);
    assert_eq!(code, 1);
    assert_eq!(limit_findings(&late, "findings").len(), 1);
    assert_eq!(late["waivers"][0]["status"], "expired");
    assert_eq!(late["summary"]["waived"], 0);
    // Before its grant it does not apply either.
    let (early, code) = board.check(&["--at", "2025-03-02T00:00:00Z"]);
    assert_eq!(code, 0, "--at keeps the records at or before it: all of them are at 03-02");
    assert_eq!(limit_findings(&early, "waived").len(), 1);

    // The text forms tally it too.
    let table =
        fairboard().args(["check", "--ledger"]).arg(board.ledger()).arg("--policy").arg(pack()).output().unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.contains("0 deny, 0 warn, 0 info, 0 rule errors, 1 waived"), "{table}");
    assert!(
        table.contains("waiver seq 6: private-variant-limit for meta, active until 2025-03-20T00:00:00Z"),
        "{table}"
    );
}

#[test]
fn a_revoked_waiver_stops_at_its_time() {
    let board = Board::new(BOARD);
    // Revoking admits under the policy: the finding it uncovers was known (waived) before.
    board
        .append(
            "2025-03-05T00:00:00Z",
            r#"{"type":"waiver_revoked","waiver":6,"reason":"the evaluation ended"}"#,
            Some(&pack()),
        )
        .success();
    let (report, code) = board.check(&[]);
    assert_eq!(code, 1);
    assert_eq!(report["waivers"][0]["status"], "revoked");
    assert_eq!(report["waivers"][0]["revoked"], 7);
    assert_eq!(limit_findings(&report, "findings").len(), 1);
    let (before, code) = board.check(&["--at", "2025-03-04T00:00:00Z"]);
    assert_eq!((code, before["summary"]["waived"].as_u64()), (0, Some(1)), "in force before the revocation");
    // A revocation of something that is not a waiver in force is refused, with or without a
    // policy (verification would report it): exit 1, the ledger unchanged.
    let bytes = std::fs::read(board.ledger()).unwrap();
    let pack = pack();
    for (event, policy) in [
        (r#"{"type":"waiver_revoked","waiver":3}"#, None),
        (r#"{"type":"waiver_revoked","waiver":6}"#, Some(pack.as_path())),
    ] {
        let out = board.append("2025-03-06T00:00:00Z", event, policy).code(1);
        assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("not a waiver in force"));
    }
    assert_eq!(std::fs::read(board.ledger()).unwrap(), bytes);
}

#[test]
fn audit_agrees_with_check() {
    let board = Board::new(BOARD);
    let audit = |format: &str| {
        fairboard()
            .args(["audit", "--format", format, "--ledger"])
            .arg(board.ledger())
            .arg("--trust")
            .arg(board.path("op.pub"))
            .arg("--policy")
            .arg(pack())
            .output()
            .unwrap()
    };
    let out = audit("json");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (check, _) = board.check(&[]);
    for key in ["findings", "waived", "waivers", "summary"] {
        assert_eq!(report[key], check[key], "{key}");
    }
    // The HTML page lists it.
    let html = String::from_utf8(audit("html").stdout).unwrap();
    assert!(html.contains("<section id=\"waivers\">") && html.contains("a safety evaluation needs four variants"));
}

#[test]
fn append_with_policy_admits_a_waived_worsening_and_refuses_an_unknown_rule() {
    let board = Board::new(BOARD);
    // A fifth open test worsens the waived violation: admitted while the waiver is in force...
    board
        .append(
            "2025-03-03T00:00:00Z",
            r#"{"type":"private_test_started","model":"e","provider":"meta"}"#,
            Some(&pack()),
        )
        .success();
    // ...and refused once it has expired (the candidate's own time judges it).
    let bytes = std::fs::read(board.ledger()).unwrap();
    let out = board
        .append(
            "2025-03-21T00:00:00Z",
            r#"{"type":"private_test_started","model":"f","provider":"meta"}"#,
            Some(&pack()),
        )
        .code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("private-variant-limit"));
    assert_eq!(std::fs::read(board.ledger()).unwrap(), bytes, "a refused append changed the ledger");

    let out = board
        .append(
            "2025-03-04T00:00:00Z",
            "{\"type\":\"provider_registered\",\"provider\":\"x\"}\n{\"type\":\"waiver_granted\",\"rule\":\"no-such-rule\",\"subject\":\"meta\",\"reason\":\"r\",\"approved_by\":\"b\",\"expires\":\"2026-01-01T00:00:00Z\"}",
            Some(&pack()),
        )
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("<stdin>:2: at /rule") && err.contains("no-such-rule"), "{err}");
    assert_eq!(std::fs::read(board.ledger()).unwrap(), bytes);

    // A waiver without an expiry or a reason is bad input: exit 2, with the pointer.
    for (field, event) in [
        (
            "expires",
            r#"{"type":"waiver_granted","rule":"no-retraction","subject":"meta","reason":"r","approved_by":"b"}"#,
        ),
        (
            "reason",
            r#"{"type":"waiver_granted","rule":"no-retraction","subject":"meta","approved_by":"b","expires":"2026-01-01T00:00:00Z"}"#,
        ),
    ] {
        let out = board.append("2025-03-04T00:00:00Z", event, None).code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(err.contains(field) && err.contains("<stdin>:1:"), "{err}");
    }
    assert_eq!(std::fs::read(board.ledger()).unwrap(), bytes);
}

#[test]
fn a_plan_sees_the_waiver_until_it_expires() {
    let board = Board::new(BOARD);
    let plan = board.path("plan.yaml");
    std::fs::write(
        &plan,
        "steps:\n  - at: \"2025-03-10T00:00:00Z\"\n    event: { type: private_test_started, model: e, provider: meta }\n  - at: \"2025-03-25T00:00:00Z\"\n    event: { type: private_test_started, model: f, provider: meta }\n",
    )
    .unwrap();
    let (report, code) = common::check_plan(&board.ledger(), &plan);
    let breaks: Vec<u64> = report["plan"]["breaks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["finding"]["rule"] == "private-variant-limit")
        .map(|b| b["step"].as_u64().unwrap())
        .collect();
    // Step 1 is waived; step 2 comes after the expiry, so from then on the plan is in breach: the
    // findings the waiver covered count again, and step 2's own start is one more.
    assert!(!breaks.is_empty() && breaks.iter().all(|&s| s == 2), "{report}");
    assert!(report["plan"]["breaks"].to_string().contains("when f started"), "{report}");
    assert_eq!(code, Some(1));
}

#[test]
fn policy_test_cases_see_waivers() {
    let out = fairboard()
        .args(["policy", "test"])
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies/tests/private-variant-limit"))
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{text}");
    for case in ["waived-while-in-force", "waiver-expired"] {
        assert!(text.contains(case), "{case} did not run: {text}");
    }
}
