//! RFC 6962 Merkle tree hashing, tree heads, and inclusion and consistency proofs.
//!
//! The definitions follow RFC 6962 §2.1 (MTH, PATH, PROOF/SUBPROOF) and the verification algorithms
//! follow RFC 9162 §2.1.3.2 and §2.1.4.2 step by step, so a reader can hold this file next to the RFC.
//! Proof generation is written once, against a function that returns the root of any subtree: the
//! definitional [`mth`] over a slice of leaf hashes (O(n) per call, for tests and small trees), or
//! [`Tree`](super::Tree)'s stored levels (O(1) per complete subtree).
//!
//! Every function works on leaf *hashes* (`hash_leaf(entry)`), never on raw entries, so the same code
//! serves fairboard (whose entries are 32-byte record hashes) and the published test vectors.

use sha2::{Digest, Sha256};

/// A SHA-256 digest: a leaf hash, an interior node, or a tree head.
pub type Hash = [u8; 32];

/// The tree head of the empty tree: SHA-256 of no bytes (RFC 6962 §2.1: MTH({}) = SHA-256()).
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41,
    0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// Why a proof could not be made or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// A leaf index at or beyond the tree size.
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A tree size larger than the number of leaves known.
    #[error("tree size {size} is larger than the {available} leaves available")]
    SizeOutOfRange {
        /// The requested size.
        size: u64,
        /// The leaves known.
        available: u64,
    },
    /// A consistency proof from a larger tree to a smaller one.
    #[error("old tree size {old} is larger than new tree size {new}")]
    SizesReversed {
        /// The old (first) size.
        old: u64,
        /// The new (second) size.
        new: u64,
    },
    /// The proof has the wrong number of hashes for its index and sizes.
    #[error("proof has {found} hashes, expected {expected} for these tree sizes")]
    ProofLength {
        /// The length the sizes imply.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// An inclusion proof does not lead from the leaf to the tree head.
    #[error("inclusion proof does not lead from the leaf to the tree head")]
    InclusionMismatch,
    /// A consistency proof does not reproduce the old tree head.
    #[error("consistency proof does not reproduce the old tree head")]
    OldRootMismatch,
    /// A consistency proof does not reproduce the new tree head.
    #[error("consistency proof does not reproduce the new tree head")]
    NewRootMismatch,
}

