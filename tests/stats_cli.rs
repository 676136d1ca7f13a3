//! `fairboard import`, `scores` and `sampling` through the real binary: imported events append as they
//! are, scores are deterministic bytes in the design.md CSV shape, flags and bad input exit 2 with a
//! location, and (when `../shared` is present) the real Arena files import and rate.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and benches fail loudly on what they did not expect"
)]

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn fairboard() -> Command {
    Command::cargo_bin("fairboard").unwrap()
}

fn stdout(cmd: &mut Command) -> String {
    String::from_utf8(cmd.assert().success().get_output().stdout.clone()).unwrap()
}

fn stderr_of(cmd: &mut Command, code: i32) -> String {
    String::from_utf8(cmd.assert().code(code).get_output().stderr.clone()).unwrap()
}

/// A real data file, or `None` (skip) when `../shared` is absent and not required.
fn real(name: &str) -> Option<PathBuf> {
    common::shared(&format!("data/real/{name}")).unwrap_or_else(|e| panic!("{e}"))
}

/// A ledger in `dir` holding the events of `events` (JSON Lines), appended at 2025-03-10.
fn ledger_with(dir: &Path, events: &str) -> PathBuf {
    let path = dir.join("ledger.jsonl");
    fairboard().args(["keygen", "--out"]).arg(dir.join("op")).assert().success();
    fairboard()
        .args(["init", "--leaderboard", "arena", "--time", "2025-03-01T00:00:00Z", "--ledger"])
        .arg(&path)
        .arg("--key")
        .arg(dir.join("op.key"))
        .assert()
        .success();
    fairboard()
        .args(["append", "--time", "2025-03-10T00:00:00Z", "--ledger"])
        .arg(&path)
        .arg("--key")
        .arg(dir.join("op.key"))
        .arg("-")
        .write_stdin(events.to_owned())
        .assert()
        .success();
    path
}

const PAIRS: &str = "model_a,model_b,a_wins,b_wins,ties,ties_bothbad
alpha,beta,60,30,5,5
beta,gamma,50,25,10,0
gamma,alpha,20,45,5,5
alpha,delta,40,10,0,0
delta,gamma,30,30,10,10
beta,delta,35,35,0,0
";

const META: &str = "model,provider,license
alpha,acme,Proprietary
beta,acme,Propretary
gamma,open-lab,Apache 2.0
delta,open-lab,open_source
unused,nobody,MIT
";

/// Imports PAIRS with META into a fresh ledger in `dir`.
fn imported(dir: &Path) -> PathBuf {
    std::fs::write(dir.join("pairs.csv"), PAIRS).unwrap();
    std::fs::write(dir.join("meta.csv"), META).unwrap();
    let events = stdout(
        fairboard()
            .args(["import", "--format", "pairs", "--period-start", "2025-03-01T00:00:00Z"])
            .args(["--period-end", "2025-03-07T23:59:59Z", "--models"])
            .arg(dir.join("meta.csv"))
            .arg(dir.join("pairs.csv")),
    );
    ledger_with(dir, &events)
}

#[test]
fn imported_pairs_register_models_with_their_licence_class_and_append_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pairs.csv"), PAIRS).unwrap();
    std::fs::write(dir.path().join("meta.csv"), META).unwrap();
    let text = stdout(
        fairboard()
            .args(["import", "--format", "pairs", "--period-start", "2025-03-01T00:00:00Z"])
            .args(["--period-end", "2025-03-07T23:59:59Z", "--models"])
            .arg(dir.path().join("meta.csv"))
            .arg(dir.path().join("pairs.csv")),
    );
    let events: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "provider_registered",
            "provider_registered",
            "model_registered",
            "model_registered",
            "model_registered",
            "model_registered",
            "battles_recorded"
        ]
    );
    let licence = |m: &str| events.iter().find(|e| e["model"] == m).unwrap()["license"].as_str().unwrap().to_owned();
    assert_eq!(
        [licence("alpha"), licence("beta"), licence("gamma"), licence("delta")],
        ["proprietary", "proprietary", "open_weights", "open_source"]
    );
    let pairs = events[6]["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 6);
    // gamma,alpha,20,45,5,5 is stored smaller id first, ties merged
    let ag = pairs.iter().find(|p| p["model_a"] == "alpha" && p["model_b"] == "gamma").unwrap();
    assert_eq!((ag["wins_a"].as_u64(), ag["wins_b"].as_u64(), ag["ties"].as_u64()), (Some(45), Some(20), Some(10)));
    for e in &events {
        fairboard_core::ledger::schema::schemas().unwrap().validate_event(e).unwrap();
    }
    ledger_with(dir.path(), &text); // append accepts it unchanged
}

