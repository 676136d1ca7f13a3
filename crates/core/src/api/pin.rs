//! Checkpoint pinning: a signed checkpoint that a ledger must match or extend (`verify
//! --checkpoint`, `audit --checkpoint`).

use ed25519_dalek::VerifyingKey;
use serde::Serialize;

use crate::ledger::Record;
use crate::merkle::checkpoint::CheckpointError;
use crate::merkle::{Checkpoint, CompactRange, NoteVerifier, record_leaf};
use crate::primitives::crypto;
use crate::primitives::limits::MAX_NOTE_BYTES;

/// Why a checkpoint could not pin a ledger.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    /// The text is not a signed checkpoint (bad input).
    #[error("not a signed checkpoint: {0}")]
    Malformed(String),
    /// The checkpoint is not signed by the trusted key under its own origin (a failed verification).
    #[error("not signed by operator key {key_id} under the name `{origin}`: {reason}")]
    NotSigned {
        /// The trusted key's id.
        key_id: String,
        /// The checkpoint's origin.
        origin: String,
        /// What the note verifier said.
        reason: String,
    },
    /// The ledger holds fewer records than the checkpoint.
    #[error("ledger has {records} records, fewer than the {size} of the checkpoint: truncated below the checkpoint")]
    Truncated {
        /// Records in the ledger.
        records: u64,
        /// The checkpoint's tree size.
        size: u64,
    },
    /// The ledger's first records do not hash to the checkpoint's root.
    #[error("the first {size} records do not hash to the root of the checkpoint: history was rewritten or forked")]
    Rewritten {
        /// The checkpoint's tree size.
        size: u64,
    },
}

impl PinError {
    /// True when the checkpoint or the ledger failed verification (exit 1), false for bad input.
    pub fn is_verification(&self) -> bool {
        !matches!(self, Self::Malformed(_))
    }
}

/// What a successful pin found, for reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PinnedCheckpoint {
    /// The checkpoint's origin.
    pub origin: String,
    /// Its tree size.
    pub size: u64,
    /// Its root, lowercase hex.
    pub root: String,
    /// Whether the ledger is exactly the checkpointed tree (`false`: it extends it).
    pub matches: bool,
}

impl PinnedCheckpoint {
    /// One line for people.
    pub fn describe(&self) -> String {
        let how = if self.matches { "matches" } else { "extends" };
        format!("checkpoint: ledger {how} {} at tree size {} (root {})", self.origin, self.size, self.root)
    }
}

/// Parses the note `text` and verifies its signature under `trust`, with the checkpoint's origin as
/// key name.
pub fn open_checkpoint(text: &str, trust: &VerifyingKey) -> Result<Checkpoint, PinError> {
    if text.len() > MAX_NOTE_BYTES {
        return Err(PinError::Malformed(format!("larger than {MAX_NOTE_BYTES} bytes")));
    }
    let malformed = |e: CheckpointError| PinError::Malformed(e.to_string());
    let (parsed, _) = Checkpoint::parse_unverified(text).map_err(malformed)?;
    let verifier = NoteVerifier::new(&parsed.origin, *trust).map_err(malformed)?;
    Checkpoint::open(text, &verifier).map_err(|e| PinError::NotSigned {
        key_id: crypto::key_id(trust),
        origin: parsed.origin.clone(),
        reason: e.to_string(),
    })
}

/// A checkpoint being matched against a ledger as it is verified.
#[derive(Debug)]
pub struct CheckpointPin {
    checkpoint: Checkpoint,
    range: CompactRange,
    bad_leaf: bool,
}

impl CheckpointPin {
    /// Parses the note `text` and verifies its signature under `trust`, with the checkpoint's origin
    /// as key name.
    pub fn new(text: &str, trust: &VerifyingKey) -> Result<Self, PinError> {
        Ok(Self { checkpoint: open_checkpoint(text, trust)?, range: CompactRange::new(), bad_leaf: false })
    }

    /// Feeds one verified record, in order.
    pub fn observe(&mut self, record: &Record) {
        if self.range.size() < self.checkpoint.size {
            match record_leaf(&record.hash) {
                Some(h) => self.range.push(h),
                None => self.bad_leaf = true,
            }
        }
    }

    /// After the whole ledger verified with `records` records: the ledger must hold at least the
    /// checkpoint's records and their tree head must be its root.
    pub fn finish(&self, records: u64) -> Result<PinnedCheckpoint, PinError> {
        let cp = &self.checkpoint;
        if records < cp.size {
            return Err(PinError::Truncated { records, size: cp.size });
        }
        if self.bad_leaf || self.range.size() != cp.size || self.range.root() != cp.root {
            return Err(PinError::Rewritten { size: cp.size });
        }
        Ok(PinnedCheckpoint {
            origin: cp.origin.clone(),
            size: cp.size,
            root: crypto::hex(&cp.root),
            matches: records == cp.size,
        })
    }
}
