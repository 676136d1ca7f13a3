//! C2SP `tlog-witness` `add-checkpoint`, without the HTTP: the request body and the witness's
//! decision, as pure functions, so the server is a thin adapter and the rules are tested here.
//!
//! The body is `old <size>\n`, zero to 63 base64 consistency-proof lines, a blank line, and the
//! checkpoint note. [`judge`] applies the spec's checks in its order: 404 for an unknown origin, 403
//! for no valid signature by a trusted log key (or a bad one), 400 for an old size above the
//! checkpoint's, 409 (with the size held) when the old size is not the one the witness holds, 422 for
//! an empty tree with a non-empty root, a non-empty proof from size 0, different roots at the same
//! size, or a proof that does not verify. On success the caller persists the new state atomically with
//! the read it judged against, then returns a cosignature.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use super::checkpoint::{Checkpoint, NoteVerifier, SignedNote};
use super::rfc6962::{self, EMPTY_ROOT, Hash};
use crate::primitives::limits::MAX_NOTE_BYTES;

/// The most consistency-proof lines a request may carry (the spec's client limit).
pub const MAX_PROOF_LINES: usize = 63;
/// The largest request body accepted: the old-size line, 63 proof lines, and the largest note.
pub const MAX_BODY_BYTES: usize = 32 + MAX_PROOF_LINES * 45 + 1 + MAX_NOTE_BYTES;
/// The `Content-Type` of a 409 response.
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// A parsed `add-checkpoint` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the checkpoint the client believes the witness holds.
    pub old: u64,
    /// The consistency proof from `old` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The checkpoint note, byte for byte.
    pub note: String,
}

/// Why a witness refuses a request: each variant is one HTTP status of the spec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// 400: the body is malformed, or the old size exceeds the checkpoint's.
    #[error("400 bad request: {0}")]
    BadRequest(String),
    /// 403: no valid signature by a key trusted for the origin, or a bad one.
    #[error("403 forbidden: {0}")]
    Forbidden(String),
    /// 404: the origin is not a log this witness follows.
    #[error("404 unknown log `{0}`")]
    UnknownLog(String),
    /// 409: the old size is not the size the witness holds.
    #[error("409 conflict: the witness holds size {held}")]
    Conflict {
        /// The size of the latest checkpoint cosigned for the origin (0 if none).
        held: u64,
    },
    /// 422: the checkpoint is not consistent with what the witness holds.
    #[error("422 unprocessable: {0}")]
    Unprocessable(String),
}

impl Refusal {
    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::Forbidden(_) => 403,
            Self::UnknownLog(_) => 404,
            Self::Conflict { .. } => 409,
            Self::Unprocessable(_) => 422,
        }
    }

    /// The response body: the held size and a newline for 409, the reason otherwise.
    pub fn body(&self) -> String {
        match self {
            Self::Conflict { held } => format!("{held}\n"),
            other => format!("{other}\n"),
        }
    }

    /// The response's content type.
    pub fn content_type(&self) -> &'static str {
        match self {
            Self::Conflict { .. } => SIZE_CONTENT_TYPE,
            _ => "text/plain; charset=utf-8",
        }
    }

    /// Whether the log signed the refused checkpoint validly (so the request is evidence worth keeping).
    pub fn signed_by_log(&self) -> bool {
        matches!(self, Self::Conflict { .. } | Self::Unprocessable(_))
    }
}

fn parse_decimal(s: &str) -> Option<u64> {
    let canonical = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    s.parse().ok().filter(|_| canonical)
}

impl AddCheckpoint {
    /// Parses a request body (bounded by [`MAX_BODY_BYTES`]).
    pub fn parse(body: &[u8]) -> Result<Self, Refusal> {
        let bad = |m: String| Refusal::BadRequest(m);
        if body.len() > MAX_BODY_BYTES {
            return Err(bad(format!("body larger than {MAX_BODY_BYTES} bytes")));
        }
        let text = std::str::from_utf8(body).map_err(|_| bad("body is not UTF-8".into()))?;
        let (first, mut rest) = text.split_once('\n').ok_or_else(|| bad("line 1: expected `old <size>`".into()))?;
        let old = first
            .strip_prefix("old ")
            .and_then(parse_decimal)
            .ok_or_else(|| bad("line 1: expected `old <size>` in decimal without leading zeros".into()))?;
        let mut proof = Vec::new();
        loop {
            let (line, tail) =
                rest.split_once('\n').ok_or_else(|| bad("no blank line before the checkpoint".into()))?;
            rest = tail;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LINES {
                return Err(bad(format!("more than {MAX_PROOF_LINES} consistency proof lines")));
            }
            let hash: Hash = B64
                .decode(line)
                .ok()
                .and_then(|h| h.try_into().ok())
                .ok_or_else(|| bad(format!("line {}: expected a base64 SHA-256 hash", proof.len() + 2)))?;
            proof.push(hash);
        }
        Ok(Self { old, proof, note: rest.to_owned() })
    }

