//! Who may sign what, at each point of the ledger.
//!
//! The operator key declared at seq 0 may sign everything. `key_authorized` (operator-signed) adds an
//! operator key or a provider key bound to one provider; `key_revoked` (operator-signed) ends a key for
//! good. A provider key may sign only [`PROVIDER_EVENTS`], and only about its own provider. Changes take
//! effect from the record after the one that makes them.

use std::collections::HashMap;

use ed25519_dalek::VerifyingKey;
use serde_json::Value;

use crate::primitives::crypto;

/// Event types a provider key may sign (each has a `provider` field that must be the key's provider).
pub const PROVIDER_EVENTS: [&str; 5] =
    ["private_test_started", "private_test_ended", "private_test_revealed", "model_released", "score_retracted"];

/// A key's role.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// May sign every event type.
    Operator,
    /// May sign [`PROVIDER_EVENTS`] about this provider only.
    Provider(String),
}

/// Why a signer may not sign an event, or why a key change is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The signer was never authorised.
    #[error("signer `{0}` is not an authorised key")]
    UnknownSigner(String),
    /// The signer was revoked earlier.
    #[error("signer `{key_id}` was revoked at seq {revoked_at}")]
    Revoked {
        /// The key id.
        key_id: String,
        /// Seq of the `key_revoked` record.
        revoked_at: u64,
    },
    /// A provider key signed an event type reserved to operators.
    #[error("provider key `{key_id}` (provider `{provider}`) may not sign `{event_type}` events")]
    OperatorOnly {
        /// The key id.
        key_id: String,
        /// The key's provider.
        provider: String,
        /// The event type.
        event_type: String,
    },
    /// A provider key signed an event about another provider.
    #[error("provider key `{key_id}` of provider `{provider}` signed an event for provider `{claimed}`")]
    WrongProvider {
        /// The key id.
        key_id: String,
        /// The key's provider.
        provider: String,
        /// The provider the event names.
        claimed: String,
    },
    /// `key_authorized` names a key that is not a usable Ed25519 key.
    #[error("`key_authorized` names an unusable key: {0}")]
    BadKey(String),
    /// `key_authorized` names a key id that is already known (active or revoked).
    #[error("key `{0}` was already authorised; a key is authorised once and revocation is final")]
    AlreadyAuthorized(String),
    /// `key_revoked` names a key that is not active.
    #[error("`key_revoked` names key `{0}`, which is not an active key")]
    NotActive(String),
    /// A sealed `private_test_started` reuses a commitment.
    #[error("commitment {commitment} was already used by the private test at seq {seq}")]
    CommitmentReused {
        /// The commitment.
        commitment: String,
        /// Seq of the test that used it first.
        seq: u64,
    },
    /// `private_test_revealed` opens a commitment no test made.
    #[error("`private_test_revealed` opens commitment {0}, which no private_test_started made")]
    UnknownCommitment(String),
    /// `private_test_revealed` opens another provider's commitment.
    #[error("commitment {commitment} was made by provider `{owner}` (seq {seq}), not by `{claimed}`")]
    CommitmentOfAnother {
        /// The commitment.
        commitment: String,
        /// The provider whose test made it.
        owner: String,
        /// Seq of that test.
        seq: u64,
        /// The provider the reveal names.
        claimed: String,
    },
    /// The commitment was opened before.
    #[error("commitment {commitment} was already revealed at seq {seq}")]
    AlreadyRevealed {
        /// The commitment.
        commitment: String,
        /// Seq of the earlier reveal.
        seq: u64,
    },
    /// A reveal names a sealed id as the variant's model.
    #[error("`private_test_revealed` names `{0}`, a sealed id; a reveal gives the variant's real name")]
    RevealsSealedId(String),
    /// `waiver_revoked` names a seq that is not an unrevoked `waiver_granted`.
    #[error(
        "`waiver_revoked` names seq {0}, which is not a waiver in force (no waiver_granted there, or revoked already)"
    )]
    NotAWaiver(u64),
    /// The opening does not hash to the commitment.
    #[error(
        "the opening (model, provider, salt, artifact) hashes to {computed}, not to the commitment {commitment} of seq {seq}"
    )]
    BadOpening {
        /// The commitment.
        commitment: String,
        /// Seq of the test that made it.
        seq: u64,
        /// What the opening hashes to.
        computed: String,
    },
}

