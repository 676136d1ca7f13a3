//! Renderers: every way a result is shown, over the report models of [`crate::api`] and the
//! statistics' [`crate::stats::Scoreboard`]. One place for table, Markdown, JSON and CSV, so that
//! numbers and wording agree across them.
//!
//! - [`report`]: check and plan reports; [`audit`]: the audit; [`scores`]: the scoreboard;
//! - [`text`]: the plain-text table; [`json`]: pretty JSON that reports a failure instead of printing "".

pub mod audit;
pub mod json;
pub mod report;
pub mod scores;
pub mod text;

pub use json::RenderError;
