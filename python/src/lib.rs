//! `fairboard._native`: the extension module under the `fairboard` Python package.
//!
//! A thin adapter: each function reads its arguments ([`source`]), runs one use case of
//! `fairboard::api` or the file store with the GIL released ([`run`]), and returns the result as the
//! JSON the CLI prints (the package's pure-Python layer turns it into typed objects), or raises one
//! of `fairboard._errors`' exceptions ([`failure`]). Nothing here decides anything the core does not.

mod failure;
mod run;
mod source;

use std::path::PathBuf;

use fairboard::api::{self, Options};
use fairboard::store::{self, SystemMeter};
use fairboard::{AuditReport, HtmlOptions, InputEvent};
use fairboard_core::stats::{AnchorSpec, CiMethod, PeriodFilter};
use pyo3::prelude::*;

use failure::{Failure, input};
use source::{Named, Watch};

/// The audit's own per-record progress ticks are off (0): progress comes from the reader, in bytes.
const NO_TICKS: u64 = 0;

fn json<T: serde::Serialize>(value: &T) -> Result<String, Box<Failure>> {
    serde_json::to_string(value).map_err(|e| Box::new(input(format!("cannot serialise the result: {e}"))))
}

fn parse_time(what: &str, t: Option<&str>) -> PyResult<Option<i64>> {
    t.map(|t| {
        fairboard::time::parse(t)
            .map(|t| t.timestamp_millis())
            .map_err(|e| input(format!("{what}: {e}")).into_err_gil())
    })
    .transpose()
}

fn options(at: Option<i64>, allow_override: bool, detail: bool) -> Options {
    Options { at, allow_override, meter: Some(SystemMeter::shared()), detail }
}

/// Verifies a ledger under the operator key `trust` (and against `checkpoint`); returns the JSON
/// `verify --format json` prints.
#[pyfunction]
#[pyo3(signature = (ledger, trust, checkpoint=None, progress=None))]
fn verify(
    py: Python<'_>,
    ledger: &Bound<'_, PyAny>,
    trust: &Bound<'_, PyAny>,
    checkpoint: Option<&Bound<'_, PyAny>>,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let named = Named::extract(ledger, "ledger")?;
    let trust = source::trust(trust)?;
    let note = source::checkpoint(checkpoint)?;
    let watch = Watch::new(progress);
    run::interruptible(py, &watch, move |watch| {
        let name = named.name.clone();
        let reader = named.open(&watch)?;
        let v = api::verify(reader, &trust, note.as_ref().map(|(t, _)| t.as_str())).map_err(|e| match &e {
            api::ApiError::Defect(d) => Failure::defect(d, &name),
            e => Failure::api(e, &name, note.as_ref().map(|(_, n)| n.as_str()), None),
        })?;
        Ok(v.to_json().to_string())
    })
}

/// Evaluates a pack (the shipped one when `policy` is None) on a ledger verified under its own
/// declared key; returns `check --format json`.
#[pyfunction]
#[pyo3(signature = (ledger, policy=None, at=None, allow_override=false, progress=None))]
fn check(
    py: Python<'_>,
    ledger: &Bound<'_, PyAny>,
    policy: Option<&Bound<'_, PyAny>>,
    at: Option<&str>,
    allow_override: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let named = Named::extract(ledger, "ledger")?;
    let (pack, pack_name) = source::pack(policy)?;
    let options = options(parse_time("at", at)?, allow_override, false);
    let watch = Watch::new(progress);
    run::interruptible(py, &watch, move |watch| {
        let name = named.name.clone();
        let report = api::check(named.open(&watch)?, &pack, &options)
            .map_err(|e| Failure::api(&e, &name, None, pack_name.as_deref()))?;
        Ok(report.to_json().map_err(|e| input(e.to_string()))?)
    })
}

