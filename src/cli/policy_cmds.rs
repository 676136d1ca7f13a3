//! `check` and `policy test`.

use std::io::{BufReader, Write};
use std::path::Path;
use std::sync::Arc;

use super::{CliError, ReportFormat};
use crate::facts::{Facts, FactsBuilder};
use crate::ledger::{self, VerifyError};
use crate::policy::{self, testing};
use crate::report::{LedgerInfo, Report};

/// Verifies `path` (under its own declared operator key) and builds its facts as of `at`.
pub fn ledger_facts(path: &Path, at: Option<i64>) -> Result<Facts, CliError> {
    let file = std::fs::File::open(path).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    let mut builder = FactsBuilder::new(at);
    match ledger::verify_stream(BufReader::with_capacity(1 << 20, file), None, |r| builder.push(r)) {
        Ok(_) => Ok(builder.finish()),
        Err(VerifyError::Defect(d)) => Err(CliError::fail(format!("{}: ledger does not verify: {d}", path.display()))),
        Err(e) => Err(CliError::usage(format!("{}: {e}", path.display()))),
    }
}

/// Parses `--at`.
pub fn parse_at(at: Option<&str>) -> Result<Option<i64>, CliError> {
    at.map(|t| crate::time::parse(t).map(|t| t.timestamp_millis()).map_err(|e| CliError::usage(format!("--at: {e}"))))
        .transpose()
}

/// Prints a report in the chosen format.
pub fn print_report(report: &Report, format: ReportFormat) {
    let text = match format {
        ReportFormat::Table => report.to_table(),
        ReportFormat::Json => report.to_json(),
        ReportFormat::Markdown => report.to_markdown(),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn judged_at(facts: &Facts) -> String {
    chrono::DateTime::from_timestamp_millis(facts.now).map_or_else(String::new, crate::time::format)
}

/// `fairboard check --ledger FILE --policy PACK [--at T] [--format table|json|markdown]`.
pub fn check(path: &Path, policy: &Path, at: Option<&str>, format: ReportFormat) -> Result<(), CliError> {
    let at = parse_at(at)?;
    let pack = policy::load(policy).map_err(CliError::usage)?;
    let facts = ledger_facts(path, at)?;
    let info = LedgerInfo { records: facts.records, head: facts.head.clone(), at: judged_at(&facts) };
    let evaluation = policy::evaluate(&pack, Arc::new(facts));
    let report = Report::new(&pack, info, evaluation);
    print_report(&report, format);
    if report.fails() {
        return Err(CliError::fail(format!(
            "policy `{}` failed: {} deny finding(s), {} rule error(s)",
            pack.name, report.summary.deny, report.summary.errors
        )));
    }
    Ok(())
}

/// `fairboard policy test DIR [--policy PACK]`.
pub fn test(dir: &Path, policy: Option<&Path>) -> Result<(), CliError> {
    let cases = testing::discover(dir).map_err(CliError::usage)?;
    let mut out = std::io::stdout().lock();
    let (mut passed, mut failed, mut broken) = (0, 0, 0);
    for case in &cases {
        let shown = case.strip_prefix(dir).unwrap_or(case).display().to_string();
        match testing::run_case(case, policy) {
            Ok(result) if result.failures.is_empty() => {
                passed += 1;
                let _ = writeln!(out, "PASS  {shown}");
            }
            Ok(result) => {
                failed += 1;
                let _ = writeln!(out, "FAIL  {shown}  ({})", result.description);
                for f in &result.failures {
                    let _ = writeln!(out, "      {f}");
                }
            }
            Err(e) => {
                broken += 1;
                let _ = writeln!(out, "ERROR {shown}\n      {e}");
            }
        }
    }
    let _ = writeln!(out, "\n{passed} passed, {failed} failed, {broken} could not run");
    if broken > 0 {
        return Err(CliError::usage(format!("{broken} policy test case(s) could not run")));
    }
    if failed > 0 {
        return Err(CliError::fail(format!("{failed} policy test case(s) failed")));
    }
    Ok(())
}
