//! [`verify`](super::verify) and [`audit`](super::audit) fed in pieces, for a caller that cannot hand
//! them a blocking reader: a page reading a file as a stream (`File.stream()`) in a Web Worker.
//!
//! Push the ledger's bytes as they arrive, split anywhere, then `finish`: the result is the one the
//! reader-based call returns on the same bytes. Complete lines are verified once about
//! [`VerifyStream::BATCH`] bytes have gathered, so memory holds one batch of the ledger (plus, for an
//! audit, the facts), never the whole file. Each batch is verified from the [`Head`] the previous one
//! ended at, so line numbers in defects count from the ledger's first line.

use ed25519_dalek::VerifyingKey;

use super::audit::AuditReport;
use super::{ApiError, CheckpointPin, Kept, Options, Verified, conclude, pinned, verify_part};
use crate::ledger::{Head, VerifiedRecord};
use crate::policy::PolicyPack;

/// A verification fed in pieces.
#[derive(Debug)]
pub struct VerifyStream {
    trust: VerifyingKey,
    pin: Option<CheckpointPin>,
    head: Option<Head>,
    carry: Vec<u8>,
    batch: usize,
    records: u64,
    failure: Option<ApiError>,
}

impl VerifyStream {
    /// Bytes gathered before the complete lines among them are verified.
    pub const BATCH: usize = 1 << 20;

    /// A verification under `trust`, matched against `checkpoint` (a note's text) when given. A
    /// checkpoint that cannot be used is the result of [`Self::finish`].
    pub fn new(trust: VerifyingKey, checkpoint: Option<&str>) -> Self {
        let (pin, failure) = match checkpoint.map(|text| CheckpointPin::new(text, &trust)).transpose() {
            Ok(pin) => (pin, None),
            Err(e) => (None, Some(ApiError::from(e))),
        };
        Self { trust, pin, head: None, carry: Vec::new(), batch: Self::BATCH, records: 0, failure }
    }

    /// Sets the batch size (tests use tiny batches so that every record lands on a boundary).
    pub fn set_batch(&mut self, bytes: usize) {
        self.batch = bytes.max(1);
    }

    /// Takes the next bytes, handing each record verified to `on_record`. After a defect the rest
    /// is ignored: the result names the first.
    pub fn push(&mut self, bytes: &[u8], on_record: impl FnMut(&VerifiedRecord) + Send) {
        if self.failure.is_some() {
            return;
        }
        self.carry.extend_from_slice(bytes);
        if self.carry.len() < self.batch {
            return;
        }
        let Some(end) = self.carry.iter().rposition(|&b| b == b'\n').map(|i| i + 1) else { return };
        let part: Vec<u8> = self.carry.drain(..end).collect();
        let head = self.head.take();
        match self.verify(head, &part, on_record) {
            Ok(head) => self.head = Some(head),
            Err(e) => self.failure = Some(e),
        }
    }

    /// Verifies `part`, the lines after `head` (from the first line when `head` is None).
    fn verify(
        &mut self,
        head: Option<Head>,
        part: &[u8],
        mut on_record: impl FnMut(&VerifiedRecord) + Send,
    ) -> Result<Head, ApiError> {
        let records = &mut self.records;
        verify_part(part, &self.trust, head, &mut self.pin, |r| {
            *records += 1;
            on_record(r);
        })
    }

    /// Records verified so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Whether a defect (or an unusable checkpoint) has already decided the result: the caller may
    /// stop reading.
    pub fn failed(&self) -> bool {
        self.failure.is_some()
    }

    /// Verifies what is left (a last line without its line feed is a torn ledger) and returns the
    /// verification of everything pushed.
    pub fn finish(mut self, on_record: impl FnMut(&VerifiedRecord) + Send) -> Result<Verified, ApiError> {
        if let Some(e) = self.failure.take() {
            return Err(e);
        }
        let part = std::mem::take(&mut self.carry);
        let head = match self.head.take() {
            Some(head) if part.is_empty() => head,
            head => self.verify(head, &part, on_record)?,
        };
        pinned(self.pin.take(), head)
    }
}

/// An audit fed in pieces: [`VerifyStream`] keeping what [`audit`](super::audit) keeps of each
/// record.
#[derive(Debug)]
pub struct AuditStream {
    verify: VerifyStream,
    kept: Kept,
    pack: PolicyPack,
    options: Options,
}

impl AuditStream {
    /// An audit of a ledger under `trust`, evaluating `pack`, matched against `checkpoint` when
    /// given.
    pub fn new(trust: VerifyingKey, pack: PolicyPack, checkpoint: Option<&str>, options: Options) -> Self {
        let kept = Kept::new(&options);
        Self { verify: VerifyStream::new(trust, checkpoint), kept, pack, options }
    }

    /// See [`VerifyStream::set_batch`].
    pub fn set_batch(&mut self, bytes: usize) {
        self.verify.set_batch(bytes);
    }

    /// Takes the next bytes of the ledger.
    pub fn push(&mut self, bytes: &[u8]) {
        let kept = &mut self.kept;
        self.verify.push(bytes, |r| kept.push(r));
    }

    /// Records verified so far.
    pub fn records(&self) -> u64 {
        self.verify.records()
    }

    /// See [`VerifyStream::failed`].
    pub fn failed(&self) -> bool {
        self.verify.failed()
    }

    /// The audit of everything pushed: NOT AUTHENTIC (nothing computed) when it did not verify.
    pub fn finish(self) -> Result<AuditReport, ApiError> {
        let Self { verify, mut kept, pack, options } = self;
        let result = verify.finish(|r| kept.push(r));
        conclude(result, kept, &pack, &options)
    }
}
