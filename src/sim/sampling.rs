//! Drawing a day's battles: which pairs meet (the sampling scheme) and who wins (Bradley–Terry).
//!
//! Each day the live models form every possible pair; the scheme gives each pair a probability:
//!
//! - `uniform`: all pairs alike;
//! - `weighted`: a pair's weight is the product of its two models' provider boosts, the hand-set
//!   weights LI found (a few proprietary providers sampled far more);
//! - `active`: Chiang et al. (2024) Eq. 9, `P(a) ∝ sqrt(Σ_a / n_a) − sqrt(Σ_a / (n_a + 1))` with
//!   `n_a` the pair's comparisons so far (plus one, so new pairs are finite) and `Σ_a` the estimated
//!   variance of its outcome, mixed with a uniform floor so that every pair keeps a share; the day is
//!   drawn in batches, re-planned in between, as the comparisons accumulate.
//!
//! A board that enforces `provider-sampling-cap` sets a provider cap: plans trim the pairs of any
//! provider whose expected share of the day's battles would exceed [`PLANNED_SHARE_OF_CAP`] of the cap
//! (the adaptive part first, so its models keep their even share), and a [`Quota`] stops chance from
//! taking a provider over the cap itself.
//!
//! A battle's outcome follows the hidden skills: `P(a beats b) = 1 / (1 + 10^((s_b − s_a)/400))`, with
//! ties at the scenario's rate, capped per pair so that the expected score (a tie counting half)
//! stays exactly that probability and a Bradley–Terry fit recovers the skills.

use rand_chacha::ChaCha8Rng;

use super::scenario::Scheme;
use super::uniform;

/// Outcome counts of every pair so far: `[wins of the smaller index, wins of the larger, ties]`.
#[derive(Debug, Clone)]
pub struct PairCounts {
    n: usize,
    cells: Vec<[u32; 3]>,
}

impl PairCounts {
    /// No battles among `n` models.
    pub fn new(n: usize) -> Self {
        Self { n, cells: vec![[0; 3]; n * n] }
    }

    /// Number of models.
    pub fn models(&self) -> usize {
        self.n
    }

    /// Counts of pair `(i, j)`, `i < j`.
    pub fn get(&self, i: usize, j: usize) -> [u32; 3] {
        self.cells[i * self.n + j]
    }

    /// Adds a day's counts of pair `(i, j)`, `i < j`.
    pub fn add(&mut self, i: usize, j: usize, c: [u32; 3]) {
        let cell = &mut self.cells[i * self.n + j];
        for k in 0..3 {
            cell[k] += c[k];
        }
    }

    /// Every pair with at least one battle: `(i, j, counts)`, `i < j`, in index order.
    pub fn nonzero(&self) -> impl Iterator<Item = (usize, usize, [u32; 3])> + '_ {
        (0..self.n).flat_map(move |i| {
            (i + 1..self.n).filter_map(move |j| {
                let c = self.get(i, j);
                (c[0] + c[1] + c[2] > 0).then_some((i, j, c))
            })
        })
    }
}

/// A day's pair probabilities.
#[derive(Debug, Clone, Default)]
pub struct DayPlan {
    /// The pairs `(i, j)`, `i < j`.
    pub pairs: Vec<(u32, u32)>,
    cumulative: Vec<f64>,
}

/// The sampling scheme with what it needs to know about the models.
#[derive(Debug, Clone)]
pub struct Sampler {
    /// The scheme.
    pub scheme: Scheme,
    /// Boost of each model (its provider's; `weighted` only).
    pub boost: Vec<f64>,
    /// Provider index of each model.
    pub provider: Vec<usize>,
    /// Number of providers.
    pub providers: usize,
    /// `active`: the share of battles spread evenly over all pairs.
    pub floor: f64,
    /// Most share of a day's battles any provider's models may take part in: plans keep every
    /// provider's expected share under [`PLANNED_SHARE_OF_CAP`] of it, and a [`Quota`] enforces it.
    pub provider_cap: Option<f64>,
}

