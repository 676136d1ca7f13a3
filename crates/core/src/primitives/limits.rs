//! Every bound fairboard puts on untrusted input, in one place, each with its reason.
//!
//! The policy sandbox has its own list ([`crate::policy::limits`]); these are the bounds on bytes that
//! come from outside: ledgers, events, packs, plans, checkpoints and proofs. A bound is a refusal
//! with a clear error (exit 2 for input, a defect for a ledger), never a truncation.

/// The longest record line of a ledger, in bytes (the newline excluded). A record is one event;
/// the largest real events (a day of battles over 250 models) are a few hundred kilobytes, so 16 MiB
/// leaves room while bounding the memory one line can cost a verifier.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;

/// The fewest bytes a record adds around its event's canonical form (seq 0, a time without a
/// fraction): an event longer than [`MAX_RECORD_BYTES`] minus this can never be recorded, so a plan
/// that holds one is refused like an append would be.
pub const MIN_ENVELOPE_BYTES: usize = 327;

/// The largest model metadata file `import --models` reads, in bytes: a row per model is a few
/// hundred bytes, so 16 MiB is tens of thousands of models; the CSV reader holds a whole record in
/// memory, so an unbounded file could be one 100 MB cell.
pub const MAX_METADATA_BYTES: u64 = 16 * 1024 * 1024;

/// The largest events input `append` reads, in bytes: enough for a year of daily batches in one go.
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// The longest line of events input, in bytes: the longest ledger line, since an event that does not
/// fit in one can never be recorded. Reading stops at the first longer line.
pub const MAX_LINE_BYTES: usize = MAX_RECORD_BYTES;

/// The largest YAML document parsed (a pack, a rule script, a YAML plan), in bytes. Packs are a few
/// kilobytes; YAML costs a few hundred bytes of memory per token, so the cap bounds memory at a few
/// hundred megabytes. Large plans belong in JSON Lines.
pub const MAX_YAML_BYTES: usize = 1024 * 1024;

/// The deepest flow nesting (`[`, `{`) let through to the YAML parser. The parser's work per token
/// grows with the flow depth, so 100,000 `[` would take minutes; the parser refuses more than 128
/// levels of any nesting anyway. The count ignores quoting and comments, so it can only over-count.
pub const MAX_YAML_FLOW_DEPTH: usize = 256;

/// The largest pack file or rule script read, in bytes (see [`MAX_YAML_BYTES`]).
pub const MAX_PACK_BYTES: u64 = MAX_YAML_BYTES as u64;

/// The largest plan file read, in bytes: a plan is at most 10,000 steps (`schemas/plan.json`) of
/// events no larger than records.
pub const MAX_PLAN_BYTES: u64 = 16 * 1024 * 1024;

/// The largest signed note (checkpoint) accepted, in bytes. The signed-note spec asks verifiers to
/// accept at least 16 signatures, and post-quantum ones are nearly 5 kB (about 6.6 kB of base64 on a
/// line): 16 of them are about 110 kB. 1 MiB holds [`MAX_SIGNATURES`] of that size with room to spare.
pub const MAX_NOTE_BYTES: usize = 1024 * 1024;

/// The most signature lines accepted in one note (the signed-note spec asks verifiers to accept at
/// least 16).
pub const MAX_SIGNATURES: usize = 64;

/// The largest record bundle of a published log (`records/<N>`: 256 record lines) that `publish`
/// writes and `verify --log` reads, in bytes. 256 records of the largest real size (a few hundred
/// kilobytes) are well under it; without it a hostile server could make a reader hold gigabytes.
pub const MAX_RECORD_BUNDLE_BYTES: usize = 256 * 1024 * 1024;

/// The largest proof file accepted, in bytes: a record line plus two checkpoints.
pub const MAX_PROOF_BYTES: usize = 64 * 1024 * 1024;

/// The most hash lines in a proof: enough for any tree of up to 2^64 leaves.
pub const MAX_PROOF_HASHES: usize = 130;
