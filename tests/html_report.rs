//! The HTML audit report and the summary-first terminal, without a browser (the browser test is
//! `tests/browser/report.mjs`, run by `.ci/run`): self-contained, stable and unique anchors,
//! escaping of hostile names, one wording across table, Markdown, JSON and HTML, a forged ledger
//! that shows nothing computed from it, and terminal output that fits its width.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and benches fail loudly on what they did not expect"
)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::reduced_scenario as reduced;
use fairboard::{HtmlOptions, Options, api, shipped_pack};
use serde_json::{Value, json};

/// Runs the demo on `scenario` (at reduced volume when `reduce`) into a directory under `dir`.
fn demo_at(scenario: &str, dir: &Path, reduce: bool) -> PathBuf {
    let out = dir.join(scenario.trim_end_matches(".yaml"));
    let path = if reduce {
        reduced(scenario, dir)
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(scenario)
    };
    Command::cargo_bin("fairboard")
        .unwrap()
        .args(["demo", "--seed", "7", "--scenario"])
        .arg(path)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    out
}

fn demo(scenario: &str, dir: &Path) -> PathBuf {
    demo_at(scenario, dir, true)
}

fn audit(dir: &Path, ledger: &Path, args: &[&str]) -> (String, i32) {
    let out = Command::cargo_bin("fairboard")
        .unwrap()
        .arg("audit")
        .arg("--ledger")
        .arg(ledger)
        .arg("--trust")
        .arg(dir.join("operator.pub"))
        .arg("--policy")
        .arg(dir.join("policy.yaml"))
        .args(args)
        .env("COLUMNS", "80")
        .output()
        .unwrap();
    (String::from_utf8(out.stdout).unwrap(), out.status.code().unwrap())
}

