//! The rhai host: a sandboxed engine and the read-only facts API that rule scripts call.
//!
//! The engine starts from [`Engine::new_raw`] and gets only pure packages (arithmetic, logic, strings,
//! arrays, maps, math, iteration, function pointers). Left out on purpose: the language-core package
//! (`sleep`, `exit`, `parse_json`), time (`timestamp`), modules and `import` (compiled out with the
//! `no_module` feature), and `eval`. `print` and `debug` go nowhere. Every limit of
//! [`super::limits`] is set. Scripts see facts only through the functions registered here, each of
//! which returns fresh copies, so a script cannot change what another rule sees.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use rhai::packages::{
    ArithmeticPackage, BasicArrayPackage, BasicFnPackage, BasicIteratorPackage, BasicMapPackage, BasicMathPackage,
    BasicStringPackage, BitFieldPackage, LogicPackage, MoreStringPackage, Package,
};
use rhai::{Array, Dynamic, Engine, EvalAltResult, ImmutableString, Map};

use super::limits;
use crate::facts::{DAY_MS, Facts, ModelFact, TestInterval};

/// A finding as a script builds it with `finding(subject, message, evidence)`.
#[derive(Debug, Clone)]
pub struct ScriptFinding {
    /// Subject.
    pub subject: String,
    /// Message.
    pub message: String,
    /// Evidence seqs as given.
    pub evidence: Vec<i64>,
}

/// The facts as scripts see them: a cheap, shared, read-only handle, with the statistics results
/// computed so far in this evaluation.
#[derive(Debug, Clone)]
pub struct FactsHandle(pub Arc<Facts>, pub Arc<Memo>);

/// Builds the sandboxed engine with the facts API registered.
pub fn engine() -> Engine {
    let mut engine = Engine::new_raw();
    for package in [
        ArithmeticPackage::new().as_shared_module(),
        LogicPackage::new().as_shared_module(),
        BitFieldPackage::new().as_shared_module(),
        BasicStringPackage::new().as_shared_module(),
        MoreStringPackage::new().as_shared_module(),
        BasicIteratorPackage::new().as_shared_module(),
        BasicFnPackage::new().as_shared_module(),
        BasicMathPackage::new().as_shared_module(),
        BasicArrayPackage::new().as_shared_module(),
        BasicMapPackage::new().as_shared_module(),
    ] {
        engine.register_global_module(package);
    }
    engine.disable_symbol("eval");
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});
    engine.set_max_operations(limits::MAX_OPERATIONS);
    engine.set_max_call_levels(limits::MAX_CALL_LEVELS);
    engine.set_max_expr_depths(limits::MAX_EXPR_DEPTH, limits::MAX_FUNCTION_EXPR_DEPTH);
    engine.set_max_string_size(limits::MAX_STRING_SIZE);
    engine.set_max_array_size(limits::MAX_ARRAY_SIZE);
    engine.set_max_map_size(limits::MAX_MAP_SIZE);
    engine.set_max_variables(limits::MAX_VARIABLES);
    engine.set_max_functions(limits::MAX_FUNCTIONS);
    engine.set_strict_variables(true);
    engine.on_progress(progress);
    register_api(&mut engine);
    engine
}

/// What the host lends the sandbox to measure a script by: a monotonic clock for the seconds limits
/// and, if the process counts its allocations, the bytes it holds. The host reads neither itself
/// (the system clock panics on wasm32; counting allocations needs a global allocator, which only a
/// binary may choose): an adapter passes a meter in. Without one, only the operation, size and
/// findings limits bound a script.
pub trait Meter: Send + Sync + std::fmt::Debug {
    /// Time since an arbitrary, fixed origin.
    fn now(&self) -> Duration;

    /// Bytes the process's allocator holds now; `None` if it does not count them.
    fn allocated(&self) -> Option<usize> {
        None
    }
}

/// A meter shared by the threads that evaluate a pack.
pub type SharedMeter = Arc<dyn Meter>;

/// One pack evaluation's shared budget: every rule's operations and the evaluation's wall time and
/// memory count against it (see [`limits::MAX_PACK_OPERATIONS`], [`limits::MAX_PACK_SECONDS`],
/// [`limits::MAX_SANDBOX_BYTES`]).
#[derive(Debug)]
pub(crate) struct Budget {
    meter: Option<SharedMeter>,
    /// When the evaluation started, by the meter's clock.
    started: Option<Duration>,
    /// Bytes the process held when the evaluation started.
    baseline: Option<usize>,
    /// Operations (with native charges) spent so far by all rules.
    operations: AtomicU64,
}

impl Budget {
    /// A fresh budget, its clock and memory baseline read now.
    pub(crate) fn new(meter: Option<&SharedMeter>) -> Self {
        Self {
            meter: meter.cloned(),
            started: meter.map(|m| m.now()),
            baseline: meter.and_then(|m| m.allocated()),
            operations: AtomicU64::new(0),
        }
    }