#[test]
fn scores_csv_is_the_design_shape_best_first_and_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = imported(dir.path());
    let run = |args: &[&str]| stdout(fairboard().args(["scores", "--ledger"]).arg(&ledger).args(args));
    let csv = run(&["--format", "csv", "--bootstrap", "50", "--seed", "7"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "model,rating,ci_low,ci_high,battles,rank");
    assert_eq!(lines.len(), 5);
    let ratings: Vec<f64> = lines[1..].iter().map(|l| l.split(',').nth(1).unwrap().parse().unwrap()).collect();
    assert!(ratings.windows(2).all(|w| w[0] >= w[1]), "best first: {csv}");
    assert!(lines[1].starts_with("alpha,") && lines[1].ends_with(",1"), "{csv}");
    // mixtral is absent: the mean of the four ratings is 1000
    assert!((ratings.iter().sum::<f64>() / 4.0 - 1000.0).abs() < 1e-3, "{ratings:?}");
    for l in &lines[1..] {
        let f: Vec<f64> = l.split(',').skip(1).take(3).map(|x| x.parse().unwrap()).collect();
        assert!(f[1] <= f[0] && f[0] <= f[2], "interval brackets the rating: {l}");
    }
    assert_eq!(run(&["--format", "csv", "--bootstrap", "50", "--seed", "7"]), csv, "same seed, same bytes");
    assert_ne!(run(&["--format", "csv", "--bootstrap", "50", "--seed", "8"]), csv, "another seed, other intervals");

    let sandwich = run(&["--format", "csv", "--ci", "sandwich"]);
    assert_eq!(sandwich, run(&["--format", "csv", "--ci", "sandwich"]));
    let rating_column =
        |csv: &str| csv.lines().skip(1).map(|l| l.split(',').take(2).collect::<Vec<_>>().join(",")).collect::<Vec<_>>();
    assert_eq!(
        rating_column(&sandwich),
        rating_column(&csv),
        "the point estimates do not depend on the interval method"
    );

    let anchored = run(&["--format", "csv", "--ci", "sandwich", "--anchor", "gamma=1200"]);
    assert!(anchored.contains("\ngamma,1200.0000,1200.0000,1200.0000,"), "{anchored}");

    let json: Value = serde_json::from_str(&run(&["--format", "json", "--ci", "sandwich"])).unwrap();
    assert_eq!(json["anchor"]["kind"], "mean");
    assert_eq!(json["ci"]["method"], "sandwich");
    assert_eq!(json["ratings"].as_array().unwrap().len(), 4);
    assert_eq!(json["components"].as_array().unwrap().len(), 1);
    assert!(json["fit"]["relative_gradient"].as_f64().unwrap() < 1e-8);
    let table = run(&["--ci", "sandwich"]);
    assert!(table.contains("anchor: mean of the rated models = 1000"), "{table}");
}

