//! The ledger format: signed, hash-chained records and everything needed to read and write them in
//! memory (the file store is `fairboard::store`).
//!
//! - [`schema`]: the JSON Schemas under `schemas/`, compiled once;
//! - [`event`]: typed events;
//! - [`input`]: reading user-supplied events with precise error locations;
//! - [`record`]: one record, its hash input and signature;
//! - [`authority`]: which keys may sign which events at each point, and who may open which sealed
//!   commitment; [`seal`]: the commitment of a sealed private test;
//! - [`verify`]: the streaming verifier (with `envelope`, its fast typed reading of well-formed lines);
//! - [`chain`]: the in-memory chain writer that signs events as the next records.

// This code reads bytes from anyone: a bad index must be an error, not a panic.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

pub mod authority;
pub mod chain;
mod envelope;
pub mod event;
pub mod input;
pub mod method;
pub mod record;
pub mod schema;
pub mod seal;
pub mod verify;

pub use authority::{AuthError, Authority, Role};
pub use chain::{Chain, ChainError, Signed};
pub use record::{Record, RecordBody};
pub use verify::{Defect, DefectKind, Head, VerifiedRecord, VerifyError, verify_stream, verify_stream_from};
