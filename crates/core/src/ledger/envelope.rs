//! The fast reading of a record line's envelope: straight into a typed [`Record`], with the rules of
//! `schemas/record.json` checked by hand.
//!
//! Verification spends most of its non-signature time on the envelope when it goes the general way
//! (parse into a `Value`, run the envelope schema, convert to a [`Record`]). Every well-formed line
//! takes this path instead. It only ever *accepts or defers*: whenever a line is anything but plainly
//! valid, it returns `None` and the caller takes the general path, which names the defect. So this
//! path must accept only lines the general path accepts, with the same record; the tests below check
//! that against the schema itself.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::record::{FORMAT_VERSION, Record};

/// The largest `seq` the envelope schema admits (2^53 − 1, the last integer every JSON reader keeps
/// exactly).
const MAX_SEQ: u64 = 9_007_199_254_740_991;

/// The record and its parsed time, if `line` is a plainly valid envelope; `None` to defer.
///
/// The event is not validated here: that is the event schema's work, on either path.
pub fn read(line: &str) -> Option<(Record, DateTime<Utc>)> {
    // A canonical line always opens with its first member, `event`. This also keeps out JSON arrays,
    // which serde would otherwise read into a struct by position.
    if !line.starts_with("{\"event\":") {
        return None;
    }
    let record: Record = serde_json::from_str(line).ok()?;
    let time = envelope_time(&record.time)?;
    let valid = record.v == FORMAT_VERSION
        && record.seq <= MAX_SEQ
        && is_lower_hex(&record.prev, 64)
        && is_lower_hex(&record.hash, 64)
        && is_lower_hex(&record.signer, 16)
        && is_signature_b64(&record.sig)
        && record.event.get("type").is_some_and(Value::is_string);
    valid.then_some((record, time))
}

/// `s` is exactly `len` lowercase hex digits (`^[0-9a-f]{len}$`).
fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `s` matches `^[A-Za-z0-9+/]{85}[AQgw]==$`: padded base64 of exactly 64 bytes.
fn is_signature_b64(s: &str) -> bool {
    let Some((body, tail)) = s.as_bytes().split_first_chunk::<85>() else {
        return false;
    };
    body.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
        && matches!(tail, [b'A' | b'Q' | b'g' | b'w', b'=', b'='])
}

/// The time, if `s` matches the envelope's pattern
/// `^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$` and is a real instant.
///
/// A leap second (`:60`) defers: the schema's `date-time` format and chrono judge those differently,
/// and the general path reports whichever applies.
fn envelope_time(s: &str) -> Option<DateTime<Utc>> {
    // `head` is a fixed-size array: its constant indices below cannot be out of range.
    let (head, tail) = s.as_bytes().split_first_chunk::<19>()?;
    let digits = |d: &[u8]| d.iter().all(u8::is_ascii_digit);
    let shape = digits(&head[0..4])
        && head[4] == b'-'
        && digits(&head[5..7])
        && head[7] == b'-'
        && digits(&head[8..10])
        && head[10] == b'T'
        && digits(&head[11..13])
        && head[13] == b':'
        && digits(&head[14..16])
        && head[16] == b':'
        && digits(&head[17..19])
        && match tail {
            [b'Z'] => true,
            // 1 to 9 fraction digits, as the pattern allows.
            [b'.', fraction @ .., b'Z'] => (1..=9).contains(&fraction.len()) && digits(fraction),
            _ => false,
        };
    if !shape || &head[17..19] == b"60" {
        return None;
    }
    crate::primitives::time::parse(s).ok()
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice, reason = "tests index fixed fixtures")]
mod tests {
    use super::*;
    use crate::ledger::schema::schemas;
    use proptest::prelude::*;

    /// What the general path makes of a line's envelope: the record, if the schema accepts it.
    fn general(line: &str) -> Option<Record> {
        let value: Value = serde_json::from_str(line).ok()?;
        schemas().unwrap().validate_record(&value).ok()?;
        Record::from_json(value).ok()
    }

    const GOOD: &str = concat!(
        r#"{"event":{"type":"x"},"hash":"5d2a4a3b8e1f0c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d","#,
        r#""prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":0,"#,
        r#""sig":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==","#,
        r#""signer":"0123456789abcdef","time":"2025-03-02T09:30:00.25Z","v":1}"#
    );