    fn now(&self) -> Option<Duration> {
        self.meter.as_ref().map(|m| m.now())
    }
}

/// Per-call state of the script running on this thread.
#[derive(Debug, Default, Clone, Copy)]
struct Call {
    /// When the call started.
    start: Option<Duration>,
    /// Time spent in native statistics functions (excluded from the script's own seconds).
    native: Duration,
    /// Operations charged by native calls (results built, statistics computed).
    charged: u64,
    /// Operations (with charges) already added to the pack's budget.
    reported: u64,
    /// Bytes of findings built.
    finding_bytes: usize,
    /// Address of a local in the frame that called into the script: the stack's base.
    stack_base: usize,
}

thread_local! {
    /// The budget of the evaluation running on this thread, if any.
    static BUDGET: RefCell<Option<Arc<Budget>>> = const { RefCell::new(None) };
    /// The call into a script running on this thread.
    static CALL: Cell<Call> = const { Cell::new(Call {
        start: None, native: Duration::ZERO, charged: 0, reported: 0, finding_bytes: 0, stack_base: 0,
    }) };
}

/// Runs `f` (one call into a script) on this thread as a fresh call under `budget` (none: only the
/// per-call limits apply), with the stack measured from here.
pub(crate) fn within<T>(budget: Option<&Arc<Budget>>, f: impl FnOnce() -> T) -> T {
    let previous = BUDGET.replace(budget.cloned());
    let base = 0u8;
    let start = budget.and_then(|b| b.now());
    let previous_call = CALL.replace(Call { start, stack_base: std::ptr::from_ref(&base) as usize, ..Call::default() });
    let out = f();
    CALL.set(previous_call);
    BUDGET.set(previous);
    out
}

fn now() -> Option<Duration> {
    BUDGET.with_borrow(|b| b.as_ref().and_then(|b| b.now()))
}

/// Charges `ops` operations to the running script (the cost of a native call).
fn charge(ops: u64) {
    let mut call = CALL.get();
    call.charged = call.charged.saturating_add(ops);
    CALL.set(call);
}

/// Stack bytes in use between the call's base and this frame.
fn stack_used(call: &Call) -> usize {
    let here = 0u8;
    call.stack_base.abs_diff(std::ptr::from_ref(&here) as usize)
}

/// The progress callback, run by rhai before every operation: stops a script that exceeds any of the
/// sandbox's budgets ([`limits`]). The call's state is set up by [`within`], never reset from here: a
/// nested evaluation that counts its operations from zero again must not wipe the call's charges.
/// A call runs on one thread from start to end.
fn progress(ops: u64) -> Option<Dynamic> {
    let call = CALL.get();
    let spent = ops.saturating_add(call.charged);
    if spent > limits::MAX_OPERATIONS {
        return stop(format!(
            "operation limit of {} exceeded ({} by the script, {} charged for facts-API results and statistics)",
            limits::MAX_OPERATIONS,
            ops,
            call.charged
        ));
    }
    if call.stack_base != 0 && stack_used(&call) > limits::MAX_STACK_BYTES {
        return stop(format!(
            "native stack limit of {} MiB exceeded (values or calls nested too deeply)",
            limits::MAX_STACK_BYTES >> 20
        ));
    }
    BUDGET.with_borrow(|budget| {
        let budget = budget.as_ref()?;
        if let (Some(base), Some(now)) = (budget.baseline, budget.meter.as_ref().and_then(|m| m.allocated()))
            && now.saturating_sub(base) > limits::MAX_SANDBOX_BYTES
        {
            return stop(format!(
                "memory limit of {} MiB exceeded (the pack's evaluation holds {} MiB)",
                limits::MAX_SANDBOX_BYTES >> 20,
                now.saturating_sub(base) >> 20
            ));
        }
        if !ops.is_multiple_of(limits::CLOCK_EVERY_OPERATIONS) {
            return None;
        }
        // A nested evaluation (a function pointer called from a native function) counts its own
        // operations from zero: never subtract past what was reported.
        let new = spent.saturating_sub(call.reported);
        let pack = budget.operations.fetch_add(new, Ordering::Relaxed).saturating_add(new);
        CALL.set(Call { reported: spent.max(call.reported), ..call });
        if pack > limits::MAX_PACK_OPERATIONS {
            return stop(format!("the pack's operation budget of {} is spent", limits::MAX_PACK_OPERATIONS));
        }
        let now = budget.now()?;
        if let Some(started) = budget.started
            && now.saturating_sub(started) > Duration::from_secs(limits::MAX_PACK_SECONDS)
        {
            return stop(format!("the pack's time budget of {} s is spent", limits::MAX_PACK_SECONDS));
        }
        let script_time = now.saturating_sub(call.start?).saturating_sub(call.native);
        if script_time > Duration::from_secs(limits::MAX_SCRIPT_SECONDS) {
            return stop(format!(
                "script time limit of {} s exceeded (after {ops} operations; changing a large array or map \
                 is slow, keep working sets small)",
                limits::MAX_SCRIPT_SECONDS
            ));
        }
        None
    })
}

