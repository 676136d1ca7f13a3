//! A C2SP tlog-witness: [`db`] keeps what it cosigned in SQLite, [`server`] answers
//! `add-checkpoint` over HTTP, and [`push`] is the operator's side that collects cosignatures.
//!
//! The decision itself is [`crate::merkle::witness::judge`] (pure, in the core); this module only
//! reads and writes the row it judges against, in one transaction, and speaks HTTP.

pub mod db;
pub mod push;
pub mod server;

use crate::merkle::NoteVerifier;

/// Why the witness or a push failed outside the protocol's own refusals.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    /// The database failed.
    #[error("witness database {path}: {source}")]
    Db {
        /// The database file.
        path: String,
        /// The error.
        source: rusqlite::Error,
    },
    /// A configuration file is malformed.
    #[error("{0}")]
    Config(String),
    /// The server could not start.
    #[error("listen on {addr}: {reason}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        reason: String,
    },
    /// Reading or writing the published log failed.
    #[error(transparent)]
    Tlog(#[from] crate::tlog::TlogError),
    /// Too few witnesses cosigned.
    #[error("{0}")]
    Push(String),
}

/// Reads the witness's list of logs: one log per line, `log <vkey> [<url>]` as in a tlog-policy
/// file, or the bare vkey; blank lines and `#` comments are ignored.
pub fn parse_logs(text: &str) -> Result<Vec<NoteVerifier>, WitnessError> {
    let mut out: Vec<NoteVerifier> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let items: Vec<&str> = line.split([' ', '\t']).filter(|s| !s.is_empty()).collect();
        let vkey = match items.as_slice() {
            [] => continue,
            [first, ..] if first.starts_with('#') => continue,
            ["log", vkey] | ["log", vkey, _] | [vkey] => *vkey,
            _ => return Err(WitnessError::Config(format!("line {}: expected `log <vkey> [<url>]`", i + 1))),
        };
        let v = NoteVerifier::from_vkey(vkey).map_err(|e| WitnessError::Config(format!("line {}: {e}", i + 1)))?;
        if out.iter().any(|o| o.name() == v.name()) {
            return Err(WitnessError::Config(format!("line {}: a second key for origin `{}`", i + 1, v.name())));
        }
        out.push(v);
    }
    if out.is_empty() {
        return Err(WitnessError::Config("no logs listed".into()));
    }
    Ok(out)
}
