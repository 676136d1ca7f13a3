//! Checkpoints: C2SP `tlog-checkpoint` bodies in C2SP signed notes, signed with Ed25519.
//!
//! A checkpoint is the text
//!
//! ```text
//! <origin>\n<tree size in decimal>\n<base64 root hash>\n
//! ```
//!
//! and a signed note is that text, a blank line, and one or more lines
//! `— <key name> <base64(4-byte key id ‖ 64-byte signature)>` (U+2014 em dash). The signature is Ed25519
//! over the note text; the key id is the first four bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte
//! public key). A verifier is configured with a verifier key string `name+hex(key id)+base64(0x01 ‖ key)`.
//! fairboard signs with the ledger's operator key and uses the origin as the key name, so the origin, the
//! signature line and the verifier key all carry the same name.
//!
//! Parsing is strict and bounded: at most [`MAX_NOTE_BYTES`] and [`MAX_SIGNATURES`], UTF-8, no control
//! characters but newlines, canonical base64 and decimal. Verification follows the signed-note rules:
//! signatures from unknown keys are ignored (so witness cosignatures pass through), a signature from the
//! known key must verify, and at least one must.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use super::rfc6962::Hash;
use crate::primitives::crypto;

/// The signed-note signature type byte of Ed25519.
pub const SIG_TYPE_ED25519: u8 = 0x01;
pub use crate::primitives::limits::{MAX_NOTE_BYTES, MAX_SIGNATURES};
/// The line that starts every signature line: em dash (U+2014) and a space.
pub const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// Why a note, checkpoint or verifier key is malformed or does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The note is larger than [`MAX_NOTE_BYTES`].
    #[error("note is larger than {MAX_NOTE_BYTES} bytes")]
    TooLarge,
    /// The note contains a control character other than newline.
    #[error("note line {line}: control character U+{code:04X} (only newlines are allowed)")]
    ControlCharacter {
        /// 1-based line.
        line: usize,
        /// The character.
        code: u32,
    },
    /// The note does not have the text, blank line, signature lines shape.
    #[error("not a signed note: {0}")]
    NoteShape(&'static str),
    /// A signature line is malformed.
    #[error("signature line {line}: {reason}")]
    SignatureLine {
        /// 1-based line within the note.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// More signature lines than [`MAX_SIGNATURES`].
    #[error("more than {MAX_SIGNATURES} signature lines")]
    TooManySignatures,
    /// A key name is empty or contains a space or `+`.
    #[error("key name `{0}` is not allowed: it must be non-empty, without spaces, control characters or `+`")]
    BadKeyName(String),
    /// The checkpoint text is malformed.
    #[error("checkpoint line {line}: {reason}")]
    Body {
        /// 1-based line within the note text.
        line: usize,
        /// What was expected.
        reason: String,
    },
    /// A verifier key string is malformed or inconsistent.
    #[error("verifier key: {0}")]
    BadVerifierKey(String),
    /// No signature line carries the verifier's key name and key id.
    #[error("no signature by key `{name}+{key_id}`")]
    NotSigned {
        /// The expected key name.
        name: String,
        /// The expected key id (hex).
        key_id: String,
    },
    /// A signature line carries the verifier's key name and id but does not verify.
    #[error("signature by key `{name}+{key_id}` does not verify")]
    BadSignature {
        /// The key name.
        name: String,
        /// The key id (hex).
        key_id: String,
    },
    /// The checkpoint's origin is not the verifier's key name.
    #[error("checkpoint origin `{origin}` is not the key name `{key_name}`")]
    OriginMismatch {
        /// The origin line.
        origin: String,
        /// The verifier's key name.
        key_name: String,
    },
}

/// Checks a key name (and so an origin): non-empty, no Unicode spaces, control characters or `+`.
pub fn check_key_name(name: &str) -> Result<(), CheckpointError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control() || c == '+') {
        return Err(CheckpointError::BadKeyName(name.to_owned()));
    }
    Ok(())
}

/// The C2SP signed-note key id of an Ed25519 key: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4].
pub fn key_id(name: &str, key: &VerifyingKey) -> [u8; 4] {
    typed_key_id(name, SIG_TYPE_ED25519, key)
}