fn stop(reason: String) -> Option<Dynamic> {
    Some(text(&reason))
}

/// A script error as a message. rhai prints a termination (the script time limit) without its reason;
/// this appends it, also when the termination happened inside a function the rule called.
pub fn describe_error(err: &EvalAltResult) -> String {
    fn reason(err: &EvalAltResult) -> Option<String> {
        match err {
            EvalAltResult::ErrorTerminated(token, _) => {
                token.clone().into_immutable_string().ok().map(|s| s.to_string())
            }
            EvalAltResult::ErrorInFunctionCall(_, _, inner, _) => reason(inner),
            _ => None,
        }
    }
    match reason(err) {
        Some(why) => format!("{err}: {why}"),
        None => err.to_string(),
    }
}

/// Runs a native statistics function, keeping its time out of the calling script's own seconds (the
/// pack's time budget still counts it) and charging `ops` operations for it.
fn native<T>(ops: u64, f: impl FnOnce() -> T) -> T {
    let start = now();
    let out = f();
    let mut call = CALL.get();
    if let (Some(start), Some(end)) = (start, now()) {
        call.native = call.native.saturating_add(end.saturating_sub(start));
    }
    call.charged = call.charged.saturating_add(ops);
    CALL.set(call);
    out
}

/// Charges the operations of building `values` result values ([`limits::RESULT_VALUE_OPS`] each).
fn built(values: usize) {
    charge((values as u64).saturating_mul(limits::RESULT_VALUE_OPS));
}

fn map<'k>(entries: impl IntoIterator<Item = (&'k str, Dynamic)>) -> Dynamic {
    let mut m = Map::new();
    for (k, v) in entries {
        m.insert(k.into(), v);
    }
    built(m.len());
    Dynamic::from_map(m)
}

/// What a `score_disclosed` record said, as both `disclosures()` and `recomputed_disclosures()` show it.
fn disclosed_fields(d: &crate::facts::Disclosure) -> [(&'static str, Dynamic); 6] {
    [
        ("seq", int(d.at.0)),
        ("at", Dynamic::from_int(d.at.1)),
        ("model", text(&d.model)),
        ("rating", Dynamic::from_float(d.rating)),
        ("ci_low", Dynamic::from_float(d.ci_low)),
        ("ci_high", Dynamic::from_float(d.ci_high)),
    ]
}

/// A method object as canonical JSON text, so rules can compare two methods with `==`.
fn method_json(m: &crate::ledger::method::Method) -> String {
    serde_json::to_value(m)
        .ok()
        .and_then(|v| crate::primitives::canonical::to_canonical_string(&v).ok())
        .unwrap_or_default()
}

fn int(v: u64) -> Dynamic {
    Dynamic::from_int(i64::try_from(v).unwrap_or(i64::MAX))
}

fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> Dynamic) -> Dynamic {
    v.map_or(Dynamic::UNIT, f)
}

fn text(s: &str) -> Dynamic {
    Dynamic::from(ImmutableString::from(s))
}

fn model_map(f: &Facts, id: &str, m: &ModelFact) -> Dynamic {
    let dep = m.deprecation.map(|i| &f.deprecations[i]);
    map([
        ("id", text(id)),
        ("provider", text(&m.provider)),
        ("license", text(m.license.as_str())),
        (
            "visibility",
            text(if m.visibility == crate::ledger::event::Visibility::Public { "public" } else { "private" }),
        ),
        ("is_public", Dynamic::from_bool(m.is_public())),
        ("registered_seq", int(m.registered.0)),
        ("registered_at", Dynamic::from_int(m.registered.1)),
        ("released_seq", opt(m.released, |r| int(r.0))),
        ("released_at", opt(m.released, |r| Dynamic::from_int(r.1))),
        ("public_name", opt(m.public_name.as_deref(), text)),
        ("deprecated_seq", opt(dep, |d| int(d.at.0))),
        ("deprecated_at", opt(dep, |d| Dynamic::from_int(d.at.1))),
        ("deprecation_public", opt(dep, |d| Dynamic::from_bool(d.public))),
        ("deprecation_reason", opt(dep, |d| text(&d.reason))),
        ("battles", int(m.battles)),
        ("first_battle", opt(m.first_battle, Dynamic::from_int)),
        ("last_battle", opt(m.last_battle, Dynamic::from_int)),
    ])
}

