//! `checkpoint`, `vkey`, `prove`, `verify-proof`, and the `--checkpoint` check of `verify`.
//!
//! Exit codes follow the CLI contract: 1 when a ledger, checkpoint or proof fails verification (a
//! truncated or rewritten ledger, a checkpoint not signed by the trusted key, a tampered proof); 2 when
//! an input cannot be read or is not the kind of file expected.

use std::io::{BufReader, Read};
use std::path::Path;

use ed25519_dalek::VerifyingKey;

use super::CliError;
use crate::ledger::{self, Head, Record, VerifyError};
use crate::merkle::checkpoint::{MAX_NOTE_BYTES, check_key_name};
use crate::merkle::proof::MAX_PROOF_BYTES;
use crate::merkle::{
    Checkpoint, CompactRange, ConsistencyProof, InclusionProof, NoteSigner, NoteVerifier, Proof, Tree, record_leaf,
};
use crate::primitives::canonical::to_canonical_string;
use crate::primitives::crypto;

/// Reads at most `limit` bytes of `path`; larger files are refused (exit 2).
pub(crate) fn read_limited(path: &Path, limit: usize, what: &str) -> Result<Vec<u8>, CliError> {
    let file = std::fs::File::open(path).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    if bytes.len() > limit {
        return Err(CliError::usage(format!("{}: larger than {limit} bytes; not a {what}", path.display())));
    }
    Ok(bytes)
}

/// Reads a signed checkpoint file and parses it without verifying it (exit 2 if it is not one).
fn read_checkpoint(path: &Path) -> Result<(Checkpoint, String), CliError> {
    let bytes = read_limited(path, MAX_NOTE_BYTES, "signed checkpoint")?;
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError::usage(format!("{}: not UTF-8; not a checkpoint", path.display())))?;
    let (checkpoint, _) =
        Checkpoint::parse_unverified(&text).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    Ok((checkpoint, text))
}

/// Verifies a checkpoint note under `key` with the checkpoint's own origin as key name (exit 1 if not).
fn open_checkpoint(path: &Path, text: &str, origin: &str, key: &VerifyingKey) -> Result<Checkpoint, CliError> {
    let verifier = NoteVerifier::new(origin, *key).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    Checkpoint::open(text, &verifier).map_err(|e| {
        CliError::fail(format!(
            "{}: not signed by operator key {} under the name `{origin}`: {e}",
            path.display(),
            crypto::key_id(key)
        ))
    })
}

/// Verifies a whole ledger, handing every record to `on_record`; defects exit 1, I/O errors exit 2.
fn verify_ledger(
    path: &Path,
    trust: Option<&VerifyingKey>,
    on_record: impl FnMut(&crate::ledger::VerifiedRecord) + Send,
) -> Result<Head, CliError> {
    let file = std::fs::File::open(path).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    match ledger::verify_stream(BufReader::with_capacity(1 << 20, file), trust, on_record) {
        Ok(head) => Ok(head),
        Err(VerifyError::Defect(defect)) => Err(CliError::fail(format!("{}: {defect}", path.display()))),
        Err(e) => Err(CliError::usage(format!("{}: {e}", path.display()))),
    }
}

/// Leaf of a verified record (its hash is 64 hex digits once verification passed).
fn leaf(record: &Record) -> Option<crate::merkle::Hash> {
    record_leaf(&record.hash)
}