/// The share of the provider cap plans aim at, leaving room for chance under the hard quota.
pub const PLANNED_SHARE_OF_CAP: f64 = 0.85;

/// Rounds of proportional scaling the provider cap gets to converge.
const CAP_ROUNDS: usize = 60;

impl Sampler {
    /// The probabilities of every pair of `live` models (ascending indices), given the counts so far.
    pub fn plan(&self, live: &[usize], counts: &PairCounts) -> DayPlan {
        let mut pairs = Vec::with_capacity(live.len() * live.len().saturating_sub(1) / 2);
        // Each pair's weight is a base part (the scheme's weight, or the active scheme's even floor)
        // plus an adaptive part (the active scheme's Eq. 9 share); the provider cap trims the adaptive
        // part first.
        let mut base = Vec::with_capacity(pairs.capacity());
        let mut adaptive = Vec::with_capacity(pairs.capacity());
        for (k, &i) in live.iter().enumerate() {
            for &j in &live[k + 1..] {
                pairs.push((i as u32, j as u32));
                let (b, a) = match self.scheme {
                    Scheme::Uniform => (1.0, 0.0),
                    Scheme::Weighted => (self.boost[i] * self.boost[j], 0.0),
                    Scheme::Active => {
                        let [wi, wj, t] = counts.get(i, j);
                        let n = f64::from(wi + wj + t);
                        let p = (f64::from(wi) + 0.5 * f64::from(t) + 1.0) / (n + 2.0);
                        let var = p * (1.0 - p);
                        (0.0, (var / (n + 1.0)).sqrt() - (var / (n + 2.0)).sqrt())
                    }
                };
                base.push(b);
                adaptive.push(a);
            }
        }
        if self.scheme == Scheme::Active && !pairs.is_empty() {
            let total: f64 = adaptive.iter().sum();
            let even = self.floor / pairs.len() as f64;
            base.iter_mut().for_each(|b| *b = even);
            adaptive.iter_mut().for_each(|a| *a = if total > 0.0 { (1.0 - self.floor) * *a / total } else { 0.0 });
        }
        if let Some(cap) = self.provider_cap {
            self.cap(&pairs, &mut base, &mut adaptive, PLANNED_SHARE_OF_CAP * cap);
        }
        let mut acc = 0.0;
        let cumulative = base
            .iter()
            .zip(&adaptive)
            .map(|(b, a)| {
                acc += b + a;
                acc
            })
            .collect();
        DayPlan { pairs, cumulative }
    }

    /// Trims the pairs of every provider whose expected share of battles (a battle counts once for a
    /// provider when either side is its model) exceeds `cap`, until none does: the adaptive part
    /// first, so that the provider's models keep their even share, and the base part only when that
    /// alone is over the cap.
    fn cap(&self, pairs: &[(u32, u32)], base: &mut [f64], adaptive: &mut [f64], cap: f64) {
        let owners: Vec<(usize, usize)> =
            pairs.iter().map(|&(i, j)| (self.provider[i as usize], self.provider[j as usize])).collect();
        let (mut share, mut share_base) = (vec![0.0; self.providers], vec![0.0; self.providers]);
        let (mut trim_base, mut trim_adaptive) = (vec![1.0; self.providers], vec![1.0; self.providers]);
        for _ in 0..CAP_ROUNDS {
            share.fill(0.0);
            share_base.fill(0.0);
            let mut total = 0.0;
            for k in 0..owners.len() {
                let (p, q) = owners[k];
                let (b, w) = (base[k], base[k] + adaptive[k]);
                share[p] += w;
                share_base[p] += b;
                if q != p {
                    share[q] += w;
                    share_base[q] += b;
                }
                total += w;
            }
            if total <= 0.0 {
                return;
            }
            let mut over = false;
            for p in 0..self.providers {
                let (s, sb) = (share[p] / total, share_base[p] / total);
                (trim_base[p], trim_adaptive[p]) = if s <= cap {
                    (1.0, 1.0)
                } else if sb < cap {
                    over = true;
                    (1.0, 0.98 * (cap - sb) / (s - sb))
                } else {
                    over = true;
                    (0.98 * cap / s, 0.98 * cap / s)
                };
            }
            if !over {
                return;
            }
            for k in 0..owners.len() {
                let (p, q) = owners[k];
                if q == p {
                    base[k] *= trim_base[p];
                    adaptive[k] *= trim_adaptive[p];
                } else {
                    base[k] *= trim_base[p] * trim_base[q];
                    adaptive[k] *= trim_adaptive[p] * trim_adaptive[q];
                }
            }
        }
    }
}