fn test_map(t: &TestInterval) -> Dynamic {
    map([
        ("model", text(&t.model)),
        ("provider", text(&t.provider)),
        ("start_seq", int(t.start.0)),
        ("start_at", Dynamic::from_int(t.start.1)),
        ("end_seq", opt(t.end, |e| int(e.0))),
        ("end_at", opt(t.end, |e| Dynamic::from_int(e.1))),
        ("sealed", Dynamic::from_bool(t.commitment.is_some())),
        ("commitment", opt(t.commitment.as_deref(), text)),
        ("revealed_seq", opt(t.revealed, |r| int(r.0))),
        ("revealed_at", opt(t.revealed, |r| Dynamic::from_int(r.1))),
        ("artifact", opt(t.artifact.as_deref(), text)),
        ("reveal_conflict_seq", opt(t.reveal_conflict.as_ref(), |c| int(c.0))),
        ("reveal_conflict_name", opt(t.reveal_conflict.as_ref(), |c| text(&c.1))),
    ])
}

fn array<T>(items: impl Iterator<Item = T>, f: impl Fn(T) -> Dynamic) -> Array {
    let out: Array = items.map(f).collect();
    built(out.len());
    out
}

/// Every provider id the ledger mentions, sorted.
fn provider_ids(f: &Facts) -> Vec<&str> {
    let mut ids: std::collections::BTreeSet<&str> = f.providers.keys().map(String::as_str).collect();
    ids.extend(f.models.values().map(|m| m.provider.as_str()));
    ids.extend(f.private_tests.iter().map(|t| t.provider.as_str()));
    ids.extend(f.data_releases.iter().map(|d| d.provider.as_str()));
    ids.extend(f.retractions.iter().map(|r| r.provider.as_str()));
    ids.extend(f.releases.iter().map(|r| r.provider.as_str()));
    ids.into_iter().collect()
}

