//! Best-of-N: how much testing N private variants and publishing the best inflates a score, and the
//! rating once that selection is taken out.
//!
//! A provider tests variants v = 1..N privately and releases one, I, usually the best by its
//! pre-release score Y_v = μ_v + e_v (μ_v the variant's skill, e_v ~ N(0, s_v²) its estimation
//! error). Picking the maximum selects on the errors, so Y_I overstates μ_I. fairboard corrects it
//! with the normal–normal empirical-Bayes posterior mean (docs/statistics.md §5 derives it and
//! compares the alternatives): with the variants' skills drawn around a common programme mean,
//! μ_v ~ N(m, τ²),
//!
//! ```text
//! D0 = B · (Y_I − m̂),   B = s_I² / (s_I² + τ̂²),   m̂ = Σ (Y_v / v_v) / Σ (1 / v_v),   v_v = s_v² + τ̂²
//! ```
//!
//! is E[Y_I − μ_I | Y_1..Y_N]. A posterior mean is not biased by any selection that depends only on
//! the Y's, so `Y_I − D0` is unbiased for the released variant's skill whichever one was chosen.
//! τ̂² is the DerSimonian–Laird moment estimate pooled over this release and every earlier one, and
//! the fit uses only battles recorded before the release, so D0 depends on nothing recorded later
//! except which tests count for the release: a test still open at the release counts for the first
//! release after it ends (see below), so D0 is final once every test the provider had open then has
//! ended. The inputs are
//! measured at selection time: Y_v and s_v (the sandwich standard error) come from a fit of every
//! battle recorded before the `model_released` record.
//!
//! Votes recorded after the release were not selected, so they dilute the inflation: the released
//! model's current rating carries `w · D0` of it, with w the pre-release share of its Fisher
//! information in the current fit (one Newton step in its own coordinate). [`Selection::inflation`]
//! is `w · D0` and [`Selection::adjusted_rating`] the current rating minus it.
//!
//! The classical σ·sqrt(2 ln N) ([`inflation_bound`]) bounds E[max of N equal normals] from above
//! and overstates it by 75%, 39%, 28% and 24% at N = 3, 10, 27 and 50; it is reported only as that
//! bound. [`expected_inflation`] is the exact equal-skill expectation σ·E[max of N].
//!
//! Which tests belong to a release: a private test counts for the first release of its provider
//! at or after the test ended (for a test still open, at or after it started), and the released
//! model's own tests always count for its release; a test that ended more than `window_days` before
//! the release does not count. So every variant is counted once, for the release its programme led
//! to.

use std::collections::BTreeMap;

use super::bradley_terry::{FitOptions, Ratings, rate_from, sigmoid};
use super::normal;
use super::pairs::{Comparisons, Cumulative, PeriodFilter};
use super::{AnchorSpec, sandwich};
use crate::facts::{DAY_MS, Facts};

/// Default look-back before a release, in days: a test that ended earlier is not counted.
pub const WINDOW_DAYS: i64 = 60;

/// σ·sqrt(2 ln N): an upper bound on the expected maximum of N equal-skill scores (0 for N ≤ 1).
pub fn inflation_bound(n: u64, sigma: f64) -> f64 {
    if n <= 1 { 0.0 } else { sigma * (2.0 * (n as f64).ln()).sqrt() }
}

/// σ·E[max of N standard normals]: the expected inflation when N variants of equal skill carry the
/// same standard error σ.
pub fn expected_inflation(n: u64, sigma: f64) -> f64 {
    sigma * normal::expected_maximum(n)
}

