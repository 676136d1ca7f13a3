//! C2SP `tlog-tiles`: the Merkle tree as static files of 256 hashes, and proofs computed from them.
//!
//! Tile `(L, N)` holds the hashes of the complete subtrees of 256^L leaves numbered `N·256 …
//! N·256 + W − 1` (W = 256 for a full tile, 1–255 for the partial tile at the right edge). Its path is
//! `tile/<L>/<N>[.p/<W>]` with N written in groups of three digits, all but the last prefixed with
//! `x` (`1234067` → `x001/x234/067`). Entry bundles `tile/entries/<N>[.p/<W>]` hold the leaves' data,
//! each prefixed by its length as a big-endian u16.
//!
//! [`TileSet`] answers any RFC 6962 subtree hash from the tiles of one tree size, so the proof
//! algorithms of [`super::rfc6962`] run unchanged on tiles; [`tiles_for_root`],
//! [`tiles_for_inclusion`] and [`tiles_for_consistency`] name the tiles a computation needs before
//! anything is fetched.

use std::collections::{BTreeSet, HashMap};

use super::rfc6962::{self, EMPTY_ROOT, Hash, MerkleError, hash_children, split_point};
use super::tree::Tree;

/// Hashes in a full tile.
pub const TILE_WIDTH: u64 = 256;
/// Bytes of a full hash tile.
pub const FULL_TILE_BYTES: usize = 256 * 32;
/// The height of one tile in tree levels (256 = 2^8).
const TILE_HEIGHT: u32 = 8;
/// The highest tile level the spec allows.
pub const MAX_LEVEL: u8 = 63;
/// The longest entry an entry bundle can carry: its length prefix is a u16.
pub const MAX_ENTRY_BYTES: usize = u16::MAX as usize;

/// Why tiles or bundles cannot answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    /// A tile the computation needs was not provided.
    #[error("tile {0} is missing")]
    Missing(String),
    /// A tile does not have the width its path names.
    #[error("tile {path}: {found} bytes, expected {expected} ({width} hashes of 32 bytes)")]
    Length {
        /// The tile's path.
        path: String,
        /// Bytes found.
        found: usize,
        /// Bytes expected.
        expected: usize,
        /// Its width in hashes.
        width: u64,
    },
    /// An entry bundle is malformed.
    #[error("entry bundle {path}: {reason}")]
    Bundle {
        /// The bundle's path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A tile path is malformed.
    #[error("`{0}` is not a tile path (tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>])")]
    Path(String),
    /// An entry is longer than the bundle format allows.
    #[error("an entry of {0} bytes does not fit a bundle (at most 65,535)")]
    EntryTooLong(usize),
    /// The proof algorithms refused the sizes.
    #[error(transparent)]
    Merkle(#[from] MerkleError),
}

/// One tile of a tree of known size: its level, index and width (256 when full).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Level: 0 holds leaf hashes, level L the hashes of subtrees of 256^L leaves.
    pub level: u8,
    /// Index within the level.
    pub index: u64,
    /// Number of hashes, 1–256.
    pub width: u64,
}

impl TileId {
    /// The tile at `(level, index)` in a tree of `size` leaves: full if the tree covers it, else the
    /// partial tile of that size; `None` if the tree has no hash in it.
    pub fn in_tree(level: u8, index: u64, size: u64) -> Option<Self> {
        let count = hashes_at_level(level, size);
        let start = index.checked_mul(TILE_WIDTH)?;
        if count <= start {
            return None;
        }
        Some(Self { level, index, width: (count - start).min(TILE_WIDTH) })
    }

    /// Whether this tile has all 256 hashes.
    pub fn is_full(&self) -> bool {
        self.width == TILE_WIDTH
    }

    /// The same tile when full (the fallback when a partial tile has been replaced).
    pub fn full(&self) -> Self {
        Self { width: TILE_WIDTH, ..*self }
    }

    /// Its path under the log's prefix: `tile/<L>/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!("tile/{}/{}", self.level, index_path(self.index, self.width))
    }

    /// The path of the entry bundle with the same index and width (level 0 only makes sense).
    pub fn entries_path(&self) -> String {
        format!("tile/entries/{}", index_path(self.index, self.width))
    }

    /// Bytes of the tile's content.
    pub fn byte_len(&self) -> usize {
        self.width as usize * 32
    }

    /// The first leaf the tile's hashes span.
    pub fn start_leaf(&self) -> u64 {
        self.index.saturating_mul(TILE_WIDTH).saturating_mul(leaves_per_hash(self.level))
    }
}

