//! Reproducible disclosures through the real binary: the simulator records the method of every
//! disclosure, `scores --reproduce SEQ` recomputes it, and one changed battle is reported; a method
//! with an unknown field is bad input; a method change announced too late is a finding.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and benches fail loudly on what they did not expect"
)]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::{fairboard, field, id, key, rechain, resign, with_ext, write_key};
use serde_json::{Value, json};

fn reduced_demo(dir: &Path) -> PathBuf {
    let scenario = common::reduced_scenario("illusion.yaml", dir);
    let out = dir.join("demo");
    fairboard().args(["demo", "--seed", "7", "--scenario"]).arg(&scenario).arg("--out").arg(&out).assert().success();
    out
}

fn reproduce(ledger: &Path, seq: u64) -> (Value, i32) {
    let out = fairboard()
        .args(["scores", "--format", "json", "--reproduce", &seq.to_string(), "--ledger"])
        .arg(ledger)
        .output()
        .unwrap();
    (serde_json::from_slice(&out.stdout).unwrap_or(Value::Null), out.status.code().unwrap())
}

#[test]
fn simulated_disclosures_reproduce_and_one_changed_battle_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = reduced_demo(tmp.path());
    let ledger = demo.join("ledger.jsonl");
    let text = std::fs::read_to_string(&ledger).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let disclosures: Vec<usize> =
        lines.iter().enumerate().filter(|(_, l)| l.contains("\"type\":\"score_disclosed\"")).map(|(i, _)| i).collect();
    assert!(disclosures.len() > 100, "the simulator discloses");
    // Every disclosure records a method object; a spread of them reproduce.
    for &seq in disclosures.iter().step_by(disclosures.len() / 12) {
        let event: Value = serde_json::from_str::<Value>(&lines[seq]).unwrap()["event"].clone();
        assert_eq!(event["method"]["algorithm"], "bradley-terry", "{event}");
        let (r, code) = reproduce(&ledger, seq as u64);
        assert_eq!(code, 0, "seq {seq}: {r}");
        assert_eq!(r["equal"], true);
    }

    // One battle of the disclosed model moved from a loss to a win, in the last period before a
    // disclosure; the ledger re-signed so that it still verifies.
    let seq = disclosures[disclosures.len() / 2];
    let model = serde_json::from_str::<Value>(&lines[seq]).unwrap()["event"]["model"].as_str().unwrap().to_owned();
    let period = (0..seq)
        .rev()
        .find(|&i| lines[i].contains("\"type\":\"battles_recorded\"") && lines[i].contains(&format!("\"{model}\"")))
        .unwrap();
    lines.truncate(seq + 1);
    let mut keys: HashMap<String, ed25519_dalek::SigningKey> = HashMap::new();
    for entry in std::fs::read_dir(demo.join("keys")).unwrap().chain(std::fs::read_dir(&demo).unwrap()) {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "key") {
            let k = fairboard::store::keys::read_signing_key(&path).unwrap();
            keys.insert(id(&k), k);
        }
    }
    let signer = field(&lines[period], "signer");
    lines[period] = resign(&lines[period], &keys[&signer], |m| {
        let pairs = m.get_mut("event").unwrap()["pairs"].as_array_mut().unwrap();
        let pair = pairs.iter_mut().find(|p| p["model_a"] == model.as_str() || p["model_b"] == model.as_str()).unwrap();
        let (win, loss) = if pair["model_a"] == model.as_str() { ("wins_a", "wins_b") } else { ("wins_b", "wins_a") };
        if pair[loss].as_u64().unwrap() == 0 {
            pair[loss] = 1.into(); // no loss to move: add one battle instead
        } else {
            pair[loss] = (pair[loss].as_u64().unwrap() - 1).into();
            pair[win] = (pair[win].as_u64().unwrap() + 1).into();
        }
    });
    rechain(&mut lines, period, &keys);
    let changed = tmp.path().join("changed.jsonl");
    std::fs::write(&changed, lines.join("\n") + "\n").unwrap();
    let (original, code) = reproduce(&ledger, seq as u64);
    assert_eq!(code, 0, "{original}");
    let (r, code) = reproduce(&changed, seq as u64);
    assert_eq!(code, 1, "{r}");
    assert_eq!(r["equal"], false);
    assert!(r["difference"].as_str().unwrap().starts_with("rating: disclosed"), "{r}");
    assert_ne!(r["digest"], original["digest"], "the board changed");

    // Not a disclosure: bad input.
    let out = fairboard().args(["scores", "--reproduce", "0", "--ledger"]).arg(&ledger).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a score_disclosed record"));
}

struct Board {
    dir: tempfile::TempDir,
    op: PathBuf,
}

impl Board {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let op = with_ext(&write_key(dir.path(), "op", &key(1)), "key");
        let b = Self { dir, op };
        fairboard()
            .args(["init", "--leaderboard", "m", "--time", "2025-03-01T00:00:00Z", "--ledger"])
            .arg(b.ledger())
            .arg("--key")
            .arg(&b.op)
            .assert()
            .success();
        b
    }

    fn ledger(&self) -> PathBuf {
        self.dir.path().join("ledger.jsonl")
    }

    fn append(&self, time: &str, events: &[Value]) -> assert_cmd::assert::Assert {
        let text: String = events.iter().map(|e| format!("{e}\n")).collect();
        fairboard()
            .args(["append", "--time", time, "--ledger"])
            .arg(self.ledger())
            .arg("--key")
            .arg(&self.op)
            .arg("-")
            .write_stdin(text)
            .assert()
    }
}

