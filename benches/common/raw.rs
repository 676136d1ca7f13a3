//! Raw Ed25519 `verify_strict` throughput: the baseline verify is compared with, measured in the same
//! run as the figures it is compared with.

use std::time::{Duration, Instant};

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use fairboard::crypto;
use rayon::prelude::*;

/// Signatures over distinct 32-byte messages (a record hash is 32 bytes), all by one key.
pub struct Raw {
    key: VerifyingKey,
    msgs: Vec<[u8; 32]>,
    sigs: Vec<ed25519_dalek::Signature>,
}

impl Raw {
    /// 8192 signatures by a fixed key.
    pub fn new() -> Self {
        use sha2::{Digest, Sha256};
        let signer = SigningKey::from_bytes(&[7; 32]);
        let msgs: Vec<[u8; 32]> = (0..8192u32).map(|i| Sha256::digest(i.to_le_bytes()).into()).collect();
        let sigs = msgs.iter().map(|m| signer.sign(m)).collect();
        Self { key: signer.verifying_key(), msgs, sigs }
    }

    /// Signatures verified per second on the calling thread, over whole passes lasting at least
    /// `at_least` (a window as long as the run it is compared with sees the same machine).
    pub fn one_core_for(&self, at_least: Duration) -> f64 {
        let t = Instant::now();
        let mut passes = 0;
        while passes == 0 || t.elapsed() < at_least {
            assert!(self.msgs.iter().zip(&self.sigs).all(|(m, s)| crypto::verify_strict(&self.key, m, s)));
            passes += 1;
        }
        (passes * self.msgs.len()) as f64 / t.elapsed().as_secs_f64()
    }

    /// Signatures verified per second with every core of rayon's pool at once (one pass).
    pub fn all_cores(&self) -> f64 {
        let t = Instant::now();
        assert!(self.msgs.par_iter().zip(&self.sigs).all(|(m, s)| crypto::verify_strict(&self.key, m, s)));
        self.msgs.len() as f64 / t.elapsed().as_secs_f64()
    }
}
