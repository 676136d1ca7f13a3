//! RFC 8785 JSON Canonicalization Scheme (JCS).
//!
//! Every ledger line is the JCS form of its record and every record hash covers the JCS form of the
//! record body, so this module is the one place where JSON becomes bytes.
//!
//! The writer walks a `serde_json::Value` directly: numbers go through `ryu_js` (ECMAScript's
//! `Number.prototype.toString`, which RFC 8785 §3.2.2.3 adopts), strings through serde_json's own
//! escaper (which escapes exactly what §3.2.2.2 requires: `"`, `\\`, and U+0000..U+001F with the short
//! forms and lowercase `\u00xx`), and object members are ordered by their UTF-16 code units
//! (§3.2.3). It replaces `serde_json_canonicalizer` on the hot path (verify canonicalises every event
//! it reads; that crate re-parses every key and buffers every member, which cost about a tenth of
//! verify's time). That crate stays as the test oracle: a property test checks both agree on
//! arbitrary values, besides the RFC's own vectors below and `vectors/ledger-v1`.

// This code reads bytes from anyone: a bad index must be an error, not a panic.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

use std::cmp::Ordering;

use serde_json::{Map, Value};

/// Why a value has no canonical form.
#[derive(Debug, thiserror::Error)]
pub enum CanonicalError {
    /// The value holds something JCS cannot encode (for example a non-finite number).
    #[error("value has no RFC 8785 canonical form: {0}")]
    Unencodable(String),
}

/// Returns the RFC 8785 canonical form of `value` as UTF-8 text.
pub fn to_canonical_string(value: &Value) -> Result<String, CanonicalError> {
    let mut out = Vec::with_capacity(256);
    write_value(value, &mut out)?;
    String::from_utf8(out).map_err(|e| CanonicalError::Unencodable(e.to_string()))
}

/// Appends the canonical form of `value` to `out`.
fn write_value(value: &Value, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_number(n, out)?,
        Value::String(s) => write_string(s, out)?,
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => write_object(map, out)?,
    }
    Ok(())
}

/// JSON numbers are IEEE 754 doubles in JCS: integers too are written as the double they denote.
fn write_number(n: &serde_json::Number, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    let f = n.as_f64().filter(|f| f.is_finite()).ok_or_else(|| CanonicalError::Unencodable(format!("number {n}")))?;
    out.extend_from_slice(ryu_js::Buffer::new().format_finite(f).as_bytes());
    Ok(())
}

fn write_string(s: &str, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    serde_json::to_writer(out, s).map_err(|e| CanonicalError::Unencodable(e.to_string()))
}

fn write_object(map: &Map<String, Value>, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    out.push(b'{');
    let mut members: Vec<(&String, &Value)> = map.iter().collect();
    // Byte order (what the map usually iterates in) and UTF-16 order differ only for keys with
    // characters beyond the BMP; sorting an already sorted slice is a linear check.
    if !members.is_sorted_by(|a, b| utf16_cmp(a.0, b.0) != Ordering::Greater) {
        members.sort_by(|a, b| utf16_cmp(a.0, b.0));
    }
    for (i, (key, value)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_string(key, out)?;
        out.push(b':');
        write_value(value, out)?;
    }
    out.push(b'}');
    Ok(())
}

/// Orders two strings by their UTF-16 code units (RFC 8785 §3.2.3).
fn utf16_cmp(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.cmp(b);
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jcs(input: &str) -> String {
        let value: Value = serde_json::from_str(input).unwrap();
        to_canonical_string(&value).unwrap()
    }

    /// RFC 8785 §3.2.2 / Appendix: the worked example with numbers, escapes and literals.
    #[test]
    fn rfc8785_section_3_2_2_example() {
        let input = r#"{
            "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
            "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
            "literals": [null, true, false]
        }"#;
        assert_eq!(
            jcs(input),
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
    }

    /// RFC 8785 §3.2.3: property names sort by their UTF-16 code units, not by code points or UTF-8.
    #[test]
    fn rfc8785_utf16_key_order() {
        let input = r#"{
            "\u20ac": "Euro Sign",
            "\r": "Carriage Return",
            "\ufb33": "Hebrew Letter Dalet With Dagesh",
            "1": "One",
            "\ud83d\ude00": "Emoji: Grinning Face",
            "\u0080": "Control",
            "\u00f6": "Latin Small Letter O With Diaeresis"
        }"#;
        assert_eq!(
            jcs(input),
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        );
    }

    /// RFC 8785 Appendix B: IEEE 754 bit patterns and their required ECMAScript serialisation.
    #[test]
    fn rfc8785_appendix_b_number_formatting() {
        let cases: &[(u64, &str)] = &[
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"),
            (0x43143ff3c1cb0959, "1424953923781206.2"),
        ];
        for &(bits, expected) in cases {
            let number = serde_json::Number::from_f64(f64::from_bits(bits)).unwrap();
            let got = to_canonical_string(&Value::Number(number)).unwrap();
            assert_eq!(got, expected, "bits {bits:#018x}");
        }
    }

    /// The ledger-v1 vector's sampling weight `1e-7` must keep its JCS spelling.
    #[test]
    fn small_exponent_keeps_jcs_spelling() {
        assert_eq!(jcs(r#"{"z":1e-7,"a":0.5,"b":3}"#), r#"{"a":0.5,"b":3,"z":1e-7}"#);
    }

    fn arb_json() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let key = prop_oneof![
            "[a-z_]{0,6}",
            "\\PC{0,4}",
            Just("\u{1f600}".to_owned()),
            Just("\u{fb33}".to_owned()),
            Just("\u{e000}".to_owned())
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "\\PC{0,8}".prop_map(Value::String),
            "[\\x00-\\x1f\"\\\\/\\x7f]{0,4}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::vec((key.clone(), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// The writer agrees byte for byte with `serde_json_canonicalizer`, the independent oracle.
        #[test]
        fn agrees_with_the_reference_canonicaliser(value in arb_json()) {
            let ours = to_canonical_string(&value).unwrap();
            let reference = serde_json_canonicalizer::to_string(&value).unwrap();
            proptest::prop_assert_eq!(ours, reference);
        }
    }
}
