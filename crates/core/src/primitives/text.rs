//! Positions in text: the 1-based lines errors name.

// This code reads bytes from anyone: a bad index must be an error, not a panic.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

/// 1-based line number of byte `offset` in `text`.
pub fn line_of(text: &[u8], offset: usize) -> u64 {
    newlines(text.get(..offset).unwrap_or(text)) + 1
}

/// How many line ends `bytes` holds.
pub fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}