#[test]
fn scores_window_and_unrateable_models() {
    let dir = tempfile::tempdir().unwrap();
    let events = r#"{"type":"battles_recorded","period_start":"2025-03-01T00:00:00Z","period_end":"2025-03-01T23:59:59Z","pairs":[{"model_a":"a","model_b":"b","wins_a":6,"wins_b":3,"ties":1},{"model_a":"b","model_b":"c","wins_a":4,"wins_b":4,"ties":0},{"model_a":"c","model_b":"a","wins_a":2,"wins_b":5,"ties":0},{"model_a":"top","model_b":"a","wins_a":3,"wins_b":0,"ties":0},{"model_a":"x","model_b":"y","wins_a":2,"wins_b":1,"ties":1}]}
{"type":"battles_recorded","period_start":"2025-03-02T00:00:00Z","period_end":"2025-03-02T23:59:59Z","pairs":[{"model_a":"a","model_b":"top","wins_a":1,"wins_b":0,"ties":0}]}"#;
    let ledger = ledger_with(dir.path(), events);
    let run =
        |args: &[&str]| stdout(fairboard().args(["scores", "--ci", "sandwich", "--ledger"]).arg(&ledger).args(args));
    // day 1 only: top never lost, x and y are an island
    let day1 = run(&["--format", "csv", "--to", "2025-03-02T00:00:00Z"]);
    assert!(day1.ends_with("top,,,,3,\nx,,,,4,\ny,,,,4,\n"), "{day1}");
    let json: Value = serde_json::from_str(&run(&["--format", "json", "--to", "2025-03-02T00:00:00Z"])).unwrap();
    assert_eq!(json["components"], serde_json::json!([["a", "b", "c"], ["x", "y"], ["top"]]));
    assert_eq!(json["unrateable"][0], serde_json::json!({"model": "top", "battles": 3, "reason": "no losses"}));
    assert_eq!(json["unrateable"][1]["reason"], "outside the main comparison component (in component 2)");
    let table = run(&["--to", "2025-03-02T00:00:00Z"]);
    assert!(table.contains("not strongly connected, 3 components"), "{table}");
    // with day 2, top has lost once and is rated
    let all = run(&["--format", "csv"]);
    assert!(all.lines().any(|l| l.starts_with("top,") && !l.starts_with("top,,")), "{all}");
    // day 2 alone
    let day2 = run(&["--format", "csv", "--from", "2025-03-02T00:00:00Z"]);
    assert_eq!(day2, "model,rating,ci_low,ci_high,battles,rank\na,,,,1,\ntop,,,,1,\n");
}

#[test]
fn bad_scores_flags_exit_2_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = imported(dir.path());
    let fails = |args: &[&str]| stderr_of(fairboard().args(["scores", "--ledger"]).arg(&ledger).args(args), 2);
    assert!(fails(&["--anchor", "alpha"]).contains("expected MODEL=RATING"));
    assert!(fails(&["--anchor", "zeta=1000"]).contains("--anchor: model `zeta` has no battles"));
    assert!(fails(&["--ci", "sandwich", "--bootstrap", "10"]).contains("--bootstrap N goes with --ci bootstrap"));
    assert!(fails(&["--bootstrap", "1"]).contains("at least 2 rounds"));
    assert!(fails(&["--from", "yesterday"]).contains("--from: `yesterday` is not an RFC 3339 UTC time"));
    let missing = stderr_of(fairboard().args(["scores", "--ledger"]).arg(dir.path().join("nope.jsonl")), 2);
    assert!(missing.contains("nope.jsonl"), "{missing}");
}

