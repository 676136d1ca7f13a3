//! The in-memory chain writer: signing events as the next records of a ledger, checking each one as
//! verification would, with no file, lock or clock.
//!
//! The file store (`fairboard::store`) wraps a [`Chain`] in an exclusive lock and an fsync; plans, policy
//! test cases and bindings use it directly to build records (and from them facts) in memory.

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};

use super::authority::{AuthError, Authority};
use super::input::InputEvent;
use super::record::{GENESIS_PREV, Record, RecordBody};
use super::schema::{SchemaError, Violation, schemas};
use super::verify::{Head, VerifiedRecord};
use crate::primitives::canonical::CanonicalError;
use crate::primitives::limits::MAX_RECORD_BYTES;
use crate::primitives::{crypto, time};

/// Why events cannot become the next records.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// A candidate event may not be signed by the given key.
    #[error("{file}:{line}: refused: {source}")]
    Unauthorized {
        /// The events input.
        file: String,
        /// Line of the refused event.
        line: u64,
        /// Why.
        source: AuthError,
    },
    /// A candidate event breaks its schema.
    #[error("{file}:{line}: event at {violation}")]
    InvalidEvent {
        /// The events input.
        file: String,
        /// Line of the event.
        line: u64,
        /// Where and what.
        violation: Violation,
    },
    /// A candidate `ledger_opened` after seq 0.
    #[error("{file}:{line}: refused: `ledger_opened` may only appear at seq 0")]
    ReOpen {
        /// The events input.
        file: String,
        /// Line of the refused event.
        line: u64,
    },
    /// A candidate event would make a record line longer than verification accepts.
    #[error("{file}:{line}: event makes a record of {bytes} bytes; a ledger line may hold at most {max} bytes")]
    RecordTooLong {
        /// The events input.
        file: String,
        /// Line of the event.
        line: u64,
        /// Length of the signed record line.
        bytes: usize,
        /// [`MAX_RECORD_BYTES`].
        max: usize,
    },
    /// The requested record time is earlier than the last record's.
    #[error("record time {given} is earlier than the last record's time {head}")]
    TimeBackwards {
        /// The requested time.
        given: String,
        /// The ledger's last time.
        head: String,
    },
    /// The `ledger_opened` event would break its schema (an over-long leaderboard name, a control
    /// character in it), so the ledger would not verify.
    #[error("cannot open a ledger: `ledger_opened` event at {violation}")]
    InvalidOpening {
        /// Where and what.
        violation: Violation,
    },
    /// The embedded schemas are broken (a bug).
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// An event has no canonical form (cannot happen for schema-valid events).
    #[error(transparent)]
    Canonical(#[from] CanonicalError),
}

impl ChainError {
    /// True when the events are refused (exit 1) rather than malformed (exit 2).
    pub fn is_refusal(&self) -> bool {
        matches!(self, Self::Unauthorized { .. } | Self::ReOpen { .. })
    }

    /// What to do about it, for adapters to show apart from the message.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::ReOpen { .. } => Some("a ledger is opened once, when it is created"),
            Self::TimeBackwards { .. } => Some("give a time at or after the last record's, or none to use the clock"),
            Self::RecordTooLong { .. } => Some("split the event (for example one `battles_recorded` per period)"),
            _ => None,
        }
    }
}

/// A signed record and its canonical line (without the line end).
#[derive(Debug, Clone, PartialEq)]
pub struct Signed {
    /// The record.
    pub record: Record,
    /// Its canonical JSON line.
    pub line: String,
    /// Its time, parsed.
    pub time: DateTime<Utc>,
}

impl Signed {
    /// The record as verification would hand it on (it passed the same checks).
    pub fn verified(&self) -> VerifiedRecord {
        VerifiedRecord::new(self.record.clone(), self.time)
    }
}

/// The head of a ledger held in memory, to which events are appended as signed records.
#[derive(Debug, Clone)]
pub struct Chain {
    head: Head,
}

impl Chain {
    /// Opens a new ledger: seq 0, `ledger_opened`, signed by `operator` at `at`.
    pub fn open(operator: &SigningKey, leaderboard: &str, at: DateTime<Utc>) -> Result<(Self, Signed), ChainError> {
        let public = operator.verifying_key();
        let body = RecordBody {
            seq: 0,
            time: time::format(at),
            prev: GENESIS_PREV.to_owned(),
            signer: crypto::key_id(&public),
            event: json!({"type": "ledger_opened", "leaderboard": leaderboard, "operator_key": crypto::public_key_b64(&public)}),
        };
        schemas()?.validate_event(&body.event).map_err(|violation| ChainError::InvalidOpening { violation })?;
        let (record, line) = body.sign(operator)?;
        let head = Head {
            records: 1,
            hash: record.hash.clone(),
            time: at,
            operator: public,
            leaderboard: leaderboard.to_owned(),
            authority: Authority::genesis(public),
        };
        Ok((Self { head }, Signed { record, line, time: at }))
    }

