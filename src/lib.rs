//! fairboard: a policy-as-code governance engine for public AI-model leaderboards.
//!
//! The crate is layered; a module uses only modules of its own layer or below (checked by
//! `tests/layers.rs`, which reads these sources):
//!
//! ```text
//! adapters      cli · store (ledger, key, pack and plan files; lock; recover; policy test cases)
//!               · import (public Arena data) · sim (the demo arena)
//! ffi           JSON-in / JSON-out twins of the use cases, for bindings
//! render        table · markdown · json · csv over the report models
//! api           use cases: verify · check · what-if · audit · scores, on bytes and readers
//! policy        packs from a script source · sandboxed host (given a clock) · admission · plans
//! stats         Bradley–Terry, intervals, sampling, best-of-N (numbers, no presentation)
//! facts         one pass over verified records
//! merkle        RFC 6962 · signed notes · checkpoints · proofs
//! ledger        schemas · typed events · input · records · key authority · verify · chain writer
//! primitives    canonical JSON · keys from PEM text · time · input limits
//! ```
//!
//! Below the adapters nothing touches the file system, stdin/stdout, the wall clock or a
//! command-line flag. The formats are specified in `docs/` (start with `docs/ledger-format.md`).
//!
//! The facade at the top of this crate re-exports what an integrator needs. Verify a ledger held in
//! memory and check it against the shipped pack:
//!
//! ```
//! use fairboard::{Chain, InputEvent, Options, api, shipped_pack};
//! use ed25519_dalek::SigningKey;
//!
//! let operator = SigningKey::from_bytes(&[7; 32]);
//! let t0 = fairboard::time::parse("2025-03-01T00:00:00Z").unwrap();
//! let (mut chain, first) = Chain::open(&operator, "my-arena", t0).unwrap();
//! let event = serde_json::json!({"type": "provider_registered", "provider": "meta"});
//! let next = chain.prepare(&operator, "events", &[InputEvent { line: 1, event }], None).unwrap();
//! chain.advance(&next);
//! let ledger = format!("{}\n{}\n", first.line, next[0].line);
//!
//! let verified = api::verify(ledger.as_bytes(), &operator.verifying_key(), None).unwrap();
//! assert_eq!(verified.records, 2);
//! let report = api::check(ledger.as_bytes(), &shipped_pack().unwrap(), &Options::default()).unwrap();
//! assert!(!report.fails());
//! ```
//!
//! A pack given as text, its rule inline:
//!
//! ```
//! use fairboard::{Options, api, load_pack, InlineOnly};
//! # use ed25519_dalek::SigningKey;
//! # let operator = SigningKey::from_bytes(&[7; 32]);
//! # let t0 = fairboard::time::parse("2025-03-01T00:00:00Z").unwrap();
//! # let (_, first) = fairboard::Chain::open(&operator, "my-arena", t0).unwrap();
//! # let ledger = format!("{}\n", first.line);
//! let pack = load_pack("inline.yaml", br#"
//! apiVersion: fairboard/v1
//! kind: PolicyPack
//! name: tiny
//! version: 1.0.0
//! rules:
//!   - id: always
//!     severity: warn
//!     rationale: a demonstration
//!     script: 'fn evaluate(facts, params) { [finding("board", "looked at it", [0])] }'
//! "#, &InlineOnly).unwrap();
//! let report = api::check(ledger.as_bytes(), &pack, &Options::default()).unwrap();
//! assert_eq!(report.summary.warn, 1);
//! ```

pub mod api;
#[cfg(feature = "cli")]
pub mod cli;
pub mod facts;
pub mod ffi;
#[cfg(feature = "cli")]
pub mod import;
pub mod ledger;
pub mod merkle;
pub mod policy;
pub mod primitives;
pub mod render;
#[cfg(feature = "cli")]
pub mod sim;
pub mod stats;
#[cfg(feature = "cli")]
pub mod store;

pub use api::audit::AuditReport;
pub use api::report::{PlanReport, Report};
pub use api::{ApiError, ErrorKind, Options, Verified};
pub use facts::{Facts, FactsBuilder};
pub use ledger::input::InputEvent;
pub use ledger::{Chain, Defect, Head, Record, VerifiedRecord, verify_stream};
pub use policy::pack::load_text as load_pack;
pub use policy::shipped::pack as shipped_pack;
pub use policy::source::{InlineOnly, ScriptSource, Scripts};
pub use policy::{Finding, PolicyPack, Severity};
pub use primitives::{canonical, crypto, time};
pub use stats::Scoreboard;

/// Test support: the conformance vectors vendored under `tests/vectors/`.
#[cfg(test)]
pub(crate) mod shared {
    use std::path::PathBuf;

    /// A conformance vector vendored under `tests/vectors/` (always present, so never skipped).
    pub fn vector(rel: &str) -> Result<Option<PathBuf>, String> {
        Ok(Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors").join(rel)))
    }
}