/// One variant counted for a release, as it stood when the release was recorded.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Variant {
    /// Its model id.
    pub model: String,
    /// Seq of the `private_test_started` of the first of its tests counted for this release (the
    /// release's seq if it was never tested).
    pub seq: u64,
    /// Its rating in the pre-release fit (mean convention), if it had one.
    pub rating: Option<f64>,
    /// Its sandwich standard error there.
    pub sigma: Option<f64>,
    /// Its battles recorded before the release.
    pub battles: u64,
    /// The rating of its last `score_disclosed` before the release, if any (the score the provider
    /// saw when it chose).
    pub disclosed: Option<f64>,
    /// Whether a score of it was retracted before the release.
    pub retracted: bool,
}

/// The selection correction of one release as fixed at release time (depends on the ledger up to the
/// `model_released` record only).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AtRelease {
    /// The released model (the private variant's id).
    pub model: String,
    /// Its provider.
    pub provider: String,
    /// Seq and time of `model_released`.
    pub released: (u64, i64),
    /// Its public name, if given.
    pub public_name: Option<String>,
    /// The variants counted, by the seq of their first test; the released model is among them.
    pub variants: Vec<Variant>,
    /// N: variants counted.
    pub n: u64,
    /// Variants with a pre-release rating (the ones the correction uses).
    pub n_rated: u64,
    /// Y_I: the released variant's pre-release rating.
    pub rating_at_release: Option<f64>,
    /// s_I: its sandwich standard error at selection.
    pub sigma_at_selection: Option<f64>,
    /// τ̂: the estimated spread of true skill among a programme's variants (rating points).
    pub tau: f64,
    /// Degrees of freedom behind τ̂ (Σ (n_rated − 1) over the releases pooled).
    pub tau_df: u64,
    /// D0 = E[Y_I − μ_I | Y]: the inflation of the pre-release rating.
    pub inflation_at_release: Option<f64>,
    /// Y_I − D0: the released variant's skill, selection taken out, on the pre-release scale.
    pub adjusted_at_release: Option<f64>,
    /// The ex-ante expected inflation of the best of these variants under the fitted model
    /// ([`normal::expected_selected_error`] with the variants' s_v and τ̂).
    pub expected_inflation_at_release: Option<f64>,
    /// The released variant's pre-release battles against each opponent (by name).
    pub pre_battles: BTreeMap<String, u64>,
    /// Why D0 is 0 or missing, when it is.
    pub note: Option<&'static str>,
}

/// The best-of-N picture of one release: what was fixed at release, and how much of it the current
/// rating still carries.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Selection {
    /// The release.
    #[serde(flatten)]
    pub at_release: AtRelease,
    /// The model the current rating is under: the released id when rated, else its public name.
    pub rated_as: Option<String>,
    /// Its current rating.
    pub rating: Option<f64>,
    /// Its battles before the release (in the current fit's window).
    pub battles_pre: u64,
    /// Its battles since.
    pub battles_post: u64,
    /// w = H_pre / H_now: the pre-release share of its Fisher information in the current fit.
    pub pre_share: Option<f64>,
    /// w · D0: the inflation the current rating still carries.
    pub inflation: Option<f64>,
    /// Current rating − w · D0.
    pub adjusted_rating: Option<f64>,
    /// w · s_I · sqrt(2 ln N): the classical upper bound, diluted the same way.
    pub inflation_bound: Option<f64>,
    /// w times [`AtRelease::expected_inflation_at_release`].
    pub expected_inflation: Option<f64>,
}

/// Indices into `facts.private_tests` counted for each release (see the module docs).
fn attribution(facts: &Facts, window_days: i64) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); facts.releases.len()];
    for (k, t) in facts.private_tests.iter().enumerate() {
        let own =
            facts.releases.iter().position(|r| r.model == t.model && r.provider == t.provider && r.at.1 >= t.start.1);
        let after = t.end.map_or(t.start.1, |e| e.1);
        let release = own.or_else(|| facts.releases.iter().position(|r| r.provider == t.provider && r.at.1 >= after));
        let Some(r) = release else { continue };
        let from = facts.releases[r].at.1.saturating_sub(window_days.saturating_mul(DAY_MS));
        if t.start.1 <= facts.releases[r].at.1 && t.end.is_none_or(|e| e.1 >= from) {
            out[r].push(k);
        }
    }
    out
}

