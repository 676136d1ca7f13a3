//! Streaming verification of a ledger file.
//!
//! Lines are read in bounded chunks. Within a chunk, the per-line work that needs no context (UTF-8,
//! JSON, schemas, canonical form, hash) and the signature checks run in parallel; the chain links
//! (seq, prev, time) and key authority are checked in order between the two. Memory is bounded by the
//! chunk size, never by the ledger's length. The first defect, by line, is the one reported.

use std::io::{BufRead, Read};

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, VerifyingKey};
use rayon::prelude::*;
use serde_json::Value;

use super::authority::{AuthError, Authority};
use super::record::{GENESIS_PREV, Record};
use crate::crypto;
use crate::schema::{SchemaError, Schemas, Violation, schemas};

/// The longest record line accepted, in bytes (the newline excluded).
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;
/// Most lines verified together in one parallel chunk.
const CHUNK_LINES: usize = 4096;
/// Most bytes read into one chunk before it is verified.
const CHUNK_BYTES: usize = 8 * 1024 * 1024;

/// What is wrong with a ledger line. Every variant is a defect in the ledger's content (exit 1).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DefectKind {
    /// The file holds no records.
    #[error("empty ledger: no record at seq 0")]
    Empty,
    /// The last line has no terminating newline: a torn write.
    #[error("incomplete final record (no terminating newline); `fairboard recover` removes it")]
    IncompleteFinalRecord,
    /// The line is longer than [`MAX_RECORD_BYTES`].
    #[error("record longer than {MAX_RECORD_BYTES} bytes")]
    TooLong,
    /// The line is not UTF-8.
    #[error("not valid UTF-8")]
    NotUtf8,
    /// The line is not one JSON value.
    #[error("malformed JSON: {0}")]
    Malformed(String),
    /// The record envelope breaks `schemas/record.json`.
    #[error("record does not match schemas/record.json at {0}")]
    Envelope(Violation),
    /// The event breaks its schema.
    #[error("invalid event at {0}")]
    Event(Violation),
    /// The line is valid JSON but not the RFC 8785 canonical form of the record.
    #[error("line is not the RFC 8785 canonical form of its record")]
    NotCanonical,
    /// `seq` is not the previous seq + 1.
    #[error("seq is {found}, expected {expected}")]
    Seq {
        /// The seq this line should carry.
        expected: u64,
        /// The seq it carries.
        found: u64,
    },
    /// `prev` is not the previous record's hash.
    #[error("prev is {found}, expected the previous record's hash {expected}")]
    Prev {
        /// The previous record's hash.
        expected: String,
        /// What the line says.
        found: String,
    },
    /// The record time is earlier than the previous record's.
    #[error("time {found} is earlier than the previous record's time {previous}")]
    TimeBackwards {
        /// Previous record time.
        previous: String,
        /// This record's time.
        found: String,
    },
    /// The record time does not parse.
    #[error("{0}")]
    BadTime(String),
    /// The stored hash differs from the recomputed one.
    #[error("hash mismatch: recomputed {computed}, record says {stored}")]
    Hash {
        /// The recomputed hash.
        computed: String,
        /// The stored hash.
        stored: String,
    },
    /// The signature is not valid under the signer's key.
    #[error("signature does not verify under signer `{0}`")]
    Signature(String),
    /// Seq 0 is not a `ledger_opened` event.
    #[error("seq 0 must be a `ledger_opened` event, found `{0}`")]
    NotOpened(String),
    /// A second `ledger_opened` appears.
    #[error("`ledger_opened` may only appear at seq 0")]
    ReOpened,
    /// The operator key declared at seq 0 is not the trusted one.
    #[error("operator key {declared} declared at seq 0 is not the trusted key {trusted}")]
    Untrusted {
        /// Key id declared by the ledger.
        declared: String,
        /// Key id of the trust anchor.
        trusted: String,
    },
    /// The operator key declared at seq 0 is unusable or did not sign seq 0.
    #[error("seq 0: {0}")]
    Genesis(String),
    /// The signer may not sign this event, or a key change is invalid.
    #[error("{0}")]
    Unauthorized(AuthError),
}

/// A defect and the 1-based line where it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct Defect {
    /// 1-based line number (seq + 1 for a well-formed ledger).
    pub line: u64,
    /// What is wrong.
    pub kind: DefectKind,
}

