//! Renderings of an [`AuditReport`]: JSON (the whole model), a terminal table and Markdown.

use super::format::{capitalise, interval, opt, pct, rating};
use super::json::{RenderError, pretty};
use super::report::{counts_text, findings_markdown, summary_markdown, waivers_markdown};
use super::summary::{TextOptions, summary_text, wrap};
use super::text::{table, table_fitting};
use crate::api::audit::AuditReport;
use crate::stats::flip::{Flip, Fragility};
use crate::stats::selection::Selection;

/// The columns of a best-of-N row in text and Markdown.
pub const SELECTION_HEADER: [&str; 12] = [
    "released model",
    "provider",
    "N (rated)",
    "sigma at selection",
    "tau",
    "rating at release",
    "inflation at release",
    "battles pre/post",
    "pre share",
    "inflation now",
    "selection-adjusted",
    "upper bound",
];

/// A release as shown in text and Markdown (one decimal, `-` when absent): the public name (else the
/// id), provider, N and the variants rated before the release, the released variant's σ at
/// selection, τ̂, its pre-release rating and the inflation D0 fixed then, its battles before and
/// after, the pre-release share w of its current information, w·D0, the current rating less w·D0,
/// and the diluted classical bound w·σ·sqrt(2 ln N).
pub fn selection_cells(s: &Selection) -> Vec<String> {
    let r = &s.at_release;
    vec![
        r.public_name.clone().unwrap_or_else(|| r.model.clone()),
        r.provider.clone(),
        format!("{} ({})", r.n, r.n_rated),
        opt(r.sigma_at_selection),
        format!("{:.1}", r.tau),
        opt(r.rating_at_release),
        opt(r.inflation_at_release),
        format!("{}/{}", s.battles_pre, s.battles_post),
        s.pre_share.map_or_else(|| "-".into(), |w| format!("{w:.3}")),
        s.inflation.map_or_else(|| "-".into(), |x| format!("{x:.2}")),
        opt(s.adjusted_rating),
        s.inflation_bound.map_or_else(|| "-".into(), |x| format!("{x:.2}")),
    ]
}

/// Votes to flip as shown: `N (s%)`, or `-` when no removal reverses the order.
pub fn flip_cell(f: &Flip) -> String {
    match (f.votes, f.share) {
        (Some(v), Some(s)) => format!("{v} ({:.2}%)", s * 100.0),
        _ => "-".into(),
    }
}

/// The sentence on the top model's votes to flip.
pub fn top_flip_text(f: &Fragility) -> Option<String> {
    let t = f.top.as_ref()?;
    Some(match (t.votes, t.share) {
        (Some(v), Some(s)) => format!(
            "votes to flip the top: removing {v} of {}'s {} battles ({:.2}%) would put {} above it (gap {:.1} points)",
            t.upper,
            t.upper_battles,
            s * 100.0,
            t.lower,
            t.gap
        ),
        _ => format!("votes to flip the top: no removal of battles puts another model above {}", t.upper),
    })
}

/// What the best-of-N table shows, in words (Markdown and HTML).
pub const SELECTION_METHOD: &str = "Releases after more than one private variant. The inflation at release is the empirical-Bayes estimate of how far picking the best of N lifted the released variant's pre-release rating (docs/statistics.md §5); votes recorded since the release were not selected, so the current rating carries only its pre-release share of it (inflation now), and the selection-adjusted rating subtracts that. The upper bound is the classical sigma*sqrt(2 ln N), diluted the same way.";

/// The short best-of-N columns of the terminal summary.
pub const SELECTION_SHORT_HEADER: [&str; 6] =
    ["released", "provider", "N (rated)", "at release", "inflation now", "adjusted"];

/// Provider rows the terminal summary shows (by battle share).
const SUMMARY_PROVIDERS: usize = 8;

/// Rating rows the terminal summary shows.
const SUMMARY_RATINGS: usize = 10;

/// How many rating rows the text and Markdown forms show.
const TOP_RATINGS: usize = 20;

impl AuditReport {
    /// Pretty JSON, newline-terminated.
    pub fn to_json(&self) -> Result<String, RenderError> {
        pretty(self)
    }

    /// The verdict in one sentence, the same in every form: `AUTHENTIC: N records verified under the
    /// trusted operator key, head H` or `NOT AUTHENTIC: line N: reason`.
    pub fn verdict_line(&self) -> String {
        let v = &self.verification;
        if v.ok {
            format!("AUTHENTIC: {} records verified under the trusted operator key, head {}", v.records, v.head)
        } else {
            format!("NOT AUTHENTIC: {}", v.defect.as_deref().unwrap_or("verification failed"))
        }
    }

    fn verdict(&self) -> String {
        let v = &self.verification;
        let mut s = self.verdict_line();
        if let Some(cp) = &v.checkpoint {
            s.push_str(&format!("\ncheckpoint: {cp}"));
        }
        s
    }

