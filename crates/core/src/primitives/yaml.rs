//! YAML read strictly into JSON values, with the line and column of any JSON pointer.
//!
//! Values come from serde_yaml_ng (the maintained fork of the deprecated serde_yaml) through the
//! strict reader ([`super::strict`]); locations come from one marked-yaml parse of the same text,
//! kept in a [`Locator`] so that locating many pointers (every step of a 10,000-step plan) costs one
//! parse, not one per pointer.

// This code reads bytes from anyone: a bad index must be an error, not a panic.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

use serde_json::Value;

use super::limits::{MAX_YAML_BYTES, MAX_YAML_FLOW_DEPTH};

/// Where in which file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// File path as given.
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// JSON pointer into the pack ("" for the whole document).
    pub pointer: String,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.pointer.is_empty() {
            write!(f, ": at {}", self.pointer)?;
        }
        Ok(())
    }
}

/// YAML that cannot be read (a syntax error, or a value the strict reader refuses).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: invalid YAML: {message}")]
pub struct YamlError {
    /// Where.
    pub at: Location,
    /// What is wrong.
    pub message: String,
}

/// Parses YAML text into JSON, with the location of a syntax error. The read is strict
/// ([`crate::primitives::strict`]): a mapping that names a key twice, a `.nan` or `.inf`, or an integer beyond
/// 64 bits is an error at its JSON pointer. serde_yaml_ng bounds nesting depth and alias expansion; size
/// and flow depth are bounded here first ([`MAX_YAML_BYTES`], [`MAX_YAML_FLOW_DEPTH`]).
pub fn to_json(file: &str, text: &str) -> Result<Value, YamlError> {
    let at = |offset: Option<usize>| {
        let line = offset.map_or(0, |o| super::text::line_of(text.as_bytes(), o) as usize);
        Location { file: file.to_owned(), line, column: 0, pointer: String::new() }
    };
    if text.len() > MAX_YAML_BYTES {
        let message = format!("larger than {MAX_YAML_BYTES} bytes; expected a small YAML document");
        return Err(YamlError { at: at(Some(MAX_YAML_BYTES)), message });
    }
    if let Some(offset) = too_deep(text) {
        let message = format!("nested deeper than {MAX_YAML_FLOW_DEPTH} levels of `[` and `{{`");
        return Err(YamlError { at: at(Some(offset)), message });
    }
    crate::primitives::strict::read(serde_yaml_ng::Deserializer::from_str(text)).map_err(|e| {
        let (mut line, mut column) = e.error.location().map_or((0, 0), |l| (l.line(), l.column()));
        let (pointer, message) = match e.refusal {
            Some(r) => {
                // the parser places the error at the enclosing mapping; the member itself is better.
                let (l, c) = Locator::new(text).locate(&r.pointer);
                if l > 0 {
                    (line, column) = (l, c);
                }
                (r.pointer, r.message)
            }
            None => {
                let m = e.error.to_string();
                let mut hint = "";
                if m.starts_with("repetition limit exceeded") {
                    hint = " (aliases expand to too much data; expected a document without alias bombs)";
                    line = first_alias(text).map_or(line, |o| super::text::line_of(text.as_bytes(), o) as usize);
                } else if m.contains("more than one document") {
                    hint = "; expected one YAML document";
                    line = second_document(text).map_or(line, |o| super::text::line_of(text.as_bytes(), o) as usize);
                }
                (String::new(), format!("{m}{hint}"))
            }
        };
        YamlError { at: Location { file: file.to_owned(), line, column, pointer }, message }
    })
}

/// The byte offset of the first alias (`*name` after a space, `[`, `,`, `:`, `-` or a line start),
/// where an alias bomb starts expanding; quoting is ignored, so it may point early, never late.
fn first_alias(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().position(|(i, &b)| {
        let before = i.checked_sub(1).and_then(|j| bytes.get(j)).copied();
        let after = bytes.get(i + 1).copied();
        b == b'*'
            && before.is_none_or(|c| matches!(c, b' ' | b'\t' | b'\n' | b'[' | b',' | b':' | b'-'))
            && after.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
    })
}

/// The byte offset of the line that starts the second YAML document: a `---` line after content, or
/// the second `---` line when the text opens with one.
fn second_document(text: &str) -> Option<usize> {
    let mut offset = 0;
    let mut content = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed.starts_with("--- ") {
            if content {
                return Some(offset);
            }
            content = true;
        } else if !trimmed.is_empty() && !trimmed.starts_with('#') {
            content = true;
        }
        offset += line.len();
    }
    None
}

/// The byte offset where `[`/`{` nesting first exceeds [`MAX_YAML_FLOW_DEPTH`], if it does.
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_YAML_FLOW_DEPTH {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Line and column lookups in one parsed YAML text.
#[derive(Debug)]
pub struct Locator {
    root: Option<marked_yaml::Node>,
}

impl Locator {
    /// Parses `text` once for locations (a text marked-yaml cannot parse locates nothing).
    pub fn new(text: &str) -> Self {
        Self { root: marked_yaml::parse_yaml(0, text).ok() }
    }

    /// The 1-based line and column of the node at `pointer` (the deepest node that exists on its
    /// path; `(0, 0)` if unknown).
    pub fn locate(&self, pointer: &str) -> (usize, usize) {
        let Some(mut node) = self.root.as_ref() else {
            return (0, 0);
        };
        for segment in pointer.split('/').skip(1) {
            let segment = segment.replace("~1", "/").replace("~0", "~");
            let next = match node {
                marked_yaml::Node::Mapping(m) => m.get_node(&segment),
                marked_yaml::Node::Sequence(s) => segment.parse::<usize>().ok().and_then(|i| s.get_node(i)),
                marked_yaml::Node::Scalar(_) => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.span().start().map_or((0, 0), |m| (m.line(), m.column()))
    }
}

/// [`Locator::locate`] for a single lookup.
pub fn locate(text: &str, pointer: &str) -> (usize, usize) {
    Locator::new(text).locate(pointer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_document_yaml_and_alias_bombs_name_a_line() {
        let err = to_json("p.yaml", "a: 1\nb: 2\n---\nc: 3\n").unwrap_err();
        assert_eq!(err.at.line, 3, "{err}");
        let err = to_json("p.yaml", "---\na: 1\n---\nc: 3\n").unwrap_err();
        assert_eq!(err.at.line, 3, "{err}");
        let bomb = include_str!("../../../../tests/fixtures/hostile/alias-bomb.pack.yaml");
        let err = to_json("bomb.yaml", bomb).unwrap_err();
        assert!(err.message.contains("alias") && err.at.line == 7, "{err}");
        let big = "#".repeat(MAX_YAML_BYTES + 10);
        assert_eq!(to_json("big.yaml", &big).unwrap_err().at.line, 1);
    }
}