fn register_api(engine: &mut Engine) {
    engine.register_type_with_name::<FactsHandle>("Facts");
    engine.register_type_with_name::<ScriptFinding>("Finding");
    register_stats_api(engine);

    engine.register_get("now", |f: &mut FactsHandle| f.0.now);
    engine.register_get("records", |f: &mut FactsHandle| int(f.0.records));
    engine.register_get("head", |f: &mut FactsHandle| f.0.head.clone());
    engine.register_get("leaderboard", |f: &mut FactsHandle| f.0.leaderboard.clone());

    engine.register_fn("providers", |f: &mut FactsHandle| {
        let f = &f.0;
        charge((f.models.len() + f.private_tests.len() + f.data_releases.len() + f.releases.len()) as u64);
        array(provider_ids(f).into_iter(), text)
    });
    engine.register_fn("provider", |f: &mut FactsHandle, id: &str| {
        let facts = &f.0;
        charge(facts.models.len() as u64);
        let models: Array = facts.models.iter().filter(|(_, m)| m.provider == id).map(|(k, _)| text(k)).collect();
        let reg = facts.providers.get(id);
        map([
            ("id", text(id)),
            ("name", opt(reg.and_then(|p| p.name.as_deref()), text)),
            ("registered_seq", opt(reg, |p| int(p.seq))),
            ("models", Dynamic::from_array(models)),
        ])
    });
    engine.register_fn("models", |f: &mut FactsHandle| array(f.0.models.iter(), |(k, m)| model_map(&f.0, k, m)));
    engine.register_fn("model", |f: &mut FactsHandle, id: &str| {
        f.0.models.get(id).map_or(Dynamic::UNIT, |m| model_map(&f.0, id, m))
    });
    engine.register_fn("private_tests", |f: &mut FactsHandle| array(f.0.private_tests.iter(), test_map));
    engine.register_fn("private_tests", |f: &mut FactsHandle, provider: &str| {
        charge(f.0.private_tests.len() as u64);
        array(f.0.private_tests.iter().filter(|t| t.provider == provider), test_map)
    });
    let disclosure = |d: &crate::facts::Disclosure| {
        map(disclosed_fields(d).into_iter().chain([
            ("battles", int(d.battles)),
            ("recorded_battles", int(d.recorded_battles)),
            ("method", opt(d.method.as_deref(), text)),
            ("method_spec", opt(d.spec.as_ref(), |m| text(&method_json(m)))),
            ("board_digest", opt(d.board_digest.as_deref(), text)),
        ]))
    };
    engine.register_fn("method_adoptions", |f: &mut FactsHandle| {
        array(f.0.method_adoptions.iter(), |a| {
            map([
                ("seq", int(a.at.0)),
                ("at", Dynamic::from_int(a.at.1)),
                ("effective_from", Dynamic::from_int(a.effective_from)),
                ("method", text(&crate::ledger::method::describe(&a.method))),
                ("method_spec", text(&method_json(&a.method))),
            ])
        })
    });
    engine.register_fn("disclosures", move |f: &mut FactsHandle| array(f.0.disclosures.iter(), disclosure));
    engine.register_fn("disclosures", move |f: &mut FactsHandle, model: &str| {
        charge(f.0.disclosures.len() as u64);
        array(f.0.disclosures.iter().filter(|d| d.model == model), disclosure)
    });
    engine.register_fn("retractions", |f: &mut FactsHandle| {
        array(f.0.retractions.iter(), |r| {
            map([
                ("seq", int(r.at.0)),
                ("at", Dynamic::from_int(r.at.1)),
                ("model", text(&r.model)),
                ("provider", text(&r.provider)),
                ("reason", opt(r.reason.as_deref(), text)),
            ])
        })
    });
    engine.register_fn("releases", |f: &mut FactsHandle| {
        array(f.0.releases.iter(), |r| {
            map([
                ("seq", int(r.at.0)),
                ("at", Dynamic::from_int(r.at.1)),
                ("model", text(&r.model)),
                ("provider", text(&r.provider)),
                ("public_name", opt(r.public_name.as_deref(), text)),
                ("artifact", opt(r.artifact.as_deref(), text)),
            ])
        })
    });
    engine.register_fn("deprecations", |f: &mut FactsHandle| {
        array(f.0.deprecations.iter(), |d| {
            map([
                ("seq", int(d.at.0)),
                ("at", Dynamic::from_int(d.at.1)),
                ("model", text(&d.model)),
                ("reason", text(&d.reason)),
                ("is_public", Dynamic::from_bool(d.public)),
            ])
        })
    });
    engine.register_fn("data_releases", |f: &mut FactsHandle| {
        array(f.0.data_releases.iter(), |d| {
            map([
                ("seq", int(d.at.0)),
                ("at", Dynamic::from_int(d.at.1)),
                ("provider", text(&d.provider)),
                ("records", int(d.records)),
                ("period_start", Dynamic::from_int(d.period.0)),
                ("period_end", Dynamic::from_int(d.period.1)),
            ])
        })
    });
    engine.register_fn("sampling_sets", |f: &mut FactsHandle| {
        array(f.0.sampling_sets.iter(), |s| {
            built(s.weights.len());
            let weights: Map = s.weights.iter().map(|(k, v)| (k.as_str().into(), Dynamic::from_float(*v))).collect();
            map([
                ("seq", int(s.at.0)),
                ("at", Dynamic::from_int(s.at.1)),
                ("effective_from", Dynamic::from_int(s.effective_from)),
                ("weights", Dynamic::from_map(weights)),
            ])
        })
    });
    engine.register_fn("adoptions", |f: &mut FactsHandle| {
        array(f.0.adoptions.iter(), |a| {
            map([
                ("seq", int(a.at.0)),
                ("at", Dynamic::from_int(a.at.1)),
                ("name", text(&a.name)),
                ("version", text(&a.version)),
                ("digest", text(&a.digest)),
            ])
        })
    });
    let period = |p: &crate::facts::Period| {
        built(p.provider_battles.len());
        let providers: Map = p.provider_battles.iter().map(|(k, v)| (k.as_str().into(), int(*v))).collect();
        map([
            ("seq", int(p.seq)),
            ("start", Dynamic::from_int(p.span.0)),
            ("end", Dynamic::from_int(p.span.1)),
            ("battles", int(p.battles)),
            ("providers", Dynamic::from_map(providers)),
        ])
    };
    engine.register_fn("periods", move |f: &mut FactsHandle| array(f.0.periods.iter(), period));
    engine
        .register_fn("periods", move |f: &mut FactsHandle, from: i64, to: i64| array(f.0.periods_in(from, to), period));
    engine.register_fn("battles_in", |f: &mut FactsHandle, from: i64, to: i64| {
        charge(f.0.periods.len() as u64);
        let m: Map = f.0.battles_in(from, to).into_iter().map(|(k, v)| (k.into(), int(v))).collect();
        built(m.len());
        Dynamic::from_map(m)
    });
    engine.register_fn("battle_seqs", |f: &mut FactsHandle, from: i64, to: i64| {
        array(f.0.periods_in(from, to), |p| int(p.seq))
    });
    engine.register_fn("first_period_start", |f: &mut FactsHandle| {
        opt(f.0.periods.iter().map(|p| p.span.0).min(), Dynamic::from_int)
    });
    engine.register_fn("edges", |f: &mut FactsHandle| {
        array(f.0.edges.iter(), |(&(a, b), e)| {
            map([
                ("model_a", text(&f.0.model_names[a as usize])),
                ("model_b", text(&f.0.model_names[b as usize])),
                ("wins_a", int(e.wins_a)),
                ("wins_b", int(e.wins_b)),
                ("ties", int(e.ties)),
            ])
        })
    });

    engine.register_fn(
        "finding",
        |subject: &str, message: &str, evidence: Array| -> Result<ScriptFinding, Box<EvalAltResult>> {
            let evidence = evidence
                .into_iter()
                .map(|v| {
                    v.as_int()
                        .map_err(|t| format!("finding(): evidence must be an array of seq integers, found {t}").into())
                })
                .collect::<Result<Vec<i64>, Box<EvalAltResult>>>()?;
            let mut call = CALL.get();
            call.finding_bytes = call
                .finding_bytes
                .saturating_add(subject.len() + message.len() + 8 * evidence.len() + limits::FINDING_OVERHEAD_BYTES);
            CALL.set(call);
            if call.finding_bytes > limits::MAX_FINDING_BYTES {
                return Err(format!(
                    "finding(): the findings built take more than {} MiB; report fewer or shorter ones",
                    limits::MAX_FINDING_BYTES >> 20
                )
                .into());
            }
            Ok(ScriptFinding { subject: subject.to_owned(), message: message.to_owned(), evidence })
        },
    );
    engine.register_fn("days", |n: i64| n.saturating_mul(DAY_MS));
    engine.register_fn("days", |n: f64| (n * DAY_MS as f64) as i64);
    engine.register_fn("iso", |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms).map_or_else(|| ms.to_string(), crate::primitives::time::format)
    });
}

