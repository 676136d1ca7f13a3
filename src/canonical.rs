//! RFC 8785 JSON Canonicalization Scheme (JCS).
//!
//! Every ledger line is the JCS form of its record and every record hash covers the JCS form of the
//! record body, so this module is the one place where JSON becomes bytes. It wraps
//! `serde_json_canonicalizer` (which reproduces the RFC's vectors and `vectors/ledger-v1`) so that the
//! rest of the crate never picks a serializer by accident.

use serde_json::Value;

/// Why a value has no canonical form.
#[derive(Debug, thiserror::Error)]
pub enum CanonicalError {
    /// The value holds something JCS cannot encode (for example a non-finite number).
    #[error("value has no RFC 8785 canonical form: {0}")]
    Unencodable(String),
}

/// Returns the RFC 8785 canonical form of `value` as UTF-8 text.
pub fn to_canonical_string(value: &Value) -> Result<String, CanonicalError> {
    serde_json_canonicalizer::to_string(value).map_err(|e| CanonicalError::Unencodable(e.to_string()))
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
}
