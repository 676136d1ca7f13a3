//! Sealed private tests through the real binary: the ledger names no sealed model before its
//! reveal; a wrong opening, or another provider's, is refused at append (exit 1, ledger
//! byte-identical) and reported by `verify` when forced in by hand; after the reveal the variant's
//! battles and findings carry its name; a never-revealed test is a deny finding citing its
//! commitment; a release must be the artifact that was committed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and benches fail loudly on what they did not expect"
)]

mod common;

use std::path::{Path, PathBuf};

use common::{b64, fairboard, key, with_ext, write_key};
use serde_json::{Value, json};

const SECRET: &str = "llama-secret-x17";
const ARTIFACT: &str = "sha256:9c1185a5c5e9fc54612808977ee8f548b2258d31a3c9b0b4c3d5c1b6e9f2a7d0";
const SALT: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddeeff";

struct Board {
    dir: tempfile::TempDir,
    op: PathBuf,
    meta: PathBuf,
    google: PathBuf,
}

use common::shipped_pack_path as pack;

/// `fairboard seal` for `model` of meta.
fn seal(model: &str, provider: &str, artifact: Option<&str>, salt: &str) -> Value {
    let mut cmd = fairboard();
    cmd.args(["seal", "--model", model, "--provider", provider, "--salt", salt]);
    if let Some(a) = artifact {
        cmd.args(["--artifact", a]);
    }
    serde_json::from_slice(&cmd.output().unwrap().stdout).unwrap()
}

