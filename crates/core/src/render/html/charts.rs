//! The report's charts as Vega-Lite specifications (JSON, data inline), each with the table that
//! says the same in words. The page draws them with the vendored Vega bundles (`assets/vega/`);
//! nothing here measures text or needs a browser, so the bytes are the same natively and in wasm.
//!
//! Marks carry names (`ci`, `share`, `variant`…) so that a test can count what was drawn. Thresholds
//! come from the pack's rule parameters ([`crate::api::report::RuleInfo`]); a rule the pack lacks or
//! disables draws no line, and the caption says so.

use std::collections::{BTreeMap, BTreeSet};

use maud::{Markup, html};
use serde_json::{Value, json};

use super::super::audit::{SELECTION_HEADER, flip_cell, selection_cells};
use super::super::format::{interval, pct, rating};
use crate::api::audit::{AuditReport, Timeline};

/// One chart: its spec and the words beside it.
pub struct Chart {
    /// Fragment name: `chart-{name}`, `spec-{name}`.
    pub name: &'static str,
    /// Heading.
    pub title: &'static str,
    /// What it shows, for screen readers (the SVG's label).
    pub description: String,
    /// The Vega-Lite spec.
    pub spec: Value,
    /// The caption: how to read it, and the threshold.
    pub caption: String,
    /// The same data as a table.
    pub alt: Markup,
}

impl std::fmt::Debug for Chart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chart").field("name", &self.name).field("spec", &self.spec).finish_non_exhaustive()
    }
}

/// Okabe–Ito: distinguishable with the common colour-vision deficiencies.
const PALETTE: [&str; 8] = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];

/// Rating rows the forest plot shows until "show all" is ticked.
pub const DEFAULT_RATINGS: usize = 30;

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// The parts every spec shares: schema name (never fetched), width, config.
fn spec(description: &str, body: Value) -> Value {
    let mut s = json!({
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": description,
        "width": 520,
        "config": {
            "range": {"category": PALETTE},
            "font": "system-ui, sans-serif",
            "axis": {"labelFontSize": 11, "titleFontSize": 12},
            "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom", "columns": 3, "labelLimit": 320}
        }
    });
    if let (Some(s), Value::Object(b)) = (s.as_object_mut(), body) {
        s.extend(b);
    }
    s
}

/// A horizontal threshold line at `y`, named `name`, with a legend entry `label`.
fn hline(name: &str, y: f64, label: &str) -> Value {
    json!({
        "name": name,
        "mark": {"type": "rule", "strokeDash": [6, 4], "strokeWidth": 1.5},
        "encoding": {"y": {"datum": y}, "color": {"datum": label}}
    })
}

