//! Ed25519 keys: PEM texts, key ids and strict verification (key files are `fairboard::store::keys`).
//!
//! Keys live on disk as PKCS#8 (private) and SPKI (public) PEM, the forms OpenSSL reads and writes, so
//! an operator can inspect them with standard tools. Inside the ledger a key appears as standard base64
//! of its raw 32 bytes and is named by its key id. Verification is always `verify_strict`: it rejects
//! small-order keys and non-canonical signatures on which Ed25519 implementations disagree, so two
//! honest auditors can never reach different verdicts about the same ledger.

// This code reads bytes from anyone: a bad index must be an error, not a panic.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// Key handling failures.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// A key text is not the PEM form expected.
    #[error("not a {expected} Ed25519 key: {detail}")]
    BadPem {
        /// Which PEM form was expected.
        expected: &'static str,
        /// The decoder's complaint.
        detail: String,
    },
    /// A key or signature inside the ledger is not valid base64 of the right length.
    #[error("not standard base64 of {expected} bytes")]
    BadEncoding {
        /// The byte length expected.
        expected: usize,
    },
    /// The bytes do not decode to an Ed25519 public key, or to a small-order (weak) one.
    #[error("not a usable Ed25519 public key (invalid point or small order)")]
    BadKey,
    /// The bytes decode to a point, but are not its canonical encoding (a y coordinate of at least
    /// 2^255 − 19, which names the same point as y − p): two spellings of one key would have two ids.
    #[error("not the canonical encoding of an Ed25519 public key (its y coordinate is not reduced mod 2^255 - 19)")]
    NonCanonicalKey,
}

