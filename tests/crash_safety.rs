//! Crash safety and concurrent appenders, with the real binary (issue 7, parts 1 and 2).
//!
//! - 200 `append` processes killed with SIGKILL at random moments: afterwards every acknowledged
//!   record is present and the ledger verifies, after `recover` where a kill tore the last line.
//! - Every possible torn tail of a batch (the file cut at each byte of its last write): verify names the
//!   incomplete final record, `recover` cuts exactly the partial line and keeps a backup.
//! - 8 appending processes at once: one valid chain holding every acknowledged record, each batch in
//!   one piece.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and benches fail loudly on what they did not expect"
)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{fairboard, key, with_ext, write_key};
use predicates::prelude::PredicateBooleanExt;
use serde_json::json;

/// The real binary's path, for processes this test spawns and kills itself.
fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("fairboard")
}

/// A ledger with its operator key, in a temporary directory.
struct Setup {
    _dir: tempfile::TempDir,
    ledger: PathBuf,
    key: PathBuf,
    public: PathBuf,
    dir: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let prefix = write_key(dir.path(), "op", &key(1));
    let ledger = dir.path().join("ledger.jsonl");
    fairboard()
        .args(["init", "--leaderboard", "crash", "--time", "2025-01-01T00:00:00Z", "--ledger"])
        .arg(&ledger)
        .arg("--key")
        .arg(with_ext(&prefix, "key"))
        .assert()
        .success();
    Setup {
        ledger,
        key: with_ext(&prefix, "key"),
        public: with_ext(&prefix, "pub"),
        dir: dir.path().to_path_buf(),
        _dir: dir,
    }
}

/// Writes a JSON Lines file of `n` private tests whose names make each record about 500 bytes.
fn events_file(dir: &Path, name: &str, n: usize) -> PathBuf {
    let path = dir.join(name);
    let text: String = (0..n)
        .map(|i| {
            let model = format!("{name}-{i}-{}", "x".repeat(220));
            format!("{}\n", json!({"type":"private_test_started","model":model,"provider":"acme"}))
        })
        .collect();
    std::fs::write(&path, text).unwrap();
    path
}

fn append_cmd(s: &Setup, events: &Path) -> Command {
    let mut cmd = Command::new(bin());
    cmd.arg("append").arg("--ledger").arg(&s.ledger).arg("--key").arg(&s.key).arg(events);
    cmd
}

/// `seq N hash H` lines of a successful append.
fn acknowledged(out: &Output) -> Vec<(u64, String)> {
    if !out.status.success() {
        return Vec::new();
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let parts: Vec<&str> = l.split(' ').collect();
            assert_eq!((parts.len(), parts[0], parts[2]), (4, "seq", "hash"), "unexpected append output {l:?}");
            (parts[1].parse().unwrap(), parts[3].to_owned())
        })
        .collect()
}

fn verify(s: &Setup) -> Output {
    Command::new(bin()).arg("verify").arg("--ledger").arg(&s.ledger).arg("--trust").arg(&s.public).output().unwrap()
}

