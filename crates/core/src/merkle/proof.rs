//! Self-contained proof files that verify with no ledger present.
//!
//! An **inclusion proof** is a C2SP `tlog-proof` (`c2sp.org/tlog-proof@v1`) whose `extra` line carries
//! the record line itself (base64 of its exact bytes, without the newline):
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64 of the record line>
//! index <seq>
//! <base64 hash>            (the RFC 6962 audit path, leaf's sibling first; zero or more lines)
//!
//! <signed checkpoint, verbatim>
//! ```
//!
//! The verifier recomputes the record's hash from the line (domain line ‖ RFC 8785 form of the record
//! without `hash` and `sig`), so the `extra` data is never trusted: a changed byte changes the leaf.
//!
//! A **consistency proof** has no C2SP format yet; fairboard's follows the same layout:
//!
//! ```text
//! fairboard/tlog-consistency-proof@v1
//! <base64 hash>            (RFC 6962 PROOF(old size, new tree); zero or more lines)
//!
//! <old signed checkpoint, verbatim>
//!
//! <new signed checkpoint, verbatim>
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::checkpoint::{Checkpoint, CheckpointError, NoteVerifier, SIGNATURE_PREFIX};
use super::rfc6962::{Hash, MerkleError, hash_leaf, verify_consistency, verify_inclusion};
use crate::ledger::Record;
use crate::ledger::record::hash_input;
use crate::primitives::canonical::to_canonical_string;
use crate::primitives::crypto;

/// First line of an inclusion proof (C2SP tlog-proof).
pub const INCLUSION_HEADER: &str = "c2sp.org/tlog-proof@v1";
/// First line of a consistency proof.
pub const CONSISTENCY_HEADER: &str = "fairboard/tlog-consistency-proof@v1";
use super::witness::AddCheckpoint;
pub use crate::primitives::limits::{MAX_PROOF_BYTES, MAX_PROOF_HASHES};

/// Why a proof file is malformed or does not verify.
#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    /// The first line is neither proof header.
    #[error("not a proof: the first line must be `{INCLUSION_HEADER}` or `{CONSISTENCY_HEADER}`")]
    NotAProof,
    /// The file is larger than [`MAX_PROOF_BYTES`].
    #[error("proof is larger than {MAX_PROOF_BYTES} bytes")]
    TooLarge,
    /// A line of the proof is malformed.
    #[error("proof line {line}: {reason}")]
    Malformed {
        /// 1-based line of the proof file.
        line: usize,
        /// What was expected.
        reason: String,
    },
    /// A checkpoint inside the proof is malformed or not signed by the verifier's key.
    #[error("{which}: {source}")]
    Checkpoint {
        /// Which checkpoint (`checkpoint`, `old checkpoint`, `new checkpoint`).
        which: &'static str,
        /// What is wrong with it.
        source: CheckpointError,
    },
    /// The record line is not a well-formed ledger record with a correct hash.
    #[error("record: {0}")]
    Record(String),
    /// The record's seq is not the proof's index.
    #[error("record has seq {seq} but the proof is for index {index}")]
    IndexMismatch {
        /// The proof's index.
        index: u64,
        /// The record's seq.
        seq: u64,
    },
    /// The two checkpoints of a consistency proof name different logs.
    #[error("old checkpoint is for `{old}`, new checkpoint for `{new}`")]
    OriginMismatch {
        /// The old origin.
        old: String,
        /// The new origin.
        new: String,
    },
    /// The Merkle proof does not verify.
    #[error(transparent)]
    Merkle(#[from] MerkleError),
}

/// What a verified inclusion proof establishes.
#[derive(Debug, Clone)]
pub struct VerifiedInclusion {
    /// The record, as it is in the checkpointed ledger.
    pub record: Record,
    /// The checkpoint it is included in.
    pub checkpoint: Checkpoint,
}

/// What a verified consistency proof establishes.
#[derive(Debug, Clone)]
pub struct VerifiedConsistency {
    /// The earlier checkpoint.
    pub old: Checkpoint,
    /// The later checkpoint, whose tree extends the earlier one.
    pub new: Checkpoint,
}

/// A proof that one record is in a checkpointed ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    /// The record's line in the ledger, without its newline.
    pub record_line: String,
    /// The record's seq: its leaf index.
    pub index: u64,
    /// The audit path, leaf's sibling first.
    pub path: Vec<Hash>,
    /// The signed checkpoint note, verbatim.
    pub checkpoint: String,
}

