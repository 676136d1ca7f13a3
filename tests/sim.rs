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
    // One number per release: the audit, `scores` and the core agree on every release's adjustment.
    let json = |args: &[&str]| -> Value {
        let out = assert_cmd::Command::cargo_bin("fairboard").unwrap().args(args).output().unwrap();
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
    };
    let path = |f: &str| a.path().join(f).to_string_lossy().into_owned();
    let (ledger, trust, policy) = (path("ledger.jsonl"), path("operator.pub"), path("policy.yaml"));
    let audit = json(&["audit", "--format", "json", "--ledger", &ledger, "--trust", &trust, "--policy", &policy]);
    let scores = json(&["scores", "--format", "json", "--ci", "sandwich", "--flip-depth", "0", "--ledger", &ledger]);
    let current = fairboard_core::stats::rate(
        &fairboard_core::stats::Comparisons::from_facts(&facts, fairboard_core::stats::PeriodFilter::ALL),
        &fairboard_core::stats::AnchorSpec::Default,
        Default::default(),
    )
    .unwrap();
    let core = fairboard_core::stats::selection::selections(
        &facts,
        60,
        Some((&current, fairboard_core::stats::PeriodFilter::ALL)),
    );
    let audited = audit["best_of_n"].as_array().unwrap();
    assert!(!audited.is_empty());
    for row in audited {
        let model = row["model"].as_str().unwrap();
        let ours = core.iter().find(|s| s.at_release.model == model).unwrap();
        let listed = scores["best_of_n"]["releases"].as_array().unwrap().iter().find(|r| r["model"] == model).unwrap();
        for key in ["adjusted_rating", "inflation", "inflation_at_release"] {
            let (x, y) = (row[key].as_f64().unwrap(), listed[key].as_f64().unwrap());
            assert!((x - y).abs() <= 1e-4, "{model} {key}: audit {x}, scores {y}");
        }
        assert!((row["adjusted_rating"].as_f64().unwrap() - ours.adjusted_rating.unwrap()).abs() < 1e-9);
    }
    assert!(
        audit["ratings"]["votes_to_flip"]["top"]["votes"].as_u64().is_some(),
        "{}",
        audit["ratings"]["votes_to_flip"]
    );
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