#[test]
fn fastchat_battles_group_by_day_and_missing_metadata_lists_every_model() {
    let dir = tempfile::tempdir().unwrap();
    let battles = r#"[
  {"model_a": "m1", "model_b": "m2", "winner": "model_a", "tstamp": 1714521600.5, "anony": true},
  {"model_a": "m2", "model_b": "m3", "winner": "tie (bothbad)", "tstamp": 1714607999.0, "anony": true},
  {"model_a": "m3", "model_b": "m1", "winner": "model_b", "tstamp": 1714608000.0, "anony": true},
  {"model_a": "m1", "model_b": "m4", "winner": "model_b", "tstamp": 1714608000.0, "anony": false}
]"#;
    std::fs::write(dir.path().join("battles.json"), battles).unwrap();
    let text = stdout(fairboard().args(["import", "--format", "fastchat"]).arg(dir.path().join("battles.json")));
    let events: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(events.len(), 2, "{text}");
    assert_eq!(events[0]["period_start"], "2024-05-01T00:00:00Z");
    assert_eq!(events[0]["period_end"], "2024-05-01T23:59:59Z");
    assert_eq!(events[1]["period_start"], "2024-05-02T00:00:00Z");
    assert!(!text.contains("m4"), "the named battle is dropped");
    // as JSON Lines, the same events
    let lines: String = serde_json::from_str::<Vec<Value>>(battles).unwrap().iter().map(|v| format!("{v}\n")).collect();
    std::fs::write(dir.path().join("battles.jsonl"), lines).unwrap();
    assert_eq!(
        stdout(fairboard().args(["import", "--format", "fastchat"]).arg(dir.path().join("battles.jsonl"))),
        text
    );

    std::fs::write(dir.path().join("meta.csv"), "model,provider,license\nm2,p,MIT\n").unwrap();
    let err = stderr_of(
        fairboard()
            .args(["import", "--format", "fastchat", "--models"])
            .arg(dir.path().join("meta.csv"))
            .arg(dir.path().join("battles.json")),
        2,
    );
    assert!(err.contains("meta.csv: 2 model(s) in the battles are missing from the metadata: m1, m3"), "{err}");

    std::fs::write(
        dir.path().join("bad.jsonl"),
        "{\"model_a\":\"a\",\"model_b\":\"b\",\"winner\":\"a\",\"tstamp\":1,\"anony\":true}\n",
    )
    .unwrap();
    let err = stderr_of(fairboard().args(["import", "--format", "fastchat"]).arg(dir.path().join("bad.jsonl")), 2);
    assert!(
        err.contains("bad.jsonl: line 1: `winner` is `a`; expected `model_a`, `model_b`, `tie` or `tie (bothbad)`"),
        "{err}"
    );
    let err = stderr_of(fairboard().args(["import", "--format", "pairs"]).arg(dir.path().join("bad.jsonl")), 2);
    assert!(err.contains("--period-start and --period-end"), "{err}");
    let err = stderr_of(
        fairboard().args(["import", "--format", "pairs", "--period-start", "2025-01-01T00:00:00Z"]).arg("x.csv"),
        2,
    );
    assert!(err.contains("--period-end"), "{err}");
}

#[test]
fn sampling_compares_recommended_configured_and_realised_shares() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pairs.csv"), PAIRS).unwrap();
    std::fs::write(dir.path().join("meta.csv"), META).unwrap();
    let mut events = stdout(
        fairboard()
            .args(["import", "--format", "pairs", "--period-start", "2025-03-01T00:00:00Z"])
            .args(["--period-end", "2025-03-07T23:59:59Z", "--models"])
            .arg(dir.path().join("meta.csv"))
            .arg(dir.path().join("pairs.csv")),
    );
    events.insert_str(
        0,
        "{\"type\":\"sampling_set\",\"effective_from\":\"2025-02-01T00:00:00Z\",\"weights\":{\"alpha\":3,\"beta\":1,\"gamma\":1,\"delta\":1}}\n",
    );
    let ledger = ledger_with(dir.path(), &events);
    let json: Value =
        serde_json::from_str(&stdout(fairboard().args(["sampling", "--format", "json", "--ledger"]).arg(&ledger)))
            .unwrap();
    let models = json["models"].as_array().unwrap();
    assert_eq!(models.len(), 4);
    for key in ["recommended", "configured", "realised"] {
        let total: f64 = models.iter().map(|m| m[key].as_f64().unwrap()).sum();
        assert!((total - 1.0).abs() < 1e-5, "{key} shares sum to 1: {total}");
    }
    let alpha = &models[0];
    assert_eq!(alpha["id"], "alpha");
    // weights 3:1:1:1 drawn as FastChat does: alpha is in 80% of the battles, 40% of the appearances
    assert!((alpha["configured"].as_f64().unwrap() - 0.4).abs() < 1e-6, "{alpha}");
    assert_eq!(json["pairs"].as_array().unwrap().len(), 6);
    assert_eq!(json["configuration"]["seq"], 1);
    let table = stdout(fairboard().args(["sampling", "--ledger"]).arg(&ledger));
    assert!(table.contains("per provider") && table.contains("open-lab"), "{table}");
}

