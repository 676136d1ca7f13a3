//! The ledger: an append-only JSON Lines file of signed, hash-chained records.
//!
//! - [`record`]: one record, its hash input and signature;
//! - [`authority`]: which keys may sign which events at each point;
//! - [`verify`]: the streaming verifier (with `envelope`, its fast typed reading of well-formed lines);
//! - [`recover`]: removing the torn tail a killed append can leave;
//! - this module: creating a ledger and appending to it under an exclusive lock, all or nothing.

pub mod authority;
mod envelope;
pub mod record;
pub mod recover;
pub mod verify;

use std::fs::{File, OpenOptions};
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use serde_json::json;

use crate::canonical::CanonicalError;
use crate::crypto;
use crate::input::InputEvent;
use crate::schema::{SchemaError, Violation};
pub use authority::{AuthError, Authority, Role};
pub use record::{Record, RecordBody};
pub use recover::{RecoverError, Recovery, recover};
pub use verify::{Defect, DefectKind, Head, VerifyError, verify_stream};

/// Failures of ledger operations.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The ledger file could not be opened, read, written or synced.
    #[error("{path}: {source}")]
    Io {
        /// The ledger file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// `init` refuses to overwrite.
    #[error("{0}: already exists; refusing to overwrite a ledger")]
    Exists(PathBuf),
    /// The existing ledger does not verify, so nothing may be appended to it.
    #[error("{path}: {source}")]
    Invalid {
        /// The ledger file.
        path: PathBuf,
        /// What verification found.
        source: VerifyError,
    },
    /// A candidate event may not be signed by the given key.
    #[error("{file}:{line}: refused: {source}")]
    Unauthorized {
        /// The events input.
        file: String,
        /// Line of the refused event.
        line: u64,
        /// Why.
        source: AuthError,
    },
    /// A candidate event breaks its schema (callers of the library that skipped [`crate::input`]).
    #[error("{file}:{line}: event at {violation}")]
    InvalidEvent {
        /// The events input.
        file: String,
        /// Line of the event.
        line: u64,
        /// Where and what.
        violation: crate::schema::Violation,
    },
    /// A candidate `ledger_opened` after seq 0.
    #[error("{file}:{line}: refused: `ledger_opened` may only appear at seq 0 (use `fairboard init`)")]
    ReOpen {
        /// The events input.
        file: String,
        /// Line of the refused event.
        line: u64,
    },
    /// A candidate event would make a record line longer than verification accepts.
    #[error("{file}:{line}: event makes a record of {bytes} bytes; a ledger line may hold at most {max} bytes")]
    RecordTooLong {
        /// The events input.
        file: String,
        /// Line of the event.
        line: u64,
        /// Length of the signed record line.
        bytes: usize,
        /// [`verify::MAX_RECORD_BYTES`].
        max: usize,
    },
    /// `--time` is earlier than the last record's time.
    #[error("{path}: --time {given} is earlier than the last record's time {head}")]
    TimeBackwards {
        /// The ledger file.
        path: PathBuf,
        /// The requested time.
        given: String,
        /// The ledger's last time.
        head: String,
    },
    /// The `ledger_opened` event `init` would sign breaks its schema (an over-long leaderboard name, a
    /// control character in it), so the ledger would not verify.
    #[error("{path}: cannot open a ledger: `ledger_opened` event at {violation}")]
    InvalidOpening {
        /// The ledger file (not created).
        path: PathBuf,
        /// Where and what.
        violation: Violation,
    },
    /// The embedded schemas are broken (a bug).
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// An event has no canonical form (cannot happen for schema-valid events).
    #[error(transparent)]
    Canonical(#[from] CanonicalError),
}

impl LedgerError {
    /// True when the failure is a defect or refusal (exit 1) rather than bad usage or I/O (exit 2).
    pub fn is_refusal(&self) -> bool {
        match self {
            Self::Invalid { source, .. } => matches!(source, VerifyError::Defect(_)),
            Self::Unauthorized { .. } | Self::ReOpen { .. } => true,
            _ => false,
        }
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> LedgerError + '_ {
    move |source| LedgerError::Io { path: path.to_path_buf(), source }
}

/// A new record's seq and hash, as `append` reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The record's seq.
    pub seq: u64,
    /// The record's hash.
    pub hash: String,
}

/// Creates a ledger at `path` holding only seq 0 (`ledger_opened`), signed by `operator`.
pub fn init(
    path: &Path,
    operator: &SigningKey,
    leaderboard: &str,
    time: DateTime<Utc>,
) -> Result<Appended, LedgerError> {
    let public = operator.verifying_key();
    let body = RecordBody {
        seq: 0,
        time: crate::time::format(time),
        prev: record::GENESIS_PREV.to_owned(),
        signer: crypto::key_id(&public),
        event: json!({"type": "ledger_opened", "leaderboard": leaderboard, "operator_key": crypto::public_key_b64(&public)}),
    };
    crate::schema::schemas()?
        .validate_event(&body.event)
        .map_err(|violation| LedgerError::InvalidOpening { path: path.to_path_buf(), violation })?;
    let (record, line) = body.sign(operator)?;
    let mut file = OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            LedgerError::Exists(path.to_path_buf())
        } else {
            io_err(path)(e)
        }
    })?;
    file.write_all(format!("{line}\n").as_bytes()).map_err(io_err(path))?;
    file.sync_all().map_err(io_err(path))?;
    sync_parent_dir(path);
    Ok(Appended { seq: 0, hash: record.hash })
}

