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

/// `prefix` + `.ext`.
pub fn with_ext(prefix: &Path, ext: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}
