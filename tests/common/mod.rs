//! Helpers shared by the integration tests: the fixture builder of `fairboard-testkit` (keys, signed
//! ledgers in memory, tampering, vectors), plus what only the command-line tests need: the real binary
//! and key files.
#![allow(
    dead_code,
    unused_imports,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly on what they did not expect; each test binary uses part of this"
)]

use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
pub use fairboard_testkit::*;

/// The real `fairboard` binary.
pub fn fairboard() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("fairboard").unwrap()
}

/// Writes `dir/name.key` and `dir/name.pub` for `key` and returns the prefix.
pub fn write_key(dir: &Path, name: &str, key: &SigningKey) -> PathBuf {
    let prefix = dir.join(name);
    fairboard::store::keys::write_keypair(key, &prefix).unwrap();
    prefix
}

/// The shipped pack's file.
pub fn shipped_pack_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies/leaderboard-illusion.yaml")
}

/// `examples/NAME` at a tenth of its volume, written into `dir` (the debug build stays quick; the
/// outcome of the rules does not depend on volume, but for inactivity thresholds).
pub fn reduced_scenario(name: &str, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name)).unwrap();
    let text = text.replace("battles_per_day: 8000", "battles_per_day: 800");
    assert!(text.contains("battles_per_day: 800"), "the scenario's volume knob moved");
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `fairboard check --format json --plan PLAN` of `ledger` under the shipped pack: the report and
/// the exit code.
pub fn check_plan(ledger: &Path, plan: &Path) -> (serde_json::Value, Option<i32>) {
    let out = fairboard()
        .args(["check", "--format", "json", "--ledger"])
        .arg(ledger)
        .arg("--policy")
        .arg(shipped_pack_path())
        .arg("--plan")
        .arg(plan)
        .output()
        .unwrap();
    (serde_json::from_slice(&out.stdout).unwrap(), out.status.code())
}

/// `prefix` + `.ext`.
pub fn with_ext(prefix: &Path, ext: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// What a run of the real binary printed, and its exit code (-1 if killed by a signal).
#[derive(Debug)]
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `fairboard ARGS` and collects what it printed.
pub fn run_bin(args: &[&str]) -> Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fairboard")).args(args).output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Runs `fairboard ARGS`, which must exit 0, and returns its stdout.
pub fn ok(args: &[&str]) -> String {
    let r = run_bin(args);
    assert_eq!(r.code, 0, "fairboard {args:?}\nstdout: {}\nstderr: {}", r.stdout, r.stderr);
    r.stdout
}

/// A path as a `&str` argument.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}
