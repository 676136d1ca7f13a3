//! Reading events that users hand to fairboard: one JSON object, or JSON Lines of several.
//!
//! Every event is validated against its schema here, before anything is signed. Errors name the
//! file, the line where the offending event starts, and the JSON pointer inside it.

pub use crate::primitives::strict;

use serde_json::Value;
use serde_json::value::RawValue;

use crate::ledger::schema::{SchemaError, Violation, schemas};

pub use crate::primitives::limits::{MAX_INPUT_BYTES, MAX_LINE_BYTES};

/// An event read from input, with the line it starts on.
#[derive(Debug, Clone)]
pub struct InputEvent {
    /// 1-based line of the event's first character.
    pub line: u64,
    /// The event object.
    pub event: Value,
}

/// Bad events input (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be read.
    #[error("{file}: {source}")]
    Io {
        /// The input's name.
        file: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The input is larger than [`MAX_INPUT_BYTES`].
    #[error("{file}: input larger than {MAX_INPUT_BYTES} bytes")]
    TooLarge {
        /// The input's name.
        file: String,
    },
    /// A line is longer than [`MAX_LINE_BYTES`].
    #[error(
        "{file}:{line}: line longer than {MAX_LINE_BYTES} bytes; expected one event per line, each small enough \
         for a ledger record"
    )]
    LineTooLong {
        /// The input's name.
        file: String,
        /// The line.
        line: u64,
    },
    /// The input is not UTF-8.
    #[error("{file}:{line}: not valid UTF-8")]
    NotUtf8 {
        /// The input's name.
        file: String,
        /// Line of the first invalid byte.
        line: u64,
    },
    /// The input holds no events.
    #[error("{file}:1: no events (expected one JSON object or JSON Lines of objects)")]
    Empty {
        /// The input's name.
        file: String,
    },
    /// JSON syntax error.
    #[error("{file}:{line}:{column}: malformed JSON: {message}")]
    Syntax {
        /// The input's name.
        file: String,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: u64,
        /// The parser's message.
        message: String,
    },
    /// The JSON parses, but is ambiguous or would change when signed: a member named twice, a number
    /// that is not finite or not exactly representable (see [`strict`]).
    #[error("{file}:{line}:{column}: event at {}: {message}", if pointer.is_empty() { "(root)" } else { pointer.as_str() })]
    Refused {
        /// The input's name.
        file: String,
        /// 1-based line of the offending member or value.
        line: u64,
        /// 1-based column.
        column: u64,
        /// JSON pointer inside the event.
        pointer: String,
        /// What is wrong and what was expected.
        message: String,
    },
    /// An event breaks its schema.
    #[error("{file}:{line}: event at {violation}")]
    Invalid {
        /// The input's name.
        file: String,
        /// Line where the event starts.
        line: u64,
        /// Where and what.
        violation: Violation,
    },
    /// The embedded schemas are broken (a bug).
    #[error(transparent)]
    Schema(#[from] SchemaError),
}

pub use crate::primitives::text::{line_of, newlines};