/// Ratings with 95% intervals, best first; the first [`DEFAULT_RATINGS`] until "show all".
pub fn ratings(a: &AuditReport, show_all: bool) -> Option<Chart> {
    let r = a.ratings.as_ref()?;
    let values: Vec<Value> = r
        .rows
        .iter()
        .enumerate()
        .map(|(i, x)| {
            json!({"i": i, "label": format!("{}. {}", x.rank, x.model), "model": x.model, "rank": x.rank,
                   "rating": round(x.rating, 2), "lo": round(x.ci_low, 2), "hi": round(x.ci_high, 2), "battles": x.battles})
        })
        .collect();
    let description = format!("Forest plot of {} rated models: rating and 95% interval, best first", r.rows.len());
    let y = json!({"field": "label", "type": "nominal", "sort": null, "title": "CI-aware rank. model"});
    let spec = spec(
        &description,
        json!({
            "height": {"step": 14},
            "data": {"values": values},
            "params": [{"name": "showAll", "value": show_all,
                        "bind": {"input": "checkbox", "name": format!("show all {} models ", r.rows.len())}}],
            "transform": [{"filter": format!("showAll || datum.i < {DEFAULT_RATINGS}")}],
            "encoding": {"y": y},
            "layer": [
                {"name": "ci", "mark": {"type": "rule", "strokeWidth": 2},
                 "encoding": {"x": {"field": "lo", "type": "quantitative", "scale": {"zero": false},
                                    "title": "rating (Bradley–Terry points) with 95% interval"},
                              "x2": {"field": "hi"},
                              "color": {"datum": "95% interval", "title": null}}},
                {"name": "point", "mark": {"type": "point", "filled": true, "size": 30},
                 "encoding": {"x": {"field": "rating", "type": "quantitative"},
                              "color": {"datum": "rating", "title": null},
                              "tooltip": [{"field": "model"}, {"field": "rating"}, {"field": "lo", "title": "95% low"},
                                          {"field": "hi", "title": "95% high"}, {"field": "battles"}]}}
            ]
        }),
    );
    let flips = r.votes_to_flip.as_ref().map_or(&[][..], |f| f.adjacent.as_slice());
    let alt = html! {
        table #table-ratings {
            thead { tr { th { "rank" } th { "model" } th { "rating" } th { "95% interval" } th { "battles" } th { "votes to flip with next" } } }
            tbody {
                @for x in &r.rows {
                    tr #(super::anchor::model(&x.model)) {
                        td { (x.rank) } td { (x.model) } td.num { (rating(x.rating)) }
                        td.num { (interval(x.ci_low, x.ci_high)) } td.num { (x.battles) }
                        td.num { (flips.iter().find(|f| f.upper == x.model).map_or_else(|| "-".into(), flip_cell)) }
                    }
                }
            }
        }
    };
    Some(Chart {
        name: "ratings",
        title: "Ratings with 95% intervals",
        caption: format!(
            "{}. Ranks are CI-aware: a model's rank is one plus the number of models whose interval lies wholly above its own. The first {DEFAULT_RATINGS} are drawn; tick the box for all {}.",
            r.method,
            r.rows.len()
        ),
        description,
        spec,
        alt,
    })
}

/// Per provider: periods judged, over the cap, highest share and when, mean share.
struct ShareStats {
    judged: usize,
    over: usize,
    max: f64,
    max_at: String,
    mean: f64,
}

fn share_stats(t: &Timeline, battles: &[u64], min_battles: u64, cap: Option<f64>) -> ShareStats {
    let mut s = ShareStats { judged: 0, over: 0, max: 0.0, max_at: String::new(), mean: 0.0 };
    let mut sum = 0.0;
    for (i, (&b, &total)) in battles.iter().zip(&t.period_battles).enumerate() {
        if total < min_battles.max(1) {
            continue;
        }
        let share = b as f64 / total as f64;
        s.judged += 1;
        sum += share;
        if cap.is_some_and(|c| share > c) {
            s.over += 1;
        }
        if share > s.max {
            s.max = share;
            s.max_at = t.period_start[i].clone();
        }
    }
    s.mean = if s.judged > 0 { sum / s.judged as f64 } else { 0.0 };
    s
}

