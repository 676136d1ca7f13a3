//! Streaming verification of a ledger file.
//!
//! Lines are read in bounded chunks that flow through a two-stage pipeline:
//!
//! 1. In parallel, per line: the context-free checks (UTF-8, JSON, schemas, canonical form, hash) and
//!    the signature, checked speculatively under the key its `signer` id names among the keys seen so
//!    far (the trust anchor, and every `ledger_opened`/`key_authorized` key of earlier chunks).
//! 2. In order: the chain links (seq, prev, time) and key authority. The link decides which key must
//!    have signed; a speculative result counts only if it was made with exactly that key, otherwise the
//!    signature is checked there and then.
//!
//! Stage 2 of chunk k runs alongside stage 1 of chunk k+1 and the reading of chunk k+2, so no core
//! waits on the sequential part. Memory is bounded by three chunks, never by the ledger's length. The
//! first defect, by line, is the one reported.

use std::collections::HashMap;
use std::io::{BufRead, Read};

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, VerifyingKey};
use rayon::prelude::*;
use serde_json::Value;

use super::authority::{AuthError, Authority};
use super::envelope;
use super::record::{GENESIS_PREV, Record};
use crate::ledger::schema::{SchemaError, Schemas, Violation, schemas};
use crate::primitives::crypto;

pub use crate::primitives::limits::MAX_RECORD_BYTES;
/// Most lines verified together in one parallel chunk.
const CHUNK_LINES: usize = 4096;
/// Most lines one thread takes at a time within a chunk (about a millisecond of signatures).
const PIECE_LINES: usize = 32;
/// Most bytes one thread takes at a time within a chunk (a piece always holds at least one line), so
/// that a chunk of a few large records is shared out too.
const PIECE_BYTES: usize = 64 * 1024;
/// Most bytes read into one chunk before it is verified.
const CHUNK_BYTES: usize = 8 * 1024 * 1024;

/// What is wrong with a ledger line. Every variant is a defect in the ledger's content (exit 1).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DefectKind {
    /// The file holds no records.
    #[error("empty ledger: no record at seq 0")]
    Empty,
    /// The last line has no terminating newline: a torn write.
    #[error("incomplete final record (no terminating newline)")]
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

impl serde::Serialize for Defect {
    /// `{"line": N, "reason": "..."}`, the shape `verify --format json` prints for a defect.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut s = serializer.serialize_struct("Defect", 2)?;
        s.serialize_field("line", &self.line)?;
        s.serialize_field("reason", &self.kind.to_string())?;
        s.end()
    }
}

impl serde::Serialize for Head {
    /// `{"records", "hash", "time", "leaderboard", "operator"}` (`operator`: the key id of the key
    /// declared at seq 0); the key authority itself is left out.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut s = serializer.serialize_struct("Head", 5)?;
        s.serialize_field("records", &self.records)?;
        s.serialize_field("hash", &self.hash)?;
        s.serialize_field("time", &crate::primitives::time::format(self.time))?;
        s.serialize_field("leaderboard", &self.leaderboard)?;
        s.serialize_field("operator", &crypto::key_id(&self.operator))?;
        s.end()
    }
}

/// [`Head`] in full, as a verifier stores it to resume later.
#[derive(serde::Serialize, serde::Deserialize)]
struct HeadState {
    records: u64,
    hash: String,
    time: String,
    operator: String,
    leaderboard: String,
    authority: Authority,
}

impl Head {
    /// The whole head, key authority included, as JSON (for [`verify_stream_from`] later).
    pub fn to_state(&self) -> serde_json::Value {
        let state = HeadState {
            records: self.records,
            hash: self.hash.clone(),
            time: crate::primitives::time::format(self.time),
            operator: crypto::public_key_b64(&self.operator),
            leaderboard: self.leaderboard.clone(),
            authority: self.authority.clone(),
        };
        serde_json::to_value(state).unwrap_or(Value::Null)
    }

