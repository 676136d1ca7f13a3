//! Waivers: the one function that decides whether a finding is waived.
//!
//! [`super::evaluate`] applies it to every finding it returns, so `check`, `audit`, `append
//! --policy`, `check --plan` and `policy test`, which all evaluate through it, cannot disagree about
//! a waiver (Kyverno's exception expiry was honoured at admission and ignored by its background scans
//! and CLI because the matching loop had been copied five times).
//!
//! A `waiver_granted` record (operator-signed) applies to the findings of its `rule` whose `subject`
//! equals its `subject`, from its own time until `expires` or a `waiver_revoked` naming its seq,
//! whichever comes first, judged at the facts' time (`Facts::now`). A waived finding is not dropped:
//! it moves to [`super::Evaluation::waived`] with the waiver's seq, and reports count it apart.

use serde::Serialize;

use super::{Finding, PolicyPack};
use crate::facts::{Facts, Waiver};

/// A finding a waiver covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waived {
    /// The finding, as the rule reported it.
    #[serde(flatten)]
    pub finding: Finding,
    /// Seq of the `waiver_granted` record that covers it.
    pub waiver: u64,
}

/// Where a waiver stands at the facts' time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// In force.
    Active,
    /// Past its `expires`.
    Expired,
    /// Ended by a `waiver_revoked`.
    Revoked,
}

/// The waiver's status at `now` (Unix ms).
pub fn status(w: &Waiver, now: i64) -> Status {
    if w.revoked.is_some_and(|(_, t)| t <= now) {
        Status::Revoked
    } else if now >= w.expires {
        Status::Expired
    } else {
        Status::Active
    }
}

/// The waiver in force for `finding` at the facts' time, if any (the earliest granted).
pub fn waiver_for<'f>(facts: &'f Facts, finding: &Finding) -> Option<&'f Waiver> {
    facts.waivers.iter().find(|w| {
        w.rule == finding.rule
            && w.subject == finding.subject
            && w.at.1 <= facts.now
            && status(w, facts.now) == Status::Active
    })
}

/// Splits `findings` into those that stand and those a waiver covers, keeping their order.
pub fn apply(facts: &Facts, findings: Vec<Finding>) -> (Vec<Finding>, Vec<Waived>) {
    if facts.waivers.is_empty() {
        return (findings, vec![]);
    }
    let mut standing = Vec::with_capacity(findings.len());
    let mut waived = Vec::new();
    for finding in findings {
        match waiver_for(facts, &finding) {
            Some(w) => waived.push(Waived { waiver: w.at.0, finding }),
            None => standing.push(finding),
        }
    }
    (standing, waived)
}

/// The waivers of `facts` that name a rule `pack` does not have: refused at `append --policy`,
/// reported by `check` and `audit`.
pub fn unknown_rule<'f>(pack: &PolicyPack, facts: &'f Facts) -> impl Iterator<Item = &'f Waiver> {
    facts.waivers.iter().filter(|w| !pack.rules.iter().any(|r| r.id == w.rule))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Severity;

    fn waiver(at: i64, expires: i64, revoked: Option<i64>) -> Waiver {
        Waiver {
            at: (3, at),
            rule: "cap".into(),
            subject: "google".into(),
            reason: "r".into(),
            approved_by: "board".into(),
            expires,
            revoked: revoked.map(|t| (9, t)),
        }
    }

    fn finding(subject: &str) -> Finding {
        Finding {
            rule: "cap".into(),
            severity: Severity::Deny,
            subject: subject.into(),
            message: "m".into(),
            evidence: vec![1],
        }
    }

    #[test]
    fn applies_from_grant_to_expiry_or_revocation_and_only_to_its_subject() {
        let mut facts = Facts { now: 50, ..Facts::default() };
        facts.waivers.push(waiver(10, 100, None));
        let (standing, waived) = apply(&facts, vec![finding("google"), finding("openai")]);
        assert_eq!(standing, vec![finding("openai")]);
        assert_eq!(waived, vec![Waived { finding: finding("google"), waiver: 3 }]);
        for now in [5, 100, 150] {
            let facts = Facts { now, waivers: facts.waivers.clone(), ..Facts::default() };
            assert!(waiver_for(&facts, &finding("google")).is_none(), "at {now}");
        }
        let facts = Facts { now: 50, waivers: vec![waiver(10, 100, Some(40))], ..Facts::default() };
        assert!(waiver_for(&facts, &finding("google")).is_none(), "revoked at 40");
        assert_eq!(status(&facts.waivers[0], 50), Status::Revoked);
        assert_eq!(status(&waiver(10, 100, None), 100), Status::Expired);
    }
}
