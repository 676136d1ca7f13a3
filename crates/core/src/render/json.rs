//! JSON renderings: pretty-printed, newline-terminated, and an error (never an empty string) if a
//! value cannot be serialised.

use serde::Serialize;

/// A report model could not be serialised (a map key that is not a string, for instance).
#[derive(Debug, thiserror::Error)]
#[error("cannot render the report as JSON: {0}")]
pub struct RenderError(#[from] serde_json::Error);

/// Pretty JSON of `value`, newline-terminated.
pub fn pretty<T: Serialize + ?Sized>(value: &T) -> Result<String, RenderError> {
    let mut s = serde_json::to_string_pretty(value)?;
    s.push('\n');
    Ok(s)
}