    /// Reads what [`Head::to_state`] wrote.
    pub fn from_state(value: &Value) -> Result<Self, String> {
        let s: HeadState = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
        Ok(Self {
            records: s.records,
            hash: s.hash,
            time: crate::primitives::time::parse(&s.time).map_err(|e| e.to_string())?,
            operator: crypto::decode_public_key(&s.operator).map_err(|e| e.to_string())?,
            leaderboard: s.leaderboard,
            authority: s.authority,
        })
    }
}

impl Defect {
    /// True when the only problem is a torn last line, which recovery (cutting it) repairs.
    pub fn is_torn_tail(&self) -> bool {
        self.kind == DefectKind::IncompleteFinalRecord
    }

    /// What to do about it, in words that name no command: only a torn tail has a remedy.
    pub fn hint(&self) -> Option<&'static str> {
        self.is_torn_tail().then_some(
            "the last line is incomplete (an interrupted append?): recover the ledger to cut it, keeping a backup",
        )
    }

    /// The RFC 6901 pointer into the record the defect is at, when it is a schema violation.
    pub fn pointer(&self) -> Option<&str> {
        match &self.kind {
            DefectKind::Envelope(v) | DefectKind::Event(v) => Some(&v.pointer),
            _ => None,
        }
    }
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
/// [`Head::to_state`] and [`Head::from_state`] store it as JSON, for a verifier that resumes.
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

/// A record that verification accepted (or that [`super::chain::Chain`] signed), with its time
/// already parsed. Only those two make them, so facts can only be built from verified records.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedRecord {
    record: Record,
    time: DateTime<Utc>,
}

impl VerifiedRecord {
    /// Wraps a record whose checks passed.
    pub(crate) fn new(record: Record, time: DateTime<Utc>) -> Self {
        Self { record, time }
    }

    /// The record as signed.
    pub fn record(&self) -> &Record {
        &self.record
    }

    /// The record's time.
    pub fn time(&self) -> DateTime<Utc> {
        self.time
    }

    /// The record's time in Unix milliseconds.
    pub fn time_ms(&self) -> i64 {
        self.time.timestamp_millis()
    }

    /// The record itself.
    pub fn into_record(self) -> Record {
        self.record
    }
}

impl std::ops::Deref for VerifiedRecord {
    type Target = Record;

    fn deref(&self) -> &Record {
        &self.record
    }
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
    let (record, time) = match envelope::read(text) {
        Some((record, time)) => {
            schemas.validate_event(&record.event).map_err(|v| DefectKind::Event(v.under("/event")))?;
            (record, Some(time))
        }
        None => (general_envelope(schemas, text)?, None),
    };
    let (canonical, digest) = record.canonical_digest(text).map_err(|_| DefectKind::NotCanonical)?;
    if !canonical {
        return Err(DefectKind::NotCanonical);
    }
    let computed = crypto::hex(&digest);
    if computed != record.hash {
        return Err(DefectKind::Hash { computed, stored: record.hash });
    }
    let sig = crypto::decode_signature(&record.sig).map_err(|e| DefectKind::Malformed(format!("sig: {e}")))?;
    let time = match time {
        Some(time) => time,
        None => crate::primitives::time::parse(&record.time).map_err(|e| DefectKind::BadTime(e.to_string()))?,
    };
    Ok(Parsed { record, digest, sig, time })
}

/// The general reading of a line that [`envelope::read`] deferred: parse to a `Value`, check the
/// envelope and event schemas, and name the first defect.
fn general_envelope(schemas: &Schemas, text: &str) -> Result<Record, DefectKind> {
    let value: Value = serde_json::from_str(text).map_err(|e| DefectKind::Malformed(e.to_string()))?;
    schemas.validate_record(&value).map_err(DefectKind::Envelope)?;
    schemas
        .validate_event(value.get("event").unwrap_or(&Value::Null))
        .map_err(|v| DefectKind::Event(v.under("/event")))?;
    Record::from_json(value).map_err(|e| DefectKind::Malformed(e.to_string()))
}