    /// Continues the ledger whose verified head is `head`.
    pub fn from_head(head: Head) -> Self {
        Self { head }
    }

    /// The head after the last record.
    pub fn head(&self) -> &Head {
        &self.head
    }

    /// Signs `events` as the next records at `at` (the last record's time when `at` is `None`),
    /// checking every one as verification would; the chain itself is not changed. `file` names the
    /// events' input in errors.
    pub fn prepare(
        &self,
        key: &SigningKey,
        file: &str,
        events: &[InputEvent],
        at: Option<DateTime<Utc>>,
    ) -> Result<Vec<Signed>, ChainError> {
        let at = match at {
            Some(t) if t < self.head.time => {
                return Err(ChainError::TimeBackwards { given: time::format(t), head: time::format(self.head.time) });
            }
            Some(t) => t,
            None => self.head.time,
        };
        let stamp = time::format(at);
        let signer = crypto::key_id(&key.verifying_key());
        let schemas = schemas()?;
        let mut authority = self.head.authority.clone();
        let mut prev = self.head.hash.clone();
        let mut out = Vec::with_capacity(events.len());
        for (i, input) in events.iter().enumerate() {
            let seq = self.head.records + i as u64;
            let refuse = |source| ChainError::Unauthorized { file: file.to_owned(), line: input.line, source };
            schemas.validate_event(&input.event).map_err(|violation| ChainError::InvalidEvent {
                file: file.to_owned(),
                line: input.line,
                violation,
            })?;
            if input.event.get("type").and_then(Value::as_str) == Some("ledger_opened") {
                return Err(ChainError::ReOpen { file: file.to_owned(), line: input.line });
            }
            authority.authorize(&signer, &input.event).map_err(refuse)?;
            authority.apply(seq, &input.event).map_err(refuse)?;
            let body =
                RecordBody { seq, time: stamp.clone(), prev, signer: signer.clone(), event: input.event.clone() };
            let (record, line) = body.sign(key)?;
            if line.len() > MAX_RECORD_BYTES {
                return Err(ChainError::RecordTooLong {
                    file: file.to_owned(),
                    line: input.line,
                    bytes: line.len(),
                    max: MAX_RECORD_BYTES,
                });
            }
            prev = record.hash.clone();
            out.push(Signed { record, line, time: at });
        }
        Ok(out)
    }

    /// Moves the head past `signed` (records [`prepare`](Self::prepare) returned for this chain).
    pub fn advance(&mut self, signed: &[Signed]) {
        for s in signed {
            let event = &s.record.event;
            // prepare() already applied these events to a copy of the authority; they cannot fail now.
            let _ = self.head.authority.apply(s.record.seq, event);
            self.head.records = s.record.seq + 1;
            self.head.hash.clone_from(&s.record.hash);
            self.head.time = s.time;
        }
    }

    /// Signs and appends `events`, returning the new records as verified ones.
    pub fn append(
        &mut self,
        key: &SigningKey,
        file: &str,
        events: &[InputEvent],
        at: Option<DateTime<Utc>>,
    ) -> Result<Vec<VerifiedRecord>, ChainError> {
        let signed = self.prepare(key, file, events, at)?;
        self.advance(&signed);
        Ok(signed.iter().map(Signed::verified).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(line: u64, event: Value) -> InputEvent {
        InputEvent { line, event }
    }

    #[test]
    fn a_chain_built_in_memory_verifies_as_a_file() {
        let op = SigningKey::from_bytes(&[7; 32]);
        let t0 = time::parse("2025-01-01T00:00:00Z").unwrap();
        let (mut chain, first) = Chain::open(&op, "mem", t0).unwrap();
        let events = [
            ev(1, json!({"type":"provider_registered","provider":"meta"})),
            ev(2, json!({"type":"provider_registered","provider":"google"})),
        ];
        let signed = chain.prepare(&op, "mem", &events, Some(t0)).unwrap();
        chain.advance(&signed);
        let mut text = format!("{}\n", first.line);
        for s in &signed {
            text.push_str(&s.line);
            text.push('\n');
        }
        let head = super::super::verify_stream(text.as_bytes(), Some(&op.verifying_key()), |_| {}).unwrap();
        assert_eq!((head.records, head.hash.as_str()), (chain.head().records, chain.head().hash.as_str()));
    }

    #[test]
    fn time_going_backwards_is_refused_with_a_hint() {
        let op = SigningKey::from_bytes(&[7; 32]);
        let t1 = time::parse("2025-01-02T00:00:00Z").unwrap();
        let (chain, _) = Chain::open(&op, "mem", t1).unwrap();
        let t0 = time::parse("2025-01-01T00:00:00Z").unwrap();
        let err = chain.prepare(&op, "e", &[ev(1, json!({"type":"provider_registered","provider":"p"}))], Some(t0));
        let err = err.unwrap_err();
        assert!(matches!(err, ChainError::TimeBackwards { .. }), "{err}");
        assert!(!err.to_string().contains("--"), "no flag names in the library: {err}");
        assert!(err.hint().is_some());
    }
}
