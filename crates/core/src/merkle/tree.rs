//! A Merkle tree built in one pass that answers tree heads and proofs in O(log n).
//!
//! [`Tree`] keeps every *complete* subtree: level 0 holds the leaf hashes, level k holds the roots of the
//! aligned subtrees of 2^k leaves that are already full. Appending a leaf completes at most one subtree
//! per level, so building the tree over n leaves costs n leaf hashes plus fewer than n node hashes, and
//! the whole structure takes about 2n × 32 bytes (64 MB for a million records). Any RFC 6962 subtree —
//! and therefore any tree head, inclusion proof or consistency proof, for the current size or any
//! earlier one — is a fold over at most log₂ n stored nodes.
//!
//! [`CompactRange`] keeps only the roots of the complete subtrees on the right edge (at most 64 hashes):
//! enough to compute the tree head while streaming a ledger of any length.

use super::rfc6962::{self, EMPTY_ROOT, Hash, MerkleError, hash_children, split_point};

/// A Merkle tree over leaf hashes that stores every complete subtree.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// `levels[k][i]` is the root of leaves `[i·2^k, (i+1)·2^k)`; `levels[0]` are the leaf hashes.
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tree over `leaf_hashes` (already `hash_leaf`ed), built in one pass.
    pub fn from_leaf_hashes(leaf_hashes: impl IntoIterator<Item = Hash>) -> Self {
        let mut tree = Self::new();
        for h in leaf_hashes {
            tree.push(h);
        }
        tree
    }

    /// Appends a leaf hash, completing the subtrees that it closes. Amortised O(1).
    pub fn push(&mut self, leaf_hash: Hash) {
        let mut node = leaf_hash;
        for row in &mut self.levels {
            row.push(node);
            if !row.len().is_multiple_of(2) {
                return;
            }
            let [.., left, right] = row.as_slice() else { return };
            node = hash_children(left, right);
        }
        // Every level was full: the node opens a new one.
        self.levels.push(vec![node]);
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// The leaf hash at `index`, if there is one.
    pub fn leaf_hash(&self, index: u64) -> Option<Hash> {
        let index = usize::try_from(index).ok()?;
        self.levels.first()?.get(index).copied()
    }

    /// The tree head over all leaves.
    pub fn root(&self) -> Hash {
        self.subtree(0, self.size())
    }

    /// The tree head over the first `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, MerkleError> {
        self.check_size(size)?;
        Ok(self.subtree(0, size))
    }

    /// The inclusion proof of leaf `index` in the tree of the first `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, MerkleError> {
        self.check_size(size)?;
        rfc6962::inclusion_proof(index, size, |start, len| self.subtree(start, len))
    }

    /// The consistency proof from the tree of the first `old` leaves to that of the first `new`.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, MerkleError> {
        self.check_size(new)?;
        rfc6962::consistency_proof(old, new, |start, len| self.subtree(start, len))
    }

    /// MTH of leaves `[start, start + len)`: one lookup for an aligned power-of-two range (a tile's
    /// hash), a fold over O(log n) stored nodes otherwise.
    pub fn range_hash(&self, start: u64, len: u64) -> Result<Hash, MerkleError> {
        self.check_size(
            start.checked_add(len).ok_or(MerkleError::SizeOutOfRange { size: u64::MAX, available: self.size() })?,
        )?;
        Ok(self.subtree(start, len))
    }

    fn check_size(&self, size: u64) -> Result<(), MerkleError> {
        if size > self.size() { Err(MerkleError::SizeOutOfRange { size, available: self.size() }) } else { Ok(()) }
    }

    /// MTH of leaves `[start, start + len)`; the caller guarantees `start + len <= size`.
    #[expect(
        clippy::indexing_slicing,
        reason = "callers check start + len <= size, and an aligned power-of-two range of leaves is a complete \
                  subtree that push() has stored"
    )]
    fn subtree(&self, start: u64, len: u64) -> Hash {
        if len == 0 {
            return EMPTY_ROOT;
        }
        if len.is_power_of_two() && start.is_multiple_of(len) {
            let level = len.trailing_zeros() as usize;
            return self.levels[level][(start >> level) as usize];
        }
        // RFC 6962 splits a range at the largest power of two below its length; every range the proof
        // algorithms ask for starts on a boundary of that size, so each half is one lookup or one more split.
        let k = split_point(len);
        hash_children(&self.subtree(start, k), &self.subtree(start + k, len - k))
    }
}