/// Σ w (Y − Ȳ)², W − Σw²/W and n − 1 of one release's rated variants: its DerSimonian–Laird terms.
fn dl_terms(y: &[f64], s: &[f64]) -> (f64, f64, u64) {
    let w: Vec<f64> = s.iter().map(|s| 1.0 / (s * s)).collect();
    let total: f64 = w.iter().sum();
    let mean = w.iter().zip(y).map(|(w, y)| w * y).sum::<f64>() / total;
    let q = w.iter().zip(y).map(|(w, y)| w * (y - mean).powi(2)).sum();
    let c = total - w.iter().map(|w| w * w).sum::<f64>() / total;
    (q, c, (y.len() as u64).saturating_sub(1))
}

/// τ̂² = max(0, (ΣQ − Σdf) / ΣC), 0 before any release has two rated variants.
fn pooled_tau2(q: f64, c: f64, df: u64) -> f64 {
    if c > 0.0 { ((q - df as f64) / c).max(0.0) } else { 0.0 }
}

/// D0 = B (Y_I − m̂) for the released variant at position `i` of the rated `y`, `s`.
pub fn posterior_inflation(y: &[f64], s: &[f64], i: usize, tau2: f64) -> f64 {
    if y.len() < 2 {
        return 0.0; // nothing to select from
    }
    let v: Vec<f64> = s.iter().map(|s| s * s + tau2).collect();
    let m = y.iter().zip(&v).map(|(y, v)| y / v).sum::<f64>() / v.iter().map(|v| 1.0 / v).sum::<f64>();
    let b = s[i] * s[i] / v[i];
    b * (y[i] - m)
}

/// The pre-release part of every release's best-of-N correction (one fit of the battles recorded
/// before each release that counts two or more variants, warm-started from the previous one).
pub fn at_release(facts: &Facts, window_days: i64) -> Vec<AtRelease> {
    let counted = attribution(facts, window_days);
    let mut cumulative = Cumulative::new(facts);
    let mut warm: BTreeMap<String, f64> = BTreeMap::new();
    let (mut sum_q, mut sum_c, mut sum_df) = (0.0f64, 0.0f64, 0u64);
    let mut out = Vec::with_capacity(facts.releases.len());
    for (r, tests) in facts.releases.iter().zip(&counted) {
        let mut variants: Vec<Variant> = Vec::new();
        for &k in tests {
            let t = &facts.private_tests[k];
            if !variants.iter().any(|v| v.model == t.model) {
                variants.push(Variant {
                    model: t.model.clone(),
                    seq: t.start.0,
                    rating: None,
                    sigma: None,
                    battles: 0,
                    disclosed: None,
                    retracted: false,
                });
            }
        }
        if !variants.iter().any(|v| v.model == r.model) {
            variants.push(Variant {
                model: r.model.clone(),
                seq: r.at.0,
                rating: None,
                sigma: None,
                battles: 0,
                disclosed: None,
                retracted: false,
            });
        }
        variants.sort_by(|a, b| a.seq.cmp(&b.seq).then_with(|| a.model.cmp(&b.model)));
        for v in &mut variants {
            v.disclosed = facts.disclosures.iter().rfind(|d| d.model == v.model && d.at.0 < r.at.0).map(|d| d.rating);
            v.retracted = facts.retractions.iter().any(|x| x.model == v.model && x.at.0 < r.at.0);
        }
        let n = variants.len() as u64;
        let mut release = AtRelease {
            model: r.model.clone(),
            provider: r.provider.clone(),
            released: r.at,
            public_name: r.public_name.clone(),
            variants,
            n,
            n_rated: 0,
            rating_at_release: None,
            sigma_at_selection: None,
            tau: pooled_tau2(sum_q, sum_c, sum_df).sqrt(),
            tau_df: sum_df,
            inflation_at_release: Some(0.0),
            adjusted_at_release: None,
            expected_inflation_at_release: Some(0.0),
            pre_battles: BTreeMap::new(),
            note: None,
        };
        let before = cumulative.before(r.at.0);
        if let Some(i) = before.index_of(&r.model) {
            for p in before.pairs.iter().filter(|p| p.a == i || p.b == i) {
                let o = if p.a == i { p.b } else { p.a };
                release.pre_battles.insert(before.models[o].clone(), p.battles());
            }
        }
        if n >= 2 {
            pre_release_fit(&before, &mut warm, &mut release);
            let rated: Vec<&Variant> =
                release.variants.iter().filter(|v| v.rating.is_some() && v.sigma.is_some_and(|s| s > 0.0)).collect();
            let y: Vec<f64> = rated.iter().filter_map(|v| v.rating).collect();
            let s: Vec<f64> = rated.iter().filter_map(|v| v.sigma).collect();
            release.n_rated = y.len() as u64;
            if y.len() >= 2 {
                let (q, c, df) = dl_terms(&y, &s);
                sum_q += q;
                sum_c += c;
                sum_df += df;
            }
            let tau2 = pooled_tau2(sum_q, sum_c, sum_df);
            release.tau = tau2.sqrt();
            release.tau_df = sum_df;
            match rated.iter().position(|v| v.model == r.model) {
                Some(i) => {
                    let d0 = posterior_inflation(&y, &s, i, tau2);
                    release.inflation_at_release = Some(d0);
                    release.adjusted_at_release = Some(y[i] - d0);
                    release.expected_inflation_at_release = normal::expected_selected_error(&s, release.tau);
                    if y.len() == 1 {
                        release.note = Some("no other variant had a rating before the release");
                    }
                }
                None => {
                    release.inflation_at_release = Some(0.0);
                    release.note = release.note.or(Some("the released variant had no rating before the release"));
                }
            }
        }
        out.push(release);
    }
    out
}

