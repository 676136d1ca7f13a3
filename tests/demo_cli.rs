//! `fairboard demo` end to end: simulate, write, audit, report (at reduced volume, so the debug build
//! stays quick; the outcome shapes do not depend on volume).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and benches fail loudly on what they did not expect"
)]

mod common;

use assert_cmd::Command;

use common::reduced_scenario as reduced;

#[test]
fn the_demo_writes_a_verifiable_ledger_and_an_audit_report() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = reduced("illusion.yaml", tmp.path());
    let out = tmp.path().join("demo");
    let run = Command::cargo_bin("fairboard")
        .unwrap()
        .args(["demo", "--seed", "7", "--scenario"])
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8(run.get_output().stdout.clone()).unwrap();
    assert!(stdout.starts_with("AUTHENTIC:"), "{}", &stdout[..stdout.len().min(500)]);
    for file in ["ledger.jsonl", "operator.pub", "operator.key", "policy.yaml", "report.md"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("## Best-of-N against the hidden truth"), "no truth section");
    assert!(report.contains("result: **FAIL**"), "the illusion scenario breaks the rules");
    for rule in [
        "no-retraction",
        "private-variant-limit",
        "disclose-all-variants",
        "provider-sampling-cap",
        "deprecation-parity",
        "no-silent-deprecation",
    ] {
        assert!(report.contains(&format!("`{rule}`")), "no {rule} finding in the report");
    }
    Command::cargo_bin("fairboard")
        .unwrap()
        .args(["verify", "--ledger"])
        .arg(out.join("ledger.jsonl"))
        .arg("--trust")
        .arg(out.join("operator.pub"))
        .assert()
        .success();
    // the same seed gives the same ledger
    let again = tmp.path().join("again");
    Command::cargo_bin("fairboard")
        .unwrap()
        .args(["demo", "--seed", "7", "--scenario"])
        .arg(&scenario)
        .arg("--out")
        .arg(&again)
        .assert()
        .success();
    assert_eq!(std::fs::read(out.join("ledger.jsonl")).unwrap(), std::fs::read(again.join("ledger.jsonl")).unwrap());
}

#[test]
fn the_demo_refuses_to_overwrite_and_rejects_a_bad_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("bad.yaml"), "leaderboard: x\nnot_a_knob: 1\n").unwrap();
    let out = Command::cargo_bin("fairboard")
        .unwrap()
        .args(["demo", "--scenario"])
        .arg(tmp.path().join("bad.yaml"))
        .arg("--out")
        .arg(tmp.path().join("d"))
        .assert()
        .code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("bad.yaml:") && !err.contains("panicked"), "{err}");
}
