//! Policies as code: packs of rhai rules evaluated against ledger facts.
//!
//! - [`pack`]: loading and checking a pack (YAML, schema, scripts, parameters) from its text;
//! - [`source`]: where a pack's `uses:` scripts come from; [`shipped`]: the shipped pack, embedded;
//! - [`host`]: the sandboxed rhai engine and the read-only facts API;
//! - [`limits`]: every sandbox limit, with its reason;
//! - [`eval`]: running the rules; [`finding`]: what rules report;
//! - [`admission`]: which findings new events introduce; [`plan`]: what-if plans;
//! - [`waiver`]: the one function that decides whether a waiver covers a finding.
//!
//! Nothing here reads a file or the clock: packs come as text with a [`source::ScriptSource`], and
//! the sandbox's seconds and memory backstops use the [`host::Meter`] it is given. The authoring guide is
//! `docs/policies.md`.

pub mod admission;
pub mod eval;
pub mod finding;
pub mod host;
pub mod limits;
pub mod pack;
pub mod plan;
pub mod shipped;
pub mod source;
pub mod waiver;

pub use eval::{Evaluation, evaluate};
pub use finding::{Finding, RuleError, Severity};
pub use pack::{PackError, PolicyPack, Rule, load_text};
pub use waiver::Waived;
