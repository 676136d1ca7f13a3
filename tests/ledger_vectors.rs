//! The independent conformance vector `../shared/vectors/ledger-v1`, through the real binary: it verifies,
//! and signing the same events at the same times with the same keys reproduces it byte for byte. Also
//! `keygen`: OpenSSL agrees on the key pair, the private key is mode 0600, and nothing is overwritten.
//!
//! The vector lives outside this repository; when `../shared` is absent (a clean clone) the vector tests
//! print a note and pass, so the README's test command works anywhere.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and benches fail loudly on what they did not expect"
)]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::{fairboard, vectors_dir, with_ext};
use predicates::prelude::*;
use serde_json::Value;

fn vector_lines(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("ledger.jsonl")).unwrap();
    assert!(text.ends_with('\n'));
    text.lines().map(str::to_owned).collect()
}

fn parse(line: &str) -> Value {
    serde_json::from_str(line).unwrap()
}

#[test]
fn vector_verifies_with_the_operator_key() {
    let Some(dir) = vectors_dir() else { return };
    let lines = vector_lines(&dir);
    assert_eq!(lines.len(), 8);
    let head = parse(&lines[7])["hash"].as_str().unwrap().to_owned();
    fairboard()
        .args(["verify", "--ledger"])
        .arg(dir.join("ledger.jsonl"))
        .arg("--trust")
        .arg(dir.join("operator.pub"))
        .assert()
        .code(0)
        .stdout(format!("ok: 8 records, head {head}\n"));
    let out = fairboard()
        .args(["verify", "--format", "json", "--ledger"])
        .arg(dir.join("ledger.jsonl"))
        .arg("--trust")
        .arg(dir.join("operator.pub"))
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let report: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(report, serde_json::json!({"ok": true, "records": 8, "head": head}));
}

