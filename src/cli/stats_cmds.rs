//! `scores`, `sampling` and `import`: the statistics commands (see docs/statistics.md).

use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde_json::{Value, json};

use super::CliError;
use crate::facts::{Facts, FactsBuilder};
use crate::import::{self, fastchat, metadata};
use crate::ledger::{self, VerifyError};
use crate::stats::bradley_terry::FitOptions;
use crate::stats::flip::{self, Fragility};
use crate::stats::pairs::{Comparisons, PeriodFilter};
use crate::stats::scores::{ScoresError, scoreboard_with};
use crate::stats::{AnchorSpec, CiMethod, Scoreboard, bootstrap, sampling, selection};

/// Output format of `scores`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScoresFormat {
    /// Aligned text for terminals, with the anchor, the interval method and the comparison graph.
    Table,
    /// `model,rating,ci_low,ci_high,battles,rank`, best first (design.md, Reports).
    Csv,
    /// One JSON object.
    Json,
}

/// The arguments of `scores`.
#[derive(Debug, Clone, clap::Args)]
pub struct ScoresArgs {
    /// The ledger file (verified under its declared operator key first).
    #[arg(long)]
    pub ledger: PathBuf,
    /// Only battle periods starting at or after this time (RFC 3339 UTC).
    #[arg(long)]
    pub from: Option<String>,
    /// Only battle periods starting before this time (RFC 3339 UTC).
    #[arg(long)]
    pub to: Option<String>,
    /// Bootstrap rounds for --ci bootstrap [default: 100].
    #[arg(long, value_name = "N")]
    pub bootstrap: Option<usize>,
    /// How the intervals are computed.
    #[arg(long, value_enum, default_value_t = CiKind::Bootstrap)]
    pub ci: CiKind,
    /// Seed of the bootstrap's random draws.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Pin MODEL at RATING [default: mixtral-8x7b-instruct-v0.1=1114 if rated, else a mean of 1000].
    #[arg(long, value_name = "MODEL=RATING")]
    pub anchor: Option<String>,
    /// Weight battles as LMArena's arena-rank does: `inverse-pair-frequency` gives each battle of a
    /// pair the weight 1 / max(battles of the pair, --min-pair-count).
    #[arg(long, value_enum)]
    pub reweight: Option<ReweightKind>,
    /// The floor of the pair count in --reweight.
    #[arg(long, value_name = "N", default_value_t = 50, requires = "reweight")]
    pub min_pair_count: u64,
    /// Votes to flip for the adjacent pairs among the best N + 1 models, and the top model against
    /// its cheapest challenger: a number, `all`, or 0 for none.
    #[arg(long, value_name = "N|all", default_value = "20")]
    pub flip_depth: String,
    /// Recompute the `score_disclosed` at this seq under the method it records, and report whether
    /// it is reproduced or the first difference (exit 1 when it is not; the other flags are not
    /// used: the record names its method).
    #[arg(long, value_name = "SEQ")]
    pub reproduce: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScoresFormat::Table)]
    pub format: ScoresFormat,
}

/// Battle weights of `scores --reweight`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReweightKind {
    /// 1 / max(pair count, --min-pair-count) per battle (arena-rank's `reweighted=True`).
    InversePairFrequency,
}

/// Interval method of `scores`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CiKind {
    /// Percentile bootstrap over multinomial resamples of the pair-outcome counts.
    Bootstrap,
    /// Sandwich (robust) standard errors.
    Sandwich,
}

/// Input format of `import`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// FastChat battle records: a JSON array or JSON Lines.
    Fastchat,
    /// Per-pair counts: CSV `model_a,model_b,a_wins,b_wins,ties,ties_bothbad`.
    Pairs,
}

/// Output format of `sampling`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SamplingFormat {
    /// Aligned text for terminals.
    Table,
    /// One JSON object.
    Json,
}

/// Verifies `path` under its own declared operator key and builds its facts.
fn ledger_facts(path: &Path) -> Result<Facts, CliError> {
    ledger_facts_through(path, u64::MAX)
}