/// The calibration scenario of issue 18: the illusion year with every generic proprietary provider
/// running two programmes of six variants, so that a seed gives about 23 releases after more than
/// three variants (3,000 battles a day among 120 public models).
fn calibration() -> Scenario {
    let mut s = scenario("illusion");
    s.battles_per_day = 3000;
    s.models.count = 120;
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/illusion.yaml")).unwrap();
    let changed = text
        .replace("battles_per_day: 8000", "battles_per_day: 3000")
        .replace("  count: 250 ", "  count: 120 ")
        .replace(
            "proprietary: { programmes: 1, variants: 2, concurrent: 2 }",
            "proprietary: { programmes: 2, variants: 6, concurrent: 6 }",
        );
    assert_ne!(changed, text);
    Scenario::parse("calibration", &changed).unwrap()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

fn mean_abs(v: &[f64]) -> f64 {
    v.iter().map(|x| x.abs()).sum::<f64>() / v.len().max(1) as f64
}

/// Issue 18: the numbers held against the simulator's truth over 8 seeds fixed in advance
/// (docs/statistics.md §5 gives the power calculation: the pooled test passes with probability
/// about 0.98 when the estimator is unbiased).
/// * the ledger alone counts each release's N as the simulator did and reproduces its disclosure;
/// * the selection-adjusted rating at release is unbiased for the released variant's true rating
///   (pooled |mean| ≤ 1) and closer to it than the disclosed one, for releases after > 3 variants;
/// * σ·sqrt(2 ln N) over-corrects (it is a bound);
/// * at year end the current selection-adjusted rating is nearer the truth than the raw one;
/// * the 95% sandwich and bootstrap intervals of rating differences cover the true differences
///   between unselected public models in 93–97% of pairs.
#[test]
fn selection_adjustment_and_intervals_hold_against_the_truth() {
    use fairboard_core::stats::bradley_terry::{FitOptions, rate};
    use fairboard_core::stats::{AnchorSpec, Comparisons, PeriodFilter, Z95, bootstrap, points_per_nat, sandwich};
    let scenario = calibration();
    let (mut adjusted, mut disclosed, mut bounded, mut now_adjusted, mut now_raw) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut pairs, mut covered_sandwich, mut covered_bootstrap) = (0usize, 0usize, 0usize);
    for seed in 1..=8u64 {
        let out = sim::simulate(&scenario, seed).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let written = sim::write_ledger(dir.path(), &out.leaderboard, &out.timeline, seed).unwrap();
        let ledger = std::io::BufReader::new(std::fs::File::open(&written.ledger).unwrap());
        let facts = fairboard_core::api::facts(ledger, None, None).unwrap();
        let fit =
            rate(&Comparisons::from_facts(&facts, PeriodFilter::ALL), &AnchorSpec::Default, FitOptions::default())
                .unwrap();
        let found = fairboard_core::stats::selection::selections(&facts, 60, Some((&fit, PeriodFilter::ALL)));
        // The year-end scale: the mean rating of 1000 includes the variants that were not released,
        // which selection biased low, so the truth is put on the scale of the models that were never
        // privately tested (their ratings are unselected).
        let tested: std::collections::BTreeSet<&str> = facts.private_tests.iter().map(|t| t.model.as_str()).collect();
        let keep: Vec<usize> =
            (0..fit.rated.len()).filter(|&k| !tested.contains(fit.models[fit.rated[k]].as_str())).collect();
        let skill = |p: usize| out.truth.skills[&fit.models[fit.rated[p]]];
        let rating = |p: usize| fit.rating[fit.rated[p]].unwrap();
        let offset = mean(&keep.iter().map(|&p| rating(p) - skill(p)).collect::<Vec<_>>());
        let (mut seed_adjusted, mut seed_disclosed) = (Vec::new(), Vec::new());
        for r in &out.truth.releases {
            let s = found.iter().find(|s| s.at_release.model == r.model).unwrap();
            let at = &s.at_release;
            assert_eq!(at.n, u64::from(r.variants_tested), "seed {seed} {}: N", r.model);
            let y = at.rating_at_release.unwrap();
            assert!((y - r.disclosed_rating).abs() <= 0.01, "seed {seed} {}: {y} vs {}", r.model, r.disclosed_rating);
            if r.variants_tested > 3 {
                seed_adjusted.push(at.adjusted_at_release.unwrap() - r.true_rating);
                seed_disclosed.push(r.inflation());
                let bound = fairboard_core::stats::selection::inflation_bound(at.n, at.sigma_at_selection.unwrap());
                bounded.push(y - bound - r.true_rating);
                let truth_now = out.truth.skills[&r.model] + offset;
                now_adjusted.push(s.adjusted_rating.unwrap() - truth_now);
                now_raw.push(s.rating.unwrap() - truth_now);
            }
        }
        eprintln!(
            "seed {seed}: {} releases after > 3 variants; adjusted − true {:+.2} (|·| {:.2}), disclosed − true {:+.2} (|·| {:.2})",
            seed_adjusted.len(),
            mean(&seed_adjusted),
            mean_abs(&seed_adjusted),
            mean(&seed_disclosed),
            mean_abs(&seed_disclosed)
        );
        adjusted.extend(seed_adjusted);
        disclosed.extend(seed_disclosed);
        // Intervals of differences between public models that were never privately tested (the
        // selected ones are biased by design, which is what the adjustment is for).
        let v = sandwich::covariance(&fit).unwrap();
        let (rounds, _) = bootstrap::rounds(&fit, 200, seed).unwrap();
        let k = points_per_nat();
        let (mut seed_pairs, mut seed_sandwich, mut seed_bootstrap) = (0usize, 0usize, 0usize);
        let mut diffs = Vec::with_capacity(rounds.len());
        for (x, &i) in keep.iter().enumerate() {
            for &j in &keep[x + 1..] {
                let estimate = k * (fit.theta[i] - fit.theta[j]);
                let truth = skill(i) - skill(j);
                let se = k * (v.get(i, i) + v.get(j, j) - 2.0 * v.get(i, j)).max(0.0).sqrt();
                seed_sandwich += usize::from((estimate - truth).abs() <= Z95 * se);
                diffs.clear();
                diffs.extend(rounds.iter().map(|r| r[i] - r[j]));
                diffs.sort_by(f64::total_cmp);
                let (lo, hi) = (bootstrap::quantile(&diffs, 0.025), bootstrap::quantile(&diffs, 0.975));
                seed_bootstrap += usize::from(lo <= truth && truth <= hi);
                seed_pairs += 1;
            }
        }
        eprintln!(
            "seed {seed}: {seed_pairs} pairs, sandwich coverage {:.4}, bootstrap coverage {:.4}",
            seed_sandwich as f64 / seed_pairs as f64,
            seed_bootstrap as f64 / seed_pairs as f64
        );
        (pairs, covered_sandwich, covered_bootstrap) =
            (pairs + seed_pairs, covered_sandwich + seed_sandwich, covered_bootstrap + seed_bootstrap);
    }
    let (am, aa, dm, da) = (mean(&adjusted), mean_abs(&adjusted), mean(&disclosed), mean_abs(&disclosed));
    eprintln!(
        "pooled over {} releases: adjusted − true {am:+.2} (|·| {aa:.2}), disclosed − true {dm:+.2} (|·| {da:.2}), bound-adjusted − true {:+.2}; at year end adjusted {:+.2} (|·| {:.2}) vs raw {:+.2} (|·| {:.2})",
        adjusted.len(),
        mean(&bounded),
        mean(&now_adjusted),
        mean_abs(&now_adjusted),
        mean(&now_raw),
        mean_abs(&now_raw)
    );
    assert!(adjusted.len() >= 150, "{} releases", adjusted.len());
    assert!(am.abs() <= 1.0, "bias of the adjusted rating {am:+.2}");
    assert!(aa < da, "adjusted MAE {aa:.2} vs disclosed {da:.2}");
    assert!(mean(&bounded) < -2.0, "the bound over-corrects: {:+.2}", mean(&bounded));
    // At year end the adjustment takes out part of what selection left in the current rating (the
    // dilution by post-release votes is a one-step approximation; docs/statistics.md §5 states the
    // residual this test prints).
    assert!(mean(&now_adjusted).abs() < mean(&now_raw).abs(), "year-end bias not reduced");
    assert!(mean_abs(&now_adjusted) < mean_abs(&now_raw), "year-end error not reduced");
    let (cs, cb) = (covered_sandwich as f64 / pairs as f64, covered_bootstrap as f64 / pairs as f64);
    eprintln!("pooled coverage over {pairs} pairs: sandwich {cs:.4}, bootstrap {cb:.4}");
    assert!((0.93..=0.97).contains(&cs), "sandwich coverage {cs:.4}");
    assert!((0.93..=0.97).contains(&cb), "bootstrap coverage {cb:.4}");
}