/// The hash of a leaf entry: SHA-256(0x00 ‖ data).
pub fn hash_leaf(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// The hash of an interior node: SHA-256(0x01 ‖ left ‖ right).
pub fn hash_children(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two strictly less than `n` (RFC 6962's `k`); `n` must be at least 2.
pub(crate) fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// The Merkle tree head of a list of leaf hashes, by the recursive definition of RFC 6962 §2.1:
/// MTH({}) = SHA-256(), MTH({d}) = leaf hash, MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n])).
pub fn mth(leaf_hashes: &[Hash]) -> Hash {
    match leaf_hashes {
        [] => EMPTY_ROOT,
        [leaf] => *leaf,
        _ => {
            // 0 < k < n: `split_at` cannot panic.
            let (left, right) = leaf_hashes.split_at(split_point(leaf_hashes.len() as u64) as usize);
            hash_children(&mth(left), &mth(right))
        }
    }
}

/// PATH(index, D[size]) of RFC 6962 §2.1.1: the audit path of a leaf, from the leaf's sibling up to a
/// child of the root. `subtree(start, len)` must return MTH(D[start:start+len]) for `len >= 1`.
pub fn inclusion_proof(index: u64, size: u64, subtree: impl Fn(u64, u64) -> Hash) -> Result<Vec<Hash>, MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    // Walk from the root down to the leaf, collecting the sibling subtree at each split.
    let (mut start, mut n, mut m) = (0u64, size, index);
    let mut path = Vec::new();
    while n > 1 {
        let k = split_point(n);
        if m < k {
            path.push(subtree(start + k, n - k));
            n = k;
        } else {
            path.push(subtree(start, k));
            start += k;
            m -= k;
            n -= k;
        }
    }
    path.reverse();
    Ok(path)
}

/// PROOF(old, D[new]) of RFC 6962 §2.1.2: the consistency proof between the tree heads at sizes `old`
/// and `new`. Empty when `old` is 0 or equal to `new`. `subtree` is as for [`inclusion_proof`].
pub fn consistency_proof(old: u64, new: u64, subtree: impl Fn(u64, u64) -> Hash) -> Result<Vec<Hash>, MerkleError> {
    if old > new {
        return Err(MerkleError::SizesReversed { old, new });
    }
    if old == 0 || old == new {
        return Ok(Vec::new());
    }
    // SUBPROOF(m, D[start:start+n], b), unrolled from the root down.
    let (mut start, mut n, mut m, mut whole) = (0u64, new, old, true);
    let mut proof = Vec::new();
    loop {
        if m == n {
            if !whole {
                proof.push(subtree(start, n));
            }
            break;
        }
        let k = split_point(n);
        if m <= k {
            proof.push(subtree(start + k, n - k));
            n = k;
        } else {
            proof.push(subtree(start, k));
            start += k;
            m -= k;
            n -= k;
            whole = false;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// Number of bits needed to write `x` (0 for 0).
fn bit_len(x: u64) -> u32 {
    64 - x.leading_zeros()
}

/// The length of every valid inclusion proof for `index` in a tree of `size` (index < size).
fn inclusion_len(index: u64, size: u64) -> usize {
    // Levels where the paths to `index` and to the last leaf differ, plus the right-border nodes above.
    let inner = bit_len(index ^ (size - 1));
    let border = (index >> inner).count_ones();
    (inner + border) as usize
}

/// The length of every valid consistency proof from `old` to `new` (0 < old < new).
fn consistency_len(old: u64, new: u64) -> usize {
    let shift = old.trailing_zeros();
    let inner = bit_len((old - 1) ^ (new - 1)) - shift;
    let border = ((old - 1) >> bit_len((old - 1) ^ (new - 1))).count_ones();
    let seed = usize::from(!old.is_power_of_two());
    seed + (inner + border) as usize
}

/// The root that an inclusion proof leads to from `leaf_hash` (RFC 9162 §2.1.3.2, steps 1–5).
pub fn root_from_inclusion_proof(index: u64, size: u64, leaf_hash: &Hash, proof: &[Hash]) -> Result<Hash, MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    let expected = inclusion_len(index, size);
    if proof.len() != expected {
        return Err(MerkleError::ProofLength { expected, found: proof.len() });
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf_hash;
    for p in proof {
        if sn == 0 {
            return Err(MerkleError::ProofLength { expected, found: proof.len() });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = hash_children(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = hash_children(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(MerkleError::ProofLength { expected, found: proof.len() });
    }
    Ok(r)
}

/// Verifies that `leaf_hash` is the leaf at `index` of the tree of `size` whose head is `root`
/// (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf_hash: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), MerkleError> {
    let computed = root_from_inclusion_proof(index, size, leaf_hash, proof)?;
    if &computed == root { Ok(()) } else { Err(MerkleError::InclusionMismatch) }
}

/// Verifies that the tree of size `new` with head `new_root` extends the tree of size `old` with head
/// `old_root` (RFC 9162 §2.1.4.2). Equal sizes need equal heads and an empty proof; from size 0 the old
/// head must be the empty-tree head and the proof empty.
pub fn verify_consistency(
    old: u64,
    new: u64,
    proof: &[Hash],
    old_root: &Hash,
    new_root: &Hash,
) -> Result<(), MerkleError> {
    if old > new {
        return Err(MerkleError::SizesReversed { old, new });
    }
    if old == 0 || old == new {
        if !proof.is_empty() {
            return Err(MerkleError::ProofLength { expected: 0, found: proof.len() });
        }
        if old == 0 && old_root != &EMPTY_ROOT {
            return Err(MerkleError::OldRootMismatch);
        }
        if old == new && old_root != new_root {
            return Err(MerkleError::NewRootMismatch);
        }
        return Ok(());
    }
    let expected = consistency_len(old, new);
    if proof.len() != expected {
        return Err(MerkleError::ProofLength { expected, found: proof.len() });
    }
    // Step 1: when `old` is a power of two, its head is the first node of the walk.
    let mut path: Vec<&Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(old_root);
    }
    path.extend(proof.iter());
    // Steps 2–3.
    let (mut fn_, mut sn) = (old - 1, new - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 4.
    let Some((first, rest)) = path.split_first() else {
        return Err(MerkleError::ProofLength { expected, found: proof.len() });
    };
    let (mut fr, mut sr) = (**first, **first);
    // Step 5.
    for c in rest {
        if sn == 0 {
            return Err(MerkleError::ProofLength { expected, found: proof.len() });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = hash_children(c, &fr);
            sr = hash_children(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = hash_children(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 6.
    if sn != 0 {
        return Err(MerkleError::ProofLength { expected, found: proof.len() });
    }
    if &fr != old_root {
        return Err(MerkleError::OldRootMismatch);
    }
    if &sr != new_root {
        return Err(MerkleError::NewRootMismatch);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice, reason = "tests index fixed fixtures")]
mod tests {
    use super::*;

    pub(crate) fn h(hex: &str) -> Hash {
        super::super::decode_hash_hex(hex).unwrap()
    }

    /// The standard leaf entries of the Certificate Transparency test corpus (RFC 6962 tests,
    /// transparency-dev/merkle `proof/verify_test.go` `leaves`).
    pub(crate) fn standard_leaf_data() -> Vec<Vec<u8>> {
        vec![
            vec![],
            vec![0x00],
            vec![0x10],
            vec![0x20, 0x21],
            vec![0x30, 0x31],
            vec![0x40, 0x41, 0x42, 0x43],
            vec![0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            (0x60..=0x6f).collect(),
        ]
    }

    fn standard_leaves() -> Vec<Hash> {
        standard_leaf_data().iter().map(|d| hash_leaf(d)).collect()
    }

    /// Roots of the first 1..=8 standard leaves, from transparency-dev/merkle `proof/verify_test.go`
    /// (`roots`); the same values as `vectors/merkle/rfc6962-roots.txt`.
    const TD_ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    /// Inclusion proofs over the standard leaves, transcribed from transparency-dev/merkle
    /// `proof/verify_test.go` (`inclusionProofs`): (1-based leaf, tree size, path).
    const TD_INCLUSION: &[(u64, u64, &[&str])] = &[
        (1, 1, &[]),
        (
            1,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            &[
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (3, 3, &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        (
            2,
            5,
            &[
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];

    /// Consistency proofs over the standard leaves, transcribed from transparency-dev/merkle
    /// `proof/verify_test.go` (`consistencyProofs`; (1, 8) also as `testdata/consistency/1/happy-path.json`).
    const TD_CONSISTENCY: &[(u64, u64, &[&str])] = &[
        (1, 1, &[]),
        (
            1,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            &[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            5,
            &[
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
        (
            6,
            7,
            &[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
    ];

    /// transparency-dev's `sha256SomeHash`, used as a wrong root and an inserted component.
    const SOME_HASH: &str = "abacaba000000000000000000000000000000000000000000060061e00123456";

    fn slice_subtree(leaves: &[Hash]) -> impl Fn(u64, u64) -> Hash + '_ {
        move |start, len| mth(&leaves[start as usize..(start + len) as usize])
    }

    #[test]
    fn empty_tree_head_is_sha256_of_nothing() {
        assert_eq!(EMPTY_ROOT, <[u8; 32]>::from(Sha256::digest(b"")));
        assert_eq!(mth(&[]), EMPTY_ROOT);
    }

    /// `vectors/merkle/rfc6962-roots.txt`: MTH of the first N standard leaves, N = 0..=8.
    #[test]
    fn rfc6962_roots_vector_file() {
        let Some(path) = crate::shared::vector("merkle/rfc6962-roots.txt").unwrap() else { return };
        let text = std::fs::read_to_string(path).unwrap();
        let leaves = standard_leaves();
        let mut checked = 0;
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let (n, root) = line.split_once(' ').unwrap();
            let n: usize = n.parse().unwrap();
            assert_eq!(crate::primitives::crypto::hex(&mth(&leaves[..n])), root, "size {n}");
            checked += 1;
        }
        assert_eq!(checked, 9);
    }

    #[test]
    fn transparency_dev_roots() {
        let leaves = standard_leaves();
        for (i, root) in TD_ROOTS.iter().enumerate() {
            assert_eq!(mth(&leaves[..=i]), h(root), "size {}", i + 1);
        }
    }

    #[test]
    fn transparency_dev_inclusion_proofs_are_generated_and_verified() {
        let leaves = standard_leaves();
        for &(leaf, size, path) in TD_INCLUSION {
            let index = leaf - 1;
            let want: Vec<Hash> = path.iter().map(|p| h(p)).collect();
            let got = inclusion_proof(index, size, slice_subtree(&leaves[..size as usize])).unwrap();
            assert_eq!(got, want, "generate leaf {index} size {size}");
            let root = h(TD_ROOTS[size as usize - 1]);
            verify_inclusion(index, size, &leaves[index as usize], &want, &root).unwrap();
            // transparency-dev's corruptInclusionProof probes.
            let some = h(SOME_HASH);
            let mut probes: Vec<(u64, u64, Hash, Hash, Vec<Hash>)> = vec![
                (index.wrapping_sub(1), size, root, leaves[index as usize], want.clone()),
                (index + 1, size, root, leaves[index as usize], want.clone()),
                (index ^ 2, size, root, leaves[index as usize], want.clone()),
                (index, size * 2, root, leaves[index as usize], want.clone()),
                (index, size / 2, root, leaves[index as usize], want.clone()),
                (index, size, root, hash_leaf(b"WrongLeaf"), want.clone()),
                (index, size, EMPTY_ROOT, leaves[index as usize], want.clone()),
                (index, size, some, leaves[index as usize], want.clone()),
                (index, size, root, leaves[index as usize], [want.clone(), vec![root]].concat()),
                (index, size, root, leaves[index as usize], [vec![root], want.clone()].concat()),
            ];
            for i in 0..want.len() {
                let mut p = want.clone();
                p[i][0] ^= 8;
                probes.push((index, size, root, leaves[index as usize], p));
            }
            if !want.is_empty() {
                probes.push((index, size, root, leaves[index as usize], want[..want.len() - 1].to_vec()));
            }
            if want.len() > 1 {
                probes.push((
                    index,
                    size,
                    root,
                    leaves[index as usize],
                    [vec![want[0], some], want[1..].to_vec()].concat(),
                ));
            }
            for (n, (i, s, r, l, p)) in probes.iter().enumerate() {
                assert!(verify_inclusion(*i, *s, l, p, r).is_err(), "probe {n} for leaf {index} size {size}");
            }
        }
    }

    #[test]
    fn transparency_dev_consistency_proofs_are_generated_and_verified() {
        let leaves = standard_leaves();
        for &(old, new, path) in TD_CONSISTENCY {
            let want: Vec<Hash> = path.iter().map(|p| h(p)).collect();
            let got = consistency_proof(old, new, slice_subtree(&leaves[..new as usize])).unwrap();
            assert_eq!(got, want, "generate {old} -> {new}");
            let (r1, r2) = (h(TD_ROOTS[old as usize - 1]), h(TD_ROOTS[new as usize - 1]));
            verify_consistency(old, new, &want, &r1, &r2).unwrap();
            if want.is_empty() {
                continue;
            }
            // transparency-dev's corruptConsistencyProof probes.
            let wrong = hash_leaf(b"WrongRoot");
            let mut probes: Vec<(u64, u64, Hash, Hash, Vec<Hash>)> = vec![
                (old - 1, new, r1, r2, want.clone()),
                (old + 1, new, r1, r2, want.clone()),
                (old ^ 2, new, r1, r2, want.clone()),
                (old, new * 2, r1, r2, want.clone()),
                (old, new / 2, r1, r2, want.clone()),
                (old, new, wrong, r2, want.clone()),
                (old, new, r1, wrong, want.clone()),
                (old, new, r2, r1, want.clone()),
                (old, new, r1, r2, vec![]),
                (old, new, r1, r2, [want.clone(), vec![r1]].concat()),
                (old, new, r1, r2, [want.clone(), vec![r2]].concat()),
                (old, new, r1, r2, [vec![r1], want.clone()].concat()),
                (old, new, r1, r2, [vec![r2], want.clone()].concat()),
                (old, new, r1, r2, [vec![want[0]], want.clone()].concat()),
                (old, new, r1, r2, want[..want.len() - 1].to_vec()),
            ];
            for i in 0..want.len() {
                let mut p = want.clone();
                p[i][0] ^= 16;
                probes.push((old, new, r1, r2, p));
            }
            for (n, (s1, s2, a, b, p)) in probes.iter().enumerate() {
                assert!(verify_consistency(*s1, *s2, p, a, b).is_err(), "probe {n} for {old} -> {new}");
            }
        }
    }

    /// transparency-dev/merkle `TestVerifyConsistency` edge cases, with our stricter rule that a size-0
    /// head must be the empty-tree head.
    #[test]
    fn consistency_edge_cases() {
        let (a, b) = (hash_leaf(b"don't care 1"), hash_leaf(b"don't care 2"));
        assert!(verify_consistency(0, 0, &[], &EMPTY_ROOT, &EMPTY_ROOT).is_ok());
        assert!(verify_consistency(0, 1, &[], &EMPTY_ROOT, &b).is_ok());
        assert!(verify_consistency(1, 1, &[], &b, &b).is_ok());
        assert!(verify_consistency(0, 0, &[], &a, &b).is_err());
        assert!(verify_consistency(0, 1, &[], &a, &b).is_err());
        assert!(verify_consistency(1, 1, &[], &a, &b).is_err());
        assert!(verify_consistency(1, 0, &[], &a, &b).is_err());
        assert!(verify_consistency(2, 1, &[], &a, &b).is_err());
        assert!(verify_consistency(1, 2, &[], &a, &b).is_err());
        assert!(verify_consistency(0, 0, &[EMPTY_ROOT], &EMPTY_ROOT, &EMPTY_ROOT).is_err());
        assert!(verify_consistency(0, 1, &[EMPTY_ROOT], &EMPTY_ROOT, &EMPTY_ROOT).is_err());
        assert!(verify_consistency(1, 1, &[EMPTY_ROOT], &EMPTY_ROOT, &EMPTY_ROOT).is_err());
        assert_eq!(consistency_proof(2, 1, |_, _| EMPTY_ROOT), Err(MerkleError::SizesReversed { old: 2, new: 1 }));
    }

    /// transparency-dev/merkle `TestVerifyInclusionSingleEntry` and `TestVerifyInclusion` (empty proofs).
    #[test]
    fn inclusion_edge_cases() {
        let hash = hash_leaf(b"data");
        assert!(verify_inclusion(0, 1, &hash, &[], &hash).is_ok());
        assert!(verify_inclusion(0, 1, &hash, &[], &EMPTY_ROOT).is_err());
        let some = h(SOME_HASH);
        for (index, size) in [(0, 0), (0, 1), (1, 0), (2, 1)] {
            assert!(verify_inclusion(index, size, &some, &[], &EMPTY_ROOT).is_err());
        }
        assert_eq!(inclusion_proof(3, 3, |_, _| EMPTY_ROOT), Err(MerkleError::IndexOutOfRange { index: 3, size: 3 }));
    }

    #[test]
    fn proof_lengths_match_generated_proofs() {
        let leaves: Vec<Hash> = (0u32..40).map(|i| hash_leaf(&i.to_be_bytes())).collect();
        for n in 1..=40u64 {
            let sub = slice_subtree(&leaves[..n as usize]);
            for i in 0..n {
                assert_eq!(inclusion_proof(i, n, &sub).unwrap().len(), inclusion_len(i, n), "{i} in {n}");
            }
            for m in 1..n {
                assert_eq!(consistency_proof(m, n, &sub).unwrap().len(), consistency_len(m, n), "{m} -> {n}");
            }
        }
    }
}
