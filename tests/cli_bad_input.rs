//! Bad input through the real binary, in temporary directories. Every bad events input to `append` is
//! exit 2 with the file, the line and (where there is one) the JSON pointer in the message, never a
//! panic, and the ledger is byte-identical afterwards. Events the key may not sign are exit 1, ledger
//! untouched. `verify` is exit 2 for usage errors and exit 1 for any defect in the ledger itself.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and benches fail loudly on what they did not expect"
)]

mod common;

use std::path::{Path, PathBuf};

use common::{b64, fairboard, key, with_ext, write_key};
use predicates::prelude::*;
use serde_json::json;

/// A small ledger made by the binary: operator key, a provider key for `meta` and one for `google`.
struct Setup {
    dir: tempfile::TempDir,
    ledger: PathBuf,
    op: PathBuf,
    meta: PathBuf,
    google: PathBuf,
}

const LAST_TIME: &str = "2025-03-02T00:00:00Z";

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let op = with_ext(&write_key(dir.path(), "op", &key(1)), "key");
        let meta = with_ext(&write_key(dir.path(), "meta", &key(2)), "key");
        let google = with_ext(&write_key(dir.path(), "google", &key(3)), "key");
        let ledger = dir.path().join("ledger.jsonl");
        fairboard()
            .args(["init", "--leaderboard", "bad-input-arena", "--time", "2025-03-01T00:00:00Z", "--ledger"])
            .arg(&ledger)
            .arg("--key")
            .arg(&op)
            .assert()
            .code(0);
        let s = Self { dir, ledger, op, meta, google };
        let events = [
            json!({"type":"provider_registered","provider":"meta"}),
            json!({"type":"provider_registered","provider":"google"}),
            json!({"type":"key_authorized","key":b64(&key(2)),"role":"provider","provider":"meta"}),
            json!({"type":"key_authorized","key":b64(&key(3)),"role":"provider","provider":"google"}),
        ];
        let text: String = events.iter().map(|e| format!("{e}\n")).collect();
        s.append(&s.op, Some(LAST_TIME), text.as_bytes()).code(0);
        s
    }

    /// Runs `append` with `events` written to `events.jsonl` in the temporary directory.
    fn append(&self, key: &Path, time: Option<&str>, events: &[u8]) -> assert_cmd::assert::Assert {
        let file = self.events_file(events);
        let mut cmd = fairboard();
        cmd.args(["append", "--ledger"]).arg(&self.ledger).arg("--key").arg(key);
        if let Some(t) = time {
            cmd.args(["--time", t]);
        }
        cmd.arg(&file).assert()
    }

    fn events_file(&self, events: &[u8]) -> PathBuf {
        let file = self.dir.path().join("events.jsonl");
        std::fs::write(&file, events).unwrap();
        file
    }

    fn ledger_bytes(&self) -> Vec<u8> {
        std::fs::read(&self.ledger).unwrap()
    }

    fn verify(&self) -> assert_cmd::assert::Assert {
        fairboard()
            .args(["verify", "--ledger"])
            .arg(&self.ledger)
            .arg("--trust")
            .arg(with_ext(&self.op.with_extension(""), "pub"))
            .assert()
    }
}