/// `fairboard checkpoint --ledger FILE --key OP.key --origin ORIGIN`.
pub fn checkpoint(path: &Path, key: &Path, origin: &str) -> Result<(), CliError> {
    check_key_name(origin).map_err(|e| CliError::usage(format!("--origin: {e}")))?;
    let key = crate::store::keys::read_signing_key(key).map_err(CliError::usage)?;
    let public = key.verifying_key();
    let mut range = CompactRange::new();
    let mut bad_leaf = false;
    // The key's own public key is the trust anchor: a ledger it did not open is refused.
    let head = verify_ledger(path, Some(&public), |r| match leaf(r) {
        Some(h) => range.push(h),
        None => bad_leaf = true,
    })?;
    if bad_leaf || range.size() != head.records {
        return Err(CliError::fail(format!("{}: a record hash is not 64 hex digits", path.display())));
    }
    let signer = NoteSigner::new(origin, key).map_err(|e| CliError::usage(format!("--origin: {e}")))?;
    let note = Checkpoint::new(origin, head.records, range.root())
        .sign(&signer)
        .map_err(|e| CliError::usage(format!("--origin: {e}")))?;
    out!("{}", note.to_text());
    Ok(())
}

/// `fairboard vkey --pub OP.pub --name ORIGIN`.
pub fn vkey(public: &Path, name: &str) -> Result<(), CliError> {
    let key = crate::store::keys::read_verifying_key(public).map_err(CliError::usage)?;
    let verifier = NoteVerifier::new(name, key).map_err(|e| CliError::usage(format!("--name: {e}")))?;
    outln!("{}", verifier.to_vkey());
    Ok(())
}

/// A ledger verified and held as a tree, for proofs.
struct ProvingLedger {
    head: Head,
    tree: Tree,
    /// The canonical line of the record asked for, if any.
    line: Option<String>,
}

fn load_for_proofs(path: &Path, want: Option<u64>) -> Result<ProvingLedger, CliError> {
    let mut tree = Tree::new();
    let mut line = None;
    let mut bad = None;
    let head = verify_ledger(path, None, |r| {
        match leaf(r) {
            Some(h) => tree.push(h),
            None => bad = Some(format!("seq {}: hash is not 64 hex digits", r.seq)),
        }
        if Some(r.seq) == want {
            match serde_json::to_value(r.record())
                .map_err(|e| e.to_string())
                .and_then(|v| to_canonical_string(&v).map_err(|e| e.to_string()))
            {
                Ok(l) => line = Some(l),
                Err(e) => bad = Some(format!("seq {}: {e}", r.seq)),
            }
        }
    })?;
    if let Some(reason) = bad {
        return Err(CliError::fail(format!("{}: {reason}", path.display())));
    }
    Ok(ProvingLedger { head, tree, line })
}

/// Checks that `cp` is signed by the ledger's operator key and that the ledger's first `cp.size` records
/// hash to its root.
fn match_checkpoint(
    ledger_path: &Path,
    ledger: &ProvingLedger,
    cp_path: &Path,
) -> Result<(Checkpoint, String), CliError> {
    let (parsed, text) = read_checkpoint(cp_path)?;
    let cp = open_checkpoint(cp_path, &text, &parsed.origin, &ledger.head.operator)?;
    let root = ledger.tree.root_at(cp.size).map_err(|_| {
        CliError::fail(format!(
            "{}: has {} records, fewer than the {} of checkpoint {}: truncated below the checkpoint",
            ledger_path.display(),
            ledger.head.records,
            cp.size,
            cp_path.display()
        ))
    })?;
    if root != cp.root {
        return Err(CliError::fail(format!(
            "{}: its first {} records do not hash to the root of checkpoint {}: history was rewritten or forked",
            ledger_path.display(),
            cp.size,
            cp_path.display()
        )));
    }
    Ok((cp, text))
}

/// Verifies a freshly made proof under the ledger's own key before it is printed.
fn self_check(proof: &Proof, origin: &str, key: &VerifyingKey) -> Result<(), CliError> {
    let verifier = NoteVerifier::new(origin, *key).map_err(CliError::usage)?;
    proof
        .verify(&verifier)
        .map(|_| ())
        .map_err(|e| CliError::fail(format!("internal error: the proof made does not verify: {e}")))
}

