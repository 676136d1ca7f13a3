//! The tamper suite: a valid ledger of more than 100 records (operator, a second operator key, provider
//! keys for `meta` and `google`, a revoked `meta` key; every kind of event) is changed in every way the
//! format must catch, and the verifier must name the right line and the right reason.
//!
//! The properties call the library verifier (`fairboard::verify_stream`, what `fairboard verify` runs)
//! for speed; a handful of cases at the end run the real binary and check exit code 1 and the message.
//!
//! Each case verifies the whole ledger (about 20 ms in a debug build), so case counts are moderate: 256
//! for the byte flips, 32 for each other property. `PROPTEST_CASES=N` sets them all for a longer run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and benches fail loudly on what they did not expect"
)]

mod common;

use std::sync::LazyLock;

use chrono::Duration;
use common::{Fixture, fairboard, field, id, join, rechain, resign};
use fairboard_core::ledger::record::{GENESIS_PREV, RecordBody};
use fairboard_core::ledger::{AuthError, Defect, DefectKind, Head, VerifyError};
use predicates::prelude::*;
use proptest::prelude::*;
use serde_json::{Value, json};

static FIXTURE: LazyLock<Fixture> = LazyLock::new(common::fixture);

fn lines() -> Vec<String> {
    FIXTURE.ledger.lines.clone()
}

fn n() -> usize {
    FIXTURE.ledger.lines.len()
}

fn verify(bytes: &[u8]) -> Result<Head, VerifyError> {
    fairboard::verify_stream(bytes, Some(&FIXTURE.keys.op.verifying_key()), |_| {})
}

/// The defect verification reports; anything else (success, an I/O error) fails the test.
fn defect(bytes: &[u8]) -> Defect {
    match verify(bytes) {
        Err(VerifyError::Defect(d)) => d,
        Ok(head) => panic!("tampered ledger verified ({} records)", head.records),
        Err(e) => panic!("expected a defect, got {e}"),
    }
}

fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(default_cases);
    ProptestConfig { cases, ..ProptestConfig::default() }
}

/// Seq of the `key_authorized` record naming `key`: the key may sign from the next record on.
fn authorized_at(key: &ed25519_dalek::SigningKey) -> usize {
    let b64 = common::b64(key);
    FIXTURE
        .ledger
        .lines
        .iter()
        .position(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["event"]["type"] == "key_authorized" && v["event"]["key"] == b64.as_str()
        })
        .unwrap()
}

fn event(line: &str) -> Value {
    serde_json::from_str::<Value>(line).unwrap()["event"].clone()
}

/// Indices of records whose event satisfies `pred`.
fn records_where(pred: impl Fn(usize, &Value) -> bool) -> Vec<usize> {
    FIXTURE.ledger.lines.iter().enumerate().filter(|(i, l)| pred(*i, &event(l))).map(|(i, _)| i).collect()
}

/// Key of the signer of `line`.
fn signer_key(line: &str) -> &'static ed25519_dalek::SigningKey {
    &FIXTURE.ledger.keys[&field(line, "signer")]
}

/// Changes record `i` through `edit`, re-signs it with `key`, and re-chains everything after it, so that
/// every line is a correctly hashed and signed record and only the semantic check can object.
fn tamper(
    i: usize,
    key: &ed25519_dalek::SigningKey,
    edit: impl FnOnce(&mut serde_json::Map<String, Value>),
) -> Vec<String> {
    let mut lines = lines();
    lines[i] = resign(&lines[i], key, edit);
    rechain(&mut lines, i, &FIXTURE.ledger.keys);
    lines
}

