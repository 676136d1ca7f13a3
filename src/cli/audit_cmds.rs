//! `audit`: verify, check, ratings and fairness tables in one report.

use std::io::{BufReader, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use super::{CliError, ReportFormat};
use crate::audit::{AuditReport, Verification, best_of_n, class_rows, provider_rows, ratings};
use crate::crypto;
use crate::facts::FactsBuilder;
use crate::ledger::{self, VerifyError};
use crate::policy::{self, Evaluation};
use crate::report::{LedgerInfo, Report};

/// Records between two progress updates on a terminal.
const PROGRESS_EVERY: u64 = 20_000;

/// Runs the whole audit and returns the report (does not print it).
pub fn build(
    path: &Path,
    trust: &Path,
    policy: &Path,
    checkpoint: Option<&Path>,
    allow_override: bool,
) -> Result<AuditReport, CliError> {
    let trust = crypto::read_verifying_key(trust).map_err(CliError::usage)?;
    let pack = policy::load(policy).map_err(CliError::usage)?;
    let mut pin = checkpoint.map(|cp| super::transparency_cmds::CheckpointPin::load(cp, &trust)).transpose()?;
    let file = std::fs::File::open(path).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    let progress = std::io::stderr().is_terminal();
    let mut builder = FactsBuilder::new(None);
    let mut seen = 0u64;
    let result = ledger::verify_stream(BufReader::with_capacity(1 << 20, file), Some(&trust), |r| {
        builder.push(r);
        if let Some(pin) = pin.as_mut() {
            pin.observe(r);
        }
        seen += 1;
        if progress && seen.is_multiple_of(PROGRESS_EVERY) {
            let _ = write!(std::io::stderr().lock(), "\rverified {seen} records");
        }
    });
    if progress && seen >= PROGRESS_EVERY {
        let _ = writeln!(std::io::stderr().lock(), "\rverified {seen} records");
    }
    let mut verification = Verification { ok: false, records: 0, head: String::new(), defect: None, checkpoint: None };
    match result {
        Ok(head) => {
            verification.records = head.records;
            verification.head.clone_from(&head.hash);
            verification.ok = true;
            if let Some(pin) = &pin {
                match pin.finish(head.records) {
                    Ok(()) => verification.checkpoint = Some(pin.describe(head.records)),
                    Err(e) => {
                        verification.ok = false;
                        verification.defect = Some(format!("checkpoint: {e}"));
                    }
                }
            }
        }
        Err(VerifyError::Defect(d)) => verification.defect = Some(d.to_string()),
        Err(e) => return Err(CliError::usage(format!("{}: {e}", path.display()))),
    }
    if !verification.ok {
        let info = LedgerInfo { records: 0, head: String::new(), at: String::new() };
        return Ok(AuditReport {
            verification,
            report: Report::new(&pack, info, Evaluation::default()),
            ratings: None,
            best_of_n: vec![],
            providers: vec![],
            license_classes: vec![],
        });
    }
    let facts = builder.finish();
    let policy_override = super::policy_cmds::adoption(&pack, &facts, allow_override)?;
    let at = chrono::DateTime::from_timestamp_millis(facts.now).map_or_else(String::new, crate::time::format);
    let info = LedgerInfo { records: facts.records, head: facts.head.clone(), at };
    let facts = Arc::new(facts);
    let (evaluation, rated) = rayon::join(|| policy::evaluate(&pack, Arc::clone(&facts)), || ratings(&facts));
    let mut report = Report::new(&pack, info, evaluation);
    report.policy_override = policy_override;
    let (summary, board) = rated.map_or((None, None), |(s, b)| (Some(s), Some(b)));
    Ok(AuditReport {
        verification,
        best_of_n: best_of_n(&facts, board.as_ref()),
        providers: provider_rows(&facts),
        license_classes: class_rows(&facts),
        ratings: summary,
        report,
    })
}

/// Renders an audit in `format`.
pub fn render(audit: &AuditReport, format: ReportFormat) -> String {
    match format {
        ReportFormat::Table => audit.to_table(),
        ReportFormat::Json => audit.to_json(),
        ReportFormat::Markdown => audit.to_markdown(),
    }
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
    let text = render(&audit, format);
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