/// The signed-note key id of a key of signature type `kind`: SHA-256(name ‖ 0x0A ‖ kind ‖ key)[:4].
pub fn typed_key_id(name: &str, kind: u8, key: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', kind]);
    h.update(key.as_bytes());
    let d: [u8; 32] = h.finalize().into();
    [d[0], d[1], d[2], d[3]]
}

/// Parses a verifier key string `name+hex(key id)+base64(kind ‖ 32-byte Ed25519 key)` of signature type
/// `kind`: the name must be a valid key name, the key id the one name, type and key produce, and the key
/// not a small-order point. `expected` names the type in the error.
pub fn parse_vkey(vkey: &str, kind: u8, expected: &str) -> Result<(String, VerifyingKey), CheckpointError> {
    let bad = |m: &str| CheckpointError::BadVerifierKey(m.to_owned());
    let vkey = vkey.trim_end_matches(['\n', '\r']);
    // The name has no `+`, the key id is hex; the base64 key data may itself contain `+`.
    let mut parts = vkey.splitn(3, '+');
    let (Some(name), Some(id), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("expected `name+keyid+keydata` (three fields separated by `+`)"));
    };
    check_key_name(name)?;
    if id.len() != 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad("key id must be 8 hex digits"));
    }
    let raw = B64.decode(data).map_err(|_| bad("key data is not standard base64"))?;
    let Some((&found, key)) = raw.split_first() else {
        return Err(bad("key data is empty"));
    };
    if found != kind {
        return Err(CheckpointError::BadVerifierKey(format!(
            "signature type 0x{found:02x} is not supported here (expected {expected})"
        )));
    }
    let key =
        crypto::decode_public_key(&B64.encode(key)).map_err(|e| CheckpointError::BadVerifierKey(e.to_string()))?;
    let computed = typed_key_id(name, kind, &key);
    if crypto::hex(&computed) != id.to_ascii_lowercase() {
        return Err(CheckpointError::BadVerifierKey(format!(
            "key id {id} does not match the key and name (expected {})",
            crypto::hex(&computed)
        )));
    }
    Ok((name.to_owned(), key))
}

/// The verifier key string `name+hex(key id)+base64(kind ‖ key)`.
pub fn format_vkey(name: &str, kind: u8, key: &VerifyingKey) -> String {
    let mut data = vec![kind];
    data.extend_from_slice(key.as_bytes());
    format!("{name}+{}+{}", crypto::hex(&typed_key_id(name, kind, key)), B64.encode(data))
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The 4-byte key id (big-endian on the wire).
    pub key_id: [u8; 4],
    /// The signature bytes after the key id.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The line without its newline: `— name base64(key id ‖ signature)`.
    pub fn to_line(&self) -> String {
        let mut raw = self.key_id.to_vec();
        raw.extend_from_slice(&self.signature);
        format!("{SIGNATURE_PREFIX}{} {}", self.name, B64.encode(raw))
    }
}

/// A C2SP signed note: text and signature lines. Verify it with a [`NoteVerifier`] before reading the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote {
    /// The note text, ending in a newline.
    pub text: String,
    /// The signature lines, in order.
    pub signatures: Vec<NoteSignature>,
}

impl SignedNote {
    /// Parses a signed note. The text is separated from the signatures by the last blank line.
    pub fn parse(note: &str) -> Result<Self, CheckpointError> {
        if note.len() > MAX_NOTE_BYTES {
            return Err(CheckpointError::TooLarge);
        }
        for (i, line) in note.split('\n').enumerate() {
            if let Some(c) = line.chars().find(|c| c.is_control()) {
                return Err(CheckpointError::ControlCharacter { line: i + 1, code: c as u32 });
            }
        }
        if !note.ends_with('\n') {
            return Err(CheckpointError::NoteShape("it must end with a newline"));
        }
        // The text keeps the first newline of the last blank line; the signatures follow the second.
        let Some((text, sig_block)) = note.rfind("\n\n").and_then(|split| {
            let (text, blank_and_signatures) = note.split_at_checked(split + 1)?;
            Some((text, blank_and_signatures.strip_prefix('\n')?))
        }) else {
            return Err(CheckpointError::NoteShape("no blank line between the text and the signatures"));
        };
        if sig_block.is_empty() {
            return Err(CheckpointError::NoteShape("no signature lines after the blank line"));
        }
        let first_sig_line = text.matches('\n').count() + 2;
        let mut signatures = Vec::new();
        for (i, line) in sig_block.trim_end_matches('\n').split('\n').enumerate() {
            let line_no = first_sig_line + i;
            if signatures.len() == MAX_SIGNATURES {
                return Err(CheckpointError::TooManySignatures);
            }
            signatures.push(
                parse_signature_line(line)
                    .map_err(|reason| CheckpointError::SignatureLine { line: line_no, reason })?,
            );
        }
        Ok(Self { text: text.to_owned(), signatures })
    }

