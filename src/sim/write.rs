//! Writing a simulated timeline as a ledger directory that fairboard's own commands read.
//!
//! [`write_ledger`] creates, in a directory:
//!
//! - `operator.key` / `operator.pub`: the operator's Ed25519 key pair (PKCS#8 / SPKI PEM);
//! - `keys/<provider>.key` / `.pub`: one key pair per provider that signs events;
//! - `policy.yaml` and `builtin/*.rhai`: a byte copy of the shipped pack
//!   (`policies/leaderboard-illusion.yaml`) and the scripts it uses, embedded at build time;
//! - `ledger.jsonl`: `ledger_opened`, `policy_adopted` (the pack's digest), one `key_authorized` per
//!   provider key, then the timeline, each event signed by its signer's key.
//!
//! Keys are derived from the seed, so the same timeline and seed give a byte-identical directory.
//! They are demonstration keys: anyone who knows the seed can rebuild them.

use std::collections::BTreeSet;
use std::fs::{self, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};

use super::{Signer, SimError, TimedEvent};
use crate::ledger::event::{Event, KeyRole};
use crate::ledger::record::{GENESIS_PREV, RecordBody};
use crate::primitives::crypto;

/// What [`write_ledger`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// `DIR/ledger.jsonl`.
    pub ledger: PathBuf,
    /// `DIR/operator.key`.
    pub operator_key: PathBuf,
    /// `DIR/operator.pub`: the trust anchor for `fairboard verify --trust`.
    pub operator_pub: PathBuf,
    /// `DIR/policy.yaml`.
    pub policy: PathBuf,
    /// Records in the ledger.
    pub records: u64,
    /// Size of the ledger in bytes.
    pub bytes: u64,
}

/// A demonstration key derived from the seed and a label.
fn derived_key(seed: u64, label: &str) -> SigningKey {
    let mut h = Sha256::new();
    h.update(b"fairboard/sim/key/v1\n");
    h.update(seed.to_be_bytes());
    h.update(label.as_bytes());
    SigningKey::from_bytes(&h.finalize().into())
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> SimError + '_ {
    move |source| SimError::Io { path: path.to_path_buf(), source }
}

/// Creates `path` with `bytes`, refusing to overwrite.
fn create(path: &Path, bytes: &[u8]) -> Result<(), SimError> {
    let mut f = OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists { SimError::Exists(path.to_path_buf()) } else { io(path)(e) }
    })?;
    f.write_all(bytes).map_err(io(path))
}

/// Writes the shipped pack and its scripts into `dir`; returns the pack's path.
pub fn write_pack(dir: &Path) -> Result<PathBuf, SimError> {
    let policy = dir.join("policy.yaml");
    create(&policy, crate::policy::shipped::PACK.as_bytes())?;
    for (rel, text) in crate::policy::shipped::SCRIPTS {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io(parent))?;
        }
        create(&path, text.as_bytes())?;
    }
    Ok(policy)
}

