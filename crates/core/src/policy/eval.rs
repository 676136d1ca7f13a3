//! Running a pack's rules against facts.

use std::sync::Arc;

use rayon::prelude::*;
use rhai::{Dynamic, Engine, Scope};

use super::finding::{Finding, RuleError};
use super::host::{self, FactsHandle, ScriptFinding, SharedClock};
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
}

/// Evaluates every enabled rule of `pack` against `facts`. Rules run in parallel and independently:
/// one rule's failure never stops another. `clock` (if any) backs the per-script seconds limit.
pub fn evaluate(pack: &PolicyPack, facts: Arc<Facts>, clock: Option<&SharedClock>) -> Evaluation {
    let engine = host::engine();
    let outcomes: Vec<Result<Vec<Finding>, RuleError>> = pack
        .rules
        .par_iter()
        .filter(|r| r.enabled)
        .map(|rule| host::with_clock(clock, || run_rule(&engine, rule, &facts)))
        .collect();
    let mut out = Evaluation::default();
    for outcome in outcomes {
        match outcome {
            Ok(findings) => out.findings.extend(findings),
            Err(e) => out.errors.push(e),
        }
    }
    out
}

fn run_rule(engine: &Engine, rule: &Rule, facts: &Arc<Facts>) -> Result<Vec<Finding>, RuleError> {
    let fail = |message: String| RuleError { rule: rule.id.clone(), severity: rule.severity, message };
    let options = rhai::CallFnOptions::new().eval_ast(false);
    let args = (FactsHandle(Arc::clone(facts)), params_to_dynamic(&rule.params));
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
