//! The file store: a ledger kept as a JSON Lines file, created once, appended to under an exclusive
//! lock with an fsync before success is reported, and recovered after a crash ([`recover`]).
//!
//! This is an adapter: the chain logic (what may be signed next) is [`crate::ledger::chain`], which
//! works in memory; this module adds the file, the lock, the sync and the wall clock.

pub mod keys;
pub mod packs;
pub mod policy_tests;
pub mod recover;

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;

use crate::facts::FactsBuilder;
use crate::ledger::chain::{Chain, ChainError, Signed};
use crate::ledger::input::{InputError, InputEvent, MAX_INPUT_BYTES, MAX_LINE_BYTES, parse_events};
use crate::ledger::{Head, VerifiedRecord, VerifyError, verify_stream};
use crate::policy::admission::{DigestMismatch, Introduced, check_adopted, introduced};
use crate::policy::host::{Meter, SharedMeter};
use crate::policy::{PolicyPack, Severity, evaluate};
pub use recover::{RecoverError, Recovery, recover};
use std::sync::Arc;

/// Failures of ledger file operations.
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
    /// The events cannot be the next records.
    #[error("{prefix}{source}", prefix = path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    Chain {
        /// The ledger file, for errors about the ledger rather than the events (a time before its head).
        path: Option<PathBuf>,
        /// Why (boxed: the largest of the store's errors).
        source: Box<ChainError>,
    },
}

impl LedgerError {
    /// True when the failure is a defect or refusal (exit 1) rather than bad usage or I/O (exit 2).
    pub fn is_refusal(&self) -> bool {
        match self {
            Self::Invalid { source, .. } => matches!(source, VerifyError::Defect(_)),
            Self::Chain { source, .. } => source.is_refusal(),
            _ => false,
        }
    }

    /// What to do about it, apart from the message.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { source: VerifyError::Defect(d), .. } => d.hint(),
            Self::Chain { source, .. } => source.hint(),
            _ => None,
        }
    }
}

impl From<ChainError> for LedgerError {
    fn from(source: ChainError) -> Self {
        Self::Chain { path: None, source: Box::new(source) }
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> LedgerError + '_ {
    move |source| LedgerError::Io { path: path.to_path_buf(), source }
}

/// A new record's seq and hash, as `append` reports them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Appended {
    /// The record's seq.
    pub seq: u64,
    /// The record's hash.
    pub hash: String,
}

/// The current time, truncated to milliseconds (the precision fairboard stamps records with). The
/// wall clock is read here, in the adapter, and nowhere below it.
pub fn now() -> DateTime<Utc> {
    let t = Utc::now();
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

/// Creates a ledger at `path` holding only seq 0 (`ledger_opened`), signed by `operator`.
pub fn init(
    path: &Path,
    operator: &SigningKey,
    leaderboard: &str,
    time: DateTime<Utc>,
) -> Result<Appended, LedgerError> {
    let (_, first) = Chain::open(operator, leaderboard, time)
        .map_err(|source| LedgerError::Chain { path: Some(path.to_path_buf()), source: Box::new(source) })?;
    let mut file = OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            LedgerError::Exists(path.to_path_buf())
        } else {
            io_err(path)(e)
        }
    })?;
    file.write_all(format!("{}\n", first.line).as_bytes()).map_err(io_err(path))?;
    file.sync_all().map_err(io_err(path))?;
    sync_parent_dir(path);
    Ok(Appended { seq: 0, hash: first.record.hash })
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
#[derive(Debug)]
pub struct LockedLedger {
    path: PathBuf,
    file: File,
    len: u64,
    chain: Chain,
}

impl LockedLedger {
    /// Opens `path`, takes an exclusive lock (waiting for other appenders), and verifies the whole file,
    /// calling `on_record` for each record. A ledger that does not verify cannot be appended to.
    pub fn open(path: &Path, on_record: impl FnMut(&VerifiedRecord) + Send) -> Result<Self, LedgerError> {
        let file = OpenOptions::new().read(true).append(true).open(path).map_err(io_err(path))?;
        file.lock().map_err(io_err(path))?;
        let head = verify_stream(BufReader::with_capacity(1 << 20, &file), None, on_record)
            .map_err(|source| LedgerError::Invalid { path: path.to_path_buf(), source })?;
        let len = file.metadata().map_err(io_err(path))?.len();
        Ok(Self { path: path.to_path_buf(), file, len, chain: Chain::from_head(head) })
    }

    /// The verified head.
    pub fn head(&self) -> &Head {
        self.chain.head()
    }

