//! `checkpoint`, `vkey`, `prove`, `verify-proof`, and the `--checkpoint` check of `verify`.
//!
//! Exit codes follow the CLI contract: 1 when a ledger, checkpoint or proof fails verification (a
//! truncated or rewritten ledger, a checkpoint not signed by the trusted key, a tampered proof); 2 when
//! an input cannot be read or is not the kind of file expected.

use std::io::{BufReader, Read};
use std::path::Path;

use super::{CliError, Files};
use crate::api::{self, ApiError, Which};
use crate::merkle::NoteVerifier;
use crate::merkle::checkpoint::{MAX_NOTE_BYTES, check_key_name};
use crate::merkle::proof::MAX_PROOF_BYTES;

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

/// Opens the ledger for one of the transparency commands.
fn open_ledger(path: &Path) -> Result<BufReader<std::fs::File>, CliError> {
    let file = std::fs::File::open(path).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    Ok(BufReader::with_capacity(1 << 20, file))
}

/// Reads a checkpoint file (bounded; its content is checked by the use case).
fn read_checkpoint(path: &Path) -> Result<String, CliError> {
    let bytes = read_limited(path, MAX_NOTE_BYTES, "signed checkpoint")?;
    String::from_utf8(bytes).map_err(|_| CliError::usage(format!("{}: not UTF-8; not a checkpoint", path.display())))
}

/// A use case's error, naming the ledger or the checkpoint it is about.
fn prove_error(e: ApiError, ledger: &Path, checkpoints: [&Path; 2]) -> CliError {
    let checkpoint = match &e {
        ApiError::Prove(p) if p.which() == Some(Which::New) => checkpoints[1],
        _ => checkpoints[0],
    };
    CliError::api(e, &Files { ledger: Some(ledger), checkpoint: Some(checkpoint) })
}

/// `fairboard checkpoint --ledger FILE --key OP.key --origin ORIGIN`.
pub fn checkpoint(path: &Path, key: &Path, origin: &str) -> Result<(), CliError> {
    check_key_name(origin).map_err(|e| CliError::usage(format!("--origin: {e}")))?;
    let key = crate::store::keys::read_signing_key(key).map_err(CliError::usage)?;
    let note = api::checkpoint(open_ledger(path)?, &key, origin).map_err(|e| prove_error(e, path, [path, path]))?;
    out!("{note}");
    Ok(())
}

/// `fairboard vkey --pub OP.pub --name ORIGIN`.
pub fn vkey(public: &Path, name: &str) -> Result<(), CliError> {
    let key = crate::store::keys::read_verifying_key(public).map_err(CliError::usage)?;
    let verifier = NoteVerifier::new(name, key).map_err(|e| CliError::usage(format!("--name: {e}")))?;
    outln!("{}", verifier.to_vkey());
    Ok(())
}

/// `fairboard prove --ledger FILE --seq N --checkpoint CP`.
pub fn prove_inclusion(path: &Path, seq: u64, cp_path: &Path) -> Result<(), CliError> {
    let checkpoint = read_checkpoint(cp_path)?;
    let proof = api::prove_inclusion(open_ledger(path)?, seq, &checkpoint)
        .map_err(|e| prove_error(e, path, [cp_path, cp_path]))?;
    out!("{}", proof.to_text());
    Ok(())
}

/// `fairboard prove --consistency --from OLD_CP --to NEW_CP --ledger FILE`.
pub fn prove_consistency(path: &Path, from: &Path, to: &Path, witness_body: bool) -> Result<(), CliError> {
    let (old, new) = (read_checkpoint(from)?, read_checkpoint(to)?);
    let proof = api::prove_consistency(open_ledger(path)?, &old, &new).map_err(|e| prove_error(e, path, [from, to]))?;
    if witness_body {
        let body = proof.to_witness_body().map_err(|e| CliError::usage(format!("{}: {e}", from.display())))?;
        out!("{body}");
    } else {
        out!("{}", proof.to_text());
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
pub fn verify_proof(proof_path: &Path, vkey: &str, old: Option<&Path>) -> Result<(), CliError> {
    use crate::api::ProofVerdict;
    let vkey = read_vkey(vkey)?;
    let bytes = read_limited(proof_path, MAX_PROOF_BYTES, "proof")?;
    let old = old.map(read_checkpoint).transpose()?;
    if bytes.starts_with(b"old ") && old.is_none() {
        return Err(CliError::usage(format!(
            "{}: a consistency proof in the tlog-witness body layout needs the older checkpoint",
            proof_path.display()
        ))
        .with_hint("add --old OLD_CP, the checkpoint you hold"));
    }
    match api::verify_proof_from(&bytes, old.as_deref(), &vkey) {
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