/// Number of complete 256^level-leaf subtrees in a tree of `size` leaves.
fn hashes_at_level(level: u8, size: u64) -> u64 {
    let shift = u32::from(level) * TILE_HEIGHT;
    if shift >= 64 { 0 } else { size >> shift }
}

/// Leaves under one hash of a tile at `level` (saturating past 2^64).
fn leaves_per_hash(level: u8) -> u64 {
    1u64.checked_shl(u32::from(level) * TILE_HEIGHT).unwrap_or(u64::MAX)
}

/// `N[.p/W]` with N in `x`-prefixed groups of three digits.
pub fn index_path(index: u64, width: u64) -> String {
    let digits = format!("{index}");
    let pad = (3 - digits.len() % 3) % 3;
    let padded = format!("{}{digits}", "0".repeat(pad));
    let groups: Vec<&str> = padded.as_bytes().chunks(3).filter_map(|c| std::str::from_utf8(c).ok()).collect();
    let mut out = String::new();
    for (i, g) in groups.iter().enumerate() {
        if i + 1 < groups.len() {
            out.push('x');
            out.push_str(g);
            out.push('/');
        } else {
            out.push_str(g);
        }
    }
    if width < TILE_WIDTH {
        out.push_str(&format!(".p/{width}"));
    }
    out
}

/// Parses a tile or entry-bundle path: `(level, index, width)`, level `None` for an entry bundle.
pub fn parse_path(path: &str) -> Result<(Option<u8>, u64, u64), TileError> {
    let bad = || TileError::Path(path.to_owned());
    let rest = path.strip_prefix("tile/").ok_or_else(bad)?;
    let (level, rest) = rest.split_once('/').ok_or_else(bad)?;
    let level = if level == "entries" {
        None
    } else {
        let l = parse_decimal(level).ok_or_else(bad)?;
        Some(u8::try_from(l).ok().filter(|l| *l <= MAX_LEVEL).ok_or_else(bad)?)
    };
    let (index_part, width) = match rest.split_once(".p/") {
        Some((i, w)) => {
            let w = parse_decimal(w).filter(|w| (1..TILE_WIDTH).contains(w)).ok_or_else(bad)?;
            (i, w)
        }
        None => (rest, TILE_WIDTH),
    };
    let parts: Vec<&str> = index_part.split('/').collect();
    let mut index: u64 = 0;
    for (i, part) in parts.iter().enumerate() {
        let digits = if i + 1 < parts.len() { part.strip_prefix('x').ok_or_else(bad)? } else { part };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let v: u64 = digits.parse().map_err(|_| bad())?;
        index = index.checked_mul(1000).and_then(|x| x.checked_add(v)).ok_or_else(bad)?;
    }
    // The encoding is unique: no leading all-zero groups.
    if index_path(index, width) != rest {
        return Err(bad());
    }
    Ok((level, index, width))
}

fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

/// Every tile of a tree of `size` leaves, level by level (the full ones and the partial edge).
pub fn all_tiles(size: u64) -> Vec<TileId> {
    let mut out = Vec::new();
    for level in 0..=MAX_LEVEL {
        let count = hashes_at_level(level, size);
        if count == 0 {
            break;
        }
        for index in 0..count.div_ceil(TILE_WIDTH) {
            out.extend(TileId::in_tree(level, index, size));
        }
    }
    out
}

/// The content of tile `id` from a tree that holds at least the leaves it spans.
pub fn tile_from_tree(tree: &Tree, id: &TileId) -> Result<Vec<u8>, TileError> {
    let per = leaves_per_hash(id.level);
    let mut out = Vec::with_capacity(id.byte_len());
    for i in 0..id.width {
        let start = (id.index * TILE_WIDTH + i) * per;
        out.extend_from_slice(&tree.range_hash(start, per)?);
    }
    Ok(out)
}

