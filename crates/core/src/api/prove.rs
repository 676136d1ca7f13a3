//! Making the transparency artefacts of a ledger: a signed checkpoint of its tree head, a proof that
//! one record is in a checkpointed ledger, a proof that a later checkpoint extends an earlier one.
//! Every proof is checked under the ledger's own key before it is returned (`verify_proof` is the
//! other side).

use std::io::BufRead;

use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::Serialize;

use super::ApiError;
use super::pin::{PinError, open_checkpoint};
use crate::ledger::{Head, VerifiedRecord, verify_stream};
use crate::merkle::checkpoint::check_key_name;
use crate::merkle::{
    Checkpoint, CompactRange, ConsistencyProof, InclusionProof, NoteSigner, NoteVerifier, Proof, Tree, record_leaf,
};
use crate::primitives::canonical::to_canonical_string;

/// Which of two checkpoints an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Which {
    /// The only checkpoint (inclusion), or the earlier one (consistency).
    Old,
    /// The later checkpoint of a consistency proof.
    New,
}

/// Why a checkpoint or proof could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProveError {
    /// The origin cannot be a note key name.
    #[error("origin `{origin}`: {reason}")]
    Origin {
        /// The origin given.
        origin: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// A checkpoint does not pin the ledger (or is not one).
    #[error("{error}")]
    Checkpoint {
        /// Which checkpoint.
        which: Which,
        /// What is wrong with it.
        error: PinError,
    },
    /// A verified record's hash is not 64 hex digits (it cannot be a Merkle leaf).
    #[error("seq {seq}: the record hash is not 64 hex digits")]
    BadLeaf {
        /// The record.
        seq: u64,
    },
    /// The record asked for is not in the checkpointed tree.
    #[error("record {seq} is not covered by the checkpoint (tree size {size})")]
    NotCovered {
        /// The record asked for.
        seq: u64,
        /// The checkpoint's tree size.
        size: u64,
    },
    /// The two checkpoints are of different logs.
    #[error("the checkpoints are of two logs, `{old}` and `{new}`: one log's checkpoints are needed")]
    DifferentLogs {
        /// The earlier checkpoint's origin.
        old: String,
        /// The later checkpoint's origin.
        new: String,
    },
    /// The earlier checkpoint is the larger.
    #[error("the earlier checkpoint has tree size {old} but the later only {new}")]
    Order {
        /// The earlier checkpoint's size.
        old: u64,
        /// The later checkpoint's size.
        new: u64,
    },
    /// The proof made does not verify (a bug).
    #[error("internal error: the proof made does not verify: {0}")]
    SelfCheck(String),
}

impl ProveError {
    /// True for a failed verification (of the ledger, a checkpoint or the proof made), false for bad
    /// input.
    pub fn is_verification(&self) -> bool {
        match self {
            Self::Checkpoint { error, .. } => error.is_verification(),
            Self::BadLeaf { .. } | Self::SelfCheck(_) => true,
            Self::Origin { .. } | Self::NotCovered { .. } | Self::DifferentLogs { .. } | Self::Order { .. } => false,
        }
    }

    /// The checkpoint the error is about, if it is about one.
    pub fn which(&self) -> Option<Which> {
        match self {
            Self::Checkpoint { which, .. } => Some(*which),
            _ => None,
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::NotCovered { .. } => Some("make a newer checkpoint, then prove against it"),
            Self::Order { .. } => Some("give the older checkpoint first"),
            Self::Checkpoint { error: PinError::Rewritten { .. }, .. } => {
                Some("the ledger is not the one the checkpoint signed: keep both as evidence of a split view")
            }
            _ => None,
        }
    }
}

/// Signs a checkpoint of `ledger`'s tree head as `origin` with the operator key `key`, which must be
/// the key the ledger's seq 0 declares (a ledger it did not open is refused). Returns the note's text.
pub fn checkpoint(ledger: impl BufRead + Send, key: &SigningKey, origin: &str) -> Result<String, ApiError> {
    let origin_error = |reason: String| ProveError::Origin { origin: origin.to_owned(), reason };
    check_key_name(origin).map_err(|e| origin_error(e.to_string()))?;
    let mut range = CompactRange::new();
    let mut bad_leaf = None;
    let head = verify_stream(ledger, Some(&key.verifying_key()), |r| match record_leaf(&r.hash) {
        Some(h) => range.push(h),
        None => bad_leaf = bad_leaf.or(Some(r.seq)),
    })?;
    if let Some(seq) = bad_leaf {
        return Err(ProveError::BadLeaf { seq }.into());
    }
    let signer = NoteSigner::new(origin, key.clone()).map_err(|e| origin_error(e.to_string()))?;
    let note =
        Checkpoint::new(origin, head.records, range.root()).sign(&signer).map_err(|e| origin_error(e.to_string()))?;
    Ok(note.to_text())
}