fn float_map<'a>(entries: impl Iterator<Item = (&'a String, &'a f64)>) -> Dynamic {
    let m: Map = entries.map(|(k, v)| (k.as_str().into(), Dynamic::from_float(*v))).collect();
    built(m.len());
    Dynamic::from_map(m)
}

fn strings(items: impl Iterator<Item = impl AsRef<str>>) -> Dynamic {
    let a: Array = items.map(|s| text(s.as_ref())).collect();
    built(a.len());
    Dynamic::from_array(a)
}

fn seqs(items: impl Iterator<Item = u64>) -> Dynamic {
    let a: Array = items.map(int).collect();
    built(a.len());
    Dynamic::from_array(a)
}

/// A statistics result and the operations it cost to build, or why it could not be computed.
type Computed = OnceLock<Result<(Dynamic, u64), String>>;

/// Results of the statistics functions, computed once per pack evaluation and shared by its rules:
/// a script that calls `ratings()` in a loop pays for copying the result, not for refitting.
#[derive(Debug, Default)]
pub struct Memo {
    results: Mutex<BTreeMap<(&'static str, String), Arc<Computed>>>,
}

impl Memo {
    /// The result of `name(key)`: computed by `compute` on the first call (charging what it costs
    /// and [`limits::NATIVE_COMPUTATION_OPS`]), copied on later calls (charging the copy). At most
    /// [`limits::MAX_NATIVE_COMPUTATIONS`] distinct computations per evaluation.
    fn get(
        &self,
        name: &'static str,
        key: String,
        compute: impl FnOnce() -> Result<Dynamic, String>,
    ) -> Result<Dynamic, Box<EvalAltResult>> {
        let cell = {
            let mut results = self.results.lock().map_err(|_| format!("{name}(): an earlier call failed"))?;
            let entries = results.len();
            match results.entry((name, key)) {
                std::collections::btree_map::Entry::Occupied(e) => Arc::clone(e.get()),
                std::collections::btree_map::Entry::Vacant(_) if entries >= limits::MAX_NATIVE_COMPUTATIONS => {
                    return Err(format!(
                        "{name}(): more than {} distinct statistics computations in one evaluation",
                        limits::MAX_NATIVE_COMPUTATIONS
                    )
                    .into());
                }
                std::collections::btree_map::Entry::Vacant(e) => Arc::clone(e.insert(Arc::default())),
            }
        };
        // The first caller pays for the computation; every caller pays for building its copy.
        let mut first = false;
        let computed = cell.get_or_init(|| {
            first = true;
            let before = CALL.get().charged;
            let value = native(limits::NATIVE_COMPUTATION_OPS, compute)?;
            let built = CALL.get().charged.saturating_sub(before).saturating_sub(limits::NATIVE_COMPUTATION_OPS);
            Ok((value, built))
        });
        match computed {
            Ok((value, built)) => {
                if !first {
                    charge(*built);
                }
                Ok(value.clone())
            }
            Err(e) => Err(e.clone().into()),
        }
    }
}

/// A ratings snapshot as scripts see it (see docs/statistics.md, "Facts API additions").
fn snapshot_map(s: &crate::stats::recompute::Snapshot) -> Dynamic {
    built(s.battles.len() + s.unrateable.len() + s.components.len());
    map([
        ("ratings", float_map(s.ratings.iter())),
        ("half_widths", float_map(s.half_widths.iter())),
        ("battles", Dynamic::from_map(s.battles.iter().map(|(k, v)| (k.as_str().into(), int(*v))).collect())),
        ("unrateable", Dynamic::from_map(s.unrateable.iter().map(|(k, v)| (k.as_str().into(), text(v))).collect())),
        ("components", Dynamic::from_array(s.components.iter().map(|c| strings(c.iter())).collect())),
        ("anchor", text(&s.anchor)),
        ("error", opt(s.error.as_deref(), text)),
    ])
}

/// The statistics functions: Bradley–Terry ratings recomputed from the recorded battles, the
/// comparison graph's components, the active-sampling comparison and best-of-N. All are computed
/// natively per call (a fit of a few hundred models takes milliseconds), so scripts call them once and
/// never loop over battles.
fn register_stats_api(engine: &mut Engine) {
    use crate::stats::pairs::{Comparisons, PeriodFilter};
    use crate::stats::{recompute, sampling, selection};

    engine.register_fn("ratings", |f: &mut FactsHandle| {
        f.1.get("ratings", String::new(), || {
            Ok(snapshot_map(&recompute::snapshot(&Comparisons::from_facts(&f.0, PeriodFilter::ALL))))
        })
    });
    engine.register_fn("ratings_before", |f: &mut FactsHandle, seq: i64| {
        let before = u64::try_from(seq).unwrap_or(0).min(f.0.records);
        f.1.get("ratings_before", before.to_string(), || {
            let filter = PeriodFilter { before_seq: Some(before), ..PeriodFilter::ALL };
            Ok(snapshot_map(&recompute::snapshot(&Comparisons::from_facts(&f.0, filter))))
        })
    });
    engine.register_fn("recomputed_disclosures", |f: &mut FactsHandle| {
        f.1.get("recomputed_disclosures", String::new(), || {
            let facts = &f.0;
            let recomputed = recompute::disclosures(facts);
            Ok(Dynamic::from_array(array(recomputed.iter(), |r| {
                let d = &facts.disclosures[r.disclosure];
                map(disclosed_fields(d).into_iter().chain([
                    ("recomputed", opt(r.rating, Dynamic::from_float)),
                    ("half_width", opt(r.half_width, Dynamic::from_float)),
                    ("reason", opt(r.reason.as_deref(), text)),
                    ("anchor", text(&r.anchor)),
                    ("recorded_battles", int(r.battles)),
                    ("battle_records", int(r.evidence.len() as u64)),
                ]))
            })))
        })
    });
    engine.register_fn("components", |f: &mut FactsHandle| {
        f.1.get("components", String::new(), || {
            let c = recompute::components_among(&f.0, &Comparisons::from_facts(&f.0, PeriodFilter::ALL).models);
            Ok(Dynamic::from_array(c.iter().map(|m| strings(m.iter())).collect()))
        })
    });
    engine.register_fn("components", |f: &mut FactsHandle, models: Array| -> Result<Dynamic, Box<EvalAltResult>> {
        let models = models
            .into_iter()
            .map(|m| m.into_immutable_string().map(|s| s.to_string()))
            .collect::<Result<Vec<String>, _>>()
            .map_err(|t| format!("components(): expected an array of model id strings, found {t}"))?;
        f.1.get("components", models.join("\u{0}"), || {
            let c = recompute::components_among(&f.0, &models);
            Ok(Dynamic::from_array(c.iter().map(|m| strings(m.iter())).collect()))
        })
    });
    let battle_seqs = |facts: &Facts, model: &str, before: u64| {
        let Some(i) = facts.model_names.iter().position(|m| m == model) else {
            return Dynamic::from_array(Array::new());
        };
        let i = i as u32;
        charge(facts.periods.len() as u64);
        seqs(
            facts
                .periods
                .iter()
                .take_while(|p| p.seq < before)
                .filter(|p| p.model_battles.iter().any(|&(m, _)| m == i))
                .map(|p| p.seq),
        )
    };
    engine.register_fn("model_battle_seqs", move |f: &mut FactsHandle, model: &str| battle_seqs(&f.0, model, u64::MAX));
    engine.register_fn("model_battle_seqs", move |f: &mut FactsHandle, model: &str, before: i64| {
        battle_seqs(&f.0, model, u64::try_from(before).unwrap_or(0))
    });
    engine.register_fn("active_sampling", |f: &mut FactsHandle| -> Result<Dynamic, Box<EvalAltResult>> {
        f.1.get("active_sampling", String::new(), || {
            let r = sampling::report(&f.0, sampling::DEFAULT_FLOOR).map_err(|e| format!("active_sampling(): {e}"))?;
            let shares = |rows: &[sampling::Share]| {
                built(rows.len());
                Dynamic::from_map(
                    rows.iter()
                        .map(|s| {
                            let m = map([
                                ("provider", text(&s.provider)),
                                ("recommended", Dynamic::from_float(s.recommended)),
                                ("configured", opt(s.configured, Dynamic::from_float)),
                                ("realised", Dynamic::from_float(s.realised)),
                            ]);
                            (s.id.as_str().into(), m)
                        })
                        .collect(),
                )
            };
            Ok(map([
                ("floor", Dynamic::from_float(r.floor)),
                ("active", strings(r.active.iter())),
                ("models", shares(&r.models)),
                ("providers", shares(&r.providers)),
                ("configuration_seq", opt(r.configuration, |c| int(c.0))),
                ("realised_battles", int(r.realised_battles)),
            ]))
        })
    });
    engine.register_fn("votes_to_flip", |f: &mut FactsHandle, depth: i64| {
        f.1.get("votes_to_flip", depth.to_string(), || {
            let depth =
                usize::try_from(depth).map_err(|_| format!("votes_to_flip({depth}): the depth must be 0 or more"))?;
            let all = Comparisons::from_facts(&f.0, PeriodFilter::ALL);
            let fit = crate::stats::rate(&all, &crate::stats::AnchorSpec::Default, Default::default())
                .map_err(|e| format!("votes_to_flip(): {e}"))?;
            let fragility = crate::stats::flip::fragility(&fit, Some(depth)).map_err(|e| e.to_string())?;
            let one = |x: &crate::stats::flip::Flip| {
                map([
                    ("model", text(&x.upper)),
                    ("challenger", text(&x.lower)),
                    ("gap", Dynamic::from_float(x.gap)),
                    ("votes", opt(x.votes, int)),
                    ("battles", int(x.upper_battles)),
                    ("share", opt(x.share, Dynamic::from_float)),
                ])
            };
            Ok(map([
                ("top", fragility.top.as_ref().map_or(Dynamic::UNIT, one)),
                ("adjacent", Dynamic::from_array(array(fragility.adjacent.iter(), one))),
            ]))
        })
    });
    engine.register_fn("best_of_n", |f: &mut FactsHandle, window_days: i64| {
        f.1.get("best_of_n", window_days.to_string(), || {
            let facts = &f.0;
            let all = Comparisons::from_facts(facts, PeriodFilter::ALL);
            // The audit's fit: all recorded periods, the default anchor.
            let fit = crate::stats::rate(&all, &crate::stats::AnchorSpec::Default, Default::default()).ok();
            let selections = selection::selections(facts, window_days, fit.as_ref().map(|r| (r, PeriodFilter::ALL)));
            let float = |x: Option<f64>| opt(x, Dynamic::from_float);
            Ok(Dynamic::from_array(array(selections.iter(), |s| {
                let r = &s.at_release;
                map([
                    ("model", text(&r.model)),
                    ("provider", text(&r.provider)),
                    ("seq", int(r.released.0)),
                    ("at", Dynamic::from_int(r.released.1)),
                    ("public_name", opt(r.public_name.as_deref(), text)),
                    ("n", int(r.n)),
                    ("n_rated", int(r.n_rated)),
                    ("variant_seqs", seqs(r.variants.iter().map(|v| v.seq))),
                    (
                        "variants",
                        Dynamic::from_array(array(r.variants.iter(), |v| {
                            map([
                                ("model", text(&v.model)),
                                ("seq", int(v.seq)),
                                ("rating", float(v.rating)),
                                ("sigma", float(v.sigma)),
                                ("battles", int(v.battles)),
                            ])
                        })),
                    ),
                    ("rating_at_release", float(r.rating_at_release)),
                    ("sigma_at_selection", float(r.sigma_at_selection)),
                    ("tau", Dynamic::from_float(r.tau)),
                    ("tau_df", int(r.tau_df)),
                    ("inflation_at_release", float(r.inflation_at_release)),
                    ("adjusted_at_release", float(r.adjusted_at_release)),
                    ("expected_inflation_at_release", float(r.expected_inflation_at_release)),
                    ("note", opt(r.note, text)),
                    ("rated_as", opt(s.rated_as.as_deref(), text)),
                    ("rating", float(s.rating)),
                    ("battles_pre", int(s.battles_pre)),
                    ("battles_post", int(s.battles_post)),
                    ("pre_share", float(s.pre_share)),
                    ("inflation", float(s.inflation)),
                    ("adjusted_rating", float(s.adjusted_rating)),
                    ("inflation_bound", float(s.inflation_bound)),
                    ("expected_inflation", float(s.expected_inflation)),
                ])
            })))
        })
    });
}