/// The chain state carried from one record to the next: the head so far (none before seq 0).
struct Chain<'t> {
    trust: Option<&'t VerifyingKey>,
    head: Option<Head>,
}

impl Chain<'_> {
    /// Checks one record's links and authority, in order, and returns the key that must have signed it.
    fn link(&mut self, p: &Parsed) -> Result<VerifyingKey, DefectKind> {
        let r = &p.record;
        let (next_seq, prev) = self.head.as_ref().map_or((0, GENESIS_PREV), |h| (h.records, h.hash.as_str()));
        if r.seq != next_seq {
            return Err(DefectKind::Seq { expected: next_seq, found: r.seq });
        }
        if r.prev != prev {
            return Err(DefectKind::Prev { expected: prev.to_owned(), found: r.prev.clone() });
        }
        let key = match &mut self.head {
            None => self.genesis(p)?,
            Some(head) => {
                if p.time < head.time {
                    return Err(DefectKind::TimeBackwards {
                        previous: crate::primitives::time::format(head.time),
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
        Ok(key)
    }

    fn genesis(&mut self, p: &Parsed) -> Result<VerifyingKey, DefectKind> {
        let r = &p.record;
        if r.event_type() != "ledger_opened" {
            return Err(DefectKind::NotOpened(r.event_type().to_owned()));
        }
        let b64 = r.event.get("operator_key").and_then(Value::as_str).unwrap_or("");
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
            leaderboard: r.event.get("leaderboard").and_then(Value::as_str).unwrap_or("").to_owned(),
            authority: Authority::genesis(operator),
        });
        Ok(operator)
    }
}

/// A line after the parallel stage.
struct Checked {
    /// The context-free verdict.
    parsed: Result<Parsed, DefectKind>,
    /// The key the signature was speculatively checked under, and whether it verified.
    sig: Option<(VerifyingKey, bool)>,
    /// A key this record's event declares, known to the speculative checks of later chunks.
    declares: Option<VerifyingKey>,
}

/// Keys by key id, as declared by events seen so far: only a guess at who signed, which the chain
/// confirms (a key id is a truncated hash, so two keys could share one).
type KnownKeys = HashMap<String, VerifyingKey>;

/// Stage 1 for a few consecutive lines: first every line's context-free checks, then every signature.
/// Kept apart, each loop runs with its own code and tables in cache: interleaved, parsing evicts the
/// curve tables and each signature costs measurably more than in a plain loop of signatures.
fn check_piece(schemas: &Schemas, lines: &[Vec<u8>], known: &KnownKeys) -> Vec<Checked> {
    let parsed: Vec<Result<Parsed, DefectKind>> = lines.iter().map(|l| parse_line(schemas, l)).collect();
    parsed
        .into_iter()
        .map(|parsed| {
            let (sig, declares) = match &parsed {
                Ok(p) => (
                    known.get(&p.record.signer).map(|key| (*key, crypto::verify_strict(key, &p.digest, &p.sig))),
                    declared_key(&p.record),
                ),
                Err(_) => (None, None),
            };
            Checked { parsed, sig, declares }
        })
        .collect()
}

/// The public key a `ledger_opened` or `key_authorized` event declares, if it decodes.
fn declared_key(record: &Record) -> Option<VerifyingKey> {
    let field = match record.event_type() {
        "ledger_opened" => "operator_key",
        "key_authorized" => "key",
        _ => return None,
    };
    crypto::decode_public_key(record.event.get(field)?.as_str()?).ok()
}

impl Chain<'_> {
    /// Stage 2 for one chunk: links every record in order, settles its signature, and hands it to
    /// `on_record`. Stops at the first defect.
    fn finish(
        &mut self,
        first_line: u64,
        chunk: Vec<Checked>,
        on_record: &mut impl FnMut(&VerifiedRecord),
    ) -> Result<(), Defect> {
        for (i, checked) in chunk.into_iter().enumerate() {
            let line = first_line + i as u64;
            let defect = |kind| Defect { line, kind };
            let p = checked.parsed.map_err(defect)?;
            let key = self.link(&p).map_err(defect)?;
            let valid = match checked.sig {
                Some((tried, valid)) if tried == key => valid,
                _ => crypto::verify_strict(&key, &p.digest, &p.sig),
            };
            if !valid {
                return Err(defect(DefectKind::Signature(p.record.signer)));
            }
            on_record(&VerifiedRecord::new(p.record, p.time));
        }
        Ok(())
    }
}

/// Verifies a whole ledger read from `reader`, calling `on_record` for each record in order once it
/// has verified. With `trust`, seq 0 must declare exactly that operator key; without it the declared
/// key is taken as given (what `append` does with its own ledger). If the ledger has a defect,
/// `on_record` has seen exactly the records before it.
pub fn verify_stream<R: BufRead + Send>(
    reader: R,
    trust: Option<&VerifyingKey>,
    on_record: impl FnMut(&VerifiedRecord) + Send,
) -> Result<Head, VerifyError> {
    verify_in_chunks(reader, trust, on_record, CHUNK_LINES)
}

/// Verifies records that continue a ledger already verified up to `head` (a state a verifier stored):
/// the first line read must be seq `head.records` and link to `head.hash`, and every key and role is
/// judged from `head.authority` on. Line numbers in defects count from the ledger's first line, as if
/// the whole file had been read. An empty `reader` returns `head` unchanged.
pub fn verify_stream_from<R: BufRead + Send>(
    head: Head,
    reader: R,
    on_record: impl FnMut(&VerifiedRecord) + Send,
) -> Result<Head, VerifyError> {
    verify_chunked(reader, None, Some(head), on_record, CHUNK_LINES)
}

/// [`verify_stream`] with chunks of at most `chunk_lines` lines (tests use tiny chunks so that every
/// record lands on a chunk boundary).
fn verify_in_chunks<R: BufRead + Send>(
    reader: R,
    trust: Option<&VerifyingKey>,
    on_record: impl FnMut(&VerifiedRecord) + Send,
    chunk_lines: usize,
) -> Result<Head, VerifyError> {
    verify_chunked(reader, trust, None, on_record, chunk_lines)
}

/// The verifier: from the start (`head` = None, optionally with a trust anchor) or resuming after `head`.
fn verify_chunked<R: BufRead + Send>(
    mut reader: R,
    trust: Option<&VerifyingKey>,
    head: Option<Head>,
    mut on_record: impl FnMut(&VerifiedRecord) + Send,
    chunk_lines: usize,
) -> Result<Head, VerifyError> {
    let schemas = schemas()?;
    let mut known: KnownKeys = trust.map(|k| (crypto::key_id(k), *k)).into_iter().collect();
    if let Some(h) = &head {
        known.extend(h.authority.keys().map(|k| (crypto::key_id(k), *k)));
    }
    let mut line_no: u64 = head.as_ref().map_or(0, |h| h.records);
    let mut chain = Chain { trust, head };
    let mut pending: Option<(u64, Vec<Checked>)> = None;
    let (mut lines, mut torn) = read_chunk(&mut reader, chunk_lines)?;
    // Without a trust anchor the operator key is only declared by the first line: learn it up front,
    // so that the first chunk's signatures are checked in parallel too.
    if let Some(key) = lines.first().and_then(|l| parse_line(schemas, l).ok()).and_then(|p| declared_key(&p.record)) {
        known.insert(crypto::key_id(&key), key);
    }
    loop {
        let first_line = line_no + 1;
        line_no += lines.len() as u64;
        let at_end = torn.is_some() || lines.is_empty();
        let (checked, (finished, read)) = rayon::join(
            || {
                // Small pieces keep both cores busy to the end of the chunk: rayon would otherwise
                // split a chunk into a few long runs, and the last one would finish alone.
                #[expect(clippy::indexing_slicing, reason = "pieces() returns ranges that partition 0..lines.len()")]
                let checked: Vec<Checked> = pieces(&lines)
                    .into_par_iter()
                    .flat_map_iter(|piece| check_piece(schemas, &lines[piece], &known))
                    .collect();
                drop(lines);
                checked
            },
            || {
                rayon::join(
                    || match pending.take() {
                        Some((first, chunk)) => chain.finish(first, chunk, &mut on_record),
                        None => Ok(()),
                    },
                    || if at_end { Ok((Vec::new(), None)) } else { read_chunk(&mut reader, chunk_lines) },
                )
            },
        );
        finished?;
        known.extend(checked.iter().filter_map(|c| c.declares).map(|k| (crypto::key_id(&k), k)));
        if at_end {
            chain.finish(first_line, checked, &mut on_record)?;
            if let Some(too_long) = torn {
                let kind = if too_long { DefectKind::TooLong } else { DefectKind::IncompleteFinalRecord };
                return Err(Defect { line: line_no + 1, kind }.into());
            }
            break;
        }
        pending = Some((first_line, checked));
        (lines, torn) = read?;
    }
    chain.head.ok_or_else(|| Defect { line: 1, kind: DefectKind::Empty }.into())
}

/// Splits a chunk into consecutive pieces of at most [`PIECE_LINES`] lines and, beyond its first
/// line, [`PIECE_BYTES`] bytes.
fn pieces(lines: &[Vec<u8>]) -> Vec<std::ops::Range<usize>> {
    let mut pieces = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, line) in lines.iter().enumerate() {
        if i > start && (i - start == PIECE_LINES || bytes + line.len() > PIECE_BYTES) {
            pieces.push(start..i);
            (start, bytes) = (i, 0);
        }
        bytes += line.len();
    }
    if start < lines.len() {
        pieces.push(start..lines.len());
    }
    pieces
}