/// Proves that record `seq` of `ledger` is in the tree the signed checkpoint `checkpoint` (its text)
/// commits to. The checkpoint must be signed by the ledger's operator key and match the ledger's first
/// records.
pub fn prove_inclusion(ledger: impl BufRead + Send, seq: u64, checkpoint: &str) -> Result<InclusionProof, ApiError> {
    let proving = Proving::load(ledger, Some(seq))?;
    let cp = proving.matched(checkpoint, Which::Old)?;
    if seq >= cp.size {
        return Err(ProveError::NotCovered { seq, size: cp.size }.into());
    }
    let path = proving.tree.inclusion_proof(seq, cp.size).map_err(|e| ProveError::SelfCheck(e.to_string()))?;
    let record_line = proving.line.ok_or(ProveError::NotCovered { seq, size: cp.size })??;
    let proof = InclusionProof { record_line, index: seq, path, checkpoint: checkpoint.to_owned() };
    let proof = self_check(Proof::Inclusion(proof), &cp.origin, &proving.head.operator)?;
    match proof {
        Proof::Inclusion(p) => Ok(p),
        Proof::Consistency(_) => Err(ProveError::SelfCheck("wrong kind of proof".into()).into()),
    }
}

/// Proves that the tree of the later signed checkpoint `new` extends the tree of the earlier `old`
/// (both texts), both checkpoints of `ledger`.
pub fn prove_consistency(ledger: impl BufRead + Send, old: &str, new: &str) -> Result<ConsistencyProof, ApiError> {
    let proving = Proving::load(ledger, None)?;
    let old_cp = proving.matched(old, Which::Old)?;
    let new_cp = proving.matched(new, Which::New)?;
    if old_cp.origin != new_cp.origin {
        return Err(ProveError::DifferentLogs { old: old_cp.origin, new: new_cp.origin }.into());
    }
    if old_cp.size > new_cp.size {
        return Err(ProveError::Order { old: old_cp.size, new: new_cp.size }.into());
    }
    let path =
        proving.tree.consistency_proof(old_cp.size, new_cp.size).map_err(|e| ProveError::SelfCheck(e.to_string()))?;
    let proof = ConsistencyProof { path, old: old.to_owned(), new: new.to_owned() };
    match self_check(Proof::Consistency(proof), &old_cp.origin, &proving.head.operator)? {
        Proof::Consistency(p) => Ok(p),
        Proof::Inclusion(_) => Err(ProveError::SelfCheck("wrong kind of proof".into()).into()),
    }
}

/// A ledger verified and held as a Merkle tree.
struct Proving {
    head: Head,
    tree: Tree,
    /// The canonical line of the record asked for, if it was read (or why it could not be written).
    line: Option<Result<String, ProveError>>,
}

impl Proving {
    /// Verifies `ledger` under the key its seq 0 declares and builds its tree, keeping the line of
    /// record `want`.
    fn load(ledger: impl BufRead + Send, want: Option<u64>) -> Result<Self, ApiError> {
        let mut tree = Tree::new();
        let mut line = None;
        let mut bad_leaf = None;
        let head = verify_stream(ledger, None, |r: &VerifiedRecord| {
            match record_leaf(&r.hash) {
                Some(h) => tree.push(h),
                None => bad_leaf = bad_leaf.or(Some(r.seq)),
            }
            if Some(r.seq) == want {
                let canonical = serde_json::to_value(r.record())
                    .map_err(|e| e.to_string())
                    .and_then(|v| to_canonical_string(&v).map_err(|e| e.to_string()));
                line = Some(canonical.map_err(|e| ProveError::SelfCheck(format!("seq {}: {e}", r.seq))));
            }
        })?;
        if let Some(seq) = bad_leaf {
            return Err(ProveError::BadLeaf { seq }.into());
        }
        Ok(Self { head, tree, line })
    }

    /// The checkpoint `text`, verified under the ledger's operator key and matched against the
    /// ledger's first records.
    fn matched(&self, text: &str, which: Which) -> Result<Checkpoint, ProveError> {
        let pin = |error| ProveError::Checkpoint { which, error };
        let cp = open_checkpoint(text, &self.head.operator).map_err(pin)?;
        let root = self
            .tree
            .root_at(cp.size)
            .map_err(|_| pin(PinError::Truncated { records: self.head.records, size: cp.size }))?;
        if root != cp.root {
            return Err(pin(PinError::Rewritten { size: cp.size }));
        }
        Ok(cp)
    }
}

/// Verifies a freshly made proof under the ledger's own key before it is handed out.
fn self_check(proof: Proof, origin: &str, key: &VerifyingKey) -> Result<Proof, ProveError> {
    let verifier = NoteVerifier::new(origin, *key).map_err(|e| ProveError::SelfCheck(e.to_string()))?;
    proof.verify(&verifier).map_err(|e| ProveError::SelfCheck(e.to_string()))?;
    Ok(proof)
}
