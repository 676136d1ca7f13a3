//! Active sampling (Chiang et al. 2024, Eq. 9) against the configured and the realised sampling.
//!
//! Eq. 9 picks the next pair `a` with probability proportional to how much one more battle narrows
//! its interval: `P(a) ∝ sqrt(Σ_aa / n_a) − sqrt(Σ_aa / (n_a + 1))`, with `n_a` the battles the pair
//! has had and `Σ_aa` the variance of one of its outcomes. fairboard estimates `Σ_aa` the way the
//! sandwich estimator does: the mean squared residual `(y − p_a)²` over the pair's battles (y = 1, ½
//! or 0 for a win, tie or loss of its first model), with `p_a` the Bradley–Terry probability from the
//! fit of all recorded battles (the pair's observed score rate when a model is unrateable). A pair
//! never shown has no residuals: it gets `Σ_aa = p_a(1 − p_a)` and the reduction of its first battle,
//! `sqrt(Σ_aa)`. Every pair keeps a floor: the recommended distribution is
//! `(1 − ε)·P + ε / K` over the K pairs of active models, so each pair gets at least `ε / K`.
//!
//! Shares are compared three ways, per model and per provider:
//! - *recommended*: from that pair distribution;
//! - *configured*: from the `sampling_set` in force, as FastChat's sampler uses its weights (draw
//!   the first model ∝ weight, then its opponent ∝ weight among the rest);
//! - *realised*: from the battles recorded since that `sampling_set` took effect (all battles if
//!   there is none).
//!
//! A model's share is its share of battle *appearances* (two per battle; the shares sum to 1, and
//! the uniform share is 1 / models). A provider's share is the share of *battles* with at least one
//! of its models, as The Leaderboard Illusion measures it and the `provider-sampling-cap` rule reads
//! it.

use std::collections::{BTreeMap, BTreeSet};

use super::AnchorSpec;
use super::bradley_terry::{FitOptions, MAX_RATED_MODELS, rate, sigmoid};
use super::pairs::{Comparisons, PeriodFilter};
use crate::facts::Facts;

/// Sampling could not be compared.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SamplingError {
    /// Too many active models for the pair table (it has models² / 2 rows).
    #[error("{models} active models, more than the limit of {MAX_RATED_MODELS} for the pair distribution")]
    TooManyModels {
        /// Active models.
        models: usize,
    },
}

/// The default floor ε: 5% of battles spread uniformly over all pairs of active models.
pub const DEFAULT_FLOOR: f64 = 0.05;

/// Provider label for models that were never registered.
pub const UNREGISTERED: &str = "(unregistered)";

/// One pair's recommended probability (Eq. 9 with the floor).
#[derive(Debug, Clone, PartialEq)]
pub struct PairShare {
    /// First model (smaller id).
    pub model_a: String,
    /// Second model.
    pub model_b: String,
    /// Battles so far, n_a.
    pub battles: u64,
    /// Estimated outcome variance Σ_aa.
    pub variance: f64,
    /// Recommended probability.
    pub probability: f64,
}

/// Shares of one model or provider.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    /// Model or provider id.
    pub id: String,
    /// The model's provider (for provider rows, the provider itself).
    pub provider: String,
    /// Under the Eq. 9 recommendation.
    pub recommended: f64,
    /// Under the `sampling_set` in force, if any.
    pub configured: Option<f64>,
    /// In the recorded battles since it took effect.
    pub realised: f64,
}

/// The sampling comparison of a ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplingReport {
    /// The floor ε.
    pub floor: f64,
    /// Active models: public (registered public, or released) and not deprecated; every model with
    /// battles when none is registered.
    pub active: Vec<String>,
    /// The recommended distribution over pairs of active models.
    pub pairs: Vec<PairShare>,
    /// Per model (active, weighted, or with realised battles), by id.
    pub models: Vec<Share>,
    /// Per provider, by id.
    pub providers: Vec<Share>,
    /// Seq and `effective_from` of the `sampling_set` in force, if any.
    pub configuration: Option<(u64, i64)>,
    /// Battles the realised shares count.
    pub realised_battles: u64,
}

