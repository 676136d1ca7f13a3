//! fairboard-core: the part of fairboard that every front end shares, with no file system, clock,
//! process streams or command-line wording inside. The `fairboard` crate (the repository's root)
//! re-exports its domain types and [`api`] as the public facade, and adds the adapters (command
//! line, file store, importers, simulator); the WebAssembly build (`crates/wasm`) uses this crate
//! alone.
//!
//! The crate is layered; a module uses only modules of its own layer or below (checked by
//! `tests/layers.rs` in the root crate, which reads these sources):
//!
//! ```text
//! ffi           JSON-in / JSON-out twins of the use cases, for bindings
//! render        table · markdown · json · csv over the report models
//! api           use cases: verify · check · what-if · audit · scores · verify-proof, on bytes and readers
//! policy        packs from a script source · sandboxed host (given a clock) · admission · plans
//! stats         Bradley–Terry, intervals, sampling, best-of-N (numbers, no presentation)
//! facts         one pass over verified records
//! merkle        RFC 6962 · signed notes · checkpoints · proofs · tiles · cosignatures · witness · tlog-policy
//! ledger        schemas · typed events · input · records · key authority · verify · chain writer
//! primitives    canonical JSON · keys from PEM text · time · input limits · YAML with locations
//! ```
//!
//! Nothing here touches `std::fs`, stdin/stdout, the wall clock or `Instant` (which traps on
//! wasm32): the sandbox's seconds and memory backstops use a [`policy::host::Meter`] the caller passes in. The
//! formats are specified in `docs/` (start with `docs/ledger-format.md`).

pub mod api;
pub mod facts;
pub mod ffi;
pub mod ledger;
pub mod merkle;
pub mod policy;
pub mod primitives;
pub mod render;
pub mod stats;

pub use primitives::{canonical, crypto, time};

/// Test support: the conformance vectors vendored under `tests/vectors/` of the repository.
#[cfg(test)]
pub(crate) mod shared {
    use std::path::PathBuf;

    /// A conformance vector vendored under `tests/vectors/` (always present, so never skipped).
    pub fn vector(rel: &str) -> Result<Option<PathBuf>, String> {
        Ok(Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors").join(rel)))
    }
}
