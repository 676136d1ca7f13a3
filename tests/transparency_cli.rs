#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and benches fail loudly on what they did not expect"
)]
//! Checkpoints and proofs through the real binary (issue 6): `checkpoint`, `vkey`, `prove`,
//! `verify-proof` and `verify --checkpoint`, in temporary directories with ledgers built by
//! `keygen`, `init` and `append`.

mod common;

use common::{Run, ok, run_bin as fairboard, s};

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::pkcs8::DecodePublicKey;
use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const ORIGIN: &str = "arena.example/ledger";

/// A temporary directory with an operator key pair and a ledger.
struct Board {
    dir: tempfile::TempDir,
    ledger: PathBuf,
    key: PathBuf,
    public: PathBuf,
}

impl Board {
    /// A ledger with `ledger_opened` and then `records - 1` events, all signed by the operator.
    fn new(records: u64) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().join("op");
        ok(&["keygen", "--out", s(&prefix)]);
        let board = Self {
            ledger: dir.path().join("ledger.jsonl"),
            key: dir.path().join("op.key"),
            public: dir.path().join("op.pub"),
            dir,
        };
        ok(&[
            "init",
            "--ledger",
            s(&board.ledger),
            "--key",
            s(&board.key),
            "--leaderboard",
            "arena",
            "--time",
            "2025-03-01T00:00:00Z",
        ]);
        board.append(&board.ledger, 1..records, "honest");
        board
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Appends events number `range` to `ledger`, with `tag` in their content.
    fn append(&self, ledger: &Path, range: std::ops::Range<u64>, tag: &str) {
        if range.is_empty() {
            return;
        }
        let mut lines = String::new();
        for i in range {
            let event = match i % 3 {
                1 => json!({"type": "provider_registered", "provider": format!("{tag}-p{i}")}),
                2 => json!({
                    "type": "model_registered",
                    "model": format!("{tag}-m{i}"),
                    "provider": format!("{tag}-p{}", i - 1),
                    "license": "open_weights",
                    "visibility": "public",
                }),
                _ => json!({
                    "type": "score_disclosed",
                    "model": format!("{tag}-m{}", i - 1),
                    "rating": 1200.5 + i as f64,
                    "ci_low": 1190.25,
                    "ci_high": 1310.0,
                    "battles": 3000 + i,
                }),
            };
            lines.push_str(&event.to_string());
            lines.push('\n');
        }
        let events = self.path(&format!("events-{tag}.jsonl"));
        std::fs::write(&events, lines).unwrap();
        ok(&["append", "--ledger", s(ledger), "--key", s(&self.key), "--time", "2025-03-02T00:00:00Z", s(&events)]);
    }

    /// Writes a checkpoint of `ledger` to `name` and returns its path.
    fn checkpoint(&self, ledger: &Path, name: &str) -> PathBuf {
        let note = ok(&["checkpoint", "--ledger", s(ledger), "--key", s(&self.key), "--origin", ORIGIN]);
        let path = self.path(name);
        std::fs::write(&path, note).unwrap();
        path
    }

    fn vkey(&self) -> String {
        ok(&["vkey", "--pub", s(&self.public), "--name", ORIGIN]).trim_end().to_owned()
    }

    fn verify(&self, ledger: &Path, checkpoint: &Path) -> Run {
        fairboard(&["verify", "--ledger", s(ledger), "--trust", s(&self.public), "--checkpoint", s(checkpoint)])
    }

    fn prove(&self, seq: u64, checkpoint: &Path, name: &str) -> PathBuf {
        let proof =
            ok(&["prove", "--ledger", s(&self.ledger), "--seq", &seq.to_string(), "--checkpoint", s(checkpoint)]);
        let path = self.path(name);
        std::fs::write(&path, proof).unwrap();
        path
    }

    /// A copy of the first `keep` lines of the ledger.
    fn truncated_copy(&self, keep: usize, name: &str) -> PathBuf {
        let text = std::fs::read_to_string(&self.ledger).unwrap();
        let kept: String = text.split_inclusive('\n').take(keep).collect();
        let path = self.path(name);
        std::fs::write(&path, kept).unwrap();
        path
    }
}

