//! Renderers: every way a result is shown, over the report models of [`crate::api`] and the
//! statistics' [`crate::stats::Scoreboard`]. One place for table, Markdown, JSON, CSV and HTML, so
//! that numbers and wording agree across them.
//!
//! - [`report`]: check and plan reports; [`audit`]: the audit; [`scores`]: the scoreboard;
//! - [`summary`]: the per-rule summary every form starts with, and the summary-first terminal form;
//! - [`html`]: the self-contained HTML audit report with its charts;
//! - [`format`]: one spelling for intervals, shares and evidence lists; [`escape`]: one escaping
//!   rule per output context;
//! - [`text`]: the plain-text table; [`json`]: pretty JSON that reports a failure instead of printing "".

pub mod audit;
pub mod escape;
pub mod format;
pub mod html;
pub mod json;
pub mod report;
pub mod scores;
pub mod summary;
pub mod text;

pub use json::RenderError;
