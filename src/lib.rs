//! fairboard: a policy-as-code governance engine for public AI-model leaderboards.
//!
//! This crate is the facade and the adapters; the layers below them are the member crate
//! `fairboard-core` (`crates/core`), which builds for wasm32 and touches no files. A module uses only
//! modules of its own layer or below (checked by `tests/layers.rs`, which reads both crates' sources):
//!
//! ```text
//! adapters      cli · store (ledger, key, pack and plan files; lock; recover; policy test cases)
//!               · import (public Arena data) · sim (the demo arena)
//!               · tlog (publish and read tlog-tiles logs) · witness (tlog-witness server, push)
//! ─────────────  fairboard-core (crates/core) below this line
//! ffi           JSON-in / JSON-out twins of the use cases, for bindings
//! render        table · markdown · json · csv over the report models
//! api           use cases: verify · check · what-if · audit · scores, on bytes and readers
//! policy        packs from a script source · sandboxed host (given a clock) · admission · plans
//! stats         Bradley–Terry, intervals, sampling, best-of-N (numbers, no presentation)
//! facts         one pass over verified records
//! merkle        RFC 6962 · signed notes · checkpoints · proofs · tiles · cosignatures · witness · tlog-policy
//! ledger        schemas · typed events · input · records · key authority · verify · chain writer
//! primitives    canonical JSON · keys from PEM text · time · input limits
//! ```
//!
//! Below the adapters nothing touches the file system, stdin/stdout, the wall clock or a
//! command-line flag. The formats are specified in `docs/` (start with `docs/ledger-format.md`).
//!
//! The facade re-exports what an integrator needs: the use cases ([`api`]) and their JSON twins
//! ([`ffi`]), the domain types, the file store ([`store`]), the importers and the simulator. Code
//! that needs a lower layer itself (a Merkle tree, the rating fit) depends on `fairboard-core`. Verify a ledger held in
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

// The core's layers, visible inside this crate under their own names so the adapters read
// `crate::ledger::…` as before; only the facade below is public.
pub(crate) use fairboard_core::{facts, ledger, policy, primitives};
#[cfg(feature = "cli")]
pub(crate) use fairboard_core::{merkle, render, stats};

pub use fairboard_core::{api, ffi};

#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
#[cfg(feature = "import")]
pub mod import;
#[cfg(feature = "cli")]
pub mod sim;
#[cfg(feature = "store")]
pub mod store;
#[cfg(feature = "cli")]
pub mod tlog;
#[cfg(feature = "cli")]
pub mod witness;

pub use fairboard_core::api::audit::AuditReport;
pub use fairboard_core::api::report::{PlanReport, Report};
pub use fairboard_core::api::{ApiError, ErrorKind, Options, ProofVerdict, Subject, Verified};
pub use fairboard_core::facts::{Facts, FactsBuilder};
pub use fairboard_core::ledger::event::{Event, License};
pub use fairboard_core::ledger::input::InputEvent;
pub use fairboard_core::ledger::{
    AuthError, Chain, ChainError, Defect, DefectKind, Head, Record, VerifiedRecord, VerifyError, verify_stream,
};
pub use fairboard_core::policy::host::{Meter, SharedMeter};
pub use fairboard_core::policy::pack::load_text as load_pack;
pub use fairboard_core::policy::shipped::pack as shipped_pack;
pub use fairboard_core::policy::source::{InlineOnly, ScriptSource, Scripts};
pub use fairboard_core::policy::{Finding, PolicyPack, Severity};
pub use fairboard_core::render::html::HtmlOptions;
pub use fairboard_core::render::summary::{Shown, TextOptions};
pub use fairboard_core::stats::Scoreboard;
pub use fairboard_core::{canonical, crypto, time};