/// The tree head of a growing list of leaves in O(log n) memory: the roots of the complete subtrees
/// along the right edge, largest first.
#[derive(Debug, Clone, Default)]
pub struct CompactRange {
    size: u64,
    peaks: Vec<Hash>,
}

impl CompactRange {
    /// An empty range.
    pub fn new() -> Self {
        Self::default()
    }

    /// The range of a tree of `size` leaves from its peaks (the roots of the complete subtrees of the
    /// binary decomposition of `size`, largest first); `None` if their number does not fit the size.
    pub fn from_peaks(size: u64, peaks: Vec<Hash>) -> Option<Self> {
        (peaks.len() == size.count_ones() as usize).then_some(Self { size, peaks })
    }

    /// The peaks, largest subtree first.
    pub fn peaks(&self) -> &[Hash] {
        &self.peaks
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf_hash: Hash) {
        let mut node = leaf_hash;
        let mut size = self.size;
        while size & 1 == 1 {
            if let Some(left) = self.peaks.pop() {
                node = hash_children(&left, &node);
            }
            size >>= 1;
        }
        self.peaks.push(node);
        self.size += 1;
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The tree head over all leaves pushed so far.
    pub fn root(&self) -> Hash {
        let mut iter = self.peaks.iter().rev();
        let Some(last) = iter.next() else {
            return EMPTY_ROOT;
        };
        iter.fold(*last, |right, left| hash_children(left, &right))
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice, reason = "tests index fixed fixtures")]
mod tests {
    use super::super::rfc6962::{hash_leaf, mth, verify_consistency, verify_inclusion};
    use super::*;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| hash_leaf(&i.to_be_bytes())).collect()
    }

    /// Flips one bit in byte `i` of a copy of `h`.
    fn flip(h: &Hash, i: usize) -> Hash {
        let mut out = *h;
        out[i] ^= 0x01;
        out
    }

    #[test]
    fn roots_agree_with_the_definition_at_every_size() {
        let all = leaves(130);
        let tree = Tree::from_leaf_hashes(all.iter().copied());
        let mut compact = CompactRange::new();
        assert_eq!(compact.root(), EMPTY_ROOT);
        assert_eq!(Tree::new().root(), EMPTY_ROOT);
        for n in 0..=130u64 {
            let want = mth(&all[..n as usize]);
            assert_eq!(tree.root_at(n).unwrap(), want, "tree size {n}");
            assert_eq!(compact.root(), want, "compact size {n}");
            assert_eq!(Tree::from_leaf_hashes(all[..n as usize].iter().copied()).root(), want);
            if let Some(l) = all.get(n as usize) {
                compact.push(*l);
            }
        }
        assert_eq!(tree.size(), 130);
        assert_eq!(tree.leaf_hash(129), Some(all[129]));
        assert_eq!(tree.leaf_hash(130), None);
        assert_eq!(tree.root_at(131), Err(MerkleError::SizeOutOfRange { size: 131, available: 130 }));
    }

    #[test]
    fn proofs_agree_with_the_definition() {
        let all = leaves(70);
        let tree = Tree::from_leaf_hashes(all.iter().copied());
        for n in 1..=70u64 {
            let slice = &all[..n as usize];
            let sub = |s: u64, l: u64| mth(&slice[s as usize..(s + l) as usize]);
            for i in 0..n {
                assert_eq!(tree.inclusion_proof(i, n).unwrap(), rfc6962::inclusion_proof(i, n, sub).unwrap());
            }
            for m in 0..=n {
                assert_eq!(tree.consistency_proof(m, n).unwrap(), rfc6962::consistency_proof(m, n, sub).unwrap());
            }
        }
        assert!(tree.inclusion_proof(0, 71).is_err());
        assert!(tree.consistency_proof(1, 71).is_err());
    }

    /// Every inclusion proof for every index of every tree of 1..=64 leaves verifies, and fails when any
    /// byte of the proof, the root or the leaf changes, or when it is offered for any other index.
    #[test]
    fn exhaustive_inclusion_1_to_64() {
        let all = leaves(64);
        let tree = Tree::from_leaf_hashes(all.iter().copied());
        for n in 1..=64u64 {
            let root = tree.root_at(n).unwrap();
            for i in 0..n {
                let leaf = all[i as usize];
                let mut proof = tree.inclusion_proof(i, n).unwrap();
                verify_inclusion(i, n, &leaf, &proof, &root).unwrap();
                for b in 0..32 {
                    assert!(verify_inclusion(i, n, &flip(&leaf, b), &proof, &root).is_err(), "leaf byte {b}");
                    assert!(verify_inclusion(i, n, &leaf, &proof, &flip(&root, b)).is_err(), "root byte {b}");
                    for p in 0..proof.len() {
                        proof[p][b] ^= 0x01;
                        assert!(verify_inclusion(i, n, &leaf, &proof, &root).is_err(), "{i}/{n} proof[{p}] byte {b}");
                        proof[p][b] ^= 0x01;
                    }
                }
                for j in (0..n).filter(|&j| j != i) {
                    assert!(verify_inclusion(j, n, &leaf, &proof, &root).is_err(), "{i}/{n} offered as {j}");
                }
                if !proof.is_empty() {
                    assert!(verify_inclusion(i, n, &leaf, &proof[1..], &root).is_err());
                }
                assert!(verify_inclusion(i, n, &leaf, &[proof.clone(), vec![root]].concat(), &root).is_err());
            }
        }
    }

    /// Every consistency proof for all 1 ≤ m ≤ n ≤ 64 verifies, and fails when any byte of the proof or
    /// of either root changes, or when a hash is dropped or added.
    #[test]
    fn exhaustive_consistency_1_to_64() {
        let all = leaves(64);
        let tree = Tree::from_leaf_hashes(all.iter().copied());
        let roots: Vec<Hash> = (0..=64).map(|n| tree.root_at(n).unwrap()).collect();
        for n in 1..=64u64 {
            let r2 = roots[n as usize];
            for m in 1..=n {
                let r1 = roots[m as usize];
                let mut proof = tree.consistency_proof(m, n).unwrap();
                verify_consistency(m, n, &proof, &r1, &r2).unwrap();
                for b in 0..32 {
                    assert!(verify_consistency(m, n, &proof, &flip(&r1, b), &r2).is_err(), "{m}->{n} root1 {b}");
                    assert!(verify_consistency(m, n, &proof, &r1, &flip(&r2, b)).is_err(), "{m}->{n} root2 {b}");
                    for p in 0..proof.len() {
                        proof[p][b] ^= 0x01;
                        assert!(verify_consistency(m, n, &proof, &r1, &r2).is_err(), "{m}->{n} proof[{p}] byte {b}");
                        proof[p][b] ^= 0x01;
                    }
                }
                if !proof.is_empty() {
                    assert!(verify_consistency(m, n, &proof[1..], &r1, &r2).is_err());
                    assert!(verify_consistency(m, n, &proof[..proof.len() - 1], &r1, &r2).is_err());
                }
                assert!(verify_consistency(m, n, &[proof.clone(), vec![r2]].concat(), &r1, &r2).is_err());
                if m < n {
                    // A proof between two other sizes, or with the roots swapped, never passes.
                    assert!(verify_consistency(m, n, &proof, &r2, &r1).is_err());
                }
            }
        }
    }

    #[test]
    fn a_forked_history_is_not_consistent() {
        let mut forked = leaves(20);
        let honest = Tree::from_leaf_hashes(forked.iter().copied());
        forked[7] = hash_leaf(b"rewritten");
        let fork = Tree::from_leaf_hashes(forked.iter().copied());
        for m in 8..=20 {
            let proof = fork.consistency_proof(m, 20).unwrap();
            assert!(verify_consistency(m, 20, &proof, &honest.root_at(m).unwrap(), &fork.root()).is_err());
        }
    }
}