/// Parses and validates events from an in-memory input named `file`. A leading byte-order mark is
/// skipped; `\r\n` line ends are accepted. Each event is read strictly ([`strict`]): a member named
/// twice, or a number the ledger's canonical form would change, is refused with its JSON pointer.
pub fn parse_events(file: &str, bytes: &[u8]) -> Result<Vec<InputEvent>, InputError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| InputError::NotUtf8 { file: file.to_owned(), line: line_of(bytes, e.valid_up_to()) })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let schemas = schemas()?;
    let mut events = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
    // Lines are counted from the previous event on, never from the top: a batch of many events must
    // not cost a scan of everything before each one.
    let (mut counted_to, mut counted_line) = (0usize, 1u64);
    loop {
        let end_of_previous = stream.byte_offset();
        let rest = text.get(end_of_previous..).unwrap_or_default();
        let start = text.len() - rest.trim_start().len();
        let same_line = text.get(end_of_previous..start).is_some_and(|gap| !gap.contains('\n'));
        if !events.is_empty() && start < text.len() && same_line {
            let (line, column) = position(text, start);
            return Err(InputError::Syntax {
                file: file.to_owned(),
                line,
                column,
                message: "a second JSON value on the same line; expected one event per line (JSON Lines)".into(),
            });
        }
        let Some(next) = stream.next() else { break };
        let at = |offset: usize| {
            let (line, column) = position(text, offset);
            (file.to_owned(), line, column)
        };
        let raw = next.map_err(|e| {
            let offset = offset_of(text, e.line(), e.column());
            match refuse_bad_number(text.get(start..).unwrap_or_default(), offset.saturating_sub(start)) {
                Some(JsonProblem { offset, pointer, message }) => {
                    let (file, line, column) = at(start + offset);
                    InputError::Refused { file, line, column, pointer, message }
                }
                None => InputError::Syntax {
                    file: file.to_owned(),
                    line: e.line() as u64,
                    column: e.column() as u64,
                    message: e.to_string(),
                },
            }
        })?;
        let event = parse_strict(raw.get()).map_err(|p| {
            let (file, line, column) = at(start + p.offset);
            match p.pointer {
                Some(pointer) => InputError::Refused { file, line, column, pointer, message: p.message },
                None => InputError::Syntax { file, line, column, message: p.message },
            }
        })?;
        counted_line += text.as_bytes().get(counted_to..start).map_or(0, newlines);
        counted_to = start;
        let line = counted_line;
        schemas.validate_event(&event).map_err(|violation| InputError::Invalid {
            file: file.to_owned(),
            line,
            violation,
        })?;
        events.push(InputEvent { line, event });
    }
    if events.is_empty() {
        return Err(InputError::Empty { file: file.to_owned() });
    }
    Ok(events)
}

/// Why one JSON document was not read: where (a byte offset into it), the JSON pointer when the JSON
/// parsed but was refused ([`strict`]), and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// Byte offset of the problem in the document.
    pub offset: usize,
    /// JSON pointer of the refused member or value; `None` for a syntax error.
    pub pointer: Option<String>,
    /// What is wrong.
    pub message: String,
}

struct JsonProblem {
    offset: usize,
    pointer: String,
    message: String,
}

/// Parses one JSON document strictly: syntax (serde_json, with its recursion limit), then no member
/// named twice, every number finite and kept exactly by the canonical form ([`strict::number_survives`]).
pub fn parse_strict(json: &str) -> Result<Value, JsonError> {
    let mut de = serde_json::Deserializer::from_str(json);
    let read = strict::read(&mut de)
        .and_then(|v| de.end().map(|()| v).map_err(|error| strict::ReadError { error, refusal: None }));
    let value = match read {
        Ok(v) => v,
        Err(strict::ReadError { error, refusal }) => {
            let offset = offset_of(json, error.line(), error.column());
            if let Some(r) = refusal {
                return Err(JsonError { offset, pointer: Some(r.pointer), message: r.message });
            }
            if let Some(p) = refuse_bad_number(json, offset) {
                return Err(JsonError { offset: p.offset, pointer: Some(p.pointer), message: p.message });
            }
            let message = error.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
            return Err(JsonError { offset, pointer: None, message });
        }
    };
    let numbers = strict::bare_words(json).filter(|(_, w)| strict::is_number_literal(w));
    for (ordinal, (offset, literal)) in numbers.enumerate() {
        if let Err(spelled) = strict::number_survives(literal) {
            let pointer =
                strict::pointer_of_number(&mut serde_json::Deserializer::from_str(json), ordinal).unwrap_or_default();
            return Err(JsonError { offset, pointer: Some(pointer), message: changed_number(literal, &spelled) });
        }
    }
    Ok(value)
}

