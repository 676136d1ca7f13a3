//! A verifier's stored state of one log: the last checkpoint it trusted, the verified head (key
//! authority included) and the right edge of the tree, so the next run verifies only new records.
//!
//! One JSON file per origin, `<state dir>/<hex SHA-256 of the origin>.json`, written crash-safely.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{TlogError, write_atomic};
use crate::ledger::Head;
use crate::merkle::CompactRange;

/// What a verifier keeps of one log.
#[derive(Debug, Clone)]
pub struct LogState {
    /// The checkpoint note it verified last, verbatim.
    pub checkpoint: String,
    /// The head after the checkpoint's last record.
    pub head: Head,
    /// The tree's right edge at the checkpoint's size.
    pub range: CompactRange,
}

/// The state file of `origin` in `dir`.
pub fn path(dir: &Path, origin: &str) -> PathBuf {
    dir.join(format!("{}.json", crate::primitives::crypto::hex(&Sha256::digest(origin.as_bytes()))))
}

/// Reads the stored state of `origin`, if any.
pub fn load(dir: &Path, origin: &str) -> Result<Option<LogState>, TlogError> {
    let file = path(dir, origin);
    let bytes = match std::fs::read(&file) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(TlogError::io(file, e)),
    };
    let bad = |m: String| TlogError::Usage(format!("{}: not a verifier state file: {m}", file.display()));
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    let checkpoint = v.get("checkpoint").and_then(Value::as_str).ok_or_else(|| bad("no checkpoint".into()))?;
    let head = Head::from_state(v.get("head").unwrap_or(&Value::Null)).map_err(bad)?;
    let peaks = v
        .get("peaks")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no peaks".into()))?
        .iter()
        .map(|p| p.as_str().and_then(|s| B64.decode(s).ok()).and_then(|b| <[u8; 32]>::try_from(b).ok()))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| bad("a peak is not base64 of 32 bytes".into()))?;
    let range = CompactRange::from_peaks(head.records, peaks).ok_or_else(|| bad("peaks do not fit the size".into()))?;
    Ok(Some(LogState { checkpoint: checkpoint.to_owned(), head, range }))
}

/// Stores `state` for `origin`.
pub fn save(dir: &Path, origin: &str, state: &LogState) -> Result<PathBuf, TlogError> {
    let file = path(dir, origin);
    let peaks: Vec<String> = state.range.peaks().iter().map(|p| B64.encode(p)).collect();
    let v = json!({"origin": origin, "checkpoint": state.checkpoint, "head": state.head.to_state(), "peaks": peaks});
    write_atomic(&file, format!("{v}\n").as_bytes())?;
    Ok(file)
}
