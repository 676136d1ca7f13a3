//! One ledger record: its fields, its hash input and its signature.
//!
//! A record is `{"v":1,"seq","time","prev","signer","event","hash","sig"}`. Its hash is SHA-256 over
//! the domain line [`HASH_DOMAIN`] followed by the RFC 8785 form of the record without `hash` and
//! `sig`; its signature is Ed25519 over the 32 raw hash bytes; its line in the file is the RFC 8785 form
//! of the whole record. docs/ledger-format.md specifies all three.

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::primitives::canonical::{CanonicalError, to_canonical_string};
use crate::primitives::crypto;

/// The bytes hashed before a record body, separating record hashes from every other use of SHA-256.
pub const HASH_DOMAIN: &[u8] = b"fairboard/record/v1\n";

/// `prev` of the record at seq 0.
pub const GENESIS_PREV: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The ledger format version this code reads and writes.
pub const FORMAT_VERSION: u64 = 1;

/// A ledger record as it appears on one line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// Format version, always 1.
    pub v: u64,
    /// Position in the ledger, from 0.
    pub seq: u64,
    /// When the record entered the ledger (RFC 3339 UTC with `Z`).
    pub time: String,
    /// The previous record's `hash`, or [`GENESIS_PREV`].
    pub prev: String,
    /// Key id of the signing key.
    pub signer: String,
    /// The event: a JSON object whose `type` names its schema.
    pub event: Value,
    /// Lowercase hex SHA-256 of the hash input.
    pub hash: String,
    /// Standard base64 Ed25519 signature over the raw hash bytes.
    pub sig: String,
}

/// A record before hashing and signing.
#[derive(Debug, Clone)]
pub struct RecordBody {
    /// Position in the ledger.
    pub seq: u64,
    /// Record time, already formatted.
    pub time: String,
    /// Previous record's hash.
    pub prev: String,
    /// Signer's key id.
    pub signer: String,
    /// The event.
    pub event: Value,
}

/// The canonical (RFC 8785) text of a record around its already-canonical event, with or without
/// `hash` and `sig`, as consecutive pieces (some empty).
///
/// The top-level members sort as `event, hash, prev, seq, sig, signer, time, v`, and every envelope
/// string is plain ASCII that JCS leaves unescaped (hex, base64, an RFC 3339 time: the envelope schema
/// guarantees it when verifying, construction when signing), so concatenation yields exactly JCS of
/// the whole object. A test checks this against the general canonicaliser.
fn envelope_pieces<'a>(
    event_jcs: &'a str,
    seq: &'a str,
    time: &'a str,
    prev: &'a str,
    signer: &'a str,
    seal: Option<(&'a str, &'a str)>,
) -> [&'a str; 17] {
    let (hash, sig) = match seal {
        Some((hash, sig)) => ([",\"hash\":\"", hash, "\""], [",\"sig\":\"", sig, "\""]),
        None => (["", "", ""], ["", "", ""]),
    };
    [
        "{\"event\":",
        event_jcs,
        hash[0],
        hash[1],
        hash[2],
        ",\"prev\":\"",
        prev,
        "\",\"seq\":",
        seq,
        sig[0],
        sig[1],
        sig[2],
        ",\"signer\":\"",
        signer,
        "\",\"time\":\"",
        time,
        "\",\"v\":1}",
    ]
}

/// SHA-256 over [`HASH_DOMAIN`] followed by the canonical body, given as pieces.
fn domain_hash(body: &[&str]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(HASH_DOMAIN);
    for piece in body {
        hasher.update(piece.as_bytes());
    }
    hasher.finalize().into()
}

impl RecordBody {
    /// Hashes and signs the body, producing the record and its canonical line (without the newline).
    pub fn sign(self, key: &SigningKey) -> Result<(Record, String), CanonicalError> {
        let event_jcs = to_canonical_string(&self.event)?;
        let seq = self.seq.to_string();
        let digest = domain_hash(&envelope_pieces(&event_jcs, &seq, &self.time, &self.prev, &self.signer, None));
        let hash = crypto::hex(&digest);
        let sig = crypto::sign_b64(key, &digest);
        let line =
            envelope_pieces(&event_jcs, &seq, &self.time, &self.prev, &self.signer, Some((&hash, &sig))).concat();
        let record = Record {
            v: FORMAT_VERSION,
            seq: self.seq,
            time: self.time,
            prev: self.prev,
            signer: self.signer,
            event: self.event,
            hash,
            sig,
        };
        Ok((record, line))
    }
}