    /// Fast acceptance implies general acceptance of the same record.
    fn agrees(line: &str) -> Result<(), TestCaseError> {
        if let Some((record, time)) = read(line) {
            let general = general(line);
            prop_assert_eq!(general.as_ref(), Some(&record), "fast path accepted what the schema refuses: {}", line);
            prop_assert_eq!(crate::primitives::time::parse(&record.time).ok(), Some(time));
        }
        Ok(())
    }

    #[test]
    fn a_plain_record_takes_the_fast_path() {
        let (record, _) = read(GOOD).unwrap();
        assert_eq!(Some(record), general(GOOD));
    }

    #[test]
    fn lines_that_are_not_plainly_valid_defer() {
        for (from, to) in [
            (r#""v":1"#, r#""v":2"#),
            (r#""v":1"#, r#""v":1.0"#),
            (r#""seq":0"#, r#""seq":9007199254740992"#),
            (r#""seq":0"#, r#""seq":-1"#),
            ("5d2a", "5D2a"),
            ("0123456789abcdef", "0123456789abcde"),
            ("AA==", "AB=="),
            ("09:30:00.25Z", "09:30:60Z"),
            ("09:30:00.25Z", "09:30:00.Z"),
            ("09:30:00.25Z", "09:30:00.25+00:00"),
            ("2025-03-02", "2025-02-30"),
            (r#"{"type":"x"}"#, r#"{"type":7}"#),
            (r#"{"type":"x"}"#, "{}"),
            (r#","v":1}"#, r#","v":1,"extra":0}"#),
            (r#","v":1}"#, r#","v":1,"v":1}"#),
        ] {
            let line = GOOD.replacen(from, to, 1);
            assert_ne!(line, GOOD, "{from} not found");
            assert!(read(&line).is_none(), "accepted: {line}");
        }
        assert!(read(&format!("[{GOOD}]")).is_none());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Any time string of the pattern's shape, with arbitrary digits: the fast path's verdict
        /// never goes beyond the schema's `date-time` format and pattern.
        #[test]
        fn times_agree_with_the_schema(d in proptest::collection::vec(0u8..10, 14), frac in "(\\.[0-9]{0,10})?",
                                       tail in "(Z|z|\\+00:00|Z\n)") {
            let t = format!("{}{}{}{}-{}{}-{}{}T{}{}:{}{}:{}{}{frac}{tail}",
                d[0], d[1], d[2], d[3], d[4] % 2, d[5], d[6] % 4, d[7], d[8] % 3, d[9], d[10] % 7, d[11], d[12] % 7, d[13]);
            agrees(&GOOD.replace("2025-03-02T09:30:00.25Z", &t))?;
        }

        /// Any one byte of a valid line changed, inserted or removed.
        #[test]
        fn byte_edits_agree_with_the_schema(at in 0usize..GOOD.len(), byte in proptest::sample::select(
            b"0123456789abcdefABCXYZ+/=-:.T\"{}[],\\ \nAQgw".to_vec()), op in 0u8..3) {
            let mut bytes = GOOD.as_bytes().to_vec();
            match op {
                0 => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ => { bytes.remove(at); }
            }
            if let Ok(line) = String::from_utf8(bytes) {
                agrees(&line)?;
            }
        }

        /// Arbitrary values in every envelope member.
        #[test]
        fn member_values_agree_with_the_schema(member in proptest::sample::select(
            vec!["v", "seq", "time", "prev", "signer", "hash", "sig", "event"]),
            value in prop_oneof![
                Just(Value::Null), any::<bool>().prop_map(Value::from), any::<i64>().prop_map(Value::from),
                any::<u64>().prop_map(Value::from), any::<f64>().prop_map(Value::from),
                "[0-9a-fA-F+/=]{0,90}".prop_map(Value::from), "\\PC{0,30}".prop_map(Value::from),
                Just(serde_json::json!({"type": "x", "y": 1})), Just(serde_json::json!(["type"])),
            ]) {
            let mut record: serde_json::Map<String, Value> = serde_json::from_str(GOOD).unwrap();
            record.insert(member.to_owned(), value);
            agrees(&serde_json::to_string(&record).unwrap())?;
        }
    }
}