/// A proof that a later checkpoint's ledger extends an earlier one's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsistencyProof {
    /// RFC 6962 PROOF(old size, new tree).
    pub path: Vec<Hash>,
    /// The earlier signed checkpoint, verbatim.
    pub old: String,
    /// The later signed checkpoint, verbatim.
    pub new: String,
}

/// Either kind of proof file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    /// An inclusion proof.
    Inclusion(InclusionProof),
    /// A consistency proof.
    Consistency(ConsistencyProof),
}

/// The verdict of [`Proof::verify`].
#[derive(Debug, Clone)]
pub enum Verified {
    /// A verified inclusion proof.
    Inclusion(VerifiedInclusion),
    /// A verified consistency proof.
    Consistency(VerifiedConsistency),
}

impl Proof {
    /// Parses a proof file of either kind, told apart by its first line.
    pub fn parse(bytes: &[u8]) -> Result<Self, ProofError> {
        let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
        let is_inclusion = first == INCLUSION_HEADER.as_bytes();
        if !is_inclusion && first != CONSISTENCY_HEADER.as_bytes() {
            return Err(ProofError::NotAProof);
        }
        if bytes.len() > MAX_PROOF_BYTES {
            return Err(ProofError::TooLarge);
        }
        let text = std::str::from_utf8(bytes).map_err(|e| ProofError::Malformed {
            line: crate::ledger::input::line_of(bytes, e.valid_up_to()) as usize,
            reason: "not valid UTF-8".into(),
        })?;
        if is_inclusion {
            InclusionProof::parse(text).map(Self::Inclusion)
        } else {
            ConsistencyProof::parse(text).map(Self::Consistency)
        }
    }

    /// Verifies the proof under the log's verifier key.
    pub fn verify(&self, verifier: &NoteVerifier) -> Result<Verified, ProofError> {
        match self {
            Self::Inclusion(p) => p.verify(verifier).map(Verified::Inclusion),
            Self::Consistency(p) => p.verify(verifier).map(Verified::Consistency),
        }
    }
}

fn malformed(line: usize, reason: impl Into<String>) -> ProofError {
    ProofError::Malformed { line, reason: reason.into() }
}

/// Reads hash lines from `lines` (numbered from `first_line`) up to and including a blank line.
fn read_hashes<'a>(lines: &mut impl Iterator<Item = (usize, &'a str)>) -> Result<(Vec<Hash>, usize), ProofError> {
    let mut path = Vec::new();
    for (n, line) in lines.by_ref() {
        if line.is_empty() {
            return Ok((path, n));
        }
        if path.len() == MAX_PROOF_HASHES {
            return Err(malformed(n, format!("more than {MAX_PROOF_HASHES} hashes")));
        }
        let hash: Hash = B64
            .decode(line)
            .ok()
            .and_then(|h| h.try_into().ok())
            .ok_or_else(|| malformed(n, "expected a hash: standard base64 of 32 bytes"))?;
        path.push(hash);
    }
    Err(malformed(0, "no blank line before the checkpoint"))
}

fn encode_path(out: &mut String, path: &[Hash]) {
    for h in path {
        out.push_str(&B64.encode(h));
        out.push('\n');
    }
}

/// Splits the text after a proof's hashes into `count` signed notes separated by blank lines. A
/// checkpoint's text has no blank lines, so each note is: text lines, a blank line, signature lines.
fn split_notes(rest: &str, first_line: usize, count: usize) -> Result<Vec<String>, ProofError> {
    let mut notes = Vec::with_capacity(count);
    let mut lines = rest.split_inclusive('\n').enumerate().peekable();
    for k in 0..count {
        let mut note = String::new();
        let mut in_sigs = false;
        let mut sigs = 0;
        let mut last_line = first_line;
        while let Some((i, line)) = lines.peek().copied() {
            last_line = first_line + i;
            let bare = line.trim_end_matches('\n');
            if !in_sigs {
                note.push_str(line);
                in_sigs = bare.is_empty();
                lines.next();
                continue;
            }
            if bare.starts_with(SIGNATURE_PREFIX) {
                note.push_str(line);
                sigs += 1;
                lines.next();
                continue;
            }
            if bare.is_empty() && k + 1 < count {
                lines.next();
                break;
            }
            return Err(malformed(first_line + i, "expected a signature line `— NAME SIGNATURE` or a blank line"));
        }
        if sigs == 0 {
            return Err(malformed(last_line, format!("checkpoint {} has no signature lines", k + 1)));
        }
        notes.push(note);
    }
    if let Some((i, _)) = lines.next() {
        return Err(malformed(first_line + i, "unexpected text after the last checkpoint"));
    }
    Ok(notes)
}