impl Record {
    /// Whether `line` is exactly this record's canonical form, and the hash its body recomputes to.
    /// Neither is built as a whole: the pieces are hashed and compared in place. Requires the envelope
    /// strings to be schema-valid (see `envelope_pieces`).
    pub fn canonical_digest(&self, line: &str) -> Result<(bool, [u8; 32]), CanonicalError> {
        let event_jcs = to_canonical_string(&self.event)?;
        let seq = self.seq.to_string();
        let digest = domain_hash(&envelope_pieces(&event_jcs, &seq, &self.time, &self.prev, &self.signer, None));
        let seal = Some((self.hash.as_str(), self.sig.as_str()));
        let pieces = envelope_pieces(&event_jcs, &seq, &self.time, &self.prev, &self.signer, seal);
        let rest = pieces.iter().try_fold(line, |rest, piece| rest.strip_prefix(piece));
        Ok((rest == Some(""), digest))
    }
}

/// The exact bytes a record's hash covers (domain line and canonical body), for independent checks.
pub fn hash_input(record: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut body = record.clone();
    if let Value::Object(m) = &mut body {
        m.remove("hash");
        m.remove("sig");
    }
    let mut out = HASH_DOMAIN.to_vec();
    out.extend_from_slice(to_canonical_string(&body)?.as_bytes());
    Ok(out)
}

impl Record {
    /// Builds a record from its parsed line, moving the event rather than copying it (verification
    /// parses every line to a `Value` first, for the schemas). Unknown or missing members are errors.
    pub fn from_json(value: Value) -> Result<Self, serde_json::Error> {
        let Value::Object(mut members) = value else {
            return serde_json::from_value(value);
        };
        let event = members.insert("event".to_owned(), Value::Null);
        let mut record: Self = serde_json::from_value(Value::Object(members))?;
        record.event = event.ok_or_else(|| serde::de::Error::missing_field("event"))?;
        Ok(record)
    }

    /// The event's `type` field (empty if absent; verification rejects that earlier).
    pub fn event_type(&self) -> &str {
        self.event.get("type").and_then(Value::as_str).unwrap_or("")
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice, reason = "tests index fixed fixtures")]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The concatenated envelope is exactly the general canonicaliser's output.
        #[test]
        fn envelope_matches_general_jcs(seq in 0u64..(1u64 << 53), name in "\\PC{0,20}", x in proptest::num::f64::NORMAL,
                                        n in 0u64..1_000_000) {
            let key = SigningKey::from_bytes(&[3; 32]);
            let event = serde_json::json!({"type":"score_disclosed","model":name,"rating":x,"ci_low":x,"ci_high":x,"battles":n});
            let body = RecordBody { seq, time: "2025-03-02T09:30:00.25Z".into(), prev: GENESIS_PREV.into(),
                                    signer: "0011223344556677".into(), event };
            let (record, line) = body.sign(&key).unwrap();
            let value = serde_json::to_value(&record).unwrap();
            prop_assert_eq!(&line, &to_canonical_string(&value).unwrap());
            let input = hash_input(&value).unwrap();
            prop_assert_eq!(crypto::hex(&Sha256::digest(&input)), record.hash.clone());
            prop_assert_eq!(record.canonical_digest(&line).unwrap(), (true, Sha256::digest(&input).into()));
            let spaced = format!("{line} ");
            prop_assert!(!record.canonical_digest(&spaced).unwrap().0);
        }
    }

    #[test]
    fn hash_input_of_vector_record_6() {
        let Some(dir) = crate::shared::vector("ledger-v1").unwrap() else { return };
        let ledger = std::fs::read_to_string(dir.join("ledger.jsonl")).unwrap();
        let expected = std::fs::read(dir.join("record6-hash-input.bin")).unwrap();
        let line = ledger.lines().nth(6).unwrap();
        let value: Value = serde_json::from_str(line).unwrap();
        let input = hash_input(&value).unwrap();
        assert_eq!(input, expected);
        assert_eq!(crypto::hex(&Sha256::digest(&input)), value["hash"].as_str().unwrap());
    }
}