/// Judges a plan on top of a ledger without writing anything; returns `check --plan --format json`.
#[pyfunction]
#[pyo3(signature = (ledger, plan, as_provider=None, policy=None, allow_override=false, progress=None))]
fn what_if(
    py: Python<'_>,
    ledger: &Bound<'_, PyAny>,
    plan: &Bound<'_, PyAny>,
    as_provider: Option<String>,
    policy: Option<&Bound<'_, PyAny>>,
    allow_override: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let named = Named::extract(ledger, "ledger")?;
    let (pack, pack_name) = source::pack(policy)?;
    let (plan, _) = source::plan(plan)?;
    let options = options(None, allow_override, false);
    let watch = Watch::new(progress);
    run::interruptible(py, &watch, move |watch| {
        let name = named.name.clone();
        let report = api::what_if(named.open(&watch)?, &pack, &plan, as_provider.as_deref(), &options)
            .map_err(|e| Failure::api(&e, &name, None, pack_name.as_deref()))?;
        Ok(report.to_json().map_err(|e| input(e.to_string()))?)
    })
}

/// A finished audit, kept whole so that it renders as JSON, HTML or Markdown.
#[pyclass(frozen, module = "fairboard._native")]
struct AuditResult(AuditReport);

#[pymethods]
impl AuditResult {
    /// `audit --format json`: the report without what only the HTML shows.
    fn to_json(&self) -> PyResult<String> {
        let mut report = self.0.clone();
        report.timeline = None;
        report.evidence.clear();
        report.to_json().map_err(|e| input(e.to_string()).into_err_gil())
    }

    /// `audit --format html`: one self-contained page.
    #[pyo3(signature = (all_ratings=false))]
    fn to_html(&self, all_ratings: bool) -> String {
        self.0.to_html(&HtmlOptions { all_ratings })
    }

    /// `audit --format markdown`.
    fn to_markdown(&self) -> String {
        self.0.to_markdown()
    }

    /// Whether the audit failed: not authentic, a deny finding, or a deny rule that could not run.
    fn fails(&self) -> bool {
        self.0.fails()
    }
}

