//! The use cases every front end shares: verify, check, what-if, audit, scores, checkpoint, prove and
//! verify-proof, run on a ledger given as bytes or a reader (`&[u8]` is a reader), returning
//! serialisable results.
//!
//! Nothing here touches a file, stdin/stdout or a clock of its own; the caller passes what it read
//! and, for the policy sandbox's seconds and memory backstops, a [`SharedMeter`]. [`crate::ffi`] is the JSON-in /
//! JSON-out twin of each call, for bindings.

pub mod audit;
mod error;
pub mod evidence;
pub mod pin;
pub mod prove;
pub mod report;
pub mod stream;

use std::io::BufRead;
use std::sync::Arc;

use ed25519_dalek::VerifyingKey;
use serde::Serialize;

pub use error::{ApiError, ErrorKind, Subject};
pub use pin::{CheckpointPin, PinError, PinnedCheckpoint, open_checkpoint};
pub use prove::{ProveError, Which, checkpoint, prove_consistency, prove_inclusion};
pub use stream::{AuditStream, VerifyStream};

use crate::facts::{Facts, FactsBuilder};
use crate::ledger::{Head, VerifiedRecord, verify_stream};
use crate::merkle::checkpoint::CheckpointError;
use crate::merkle::{NoteVerifier, Proof};
use crate::policy::admission::check_adopted;
use crate::policy::host::SharedMeter;
use crate::policy::plan::{Plan, what_if as replay};
use crate::policy::{PolicyPack, evaluate};
use crate::primitives::{crypto, time};
use crate::stats::pairs::{Comparisons, PeriodFilter};
use crate::stats::scores::scoreboard;
use crate::stats::{AnchorSpec, CiMethod, Scoreboard};
use audit::{AuditReport, Inactivity, Verification, best_of_n, class_rows, provider_rows, ratings, timeline};
use report::{LedgerInfo, PlanReport, PolicyOverride, Report};

/// What a successful verification found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verified {
    /// Records in the ledger.
    pub records: u64,
    /// The last record's hash.
    pub head: String,
    /// The checkpoint the ledger matched or extended, if one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<PinnedCheckpoint>,
}

/// The operator's public key from the text an auditor was handed: an SPKI PEM public key (what
/// `fairboard keygen` writes as `.pub`) or a C2SP verifier key string (`name+id+base64`, Ed25519, as
/// `fairboard vkey` prints it). The error says what was expected.
pub fn operator_key(text: &str) -> Result<VerifyingKey, String> {
    let text = text.trim();
    if text.contains("-----BEGIN") {
        crypto::verifying_key_from_pem(text).map_err(|e| e.to_string())
    } else if text.contains('+') && !text.contains(char::is_whitespace) {
        NoteVerifier::from_vkey(text).map(|v| *v.key()).map_err(|e| e.to_string())
    } else {
        Err("expected an SPKI PEM public key or a C2SP verifier key string (name+id+key)".to_owned())
    }
}

impl Verified {
    /// The object `fairboard verify --format json` prints: `{"ok": true, "records", "head",
    /// "checkpoint"?: {"origin", "size", "root"}}`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut out = serde_json::json!({"ok": true, "records": self.records, "head": self.head});
        if let (Some(cp), Some(map)) = (&self.checkpoint, out.as_object_mut()) {
            map.insert("checkpoint".into(), serde_json::json!({"origin": cp.origin, "size": cp.size, "root": cp.root}));
        }
        out
    }
}

/// How a check or audit treats the pack the ledger adopted.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Judge the board as of this time (Unix ms): later records are ignored, deadlines are measured
    /// from it. `None`: the last record's time.
    pub at: Option<i64>,
    /// Evaluate even if the pack's digest differs from the one the ledger adopted (the report says so).
    pub allow_override: bool,
    /// The meter for the sandbox's seconds and memory backstops; `None` leaves the operation, size,
    /// findings and stack limits.
    pub meter: Option<SharedMeter>,
    /// `audit` only: also keep what the HTML report shows beyond the JSON report, the records the
    /// findings cite ([`AuditReport::evidence`]) and the board over time ([`AuditReport::timeline`]).
    pub detail: bool,
}