/// Fits the battles recorded before the release and fills in the variants' ratings, standard errors
/// and battles, and the released variant's Y_I and s_I.
fn pre_release_fit(before: &Comparisons, warm: &mut BTreeMap<String, f64>, release: &mut AtRelease) {
    let battles = before.model_battles();
    for v in &mut release.variants {
        v.battles = before.index_of(&v.model).map_or(0, |i| battles[i]);
    }
    let Ok(mut fit) = rate_from(before, &AnchorSpec::Default, FitOptions::default(), |m| warm.get(m).copied()) else {
        release.note = Some("the battles before the release could not be fitted");
        return;
    };
    for (&i, &t) in fit.rated.iter().zip(&fit.theta) {
        warm.insert(fit.models[i].clone(), t);
    }
    let positions: Vec<Option<usize>> = release
        .variants
        .iter()
        .map(|v| fit.models.binary_search(&v.model).ok().and_then(|i| fit.rated.binary_search(&i).ok()))
        .collect();
    let wanted: Vec<usize> = positions.iter().flatten().copied().collect();
    fit.anchor_at = None; // standard errors in the mean convention: the anchor's own error stays in
    let Ok(se) = sandwich::standard_errors_of(&fit, &wanted) else {
        release.note = Some("the pre-release information matrix is singular");
        return;
    };
    let mut next = se.iter();
    for (v, pos) in release.variants.iter_mut().zip(&positions) {
        if let Some(p) = pos {
            v.rating = fit.rating[fit.rated[*p]];
            v.sigma = next.next().copied();
        }
    }
    if let Some(v) = release.variants.iter().find(|v| v.model == release.model) {
        release.rating_at_release = v.rating;
        release.sigma_at_selection = v.sigma;
    }
}

