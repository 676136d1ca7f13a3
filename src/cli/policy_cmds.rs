//! `check` and `policy test`.

use std::io::Write;
use std::path::Path;

use super::audit_cmds::open_ledger;
use super::terminal::{FindingsArg, summary_options};
use super::{CliError, Files, ReportFormat};
use crate::api::report::Report;
use crate::api::{self, Options};
use crate::store::{SystemMeter, packs, policy_tests as testing};

/// Parses `--at`.
pub fn parse_at(at: Option<&str>) -> Result<Option<i64>, CliError> {
    at.map(|t| {
        crate::primitives::time::parse(t)
            .map(|t| t.timestamp_millis())
            .map_err(|e| CliError::usage(format!("--at: {e}")))
    })
    .transpose()
}

/// Prints a report in the chosen format (the table summary-first on a terminal or with `--findings`).
pub fn print_report(report: &Report, format: ReportFormat, findings: Option<FindingsArg>) -> Result<(), CliError> {
    let text = match format {
        ReportFormat::Table => match summary_options(findings) {
            Some(o) => {
                let mut text = report.to_summary(&o);
                text.push_str(&crate::render::summary::wrap(
                    "every finding: --findings all; the full report with the records each finding cites and charts: fairboard audit --format html",
                    o.width,
                    "  ",
                ));
                text
            }
            None => report.to_table(),
        },
        ReportFormat::Json => report.to_json().map_err(CliError::usage)?,
        ReportFormat::Markdown => report.to_markdown(),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(())
}

/// A ledger that does not verify, as `check` and `check --plan` report it.
fn check_error(e: api::ApiError, path: &Path) -> CliError {
    CliError::api(e, &Files { ledger: Some(path), checkpoint: None })
}

/// `fairboard check --ledger FILE --policy PACK [--at T] [--format table|json|markdown]`.
pub fn check(
    path: &Path,
    policy: &Path,
    at: Option<&str>,
    format: ReportFormat,
    allow_override: bool,
    findings: Option<FindingsArg>,
) -> Result<(), CliError> {
    let at = parse_at(at)?;
    let pack = packs::load(policy).map_err(CliError::usage)?;
    let options = Options { at, allow_override, meter: Some(SystemMeter::shared()), detail: false };
    let report = api::check(open_ledger(path)?, &pack, &options).map_err(|e| check_error(e, path))?;
    print_report(&report, format, findings)?;
    if report.fails() {
        return Err(CliError::fail(format!(
            "policy `{}` failed: {} deny finding(s), {} rule error(s)",
            pack.name, report.summary.deny, report.summary.errors
        )));
    }
    Ok(())
}

/// `fairboard check --plan PLAN [--as PROVIDER]`: judges planned events without writing anything.
pub fn what_if(
    path: &Path,
    policy: &Path,
    plan: &Path,
    provider: Option<&str>,
    format: ReportFormat,
    allow_override: bool,
) -> Result<(), CliError> {
    let pack = packs::load(policy).map_err(CliError::usage)?;
    let plan = packs::load_plan(plan).map_err(CliError::usage)?;
    let options = Options { at: None, allow_override, meter: Some(SystemMeter::shared()), detail: false };
    let report =
        api::what_if(open_ledger(path)?, &pack, &plan, provider, &options).map_err(|e| check_error(e, path))?;
    let text = match format {
        ReportFormat::Table => report.to_table(),
        ReportFormat::Json => report.to_json().map_err(CliError::usage)?,
        ReportFormat::Markdown => report.to_markdown(),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if report.denies() {
        return Err(CliError::fail("the plan would introduce deny findings"));
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