/// Why verification could not finish or did not pass.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Reading the ledger failed.
    #[error("read error: {0}")]
    Io(#[from] std::io::Error),
    /// The embedded schemas are broken (a bug).
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// The ledger has a defect.
    #[error(transparent)]
    Defect(#[from] Defect),
}

/// The state after the last verified record: what `verify` reports and `append` continues from.
#[derive(Debug, Clone)]
pub struct Head {
    /// Number of records.
    pub records: u64,
    /// Hash of the last record.
    pub hash: String,
    /// Time of the last record.
    pub time: DateTime<Utc>,
    /// The operator key declared at seq 0.
    pub operator: VerifyingKey,
    /// The leaderboard name declared at seq 0.
    pub leaderboard: String,
    /// Keys and roles in force after the last record.
    pub authority: Authority,
}

/// A line that passed the context-free checks.
struct Parsed {
    record: Record,
    digest: [u8; 32],
    sig: Signature,
    time: DateTime<Utc>,
}

/// Context-free checks of one line (without its newline).
fn parse_line(schemas: &Schemas, bytes: &[u8]) -> Result<Parsed, DefectKind> {
    if bytes.len() > MAX_RECORD_BYTES {
        return Err(DefectKind::TooLong);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| DefectKind::NotUtf8)?;
    let value: Value = serde_json::from_str(text).map_err(|e| DefectKind::Malformed(e.to_string()))?;
    schemas.validate_record(&value).map_err(DefectKind::Envelope)?;
    schemas.validate_event(&value["event"]).map_err(|v| DefectKind::Event(v.under("/event")))?;
    let record: Record = serde_json::from_value(value).map_err(|e| DefectKind::Malformed(e.to_string()))?;
    let (line, digest) = record.canonical_line_and_digest().map_err(|_| DefectKind::NotCanonical)?;
    if line != text {
        return Err(DefectKind::NotCanonical);
    }
    let computed = crypto::hex(&digest);
    if computed != record.hash {
        return Err(DefectKind::Hash { computed, stored: record.hash });
    }
    let sig = crypto::decode_signature(&record.sig).map_err(|e| DefectKind::Malformed(format!("sig: {e}")))?;
    let time = crate::time::parse(&record.time).map_err(|e| DefectKind::BadTime(e.to_string()))?;
    Ok(Parsed { record, digest, sig, time })
}

/// The chain state carried from one record to the next.
struct Chain<'t> {
    trust: Option<&'t VerifyingKey>,
    next_seq: u64,
    prev: String,
    head: Option<Head>,
}

impl Chain<'_> {
    /// Checks one record's links and authority, in order, and returns the key that must have signed it.
    fn link(&mut self, p: &Parsed) -> Result<VerifyingKey, DefectKind> {
        let r = &p.record;
        if r.seq != self.next_seq {
            return Err(DefectKind::Seq { expected: self.next_seq, found: r.seq });
        }
        if r.prev != self.prev {
            return Err(DefectKind::Prev { expected: self.prev.clone(), found: r.prev.clone() });
        }
        let key = match &mut self.head {
            None => self.genesis(p)?,
            Some(head) => {
                if p.time < head.time {
                    return Err(DefectKind::TimeBackwards {
                        previous: crate::time::format(head.time),
                        found: r.time.clone(),
                    });
                }
                if r.event_type() == "ledger_opened" {
                    return Err(DefectKind::ReOpened);
                }
                let key = *head.authority.authorize(&r.signer, &r.event).map_err(DefectKind::Unauthorized)?;
                head.authority.apply(r.seq, &r.event).map_err(DefectKind::Unauthorized)?;
                head.records += 1;
                head.hash = r.hash.clone();
                head.time = p.time;
                key
            }
        };
        self.next_seq += 1;
        self.prev = r.hash.clone();
        Ok(key)
    }

    fn genesis(&mut self, p: &Parsed) -> Result<VerifyingKey, DefectKind> {
        let r = &p.record;
        if r.event_type() != "ledger_opened" {
            return Err(DefectKind::NotOpened(r.event_type().to_owned()));
        }
        let b64 = r.event["operator_key"].as_str().unwrap_or("");
        let operator = crypto::decode_public_key(b64).map_err(|e| DefectKind::Genesis(format!("operator_key: {e}")))?;
        let declared = crypto::key_id(&operator);
        if let Some(trust) = self.trust
            && trust != &operator
        {
            return Err(DefectKind::Untrusted { declared, trusted: crypto::key_id(trust) });
        }
        if r.signer != declared {
            return Err(DefectKind::Genesis(format!(
                "signed by `{}`, not by the declared operator key `{declared}`",
                r.signer
            )));
        }
        self.head = Some(Head {
            records: 1,
            hash: r.hash.clone(),
            time: p.time,
            operator,
            leaderboard: r.event["leaderboard"].as_str().unwrap_or("").to_owned(),
            authority: Authority::genesis(operator),
        });
        Ok(operator)
    }
}

