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
//! - [`sim`]: a deterministic arena simulator (scenarios, a year of battles, a signed demo ledger);
//! - [`stats`]: Bradley–Terry ratings, confidence intervals, active sampling, best-of-N, and the
//!   import of public Arena data;
//! - [`cli`]: the `fairboard` command line (the binary is a thin wrapper around it).
//!
//! The formats are specified in `docs/` (start with `docs/ledger-format.md`).

pub mod audit;
pub mod canonical;
pub mod cli;
pub mod crypto;
pub mod event;
pub mod facts;
pub mod input;
pub mod ledger;
pub mod merkle;
pub mod plan;
pub mod policy;
pub mod report;
pub mod schema;
pub mod sim;
pub mod stats;
pub mod time;

pub use ledger::{Head, Record, verify_stream};

/// Test support: locating the design repository's `shared/` directory (conformance vectors, real
/// Arena data) next to this project.
#[doc(hidden)]
pub mod shared {
    use std::path::PathBuf;

    /// The environment variable that makes a missing `../shared` an error instead of a skip (CI sets it).
    pub const REQUIRE_VAR: &str = "FAIRBOARD_REQUIRE_SHARED";

    /// `../shared/<rel>` if it exists; `Ok(None)` (with a note on stderr) if it does not and
    /// [`REQUIRE_VAR`] is unset, as on a clean clone of this repository alone; an error if it is
    /// required and missing.
    pub fn locate(rel: &str) -> Result<Option<PathBuf>, String> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared").join(rel);
        if path.exists() {
            return Ok(Some(path));
        }
        if std::env::var_os(REQUIRE_VAR).is_some_and(|v| v == "1") {
            return Err(format!("{} is required ({REQUIRE_VAR}=1) but missing", path.display()));
        }
        eprintln!("skipping: {} not present", path.display());
        Ok(None)
    }
}
