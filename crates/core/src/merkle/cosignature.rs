//! C2SP `tlog-cosignature` v1 with Ed25519: a witness's timestamped statement that a checkpoint is
//! the largest consistent tree it has seen for the log.
//!
//! A cosignature is a signed-note signature line `— <witness name> base64(key id ‖ timestamp ‖ sig)`:
//! the key id is SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4], the timestamp a big-endian u64 of POSIX
//! seconds, and the signature Ed25519 over
//!
//! ```text
//! cosignature/v1
//! time <timestamp>
//! <the checkpoint's note text, every line with its newline>
//! ```
//!
//! Verification is strict Ed25519 (as for every signature fairboard checks).

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

use super::checkpoint::{
    CheckpointError, NoteSignature, SignedNote, check_key_name, format_vkey, parse_vkey, typed_key_id,
};
use crate::primitives::crypto;

/// The signed-note signature type of an Ed25519 cosignature/v1.
pub const SIG_TYPE_COSIGNATURE_V1: u8 = 0x04;
/// Bytes of an Ed25519 cosignature after the key id: timestamp and signature.
const COSIGNATURE_BYTES: usize = 8 + 64;

/// The message a cosignature/v1 signs for note text `text` at `timestamp`.
pub fn message(timestamp: u64, text: &str) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{text}").into_bytes()
}

/// A witness's signing key and name.
pub struct Cosigner {
    name: String,
    key: SigningKey,
}

impl std::fmt::Debug for Cosigner {
    /// The name and key id only: the private key is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cosigner").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Cosigner {
    /// A cosigner named `name` (a valid key name, usually a schema-less URL).
    pub fn new(name: &str, key: SigningKey) -> Result<Self, CheckpointError> {
        check_key_name(name)?;
        Ok(Self { name: name.to_owned(), key })
    }

    /// The matching verifier.
    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier::new(&self.name, self.key.verifying_key())
    }

    /// The cosignature line over note text `text` (a checkpoint body) at `timestamp`.
    pub fn cosign(&self, text: &str, timestamp: u64) -> NoteSignature {
        let sig = self.key.sign(&message(timestamp, text)).to_bytes();
        let mut signature = timestamp.to_be_bytes().to_vec();
        signature.extend_from_slice(&sig);
        NoteSignature {
            name: self.name.clone(),
            key_id: typed_key_id(&self.name, SIG_TYPE_COSIGNATURE_V1, &self.key.verifying_key()),
            signature,
        }
    }
}

/// A witness's public key and name, as a verifier policy names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignatureVerifier {
    name: String,
    key_id: [u8; 4],
    key: VerifyingKey,
}

impl CosignatureVerifier {
    /// The verifier of `name`'s cosignatures under `key`.
    pub fn new(name: &str, key: VerifyingKey) -> Self {
        Self { name: name.to_owned(), key_id: typed_key_id(name, SIG_TYPE_COSIGNATURE_V1, &key), key }
    }

    /// Parses a vkey `name+hex(key id)+base64(0x04 ‖ 32-byte key)`.
    pub fn from_vkey(vkey: &str) -> Result<Self, CheckpointError> {
        let (name, key) = parse_vkey(vkey, SIG_TYPE_COSIGNATURE_V1, "an Ed25519 cosignature/v1 key, 0x04")?;
        Ok(Self::new(&name, key))
    }

    /// The vkey string.
    pub fn to_vkey(&self) -> String {
        format_vkey(&self.name, SIG_TYPE_COSIGNATURE_V1, &self.key)
    }

    /// The witness's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The public key.
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Whether a signature line is (by name and key id) this witness's.
    pub fn is_ours(&self, s: &NoteSignature) -> bool {
        s.name == self.name && s.key_id == self.key_id
    }

    /// Checks this witness's cosignatures on `note`: `Ok(Some(timestamp))` of the latest valid one,
    /// `Ok(None)` if it has none, and an error if one of its lines does not verify (a malformed note).
    pub fn verify(&self, note: &SignedNote) -> Result<Option<u64>, CheckpointError> {
        let mut latest = None;
        for s in note.signatures.iter().filter(|s| self.is_ours(s)) {
            let timestamp = self.check(&note.text, s).ok_or_else(|| CheckpointError::BadSignature {
                name: self.name.clone(),
                key_id: crypto::hex(&self.key_id),
            })?;
            latest = latest.max(Some(timestamp));
        }
        Ok(latest)
    }

    /// The timestamp of one cosignature line over `text`, if it verifies.
    fn check(&self, text: &str, s: &NoteSignature) -> Option<u64> {
        let raw: &[u8; COSIGNATURE_BYTES] = s.signature.as_slice().try_into().ok()?;
        let (ts, sig) = raw.split_first_chunk::<8>()?;
        let timestamp = u64::from_be_bytes(*ts);
        if timestamp > i64::MAX as u64 {
            return None;
        }
        let sig: [u8; 64] = sig.try_into().ok()?;
        crypto::verify_strict(&self.key, &message(timestamp, text), &Signature::from_bytes(&sig)).then_some(timestamp)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests index fixed fixtures")]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as B64;

    use super::*;

    /// The checkpoint and cosignature line of the C2SP tlog-cosignature example.
    const SPEC_TEXT: &str = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    const SPEC_LINE: &str = "\u{2014} witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==";

    #[test]
    fn the_spec_example_has_this_layout() {
        // The example line: key id, then the timestamp of the example message (1679315147), then 64 bytes.
        let raw = B64.decode(SPEC_LINE.rsplit(' ').next().unwrap()).unwrap();
        assert_eq!(raw.len(), 4 + 8 + 64);
        assert_eq!(u64::from_be_bytes(raw[4..12].try_into().unwrap()), 1_679_315_147);
        // The spec's signed message for that checkpoint and time, byte for byte.
        assert_eq!(
            message(1_679_315_147, SPEC_TEXT),
            b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        );
        let note = SignedNote::parse(&format!("{SPEC_TEXT}\n{SPEC_LINE}\n")).unwrap();
        assert_eq!(note.signatures[0].to_line(), SPEC_LINE);
    }

    #[test]
    fn cosignatures_verify_and_tampering_is_refused() {
        let w = Cosigner::new("witness.example/w1", SigningKey::from_bytes(&[9; 32])).unwrap();
        let v = w.verifier();
        assert_eq!(CosignatureVerifier::from_vkey(&v.to_vkey()).unwrap(), v);
        let line = w.cosign(SPEC_TEXT, 1_700_000_000);
        assert_eq!(line.signature.len(), 72);
        let mut note = SignedNote { text: SPEC_TEXT.to_owned(), signatures: vec![line.clone()] };
        assert_eq!(v.verify(&note).unwrap(), Some(1_700_000_000));
        // Another witness's view of the same checkpoint is ignored, not an error.
        let other = Cosigner::new("witness.example/w2", SigningKey::from_bytes(&[8; 32])).unwrap();
        assert_eq!(other.verifier().verify(&note).unwrap(), None);
        // A different text, or a changed timestamp, breaks the signature.
        note.text = SPEC_TEXT.replace("20852163", "20852164");
        assert!(v.verify(&note).is_err());
        let mut bumped = line;
        bumped.signature[7] ^= 1;
        let note = SignedNote { text: SPEC_TEXT.to_owned(), signatures: vec![bumped] };
        assert!(v.verify(&note).is_err());
        // A checkpoint key (type 0x01) is not a cosigner key.
        let log_vkey = crate::merkle::NoteVerifier::new("witness.example/w1", *v.key()).unwrap().to_vkey();
        assert!(CosignatureVerifier::from_vkey(&log_vkey).is_err());
    }
}