    /// The note as bytes on the wire: text, blank line, one line per signature.
    pub fn to_text(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for s in &self.signatures {
            out.push_str(&s.to_line());
            out.push('\n');
        }
        out
    }
}

fn parse_signature_line(line: &str) -> Result<NoteSignature, String> {
    let rest = line.strip_prefix(SIGNATURE_PREFIX).ok_or("expected `— NAME SIGNATURE` (em dash U+2014, space)")?;
    let (name, b64) = rest.split_once(' ').ok_or("expected a space between the key name and the signature")?;
    check_key_name(name).map_err(|e| e.to_string())?;
    let raw = B64.decode(b64).map_err(|_| "signature is not standard base64".to_owned())?;
    let Some((key_id, signature)) = raw.split_first_chunk::<4>().filter(|(_, signature)| !signature.is_empty()) else {
        return Err("signature is shorter than a key id and one byte".into());
    };
    Ok(NoteSignature { name: name.to_owned(), key_id: *key_id, signature: signature.to_vec() })
}

/// An Ed25519 note signer: a key and the name it signs under.
pub struct NoteSigner {
    name: String,
    key: SigningKey,
}

impl std::fmt::Debug for NoteSigner {
    /// The key name and the public key only: a signer's private key is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoteSigner")
            .field("name", &self.name)
            .field("key_id", &crate::primitives::crypto::key_id(&self.key.verifying_key()))
            .finish_non_exhaustive()
    }
}

impl NoteSigner {
    /// A signer for `name`, which must be a valid key name.
    pub fn new(name: &str, key: SigningKey) -> Result<Self, CheckpointError> {
        check_key_name(name)?;
        Ok(Self { name: name.to_owned(), key })
    }

    /// The matching verifier.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            key_id: key_id(&self.name, &self.key.verifying_key()),
            key: self.key.verifying_key(),
        }
    }

    /// Signs `text` (which must end in a newline) and returns the signed note.
    pub fn sign(&self, text: &str) -> Result<SignedNote, CheckpointError> {
        if !text.ends_with('\n') {
            return Err(CheckpointError::NoteShape("the text must end with a newline"));
        }
        let signature = self.key.sign(text.as_bytes()).to_bytes().to_vec();
        let note = SignedNote {
            text: text.to_owned(),
            signatures: vec![NoteSignature {
                name: self.name.clone(),
                key_id: key_id(&self.name, &self.key.verifying_key()),
                signature,
            }],
        };
        // Re-parse so that nothing is signed that a verifier would refuse to read.
        SignedNote::parse(&note.to_text())?;
        Ok(note)
    }
}

/// An Ed25519 note verifier: a key name, its key id and its public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key_id: [u8; 4],
    key: VerifyingKey,
}

impl NoteVerifier {
    /// A verifier for `key` under `name`, with the key id computed by the C2SP rule.
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, CheckpointError> {
        check_key_name(name)?;
        Ok(Self { name: name.to_owned(), key_id: key_id(name, &key), key })
    }

    /// Parses a verifier key string `name+hex(key id)+base64(0x01 ‖ 32-byte key)`; the key id must match
    /// the key and name, and the key must not be a small-order point.
    pub fn from_vkey(vkey: &str) -> Result<Self, CheckpointError> {
        let (name, key) = parse_vkey(vkey, SIG_TYPE_ED25519, "Ed25519, 0x01")?;
        Self::new(&name, key)
    }