/// Every release's [`Selection`]: [`at_release`], then the share of the released model's current
/// rating that is pre-release information, under `current` (the fit its rating comes from, and the
/// periods that fit admitted). Without a current fit only the release-time part is filled in.
pub fn selections(facts: &Facts, window_days: i64, current: Option<(&Ratings, PeriodFilter)>) -> Vec<Selection> {
    dilute(facts, at_release(facts, window_days), current)
}

/// The second half of [`selections`], for callers that keep [`at_release`]'s result.
pub fn dilute(facts: &Facts, releases: Vec<AtRelease>, current: Option<(&Ratings, PeriodFilter)>) -> Vec<Selection> {
    releases
        .into_iter()
        .map(|at_release| {
            let mut s = Selection {
                at_release,
                rated_as: None,
                rating: None,
                battles_pre: 0,
                battles_post: 0,
                pre_share: None,
                inflation: None,
                adjusted_rating: None,
                inflation_bound: None,
                expected_inflation: None,
            };
            if let Some((ratings, filter)) = current {
                current_share(facts, ratings, filter, &mut s);
            }
            s
        })
        .collect()
}

fn current_share(facts: &Facts, ratings: &Ratings, filter: PeriodFilter, s: &mut Selection) {
    let r = &s.at_release;
    let position = |m: &str| ratings.models.binary_search_by(|x| x.as_str().cmp(m)).ok();
    let rated = |m: &str| position(m).filter(|&i| ratings.rating[i].is_some());
    let Some((name, index)) = rated(&r.model)
        .map(|i| (r.model.clone(), i))
        .or_else(|| r.public_name.as_deref().and_then(|p| rated(p).map(|i| (p.to_owned(), i))))
    else {
        return;
    };
    let Ok(at) = ratings.rated.binary_search(&index) else { return };
    // The entity's battles before the release, in the current fit's window.
    let pre: BTreeMap<String, u64> = if filter == PeriodFilter::ALL && name == r.model {
        r.pre_battles.clone()
    } else {
        let cut = filter.before_seq.map_or(r.released.0, |b| b.min(r.released.0));
        let c = Comparisons::from_facts(facts, PeriodFilter { before_seq: Some(cut), ..filter });
        c.index_of(&name).map_or_else(BTreeMap::new, |i| {
            c.pairs
                .iter()
                .filter(|p| p.a == i || p.b == i)
                .map(|p| (c.models[if p.a == i { p.b } else { p.a }].clone(), p.battles()))
                .collect()
        })
    };
    let (mut h_now, mut h_pre) = (0.0, 0.0);
    for (k, p) in ratings.pairs.iter().enumerate().filter(|(_, p)| p.a == at || p.b == at) {
        let q = sigmoid(ratings.theta[p.a] - ratings.theta[p.b]);
        let weight = ratings.weight(k) * q * (1.0 - q);
        h_now += p.battles() as f64 * weight;
        let other = ratings.rated[if p.a == at { p.b } else { p.a }];
        let before = pre.get(&ratings.models[other]).copied().unwrap_or(0).min(p.battles());
        h_pre += before as f64 * weight;
    }
    let battles_pre = pre.values().sum::<u64>();
    s.battles_pre = battles_pre;
    s.battles_post = ratings.battles[index].saturating_sub(battles_pre);
    s.rating = ratings.rating[index];
    s.rated_as = Some(name);
    let w = if h_now > 0.0 { (h_pre / h_now).clamp(0.0, 1.0) } else { 0.0 };
    s.pre_share = Some(w);
    let r = &s.at_release;
    s.inflation = r.inflation_at_release.map(|d| w * d);
    s.adjusted_rating = s.rating.zip(s.inflation).map(|(x, i)| x - i);
    s.inflation_bound = r.sigma_at_selection.map(|sigma| w * inflation_bound(r.n, sigma));
    s.expected_inflation = r.expected_inflation_at_release.map(|e| w * e);
}
#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Normal, StandardNormal, Uniform};

    /// Mean of the best of `n` equal-skill variants' scores (standard error `sigma`), by simulation.
    fn simulated_inflation(n: u64, sigma: f64, trials: usize, seed: u64) -> f64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let total: f64 = (0..trials)
            .map(|_| {
                (0..n).fold(f64::NEG_INFINITY, |m: f64, _| {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    m.max(sigma * z)
                })
            })
            .sum();
        total / trials as f64
    }

    #[test]
    fn monte_carlo_confirms_the_expected_inflation_and_that_the_classical_formula_is_a_bound() {
        let sigma = 6.34; // background.md: the standard error at 3,000 votes
        for (n, published_ratio) in [(3u64, 1.75), (10, 1.39), (27, 1.28), (50, 1.24)] {
            let simulated = simulated_inflation(n, sigma, 20_000, n);
            let exact = expected_inflation(n, sigma);
            let bound = inflation_bound(n, sigma);
            assert!((exact / simulated - 1.0).abs() < 0.02, "N={n}: exact {exact:.3} vs simulated {simulated:.3}");
            assert!(bound > simulated, "N={n}");
            assert!((bound / simulated - published_ratio).abs() < 0.05, "N={n}: ratio {:.3}", bound / simulated);
        }
        // The figures background.md quotes for σ = 6.34: ≈ +9 (N = 3), +16 (27), +18 (50).
        assert_eq!([3, 27, 50].map(|n| inflation_bound(n, sigma).round()), [9.0, 16.0, 18.0]);
        assert_eq!(inflation_bound(1, sigma), 0.0);
    }

    #[test]
    fn posterior_inflation_by_hand() {
        // Y = (10, 4, 1), s = 2: the precision-weighted mean is 5.
        let (y, s) = ([10.0, 4.0, 1.0], [2.0, 2.0, 2.0]);
        assert!((posterior_inflation(&y, &s, 0, 0.0) - 5.0).abs() < 1e-12, "τ = 0: Y_I − mean");
        assert!((posterior_inflation(&y, &s, 0, 4.0) - 2.5).abs() < 1e-12, "B = 4 / (4 + 4)");
        assert!((posterior_inflation(&y, &s, 2, 4.0) + 2.0).abs() < 1e-12, "a variant below the mean is lifted");
        assert_eq!(posterior_inflation(&[7.0], &[3.0], 0, 9.0), 0.0, "one variant: nothing selected");
        // DerSimonian–Laird: w = 1/4, W = 3/4, Q = (25 + 1 + 16)/4 = 10.5, C = 3/4 − 3/16 · 4/3 = 1/2.
        let (q, c, df) = dl_terms(&y, &s);
        assert!((q - 10.5).abs() < 1e-12 && (c - 0.5).abs() < 1e-12 && df == 2);
        assert!((pooled_tau2(q, c, df) - 17.0).abs() < 1e-12);
        assert_eq!(pooled_tau2(1.0, 0.5, 2), 0.0, "truncated at zero");
        assert_eq!(pooled_tau2(0.0, 0.0, 0), 0.0);
    }

    /// The normal–normal model the correction assumes, as the simulator draws it: boards of the
    /// demo's 15 programmes (N as in the default demo), skills around a programme mean with τ = 3,
    /// standard errors 5.5 ± 15%, the best variant released. The prefix-pooled correction is
    /// unbiased for the released variant's skill and halves the error of the raw score.
    #[test]
    fn the_correction_is_unbiased_where_its_model_holds() {
        let ns = [2usize, 5, 2, 2, 10, 7, 10, 2, 2, 5, 4, 2, 27, 2, 2];
        let mut rng = ChaCha8Rng::seed_from_u64(18);
        let skill = Normal::new(0.0, 3.0).unwrap();
        let spread = Uniform::new(0.85, 1.15).unwrap();
        let (mut adjusted, mut raw, mut count) = (Vec::new(), Vec::new(), 0usize);
        for _ in 0..1000 {
            let (mut q, mut c, mut df) = (0.0, 0.0, 0u64);
            for &n in &ns {
                let s: Vec<f64> = (0..n).map(|_| 5.5 * spread.sample(&mut rng)).collect();
                let mu: Vec<f64> = (0..n).map(|_| 20.0 + skill.sample(&mut rng)).collect();
                let y: Vec<f64> = mu
                    .iter()
                    .zip(&s)
                    .map(|(m, s)| m + s * Distribution::<f64>::sample(&StandardNormal, &mut rng))
                    .collect();
                let best = (0..n).max_by(|&a, &b| y[a].total_cmp(&y[b])).unwrap();
                let (dq, dc, dd) = dl_terms(&y, &s);
                (q, c, df) = (q + dq, c + dc, df + dd);
                let d0 = posterior_inflation(&y, &s, best, pooled_tau2(q, c, df));
                if n > 3 {
                    adjusted.push(y[best] - d0 - mu[best]);
                    raw.push(y[best] - mu[best]);
                    count += 1;
                }
            }
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let mae = |v: &[f64]| v.iter().map(|x| x.abs()).sum::<f64>() / v.len() as f64;
        assert_eq!(count, 7000);
        assert!(mean(&adjusted).abs() < 0.3, "bias {:.3}", mean(&adjusted));
        assert!(mean(&raw) > 5.0, "the raw score is inflated: {:.3}", mean(&raw));
        assert!(mae(&adjusted) < 0.5 * mae(&raw), "MAE {:.3} vs {:.3}", mae(&adjusted), mae(&raw));
    }

    #[test]
    fn counts_each_test_for_the_release_its_programme_led_to() {
        use crate::facts::{Release, TestInterval};
        let day = DAY_MS;
        let test = |model: &str, seq, start, end: Option<i64>| TestInterval {
            model: model.into(),
            provider: "p".into(),
            start: (seq, start),
            end: end.map(|e| (seq + 100, e)),
            commitment: None,
            revealed: None,
            artifact: None,
            reveal_conflict: None,
        };
        let release = |seq, at, model: &str| Release {
            at: (seq, at),
            model: model.into(),
            provider: "p".into(),
            public_name: Some(format!("{model}-public")),
            artifact: None,
        };
        let facts = Facts {
            private_tests: vec![
                test("old", 1, 0, Some(day)),             // ended 99 days before the first release
                test("v1", 2, 50 * day, Some(90 * day)),  // ended before the first release
                test("v2", 3, 60 * day, None),            // released first
                test("w1", 4, 70 * day, Some(120 * day)), // ended after the first release: the second
                test("w2", 5, 80 * day, None),            // released second, though open at the first
                test("later", 6, 200 * day, None),        // after both
                TestInterval { provider: "q".into(), ..test("other", 7, 60 * day, None) },
            ],
            releases: vec![release(9, 100 * day, "v2"), release(10, 150 * day, "w2")],
            ..Facts::default()
        };
        let s = selections(&facts, 60, None);
        let models = |k: usize| s[k].at_release.variants.iter().map(|v| v.model.as_str()).collect::<Vec<_>>();
        assert_eq!(models(0), ["v1", "v2"]);
        assert_eq!(models(1), ["w1", "w2"]);
        assert_eq!((s[0].at_release.n, s[1].at_release.n), (2, 2));
        // No battles: nothing rated, nothing to correct, no current rating.
        assert_eq!(s[0].at_release.n_rated, 0);
        assert_eq!(s[0].inflation, None);
        assert_eq!(s[0].at_release.note, Some("the released variant had no rating before the release"));
        // A release without a test is one variant.
        let alone = Facts { releases: vec![release(3, day, "solo")], ..Facts::default() };
        let s = selections(&alone, 60, None);
        assert_eq!((s[0].at_release.n, s[0].at_release.inflation_at_release), (1, Some(0.0)));
    }
}