    /// The providers table.
    pub fn provider_table(&self) -> (Vec<&'static str>, Vec<Vec<String>>) {
        let header = vec![
            "provider",
            "public models",
            "private tests",
            "battle share",
            "data share",
            "retractions",
            "deprecated (public/silent)",
        ];
        let rows = self
            .providers
            .iter()
            .map(|p| {
                vec![
                    p.provider.clone(),
                    p.public_models.to_string(),
                    p.private_tests.to_string(),
                    pct(p.battle_share),
                    pct(p.data_share),
                    p.retractions.to_string(),
                    format!("{}/{}", p.deprecated_public, p.deprecated_silent),
                ]
            })
            .collect();
        (header, rows)
    }

    /// The license-class table.
    pub fn class_table(&self) -> (Vec<&'static str>, Vec<Vec<String>>) {
        let header = vec![
            "license",
            "public models",
            "appearance share",
            "data share",
            "deprecated (public/silent)",
            "deprecation rate",
            "inactive",
            "retirement rate",
        ];
        let rows = self
            .license_classes
            .iter()
            .map(|c| {
                vec![
                    c.license.clone(),
                    c.public_models.to_string(),
                    pct(c.appearance_share),
                    pct(c.data_share),
                    format!("{}/{}", c.deprecated_public, c.deprecated_silent),
                    pct(c.deprecation_rate),
                    c.inactive.map_or_else(|| "-".into(), |n| n.to_string()),
                    pct(c.retirement_rate),
                ]
            })
            .collect();
        (header, rows)
    }

    /// The ratings table: rank, model, rating, interval, battles, votes to flip with the next.
    pub fn ratings_table(&self, top: usize) -> Option<(Vec<&'static str>, Vec<Vec<String>>)> {
        let r = self.ratings.as_ref()?;
        let header = vec!["rank", "model", "rating", "95% CI", "battles", "votes to flip with next"];
        let flips = r.votes_to_flip.as_ref().map_or(&[][..], |f| f.adjacent.as_slice());
        let rows = r
            .rows
            .iter()
            .take(top)
            .map(|x| {
                vec![
                    x.rank.to_string(),
                    x.model.clone(),
                    rating(x.rating),
                    interval(x.ci_low, x.ci_high),
                    x.battles.to_string(),
                    flips.iter().find(|f| f.upper == x.model).map_or_else(|| "-".into(), flip_cell),
                ]
            })
            .collect();
        Some((header, rows))
    }

    fn selection_table(&self) -> (Vec<&'static str>, Vec<Vec<String>>) {
        (SELECTION_HEADER.to_vec(), self.best_of_n.iter().map(selection_cells).collect())
    }

    /// Text for terminals.
    pub fn to_table(&self) -> String {
        let mut out = format!("{}\n\n", self.verdict());
        if self.verification.ok {
            out.push_str(&self.report.to_table());
            if let Some((h, rows)) = self.ratings_table(TOP_RATINGS) {
                let r =
                    self.ratings.as_ref().map(|r| (r.method.clone(), r.rows.len(), r.unrateable.len(), r.components));
                if let Some((method, n, u, c)) = r {
                    out.push_str(&format!(
                        "\nratings ({method}; {n} rated, {u} unrateable, {c} component(s)), top {TOP_RATINGS}:\n"
                    ));
                }
                out.push_str(&table(&h, &rows));
                if let Some(t) = self.ratings.as_ref().and_then(|r| r.votes_to_flip.as_ref()).and_then(top_flip_text) {
                    out.push_str(&format!("{t}\n"));
                }
            }
            if !self.best_of_n.is_empty() {
                let (h, rows) = self.selection_table();
                out.push_str("\nbest-of-N selection (releases after more than one private variant):\n");
                out.push_str(&table(&h, &rows));
            }
            let (h, rows) = self.provider_table();
            out.push_str("\nproviders:\n");
            out.push_str(&table(&h, &rows));
            let (h, rows) = self.class_table();
            out.push_str("\nlicense classes:\n");
            out.push_str(&table(&h, &rows));
        }
        out.push_str(&format!("\nresult: {}\n", if self.fails() { "FAIL" } else { "PASS" }));
        out
    }