#[test]
fn vector_does_not_verify_under_another_trust_anchor() {
    let Some(dir) = vectors_dir() else { return };
    // The provider key is a perfectly good key, just not the one seq 0 declares.
    fairboard()
        .args(["verify", "--ledger"])
        .arg(dir.join("ledger.jsonl"))
        .arg("--trust")
        .arg(dir.join("provider-meta.pub"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("line 1:").and(predicate::str::contains("is not the trusted key")));
}

#[test]
fn resigning_the_vector_events_reproduces_it_byte_for_byte() {
    let Some(dir) = vectors_dir() else { return };
    let lines = vector_lines(&dir);
    // Signer key id -> private key file, from the vector's public keys (not hard-coded ids).
    let mut key_files: HashMap<String, PathBuf> = HashMap::new();
    for name in ["operator", "provider-meta"] {
        let public = fairboard::store::keys::read_verifying_key(&dir.join(format!("{name}.pub"))).unwrap();
        key_files.insert(fairboard::crypto::key_id(&public), dir.join(format!("{name}.key")));
    }
    let tmp = tempfile::tempdir().unwrap();
    let ledger = tmp.path().join("ledger.jsonl");
    let first = parse(&lines[0]);
    assert_eq!(first["event"]["leaderboard"], "vector-arena");
    fairboard()
        .args(["init", "--leaderboard", "vector-arena", "--ledger"])
        .arg(&ledger)
        .arg("--key")
        .arg(dir.join("operator.key"))
        .args(["--time", first["time"].as_str().unwrap()])
        .assert()
        .code(0)
        .stdout(format!("seq 0 hash {}\n", first["hash"].as_str().unwrap()));
    for (seq, line) in lines.iter().enumerate().skip(1) {
        let record = parse(line);
        let signer = record["signer"].as_str().unwrap();
        let key = key_files.get(signer).unwrap_or_else(|| panic!("seq {seq}: unknown signer {signer}"));
        // Pretty-printed on purpose: append must canonicalise whatever form the event comes in.
        let events = tmp.path().join(format!("event-{seq}.json"));
        std::fs::write(&events, serde_json::to_string_pretty(&record["event"]).unwrap()).unwrap();
        fairboard()
            .args(["append", "--ledger"])
            .arg(&ledger)
            .arg("--key")
            .arg(key)
            .args(["--time", record["time"].as_str().unwrap()])
            .arg(&events)
            .assert()
            .code(0)
            .stdout(format!("seq {seq} hash {}\n", record["hash"].as_str().unwrap()));
    }
    let produced = std::fs::read(&ledger).unwrap();
    let expected = std::fs::read(dir.join("ledger.jsonl")).unwrap();
    if produced != expected {
        let produced = String::from_utf8_lossy(&produced);
        for (i, (p, e)) in produced.lines().zip(expected.split(|&b| b == b'\n')).enumerate() {
            assert_eq!(p, String::from_utf8_lossy(e), "first difference at line {}", i + 1);
        }
        panic!("produced ledger differs from the vector in length");
    }
}

#[test]
fn resigning_through_stdin_in_one_batch_gives_the_same_records() {
    // Records 5..7 are all operator-signed; one append of JSON Lines on stdin must produce the same
    // lines as one append per event when the times agree. Seq 6 and 7 share a time, so only they can
    // be batched: an append gives every record it writes the same time.
    let Some(dir) = vectors_dir() else { return };
    let lines = vector_lines(&dir);
    let tmp = tempfile::tempdir().unwrap();
    let ledger = tmp.path().join("ledger.jsonl");
    std::fs::write(&ledger, lines[..6].iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let batch: String =
        lines[6..].iter().map(|l| format!("{}\n", serde_json::to_string(&parse(l)["event"]).unwrap())).collect();
    assert_eq!(parse(&lines[6])["time"], parse(&lines[7])["time"]);
    fairboard()
        .args(["append", "--ledger"])
        .arg(&ledger)
        .arg("--key")
        .arg(dir.join("operator.key"))
        .args(["--time", parse(&lines[6])["time"].as_str().unwrap(), "-"])
        .write_stdin(batch)
        .assert()
        .code(0);
    assert_eq!(std::fs::read(&ledger).unwrap(), std::fs::read(dir.join("ledger.jsonl")).unwrap());
}

#[test]
fn keygen_writes_a_key_pair_openssl_agrees_with() {
    let tmp = tempfile::tempdir().unwrap();
    let prefix = tmp.path().join("op");
    fairboard().args(["keygen", "--out"]).arg(&prefix).assert().code(0);
    let key_file = with_ext(&prefix, "key");
    let pub_file = with_ext(&prefix, "pub");
    let private = std::fs::read_to_string(&key_file).unwrap();
    let public = std::fs::read_to_string(&pub_file).unwrap();
    assert!(private.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{private}");
    assert!(public.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{public}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "private key mode {mode:o}");
    }
    // The library reads back what the binary wrote, as the same key pair.
    let signing = fairboard::store::keys::read_signing_key(&key_file).unwrap();
    assert_eq!(fairboard::store::keys::read_verifying_key(&pub_file).unwrap(), signing.verifying_key());
    match std::process::Command::new("openssl").arg("pkey").arg("-in").arg(&key_file).arg("-pubout").output() {
        Err(e) => eprintln!("skipping the OpenSSL check: cannot run openssl: {e}"),
        Ok(out) => {
            assert!(out.status.success(), "openssl pkey: {}", String::from_utf8_lossy(&out.stderr));
            assert_eq!(String::from_utf8(out.stdout).unwrap(), public);
        }
    }
}

#[test]
fn keygen_keys_differ_between_runs() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["a", "b"] {
        fairboard().args(["keygen", "--out"]).arg(tmp.path().join(name)).assert().code(0);
    }
    let a = std::fs::read(tmp.path().join("a.key")).unwrap();
    let b = std::fs::read(tmp.path().join("b.key")).unwrap();
    assert_ne!(a, b);
}

#[test]
fn keygen_refuses_to_overwrite_either_file() {
    let tmp = tempfile::tempdir().unwrap();
    let prefix = tmp.path().join("op");
    fairboard().args(["keygen", "--out"]).arg(&prefix).assert().code(0);
    let key_file = with_ext(&prefix, "key");
    let pub_file = with_ext(&prefix, "pub");
    let (private, public) = (std::fs::read(&key_file).unwrap(), std::fs::read(&pub_file).unwrap());
    fairboard()
        .args(["keygen", "--out"])
        .arg(&prefix)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists").and(predicate::str::contains("op.key")));
    assert_eq!(std::fs::read(&key_file).unwrap(), private);
    assert_eq!(std::fs::read(&pub_file).unwrap(), public);

    // Only the public half present: still refused, and no private key appears next to it.
    let lone = tmp.path().join("lone");
    std::fs::write(with_ext(&lone, "pub"), "not mine\n").unwrap();
    fairboard().args(["keygen", "--out"]).arg(&lone).assert().code(2).stderr(predicate::str::contains("lone.pub"));
    assert!(!with_ext(&lone, "key").exists());
    assert_eq!(std::fs::read_to_string(with_ext(&lone, "pub")).unwrap(), "not mine\n");
}

#[test]
fn init_refuses_to_overwrite_a_ledger() {
    let tmp = tempfile::tempdir().unwrap();
    let prefix = common::write_key(tmp.path(), "op", &common::key(1));
    let ledger = tmp.path().join("ledger.jsonl");
    std::fs::write(&ledger, "precious\n").unwrap();
    fairboard()
        .args(["init", "--leaderboard", "x", "--ledger"])
        .arg(&ledger)
        .arg("--key")
        .arg(with_ext(&prefix, "key"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
    assert_eq!(std::fs::read_to_string(&ledger).unwrap(), "precious\n");
}
