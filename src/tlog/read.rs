//! Verifying a tiled log from its files alone, and proving from tiles.
//!
//! In full, every record bundle is fetched and the ledger verified from seq 0 under the trusted key;
//! the tree built from the records must have the checkpoint's root, and every hash tile and entry
//! bundle served must equal the one computed (so C2SP clients reading the tiles see this ledger).
//! From a stored state, only the new records are fetched and verified, continuing from the stored head
//! and the tree's stored right edge; a consistency proof built from the served tiles must lead from the
//! stored checkpoint to the new one.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::VerifyingKey;

use super::publish::records_path;
use super::source::Source;
use super::state::{self, LogState};
use super::{TlogError, write_atomic};
use crate::ledger::{Head, verify_stream, verify_stream_from};
use crate::merkle::checkpoint::{Checkpoint, MAX_NOTE_BYTES, NoteVerifier};
use crate::merkle::proof::InclusionProof;
use crate::merkle::quorum::TlogPolicy;
use crate::merkle::rfc6962;
use crate::merkle::tiles::{self, FULL_TILE_BYTES, TileId, TileSet};
use crate::merkle::{CompactRange, Tree, decode_hash_hex, hash_leaf};
use crate::primitives::limits::MAX_RECORD_BUNDLE_BYTES as MAX_RECORD_BUNDLE;

/// What the verifier trusts.
#[derive(Debug)]
pub struct Trust<'a> {
    /// The operator's key (the ledger's trust anchor and the checkpoint's signer).
    pub key: &'a VerifyingKey,
    /// A tlog-policy the checkpoint must meet (its witness quorum).
    pub policy: Option<&'a TlogPolicy>,
}

/// A verified log.
#[derive(Debug)]
pub struct VerifiedLog {
    /// The checkpoint that was verified.
    pub checkpoint: Checkpoint,
    /// Its note, verbatim.
    pub note: String,
    /// The head after the last record.
    pub head: Head,
    /// Records verified in this run (all of them without a state).
    pub verified: u64,
    /// The witnesses whose cosignatures met the policy.
    pub cosigned: Vec<String>,
    /// Where the state was stored.
    pub state: Option<PathBuf>,
}

/// Fetches and verifies the log's checkpoint under the trust.
pub fn checkpoint(src: &Source, trust: &Trust<'_>) -> Result<(Checkpoint, String, Vec<String>), TlogError> {
    let what = src.describe("checkpoint");
    let bytes = src.require("checkpoint", MAX_NOTE_BYTES)?;
    let note = String::from_utf8(bytes).map_err(|_| TlogError::Inconsistent(format!("{what}: not UTF-8")))?;
    let (body, _) =
        Checkpoint::parse_unverified(&note).map_err(|source| TlogError::Checkpoint { what: what.clone(), source })?;
    let verifier = NoteVerifier::new(&body.origin, *trust.key)
        .map_err(|source| TlogError::Checkpoint { what: what.clone(), source })?;
    let checkpoint =
        Checkpoint::open(&note, &verifier).map_err(|source| TlogError::Checkpoint { what: what.clone(), source })?;
    let cosigned = match trust.policy {
        Some(p) => p.verify(&note, Some(&verifier)).map_err(|source| TlogError::Quorum { what, source })?.cosigned,
        None => Vec::new(),
    };
    Ok((checkpoint, note, cosigned))
}

/// Fetches tile `id`, falling back to the full tile when a partial one is gone (C2SP allows logs to
/// delete a partial tile once the full one exists); the full tile's first hashes are the partial's.
fn fetch_sized(
    src: &Source,
    path: impl Fn(&TileId) -> String,
    id: &TileId,
    limit: usize,
) -> Result<Vec<u8>, TlogError> {
    if let Some(bytes) = src.get(&path(id), limit)? {
        return Ok(bytes);
    }
    if !id.is_full()
        && let Some(bytes) = src.get(&path(&id.full()), limit)?
    {
        return Ok(bytes);
    }
    Err(TlogError::Missing(src.describe(&path(id))))
}

/// The hash tile `id`, exactly `id.width` hashes.
fn fetch_tile(src: &Source, id: &TileId) -> Result<Vec<u8>, TlogError> {
    let mut bytes = fetch_sized(src, TileId::path, id, FULL_TILE_BYTES)?;
    if bytes.len() == FULL_TILE_BYTES && !id.is_full() {
        bytes.truncate(id.byte_len());
    }
    Ok(bytes)
}

/// The tiles `ids` of a tree of `size`, fetched in parallel.
pub(crate) fn fetch_tiles(
    src: &Source,
    ids: impl IntoIterator<Item = TileId>,
    size: u64,
) -> Result<TileSet, TlogError> {
    use rayon::prelude::*;
    let ids: Vec<TileId> = ids.into_iter().collect();
    let fetched: Vec<(TileId, Vec<u8>)> =
        ids.par_iter().map(|id| fetch_tile(src, id).map(|b| (*id, b))).collect::<Result<_, _>>()?;
    let mut set = TileSet::new(size);
    for (id, bytes) in fetched {
        set.insert(&id, &bytes)?;
    }
    Ok(set)
}