impl DayPlan {
    fn total(&self) -> f64 {
        self.cumulative.last().copied().unwrap_or(0.0)
    }

    /// Each live model's expected share of battle appearances (the shares sum to 1), by model index.
    pub fn model_shares(&self) -> Vec<(usize, f64)> {
        let total = self.total();
        let mut shares = std::collections::BTreeMap::new();
        let mut prev = 0.0;
        for (&(i, j), &c) in self.pairs.iter().zip(&self.cumulative) {
            let p = (c - prev) / total / 2.0;
            prev = c;
            *shares.entry(i as usize).or_insert(0.0) += p;
            *shares.entry(j as usize).or_insert(0.0) += p;
        }
        shares.into_iter().collect()
    }

    /// Draws `battles` battles into `day` (per pair index: `[wins_i, wins_j, ties]`; cleared first).
    /// With a `quota`, a pair whose provider has used up its battles for the day is drawn again.
    pub fn draw(
        &self,
        battles: u32,
        skills: &[f64],
        tie_rate: f64,
        rng: &mut ChaCha8Rng,
        day: &mut Vec<[u32; 3]>,
        mut quota: Option<&mut Quota<'_>>,
    ) {
        day.clear();
        day.resize(self.pairs.len(), [0; 3]);
        let total = self.total();
        if self.pairs.is_empty() || total <= 0.0 {
            return;
        }
        for _ in 0..battles {
            let mut k = 0;
            for _ in 0..QUOTA_TRIES {
                let u = uniform(rng) * total;
                k = self.cumulative.partition_point(|&c| c <= u).min(self.pairs.len() - 1);
                if quota.as_deref().is_none_or(|q| q.admits(self.pairs[k])) {
                    break;
                }
            }
            if let Some(q) = quota.as_deref_mut() {
                if !q.admits(self.pairs[k]) {
                    continue; // every provider left is at its quota: the battle does not happen
                }
                q.take(self.pairs[k]);
            }
            let (i, j) = self.pairs[k];
            let p = win_probability(skills[i as usize], skills[j as usize]);
            let t = tie_rate.min(2.0 * p.min(1.0 - p));
            let r = uniform(rng);
            let slot = if r < p - t / 2.0 {
                0
            } else if r < p + t / 2.0 {
                2
            } else {
                1
            };
            day[k][slot] += 1;
        }
    }
}

/// Draws a pair may take before a battle is given up under a [`Quota`].
const QUOTA_TRIES: usize = 1000;

/// A hard daily limit on the battles each provider's models take part in (a battle counts once for a
/// provider when either side is its model): what a board enforcing `provider-sampling-cap` does when
/// chance pushes a provider over its planned share.
#[derive(Debug, Clone)]
pub struct Quota<'a> {
    provider: &'a [usize],
    used: Vec<u32>,
    limit: u32,
}

impl<'a> Quota<'a> {
    /// At most `limit` battles per provider; `provider` maps model index to provider index.
    pub fn new(provider: &'a [usize], providers: usize, limit: u32) -> Self {
        Self { provider, used: vec![0; providers], limit }
    }

    fn owners(&self, (i, j): (u32, u32)) -> (usize, Option<usize>) {
        let (p, q) = (self.provider[i as usize], self.provider[j as usize]);
        (p, (q != p).then_some(q))
    }

