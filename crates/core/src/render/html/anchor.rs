//! Stable fragment ids for the HTML report, safe for any model or subject name: every id matches
//! `^[a-z0-9-]+$`, so it needs no escaping in a URL, a CSS selector or an attribute.
//!
//! Rule ids already have that form (`schemas/policy-pack.json`); free text (subjects, models) becomes
//! a readable slug plus the first hex digits of its SHA-256, so two names that slug alike still
//! differ, and an id does not change when a message is reworded or a finding is added elsewhere.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::policy::Finding;

/// Lowercase ASCII letters and digits of `s`, runs joined by `-`, at most 32 characters.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for part in s.split(|c: char| !c.is_ascii_alphanumeric()).filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&part.to_ascii_lowercase());
    }
    out.truncate(32);
    out.trim_end_matches('-').to_owned()
}

/// The first `n` hex digits of SHA-256(`s`).
pub fn short_hash(s: &str, n: usize) -> String {
    let digest = Sha256::digest(s.as_bytes());
    let mut hex = crate::primitives::crypto::hex(&digest);
    hex.truncate(n);
    hex
}

/// `{prefix}-{slug}-{h8}` (the slug left out when empty).
pub fn named(prefix: &str, name: &str) -> String {
    let s = slug(name);
    if s.is_empty() {
        format!("{prefix}-{}", short_hash(name, 8))
    } else {
        format!("{prefix}-{s}-{}", short_hash(name, 8))
    }
}

/// The id of a rule's section.
pub fn rule(id: &str) -> String {
    format!("rule-{}", slug(id))
}

/// The id of a record.
pub fn seq(n: u64) -> String {
    format!("seq-{n}")
}

/// The id of a subject's group within a rule.
pub fn subject(rule: &str, subject: &str) -> String {
    named(&format!("subject-{}", slug(rule)), subject)
}

/// The id of a model's rating row.
pub fn model(model: &str) -> String {
    named("model", model)
}

/// The ids of `findings`, in order: `finding-{rule}-{h10}` over rule, subject and evidence seqs,
/// with `-2`, `-3`… for exact repeats.
pub fn findings(findings: &[Finding]) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    findings
        .iter()
        .map(|f| {
            let seqs: Vec<String> = f.evidence.iter().map(u64::to_string).collect();
            let key = format!("{}\u{1f}{}\u{1f}{}", f.rule, f.subject, seqs.join(","));
            let base = format!("finding-{}-{}", slug(&f.rule), short_hash(&key, 10));
            let n = seen.entry(base.clone()).or_default();
            *n += 1;
            if *n == 1 { base } else { format!("{base}-{n}") }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::policy::Severity;

    fn ok(id: &str) -> bool {
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    }

    #[test]
    fn readable_and_distinct() {
        assert_eq!(slug("gpt-4o-2024-05-13"), "gpt-4o-2024-05-13");
        assert_eq!(slug("</script>"), "script");
        assert!(model("A b").starts_with("model-a-b-"));
        assert_ne!(model("a b"), model("a-b"));
        let f = Finding {
            rule: "r".into(),
            severity: Severity::Deny,
            subject: "s".into(),
            message: "m".into(),
            evidence: vec![1],
        };
        let ids = findings(&[f.clone(), f]);
        assert_eq!(ids[1], format!("{}-2", ids[0]));
    }

    proptest! {
        #[test]
        fn every_id_is_url_and_css_safe(s in "\\PC{0,80}") {
            prop_assert!(ok(&model(&s)));
            prop_assert!(ok(&subject("no-retraction", &s)));
            prop_assert!(slug(&s).len() <= 32);
        }
    }
}