/// The record lines of level-0 tile `id` (exactly `id.width` lines, each with its newline).
fn fetch_records(src: &Source, id: &TileId) -> Result<Vec<u8>, TlogError> {
    let bytes = fetch_sized(src, records_path, id, MAX_RECORD_BUNDLE)?;
    let lines = bytes.split_inclusive(|&b| b == b'\n').count() as u64;
    let complete = bytes.is_empty() || bytes.ends_with(b"\n");
    if lines == id.width && complete {
        return Ok(bytes);
    }
    if lines == tiles::TILE_WIDTH && complete && !id.is_full() {
        // The full bundle replaced the partial one: keep its first `width` lines.
        let keep: usize = bytes.split_inclusive(|&b| b == b'\n').take(id.width as usize).map(<[u8]>::len).sum();
        return Ok(bytes.get(..keep).unwrap_or_default().to_vec());
    }
    Err(TlogError::Inconsistent(format!(
        "{}: {lines} record lines, expected {}",
        src.describe(&records_path(id)),
        id.width
    )))
}

/// The record lines `[start, end)` of a log of `size` records, fetched bundle by bundle (in
/// parallel, joined in order).
fn fetch_lines(src: &Source, start: u64, end: u64, size: u64) -> Result<Vec<u8>, TlogError> {
    use rayon::prelude::*;
    let ids: Vec<TileId> = (start / tiles::TILE_WIDTH..end.div_ceil(tiles::TILE_WIDTH))
        .filter_map(|n| TileId::in_tree(0, n, size))
        .collect();
    let bundles: Vec<Vec<u8>> = ids.par_iter().map(|id| fetch_records(src, id)).collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for (id, bundle) in ids.iter().zip(bundles) {
        let first = start.saturating_sub(id.start_leaf()) as usize;
        let last = (end - id.start_leaf()).min(id.width) as usize;
        for line in bundle.split_inclusive(|&b| b == b'\n').skip(first).take(last.saturating_sub(first)) {
            out.extend_from_slice(line);
        }
    }
    Ok(out)
}

/// Verifies the whole log; returns the verified log and its ledger bytes.
pub fn verify_full(src: &Source, trust: &Trust<'_>) -> Result<(VerifiedLog, Vec<u8>, CompactRange), TlogError> {
    let (checkpoint, note, cosigned) = self::checkpoint(src, trust)?;
    let ledger = fetch_lines(src, 0, checkpoint.size, checkpoint.size)?;
    let mut raw: Vec<[u8; 32]> = Vec::new();
    let head = verify_stream(ledger.as_slice(), Some(trust.key), |r| raw.extend(decode_hash_hex(&r.hash)))
        .map_err(|source| TlogError::Ledger { what: src.describe("records/"), source })?;
    if head.records != checkpoint.size {
        return Err(TlogError::Inconsistent(format!(
            "the log's record bundles hold {} records, its checkpoint {}",
            head.records, checkpoint.size
        )));
    }
    let tree = Tree::from_leaf_hashes(raw.iter().map(|h| hash_leaf(h)));
    if tree.root() != checkpoint.root {
        return Err(TlogError::Inconsistent(format!(
            "the records' tree head {} is not the checkpoint's root {}",
            B64.encode(tree.root()),
            B64.encode(checkpoint.root)
        )));
    }
    check_served_tiles(src, &tree, &raw)?;
    let mut range = CompactRange::new();
    for h in &raw {
        range.push(hash_leaf(h));
    }
    let log = VerifiedLog { checkpoint, note, verified: head.records, head, cosigned, state: None };
    Ok((log, ledger, range))
}

/// Every hash tile and entry bundle the log serves must be the one computed from the records.
fn check_served_tiles(src: &Source, tree: &Tree, raw: &[[u8; 32]]) -> Result<(), TlogError> {
    use rayon::prelude::*;
    tiles::all_tiles(tree.size()).par_iter().try_for_each(|id| {
        let want = tiles::tile_from_tree(tree, id)?;
        if fetch_tile(src, id)? != want {
            return Err(TlogError::Inconsistent(format!(
                "{}: differs from the tile the records give",
                src.describe(&id.path())
            )));
        }
        if id.level == 0 {
            let range = id.start_leaf() as usize..(id.start_leaf() + id.width) as usize;
            let want = tiles::encode_bundle(raw.get(range).unwrap_or_default().iter().map(|h| h.as_slice()))?;
            let got = fetch_sized(src, TileId::entries_path, id, 256 * 34)?;
            let got = if got.len() > want.len() && !id.is_full() {
                got.get(..want.len()).unwrap_or_default().to_vec()
            } else {
                got
            };
            if got != want {
                return Err(TlogError::Inconsistent(format!(
                    "{}: its entries are not the records' hashes",
                    src.describe(&id.entries_path())
                )));
            }
        }
        Ok(())
    })
}