/// Verifies `ledger` under the trusted operator key and, if given, against a signed checkpoint
/// (`checkpoint`: the note's text), handing every verified record to `on_record`.
pub fn verify_with(
    ledger: impl BufRead + Send,
    trust: &VerifyingKey,
    checkpoint: Option<&str>,
    on_record: impl FnMut(&VerifiedRecord) + Send,
) -> Result<Verified, ApiError> {
    let mut pin = checkpoint.map(|text| CheckpointPin::new(text, trust)).transpose()?;
    let head = verify_part(ledger, trust, None, &mut pin, on_record)?;
    pinned(pin, head)
}

/// One stretch of a verification: from the first line under `trust` (`head` None), or continuing
/// after `head`; every verified record goes to the checkpoint's tree and to `on_record`.
fn verify_part(
    ledger: impl BufRead + Send,
    trust: &VerifyingKey,
    head: Option<Head>,
    pin: &mut Option<CheckpointPin>,
    mut on_record: impl FnMut(&VerifiedRecord) + Send,
) -> Result<Head, ApiError> {
    let mut feed = |r: &VerifiedRecord| {
        if let Some(pin) = pin.as_mut() {
            pin.observe(r);
        }
        on_record(r);
    };
    Ok(match head {
        None => verify_stream(ledger, Some(trust), &mut feed)?,
        Some(head) => crate::ledger::verify_stream_from(head, ledger, &mut feed)?,
    })
}

/// The verification of a whole ledger ending at `head`, its checkpoint (if any) matched.
fn pinned(pin: Option<CheckpointPin>, head: Head) -> Result<Verified, ApiError> {
    let checkpoint = pin.map(|p| p.finish(head.records)).transpose()?;
    Ok(Verified { records: head.records, head: head.hash, checkpoint })
}

/// [`verify_with`] without a per-record callback.
pub fn verify(
    ledger: impl BufRead + Send,
    trust: &VerifyingKey,
    checkpoint: Option<&str>,
) -> Result<Verified, ApiError> {
    verify_with(ledger, trust, checkpoint, |_| {})
}

/// Verifies `ledger` (under `trust`, or under the key its seq 0 declares when `None`) and builds its
/// facts as of `at` (Unix ms; `None`: all records). Returns the builder, so that planned events can
/// be added, and the head.
pub fn facts_builder(
    ledger: impl BufRead + Send,
    trust: Option<&VerifyingKey>,
    at: Option<i64>,
) -> Result<(FactsBuilder, Head), ApiError> {
    let mut builder = FactsBuilder::new(at);
    let head = verify_stream(ledger, trust, |r| builder.push(r))?;
    Ok((builder, head))
}

/// The facts of a verified ledger (see [`facts_builder`]).
pub fn facts(ledger: impl BufRead + Send, trust: Option<&VerifyingKey>, at: Option<i64>) -> Result<Facts, ApiError> {
    Ok(facts_builder(ledger, trust, at)?.0.finish()?)
}

/// Checks the pack against the ledger's adopted one: an error without the override, the report's
/// override note with it.
fn adoption(pack: &PolicyPack, facts: &Facts, allow_override: bool) -> Result<Option<PolicyOverride>, ApiError> {
    match check_adopted(pack, facts) {
        Ok(()) => Ok(None),
        Err(e) if allow_override => Ok(Some(PolicyOverride { adopted_digest: e.adopted, adopted_seq: e.seq })),
        Err(e) => Err(e.into()),
    }
}

fn ledger_info(facts: &Facts) -> LedgerInfo {
    let at = chrono::DateTime::from_timestamp_millis(facts.now).map_or_else(String::new, time::format);
    LedgerInfo { records: facts.records, head: facts.head.clone(), at }
}