/// A sealed test's commitment: who made it, where, and whether it was opened.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Seal {
    provider: String,
    seq: u64,
    revealed: Option<u64>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Entry {
    #[serde(with = "key_b64")]
    key: VerifyingKey,
    role: Role,
    revoked_at: Option<u64>,
}

/// The set of keys and their roles at one point of the ledger. It serialises (to JSON, say) so that a
/// verifier can store it with the head it verified and resume from there ([`super::verify_stream_from`]).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Authority {
    keys: HashMap<String, Entry>,
    seals: HashMap<String, Seal>,
    /// Seqs of `waiver_granted` records, and whether each was revoked.
    waivers: HashMap<u64, bool>,
}

/// A public key as its standard base64, in serialised state.
mod key_b64 {
    use ed25519_dalek::VerifyingKey;
    use serde::{Deserialize as _, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(key: &VerifyingKey, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::primitives::crypto::public_key_b64(key))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<VerifyingKey, D::Error> {
        let text = String::deserialize(d)?;
        crate::primitives::crypto::decode_public_key(&text).map_err(serde::de::Error::custom)
    }
}

impl Authority {
    /// Every key known, revoked ones too (the candidates a record's signer id may name).
    pub fn keys(&self) -> impl Iterator<Item = &VerifyingKey> {
        self.keys.values().map(|e| &e.key)
    }

    /// The authority after seq 0: only the declared operator key.
    pub fn genesis(operator: VerifyingKey) -> Self {
        let mut keys = HashMap::new();
        keys.insert(crypto::key_id(&operator), Entry { key: operator, role: Role::Operator, revoked_at: None });
        Self { keys, seals: HashMap::new(), waivers: HashMap::new() }
    }

    /// Returns the key that must have signed `event` if `signer` may sign it.
    pub fn authorize(&self, signer: &str, event: &Value) -> Result<&VerifyingKey, AuthError> {
        let entry = self.keys.get(signer).ok_or_else(|| AuthError::UnknownSigner(signer.to_owned()))?;
        if let Some(revoked_at) = entry.revoked_at {
            return Err(AuthError::Revoked { key_id: signer.to_owned(), revoked_at });
        }
        if let Role::Provider(provider) = &entry.role {
            let event_type = event.get("type").and_then(Value::as_str).unwrap_or("");
            if !PROVIDER_EVENTS.contains(&event_type) {
                return Err(AuthError::OperatorOnly {
                    key_id: signer.to_owned(),
                    provider: provider.clone(),
                    event_type: event_type.to_owned(),
                });
            }
            let claimed = event.get("provider").and_then(Value::as_str).unwrap_or("");
            if claimed != provider {
                return Err(AuthError::WrongProvider {
                    key_id: signer.to_owned(),
                    provider: provider.clone(),
                    claimed: claimed.to_owned(),
                });
            }
        }
        Ok(&entry.key)
    }