/// Every `attr="…"` value in `html`.
fn attrs<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let pat = format!(" {attr}=\"");
    html.match_indices(&pat)
        .map(|(i, _)| {
            let rest = &html[i + pat.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

/// The text of the element whose opening tag is `open` (no nested elements).
fn text_of<'a>(html: &'a str, open: &str) -> &'a str {
    let start = html.find(open).unwrap_or_else(|| panic!("no {open}")) + open.len();
    &html[start..start + html[start..].find('<').unwrap()]
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&")
}

#[test]
fn the_demo_report_is_self_contained_linked_and_agrees_with_the_other_forms() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = demo("illusion.yaml", tmp.path());
    let ledger = dir.join("ledger.jsonl");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();

    // One source, deterministic: `audit --format html` gives the demo's bytes.
    let (again, code) = audit(&dir, &ledger, &["--format", "html"]);
    assert_eq!(code, 1, "the illusion board fails its pack");
    assert!(again == html, "audit --format html differs from the demo's report.html");

    // Self-contained: nothing to load, and a policy that forbids loading.
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"));
    for needle in ["<link", " src=\"", "srcset=", " action=\"", "@import", "sourceMappingURL"] {
        assert!(!html.contains(needle), "found {needle}");
    }
    assert!(attrs(&html, "href").iter().all(|h| h.starts_with('#')), "an href leaves the page");

    // Anchors: unique, URL- and CSS-safe, and every link has a target.
    let ids = attrs(&html, "id");
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids");
    assert!(ids.iter().all(|i| i.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')));
    for href in attrs(&html, "href") {
        assert!(unique.contains(&href[1..]), "link {href} has no target");
    }

    // The model: findings, rules and cited records are all there.
    let (json, _) = audit(&dir, &ledger, &["--format", "json"]);
    let report: Value = serde_json::from_str(&json).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(html.matches(" class=\"finding ").count(), findings.len());
    let mut cited = BTreeSet::new();
    for f in findings {
        assert!(unique.contains(format!("rule-{}", f["rule"].as_str().unwrap()).as_str()));
        cited.extend(f["evidence"].as_array().unwrap().iter().map(|s| s.as_u64().unwrap()));
    }
    for seq in &cited {
        assert!(unique.contains(format!("seq-{seq}").as_str()), "record {seq} is cited but not shown");
    }
    assert_eq!(html.matches("<details class=\"record\"").count(), cited.len());
    for rule in report["rules"].as_array().unwrap() {
        assert!(html.contains(&format!("<code>{}</code>", rule["id"].as_str().unwrap())));
    }
    for chart in [
        "ratings",
        "battle-share",
        "share-vs-data",
        "share-vs-data-class",
        "deprecations",
        "private-variants",
        "best-of-n",
    ] {
        assert!(unique.contains(format!("chart-{chart}").as_str()), "no {chart} chart");
        assert!(unique.contains(format!("spec-{chart}").as_str()));
    }

    // One wording: the verdict, the counts and the top model's interval in every form.
    let table = audit(&dir, &ledger, &[]).0;
    let markdown = audit(&dir, &ledger, &["--format", "markdown"]).0;
    let verdict = unescape(text_of(&html, "<p id=\"verdict-text\">"));
    assert_eq!(table.lines().next().unwrap(), verdict);
    assert!(markdown.contains(&format!("**{verdict}**")));
    assert_eq!(text_of(&html, "<p id=\"verdict-result\">"), "FAIL");
    let top = &report["ratings"]["rows"][0];
    let interval = format!("{:.1} to {:.1}", top["ci_low"].as_f64().unwrap(), top["ci_high"].as_f64().unwrap());
    for (form, text) in [("table", &table), ("markdown", &markdown), ("html", &html)] {
        assert!(text.contains(&interval), "{form} lacks the top interval {interval}");
    }
    let s = &report["summary"];
    let counts = format!(
        "{} deny, {} warn, {} info, {} rule errors",
        s["deny"].as_u64().unwrap(),
        s["warn"].as_u64().unwrap(),
        s["info"].as_u64().unwrap(),
        s["errors"].as_u64().unwrap()
    );
    for (form, text) in [("table", &table), ("markdown", &markdown), ("html", &html)] {
        assert!(text.contains(&counts), "{form} lacks {counts}");
    }
    // The Markdown report starts with the summary, before the findings.
    let summary_at = markdown.find("## Summary").unwrap();
    assert!(summary_at < markdown.find("## Findings").unwrap());
    assert!(markdown[summary_at..].contains("| no-retraction | deny | ran |"));
}

#[test]
fn the_fair_board_says_it_has_no_deny_finding() {
    // At full volume: at a tenth of it, models fall under the inactivity threshold and
    // no-silent-deprecation fires.
    let tmp = tempfile::tempdir().unwrap();
    let dir = demo_at("fair.yaml", tmp.path(), false);
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("No deny findings: the board followed every deny rule of this pack."));
    assert!(!html.contains(" class=\"finding deny\""));
    assert_eq!(text_of(&html, "<p id=\"verdict-result\">"), "PASS");
    assert!(std::fs::read_to_string(dir.join("report.md")).unwrap().contains("No deny findings"));
}

#[test]
fn a_forged_ledger_gets_the_verdict_and_nothing_computed_from_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = demo("fair.yaml", tmp.path());
    let text = std::fs::read_to_string(dir.join("ledger.jsonl")).unwrap();
    // (reduced volume is enough: only the verdict matters)
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[9] = lines[9].replacen("\"time\":\"2", "\"time\":\"1", 1);
    let forged = tmp.path().join("forged.jsonl");
    std::fs::write(&forged, lines.join("\n") + "\n").unwrap();
    let (html, code) = audit(&dir, &forged, &["--format", "html"]);
    assert_eq!(code, 1);
    let verdict = unescape(text_of(&html, "<p id=\"verdict-text\">"));
    assert!(verdict.starts_with("NOT AUTHENTIC: line 10: "), "{verdict}");
    let (json, _) = audit(&dir, &forged, &["--format", "json"]);
    let report: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(verdict, format!("NOT AUTHENTIC: {}", report["verification"]["defect"].as_str().unwrap()));
    assert_eq!(report["verification"]["defect_line"], 10);
    assert!(html.contains("<dt>first defect</dt><dd>ledger line 10</dd>"));
    for absent in ["class=\"vl\"", "id=\"findings\"", "id=\"charts\"", "class=\"record\"", "id=\"records\""] {
        assert!(!html.contains(absent), "a forged report shows {absent}");
    }
    assert_eq!(html.matches("<script").count(), 1, "only the glue: no Vega bundles, no chart data");
    assert!(html.len() < 100_000, "{} bytes", html.len());
    assert!(html.contains("id=\"method\""), "the pack's rules are still listed");
}