/// Reads complete lines (without their newlines) up to the chunk limits. The second value is
/// `Some(false)` when the input ends in a partial line, `Some(true)` when a line exceeds the size limit.
fn read_chunk<R: BufRead>(reader: &mut R, max_lines: usize) -> std::io::Result<(Vec<Vec<u8>>, Option<bool>)> {
    let mut lines = Vec::new();
    let mut bytes = 0;
    while lines.len() < max_lines && bytes < CHUNK_BYTES {
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

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice, reason = "tests index fixed fixtures")]
mod tests {
    use ed25519_dalek::SigningKey;
    use serde_json::{Value, json};

    use super::*;
    use crate::ledger::RecordBody;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    /// Signs `events` (signer, event) into ledger lines, one second apart.
    fn ledger(events: &[(&SigningKey, Value)]) -> Vec<String> {
        let mut prev = GENESIS_PREV.to_owned();
        let mut lines = Vec::new();
        for (seq, (signer, event)) in events.iter().enumerate() {
            let time = crate::primitives::time::format(
                chrono::DateTime::from_timestamp(1_700_000_000 + seq as i64, 0).unwrap(),
            );
            let body = RecordBody {
                seq: seq as u64,
                time,
                prev,
                signer: crypto::key_id(&signer.verifying_key()),
                event: event.clone(),
            };
            let (record, line) = body.sign(signer).unwrap();
            prev = record.hash;
            lines.push(line);
        }
        lines
    }