impl InclusionProof {
    /// The proof file's text.
    pub fn to_text(&self) -> String {
        let mut out = format!("{INCLUSION_HEADER}\nextra {}\nindex {}\n", B64.encode(&self.record_line), self.index);
        encode_path(&mut out, &self.path);
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    /// Parses an inclusion proof file.
    pub fn parse(text: &str) -> Result<Self, ProofError> {
        let mut lines = text.split('\n').enumerate().map(|(i, l)| (i + 1, l));
        if lines.next().map(|(_, l)| l) != Some(INCLUSION_HEADER) {
            return Err(ProofError::NotAProof);
        }
        let (n, extra) = lines.next().ok_or_else(|| malformed(2, "missing `extra` line"))?;
        let record = extra
            .strip_prefix("extra ")
            .ok_or_else(|| malformed(n, "expected `extra BASE64`: fairboard proofs carry the record line"))?;
        let record = B64.decode(record).map_err(|_| malformed(n, "extra data is not standard base64"))?;
        let record_line = String::from_utf8(record).map_err(|_| malformed(n, "the record line is not UTF-8"))?;
        let (n, index) = lines.next().ok_or_else(|| malformed(3, "missing `index` line"))?;
        let index = index
            .strip_prefix("index ")
            .filter(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()) && (*i == "0" || !i.starts_with('0')))
            .and_then(|i| i.parse::<u64>().ok())
            .ok_or_else(|| malformed(n, "expected `index N` with N a decimal number without leading zeros"))?;
        let (path, blank) = read_hashes(&mut lines)?;
        let checkpoint: Vec<&str> = lines.map(|(_, l)| l).collect();
        let checkpoint = checkpoint.join("\n");
        split_notes(&checkpoint, blank + 1, 1)?;
        Ok(Self { record_line, index, path, checkpoint })
    }

    /// Verifies the checkpoint's signature under `verifier`, recomputes the record's hash from its line,
    /// and checks the audit path from that leaf to the checkpoint's root.
    pub fn verify(&self, verifier: &NoteVerifier) -> Result<VerifiedInclusion, ProofError> {
        let checkpoint = Checkpoint::open(&self.checkpoint, verifier)
            .map_err(|source| ProofError::Checkpoint { which: "checkpoint", source })?;
        let (record, raw_hash) = parse_record_line(&self.record_line)?;
        if record.seq != self.index {
            return Err(ProofError::IndexMismatch { index: self.index, seq: record.seq });
        }
        verify_inclusion(self.index, checkpoint.size, &hash_leaf(&raw_hash), &self.path, &checkpoint.root)?;
        Ok(VerifiedInclusion { record, checkpoint })
    }
}

/// Checks that `line` is one ledger record in its canonical form and that its `hash` field is the hash
/// of its content; returns the record and the raw hash (the Merkle leaf's entry).
pub fn parse_record_line(line: &str) -> Result<(Record, [u8; 32]), ProofError> {
    let bad = |m: String| ProofError::Record(m);
    let value: Value = serde_json::from_str(line).map_err(|e| bad(format!("malformed JSON: {e}")))?;
    let canonical = to_canonical_string(&value).map_err(|e| bad(e.to_string()))?;
    if canonical != line {
        return Err(bad("the line is not the RFC 8785 canonical form of the record".into()));
    }
    crate::ledger::schema::schemas()
        .map_err(|e| bad(e.to_string()))?
        .validate_record(&value)
        .map_err(|v| bad(format!("does not match schemas/record.json at {v}")))?;
    let digest: [u8; 32] = Sha256::digest(hash_input(&value).map_err(|e| bad(e.to_string()))?).into();
    let record: Record = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
    let computed = crypto::hex(&digest);
    if computed != record.hash {
        return Err(bad(format!("hash mismatch: recomputed {computed}, record says {}", record.hash)));
    }
    Ok((record, digest))
}

impl ConsistencyProof {
    /// The proof file's text.
    pub fn to_text(&self) -> String {
        let mut out = format!("{CONSISTENCY_HEADER}\n");
        encode_path(&mut out, &self.path);
        out.push('\n');
        out.push_str(&self.old);
        out.push('\n');
        out.push_str(&self.new);
        out
    }

