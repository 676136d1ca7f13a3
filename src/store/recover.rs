//! Recovery from a torn append: removing an incomplete final record, and nothing else.
//!
//! `append` writes whole lines and syncs them before it reports success, so a process killed mid-write
//! can leave at most one partial line at the end of the file (bytes after the last newline). Verify
//! rejects such a ledger with "incomplete final record" and `append` refuses to extend it. [`recover`]
//! takes the same exclusive lock as `append`, checks that every complete line verifies, keeps a backup
//! copy of the whole file, and cuts the file back to its last newline. Any other defect is left alone
//! and reported: recovery never touches a complete record.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::ledger::{Defect, DefectKind, Head, VerifyError, verify_stream};

/// Why recovery did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RecoverError {
    /// The ledger or the backup could not be read, written or synced.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The complete records before the torn tail do not verify: that is not a torn append, and
    /// recovery does not repair it.
    #[error("{path}: {source}; recover only removes an incomplete final record and leaves this ledger as it is")]
    Defective {
        /// The ledger file.
        path: PathBuf,
        /// The first defect among the complete records.
        source: VerifyError,
    },
}

impl RecoverError {
    /// True when the ledger itself is at fault (exit 1) rather than the file system (exit 2).
    pub fn is_defect(&self) -> bool {
        matches!(self, Self::Defective { source: VerifyError::Defect(_), .. })
    }
}

/// What [`recover`] did.
#[derive(Debug)]
pub enum Recovery {
    /// The file ends in a newline: nothing was changed. Carries the verified head.
    Intact(Head),
    /// A torn tail was cut off.
    Truncated {
        /// Bytes removed from the end of the file.
        removed_bytes: u64,
        /// The 1-based line the torn record was on.
        line: u64,
        /// Where the copy of the original file is.
        backup: PathBuf,
        /// The head after recovery, or `None` when no complete record was left (a torn `init`).
        head: Option<Head>,
    },
}

/// Removes an incomplete final record from the ledger at `path`, after copying the whole file to a
/// new backup file beside it (`<ledger>.torn-<UTC time>`). Refuses, changing nothing, when a
/// complete record does not verify.
pub fn recover(path: &Path) -> Result<Recovery, RecoverError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RecoverError::Io { path: path.clone(), source }
    };
    let mut file = OpenOptions::new().read(true).write(true).open(path).map_err(io(path))?;
    file.lock().map_err(io(path))?;
    let len = file.metadata().map_err(io(path))?.len();
    let keep = complete_prefix_len(&mut file, len).map_err(io(path))?;
    file.seek(SeekFrom::Start(0)).map_err(io(path))?;
    let verified = verify_stream(BufReader::with_capacity(1 << 20, (&file).take(keep)), None, |_| {});
    let head = match verified {
        Ok(head) => Some(head),
        Err(VerifyError::Defect(d)) if keep == 0 && d.kind == DefectKind::Empty => None,
        Err(source) => return Err(RecoverError::Defective { path: path.to_path_buf(), source }),
    };
    if keep == len {
        return match head {
            Some(head) => Ok(Recovery::Intact(head)),
            None => Err(RecoverError::Defective {
                path: path.to_path_buf(),
                source: VerifyError::Defect(Defect { line: 1, kind: DefectKind::Empty }),
            }),
        };
    }
    let backup = backup_copy(path, &mut file).map_err(io(path))?;
    file.set_len(keep).map_err(io(path))?;
    file.sync_all().map_err(io(path))?;
    let line = head.as_ref().map_or(1, |h| h.records + 1);
    Ok(Recovery::Truncated { removed_bytes: len - keep, line, backup, head })
}

/// Length of the file up to and including its last newline (0 if it has none).
fn complete_prefix_len(file: &mut File, len: u64) -> std::io::Result<u64> {
    const BLOCK: u64 = 64 * 1024;
    let mut end = len;
    let mut buf = vec![0u8; BLOCK as usize];
    while end > 0 {
        let start = end.saturating_sub(BLOCK);
        let chunk = &mut buf[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// Copies the whole (locked) file to a new file beside it and syncs the copy.
fn backup_copy(path: &Path, file: &mut File) -> std::io::Result<PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.9fZ");
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".torn-{stamp}"));
    let backup = PathBuf::from(name);
    let mut out = OpenOptions::new().write(true).create_new(true).open(&backup)?;
    file.seek(SeekFrom::Start(0))?;
    std::io::copy(file, &mut out)?;
    out.sync_all()?;
    super::sync_parent_dir(&backup);
    Ok(backup)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use ed25519_dalek::SigningKey;
    use serde_json::json;

    use super::*;
    use crate::ledger::input::InputEvent;

    fn ledger(dir: &Path, records: usize) -> PathBuf {
        let path = dir.join("ledger.jsonl");
        let op = SigningKey::from_bytes(&[1; 32]);
        let t0 = crate::primitives::time::parse("2025-01-01T00:00:00Z").unwrap();
        crate::store::init(&path, &op, "t", t0).unwrap();
        let events: Vec<InputEvent> = (1..records)
            .map(|i| InputEvent {
                line: i as u64,
                event: json!({"type":"private_test_started","model":format!("v{i}"),"provider":"acme"}),
            })
            .collect();
        if !events.is_empty() {
            crate::store::append(&path, &op, "events", &events, Some(t0)).unwrap();
        }
        path
    }

    #[test]
    fn an_intact_ledger_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = ledger(dir.path(), 5);
        let before = std::fs::read(&path).unwrap();
        assert!(matches!(recover(&path).unwrap(), Recovery::Intact(h) if h.records == 5));
        assert_eq!(std::fs::read(&path).unwrap(), before);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no backup for an intact ledger");
    }

    #[test]
    fn a_torn_tail_is_cut_and_backed_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = ledger(dir.path(), 5);
        let before = std::fs::read(&path).unwrap();
        let torn = b"{\"event\":{\"type\":\"private_te";
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(torn).unwrap();
        let Recovery::Truncated { removed_bytes, line, backup, head } = recover(&path).unwrap() else {
            panic!("expected a truncation")
        };
        assert_eq!((removed_bytes, line), (torn.len() as u64, 6));
        assert_eq!(head.unwrap().records, 5);
        assert_eq!(std::fs::read(&path).unwrap(), before);
        assert_eq!(std::fs::read(&backup).unwrap(), [before.as_slice(), torn].concat());
    }

    /// A tail longer than the 64 KiB scan block, with no newline at all in the last block.
    #[test]
    fn a_long_torn_tail_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = ledger(dir.path(), 3);
        let before = std::fs::read(&path).unwrap();
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(&vec![b'x'; 200_000]).unwrap();
        assert!(matches!(recover(&path).unwrap(), Recovery::Truncated { removed_bytes: 200_000, .. }));
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }

    #[test]
    fn a_defective_complete_record_is_never_touched() {
        let dir = tempfile::tempdir().unwrap();
        let path = ledger(dir.path(), 4);
        let text = std::fs::read_to_string(&path).unwrap().replacen("\"v2\"", "\"v9\"", 1) + "{\"torn";
        std::fs::write(&path, &text).unwrap();
        let err = recover(&path).unwrap_err();
        assert!(err.is_defect(), "{err}");
        assert!(err.to_string().contains("line 3"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no backup when refusing");
    }

    #[test]
    fn a_torn_init_leaves_an_empty_file_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.jsonl");
        std::fs::write(&path, b"{\"event\":{\"leader").unwrap();
        let Recovery::Truncated { line, head, .. } = recover(&path).unwrap() else { panic!("expected a truncation") };
        assert_eq!(line, 1);
        assert!(head.is_none());
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    }
}