    /// Operator opens, authorises provider key `p` at seq 2, `p` signs seq 3..=6, the operator revokes
    /// `p` at seq 7, more operator records follow.
    fn events(op: &SigningKey, p: &SigningKey) -> Vec<(SigningKey, Value)> {
        let b64 = |k: &SigningKey| crypto::public_key_b64(&k.verifying_key());
        let test = |n: u32| json!({"type":"private_test_started","model":format!("v{n}"),"provider":"acme"});
        let mut out = vec![
            (op.clone(), json!({"type":"ledger_opened","leaderboard":"t","operator_key":b64(op)})),
            (
                op.clone(),
                json!({"type":"model_registered","model":"m","provider":"acme","license":"open_weights","visibility":"public"}),
            ),
            (op.clone(), json!({"type":"key_authorized","key":b64(p),"role":"provider","provider":"acme"})),
        ];
        out.extend((3..7).map(|n| (p.clone(), test(n))));
        out.push((op.clone(), json!({"type":"key_revoked","key_id":crypto::key_id(&p.verifying_key())})));
        out.extend((8..11).map(|n| (op.clone(), test(n))));
        out
    }

    fn run(lines: &[String], trust: Option<&VerifyingKey>, chunk: usize) -> (Result<Head, VerifyError>, Vec<u64>) {
        let text = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        let mut seen = Vec::new();
        let result = verify_in_chunks(text.as_bytes(), trust, |r| seen.push(r.seq), chunk);
        (result, seen)
    }

