//! The shipped demo scenarios, end to end through the real binary: simulate, write the ledger
//! directory, `fairboard verify`, `fairboard check` with the copied pack.
//!
//! The illusion scenario must break each recommendation of The Leaderboard Illusion; the fair one
//! must pass the shipped pack without a deny finding. The tests run reduced variants so that a debug
//! build stays quick: fewer battles per day and fewer public models, on the same calendar, the same
//! providers and the same governance knobs. Every rule's outcome depends on shares and rates, not on
//! volume, as long as each live model keeps more than the ten battles a day that
//! `no-silent-deprecation` asks of it; `full_volume_outcomes` (ignored by default, run it with
//! `--release -- --ignored`) checks the full scenarios give the same verdicts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and benches fail loudly on what they did not expect"
)]

use std::collections::BTreeMap;
use std::path::Path;

use fairboard::sim::{self, Scenario};
use serde_json::Value;

/// The deny rules the illusion scenario must break (issue 5).
const ILLUSION_DENIES: [&str; 6] = [
    "no-retraction",
    "private-variant-limit",
    "disclose-all-variants",
    "provider-sampling-cap",
    "deprecation-parity",
    "no-silent-deprecation",
];

fn scenario(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(format!("{name}.yaml"));
    Scenario::load(&path).unwrap()
}

/// The reduced variant the debug-build tests run: 500 battles a day among 90 public models.
fn reduced(name: &str) -> Scenario {
    let mut s = scenario(name);
    s.battles_per_day = 500;
    s.models.count = 90;
    s
}

/// Simulates, writes, verifies and checks `scenario`; returns (deny, warn) findings per rule and the
/// check report.
fn run(scenario: &Scenario, dir: &Path) -> (BTreeMap<String, (u64, u64)>, Value) {
    let clock = std::time::Instant::now();
    let out = sim::simulate(scenario, scenario.seed).unwrap();
    let written = sim::write_ledger(dir, &out.leaderboard, &out.timeline, scenario.seed).unwrap();
    eprintln!(
        "{}: {} records, {} bytes simulated and written in {:?}",
        scenario.leaderboard,
        written.records,
        written.bytes,
        clock.elapsed()
    );
    assert_cmd::Command::cargo_bin("fairboard")
        .unwrap()
        .args(["verify", "--ledger"])
        .arg(&written.ledger)
        .arg("--trust")
        .arg(&written.operator_pub)
        .assert()
        .success();
    let check = assert_cmd::Command::cargo_bin("fairboard")
        .unwrap()
        .args(["check", "--format", "json", "--ledger"])
        .arg(&written.ledger)
        .arg("--policy")
        .arg(&written.policy)
        .output()
        .unwrap();
    eprintln!("{}: verified and checked after {:?}", scenario.leaderboard, clock.elapsed());
    let report: Value = serde_json::from_slice(&check.stdout)
        .unwrap_or_else(|e| panic!("check printed no JSON report ({e}): {}", String::from_utf8_lossy(&check.stderr)));
    let mut per_rule: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        let counts = per_rule.entry(f["rule"].as_str().unwrap().to_owned()).or_default();
        match f["severity"].as_str() {
            Some("deny") => counts.0 += 1,
            Some("warn") => counts.1 += 1,
            _ => {}
        }
    }
    eprintln!("{}: findings (deny, warn) per rule: {per_rule:?}", scenario.leaderboard);
    let expected_exit =
        if report["summary"]["deny"] == 0 && report["errors"].as_array().is_none_or(Vec::is_empty) { 0 } else { 1 };
    assert_eq!(check.status.code(), Some(expected_exit), "{report}");
    (per_rule, report)
}

fn assert_illusion(per_rule: &BTreeMap<String, (u64, u64)>, report: &Value) {
    for rule in ILLUSION_DENIES {
        assert!(per_rule.get(rule).is_some_and(|c| c.0 > 0), "no deny finding for `{rule}`: {per_rule:?}");
    }
    assert_eq!(report["errors"], Value::Array(Vec::new()), "rule errors");
}