/// Evaluates `pack` on facts already built.
pub fn check_facts(pack: &PolicyPack, facts: Facts, options: &Options) -> Result<Report, ApiError> {
    let policy_override = adoption(pack, &facts, options.allow_override)?;
    let info = ledger_info(&facts);
    let facts = Arc::new(facts);
    let evaluation = evaluate(pack, Arc::clone(&facts), options.meter.as_ref());
    let mut report = Report::new(pack, info, evaluation).with_facts(pack, &facts);
    report.policy_override = policy_override;
    Ok(report)
}

/// `check`: verifies `ledger` under its own declared operator key and evaluates `pack` on it.
pub fn check(ledger: impl BufRead + Send, pack: &PolicyPack, options: &Options) -> Result<Report, ApiError> {
    let facts = facts(ledger, None, options.at)?;
    check_facts(pack, facts, options)
}

/// `check --plan`: judges the planned events on top of `ledger` without writing anything.
/// `provider` (or the plan's own) is whose plan it is.
pub fn what_if(
    ledger: impl BufRead + Send,
    pack: &PolicyPack,
    plan: &Plan,
    provider: Option<&str>,
    options: &Options,
) -> Result<PlanReport, ApiError> {
    let (builder, head) = facts_builder(ledger, None, None)?;
    let head_time = head.time.timestamp_millis();
    let facts = builder.judged_at(head_time)?;
    let policy_override = adoption(pack, &facts, options.allow_override)?;
    let info = ledger_info(&facts);
    drop(facts);
    let provider = provider.map(str::to_owned).or_else(|| plan.provider.clone());
    let verdict = replay(pack, builder, (head.records, head_time), plan, provider.as_deref(), options.meter.as_ref())?;
    Ok(PlanReport { policy: report::PolicyInfo::of(pack), policy_override, ledger: info, plan: verdict })
}

/// `audit`: verifies `ledger` under `trust` (and the checkpoint, if given), evaluates `pack`,
/// recomputes the ratings and the fairness tables. A ledger that does not verify is not an error:
/// the report says NOT AUTHENTIC and holds nothing computed from its records. `progress` is called
/// with the number of records verified so far, every `every` records.
pub fn audit(
    ledger: impl BufRead + Send,
    trust: &VerifyingKey,
    pack: &PolicyPack,
    checkpoint: Option<&str>,
    options: &Options,
    progress: impl FnMut(u64) + Send,
    every: u64,
) -> Result<AuditReport, ApiError> {
    let mut progress = progress;
    let mut kept = Kept::new(options);
    let result = verify_with(ledger, trust, checkpoint, |r| {
        kept.push(r);
        if every > 0 && kept.records.is_multiple_of(every) {
            progress(kept.records);
        }
    });
    conclude(result, kept, pack, options)
}

/// What an audit keeps of each verified record: its facts, and the records findings may cite.
#[derive(Debug)]
struct Kept {
    builder: FactsBuilder,
    collector: Option<evidence::Collector>,
    records: u64,
}

impl Kept {
    fn new(options: &Options) -> Self {
        Self {
            builder: FactsBuilder::new(options.at),
            collector: options.detail.then(evidence::Collector::default),
            records: 0,
        }
    }

    fn push(&mut self, r: &VerifiedRecord) {
        self.builder.push(r);
        if let Some(c) = self.collector.as_mut() {
            c.push(r);
        }
        self.records += 1;
    }
}