/// Writes `timeline` as a signed ledger directory `dir` (created if missing; existing files are never
/// overwritten). `leaderboard` names the board in `ledger_opened`; `seed` derives the keys.
pub fn write_ledger(dir: &Path, leaderboard: &str, timeline: &[TimedEvent], seed: u64) -> Result<Written, SimError> {
    fs::create_dir_all(dir).map_err(io(dir))?;
    let ledger = dir.join("ledger.jsonl");
    if ledger.exists() {
        return Err(SimError::Exists(ledger));
    }
    let policy = write_pack(dir)?;
    let pack = crate::store::packs::load(&policy)?;

    let operator = derived_key(seed, "operator");
    let prefix = dir.join("operator");
    let (operator_key, operator_pub) = crate::store::keys::write_keypair(&operator, &prefix)?;
    let providers: BTreeSet<&str> = timeline
        .iter()
        .filter_map(|(_, _, s)| match s {
            Signer::Provider(p) => Some(p.as_str()),
            Signer::Operator => None,
        })
        .collect();
    let keys_dir = dir.join("keys");
    let mut provider_keys = std::collections::BTreeMap::new();
    for p in &providers {
        if !super::scenario::is_provider_id(p) {
            return Err(SimError::BadProviderId((*p).to_owned()));
        }
        fs::create_dir_all(&keys_dir).map_err(io(&keys_dir))?;
        let key = derived_key(seed, &format!("provider/{p}"));
        crate::store::keys::write_keypair(&key, &keys_dir.join(p))?;
        provider_keys.insert(*p, key);
    }

    let first = timeline.first().map_or_else(crate::store::now, |e| e.0);
    let mut preamble: Vec<TimedEvent> = vec![
        (
            first,
            Event::LedgerOpened {
                leaderboard: leaderboard.to_owned(),
                operator_key: crypto::public_key_b64(&operator.verifying_key()),
            },
            Signer::Operator,
        ),
        (
            first,
            Event::PolicyAdopted {
                name: pack.name.clone(),
                version: pack.version.clone(),
                digest: pack.digest.clone(),
            },
            Signer::Operator,
        ),
    ];
    for (p, key) in &provider_keys {
        preamble.push((
            first,
            Event::KeyAuthorized {
                key: crypto::public_key_b64(&key.verifying_key()),
                role: KeyRole::Provider,
                provider: Some((*p).to_owned()),
            },
            Signer::Operator,
        ));
    }

    let file = OpenOptions::new().write(true).create_new(true).open(&ledger).map_err(io(&ledger))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let operator_id = crypto::key_id(&operator.verifying_key());
    let provider_ids: std::collections::BTreeMap<&str, String> =
        provider_keys.iter().map(|(p, k)| (*p, crypto::key_id(&k.verifying_key()))).collect();
    let mut prev = GENESIS_PREV.to_owned();
    let mut last: Option<DateTime<Utc>> = None;
    let mut bytes = 0u64;
    for (seq, (time, event, signer)) in preamble.iter().chain(timeline).enumerate() {
        if last.is_some_and(|l| *time < l) {
            return Err(SimError::TimeBackwards {
                index: seq.saturating_sub(preamble.len()),
                time: crate::primitives::time::format(*time),
            });
        }
        last = Some(*time);
        let (key, signer_id) = match signer {
            Signer::Operator => (&operator, operator_id.clone()),
            Signer::Provider(p) => match (provider_keys.get(p.as_str()), provider_ids.get(p.as_str())) {
                (Some(k), Some(id)) => (k, id.clone()),
                _ => return Err(SimError::BadProviderId(p.clone())),
            },
        };
        let body = RecordBody {
            seq: seq as u64,
            time: crate::primitives::time::format(*time),
            prev,
            signer: signer_id,
            event: event.to_value(),
        };
        let (record, line) = body.sign(key)?;
        out.write_all(line.as_bytes()).and_then(|()| out.write_all(b"\n")).map_err(io(&ledger))?;
        bytes += line.len() as u64 + 1;
        prev = record.hash;
    }
    let file = out.into_inner().map_err(|e| io(&ledger)(e.into_error()))?;
    file.sync_all().map_err(io(&ledger))?;
    Ok(Written { ledger, operator_key, operator_pub, policy, records: (preamble.len() + timeline.len()) as u64, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every script the shipped pack uses is embedded, and every shipped script is.
    #[test]
    fn embedded_pack_is_complete() {
        let dir = tempfile::tempdir().unwrap();
        let policy = write_pack(dir.path()).unwrap();
        crate::store::packs::load(&policy).unwrap();
        let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/builtin");
        let mut on_disk: Vec<String> = fs::read_dir(shipped)
            .unwrap()
            .map(|e| format!("builtin/{}", e.unwrap().file_name().to_string_lossy()))
            .filter(|n| n.ends_with(".rhai"))
            .collect();
        on_disk.sort();
        let embedded: Vec<&str> = crate::policy::shipped::SCRIPTS.iter().map(|s| s.0).collect();
        assert_eq!(on_disk, embedded, "add new scripts under policies/builtin to sim::write::PACK_SCRIPTS");
    }
}
