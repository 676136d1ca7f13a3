//! `publish`, `verify --log`, `prove --log`, `audit --log`, `verify --policy-file`, and `witness
//! serve|push`: the thin command-line side of [`crate::tlog`] and [`crate::witness`].

use std::path::{Path, PathBuf};

use super::{CliError, read_limited};
use crate::merkle::NoteVerifier;
use crate::merkle::checkpoint::check_key_name;
use crate::merkle::cosignature::Cosigner;
use crate::merkle::quorum::{MAX_POLICY_BYTES, TlogPolicy};
use crate::tlog::read::{self, Trust};
use crate::tlog::source::Source;
use crate::tlog::{TlogError, publish};
use crate::witness::{self, WitnessError};

/// A tlog error with its exit code: 1 for a failed verification, 2 for unreadable input.
fn tlog_error(e: TlogError) -> CliError {
    let hint = match &e {
        TlogError::SplitView { evidence: Some(p), .. } => Some(format!(
            "both signed checkpoints are in {}; publish them: they prove the log equivocated",
            p.display()
        )),
        TlogError::Quorum { .. } => Some(
            "push the checkpoint to more witnesses (fairboard witness push), or check the policy's witness keys"
                .to_owned(),
        ),
        _ => None,
    };
    let error = if e.is_verification() { CliError::fail(&e) } else { CliError::usage(&e) };
    match hint {
        Some(h) => error.with_hint(h),
        None => error,
    }
}

fn witness_error(e: WitnessError) -> CliError {
    match e {
        WitnessError::Tlog(t) => tlog_error(t),
        WitnessError::Push(m) => CliError::fail(m),
        other => CliError::usage(other),
    }
}

/// Reads a tlog-policy file (exit 2 if malformed, naming the line).
pub fn read_policy(path: &Path) -> Result<TlogPolicy, CliError> {
    let bytes = read_limited(path, MAX_POLICY_BYTES, "tlog-policy file")?;
    TlogPolicy::parse(&bytes).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))
}

/// `--policy-file` on a checkpoint file: it must be signed by the trusted key (or a policy log) and
/// meet the quorum; prints the witnesses that cosigned.
pub fn check_checkpoint_quorum(cp: &Path, trust: &Path, policy: &Path) -> Result<(), CliError> {
    let policy = read_policy(policy)?;
    let key = crate::store::keys::read_verifying_key(trust).map_err(CliError::usage)?;
    let bytes = read_limited(cp, crate::merkle::checkpoint::MAX_NOTE_BYTES, "signed checkpoint")?;
    let note = String::from_utf8(bytes).map_err(|_| CliError::usage(format!("{}: not UTF-8", cp.display())))?;
    let origin = crate::merkle::Checkpoint::parse_unverified(&note)
        .map_err(|e| CliError::usage(format!("{}: {e}", cp.display())))?
        .0
        .origin;
    let own = NoteVerifier::new(&origin, key).map_err(|e| CliError::usage(format!("{}: {e}", cp.display())))?;
    let w = policy.verify(&note, Some(&own)).map_err(|e| CliError::fail(format!("{}: {e}", cp.display())))?;
    outln!(
        "quorum met: cosigned by {}",
        if w.cosigned.is_empty() { "no witness (quorum none)".to_owned() } else { w.cosigned.join(", ") }
    );
    Ok(())
}

/// `fairboard publish --ledger L --key OP.key --origin ORIGIN --out DIR`.
pub fn publish(ledger: &Path, key: &Path, origin: &str, out: &Path) -> Result<(), CliError> {
    check_key_name(origin).map_err(|e| CliError::usage(format!("--origin: {e}")))?;
    let key = crate::store::keys::read_signing_key(key).map_err(CliError::usage)?;
    let p = publish::publish(ledger, &key, origin, out).map_err(tlog_error)?;
    outln!(
        "published {} records to {} (from {}): {} files, {} bytes written, {} partial files replaced",
        p.size,
        out.display(),
        p.old_size,
        p.files,
        p.bytes,
        p.removed
    );
    Ok(())
}

fn trust<'a>(key: &'a ed25519_dalek::VerifyingKey, policy: Option<&'a TlogPolicy>) -> Trust<'a> {
    Trust { key, policy }
}