/// RFC 6962 MTH over leaf entries, written out here from the RFC, independently of fairboard's code.
fn independent_mth(entries: &[Vec<u8>]) -> [u8; 32] {
    match entries.len() {
        0 => Sha256::digest(b"").into(),
        1 => Sha256::digest([&[0u8][..], &entries[0]].concat()).into(),
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            let (l, r) = (independent_mth(&entries[..k]), independent_mth(&entries[k..]));
            Sha256::digest([&[1u8][..], &l, &r].concat()).into()
        }
    }
}

fn unhex(h: &str) -> Vec<u8> {
    (0..h.len()).step_by(2).map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap()).collect()
}

/// Checks a fairboard checkpoint the way another C2SP implementation would, from the spec text alone:
/// signed-note layout, key id = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4], Ed25519 over the note text, and
/// the tlog-checkpoint body with the RFC 6962 root of the records' hashes.
#[test]
fn checkpoint_verifies_with_an_independent_c2sp_reading() {
    let board = Board::new(7);
    let note = ok(&["checkpoint", "--ledger", s(&board.ledger), "--key", s(&board.key), "--origin", ORIGIN]);

    // Signed note: text ending in a newline, a blank line, then `— name base64(keyid ‖ sig)` lines.
    let (text, sigs) = note.rsplit_once("\n\n").unwrap();
    let text = format!("{text}\n");
    let sig_lines: Vec<&str> = sigs.strip_suffix('\n').unwrap().split('\n').collect();
    assert_eq!(sig_lines.len(), 1);
    let rest = sig_lines[0].strip_prefix("\u{2014} ").unwrap();
    let (name, sig_b64) = rest.split_once(' ').unwrap();
    assert_eq!(name, ORIGIN);
    let raw = B64.decode(sig_b64).unwrap();
    assert_eq!(raw.len(), 4 + 64);

    // Key id from the raw 32-byte public key.
    let pem = std::fs::read_to_string(&board.public).unwrap();
    let public = VerifyingKey::from_public_key_pem(&pem).unwrap();
    let mut id_input = name.as_bytes().to_vec();
    id_input.push(0x0a);
    id_input.push(0x01);
    id_input.extend_from_slice(public.as_bytes());
    let key_id = &Sha256::digest(&id_input)[..4];
    assert_eq!(&raw[..4], key_id);

    // Ed25519 over the note text (the text includes its final newline, not the blank line).
    let sig = Signature::from_bytes(&raw[4..].try_into().unwrap());
    public.verify_strict(text.as_bytes(), &sig).unwrap();

    // tlog-checkpoint body: origin, decimal size, base64 root of the records' hashes.
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0], ORIGIN);
    assert_eq!(lines[1], "7");
    let ledger = std::fs::read_to_string(&board.ledger).unwrap();
    let entries: Vec<Vec<u8>> =
        ledger.lines().map(|l| unhex(serde_json::from_str::<Value>(l).unwrap()["hash"].as_str().unwrap())).collect();
    assert_eq!(lines[2], B64.encode(independent_mth(&entries)));

    // The verifier key: name+hex(key id)+base64(0x01 ‖ key).
    let mut key_data = vec![0x01];
    key_data.extend_from_slice(public.as_bytes());
    let want =
        format!("{name}+{}+{}", key_id.iter().map(|b| format!("{b:02x}")).collect::<String>(), B64.encode(key_data));
    assert_eq!(board.vkey(), want);

    // Same ledger, same key: the same bytes (Ed25519 is deterministic).
    assert_eq!(ok(&["checkpoint", "--ledger", s(&board.ledger), "--key", s(&board.key), "--origin", ORIGIN]), note);
}