    /// The verifier key string: `name+hex(key id)+base64(0x01 ‖ key)`.
    pub fn to_vkey(&self) -> String {
        format_vkey(&self.name, SIG_TYPE_ED25519, &self.key)
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 4-byte key id.
    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    /// The public key.
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Verifies a note: every signature line with this name and key id must verify (strict Ed25519 over
    /// the text), and there must be at least one. Lines of other keys are ignored.
    pub fn verify(&self, note: &SignedNote) -> Result<(), CheckpointError> {
        let ours = || CheckpointError::NotSigned { name: self.name.clone(), key_id: crypto::hex(&self.key_id) };
        let mut verified = 0;
        for s in note.signatures.iter().filter(|s| s.name == self.name && s.key_id == self.key_id) {
            let ok = <[u8; 64]>::try_from(s.signature.as_slice())
                .map(|raw| crypto::verify_strict(&self.key, note.text.as_bytes(), &Signature::from_bytes(&raw)))
                .unwrap_or(false);
            if !ok {
                return Err(CheckpointError::BadSignature {
                    name: self.name.clone(),
                    key_id: crypto::hex(&self.key_id),
                });
            }
            verified += 1;
        }
        if verified == 0 { Err(ours()) } else { Ok(()) }
    }
}

/// A C2SP `tlog-checkpoint` body: origin, tree size and root hash (and optional extension lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity; fairboard also uses it as the signing key's name.
    pub origin: String,
    /// Number of leaves (records).
    pub size: u64,
    /// RFC 6962 tree head over the first `size` leaves.
    pub root: Hash,
    /// Extension lines (fairboard writes none; parsed and kept so cosigned notes round-trip).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: &str, size: u64, root: Hash) -> Self {
        Self { origin: origin.to_owned(), size, root, extensions: Vec::new() }
    }

    /// The note text: origin, size, base64 root, extension lines, each ending in a newline.
    pub fn to_text(&self) -> String {
        let mut out = format!("{}\n{}\n{}\n", self.origin, self.size, B64.encode(self.root));
        for e in &self.extensions {
            out.push_str(e);
            out.push('\n');
        }
        out
    }

    /// Parses note text as a checkpoint body.
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let body = |line: usize, reason: &str| CheckpointError::Body { line, reason: reason.to_owned() };
        let Some(text) = text.strip_suffix('\n') else {
            return Err(body(1, "the text must end with a newline"));
        };
        let lines: Vec<&str> = text.split('\n').collect();
        let &[origin, size_line, root_line, ref extension_lines @ ..] = lines.as_slice() else {
            return Err(body(lines.len() + 1, "expected three lines: origin, tree size, root hash"));
        };
        if origin.is_empty() {
            return Err(body(1, "the origin must not be empty"));
        }
        let canonical_decimal = !size_line.is_empty()
            && size_line.bytes().all(|b| b.is_ascii_digit())
            && (size_line == "0" || !size_line.starts_with('0'));
        let size = size_line
            .parse::<u64>()
            .ok()
            .filter(|_| canonical_decimal)
            .ok_or_else(|| body(2, "the tree size must be a decimal number without leading zeros"))?;
        let root: Hash = B64
            .decode(root_line)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or_else(|| body(3, "the root hash must be standard base64 of 32 bytes"))?;
        let extensions: Vec<String> = extension_lines.iter().map(|l| (*l).to_owned()).collect();
        if let Some(i) = extensions.iter().position(String::is_empty) {
            return Err(body(4 + i, "extension lines must not be empty"));
        }
        Ok(Self { origin: origin.to_owned(), size, root, extensions })
    }

    /// Signs this checkpoint as a note under `signer`, whose name must equal the origin.
    pub fn sign(&self, signer: &NoteSigner) -> Result<SignedNote, CheckpointError> {
        if signer.name != self.origin {
            return Err(CheckpointError::OriginMismatch { origin: self.origin.clone(), key_name: signer.name.clone() });
        }
        signer.sign(&self.to_text())
    }

    /// Parses `note` and verifies it under `verifier`; the origin must be the verifier's key name.
    pub fn open(note: &str, verifier: &NoteVerifier) -> Result<Self, CheckpointError> {
        let note = SignedNote::parse(note)?;
        verifier.verify(&note)?;
        let checkpoint = Self::parse(&note.text)?;
        if checkpoint.origin != verifier.name {
            return Err(CheckpointError::OriginMismatch { origin: checkpoint.origin, key_name: verifier.name.clone() });
        }
        Ok(checkpoint)
    }

    /// Parses `note` without verifying it (to learn the origin before choosing a verifier).
    pub fn parse_unverified(note: &str) -> Result<(Self, SignedNote), CheckpointError> {
        let note = SignedNote::parse(note)?;
        let checkpoint = Self::parse(&note.text)?;
        Ok((checkpoint, note))
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice, reason = "tests index fixed fixtures")]
mod tests {
    use super::*;

