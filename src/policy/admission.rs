//! Admission control and what-if plans: which findings do new events introduce?
//!
//! Both `append --policy` and `check --plan` judge candidate events against the pack twice, on the
//! facts without and with the candidates, both judged at the candidates' time (so that a deadline
//! passing in the meantime is nobody's new violation). A finding counts as *introduced* when it cites
//! a candidate record as evidence, or when no finding of the same rule about the same subject existed
//! without the candidates. Old violations therefore never block unrelated events, which would freeze
//! the board, while a candidate that worsens an old violation (and so appears in its evidence) is
//! still caught.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;

use super::{Evaluation, Finding, PolicyPack, RuleError, Severity, evaluate};
use crate::facts::{Adoption, Facts, FactsBuilder};
use crate::input::InputEvent;
use crate::ledger::{Appended, LedgerError, LockedLedger};

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
pub fn introduced(before: &Evaluation, after: &Evaluation, first_candidate: u64) -> Introduced {
    let known: BTreeSet<(&str, &str)> = before.findings.iter().map(|f| (f.rule.as_str(), f.subject.as_str())).collect();
    let failing: BTreeSet<&str> = before.errors.iter().map(|e| e.rule.as_str()).collect();
    Introduced {
        findings: after
            .findings
            .iter()
            .filter(|f| {
                f.evidence.iter().any(|&s| s >= first_candidate)
                    || !known.contains(&(f.rule.as_str(), f.subject.as_str()))
            })
            .cloned()
            .collect(),
        errors: after.errors.iter().filter(|e| !failing.contains(e.rule.as_str())).cloned().collect(),
    }
}

/// A pack that is not the one the ledger adopted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "policy pack `{path}` has digest {given}, but the ledger adopted {adopted} (`{name}` {version}) at seq {seq}\nhelp: use the adopted pack, or pass --policy-override to evaluate this one anyway (the report will say so)"
)]
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
            path: pack.path.display().to_string(),
            given: pack.digest.clone(),
            adopted: a.digest.clone(),
            name: a.name.clone(),
            version: a.version.clone(),
            seq: a.at.0,
        })),
    }
}

/// Why an append under a policy did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AdmissionError {
    /// The ledger or the events failed as in a plain append.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The pack is not the adopted one.
    #[error(transparent)]
    Mismatch(#[from] Box<DigestMismatch>),
    /// The candidates would introduce deny findings (or make a deny rule fail).
    #[error("refused by policy: the events would introduce {} deny finding(s)", .0.findings.iter().filter(|f| f.severity == Severity::Deny).count())]
    Denied(Introduced),
}

/// A successful append under a policy.
#[derive(Debug, Clone)]
pub struct Admitted {
    /// The new records.
    pub appended: Vec<Appended>,
    /// Warn and info findings the events introduced (they do not block).
    pub introduced: Introduced,
}

/// `append --policy`: verifies the ledger, signs the candidates, evaluates the pack without and with
/// them at their time, and writes them only if they introduce no deny finding. On refusal the file is
/// untouched.
pub fn append_with_policy(
    path: &Path,
    key: &SigningKey,
    file: &str,
    events: &[InputEvent],
    time: Option<DateTime<Utc>>,
    pack: &PolicyPack,
    allow_override: bool,
) -> Result<Admitted, AdmissionError> {
    let mut builder = FactsBuilder::new(None);
    let ledger = LockedLedger::open(path, |r| builder.push(r))?;
    let prepared = ledger.prepare(key, file, events, time)?;
    let first = ledger.head().records;
    let now = prepared
        .first()
        .and_then(|(r, _)| crate::time::parse(&r.time).ok())
        .map_or(builder.judged_at(0).last_time, |t| t.timestamp_millis());
    let before = builder.judged_at(now);
    for (record, _) in &prepared {
        builder.push(record);
    }
    let after = builder.judged_at(now);
    if !allow_override {
        check_adopted(pack, &after)?;
    }
    let (before, after) = rayon::join(|| evaluate(pack, Arc::new(before)), || evaluate(pack, Arc::new(after)));
    let new = introduced(&before, &after, first);
    if new.denies() {
        return Err(AdmissionError::Denied(new));
    }
    let appended = ledger.commit(&prepared)?;
    Ok(Admitted { appended, introduced: new })
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
        let before =
            Evaluation { findings: vec![f("cap", "google", &[3]), f("parity", "license:x", &[2])], errors: vec![] };
        let after = Evaluation {
            findings: vec![f("cap", "google", &[3, 10]), f("parity", "license:x", &[2, 4]), f("limit", "meta", &[1])],
            errors: vec![],
        };
        let got = introduced(&before, &after, 10);
        let rules: Vec<&str> = got.findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, vec!["cap", "limit"], "cap cites candidate 10; limit is new; parity is old");
        assert!(got.denies());
        assert!(!introduced(&before, &before, 10).denies());
    }
}
