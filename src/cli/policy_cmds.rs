//! `check` and `policy test`.

use std::io::{BufReader, Write};
use std::path::Path;
use std::sync::Arc;

use super::{CliError, ReportFormat};
use crate::facts::{Facts, FactsBuilder};
use crate::ledger::{self, VerifyError};
use crate::policy::{self, PolicyPack, admission, testing};
use crate::report::{LedgerInfo, PlanReport, PolicyOverride, Report};

/// Verifies `path` (under its own declared operator key) while building its facts as of `at`.
pub fn ledger_builder(path: &Path, at: Option<i64>) -> Result<(FactsBuilder, ledger::Head), CliError> {
    let file = std::fs::File::open(path).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    let mut builder = FactsBuilder::new(at);
    match ledger::verify_stream(BufReader::with_capacity(1 << 20, file), None, |r| builder.push(r)) {
        Ok(head) => Ok((builder, head)),
        Err(VerifyError::Defect(d)) => Err(CliError::fail(format!("{}: ledger does not verify: {d}", path.display()))),
        Err(e) => Err(CliError::usage(format!("{}: {e}", path.display()))),
    }
}

/// Checks the pack against the ledger's adopted one: an error without `--policy-override`, the
/// report's override note with it.
pub fn adoption(pack: &PolicyPack, facts: &Facts, allow_override: bool) -> Result<Option<PolicyOverride>, CliError> {
    match admission::check_adopted(pack, facts) {
        Ok(()) => Ok(None),
        Err(e) if allow_override => Ok(Some(PolicyOverride { adopted_digest: e.adopted, adopted_seq: e.seq })),
        Err(e) => Err(CliError::usage(e)),
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
pub fn check(
    path: &Path,
    policy: &Path,
    at: Option<&str>,
    format: ReportFormat,
    allow_override: bool,
) -> Result<(), CliError> {
    let at = parse_at(at)?;
    let pack = policy::load(policy).map_err(CliError::usage)?;
    let facts = ledger_builder(path, at)?.0.finish();
    let policy_override = adoption(&pack, &facts, allow_override)?;
    let info = LedgerInfo { records: facts.records, head: facts.head.clone(), at: judged_at(&facts) };
    let evaluation = policy::evaluate(&pack, Arc::new(facts));
    let mut report = Report::new(&pack, info, evaluation);
    report.policy_override = policy_override;
    print_report(&report, format);
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
    let pack = policy::load(policy).map_err(CliError::usage)?;
    let plan = crate::plan::load(plan).map_err(CliError::usage)?;
    let (builder, head) = ledger_builder(path, None)?;
    let facts = builder.judged_at(head.time.timestamp_millis());
    let policy_override = adoption(&pack, &facts, allow_override)?;
    let info = LedgerInfo { records: facts.records, head: facts.head.clone(), at: judged_at(&facts) };
    drop(facts);
    let provider = provider.map(str::to_owned).or_else(|| plan.provider.clone());
    let verdict = crate::plan::what_if(
        &pack,
        builder,
        (head.records, &head.hash, head.time.timestamp_millis()),
        &plan,
        provider.as_deref(),
    )
    .map_err(CliError::usage)?;
    let report =
        PlanReport { policy: crate::report::PolicyInfo::of(&pack), policy_override, ledger: info, plan: verdict };
    let text = match format {
        ReportFormat::Table => report.to_table(),
        ReportFormat::Json => report.to_json(),
        ReportFormat::Markdown => report.to_markdown(),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if report.plan.denies() {
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