/// Eq. 9 probabilities with floor `floor` over `pairs`, each given as `(battles, variance)`.
pub fn recommend(pairs: &[(u64, f64)], floor: f64) -> Vec<f64> {
    let k = pairs.len() as f64;
    let gains: Vec<f64> = pairs
        .iter()
        .map(|&(n, var)| {
            let var = var.max(0.0);
            if n == 0 { var.sqrt() } else { (var / n as f64).sqrt() - (var / (n as f64 + 1.0)).sqrt() }
        })
        .collect();
    let total: f64 = gains.iter().sum();
    gains.iter().map(|g| if total > 0.0 { (1.0 - floor) * g / total + floor / k } else { 1.0 / k }).collect()
}

/// Pair probabilities of FastChat's weighted sampler: the first model ∝ weight, the second ∝ weight
/// among the others. Returns `((i, j), probability)` for `i < j` with both weights positive.
pub fn weighted_pairs(weights: &[f64]) -> Vec<((usize, usize), f64)> {
    let total: f64 = weights.iter().filter(|w| **w > 0.0).sum();
    let mut out = Vec::new();
    for i in 0..weights.len() {
        for j in i + 1..weights.len() {
            let (wi, wj) = (weights[i], weights[j]);
            if wi > 0.0 && wj > 0.0 && total > wi && total > wj {
                out.push(((i, j), wi / total * wj / (total - wi) + wj / total * wi / (total - wj)));
            }
        }
    }
    out
}

fn is_active(facts: &Facts, model: &str) -> bool {
    facts.models.get(model).is_some_and(|m| m.is_public() && m.deprecation.is_none())
}