#[test]
fn real_pairs_import_against_lmsys_metadata_and_rate() {
    let (Some(pairs), Some(meta_2024), Some(meta_2025)) = (
        real("leaderbot_chatbotarena_20240814_pairs.csv"),
        real("lmsys_leaderboard_table_20240813.csv"),
        real("lmsys_leaderboard_table_20250511.csv"),
    ) else {
        return;
    };
    let import = |meta: &Path| {
        let mut cmd = fairboard();
        cmd.args(["import", "--format", "pairs", "--period-start", "2023-04-24T00:00:00Z"])
            .args(["--period-end", "2024-08-14T23:59:59Z", "--models"])
            .arg(meta)
            .arg(&pairs);
        cmd
    };
    let err = stderr_of(&mut import(&meta_2024), 2);
    assert!(
        err.contains("2 model(s) in the battles are missing from the metadata: chatgpt-4o-latest, gpt-4o-2024-08-06"),
        "{err}"
    );
    let text = stdout(&mut import(&meta_2025));
    let events: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let schemas = fairboard_core::ledger::schema::schemas().unwrap();
    events.iter().for_each(|e| schemas.validate_event(e).unwrap());
    let registered: Vec<&Value> = events.iter().filter(|e| e["type"] == "model_registered").collect();
    assert_eq!(registered.len(), 129);
    let class = |m: &str| registered.iter().find(|e| e["model"] == m).unwrap()["license"].clone();
    assert_eq!(class("gpt-4o-2024-05-13"), "proprietary");
    assert_eq!(class("llama-3-70b-instruct"), "open_weights");
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_with(dir.path(), &text);
    let csv = stdout(fairboard().args(["scores", "--ci", "sandwich", "--format", "csv", "--ledger"]).arg(&ledger));
    assert_eq!(csv.lines().count(), 130);
    assert!(csv.contains("\nmixtral-8x7b-instruct-v0.1,1114.0000,1114.0000,1114.0000,"), "the default anchor");
    assert!(csv.lines().nth(1).unwrap().starts_with("chatgpt-4o-latest,"), "{csv}");
}

