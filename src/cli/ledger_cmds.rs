//! `keygen`, `init`, `append` and `verify`.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::audit_cmds::{open_ledger, read_checkpoint_text};
use super::{CliError, Files, MISMATCH_HINT, VerifyFormat, torn_tail_hint};
use crate::api::{self, ApiError};
use crate::ledger::VerifyError;
use crate::ledger::chain::ChainError;
use crate::ledger::input;
use crate::primitives::crypto;
use crate::store::LedgerError;

fn parse_time(flag: Option<&str>) -> Result<Option<DateTime<Utc>>, CliError> {
    flag.map(|t| crate::primitives::time::parse(t).map_err(|e| CliError::usage(format!("--time: {e}")))).transpose()
}

fn ledger_error(e: LedgerError) -> CliError {
    let hint = match &e {
        LedgerError::Invalid { path, source: VerifyError::Defect(d) } if d.is_torn_tail() => Some(torn_tail_hint(path)),
        LedgerError::Chain { source, .. } if matches!(**source, ChainError::ReOpen { .. }) => {
            Some("a ledger is opened once, by `fairboard init`".to_owned())
        }
        _ => e.hint().map(str::to_owned),
    };
    let message = match &e {
        LedgerError::Chain { path: Some(path), source } => match &**source {
            ChainError::TimeBackwards { given, head } => {
                format!("{}: --time {given} is earlier than the last record's time {head}", path.display())
            }
            _ => e.to_string(),
        },
        _ => e.to_string(),
    };
    let error = if e.is_refusal() { CliError::fail(message) } else { CliError::usage(message) };
    match hint {
        Some(h) => error.with_hint(h),
        None => error,
    }
}

/// `fairboard keygen --out PREFIX`.
pub fn keygen(prefix: &Path) -> Result<(), CliError> {
    let key = crate::store::keys::generate().map_err(CliError::usage)?;
    let (k, p) = crate::store::keys::write_keypair(&key, prefix).map_err(CliError::usage)?;
    outln!("wrote {} and {} (key id {})", k.display(), p.display(), crypto::key_id(&key.verifying_key()));
    Ok(())
}

/// `fairboard init --ledger FILE --key OP.key --leaderboard NAME [--time T]`.
pub fn init(path: &Path, key: &Path, leaderboard: &str, time: Option<&str>) -> Result<(), CliError> {
    let time = parse_time(time)?.unwrap_or_else(crate::store::now);
    if leaderboard.is_empty() {
        return Err(CliError::usage("--leaderboard: expected a non-empty name"));
    }
    let key = crate::store::keys::read_signing_key(key).map_err(CliError::usage)?;
    let appended = crate::store::init(path, &key, leaderboard, time).map_err(ledger_error)?;
    outln!("seq {} hash {}", appended.seq, appended.hash);
    Ok(())
}

/// `fairboard append --ledger FILE --key KEY [--time T] EVENTS`.
pub fn append(
    path: &Path,
    key: &Path,
    time: Option<&str>,
    events: &Path,
    policy: Option<&Path>,
    policy_override: bool,
) -> Result<(), CliError> {
    let time = parse_time(time)?;
    let key = crate::store::keys::read_signing_key(key).map_err(CliError::usage)?;
    let pack = policy.map(|p| crate::store::packs::load(p).map_err(CliError::usage)).transpose()?;
    let (file, bytes) = crate::store::read_source(events).map_err(CliError::usage)?;
    let events = input::parse_events(&file, &bytes).map_err(CliError::usage)?;
    let appended = match &pack {
        None => crate::store::append(path, &key, &file, &events, time).map_err(ledger_error)?,
        Some(pack) => {
            use crate::store::{AdmissionError, append_with_policy};
            match append_with_policy(path, &key, &file, &events, time, pack, policy_override) {
                Ok(admitted) => {
                    for f in &admitted.introduced.findings {
                        let _ = writeln!(std::io::stderr().lock(), "{}", crate::render::report::finding_line(f));
                    }
                    admitted.appended
                }
                Err(AdmissionError::Ledger(e)) => return Err(ledger_error(e)),
                Err(AdmissionError::Mismatch(e)) => {
                    return Err(CliError::usage(e).with_hint(MISMATCH_HINT));
                }
                Err(AdmissionError::Facts(e)) => return Err(CliError::usage(format!("{}: {e}", path.display()))),
                Err(e @ AdmissionError::UnknownRule { .. }) => {
                    return Err(CliError::usage(e).with_hint(
                        "a waiver names one rule id of the pack in force (its `rules[*].id`); nothing was appended",
                    ));
                }
                Err(AdmissionError::Denied(new)) => {
                    return Err(CliError::fail(crate::store::refusal(path, &pack.name, &new)));
                }
            }
        }
    };
    let mut out = std::io::stdout().lock();
    for a in appended {
        let _ = writeln!(out, "seq {} hash {}", a.seq, a.hash);
    }
    Ok(())
}