/// An entry bundle: each entry prefixed by its big-endian u16 length.
pub fn encode_bundle<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Result<Vec<u8>, TileError> {
    let mut out = Vec::new();
    for e in entries {
        let len = u16::try_from(e.len()).map_err(|_| TileError::EntryTooLong(e.len()))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// The entries of a bundle that must hold exactly `width` of them.
pub fn decode_bundle<'a>(path: &str, bytes: &'a [u8], width: u64) -> Result<Vec<&'a [u8]>, TileError> {
    let bad = |reason: String| TileError::Bundle { path: path.to_owned(), reason };
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let Some((len, tail)) = rest.split_first_chunk::<2>() else {
            return Err(bad(format!("truncated length prefix after {} entries", out.len())));
        };
        let len = usize::from(u16::from_be_bytes(*len));
        let Some((entry, tail)) = tail.split_at_checked(len) else {
            return Err(bad(format!("entry {} is cut short: {len} bytes announced", out.len())));
        };
        out.push(entry);
        rest = tail;
    }
    if out.len() as u64 != width {
        return Err(bad(format!("{} entries, expected {width}", out.len())));
    }
    Ok(out)
}

/// Hash tiles of one tree size, answering RFC 6962 subtree hashes.
#[derive(Debug, Clone, Default)]
pub struct TileSet {
    size: u64,
    tiles: HashMap<(u8, u64), Vec<Hash>>,
}

impl TileSet {
    /// An empty set for a tree of `size` leaves.
    pub fn new(size: u64) -> Self {
        Self { size, tiles: HashMap::new() }
    }

    /// The tree size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Adds the content of tile `id`, which must be `id.width` hashes; a full tile may stand in for a
    /// partial one (its first hashes are the same).
    pub fn insert(&mut self, id: &TileId, bytes: &[u8]) -> Result<(), TileError> {
        if bytes.len() != id.byte_len() {
            return Err(TileError::Length {
                path: id.path(),
                found: bytes.len(),
                expected: id.byte_len(),
                width: id.width,
            });
        }
        let hashes: Vec<Hash> = bytes.as_chunks::<32>().0.to_vec();
        self.tiles.insert((id.level, id.index), hashes);
        Ok(())
    }

    /// Whether the tile at `(level, index)` is present.
    pub fn has(&self, level: u8, index: u64) -> bool {
        self.tiles.contains_key(&(level, index))
    }

    /// The hash of the complete aligned subtree of 2^height leaves number `index`.
    fn node(&self, height: u32, index: u64) -> Result<Hash, TileError> {
        let level =
            u8::try_from(height / TILE_HEIGHT).map_err(|_| TileError::Missing(format!("level {}", height / 8)))?;
        let k = height % TILE_HEIGHT;
        // The node spans 2^k consecutive hashes of its level's tiles, all in one tile.
        let first = index << k;
        let tile_index = first / TILE_WIDTH;
        let offset = (first % TILE_WIDTH) as usize;
        let tile = self.tiles.get(&(level, tile_index)).ok_or_else(|| {
            TileError::Missing(
                TileId::in_tree(level, tile_index, self.size)
                    .map_or_else(|| format!("tile/{level}/{}", index_path(tile_index, TILE_WIDTH)), |t| t.path()),
            )
        })?;
        let span = tile.get(offset..offset + (1usize << k)).ok_or_else(|| {
            TileError::Missing(format!(
                "hashes {offset}..{} of tile/{level}/{}",
                offset + (1 << k),
                index_path(tile_index, TILE_WIDTH)
            ))
        })?;
        Ok(rfc6962::mth(span))
    }

    /// MTH of leaves `[start, start + len)`.
    pub fn subtree(&self, start: u64, len: u64) -> Result<Hash, TileError> {
        if len == 0 {
            return Ok(EMPTY_ROOT);
        }
        if len.is_power_of_two() && start.is_multiple_of(len) {
            return self.node(len.trailing_zeros(), start >> len.trailing_zeros());
        }
        let k = split_point(len);
        Ok(hash_children(&self.subtree(start, k)?, &self.subtree(start + k, len - k)?))
    }

    /// The tree head over all `size` leaves.
    pub fn root(&self) -> Result<Hash, TileError> {
        self.subtree(0, self.size)
    }

    /// The inclusion proof of leaf `index` in the tree of this size.
    pub fn inclusion_proof(&self, index: u64) -> Result<Vec<Hash>, TileError> {
        with_fallible(|f| rfc6962::inclusion_proof(index, self.size, f), |s, l| self.subtree(s, l))
    }

    /// The consistency proof from the tree of `old` leaves to this size.
    pub fn consistency_proof(&self, old: u64) -> Result<Vec<Hash>, TileError> {
        with_fallible(|f| rfc6962::consistency_proof(old, self.size, f), |s, l| self.subtree(s, l))
    }
}

