//! Transparency: the ledger as an RFC 6962 Merkle tree, signed checkpoints, and offline proofs.
//!
//! The leaves of the tree are the records' 32-byte hashes, in seq order (leaf hash =
//! SHA-256(0x00 ‖ record hash), interior node = SHA-256(0x01 ‖ left ‖ right)). On top of that tree:
//!
//! - [`rfc6962`]: the hash functions, the tree head, and the generation and verification of inclusion and
//!   consistency proofs, written after RFC 6962 §2.1 and RFC 9162 §2.1.3–2.1.4;
//! - [`tree`]: [`Tree`], which stores every complete subtree after one O(n) pass and answers any proof in
//!   O(log n), and [`CompactRange`], which computes a root in O(log n) memory while streaming;
//! - [`checkpoint`]: C2SP `tlog-checkpoint` bodies inside C2SP signed notes with Ed25519 signatures, and
//!   the C2SP verifier key string that names the log's key;
//! - [`proof`]: the self-contained proof files — a C2SP `tlog-proof` carrying the record line for inclusion,
//!   and a consistency proof between two checkpoints — that verify with no ledger present;
//! - [`tiles`]: C2SP `tlog-tiles`, the tree as static 256-hash tiles and entry bundles, and proofs from them;
//! - [`cosignature`]: C2SP `tlog-cosignature` v1 (Ed25519), a witness's timestamped signature line;
//! - [`witness`]: C2SP `tlog-witness` `add-checkpoint`: the request body and the witness's decision;
//! - [`quorum`]: C2SP `tlog-policy` files: trusted logs, witnesses, k-of-n groups and the quorum.
//!
//! `docs/transparency.md` specifies every format and what each proof does and does not guarantee.

// This code reads bytes from anyone: a bad index must be an error, not a panic.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

pub mod checkpoint;
pub mod cosignature;
pub mod proof;
pub mod quorum;
pub mod rfc6962;
pub mod tiles;
pub mod tree;
pub mod witness;

pub use checkpoint::{Checkpoint, CheckpointError, NoteSigner, NoteVerifier, SignedNote};
pub use proof::{ConsistencyProof, InclusionProof, Proof, ProofError};
pub use rfc6962::{Hash, MerkleError, hash_children, hash_leaf};
pub use tree::{CompactRange, Tree};

/// Decodes the lowercase (or uppercase) hex of a 32-byte hash, as record `hash` fields hold it.
pub fn decode_hash_hex(hex: &str) -> Option<Hash> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, &[hi, lo]) in out.iter_mut().zip(bytes.as_chunks::<2>().0) {
        let hi = (hi as char).to_digit(16)?;
        let lo = (lo as char).to_digit(16)?;
        *byte = (hi * 16 + lo) as u8;
    }
    Some(out)
}

/// The tree leaf of a record: [`hash_leaf`] over the 32 raw bytes of its hex `hash` field.
pub fn record_leaf(record_hash_hex: &str) -> Option<Hash> {
    decode_hash_hex(record_hash_hex).map(|raw| hash_leaf(&raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_hex_round_trips_and_rejects_bad_input() {
        let h = hash_leaf(b"x");
        assert_eq!(decode_hash_hex(&crate::primitives::crypto::hex(&h)), Some(h));
        assert_eq!(decode_hash_hex("00"), None);
        assert_eq!(decode_hash_hex(&"g".repeat(64)), None);
        assert_eq!(decode_hash_hex(&"é".repeat(32)), None);
    }
}