    /// The example of the C2SP signed-note spec (`vectors/c2sp/signed-note-example.txt`).
    const EXAMPLE_VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    const EXAMPLE_NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

    fn test_signer(name: &str) -> NoteSigner {
        NoteSigner::new(name, SigningKey::from_bytes(&std::array::from_fn(|i| i as u8))).unwrap()
    }

    #[test]
    fn c2sp_example_key_id_and_signature() {
        let verifier = NoteVerifier::from_vkey(EXAMPLE_VKEY).unwrap();
        assert_eq!(crypto::hex(&verifier.key_id()), "530d903a");
        assert_eq!(key_id("example.com/foo", verifier.key()), [0x53, 0x0d, 0x90, 0x3a]);
        assert_eq!(verifier.to_vkey(), EXAMPLE_VKEY);
        let note = SignedNote::parse(EXAMPLE_NOTE).unwrap();
        assert_eq!(note.text, "This is an example message.\n");
        assert_eq!(note.to_text(), EXAMPLE_NOTE);
        verifier.verify(&note).unwrap();
        // One changed byte in the text fails.
        let tampered = EXAMPLE_NOTE.replacen("example", "exbmple", 1);
        assert!(matches!(
            verifier.verify(&SignedNote::parse(&tampered).unwrap()),
            Err(CheckpointError::BadSignature { .. })
        ));
    }

    #[test]
    fn c2sp_example_vector_file() {
        let Some(path) = crate::shared::vector("c2sp/signed-note-example.txt").unwrap() else { return };
        let text = std::fs::read_to_string(path).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        let verifier = NoteVerifier::from_vkey(lines[0]).unwrap();
        let note = format!("{}\n\n{}\n", lines[1], lines[2]);
        verifier.verify(&SignedNote::parse(&note).unwrap()).unwrap();
    }

    /// Base64 key data may contain `+`, the vkey field separator: only the first two `+` separate.
    #[test]
    fn vkey_with_plus_in_key_data_round_trips() {
        let verifier = (0u8..=255)
            .map(|seed| NoteSigner::new("log.example", SigningKey::from_bytes(&[seed; 32])).unwrap().verifier())
            .find(|v| v.to_vkey().matches('+').count() > 2)
            .unwrap();
        assert_eq!(NoteVerifier::from_vkey(&verifier.to_vkey()).unwrap(), verifier);
    }

    #[test]
    fn unknown_signatures_are_ignored_known_ones_must_verify() {
        let signer = test_signer("fairboard.example/arena");
        let verifier = signer.verifier();
        let mut note = Checkpoint::new("fairboard.example/arena", 3, [7; 32]).sign(&signer).unwrap();
        // A witness cosignature under another name passes through.
        note.signatures.push(NoteSignature {
            name: "witness.example".into(),
            key_id: [1, 2, 3, 4],
            signature: vec![9; 72],
        });
        verifier.verify(&note).unwrap();
        // Same name, other id: ignored. Same name and id, bad signature: rejected.
        note.signatures.push(NoteSignature { name: verifier.name().into(), key_id: [0; 4], signature: vec![0; 64] });
        verifier.verify(&note).unwrap();
        note.signatures.push(NoteSignature {
            name: verifier.name().into(),
            key_id: verifier.key_id(),
            signature: vec![0; 64],
        });
        assert!(matches!(verifier.verify(&note), Err(CheckpointError::BadSignature { .. })));
        // No signature by the known key at all.
        let other = test_signer("other.example").verifier();
        assert!(matches!(
            other.verify(&SignedNote::parse(EXAMPLE_NOTE).unwrap()),
            Err(CheckpointError::NotSigned { .. })
        ));
    }

