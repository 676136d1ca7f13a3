//! The per-rule summary every rendering starts with (who broke which rule how often), and the
//! summary-first terminal form of the check and audit reports.
//!
//! [`rule_summaries`] is computed from the report model alone; the table, Markdown and HTML forms
//! show the same rows.

use std::collections::BTreeMap;

use super::escape;
use super::format::{evidence, first_sentence};
use crate::api::report::{Report, RuleInfo};
use crate::policy::{Finding, RuleError};

/// How many subjects (or providers) a summary names per rule.
pub const MOST_CITED: usize = 3;

/// One rule's line in the summary.
#[derive(Debug, Clone)]
pub struct RuleSummary<'a> {
    /// The rule as the pack gives it.
    pub rule: &'a RuleInfo,
    /// Its findings, in report order.
    pub findings: Vec<&'a Finding>,
    /// Its findings a waiver covers (not in `findings`).
    pub waived: usize,
    /// The providers (for a finding about a model, its provider) or subjects cited most, with counts,
    /// most first (ties by name).
    pub most_cited: Vec<(&'a str, usize)>,
    /// Why it could not be evaluated, if it could not.
    pub error: Option<&'a RuleError>,
}

impl RuleSummary<'_> {
    /// The findings count as shown: `19`, or `19 (+2 waived)`.
    pub fn count_text(&self) -> String {
        if self.waived == 0 {
            self.findings.len().to_string()
        } else {
            format!("{} (+{} waived)", self.findings.len(), self.waived)
        }
    }

    /// `atlas 8, helios 6, amber 2` (or `-`).
    pub fn most_cited_text(&self) -> String {
        if self.most_cited.is_empty() {
            return "-".into();
        }
        self.most_cited.iter().map(|(s, n)| format!("{s} {n}")).collect::<Vec<_>>().join(", ")
    }

    /// `enabled`, `disabled` or `error`, for the status column.
    pub fn status(&self) -> &'static str {
        if self.error.is_some() {
            "error"
        } else if self.rule.enabled {
            "ran"
        } else {
            "disabled"
        }
    }
}

/// One summary row per rule of the pack, in pack order (rules without findings included).
pub fn rule_summaries(report: &Report) -> Vec<RuleSummary<'_>> {
    report
        .rules
        .iter()
        .map(|rule| {
            let findings: Vec<&Finding> = report.findings.iter().filter(|f| f.rule == rule.id).collect();
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for f in &findings {
                let who = report.subject_providers.get(&f.subject).map_or(f.subject.as_str(), String::as_str);
                *counts.entry(who).or_default() += 1;
            }
            let mut most_cited: Vec<(&str, usize)> = counts.into_iter().collect();
            most_cited.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            most_cited.truncate(MOST_CITED);
            let waived = report.waived.iter().filter(|w| w.finding.rule == rule.id).count();
            RuleSummary { rule, findings, waived, most_cited, error: report.errors.iter().find(|e| e.rule == rule.id) }
        })
        .collect()
}

/// The header of the summary table.
pub const SUMMARY_HEADER: [&str; 5] = ["rule", "severity", "status", "findings", "most cited (provider or subject)"];

/// The cells of a summary row, as the table and Markdown show them.
pub fn summary_cells(s: &RuleSummary<'_>) -> Vec<String> {
    vec![s.rule.id.clone(), s.rule.severity.as_str().into(), s.status().into(), s.count_text(), s.most_cited_text()]
}

/// The summary as a terminal table: rule, severity, findings (with the status when the rule did not
/// run), most cited, the last column cut to fit `width`.
fn terminal_summary_table(summaries: &[RuleSummary<'_>], width: usize) -> String {
    let findings = |s: &RuleSummary<'_>| match s.status() {
        "ran" => s.count_text(),
        other => format!("{} ({other})", s.count_text()),
    };
    let rule_w = summaries.iter().map(|s| s.rule.id.chars().count()).max().unwrap_or(4).max(4);
    let count_w = summaries.iter().map(|s| findings(s).chars().count()).max().unwrap_or(0).max("findings".len());
    let room = width.saturating_sub(rule_w + 2 + "severity".len() + 2 + count_w + 2).max(12);
    let rows: Vec<Vec<String>> = summaries
        .iter()
        .map(|s| {
            let mut cited = escape::terminal(&s.most_cited_text()).into_owned();
            if cited.chars().count() > room {
                cited = cited.chars().take(room - 1).collect::<String>() + "…";
            }
            vec![escape::terminal(&s.rule.id).into_owned(), s.rule.severity.as_str().into(), findings(s), cited]
        })
        .collect();
    super::text::table(&["rule", "severity", "findings", "most cited"], &rows)
}

/// The sentence for a report without deny findings, the same in every form.
pub const NO_DENY: &str = "No deny findings: the board followed every deny rule of this pack.";

/// How many findings the terminal form shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// The first N of each rule.
    First(usize),
    /// All of them.
    All,
}

/// Options of the summary-first terminal form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextOptions {
    /// Findings shown per rule.
    pub findings: Shown,
    /// Wrap long lines to this many columns.
    pub width: usize,
}

