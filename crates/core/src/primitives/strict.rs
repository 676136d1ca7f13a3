//! A strict reader of user documents (JSON or YAML) into [`serde_json::Value`].
//!
//! `serde_json::Value` keeps the last of two members with the same name and turns a YAML `.nan` into
//! `null`; a signed ledger must not accept such ambiguous or silently changed input. The reader here is a
//! serde visitor, so the format's own parser (serde_json, serde_yaml) does the parsing, with its
//! recursion and alias-expansion limits; the visitor only builds the value and refuses:
//!
//! * an object (mapping) that names a member twice;
//! * a number that is not finite (YAML `.nan`, `.inf`; JSON cannot spell them);
//! * an integer beyond 64 bits (YAML; JSON's parser turns those into doubles, see [`number_survives`]).
//!
//! A refusal carries the JSON pointer of the offending member, built on the way out of the recursion, so
//! reading valid input costs nothing extra.

// This code reads bytes from anyone: a bad index must be an error, not a panic.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

use std::cell::{Cell, RefCell};
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// What the strict reader refused, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// JSON pointer (RFC 6901) of the offending member or value ("" for the whole document).
    pub pointer: String,
    /// What is wrong and what was expected.
    pub message: String,
}

/// A failed strict read: the parser's error (which knows the position) and, when the reader itself
/// refused the input rather than the parser, what and where.
#[derive(Debug)]
pub struct ReadError<E> {
    /// The error the deserializer returned.
    pub error: E,
    /// Set when the input parsed but was refused.
    pub refusal: Option<Refusal>,
}

#[derive(Default)]
struct State {
    /// Path segments (innermost first) and message of a refusal.
    refused: RefCell<Option<(Vec<String>, String)>>,
    /// Numbers seen so far, in document order.
    numbers: Cell<usize>,
    /// Stop at the number with this ordinal (to find its pointer).
    find: Option<usize>,
}

impl State {
    fn refuse<E: de::Error>(&self, message: String) -> E {
        let error = E::custom(&message);
        *self.refused.borrow_mut() = Some((Vec::new(), message));
        error
    }

    /// Called by a container when its member `segment` failed: adds the segment to a refusal's path.
    fn within(&self, segment: impl FnOnce() -> String) {
        if let Some((path, _)) = self.refused.borrow_mut().as_mut() {
            path.push(segment());
        }
    }

    fn number<E: de::Error>(&self) -> Result<(), E> {
        let n = self.numbers.get();
        self.numbers.set(n + 1);
        if self.find == Some(n) { Err(self.refuse("(found)".into())) } else { Ok(()) }
    }

    fn into_refusal(self) -> Option<Refusal> {
        self.refused.into_inner().map(|(mut path, message)| {
            path.reverse();
            let pointer = path.iter().map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1"))).collect();
            Refusal { pointer, message }
        })
    }
}