/// The ledger's name for a public key: lowercase hex of the first 8 bytes of SHA-256(raw key).
pub fn key_id(key: &VerifyingKey) -> String {
    let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
    hex(&digest[..8])
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    // A nibble is below 16, so the lookup never misses (and the compiler drops the check).
    let digit = |nibble: u8| char::from(DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0'));
    let mut out = String::with_capacity(2 * bytes.len());
    for b in bytes {
        out.push(digit(b >> 4));
        out.push(digit(b & 15));
    }
    out
}

/// Standard padded base64 of the raw 32-byte public key, as `ledger_opened` and `key_authorized` hold it.
pub fn public_key_b64(key: &VerifyingKey) -> String {
    B64.encode(key.as_bytes())
}

/// Decodes a ledger public key (standard base64 of 32 raw bytes) and rejects invalid or weak points.
pub fn decode_public_key(b64: &str) -> Result<VerifyingKey, CryptoError> {
    let raw = B64.decode(b64).map_err(|_| CryptoError::BadEncoding { expected: 32 })?;
    let raw: [u8; 32] = raw.try_into().map_err(|_| CryptoError::BadEncoding { expected: 32 })?;
    usable(VerifyingKey::from_bytes(&raw).map_err(|_| CryptoError::BadKey)?)
}

/// A decoded key, refused if it is small-order (weak) or not canonically encoded.
fn usable(key: VerifyingKey) -> Result<VerifyingKey, CryptoError> {
    if key.is_weak() {
        return Err(CryptoError::BadKey);
    }
    if !canonical_y(key.as_bytes()) {
        return Err(CryptoError::NonCanonicalKey);
    }
    Ok(key)
}

/// Whether a compressed Edwards point's y coordinate (the low 255 bits, little-endian) is below
/// p = 2^255 − 19. The non-canonical values are p … 2^255 − 1: top byte `0x7f` (sign bit aside), 30
/// bytes of `0xff`, and a low byte of at least `0xed`. (The other non-canonical form, x = 0 with the
/// sign bit set, only occurs for y = ±1, small-order points refused as weak.)
fn canonical_y(raw: &[u8; 32]) -> bool {
    let [low, middle @ .., high] = raw;
    !(high & 0x7f == 0x7f && middle.iter().all(|b| *b == 0xff) && *low >= 0xed)
}

/// Decodes a record signature (standard base64 of 64 bytes).
pub fn decode_signature(b64: &str) -> Result<Signature, CryptoError> {
    let raw = B64.decode(b64).map_err(|_| CryptoError::BadEncoding { expected: 64 })?;
    let raw: [u8; 64] = raw.try_into().map_err(|_| CryptoError::BadEncoding { expected: 64 })?;
    Ok(Signature::from_bytes(&raw))
}

/// Signs `message` and returns the standard base64 of the signature.
pub fn sign_b64(key: &SigningKey, message: &[u8]) -> String {
    B64.encode(key.sign(message).to_bytes())
}

/// Strict Ed25519 verification (no small-order keys or R, canonical S only).
pub fn verify_strict(key: &VerifyingKey, message: &[u8], signature: &Signature) -> bool {
    key.verify_strict(message, signature).is_ok()
}

/// Reads a PKCS#8 PEM private key from its text.
pub fn signing_key_from_pem(text: &str) -> Result<SigningKey, CryptoError> {
    SigningKey::from_pkcs8_pem(text)
        .map_err(|e| CryptoError::BadPem { expected: "PKCS#8 PEM private", detail: e.to_string() })
}

/// Reads an SPKI PEM public key from its text; small-order (weak) keys are refused.
pub fn verifying_key_from_pem(text: &str) -> Result<VerifyingKey, CryptoError> {
    let key = VerifyingKey::from_public_key_pem(text)
        .map_err(|e| CryptoError::BadPem { expected: "SPKI PEM public", detail: e.to_string() })?;
    usable(key)
}

/// SPKI PEM text of a public key (what `PREFIX.pub` holds).
pub fn public_key_pem(key: &VerifyingKey) -> Result<String, CryptoError> {
    key.to_public_key_pem(LineEnding::LF)
        .map_err(|e| CryptoError::BadPem { expected: "SPKI PEM public", detail: e.to_string() })
}

/// PKCS#8 v1 PEM text of a private key (RFC 8410 without the optional public key: the form OpenSSL
/// 3.0 writes and reads).
pub fn private_key_pem(key: &SigningKey) -> Result<String, CryptoError> {
    let v1 = ed25519_dalek::pkcs8::KeypairBytes { secret_key: key.to_bytes(), public_key: None };
    v1.to_pkcs8_pem(LineEnding::LF)
        .map(|pem| pem.to_string())
        .map_err(|e| CryptoError::BadPem { expected: "PKCS#8 PEM private", detail: e.to_string() })
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice, reason = "tests index fixed fixtures")]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    /// RFC 8032 §7.1 TEST 1, TEST 2, TEST 3 and TEST 1024 (secret key, public key, message, signature).
    #[test]
    fn rfc8032_test_vectors() {
        let cases = [
            (
                "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
                "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
                "",
                "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            ),
            (
                "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
                "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
                "72",
                "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
            ),
            (
                "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
                "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
                "af82",
                "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
            ),
        ];
        for (secret, public, message, signature) in cases {
            let key = SigningKey::from_bytes(&unhex(secret).try_into().unwrap());
            assert_eq!(hex(key.verifying_key().as_bytes()), public);
            let sig_b64 = sign_b64(&key, &unhex(message));
            let sig = decode_signature(&sig_b64).unwrap();
            assert_eq!(hex(&sig.to_bytes()), signature);
            assert!(verify_strict(&key.verifying_key(), &unhex(message), &sig));
            assert!(!verify_strict(&key.verifying_key(), b"other", &sig));
        }
    }

    /// ed25519-speccheck edge cases: our verdict must be `verify_strict`'s (accept case 3 only).
    #[test]
    fn speccheck_cases_follow_verify_strict() {
        let Some(path) = crate::shared::vector("ed25519-speccheck/cases.json").unwrap() else { return };
        let text = std::fs::read_to_string(path).unwrap();
        let cases: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        let mut accepted = Vec::new();
        for (i, case) in cases.iter().enumerate() {
            let msg = unhex(case["message"].as_str().unwrap());
            let key: [u8; 32] = unhex(case["pub_key"].as_str().unwrap()).try_into().unwrap();
            let sig: [u8; 64] = unhex(case["signature"].as_str().unwrap()).try_into().unwrap();
            let ok = VerifyingKey::from_bytes(&key)
                .map(|k| verify_strict(&k, &msg, &Signature::from_bytes(&sig)))
                .unwrap_or(false);
            if ok {
                accepted.push(i);
            }
        }
        assert_eq!(accepted, vec![3]);
    }

    #[test]
    fn key_id_of_vector_operator_key() {
        // operator.key of vectors/ledger-v1 has seed bytes 0..31; its records carry signer 56475aa75463474c.
        let seed: [u8; 32] = std::array::from_fn(|i| i as u8);
        let key = SigningKey::from_bytes(&seed);
        assert_eq!(key_id(&key.verifying_key()), "56475aa75463474c");
        assert_eq!(public_key_b64(&key.verifying_key()), "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=");
    }

    #[test]
    fn weak_keys_are_refused() {
        // The identity point encoding: small order.
        let mut raw = [0u8; 32];
        raw[0] = 1;
        assert!(matches!(decode_public_key(&B64.encode(raw)), Err(CryptoError::BadKey)));
        assert!(matches!(decode_public_key("not base64"), Err(CryptoError::BadEncoding { .. })));
    }

    #[test]
    fn non_canonical_key_encodings_are_refused() {
        // y = p + 3 and y = 3: one point, two spellings, two key ids.
        assert!(matches!(
            decode_public_key("8P///////////////////////////////////////38="),
            Err(CryptoError::NonCanonicalKey)
        ));
        assert!(decode_public_key("AwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").is_ok());
        let mut top = [0xff; 32];
        top[31] = 0x7f;
        top[0] = 0xec; // y = p − 1: the largest canonical value
        assert!(canonical_y(&top));
        top[0] = 0xed; // y = p
        assert!(!canonical_y(&top));
    }
}
