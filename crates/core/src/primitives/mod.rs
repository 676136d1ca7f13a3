//! Primitives: the bottom layer, with no knowledge of ledgers or policies.
//!
//! - [`canonical`]: RFC 8785 canonical JSON, the only place JSON becomes signed bytes;
//! - [`crypto`]: Ed25519 keys (from PEM text or bytes), key ids, strict verification;
//! - [`time`]: RFC 3339 UTC timestamps;
//! - [`limits`]: every bound on untrusted input, with its reason;
//! - [`strict`]: the strict JSON/YAML value reader; [`yaml`]: YAML with locations; [`text`]: lines.

pub mod canonical;
pub mod crypto;
pub mod limits;
pub mod strict;
pub mod text;
pub mod time;
pub mod yaml;