/// `fairboard verify --log URL_OR_DIR --trust OP.pub [--state DIR] [--policy-file P]`.
pub fn verify_log(log: &str, trust_path: &Path, state: Option<&Path>, policy: Option<&Path>) -> Result<(), CliError> {
    let key = crate::store::keys::read_verifying_key(trust_path).map_err(CliError::usage)?;
    let policy = policy.map(read_policy).transpose()?;
    let src = Source::open(log);
    let v = read::verify(&src, &trust(&key, policy.as_ref()), state).map_err(tlog_error)?;
    outln!(
        "ok: {} at tree size {} ({} records verified now), head {}",
        v.checkpoint.origin,
        v.checkpoint.size,
        v.verified,
        v.head.hash
    );
    if policy.is_some() {
        outln!(
            "quorum met: cosigned by {}",
            if v.cosigned.is_empty() { "no witness (quorum none)".to_owned() } else { v.cosigned.join(", ") }
        );
    }
    if let Some(s) = &v.state {
        outln!("state: {}", s.display());
    }
    Ok(())
}

/// `fairboard prove --log URL_OR_DIR --trust OP.pub --seq N`.
pub fn prove_log(log: &str, trust_path: &Path, seq: u64) -> Result<(), CliError> {
    let key = crate::store::keys::read_verifying_key(trust_path).map_err(CliError::usage)?;
    let proof = read::prove(&Source::open(log), &trust(&key, None), seq).map_err(tlog_error)?;
    out!("{}", proof.to_text());
    Ok(())
}

/// Fetches and verifies a whole log into a temporary ledger file for `audit --log`; the file is
/// removed when the returned guard drops.
pub fn fetch_for_audit(log: &str, trust_path: &Path) -> Result<TempLedger, CliError> {
    let key = crate::store::keys::read_verifying_key(trust_path).map_err(CliError::usage)?;
    let (_, bytes, _) = read::verify_full(&Source::open(log), &trust(&key, None)).map_err(tlog_error)?;
    let path = std::env::temp_dir().join(format!("fairboard-log-{}-{}.jsonl", std::process::id(), bytes.len()));
    std::fs::write(&path, bytes).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    Ok(TempLedger(path))
}

/// A fetched ledger in a temporary file, removed on drop.
#[derive(Debug)]
pub struct TempLedger(pub PathBuf);

impl Drop for TempLedger {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `fairboard vkey --pub W.pub --name NAME --cosigner`: the witness's cosignature/v1 vkey.
pub fn cosigner_vkey(public: &Path, name: &str) -> Result<(), CliError> {
    let key = crate::store::keys::read_verifying_key(public).map_err(CliError::usage)?;
    check_key_name(name).map_err(|e| CliError::usage(format!("--name: {e}")))?;
    outln!("{}", crate::merkle::cosignature::CosignatureVerifier::new(name, key).to_vkey());
    Ok(())
}

/// `fairboard witness serve --key W.key --name NAME --logs LOGS --db STATE --listen ADDR`.
pub fn serve(key: &Path, name: &str, logs: &Path, db: &Path, listen: &str, workers: usize) -> Result<(), CliError> {
    let key = crate::store::keys::read_signing_key(key).map_err(CliError::usage)?;
    let cosigner = Cosigner::new(name, key).map_err(|e| CliError::usage(format!("--name: {e}")))?;
    let text = read_limited(logs, MAX_POLICY_BYTES, "list of logs")?;
    let logs_list = witness::parse_logs(&String::from_utf8_lossy(&text))
        .map_err(|e| CliError::usage(format!("{}: {e}", logs.display())))?;
    let db = witness::db::WitnessDb::open(db).map_err(witness_error)?;
    let bound = witness::server::bind(listen).map_err(witness_error)?;
    eprintln!("fairboard witness {name} listening on http://{} ({} logs)", bound.addr, logs_list.len());
    eprintln!("vkey {}", cosigner.verifier().to_vkey());
    witness::server::serve(bound, witness::server::Witness { logs: logs_list, cosigner, db }, workers);
    Ok(())
}

/// `fairboard witness push --log DIR --witness URL… [--policy-file P]`.
pub fn push(dir: &Path, witnesses: &[String], policy: Option<&Path>) -> Result<(), CliError> {
    let policy = policy.map(read_policy).transpose()?;
    let r = witness::push::push(dir, witnesses, policy.as_ref()).map_err(witness_error)?;
    for (url, name) in &r.cosigned {
        outln!("cosigned by {name} ({url})");
    }
    for (url, why) in &r.failed {
        eprintln!("warning: {url}: {why}");
    }
    if let Some(why) = r.not_published {
        return Err(CliError::fail(why).with_hint("the witnesses that refused answered why above; a 422 for a size they hold means the log signed two different trees of that size"));
    }
    if policy.is_some() {
        outln!("quorum met at size {}: {}", r.size, r.quorum.join(", "));
    }
    if r.cosigned.is_empty() {
        return Err(CliError::fail(format!("no witness cosigned the checkpoint of size {}", r.size)));
    }
    outln!("published {} with {} cosignatures", dir.join("checkpoint").display(), r.cosigned.len());
    Ok(())
}