/// Runs a proof algorithm whose subtree callback is infallible over a fallible one: the first error is
/// kept and returned.
fn with_fallible(
    algorithm: impl FnOnce(&dyn Fn(u64, u64) -> Hash) -> Result<Vec<Hash>, MerkleError>,
    subtree: impl Fn(u64, u64) -> Result<Hash, TileError>,
) -> Result<Vec<Hash>, TileError> {
    let error = std::cell::RefCell::new(None);
    let proof = algorithm(&|s, l| {
        subtree(s, l).unwrap_or_else(|e| {
            error.borrow_mut().get_or_insert(e);
            EMPTY_ROOT
        })
    })?;
    match error.into_inner() {
        Some(e) => Err(e),
        None => Ok(proof),
    }
}

/// The tiles that the subtree hashes `ranges` read, in a tree of `size` leaves.
fn tiles_for_ranges(size: u64, ranges: &[(u64, u64)]) -> BTreeSet<TileId> {
    fn walk(size: u64, start: u64, len: u64, out: &mut BTreeSet<TileId>) {
        if len == 0 {
            return;
        }
        if len.is_power_of_two() && start.is_multiple_of(len) {
            let height = len.trailing_zeros();
            let level = (height / TILE_HEIGHT) as u8;
            let first = (start >> height) << (height % TILE_HEIGHT);
            out.extend(TileId::in_tree(level, first / TILE_WIDTH, size));
            return;
        }
        let k = split_point(len);
        walk(size, start, k, out);
        walk(size, start + k, len - k, out);
    }
    let mut out = BTreeSet::new();
    for &(s, l) in ranges {
        walk(size, s, l, &mut out);
    }
    out
}

/// Records the subtree ranges an algorithm asks for.
fn recorded(
    algorithm: impl FnOnce(&dyn Fn(u64, u64) -> Hash) -> Result<Vec<Hash>, MerkleError>,
) -> Result<Vec<(u64, u64)>, MerkleError> {
    let asked = std::cell::RefCell::new(Vec::new());
    algorithm(&|s, l| {
        asked.borrow_mut().push((s, l));
        EMPTY_ROOT
    })?;
    Ok(asked.into_inner())
}

/// The tiles needed for the tree head of `size` leaves.
pub fn tiles_for_root(size: u64) -> BTreeSet<TileId> {
    tiles_for_ranges(size, &[(0, size)])
}

/// The tiles needed for the inclusion proof of `index` in the tree of `size` leaves.
pub fn tiles_for_inclusion(index: u64, size: u64) -> Result<BTreeSet<TileId>, TileError> {
    let ranges = recorded(|f| rfc6962::inclusion_proof(index, size, f))?;
    Ok(tiles_for_ranges(size, &ranges))
}

/// The tiles needed for the consistency proof from `old` to `new` leaves.
pub fn tiles_for_consistency(old: u64, new: u64) -> Result<BTreeSet<TileId>, TileError> {
    let ranges = recorded(|f| rfc6962::consistency_proof(old, new, f))?;
    Ok(tiles_for_ranges(new, &ranges))
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used, reason = "tests index fixed fixtures")]
mod tests {
    use super::*;
    use crate::merkle::rfc6962::hash_leaf;

    #[test]
    fn index_paths_follow_the_spec_example() {
        assert_eq!(index_path(1_234_067, 256), "x001/x234/067");
        assert_eq!(index_path(0, 256), "000");
        assert_eq!(index_path(5, 17), "005.p/17");
        assert_eq!(index_path(1000, 256), "x001/000");
        assert_eq!(TileId { level: 2, index: 1_234_067, width: 256 }.path(), "tile/2/x001/x234/067");
        assert_eq!(TileId { level: 0, index: 3, width: 9 }.entries_path(), "tile/entries/003.p/9");
        assert_eq!(parse_path("tile/2/x001/x234/067").unwrap(), (Some(2), 1_234_067, 256));
        assert_eq!(parse_path("tile/entries/003.p/9").unwrap(), (None, 3, 9));
        for bad in [
            "tile/0/1",
            "tile/0/x000/001",
            "tile/64/000",
            "tile/0/000.p/256",
            "tile/0/000.p/0",
            "tile/01/000",
            "x/0/000",
            "tile/0/001/002",
        ] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
    }