impl Default for TextOptions {
    fn default() -> Self {
        Self { findings: Shown::First(3), width: 100 }
    }
}

/// The summary block: policy line, result, one row per rule; shared by `check` and `audit`.
pub fn summary_text(report: &Report, fails: bool, o: &TextOptions) -> String {
    let mut out = wrap(
        &format!(
            "policy {} {} ({}) · judged at {}",
            report.policy.name, report.policy.version, report.policy.digest, report.ledger.at
        ),
        o.width,
        "  ",
    );
    out.push_str(&format!(
        "result: {} · {}\n",
        if fails { "FAIL" } else { "PASS" },
        super::report::counts_text(&report.summary)
    ));
    out.push_str(&waivers_text(report, o.width));
    if let Some(ov) = &report.policy_override {
        out.push_str(&format!(
            "OVERRIDE: this pack is not the adopted one ({} at seq {})\n",
            ov.adopted_digest, ov.adopted_seq
        ));
    }
    if report.summary.deny == 0 {
        out.push_str(NO_DENY);
        out.push('\n');
    }
    let summaries = rule_summaries(report);
    out.push('\n');
    out.push_str(&terminal_summary_table(&summaries, o.width));
    let total = report.findings.len();
    if total > 0 {
        out.push_str(&match o.findings {
            Shown::All => format!("\nfindings ({total}):\n"),
            Shown::First(n) => format!("\nfirst findings ({n} per rule; --findings all for all {total}):\n"),
        });
        for s in &summaries {
            let limit = match o.findings {
                Shown::All => usize::MAX,
                Shown::First(n) => n,
            };
            for f in s.findings.iter().take(limit) {
                out.push_str(&wrapped_finding(f, o.width));
            }
            let hidden = s.findings.len().saturating_sub(limit);
            if hidden > 0 {
                out.push_str(&format!("      … {hidden} more {} finding(s)\n", s.rule.id));
            }
        }
    }
    for e in &report.errors {
        out.push_str(&wrap(&format!("error: rule `{}` could not be evaluated: {}", e.rule, e.message), o.width, ""));
    }
    out
}

/// The waived findings and the waivers, in a few lines (nothing when the ledger has no waiver).
pub fn waivers_text(report: &Report, width: usize) -> String {
    let mut out = String::new();
    if report.waivers.is_empty() {
        return out;
    }
    out.push_str(&format!(
        "waived: {} finding(s) under {} waiver(s), not counted above\n",
        report.summary.waived,
        report.waivers.len()
    ));
    for w in &report.waivers {
        out.push_str(&wrap(&escape::terminal(&waiver_line(w)), width, "      "));
    }
    out
}

/// Where a waiver stands, in words: `active until T`, `expired at T`, `revoked (seq N)`, or that
/// it names no rule of the pack.
pub fn waiver_status(w: &crate::api::report::WaiverInfo) -> String {
    match (w.unknown_rule, w.status) {
        (true, _) => "names no rule of this pack".to_owned(),
        (false, crate::policy::waiver::Status::Active) => format!("active until {}", w.expires),
        (false, crate::policy::waiver::Status::Expired) => format!("expired at {}", w.expires),
        (false, crate::policy::waiver::Status::Revoked) => {
            format!("revoked (seq {})", w.revoked.map_or_else(|| "?".into(), |s| s.to_string()))
        }
    }
}

/// One waiver in one sentence, the same in the table and Markdown forms.
pub fn waiver_line(w: &crate::api::report::WaiverInfo) -> String {
    format!(
        "waiver seq {}: {} for {}, {}, approved by {}, covers {} finding(s): {}",
        w.seq,
        w.rule,
        w.subject,
        waiver_status(w),
        w.approved_by,
        w.applied,
        w.reason
    )
}

/// One finding, wrapped: `deny  rule  subject: message (evidence: …)`, continuation lines indented.
fn wrapped_finding(f: &Finding, width: usize) -> String {
    let line = format!(
        "{:<4}  {}  {}: {} (evidence: {})",
        f.severity.as_str(),
        f.rule,
        f.subject,
        f.message,
        evidence(&f.evidence)
    );
    wrap(&escape::terminal(&line), width, "      ")
}

/// `text` wrapped to `width` columns at word boundaries, continuation lines starting with `indent`;
/// newline-terminated.
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    let options = textwrap::Options::new(width.max(20))
        .subsequent_indent(indent)
        .break_words(true)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    let mut out = textwrap::wrap(text, options).join("\n");
    out.push('\n');
    out
}

/// The rationale of a rule in one sentence, for narrow places.
pub fn short_rationale(rule: &RuleInfo) -> &str {
    first_sentence(&rule.rationale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_respects_the_width_and_indents() {
        let text = "deny  no-retraction  orion-x1-01: provider orion retracted the score of orion-x1-01 before release";
        let w = wrap(text, 40, "      ");
        assert!(w.lines().all(|l| l.chars().count() <= 40), "{w}");
        assert!(w.lines().skip(1).all(|l| l.starts_with("      ")));
        assert_eq!(w.split_whitespace().collect::<Vec<_>>(), text.split_whitespace().collect::<Vec<_>>());
    }
}