impl Board {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let op = with_ext(&write_key(dir.path(), "op", &key(1)), "key");
        let meta = with_ext(&write_key(dir.path(), "meta", &key(2)), "key");
        let google = with_ext(&write_key(dir.path(), "google", &key(3)), "key");
        let b = Self { dir, op, meta, google };
        fairboard()
            .args(["init", "--leaderboard", "sealed-arena", "--time", "2025-03-01T00:00:00Z", "--ledger"])
            .arg(b.ledger())
            .arg("--key")
            .arg(&b.op)
            .assert()
            .success();
        b.append(
            &b.op,
            "2025-03-01T00:00:00Z",
            &[
                json!({"type":"provider_registered","provider":"meta"}),
                json!({"type":"provider_registered","provider":"google"}),
                json!({"type":"key_authorized","key":b64(&key(2)),"role":"provider","provider":"meta"}),
                json!({"type":"key_authorized","key":b64(&key(3)),"role":"provider","provider":"google"}),
                json!({"type":"model_registered","model":"gpt-4o","provider":"openai","license":"proprietary","visibility":"public"}),
            ],
        )
        .success();
        b
    }

    fn ledger(&self) -> PathBuf {
        self.dir.path().join("ledger.jsonl")
    }

    fn bytes(&self) -> Vec<u8> {
        std::fs::read(self.ledger()).unwrap()
    }

    fn append(&self, key: &Path, time: &str, events: &[Value]) -> assert_cmd::assert::Assert {
        let text: String = events.iter().map(|e| format!("{e}\n")).collect();
        fairboard()
            .args(["append", "--time", time, "--ledger"])
            .arg(self.ledger())
            .arg("--key")
            .arg(key)
            .arg("-")
            .write_stdin(text)
            .assert()
    }

    /// meta seals SECRET (with ARTIFACT), the operator registers the sealed id and records battles
    /// of it against gpt-4o, and meta ends the test. Returns the `fairboard seal` output.
    fn sealed_test(&self) -> Value {
        let sealed = seal(SECRET, "meta", Some(ARTIFACT), SALT);
        let id = sealed["sealed_id"].as_str().unwrap();
        self.append(&self.meta, "2025-03-02T00:00:00Z", &[sealed["start"].clone()]).success();
        self.append(
            &self.op,
            "2025-03-03T00:00:00Z",
            &[
                json!({"type":"model_registered","model":id,"provider":"meta","license":"open_weights","visibility":"private"}),
                json!({"type":"battles_recorded","period_start":"2025-03-02T00:00:00Z","period_end":"2025-03-02T23:59:59Z",
                       "pairs":[{"model_a":id,"model_b":"gpt-4o","wins_a":60,"wins_b":40,"ties":10}]}),
            ],
        )
        .success();
        self.append(
            &self.meta,
            "2025-03-04T00:00:00Z",
            &[json!({"type":"private_test_ended","model":id,"provider":"meta"})],
        )
        .success();
        sealed
    }

    /// `check --plan` of `steps` (YAML list items) as JSON.
    fn plan(&self, steps: &str) -> Value {
        let plan = self.dir.path().join("plan.yaml");
        std::fs::write(&plan, format!("steps:\n{steps}")).unwrap();
        common::check_plan(&self.ledger(), &plan).0
    }

    fn check(&self) -> Value {
        let out = fairboard()
            .args(["check", "--format", "json", "--ledger"])
            .arg(self.ledger())
            .arg("--policy")
            .arg(pack())
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

#[test]
fn the_ledger_names_no_sealed_model_before_its_reveal_and_the_variant_after() {
    let board = Board::new();
    let sealed = board.sealed_test();
    let id = sealed["sealed_id"].as_str().unwrap().to_owned();
    let text = String::from_utf8(board.bytes()).unwrap();
    assert!(!text.contains(SECRET) && !text.contains(ARTIFACT) && !text.contains(SALT), "the sealed name leaked");
    assert!(text.contains(&id));
    let sealed_only = board.dir.path().join("before-reveal.jsonl");
    std::fs::write(&sealed_only, &text).unwrap();

    board.append(&board.meta, "2025-03-05T00:00:00Z", &[sealed["reveal"].clone()]).success();
    fairboard()
        .args(["verify", "--ledger"])
        .arg(board.ledger())
        .arg("--trust")
        .arg(with_ext(&board.dir.path().join("op"), "pub"))
        .assert()
        .success();
    // The battles recorded under the sealed id are the revealed variant's.
    let out = fairboard().args(["scores", "--format", "json", "--ledger"]).arg(board.ledger()).output().unwrap();
    let scores = String::from_utf8(out.stdout).unwrap();
    assert!(scores.contains(SECRET) && !scores.contains(&id), "{scores}");
    // Before the reveal, the sealed id stands.
    let out = fairboard().args(["scores", "--format", "json", "--ledger"]).arg(&sealed_only).output().unwrap();
    let scores = String::from_utf8(out.stdout).unwrap();
    assert!(scores.contains(&id) && !scores.contains(SECRET), "{scores}");
    let after = board.check();
    assert!(!after.to_string().contains(&id), "{after}");
}

#[test]
fn a_wrong_opening_or_another_providers_reveal_is_refused_and_leaves_the_ledger_unchanged() {
    let board = Board::new();
    let sealed = board.sealed_test();
    let bytes = board.bytes();
    let reveal = sealed["reveal"].clone();
    let mut cases: Vec<(&str, &Path, Value, &str)> = Vec::new();
    let with = |field: &str, value: &str| {
        let mut r = reveal.clone();
        r[field] = value.into();
        r
    };
    cases.push(("wrong salt", &board.meta, with("salt", &"1".repeat(64)), "hashes to"));
    cases.push(("wrong model", &board.meta, with("model", "llama-other"), "hashes to"));
    cases.push(("wrong artifact", &board.meta, with("artifact", "sha256:00"), "hashes to"));
    let mut no_artifact = reveal.clone();
    no_artifact.as_object_mut().unwrap().remove("artifact");
    cases.push(("artifact left out", &board.meta, no_artifact, "hashes to"));
    // google's key, naming google: not google's commitment.
    cases.push(("another provider", &board.google, with("provider", "google"), "was made by provider `meta`"));
    // meta's key cannot sign for google at all.
    cases.push(("wrong provider", &board.meta, with("provider", "google"), "signed an event for provider `google`"));
    for (what, key, event, needle) in cases {
        let out = board.append(key, "2025-03-05T00:00:00Z", &[event]).code(1);
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(err.contains(needle), "{what}: {err}");
        assert_eq!(board.bytes(), bytes, "{what}: a refused reveal changed the ledger");
    }
    // A commitment opens once.
    board.append(&board.meta, "2025-03-05T00:00:00Z", std::slice::from_ref(&reveal)).success();
    let out = board.append(&board.meta, "2025-03-06T00:00:00Z", &[reveal]).code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("already revealed"));
}

#[test]
fn verify_reports_a_bad_reveal_forced_into_the_ledger() {
    // Signed correctly, chained correctly, but the opening is wrong: only the commitment check can
    // find it. Build it in memory, past `append`'s checks.
    let sealed = seal(SECRET, "meta", None, SALT);
    let mut bad = sealed["reveal"].clone();
    bad["model"] = "someone-else".into();
    let (_, text) = common::opened(
        "forced",
        &[json!({"type":"provider_registered","provider":"meta"}), sealed["start"].clone(), bad],
    );
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("l.jsonl");
    std::fs::write(&ledger, text).unwrap();
    let trust = with_ext(&write_key(dir.path(), "op", &common::operator()), "pub");
    let out = fairboard().args(["verify", "--ledger"]).arg(&ledger).arg("--trust").arg(&trust).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 4") && err.contains("hashes to"), "{err}");
}