fn method() -> Value {
    json!({"algorithm": "bradley-terry", "interval": "sandwich", "decimals": 2})
}

#[test]
fn a_disclosure_with_its_method_and_board_digest_reproduces_exactly() {
    let board = Board::new();
    board
        .append(
            "2025-03-02T00:00:00Z",
            &[json!({"type":"battles_recorded","period_start":"2025-03-01T00:00:00Z","period_end":"2025-03-01T23:59:59Z",
                     "pairs":[{"model_a":"a","model_b":"b","wins_a":30,"wins_b":20,"ties":10},
                              {"model_a":"b","model_b":"c","wins_a":25,"wins_b":15,"ties":5},
                              {"model_a":"a","model_b":"c","wins_a":12,"wins_b":30,"ties":3}]})],
        )
        .success();
    // The board computes the score as `scores` does, then discloses it with its method.
    let out = fairboard()
        .args(["scores", "--ci", "sandwich", "--format", "json", "--flip-depth", "0", "--ledger"])
        .arg(board.ledger())
        .output()
        .unwrap();
    let scores: Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = scores["ratings"].as_array().unwrap().iter().find(|r| r["model"] == "a").unwrap().clone();
    let round = |x: &Value| (x.as_f64().unwrap() * 100.0).round() / 100.0;
    let disclosure = |digest: Option<&str>| {
        let mut e = json!({"type":"score_disclosed","model":"a","rating":round(&row["rating"]),
                           "ci_low":round(&row["ci_low"]),"ci_high":round(&row["ci_high"]),"battles":110,"method":method()});
        if let Some(d) = digest {
            e["board_digest"] = d.into();
        }
        e
    };
    board.append("2025-03-02T00:00:00Z", &[disclosure(None)]).success();
    let (r, code) = reproduce(&board.ledger(), 2);
    assert_eq!(code, 0, "{r}");
    let digest = r["digest"].as_str().unwrap().to_owned();
    // With the digest recorded, it reproduces; with a wrong one, it does not.
    board.append("2025-03-02T00:00:00Z", &[disclosure(Some(&digest))]).success();
    assert_eq!(reproduce(&board.ledger(), 3).1, 0);
    board.append("2025-03-02T00:00:00Z", &[disclosure(Some(&format!("sha256:{}", "0".repeat(64))))]).success();
    let (r, code) = reproduce(&board.ledger(), 4);
    assert_eq!(code, 1);
    assert!(r["difference"].as_str().unwrap().starts_with("board digest"), "{r}");
}

#[test]
fn bad_methods_are_bad_input_with_a_pointer() {
    let board = Board::new();
    let mut colour = method();
    colour["colour"] = "red".into();
    let mut bootstrap = method();
    bootstrap["interval"] = "bootstrap".into();
    for (m, needle) in [(colour, "colour"), (bootstrap, "rounds")] {
        let e = json!({"type":"score_disclosed","model":"a","rating":1,"ci_low":0,"ci_high":2,"battles":1,"method":m});
        let out = board.append("2025-03-02T00:00:00Z", &[e]).code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(err.contains("<stdin>:1:") && err.contains("/method") && err.contains(needle), "{err}");
    }
    // A label stays valid, as format v1 always allowed.
    let label = json!({"type":"score_disclosed","model":"a","rating":1,"ci_low":0,"ci_high":2,"battles":1,"method":"elo, daily"});
    board.append("2025-03-02T00:00:00Z", &[label]).success();
}

#[test]
fn a_method_change_needs_notice_and_disclosures_follow_it() {
    let board = Board::new();
    let mut reweighted = method();
    reweighted["reweight"] = "inverse-pair-frequency".into();
    reweighted["min_pair_count"] = 50.into();
    board
        .append(
            "2025-03-02T00:00:00Z",
            &[
                json!({"type":"method_adopted","method":reweighted,"effective_from":"2025-03-05T00:00:00Z","reason":"as arena-rank"}),
                json!({"type":"method_adopted","method":reweighted,"effective_from":"2025-04-01T00:00:00Z"}),
            ],
        )
        .success();
    board
        .append(
            "2025-04-02T00:00:00Z",
            &[json!({"type":"score_disclosed","model":"a","rating":1,"ci_low":0,"ci_high":2,"battles":1,"method":method()})],
        )
        .success();
    let pack = common::shipped_pack_path();
    let out = fairboard()
        .args(["check", "--format", "json", "--ledger"])
        .arg(board.ledger())
        .arg("--policy")
        .arg(&pack)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<&Value> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "method-change-notice").collect();
    assert_eq!(found.len(), 2, "{report}");
    assert_eq!(found[0]["evidence"], json!([1]), "3 days' notice, not 14");
    assert_eq!(found[1]["subject"], "a");
    assert_eq!(found[1]["evidence"], json!([2, 3]));
}
