//! `fairboard publish`: writes a verified ledger as a tlog-tiles log in a directory, incrementally
//! and crash-safely.
//!
//! Order of writes: every new tile, entry bundle and record bundle (each to a temporary name, flushed,
//! renamed), then the checkpoint the same way, then the removal of partial files the new checkpoint
//! no longer needs. A reader that fetched the old checkpoint finds its partial tiles until the new
//! checkpoint is in place, and the full tiles that replace them after (the fallback C2SP allows); a
//! crash at any point leaves a directory whose checkpoint's files all exist.

use std::path::Path;

use ed25519_dalek::SigningKey;

use super::source::Source;
use super::{TlogError, write_atomic};
use crate::ledger::verify_stream;
use crate::merkle::checkpoint::{Checkpoint, MAX_NOTE_BYTES, NoteSigner};
use crate::merkle::tiles::{self, TileId};
use crate::merkle::{Tree, decode_hash_hex, hash_leaf};
use crate::primitives::limits::MAX_RECORD_BUNDLE_BYTES;

/// What one publish did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Tree size before (0 for a new directory).
    pub old_size: u64,
    /// Tree size now.
    pub size: u64,
    /// Files written (tiles, bundles, the checkpoint).
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
    /// Partial files removed because full ones replaced them.
    pub removed: usize,
    /// The new checkpoint note.
    pub checkpoint: String,
}

/// The record bundle path for a level-0 tile: `records/<N>[.p/<W>]`.
pub fn records_path(id: &TileId) -> String {
    format!("records/{}", tiles::index_path(id.index, id.width))
}

/// Publishes `ledger` (verified under `key`'s public key) to `out` under `origin`.
pub fn publish(ledger: &Path, key: &SigningKey, origin: &str, out: &Path) -> Result<Published, TlogError> {
    let signer = NoteSigner::new(origin, key.clone())
        .map_err(|e| TlogError::Checkpoint { what: "--origin".into(), source: e })?;
    let bytes = std::fs::read(ledger).map_err(|e| TlogError::io(ledger, e))?;
    let mut raw_hashes: Vec<[u8; 32]> = Vec::new();
    verify_stream(bytes.as_slice(), Some(&key.verifying_key()), |r| {
        raw_hashes.extend(decode_hash_hex(&r.hash));
    })
    .map_err(|source| TlogError::Ledger { what: ledger.display().to_string(), source })?;
    let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
    let size = raw_hashes.len() as u64;
    let tree = Tree::from_leaf_hashes(raw_hashes.iter().map(|h| hash_leaf(h)));

    let old_size = previous_size(out, &signer, &tree)?;
    let mut report = Published { old_size, size, files: 0, bytes: 0, removed: 0, checkpoint: String::new() };
    let mut write = |path: &str, content: &[u8]| -> Result<(), TlogError> {
        write_atomic(&out.join(path), content)?;
        report.files += 1;
        report.bytes += content.len() as u64;
        Ok(())
    };
    let changed: Vec<TileId> = tiles::all_tiles(size)
        .into_iter()
        .filter(|t| TileId::in_tree(t.level, t.index, old_size) != Some(*t))
        .collect();
    for id in &changed {
        write(&id.path(), &tiles::tile_from_tree(&tree, id)?)?;
        if id.level == 0 {
            let range = id.start_leaf() as usize..(id.start_leaf() + id.width) as usize;
            let entries = raw_hashes.get(range.clone()).unwrap_or_default();
            write(&id.entries_path(), &tiles::encode_bundle(entries.iter().map(|h| h.as_slice()))?)?;
            let records: Vec<u8> = lines.get(range).unwrap_or_default().concat();
            if records.len() > MAX_RECORD_BUNDLE_BYTES {
                return Err(TlogError::Usage(format!(
                    "{}: {} bytes, more than a reader accepts ({MAX_RECORD_BUNDLE_BYTES}); records this large cannot be published as tiles",
                    records_path(id),
                    records.len()
                )));
            }
            write(&records_path(id), &records)?;
        }
    }
    let note = Checkpoint::new(origin, size, tree.root())
        .sign(&signer)
        .map_err(|e| TlogError::Checkpoint { what: "checkpoint".into(), source: e })?
        .to_text();
    write("checkpoint", note.as_bytes())?;
    report.checkpoint = note;
    // Partial files of the old size that the new one replaced.
    for old in tiles::all_tiles(old_size).into_iter().filter(|t| !t.is_full()) {
        if TileId::in_tree(old.level, old.index, size) == Some(old) {
            continue;
        }
        let mut paths = vec![old.path()];
        if old.level == 0 {
            paths.extend([old.entries_path(), records_path(&old)]);
        }
        for p in paths {
            if std::fs::remove_file(out.join(&p)).is_ok() {
                report.removed += 1;
            }
        }
    }
    Ok(report)
}

/// The size of the checkpoint already in `out` (0 if none), after checking that it is ours and that
/// the ledger still extends it.
fn previous_size(out: &Path, signer: &NoteSigner, tree: &Tree) -> Result<u64, TlogError> {
    let dir = Source::Dir(out.to_path_buf());
    let Some(note) = dir.get("checkpoint", MAX_NOTE_BYTES)? else { return Ok(0) };
    let what = out.join("checkpoint").display().to_string();
    let note = String::from_utf8(note).map_err(|_| TlogError::Usage(format!("{what}: not UTF-8")))?;
    let old = Checkpoint::open(&note, &signer.verifier())
        .map_err(|source| TlogError::Checkpoint { what: what.clone(), source })?;
    if old.size > tree.size() {
        return Err(TlogError::Inconsistent(format!(
            "{what} covers {} records but the ledger has only {}: publishing would roll the log back",
            old.size,
            tree.size()
        )));
    }
    if tree.root_at(old.size).map_err(crate::merkle::tiles::TileError::from)? != old.root {
        return Err(TlogError::Inconsistent(format!(
            "{what}: the ledger's first {} records do not hash to the published root: the ledger rewrote published history",
            old.size
        )));
    }
    Ok(old.size)
}