/// [`ledger_facts`] from the records up to seq `last` only (the whole ledger is still verified): the
/// ledger as it stood when that record was written.
fn ledger_facts_through(path: &Path, last: u64) -> Result<Facts, CliError> {
    let file = std::fs::File::open(path).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    let mut builder = FactsBuilder::new(None);
    let keep = |r: &crate::ledger::VerifiedRecord| r.record().seq <= last;
    match ledger::verify_stream(BufReader::with_capacity(1 << 20, file), None, |r| {
        if keep(r) {
            builder.push(r);
        }
    }) {
        Ok(_) => builder.finish().map_err(|e| CliError::usage(format!("{}: {e}", path.display()))),
        Err(VerifyError::Defect(d)) => Err(CliError::fail(format!("{}: ledger does not verify: {d}", path.display()))),
        Err(e) => Err(CliError::usage(format!("{}: {e}", path.display()))),
    }
}

fn parse_time(flag: &str, value: Option<&str>) -> Result<Option<i64>, CliError> {
    value
        .map(|t| {
            crate::primitives::time::parse(t)
                .map(|t| t.timestamp_millis())
                .map_err(|e| CliError::usage(format!("{flag}: {e}")))
        })
        .transpose()
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(|| ms.to_string(), crate::primitives::time::format)
}