    /// The body on the wire.
    pub fn to_text(&self) -> String {
        let mut out = format!("old {}\n", self.old);
        for h in &self.proof {
            out.push_str(&B64.encode(h));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.note);
        out
    }
}

/// What a witness holds for one log: the size and root of the latest checkpoint it cosigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
}

impl Held {
    /// What a witness holds for a log it has never cosigned: the empty tree.
    pub const NONE: Self = Self { size: 0, root: EMPTY_ROOT };
}

/// An accepted request: the checkpoint to record and the verified note to cosign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The checkpoint body.
    pub checkpoint: Checkpoint,
    /// The note as submitted, verified under the log's key.
    pub note: SignedNote,
}

/// The witness's decision on `req`: `log_key(origin)` is the trusted key of a known log, and `held`
/// what the witness holds for it (read in the same transaction that will record the result).
pub fn judge(
    req: &AddCheckpoint,
    log_key: impl FnOnce(&str) -> Option<NoteVerifier>,
    held: impl FnOnce(&str) -> Held,
) -> Result<Accepted, Refusal> {
    let (checkpoint, note) =
        Checkpoint::parse_unverified(&req.note).map_err(|e| Refusal::BadRequest(format!("checkpoint: {e}")))?;
    let verifier = log_key(&checkpoint.origin).ok_or_else(|| Refusal::UnknownLog(checkpoint.origin.clone()))?;
    verifier.verify(&note).map_err(|e| Refusal::Forbidden(e.to_string()))?;
    if req.old > checkpoint.size {
        return Err(Refusal::BadRequest(format!(
            "old size {} is larger than the checkpoint's size {}",
            req.old, checkpoint.size
        )));
    }
    let held = held(&checkpoint.origin);
    if req.old != held.size {
        return Err(Refusal::Conflict { held: held.size });
    }
    if checkpoint.size == 0 && checkpoint.root != EMPTY_ROOT {
        return Err(Refusal::Unprocessable("a checkpoint of size 0 must have the empty tree's root".into()));
    }
    if req.old == 0 {
        if !req.proof.is_empty() {
            return Err(Refusal::Unprocessable("the consistency proof from size 0 must be empty".into()));
        }
    } else if req.old == checkpoint.size {
        if checkpoint.root != held.root || !req.proof.is_empty() {
            return Err(Refusal::Unprocessable(format!(
                "a different tree of size {}: the witness holds another root for it",
                checkpoint.size
            )));
        }
    } else {
        rfc6962::verify_consistency(req.old, checkpoint.size, &req.proof, &held.root, &checkpoint.root)
            .map_err(|e| Refusal::Unprocessable(format!("consistency proof: {e}")))?;
    }
    Ok(Accepted { checkpoint, note })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests index fixed fixtures")]
mod tests {
    use ed25519_dalek::SigningKey;

    use super::*;
    use crate::merkle::checkpoint::NoteSigner;
    use crate::merkle::rfc6962::hash_leaf;
    use crate::merkle::tree::Tree;

    const ORIGIN: &str = "arena.example/ledger";

    fn setup() -> (NoteSigner, Tree) {
        let signer = NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[3; 32])).unwrap();
        (signer, Tree::from_leaf_hashes((0..40u32).map(|i| hash_leaf(&i.to_be_bytes()))))
    }

    fn note(signer: &NoteSigner, tree: &Tree, size: u64) -> String {
        Checkpoint::new(ORIGIN, size, tree.root_at(size).unwrap()).sign(signer).unwrap().to_text()
    }

    fn run(signer: &NoteSigner, req: &AddCheckpoint, held: Held) -> Result<Accepted, Refusal> {
        let v = signer.verifier();
        judge(req, |o| (o == ORIGIN).then_some(v), |_| held)
    }

    /// The example body of the C2SP tlog-witness spec parses, and prints back byte for byte.
    #[test]
    fn the_spec_example_body_round_trips() {
        let body = "old 20852014\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\njrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n\u{2014} example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n";
        let req = AddCheckpoint::parse(body.as_bytes()).unwrap();
        assert_eq!(req.old, 20_852_014);
        assert_eq!(req.proof.len(), 4);
        assert!(req.note.starts_with("example.com/behind-the-sofa\n20852163\n"));
        assert_eq!(req.to_text(), body);
        let (cp, note) = Checkpoint::parse_unverified(&req.note).unwrap();
        assert_eq!((cp.size, note.signatures.len()), (20_852_163, 2));
    }

    #[test]
    fn malformed_bodies_are_400() {
        for body in ["", "old 01\n\n", "old -1\n\n", "new 1\n\n", "old 1\nnot base64\n\n", "old 1\nAAAA\n\n", "old 0\n"]
        {
            assert!(matches!(AddCheckpoint::parse(body.as_bytes()), Err(Refusal::BadRequest(_))), "{body:?}");
        }
        let many = format!("old 1\n{}\n", format!("{}\n", B64.encode([0u8; 32])).repeat(64));
        assert!(matches!(AddCheckpoint::parse(many.as_bytes()), Err(Refusal::BadRequest(_))));
        assert!(AddCheckpoint::parse(&vec![b'a'; MAX_BODY_BYTES + 1]).is_err());
    }

    #[test]
    fn judging_follows_the_spec() {
        let (signer, tree) = setup();
        // First contact: old 0, no proof.
        let first = AddCheckpoint { old: 0, proof: vec![], note: note(&signer, &tree, 10) };
        let ok = run(&signer, &first, Held::NONE).unwrap();
        assert_eq!(ok.checkpoint.size, 10);
        let held = Held { size: 10, root: tree.root_at(10).unwrap() };
        // A consistent step.
        let step =
            AddCheckpoint { old: 10, proof: tree.consistency_proof(10, 25).unwrap(), note: note(&signer, &tree, 25) };
        assert!(run(&signer, &step, held).is_ok());
        // A stale old size: 409 with the held size.
        assert_eq!(run(&signer, &first, held), Err(Refusal::Conflict { held: 10 }));
        assert_eq!(Refusal::Conflict { held: 10 }.body(), "10\n");
        // Old above the checkpoint's size: 400.
        let back = AddCheckpoint { old: 30, proof: vec![], note: note(&signer, &tree, 25) };
        assert!(matches!(run(&signer, &back, held), Err(Refusal::BadRequest(_))));
        // A bad proof: 422.
        let mut bad = step.clone();
        bad.proof[0][0] ^= 1;
        assert!(matches!(run(&signer, &bad, held), Err(Refusal::Unprocessable(_))));
        // A proof from 0: 422.
        let mut from0 = first.clone();
        from0.proof = vec![[0; 32]];
        assert!(matches!(run(&signer, &from0, Held::NONE), Err(Refusal::Unprocessable(_))));
        // A split view: another tree of the held size.
        let other = Tree::from_leaf_hashes((100..140u32).map(|i| hash_leaf(&i.to_be_bytes())));
        let fork = AddCheckpoint { old: 10, proof: vec![], note: note(&signer, &other, 10) };
        assert!(matches!(run(&signer, &fork, held), Err(Refusal::Unprocessable(_))));
        // The same checkpoint again is fine.
        let same = AddCheckpoint { old: 10, proof: vec![], note: note(&signer, &tree, 10) };
        assert!(run(&signer, &same, held).is_ok());
        // Unknown origin: 404; a signature by another key: 403.
        let stranger = NoteSigner::new("other.example/log", SigningKey::from_bytes(&[4; 32])).unwrap();
        let unknown = Checkpoint::new("other.example/log", 1, [0; 32]).sign(&stranger).unwrap().to_text();
        let req = AddCheckpoint { old: 0, proof: vec![], note: unknown };
        assert!(matches!(run(&signer, &req, Held::NONE), Err(Refusal::UnknownLog(_))));
        let impostor = NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[5; 32])).unwrap();
        let req = AddCheckpoint { old: 0, proof: vec![], note: note(&impostor, &tree, 10) };
        assert!(matches!(run(&signer, &req, Held::NONE), Err(Refusal::Forbidden(_))));
        // Size 0 with a non-empty root: 422.
        let zero = Checkpoint::new(ORIGIN, 0, [1; 32]).sign(&signer).unwrap().to_text();
        let req = AddCheckpoint { old: 0, proof: vec![], note: zero };
        assert!(matches!(run(&signer, &req, Held::NONE), Err(Refusal::Unprocessable(_))));
    }
}