    /// Signs `events` as the next records, checking every one as `verify` would, without writing.
    /// `file` names the events' input in error messages; without `time` the records are stamped
    /// with the clock (never before the head's time).
    pub fn prepare(
        &self,
        key: &SigningKey,
        file: &str,
        events: &[InputEvent],
        time: Option<DateTime<Utc>>,
    ) -> Result<Vec<Signed>, LedgerError> {
        let time = time.unwrap_or_else(|| now().max(self.head().time));
        self.chain.prepare(key, file, events, Some(time)).map_err(|source| {
            let path = matches!(source, ChainError::TimeBackwards { .. }).then(|| self.path.clone());
            LedgerError::Chain { path, source: Box::new(source) }
        })
    }

    /// Writes prepared records in one write and syncs them to disk. On a failed write the file is cut
    /// back to its previous length, so it is either extended by every record or left as it was.
    pub fn commit(mut self, prepared: &[Signed]) -> Result<Vec<Appended>, LedgerError> {
        let mut buf = Vec::new();
        for s in prepared {
            buf.extend_from_slice(s.line.as_bytes());
            buf.push(b'\n');
        }
        let written = self.file.write_all(&buf).and_then(|()| self.file.sync_data());
        if let Err(e) = written {
            let _ = self.file.set_len(self.len);
            let _ = self.file.sync_data();
            return Err(io_err(&self.path)(e));
        }
        Ok(prepared.iter().map(|s| Appended { seq: s.record.seq, hash: s.record.hash.clone() }).collect())
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

/// Reads events from `path`, or from stdin when `path` is `-`, and validates each one.
pub fn read_events(path: &Path) -> Result<Vec<InputEvent>, InputError> {
    let (file, bytes) = read_source(path)?;
    parse_events(&file, &bytes)
}

/// Reads a whole input (a file, or stdin for `-`) up to [`MAX_INPUT_BYTES`], stopping at the first line
/// longer than [`MAX_LINE_BYTES`] (so a huge line costs at most that much memory).
pub fn read_source(path: &Path) -> Result<(String, Vec<u8>), InputError> {
    let file = if path == Path::new("-") { "<stdin>".to_owned() } else { path.display().to_string() };
    let io = |source| InputError::Io { file: file.clone(), source };
    let source: Box<dyn Read> = if path == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(path).map_err(io)?)
    };
    let mut reader = BufReader::with_capacity(1 << 16, source.take(MAX_INPUT_BYTES + 1));
    let mut bytes = Vec::new();
    let (mut line, mut line_len) = (1u64, 0usize);
    loop {
        let chunk = reader.fill_buf().map_err(io)?;
        if chunk.is_empty() {
            break;
        }
        let mut rest = chunk;
        while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
            if line_len + nl > MAX_LINE_BYTES {
                return Err(InputError::LineTooLong { file, line });
            }
            (line, line_len, rest) = (line + 1, 0, &rest[nl + 1..]);
        }
        line_len += rest.len();
        if line_len > MAX_LINE_BYTES {
            return Err(InputError::LineTooLong { file, line });
        }
        bytes.extend_from_slice(chunk);
        let n = chunk.len();
        reader.consume(n);
    }
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(InputError::TooLarge { file });
    }
    Ok((file, bytes))
}

/// Every allocation of the process, counted, so that the policy sandbox can stop a script before
/// the allocator itself fails (an allocation failure aborts a Rust process). `cap` wraps the system
/// allocator with one atomic counter; it sets no limit of its own.
#[global_allocator]
static ALLOCATOR: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

/// The system's monotonic clock and the process's allocation count, for the policy sandbox's
/// seconds and memory budgets.
#[derive(Debug, Clone, Copy)]
pub struct SystemMeter(std::time::Instant);

impl SystemMeter {
    /// A meter whose clock's origin is now.
    pub fn new() -> Self {
        Self(std::time::Instant::now())
    }

    /// The meter as the sandbox takes it.
    pub fn shared() -> SharedMeter {
        Arc::new(Self::new())
    }
}

impl Default for SystemMeter {
    fn default() -> Self {
        Self::new()
    }
}

impl Meter for SystemMeter {
    fn now(&self) -> std::time::Duration {
        self.0.elapsed()
    }

    fn allocated(&self) -> Option<usize> {
        Some(ALLOCATOR.allocated())
    }
}