/// Battle share per provider over time, with the sampling cap.
pub fn battle_share(a: &AuditReport) -> Option<Chart> {
    let t = a.timeline.as_ref()?;
    if t.period_start.is_empty() {
        return None;
    }
    let rule = a.report.enabled_rule("provider-sampling-cap");
    let cap = rule.and_then(|r| r.param("max_share"));
    let min_battles = rule.and_then(|r| r.param("min_battles")).map_or(1, |x| x as u64);
    let stats: BTreeMap<&str, ShareStats> =
        t.provider_battles.iter().map(|(p, b)| (p.as_str(), share_stats(t, b, min_battles, cap))).collect();
    let cited: BTreeSet<&str> = a
        .report
        .findings
        .iter()
        .filter(|f| f.rule == "provider-sampling-cap")
        .map(|f| a.report.subject_providers.get(&f.subject).map_or(f.subject.as_str(), String::as_str))
        .collect();
    // Drawn: providers cited by the cap rule or reaching half the cap (the four largest without a
    // cap); the rest as one "highest other provider" line.
    let mut drawn: Vec<&str> = match cap {
        Some(c) => stats.iter().filter(|(p, s)| cited.contains(*p) || s.max >= c / 2.0).map(|(p, _)| *p).collect(),
        None => {
            let mut v: Vec<(&str, f64)> = stats.iter().map(|(p, s)| (*p, s.mean)).collect();
            v.sort_by(|x, y| y.1.total_cmp(&x.1));
            v.into_iter().take(4).map(|(p, _)| p).collect()
        }
    };
    drawn.sort_unstable();
    drawn.truncate(PALETTE.len() - 1);
    let mut values = Vec::new();
    for (i, start) in t.period_start.iter().enumerate() {
        let total = t.period_battles[i];
        if total < min_battles.max(1) {
            continue;
        }
        let mut other = 0u64;
        for (p, b) in &t.provider_battles {
            if drawn.contains(&p.as_str()) {
                values.push(json!({"t": start, "series": p, "share": round(b[i] as f64 / total as f64, 4)}));
            } else {
                other = other.max(b[i]);
            }
        }
        if t.provider_battles.len() > drawn.len() {
            values.push(
                json!({"t": start, "series": "highest other provider", "share": round(other as f64 / total as f64, 4)}),
            );
        }
    }
    let mut layer = vec![json!({
        "name": "share",
        "mark": {"type": "line", "strokeWidth": 1.2},
        "encoding": {
            "x": {"field": "t", "type": "temporal", "title": "period start (UTC)"},
            "y": {"field": "share", "type": "quantitative", "title": "battle share (% of the period's battles)", "axis": {"format": ".0%"}},
            "color": {"field": "series", "type": "nominal", "title": "provider"}
        }
    })];
    if let Some(c) = cap {
        layer.push(hline("cap", c, &format!("sampling cap {}", pct(c))));
    }
    let description =
        "Line chart: each drawn provider's share of the battles of every period, with the sampling cap".to_owned();
    let caption = match cap {
        Some(c) => format!(
            "A provider's battles in a period over all battles of that period (a battle counts for each provider in it). The dashed line is provider-sampling-cap's max_share ({}); periods with fewer than {min_battles} battles are not judged and not drawn. Drawn: the providers the rule cites or that reach half the cap; the rest as the highest share among the others.",
            pct(c)
        ),
        None => "A provider's battles in a period over all battles of that period. No provider-sampling-cap in this pack, so no cap is drawn.".into(),
    };
    let alt = html! {
        table #table-battle-share {
            thead { tr { th { "provider" } th { "periods judged" } th { "over the cap" } th { "highest share" } th { "on" } th { "mean share" } } }
            tbody {
                @for (p, s) in &stats {
                    tr { td { (p) } td.num { (s.judged) } td.num { (s.over) } td.num { (pct(s.max)) } td { (s.max_at.get(..10).unwrap_or("-")) } td.num { (pct(s.mean)) } }
                }
            }
        }
    };
    Some(Chart {
        name: "battle-share",
        title: "Battle share per provider over time",
        description,
        spec: spec(
            "battle share per provider over time",
            json!({"height": 260, "data": {"values": values}, "layer": layer}),
        ),
        caption,
        alt,
    })
}

fn data_cap(a: &AuditReport) -> Option<f64> {
    a.report.enabled_rule("data-access-parity").and_then(|r| r.param("max_share"))
}

