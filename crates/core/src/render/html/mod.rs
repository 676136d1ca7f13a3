//! The audit as one self-contained HTML page: verdict, per-rule summary, findings grouped by rule
//! and subject with the records they cite, charts with a table beside each, the method, and the
//! records. No network request, no external script, font or image: the Vega bundles, the glue and
//! the style are inlined, and a Content-Security-Policy forbids loading anything else.
//!
//! Written with maud, which escapes every interpolation by type; JSON inside `<script>` goes
//! through [`super::escape::json_in_script`]. The same report gives the same bytes.
//!
//! A ledger that did not verify gets the verdict, the defect and its line, and the pack's rules,
//! and nothing computed from its records (no findings, charts or records; no Vega either).

pub mod anchor;
mod assets;
pub mod charts;

use std::collections::BTreeMap;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::escape::json_in_script;
use super::format::{first_sentence, pct};
use super::summary::{NO_DENY, RuleSummary, rule_summaries};
use crate::api::audit::{AuditReport, FLIP_DEPTH};
use crate::api::evidence::EvidenceRecord;
use crate::api::report::RuleInfo;
use crate::policy::Finding;

/// Choices for the HTML page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HtmlOptions {
    /// Draw every rated model in the forest plot from the start (else the first
    /// [`charts::DEFAULT_RATINGS`], with a box to show all).
    pub all_ratings: bool,
}

impl AuditReport {
    /// The report as one self-contained HTML page. For evidence records and the charts over time,
    /// build the audit with [`crate::api::Options::detail`].
    pub fn to_html(&self, options: &HtmlOptions) -> String {
        page(self, options).into_string()
    }
}

fn result_word(a: &AuditReport) -> &'static str {
    if a.fails() { "FAIL" } else { "PASS" }
}

fn page(a: &AuditReport, o: &HtmlOptions) -> Markup {
    let authentic = a.verification.ok;
    let title = format!(
        "{} · {} · audit of {}",
        if authentic { "AUTHENTIC" } else { "NOT AUTHENTIC" },
        result_word(a),
        if a.verification.head.is_empty() {
            "a ledger".to_owned()
        } else {
            format!("ledger {}", short(&a.verification.head))
        }
    );
    let charts = if authentic { charts::all(a, o.all_ratings) } else { vec![] };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="Content-Security-Policy" content=(assets::CSP);
                meta name="generator" content=(concat!("fairboard ", env!("CARGO_PKG_VERSION")));
                title { (title) }
                style { (PreEscaped(assets::CSS)) }
            }
            body {
                (verdict(a))
                @if authentic {
                    (toc(a, &charts))
                    main {
                        (summary(a))
                        (findings(a))
                        (waivers(a))
                        (chart_section(&charts))
                        (method(a))
                        (records(&a.evidence))
                    }
                    noscript { p { "The charts need JavaScript; every number they draw is also in the table beside each one." } }
                    (PreEscaped(format!("<!-- Vega {} and Vega-Lite {}: BSD-3-Clause, Copyright (c) 2015-2023 University of Washington Interactive Data Lab; see assets/vega/ in the fairboard sources. -->", assets::VEGA_VERSION, assets::VEGA_LITE_VERSION)))
                    script { (PreEscaped(assets::vega())) }
                    script { (PreEscaped(assets::vega_lite())) }
                } @else {
                    main {
                        p.forged { "Nothing below the verdict was computed from this ledger's records: they did not verify. The pack's rules follow, for reference." }
                        (method(a))
                    }
                }
                script { (PreEscaped(assets::JS)) }
            }
        }
    }
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