/// Verifies the log, from the stored state in `state_dir` if there is one, and stores the new state.
pub fn verify(src: &Source, trust: &Trust<'_>, state_dir: Option<&Path>) -> Result<VerifiedLog, TlogError> {
    let (checkpoint, note, cosigned) = self::checkpoint(src, trust)?;
    let stored = match state_dir {
        Some(dir) => state::load(dir, &checkpoint.origin)?,
        None => None,
    };
    let (mut log, range) = match stored {
        None => {
            let (log, _, range) = verify_full(src, trust)?;
            (log, range)
        }
        Some(stored) => incremental(src, trust.key, stored, checkpoint, note, cosigned, state_dir)?,
    };
    if let Some(dir) = state_dir {
        let saved = LogState { checkpoint: log.note.clone(), head: log.head.clone(), range };
        log.state = Some(state::save(dir, &log.checkpoint.origin, &saved)?);
    }
    Ok(log)
}

fn incremental(
    src: &Source,
    key: &VerifyingKey,
    stored: LogState,
    checkpoint: Checkpoint,
    note: String,
    cosigned: Vec<String>,
    state_dir: Option<&Path>,
) -> Result<(VerifiedLog, CompactRange), TlogError> {
    let verifier = NoteVerifier::new(&checkpoint.origin, *key)
        .map_err(|source| TlogError::Checkpoint { what: "state".into(), source })?;
    let old = Checkpoint::open(&stored.checkpoint, &verifier)
        .map_err(|source| TlogError::Checkpoint { what: "the stored checkpoint".into(), source })?;
    if checkpoint.size < old.size {
        return Err(TlogError::Inconsistent(format!(
            "rollback: the log now serves size {} but this verifier already trusted size {} of it",
            checkpoint.size, old.size
        )));
    }
    if checkpoint.size == old.size {
        if checkpoint.root != old.root {
            let evidence = state_dir.map(|d| d.join(format!("split-view-{}.txt", old.size)));
            if let Some(path) = &evidence {
                write_atomic(path, format!("{}\n{}", stored.checkpoint, note).as_bytes())?;
            }
            return Err(TlogError::SplitView {
                origin: checkpoint.origin,
                size: old.size,
                held: B64.encode(old.root),
                fetched: B64.encode(checkpoint.root),
                evidence,
            });
        }
        let log = VerifiedLog { checkpoint, note, head: stored.head, verified: 0, cosigned, state: None };
        return Ok((log, stored.range));
    }
    // The tiles must prove the new tree extends the stored one.
    let needed = tiles::tiles_for_consistency(old.size, checkpoint.size)?;
    let set = fetch_tiles(src, needed, checkpoint.size)?;
    let proof = set.consistency_proof(old.size)?;
    rfc6962::verify_consistency(old.size, checkpoint.size, &proof, &old.root, &checkpoint.root).map_err(|e| {
        // A different tree that does not extend the stored one is a split view too.
        TlogError::Inconsistent(format!(
            "the log's size-{} tree does not extend the size-{} tree this verifier trusted: {e}",
            checkpoint.size, old.size
        ))
    })?;
    let lines = fetch_lines(src, old.size, checkpoint.size, checkpoint.size)?;
    let mut range = stored.range;
    let head = verify_stream_from(stored.head, lines.as_slice(), |r| {
        if let Some(h) = decode_hash_hex(&r.hash) {
            range.push(hash_leaf(&h));
        }
    })
    .map_err(|source| TlogError::Ledger { what: src.describe("records/"), source })?;
    if head.records != checkpoint.size || range.root() != checkpoint.root {
        return Err(TlogError::Inconsistent(format!(
            "the new records (to seq {}) do not hash to the checkpoint's root at size {}",
            head.records.saturating_sub(1),
            checkpoint.size
        )));
    }
    let verified = checkpoint.size - old.size;
    Ok((VerifiedLog { checkpoint, note, head, verified, cosigned, state: None }, range))
}

/// An inclusion proof of record `seq` built from the log's tiles and its record bundle alone, checked
/// before it is returned.
pub fn prove(src: &Source, trust: &Trust<'_>, seq: u64) -> Result<InclusionProof, TlogError> {
    let (checkpoint, note, _) = self::checkpoint(src, trust)?;
    if seq >= checkpoint.size {
        return Err(TlogError::Usage(format!("seq {seq} is not in the log's checkpoint (size {})", checkpoint.size)));
    }
    let set = fetch_tiles(src, tiles::tiles_for_inclusion(seq, checkpoint.size)?, checkpoint.size)?;
    let path = set.inclusion_proof(seq)?;
    let lines = fetch_lines(src, seq, seq + 1, checkpoint.size)?;
    let line = String::from_utf8(lines).map_err(|_| TlogError::Inconsistent(format!("record {seq} is not UTF-8")))?;
    let proof =
        InclusionProof { record_line: line.trim_end_matches('\n').to_owned(), index: seq, path, checkpoint: note };
    let verifier = NoteVerifier::new(&checkpoint.origin, *trust.key)
        .map_err(|source| TlogError::Checkpoint { what: "checkpoint".into(), source })?;
    proof
        .verify(&verifier)
        .map_err(|e| TlogError::Inconsistent(format!("the proof built from the log's tiles does not verify: {e}")))?;
    Ok(proof)
}