#[test]
fn hostile_names_stay_text_in_every_context() {
    let evil = "</script><script>alert(1)</script>\"'<!--&amp;";
    let mut events = vec![json!({"type": "provider_registered", "provider": "p"})];
    for m in [evil, "b", "c"] {
        events.push(json!({"type": "model_registered", "model": m, "provider": "p", "license": "open_weights", "visibility": "public"}));
    }
    events.push(
        json!({"type": "battles_recorded", "period_start": "2025-03-05T00:00:00Z", "period_end": "2025-03-05T23:59:59Z",
        "pairs": [{"model_a": evil, "model_b": "b", "wins_a": 30, "wins_b": 20, "ties": 5},
                  {"model_a": "b", "model_b": "c", "wins_a": 25, "wins_b": 22, "ties": 4},
                  {"model_a": evil, "model_b": "c", "wins_a": 28, "wins_b": 19, "ties": 3}]}),
    );
    let (records, text) = fairboard_testkit::opened("evil-arena", &events);
    assert_eq!(records.len(), events.len() + 1, "every event signed");
    let pack = shipped_pack().unwrap();
    let options = Options { detail: true, ..Options::default() };
    let report =
        api::audit(text.as_bytes(), &fairboard_testkit::operator().verifying_key(), &pack, None, &options, |_| {}, 0)
            .unwrap();
    assert!(report.verification.ok);
    let html = report.to_html(&HtmlOptions::default());
    // The page's own scripts only: Vega, Vega-Lite, the glue and one JSON spec per chart.
    let specs = html.matches("<script type=\"application/json\"").count();
    assert!(specs >= 1);
    assert_eq!(html.matches("<script").count(), 3 + specs, "a name opened a script element");
    assert_eq!(html.matches("</script>").count(), 3 + specs);
    assert!(!html.contains("<!--&"), "a name opened a comment");
    assert!(html.contains("&lt;/script&gt;&lt;script&gt;alert(1)"), "the name is shown as text");
    // The spec carries the name unchanged.
    let start = html.find("<script type=\"application/json\" id=\"spec-ratings\">").unwrap();
    let body = &html[start..];
    let body = &body[body.find('>').unwrap() + 1..body.find("</script>").unwrap()];
    let spec: Value = serde_json::from_str(body).unwrap();
    let models: Vec<&str> =
        spec["data"]["values"].as_array().unwrap().iter().map(|v| v["model"].as_str().unwrap()).collect();
    assert!(models.contains(&evil), "{models:?}");
    // Anchors stay safe.
    assert!(
        attrs(&html, "id").iter().all(|i| i.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
    );
}

#[test]
fn the_terminal_summary_fits_its_width_and_piped_output_stays_complete() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = demo("illusion.yaml", tmp.path());
    let ledger = dir.join("ledger.jsonl");
    let (json, _) = audit(&dir, &ledger, &["--format", "json"]);
    let report: Value = serde_json::from_str(&json).unwrap();
    let findings = report["findings"].as_array().unwrap();

    let (short, code) = audit(&dir, &ledger, &["--findings", "2"]);
    assert_eq!(code, 1);
    let long: Vec<&str> = short.lines().filter(|l| l.chars().count() > 80).collect();
    assert!(long.is_empty(), "lines over 80 columns: {long:?}");
    assert!(short.contains("first findings (2 per rule; --findings all for all"));
    assert!(short.contains("full report: fairboard audit"));
    let rules: BTreeSet<&str> = findings.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    for rule in rules {
        let shown = short
            .lines()
            .filter(|l| l.starts_with(&format!("deny  {rule}  ")) || l.starts_with(&format!("warn  {rule}  ")))
            .count();
        let all = findings.iter().filter(|f| f["rule"] == rule).count();
        assert_eq!(shown, all.min(2), "{rule}");
    }

    let (every, _) = audit(&dir, &ledger, &["--findings", "all"]);
    assert!(every.lines().filter(|l| l.starts_with("deny  ") || l.starts_with("warn  ")).count() == findings.len());

    // Piped, without the flag: the complete table, one line per finding.
    let (piped, _) = audit(&dir, &ledger, &[]);
    for f in findings {
        let (severity, rule) = (f["severity"].as_str().unwrap(), f["rule"].as_str().unwrap());
        assert!(piped.lines().any(|l| {
            let mut words = l.split_whitespace();
            words.next() == Some(severity) && words.next() == Some(rule) && l.contains(f["message"].as_str().unwrap())
        }));
    }
}