    /// Parses a consistency proof file.
    pub fn parse(text: &str) -> Result<Self, ProofError> {
        let mut lines = text.split('\n').enumerate().map(|(i, l)| (i + 1, l));
        if lines.next().map(|(_, l)| l) != Some(CONSISTENCY_HEADER) {
            return Err(ProofError::NotAProof);
        }
        let (path, blank) = read_hashes(&mut lines)?;
        let rest: Vec<&str> = lines.map(|(_, l)| l).collect();
        let notes = split_notes(&rest.join("\n"), blank + 1, 2)?;
        let [old, new] = <[String; 2]>::try_from(notes).map_err(|_| malformed(blank, "expected two checkpoints"))?;
        Ok(Self { path, old, new })
    }

    /// The proof in the C2SP tlog-witness `add-checkpoint` body layout: `old <size>`, the hashes, a
    /// blank line, the newer checkpoint. The older checkpoint is not in it: whoever checks the body
    /// holds it (a witness, or a verifier with state).
    pub fn to_witness_body(&self) -> Result<String, ProofError> {
        let (old, _) = Checkpoint::parse_unverified(&self.old)
            .map_err(|source| ProofError::Checkpoint { which: "old checkpoint", source })?;
        Ok(AddCheckpoint { old: old.size, proof: self.path.clone(), note: self.new.clone() }.to_text())
    }

    /// Reads a tlog-witness body as a consistency proof from `old`, the checkpoint the reader holds,
    /// whose size must be the body's old size.
    pub fn from_witness_body(body: &[u8], old: &str) -> Result<Self, ProofError> {
        let req = AddCheckpoint::parse(body).map_err(|e| malformed(1, e.to_string()))?;
        let (held, _) = Checkpoint::parse_unverified(old)
            .map_err(|source| ProofError::Checkpoint { which: "old checkpoint", source })?;
        if held.size != req.old {
            return Err(malformed(
                1,
                format!("the body is a proof from size {}, the old checkpoint has size {}", req.old, held.size),
            ));
        }
        Ok(Self { path: req.proof, old: old.to_owned(), new: req.note })
    }

    /// Verifies both checkpoints' signatures under `verifier` and the consistency proof between them.
    pub fn verify(&self, verifier: &NoteVerifier) -> Result<VerifiedConsistency, ProofError> {
        let old = Checkpoint::open(&self.old, verifier)
            .map_err(|source| ProofError::Checkpoint { which: "old checkpoint", source })?;
        let new = Checkpoint::open(&self.new, verifier)
            .map_err(|source| ProofError::Checkpoint { which: "new checkpoint", source })?;
        if old.origin != new.origin {
            return Err(ProofError::OriginMismatch { old: old.origin, new: new.origin });
        }
        verify_consistency(old.size, new.size, &self.path, &old.root, &new.root)?;
        Ok(VerifiedConsistency { old, new })
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice, reason = "tests index fixed fixtures")]
mod tests {
    use ed25519_dalek::SigningKey;
    use serde_json::json;

    use super::*;
    use crate::ledger::RecordBody;
    use crate::ledger::record::GENESIS_PREV;
    use crate::merkle::{NoteSigner, Tree, record_leaf};

    const ORIGIN: &str = "fairboard.example/arena";

    /// A small signed ledger (lines) and a tree over it.
    fn ledger(n: u64) -> (SigningKey, Vec<String>, Tree) {
        let key = SigningKey::from_bytes(&std::array::from_fn(|i| i as u8));
        let signer = crypto::key_id(&key.verifying_key());
        let mut prev = GENESIS_PREV.to_owned();
        let mut lines = Vec::new();
        let mut tree = Tree::new();
        for seq in 0..n {
            let event = if seq == 0 {
                let operator_key = crypto::public_key_b64(&key.verifying_key());
                json!({"type": "ledger_opened", "leaderboard": "arena", "operator_key": operator_key})
            } else {
                json!({"type": "provider_registered", "provider": format!("p{seq}")})
            };
            let body = RecordBody {
                seq,
                time: "2025-03-01T00:00:00Z".into(),
                prev: prev.clone(),
                signer: signer.clone(),
                event,
            };
            let (record, line) = body.sign(&key).unwrap();
            tree.push(record_leaf(&record.hash).unwrap());
            prev = record.hash;
            lines.push(line);
        }
        (key, lines, tree)
    }

    fn checkpoint(key: &SigningKey, tree: &Tree, size: u64) -> String {
        let signer = NoteSigner::new(ORIGIN, key.clone()).unwrap();
        Checkpoint::new(ORIGIN, size, tree.root_at(size).unwrap()).sign(&signer).unwrap().to_text()
    }

