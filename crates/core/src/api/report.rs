//! The report models `check`, `check --plan` and `audit` produce: plain data, serialisable, with no
//! presentation. Their renderings (table, Markdown, JSON, HTML) are in [`crate::render`].
//!
//! The JSON shape is pinned by `schemas/report.json` and never changes without a version bump.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::facts::Facts;
use crate::policy::waiver::{self, Status};
use crate::policy::{Evaluation, Finding, PolicyPack, RuleError, Severity, Waived};

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

/// A rule of the pack as the report shows it: what it checks and with which parameters, so that a
/// reader (and a chart's threshold line) need not open the pack.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleInfo {
    /// Stable id.
    pub id: String,
    /// Severity of its findings.
    pub severity: Severity,
    /// Whether it ran.
    pub enabled: bool,
    /// Its parameters (a JSON object).
    pub params: Value,
    /// Why the rule exists, with its source.
    pub rationale: String,
    /// What to do instead, when it fires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
}

impl RuleInfo {
    /// The rules of `pack`, in pack order.
    pub fn of(pack: &PolicyPack) -> Vec<Self> {
        pack.rules
            .iter()
            .map(|r| Self {
                id: r.id.clone(),
                severity: r.severity,
                enabled: r.enabled,
                params: r.params.clone(),
                rationale: r.rationale.clone(),
                remedy: r.remedy.clone(),
            })
            .collect()
    }

    /// The number parameter `name`, if the rule has one.
    pub fn param(&self, name: &str) -> Option<f64> {
        self.params.get(name).and_then(Value::as_f64)
    }
}

/// A waiver the ledger holds, as of the report's time.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct WaiverInfo {
    /// Seq of its `waiver_granted`.
    pub seq: u64,
    /// The rule.
    pub rule: String,
    /// The subject.
    pub subject: String,
    /// Why it was granted.
    pub reason: String,
    /// Who approved it.
    pub approved_by: String,
    /// When it expires (RFC 3339).
    pub expires: String,
    /// `active`, `expired` or `revoked` at the report's time.
    pub status: Status,
    /// Seq of its `waiver_revoked`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked: Option<u64>,
    /// True when the pack has no rule of that id (the waiver can cover nothing).
    pub unknown_rule: bool,
    /// Findings it covers in this report.
    pub applied: u64,
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
    /// Findings a waiver covers (not in the counts above).
    pub waived: u64,
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
#[derive(Debug, Clone, Serialize, PartialEq)]
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
    /// The pack's rules, in pack order.
    pub rules: Vec<RuleInfo>,
    /// The provider of each finding subject that is a model, so that a summary can say which
    /// providers a rule cites most when every subject is a different model.
    pub subject_providers: BTreeMap<String, String>,
    /// Findings a waiver in force covers: reported and counted apart, not hidden.
    pub waived: Vec<Waived>,
    /// Every waiver the ledger holds, with its status.
    pub waivers: Vec<WaiverInfo>,
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
        summary.waived = evaluation.waived.len() as u64;
        Self {
            policy: PolicyInfo::of(pack),
            policy_override: None,
            ledger,
            findings: evaluation.findings,
            errors: evaluation.errors,
            summary,
            rules: RuleInfo::of(pack),
            subject_providers: BTreeMap::new(),
            waived: evaluation.waived,
            waivers: vec![],
        }
    }

    /// Fills what the report takes from the facts it was judged on: [`Report::subject_providers`]
    /// from the ledger's models, and [`Report::waivers`].
    pub fn with_facts(mut self, pack: &PolicyPack, facts: &Facts) -> Self {
        for f in self.findings.iter().chain(self.waived.iter().map(|w| &w.finding)) {
            if let Some(p) = facts.provider_of(&f.subject) {
                self.subject_providers.insert(f.subject.clone(), p.to_owned());
            }
        }
        let unknown: Vec<u64> = waiver::unknown_rule(pack, facts).map(|w| w.at.0).collect();
        self.waivers = facts
            .waivers
            .iter()
            .map(|w| WaiverInfo {
                seq: w.at.0,
                rule: w.rule.clone(),
                subject: w.subject.clone(),
                reason: w.reason.clone(),
                approved_by: w.approved_by.clone(),
                expires: chrono::DateTime::from_timestamp_millis(w.expires)
                    .map_or_else(String::new, crate::primitives::time::format),
                status: waiver::status(w, facts.now),
                revoked: w.revoked.map(|r| r.0),
                unknown_rule: unknown.contains(&w.at.0),
                applied: self.waived.iter().filter(|x| x.waiver == w.at.0).count() as u64,
            })
            .collect();
        self
    }

    /// The pack's rule `id`, if it is enabled.
    pub fn enabled_rule(&self, id: &str) -> Option<&RuleInfo> {
        self.rules.iter().find(|r| r.id == id && r.enabled)
    }

    /// True when the board failed the policy: a deny finding, or a deny rule that could not run.
    pub fn fails(&self) -> bool {
        self.summary.deny > 0 || self.errors.iter().any(|e| e.severity == Severity::Deny)
    }
}

/// What `check --plan` prints: the findings each planned step would introduce.
#[derive(Debug, Clone, Serialize, PartialEq)]
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