fn assert_fair(per_rule: &BTreeMap<String, (u64, u64)>, report: &Value) {
    let denies: Vec<_> = per_rule.iter().filter(|(_, c)| c.0 > 0).collect();
    assert!(denies.is_empty(), "deny findings in the fair scenario: {denies:?}\n{report}");
    assert_eq!(report["errors"], Value::Array(Vec::new()), "rule errors");
}

#[test]
fn illusion_scenario_breaks_every_recommendation() {
    let dir = tempfile::tempdir().unwrap();
    let (per_rule, report) = run(&reduced("illusion"), dir.path());
    assert_illusion(&per_rule, &report);
}

#[test]
fn fair_scenario_has_no_deny_finding() {
    let dir = tempfile::tempdir().unwrap();
    let (per_rule, report) = run(&reduced("fair"), dir.path());
    assert_fair(&per_rule, &report);
}

#[test]
fn same_seed_same_bytes_and_truth_shows_selection() {
    let mut s = scenario("illusion");
    (s.days, s.battles_per_day, s.models.count) = (150, 200, 60);
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = sim::simulate(&s, 7).unwrap();
    let second = sim::simulate(&s, 7).unwrap();
    assert_eq!(first.truth, second.truth);
    sim::write_ledger(a.path(), &first.leaderboard, &first.timeline, 7).unwrap();
    sim::write_ledger(b.path(), &second.leaderboard, &second.timeline, 7).unwrap();
    for file in ["ledger.jsonl", "operator.pub", "policy.yaml"] {
        assert_eq!(std::fs::read(a.path().join(file)).unwrap(), std::fs::read(b.path().join(file)).unwrap(), "{file}");
    }
    let again = sim::write_ledger(a.path(), &first.leaderboard, &first.timeline, 7).unwrap_err();
    assert!(again.to_string().contains("already exists"), "{again}");
    // Best-of-N from the ledger alone: the 27-variant programme's release counts its 27 variants,
    // the pre-release fit reproduces the disclosed rating, and the selection is corrected downwards.
    let atlas = first.truth.releases.iter().find(|r| r.variants_tested == 27).unwrap();
    let ledger = std::io::BufReader::new(std::fs::File::open(a.path().join("ledger.jsonl")).unwrap());
    let facts = fairboard_core::api::facts(ledger, None, None).unwrap();
    let found = fairboard_core::stats::selection::selections(&facts, 60, None);
    let s = &found.iter().find(|s| s.at_release.model == atlas.model).unwrap().at_release;
    assert_eq!(s.n, 27);
    assert!((s.rating_at_release.unwrap() - atlas.disclosed_rating).abs() < 0.01, "{s:?}");
    assert!(s.inflation_at_release.unwrap() > 0.0, "{s:?}");
}

#[test]
fn bad_scenarios_are_refused_with_a_location() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fair.yaml")).unwrap();
    let typo = text.replace("tie_rate:", "tie_rat:");
    let e = Scenario::parse("fair.yaml", &typo).unwrap_err().to_string();
    assert!(e.starts_with("fair.yaml:") && e.contains("tie_rat"), "{e}");
    let bad = text.replace("update_every_days: 14", "update_every_days: 0");
    let e = Scenario::parse("fair.yaml", &bad).unwrap_err().to_string();
    assert!(e.contains("/board/update_every_days"), "{e}");
}

#[test]
#[ignore = "full volume: run with `cargo test --release --test sim -- --ignored`"]
fn full_volume_outcomes() {
    for name in ["illusion", "fair"] {
        let dir = tempfile::tempdir().unwrap();
        let started = std::time::Instant::now();
        let (per_rule, report) = run(&scenario(name), dir.path());
        eprintln!("{name}: {:?} (simulate, write, verify, check): {per_rule:?}", started.elapsed());
        if name == "illusion" {
            assert_illusion(&per_rule, &report);
        } else {
            assert_fair(&per_rule, &report);
        }
    }
}