/// Battle share against data share, one point per provider, with the diagonal and the data cap.
pub fn share_vs_data(a: &AuditReport) -> Option<Chart> {
    if a.providers.is_empty() {
        return None;
    }
    let mut order: Vec<usize> = (0..a.providers.len()).collect();
    order.sort_by(|&x, &y| a.providers[y].battle_share.total_cmp(&a.providers[x].battle_share));
    let labelled: BTreeSet<usize> = order.iter().take(8).copied().collect();
    let values: Vec<Value> = a
        .providers
        .iter()
        .enumerate()
        .map(|(i, p)| {
            json!({"provider": p.provider, "battle": round(p.battle_share, 4), "data": round(p.data_share, 4),
                   "label": if labelled.contains(&i) { p.provider.as_str() } else { "" }})
        })
        .collect();
    let top = a.providers.iter().map(|p| p.battle_share.max(p.data_share)).fold(0.0, f64::max).max(0.05);
    let cap = data_cap(a);
    let x = json!({"field": "battle", "type": "quantitative", "title": "battle share (% of all battles)", "axis": {"format": ".0%"}});
    let y = json!({"field": "data", "type": "quantitative", "title": "data share (% of released data records)", "axis": {"format": ".0%"}});
    let mut layer = vec![
        json!({"name": "diagonal", "data": {"values": [{"x": 0, "y": 0, "x2": top, "y2": top}]},
               "mark": {"type": "rule", "strokeDash": [2, 3], "color": "#888"},
               "encoding": {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"},
                            "x2": {"field": "x2"}, "y2": {"field": "y2"}}}),
        json!({"name": "provider", "mark": {"type": "point", "filled": true, "size": 40},
               "encoding": {"x": x, "y": y, "color": {"datum": "provider"},
                            "tooltip": [{"field": "provider"}, {"field": "battle", "format": ".1%"}, {"field": "data", "format": ".1%"}]}}),
        json!({"name": "label", "mark": {"type": "text", "align": "left", "dx": 5, "dy": -5, "fontSize": 10},
               "encoding": {"x": {"field": "battle", "type": "quantitative"}, "y": {"field": "data", "type": "quantitative"}, "text": {"field": "label"}}}),
    ];
    if let Some(c) = cap {
        layer.push(hline("cap", c, &format!("data cap {}", pct(c))));
    }
    let (h, rows) = a.provider_table();
    Some(Chart {
        name: "share-vs-data",
        title: "Battle share against data share, per provider",
        description: format!(
            "Scatter plot of {} providers: share of battles against share of released data",
            a.providers.len()
        ),
        spec: spec(
            "battle share against data share per provider",
            json!({"height": 320, "data": {"values": values}, "layer": layer}),
        ),
        caption: format!(
            "Points on the dotted diagonal got data in proportion to their battles. The eight largest by battle share are labelled. {}",
            cap.map_or_else(
                || "No data-access-parity in this pack.".into(),
                |c| format!("The dashed line is data-access-parity's max_share ({}).", pct(c))
            )
        ),
        alt: table(&h, &rows, "table-share-vs-data"),
    })
}

/// The same per license class.
pub fn share_vs_data_class(a: &AuditReport) -> Option<Chart> {
    if a.license_classes.is_empty() {
        return None;
    }
    let values: Vec<Value> = a
        .license_classes
        .iter()
        .map(|c| json!({"license": c.license, "appearance": round(c.appearance_share, 4), "data": round(c.data_share, 4)}))
        .collect();
    let cap = data_cap(a);
    let mut layer = vec![json!({
        "name": "class", "mark": {"type": "point", "filled": true, "size": 90},
        "encoding": {
            "x": {"field": "appearance", "type": "quantitative", "title": "appearance share (% of battle appearances, two per battle)", "axis": {"format": ".0%"}},
            "y": {"field": "data", "type": "quantitative", "title": "data share (% of released data records)", "axis": {"format": ".0%"}},
            "color": {"field": "license", "type": "nominal", "title": "license class"},
            "shape": {"field": "license", "type": "nominal"}
        }
    })];
    if let Some(c) = cap {
        layer.push(hline("cap", c, &format!("data cap per provider {}", pct(c))));
    }
    let (h, rows) = a.class_table();
    Some(Chart {
        name: "share-vs-data-class",
        title: "Battle share against data share, per license class",
        description: "Scatter plot of license classes: share of battle appearances against share of released data".into(),
        spec: spec("appearance share against data share per license class", json!({"height": 240, "data": {"values": values}, "layer": layer})),
        caption: "A class's data share is the data released to providers whose public models are mostly of that class. The cap line is the per-provider limit, for scale.".into(),
        alt: table(&h, &rows, "table-share-vs-data-class"),
    })
}