    fn defect(result: Result<Head, VerifyError>) -> Defect {
        match result {
            Err(VerifyError::Defect(d)) => d,
            other => panic!("expected a defect, got {other:?}"),
        }
    }

    /// Resuming from a stored head (through its JSON state) verifies the rest exactly as one pass
    /// would: the provider key authorised before the split signs after it, and its revocation after
    /// the split still takes effect; a record that does not continue the head is a defect at its line.
    #[test]
    fn verification_resumes_from_a_stored_head() {
        let (op, p) = (key(1), key(2));
        let evs = events(&op, &p);
        let lines = ledger(&evs.iter().map(|(k, e)| (k, e.clone())).collect::<Vec<_>>());
        let text = |ls: &[String]| ls.iter().map(|l| format!("{l}\n")).collect::<String>();
        let whole = verify_stream(text(&lines).as_bytes(), Some(&op.verifying_key()), |_| {}).unwrap();
        for split in [1, 4, 7, lines.len()] {
            let first = verify_stream(text(&lines[..split]).as_bytes(), Some(&op.verifying_key()), |_| {}).unwrap();
            let stored = Head::from_state(&first.to_state()).unwrap();
            let mut seen = Vec::new();
            let head = verify_stream_from(stored, text(&lines[split..]).as_bytes(), |r| seen.push(r.seq)).unwrap();
            assert_eq!((head.records, head.hash.as_str()), (whole.records, whole.hash.as_str()), "split {split}");
            assert_eq!(seen, (split as u64..lines.len() as u64).collect::<Vec<_>>());
        }
        // Skipping a record: the defect names the ledger line of the record read.
        let first = verify_stream(text(&lines[..4]).as_bytes(), Some(&op.verifying_key()), |_| {}).unwrap();
        let d = defect(verify_stream_from(first, text(&lines[5..]).as_bytes(), |_| {}));
        assert_eq!(d.line, 5);
        // A revoked key stays revoked across the split.
        let mut forged = evs.clone();
        forged[8] = (p.clone(), forged[8].1.clone());
        let forged_lines = ledger(&forged.iter().map(|(k, e)| (k, e.clone())).collect::<Vec<_>>());
        let first = verify_stream(text(&forged_lines[..8]).as_bytes(), Some(&op.verifying_key()), |_| {}).unwrap();
        let stored = Head::from_state(&first.to_state()).unwrap();
        assert!(matches!(
            defect(verify_stream_from(stored, text(&forged_lines[8..]).as_bytes(), |_| {})).kind,
            DefectKind::Unauthorized(_)
        ));
    }

    /// Pieces split on 32 lines or 64 KiB, whichever comes first, and never leave a line out.
    #[test]
    fn pieces_cover_a_chunk_in_order_within_their_limits() {
        let lines: Vec<Vec<u8>> =
            [10, 70_000, 5, 5, 60_000, 10_000].iter().chain(&[1; 70]).map(|&n| vec![b'x'; n]).collect();
        let pieces = pieces(&lines);
        assert_eq!(pieces[..4], [0..1, 1..2, 2..5, 5..37]);
        assert_eq!(pieces.iter().map(|p| p.len()).sum::<usize>(), lines.len());
        assert!(pieces.windows(2).all(|w| w[0].end == w[1].start));
        assert!(super::pieces(&[]).is_empty());
    }

