//! Findings: what a rule reports, with the ledger records that prove it.

use serde::{Deserialize, Serialize};

/// How serious a rule's findings are. `deny` findings make `check` and `audit` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A violation of a rule in force.
    Deny,
    /// Worth a human look; does not fail the check.
    Warn,
    /// For the record.
    Info,
}

impl Severity {
    /// The lowercase name used in packs and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deny => "deny",
            Self::Warn => "warn",
            Self::Info => "info",
        }
    }
}

/// One violation or observation, as reports print it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule id.
    pub rule: String,
    /// The rule's severity.
    pub severity: Severity,
    /// Who or what it is about: a provider, a model, or a class such as `license:open_weights`.
    pub subject: String,
    /// What is wrong, for people.
    pub message: String,
    /// Seq numbers of the ledger records that prove it, ascending.
    pub evidence: Vec<u64>,
}

/// A rule that could not be evaluated (a runtime error or a sandbox limit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleError {
    /// The rule id.
    pub rule: String,
    /// The rule's severity (a failing deny rule fails the check: it could not show compliance).
    pub severity: Severity,
    /// What went wrong.
    pub message: String,
}