fn stderr(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

/// Appends `events` as the operator and checks the contract for bad input: exit 2, a message starting
/// with `events.jsonl:LINE` and containing every one of `expected`, no panic, no stdout, and the ledger
/// unchanged. Returns the message.
fn rejects(events: &[u8], line: Option<u64>, expected: &[&str]) -> String {
    let s = Setup::new();
    let before = s.ledger_bytes();
    let assert = s.append(&s.op, None, events).code(2).stdout("");
    let err = stderr(&assert);
    let file = s.dir.path().join("events.jsonl").display().to_string();
    let prefix = match line {
        Some(l) => format!("error: {file}:{l}:"),
        None => format!("error: {file}:"),
    };
    assert!(err.starts_with(&prefix), "expected `{prefix}`, got: {err}");
    for e in expected {
        assert!(err.contains(e), "expected `{e}` in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.len() < 2048, "an error message of {} bytes", err.len());
    assert_eq!(s.ledger_bytes(), before, "the ledger changed");
    s.verify().code(0).stdout(predicate::str::starts_with("ok: 5 records,"));
    err
}

const GOOD: &str = r#"{"type":"provider_registered","provider":"openai"}"#;

fn battles(pairs: serde_json::Value) -> String {
    json!({"type":"battles_recorded","period_start":"2025-03-02T00:00:00Z","period_end":"2025-03-02T23:59:59Z","pairs":pairs})
        .to_string()
}

#[test]
fn malformed_json() {
    let input = format!("{GOOD}\n{{\"type\":\"provider_registered\",\"provider\":}}\n");
    rejects(input.as_bytes(), Some(2), &[":42: malformed JSON"]);
    rejects(b"{\"type\":\"provider_registered\"", Some(1), &["malformed JSON", "EOF"]);
    rejects(b"[1, 2]\n", Some(1), &["event at (root)", "expected a JSON object"]);
    rejects(format!("{GOOD} trailing\n").as_bytes(), Some(1), &["malformed JSON"]);
}

#[test]
fn unknown_event_type() {
    let input = format!("{GOOD}\n{GOOD}\n{{\"type\":\"model_exploded\",\"model\":\"m\"}}\n");
    rejects(input.as_bytes(), Some(3), &["event at /type:", "unknown event type `model_exploded`"]);
    rejects(b"{\"model\":\"m\"}", Some(1), &["event at (root):", "`type`"]);
}

#[test]
fn missing_field() {
    // At the top level the pointer is the event itself (the root); inside, the object lacking the field.
    let event = r#"{"type":"model_registered","model":"m","provider":"meta","license":"proprietary"}"#;
    rejects(event.as_bytes(), Some(1), &["event at (root):", "\"visibility\" is a required property"]);
    let pair = battles(
        json!([{"model_a":"a","model_b":"b","wins_a":1,"wins_b":2,"ties":0},{"model_a":"a","model_b":"c","wins_a":1,"wins_b":2}]),
    );
    rejects(pair.as_bytes(), Some(1), &["event at /pairs/1:", "\"ties\" is a required property"]);
    // A provider key authorisation without its provider.
    let auth = json!({"type":"key_authorized","key":b64(&key(9)),"role":"provider"}).to_string();
    rejects(auth.as_bytes(), Some(1), &["event at (root):", "provider"]);
}

#[test]
fn extra_field() {
    let event = format!("{GOOD}\n\n{{\"type\":\"provider_registered\",\"provider\":\"x\",\"nickname\":\"y\"}}\n");
    rejects(event.as_bytes(), Some(3), &["event at /nickname:", "'nickname' was unexpected"]);
    let pair = battles(json!([{"model_a":"a","model_b":"b","wins_a":1,"wins_b":2,"ties":0,"both_bad":4}]));
    rejects(pair.as_bytes(), Some(1), &["event at /pairs/0/both_bad:", "'both_bad' was unexpected"]);
}

#[test]
fn wrong_type() {
    let pair = battles(
        json!([{"model_a":"a","model_b":"b","wins_a":1,"wins_b":2,"ties":0},{"model_a":"a","model_b":"b","wins_a":"12","wins_b":2,"ties":0}]),
    );
    rejects(pair.as_bytes(), Some(1), &["event at /pairs/1/wins_a:", "is not of type \"integer\""]);
    let deprecated = r#"{"type":"model_deprecated","model":"m","reason":"old","public":"yes"}"#;
    rejects(deprecated.as_bytes(), Some(1), &["event at /public:"]);
    let negative = r#"{"type":"sampling_set","effective_from":"2025-03-05T00:00:00Z","weights":{"m":-1}}"#;
    rejects(negative.as_bytes(), Some(1), &["event at /weights/m:"]);
    let float_count = r#"{"type":"data_released","provider":"p","records":1.5,"period_start":"2025-03-01T00:00:00Z","period_end":"2025-03-01T00:00:00Z"}"#;
    rejects(float_count.as_bytes(), Some(1), &["event at /records:"]);
    let too_big = r#"{"type":"data_released","provider":"p","records":9007199254740992,"period_start":"2025-03-01T00:00:00Z","period_end":"2025-03-01T00:00:00Z"}"#;
    rejects(too_big.as_bytes(), Some(1), &["event at /records:"]);
    let offset_time = r#"{"type":"sampling_set","effective_from":"2025-03-05T00:00:00+01:00","weights":{}}"#;
    rejects(offset_time.as_bytes(), Some(1), &["event at /effective_from:"]);
}

#[test]
fn empty_input() {
    rejects(b"", None, &["no events"]);
    rejects(b"  \n\n\t\n", None, &["no events"]);
}

#[test]
fn a_one_megabyte_string() {
    // Every string field is bounded: ids at 256 characters, free text (names, reasons) at 4096, and
    // map keys like an id. A 1 MB value is rejected where it is, and the message does not echo it.
    let mb = "x".repeat(1 << 20);
    let name = json!({"type":"provider_registered","provider":"p","name":mb}).to_string();
    let err = rejects(name.as_bytes(), Some(1), &["event at /name:", "longer than 4096 characters"]);
    assert!(err.contains("bytes elided]"), "{err}");
    let model = json!({"type":"model_deprecated","model":mb,"reason":"r","public":true}).to_string();
    rejects(model.as_bytes(), Some(1), &["event at /model:", "longer than 256 characters"]);
    let reason = json!({"type":"score_retracted","model":"m","provider":"p","reason":mb}).to_string();
    rejects(reason.as_bytes(), Some(1), &["event at /reason:", "longer than 4096 characters"]);
    let key =
        json!({"type":"sampling_set","effective_from":"2025-03-05T00:00:00Z","weights":{mb.clone():1}}).to_string();
    rejects(key.as_bytes(), Some(1), &["event at /weights:", "longer than 256 characters"]);
    let nested = battles(json!([{"model_a":"a","model_b":mb,"wins_a":1,"wins_b":2,"ties":0}]));
    rejects(nested.as_bytes(), Some(1), &["event at /pairs/0/model_b:"]);
}

#[test]
fn deeply_nested_json() {
    let deep = format!(
        "{GOOD}\n{{\"type\":\"sampling_set\",\"effective_from\":\"2025-03-05T00:00:00Z\",\"weights\":{}{}}}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    rejects(deep.as_bytes(), Some(2), &["malformed JSON", "recursion limit"]);
    let objects = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    rejects(objects.as_bytes(), Some(1), &["malformed JSON", "recursion limit"]);
    // Without the innermost value the input is malformed where the value is missing, past the depth limit.
    let objects = format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    rejects(objects.as_bytes(), Some(1), &[":1:50001: malformed JSON: expected value"]);
}

#[test]
fn invalid_utf8() {
    let mut input = format!("{GOOD}\n{GOOD}\n").into_bytes();
    input.extend_from_slice(b"{\"type\":\"provider_registered\",\"provider\":\"\xff\xfe\"}\n");
    rejects(&input, Some(3), &["not valid UTF-8"]);
    // A truncated multi-byte sequence at the very end.
    let mut input = format!("{GOOD}\n").into_bytes();
    input.extend_from_slice("é".as_bytes().get(..1).unwrap());
    rejects(&input, Some(2), &["not valid UTF-8"]);
}

#[test]
fn cross_field_rules() {
    let itself = battles(json!([{"model_a":"a","model_b":"a","wins_a":1,"wins_b":2,"ties":0}]));
    rejects(itself.as_bytes(), Some(1), &["event at /pairs/0/model_b:", "cannot battle itself"]);
    let ci = r#"{"type":"score_disclosed","model":"m","rating":1300.5,"ci_low":1301,"ci_high":1310,"battles":5}"#;
    rejects(ci.as_bytes(), Some(1), &["event at /rating:"]);
    let period = r#"{"type":"data_released","provider":"p","records":1,"period_start":"2025-03-02T00:00:00Z","period_end":"2025-03-01T00:00:00Z"}"#;
    rejects(period.as_bytes(), Some(1), &["event at /period_end:"]);
}

#[test]
fn a_bad_third_event_means_none_is_appended() {
    let input = format!(
        "{GOOD}\n{}\n{}\n{}\n",
        r#"{"type":"provider_registered","provider":"mistral"}"#,
        r#"{"type":"provider_registered","provider":"x","extra":true}"#,
        r#"{"type":"provider_registered","provider":"y"}"#,
    );
    rejects(input.as_bytes(), Some(3), &["event at /extra:", "'extra' was unexpected"]);
}

#[test]
fn time_earlier_than_the_last_record() {
    let s = Setup::new();
    let before = s.ledger_bytes();
    let assert = s.append(&s.op, Some("2025-03-01T23:59:59.999Z"), GOOD.as_bytes()).code(2).stdout("");
    let err = stderr(&assert);
    assert!(err.contains(&s.ledger.display().to_string()), "{err}");
    assert!(
        err.contains("--time 2025-03-01T23:59:59.999Z is earlier than the last record's time 2025-03-02T00:00:00Z"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    for bad in ["yesterday", "2025-03-03T00:00:00+01:00", "2025-03-03"] {
        s.append(&s.op, Some(bad), GOOD.as_bytes()).code(2).stderr(predicate::str::contains("--time"));
    }
    assert_eq!(s.ledger_bytes(), before);
    // The same time as the last record is allowed.
    s.append(&s.op, Some(LAST_TIME), GOOD.as_bytes()).code(0).stdout(predicate::str::starts_with("seq 5 hash "));
}

#[test]
fn refused_signers_are_exit_1_and_leave_the_ledger_alone() {
    let s = Setup::new();
    let before = s.ledger_bytes();
    let other_provider = r#"{"type":"private_test_started","model":"gemini-x","provider":"google"}"#;
    let err = stderr(&s.append(&s.meta, None, other_provider.as_bytes()).code(1).stdout(""));
    assert!(err.contains("events.jsonl:1: refused:"), "{err}");
    assert!(err.contains("of provider `meta` signed an event for provider `google`"), "{err}");
    let operator_only = battles(json!([{"model_a":"a","model_b":"b","wins_a":1,"wins_b":2,"ties":0}]));
    let err = stderr(&s.append(&s.meta, None, operator_only.as_bytes()).code(1).stdout(""));
    assert!(err.contains("events.jsonl:1: refused:"), "{err}");
    assert!(err.contains("may not sign `battles_recorded` events"), "{err}");
    // A key that was never authorised.
    let stranger = with_ext(&write_key(s.dir.path(), "stranger", &key(7)), "key");
    let own = r#"{"type":"private_test_started","model":"m","provider":"meta"}"#;
    let err = stderr(&s.append(&stranger, None, own.as_bytes()).code(1));
    assert!(err.contains("is not an authorised key"), "{err}");
    // A second `ledger_opened`.
    let reopen = json!({"type":"ledger_opened","leaderboard":"again","operator_key":b64(&key(1))}).to_string();
    s.append(&s.op, None, reopen.as_bytes()).code(1).stderr(predicate::str::contains("only appear at seq 0"));
    assert!(!err.contains("panicked"));
    assert_eq!(s.ledger_bytes(), before);
    // The provider key may sign its own provider's events.
    s.append(&s.meta, None, own.as_bytes()).code(0);
}

#[test]
fn a_refused_third_event_means_none_is_appended() {
    let s = Setup::new();
    let before = s.ledger_bytes();
    let input = [
        r#"{"type":"private_test_started","model":"llama-a","provider":"meta"}"#,
        r#"{"type":"private_test_started","model":"llama-b","provider":"meta"}"#,
        r#"{"type":"private_test_started","model":"gemini-x","provider":"google"}"#,
        r#"{"type":"private_test_started","model":"llama-c","provider":"meta"}"#,
    ]
    .join("\n");
    s.append(&s.meta, None, input.as_bytes()).code(1).stderr(predicate::str::contains("events.jsonl:3: refused:"));
    assert_eq!(s.ledger_bytes(), before);
    // A key revoked by an earlier event in the same batch cannot sign a later one either.
    let revoke = format!(
        "{}\n{}\n",
        json!({"type":"key_revoked","key_id":common::id(&key(2))}),
        r#"{"type":"provider_registered","provider":"z"}"#
    );
    s.append(&s.op, None, revoke.as_bytes()).code(0);
    let after_revoke = s.ledger_bytes();
    s.append(&s.meta, None, input.lines().next().unwrap().as_bytes())
        .code(1)
        .stderr(predicate::str::contains("was revoked at seq 5"));
    assert_eq!(s.ledger_bytes(), after_revoke);
    // The other provider's key is unaffected.
    let google = r#"{"type":"private_test_started","model":"gemini-x","provider":"google"}"#;
    s.append(&s.google, None, google.as_bytes()).code(0).stdout(predicate::str::starts_with("seq 7 hash "));
}

#[test]
fn append_usage_errors() {
    let s = Setup::new();
    let before = s.ledger_bytes();
    let events = s.events_file(GOOD.as_bytes());
    // Missing events file, missing ledger, unreadable key, a public key where the private one belongs.
    let missing = s.dir.path().join("nope.jsonl");
    let run = |ledger: &Path, key: &Path, events: &Path| {
        fairboard().args(["append", "--ledger"]).arg(ledger).arg("--key").arg(key).arg(events).assert()
    };
    run(&s.ledger, &s.op, &missing).code(2).stderr(predicate::str::contains("nope.jsonl"));
    run(&missing, &s.op, &events).code(2).stderr(predicate::str::contains("nope.jsonl"));
    run(&s.ledger, &missing, &events).code(2).stderr(predicate::str::contains("nope.jsonl"));
    run(&s.ledger, s.dir.path(), &events).code(2);
    run(&s.ledger, &with_ext(&s.op.with_extension(""), "pub"), &events)
        .code(2)
        .stderr(predicate::str::contains("op.pub").and(predicate::str::contains("PKCS#8")));
    fairboard().args(["append", "--ledger"]).arg(&s.ledger).arg(&events).assert().code(2);
    assert_eq!(s.ledger_bytes(), before);
}

#[test]
fn append_refuses_a_ledger_that_does_not_verify() {
    let s = Setup::new();
    let mut torn = s.ledger_bytes();
    torn.truncate(torn.len() - 5);
    std::fs::write(&s.ledger, &torn).unwrap();
    s.append(&s.op, None, GOOD.as_bytes()).code(1).stderr(predicate::str::contains("line 5: incomplete final record"));
    assert_eq!(std::fs::read(&s.ledger).unwrap(), torn);
}

#[test]
fn init_validates_the_leaderboard_name() {
    let dir = tempfile::tempdir().unwrap();
    let op = with_ext(&write_key(dir.path(), "op", &key(1)), "key");
    let ledger = dir.path().join("ledger.jsonl");
    let long = "n".repeat(300);
    for (name, pointer) in [(long.as_str(), "/leaderboard"), ("tab\there", "/leaderboard"), ("", "--leaderboard")] {
        let assert = fairboard()
            .args(["init", "--leaderboard", name, "--ledger"])
            .arg(&ledger)
            .arg("--key")
            .arg(&op)
            .assert()
            .code(2);
        let err = stderr(&assert);
        assert!(err.contains(pointer), "{err}");
        assert!(!ledger.exists(), "init created a ledger for leaderboard {name:?}");
    }
}

#[test]
fn verify_usage_errors_are_exit_2() {
    let s = Setup::new();
    let pub_file = with_ext(&s.op.with_extension(""), "pub");
    let verify = |ledger: &Path, trust: &Path| {
        fairboard().args(["verify", "--ledger"]).arg(ledger).arg("--trust").arg(trust).assert()
    };
    let missing = s.dir.path().join("missing.jsonl");
    verify(&missing, &pub_file).code(2).stderr(predicate::str::contains("missing.jsonl"));
    verify(&s.ledger, &s.dir.path().join("missing.pub")).code(2).stderr(predicate::str::contains("missing.pub"));
    // A directory cannot be read as a key (root ignores file modes, so no chmod 000 here).
    verify(&s.ledger, s.dir.path()).code(2);
    let garbage = s.dir.path().join("garbage.pub");
    std::fs::write(&garbage, "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n").unwrap();
    verify(&s.ledger, &garbage).code(2).stderr(predicate::str::contains("garbage.pub"));
    verify(&s.ledger, &s.op).code(2).stderr(predicate::str::contains("op.key"));
    fairboard().args(["verify", "--ledger"]).arg(&s.ledger).assert().code(2);
    fairboard()
        .args(["verify", "--ledger"])
        .arg(&s.ledger)
        .args(["--format", "yaml", "--trust"])
        .arg(&pub_file)
        .assert()
        .code(2);
    // The same ledger and key verify.
    verify(&s.ledger, &pub_file).code(0);
}

#[test]
fn verify_defects_are_exit_1() {
    let s = Setup::new();
    let good = s.ledger_bytes();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (good[..good.len() - 1].to_vec(), "line 5: incomplete final record"),
        (b"".to_vec(), "line 1: empty ledger"),
        ([&good[..], b"\n"].concat(), "line 6: malformed JSON"),
        ([&good[..], b"\xff\n"].concat(), "line 6: not valid UTF-8"),
        ([&good[..], "[".repeat(10_000).as_bytes(), b"\n"].concat(), "line 6: malformed JSON"),
        // CRLF line ends: each line is valid JSON, but not the canonical form of its record.
        (
            good.iter().flat_map(|&b| if b == b'\n' { vec![b'\r', b'\n'] } else { vec![b] }).collect(),
            "line 1: line is not the RFC 8785 canonical form",
        ),
        // Lines joined by CR alone: one line, and not one JSON value.
        (good.iter().map(|&b| if b == b'\n' { b'\r' } else { b }).chain([b'\n']).collect(), "line 1: malformed JSON"),
        ([&good[..], &good[..]].concat(), "line 6: seq is 0, expected 5"),
    ];
    for (bytes, message) in cases {
        std::fs::write(&s.ledger, &bytes).unwrap();
        let err = stderr(&s.verify().code(1).stdout(""));
        assert!(err.contains(message), "expected `{message}`, got: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn verify_rejects_an_overlong_line_without_reading_it_all() {
    let s = Setup::new();
    let mut bytes = s.ledger_bytes();
    bytes.extend(std::iter::repeat_n(b' ', 16 * 1024 * 1024 + 10));
    bytes.push(b'\n');
    std::fs::write(&s.ledger, &bytes).unwrap();
    s.verify().code(1).stderr(predicate::str::contains("line 6: record longer than"));
}