fn verdict(a: &AuditReport) -> Markup {
    let v = &a.verification;
    let r = &a.report;
    let class = if !v.ok {
        "verdict verdict--forged"
    } else if a.fails() {
        "verdict verdict--fail"
    } else {
        "verdict verdict--pass"
    };
    html! {
        header #verdict class=(class) {
            p #verdict-text { (a.verdict_line()) }
            p #verdict-result { (result_word(a)) }
            dl {
                @if let Some(line) = v.defect_line { dt { "first defect" } dd { "ledger line " (line) } }
                dt { "policy" } dd { (r.policy.name) " " (r.policy.version) " " code { (r.policy.digest) } }
                @if v.ok {
                    dt { "ledger head" } dd { code { (v.head) } }
                    dt { "records" } dd { (v.records) }
                    dt { "judged at" } dd { (r.ledger.at) }
                    dt { "findings" } dd { (super::report::counts_text(&r.summary)) }
                }
                @if let Some(cp) = &v.checkpoint { dt { "checkpoint" } dd { (cp) } }
                @if let Some(ov) = &r.policy_override {
                    dt { "override" } dd { "not the adopted pack (" code { (ov.adopted_digest) } ", adopted at seq " (ov.adopted_seq) ")" }
                }
            }
        }
    }
}

fn toc(a: &AuditReport, charts: &[charts::Chart]) -> Markup {
    html! {
        nav #toc {
            a href="#summary" { "Summary" }
            @if !a.report.findings.is_empty() { a href="#findings" { "Findings (" (a.report.findings.len()) ")" } }
            @if !charts.is_empty() { a href="#charts" { "Charts" } }
            @for c in charts { a.sub href=(format!("#chart-{}", c.name)) { (c.title) } }
            a href="#method" { "Method" }
            @if !a.evidence.is_empty() { a href="#records" { "Records (" (a.evidence.len()) ")" } }
        }
    }
}

fn severity(s: &str) -> Markup {
    html! { span class=(format!("sev sev-{s}")) { (s) } }
}

fn summary(a: &AuditReport) -> Markup {
    let rows = rule_summaries(&a.report);
    html! {
        section #summary {
            h2 { "Summary" }
            @if a.report.summary.deny == 0 { p.no-deny { (NO_DENY) } }
            table #table-summary {
                thead { tr { th { "rule" } th { "severity" } th { "status" } th { "findings" } th { "most cited (provider or subject)" } th { "why" } th { "remedy" } } }
                tbody { @for s in &rows { (summary_row(s)) } }
            }
        }
    }
}

fn summary_row(s: &RuleSummary<'_>) -> Markup {
    html! {
        tr {
            td { @if s.findings.is_empty() { code { (s.rule.id) } } @else { a href=(format!("#{}", anchor::rule(&s.rule.id))) { code { (s.rule.id) } } } }
            td { (severity(s.rule.severity.as_str())) }
            td { (s.status()) @if let Some(e) = s.error { ": " (e.message) } }
            td.num { (s.findings.len()) }
            td { (s.most_cited_text()) }
            td { (first_sentence(&s.rule.rationale)) }
            td { (s.rule.remedy.as_deref().unwrap_or("-")) }
        }
    }
}

