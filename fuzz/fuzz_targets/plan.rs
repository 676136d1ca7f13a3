//! Arbitrary bytes as a what-if plan, read both as YAML and as JSON Lines (`plan::parse`, what
//! `check --plan` loads). A plan that loads has its first steps replayed by `plan::what_if` on the
//! fixture ledger's facts under a one-rule pack.

#![no_main]

use std::sync::LazyLock;

use fairboard_core::facts::FactsBuilder;
use fairboard_core::policy::PolicyPack;
use fairboard_core::policy::plan::{Plan, parse, what_if};
use libfuzzer_sys::fuzz_target;

/// Most steps replayed per input (each step evaluates the pack twice).
const MAX_STEPS: usize = 4;

const PACK: &str = r#"apiVersion: fairboard/v1
kind: PolicyPack
name: fuzz
version: "1"
rules:
  - id: variant-limit
    severity: deny
    rationale: fuzzing
    remedy: end one test first
    script: |
      fn evaluate(facts, params) {
        let out = [];
        for p in facts.providers() {
          let open = facts.private_tests(p).filter(|t| t.end_seq == ());
          if open.len() > 1 { out.push(finding(p, "too many", open.map(|t| t.start_seq))); }
        }
        out
      }
"#;

static STATE: LazyLock<Option<(PolicyPack, FactsBuilder, u64)>> = LazyLock::new(|| {
    let pack = fairboard_core::policy::pack::load_text("plan-pack.yaml", PACK.as_bytes(), &fairboard::InlineOnly).ok()?;
    let (_, text) = fairboard_fuzz::sign_ledger(&fairboard_fuzz::fixture_events());
    let (builder, head) = fairboard::api::facts_builder(text.as_bytes(), None, None).ok()?;
    Some((pack, builder, head.records))
});

fn replay(plan: Plan) {
    let Some((pack, builder, records)) = STATE.as_ref() else { return };
    let plan = Plan { steps: plan.steps.into_iter().take(MAX_STEPS).collect(), ..plan };
    let provider = plan.provider.clone();
    let clock = fairboard::store::SystemMeter::shared();
    let _ = what_if(pack, builder.clone(), (*records, 1_741_996_800_000), &plan, provider.as_deref(), Some(&clock));
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(plan) = parse("fuzz.yaml", text, false) {
        replay(plan);
    }
    if let Ok(plan) = parse("fuzz.jsonl", text, true) {
        replay(plan);
    }
});
