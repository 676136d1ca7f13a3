//! `audit`: verify, check, ratings and fairness tables in one report.

use std::io::{BufReader, IsTerminal, Write};
use std::path::Path;

use super::terminal::{FindingsArg, summary_options};
use super::{AuditFormat, CliError, Files, read_limited};
use crate::api::audit::AuditReport;
use crate::api::{self, Options};
use crate::primitives::limits::MAX_NOTE_BYTES;
use crate::render::html::HtmlOptions;
use crate::render::summary::wrap;
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

/// The files an audit reads.
#[derive(Debug, Clone, Copy)]
pub struct AuditFiles<'a> {
    /// The ledger.
    pub ledger: &'a Path,
    /// The operator's public key.
    pub trust: &'a Path,
    /// The policy pack.
    pub policy: &'a Path,
    /// A signed checkpoint the ledger must match or extend.
    pub checkpoint: Option<&'a Path>,
}

/// How an audit is shown.
#[derive(Debug, Clone, Copy)]
pub struct Output<'a> {
    /// The format.
    pub format: AuditFormat,
    /// Where to write it (stdout when absent).
    pub out: Option<&'a Path>,
    /// `--findings`.
    pub findings: Option<FindingsArg>,
    /// `--all-ratings`.
    pub all_ratings: bool,
}

/// Runs the whole audit and returns the report (does not print it). `detail` keeps what the HTML
/// report adds: the cited records and the board over time.
pub fn build(files: &AuditFiles<'_>, allow_override: bool, detail: bool) -> Result<AuditReport, CliError> {
    let trust = keys::read_verifying_key(files.trust).map_err(CliError::usage)?;
    let pack = packs::load(files.policy).map_err(CliError::usage)?;
    let note = files.checkpoint.map(read_checkpoint_text).transpose()?;
    let ledger = open_ledger(files.ledger)?;
    let progress = std::io::stderr().is_terminal();
    let options = Options { at: None, allow_override, meter: Some(SystemMeter::shared()), detail };
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
    report.map_err(|e| CliError::api(e, &Files { ledger: Some(files.ledger), checkpoint: files.checkpoint }))
}

/// Renders an audit as `output` asks. The table is the summary-first form on a terminal (or with
/// `--findings`), else complete.
pub fn render(audit: &AuditReport, output: &Output<'_>) -> Result<String, CliError> {
    Ok(match output.format {
        AuditFormat::Table => match summary_options(output.findings).filter(|_| output.out.is_none()) {
            Some(o) => audit.to_summary(&o),
            None => audit.to_table(),
        },
        AuditFormat::Json => audit.to_json().map_err(CliError::usage)?,
        AuditFormat::Markdown => audit.to_markdown(),
        AuditFormat::Html => audit.to_html(&HtmlOptions { all_ratings: output.all_ratings }),
    })
}

/// `fairboard audit --ledger FILE --trust OP.pub --policy PACK [--checkpoint CP] [--format …] [--out PATH]`.
pub fn audit(files: &AuditFiles<'_>, output: &Output<'_>, allow_override: bool) -> Result<(), CliError> {
    let audit = build(files, allow_override, output.format == AuditFormat::Html)?;
    let text = render(&audit, output)?;
    match output.out {
        Some(o) => std::fs::write(o, text).map_err(|e| CliError::usage(format!("{}: {e}", o.display())))?,
        None => out!("{text}"),
    }
    if let Some(o) =
        summary_options(output.findings).filter(|_| output.out.is_none() && output.format == AuditFormat::Table)
    {
        out!(
            "{}",
            wrap(
                &format!(
                    "full report: fairboard audit --ledger {} --trust {} --policy {} --format html --out report.html (every finding here: --findings all)",
                    files.ledger.display(),
                    files.trust.display(),
                    files.policy.display()
                ),
                o.width,
                "  "
            )
        );
    }
    if audit.fails() {
        let why = if audit.verification.ok {
            format!(
                "policy failed: {} deny finding(s), {} rule error(s)",
                audit.report.summary.deny, audit.report.summary.errors
            )
        } else {
            format!(
                "{}: {}",
                files.ledger.display(),
                audit.verification.defect.as_deref().unwrap_or("verification failed")
            )
        };
        return Err(CliError::fail(format!("audit failed: {why}")));
    }
    Ok(())
}
