//! `keygen`, `init`, `append` and `verify`.

use std::io::{BufReader, Write};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{CliError, VerifyFormat};
use crate::crypto;
use crate::input;
use crate::ledger::{self, LedgerError, VerifyError};

fn parse_time(flag: Option<&str>) -> Result<Option<DateTime<Utc>>, CliError> {
    flag.map(|t| crate::time::parse(t).map_err(|e| CliError::usage(format!("--time: {e}")))).transpose()
}

fn ledger_error(e: LedgerError) -> CliError {
    if e.is_refusal() { CliError::fail(e) } else { CliError::usage(e) }
}

/// `fairboard keygen --out PREFIX`.
pub fn keygen(prefix: &Path) -> Result<(), CliError> {
    let key = crypto::generate().map_err(CliError::usage)?;
    let (k, p) = crypto::write_keypair(&key, prefix).map_err(CliError::usage)?;
    outln!("wrote {} and {} (key id {})", k.display(), p.display(), crypto::key_id(&key.verifying_key()));
    Ok(())
}

/// `fairboard init --ledger FILE --key OP.key --leaderboard NAME [--time T]`.
pub fn init(path: &Path, key: &Path, leaderboard: &str, time: Option<&str>) -> Result<(), CliError> {
    let time = parse_time(time)?.unwrap_or_else(crate::time::now);
    if leaderboard.is_empty() {
        return Err(CliError::usage("--leaderboard: expected a non-empty name"));
    }
    let key = crypto::read_signing_key(key).map_err(CliError::usage)?;
    let appended = ledger::init(path, &key, leaderboard, time).map_err(ledger_error)?;
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
    let key = crypto::read_signing_key(key).map_err(CliError::usage)?;
    let pack = policy.map(|p| crate::policy::load(p).map_err(CliError::usage)).transpose()?;
    let (file, bytes) = input::read_source(events).map_err(CliError::usage)?;
    let events = input::parse_events(&file, &bytes).map_err(CliError::usage)?;
    let appended = match &pack {
        None => ledger::append(path, &key, &file, &events, time).map_err(ledger_error)?,
        Some(pack) => {
            use crate::policy::admission::{AdmissionError, append_with_policy};
            match append_with_policy(path, &key, &file, &events, time, pack, policy_override) {
                Ok(admitted) => {
                    for f in &admitted.introduced.findings {
                        let _ = writeln!(std::io::stderr().lock(), "{}", crate::report::finding_line(f));
                    }
                    admitted.appended
                }
                Err(AdmissionError::Ledger(e)) => return Err(ledger_error(e)),
                Err(AdmissionError::Mismatch(e)) => return Err(CliError::usage(e)),
                Err(AdmissionError::Denied(new)) => {
                    let mut lines: Vec<String> = new.findings.iter().map(crate::report::finding_line).collect();
                    lines.extend(new.errors.iter().map(|e| {
                        format!("{}  {}  could not be evaluated: {}", e.severity.as_str(), e.rule, e.message)
                    }));
                    return Err(CliError::fail(format!(
                        "{}: refused by policy `{}`; nothing was appended:\n{}",
                        path.display(),
                        pack.name,
                        lines.join("\n")
                    )));
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
    match ledger::recover(path) {
        Ok(ledger::Recovery::Intact(head)) => {
            outln!("nothing to recover: {} records, head {}", head.records, head.hash);
            Ok(())
        }
        Ok(ledger::Recovery::Truncated { removed_bytes, line, backup, head }) => {
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
    let trust = crypto::read_verifying_key(trust).map_err(CliError::usage)?;
    let json_fail = |e: CliError| {
        if format == VerifyFormat::Json && e.code == super::EXIT_FAIL {
            outln!("{}", json!({"ok": false, "reason": e.message}));
        }
        e
    };
    let mut pin = checkpoint
        .map(|cp| super::transparency_cmds::CheckpointPin::load(cp, &trust))
        .transpose()
        .map_err(json_fail)?;
    let file = std::fs::File::open(path).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    let result = ledger::verify_stream(BufReader::with_capacity(1 << 20, file), Some(&trust), |r| {
        if let Some(pin) = pin.as_mut() {
            pin.observe(r);
        }
    });
    match result {
        Ok(head) => {
            if let Some(pin) = &pin {
                pin.finish(head.records)
                    .map_err(|e| json_fail(CliError::fail(format!("{}: {}", path.display(), e))))?;
            }
            match format {
                VerifyFormat::Text => {
                    outln!("ok: {} records, head {}", head.records, head.hash);
                    if let Some(pin) = &pin {
                        outln!("{}", pin.describe(head.records));
                    }
                }
                VerifyFormat::Json => {
                    let mut out = json!({"ok": true, "records": head.records, "head": head.hash});
                    if let (Some(pin), Some(map)) = (&pin, out.as_object_mut()) {
                        map.insert("checkpoint".into(), pin.to_json());
                    }
                    outln!("{out}");
                }
            }
            Ok(())
        }
        Err(VerifyError::Defect(defect)) => {
            if format == VerifyFormat::Json {
                outln!("{}", json!({"ok": false, "line": defect.line, "reason": defect.kind.to_string()}));
            }
            Err(CliError::fail(format!("{}: {defect}", path.display())))
        }
        Err(e) => Err(CliError::usage(format!("{}: {e}", path.display()))),
    }
}
