//! The report models `check`, `check --plan` and `audit` produce: plain data, serialisable, with no
//! presentation. Their renderings (table, Markdown, JSON, HTML) are in [`crate::render`].
//!
//! The JSON shape is pinned by `schemas/report.json` and never changes without a version bump.

use serde::Serialize;

use crate::policy::{Evaluation, Finding, PolicyPack, RuleError, Severity};

/// The policy a report was made under.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PolicyInfo {
    /// Pack name.
    pub name: String,
    /// Pack version.
    pub version: String,
    /// `sha256:` digest of the pack file.
    pub digest: String,
}

impl PolicyInfo {
    /// The name, version and digest of `pack`.
    pub fn of(pack: &PolicyPack) -> Self {
        Self { name: pack.name.clone(), version: pack.version.clone(), digest: pack.digest.clone() }
    }
}

/// The ledger a report is about.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LedgerInfo {
    /// Records considered.
    pub records: u64,
    /// Hash of the last record considered.
    pub head: String,
    /// The time rules judged against.
    pub at: String,
}

/// Counts per severity.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Deny findings.
    pub deny: u64,
    /// Warn findings.
    pub warn: u64,
    /// Info findings.
    pub info: u64,
    /// Rules that could not be evaluated.
    pub errors: u64,
}

/// Present when a pack other than the adopted one was used (`--policy-override`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PolicyOverride {
    /// Digest of the pack the ledger adopted.
    pub adopted_digest: String,
    /// Seq of that `policy_adopted` record.
    pub adopted_seq: u64,
}

/// A policy report.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Report {
    /// The policy.
    pub policy: PolicyInfo,
    /// Set when the policy is not the adopted one and `--policy-override` allowed it.
    #[serde(rename = "override", skip_serializing_if = "Option::is_none")]
    pub policy_override: Option<PolicyOverride>,
    /// The ledger.
    pub ledger: LedgerInfo,
    /// Findings, by rule in pack order.
    pub findings: Vec<Finding>,
    /// Rules that could not be evaluated.
    pub errors: Vec<RuleError>,
    /// Counts.
    pub summary: Summary,
}

impl Report {
    /// Assembles a report.
    pub fn new(pack: &PolicyPack, ledger: LedgerInfo, evaluation: Evaluation) -> Self {
        let mut summary = Summary::default();
        for f in &evaluation.findings {
            match f.severity {
                Severity::Deny => summary.deny += 1,
                Severity::Warn => summary.warn += 1,
                Severity::Info => summary.info += 1,
            }
        }
        summary.errors = evaluation.errors.len() as u64;
        Self {
            policy: PolicyInfo::of(pack),
            policy_override: None,
            ledger,
            findings: evaluation.findings,
            errors: evaluation.errors,
            summary,
        }
    }

    /// True when the board failed the policy: a deny finding, or a deny rule that could not run.
    pub fn fails(&self) -> bool {
        self.summary.deny > 0 || self.errors.iter().any(|e| e.severity == Severity::Deny)
    }
}

/// What `check --plan` prints: the findings each planned step would introduce.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PlanReport {
    /// The policy.
    pub policy: PolicyInfo,
    /// Set when the pack is not the adopted one.
    #[serde(rename = "override", skip_serializing_if = "Option::is_none")]
    pub policy_override: Option<PolicyOverride>,
    /// The ledger the plan starts from.
    pub ledger: LedgerInfo,
    /// The verdict, step by step.
    pub plan: crate::policy::plan::WhatIf,
}

impl PlanReport {
    /// True when a step of the plan would introduce a deny finding.
    pub fn denies(&self) -> bool {
        self.plan.denies()
    }
}