/// Compares the Eq. 9 recommendation with the configured and realised sampling of `facts`.
pub fn report(facts: &Facts, floor: f64) -> Result<SamplingReport, SamplingError> {
    let all = Comparisons::from_facts(facts, PeriodFilter::ALL);
    let active: Vec<String> = if facts.models.is_empty() {
        all.models.clone()
    } else {
        facts.models.keys().filter(|m| is_active(facts, m)).cloned().collect()
    };
    if active.len() > MAX_RATED_MODELS {
        return Err(SamplingError::TooManyModels { models: active.len() });
    }
    let provider = |m: &str| facts.provider_of(m).unwrap_or(UNREGISTERED).to_owned();

    // Σ and n per pair of active models, p from the fit of everything recorded.
    let fitted = rate(&all, &AnchorSpec::Default, FitOptions::default()).ok();
    let strength = |m: &str| {
        let f = fitted.as_ref()?;
        let i = f.models.binary_search_by(|x| x.as_str().cmp(m)).ok()?;
        let k = f.rated.binary_search(&i).ok()?;
        Some(f.theta[k])
    };
    let mut pairs = Vec::new();
    for (x, a) in active.iter().enumerate() {
        for b in &active[x + 1..] {
            let tally = all
                .index_of(a)
                .zip(all.index_of(b))
                .and_then(|(i, j)| all.pairs.binary_search_by(|p| (p.a, p.b).cmp(&(i, j))).ok())
                .map(|k| all.pairs[k]);
            let (wa, wb, t) = tally.map_or((0, 0, 0), |p| (p.wins_a, p.wins_b, p.ties));
            let n = wa + wb + t;
            let p = match (strength(a), strength(b)) {
                (Some(sa), Some(sb)) => sigmoid(sa - sb),
                _ if n > 0 => (wa as f64 + t as f64 / 2.0) / n as f64,
                _ => 0.5,
            };
            let variance = if n > 0 {
                (wa as f64 * (1.0 - p).powi(2) + wb as f64 * p * p + t as f64 * (0.5 - p).powi(2)) / n as f64
            } else {
                p * (1.0 - p)
            };
            pairs.push(PairShare { model_a: a.clone(), model_b: b.clone(), battles: n, variance, probability: 0.0 });
        }
    }
    let probs = recommend(&pairs.iter().map(|p| (p.battles, p.variance)).collect::<Vec<_>>(), floor);
    pairs.iter_mut().zip(probs).for_each(|(p, q)| p.probability = q);

    // The configuration in force and the battles since it took effect.
    let config = facts.sampling_sets.iter().rfind(|s| s.effective_from <= facts.now);
    let since = config.map(|c| c.effective_from);
    let (mut realised_models, mut realised_providers, mut battles) = (BTreeMap::new(), BTreeMap::new(), 0u64);
    for period in facts.periods.iter().filter(|p| since.is_none_or(|t| p.span.0 >= t)) {
        battles += period.battles;
        for &(m, n) in &period.model_battles {
            let name = facts.model_names.get(m as usize).cloned().unwrap_or_default();
            *realised_models.entry(name).or_insert(0u64) += n;
        }
        for (p, n) in &period.provider_battles {
            *realised_providers.entry(p.clone()).or_insert(0u64) += n;
        }
    }
    let (mut configured_models, mut configured_providers) = (BTreeMap::new(), BTreeMap::new());
    if let Some(c) = config {
        let names: Vec<&String> = c.weights.keys().collect();
        let weights: Vec<f64> = c.weights.values().copied().collect();
        for ((i, j), q) in weighted_pairs(&weights) {
            *configured_models.entry(names[i].clone()).or_insert(0.0) += q / 2.0;
            *configured_models.entry(names[j].clone()).or_insert(0.0) += q / 2.0;
            for p in BTreeSet::from([provider(names[i]), provider(names[j])]) {
                *configured_providers.entry(p).or_insert(0.0) += q;
            }
        }
    }
    let (mut recommended_models, mut recommended_providers) = (BTreeMap::new(), BTreeMap::new());
    for p in &pairs {
        *recommended_models.entry(p.model_a.clone()).or_insert(0.0) += p.probability / 2.0;
        *recommended_models.entry(p.model_b.clone()).or_insert(0.0) += p.probability / 2.0;
        for prov in BTreeSet::from([provider(&p.model_a), provider(&p.model_b)]) {
            *recommended_providers.entry(prov).or_insert(0.0) += p.probability;
        }
    }

    let mut ids: BTreeSet<String> = active.iter().cloned().collect();
    ids.extend(config.iter().flat_map(|c| c.weights.keys().cloned()));
    ids.extend(realised_models.keys().cloned());
    let appearances = (2 * battles).max(1) as f64;
    let models: Vec<Share> = ids
        .iter()
        .map(|m| Share {
            id: m.clone(),
            provider: provider(m),
            recommended: recommended_models.get(m).copied().unwrap_or(0.0),
            configured: config.map(|_| configured_models.get(m).copied().unwrap_or(0.0)),
            realised: realised_models.get(m).copied().unwrap_or(0) as f64 / appearances,
        })
        .collect();
    let provider_ids: BTreeSet<String> = models.iter().map(|m| m.provider.clone()).collect();
    let providers = provider_ids
        .into_iter()
        .map(|p| Share {
            recommended: recommended_providers.get(&p).copied().unwrap_or(0.0),
            configured: config.map(|_| configured_providers.get(&p).copied().unwrap_or(0.0)),
            realised: realised_providers.get(&p).copied().unwrap_or(0) as f64 / battles.max(1) as f64,
            provider: p.clone(),
            id: p,
        })
        .collect();
    Ok(SamplingReport {
        floor,
        active,
        pairs,
        models,
        providers,
        configuration: config.map(|c| (c.at.0, c.effective_from)),
        realised_battles: battles,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eq9_favours_uncertain_pairs_and_keeps_the_floor() {
        // pair 0: many battles; pair 1: few; pair 2: never shown; pair 3: a certain outcome
        let p = recommend(&[(10_000, 0.25), (10, 0.25), (0, 0.25), (50, 0.0)], 0.05);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(p[2] > p[1] && p[1] > p[0], "{p:?}");
        assert!((p[3] - 0.05 / 4.0).abs() < 1e-15, "floor only: {p:?}");
        assert!(p.iter().all(|&x| x >= 0.05 / 4.0));
        // the Eq. 9 ratio between two shown pairs with equal variance
        let g = |n: f64| (0.25 / n).sqrt() - (0.25 / (n + 1.0)).sqrt();
        let ratio = (p[1] - 0.0125) / (p[0] - 0.0125);
        assert!((ratio / (g(10.0) / g(10_000.0)) - 1.0).abs() < 1e-6, "{ratio}");
    }

    #[test]
    fn fastchat_weights_give_pair_and_model_shares() {
        let pairs = weighted_pairs(&[1.0, 1.0, 2.0]);
        let total: f64 = pairs.iter().map(|p| p.1).sum();
        assert!((total - 1.0).abs() < 1e-12);
        // P({0,1}) = 1/4·1/3 + 1/4·1/3 = 1/6
        assert!((pairs[0].1 - 1.0 / 6.0).abs() < 1e-12, "{pairs:?}");
        // equal weights: uniform over pairs
        assert!(weighted_pairs(&[3.0; 4]).iter().all(|p| (p.1 - 1.0 / 6.0).abs() < 1e-12));
        assert!(weighted_pairs(&[1.0, 0.0]).is_empty());
    }
}