#[test]
fn inclusion_proofs_verify_without_the_ledger() {
    let board = Board::new(10);
    let cp = board.checkpoint(&board.ledger, "cp10");
    board.append(&board.ledger, 10..14, "later");
    let vkey = board.vkey();
    let vkey_file = board.path("arena.vkey");
    std::fs::write(&vkey_file, format!("{vkey}\n")).unwrap();
    for seq in [0, 3, 6, 9] {
        let proof = board.prove(seq, &cp, &format!("seq{seq}.tlog-proof"));
        let text = std::fs::read_to_string(&proof).unwrap();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra "));
        assert!(text.contains(&format!("\nindex {seq}\n")));
        assert!(text.ends_with(&std::fs::read_to_string(&cp).unwrap()));
        let out = ok(&["verify-proof", "--proof", s(&proof), "--vkey", &vkey]);
        assert!(out.starts_with(&format!("ok: record seq {seq} (")), "{out}");
        assert!(out.contains(&format!("in {ORIGIN} at tree size 10")), "{out}");
        ok(&["verify-proof", "--proof", s(&proof), "--vkey", s(&vkey_file)]);
    }
    // A record after the checkpoint cannot be proved against it.
    let r = fairboard(&["prove", "--ledger", s(&board.ledger), "--seq", "12", "--checkpoint", s(&cp)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn proof_fails_with_wrong_vkey() {
    let board = Board::new(5);
    let cp = board.checkpoint(&board.ledger, "cp");
    let proof = board.prove(2, &cp, "p");
    // Another key under the same name.
    let other = Board::new(1);
    let wrong_key = ok(&["vkey", "--pub", s(&other.public), "--name", ORIGIN]);
    let r = fairboard(&["verify-proof", "--proof", s(&proof), "--vkey", wrong_key.trim()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("no signature by key"), "{}", r.stderr);
    // The right key under another name.
    let wrong_name = ok(&["vkey", "--pub", s(&board.public), "--name", "elsewhere.example/log"]);
    let r = fairboard(&["verify-proof", "--proof", s(&proof), "--vkey", wrong_name.trim()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn tampered_inclusion_proofs_fail() {
    let board = Board::new(6);
    let cp = board.checkpoint(&board.ledger, "cp");
    let proof = board.prove(3, &cp, "p");
    let vkey = board.vkey();
    let text = std::fs::read_to_string(&proof).unwrap();
    let lines: Vec<&str> = text.split('\n').collect();

    let tamper = |name: &str, new_text: String| {
        let path = board.path(name);
        std::fs::write(&path, new_text).unwrap();
        let r = fairboard(&["verify-proof", "--proof", s(&path), "--vkey", &vkey]);
        assert_eq!(r.code, 1, "{name}: {}", r.stderr);
        r.stderr
    };

    // The record line with a changed rating: its recomputed hash changes.
    let record = String::from_utf8(B64.decode(lines[1].strip_prefix("extra ").unwrap()).unwrap()).unwrap();
    assert!(record.contains("\"rating\":1203.5"), "{record}");
    let forged = record.replace("\"rating\":1203.5", "\"rating\":1303.5");
    let err = tamper("forged-record", text.replacen(lines[1], &format!("extra {}", B64.encode(&forged)), 1));
    assert!(err.contains("hash mismatch"), "{err}");

    // The forged record with its hash field updated too: the leaf changes, the path no longer leads to the root.
    let mut value: Value = serde_json::from_str(&forged).unwrap();
    let input = fairboard_core::ledger::record::hash_input(&value).unwrap();
    let rehashed: String = Sha256::digest(&input).iter().map(|b| format!("{b:02x}")).collect();
    value["hash"] = Value::String(rehashed);
    let relined = fairboard::canonical::to_canonical_string(&value).unwrap();
    let err = tamper("rehashed-record", text.replacen(lines[1], &format!("extra {}", B64.encode(&relined)), 1));
    assert!(err.contains("inclusion proof does not lead"), "{err}");

    // Another index.
    tamper("index", text.replacen("\nindex 3\n", "\nindex 2\n", 1));
    // One path hash changed.
    let mut h = B64.decode(lines[3]).unwrap();
    h[5] ^= 0x40;
    tamper("path", text.replacen(lines[3], &B64.encode(&h), 1));
    // The checkpoint's size or root changed (its signature no longer verifies).
    tamper("size", text.replacen(&format!("{ORIGIN}\n6\n"), &format!("{ORIGIN}\n7\n"), 1));
    // Structurally broken after a valid header: invalid (1), not unreadable.
    tamper("garbled", text.replacen(lines[3], "not-base64!", 1));
}

#[test]
fn consistency_proofs_verify_and_catch_tampering() {
    let board = Board::new(5);
    let old = board.checkpoint(&board.ledger, "cp5");
    board.append(&board.ledger, 5..13, "more");
    let new = board.checkpoint(&board.ledger, "cp13");
    let vkey = board.vkey();
    let proof = ok(&["prove", "--consistency", "--from", s(&old), "--to", s(&new), "--ledger", s(&board.ledger)]);
    assert!(proof.starts_with("fairboard/tlog-consistency-proof@v1\n"));
    let path = board.path("c.proof");
    std::fs::write(&path, &proof).unwrap();
    let out = ok(&["verify-proof", "--proof", s(&path), "--vkey", &vkey]);
    assert!(out.contains("at tree size 13") && out.contains("extends tree size 5"), "{out}");

    // Same checkpoint twice: an empty proof.
    let same = ok(&["prove", "--consistency", "--from", s(&new), "--to", s(&new), "--ledger", s(&board.ledger)]);
    std::fs::write(&path, &same).unwrap();
    ok(&["verify-proof", "--proof", s(&path), "--vkey", &vkey]);

    // One changed hash, or the checkpoints swapped in the file: invalid.
    let lines: Vec<&str> = proof.split('\n').collect();
    let mut h = B64.decode(lines[1]).unwrap();
    h[0] ^= 1;
    std::fs::write(&path, proof.replacen(lines[1], &B64.encode(&h), 1)).unwrap();
    assert_eq!(fairboard(&["verify-proof", "--proof", s(&path), "--vkey", &vkey]).code, 1);
    let (old_text, new_text) = (std::fs::read_to_string(&old).unwrap(), std::fs::read_to_string(&new).unwrap());
    let swapped =
        proof.replacen(&old_text, "@OLD@", 1).replacen(&new_text, &old_text, 1).replacen("@OLD@", &new_text, 1);
    std::fs::write(&path, swapped).unwrap();
    assert_eq!(fairboard(&["verify-proof", "--proof", s(&path), "--vkey", &vkey]).code, 1);

    // --from newer than --to is bad usage.
    let r = fairboard(&["prove", "--consistency", "--from", s(&new), "--to", s(&old), "--ledger", s(&board.ledger)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn verify_checkpoint_accepts_matching_and_extending_ledgers() {
    let board = Board::new(8);
    let cp = board.checkpoint(&board.ledger, "cp");
    let r = board.verify(&board.ledger, &cp);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("checkpoint: ledger matches arena.example/ledger at tree size 8"), "{}", r.stdout);
    board.append(&board.ledger, 8..20, "more");
    let r = board.verify(&board.ledger, &cp);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("checkpoint: ledger extends"), "{}", r.stdout);
    let json = ok(&[
        "verify",
        "--ledger",
        s(&board.ledger),
        "--trust",
        s(&board.public),
        "--checkpoint",
        s(&cp),
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["records"], 20);
    assert_eq!(v["checkpoint"]["size"], 8);
    assert_eq!(v["checkpoint"]["origin"], ORIGIN);
}

#[test]
fn truncated_ledger_fails_verify_checkpoint() {
    let board = Board::new(9);
    let cp = board.checkpoint(&board.ledger, "cp");
    let truncated = board.truncated_copy(6, "truncated.jsonl");
    // The truncated ledger is itself a valid ledger: only the checkpoint exposes the deletion.
    ok(&["verify", "--ledger", s(&truncated), "--trust", s(&board.public)]);
    let r = board.verify(&truncated, &cp);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.contains("has 6 records, fewer than the 9") && r.stderr.contains("truncated"), "{}", r.stderr);
    let r = fairboard(&[
        "verify",
        "--ledger",
        s(&truncated),
        "--trust",
        s(&board.public),
        "--checkpoint",
        s(&cp),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["ok"], false);
}

/// The operator deletes a disclosure and re-signs the rest of history with the same key: the result
/// verifies on its own, but not against a checkpoint anyone kept, and no consistency proof exists.
#[test]
fn forked_history_signed_with_the_same_key_fails() {
    let board = Board::new(12);
    let cp = board.checkpoint(&board.ledger, "cp");
    let fork = board.truncated_copy(5, "fork.jsonl");
    board.append(&fork, 5..15, "rewritten");
    ok(&["verify", "--ledger", s(&fork), "--trust", s(&board.public)]);
    let r = board.verify(&fork, &cp);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.contains("history was rewritten or forked"), "{}", r.stderr);

    // The fork's own checkpoint is validly signed, but cannot be shown to extend the old one.
    let fork_cp = board.checkpoint(&fork, "fork-cp");
    let r = fairboard(&["prove", "--consistency", "--from", s(&cp), "--to", s(&fork_cp), "--ledger", s(&fork)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let r = fairboard(&["prove", "--consistency", "--from", s(&cp), "--to", s(&fork_cp), "--ledger", s(&board.ledger)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn checkpoints_of_other_keys_are_refused() {
    let board = Board::new(4);
    let other = Board::new(4);
    let foreign = other.checkpoint(&other.ledger, "foreign");
    let r = board.verify(&board.ledger, &foreign);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("not signed by operator key"), "{}", r.stderr);
    // `checkpoint` verifies the ledger under the signing key's own public key first.
    let r = fairboard(&["checkpoint", "--ledger", s(&board.ledger), "--key", s(&other.key), "--origin", ORIGIN]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    // `prove` refuses a checkpoint that this ledger's operator did not sign.
    let r = fairboard(&["prove", "--ledger", s(&board.ledger), "--seq", "1", "--checkpoint", s(&foreign)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn bad_inputs_exit_2() {
    let board = Board::new(3);
    let cp = board.checkpoint(&board.ledger, "cp");
    let vkey = board.vkey();
    let garbage = board.path("garbage");
    std::fs::write(&garbage, "hello\n").unwrap();
    let missing = board.path("missing");
    for args in [
        vec!["verify-proof", "--proof", s(&missing), "--vkey", &vkey],
        vec!["verify-proof", "--proof", s(&garbage), "--vkey", &vkey],
        vec!["verify-proof", "--proof", s(&cp), "--vkey", "not-a-vkey"],
        vec!["verify", "--ledger", s(&board.ledger), "--trust", s(&board.public), "--checkpoint", s(&garbage)],
        vec!["checkpoint", "--ledger", s(&board.ledger), "--key", s(&board.key), "--origin", "has space"],
        vec!["checkpoint", "--ledger", s(&board.ledger), "--key", s(&board.key), "--origin", "a+b"],
        vec!["vkey", "--pub", s(&board.public), "--name", ""],
        vec!["prove", "--ledger", s(&board.ledger)],
        vec!["prove", "--ledger", s(&board.ledger), "--seq", "1"],
        vec!["prove", "--ledger", s(&board.ledger), "--seq", "1", "--checkpoint", s(&cp), "--consistency"],
        vec!["prove", "--ledger", s(&missing), "--seq", "1", "--checkpoint", s(&cp)],
    ] {
        let r = fairboard(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
    }
}

/// The examples in docs/transparency.md are the real output on `vectors/ledger-v1` (skipped when
/// `../shared` is absent).
#[test]
fn documented_examples_are_real_output() {
    let Some(vectors) = common::vectors_dir() else { return };
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/transparency.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (ledger, key, public) =
        (vectors.join("ledger.jsonl"), vectors.join("operator.key"), vectors.join("operator.pub"));
    let origin = "vector-arena.example/ledger";
    let in_docs =
        |what: &str, text: &str| assert!(docs.contains(&format!("```text\n{text}```")), "{what} not in docs:\n{text}");

    let cp8 = ok(&["checkpoint", "--ledger", s(&ledger), "--key", s(&key), "--origin", origin]);
    in_docs("checkpoint", &cp8);
    let vkey = ok(&["vkey", "--pub", s(&public), "--name", origin]);
    assert!(docs.contains(&format!("`{}`", vkey.trim())), "vkey {vkey}");
    let cp8_path = dir.path().join("cp8");
    std::fs::write(&cp8_path, &cp8).unwrap();
    in_docs("inclusion proof", &ok(&["prove", "--ledger", s(&ledger), "--seq", "6", "--checkpoint", s(&cp8_path)]));

    let first5: String = std::fs::read_to_string(&ledger).unwrap().split_inclusive('\n').take(5).collect();
    let l5 = dir.path().join("l5.jsonl");
    std::fs::write(&l5, first5).unwrap();
    let cp5_path = dir.path().join("cp5");
    std::fs::write(&cp5_path, ok(&["checkpoint", "--ledger", s(&l5), "--key", s(&key), "--origin", origin])).unwrap();
    let consistency =
        ok(&["prove", "--consistency", "--from", s(&cp5_path), "--to", s(&cp8_path), "--ledger", s(&ledger)]);
    in_docs("consistency proof", &consistency);
}
