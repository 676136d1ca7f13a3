//! Reports: what `check` (and later `audit`) print, as JSON for programs and tables for people.
//!
//! The JSON shape is pinned by `schemas/report.json` and never changes without a version bump.
//! Output is deterministic: the same ledger and pack give the same bytes.

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

    /// Pretty JSON, newline-terminated.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// A plain-text table for terminals.
    pub fn to_table(&self) -> String {
        let mut out = format!(
            "policy {} {} ({})\nledger: {} records, head {}, judged at {}\n\n",
            self.policy.name,
            self.policy.version,
            self.policy.digest,
            self.ledger.records,
            self.ledger.head,
            self.ledger.at
        );
        if let Some(o) = &self.policy_override {
            out.push_str(&format!(
                "OVERRIDE: this pack is not the adopted one ({} at seq {})\n\n",
                o.adopted_digest, o.adopted_seq
            ));
        }
        if self.findings.is_empty() {
            out.push_str("no findings\n");
        } else {
            let rows: Vec<[String; 5]> = self
                .findings
                .iter()
                .map(|f| {
                    [
                        f.severity.as_str().into(),
                        f.rule.clone(),
                        f.subject.clone(),
                        f.message.clone(),
                        evidence(&f.evidence),
                    ]
                })
                .collect();
            out.push_str(&table(&["SEVERITY", "RULE", "SUBJECT", "MESSAGE", "EVIDENCE (seq)"], &rows));
        }
        for e in &self.errors {
            out.push_str(&format!("error: rule `{}` could not be evaluated: {}\n", e.rule, e.message));
        }
        out.push_str(&format!(
            "\n{} deny, {} warn, {} info, {} rule errors\n",
            self.summary.deny, self.summary.warn, self.summary.info, self.summary.errors
        ));
        out
    }

    /// Markdown, for publishing.
    pub fn to_markdown(&self) -> String {
        let mut out = format!(
            "# Policy report: {} {}\n\n* pack digest: `{}`\n* ledger: {} records, head `{}`\n* judged at: {}\n* result: **{}** ({} deny, {} warn, {} info, {} rule errors)\n\n",
            self.policy.name,
            self.policy.version,
            self.policy.digest,
            self.ledger.records,
            self.ledger.head,
            self.ledger.at,
            if self.fails() { "FAIL" } else { "PASS" },
            self.summary.deny,
            self.summary.warn,
            self.summary.info,
            self.summary.errors
        );
        if let Some(o) = &self.policy_override {
            out.push_str(&format!(
                "> **Override:** evaluated with a pack other than the adopted one (`{}`, adopted at seq {}).\n\n",
                o.adopted_digest, o.adopted_seq
            ));
        }
        out.push_str(&findings_markdown(&self.findings));
        if !self.errors.is_empty() {
            out.push_str("\n## Rules that could not be evaluated\n\n");
            for e in &self.errors {
                out.push_str(&format!("* `{}` ({}): {}\n", e.rule, e.severity.as_str(), md_escape(&e.message)));
            }
        }
        out
    }
}

/// One finding on one line: `deny  rule-id  subject: message (evidence: seq, …)`.
pub fn finding_line(f: &Finding) -> String {
    format!("{}  {}  {}: {} (evidence: {})", f.severity.as_str(), f.rule, f.subject, f.message, evidence(&f.evidence))
}

/// Findings as a Markdown table (or a line saying there are none).
pub fn findings_markdown(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "No findings.\n".into();
    }
    let mut out =
        String::from("| severity | rule | subject | message | evidence (seq) |\n| --- | --- | --- | --- | --- |\n");
    for f in findings {
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} |\n",
            f.severity.as_str(),
            f.rule,
            md_escape(&f.subject),
            md_escape(&f.message),
            evidence(&f.evidence)
        ));
    }
    out
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Evidence seqs for people: all of them up to 12, else the first 10 and a count.
fn evidence(seqs: &[u64]) -> String {
    let shown: Vec<String> = seqs.iter().take(if seqs.len() > 12 { 10 } else { 12 }).map(u64::to_string).collect();
    let mut s = shown.join(", ");
    if seqs.len() > 12 {
        s.push_str(&format!(", … ({} in all)", seqs.len()));
    }
    s
}

/// A left-aligned text table: columns two spaces apart, no trailing blanks.
pub fn table<R: AsRef<[String]>>(header: &[&str], rows: &[R]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row.as_ref()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        padded.join("  ").trim_end().to_owned() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.as_ref().iter().map(String::as_str).collect()));
    }
    out
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
    pub plan: crate::plan::WhatIf,
}

impl PlanReport {
    /// Pretty JSON, newline-terminated.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    fn lines(&self, markdown: bool) -> String {
        let p = &self.plan;
        let who = p.provider.as_deref().map(|x| format!(" of `{x}`")).unwrap_or_default();
        let mut out = if markdown {
            format!("# What-if: plan{who} under {} {}\n\n", self.policy.name, self.policy.version)
        } else {
            format!("what-if: plan{who} ({} steps) under {} {}\n", p.steps, self.policy.name, self.policy.version)
        };
        out.push_str(&format!("starting from {} records, head {}\n\n", self.ledger.records, self.ledger.head));
        if p.breaks.is_empty() && p.errors.is_empty() {
            out.push_str("no step introduces a finding\n");
        }
        let mut first_by_rule = std::collections::BTreeSet::new();
        for b in &p.breaks {
            let first = first_by_rule.insert(b.finding.rule.clone());
            let head = format!(
                "step {} (line {}, {} at {}){}: {} `{}` {}: {}",
                b.step,
                b.line,
                b.event_type,
                b.at,
                if first { " first breaks" } else { "" },
                b.finding.severity.as_str(),
                b.finding.rule,
                b.finding.subject,
                b.finding.message
            );
            out.push_str(&if markdown { format!("* {}\n", md_escape(&head)) } else { format!("{head}\n") });
            if let Some(r) = &b.remedy {
                out.push_str(&if markdown {
                    format!("  * instead: {}\n", md_escape(r))
                } else {
                    format!("    instead: {r}\n")
                });
            }
        }
        for e in &p.errors {
            out.push_str(&format!("rule `{}` could not be evaluated: {}\n", e.rule, e.message));
        }
        let deny = p.breaks.iter().filter(|b| b.finding.severity == Severity::Deny).count();
        out.push_str(&format!(
            "\n{}: {deny} deny and {} other finding(s) would be introduced\n",
            if p.denies() { "the plan would break the policy" } else { "the plan stays within the policy" },
            p.breaks.len() - deny
        ));
        out
    }

    /// Text for terminals.
    pub fn to_table(&self) -> String {
        self.lines(false)
    }

    /// Markdown.
    pub fn to_markdown(&self) -> String {
        self.lines(true)
    }
}