/// Why an append under a policy did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AdmissionError {
    /// The ledger or the events failed as in a plain append.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A verified or candidate event does not read as facts (a bug).
    #[error(transparent)]
    Facts(#[from] crate::facts::FactsError),
    /// The pack is not the adopted one.
    #[error(transparent)]
    Mismatch(#[from] Box<DigestMismatch>),
    /// A candidate `waiver_granted` names a rule the pack does not have (bad input: it could never
    /// apply).
    #[error("{file}:{line}: at /rule: waiver_granted names rule `{rule}`, which pack `{pack}` does not have")]
    UnknownRule {
        /// The events file.
        file: String,
        /// The event's line in it.
        line: u64,
        /// The rule named.
        rule: String,
        /// The pack's name.
        pack: String,
    },
    /// The candidates would introduce deny findings (or make a deny rule fail).
    #[error("refused by policy: the events would introduce {} deny finding(s)", .0.findings.iter().filter(|f| f.severity == Severity::Deny).count())]
    Denied(Introduced),
}

/// A successful append under a policy.
#[derive(Debug, Clone)]
pub struct Admitted {
    /// The new records.
    pub appended: Vec<Appended>,
    /// Warn and info findings the events introduced (they do not block).
    pub introduced: Introduced,
}

/// The message of a refused append, as every front end gives it: the ledger, the pack, then one line
/// per finding (and per deny rule that could not run) the events would have introduced.
pub fn refusal(path: &Path, pack: &str, new: &Introduced) -> String {
    let mut lines: Vec<String> = new.findings.iter().map(fairboard_core::render::report::finding_line).collect();
    lines.extend(
        new.errors
            .iter()
            .map(|e| format!("{}  {}  could not be evaluated: {}", e.severity.as_str(), e.rule, e.message)),
    );
    format!("{}: refused by policy `{pack}`; nothing was appended:\n{}", path.display(), lines.join("\n"))
}

/// `append --policy`: verifies the ledger, signs the candidates, evaluates the pack without and with
/// them at their time, and writes them only if they introduce no deny finding. On refusal the file is
/// untouched.
pub fn append_with_policy(
    path: &Path,
    key: &SigningKey,
    file: &str,
    events: &[InputEvent],
    time: Option<DateTime<Utc>>,
    pack: &PolicyPack,
    allow_override: bool,
) -> Result<Admitted, AdmissionError> {
    let mut builder = FactsBuilder::new(None);
    let ledger = LockedLedger::open(path, |r| builder.push(r))?;
    let prepared = ledger.prepare(key, file, events, time)?;
    let first = ledger.head().records;
    let now = prepared.first().map_or(ledger.head().time.timestamp_millis(), |s| s.time.timestamp_millis());
    let before = builder.judged_at(now)?;
    for signed in &prepared {
        builder.push(&signed.verified());
    }
    let after = builder.judged_at(now)?;
    if !allow_override {
        check_adopted(pack, &after)?;
    }
    if let Some(w) = crate::policy::waiver::unknown_rule(pack, &after).find(|w| w.at.0 >= first) {
        let line = usize::try_from(w.at.0 - first).ok().and_then(|i| events.get(i)).map_or(0, |e| e.line);
        return Err(AdmissionError::UnknownRule {
            file: file.to_owned(),
            line,
            rule: w.rule.clone(),
            pack: pack.name.clone(),
        });
    }
    let renames = after.revealed.clone();
    let clock: SharedMeter = Arc::new(SystemMeter::new());
    let evaluate = |facts| evaluate(pack, Arc::new(facts), Some(&clock));
    let (before, after) = rayon::join(|| evaluate(before), || evaluate(after));
    let new = introduced(&before, &after, first, &renames);
    if new.denies() {
        return Err(AdmissionError::Denied(new));
    }
    let appended = ledger.commit(&prepared)?;
    Ok(Admitted { appended, introduced: new })
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;
    use serde_json::{Map, Value, json};

    use super::*;
    use crate::primitives::limits::MAX_RECORD_BYTES;

    /// An event under the input limit whose signed line would exceed what verify accepts is refused
    /// (exit 2), and the ledger is left as it was: appending it would make a ledger that never verifies.
    #[test]
    fn an_event_making_an_overlong_record_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.jsonl");
        let op = SigningKey::from_bytes(&[1; 32]);
        let t0 = crate::primitives::time::parse("2025-01-01T00:00:00Z").unwrap();
        init(&path, &op, "t", t0).unwrap();
        let before = std::fs::read(&path).unwrap();
        let weights: Map<String, Value> =
            (0..MAX_RECORD_BYTES / 20).map(|i| (format!("model-{i:012}"), Value::from(1))).collect();
        let event = json!({"type":"sampling_set","effective_from":"2025-01-01T00:00:00Z","weights":weights});
        let err = append(&path, &op, "big.jsonl", &[InputEvent { line: 1, event }], None).unwrap_err();
        assert!(
            matches!(&err, LedgerError::Chain { source, .. } if matches!(**source, ChainError::RecordTooLong { line: 1, .. })),
            "{err}"
        );
        assert!(!err.is_refusal(), "bad input, exit 2");
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }
}
