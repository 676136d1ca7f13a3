//! Merkle tree throughput over a ledger-sized tree (issue 6), in one run.
//!
//! Builds the tree over 1,000,000 leaves — 32-byte entries like record hashes — in one pass, then
//! reports that first pass, the streaming (O(log n) memory) tree head that `verify --checkpoint` uses,
//! and inclusion and consistency proofs per second, generated and verified, at random indices and sizes.
//!
//! Run: `cargo bench --bench merkle` (`FAIRBOARD_BENCH_LEAVES=N` to change the size). For peak memory,
//! run the built binary under `/usr/bin/time -v`.

use std::error::Error;
use std::hint::black_box;
use std::time::{Duration, Instant};

use fairboard_core::merkle::rfc6962::{verify_consistency, verify_inclusion};
use fairboard_core::merkle::{CompactRange, Tree, hash_leaf};
use sha2::{Digest, Sha256};

/// A small deterministic generator (xorshift64*), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

fn per_second(count: u64, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

#[path = "common/mode.rs"]
mod mode;

fn main() -> Result<(), Box<dyn Error>> {
    // Under `cargo test` a small tree only checks that the bench still runs.
    let measuring = mode::measuring();
    let default_n = if measuring { 1_000_000 } else { 10_000 };
    let n: u64 = std::env::var("FAIRBOARD_BENCH_LEAVES").ok().and_then(|s| s.parse().ok()).unwrap_or(default_n);
    if n < 2 {
        return Err("FAIRBOARD_BENCH_LEAVES must be at least 2".into());
    }
    let proofs: u64 = if measuring { 200_000 } else { 1_000 };
    let entries: Vec<[u8; 32]> = (0..n).map(|i| Sha256::digest(i.to_be_bytes()).into()).collect();
    println!("merkle bench: {n} leaves, {proofs} proofs of each kind");

    // The first pass: every leaf hash and every complete subtree, then the head.
    let t = Instant::now();
    let tree = Tree::from_leaf_hashes(entries.iter().map(|e| hash_leaf(e)));
    let root = tree.root();
    let first_pass = t.elapsed();
    println!(
        "first pass (build Tree, {:.0} MB of nodes): {:.3} s ({:.2} M leaves/s)",
        (2 * n * 32) as f64 / 1e6,
        first_pass.as_secs_f64(),
        per_second(n, first_pass) / 1e6
    );

    // The streaming head, as `verify --checkpoint` and `checkpoint` compute it.
    let t = Instant::now();
    let mut compact = CompactRange::new();
    for e in &entries {
        compact.push(hash_leaf(e));
    }
    let streaming = t.elapsed();
    if compact.root() != root {
        return Err("streaming root differs from the tree root".into());
    }
    println!("streaming tree head (CompactRange): {:.3} s", streaming.as_secs_f64());

    // Inclusion proofs at random indices of the full tree.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let indices: Vec<u64> = (0..proofs).map(|_| rng.below(n)).collect();
    let t = Instant::now();
    let mut made = Vec::with_capacity(indices.len());
    for &i in &indices {
        made.push(tree.inclusion_proof(i, n)?);
    }
    let gen_incl = t.elapsed();
    let t = Instant::now();
    for (&i, proof) in indices.iter().zip(&made) {
        verify_inclusion(i, n, &hash_leaf(&entries[i as usize]), proof, &root)?;
    }
    let ver_incl = t.elapsed();
    let path_len = made.iter().map(Vec::len).sum::<usize>() as f64 / made.len() as f64;
    println!(
        "inclusion proofs: generate {:.0}/s, verify {:.0}/s (mean path {path_len:.1} hashes)",
        per_second(proofs, gen_incl),
        per_second(proofs, ver_incl)
    );
    drop(made);

    // Consistency proofs between random pairs of sizes 1 ≤ m ≤ k ≤ n.
    let pairs: Vec<(u64, u64)> = (0..proofs)
        .map(|_| {
            let k = 1 + rng.below(n);
            (1 + rng.below(k), k)
        })
        .collect();
    let t = Instant::now();
    let mut made = Vec::with_capacity(pairs.len());
    for &(m, k) in &pairs {
        made.push(tree.consistency_proof(m, k)?);
    }
    let gen_cons = t.elapsed();
    // Verification needs the two heads; computing them is not part of verifying.
    let heads: Vec<([u8; 32], [u8; 32])> =
        pairs.iter().map(|&(m, k)| Ok((tree.root_at(m)?, tree.root_at(k)?))).collect::<Result<_, Box<dyn Error>>>()?;
    let t = Instant::now();
    for ((&(m, k), proof), (r1, r2)) in pairs.iter().zip(&made).zip(&heads) {
        verify_consistency(m, k, proof, r1, r2)?;
    }
    let ver_cons = t.elapsed();
    let t = Instant::now();
    for &(m, _) in pairs.iter().take(proofs as usize) {
        black_box(tree.root_at(m)?);
    }
    let heads_time = t.elapsed();
    println!(
        "consistency proofs: generate {:.0}/s, verify {:.0}/s; tree head at an earlier size {:.0}/s",
        per_second(proofs, gen_cons),
        per_second(proofs, ver_cons),
        per_second(proofs, heads_time)
    );
    Ok(())
}
