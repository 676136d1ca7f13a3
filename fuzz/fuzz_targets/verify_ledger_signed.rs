//! Structure-aware ledger fuzzing. The input is JSON Lines of events; each parseable line is signed
//! into a correct chain (seq, prev, time, hash, signature) after a `ledger_opened`, so the verifier's
//! deeper checks (event schemas, key authority, chain links) see fuzzed content. Then:
//!
//! - oracle: if every event passes the checks `append` makes before signing (schema, no second
//!   `ledger_opened`, key authority), the signed ledger must verify;
//! - the first input byte, when it is not `{`, picks a byte-level mutation of the signed file (flip a
//!   bit, delete a byte, duplicate a line, truncate). Oracle: a ledger that verified must not verify
//!   after a flip, a deletion or a duplicated line; after truncation it verifies exactly when the cut is
//!   at a line end (a shorter, complete ledger).

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The mode is the first byte; the body starts after the first character, which may be wider.
    let (mode, body) = match text.chars().next() {
        Some(c) if !c.is_ascii_whitespace() && c != '{' => (text.as_bytes()[0], &text[c.len_utf8()..]),
        _ => (0, text),
    };
    let events: Vec<Value> = body.lines().take(64).filter_map(|l| serde_json::from_str(l).ok()).collect();
    let (records, ledger) = fairboard_fuzz::sign_ledger(&events);
    let trust = fairboard_fuzz::operator().verifying_key();

    // What `append` would have accepted: the longest prefix that passes its pre-signing checks.
    let Ok(schemas) = fairboard_core::ledger::schema::schemas() else { return };
    let mut authority = fairboard_core::ledger::Authority::genesis(trust);
    let signer = fairboard::crypto::key_id(&trust);
    let mut acceptable = records.len() == events.len() + 1;
    for (i, event) in events.iter().enumerate() {
        let ok = schemas.validate_event(event).is_ok()
            && event.get("type").and_then(Value::as_str) != Some("ledger_opened")
            && authority.authorize(&signer, event).is_ok()
            && authority.apply(i as u64 + 1, event).is_ok();
        if !ok {
            acceptable = false;
            break;
        }
    }
    let verdict = fairboard::verify_stream(std::io::Cursor::new(ledger.as_bytes()), Some(&trust), |_| {});
    if acceptable && let Err(e) = &verdict {
        panic!("a ledger of events append accepts does not verify: {e}");
    }

    if mode == 0 || ledger.is_empty() || verdict.is_err() {
        return;
    }
    let mut bytes = ledger.into_bytes();
    let at = (usize::from(mode) * 7919 + body.len()) % bytes.len();
    let op = mode % 4;
    match op {
        0 => bytes[at] ^= 1 << ((mode / 4) % 8),
        1 => {
            bytes.remove(at);
        }
        2 => {
            let start = bytes[..at].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            let end = bytes[at..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |p| at + p + 1);
            let line = bytes[start..end].to_vec();
            bytes.splice(end..end, line);
        }
        _ => bytes.truncate(at),
    }
    let mutated = fairboard::verify_stream(std::io::Cursor::new(&bytes), Some(&trust), |_| {});
    let should_verify = op == 3 && at > 0 && bytes.last() == Some(&b'\n');
    if mutated.is_ok() != should_verify {
        panic!(
            "mutation {op} at byte {at}: verification returned {:?}, expected ok={should_verify}",
            mutated.map(|h| h.records)
        );
    }
});