    #[test]
    fn checkpoint_round_trips_and_opens() {
        let signer = test_signer("fairboard.example/arena");
        let cp = Checkpoint::new("fairboard.example/arena", 1234, [0xab; 32]);
        let note = cp.sign(&signer).unwrap().to_text();
        assert!(note.starts_with("fairboard.example/arena\n1234\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n\n\u{2014} fairboard.example/arena "));
        assert_eq!(Checkpoint::open(&note, &signer.verifier()).unwrap(), cp);
        // The same key under another name is another key.
        let renamed = NoteVerifier::new("fairboard.example/other", signer.verifier().key().to_owned()).unwrap();
        assert!(Checkpoint::open(&note, &renamed).is_err());
        assert!(matches!(
            Checkpoint::new("elsewhere", 1, [0; 32]).sign(&signer),
            Err(CheckpointError::OriginMismatch { .. })
        ));
    }

    #[test]
    fn malformed_checkpoints_are_refused() {
        for (text, line) in [
            ("o\n01\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n", 2),
            ("o\n-1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n", 2),
            ("o\n18446744073709551616\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n", 2),
            ("o\n1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6t=\n", 3),
            ("o\n1\nq6ur\n", 3),
            ("\n1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n", 1),
            ("o\n1\n", 3),
            ("o\n1\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=", 1),
        ] {
            match Checkpoint::parse(text) {
                Err(CheckpointError::Body { line: l, .. }) => assert_eq!(l, line, "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
        assert_eq!(Checkpoint::parse("o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n").unwrap().size, 0);
    }

    #[test]
    fn malformed_notes_and_vkeys_are_refused() {
        assert!(matches!(SignedNote::parse("text\n"), Err(CheckpointError::NoteShape(_))));
        assert!(matches!(SignedNote::parse("text\n\n"), Err(CheckpointError::NoteShape(_))));
        assert!(matches!(
            SignedNote::parse("a\tb\n\n\u{2014} k AAAAAAA=\n"),
            Err(CheckpointError::ControlCharacter { .. })
        ));
        assert!(matches!(
            SignedNote::parse("t\n\n- k AAAAAAA=\n"),
            Err(CheckpointError::SignatureLine { line: 3, .. })
        ));
        assert!(matches!(SignedNote::parse("t\n\n\u{2014} k AAAA\n"), Err(CheckpointError::SignatureLine { .. })));
        assert!(matches!(
            SignedNote::parse("t\n\n\u{2014} k+x AAAAAAA=\n"),
            Err(CheckpointError::SignatureLine { .. })
        ));
        assert!(matches!(SignedNote::parse(&"x".repeat(MAX_NOTE_BYTES + 1)), Err(CheckpointError::TooLarge)));
        let many = format!("t\n\n{}", "\u{2014} k AAAAAAA=\n".repeat(MAX_SIGNATURES + 1));
        assert!(matches!(SignedNote::parse(&many), Err(CheckpointError::TooManySignatures)));
        for bad in [
            "",
            "example.com/foo",
            "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
            "example.com/foo+530d903a+AukyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
            "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k+x",
            "example.com/foo+530d90+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
            "example.com/foo+530d903a+!!",
            "bad name+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
        ] {
            assert!(NoteVerifier::from_vkey(bad).is_err(), "{bad}");
        }
        assert!(NoteSigner::new("a b", SigningKey::from_bytes(&[1; 32])).is_err());
    }

    /// The signed-note spec: a verifier must accept at least 16 signatures, and post-quantum ones are
    /// nearly 5 kB. Sixteen 4,627-byte (ML-DSA-87-sized) signatures of other keys beside the log's.
    #[test]
    fn sixteen_post_quantum_sized_signatures_are_accepted() {
        let signer = test_signer("arena.example/log");
        let mut note = Checkpoint::new("arena.example/log", 3, [5; 32]).sign(&signer).unwrap();
        for i in 0..16u8 {
            note.signatures.push(NoteSignature {
                name: format!("witness{i}.example"),
                key_id: [i; 4],
                signature: vec![i; 4627],
            });
        }
        let text = note.to_text();
        assert!(text.len() > 99_000, "{}", text.len());
        let cp = Checkpoint::open(&text, &signer.verifier()).unwrap();
        assert_eq!(cp.size, 3);
        assert_eq!(SignedNote::parse(&text).unwrap().signatures.len(), 17);
    }
}
