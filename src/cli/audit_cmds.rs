//! `audit`: verify, check, ratings and fairness tables in one report.

use std::io::{BufReader, IsTerminal, Write};
use std::path::Path;

use super::{CliError, Files, ReportFormat, read_limited};
use crate::api::audit::AuditReport;
use crate::api::{self, Options};
use crate::primitives::limits::MAX_NOTE_BYTES;
use crate::store::{SystemMeter, keys, packs};

/// Records between two progress updates on a terminal.
const PROGRESS_EVERY: u64 = 20_000;

/// Opens a ledger file for the use cases.
pub fn open_ledger(path: &Path) -> Result<BufReader<std::fs::File>, CliError> {
    let file = std::fs::File::open(path).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    Ok(BufReader::with_capacity(1 << 20, file))
}

/// Reads a checkpoint file's text.
pub fn read_checkpoint_text(path: &Path) -> Result<String, CliError> {
    let bytes = read_limited(path, MAX_NOTE_BYTES, "signed checkpoint")?;
    String::from_utf8(bytes).map_err(|_| CliError::usage(format!("{}: not UTF-8; not a checkpoint", path.display())))
}

/// Runs the whole audit and returns the report (does not print it).
pub fn build(
    path: &Path,
    trust: &Path,
    policy: &Path,
    checkpoint: Option<&Path>,
    allow_override: bool,
) -> Result<AuditReport, CliError> {
    let trust = keys::read_verifying_key(trust).map_err(CliError::usage)?;
    let pack = packs::load(policy).map_err(CliError::usage)?;
    let note = checkpoint.map(read_checkpoint_text).transpose()?;
    let ledger = open_ledger(path)?;
    let progress = std::io::stderr().is_terminal();
    let options = Options { at: None, allow_override, meter: Some(SystemMeter::shared()) };
    let mut seen = 0;
    let report = api::audit(
        ledger,
        &trust,
        &pack,
        note.as_deref(),
        &options,
        |n| {
            seen = n;
            if progress {
                let _ = write!(std::io::stderr().lock(), "\rverified {n} records");
            }
        },
        PROGRESS_EVERY,
    );
    if progress && seen >= PROGRESS_EVERY {
        let _ = writeln!(std::io::stderr().lock());
    }
    report.map_err(|e| CliError::api(e, &Files { ledger: Some(path), checkpoint }))
}

/// Renders an audit in `format`.
pub fn render(audit: &AuditReport, format: ReportFormat) -> Result<String, CliError> {
    Ok(match format {
        ReportFormat::Table => audit.to_table(),
        ReportFormat::Json => audit.to_json().map_err(CliError::usage)?,
        ReportFormat::Markdown => audit.to_markdown(),
    })
}

/// `fairboard audit --ledger FILE --trust OP.pub --policy PACK [--checkpoint CP] [--format …] [--out PATH]`.
pub fn audit(
    path: &Path,
    trust: &Path,
    policy: &Path,
    checkpoint: Option<&Path>,
    format: ReportFormat,
    out: Option<&Path>,
    allow_override: bool,
) -> Result<(), CliError> {
    let audit = build(path, trust, policy, checkpoint, allow_override)?;
    let text = render(&audit, format)?;
    match out {
        Some(o) => std::fs::write(o, text).map_err(|e| CliError::usage(format!("{}: {e}", o.display())))?,
        None => out!("{text}"),
    }
    if audit.fails() {
        let why = if audit.verification.ok {
            format!(
                "policy failed: {} deny finding(s), {} rule error(s)",
                audit.report.summary.deny, audit.report.summary.errors
            )
        } else {
            format!("{}: {}", path.display(), audit.verification.defect.as_deref().unwrap_or("verification failed"))
        };
        return Err(CliError::fail(format!("audit failed: {why}")));
    }
    Ok(())
}
