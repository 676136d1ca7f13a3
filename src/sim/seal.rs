//! Sealed private tests in the simulation (`private_testing.seal: true`): every variant's test
//! starts with a commitment instead of its name, and the ledger names the variant only when its
//! provider reveals it, just before its release or its first disclosure that stays public. A variant
//! whose scores are all retracted or never disclosed is never revealed: the ledger counts its test
//! and proves the withheld score (`disclose-all-variants`), without ever naming it.
//!
//! Salts are derived from the seed (SHA-256 of the seed and the model id), so a seed gives the same
//! ledger; a real provider draws 32 random bytes (`fairboard seal`).

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use super::arena::{Cast, Origin};
use super::{Signer, TimedEvent};
use crate::ledger::event::Event;
use crate::ledger::seal::{Opening, sealed_id};

/// A variant's seal: its real id, provider, salt and commitment.
struct Sealed {
    provider: String,
    salt: String,
    commitment: String,
    id: String,
}

/// Rewrites `timeline` so that every variant of `cast` is sealed until its reveal.
pub fn seal(timeline: Vec<TimedEvent>, cast: &Cast, seed: u64) -> Vec<TimedEvent> {
    let mut seals: BTreeMap<String, Sealed> = BTreeMap::new();
    for m in cast.models.iter().filter(|m| matches!(m.origin, Origin::Variant { .. })) {
        let provider = cast.providers[m.provider].id.clone();
        let digest = Sha256::digest(format!("fairboard-sim-salt {seed} {}", m.id).as_bytes());
        let salt = crate::primitives::crypto::hex(&digest);
        let commitment = Opening { model: &m.id, provider: &provider, salt: &salt, artifact: None }.commitment();
        seals.insert(m.id.clone(), Sealed { id: sealed_id(&commitment), provider, salt, commitment });
    }
    // Revealed: released variants, and variants with a disclosure never retracted.
    let mut released = BTreeSet::new();
    let mut disclosed = BTreeSet::new();
    let mut retracted = BTreeSet::new();
    for (_, e, _) in &timeline {
        match e {
            Event::ModelReleased { model, .. } => released.insert(model.clone()),
            Event::ScoreDisclosed { model, .. } => disclosed.insert(model.clone()),
            Event::ScoreRetracted { model, .. } => retracted.insert(model.clone()),
            _ => false,
        };
    }
    let reveals = |m: &str| released.contains(m) || (disclosed.contains(m) && !retracted.contains(m));
    let mut revealed: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(timeline.len() + seals.len());
    for (time, event, signer) in timeline {
        let trigger = match &event {
            Event::ModelReleased { model, .. } => Some(model.clone()),
            Event::ScoreDisclosed { model, .. } if !released.contains(model) => Some(model.clone()),
            _ => None,
        };
        if let Some(model) = trigger.filter(|m| seals.contains_key(m) && reveals(m) && !revealed.contains(m))
            && let Some(s) = seals.get(&model)
        {
            out.push((
                time,
                Event::PrivateTestRevealed {
                    provider: s.provider.clone(),
                    commitment: s.commitment.clone(),
                    model: model.clone(),
                    salt: s.salt.clone(),
                    artifact: None,
                },
                Signer::Provider(s.provider.clone()),
            ));
            revealed.insert(model);
        }
        let hidden = |m: &str| seals.get(m).filter(|_| !revealed.contains(m)).map(|s| s.id.clone());
        let name = |m: String| hidden(&m).unwrap_or(m);
        let event = match event {
            Event::PrivateTestStarted { model: Some(model), provider, commitment: None } => {
                match seals.get(&model).filter(|_| !revealed.contains(&model)) {
                    Some(s) => {
                        Event::PrivateTestStarted { model: None, provider, commitment: Some(s.commitment.clone()) }
                    }
                    None => Event::PrivateTestStarted { model: Some(model), provider, commitment: None },
                }
            }
            Event::ModelRegistered { model, provider, license, visibility } => {
                Event::ModelRegistered { model: name(model), provider, license, visibility }
            }
            Event::PrivateTestEnded { model, provider } => Event::PrivateTestEnded { model: name(model), provider },
            Event::BattlesRecorded { period_start, period_end, mut pairs } => {
                for p in &mut pairs {
                    p.model_a = name(std::mem::take(&mut p.model_a));
                    p.model_b = name(std::mem::take(&mut p.model_b));
                }
                Event::BattlesRecorded { period_start, period_end, pairs }
            }
            Event::SamplingSet { effective_from, weights } => {
                Event::SamplingSet { effective_from, weights: weights.into_iter().map(|(m, w)| (name(m), w)).collect() }
            }
            Event::ScoreDisclosed { model, rating, ci_low, ci_high, battles, method, board_digest } => {
                Event::ScoreDisclosed { model: name(model), rating, ci_low, ci_high, battles, method, board_digest }
            }
            Event::ScoreRetracted { model, provider, reason } => {
                Event::ScoreRetracted { model: name(model), provider, reason }
            }
            Event::ModelDeprecated { model, reason, public } => {
                Event::ModelDeprecated { model: name(model), reason, public }
            }
            other => other,
        };
        out.push((time, event, signer));
    }
    out
}