fn changed_number(literal: &str, spelled: &str) -> String {
    let literal = match literal.get(..64) {
        Some(head) if literal.len() > 64 => format!("{head}…"),
        _ => literal.to_owned(),
    };
    if spelled == "inf" || spelled == "-inf" {
        format!("number {literal} is not finite as an IEEE 754 double; expected a finite number (|x| < 1.8e308)")
    } else if spelled.parse::<f64>().is_ok_and(strict::beyond_exact_integers) {
        format!(
            "number {literal} would be signed as the integer {spelled}, beyond I-JSON's exact range; expected a \
             magnitude below 2^53 (9007199254740992) or of at least 1e21"
        )
    } else {
        format!(
            "number {literal} would be signed as {spelled}; expected a number an IEEE 754 double holds exactly \
             (integers within ±(2^53 − 1), at most 17 significant digits)"
        )
    }
}

/// If parsing `json` failed at `offset` because of a number JSON cannot hold (`NaN`, `Infinity`, `1e400`),
/// the problem with the JSON pointer of that number.
fn refuse_bad_number(json: &str, offset: usize) -> Option<JsonProblem> {
    let mut ordinal = 0;
    for (at, word) in strict::bare_words(json) {
        if at > offset {
            return None;
        }
        if matches!(word, "true" | "false" | "null") {
            continue;
        }
        let finite = word.parse::<f64>().is_ok_and(f64::is_finite);
        if strict::is_number_literal(word) && finite {
            ordinal += 1;
            continue;
        }
        let not_finite = word.parse::<f64>().is_ok_and(|x| !x.is_finite());
        if !not_finite {
            return None;
        }
        // The number's own pointer: the same document up to it, with a plain 0 in its place.
        let patched = format!("{}0", json.get(..at)?);
        let pointer = strict::pointer_of_number(&mut serde_json::Deserializer::from_str(&patched), ordinal)?;
        let message = if strict::is_number_literal(word) {
            changed_number(word, "inf")
        } else {
            let word = word.get(..64).unwrap_or(word);
            format!("`{word}` is not a JSON number; expected a finite number (JSON has no NaN or Infinity)")
        };
        return Some(JsonProblem { offset: at, pointer, message });
    }
    None
}

/// Byte offset of serde_json's 1-based `line` and `column` in `text` (column 0 means the line end before).
/// serde_json counts columns in bytes and may stop inside a multi-byte character; the offset is moved
/// back to that character's start, so callers may slice `text` at it.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        text.bytes().enumerate().filter(|&(_, b)| b == b'\n').nth(line - 2).map_or(text.len(), |(i, _)| i + 1)
    };
    let mut offset = (line_start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// 1-based line and column of byte `offset` in `text`.
fn position(text: &str, offset: usize) -> (u64, u64) {
    let before = text.as_bytes().get(..offset).unwrap_or(text.as_bytes());
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    (line_of(before, before.len()), (before.len() - line_start) as u64 + 1)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice, reason = "tests index fixed fixtures")]
mod tests {
    use super::*;

    #[test]
    fn reads_one_pretty_object_or_json_lines() {
        let one = b"{\n  \"type\": \"provider_registered\",\n  \"provider\": \"meta\"\n}\n";
        assert_eq!(parse_events("f", one).unwrap().len(), 1);
        let lines = b"{\"type\":\"provider_registered\",\"provider\":\"a\"}\n\n{\"type\":\"provider_registered\",\"provider\":\"b\"}\n";
        let events = parse_events("f", lines).unwrap();
        assert_eq!(events.iter().map(|e| e.line).collect::<Vec<_>>(), vec![1, 3]);
        let mixed = [&one[..], &one[..], b"\n\n", &lines[..]].concat();
        let events = parse_events("f", &mixed).unwrap();
        assert_eq!(events.iter().map(|e| e.line).collect::<Vec<_>>(), vec![1, 5, 11, 13]);
    }

    #[test]
    fn errors_name_file_line_and_pointer() {
        let bad = b"{\"type\":\"provider_registered\",\"provider\":\"a\"}\n{\"type\":\"model_registered\",\"model\":\"m\",\"provider\":\"p\",\"license\":\"mit\",\"visibility\":\"public\"}\n";
        let err = parse_events("events.jsonl", bad).unwrap_err().to_string();
        assert!(err.starts_with("events.jsonl:2: event at /license:"), "{err}");
        let syntax = parse_events("e.json", b"{\"type\":\n").unwrap_err().to_string();
        assert!(syntax.starts_with("e.json:"), "{syntax}");
        assert!(matches!(parse_events("e", b"  \n"), Err(InputError::Empty { .. })));
        assert!(matches!(parse_events("e", b"{\"type\":\"x\"}\xff"), Err(InputError::NotUtf8 { .. })));
    }

