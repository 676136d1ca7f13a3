//! One ledger record: its fields, its hash input and its signature.
//!
//! A record is `{"v":1,"seq","time","prev","signer","event","hash","sig"}`. Its hash is SHA-256 over
//! the domain line [`HASH_DOMAIN`] followed by the RFC 8785 form of the record without `hash` and
//! `sig`; its signature is Ed25519 over the 32 raw hash bytes; its line in the file is the RFC 8785 form
//! of the whole record. docs/ledger-format.md specifies all three.

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::canonical::{CanonicalError, to_canonical_string};
use crate::crypto;

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

impl RecordBody {
    /// The JSON object that is hashed: the record without `hash` and `sig`.
    fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("v".into(), FORMAT_VERSION.into());
        m.insert("seq".into(), self.seq.into());
        m.insert("time".into(), self.time.clone().into());
        m.insert("prev".into(), self.prev.clone().into());
        m.insert("signer".into(), self.signer.clone().into());
        m.insert("event".into(), self.event.clone());
        Value::Object(m)
    }

    /// Hashes and signs the body, producing the record and its canonical line (without the newline).
    pub fn sign(self, key: &SigningKey) -> Result<(Record, String), CanonicalError> {
        let mut value = self.to_value();
        let digest = body_hash(&value)?;
        let hash = crypto::hex(&digest);
        let sig = crypto::sign_b64(key, &digest);
        if let Value::Object(m) = &mut value {
            m.insert("hash".into(), hash.clone().into());
            m.insert("sig".into(), sig.clone().into());
        }
        let line = to_canonical_string(&value)?;
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

/// SHA-256 over [`HASH_DOMAIN`] ‖ JCS(`body`), where `body` is a record object without `hash`/`sig`.
pub fn body_hash(body: &Value) -> Result<[u8; 32], CanonicalError> {
    let canonical = to_canonical_string(body)?;
    let mut hasher = Sha256::new();
    hasher.update(HASH_DOMAIN);
    hasher.update(canonical.as_bytes());
    Ok(hasher.finalize().into())
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
    /// The event's `type` field (empty if absent; verification rejects that earlier).
    pub fn event_type(&self) -> &str {
        self.event.get("type").and_then(Value::as_str).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_input_of_vector_record_6() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/vectors/ledger-v1");
        let (Ok(ledger), Ok(expected)) = (
            std::fs::read_to_string(format!("{dir}/ledger.jsonl")),
            std::fs::read(format!("{dir}/record6-hash-input.bin")),
        ) else {
            eprintln!("skipping: {dir} not present");
            return;
        };
        let line = ledger.lines().nth(6).unwrap();
        let value: Value = serde_json::from_str(line).unwrap();
        let input = hash_input(&value).unwrap();
        assert_eq!(input, expected);
        assert_eq!(crypto::hex(&Sha256::digest(&input)), value["hash"].as_str().unwrap());
    }
}