#[test]
fn a_never_revealed_test_is_a_deny_finding_citing_its_commitment() {
    let board = Board::new();
    let sealed = board.sealed_test();
    let id = sealed["sealed_id"].as_str().unwrap();
    board
        .append(&board.op, "2025-04-10T00:00:00Z", &[json!({"type":"provider_registered","provider":"later"})])
        .success();
    let report = board.check();
    let f: Vec<&Value> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "disclose-all-variants").collect();
    assert_eq!(f.len(), 1, "{report}");
    assert_eq!(f[0]["subject"], id);
    assert!(f[0]["message"].as_str().unwrap().contains("did not reveal it"));
    // seq 6 is the sealed private_test_started (after seq 0..5 of the setup), 9 its end.
    assert_eq!(f[0]["evidence"], json!([6, 9]));
}

#[test]
fn the_release_must_be_the_artifact_committed() {
    let board = Board::new();
    let sealed = board.sealed_test();
    board.append(&board.meta, "2025-03-05T00:00:00Z", &[sealed["reveal"].clone()]).success();
    let release =
        |artifact: &str| json!({"type":"model_released","model":SECRET,"provider":"meta","artifact":artifact});
    // The plan of releasing another artifact is flagged at its step; the committed one is fine.
    let what_if = board.plan(&format!("  - event: {}\n", release("sha256:other")));
    assert!(what_if["plan"]["breaks"].to_string().contains("release-matches-tested"), "{what_if}");
    board.append(&board.meta, "2025-03-06T00:00:00Z", &[release(ARTIFACT)]).success();
    let ok = board.check();
    assert!(!ok["findings"].to_string().contains("release-matches-tested"), "{ok}");
    // ...and admission control refuses the wrong one.
    let bytes = board.bytes();
    let out = fairboard()
        .args(["append", "--time", "2025-03-07T00:00:00Z", "--ledger"])
        .arg(board.ledger())
        .arg("--key")
        .arg(&board.op)
        .arg("--policy")
        .arg(pack())
        .arg("-")
        .write_stdin(format!(
            "{}\n",
            json!({"type":"model_released","model":SECRET,"provider":"meta","artifact":"sha256:other"})
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(board.bytes(), bytes);
}

#[test]
fn malformed_sealed_events_are_bad_input() {
    let board = Board::new();
    for (event, pointer) in [
        (json!({"type":"private_test_started","provider":"meta","commitment":"sha256:xyz"}), "/commitment"),
        (json!({"type":"private_test_started","provider":"meta"}), "commitment"),
        (
            json!({"type":"private_test_started","provider":"meta","model":"m","commitment":format!("sha256:{}", "a".repeat(64))}),
            "/commitment",
        ),
        (
            json!({"type":"private_test_revealed","provider":"meta","commitment":format!("sha256:{}", "a".repeat(64)),"model":"m","salt":"short"}),
            "/salt",
        ),
    ] {
        let out = board.append(&board.meta, "2025-03-02T00:00:00Z", &[event]).code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(err.contains("<stdin>:1:") && err.contains(pointer), "{err}");
    }
}

#[test]
fn the_simulated_illusion_seals_its_variants_and_reveals_only_the_released() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = common::reduced_scenario("illusion.yaml", tmp.path());
    let text = std::fs::read_to_string(&scenario).unwrap();
    assert!(text.contains("seal: true"), "the illusion scenario seals its variants");
    let out = tmp.path().join("demo");
    fairboard().args(["demo", "--seed", "7", "--scenario"]).arg(&scenario).arg("--out").arg(&out).assert().success();
    let ledger = std::fs::read_to_string(out.join("ledger.jsonl")).unwrap();
    let lines: Vec<Value> = ledger.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut revealed_at = std::collections::BTreeMap::new();
    let mut sealed_starts = 0;
    for (i, l) in lines.iter().enumerate() {
        let e = &l["event"];
        if e["type"] == "private_test_revealed" {
            revealed_at.insert(e["model"].as_str().unwrap().to_owned(), i);
        }
        if e["type"] == "private_test_started" {
            assert!(e.get("model").is_none(), "line {}: a test names its variant", i + 1);
            sealed_starts += 1;
        }
    }
    assert!(sealed_starts > 50);
    let released: Vec<String> = lines
        .iter()
        .filter(|l| l["event"]["type"] == "model_released")
        .map(|l| l["event"]["model"].as_str().unwrap().to_owned())
        .collect();
    assert!(!released.is_empty() && released.iter().all(|m| revealed_at.contains_key(m)), "every release is revealed");
    assert!(revealed_at.len() < sealed_starts, "some variants are never revealed");
    // No line before a variant's reveal holds its name.
    for (model, &at) in &revealed_at {
        let quoted = format!("\"{model}\"");
        let first = ledger.lines().position(|l| l.contains(&quoted)).unwrap();
        assert_eq!(first, at, "{model} appears at line {} before its reveal at line {}", first + 1, at + 1);
    }
    // The audit reports the released variants by name, the others by their sealed id.
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("did not reveal it within 30 days") && report.contains("sealed-"));
}

