//! Running a pack's rules against facts.

use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use rhai::{Dynamic, Engine, Scope};

use super::finding::{Finding, RuleError};
use super::host::{self, Budget, FactsHandle, Memo, ScriptFinding, SharedMeter};
use super::limits;
use super::pack::{PolicyPack, Rule, params_to_dynamic};
use crate::facts::Facts;

/// The outcome of evaluating a pack: findings in pack order, and rules that could not run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evaluation {
    /// Findings, grouped by rule in pack order, each rule's in the order it reported them.
    pub findings: Vec<Finding>,
    /// Rules stopped by an error or a sandbox limit.
    pub errors: Vec<RuleError>,
    /// Findings a waiver in force covers ([`super::waiver`]), in the same order; not in `findings`.
    pub waived: Vec<super::Waived>,
}

/// Evaluates every enabled rule of `pack` against `facts`. Rules run in parallel and independently,
/// on threads with a known stack ([`limits::RULE_STACK_BYTES`]): one rule's failure never stops
/// another. All rules share one budget ([`limits::MAX_PACK_OPERATIONS`] and, with a `meter`,
/// [`limits::MAX_PACK_SECONDS`] and [`limits::MAX_SANDBOX_BYTES`]) and one memo of statistics
/// results. Findings a waiver covers move to [`Evaluation::waived`] ([`super::waiver::apply`], the
/// only place waivers are matched).
pub fn evaluate(pack: &PolicyPack, facts: Arc<Facts>, meter: Option<&SharedMeter>) -> Evaluation {
    let engine = host::engine();
    let budget = Arc::new(Budget::new(meter));
    let memo = Arc::new(Memo::default());
    let run = || -> Vec<Result<Vec<Finding>, RuleError>> {
        pack.rules
            .par_iter()
            .filter(|r| r.enabled)
            .map(|rule| host::within(Some(&budget), || run_rule(&engine, rule, &facts, &memo)))
            .collect()
    };
    let outcomes = on_rule_thread(run);
    let mut out = Evaluation::default();
    for outcome in outcomes {
        match outcome {
            Ok(findings) => out.findings.extend(findings),
            Err(e) => out.errors.push(e),
        }
    }
    let (standing, waived) = super::waiver::apply(&facts, std::mem::take(&mut out.findings));
    out.findings = standing;
    out.waived = waived;
    out
}

/// The threads rules run on: as many as rayon's global pool has, each with a stack of
/// [`limits::RULE_STACK_BYTES`]. `None` where threads cannot be made (wasm32): rules then run on the
/// caller's thread, whose stack the embedder chose.
fn rule_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(rayon::current_num_threads())
            .stack_size(limits::RULE_STACK_BYTES)
            .thread_name(|i| format!("fairboard-rule-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}

/// Runs `f` on a rule thread (or on this one where there are none).
pub(crate) fn on_rule_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    match rule_pool() {
        Some(pool) => pool.install(f),
        None => f(),
    }
}

fn run_rule(engine: &Engine, rule: &Rule, facts: &Arc<Facts>, memo: &Arc<Memo>) -> Result<Vec<Finding>, RuleError> {
    let fail = |message: String| RuleError { rule: rule.id.clone(), severity: rule.severity, message };
    // The engine must never take the process down; should it panic, the rule fails and the pack goes on.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_rule_unguarded(engine, rule, facts, memo)))
        .unwrap_or_else(|_| {
            Err(fail(format!("{}: the script engine failed (a bug in fairboard or rhai)", rule.source)))
        })
}

fn run_rule_unguarded(
    engine: &Engine,
    rule: &Rule,
    facts: &Arc<Facts>,
    memo: &Arc<Memo>,
) -> Result<Vec<Finding>, RuleError> {
    let fail = |message: String| RuleError { rule: rule.id.clone(), severity: rule.severity, message };
    let options = rhai::CallFnOptions::new().eval_ast(false);
    let args = (FactsHandle(Arc::clone(facts), Arc::clone(memo)), params_to_dynamic(&rule.params));
    let result: Dynamic = engine
        .call_fn_with_options(options, &mut Scope::new(), &rule.ast, "evaluate", args)
        .map_err(|e| fail(format!("{}: {}", rule.source, host::describe_error(&e))))?;
    let Some(items) = result.clone().try_cast::<rhai::Array>() else {
        return Err(fail(format!(
            "evaluate() must return an array of finding(...) values, returned {}",
            result.type_name()
        )));
    };
    if items.len() > limits::MAX_FINDINGS {
        return Err(fail(format!(
            "rule reported {} findings, more than the limit of {}",
            items.len(),
            limits::MAX_FINDINGS
        )));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let type_name = item.type_name();
            let f: ScriptFinding = item.try_cast().ok_or_else(|| {
                fail(format!("evaluate() must return finding(...) values; element {i} is a {type_name}"))
            })?;
            let mut evidence = Vec::with_capacity(f.evidence.len());
            for seq in f.evidence {
                match u64::try_from(seq) {
                    Ok(s) if s < facts.records => evidence.push(s),
                    _ => {
                        return Err(fail(format!("finding {i} cites seq {seq}, which is not a record of this ledger")));
                    }
                }
            }
            evidence.sort_unstable();
            evidence.dedup();
            Ok(Finding {
                rule: rule.id.clone(),
                severity: rule.severity,
                subject: f.subject,
                message: f.message,
                evidence,
            })
        })
        .collect()
}
