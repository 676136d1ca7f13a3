//! The witness's state in SQLite: one row per log origin with the size, root and note of the latest
//! checkpoint it cosigned, and the signed checkpoints it refused (evidence of a misbehaving log).
//!
//! Each request is one `BEGIN IMMEDIATE` transaction: read the row, judge, write the row, commit, and
//! only then answer. SQLite holds the write lock for the whole transaction, so two requests for one
//! origin are serialised (no rollback race); WAL with `synchronous = FULL` makes a commit durable
//! before the cosignature leaves, so a crash or a kill can lose only requests that were never answered.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params};

use super::WitnessError;
use crate::merkle::NoteVerifier;
use crate::merkle::cosignature::Cosigner;
use crate::merkle::witness::{AddCheckpoint, Held, Refusal, judge};

/// The database, one connection shared by the server's workers.
#[derive(Debug)]
pub struct WitnessDb {
    path: String,
    conn: Mutex<Connection>,
}

impl WitnessDb {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, WitnessError> {
        let name = path.display().to_string();
        let err = |source| WitnessError::Db { path: name.clone(), source };
        let conn = Connection::open(path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(err)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS logs (
                 origin TEXT PRIMARY KEY,
                 size INTEGER NOT NULL CHECK (size >= 0),
                 root BLOB NOT NULL CHECK (length(root) = 32),
                 note TEXT NOT NULL,
                 updated INTEGER NOT NULL
             );
             CREATE TABLE IF NOT EXISTS refused (
                 id INTEGER PRIMARY KEY,
                 origin TEXT NOT NULL,
                 received INTEGER NOT NULL,
                 status INTEGER NOT NULL,
                 reason TEXT NOT NULL,
                 note TEXT NOT NULL
             );",
        )
        .map_err(err)?;
        Ok(Self { path: name, conn: Mutex::new(conn) })
    }

    fn err(&self, source: rusqlite::Error) -> WitnessError {
        WitnessError::Db { path: self.path.clone(), source }
    }

    /// What the witness holds for `origin`.
    pub fn held(&self, origin: &str) -> Result<Option<(Held, String)>, WitnessError> {
        let conn = self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        read_row(&conn, origin).map_err(|e| self.err(e))
    }

    /// Judges `req` against the stored row and, if accepted, stores the new checkpoint and returns the
    /// cosignature line (with its newline), all in one transaction. A refused checkpoint that the log
    /// signed validly is recorded as evidence.
    pub fn add_checkpoint(
        &self,
        req: &AddCheckpoint,
        logs: &[NoteVerifier],
        cosigner: &Cosigner,
        now: u64,
    ) -> Result<Result<String, Refusal>, WitnessError> {
        let mut conn = self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.err(e))?;
        let mut read_error = None;
        let verdict = judge(
            req,
            |origin| logs.iter().find(|l| l.name() == origin).cloned(),
            |origin| match read_row(&tx, origin) {
                Ok(row) => row.map_or(Held::NONE, |(h, _)| h),
                Err(e) => {
                    read_error = Some(e);
                    Held::NONE
                }
            },
        );
        if let Some(e) = read_error {
            return Err(self.err(e));
        }
        let answer = match verdict {
            Ok(accepted) => {
                let line = cosigner.cosign(&accepted.note.text, now);
                let mut note = accepted.note.clone();
                note.signatures.retain(|s| !(s.name == line.name && s.key_id == line.key_id));
                note.signatures.push(line.clone());
                let size = i64::try_from(accepted.checkpoint.size)
                    .map_err(|_| self.err(rusqlite::Error::IntegralValueOutOfRange(1, i64::MAX)))?;
                tx.execute(
                    "INSERT INTO logs (origin, size, root, note, updated) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(origin) DO UPDATE SET size = ?2, root = ?3, note = ?4, updated = ?5",
                    params![
                        accepted.checkpoint.origin,
                        size,
                        accepted.checkpoint.root.as_slice(),
                        note.to_text(),
                        now as i64
                    ],
                )
                .map_err(|e| self.err(e))?;
                Ok(format!("{}\n", line.to_line()))
            }
            Err(refusal) => {
                if refusal.signed_by_log() {
                    let origin = crate::merkle::Checkpoint::parse_unverified(&req.note)
                        .map(|(c, _)| c.origin)
                        .unwrap_or_default();
                    tx.execute(
                        "INSERT INTO refused (origin, received, status, reason, note) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![origin, now as i64, refusal.status(), refusal.to_string(), req.note],
                    )
                    .map_err(|e| self.err(e))?;
                }
                Err(refusal)
            }
        };
        tx.commit().map_err(|e| self.err(e))?;
        Ok(answer)
    }

    /// The number of refused, validly signed checkpoints recorded for `origin`.
    pub fn refused(&self, origin: &str) -> Result<u64, WitnessError> {
        let conn = self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        conn.query_row("SELECT count(*) FROM refused WHERE origin = ?1", [origin], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }
}

/// The row of `origin`: what is held and the cosigned note.
fn read_row(conn: &Connection, origin: &str) -> Result<Option<(Held, String)>, rusqlite::Error> {
    conn.query_row("SELECT size, root, note FROM logs WHERE origin = ?1", [origin], |r| {
        let size: i64 = r.get(0)?;
        let root: Vec<u8> = r.get(1)?;
        let note: String = r.get(2)?;
        Ok((size, root, note))
    })
    .optional()?
    .map(|(size, root, note)| {
        let root: [u8; 32] = root
            .try_into()
            .map_err(|_| rusqlite::Error::InvalidColumnType(1, "root".into(), rusqlite::types::Type::Blob))?;
        Ok((Held { size: size as u64, root }, note))
    })
    .transpose()
}