/// Verifies, checks, rates and tabulates a ledger in one pass; a ledger that does not verify gives
/// a NOT AUTHENTIC audit, not an exception.
#[pyfunction]
#[pyo3(signature = (ledger, trust, policy=None, checkpoint=None, allow_override=false, progress=None))]
fn audit(
    py: Python<'_>,
    ledger: &Bound<'_, PyAny>,
    trust: &Bound<'_, PyAny>,
    policy: Option<&Bound<'_, PyAny>>,
    checkpoint: Option<&Bound<'_, PyAny>>,
    allow_override: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<AuditResult> {
    let named = Named::extract(ledger, "ledger")?;
    let trust = source::trust(trust)?;
    let (pack, pack_name) = source::pack(policy)?;
    let note = source::checkpoint(checkpoint)?;
    let options = options(None, allow_override, true);
    let watch = Watch::new(progress);
    run::interruptible(py, &watch, move |watch| {
        let name = named.name.clone();
        let (text, note_name) = note.map_or((None, None), |(t, n)| (Some(t), Some(n)));
        let report = api::audit(named.open(&watch)?, &trust, &pack, text.as_deref(), &options, |_| {}, NO_TICKS)
            .map_err(|e| Failure::api(&e, &name, note_name.as_deref(), pack_name.as_deref()))?;
        Ok(AuditResult(report))
    })
}

/// Bradley–Terry ratings of a verified ledger's battles with intervals; returns `{"board": the JSON
/// `scores --format json` is built on, "rows": the rated rows at full precision}`.
#[pyfunction]
#[pyo3(signature = (ledger, ci="sandwich", rounds=100, seed=1, anchor=None, start=None, end=None, progress=None))]
#[expect(clippy::too_many_arguments, reason = "a Python signature with keyword arguments")]
fn scores(
    py: Python<'_>,
    ledger: &Bound<'_, PyAny>,
    ci: &str,
    rounds: usize,
    seed: u64,
    anchor: Option<&str>,
    start: Option<&str>,
    end: Option<&str>,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let named = Named::extract(ledger, "ledger")?;
    let method = match ci {
        "sandwich" => CiMethod::Sandwich,
        "bootstrap" => CiMethod::Bootstrap { rounds, seed },
        other => return Err(input(format!("ci: `{other}`; expected `sandwich` or `bootstrap`")).into_err(py)),
    };
    let anchor = match anchor {
        None => AnchorSpec::Default,
        Some(a) => a.parse::<AnchorSpec>().map_err(|e| input(format!("anchor: {e}")).into_err(py))?,
    };
    let filter = PeriodFilter { from: parse_time("start", start)?, to: parse_time("end", end)?, before_seq: None };
    let watch = Watch::new(progress);
    run::interruptible(py, &watch, move |watch| {
        let name = named.name.clone();
        let board = api::scores(named.open(&watch)?, filter, &anchor, method)
            .map_err(|e| Failure::api(&e, &name, None, None))?;
        // Full precision for the DataFrame; the board's JSON (rounded to 1e-4, as the CLI prints
        // it) for everything else.
        let rows: Vec<serde_json::Value> = board
            .rows
            .iter()
            .filter(|r| r.rating.is_some())
            .map(|r| {
                serde_json::json!({"model": r.model, "rating": r.rating, "ci_low": r.ci_low, "ci_high": r.ci_high,
                    "battles": r.battles, "rank": r.rank})
            })
            .collect();
        json(&serde_json::json!({"board": board.to_json(), "rows": rows}))
    })
}

/// Checks an inclusion or consistency proof under a log's verifier key; returns what it proves.
#[pyfunction]
#[pyo3(signature = (proof, vkey, old=None))]
fn verify_proof(
    py: Python<'_>,
    proof: &Bound<'_, PyAny>,
    vkey: &Bound<'_, PyAny>,
    old: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    let (text, path) = source::text_or_path(proof, "proof", "\u{0}")?;
    let name = path.map_or_else(|| "<proof>".to_owned(), |p| p.display().to_string());
    let vkey = source::vkey(vkey)?;
    let old = source::checkpoint(old)?;
    let verdict = api::verify_proof_from(text.as_bytes(), old.as_ref().map(|(t, _)| t.as_str()), &vkey)
        .map_err(|e| Failure { file: Some(name.clone()), ..Failure::api(&e, &name, None, None) }.into_err(py))?;
    json(&verdict).map_err(|f| f.into_err(py))
}

/// `battles_recorded` (and, with metadata, registration) events from per-pair counts, as the
/// importers make them: a JSON array of events.
#[pyfunction]
#[pyo3(signature = (file, rows, period_start, period_end, models=None, models_name=None))]
fn events_from_pairs(
    py: Python<'_>,
    file: &str,
    rows: Vec<(String, String, u64, u64, u64)>,
    period_start: &str,
    period_end: &str,
    models: Option<&str>,
    models_name: Option<&str>,
) -> PyResult<String> {
    use fairboard::import::{self, Battles, metadata};
    let fail = |e: import::ImportError| input(e.to_string()).into_err(py);
    let span = import::period(Some(period_start), Some(period_end)).map_err(fail)?.ok_or_else(|| fail_period(py))?;
    let mut battles = Battles::default();
    for (i, (a, b, wa, wb, t)) in rows.iter().enumerate() {
        for (field, id) in [("model_a", a), ("model_b", b)] {
            import::check_model_id(file, || format!("row {i}"), field, id).map_err(fail)?;
        }
        battles.add(span, a, b, *wa, *wb, *t);
    }
    let meta = models
        .map(|text| metadata::parse(models_name.unwrap_or("<models>"), text.as_bytes()))
        .transpose()
        .map_err(fail)?;
    let events = import::events(file, &battles, meta.as_ref()).map_err(fail)?;
    json(&events).map_err(|f| f.into_err(py))
}

fn fail_period(py: Python<'_>) -> PyErr {
    input("a period needs both a start and an end").into_err(py)
}

/// Creates a ledger holding only seq 0, signed by `key`; returns its record's `{seq, hash}`.
#[pyfunction]
#[pyo3(signature = (path, key, leaderboard, time=None))]
fn ledger_init(
    py: Python<'_>,
    path: PathBuf,
    key: &Bound<'_, PyAny>,
    leaderboard: &str,
    time: Option<&str>,
) -> PyResult<String> {
    let key = source::signing_key(key)?;
    let time = match time {
        Some(t) => fairboard::time::parse(t).map_err(|e| input(format!("time: {e}")).into_err(py))?,
        None => store::now(),
    };
    let appended = store::init(&path, &key, leaderboard, time).map_err(|e| Failure::ledger(&e).into_err(py))?;
    json(&appended).map_err(|f| f.into_err(py))
}

/// Appends events (JSON Lines text named `file`) all or nothing, under `policy` when given (the
/// candidates may not introduce a deny finding). Returns `{"appended": [...], "introduced": [...]}`.
/// Not interruptible: an append either happens whole or not at all, and a Ctrl-C takes effect when
/// it returns.
#[pyfunction]
#[pyo3(signature = (path, events, key, policy=None, time=None, allow_override=false, file="<events>"))]
#[expect(clippy::too_many_arguments, reason = "a Python signature with keyword arguments")]
fn ledger_append(
    py: Python<'_>,
    path: PathBuf,
    events: &str,
    key: &Bound<'_, PyAny>,
    policy: Option<&Bound<'_, PyAny>>,
    time: Option<&str>,
    allow_override: bool,
    file: &str,
) -> PyResult<String> {
    let key = source::signing_key(key)?;
    let time =
        time.map(|t| fairboard::time::parse(t).map_err(|e| input(format!("time: {e}")).into_err(py))).transpose()?;
    let events: Vec<InputEvent> = fairboard_core::ledger::input::parse_events(file, events.as_bytes())
        .map_err(|e| Failure::events(&e).into_err(py))?;
    let pack = policy.filter(|p| !p.is_none()).map(|p| source::pack(Some(p))).transpose()?;
    let file = file.to_owned();
    let result = py.detach(move || match pack {
        Some((pack, _)) => store::append_with_policy(&path, &key, &file, &events, time, &pack, allow_override)
            .map_or_else(
                |e| Err(Box::new(Failure::admission(e, &path, &pack.name))),
                |a| Ok(serde_json::json!({"appended": a.appended, "introduced": a.introduced.findings})),
            ),
        None => store::append(&path, &key, &file, &events, time)
            .map(|a| serde_json::json!({"appended": a, "introduced": []}))
            .map_err(|e| Box::new(Failure::ledger(&e))),
    });
    result.map(|v| v.to_string()).map_err(|f| f.into_err(py))
}

/// A fresh operator key pair as `(private PKCS#8 PEM, public SPKI PEM)`, from the system's random
/// source.
#[pyfunction]
fn keygen(py: Python<'_>) -> PyResult<(String, String)> {
    let key = store::keys::generate().map_err(|e| input(e.to_string()).into_err(py))?;
    let private = fairboard::crypto::private_key_pem(&key).map_err(|e| input(e.to_string()).into_err(py))?;
    let public =
        fairboard::crypto::public_key_pem(&key.verifying_key()).map_err(|e| input(e.to_string()).into_err(py))?;
    Ok((private, public))
}

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(what_if, m)?)?;
    m.add_function(wrap_pyfunction!(audit, m)?)?;
    m.add_function(wrap_pyfunction!(scores, m)?)?;
    m.add_function(wrap_pyfunction!(verify_proof, m)?)?;
    m.add_function(wrap_pyfunction!(events_from_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(ledger_init, m)?)?;
    m.add_function(wrap_pyfunction!(ledger_append, m)?)?;
    m.add_function(wrap_pyfunction!(keygen, m)?)?;
    m.add_class::<AuditResult>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
