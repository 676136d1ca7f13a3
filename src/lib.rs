//! fairboard: a policy-as-code governance engine for public AI-model leaderboards.
//!
//! Module map:
//! - [`canonical`]: RFC 8785 canonical JSON, the only place JSON becomes signed bytes;
//! - [`crypto`]: Ed25519 keys, key ids, strict verification;
//! - [`time`]: RFC 3339 UTC timestamps;
//! - [`schema`]: the JSON Schemas under `schemas/`, compiled once;
//! - [`input`]: reading user-supplied events with precise error locations;
//! - [`ledger`]: records, key authority, streaming verification, init and append;
//! - [`event`]: typed events;
//! - [`facts`]: the aggregates one pass over a ledger builds, which policies read;
//! - [`cli`]: the `fairboard` command line (the binary is a thin wrapper around it).
//!
//! The formats are specified in `docs/` (start with `docs/ledger-format.md`).

pub mod canonical;
pub mod cli;
pub mod crypto;
pub mod event;
pub mod facts;
pub mod input;
pub mod ledger;
pub mod merkle;
pub mod policy;
pub mod report;
pub mod schema;
pub mod time;

pub use ledger::{Head, Record, verify_stream};