/// Best effort: makes a newly created file's directory entry durable.
pub(crate) fn sync_parent_dir(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// A ledger opened for appending: exclusively locked and verified up to its head.
pub struct LockedLedger {
    path: PathBuf,
    file: File,
    len: u64,
    head: Head,
}

impl LockedLedger {
    /// Opens `path`, takes an exclusive lock (waiting for other appenders), and verifies the whole file,
    /// calling `on_record` for each record. A ledger that does not verify cannot be appended to.
    pub fn open(path: &Path, on_record: impl FnMut(&Record) + Send) -> Result<Self, LedgerError> {
        let file = OpenOptions::new().read(true).append(true).open(path).map_err(io_err(path))?;
        file.lock().map_err(io_err(path))?;
        let head = verify_stream(BufReader::with_capacity(1 << 20, &file), None, on_record)
            .map_err(|source| LedgerError::Invalid { path: path.to_path_buf(), source })?;
        let len = file.metadata().map_err(io_err(path))?.len();
        Ok(Self { path: path.to_path_buf(), file, len, head })
    }

    /// The verified head.
    pub fn head(&self) -> &Head {
        &self.head
    }

    /// Signs `events` as the next records, checking every one as `verify` would, without writing.
    /// `file` names the events' input in error messages.
    pub fn prepare(
        &self,
        key: &SigningKey,
        file: &str,
        events: &[InputEvent],
        time: Option<DateTime<Utc>>,
    ) -> Result<Vec<(Record, String)>, LedgerError> {
        let time = match time {
            Some(t) if t < self.head.time => {
                return Err(LedgerError::TimeBackwards {
                    path: self.path.clone(),
                    given: crate::time::format(t),
                    head: crate::time::format(self.head.time),
                });
            }
            Some(t) => t,
            None => crate::time::now().max(self.head.time),
        };
        let time = crate::time::format(time);
        let signer = crypto::key_id(&key.verifying_key());
        let schemas = crate::schema::schemas()
            .map_err(|e| LedgerError::Invalid { path: self.path.clone(), source: VerifyError::Schema(e) })?;
        let mut authority = self.head.authority.clone();
        let mut prev = self.head.hash.clone();
        let mut out = Vec::with_capacity(events.len());
        for (i, input) in events.iter().enumerate() {
            let seq = self.head.records + i as u64;
            let refuse = |source| LedgerError::Unauthorized { file: file.to_owned(), line: input.line, source };
            schemas.validate_event(&input.event).map_err(|violation| LedgerError::InvalidEvent {
                file: file.to_owned(),
                line: input.line,
                violation,
            })?;
            if input.event.get("type").and_then(|t| t.as_str()) == Some("ledger_opened") {
                return Err(LedgerError::ReOpen { file: file.to_owned(), line: input.line });
            }
            authority.authorize(&signer, &input.event).map_err(refuse)?;
            authority.apply(seq, &input.event).map_err(refuse)?;
            let body = RecordBody { seq, time: time.clone(), prev, signer: signer.clone(), event: input.event.clone() };
            let (record, line) = body.sign(key)?;
            if line.len() > verify::MAX_RECORD_BYTES {
                return Err(LedgerError::RecordTooLong {
                    file: file.to_owned(),
                    line: input.line,
                    bytes: line.len(),
                    max: verify::MAX_RECORD_BYTES,
                });
            }
            prev = record.hash.clone();
            out.push((record, line));
        }
        Ok(out)
    }

    /// Writes prepared records in one write and syncs them to disk. On a failed write the file is cut
    /// back to its previous length, so it is either extended by every record or left as it was.
    pub fn commit(mut self, prepared: &[(Record, String)]) -> Result<Vec<Appended>, LedgerError> {
        let mut buf = Vec::new();
        for (_, line) in prepared {
            buf.extend_from_slice(line.as_bytes());
            buf.push(b'\n');
        }
        let written = self.file.write_all(&buf).and_then(|()| self.file.sync_data());
        if let Err(e) = written {
            let _ = self.file.set_len(self.len);
            let _ = self.file.sync_data();
            return Err(io_err(&self.path)(e));
        }
        Ok(prepared.iter().map(|(r, _)| Appended { seq: r.seq, hash: r.hash.clone() }).collect())
    }
}

/// Appends `events` signed by `key`: verify, check, sign, write, sync, all under the lock.
pub fn append(
    path: &Path,
    key: &SigningKey,
    file: &str,
    events: &[InputEvent],
    time: Option<DateTime<Utc>>,
) -> Result<Vec<Appended>, LedgerError> {
    let ledger = LockedLedger::open(path, |_| {})?;
    let prepared = ledger.prepare(key, file, events, time)?;
    ledger.commit(&prepared)
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;
    use serde_json::{Map, Value};

    use super::*;

    /// An event under the input limit whose signed line would exceed what verify accepts is refused
    /// (exit 2), and the ledger is left as it was: appending it would make a ledger that never verifies.
    #[test]
    fn an_event_making_an_overlong_record_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.jsonl");
        let op = SigningKey::from_bytes(&[1; 32]);
        let t0 = crate::time::parse("2025-01-01T00:00:00Z").unwrap();
        init(&path, &op, "t", t0).unwrap();
        let before = std::fs::read(&path).unwrap();
        let weights: Map<String, Value> =
            (0..verify::MAX_RECORD_BYTES / 20).map(|i| (format!("model-{i:012}"), Value::from(1))).collect();
        let event = json!({"type":"sampling_set","effective_from":"2025-01-01T00:00:00Z","weights":weights});
        let err = append(&path, &op, "big.jsonl", &[InputEvent { line: 1, event }], None).unwrap_err();
        assert!(matches!(err, LedgerError::RecordTooLong { line: 1, .. }), "{err}");
        assert!(!err.is_refusal(), "bad input, exit 2");
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }
}