fn findings(a: &AuditReport) -> Markup {
    if a.report.findings.is_empty() {
        return html! { section #findings { h2 { "Findings" } p { "No findings." } } };
    }
    let ids = anchor::findings(&a.report.findings);
    // The summaries borrow the report's findings, so a finding's id is found by identity.
    let id_of = |f: &Finding| a.report.findings.iter().position(|g| std::ptr::eq(g, f)).map_or("", |i| ids[i].as_str());
    let records: BTreeMap<u64, &EvidenceRecord> = a.evidence.iter().map(|e| (e.seq, e)).collect();
    html! {
        section #findings {
            h2 { "Findings" }
            p.controls { button #expand-all type="button" { "expand all" } " " button #collapse-all type="button" { "collapse all" } }
            @for s in rule_summaries(&a.report).iter().filter(|s| !s.findings.is_empty()) {
                section.rule id=(anchor::rule(&s.rule.id)) {
                    h3 { code { (s.rule.id) } " " (severity(s.rule.severity.as_str())) " · " (s.findings.len()) " finding(s)" }
                    p.rationale { (s.rule.rationale) }
                    @if let Some(r) = &s.rule.remedy { p.remedy { "Remedy: " (r) } }
                    @for (subject, group) in by_subject(&s.findings) {
                        details.subject id=(anchor::subject(&s.rule.id, subject)) {
                            summary { (subject) @if let Some(p) = a.report.subject_providers.get(subject) { " (" (p) ")" } " · " (group.len()) " finding(s)" }
                            @for f in group {
                                (finding(f, id_of(f), &records))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Findings grouped by subject, subjects in order of first appearance.
fn by_subject<'a>(findings: &[&'a Finding]) -> Vec<(&'a str, Vec<&'a Finding>)> {
    let mut out: Vec<(&str, Vec<&Finding>)> = Vec::new();
    for f in findings {
        match out.iter_mut().find(|(s, _)| *s == f.subject) {
            Some((_, v)) => v.push(f),
            None => out.push((f.subject.as_str(), vec![f])),
        }
    }
    out
}

/// Evidence rows a finding's table shows; the rest are listed as links (a sampling-floor finding
/// cites one record per period, hundreds in a year, and rows for all of them would make the demo's
/// page several megabytes larger).
const EVIDENCE_ROWS: usize = 12;

fn finding(f: &Finding, id: &str, records: &BTreeMap<u64, &EvidenceRecord>) -> Markup {
    let shown = if f.evidence.len() > EVIDENCE_ROWS { EVIDENCE_ROWS - 2 } else { f.evidence.len() };
    let rest = &f.evidence[shown..];
    html! {
        details id=(id) class=(format!("finding {}", f.severity.as_str())) {
            summary { (severity(f.severity.as_str())) " " (f.message) }
            table.evidence {
                thead { tr { th { "seq" } th { "time" } th { "type" } th { "signer" } } }
                tbody {
                    @for seq in &f.evidence[..shown] {
                        tr {
                            td { a href=(format!("#{}", anchor::seq(*seq))) { (seq) } }
                            @if let Some(r) = records.get(seq) { td { (r.time) } td { (r.event_type) } td { code { (r.signer) } } }
                            @else { td colspan="3" { "(record not kept in this report)" } }
                        }
                    }
                }
            }
            @if !rest.is_empty() {
                p.more {
                    "and " (rest.len()) " more cited records (" (f.evidence.len()) " in all): "
                    @for seq in rest { a href=(format!("#{}", anchor::seq(*seq))) { (seq) } " " }
                }
            }
        }
    }
}

fn waivers(a: &AuditReport) -> Markup {
    let r = &a.report;
    if r.waivers.is_empty() {
        return html! {};
    }
    html! {
        section #waivers {
            h2 { "Waivers" }
            p { (r.summary.waived) " finding(s) are covered by a waiver in force: reported here, not counted in the result." }
            table #table-waivers {
                thead { tr { th { "seq" } th { "rule" } th { "subject" } th { "status" } th { "approved by" } th { "covers" } th { "reason" } } }
                tbody {
                    @for w in &r.waivers {
                        tr {
                            td { a href=(format!("#{}", anchor::seq(w.seq))) { (w.seq) } }
                            td { code { (w.rule) } } td { (w.subject) }
                            td { (super::summary::waiver_status(w)) }
                            td { (w.approved_by) } td.num { (w.applied) } td { (w.reason) }
                        }
                    }
                }
            }
            @for w in &r.waived {
                details.waived-finding {
                    summary { (severity(w.finding.severity.as_str())) " " code { (w.finding.rule) } " " (w.finding.subject) ": " (w.finding.message) " (waiver seq " (w.waiver) ")" }
                    p { "evidence: " @for seq in &w.finding.evidence { a href=(format!("#{}", anchor::seq(*seq))) { (seq) } " " } }
                }
            }
        }
    }
}

fn chart_section(charts: &[charts::Chart]) -> Markup {
    if charts.is_empty() {
        return html! {};
    }
    html! {
        section #charts {
            h2 { "Charts" }
            @for c in charts {
                figure.chart id=(format!("chart-{}", c.name)) {
                    h3 { (c.title) }
                    div.vl data-spec=(format!("spec-{}", c.name)) role="img" aria-label=(c.description) {}
                    script type="application/json" id=(format!("spec-{}", c.name)) { (PreEscaped(json_in_script(&c.spec))) }
                    figcaption { (c.caption) }
                    div.alt { (c.alt) }
                }
            }
        }
    }
}

fn rule_params(r: &RuleInfo) -> String {
    match r.params.as_object() {
        Some(m) if !m.is_empty() => m.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", "),
        _ => "-".into(),
    }
}

fn method(a: &AuditReport) -> Markup {
    html! {
        section #method {
            h2 { "Method" }
            @if let Some(r) = &a.ratings {
                h3 { "Ratings" }
                p {
                    (r.method) "; " (r.rows.len()) " models rated, " (r.unrateable.len()) " with battles but no rating, "
                    (r.components) " strongly connected component(s) of the comparison graph. "
                    "Votes to flip: the fewest battles whose removal reverses an order, for the top model and the "
                    (FLIP_DEPTH) " adjacent pairs below it (docs/statistics.md §11)."
                }
                @if let Some(t) = r.votes_to_flip.as_ref().and_then(super::audit::top_flip_text) { p { (super::format::capitalise(&t)) "." } }
                @if !r.unrateable.is_empty() {
                    details { summary { "models without a rating" } ul { @for (m, why) in &r.unrateable { li { (m) ": " (why) } } } }
                }
            }
            @if !a.best_of_n.is_empty() {
                h3 { "Best-of-N" }
                p { (super::audit::SELECTION_METHOD) " Variants are attributed to a release within "
                    (crate::stats::selection::WINDOW_DAYS) " days (docs/statistics.md §5)." }
            }
            @if !a.license_classes.is_empty() {
                h3 { "Shares" }
                p { "Battle share: a provider's battles over all battles (a battle counts for each provider in it). Data share: data records released to it over all released. License classes: "
                    @for (i, c) in a.license_classes.iter().enumerate() { @if i > 0 { ", " } (c.license) " " (pct(c.appearance_share)) " of appearances" } "." }
            }
            h3 { "Rules of " (a.report.policy.name) " " (a.report.policy.version) }
            table #table-rules {
                thead { tr { th { "rule" } th { "severity" } th { "enabled" } th { "parameters" } th { "rationale" } } }
                tbody {
                    @for r in &a.report.rules {
                        tr { td { code { (r.id) } } td { (severity(r.severity.as_str())) } td { @if r.enabled { "yes" } @else { "no" } }
                             td { (rule_params(r)) } td { (r.rationale) } }
                    }
                }
            }
        }
    }
}

fn records(evidence: &[EvidenceRecord]) -> Markup {
    if evidence.is_empty() {
        return html! {};
    }
    html! {
        section #records {
            h2 { "Records cited" }
            p.print-only { (evidence.len()) " records are cited; they are left out of the printout (see the HTML file or the ledger)." }
            @for r in evidence {
                details.record id=(anchor::seq(r.seq)) {
                    summary { "seq " (r.seq) " · " (r.time) " · " (r.event_type) " · signer " code { (r.signer) } }
                    p { "hash " code { (r.hash) } ", ledger line " (r.seq + 1) }
                    @if let Some(line) = &r.line { pre.jcs { (line) } }
                    @if let Some(b) = &r.abridged {
                        p { "Battles of " (b.period_start) " to " (b.period_end) ": " (b.battles) " battles over " (b.pairs)
                            " pairs. The pairs are left out here (abridged); the full record is line " (r.seq + 1) " of the ledger, with the hash above." }
                    }
                }
            }
        }
    }
}