    /// Applies the key changes an (already authorised) event at `seq` makes, records and checks
    /// sealed tests' commitments (only the provider whose test made a commitment may open it, once,
    /// with an opening that hashes to it, [`super::seal`]), and checks that a `waiver_revoked` ends
    /// a waiver in force.
    pub fn apply(&mut self, seq: u64, event: &Value) -> Result<(), AuthError> {
        match event.get("type").and_then(Value::as_str) {
            Some("private_test_started") => {
                let (Some(commitment), Some(provider)) =
                    (event.get("commitment").and_then(Value::as_str), event.get("provider").and_then(Value::as_str))
                else {
                    return Ok(());
                };
                if let Some(seal) = self.seals.get(commitment) {
                    return Err(AuthError::CommitmentReused { commitment: commitment.to_owned(), seq: seal.seq });
                }
                self.seals.insert(commitment.to_owned(), Seal { provider: provider.to_owned(), seq, revealed: None });
                Ok(())
            }
            Some("private_test_revealed") => {
                let commitment = event.get("commitment").and_then(Value::as_str).unwrap_or("");
                let claimed = event.get("provider").and_then(Value::as_str).unwrap_or("");
                let seal = self
                    .seals
                    .get_mut(commitment)
                    .ok_or_else(|| AuthError::UnknownCommitment(commitment.to_owned()))?;
                if seal.provider != claimed {
                    return Err(AuthError::CommitmentOfAnother {
                        commitment: commitment.to_owned(),
                        owner: seal.provider.clone(),
                        seq: seal.seq,
                        claimed: claimed.to_owned(),
                    });
                }
                let model = event.get("model").and_then(Value::as_str).unwrap_or("");
                if model.starts_with(super::seal::SEALED_PREFIX) {
                    return Err(AuthError::RevealsSealedId(model.to_owned()));
                }
                if let Some(at) = seal.revealed {
                    return Err(AuthError::AlreadyRevealed { commitment: commitment.to_owned(), seq: at });
                }
                let computed = super::seal::Opening::of_event(event).map(|o| o.commitment()).unwrap_or_default();
                if computed != commitment {
                    return Err(AuthError::BadOpening { commitment: commitment.to_owned(), seq: seal.seq, computed });
                }
                seal.revealed = Some(seq);
                Ok(())
            }
            Some("key_authorized") => {
                let b64 = event.get("key").and_then(Value::as_str).unwrap_or("");
                let key = crypto::decode_public_key(b64).map_err(|e| AuthError::BadKey(e.to_string()))?;
                let id = crypto::key_id(&key);
                if self.keys.contains_key(&id) {
                    return Err(AuthError::AlreadyAuthorized(id));
                }
                let role = match event.get("provider").and_then(Value::as_str) {
                    Some(p) if event.get("role").and_then(Value::as_str) == Some("provider") => {
                        Role::Provider(p.to_owned())
                    }
                    _ => Role::Operator,
                };
                self.keys.insert(id, Entry { key, role, revoked_at: None });
                Ok(())
            }
            Some("waiver_granted") => {
                self.waivers.insert(seq, false);
                Ok(())
            }
            Some("waiver_revoked") => {
                let waiver = event.get("waiver").and_then(Value::as_u64).unwrap_or(u64::MAX);
                match self.waivers.get_mut(&waiver) {
                    Some(revoked) if !*revoked => {
                        *revoked = true;
                        Ok(())
                    }
                    _ => Err(AuthError::NotAWaiver(waiver)),
                }
            }
            Some("key_revoked") => {
                let id = event.get("key_id").and_then(Value::as_str).unwrap_or("");
                match self.keys.get_mut(id) {
                    Some(entry) if entry.revoked_at.is_none() => {
                        entry.revoked_at = Some(seq);
                        Ok(())
                    }
                    _ => Err(AuthError::NotActive(id.to_owned())),
                }
            }
            _ => Ok(()),
        }
    }

    /// The role of an active key, if it is one.
    pub fn role_of(&self, key_id: &str) -> Option<&Role> {
        self.keys.get(key_id).filter(|e| e.revoked_at.is_none()).map(|e| &e.role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;
    use serde_json::json;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    #[test]
    fn provider_keys_sign_only_their_own_provider_events() {
        let op = key(1);
        let prov = key(2);
        let mut auth = Authority::genesis(op.verifying_key());
        let pid = crypto::key_id(&prov.verifying_key());
        assert!(matches!(
            auth.authorize(&pid, &json!({"type":"private_test_started"})),
            Err(AuthError::UnknownSigner(_))
        ));
        auth.apply(1, &json!({"type":"key_authorized","key":crypto::public_key_b64(&prov.verifying_key()),"role":"provider","provider":"meta"}))
            .unwrap();
        auth.authorize(&pid, &json!({"type":"private_test_started","model":"m","provider":"meta"})).unwrap();
        assert!(matches!(
            auth.authorize(&pid, &json!({"type":"private_test_started","model":"m","provider":"google"})),
            Err(AuthError::WrongProvider { .. })
        ));
        assert!(matches!(
            auth.authorize(&pid, &json!({"type":"battles_recorded"})),
            Err(AuthError::OperatorOnly { .. })
        ));
        auth.apply(5, &json!({"type":"key_revoked","key_id":pid})).unwrap();
        assert!(matches!(
            auth.authorize(&pid, &json!({"type":"private_test_started","model":"m","provider":"meta"})),
            Err(AuthError::Revoked { revoked_at: 5, .. })
        ));
        assert!(matches!(auth.apply(6, &json!({"type":"key_revoked","key_id":pid})), Err(AuthError::NotActive(_))));
        let again =
            json!({"type":"key_authorized","key":crypto::public_key_b64(&prov.verifying_key()),"role":"operator"});
        assert!(matches!(auth.apply(7, &again), Err(AuthError::AlreadyAuthorized(_))));
    }
}