/// Verifies a whole ledger read from `reader`, calling `on_record` for each record in order once its
/// chunk has fully verified. With `trust`, seq 0 must declare exactly that operator key; without it the
/// declared key is taken as given (what `append` does with its own ledger).
pub fn verify_stream<R: BufRead + Send>(
    mut reader: R,
    trust: Option<&VerifyingKey>,
    mut on_record: impl FnMut(&Record),
) -> Result<Head, VerifyError> {
    let schemas = schemas()?;
    let mut chain = Chain { trust, next_seq: 0, prev: GENESIS_PREV.to_owned(), head: None };
    let mut line_no: u64 = 0;
    let mut next = read_chunk(&mut reader)?;
    loop {
        let (lines, torn) = next;
        if lines.is_empty() && torn.is_none() {
            break;
        }
        let first_line = line_no + 1;
        line_no += lines.len() as u64;
        // Parse this chunk while the next one is read (reading is the one sequential step).
        let at_end = torn.is_some();
        let (parsed, read) = rayon::join(
            || lines.par_iter().map(|l| parse_line(schemas, l)).collect::<Vec<Result<Parsed, DefectKind>>>(),
            || if at_end { Ok((Vec::new(), None)) } else { read_chunk(&mut reader) },
        );
        next = read?;
        drop(lines);
        // Sequential links, up to the first defect.
        let mut keys = Vec::with_capacity(parsed.len());
        let mut linked_defect = None;
        for (i, p) in parsed.iter().enumerate() {
            match p.as_ref().map_err(Clone::clone).and_then(|p| chain.link(p)) {
                Ok(key) => keys.push(key),
                Err(kind) => {
                    linked_defect = Some(Defect { line: first_line + i as u64, kind });
                    break;
                }
            }
        }
        // Signatures of the linked records, in parallel; the earliest bad one wins.
        let bad_sig = keys.par_iter().enumerate().position_first(|(i, key)| match &parsed[i] {
            Ok(p) => !crypto::verify_strict(key, &p.digest, &p.sig),
            Err(_) => true,
        });
        if let Some(i) = bad_sig {
            let signer = parsed[i].as_ref().map(|p| p.record.signer.clone()).unwrap_or_default();
            return Err(Defect { line: first_line + i as u64, kind: DefectKind::Signature(signer) }.into());
        }
        if let Some(defect) = linked_defect {
            return Err(defect.into());
        }
        for p in parsed.iter().flatten() {
            on_record(&p.record);
        }
        if let Some(too_long) = torn {
            let kind = if too_long { DefectKind::TooLong } else { DefectKind::IncompleteFinalRecord };
            return Err(Defect { line: line_no + 1, kind }.into());
        }
    }
    chain.head.ok_or_else(|| Defect { line: 1, kind: DefectKind::Empty }.into())
}

/// Reads complete lines (without their newlines) up to the chunk limits. The second value is
/// `Some(false)` when the input ends in a partial line, `Some(true)` when a line exceeds the size limit.
fn read_chunk<R: BufRead>(reader: &mut R) -> std::io::Result<(Vec<Vec<u8>>, Option<bool>)> {
    let mut lines = Vec::new();
    let mut bytes = 0;
    while lines.len() < CHUNK_LINES && bytes < CHUNK_BYTES {
        let mut line = Vec::new();
        let limit = (MAX_RECORD_BYTES + 1) as u64;
        let n = reader.by_ref().take(limit).read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        if line.last() != Some(&b'\n') {
            return Ok((lines, Some(line.len() > MAX_RECORD_BYTES)));
        }
        line.pop();
        bytes += line.len();
        lines.push(line);
    }
    Ok((lines, None))
}
