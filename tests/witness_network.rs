#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on what they did not expect"
)]
//! Issue 16 on loopback, through the real binary: a ledger published as tlog-tiles and served by a
//! static HTTP server started here, three `fairboard witness serve` processes, a 2-of-3 tlog-policy,
//! and verifiers with stored state following the log as it grows; a split view; a witness killed
//! with SIGKILL during pushes; hostile requests.

mod common;

use common::{Run, ok, run_bin as run, s};

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use serde_json::json;
use sha2::{Digest, Sha256};

const ORIGIN: &str = "arena.example/ledger";

/// An operator's key pair and a ledger that grows by provider registrations.
struct Board {
    dir: PathBuf,
    ledger: PathBuf,
    key: PathBuf,
    public: PathBuf,
    next: u64,
}

impl Board {
    fn new(dir: &Path, name: &str) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        ok(&["keygen", "--out", s(&dir.join("op"))]);
        let board = Self {
            dir: dir.to_owned(),
            ledger: dir.join(format!("{name}.jsonl")),
            key: dir.join("op.key"),
            public: dir.join("op.pub"),
            next: 1,
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
        board
    }

    /// Appends `n` records tagged `tag`.
    fn grow(&mut self, n: u64, tag: &str) {
        let lines: String = (0..n)
            .map(|i| {
                format!("{}\n", json!({"type": "provider_registered", "provider": format!("{tag}-p{}", self.next + i)}))
            })
            .collect();
        self.next += n;
        let events = self.dir.join("events.jsonl");
        std::fs::write(&events, lines).unwrap();
        ok(&[
            "append",
            "--ledger",
            s(&self.ledger),
            "--key",
            s(&self.key),
            "--time",
            "2025-03-02T00:00:00Z",
            s(&events),
        ]);
    }

    fn publish(&self, out: &Path) -> String {
        ok(&publish_args(&self.ledger, &self.key, out))
    }

    /// A second ledger of the same operator: the first `keep` records of this one, then `n` others.
    fn fork(&self, keep: usize, n: u64, dir: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let text = std::fs::read_to_string(&self.ledger).unwrap();
        let ledger = dir.join("fork.jsonl");
        std::fs::write(&ledger, text.lines().take(keep).map(|l| format!("{l}\n")).collect::<String>()).unwrap();
        let mut fork =
            Self { dir: dir.to_owned(), ledger, key: self.key.clone(), public: self.public.clone(), next: 1_000_000 };
        if n > 0 {
            fork.grow(n, "forged");
        }
        fork
    }

    fn vkey(&self) -> String {
        ok(&["vkey", "--pub", s(&self.public), "--name", ORIGIN]).trim().to_owned()
    }
}

/// `publish --ledger L --key K --origin ORIGIN --out OUT`.
fn publish_args<'a>(ledger: &'a Path, key: &'a Path, out: &'a Path) -> [&'a str; 9] {
    ["publish", "--ledger", s(ledger), "--key", s(key), "--origin", ORIGIN, "--out", s(out)]
}

/// A static file server over a directory, as any web server would serve a published log.
struct StaticServer {
    url: String,
}

fn serve_dir(dir: &Path) -> StaticServer {
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let url = format!("http://{}", server.server_addr().to_ip().unwrap());
    let root = dir.to_owned();
    for _ in 0..4 {
        let (server, root) = (Arc::clone(&server), root.clone());
        std::thread::spawn(move || {
            while let Ok(req) = server.recv() {
                let path = req.url().trim_start_matches('/').to_owned();
                let file = (!path.split('/').any(|c| c == ".." || c.is_empty()))
                    .then(|| std::fs::read(root.join(&path)).ok())
                    .flatten();
                let _ = match file {
                    Some(bytes) => req.respond(tiny_http::Response::from_data(bytes)),
                    None => req.respond(tiny_http::Response::empty(404)),
                };
            }
        });
    }
    StaticServer { url }
}

/// A `fairboard witness serve` process.
struct Witness {
    child: Child,
    url: String,
    vkey: String,
}