fn write_stdout(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn round(x: f64, digits: i32) -> f64 {
    let k = 10f64.powi(digits);
    (x * k).round() / k
}

/// `fairboard scores --ledger FILE [--from T] [--to T] [--bootstrap N] [--ci bootstrap|sandwich]
/// [--seed S] [--anchor M=R] [--reweight inverse-pair-frequency [--min-pair-count N]]
/// [--flip-depth N|all] [--format table|csv|json]`.
pub fn scores(args: &ScoresArgs) -> Result<(), CliError> {
    let path = args.ledger.as_path();
    if let Some(seq) = args.reproduce {
        return reproduce(path, seq, args.format);
    }
    let filter = PeriodFilter {
        from: parse_time("--from", args.from.as_deref())?,
        to: parse_time("--to", args.to.as_deref())?,
        before_seq: None,
    };
    let anchor = args
        .anchor
        .as_deref()
        .map(str::parse::<AnchorSpec>)
        .transpose()
        .map_err(|e| CliError::usage(format!("--{e}")))?
        .unwrap_or_default();
    let method = match (args.ci, args.bootstrap) {
        (CiKind::Bootstrap, rounds) => {
            CiMethod::Bootstrap { rounds: rounds.unwrap_or(bootstrap::DEFAULT_ROUNDS), seed: args.seed }
        }
        (CiKind::Sandwich, None) => CiMethod::Sandwich,
        (CiKind::Sandwich, Some(_)) => {
            return Err(CliError::usage("--bootstrap N goes with --ci bootstrap; the sandwich interval draws nothing"));
        }
    };
    let depth = match args.flip_depth.as_str() {
        "all" => Some(None),
        n => match n.parse::<usize>() {
            Ok(0) => None,
            Ok(n) => Some(Some(n)),
            Err(_) => {
                return Err(CliError::usage(format!("--flip-depth {n}: expected a number of pairs or `all`"))
                    .with_hint("--flip-depth 0 leaves votes to flip out"));
            }
        },
    };
    if args.min_pair_count == 0 {
        return Err(CliError::usage("--min-pair-count 0: the floor must be at least 1"));
    }
    let options = FitOptions { reweight: args.reweight.map(|_| args.min_pair_count), ..FitOptions::default() };
    let format = args.format;
    let facts = ledger_facts(path)?;
    let comparisons = Comparisons::from_facts(&facts, filter);
    // Every failure here is about the data or the flags (an anchor without a rating, a bootstrap
    // with no connected resample, a fit that cannot converge): bad input, exit 2.
    let board = scoreboard_with(&comparisons, &anchor, method, options).map_err(|e: ScoresError| {
        use crate::stats::anchor::AnchorError;
        use crate::stats::bootstrap::BootstrapError;
        use crate::stats::bradley_terry::RateError;
        match &e {
            ScoresError::Rate(RateError::Anchor(AnchorError::NotRated { model, why })) => CliError::usage(format!(
                "{}: --anchor: model `{model}` {why}, so it cannot anchor the ratings",
                path.display()
            )),
            ScoresError::Bootstrap(BootstrapError::TooFewRounds(n)) => {
                CliError::usage(format!("--bootstrap {n}: at least 2 rounds are needed for an interval"))
            }
            ScoresError::Bootstrap(BootstrapError::Degenerate { .. }) => {
                CliError::usage(format!("{}: {e}", path.display())).with_hint("use --ci sandwich")
            }
            _ => CliError::usage(format!("{}: {e}", path.display())),
        }
    })?;
    let selections = selection::selections(&facts, selection::WINDOW_DAYS, Some((&board.ratings, filter)));
    let flips = match (depth, format) {
        (Some(depth), ScoresFormat::Json | ScoresFormat::Table) => Some(
            flip::fragility(&board.ratings, depth).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?,
        ),
        _ => None,
    };
    let text = match format {
        ScoresFormat::Csv => board.to_csv(),
        ScoresFormat::Json => scores_json(&board, filter, &selections, flips.as_ref()),
        ScoresFormat::Table => scores_table(&board, filter, &selections, flips.as_ref()),
    };
    write_stdout(&text);
    Ok(())
}

fn window_text(filter: PeriodFilter) -> String {
    match (filter.from, filter.to) {
        (None, None) => "all recorded periods".into(),
        (Some(f), None) => format!("periods starting at or after {}", iso(f)),
        (None, Some(t)) => format!("periods starting before {}", iso(t)),
        (Some(f), Some(t)) => format!("periods starting in [{}, {})", iso(f), iso(t)),
    }
}

fn selection_json(s: &selection::Selection) -> Value {
    let r4 = |x: Option<f64>| x.map(|x| round(x, 4));
    let r = &s.at_release;
    json!({
        "model": r.model,
        "provider": r.provider,
        "released_seq": r.released.0,
        "public_name": r.public_name,
        "n": r.n,
        "n_rated": r.n_rated,
        "variant_seqs": r.variants.iter().map(|v| v.seq).collect::<Vec<_>>(),
        "variants": r.variants.iter().map(|v| json!({
            "model": v.model, "seq": v.seq, "rating": r4(v.rating), "sigma": r4(v.sigma), "battles": v.battles,
        })).collect::<Vec<_>>(),
        "rating_at_release": r4(r.rating_at_release),
        "sigma_at_selection": r4(r.sigma_at_selection),
        "tau": round(r.tau, 4),
        "tau_df": r.tau_df,
        "inflation_at_release": r4(r.inflation_at_release),
        "adjusted_at_release": r4(r.adjusted_at_release),
        "expected_inflation_at_release": r4(r.expected_inflation_at_release),
        "note": r.note,
        "rated_as": s.rated_as,
        "rating": r4(s.rating),
        "battles_pre": s.battles_pre,
        "battles_post": s.battles_post,
        "pre_share": s.pre_share.map(|x| round(x, 6)),
        "inflation": r4(s.inflation),
        "adjusted_rating": r4(s.adjusted_rating),
        "inflation_bound": r4(s.inflation_bound),
        "expected_inflation": r4(s.expected_inflation),
    })
}

fn scores_json(
    board: &Scoreboard,
    filter: PeriodFilter,
    selections: &[selection::Selection],
    flips: Option<&Fragility>,
) -> String {
    let mut out = board.to_json();
    if let Some(f) = flips {
        if let Some(Value::Array(rows)) = out.get_mut("ratings") {
            for row in rows.iter_mut() {
                let model = row.get("model").and_then(Value::as_str).map(str::to_owned);
                let flip = model.and_then(|m| f.adjacent.iter().find(|x| x.upper == m));
                if let (Some(obj), Some(x)) = (row.as_object_mut(), flip) {
                    obj.insert("votes_to_flip".into(), json!(x.votes));
                }
            }
        }
        out.insert("votes_to_flip".into(), serde_json::to_value(f).unwrap_or(Value::Null));
    }
    if let Some(m) = board.ratings.reweight {
        out.insert("reweight".into(), json!({"method": "inverse_pair_frequency", "min_pair_count": m}));
    }
    out.insert(
        "window".into(),
        json!({"from": filter.from.map(iso), "to": filter.to.map(iso), "description": window_text(filter)}),
    );
    out.insert(
        "best_of_n".into(),
        json!({"window_days": selection::WINDOW_DAYS, "releases": selections.iter().map(selection_json).collect::<Vec<_>>()}),
    );
    let mut text = Value::Object(out).to_string();
    text.push('\n');
    text
}

fn scores_table(
    board: &Scoreboard,
    filter: PeriodFilter,
    selections: &[selection::Selection],
    flips: Option<&Fragility>,
) -> String {
    let r = &board.ratings;
    let battles: u64 = r.battles.iter().sum::<u64>() / 2;
    let mut out = format!(
        "{battles} battles, {} models ({}); {} rated\nanchor: {}\nintervals: {}\nfit: Newton, {} iterations, relative gradient norm {:.1e}\n\n",
        r.models.len(),
        window_text(filter),
        r.rated.len(),
        r.anchor,
        board.method_text(),
        r.iterations,
        r.relative_gradient,
    );
    if r.models.is_empty() {
        out.push_str("no battles recorded in this window\n");
        return out;
    }
    match flips {
        Some(f) => {
            out.push_str(&board.to_table_with_flips(f));
            if let Some(t) = crate::render::audit::top_flip_text(f) {
                out.push_str(&format!("\n{t}\n"));
            }
        }
        None => out.push_str(&board.to_table()),
    }
    let components = board.components();
    if components.len() > 1 {
        out.push_str(&format!(
            "\ncomparison graph: not strongly connected, {} components (only the first is rated):\n",
            components.len()
        ));
        for (i, c) in components.iter().enumerate() {
            out.push_str(&format!("  {}: {}\n", i + 1, c.join(", ")));
        }
    }
    let shown: Vec<&selection::Selection> = selections.iter().filter(|s| s.at_release.n > 1).collect();
    if !shown.is_empty() {
        out.push_str(&format!(
            "\nbest-of-N (each release with the variants its programme tested, none ended more than {} days before it; \
             inflation at release by empirical Bayes, diluted by later votes; docs/statistics.md §5):\n",
            selection::WINDOW_DAYS
        ));
        let rows: Vec<Vec<String>> = shown.iter().map(|s| crate::render::audit::selection_cells(s)).collect();
        out.push_str(&crate::render::report::table(&crate::render::audit::SELECTION_HEADER, &rows));
    }
    out
}

/// `fairboard sampling --ledger FILE [--format table|json]`.
pub fn sampling(path: &Path, format: SamplingFormat) -> Result<(), CliError> {
    let facts = ledger_facts(path)?;
    let report = sampling::report(&facts, sampling::DEFAULT_FLOOR)
        .map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    let text = match format {
        SamplingFormat::Json => {
            let share = |s: &sampling::Share| {
                json!({
                    "id": s.id,
                    "provider": s.provider,
                    "recommended": round(s.recommended, 6),
                    "configured": s.configured.map(|x| round(x, 6)),
                    "realised": round(s.realised, 6),
                })
            };
            let pairs: Vec<Value> = report
                .pairs
                .iter()
                .map(|p| {
                    json!({
                        "model_a": p.model_a,
                        "model_b": p.model_b,
                        "battles": p.battles,
                        "variance": round(p.variance, 6),
                        "probability": round(p.probability, 8),
                    })
                })
                .collect();
            let mut text = json!({
                "floor": report.floor,
                "active_models": report.active,
                "configuration": report.configuration.map(|(seq, from)| json!({"seq": seq, "effective_from": iso(from)})),
                "realised_battles": report.realised_battles,
                "models": report.models.iter().map(share).collect::<Vec<_>>(),
                "providers": report.providers.iter().map(share).collect::<Vec<_>>(),
                "pairs": pairs,
            })
            .to_string();
            text.push('\n');
            text
        }
        SamplingFormat::Table => sampling_table(&report),
    };
    write_stdout(&text);
    Ok(())
}

fn sampling_table(report: &sampling::SamplingReport) -> String {
    let pct = |x: f64| format!("{:.2}%", 100.0 * x);
    let configured = match report.configuration {
        Some((seq, from)) => format!("sampling_set at seq {seq}, effective from {}", iso(from)),
        None => "none recorded (configured shares are blank)".into(),
    };
    let mut out = format!(
        "recommended: Chiang et al. Eq. 9 over {} pairs of {} active models, floor {}\nconfigured: {configured}\nrealised: {} battles {}\n\n",
        report.pairs.len(),
        report.active.len(),
        report.floor,
        report.realised_battles,
        if report.configuration.is_some() { "since it took effect" } else { "in all recorded periods" },
    );
    let rows = |shares: &[sampling::Share], with_provider: bool| -> Vec<Vec<String>> {
        shares
            .iter()
            .map(|s| {
                let mut row = vec![s.id.clone()];
                if with_provider {
                    row.push(s.provider.clone());
                }
                row.extend([pct(s.recommended), s.configured.map_or_else(|| "-".into(), pct), pct(s.realised)]);
                row
            })
            .collect()
    };
    out.push_str("per model (share of battle appearances; uniform = 1 / models):\n");
    out.push_str(&crate::render::report::table(
        &["model", "provider", "recommended", "configured", "realised"],
        &rows(&report.models, true),
    ));
    out.push_str("\nper provider (share of battles with at least one of its models):\n");
    out.push_str(&crate::render::report::table(
        &["provider", "recommended", "configured", "realised"],
        &rows(&report.providers, false),
    ));
    out
}

/// An import error, with the flags that give a period when one would help.
fn import_error(e: import::ImportError) -> CliError {
    let hint = e.needs_period().then_some("give the period the data covers with --period-start and --period-end");
    let err = CliError::usage(e);
    match hint {
        Some(h) => err.with_hint(h),
        None => err,
    }
}

/// `fairboard import --format fastchat|pairs [--models META.csv] [--period-start T --period-end T] FILE`.
pub fn import(
    format: ImportFormat,
    models: Option<&Path>,
    period_start: Option<&str>,
    period_end: Option<&str>,
    path: &Path,
) -> Result<(), CliError> {
    let period = import::period(period_start, period_end).map_err(import_error)?;
    let meta = models.map(metadata::read).transpose().map_err(CliError::usage)?;
    let (file, reader) = import::open(path).map_err(CliError::usage)?;
    let battles = match format {
        ImportFormat::Fastchat => fastchat::read(&file, reader, period),
        ImportFormat::Pairs => import::pairs::read(&file, reader, period),
    }
    .map_err(import_error)?;
    let events = import::events(&file, &battles, meta.as_ref()).map_err(CliError::usage)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    for e in &events {
        if writeln!(out, "{e}").is_err() {
            return Ok(()); // stdout closed (`| head`)
        }
    }
    let _ = out.flush();
    let _ = writeln!(std::io::stderr().lock(), "imported {} events: {}", events.len(), battles.summary());
    Ok(())
}

/// `fairboard scores --ledger L --reproduce SEQ [--format table|json]`.
fn reproduce(path: &Path, seq: u64, format: ScoresFormat) -> Result<(), CliError> {
    use crate::stats::reproduce::{ReproduceError, reproduce as run};
    // The ledger as it stood at the disclosure: names revealed later do not rename its board.
    let facts = ledger_facts_through(path, seq)?;
    let r = run(&facts, seq).map_err(|e| {
        let hint = match e {
            ReproduceError::NotADisclosure(_) | ReproduceError::NoMethod(_) => {
                Some("a score_disclosed with a method object can be reproduced (docs/statistics.md §12)")
            }
            _ => None,
        };
        let err = CliError::usage(format!("{}: {e}", path.display()));
        match hint {
            Some(h) => err.with_hint(h),
            None => err,
        }
    })?;
    match format {
        ScoresFormat::Json => outln!("{}", serde_json::to_string_pretty(&r).map_err(CliError::usage)?),
        ScoresFormat::Table | ScoresFormat::Csv => {
            let line = |l: &crate::stats::reproduce::Line| format!("{} ({} to {})", l.rating, l.ci_low, l.ci_high);
            outln!("disclosure seq {} of {}: {}", r.seq, r.model, crate::stats::reproduce::describe(&r.method));
            outln!("disclosed:  {}", line(&r.disclosed));
            outln!("recomputed: {}", r.recomputed.as_ref().map_or_else(|| "not rated".into(), line));
            outln!(
                "board digest: {}{}",
                r.digest,
                r.recorded_digest.as_ref().map_or_else(String::new, |d| format!(" (recorded {d})"))
            );
            match &r.difference {
                None => outln!("reproduced: the disclosure matches the method's board"),
                Some(d) => outln!("NOT reproduced: {d}"),
            }
        }
    }
    if r.equal {
        Ok(())
    } else {
        Err(CliError::fail(format!(
            "{}: the disclosure at seq {seq} is not reproduced: {}",
            path.display(),
            r.difference.unwrap_or_default()
        )))
    }
}
