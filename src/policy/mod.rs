//! Policies as code: packs of rhai rules evaluated against ledger facts.
//!
//! - [`pack`]: loading and checking a pack (YAML, schema, scripts, parameters);
//! - [`host`]: the sandboxed rhai engine and the read-only facts API;
//! - [`limits`]: every sandbox limit, with its reason;
//! - [`eval`]: running the rules;
//! - [`finding`]: what rules report.
//!
//! The authoring guide is `docs/policies.md`.

pub mod admission;
pub mod eval;
pub mod finding;
pub mod host;
pub mod limits;
pub mod pack;
pub mod testing;

pub use eval::{Evaluation, evaluate};
pub use finding::{Finding, RuleError, Severity};
pub use pack::{PackError, PolicyPack, Rule, load};