impl Drop for Witness {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn witness(dir: &Path, n: u32, logs: &Path, listen: &str) -> Witness {
    let key = dir.join(format!("w{n}.key"));
    if !key.exists() {
        ok(&["keygen", "--out", s(&dir.join(format!("w{n}")))]);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_fairboard"))
        .args(["witness", "serve", "--key", s(&key), "--name", &format!("w{n}.example"), "--logs", s(logs)])
        .args(["--db", s(&dir.join(format!("w{n}.db"))), "--listen", listen, "--workers", "2"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first.split("http://").nth(1).unwrap().split(' ').next().unwrap().to_owned();
    let vkey = lines.next().unwrap().unwrap().trim_start_matches("vkey ").to_owned();
    // Keep draining stderr so the witness never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Witness { child, url: format!("http://{addr}"), vkey }
}

fn policy(dir: &Path, log_vkey: &str, ws: &[&Witness]) -> PathBuf {
    let mut text = format!("log {log_vkey}\n");
    for (i, w) in ws.iter().enumerate() {
        text.push_str(&format!("witness W{} {} {}\n", i + 1, w.vkey, w.url));
    }
    text.push_str("group two-of-three 2 W1 W2 W3\nquorum two-of-three\n");
    let path = dir.join("policy.txt");
    std::fs::write(&path, text).unwrap();
    path
}

fn push(log: &Path, ws: &[&Witness], policy: &Path) -> Run {
    let mut args = vec![
        "witness".to_owned(),
        "push".into(),
        "--log".into(),
        s(log).into(),
        "--policy-file".into(),
        s(policy).into(),
    ];
    for w in ws {
        args.extend(["--witness".to_owned(), w.url.clone()]);
    }
    run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// The checkpoint a witness serves for the origin (`None` if it cosigned none).
fn held(w: &Witness) -> Option<String> {
    let hash: String = Sha256::digest(ORIGIN.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let mut r = agent().get(&format!("{}/{hash}/checkpoint", w.url)).call().unwrap();
    (r.status() == 200).then(|| r.body_mut().read_to_string().unwrap())
}

fn held_size(w: &Witness) -> u64 {
    held(w).map_or(0, |n| n.lines().nth(1).unwrap().parse().unwrap())
}

#[test]
fn a_witnessed_log_grows_and_verifiers_follow() {
    let tmp = tempfile::tempdir().unwrap();
    let mut board = Board::new(tmp.path(), "ledger");
    let logs = tmp.path().join("logs.txt");
    std::fs::write(&logs, format!("log {}\n", board.vkey())).unwrap();
    let ws: Vec<Witness> = (1..=3).map(|n| witness(tmp.path(), n, &logs, "127.0.0.1:0")).collect();
    let refs: Vec<&Witness> = ws.iter().collect();
    let policy = policy(tmp.path(), &board.vkey(), &refs);
    let out = tmp.path().join("log");
    let web = serve_dir(&out);
    let state = tmp.path().join("state");
    let trust = board.public.clone();
    let mut size = 1;
    // Sizes cross tile boundaries: 200 (partial), 300 (a full tile and a new partial), 513, 514.
    for (round, grow) in [199u64, 100, 213, 1].into_iter().enumerate() {
        board.grow(grow, &format!("r{round}"));
        size += grow;
        let published = board.publish(&out);
        assert!(published.contains(&format!("published {size} records")), "{published}");
        // Before the push, the checkpoint has no cosignatures: the quorum is not met.
        let early = run(&["verify", "--log", &web.url, "--trust", s(&trust), "--policy-file", s(&policy)]);
        assert_eq!(early.code, 1, "{}", early.stderr);
        assert!(early.stderr.contains("quorum `two-of-three` not met"), "{}", early.stderr);
        // Two witnesses are enough; the third one follows later rounds from where it is.
        let pushed = if round == 0 { push(&out, &refs[..2], &policy) } else { push(&out, &refs, &policy) };
        assert_eq!(pushed.code, 0, "{}\n{}", pushed.stdout, pushed.stderr);
        let v =
            ok(&["verify", "--log", &web.url, "--trust", s(&trust), "--state", s(&state), "--policy-file", s(&policy)]);
        let expected_new = if round == 0 { size } else { grow };
        assert!(v.contains(&format!("tree size {size} ({expected_new} records verified now)")), "{v}");
        assert!(v.contains("quorum met"), "{v}");
        for w in &ws[..2] {
            assert_eq!(held_size(w), size);
        }
    }
    // A full tile replaced the partial one of an earlier size.
    assert!(out.join("tile/0/000").exists() && !out.join("tile/0/000.p/200").exists());
    assert!(out.join("records/001").exists() && out.join("tile/entries/002.p/2").exists());
    // A fresh verifier over HTTP verifies every record, tile and bundle; so does one over the directory.
    let full = ok(&["verify", "--log", &web.url, "--trust", s(&trust)]);
    assert!(full.contains("(514 records verified now)"), "{full}");
    ok(&["verify", "--log", s(&out), "--trust", s(&trust), "--policy-file", s(&policy)]);
    // An inclusion proof from tiles alone, verified with no ledger.
    let proof = ok(&["prove", "--log", &web.url, "--trust", s(&trust), "--seq", "300"]);
    let proof_path = tmp.path().join("p.tlog-proof");
    std::fs::write(&proof_path, &proof).unwrap();
    let verified = ok(&["verify-proof", "--proof", s(&proof_path), "--vkey", &board.vkey()]);
    assert!(verified.contains("record seq 300"), "{verified}");
    // It is the proof the ledger gives against the same checkpoint.
    let cp = tmp.path().join("cp");
    std::fs::copy(out.join("checkpoint"), &cp).unwrap();
    assert_eq!(proof, ok(&["prove", "--ledger", s(&board.ledger), "--seq", "300", "--checkpoint", s(&cp)]));
    // audit --log reads the log like the file.
    let via_log = ok(&[
        "audit",
        "--log",
        &web.url,
        "--trust",
        s(&trust),
        "--policy",
        s(&common::shipped_pack_path()),
        "--format",
        "json",
    ]);
    let via_file = ok(&[
        "audit",
        "--ledger",
        s(&board.ledger),
        "--trust",
        s(&trust),
        "--policy",
        s(&common::shipped_pack_path()),
        "--format",
        "json",
    ]);
    let (a, b): (serde_json::Value, serde_json::Value) =
        (serde_json::from_str(&via_log).unwrap(), serde_json::from_str(&via_file).unwrap());
    assert_eq!(a["verification"], b["verification"]);
    assert_eq!(a["summary"], b["summary"]);
    // A tampered record bundle on the server is caught by a fresh verifier.
    let bundle = out.join("records/000");
    let original = std::fs::read(&bundle).unwrap();
    std::fs::write(&bundle, String::from_utf8(original.clone()).unwrap().replacen("r0-p5\"", "r0-p6\"", 1)).unwrap();
    let bad = run(&["verify", "--log", &web.url, "--trust", s(&trust)]);
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    std::fs::write(&bundle, original).unwrap();
    // Publishing a ledger that rewrote published history is refused.
    let rewritten = board.fork(400, 200, &tmp.path().join("rewritten"));
    let before = std::fs::read(out.join("checkpoint")).unwrap();
    let refused = run(&publish_args(&rewritten.ledger, &board.key, &out));
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("rewrote published history"), "{}", refused.stderr);
    assert_eq!(std::fs::read(out.join("checkpoint")).unwrap(), before);
    // And one shorter than the published log would roll it back.
    let shorter = board.fork(500, 0, &tmp.path().join("shorter"));
    let refused = run(&publish_args(&shorter.ledger, &board.key, &out));
    assert_eq!(refused.code, 1, "{}", refused.stderr);
}

#[test]
fn a_split_view_is_refused_by_witnesses_and_reported_by_verifiers() {
    let tmp = tempfile::tempdir().unwrap();
    let mut board = Board::new(tmp.path(), "ledger");
    board.grow(10, "a");
    // The fork: the same first 10 records, then a different 11th, signed by the same operator.
    let fork = board.fork(10, 1, &tmp.path().join("f"));
    let logs = tmp.path().join("logs.txt");
    std::fs::write(&logs, format!("{}\n", board.vkey())).unwrap();
    let ws: Vec<Witness> = (1..=3).map(|n| witness(tmp.path(), n, &logs, "127.0.0.1:0")).collect();
    let refs: Vec<&Witness> = ws.iter().collect();
    let policy = policy(tmp.path(), &board.vkey(), &refs);
    let (honest_dir, fork_dir) = (tmp.path().join("honest"), tmp.path().join("forked"));
    board.publish(&honest_dir);
    fork.publish(&fork_dir);
    // W1 and W2 see the honest view; the fork of the same size is refused by both, and W3 alone is
    // not a quorum, so the forked checkpoint cannot be published as witnessed.
    assert_eq!(push(&honest_dir, &refs[..2], &policy).code, 0);
    let forked = push(&fork_dir, &refs, &policy);
    assert_eq!(forked.code, 1, "{}\n{}", forked.stdout, forked.stderr);
    assert!(forked.stderr.contains(&ws[0].url) && forked.stderr.contains(&ws[1].url), "{}", forked.stderr);
    assert!(forked.stderr.contains("HTTP 422"), "{}", forked.stderr);
    assert!(
        held(&ws[0]).unwrap().contains(
            &std::fs::read_to_string(honest_dir.join("checkpoint")).unwrap().lines().nth(2).unwrap().to_owned()
        )
    );
    // A verifier that trusted the honest view and is then shown the fork reports the split view,
    // and keeps both signed checkpoints as evidence.
    let state = tmp.path().join("state");
    ok(&["verify", "--log", s(&honest_dir), "--trust", s(&board.public), "--state", s(&state)]);
    let split = run(&["verify", "--log", s(&fork_dir), "--trust", s(&board.public), "--state", s(&state)]);
    assert_eq!(split.code, 1, "{}", split.stderr);
    assert!(split.stderr.contains("split view"), "{}", split.stderr);
    let evidence = std::fs::read_to_string(state.join("split-view-11.txt")).unwrap();
    assert_eq!(evidence.matches("\n11\n").count(), 2, "{evidence}");
}

#[test]
fn a_witness_killed_during_pushes_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut board = Board::new(tmp.path(), "ledger");
    let logs = tmp.path().join("logs.txt");
    std::fs::write(&logs, format!("{}\n", board.vkey())).unwrap();
    let out = tmp.path().join("log");
    let mut w = witness(tmp.path(), 1, &logs, "127.0.0.1:0");
    let only_w1 = format!("log {}\nwitness W1 {}\nquorum W1\n", board.vkey(), w.vkey);
    let policy = tmp.path().join("one.txt");
    std::fs::write(&policy, only_w1).unwrap();
    let mut acknowledged = 0;
    for round in 0..6u64 {
        board.grow(37, &format!("k{round}"));
        board.publish(&out);
        let size: u64 =
            std::fs::read_to_string(out.join("checkpoint")).unwrap().lines().nth(1).unwrap().parse().unwrap();
        // Push from a thread and kill the witness with SIGKILL at a different moment each round.
        let (dir, url, p) = (out.clone(), w.url.clone(), policy.clone());
        let pusher = std::thread::spawn(move || {
            Command::new(env!("CARGO_BIN_EXE_fairboard"))
                .args(["witness", "push", "--log", s(&dir), "--witness", &url, "--policy-file", s(&p)])
                .output()
                .unwrap()
        });
        std::thread::sleep(std::time::Duration::from_millis(round * 7));
        w.child.kill().unwrap();
        w.child.wait().unwrap();
        let pushed = pusher.join().unwrap();
        if pushed.status.success() {
            acknowledged = size;
        }
        w = witness(tmp.path(), 1, &logs, "127.0.0.1:0");
        // Nothing acknowledged was lost, and the witness never went back.
        let now = held_size(&w);
        assert!(now >= acknowledged, "round {round}: holds {now}, acknowledged {acknowledged}");
        // After the restart it carries on from what it holds.
        let again = push(&out, &[&w], &policy);
        assert_eq!(again.code, 0, "{}", again.stderr);
        acknowledged = size;
        assert_eq!(held_size(&w), size);
    }
    // A fork of the held size is still refused after all the restarts.
    let fork = board.fork(6 * 37, 1, &tmp.path().join("f"));
    let fork_dir = tmp.path().join("forked");
    fork.publish(&fork_dir);
    assert_eq!(push(&fork_dir, &[&w], &policy).code, 1);
}

#[test]
fn hostile_requests_get_4xx_and_change_no_state() {
    let tmp = tempfile::tempdir().unwrap();
    let mut board = Board::new(tmp.path(), "ledger");
    board.grow(20, "h");
    let logs = tmp.path().join("logs.txt");
    std::fs::write(&logs, format!("# the board\nlog {}\n", board.vkey())).unwrap();
    let w = witness(tmp.path(), 1, &logs, "127.0.0.1:0");
    let out = tmp.path().join("log");
    board.publish(&out);
    ok(&["witness", "push", "--log", s(&out), "--witness", &w.url]);
    let before = held(&w).unwrap();
    let note = std::fs::read_to_string(out.join("checkpoint")).unwrap();
    let log_only: String = note.lines().take(5).map(|l| format!("{l}\n")).collect();
    let post = |body: Vec<u8>| {
        let mut r = agent().post(&format!("{}/add-checkpoint", w.url)).send(&body[..]).unwrap();
        let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
        (r.status().as_u16(), ct, r.body_mut().read_to_string().unwrap())
    };
    // Over the limit: 413 before the body is read.
    assert_eq!(post(vec![b'x'; 1_300_000]).0, 413);
    // Malformed bodies and notes: 400.
    assert_eq!(post(b"garbage".to_vec()).0, 400);
    assert_eq!(post(format!("old 0\n\n{}", log_only.replace("\n21\n", "\n021\n")).into_bytes()).0, 400);
    assert_eq!(post(b"old 0\n\nnot a note\n".to_vec()).0, 400);
    assert_eq!(post(vec![0xff, 0xfe, b'\n']).0, 400);
    // Old size above the checkpoint's: 400.
    assert_eq!(post(format!("old 99\n\n{log_only}").into_bytes()).0, 400);
    // A stale old size: 409 with the held size as text/x.tlog.size.
    let (status, ct, body) = post(format!("old 3\n\n{log_only}").into_bytes());
    assert_eq!((status, ct.as_deref(), body.as_str()), (409, Some("text/x.tlog.size"), "21\n"));
    // An unknown origin: 404; a bad signature: 403.
    let other = Board::new(&tmp.path().join("o"), "other");
    let other_cp =
        ok(&["checkpoint", "--ledger", s(&other.ledger), "--key", s(&other.key), "--origin", "other.example/log"]);
    assert_eq!(post(format!("old 0\n\n{other_cp}").into_bytes()).0, 404);
    let mut forged = log_only.clone().into_bytes();
    let sig_at = forged.len() - 10;
    forged[sig_at] = if forged[sig_at] == b'A' { b'B' } else { b'A' };
    assert_eq!(post([b"old 21\n\n".to_vec(), forged].concat()).0, 403);
    // A bad proof: 422 (the note is a later checkpoint with a wrong proof).
    board.grow(5, "later");
    board.publish(&out);
    let later = std::fs::read_to_string(out.join("checkpoint")).unwrap();
    let junk = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n".repeat(3);
    assert_eq!(post(format!("old 21\n{junk}\n{later}").into_bytes()).0, 422);
    // Wrong method and unknown paths.
    let r = agent().get(&format!("{}/add-checkpoint", w.url)).call().unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let r = agent().get(&format!("{}/../../etc/passwd", w.url)).call().unwrap();
    assert_eq!(r.status().as_u16(), 404);
    // None of it changed what the witness holds.
    assert_eq!(held(&w).unwrap(), before);
    // `prove --consistency --witness-body` writes exactly the body a witness takes, and verify-proof
    // reads it against the older checkpoint.
    let (cp_old, cp_new) = (tmp.path().join("cp21"), tmp.path().join("cp26"));
    std::fs::write(&cp_old, &note).unwrap();
    std::fs::write(&cp_new, &later).unwrap();
    let body = ok(&[
        "prove",
        "--consistency",
        "--from",
        s(&cp_old),
        "--to",
        s(&cp_new),
        "--witness-body",
        "--ledger",
        s(&board.ledger),
    ]);
    assert!(body.starts_with("old 21\n"), "{body}");
    let body_path = tmp.path().join("body.txt");
    std::fs::write(&body_path, &body).unwrap();
    let checked = ok(&["verify-proof", "--proof", s(&body_path), "--vkey", &board.vkey(), "--old", s(&cp_old)]);
    assert!(checked.contains("at tree size 26"), "{checked}");
    assert_eq!(run(&["verify-proof", "--proof", s(&body_path), "--vkey", &board.vkey()]).code, 2);
    assert_eq!(run(&["verify-proof", "--proof", s(&body_path), "--vkey", &board.vkey(), "--old", s(&cp_new)]).code, 1);
    let (status, _, line) = post(body.into_bytes());
    assert_eq!(status, 200, "{line}");
    assert!(line.starts_with("\u{2014} w1.example "), "{line}");
    assert_eq!(held_size(&w), 26);
}

/// A publish killed at any moment leaves a directory whose checkpoint's files all exist: the log
/// still verifies (at the old size or the new one), and the next publish completes it.
#[test]
fn a_publish_killed_at_any_moment_leaves_a_readable_log() {
    let tmp = tempfile::tempdir().unwrap();
    let mut board = Board::new(tmp.path(), "ledger");
    let out = tmp.path().join("log");
    board.grow(300, "base");
    board.publish(&out);
    for round in 0..6u64 {
        board.grow(700, &format!("k{round}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_fairboard"))
            .args(publish_args(&board.ledger, &board.key, &out))
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5 + round * 15));
        let _ = child.kill();
        let _ = child.wait();
        let v = run(&["verify", "--log", s(&out), "--trust", s(&board.public)]);
        assert_eq!(v.code, 0, "round {round}: {}\n{}", v.stdout, v.stderr);
    }
    board.publish(&out);
    let v = ok(&["verify", "--log", s(&out), "--trust", s(&board.public)]);
    assert!(v.contains("tree size 4501 "), "{v}");
}