/// The audit of a ledger whose verification gave `result`: NOT AUTHENTIC with nothing computed when
/// it failed, else the pack's report, the ratings and the fairness tables from `kept`.
fn conclude(
    result: Result<Verified, ApiError>,
    kept: Kept,
    pack: &PolicyPack,
    options: &Options,
) -> Result<AuditReport, ApiError> {
    let Kept { builder, collector, .. } = kept;
    let mut verification =
        Verification { ok: false, records: 0, head: String::new(), defect: None, defect_line: None, checkpoint: None };
    match result {
        Ok(v) => {
            verification.ok = true;
            verification.records = v.records;
            verification.head = v.head;
            verification.checkpoint = v.checkpoint.map(|c| c.describe());
        }
        Err(ApiError::Defect(d)) => {
            verification.defect = Some(d.to_string());
            verification.defect_line = Some(d.line);
        }
        Err(ApiError::Checkpoint(e)) if e.is_verification() => {
            verification.defect = Some(format!("checkpoint: {e}"));
        }
        Err(e) => return Err(e),
    }
    if !verification.ok {
        let info = LedgerInfo { records: 0, head: String::new(), at: String::new() };
        return Ok(AuditReport {
            verification,
            report: Report::new(pack, info, Default::default()),
            ratings: None,
            best_of_n: vec![],
            providers: vec![],
            license_classes: vec![],
            timeline: None,
            evidence: vec![],
        });
    }
    let facts = builder.finish()?;
    let policy_override = adoption(pack, &facts, options.allow_override)?;
    let info = ledger_info(&facts);
    let facts = Arc::new(facts);
    let (evaluation, rated) =
        rayon::join(|| evaluate(pack, Arc::clone(&facts), options.meter.as_ref()), || ratings(&facts));
    let mut report = Report::new(pack, info, evaluation).with_facts(pack, &facts);
    report.policy_override = policy_override;
    let (summary, board) = rated.map_or((None, None), |(s, b)| (Some(s), Some(b)));
    let cited = report
        .findings
        .iter()
        .chain(report.waived.iter().map(|w| &w.finding))
        .flat_map(|f| f.evidence.iter().copied())
        .chain(report.waivers.iter().flat_map(|w| std::iter::once(w.seq).chain(w.revoked)))
        .collect();
    Ok(AuditReport {
        verification,
        best_of_n: best_of_n(&facts, board.as_ref()),
        providers: provider_rows(&facts),
        license_classes: class_rows(&facts, Inactivity::of(&report)),
        ratings: summary,
        timeline: options.detail.then(|| timeline(&facts)),
        evidence: collector.map(|c| c.finish(&cited)).unwrap_or_default(),
        report,
    })
}

/// What a verified proof establishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProofVerdict {
    /// The record is in the checkpointed ledger.
    Inclusion {
        /// The record's seq.
        seq: u64,
        /// Its event type.
        event_type: String,
        /// Its hash.
        hash: String,
        /// The record's canonical line, as the proof carries it.
        record_line: String,
        /// The checkpoint's origin.
        origin: String,
        /// Its tree size.
        size: u64,
        /// Its root, lowercase hex.
        root: String,
    },
    /// The later checkpoint's tree extends the earlier one's.
    Consistency {
        /// The log's origin.
        origin: String,
        /// The earlier tree size.
        old_size: u64,
        /// The earlier root.
        old_root: String,
        /// The later tree size.
        new_size: u64,
        /// The later root.
        new_root: String,
    },
}

/// `verify-proof`: checks an inclusion or consistency proof file (`proof`: its bytes) under the
/// log's C2SP verifier key string `vkey`, with no ledger at hand.
pub fn verify_proof(proof: &[u8], vkey: &str) -> Result<ProofVerdict, ApiError> {
    verify_proof_from(proof, None, vkey)
}

/// [`verify_proof`] that also reads a consistency proof in the C2SP tlog-witness body layout
/// (`old <size>`, hashes, blank line, the newer checkpoint) against `old`, the older checkpoint the
/// caller holds.
pub fn verify_proof_from(proof: &[u8], old: Option<&str>, vkey: &str) -> Result<ProofVerdict, ApiError> {
    use crate::merkle::proof::{ConsistencyProof, Verified as V};
    let verifier = NoteVerifier::from_vkey(vkey.trim()).map_err(ApiError::VerifierKey)?;
    let parsed = match old {
        Some(old) if proof.starts_with(b"old ") => {
            Proof::Consistency(ConsistencyProof::from_witness_body(proof, old).map_err(ApiError::Proof)?)
        }
        _ => Proof::parse(proof).map_err(ApiError::Proof)?,
    };
    Ok(match parsed.verify(&verifier).map_err(ApiError::Proof)? {
        V::Inclusion(v) => ProofVerdict::Inclusion {
            seq: v.record.seq,
            event_type: v.record.event_type().to_owned(),
            hash: v.record.hash.clone(),
            record_line: match &parsed {
                Proof::Inclusion(p) => p.record_line.clone(),
                Proof::Consistency(_) => String::new(),
            },
            origin: v.checkpoint.origin,
            size: v.checkpoint.size,
            root: crypto::hex(&v.checkpoint.root),
        },
        V::Consistency(v) => ProofVerdict::Consistency {
            origin: v.new.origin,
            old_size: v.old.size,
            old_root: crypto::hex(&v.old.root),
            new_size: v.new.size,
            new_root: crypto::hex(&v.new.root),
        },
    })
}