    #[test]
    fn inclusion_proof_round_trips_and_verifies() {
        let (key, lines, tree) = ledger(11);
        let verifier = NoteSigner::new(ORIGIN, key.clone()).unwrap().verifier();
        let cp = checkpoint(&key, &tree, 9);
        for seq in 0..9 {
            let proof = InclusionProof {
                record_line: lines[seq as usize].clone(),
                index: seq,
                path: tree.inclusion_proof(seq, 9).unwrap(),
                checkpoint: cp.clone(),
            };
            let text = proof.to_text();
            let parsed = Proof::parse(text.as_bytes()).unwrap();
            assert_eq!(parsed, Proof::Inclusion(proof.clone()));
            let Verified::Inclusion(v) = parsed.verify(&verifier).unwrap() else { panic!("kind") };
            assert_eq!(v.record.seq, seq);
            assert_eq!(v.checkpoint.size, 9);
        }
        // A record line with one changed character no longer hashes to its `hash` field.
        let mut proof = InclusionProof {
            record_line: lines[3].replace("p3", "p4"),
            index: 3,
            path: tree.inclusion_proof(3, 9).unwrap(),
            checkpoint: cp.clone(),
        };
        assert!(matches!(proof.verify(&verifier), Err(ProofError::Record(_))));
        // Another record's line, with this record's index and path.
        proof.record_line = lines[4].clone();
        assert!(matches!(proof.verify(&verifier), Err(ProofError::IndexMismatch { .. })));
        // A record outside the checkpoint.
        proof.record_line = lines[10].clone();
        proof.index = 10;
        assert!(matches!(proof.verify(&verifier), Err(ProofError::Merkle(_))));
    }

    #[test]
    fn consistency_proof_round_trips_and_verifies() {
        let (key, _, tree) = ledger(13);
        let verifier = NoteSigner::new(ORIGIN, key.clone()).unwrap().verifier();
        for (m, n) in [(1, 13), (5, 13), (8, 13), (13, 13), (4, 8)] {
            let proof = ConsistencyProof {
                path: tree.consistency_proof(m, n).unwrap(),
                old: checkpoint(&key, &tree, m),
                new: checkpoint(&key, &tree, n),
            };
            let parsed = Proof::parse(proof.to_text().as_bytes()).unwrap();
            assert_eq!(parsed, Proof::Consistency(proof.clone()));
            parsed.verify(&verifier).unwrap();
            if m < n {
                // Swapped checkpoints never verify.
                let swapped = ConsistencyProof { old: proof.new.clone(), new: proof.old.clone(), ..proof };
                assert!(swapped.verify(&verifier).is_err());
            }
        }
    }

    #[test]
    fn proofs_under_another_key_do_not_verify() {
        let (key, lines, tree) = ledger(4);
        let proof = InclusionProof {
            record_line: lines[1].clone(),
            index: 1,
            path: tree.inclusion_proof(1, 4).unwrap(),
            checkpoint: checkpoint(&key, &tree, 4),
        };
        let other = NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[9; 32])).unwrap().verifier();
        assert!(matches!(
            proof.verify(&other),
            Err(ProofError::Checkpoint { source: CheckpointError::NotSigned { .. }, .. })
        ));
    }

    #[test]
    fn malformed_proofs_are_refused() {
        assert!(matches!(Proof::parse(b"hello\n"), Err(ProofError::NotAProof)));
        assert!(matches!(Proof::parse(b""), Err(ProofError::NotAProof)));
        let (key, lines, tree) = ledger(3);
        let cp = checkpoint(&key, &tree, 3);
        let good = InclusionProof {
            record_line: lines[0].clone(),
            index: 0,
            path: tree.inclusion_proof(0, 3).unwrap(),
            checkpoint: cp.clone(),
        }
        .to_text();
        for (from, to) in [
            ("index 0", "index 00"),
            ("index 0", "index x"),
            ("\nextra ", "\nextras "),
            ("\n\n", "\n"),
            ("\n\n", "\nnot base64\n\n"),
        ] {
            let bad = good.replacen(from, to, 1);
            assert!(matches!(Proof::parse(bad.as_bytes()), Err(ProofError::Malformed { .. })), "{from} -> {to}");
        }
        let trailing = format!("{good}\nmore\n");
        assert!(matches!(Proof::parse(trailing.as_bytes()), Err(ProofError::Malformed { .. })));
        let consistency =
            ConsistencyProof { path: tree.consistency_proof(2, 3).unwrap(), old: checkpoint(&key, &tree, 2), new: cp }
                .to_text();
        let one_note = consistency.split_once("\n\nfairboard.example/arena\n3").map(|(a, _)| format!("{a}\n")).unwrap();
        assert!(Proof::parse(one_note.as_bytes()).is_err());
    }
}
