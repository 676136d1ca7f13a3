//! Positions in text: the 1-based lines errors name.

/// 1-based line number of byte `offset` in `text`.
pub fn line_of(text: &[u8], offset: usize) -> u64 {
    newlines(&text[..offset.min(text.len())]) + 1
}

/// How many line ends `bytes` holds.
pub fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}