/// 1-based line holding byte `offset`.
fn line_of(bytes: &[u8], offset: usize) -> u64 {
    bytes[..offset].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// Defects a change of bytes alone (no re-signing) can produce: the line no longer parses, no longer
/// matches its schemas or its canonical form, or its hash or signature no longer fits. Chain, time and
/// authority checks run only on lines that pass all of these, and every field they read is covered by
/// the hash, so a byte flip can never surface as one of those.
fn is_content_defect(kind: &DefectKind) -> bool {
    matches!(
        kind,
        DefectKind::IncompleteFinalRecord
            | DefectKind::NotUtf8
            | DefectKind::Malformed(_)
            | DefectKind::Envelope(_)
            | DefectKind::Event(_)
            | DefectKind::NotCanonical
            | DefectKind::BadTime(_)
            | DefectKind::Hash { .. }
            | DefectKind::Signature(_)
    )
}

#[test]
fn fixture_is_a_valid_mixed_ledger_of_over_100_records() {
    let bytes = FIXTURE.ledger.bytes();
    let mut types = std::collections::BTreeSet::new();
    let mut signers = std::collections::BTreeSet::new();
    let head = fairboard::verify_stream(&bytes[..], Some(&FIXTURE.keys.op.verifying_key()), |r| {
        types.insert(r.event_type().to_owned());
        signers.insert(r.signer.clone());
    })
    .unwrap();
    assert!(head.records >= 100, "{} records", head.records);
    assert_eq!(head.records as usize, n());
    assert_eq!(head.hash, field(&FIXTURE.ledger.lines[n() - 1], "hash"));
    assert_eq!(types.len(), 15, "every event type appears: {types:?}");
    let k = &FIXTURE.keys;
    for key in [&k.op, &k.op2, &k.meta, &k.meta_old, &k.google] {
        assert!(signers.contains(&id(key)), "{} signs something", id(key));
    }
    // The revoked key signed before its revocation, and nothing after.
    let revoked = FIXTURE.revoked_at as usize;
    assert!(FIXTURE.ledger.lines[..revoked].iter().any(|l| field(l, "signer") == id(&k.meta_old)));
    assert!(FIXTURE.ledger.lines[revoked..].iter().all(|l| field(l, "signer") != id(&k.meta_old)));
}

#[test]
fn fixture_has_the_vector_like_edge_cases() {
    let text = String::from_utf8(FIXTURE.ledger.bytes()).unwrap();
    assert!(text.contains("1e-7"), "a weight in exponent form");
    assert!(text.contains("0.3333333333333333"), "a weight with 16 digits");
    assert!(text.contains("llama-été-x"), "a non-ASCII model id");
    assert!(text.contains("T00:00:01.250Z"), "a fractional-second time");
}

#[test]
fn a_different_trust_anchor_is_refused_at_line_1() {
    let bytes = FIXTURE.ledger.bytes();
    let other = FIXTURE.keys.op2.verifying_key();
    let Err(VerifyError::Defect(d)) = fairboard::verify_stream(&bytes[..], Some(&other), |_| {}) else {
        panic!("verified under the wrong anchor");
    };
    assert_eq!(d.line, 1);
    assert!(matches!(d.kind, DefectKind::Untrusted { .. }), "{d}");
}

#[test]
fn a_second_ledger_opened_is_refused() {
    let k = &FIXTURE.keys;
    let mut b = FIXTURE.ledger.clone();
    let time = fairboard::time::parse(&field(&b.lines[n() - 1], "time")).unwrap();
    b.push(&k.op, time, json!({"type":"ledger_opened","leaderboard":"again","operator_key":common::b64(&k.op)}));
    let d = defect(&b.bytes());
    assert_eq!((d.line, d.kind), (n() as u64 + 1, DefectKind::ReOpened));
}

#[test]
fn seq_0_must_be_ledger_opened_and_signed_by_its_declared_key() {
    let k = &FIXTURE.keys;
    // Seq 0 signed (validly) by the second operator key while declaring the first.
    let lines = tamper(0, &k.op2, |_| {});
    let d = defect(&join(&lines));
    assert_eq!(d.line, 1);
    assert!(matches!(d.kind, DefectKind::Genesis(_)), "{d}");
    // Seq 0 holding another event.
    let lines = tamper(0, &k.op, |m| {
        m.insert("event".into(), json!({"type":"provider_registered","provider":"meta"}));
    });
    let d = defect(&join(&lines));
    assert_eq!((d.line, d.kind), (1, DefectKind::NotOpened("provider_registered".into())));
}

#[test]
fn an_empty_file_is_a_defect() {
    let d = defect(b"");
    assert_eq!((d.line, d.kind), (1, DefectKind::Empty));
}

proptest! {
    #![proptest_config(config(256))]

    /// Any byte of any record, any xor mask: verification fails at exactly that byte's line. Not earlier,
    /// because lines before it are untouched and verifying a line never depends on later ones; not
    /// later, because the changed line itself no longer parses, is not canonical, or no longer matches
    /// its hash or signature. A flipped newline merges two lines (malformed) or, at the end of the file,
    /// leaves the last line unterminated; a byte flipped into a newline cuts its line short. Both are
    /// still reported at the flipped byte's line.
    #[test]
    fn flipping_any_byte_fails_at_its_line(pos in any::<proptest::sample::Index>(), mask in 1u8..=255) {
        let mut bytes = FIXTURE.ledger.bytes();
        let pos = pos.index(bytes.len());
        bytes[pos] ^= mask;
        let d = defect(&bytes);
        prop_assert_eq!(d.line, line_of(&bytes, pos), "{}", d);
        prop_assert!(is_content_defect(&d.kind), "{}", d);
    }
}

proptest! {
    #![proptest_config(config(32))]

    /// A changed hex digit of `hash` is a hash mismatch.
    #[test]
    fn a_changed_hash_digit_is_a_hash_mismatch(i in 0..n(), at in 0usize..64, d in 1u8..16) {
        let mut lines = lines();
        let hash = field(&lines[i], "hash");
        let old = u8::from_str_radix(&hash[at..=at], 16).unwrap();
        let new = format!("{:x}", (old + d) % 16);
        let forged = format!("{}{new}{}", &hash[..at], &hash[at + 1..]);
        lines[i] = lines[i].replace(&hash, &forged);
        let d = defect(&join(&lines));
        prop_assert_eq!(d.line, i as u64 + 1);
        prop_assert_eq!(d.kind, DefectKind::Hash { computed: hash, stored: forged });
    }

    /// A changed base64 character of `sig` (any but the last, whose low bits must be zero) is a bad
    /// signature under the record's own signer.
    #[test]
    fn a_changed_signature_character_is_a_bad_signature(i in 0..n(), at in 0usize..85, d in 1usize..64) {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut lines = lines();
        let sig = field(&lines[i], "sig");
        let old = ALPHABET.iter().position(|&c| c == sig.as_bytes()[at]).unwrap();
        let new = ALPHABET[(old + d) % 64] as char;
        let forged = format!("{}{new}{}", &sig[..at], &sig[at + 1..]);
        lines[i] = lines[i].replace(&sig, &forged);
        let d = defect(&join(&lines));
        prop_assert_eq!(d.line, i as u64 + 1);
        prop_assert_eq!(d.kind, DefectKind::Signature(field(&lines[i], "signer")));
    }

    /// Rewriting the event (here: one letter of its JSON text) without re-signing is caught by the
    /// hash, or by the event schema when the new text is no longer a valid event (a field name, an enum
    /// value, the type), by the canonical form (a renamed field out of order), or by the parser (the `e`
    /// of an exponent, a `true`). Never by anything later: the line is not a record any more.
    #[test]
    fn a_changed_event_letter_is_a_hash_or_schema_defect(i in 0..n(), pick in any::<proptest::sample::Index>(), d in 1u8..26) {
        let mut lines = lines();
        let line = lines[i].clone().into_bytes();
        let event_end = line.len() - line.windows(8).rev().position(|w| w == b",\"hash\":").unwrap() - 8;
        let letters: Vec<usize> = (9..event_end).filter(|&p| line[p].is_ascii_lowercase()).collect();
        let at = letters[pick.index(letters.len())];
        let mut changed = line.clone();
        changed[at] = b'a' + (line[at] - b'a' + d) % 26;
        lines[i] = String::from_utf8(changed).unwrap();
        let d = defect(&join(&lines));
        prop_assert_eq!(d.line, i as u64 + 1);
        let ok = match &d.kind {
            // A renamed field that no longer sorts where it stands is not canonical.
            DefectKind::Hash { .. } | DefectKind::Malformed(_) | DefectKind::NotCanonical => true,
            // A renamed `type` key: the envelope schema requires the event to have one.
            DefectKind::Event(v) | DefectKind::Envelope(v) => v.pointer.starts_with("/event"),
            _ => false,
        };
        prop_assert!(ok, "{}", d);
    }

    /// Deleting a line: the next line's seq no longer follows. Deleting the last line is not detectable
    /// by verification alone: what is left is a shorter, perfectly valid ledger. Catching that is the job
    /// of checkpoints (a signed tree size and root), not of `verify`; the test pins down that the result
    /// verifies with one record fewer, so nobody mistakes verify's success for completeness.
    #[test]
    fn deleting_a_line(i in 0..n()) {
        let mut lines = lines();
        lines.remove(i);
        if i == n() - 1 {
            let head = verify(&join(&lines)).unwrap();
            prop_assert_eq!(head.records as usize, n() - 1);
            prop_assert_eq!(head.hash, field(&lines[i - 1], "hash"));
        } else {
            let d = defect(&join(&lines));
            prop_assert_eq!(d.line, i as u64 + 1);
            prop_assert_eq!(d.kind, DefectKind::Seq { expected: i as u64, found: i as u64 + 1 });
        }
    }

    /// Duplicating a line: the copy repeats a seq.
    #[test]
    fn duplicating_a_line(i in 0..n()) {
        let mut lines = lines();
        lines.insert(i + 1, lines[i].clone());
        let d = defect(&join(&lines));
        prop_assert_eq!(d.line, i as u64 + 2);
        prop_assert_eq!(d.kind, DefectKind::Seq { expected: i as u64 + 1, found: i as u64 });
    }

    /// Swapping two lines: the earlier position now holds a later seq.
    #[test]
    fn swapping_two_lines(i in 0..n() - 1, pick in any::<proptest::sample::Index>()) {
        let j = i + 1 + pick.index(n() - i - 1);
        let mut lines = lines();
        lines.swap(i, j);
        let d = defect(&join(&lines));
        prop_assert_eq!(d.line, i as u64 + 1);
        prop_assert_eq!(d.kind, DefectKind::Seq { expected: i as u64, found: j as u64 });
    }

    /// Moving one line elsewhere (a general reorder).
    #[test]
    fn moving_a_line(from in 0..n(), to in 0..n()) {
        prop_assume!(from != to);
        let mut lines = lines();
        let line = lines.remove(from);
        lines.insert(to, line);
        let first = from.min(to);
        let d = defect(&join(&lines));
        prop_assert_eq!(d.line, first as u64 + 1);
        let found = if to < from { from } else { from + 1 } as u64;
        prop_assert_eq!(d.kind, DefectKind::Seq { expected: first as u64, found });
    }

    /// Cutting the file anywhere. Inside a line: an incomplete final record at that line. At a line
    /// boundary: a shorter valid ledger (undetectable by `verify` alone, as with deleting the last line;
    /// checkpoints catch it). At zero: an empty ledger.
    #[test]
    fn truncating_the_file(cut in any::<proptest::sample::Index>()) {
        let bytes = FIXTURE.ledger.bytes();
        let cut = cut.index(bytes.len());
        let kept = &bytes[..cut];
        if cut == 0 {
            prop_assert_eq!(defect(kept).kind, DefectKind::Empty);
        } else if kept[cut - 1] == b'\n' {
            let records = kept.iter().filter(|&&b| b == b'\n').count();
            let head = verify(kept).unwrap();
            prop_assert_eq!(head.records as usize, records);
            prop_assert_eq!(head.hash, field(&FIXTURE.ledger.lines[records - 1], "hash"));
        } else {
            let d = defect(kept);
            prop_assert_eq!(d.line, line_of(kept, cut));
            prop_assert_eq!(d.kind, DefectKind::IncompleteFinalRecord);
        }
    }

}

// Each case below re-signs and re-chains up to the whole ledger before verifying it.
proptest! {
    #![proptest_config(config(32))]

    /// A record re-signed (by its own key) with a time earlier than the previous record's.
    #[test]
    fn time_going_backwards(i in 1..n(), back_ms in 1i64..400 * 86_400_000) {
        let lines0 = lines();
        let previous = field(&lines0[i - 1], "time");
        let earlier = fairboard::time::parse(&previous).unwrap() - Duration::milliseconds(back_ms);
        let earlier = fairboard::time::format(earlier);
        let lines = tamper(i, signer_key(&lines0[i]), |m| {
            m.insert("time".into(), earlier.clone().into());
        });
        let d = defect(&join(&lines));
        prop_assert_eq!(d.line, i as u64 + 1);
        prop_assert_eq!(d.kind, DefectKind::TimeBackwards { previous, found: earlier });
    }

    /// A record re-signed with a time later than the next record's: the next record is the one that
    /// goes backwards.
    #[test]
    fn time_jumping_past_the_next_record(i in 1..n() - 1, ahead_ms in 1i64..400 * 86_400_000) {
        let lines0 = lines();
        let next = field(&lines0[i + 1], "time");
        let later = fairboard::time::format(fairboard::time::parse(&next).unwrap() + Duration::milliseconds(ahead_ms));
        let lines = tamper(i, signer_key(&lines0[i]), |m| {
            m.insert("time".into(), later.clone().into());
        });
        let d = defect(&join(&lines));
        prop_assert_eq!(d.line, i as u64 + 2);
        prop_assert_eq!(d.kind, DefectKind::TimeBackwards { previous: later, found: next });
    }

    /// A record re-signed with another seq (a skip, a repeat, anything), later records re-chained.
    #[test]
    fn altered_seq(i in 0..n(), seq in 0u64..1 << 53) {
        prop_assume!(seq != i as u64);
        let lines = tamper(i, signer_key(&lines()[i]), |m| {
            m.insert("seq".into(), seq.into());
        });
        let d = defect(&join(&lines));
        prop_assert_eq!(d.line, i as u64 + 1);
        prop_assert_eq!(d.kind, DefectKind::Seq { expected: i as u64, found: seq });
    }

    /// Every seq from record `i` on shifted up: a gap in the sequence.
    #[test]
    fn a_seq_gap(i in 1..n(), skip in 1u64..1000) {
        let mut lines = lines();
        for line in &mut lines[i..] {
            let seq = serde_json::from_str::<Value>(line).unwrap()["seq"].as_u64().unwrap();
            *line = resign(line, signer_key(line), |m| {
                m.insert("seq".into(), (seq + skip).into());
            });
        }
        rechain(&mut lines, i - 1, &FIXTURE.ledger.keys);
        let d = defect(&join(&lines));
        prop_assert_eq!(d.line, i as u64 + 1);
        prop_assert_eq!(d.kind, DefectKind::Seq { expected: i as u64, found: i as u64 + skip });
    }

    /// A record re-signed with another `prev`, later records re-chained onto it.
    #[test]
    fn altered_prev(i in 0..n(), prev in "[0-9a-f]{64}") {
        let expected = if i == 0 { GENESIS_PREV.to_owned() } else { field(&lines()[i - 1], "hash") };
        prop_assume!(prev != expected);
        let lines = tamper(i, signer_key(&lines()[i]), |m| {
            m.insert("prev".into(), prev.clone().into());
        });
        let d = defect(&join(&lines));
        prop_assert_eq!(d.line, i as u64 + 1);
        prop_assert_eq!(d.kind, DefectKind::Prev { expected, found: prev });
    }

    /// A record validly signed by a key that was never authorised.
    #[test]
    fn signed_by_an_unauthorised_key(i in 1..n()) {
        let stranger = &FIXTURE.keys.stranger;
        let d = defect(&join(&tamper(i, stranger, |_| {})));
        prop_assert_eq!(d.line, i as u64 + 1);
        prop_assert_eq!(d.kind, DefectKind::Unauthorized(AuthError::UnknownSigner(id(stranger))));
    }

    /// A record whose `signer` names an authorised key but whose signature is another key's.
    #[test]
    fn signed_by_another_key_than_the_named_signer(i in 0..n()) {
        let mut lines = lines();
        let v: Value = serde_json::from_str(&lines[i]).unwrap();
        let body = RecordBody {
            seq: v["seq"].as_u64().unwrap(),
            time: v["time"].as_str().unwrap().to_owned(),
            prev: v["prev"].as_str().unwrap().to_owned(),
            signer: v["signer"].as_str().unwrap().to_owned(),
            event: v["event"].clone(),
        };
        lines[i] = body.sign(&FIXTURE.keys.stranger).unwrap().1;
        rechain(&mut lines, i, &FIXTURE.ledger.keys);
        let d = defect(&join(&lines));
        prop_assert_eq!(d.line, i as u64 + 1);
        prop_assert_eq!(d.kind, DefectKind::Signature(v["signer"].as_str().unwrap().to_owned()));
    }

    /// A record validly signed by a key after its revocation (even an event that key used to sign).
    #[test]
    fn signed_by_a_revoked_key(pick in any::<proptest::sample::Index>()) {
        let revoked_at = FIXTURE.revoked_at as usize;
        let i = revoked_at + 1 + pick.index(n() - revoked_at - 1);
        let old = &FIXTURE.keys.meta_old;
        let d = defect(&join(&tamper(i, old, |_| {})));
        prop_assert_eq!(d.line, i as u64 + 1);
        prop_assert_eq!(
            d.kind,
            DefectKind::Unauthorized(AuthError::Revoked { key_id: id(old), revoked_at: revoked_at as u64 })
        );
    }

    /// A provider event validly signed by the other provider's key.
    #[test]
    fn signed_by_another_providers_key(pick in any::<proptest::sample::Index>()) {
        let k = &FIXTURE.keys;
        let after = authorized_at(&k.meta).max(authorized_at(&k.google));
        let candidates = records_where(|i, e| i > after && e["provider"].is_string()
            && ["private_test_started", "private_test_ended", "model_released", "score_retracted"].contains(&e["type"].as_str().unwrap()));
        let i = candidates[pick.index(candidates.len())];
        let claimed = event(&lines()[i])["provider"].as_str().unwrap().to_owned();
        let (key, provider) = if claimed == "meta" { (&k.google, "google") } else { (&k.meta, "meta") };
        let d = defect(&join(&tamper(i, key, |_| {})));
        prop_assert_eq!(d.line, i as u64 + 1);
        prop_assert_eq!(
            d.kind,
            DefectKind::Unauthorized(AuthError::WrongProvider { key_id: id(key), provider: provider.into(), claimed })
        );
    }

    /// An operator-only event validly signed by a provider key.
    #[test]
    fn operator_events_signed_by_a_provider_key(pick in any::<proptest::sample::Index>(), google in any::<bool>()) {
        let k = &FIXTURE.keys;
        let (key, provider) = if google { (&k.google, "google") } else { (&k.meta, "meta") };
        let after = authorized_at(key);
        let candidates = records_where(|i, e| i > after
            && !["private_test_started", "private_test_ended", "model_released", "score_retracted"].contains(&e["type"].as_str().unwrap()));
        let i = candidates[pick.index(candidates.len())];
        let event_type = event(&lines()[i])["type"].as_str().unwrap().to_owned();
        let d = defect(&join(&tamper(i, key, |_| {})));
        prop_assert_eq!(d.line, i as u64 + 1);
        prop_assert_eq!(
            d.kind,
            DefectKind::Unauthorized(AuthError::OperatorOnly { key_id: id(key), provider: provider.into(), event_type })
        );
    }
}

/// A key may sign only from the record after its `key_authorized`, not that record itself.
#[test]
fn a_key_cannot_sign_its_own_authorisation_record() {
    let k = &FIXTURE.keys;
    let at = authorized_at(&k.op2);
    let d = defect(&join(&tamper(at, &k.op2, |_| {})));
    assert_eq!(d.line, at as u64 + 1);
    assert_eq!(d.kind, DefectKind::Unauthorized(AuthError::UnknownSigner(id(&k.op2))));
}

/// Revocation takes effect on the very next record.
#[test]
fn revocation_takes_effect_on_the_next_record() {
    let k = &FIXTURE.keys;
    let at = FIXTURE.revoked_at as usize;
    let d = defect(&join(&tamper(at + 1, &k.meta_old, |m| {
        m.insert("event".into(), json!({"type":"private_test_started","model":"late","provider":"meta"}));
    })));
    assert_eq!(d.line, at as u64 + 2);
    assert_eq!(d.kind, DefectKind::Unauthorized(AuthError::Revoked { key_id: id(&k.meta_old), revoked_at: at as u64 }));
}

// ---- The same through the real binary: exit 1 and a message naming the line and the reason. ----

fn cli_verify(bytes: &[u8]) -> assert_cmd::assert::Assert {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.jsonl");
    std::fs::write(&ledger, bytes).unwrap();
    let prefix = dir.path().join("op");
    std::fs::write(
        common::with_ext(&prefix, "pub"),
        fairboard::crypto::public_key_pem(&FIXTURE.keys.op.verifying_key()).unwrap(),
    )
    .unwrap();
    fairboard().args(["verify", "--ledger"]).arg(&ledger).arg("--trust").arg(common::with_ext(&prefix, "pub")).assert()
}

#[test]
fn cli_verifies_the_fixture() {
    let head = field(&FIXTURE.ledger.lines[n() - 1], "hash");
    cli_verify(&FIXTURE.ledger.bytes()).code(0).stdout(format!("ok: {} records, head {head}\n", n()));
}

#[test]
fn cli_byte_flip() {
    let mut bytes = FIXTURE.ledger.bytes();
    let start: usize = FIXTURE.ledger.lines[..49].iter().map(|l| l.len() + 1).sum();
    bytes[start + 30] ^= 0x01;
    cli_verify(&bytes).code(1).stderr(predicate::str::contains("ledger.jsonl: line 50: "));
}

#[test]
fn cli_deleted_line() {
    let mut lines = lines();
    lines.remove(29);
    cli_verify(&join(&lines)).code(1).stderr(predicate::str::contains("line 30: seq is 30, expected 29"));
}

#[test]
fn cli_torn_and_dropped_tails() {
    let bytes = FIXTURE.ledger.bytes();
    cli_verify(&bytes[..bytes.len() - 10])
        .code(1)
        .stderr(predicate::str::contains(format!("line {}: incomplete final record", n())));
    // Whole final lines dropped: still a valid (shorter) ledger; only a checkpoint can tell.
    let shorter = join(&FIXTURE.ledger.lines[..n() - 3]);
    cli_verify(&shorter).code(0).stdout(predicate::str::starts_with(format!("ok: {} records,", n() - 3)));
}

#[test]
fn cli_time_backwards() {
    let i = 40;
    let lines0 = lines();
    let previous = fairboard::time::parse(&field(&lines0[i - 1], "time")).unwrap();
    let lines = tamper(i, signer_key(&lines0[i]), |m| {
        m.insert("time".into(), fairboard::time::format(previous - Duration::seconds(1)).into());
    });
    cli_verify(&join(&lines)).code(1).stderr(
        predicate::str::contains("line 41: time ")
            .and(predicate::str::contains("is earlier than the previous record's time")),
    );
}

#[test]
fn cli_unauthorised_revoked_and_wrong_provider() {
    let k = &FIXTURE.keys;
    cli_verify(&join(&tamper(20, &k.stranger, |_| {})))
        .code(1)
        .stderr(predicate::str::contains(format!("line 21: signer `{}` is not an authorised key", id(&k.stranger))));
    let i = FIXTURE.revoked_at as usize + 3;
    cli_verify(&join(&tamper(i, &k.meta_old, |_| {}))).code(1).stderr(predicate::str::contains(format!(
        "line {}: signer `{}` was revoked at seq {}",
        i + 1,
        id(&k.meta_old),
        FIXTURE.revoked_at
    )));
    let i = records_where(|i, e| {
        i > FIXTURE.revoked_at as usize && e["type"] == "private_test_started" && e["provider"] == "meta"
    })[0];
    cli_verify(&join(&tamper(i, &k.google, |_| {}))).code(1).stderr(predicate::str::contains(format!(
        "line {}: provider key `{}` of provider `google` signed an event for provider `meta`",
        i + 1,
        id(&k.google)
    )));
}

#[test]
fn cli_json_report_names_line_and_reason() {
    let mut lines = lines();
    lines.swap(10, 11);
    cli_verify(&join(&lines)).code(1).stderr(predicate::str::contains("line 11: seq is 11, expected 10"));
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.jsonl");
    std::fs::write(&ledger, join(&lines)).unwrap();
    let pub_file = dir.path().join("op.pub");
    std::fs::write(&pub_file, fairboard::crypto::public_key_pem(&FIXTURE.keys.op.verifying_key()).unwrap()).unwrap();
    let out = fairboard()
        .args(["verify", "--format", "json", "--ledger"])
        .arg(&ledger)
        .arg("--trust")
        .arg(&pub_file)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let report: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["line"], 11);
    assert_eq!(report["reason"], "seq is 11, expected 10");
}