    /// The spec: "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level
    /// 0 tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and one partial
    /// level 2 tile of width 1"; and a tree of 256 by a full level 0 tile and a partial level 1 tile of 1.
    #[test]
    fn tile_counts_follow_the_spec_examples() {
        let tiles = all_tiles(70_000);
        let at = |l: u8| tiles.iter().filter(move |t| t.level == l);
        assert_eq!(at(0).filter(|t| t.is_full()).count(), 273);
        assert_eq!(at(0).filter(|t| !t.is_full()).map(|t| t.width).collect::<Vec<_>>(), [112]);
        assert_eq!(at(1).filter(|t| t.is_full()).count(), 1);
        assert_eq!(at(1).filter(|t| !t.is_full()).map(|t| t.width).collect::<Vec<_>>(), [17]);
        assert_eq!(at(2).map(|t| t.width).collect::<Vec<_>>(), [1]);
        assert_eq!(tiles.len(), 277);
        let small = all_tiles(256);
        assert_eq!(small, [TileId { level: 0, index: 0, width: 256 }, TileId { level: 1, index: 0, width: 1 }]);
        assert!(all_tiles(0).is_empty());
    }

    fn tree(n: u64) -> Tree {
        Tree::from_leaf_hashes((0..n).map(|i| hash_leaf(&i.to_be_bytes())))
    }

    fn tileset(tree: &Tree, size: u64) -> TileSet {
        let mut set = TileSet::new(size);
        for id in all_tiles(size) {
            set.insert(&id, &tile_from_tree(tree, &id).unwrap()).unwrap();
        }
        set
    }

    #[test]
    fn tiles_answer_roots_and_proofs_like_the_tree() {
        let full = tree(70_000);
        for size in [1, 2, 255, 256, 257, 511, 65_536, 65_537, 70_000] {
            let set = tileset(&full, size);
            assert_eq!(set.root().unwrap(), full.root_at(size).unwrap(), "size {size}");
            for index in [0, size / 3, size - 1] {
                assert_eq!(set.inclusion_proof(index).unwrap(), full.inclusion_proof(index, size).unwrap());
                let needed = tiles_for_inclusion(index, size).unwrap();
                let mut only = TileSet::new(size);
                for id in &needed {
                    only.insert(id, &tile_from_tree(&full, id).unwrap()).unwrap();
                }
                assert_eq!(only.inclusion_proof(index).unwrap(), full.inclusion_proof(index, size).unwrap());
            }
            for old in [0, 1, size / 2, size] {
                assert_eq!(set.consistency_proof(old).unwrap(), full.consistency_proof(old, size).unwrap());
                let mut only = TileSet::new(size);
                for id in tiles_for_consistency(old, size).unwrap() {
                    only.insert(&id, &tile_from_tree(&full, &id).unwrap()).unwrap();
                }
                assert_eq!(only.consistency_proof(old).unwrap(), full.consistency_proof(old, size).unwrap());
            }
            let mut only = TileSet::new(size);
            for id in tiles_for_root(size) {
                only.insert(&id, &tile_from_tree(&full, &id).unwrap()).unwrap();
            }
            assert_eq!(only.root().unwrap(), full.root_at(size).unwrap());
        }
    }

    #[test]
    fn a_missing_tile_is_named_not_guessed() {
        let full = tree(600);
        let set = TileSet::new(600);
        assert!(matches!(set.root(), Err(TileError::Missing(p)) if p.starts_with("tile/")));
        let mut wrong = TileSet::new(600);
        let id = TileId::in_tree(0, 2, 600).unwrap();
        assert_eq!(id.width, 88);
        assert!(matches!(wrong.insert(&id, &[0; 32]), Err(TileError::Length { .. })));
        assert!(tile_from_tree(&full, &id).is_ok());
    }

    #[test]
    fn bundles_round_trip_and_refuse_bad_lengths() {
        let entries: Vec<Vec<u8>> = vec![vec![1; 32], vec![], vec![7; 300]];
        let bytes = encode_bundle(entries.iter().map(Vec::as_slice)).unwrap();
        assert_eq!(&bytes[..2], &[0, 32]);
        let back = decode_bundle("b", &bytes, 3).unwrap();
        assert_eq!(back, entries.iter().map(Vec::as_slice).collect::<Vec<_>>());
        assert!(decode_bundle("b", &bytes, 2).is_err());
        assert!(decode_bundle("b", &bytes[..bytes.len() - 1], 3).is_err());
        assert!(decode_bundle("b", &[0], 1).is_err());
        assert!(matches!(encode_bundle([vec![0u8; 65_536].as_slice()]), Err(TileError::EntryTooLong(65_536))));
    }
}