/// Deprecations per license class: public, silent and inactive, as shares of the class's public
/// models, with the highest rate parity allows.
pub fn deprecations(a: &AuditReport) -> Option<Chart> {
    if a.license_classes.is_empty() {
        return None;
    }
    let rule = a.report.enabled_rule("deprecation-parity");
    let max_ratio = rule.and_then(|r| r.param("max_ratio"));
    let min_models = rule.and_then(|r| r.param("min_models")).map_or(1, |x| x as u64);
    let mut values = Vec::new();
    for c in &a.license_classes {
        let of = |n: u64| if c.public_models == 0 { 0.0 } else { round(n as f64 / c.public_models as f64, 4) };
        for (kind, n) in [
            ("deprecated publicly", c.deprecated_public),
            ("deprecated silently", c.deprecated_silent),
            ("inactive", c.inactive.unwrap_or(0)),
        ] {
            values.push(json!({"license": c.license, "kind": kind, "share": of(n), "models": n}));
        }
    }
    let compared: Vec<&crate::api::audit::ClassRow> =
        a.license_classes.iter().filter(|c| c.public_models >= min_models).collect();
    let lo = compared.iter().map(|c| c.retirement_rate).fold(f64::INFINITY, f64::min);
    let hi = compared.iter().map(|c| c.retirement_rate).fold(0.0, f64::max);
    let ratio = (compared.len() >= 2 && lo > 0.0).then(|| hi / lo);
    let mut layer = vec![json!({
        "name": "bar", "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "license", "type": "nominal", "title": "license class", "axis": {"labelAngle": 0}},
            "y": {"field": "share", "type": "quantitative", "stack": "zero", "title": "retired (% of the class's public models)", "axis": {"format": ".0%"}},
            "color": {"field": "kind", "type": "nominal", "title": "retired as", "sort": ["deprecated publicly", "deprecated silently", "inactive"]},
            "order": {"field": "kind"},
            "tooltip": [{"field": "license"}, {"field": "kind"}, {"field": "models"}, {"field": "share", "format": ".1%"}]
        }
    })];
    let limit = max_ratio.filter(|_| compared.len() >= 2 && lo.is_finite()).map(|m| (lo * m).min(1.0));
    if let Some(l) = limit {
        layer.push(hline("limit", l, &format!("parity limit ({} × lowest rate)", max_ratio.unwrap_or(1.0))));
    }
    let caption = match (max_ratio, ratio) {
        (Some(m), Some(r)) => format!(
            "Retirement rate = deprecated (publicly or silently) or inactive public models over public models, as deprecation-parity counts it. Highest over lowest rate among classes with at least {min_models} public models: {r:.2} (limit {m}); the dashed line is the highest rate parity allows."
        ),
        (Some(m), None) => format!("Retirement rate as deprecation-parity counts it; fewer than two classes with at least {min_models} public models, or a zero lowest rate, so no ratio (limit {m})."),
        (None, _) => "Recorded deprecations per class. No deprecation-parity in this pack, so inactivity is not counted and no limit is drawn.".into(),
    };
    let (h, rows) = a.class_table();
    Some(Chart {
        name: "deprecations",
        title: "Deprecations by license class",
        description: "Stacked bars: public, silent and inactive retirements per license class".into(),
        spec: spec(
            "retirements per license class",
            json!({"height": 240, "width": 360, "data": {"values": values}, "layer": layer}),
        ),
        caption,
        alt: table(&h, &rows, "table-deprecations"),
    })
}