/// The `hash` of every line of the ledger, by seq.
fn hashes(ledger: &Path) -> Vec<String> {
    std::fs::read_to_string(ledger)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["hash"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_present(ledger: &Path, acked: &BTreeMap<u64, String>) {
    let hashes = hashes(ledger);
    for (seq, hash) in acked {
        assert_eq!(hashes.get(*seq as usize), Some(hash), "acknowledged record seq {seq} is missing or changed");
    }
}

/// Verifies; a torn tail is recovered and verified again. Returns whether a tail was torn.
fn verify_or_recover(s: &Setup) -> bool {
    let out = verify(s);
    if out.status.success() {
        return false;
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("incomplete final record"), "a kill left another defect: {stderr}");
    let rec = Command::new(bin()).arg("recover").arg("--ledger").arg(&s.ledger).output().unwrap();
    assert!(rec.status.success(), "recover failed: {}", String::from_utf8_lossy(&rec.stderr));
    assert!(String::from_utf8_lossy(&rec.stdout).contains("removed the incomplete final record"));
    let again = verify(s);
    assert!(again.status.success(), "after recover: {}", String::from_utf8_lossy(&again.stderr));
    true
}

/// A small deterministic generator (xorshift64*), so that a failing run can be repeated.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn appends_killed_at_random_moments_lose_no_acknowledged_record() {
    let s = setup();
    let events = events_file(&s.dir, "batch", 40);
    let mut acked = BTreeMap::new();
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    // How long an uninterrupted append takes now; kills are spread over 0..1.3x that.
    let mut full = Duration::from_millis(200);
    let (mut completed, mut killed, mut torn) = (0, 0, 0);
    for round in 0..200 {
        let started = Instant::now();
        let mut child = append_cmd(&s, &events).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(full.mul_f64(1.3 * rng.unit()));
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        let took = started.elapsed();
        let acks = acknowledged(&out);
        if out.status.success() {
            completed += 1;
            full = took;
            assert_eq!(acks.len(), 40, "round {round}: a successful append acknowledges its whole batch");
        } else {
            killed += 1;
        }
        acked.extend(acks);
        if verify_or_recover(&s) {
            torn += 1;
        }
        assert_present(&s.ledger, &acked);
    }
    eprintln!("200 appends: {completed} completed, {killed} killed, {torn} left a torn tail that recover removed");
    assert!(completed > 0 && killed > 0, "the kills should land both before and after completion");
    let out = verify(&s);
    assert!(out.status.success());
}

#[test]
fn every_torn_tail_of_a_batch_is_recovered_to_its_complete_records() {
    let s = setup();
    let first = events_file(&s.dir, "first", 3);
    let acked = acknowledged(&append_cmd(&s, &first).output().unwrap());
    assert_eq!(acked.len(), 3);
    let before = std::fs::read(&s.ledger).unwrap();
    let batch = events_file(&s.dir, "second", 3);
    assert!(append_cmd(&s, &batch).output().unwrap().status.success());
    let full = std::fs::read(&s.ledger).unwrap();
    let acked: BTreeMap<u64, String> = acked.into_iter().collect();
    // Cut the file at every byte of the second batch's write (a stride keeps the debug run short).
    for cut in (before.len()..full.len()).step_by(37).chain([full.len() - 1]) {
        std::fs::write(&s.ledger, &full[..cut]).unwrap();
        let at_boundary = full[cut - 1] == b'\n';
        assert_eq!(verify_or_recover(&s), !at_boundary, "cut at byte {cut}");
        let now = std::fs::read(&s.ledger).unwrap();
        let last_newline = full[..cut].iter().rposition(|&b| b == b'\n').unwrap() + 1;
        assert_eq!(now, &full[..last_newline], "recover must keep exactly the complete lines (cut {cut})");
        assert_present(&s.ledger, &acked);
    }
    let backups = std::fs::read_dir(&s.dir).unwrap().filter_map(Result::ok);
    let backups = backups.filter(|e| e.file_name().to_string_lossy().starts_with("ledger.jsonl.torn-")).count();
    assert!(backups > 10, "every recovery keeps a backup ({backups})");
}

#[test]
fn append_refuses_a_torn_ledger_and_names_recover() {
    let s = setup();
    std::fs::OpenOptions::new()
        .append(true)
        .open(&s.ledger)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"event\":"))
        .unwrap();
    let before = std::fs::read(&s.ledger).unwrap();
    let events = events_file(&s.dir, "e", 1);
    let out = append_cmd(&s, &events).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("incomplete final record") && stderr.contains("fairboard recover"), "{stderr}");
    assert_eq!(std::fs::read(&s.ledger).unwrap(), before);
}

#[test]
fn recover_refuses_a_defect_in_a_complete_record() {
    let s = setup();
    let events = events_file(&s.dir, "e", 2);
    assert!(append_cmd(&s, &events).output().unwrap().status.success());
    let tampered = std::fs::read_to_string(&s.ledger).unwrap().replacen("e-1-", "e-9-", 1) + "{\"torn";
    std::fs::write(&s.ledger, &tampered).unwrap();
    fairboard()
        .arg("recover")
        .arg("--ledger")
        .arg(&s.ledger)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("line 3").and(predicates::str::contains("recover only removes")));
    assert_eq!(std::fs::read_to_string(&s.ledger).unwrap(), tampered);
}

#[test]
fn eight_concurrent_appenders_make_one_chain_with_every_batch_whole() {
    let s = setup();
    const PROCS: usize = 8;
    const ROUNDS: usize = 5;
    const BATCH: usize = 3;
    let files: Vec<PathBuf> = (0..PROCS).map(|p| events_file(&s.dir, &format!("p{p}"), BATCH)).collect();
    let acks: Vec<Vec<(u64, String)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .iter()
            .map(|f| {
                let s = &s;
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    for _ in 0..ROUNDS {
                        let out = append_cmd(s, f).output().unwrap();
                        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                        let batch = acknowledged(&out);
                        assert_eq!(batch.len(), BATCH);
                        let seqs: Vec<u64> = batch.iter().map(|(seq, _)| *seq).collect();
                        assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "batch split by another appender: {seqs:?}");
                        mine.extend(batch);
                    }
                    mine
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let out = verify(&s);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let total = 1 + PROCS * ROUNDS * BATCH;
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("ok: {total} records")));
    let acked: BTreeMap<u64, String> = acks.into_iter().flatten().collect();
    assert_eq!(acked.len(), total - 1, "every seq acknowledged exactly once");
    assert_present(&s.ledger, &acked);
}
