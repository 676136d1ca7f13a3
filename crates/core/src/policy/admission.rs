//! Admission control and what-if plans: which findings do new events introduce?
//!
//! `append --policy` judges candidate events against the pack twice, on the facts without and with
//! the candidates, both judged at the candidates' time (so that a deadline passing in the meantime is
//! nobody's new violation). `check --plan` judges each step against the plan's state one step
//! earlier, at that step's time ([`super::plan::what_if`]): a plan answers for the deadlines it lets
//! pass, since a provider asks what its plan will bring about. A finding counts as *introduced* when it cites
//! a candidate record as evidence, or when no finding of the same rule about the same subject existed
//! without the candidates. Old violations therefore never block unrelated events, which would freeze
//! the board, while a candidate that worsens an old violation (and so appears in its evidence) is
//! still caught.

use std::collections::{BTreeMap, BTreeSet};

use super::{Evaluation, Finding, PolicyPack, RuleError, Severity};
use crate::facts::{Adoption, Facts};

/// What candidate events would add.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Introduced {
    /// Findings the candidates introduce, in pack order.
    pub findings: Vec<Finding>,
    /// Rules that fail with the candidates but did not without them.
    pub errors: Vec<RuleError>,
}

impl Introduced {
    /// True when the candidates bring a deny finding, or make a deny rule fail.
    pub fn denies(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Deny)
            || self.errors.iter().any(|e| e.severity == Severity::Deny)
    }
}

/// The findings of `after` that candidates starting at seq `first_candidate` introduce over `before`.
/// A finding `before` had, waived or not, is known; `renames` (sealed id → revealed name, as the
/// facts with the candidates have them, `Facts::revealed`) carries a known finding about a sealed
/// variant over to its name, so that revealing a variant introduces nothing by renaming it.
pub fn introduced(
    before: &Evaluation,
    after: &Evaluation,
    first_candidate: u64,
    renames: &BTreeMap<String, String>,
) -> Introduced {
    let name = |s: &'_ str| renames.get(s).map_or_else(|| s.to_owned(), Clone::clone);
    let known: BTreeSet<(String, String)> = before
        .findings
        .iter()
        .chain(before.waived.iter().map(|w| &w.finding))
        .map(|f| (f.rule.clone(), name(&f.subject)))
        .collect();
    let failing: BTreeSet<&str> = before.errors.iter().map(|e| e.rule.as_str()).collect();
    Introduced {
        findings: after
            .findings
            .iter()
            .filter(|f| {
                f.evidence.iter().any(|&s| s >= first_candidate)
                    || !known.contains(&(f.rule.clone(), f.subject.clone()))
            })
            .cloned()
            .collect(),
        errors: after.errors.iter().filter(|e| !failing.contains(e.rule.as_str())).cloned().collect(),
    }
}

/// A pack that is not the one the ledger adopted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy pack `{path}` has digest {given}, but the ledger adopted {adopted} (`{name}` {version}) at seq {seq}")]
pub struct DigestMismatch {
    /// The pack file given.
    pub path: String,
    /// Its digest.
    pub given: String,
    /// The adopted digest.
    pub adopted: String,
    /// The adopted pack's name.
    pub name: String,
    /// The adopted pack's version.
    pub version: String,
    /// Seq of the `policy_adopted` record.
    pub seq: u64,
}

/// The pack adopted last in `facts`, if it differs from `pack`.
pub fn adopted_mismatch<'f>(pack: &PolicyPack, facts: &'f Facts) -> Option<&'f Adoption> {
    facts.adoptions.last().filter(|a| a.digest != pack.digest)
}

/// Checks that `pack` is the adopted one (or that none was adopted).
pub fn check_adopted(pack: &PolicyPack, facts: &Facts) -> Result<(), Box<DigestMismatch>> {
    match adopted_mismatch(pack, facts) {
        None => Ok(()),
        Some(a) => Err(Box::new(DigestMismatch {
            path: pack.source.clone(),
            given: pack.digest.clone(),
            adopted: a.digest.clone(),
            name: a.name.clone(),
            version: a.version.clone(),
            seq: a.at.0,
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(rule: &str, subject: &str, evidence: &[u64]) -> Finding {
        Finding {
            rule: rule.into(),
            severity: Severity::Deny,
            subject: subject.into(),
            message: "m".into(),
            evidence: evidence.to_vec(),
        }
    }

    #[test]
    fn old_violations_do_not_block_but_new_evidence_does() {
        let before = Evaluation {
            findings: vec![f("cap", "google", &[3]), f("parity", "license:x", &[2])],
            ..Default::default()
        };
        let after = Evaluation {
            findings: vec![f("cap", "google", &[3, 10]), f("parity", "license:x", &[2, 4]), f("limit", "meta", &[1])],
            ..Default::default()
        };
        let got = introduced(&before, &after, 10, &BTreeMap::new());
        let rules: Vec<&str> = got.findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, vec!["cap", "limit"], "cap cites candidate 10; limit is new; parity is old");
        assert!(got.denies());
        assert!(!introduced(&before, &before, 10, &BTreeMap::new()).denies());
        // A finding about a sealed id is the same finding once the variant has its name.
        let sealed = Evaluation { findings: vec![f("late", "sealed-1", &[2])], ..Default::default() };
        let named = Evaluation { findings: vec![f("late", "llama", &[2])], ..Default::default() };
        let renames = BTreeMap::from([("sealed-1".to_owned(), "llama".to_owned())]);
        assert!(introduced(&sealed, &named, 10, &renames).findings.is_empty());
        assert_eq!(introduced(&sealed, &named, 10, &BTreeMap::new()).findings.len(), 1);
    }
}
