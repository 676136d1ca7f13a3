//! Sealed private tests: a provider commits to a variant when its test starts and opens the
//! commitment later, so the public ledger counts every provider's tests at once but names none of
//! them until the reveal (docs/ledger-format.md §5.2).
//!
//! The commitment is `sha256:` + the lowercase hex SHA-256 of the RFC 8785 canonical form of the
//! opening `{"artifact"?, "model", "provider", "salt"}`; the salt is 32 random bytes as 64 lowercase
//! hex digits, so the model name cannot be guessed from the digest. The sealed variant's model id is
//! [`sealed_id`] of the commitment; battles, scores and tests name it by that id until the reveal.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::primitives::canonical::to_canonical_string;

/// The prefix of a sealed variant's model id.
pub const SEALED_PREFIX: &str = "sealed-";

/// Hex digits of the commitment digest a sealed id keeps (96 bits).
pub const SEALED_ID_HEX: usize = 24;

/// What a commitment binds: the variant's model id and provider, the salt, and optionally an
/// artifact (a digest of the weights, or a signed endpoint fingerprint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opening<'a> {
    /// The variant's real model id.
    pub model: &'a str,
    /// Its provider.
    pub provider: &'a str,
    /// 64 lowercase hex digits.
    pub salt: &'a str,
    /// The artifact committed to, if any.
    pub artifact: Option<&'a str>,
}

impl<'a> Opening<'a> {
    /// The opening a `private_test_revealed` event carries (`None` if a member is missing; the
    /// schema requires them).
    pub fn of_event(event: &'a Value) -> Option<Self> {
        Some(Self {
            model: event.get("model")?.as_str()?,
            provider: event.get("provider")?.as_str()?,
            salt: event.get("salt")?.as_str()?,
            artifact: event.get("artifact").and_then(Value::as_str),
        })
    }

    /// The canonical (RFC 8785) text that is hashed.
    pub fn canonical(&self) -> String {
        let mut m = Map::new();
        if let Some(a) = self.artifact {
            m.insert("artifact".into(), a.into());
        }
        m.insert("model".into(), self.model.into());
        m.insert("provider".into(), self.provider.into());
        m.insert("salt".into(), self.salt.into());
        // Strings only: JCS cannot fail on them.
        to_canonical_string(&Value::Object(m)).unwrap_or_default()
    }

    /// `sha256:` + hex of SHA-256 over [`Opening::canonical`].
    pub fn commitment(&self) -> String {
        let digest = Sha256::digest(self.canonical().as_bytes());
        format!("sha256:{}", crate::primitives::crypto::hex(&digest))
    }
}

/// The model id of the variant sealed by `commitment`: `sealed-` + its first 24 hex digits.
pub fn sealed_id(commitment: &str) -> String {
    let hex = commitment.strip_prefix("sha256:").unwrap_or(commitment);
    format!("{SEALED_PREFIX}{}", hex.get(..SEALED_ID_HEX).unwrap_or(hex))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of docs/ledger-format.md §5.2.
    #[test]
    fn the_documented_example() {
        let o = Opening {
            model: "llama-4-x17",
            provider: "meta",
            salt: "0f1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddeeff",
            artifact: Some("sha256:9c1185a5c5e9fc54612808977ee8f548b2258d31a3c9b0b4c3d5c1b6e9f2a7d0"),
        };
        assert_eq!(
            o.canonical(),
            r#"{"artifact":"sha256:9c1185a5c5e9fc54612808977ee8f548b2258d31a3c9b0b4c3d5c1b6e9f2a7d0","model":"llama-4-x17","provider":"meta","salt":"0f1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddeeff"}"#
        );
        let c = o.commitment();
        assert_eq!(c, "sha256:03439345f3e1b88a95f786a31ba3c5d63dc5f84d225ef57d275b8a7d44bf2f90");
        assert_eq!(sealed_id(&c), "sealed-03439345f3e1b88a95f786a3");
        let plain = Opening { artifact: None, ..o };
        assert_ne!(plain.commitment(), c, "the artifact is bound");
        assert_eq!(
            plain.canonical(),
            r#"{"model":"llama-4-x17","provider":"meta","salt":"0f1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddeeff"}"#
        );
    }
}