#[test]
fn real_human_votes_without_time_need_a_declared_period() {
    let Some(votes) = real("arena33k_ppr_human_votes.jsonl") else { return };
    let err = stderr_of(fairboard().args(["import", "--format", "fastchat"]).arg(&votes), 2);
    assert!(err.contains("arena33k_ppr_human_votes.jsonl: line 1: no `anony` field"), "{err}");
    let text = stdout(
        fairboard()
            .args(["import", "--format", "fastchat", "--period-start", "2023-04-24T00:00:00Z"])
            .args(["--period-end", "2023-06-30T23:59:59Z"])
            .arg(&votes),
    );
    let events: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(events.len(), 1);
    let total: u64 = events[0]["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["wins_a"].as_u64().unwrap() + p["wins_b"].as_u64().unwrap() + p["ties"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 26_919);
}

#[test]
fn the_statistics_facts_functions_reach_rule_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
fn evaluate(facts, params) {
    let out = [];
    let all = facts.ratings();
    out.push(finding("ratings", `a=${all.ratings["a"].round()} unrateable=${all.unrateable.keys()} anchor=${all.anchor}`, []));
    let before = facts.ratings_before(3);
    out.push(finding("before", `models=${before.ratings.keys().len()} error=${before.error}`, []));
    out.push(finding("components", `${facts.components()}`, []));
    out.push(finding("seqs", `${facts.model_battle_seqs("a")}`, []));
    let s = facts.active_sampling();
    out.push(finding("sampling", `active=${s.active.len()} config=${s.configuration_seq} realised=${s.realised_battles}`, []));
    for b in facts.best_of_n(60) {
        out.push(finding("best", `${b.model} n=${b.n} seqs=${b.variant_seqs} rated=${b.n_rated} d0=${b.inflation_at_release} note=${b.note}`, []));
    }
    let f = facts.votes_to_flip(5);
    out.push(finding("flip", `${f.top.model}>${f.top.challenger} votes=${f.top.votes} of ${f.top.battles} adjacent=${f.adjacent.len()}`, []));
    out
}
"#;
    std::fs::write(dir.path().join("probe.rhai"), script).unwrap();
    std::fs::write(
        dir.path().join("pack.yaml"),
        "apiVersion: fairboard/v1\nkind: PolicyPack\nname: probe\nversion: 1.0.0\nrules:\n  - id: probe\n    uses: probe.rhai\n    severity: info\n    rationale: exercises the statistics functions\n",
    )
    .unwrap();
    let case = r#"pack: pack.yaml
events:
  - { at: "2025-03-01T00:00:00Z", event: { type: model_registered, model: a, provider: p, license: proprietary, visibility: public } }
  - { at: "2025-03-01T00:00:00Z", event: { type: private_test_started, model: v1, provider: p } }
  - { at: "2025-03-01T00:00:00Z", event: { type: battles_recorded, period_start: "2025-03-01T00:00:00Z", period_end: "2025-03-01T23:59:59Z",
      pairs: [ { model_a: a, model_b: b, wins_a: 30, wins_b: 10, ties: 0 }, { model_a: top, model_b: b, wins_a: 5, wins_b: 0, ties: 0 } ] } }
  - { at: "2025-03-02T00:00:00Z", event: { type: private_test_started, model: v2, provider: p } }
  - { at: "2025-03-03T00:00:00Z", event: { type: model_released, model: v2, provider: p, public_name: a } }
expect:
  probe:
    - { subject: ratings, message: "a=1095.0 unrateable=[\"top\"] anchor=mean of the rated models = 1000" }
    - { subject: before, message: "models=0 error=" }
    - { subject: components, message: "[[\"a\", \"b\"], [\"top\"]]" }
    - { subject: seqs, message: "[3]" }
    - { subject: sampling, message: "active=1 config= realised=45" }
    - { subject: best, message: "v2 n=2 seqs=[2, 4] rated=0 d0=0.0 note=the released variant had no rating before the release" }
    - { subject: flip, message: "a>b votes=21 of 40 adjacent=1" }
"#;
    std::fs::create_dir(dir.path().join("cases")).unwrap();
    std::fs::write(dir.path().join("cases/case.yaml"), case.replace("pack: pack.yaml", "pack: ../pack.yaml")).unwrap();
    let out = fairboard().args(["policy", "test"]).arg(dir.path().join("cases")).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("1 passed, 0 failed"), "{text}");
}

#[test]
fn model_metadata_is_read_bounded_even_as_one_huge_cell() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pairs.csv"), PAIRS).unwrap();
    let mut meta = String::from("model,provider,license\nalpha,acme,\"");
    meta.push_str(&"x".repeat(20 * 1024 * 1024));
    meta.push_str("\"\n");
    std::fs::write(dir.path().join("meta.csv"), meta).unwrap();
    let err = stderr_of(
        fairboard()
            .args(["import", "--format", "pairs", "--period-start", "2025-03-01T00:00:00Z"])
            .args(["--period-end", "2025-03-01T23:59:59Z", "--models"])
            .arg(dir.path().join("meta.csv"))
            .arg(dir.path().join("pairs.csv")),
        2,
    );
    assert!(err.contains("meta.csv: line 2: the metadata is larger than 16777216 bytes"), "{err}");
}
