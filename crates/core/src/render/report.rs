//! Renderings of the policy reports ([`Report`], [`PlanReport`]): JSON for programs, tables for
//! terminals, Markdown for publishing. Output is deterministic: the same ledger and pack give the
//! same bytes.

use super::escape::markdown as md_escape;
use super::format::evidence;
use super::json::pretty;
use super::summary::{NO_DENY, SUMMARY_HEADER, TextOptions, rule_summaries, summary_cells, summary_text};
pub use super::text::table;
use crate::api::report::{PlanReport, Report};
use crate::policy::{Finding, Severity};

impl Report {
    /// Pretty JSON, newline-terminated.
    pub fn to_json(&self) -> Result<String, super::json::RenderError> {
        pretty(self)
    }

    /// The summary-first form for terminals: the result, one row per rule, the first findings of
    /// each rule (all with [`super::summary::Shown::All`]), wrapped to the width.
    pub fn to_summary(&self, options: &TextOptions) -> String {
        format!(
            "ledger: {} records, head {}
{}",
            self.ledger.records,
            self.ledger.head,
            summary_text(self, self.fails(), options)
        )
    }

    /// The complete plain-text table (every finding on one line), for pipes and files.
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
        if !self.waived.is_empty() {
            let rows: Vec<[String; 5]> = self
                .waived
                .iter()
                .map(|w| {
                    let f = &w.finding;
                    [
                        f.severity.as_str().into(),
                        f.rule.clone(),
                        f.subject.clone(),
                        f.message.clone(),
                        w.waiver.to_string(),
                    ]
                })
                .collect();
            out.push_str("\nwaived (reported, not counted):\n");
            out.push_str(&table(&["SEVERITY", "RULE", "SUBJECT", "MESSAGE", "WAIVER (seq)"], &rows));
        }
        for w in &self.waivers {
            out.push_str(&format!("{}\n", super::summary::waiver_line(w)));
        }
        out.push_str(&format!("\n{}\n", counts_text(&self.summary)));
        out
    }

    /// Markdown, for publishing.
    pub fn to_markdown(&self) -> String {
        let mut out = format!(
            "# Policy report: {} {}\n\n* pack digest: `{}`\n* ledger: {} records, head `{}`\n* judged at: {}\n* result: **{}** ({})\n\n",
            self.policy.name,
            self.policy.version,
            self.policy.digest,
            self.ledger.records,
            self.ledger.head,
            self.ledger.at,
            if self.fails() { "FAIL" } else { "PASS" },
            counts_text(&self.summary)
        );
        if let Some(o) = &self.policy_override {
            out.push_str(&format!(
                "> **Override:** evaluated with a pack other than the adopted one (`{}`, adopted at seq {}).\n\n",
                o.adopted_digest, o.adopted_seq
            ));
        }
        out.push_str(&summary_markdown(self));
        out.push_str("\n## Findings\n\n");
        out.push_str(&findings_markdown(&self.findings));
        out.push_str(&waivers_markdown(self));
        if !self.errors.is_empty() {
            out.push_str("\n## Rules that could not be evaluated\n\n");
            for e in &self.errors {
                out.push_str(&format!("* `{}` ({}): {}\n", e.rule, e.severity.as_str(), md_escape(&e.message)));
            }
        }
        out
    }
}

/// `285 deny, 149 warn, 0 info, 0 rule errors` (and `, 2 waived` when a waiver applied).
pub fn counts_text(s: &crate::api::report::Summary) -> String {
    let mut out = format!("{} deny, {} warn, {} info, {} rule errors", s.deny, s.warn, s.info, s.errors);
    if s.waived > 0 {
        out.push_str(&format!(", {} waived", s.waived));
    }
    out
}

/// Waived findings and the waivers as Markdown (nothing without waivers).
pub fn waivers_markdown(report: &Report) -> String {
    if report.waivers.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n## Waivers\n\n");
    for w in &report.waivers {
        out.push_str(&format!("* {}\n", md_escape(&super::summary::waiver_line(w))));
    }
    if !report.waived.is_empty() {
        out.push_str("\nWaived findings (reported, not counted):\n\n| severity | rule | subject | message | waiver (seq) |\n| --- | --- | --- | --- | --- |\n");
        for w in &report.waived {
            out.push_str(&finding_row(&w.finding, &w.waiver.to_string()));
        }
    }
    out
}

/// One finding on one line: `deny  rule-id  subject: message (evidence: seq, …)`.
pub fn finding_line(f: &Finding) -> String {
    format!("{}  {}  {}: {} (evidence: {})", f.severity.as_str(), f.rule, f.subject, f.message, evidence(&f.evidence))
}

/// The `## Summary` section: one row per rule of the pack (the same rows as the terminal and HTML).
pub fn summary_markdown(report: &Report) -> String {
    let mut out = String::from("## Summary\n\n");
    if report.summary.deny == 0 {
        out.push_str(&format!("{NO_DENY}\n\n"));
    }
    let rows: Vec<Vec<String>> = rule_summaries(report).iter().map(summary_cells).collect();
    out.push_str(&super::audit::md_table(&SUMMARY_HEADER, &rows));
    out
}

/// A finding as a Markdown table row: severity, rule, subject, message, then `last`.
fn finding_row(f: &Finding, last: &str) -> String {
    format!(
        "| {} | `{}` | {} | {} | {last} |\n",
        f.severity.as_str(),
        f.rule,
        md_escape(&f.subject),
        md_escape(&f.message)
    )
}

/// Findings as a Markdown table (or a line saying there are none).
pub fn findings_markdown(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "No findings.\n".into();
    }
    let mut out =
        String::from("| severity | rule | subject | message | evidence (seq) |\n| --- | --- | --- | --- | --- |\n");
    for f in findings {
        out.push_str(&finding_row(f, &evidence(&f.evidence)));
    }
    out
}

impl PlanReport {
    /// Pretty JSON, newline-terminated.
    pub fn to_json(&self) -> Result<String, super::json::RenderError> {
        pretty(self)
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