/// `fairboard recover --ledger FILE`: cuts a torn tail, keeping a backup; exit 1 if a complete
/// record is defective (nothing changed) or no record is left.
pub fn recover(path: &Path) -> Result<(), CliError> {
    match crate::store::recover(path) {
        Ok(crate::store::Recovery::Intact(head)) => {
            outln!("nothing to recover: {} records, head {}", head.records, head.hash);
            Ok(())
        }
        Ok(crate::store::Recovery::Truncated { removed_bytes, line, backup, head }) => {
            outln!(
                "removed the incomplete final record at line {line} ({removed_bytes} bytes); backup of the original: {}",
                backup.display()
            );
            match head {
                Some(head) => {
                    outln!("ok: {} records, head {}", head.records, head.hash);
                    Ok(())
                }
                None => Err(CliError::fail(format!(
                    "{}: no complete record is left (the ledger was torn during init); remove it and run `fairboard init` again",
                    path.display()
                ))),
            }
        }
        Err(e) if e.is_defect() => Err(CliError::fail(e)),
        Err(e) => Err(CliError::usage(e)),
    }
}

/// `fairboard verify --ledger FILE --trust OP.pub [--format text|json] [--checkpoint CP]`.
pub fn verify(path: &Path, trust: &Path, format: VerifyFormat, checkpoint: Option<&Path>) -> Result<(), CliError> {
    let trust = crate::store::keys::read_verifying_key(trust).map_err(CliError::usage)?;
    let note = checkpoint.map(read_checkpoint_text).transpose()?;
    let files = Files { ledger: Some(path), checkpoint };
    match api::verify(open_ledger(path)?, &trust, note.as_deref()) {
        Ok(v) => {
            match format {
                VerifyFormat::Text => {
                    outln!("ok: {} records, head {}", v.records, v.head);
                    if let Some(cp) = &v.checkpoint {
                        outln!("{}", cp.describe());
                    }
                }
                VerifyFormat::Json => outln!("{}", v.to_json()),
            }
            Ok(())
        }
        Err(ApiError::Defect(defect)) => {
            if format == VerifyFormat::Json {
                outln!("{}", json!({"ok": false, "line": defect.line, "reason": defect.kind.to_string()}));
            }
            let error = CliError::fail(format!("{}: {defect}", path.display()));
            Err(if defect.is_torn_tail() { error.with_hint(torn_tail_hint(path)) } else { error })
        }
        Err(e) => {
            let error = CliError::api(e, &files);
            if format == VerifyFormat::Json && error.code == super::EXIT_FAIL {
                outln!("{}", json!({"ok": false, "reason": error.message}));
            }
            Err(error)
        }
    }
}

/// `fairboard seal --model M --provider P [--artifact A] [--salt HEX]`.
pub fn seal(model: &str, provider: &str, artifact: Option<&str>, salt: Option<&str>) -> Result<(), CliError> {
    let salt = match salt {
        Some(s) if s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) => s.to_owned(),
        Some(s) => {
            return Err(CliError::usage(format!(
                "--salt: expected 64 lowercase hex digits, got {} characters",
                s.len()
            ))
            .with_hint("leave --salt out to draw 32 random bytes"));
        }
        None => {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).map_err(|e| CliError::usage(format!("no random bytes for the salt: {e}")))?;
            crate::primitives::crypto::hex(&bytes)
        }
    };
    let opening = crate::ledger::seal::Opening { model, provider, salt: &salt, artifact };
    let commitment = opening.commitment();
    let start = serde_json::json!({"type": "private_test_started", "provider": provider, "commitment": commitment});
    let mut reveal = serde_json::json!({
        "type": "private_test_revealed", "provider": provider, "commitment": commitment, "model": model, "salt": salt
    });
    if let Some(a) = artifact {
        reveal["artifact"] = a.into();
    }
    for (what, event) in [("start", &start), ("reveal", &reveal)] {
        crate::ledger::schema::schemas()
            .map_err(CliError::usage)?
            .validate_event(event)
            .map_err(|v| CliError::usage(format!("the {what} event would be invalid: {v}")))?;
    }
    let out =
        serde_json::json!({"sealed_id": crate::ledger::seal::sealed_id(&commitment), "start": start, "reveal": reveal});
    outln!("{out}");
    Ok(())
}
