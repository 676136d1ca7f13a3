//! `demo`: simulate a realistic arena, write its signed ledger, audit it, print the audit.

use std::path::{Path, PathBuf};

use super::CliError;
use crate::render::audit::md_table;
use crate::sim::{self, Scenario, Truth};

/// The default scenario (`examples/illusion.yaml`), built in so the demo runs from any directory.
const ILLUSION: &str = include_str!("../../examples/illusion.yaml");

/// The default seed.
pub const DEFAULT_SEED: u64 = 2025;

/// A new directory `fairboard-demo-N` under the current one.
fn fresh_dir() -> Result<PathBuf, CliError> {
    for n in 1..10_000 {
        let dir = PathBuf::from(format!("fairboard-demo-{n}"));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(CliError::usage(format!("{}: {e}", dir.display()))),
        }
    }
    Err(CliError::usage("no free fairboard-demo-N directory name; pass --out DIR"))
}

/// The hidden-truth section: how much best-of-N selection inflated each disclosed release rating.
pub fn truth_markdown(truth: &Truth) -> String {
    let mut out = String::from(
        "\n## Best-of-N against the hidden truth (simulation only)\n\nThe simulator knows every model's true skill. \
         Each release below was the best of N privately tested variants; its disclosed rating is compared with \
         its true rating (same scale), and with the selection-adjusted rating `disclosed − σ·sqrt(2 ln N)`.\n\n",
    );
    let header = [
        "released model",
        "provider",
        "license",
        "N",
        "true",
        "disclosed",
        "inflation",
        "selection-adjusted",
        "adjusted − true",
    ];
    let rows: Vec<Vec<String>> = truth
        .releases
        .iter()
        .map(|r| {
            vec![
                r.public_name.clone(),
                r.provider.clone(),
                r.license.as_str().to_owned(),
                r.variants_tested.to_string(),
                format!("{:.1}", r.true_rating),
                format!("{:.1}", r.disclosed_rating),
                format!("{:+.1}", r.inflation()),
                format!("{:.1}", r.selection_adjusted),
                format!("{:+.1}", r.selection_adjusted - r.true_rating),
            ]
        })
        .collect();
    out.push_str(&md_table(&header, &rows));
    let mean = |pick: &dyn Fn(u32) -> bool| {
        let v: Vec<f64> = truth.releases.iter().filter(|r| pick(r.variants_tested)).map(|r| r.inflation()).collect();
        (v.len(), if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 })
    };
    let (many, many_mean) = mean(&|n| n > 3);
    let (few, few_mean) = mean(&|n| n <= 3);
    out.push_str(&format!(
        "\nMean inflation of the disclosed over the true rating: {many_mean:+.1} points over {many} release(s) after more than 3 variants, {few_mean:+.1} over {few} release(s) after 3 or fewer.\n"
    ));
    out
}

/// `fairboard demo [--scenario FILE] [--out DIR] [--seed S]`.
pub fn demo(scenario: Option<&Path>, out: Option<&Path>, seed: u64) -> Result<(), CliError> {
    let scenario = match scenario {
        Some(p) => Scenario::load(p).map_err(CliError::usage)?,
        None => Scenario::parse("examples/illusion.yaml (built in)", ILLUSION).map_err(CliError::usage)?,
    };
    let dir = match out {
        Some(d) => d.to_path_buf(),
        None => fresh_dir()?,
    };
    let simulation = sim::simulate(&scenario, seed).map_err(CliError::usage)?;
    let written =
        sim::write_ledger(&dir, &simulation.leaderboard, &simulation.timeline, seed).map_err(CliError::usage)?;
    let audit = super::audit_cmds::build(&written.ledger, &written.operator_pub, &written.policy, None, false)?;
    let truth = truth_markdown(&simulation.truth);
    let report = dir.join("report.md");
    std::fs::write(&report, format!("{}{truth}", audit.to_markdown()))
        .map_err(|e| CliError::usage(format!("{}: {e}", report.display())))?;
    out!("{}", audit.to_table());
    outln!("{truth}");
    outln!(
        "wrote {} ({} records), {} (+ operator.key), {} and {}",
        written.ledger.display(),
        written.records,
        written.operator_pub.display(),
        written.policy.display(),
        report.display()
    );
    outln!(
        "re-run the audit: fairboard audit --ledger {} --trust {} --policy {}",
        written.ledger.display(),
        written.operator_pub.display(),
        written.policy.display()
    );
    Ok(())
}
