//! `demo`: simulate a realistic arena, write its signed ledger, audit it, print the audit.

use std::path::{Path, PathBuf};

use super::CliError;
use crate::render::audit::md_table;
use crate::render::html::HtmlOptions;
use crate::sim::{self, Scenario, Truth};
use crate::stats::selection::{self, Selection};

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

/// Mean and mean absolute value.
fn mean_mae(v: &[f64]) -> (f64, f64) {
    if v.is_empty() {
        return (0.0, 0.0);
    }
    let n = v.len() as f64;
    (v.iter().sum::<f64>() / n, v.iter().map(|x| x.abs()).sum::<f64>() / n)
}

/// The hidden-truth section: how much best-of-N selection inflated each disclosed release rating,
/// and how close the audit's selection-adjusted rating (`selections`, joined on the released id)
/// comes to the truth.
pub fn truth_markdown(truth: &Truth, selections: &[Selection]) -> String {
    let mut out = String::from(
        "\n## Best-of-N against the hidden truth (simulation only)\n\nThe simulator knows every model's true skill. \
         Each release below was the best of N privately tested variants. Its disclosed rating is compared with \
         its true rating on the same scale (the rated models' mean true skill at 1000), and so is the audit's \
         selection-adjusted rating at release: the disclosed-time rating less the empirical-Bayes inflation \
         (docs/statistics.md §5). The last column subtracts the classical upper bound σ·sqrt(2 ln N) instead.\n\n",
    );
    let header = [
        "released model",
        "provider",
        "license",
        "N",
        "true",
        "disclosed",
        "disclosed − true",
        "σ at selection",
        "inflation at release",
        "adjusted",
        "adjusted − true",
        "bound-adjusted − true",
    ];
    struct Errors {
        n: u32,
        disclosed: f64,
        adjusted: f64,
        bound: Option<f64>,
    }
    let mut errors = Vec::new();
    let rows: Vec<Vec<String>> = truth
        .releases
        .iter()
        .map(|r| {
            let s = selections.iter().map(|s| &s.at_release).find(|s| s.model == r.model);
            let d0 = s.and_then(|s| s.inflation_at_release).unwrap_or(0.0);
            let at = s.and_then(|s| s.rating_at_release).unwrap_or(r.disclosed_rating);
            let adjusted = at - d0;
            let sigma = s.and_then(|s| s.sigma_at_selection);
            let bound = sigma.map(|x| at - selection::inflation_bound(u64::from(r.variants_tested), x) - r.true_rating);
            errors.push(Errors {
                n: r.variants_tested,
                disclosed: r.inflation(),
                adjusted: adjusted - r.true_rating,
                bound,
            });
            let one = |x: Option<f64>| x.map_or_else(|| "-".into(), |x| format!("{x:.1}"));
            vec![
                r.public_name.clone(),
                r.provider.clone(),
                r.license.as_str().to_owned(),
                r.variants_tested.to_string(),
                format!("{:.1}", r.true_rating),
                format!("{:.1}", r.disclosed_rating),
                format!("{:+.1}", r.inflation()),
                one(sigma),
                format!("{d0:.1}"),
                format!("{adjusted:.1}"),
                format!("{:+.1}", adjusted - r.true_rating),
                bound.map_or_else(|| "-".into(), |x| format!("{x:+.1}")),
            ]
        })
        .collect();
    out.push_str(&md_table(&header, &rows));
    for (label, pick) in
        [("more than 3 variants", &(|n: u32| n > 3) as &dyn Fn(u32) -> bool), ("3 or fewer", &|n| n <= 3)]
    {
        let chosen: Vec<&Errors> = errors.iter().filter(|e| pick(e.n)).collect();
        if chosen.is_empty() {
            continue;
        }
        let (dm, da) = mean_mae(&chosen.iter().map(|e| e.disclosed).collect::<Vec<_>>());
        let (am, aa) = mean_mae(&chosen.iter().map(|e| e.adjusted).collect::<Vec<_>>());
        let (bm, ba) = mean_mae(&chosen.iter().filter_map(|e| e.bound).collect::<Vec<_>>());
        out.push_str(&format!(
            "\nReleases after {label} ({}): disclosed − true mean {dm:+.1}, mean |·| {da:.1}; \
             selection-adjusted − true mean {am:+.1}, mean |·| {aa:.1}; bound-adjusted − true mean {bm:+.1}, mean |·| {ba:.1}.\n",
            chosen.len()
        ));
    }
    out
}

/// `fairboard demo [--scenario FILE] [--out DIR] [--seed S]`.
pub fn demo(
    scenario: Option<&Path>,
    out: Option<&Path>,
    seed: u64,
    findings: Option<super::terminal::FindingsArg>,
) -> Result<(), CliError> {
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
    let files = super::audit_cmds::AuditFiles {
        ledger: &written.ledger,
        trust: &written.operator_pub,
        policy: &written.policy,
        checkpoint: None,
    };
    let audit = super::audit_cmds::build(&files, false, true)?;
    let truth = truth_markdown(&simulation.truth, &audit.best_of_n);
    let report = dir.join("report.md");
    std::fs::write(&report, format!("{}{truth}", audit.to_markdown()))
        .map_err(|e| CliError::usage(format!("{}: {e}", report.display())))?;
    let html = dir.join("report.html");
    std::fs::write(&html, audit.to_html(&HtmlOptions::default()))
        .map_err(|e| CliError::usage(format!("{}: {e}", html.display())))?;
    let summary = super::terminal::summary_options(findings);
    match &summary {
        Some(o) => {
            out!("{}", audit.to_summary(o));
            outln!(
                "\nthe simulation's ground truth (best-of-N, disclosed and adjusted against true skill) is in {}",
                report.display()
            );
        }
        None => {
            out!("{}", audit.to_table());
            outln!("{truth}");
        }
    }
    outln!(
        "wrote {} ({} records), {} (+ operator.key), {}, {} and {}",
        written.ledger.display(),
        written.records,
        written.operator_pub.display(),
        written.policy.display(),
        report.display(),
        html.display()
    );
    if let Some(o) = &summary {
        out!(
            "{}",
            crate::render::summary::wrap(
                &format!("full report: {} (open it in a browser; every finding here: --findings all)", html.display()),
                o.width,
                "  "
            )
        );
    }
    outln!(
        "re-run the audit: fairboard audit --ledger {} --trust {} --policy {}",
        written.ledger.display(),
        written.operator_pub.display(),
        written.policy.display()
    );
    Ok(())
}