/// [`verify_proof`] under the key an auditor holds: a C2SP verifier key string, or the operator's
/// SPKI PEM public key, named (as `fairboard vkey` names it) by the origin of the checkpoint the
/// proof carries.
pub fn verify_proof_by_key(proof: &[u8], key: &str) -> Result<ProofVerdict, ApiError> {
    if !key.contains("-----BEGIN") {
        return verify_proof(proof, key);
    }
    let trust = operator_key(key).map_err(|e| ApiError::VerifierKey(CheckpointError::BadVerifierKey(e)))?;
    let note = match Proof::parse(proof).map_err(ApiError::Proof)? {
        Proof::Inclusion(p) => p.checkpoint,
        Proof::Consistency(p) => p.new,
    };
    let origin = note.lines().next().unwrap_or_default();
    let vkey = NoteVerifier::new(origin, trust).map_err(ApiError::VerifierKey)?.to_vkey();
    verify_proof(proof, &vkey)
}

/// `scores`: the ratings of a verified ledger's battles in `filter`, with intervals by `method`.
pub fn scores(
    ledger: impl BufRead + Send,
    filter: PeriodFilter,
    anchor: &AnchorSpec,
    method: CiMethod,
) -> Result<Scoreboard, ApiError> {
    let facts = facts(ledger, None, None)?;
    Ok(scoreboard(&Comparisons::from_facts(&facts, filter), anchor, method)?)
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;
    use serde_json::{Value, json};

    use super::*;
    use crate::ledger::Chain;
    use crate::ledger::input::InputEvent;
    use crate::policy::shipped;

    /// A ledger built in memory: an operator, a provider with four private tests (one more than the
    /// shipped limit), a day of battles.
    fn ledger() -> (String, SigningKey) {
        let op = SigningKey::from_bytes(&[11; 32]);
        let t0 = time::parse("2025-03-01T00:00:00Z").unwrap();
        let (mut chain, first) = Chain::open(&op, "api-test", t0).unwrap();
        let mut events: Vec<Value> = vec![json!({"type":"provider_registered","provider":"meta"})];
        for m in ["a", "b"] {
            events.push(json!({"type":"model_registered","model":m,"provider":"meta","license":"proprietary","visibility":"public"}));
        }
        for v in 1..=4 {
            events.push(json!({"type":"private_test_started","model":format!("v{v}"),"provider":"meta"}));
        }
        events.push(
            json!({"type":"battles_recorded","period_start":"2025-03-01T00:00:00Z","period_end":"2025-03-01T23:59:59Z",
            "pairs":[{"model_a":"a","model_b":"b","wins_a":30,"wins_b":20,"ties":5}]}),
        );
        let input: Vec<InputEvent> =
            events.into_iter().enumerate().map(|(i, event)| InputEvent { line: i as u64 + 1, event }).collect();
        let signed = chain.prepare(&op, "events", &input, None).unwrap();
        chain.advance(&signed);
        let mut text = format!("{}\n", first.line);
        for s in &signed {
            text.push_str(&s.line);
            text.push('\n');
        }
        (text, op)
    }

    #[test]
    fn verify_from_bytes_reports_the_head_and_the_first_defect() {
        let (text, op) = ledger();
        let v = verify(text.as_bytes(), &op.verifying_key(), None).unwrap();
        assert_eq!(v.records, 9);
        let tampered = text.replacen("\"wins_a\":30", "\"wins_a\":31", 1);
        let err = verify(tampered.as_bytes(), &op.verifying_key(), None).unwrap_err();
        assert_eq!((err.kind(), err.line()), (ErrorKind::Verification, Some(9)), "{err}");
        let ApiError::Defect(d) = &err else { panic!("{err}") };
        assert_eq!(serde_json::to_value(d).unwrap()["line"], 9);
        let (_, head) = facts_builder(text.as_bytes(), None, None).unwrap();
        assert_eq!(serde_json::to_value(&head).unwrap()["records"], 9);
        let other = SigningKey::from_bytes(&[12; 32]);
        assert_eq!(verify(text.as_bytes(), &other.verifying_key(), None).unwrap_err().line(), Some(1));
        let torn = &text[..text.len() - 1];
        let err = verify(torn.as_bytes(), &op.verifying_key(), None).unwrap_err();
        assert!(err.hint().is_some_and(|h| h.contains("recover")) && !err.to_string().contains("--"), "{err}");
    }

    #[test]
    fn check_with_the_embedded_pack_finds_the_fourth_test() {
        let (text, _) = ledger();
        let report = check(text.as_bytes(), &shipped::pack().unwrap(), &Options::default()).unwrap();
        assert!(report.fails());
        assert!(report.findings.iter().any(|f| f.rule == "private-variant-limit" && f.subject == "meta"));
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["ledger"]["records"], 9);
    }

    #[test]
    fn what_if_flags_the_step_and_writes_nothing() {
        let (text, _) = ledger();
        let plan = crate::policy::plan::parse(
            "plan.jsonl",
            "{\"type\":\"private_test_started\",\"model\":\"v5\",\"provider\":\"meta\"}\n",
            true,
        )
        .unwrap();
        let report = what_if(text.as_bytes(), &shipped::pack().unwrap(), &plan, None, &Options::default()).unwrap();
        assert!(report.denies());
        assert_eq!(report.plan.breaks[0].step, 1);
    }

    #[test]
    fn audit_of_a_forged_ledger_says_so_and_computes_nothing() {
        let (text, op) = ledger();
        let pack = shipped::pack().unwrap();
        let ok = audit(text.as_bytes(), &op.verifying_key(), &pack, None, &Options::default(), |_| {}, 0).unwrap();
        assert!(ok.verification.ok && ok.ratings.is_some());
        let forged = text.replacen("\"wins_b\":20", "\"wins_b\":2", 1);
        let bad = audit(forged.as_bytes(), &op.verifying_key(), &pack, None, &Options::default(), |_| {}, 0).unwrap();
        assert!(!bad.verification.ok && bad.fails());
        assert!(bad.verification.defect.as_deref().is_some_and(|d| d.starts_with("line 9:")), "{:?}", bad.verification);
        assert!(bad.ratings.is_none() && bad.report.findings.is_empty() && bad.providers.is_empty());
    }

    #[test]
    fn an_audit_fed_in_pieces_is_the_audit_of_the_whole() {
        let (text, op) = ledger();
        let pack = shipped::pack().unwrap();
        let options = Options { detail: true, ..Options::default() };
        let run = |text: &str, checkpoint: Option<&str>| {
            let whole = audit(text.as_bytes(), &op.verifying_key(), &pack, checkpoint, &options, |_| {}, 0).unwrap();
            for (piece, batch) in [(1, 1), (7, 64), (1000, VerifyStream::BATCH)] {
                let mut stream = AuditStream::new(op.verifying_key(), pack.clone(), checkpoint, options.clone());
                stream.set_batch(batch);
                for chunk in text.as_bytes().chunks(piece) {
                    stream.push(chunk);
                }
                let fed = stream.finish().unwrap();
                assert_eq!(fed, whole, "pieces of {piece}, batches of {batch}");
                let mut stream = VerifyStream::new(op.verifying_key(), checkpoint);
                stream.set_batch(batch);
                let mut seen = 0;
                for chunk in text.as_bytes().chunks(piece) {
                    stream.push(chunk, |_| seen += 1);
                }
                let fed = stream.finish(|_| seen += 1).map_err(|e| (e.line(), e.to_string()));
                let plain =
                    verify(text.as_bytes(), &op.verifying_key(), checkpoint).map_err(|e| (e.line(), e.to_string()));
                assert_eq!(fed, plain, "pieces of {piece}, batches of {batch}");
                if let Ok(v) = &fed {
                    assert_eq!(seen, v.records);
                }
            }
            whole
        };
        let ok = run(&text, None);
        assert!(ok.verification.ok && ok.ratings.is_some() && !ok.evidence.is_empty());
        let forged = run(&text.replacen("\"wins_b\":20", "\"wins_b\":2", 1), None);
        assert_eq!(forged.verification.defect_line, Some(9));
        let torn = run(&text[..text.len() - 1], None);
        assert!(
            torn.verification.defect.as_deref().is_some_and(|d| d.contains("incomplete")),
            "{:?}",
            torn.verification
        );
        assert!(!run("", None).verification.ok);
        let cp = checkpoint(text.as_bytes(), &op, "example.com/log").unwrap();
        assert!(run(&text, Some(&cp)).verification.checkpoint.is_some());
        let short: String = text.lines().take(3).map(|l| format!("{l}\n")).collect();
        assert!(!run(&short, Some(&cp)).verification.ok, "a ledger shorter than its checkpoint");
        let forged_cp = cp.replacen("\n9\n", "\n8\n", 1);
        assert!(!run(&text, Some(&forged_cp)).verification.ok, "a checkpoint whose signature fails");
    }

    #[test]
    fn operator_keys_from_pem_or_a_verifier_key() {
        let op = SigningKey::from_bytes(&[11; 32]);
        let pem = crypto::public_key_pem(&op.verifying_key()).unwrap();
        let vkey = crate::merkle::NoteSigner::new("example.com/log", op.clone()).unwrap().verifier().to_vkey();
        assert_eq!(operator_key(&pem).unwrap(), op.verifying_key());
        assert_eq!(operator_key(&format!("{vkey}\n")).unwrap(), op.verifying_key());
        assert!(operator_key("garbage").unwrap_err().contains("expected an SPKI PEM"));
        let wrong_id = format!("example.com/log+00000000+{}", vkey.splitn(3, '+').nth(2).unwrap());
        assert!(operator_key(&wrong_id).unwrap_err().contains("key id"));
    }

    #[test]
    fn verify_proof_from_text() {
        let (text, op) = ledger();
        let mut tree = crate::merkle::Tree::new();
        verify_stream(text.as_bytes(), None, |r| tree.push(crate::merkle::record_leaf(&r.hash).unwrap())).unwrap();
        let signer = crate::merkle::NoteSigner::new("example.com/log", op.clone()).unwrap();
        let note =
            crate::merkle::Checkpoint::new("example.com/log", 9, tree.root_at(9).unwrap()).sign(&signer).unwrap();
        let proof = crate::merkle::ConsistencyProof {
            path: tree.consistency_proof(9, 9).unwrap(),
            old: note.to_text(),
            new: note.to_text(),
        };
        let vkey = signer.verifier().to_vkey();
        let verdict = verify_proof(proof.to_text().as_bytes(), &vkey).unwrap();
        assert!(matches!(verdict, ProofVerdict::Consistency { old_size: 9, new_size: 9, .. }), "{verdict:?}");
        let err = verify_proof(b"not a proof", &vkey).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Input);
        let other = crate::merkle::NoteSigner::new("example.com/log", SigningKey::from_bytes(&[13; 32])).unwrap();
        let err = verify_proof(proof.to_text().as_bytes(), &other.verifier().to_vkey()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Verification, "{err}");
    }

    #[test]
    fn scores_from_bytes() {
        let (text, _) = ledger();
        let board = scores(text.as_bytes(), PeriodFilter::ALL, &AnchorSpec::Default, CiMethod::Sandwich).unwrap();
        let a = board.row("a").and_then(|r| r.rating).unwrap();
        let b = board.row("b").and_then(|r| r.rating).unwrap();
        assert!(a > b);
    }

    #[test]
    fn checkpoints_and_proofs_from_bytes_verify_and_refuse_what_does_not_match() {
        let (text, op) = ledger();
        let old = checkpoint(
            text.lines().take(4).map(|l| format!("{l}\n")).collect::<String>().as_bytes(),
            &op,
            "example.com/log",
        )
        .unwrap();
        let new = checkpoint(text.as_bytes(), &op, "example.com/log").unwrap();
        let vkey = crate::merkle::NoteSigner::new("example.com/log", op.clone()).unwrap().verifier().to_vkey();
        let inclusion = prove_inclusion(text.as_bytes(), 2, &old).unwrap();
        let verdict = verify_proof(inclusion.to_text().as_bytes(), &vkey).unwrap();
        assert!(matches!(verdict, ProofVerdict::Inclusion { seq: 2, size: 4, .. }), "{verdict:?}");
        let consistency = prove_consistency(text.as_bytes(), &old, &new).unwrap();
        let verdict = verify_proof(consistency.to_text().as_bytes(), &vkey).unwrap();
        assert!(matches!(verdict, ProofVerdict::Consistency { old_size: 4, new_size: 9, .. }), "{verdict:?}");
        let pem = crypto::public_key_pem(&op.verifying_key()).unwrap();
        for proof in [inclusion.to_text(), consistency.to_text()] {
            assert_eq!(
                verify_proof_by_key(proof.as_bytes(), &pem).unwrap(),
                verify_proof(proof.as_bytes(), &vkey).unwrap()
            );
        }
        let stranger = crypto::public_key_pem(&SigningKey::from_bytes(&[15; 32]).verifying_key()).unwrap();
        assert_eq!(
            verify_proof_by_key(inclusion.to_text().as_bytes(), &stranger).unwrap_err().kind(),
            ErrorKind::Verification
        );

        let err = prove_inclusion(text.as_bytes(), 6, &old).unwrap_err();
        assert_eq!((err.kind(), err.hint().is_some()), (ErrorKind::Input, true), "{err}");
        let err = prove_consistency(text.as_bytes(), &new, &old).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Input, "{err}");
        // A checkpoint of a different history: the ledger is rewritten below it.
        let signer = crate::merkle::NoteSigner::new("example.com/log", op.clone()).unwrap();
        let forked = crate::merkle::Checkpoint::new("example.com/log", 4, [0; 32]).sign(&signer).unwrap().to_text();
        let err = prove_inclusion(text.as_bytes(), 1, &forked).unwrap_err();
        assert_eq!((err.kind(), err.subject()), (ErrorKind::Verification, Subject::Ledger), "{err}");
        assert!(err.hint().is_some_and(|h| h.contains("split view")), "{err}");
        let stranger = SigningKey::from_bytes(&[14; 32]);
        let t0 = time::parse("2025-03-01T00:00:00Z").unwrap();
        let s_text = format!("{}\n", Chain::open(&stranger, "api-test", t0).unwrap().1.line);
        let foreign = checkpoint(s_text.as_bytes(), &stranger, "example.com/log").unwrap();
        let err = prove_inclusion(text.as_bytes(), 0, &foreign).unwrap_err();
        assert_eq!((err.kind(), err.subject()), (ErrorKind::Verification, Subject::Checkpoint), "{err}");
        let err = checkpoint(text.as_bytes(), &stranger, "example.com/log").unwrap_err();
        assert_eq!((err.kind(), err.line()), (ErrorKind::Verification, Some(1)), "{err}");
        let err = checkpoint(text.as_bytes(), &op, "bad origin\n").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Input, "{err}");
        let truncated: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
        let err = prove_inclusion(truncated.as_bytes(), 0, &old).unwrap_err();
        assert_eq!((err.kind(), err.subject()), (ErrorKind::Verification, Subject::Ledger), "{err}");
    }
}