    fn admits(&self, pair: (u32, u32)) -> bool {
        let (p, q) = self.owners(pair);
        self.used[p] < self.limit && q.is_none_or(|q| self.used[q] < self.limit)
    }

    fn take(&mut self, pair: (u32, u32)) {
        let (p, q) = self.owners(pair);
        self.used[p] += 1;
        if let Some(q) = q {
            self.used[q] += 1;
        }
    }
}

/// Bradley–Terry: the probability that a model of skill `a` beats one of skill `b` (Elo scale).
pub fn win_probability(a: f64, b: f64) -> f64 {
    1.0 / (1.0 + 10f64.powf((b - a) / 400.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::stream;

    #[test]
    fn weighted_shares_follow_boosts_and_outcomes_follow_skills() {
        let counts = PairCounts::new(4);
        let plan = sampler(Scheme::Weighted, vec![3.0, 1.0, 1.0, 1.0], None).plan(&[0, 1, 2, 3], &counts);
        let shares = plan.model_shares();
        assert!((shares.iter().map(|s| s.1).sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(shares[0].1 > 1.5 * shares[1].1, "{shares:?}");
        let mut day = Vec::new();
        let skills = [1400.0, 1000.0, 1000.0, 1000.0];
        plan.draw(20_000, &skills, 0.1, &mut stream(3, "t"), &mut day, None);
        assert_eq!(day.iter().flatten().sum::<u32>(), 20_000);
        let [w, l, t] = day[0]; // model 0 against model 1: expected score 0.909
        let score = (f64::from(w) + 0.5 * f64::from(t)) / f64::from(w + l + t);
        assert!((score - win_probability(1400.0, 1000.0)).abs() < 0.02, "{score}");
    }

    #[test]
    fn active_sampling_favours_pairs_with_few_comparisons() {
        let mut counts = PairCounts::new(3);
        counts.add(0, 1, [500, 500, 0]);
        let plan = sampler(Scheme::Active, vec![1.0; 3], None).plan(&[0, 1, 2], &counts);
        let shares = plan.model_shares();
        assert!(shares[2].1 > shares[0].1, "{shares:?}");
    }

    #[test]
    fn the_provider_cap_holds_each_providers_share() {
        // Model 0 (provider 0) boosted ×10 among 10 models of 10 providers: over 70% uncapped.
        let mut boost = vec![1.0; 10];
        boost[0] = 10.0;
        let counts = PairCounts::new(10);
        let live: Vec<usize> = (0..10).collect();
        let share = |plan: &DayPlan| 2.0 * plan.model_shares()[0].1;
        assert!(share(&sampler(Scheme::Weighted, boost.clone(), None).plan(&live, &counts)) > 0.7);
        let capped = share(&sampler(Scheme::Weighted, boost, Some(0.3)).plan(&live, &counts));
        assert!(capped <= 0.3 * PLANNED_SHARE_OF_CAP && capped > 0.2, "{capped}");
        let plan = sampler(Scheme::Weighted, vec![10.0, 1.0, 1.0], None).plan(&[0, 1, 2], &PairCounts::new(3));
        let mut day = Vec::new();
        let providers = [0, 1, 2];
        let mut quota = Quota::new(&providers, 3, 900);
        plan.draw(1000, &[1000.0; 3], 0.0, &mut stream(1, "q"), &mut day, Some(&mut quota));
        let (with_0, total) =
            (day[0].iter().sum::<u32>() + day[1].iter().sum::<u32>(), day.iter().flatten().sum::<u32>());
        assert_eq!((with_0, total), (900, 1000), "{day:?}");
    }

    fn sampler(scheme: Scheme, boost: Vec<f64>, provider_cap: Option<f64>) -> Sampler {
        let n = boost.len();
        Sampler { scheme, boost, provider: (0..n).collect(), providers: n, floor: 0.3, provider_cap }
    }
}