    fn refused(input: &str) -> (u64, u64, String, String) {
        match parse_events("e", input.as_bytes()) {
            Err(InputError::Refused { line, column, pointer, message, .. }) => (line, column, pointer, message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn duplicate_members_are_refused_with_line_and_pointer() {
        let (line, _, pointer, message) = refused("{\"type\":\"x\",\"type\":\"y\"}");
        assert_eq!((line, pointer.as_str()), (1, "/type"));
        assert!(message.starts_with("duplicate member `type`"), "{message}");
        let nested = "{\"type\":\"provider_registered\",\"provider\":\"a\"}\n{\"type\":\"battles_recorded\",\n\"pairs\":[{\"ties\":0,\"ties\":1}]}";
        let (line, column, pointer, _) = refused(nested);
        assert_eq!((line, column, pointer.as_str()), (3, 25, "/pairs/0/ties"));
    }

    #[test]
    fn numbers_that_would_change_are_refused_with_their_pointer() {
        let event = |w: &str| {
            format!(
                "{{\"type\":\"sampling_set\",\"effective_from\":\"2025-03-05T00:00:00Z\",\"weights\":{{\"a\":1,\"b\":{w}}}}}"
            )
        };
        for (w, expect) in [
            ("NaN", "`NaN` is not a JSON number"),
            ("Infinity", "`Infinity` is not a JSON number"),
            ("-Infinity", "`-Infinity` is not a JSON number"),
            ("1e400", "number 1e400 is not finite"),
            ("123456789012345678901234567890", "would be signed as 1.2345678901234568e+29"),
            ("9007199254740992", "beyond I-JSON's exact range"),
        ] {
            let (line, column, pointer, message) = refused(&event(w));
            assert_eq!((line, column, pointer.as_str()), (1, 85, "/weights/b"), "{w}");
            assert!(message.contains(expect), "{w}: {message}");
        }
        assert_eq!(parse_events("e", event("0.25").as_bytes()).unwrap()[0].event["weights"]["b"], 0.25);
    }

    #[test]
    fn a_bom_is_skipped_and_crlf_line_ends_are_accepted() {
        let input = "\u{feff}{\"type\":\"provider_registered\",\"provider\":\"a\"}\r\n\r\n{\"type\":\"provider_registered\",\"provider\":\"b\"}\r\n";
        let events = parse_events("f", input.as_bytes()).unwrap();
        assert_eq!(events.iter().map(|e| e.line).collect::<Vec<_>>(), vec![1, 3]);
    }

    #[test]
    fn deep_nesting_is_a_syntax_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(parse_events("e", deep.as_bytes()), Err(InputError::Syntax { .. })));
    }

    #[test]
    fn several_values_on_one_line_are_refused_and_empty_input_names_line_one() {
        let two = "{\"type\":\"provider_registered\",\"provider\":\"a\"} {\"type\":\"provider_registered\",\"provider\":\"b\"}\n";
        let err = parse_events("e", two.as_bytes()).unwrap_err();
        assert!(matches!(err, InputError::Syntax { line: 1, column: 47, .. }), "{err}");
        assert!(err.to_string().contains("one event per line"), "{err}");
        let pretty = "{\n  \"type\": \"provider_registered\",\n  \"provider\": \"a\"\n}\n";
        assert_eq!(parse_events("e", pretty.as_bytes()).unwrap().len(), 1, "one JSON object may span lines");
        for empty in ["", "\u{feff}", "\n\n"] {
            let err = parse_events("e", empty.as_bytes()).unwrap_err();
            assert!(err.to_string().starts_with("e:1: no events"), "{err}");
        }
    }
}