    /// Keys authorised in one chunk and used in the same or a later one, with every chunk size.
    #[test]
    fn every_chunk_boundary_verifies_the_same() {
        let (op, p) = (key(1), key(2));
        let evs = events(&op, &p);
        let lines = ledger(&evs.iter().map(|(k, e)| (k, e.clone())).collect::<Vec<_>>());
        let trust = op.verifying_key();
        for chunk in [1, 2, 3, 4, 5, 7, 64] {
            for trust in [None, Some(&trust)] {
                let (head, seen) = run(&lines, trust, chunk);
                let head = head.unwrap();
                assert_eq!(head.records, lines.len() as u64, "chunk {chunk}");
                assert_eq!(seen, (0..lines.len() as u64).collect::<Vec<_>>(), "chunk {chunk}");
            }
        }
    }

    /// A record naming the provider key as signer but signed by another key fails as a signature,
    /// whether the provider key was already known to the speculative check or not; `on_record` saw
    /// exactly the records before it.
    #[test]
    fn a_signature_under_the_wrong_key_is_caught_at_its_line() {
        let (op, p, q) = (key(1), key(2), key(3));
        let evs = events(&op, &p);
        let mut lines = ledger(&evs.iter().map(|(k, e)| (k, e.clone())).collect::<Vec<_>>());
        // Re-sign seq 5 with q while keeping p's id as signer: hash and chain stay valid.
        let mut record: Value = serde_json::from_str(&lines[5]).unwrap();
        let digest: [u8; 32] = (0..32)
            .map(|i| u8::from_str_radix(&record["hash"].as_str().unwrap()[2 * i..2 * i + 2], 16).unwrap())
            .collect::<Vec<_>>()
            .try_into()
            .unwrap();
        record["sig"] = Value::String(crypto::sign_b64(&q, &digest));
        lines[5] = crate::primitives::canonical::to_canonical_string(&record).unwrap();
        for chunk in [1, 2, 3, 4, 6, 64] {
            let (result, seen) = run(&lines, Some(&op.verifying_key()), chunk);
            let d = defect(result);
            assert_eq!(d.line, 6, "chunk {chunk}");
            assert!(matches!(d.kind, DefectKind::Signature(_)), "chunk {chunk}: {:?}", d.kind);
            assert_eq!(seen, (0..5).collect::<Vec<_>>(), "chunk {chunk}");
        }
    }

    /// A revoked key's signature is still valid, but the chain refuses it at the right line even when
    /// the speculative check (which knows the key) passed it.
    #[test]
    fn a_revoked_key_is_refused_across_chunks() {
        let (op, p) = (key(1), key(2));
        let mut evs = events(&op, &p);
        evs[9] = (p.clone(), json!({"type":"private_test_started","model":"late","provider":"acme"}));
        let lines = ledger(&evs.iter().map(|(k, e)| (k, e.clone())).collect::<Vec<_>>());
        for chunk in [1, 2, 3, 5, 64] {
            let d = defect(run(&lines, Some(&op.verifying_key()), chunk).0);
            assert_eq!(d.line, 10, "chunk {chunk}");
            assert!(matches!(d.kind, DefectKind::Unauthorized(AuthError::Revoked { .. })), "{:?}", d.kind);
        }
    }

    /// With two defects, the earlier line is reported even when it lies in the later-finished chunk
    /// position of the pipeline.
    #[test]
    fn the_first_defect_by_line_wins() {
        let (op, p) = (key(1), key(2));
        let evs = events(&op, &p);
        let mut lines = ledger(&evs.iter().map(|(k, e)| (k, e.clone())).collect::<Vec<_>>());
        lines[8] = lines[8].replacen("\"seq\":8", "\"seq\":88", 1);
        lines[4] = "{not json".to_owned();
        for chunk in [1, 2, 3, 4, 5, 64] {
            let d = defect(run(&lines, None, chunk).0);
            assert_eq!(d.line, 5, "chunk {chunk}");
            assert!(matches!(d.kind, DefectKind::Malformed(_)), "{:?}", d.kind);
        }
    }
}
