//! The ledger as a C2SP tlog-tiles log on disk or on the web: [`publish`] writes one, [`source`]
//! reads files from a directory or over HTTP(S), [`read`] verifies a log from its tiles (in full, or
//! from a stored [`state`]) and builds inclusion proofs from tiles alone.
//!
//! Layout under the log's prefix (`docs/transparency.md` §Tiles):
//!
//! ```text
//! checkpoint                      the signed checkpoint (log signature, then witness cosignatures)
//! tile/<L>/<N>[.p/<W>]            hash tiles (C2SP tlog-tiles)
//! tile/entries/<N>[.p/<W>]        entry bundles: each entry the record's 32-byte hash (the leaf data)
//! records/<N>[.p/<W>]             the same W records' ledger lines, each ending in a newline
//! ```

pub mod publish;
pub mod read;
pub mod source;
pub mod state;

use std::path::PathBuf;

use crate::merkle::CheckpointError;
use crate::merkle::quorum::QuorumError;
use crate::merkle::tiles::TileError;

/// Why publishing, reading or verifying a tiled log failed.
#[derive(Debug, thiserror::Error)]
pub enum TlogError {
    /// A local file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A remote resource could not be fetched.
    #[error("{url}: {reason}")]
    Fetch {
        /// The URL or path.
        url: String,
        /// What happened.
        reason: String,
    },
    /// A resource the log must serve is missing.
    #[error("{0}: not found (the log must serve it)")]
    Missing(String),
    /// The ledger does not verify (the line is the ledger's, or the record's seq + 1 in a log).
    #[error("{what}: {source}")]
    Ledger {
        /// The ledger file or log URL.
        what: String,
        /// The defect.
        source: crate::ledger::VerifyError,
    },
    /// The checkpoint is malformed or not signed by the trusted key.
    #[error("{what}: {source}")]
    Checkpoint {
        /// Where it came from.
        what: String,
        /// Why.
        source: CheckpointError,
    },
    /// A tile or bundle is malformed.
    #[error(transparent)]
    Tile(#[from] TileError),
    /// The checkpoint does not meet the verifier's tlog-policy.
    #[error("{what}: {source}")]
    Quorum {
        /// Where the checkpoint came from.
        what: String,
        /// Why.
        source: QuorumError,
    },
    /// What the log serves disagrees with itself or with what was verified before.
    #[error("{0}")]
    Inconsistent(String),
    /// The log signed two different trees of the same size: a split view. Both notes are kept.
    #[error(
        "split view: {origin} signed two different trees of size {size} (the stored one has root {held}, the fetched one {fetched})"
    )]
    SplitView {
        /// The log.
        origin: String,
        /// The size.
        size: u64,
        /// The root the verifier held (base64).
        held: String,
        /// The root fetched now (base64).
        fetched: String,
        /// Where both notes were written.
        evidence: Option<PathBuf>,
    },
    /// Bad usage or input (exit 2).
    #[error("{0}")]
    Usage(String),
}

impl TlogError {
    /// Whether this is a failed verification (exit 1) rather than unreadable input (exit 2).
    pub fn is_verification(&self) -> bool {
        match self {
            Self::Io { .. } | Self::Fetch { .. } | Self::Usage(_) => false,
            Self::Ledger { source, .. } => matches!(source, crate::ledger::VerifyError::Defect(_)),
            _ => true,
        }
    }

    /// The I/O error on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}

/// Writes `bytes` to `path` crash-safely: a temporary file beside it, flushed to disk, then renamed
/// over `path` (readers see the old file or the new one, never a part).
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> Result<(), TlogError> {
    use std::io::Write as _;
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| TlogError::io(dir, e))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut file = std::fs::File::create(&tmp).map_err(|e| TlogError::io(&tmp, e))?;
    file.write_all(bytes).map_err(|e| TlogError::io(&tmp, e))?;
    file.sync_all().map_err(|e| TlogError::io(&tmp, e))?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(|e| TlogError::io(path, e))
}