/// `fairboard prove --ledger FILE --seq N --checkpoint CP`.
pub fn prove_inclusion(path: &Path, seq: u64, cp_path: &Path) -> Result<(), CliError> {
    let ledger = load_for_proofs(path, Some(seq))?;
    let (cp, text) = match_checkpoint(path, &ledger, cp_path)?;
    if seq >= cp.size {
        return Err(CliError::usage(format!(
            "--seq {seq}: not covered by checkpoint {} (tree size {}); make a newer checkpoint",
            cp_path.display(),
            cp.size
        )));
    }
    let path_hashes = ledger.tree.inclusion_proof(seq, cp.size).map_err(CliError::usage)?;
    let record_line = ledger.line.ok_or_else(|| CliError::usage(format!("--seq {seq}: no such record")))?;
    let proof = Proof::Inclusion(InclusionProof { record_line, index: seq, path: path_hashes, checkpoint: text });
    self_check(&proof, &cp.origin, &ledger.head.operator)?;
    if let Proof::Inclusion(p) = proof {
        out!("{}", p.to_text());
    }
    Ok(())
}

/// `fairboard prove --consistency --from OLD_CP --to NEW_CP --ledger FILE`.
pub fn prove_consistency(path: &Path, from: &Path, to: &Path) -> Result<(), CliError> {
    let ledger = load_for_proofs(path, None)?;
    let (old, old_text) = match_checkpoint(path, &ledger, from)?;
    let (new, new_text) = match_checkpoint(path, &ledger, to)?;
    if old.origin != new.origin {
        return Err(CliError::usage(format!(
            "--from is a checkpoint of `{}`, --to of `{}`: one log's checkpoints are needed",
            old.origin, new.origin
        )));
    }
    if old.size > new.size {
        return Err(CliError::usage(format!(
            "--from has tree size {} but --to only {}: give the older checkpoint as --from",
            old.size, new.size
        )));
    }
    let hashes = ledger.tree.consistency_proof(old.size, new.size).map_err(CliError::usage)?;
    let proof = Proof::Consistency(ConsistencyProof { path: hashes, old: old_text, new: new_text });
    self_check(&proof, &old.origin, &ledger.head.operator)?;
    if let Proof::Consistency(p) = proof {
        out!("{}", p.to_text());
    }
    Ok(())
}

/// Reads `--vkey`: a file holding the verifier key string, or the string itself.
fn read_vkey(arg: &str) -> Result<String, CliError> {
    let path = Path::new(arg);
    if path.is_file() {
        let bytes = read_limited(path, 4096, "verifier key")?;
        String::from_utf8(bytes).map_err(|_| CliError::usage(format!("{arg}: not UTF-8; not a verifier key")))
    } else {
        Ok(arg.to_owned())
    }
}

/// `fairboard verify-proof --proof P --vkey VKEY`: exit 0 valid, 1 invalid, 2 unreadable input.
pub fn verify_proof(proof_path: &Path, vkey: &str) -> Result<(), CliError> {
    use crate::api::{self, ApiError, ProofVerdict};
    let vkey = read_vkey(vkey)?;
    let bytes = read_limited(proof_path, MAX_PROOF_BYTES, "proof")?;
    match api::verify_proof(&bytes, &vkey) {
        Ok(ProofVerdict::Inclusion { seq, event_type, hash, record_line, origin, size, root }) => {
            outln!(
                "ok: record seq {seq} (`{event_type}`, hash {hash}) is in {origin} at tree size {size}, root {root}"
            );
            outln!("record: {record_line}");
        }
        Ok(ProofVerdict::Consistency { origin, old_size, old_root, new_size, new_root }) => {
            outln!(
                "ok: {origin} at tree size {new_size} (root {new_root}) extends tree size {old_size} (root {old_root})"
            );
        }
        Err(ApiError::VerifierKey(e)) => return Err(CliError::usage(format!("--vkey: {e}"))),
        Err(e) => {
            let code = if e.kind() == api::ErrorKind::Verification { super::EXIT_FAIL } else { super::EXIT_USAGE };
            return Err(CliError { code, message: format!("{}: {e}", proof_path.display()), hint: None });
        }
    }
    Ok(())
}