#[test]
fn a_plan_that_reveals_late_or_never_is_flagged_at_the_step_that_breaks_the_rule() {
    let board = Board::new();
    let sealed = board.sealed_test(); // ended 2025-03-04: due by 2025-04-03
    let breaks = |steps: &str| -> Vec<u64> {
        board.plan(steps)["plan"]["breaks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["finding"]["rule"] == "disclose-all-variants")
            .map(|b| b["step"].as_u64().unwrap())
            .collect()
    };
    let reveal = sealed["reveal"].to_string();
    let disclose =
        json!({"type":"score_disclosed","model":SECRET,"rating":1050,"ci_low":1000,"ci_high":1100,"battles":110});
    let registered = json!({"type":"provider_registered","provider":"later"});
    // In time: revealed and disclosed before the deadline.
    let in_time = format!(
        "  - at: \"2025-03-20T00:00:00Z\"\n    event: {reveal}\n  - event: {disclose}\n  - at: \"2025-04-10T00:00:00Z\"\n    event: {registered}\n"
    );
    assert_eq!(breaks(&in_time), Vec::<u64>::new());
    // Never: the deadline passes at step 2.
    let never = format!(
        "  - at: \"2025-03-20T00:00:00Z\"\n    event: {registered}\n  - at: \"2025-04-10T00:00:00Z\"\n    event: {{\"type\":\"provider_registered\",\"provider\":\"x\"}}\n"
    );
    assert_eq!(breaks(&never), vec![2]);
    // Late: revealed after the deadline, at step 1.
    let late = format!("  - at: \"2025-04-10T00:00:00Z\"\n    event: {reveal}\n");
    assert_eq!(breaks(&late), vec![1]);
}

#[test]
fn a_reveal_naming_a_used_model_is_not_accepted_and_a_late_reveal_is_admitted() {
    let board = Board::new();
    let sealed = board.sealed_test();
    // Naming a sealed id is refused outright.
    let mut as_sealed = sealed["reveal"].clone();
    as_sealed["model"] = "sealed-000000000000000000000000".into();
    let out = board.append(&board.meta, "2025-03-05T00:00:00Z", &[as_sealed]).code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("a sealed id"));
    // A valid opening whose name the ledger already uses (gpt-4o): the ledger takes it, the facts
    // do not rename the variant, and the audit still works and says why.
    let other = seal("gpt-4o", "meta", None, &"ab".repeat(32));
    let id = other["sealed_id"].as_str().unwrap().to_owned();
    board.append(&board.meta, "2025-03-05T00:00:00Z", &[other["start"].clone()]).success();
    board
        .append(
            &board.meta,
            "2025-03-06T00:00:00Z",
            &[json!({"type":"private_test_ended","model":id,"provider":"meta"})],
        )
        .success();
    board.append(&board.meta, "2025-03-07T00:00:00Z", &[other["reveal"].clone()]).success();
    // The first sealed test is revealed late, under the policy: admitted, since its finding was
    // already there under the sealed id.
    board
        .append(&board.op, "2025-04-20T00:00:00Z", &[json!({"type":"provider_registered","provider":"later"})])
        .success();
    let reveal_late = fairboard()
        .args(["append", "--time", "2025-04-21T00:00:00Z", "--ledger"])
        .arg(board.ledger())
        .arg("--key")
        .arg(&board.meta)
        .arg("--policy")
        .arg(pack())
        .arg("-")
        .write_stdin(format!("{}\n", sealed["reveal"]))
        .output()
        .unwrap();
    assert_eq!(reveal_late.status.code(), Some(0), "{}", String::from_utf8_lossy(&reveal_late.stderr));
    let report = board.check();
    let f: Vec<&Value> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "disclose-all-variants").collect();
    assert!(
        f.iter().any(|f| f["subject"] == id.as_str() && f["message"].as_str().unwrap().contains("already used")),
        "{report}"
    );
    assert!(f.iter().any(|f| f["subject"] == SECRET), "revealed late, so still withheld in time: {report}");
}