/// Open private variants per provider over time, with the limit.
pub fn private_variants(a: &AuditReport) -> Option<Chart> {
    let t = a.timeline.as_ref()?;
    if t.open_private.is_empty() {
        return None;
    }
    let limit = a.report.enabled_rule("private-variant-limit").and_then(|r| r.param("max_open_private_variants"));
    let mut values = Vec::new();
    for (p, steps) in &t.open_private {
        for (at, open) in steps {
            values.push(json!({"provider": p, "t": at, "open": open}));
        }
    }
    let mut layer = vec![json!({
        "name": "open", "mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 1.2},
        "encoding": {
            "x": {"field": "t", "type": "temporal", "title": "time (UTC)"},
            "y": {"field": "open", "type": "quantitative", "title": "open private variants (count)"},
            "color": {"field": "provider", "type": "nominal", "title": "provider"}
        }
    })];
    if let Some(l) = limit {
        layer.push(hline("limit", l, &format!("limit {l}")));
    }
    let findings =
        |p: &str| a.report.findings.iter().filter(|f| f.rule == "private-variant-limit" && f.subject == p).count();
    let alt = html! {
        table #table-private-variants {
            thead { tr { th { "provider" } th { "peak open" } th { "first at peak" } th { "private-variant-limit findings" } } }
            tbody {
                @for (p, steps) in &t.open_private {
                    @let peak = steps.iter().map(|s| s.1).max().unwrap_or(0);
                    tr {
                        td { (p) } td.num { (peak) }
                        td { (steps.iter().find(|s| s.1 == peak).map_or("-", |s| s.0.as_str())) }
                        td.num { (findings(p)) }
                    }
                }
            }
        }
    };
    Some(Chart {
        name: "private-variants",
        title: "Open private variants per provider over time",
        description: format!("Step lines: open private tests of {} providers over time, with the limit", t.open_private.len()),
        spec: spec("open private variants per provider over time", json!({"height": 260, "data": {"values": values}, "layer": layer})),
        caption: limit.map_or_else(
            || "Private tests started and not yet ended, per provider. No private-variant-limit in this pack.".into(),
            |l| format!("Private tests started and not yet ended, per provider. The dashed line is private-variant-limit's max_open_private_variants ({l})."),
        ),
        alt,
    })
}