    /// The summary-first form for terminals: the verdict, one row per rule, the first findings of
    /// each rule, the top ratings, the best-of-N releases in six columns and the providers with the
    /// largest battle shares. [`AuditReport::to_table`] is the complete form.
    pub fn to_summary(&self, options: &TextOptions) -> String {
        let mut out: String = self.verdict().lines().map(|l| wrap(l, options.width, "  ")).collect();
        if !self.verification.ok {
            out.push_str("nothing was computed from this ledger's records\n");
            out.push_str(&format!("\nresult: {}\n", if self.fails() { "FAIL" } else { "PASS" }));
            return out;
        }
        out.push_str(&summary_text(&self.report, self.fails(), options));
        if let (Some(r), Some((h, rows))) = (&self.ratings, self.ratings_table(SUMMARY_RATINGS)) {
            out.push('\n');
            out.push_str(&wrap(
                &format!("ratings ({}; {} rated), top {SUMMARY_RATINGS}:", r.method, r.rows.len()),
                options.width,
                "  ",
            ));
            out.push_str(&table_fitting(&h, &rows, options.width, 1));
        }
        if !self.best_of_n.is_empty() {
            let rows: Vec<Vec<String>> = self
                .best_of_n
                .iter()
                .map(|s| {
                    let c = selection_cells(s);
                    vec![c[0].clone(), c[1].clone(), c[2].clone(), c[5].clone(), c[9].clone(), c[10].clone()]
                })
                .collect();
            out.push_str(&format!(
                "\nbest-of-N selection ({} releases after more than one private variant):\n",
                rows.len()
            ));
            out.push_str(&table_fitting(&SELECTION_SHORT_HEADER, &rows, options.width, 0));
        }
        // The providers and classes in fewer columns, to fit a terminal; the full tables are in
        // the complete form and the reports.
        let (h, rows) = self.provider_table();
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|&a, &b| self.providers[b].battle_share.total_cmp(&self.providers[a].battle_share));
        let pick = |h: &[&'static str], r: &[String], cols: &[usize]| -> (Vec<&'static str>, Vec<String>) {
            (cols.iter().map(|&c| h[c]).collect(), cols.iter().map(|&c| r[c].clone()).collect())
        };
        let cols = [0, 1, 2, 3, 4, 5];
        let shown: Vec<Vec<String>> =
            order.iter().take(SUMMARY_PROVIDERS).map(|&i| pick(&h, &rows[i], &cols).1).collect();
        out.push_str(&format!("\nproviders, top {} of {} by battle share:\n", shown.len(), rows.len()));
        let header = pick(&h, &h.iter().map(|s| s.to_string()).collect::<Vec<_>>(), &cols).0;
        out.push_str(&table_fitting(&header, &shown, options.width, 0));
        let (h, rows) = self.class_table();
        let cols = [0, 1, 2, 3, 7];
        let shown: Vec<Vec<String>> = rows.iter().map(|r| pick(&h, r, &cols).1).collect();
        out.push_str("\nlicense classes:\n");
        out.push_str(&table(&pick(&h, &h.iter().map(|s| s.to_string()).collect::<Vec<_>>(), &cols).0, &shown));
        out.push_str(&format!("\nresult: {}\n", if self.fails() { "FAIL" } else { "PASS" }));
        out
    }

    /// Markdown for publishing.
    pub fn to_markdown(&self) -> String {
        let r = &self.report;
        let mut out = format!(
            "# Audit of `{}`\n\n**{}**\n\n* policy: {} {} (`{}`)\n* judged at: {}\n* result: **{}** ({})\n\n",
            r.ledger.head,
            self.verdict().replace('\n', "**\n\n**"),
            r.policy.name,
            r.policy.version,
            r.policy.digest,
            r.ledger.at,
            if self.fails() { "FAIL" } else { "PASS" },
            counts_text(&r.summary)
        );
        if !self.verification.ok {
            return out;
        }
        if let Some(o) = &r.policy_override {
            out.push_str(&format!(
                "> **Override:** not the adopted pack (`{}`, seq {}).\n\n",
                o.adopted_digest, o.adopted_seq
            ));
        }
        out.push_str(&summary_markdown(r));
        out.push_str("\n## Findings\n\n");
        out.push_str(&findings_markdown(&r.findings));
        out.push_str(&waivers_markdown(r));
        for e in &r.errors {
            out.push_str(&format!("\n* rule `{}` could not be evaluated: {}\n", e.rule, e.message));
        }
        if let (Some(s), Some((h, rows))) = (&self.ratings, self.ratings_table(TOP_RATINGS)) {
            out.push_str(&format!(
                "\n## Ratings\n\n{}; {} rated, {} unrateable, {} comparison component(s). Top {TOP_RATINGS}:\n\n",
                s.method,
                s.rows.len(),
                s.unrateable.len(),
                s.components
            ));
            out.push_str(&md_table(&h, &rows));
            if let Some(t) = s.votes_to_flip.as_ref().and_then(top_flip_text) {
                out.push_str(&format!("\n{}. \"Votes to flip\" is the fewest battles whose removal reverses an order (docs/statistics.md §11).\n", capitalise(&t)));
            }
        }
        if !self.best_of_n.is_empty() {
            let (h, rows) = self.selection_table();
            out.push_str(&format!("\n## Best-of-N selection\n\n{SELECTION_METHOD}\n\n"));
            out.push_str(&md_table(&h, &rows));
        }
        let (h, rows) = self.provider_table();
        out.push_str("\n## Providers\n\n");
        out.push_str(&md_table(&h, &rows));
        let (h, rows) = self.class_table();
        out.push_str("\n## License classes\n\n");
        out.push_str(&md_table(&h, &rows));
        out
    }
}

/// A Markdown table.
pub fn md_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!("| {} |\n|{}\n", header.join(" | "), " --- |".repeat(header.len()));
    for row in rows {
        out.push_str(&format!("| {} |\n", row.iter().map(|c| c.replace('|', "\\|")).collect::<Vec<_>>().join(" | ")));
    }
    out
}
