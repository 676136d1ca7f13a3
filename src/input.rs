//! Reading events that users hand to fairboard: one JSON object, or JSON Lines of several.
//!
//! Every event is validated against its schema here, before anything is signed. Errors name the
//! file, the line where the offending event starts, and the JSON pointer inside it.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::schema::{SchemaError, Violation, schemas};

/// The largest events input accepted, in bytes.
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

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
    /// The input is not UTF-8.
    #[error("{file}:{line}: not valid UTF-8")]
    NotUtf8 {
        /// The input's name.
        file: String,
        /// Line of the first invalid byte.
        line: u64,
    },
    /// The input holds no events.
    #[error("{file}: no events (expected one JSON object or JSON Lines of objects)")]
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

/// Reads events from `path`, or from stdin when `path` is `-`, and validates each one.
pub fn read_events(path: &Path) -> Result<Vec<InputEvent>, InputError> {
    let (file, bytes) = read_source(path)?;
    parse_events(&file, &bytes)
}

/// Reads a whole input (a file, or stdin for `-`) up to [`MAX_INPUT_BYTES`].
pub fn read_source(path: &Path) -> Result<(String, Vec<u8>), InputError> {
    let file = if path == Path::new("-") { "<stdin>".to_owned() } else { path.display().to_string() };
    let io = |source| InputError::Io { file: file.clone(), source };
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin().lock().take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes).map_err(io)?;
    } else {
        std::fs::File::open(PathBuf::from(path))
            .map_err(io)?
            .take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
    }
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(InputError::TooLarge { file });
    }
    Ok((file, bytes))
}

/// 1-based line number of byte `offset` in `text`.
pub fn line_of(text: &[u8], offset: usize) -> u64 {
    text[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// Parses and validates events from an in-memory input named `file`.
pub fn parse_events(file: &str, bytes: &[u8]) -> Result<Vec<InputEvent>, InputError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| InputError::NotUtf8 { file: file.to_owned(), line: line_of(bytes, e.valid_up_to()) })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let schemas = schemas()?;
    let mut events = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    loop {
        let start = stream.byte_offset();
        let start = start + text[start..].len() - text[start..].trim_start().len();
        let Some(next) = stream.next() else { break };
        let event = next.map_err(|e| InputError::Syntax {
            file: file.to_owned(),
            line: e.line() as u64,
            column: e.column() as u64,
            message: e.to_string(),
        })?;
        let line = line_of(text.as_bytes(), start);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_pretty_object_or_json_lines() {
        let one = b"{\n  \"type\": \"provider_registered\",\n  \"provider\": \"meta\"\n}\n";
        assert_eq!(parse_events("f", one).unwrap().len(), 1);
        let lines = b"{\"type\":\"provider_registered\",\"provider\":\"a\"}\n\n{\"type\":\"provider_registered\",\"provider\":\"b\"}\n";
        let events = parse_events("f", lines).unwrap();
        assert_eq!(events.iter().map(|e| e.line).collect::<Vec<_>>(), vec![1, 3]);
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

    #[test]
    fn deep_nesting_is_a_syntax_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(parse_events("e", deep.as_bytes()), Err(InputError::Syntax { .. })));
    }
}