/// Best-of-N: every variant's disclosed score, the one released, the current rating and the
/// selection-adjusted one.
pub fn best_of_n(a: &AuditReport) -> Option<Chart> {
    if a.best_of_n.is_empty() {
        return None;
    }
    let label = |s: &crate::stats::selection::Selection| {
        let r = &s.at_release;
        format!("{} ({}, N={})", r.public_name.as_deref().unwrap_or(&r.model), r.provider, r.n)
    };
    let mut variants = Vec::new();
    let mut now = Vec::new();
    for s in &a.best_of_n {
        let release = label(s);
        for v in &s.at_release.variants {
            if let Some(d) = v.disclosed {
                let role = if v.retracted {
                    "retracted before release"
                } else if v.model == s.at_release.model {
                    "the variant released"
                } else {
                    "other variants"
                };
                variants.push(json!({"release": release, "model": v.model, "score": round(d, 2), "role": role}));
            }
        }
        if let (Some(r), Some(adj)) = (s.rating, s.adjusted_rating) {
            now.push(json!({"release": release, "rating": round(r, 2), "adjusted": round(adj, 2),
                            "inflation": s.inflation.map(|x| round(x, 2)),
                            "expected": s.expected_inflation.map(|x| round(x, 2))}));
        }
    }
    let y = json!({"field": "release", "type": "nominal", "sort": null, "title": "release (provider, variants N)"});
    let x = |field: &str| {
        json!({"field": field, "type": "quantitative", "scale": {"zero": false},
               "title": "rating (points): disclosed scores, current and selection-adjusted"})
    };
    // One colour scale for every layer, so that one legend names all six kinds of mark.
    let roles = [
        "the variant released",
        "other variants",
        "retracted before release",
        "current rating",
        "selection-adjusted rating",
        "inflation now (current − adjusted)",
    ];
    let colour = |def: Value| {
        let mut c = json!({"type": "nominal", "title": "mark",
                           "scale": {"domain": roles, "range": [PALETTE[1], PALETTE[5], PALETTE[3], PALETTE[7], PALETTE[2], PALETTE[4]]}});
        if let (Some(c), Value::Object(d)) = (c.as_object_mut(), def) {
            c.extend(d);
        }
        c
    };
    let layer = json!([
        {"name": "inflation", "data": {"values": now}, "mark": {"type": "rule", "strokeWidth": 3, "opacity": 0.6},
         "encoding": {"y": y, "x": x("adjusted"), "x2": {"field": "rating"}, "color": colour(json!({"datum": roles[5]}))}},
        {"name": "variant", "data": {"values": variants}, "mark": {"type": "point", "size": 45, "strokeWidth": 1.5},
         "encoding": {"y": y, "x": x("score"), "color": colour(json!({"field": "role"})),
                      "tooltip": [{"field": "model"}, {"field": "score"}, {"field": "role"}]}},
        {"name": "rating", "data": {"values": now}, "mark": {"type": "tick", "thickness": 2},
         "encoding": {"y": y, "x": x("rating"), "color": colour(json!({"datum": roles[3]})),
                      "tooltip": [{"field": "rating"}, {"field": "adjusted"}, {"field": "inflation"}, {"field": "expected", "title": "expected inflation"}]}},
        {"name": "adjusted", "data": {"values": now}, "mark": {"type": "point", "shape": "diamond", "filled": true, "size": 60},
         "encoding": {"y": y, "x": x("adjusted"), "color": colour(json!({"datum": roles[4]}))}}
    ]);
    let rows: Vec<Vec<String>> = a.best_of_n.iter().map(selection_cells).collect();
    let alt = html! {
        (table(&SELECTION_HEADER, &rows, "table-best-of-n"))
        details.variants {
            summary { "every variant's disclosed score" }
            table {
                thead { tr { th { "release" } th { "variant" } th { "disclosed before release" } th { "retracted" } th { "pre-release rating" } } }
                tbody {
                    @for s in &a.best_of_n {
                        @for v in &s.at_release.variants {
                            tr {
                                td { (label(s)) }
                                td { (v.model) @if v.model == s.at_release.model { " (released)" } }
                                td.num { (v.disclosed.map_or_else(|| "-".into(), rating)) }
                                td { @if v.retracted { "yes" } @else { "no" } }
                                td.num { (v.rating.map_or_else(|| "-".into(), rating)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Some(Chart {
        name: "best-of-n",
        title: "Best-of-N: the variants behind each release",
        description: format!("Dot plot of {} releases: each variant's disclosed score, the current and the selection-adjusted rating", a.best_of_n.len()),
        spec: spec("best-of-N selection per release", json!({"height": {"step": 22}, "layer": layer})),
        caption: "Each row is a release after more than one private variant: its variants' last disclosed scores before the release (circles; the released one highlighted, retracted ones marked), its current rating (tick) and the current rating less the inflation it still carries (diamond). The bar between them is the inflation now; the table gives the inflation fixed at release, its expected value and the classical upper bound.".into(),
        alt,
    })
}

/// A plain table with an id.
pub fn table(header: &[&str], rows: &[Vec<String>], id: &str) -> Markup {
    html! {
        table #(id) {
            thead { tr { @for h in header { th { (h) } } } }
            tbody { @for r in rows { tr { @for c in r { td { (c) } } } } }
        }
    }
}

/// Every chart the report has data for, in page order.
pub fn all(a: &AuditReport, show_all_ratings: bool) -> Vec<Chart> {
    [
        ratings(a, show_all_ratings),
        battle_share(a),
        share_vs_data(a),
        share_vs_data_class(a),
        deprecations(a),
        private_variants(a),
        best_of_n(a),
    ]
    .into_iter()
    .flatten()
    .collect()
}