impl<'de> DeserializeSeed<'de> for &State {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for &State {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.number()?;
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.number()?;
        Ok(Value::Number(v.into()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        match i64::try_from(v) {
            Ok(v) => self.visit_i64(v),
            Err(_) => {
                Err(self.refuse(format!("integer {v} is beyond 64 bits; expected an integer within ±(2^53 − 1)")))
            }
        }
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => {
                Err(self.refuse(format!("integer {v} is beyond 64 bits; expected an integer within ±(2^53 − 1)")))
            }
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.number()?;
        match Number::from_f64(v) {
            Some(n) => Ok(Value::Number(n)),
            None => {
                Err(self.refuse(format!("{v} is not a finite number; expected a finite number (no NaN or infinity)")))
            }
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        loop {
            match seq.next_element_seed(self) {
                Ok(Some(v)) => out.push(v),
                Ok(None) => return Ok(Value::Array(out)),
                Err(e) => {
                    self.within(|| out.len().to_string());
                    return Err(e);
                }
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                let message = format!("duplicate member `{}`: an object may name each member once", bounded(&key));
                let error = self.refuse(message);
                self.within(|| key.clone());
                return Err(error);
            }
            match map.next_value_seed(self) {
                Ok(v) => {
                    out.insert(key, v);
                }
                Err(e) => {
                    self.within(|| key.clone());
                    return Err(e);
                }
            }
        }
        Ok(Value::Object(out))
    }
}

/// At most 64 characters of `s`, for messages.
fn bounded(s: &str) -> String {
    match s.char_indices().nth(64).and_then(|(i, _)| s.get(..i)) {
        Some(head) => format!("{head}…"),
        None => s.to_owned(),
    }
}

/// Reads one value strictly from `deserializer`.
pub fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, ReadError<D::Error>> {
    let state = State::default();
    match (&state).deserialize(deserializer) {
        Ok(v) => Ok(v),
        Err(error) => Err(ReadError { error, refusal: state.into_refusal() }),
    }
}

/// The JSON pointer of the number with ordinal `ordinal` (0-based, in document order) in the document
/// `deserializer` reads, if it gets that far.
pub fn pointer_of_number<'de, D: Deserializer<'de>>(deserializer: D, ordinal: usize) -> Option<String> {
    let state = State { find: Some(ordinal), ..State::default() };
    let found = (&state).deserialize(deserializer).is_err();
    let refusal = state.into_refusal()?;
    (found && refusal.message == "(found)").then_some(refusal.pointer)
}

/// The bare words of JSON text (everything outside strings that is not punctuation or whitespace:
/// numbers, `true`, `false`, `null`, and misspellings such as `NaN` or `Infinity`), with their byte
/// offsets, in document order. This is a scanner, not a parser: it only skips strings.
pub fn bare_words(json: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = json.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.');
    let mut i = 0;
    std::iter::from_fn(move || {
        while let Some(&b) = bytes.get(i) {
            if b == b'"' {
                i += 1;
                while let Some(&c) = bytes.get(i)
                    && c != b'"'
                {
                    i += if c == b'\\' { 2 } else { 1 };
                }
                i += 1;
            } else if word(b) {
                let start = i;
                while bytes.get(i).copied().is_some_and(word) {
                    i += 1;
                }
                // A word is ASCII, so both ends are character boundaries.
                if let Some(w) = json.get(start..i) {
                    return Some((start, w));
                }
            } else {
                i += 1;
            }
        }
        None
    })
}

/// Whether a bare word is a JSON number literal (RFC 8259 grammar).
pub fn is_number_literal(word: &str) -> bool {
    let b = word.strip_prefix('-').unwrap_or(word).as_bytes();
    let (int, mut rest) = leading_digits(b);
    if int == 0 || (int > 1 && b.first() == Some(&b'0')) {
        return false;
    }
    if let Some(frac) = rest.strip_prefix(b".") {
        let (n, after) = leading_digits(frac);
        if n == 0 {
            return false;
        }
        rest = after;
    }
    if let Some(exp) = rest.strip_prefix(b"e").or_else(|| rest.strip_prefix(b"E")) {
        let exp = exp.strip_prefix(b"+").or_else(|| exp.strip_prefix(b"-")).unwrap_or(exp);
        let (n, after) = leading_digits(exp);
        if n == 0 {
            return false;
        }
        rest = after;
    }
    rest.is_empty()
}

/// How many ASCII digits `b` starts with, and the bytes after them.
fn leading_digits(b: &[u8]) -> (usize, &[u8]) {
    let mut rest = b;
    while let [c, after @ ..] = rest
        && c.is_ascii_digit()
    {
        rest = after;
    }
    (b.len() - rest.len(), rest)
}

/// A decimal number as sign, significant digits (no leading or trailing zeros) and exponent: the value
/// is `0.DIGITS × 10^exponent`. Zero has no digits (and its sign is ignored).
#[derive(Debug, PartialEq, Eq)]
struct Decimal {
    negative: bool,
    digits: String,
    exponent: i64,
}

/// Parses a JSON number literal or RFC 8785's spelling of a double (`1e+21`, `1.5e-7`).
fn decimal(literal: &str) -> Decimal {
    let (negative, rest) = match literal.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, literal),
    };
    let (mantissa, exp) = rest.split_once(['e', 'E']).unwrap_or((rest, "0"));
    let exp_negative = exp.starts_with('-');
    let exponent = exp
        .trim_start_matches(['+', '-'])
        .bytes()
        .fold(0i64, |acc, d| acc.saturating_mul(10).saturating_add(i64::from(d.wrapping_sub(b'0'))));
    let exponent = if exp_negative { -exponent } else { exponent };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = format!("{int}{frac}");
    let leading = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_matches('0').to_owned();
    // 0.ALL × 10^(int.len() + exponent); dropping `leading` zeros shifts the point left by as many.
    let exponent = exponent.saturating_add(int.len() as i64).saturating_sub(leading as i64);
    if digits.is_empty() {
        return Decimal { negative: false, digits, exponent: 0 };
    }
    Decimal { negative, digits, exponent }
}

/// Whether a JSON number literal keeps its value through the ledger's canonical form: it is finite as
/// an IEEE 754 double, the spelling RFC 8785 gives that double (ECMAScript's `Number::toString`, the
/// canonical writer's own `ryu_js`) denotes the same decimal number as the literal, and that spelling
/// is not an integer beyond I-JSON's exact range. `0.1` survives (it is written back as `0.1`), and so
/// does `1424953923781206.2` (RFC 8785's own example); `1e400` (infinite), `9007199254740993`
/// (rounded to a neighbouring double), `1e-400` (flushed to zero) and `9007199254740992` (a double
/// in [2^53, 10^21), which RFC 8785 writes as a 16-to-21-digit integer that I-JSON verifiers refuse)
/// do not. Returns the canonical spelling when the number is refused.
pub fn number_survives(literal: &str) -> Result<(), String> {
    let plain = literal.strip_prefix('-').unwrap_or(literal);
    if plain.len() <= 15 && plain.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(()); // below 10^15 < 2^53: exact
    }
    let Ok(x) = literal.parse::<f64>() else { return Err("not a number".into()) };
    if !x.is_finite() {
        return Err(format!("{x}"));
    }
    let spelled = ryu_js::Buffer::new().format_finite(x).to_owned();
    if decimal(&spelled) != decimal(literal) || beyond_exact_integers(x) {
        return Err(spelled);
    }
    Ok(())
}

/// 2^53: the first integer an IEEE 754 double cannot tell from its neighbour.
const EXACT_INTEGER_LIMIT: f64 = 9_007_199_254_740_992.0;

/// Whether RFC 8785 writes `x` as an integer outside I-JSON's exact range ±(2^53 − 1): doubles of
/// magnitude in [2^53, 10^21) are written without an exponent, as 16 to 21 digits.
pub fn beyond_exact_integers(x: f64) -> bool {
    (EXACT_INTEGER_LIMIT..1e21).contains(&x.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Result<Value, Option<Refusal>> {
        read(&mut serde_json::Deserializer::from_str(text)).map_err(|e| e.refusal)
    }

    fn yaml(text: &str) -> Result<Value, Option<Refusal>> {
        read(serde_yaml_ng::Deserializer::from_str(text)).map_err(|e| e.refusal)
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let text = r#"{"a":[1,-2,3.5,"x",true,null,{"b":{}}],"c":18446744073709551615}"#;
        assert_eq!(json(text).unwrap(), serde_json::from_str::<Value>(text).unwrap());
        assert_eq!(yaml("a: [1, x]\nb: ~\n").unwrap(), serde_json::json!({"a":[1,"x"],"b":null}));
    }

    #[test]
    fn duplicate_members_are_refused_with_their_pointer() {
        let r = json(r#"{"type":"x","type":"y"}"#).unwrap_err().unwrap();
        assert_eq!(r.pointer, "/type");
        assert!(r.message.starts_with("duplicate member `type`"), "{}", r.message);
        let r = json(r#"{"a":[{"k":1},{"k":1,"k":2}]}"#).unwrap_err().unwrap();
        assert_eq!(r.pointer, "/a/1/k");
        let r = json(r#"{"w":{"a/b~":1,"a/b~":2}}"#).unwrap_err().unwrap();
        assert_eq!(r.pointer, "/w/a~1b~0");
        let r = yaml("rules:\n  - id: a\n    id: b\n").unwrap_err().unwrap();
        assert_eq!(r.pointer, "/rules/0/id");
        // Syntax errors are the parser's, not refusals.
        assert_eq!(json(r#"{"a":}"#).unwrap_err(), None);
    }

    #[test]
    fn non_finite_and_huge_yaml_numbers_are_refused() {
        for (text, pointer) in [("a: .nan\n", "/a"), ("a: [1, -.inf]\n", "/a/1"), ("a: {b: .Inf}\n", "/a/b")] {
            let r = yaml(text).unwrap_err().unwrap();
            assert_eq!(r.pointer, pointer, "{text}");
            assert!(r.message.contains("not a finite number"), "{}", r.message);
        }
        // YAML reads a float literal that overflows as a string, which a schema then rejects.
        assert_eq!(yaml("a: 1e400\n").unwrap(), serde_json::json!({"a": "1e400"}));
        let r = yaml("a: 123456789012345678901234567890\n").unwrap_err().unwrap();
        assert!(r.message.contains("beyond 64 bits"), "{}", r.message);
    }

    #[test]
    fn finds_the_pointer_of_the_nth_number() {
        let text = r#"{"a":1,"b":[2,{"c":3.5}],"d":4}"#;
        let at = |n| pointer_of_number(&mut serde_json::Deserializer::from_str(text), n);
        assert_eq!(at(0).as_deref(), Some("/a"));
        assert_eq!(at(2).as_deref(), Some("/b/1/c"));
        assert_eq!(at(3).as_deref(), Some("/d"));
        assert_eq!(at(4), None);
    }

    #[test]
    fn scans_bare_words_outside_strings() {
        let words: Vec<&str> = bare_words(r#"{"n\"1 2":[NaN,-Infinity,1e5,true],"x":"3"}"#).map(|(_, w)| w).collect();
        assert_eq!(words, ["NaN", "-Infinity", "1e5", "true"]);
        assert!(is_number_literal("-0.5e+10") && is_number_literal("0") && is_number_literal("123"));
        assert!(!is_number_literal("01") && !is_number_literal("1.") && !is_number_literal("NaN"));
        assert!(!is_number_literal("-Infinity") && !is_number_literal("1e") && !is_number_literal("+1"));
    }

    #[test]
    fn numbers_survive_only_if_canonical_form_keeps_their_value() {
        for ok in ["0", "-0", "0.1", "1e2", "100", "1E+2", "0.10", "1287.4321", "1e-7", "1e30", "9007199254740991"] {
            assert_eq!(number_survives(ok), Ok(()), "{ok}");
        }
        for bad in [
            "1e400",
            "-1e400",
            "123456789012345678901234567890",
            "9007199254740993",
            "1e-400",
            "1.00000000000000000001",
        ] {
            assert!(number_survives(bad).is_err(), "{bad}");
        }
        assert_eq!(number_survives("123456789012345678901234567890"), Err("1.2345678901234568e+29".into()));
    }

    #[test]
    fn the_check_spells_numbers_as_the_canonical_writer_does() {
        // RFC 8785 Appendix B: this is the canonical spelling of its double, so it is accepted; its
        // neighbour literal names the same double but would be signed differently.
        assert_eq!(number_survives("1424953923781206.2"), Ok(()));
        assert_eq!(number_survives("1424953923781206.3"), Err("1424953923781206.2".into()));
        assert_eq!(number_survives("1e21"), Ok(()));
        assert_eq!(number_survives("5e-324"), Ok(()));
    }

    #[test]
    fn integers_beyond_i_json_exact_range_are_refused() {
        for ok in ["9007199254740991", "-9007199254740991", "1e21", "-1.5e300", "4503599627370495.5"] {
            assert_eq!(number_survives(ok), Ok(()), "{ok}");
        }
        for refused in ["9007199254740992", "-9007199254740992", "1e20", "1e16", "9007199254740992.0"] {
            assert!(number_survives(refused).is_err(), "{refused}");
        }
    }
}
