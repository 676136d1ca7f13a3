//! The cast of a simulated arena: providers, models, hidden skills and schedules.
//!
//! Everything here is drawn from the scenario's `cast` random stream before the first day, so it does
//! not depend on the battle volume: which providers exist, how many public models each has and when
//! they arrive, every model's hidden true skill, the private test programmes (their variants, waves
//! and dates), and, on boards whose models fade out, which models retire on which day and how.

use std::collections::BTreeMap;

use rand_chacha::ChaCha8Rng;

use super::scenario::{DeprecationMode, ProgrammeSpec, Scenario, generated_id};
use super::{SimError, apportion, below, normal, shuffle, stream, uniform};
use crate::ledger::event::License;

/// A provider.
#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    /// Provider id.
    pub id: String,
    /// License class of its models.
    pub license: License,
    /// Sampling multiplier of its models (`weighted` scheme; 1 otherwise).
    pub boost: f64,
    /// Added to its models' skills.
    pub skill_offset: f64,
    /// Relative number of public models within its class.
    pub model_weight: f64,
}

/// How a model comes onto the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Registered public on `arrive` (a day index).
    Public {
        /// Arrival day.
        arrive: u32,
    },
    /// A private variant of programme `programme`, in test from day `start` until day `end`
    /// (registered and started on `start`, ended at the beginning of `end`).
    Variant {
        /// Index into [`Cast::programmes`].
        programme: usize,
        /// First day in test.
        start: u32,
        /// Day the test ends.
        end: u32,
    },
}

/// A model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Model id.
    pub id: String,
    /// Index into [`Cast::providers`].
    pub provider: usize,
    /// License class.
    pub license: License,
    /// Hidden true skill (Elo scale).
    pub skill: f64,
    /// How it arrives.
    pub origin: Origin,
}

/// A private test programme: several variants, the best of which is released.
#[derive(Debug, Clone, PartialEq)]
pub struct Programme {
    /// Index into [`Cast::providers`].
    pub provider: usize,
    /// Indices into [`Cast::models`].
    pub variants: Vec<usize>,
    /// Day the last test ends.
    pub end: u32,
    /// Name the released variant is listed under.
    pub public_name: String,
}

/// How a retired model leaves the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retirement {
    /// A public `model_deprecated`.
    Public,
    /// A `model_deprecated` with `public: false`.
    Hidden,
    /// No record: the model just stops being sampled.
    Silent,
}

/// Everything decided before the first day.
#[derive(Debug, Clone)]
pub struct Cast {
    /// Providers, by class (named first).
    pub providers: Vec<Provider>,
    /// Models: public ones by arrival, then variants by programme.
    pub models: Vec<Model>,
    /// Private programmes.
    pub programmes: Vec<Programme>,
    /// Fade-mode retirements: model, day, how (empty in review mode).
    pub fades: Vec<(usize, u32, Retirement)>,
    /// Public models per class at the end of the year (directly registered plus released).
    pub public_per_class: BTreeMap<License, u32>,
}

/// Most models (public and private variants) one simulation holds: its pair counts take
/// `12 · models²` bytes.
pub const MAX_MODELS: usize = 3000;

/// Last day (exclusive margin) on which a model may fade out and still count as silently inactive
/// over the 7-week window the shipped pack judges at the end of the year.
const FADE_MARGIN_DAYS: u32 = 56;

/// Draws the cast of `scenario` from `seed`.
pub fn cast(scenario: &Scenario, seed: u64) -> Result<Cast, SimError> {
    let mut rng = stream(seed, "cast");
    let providers = providers(scenario);
    let spec_of = |p: &Provider| -> ProgrammeSpec {
        scenario
            .private_testing
            .providers
            .get(&p.id)
            .copied()
            .unwrap_or_else(|| scenario.private_testing.defaults.get(p.license))
    };

    // Public models per class, then per provider.
    let shares: Vec<f64> = License::ALL.iter().map(|&l| scenario.models.license_shares.get(l)).collect();
    let per_class = apportion(scenario.models.count, &shares);
    let mut public_per_class = BTreeMap::new();
    let mut regular_of_provider = vec![0u32; providers.len()];
    for (ci, &license) in License::ALL.iter().enumerate() {
        let members: Vec<usize> = (0..providers.len()).filter(|&i| providers[i].license == license).collect();
        let releases: u32 = members.iter().map(|&i| spec_of(&providers[i]).programmes).sum();
        let regular = per_class[ci].checked_sub(releases).ok_or_else(|| SimError::Invalid {
            pointer: "/models/count".into(),
            message: format!(
                "{} public {} models cannot hold the {releases} released by private programmes",
                per_class[ci],
                license.as_str()
            ),
        })?;
        public_per_class.insert(license, per_class[ci]);
        let weights: Vec<f64> = members.iter().map(|&i| providers[i].model_weight).collect();
        for (k, n) in apportion(regular, &weights).into_iter().enumerate() {
            regular_of_provider[members[k]] = n;
        }
    }

    // Arrival days: a share on day 0, the rest evenly until 30 days before the end.
    let mut slots: Vec<usize> =
        (0..providers.len()).flat_map(|p| std::iter::repeat_n(p, regular_of_provider[p] as usize)).collect();
    shuffle(&mut rng, &mut slots);
    let initial = (scenario.models.initial_share * slots.len() as f64).round() as usize;
    let later = slots.len().saturating_sub(initial);
    let span = scenario.days.saturating_sub(31).max(1);
    let mut models = Vec::new();
    let mut count_of_provider = vec![0u32; providers.len()];
    let mut arrivals: Vec<(u32, usize)> = slots
        .iter()
        .enumerate()
        .map(|(k, &p)| {
            let day =
                if k < initial { 0 } else { 1 + ((k - initial) as u64 * u64::from(span) / later.max(1) as u64) as u32 };
            (day, p)
        })
        .collect();
    arrivals.sort_by_key(|&(day, p)| (day, p));
    for (day, p) in arrivals {
        count_of_provider[p] += 1;
        let provider = &providers[p];
        let skill = base_skill(scenario, provider, day) + scenario.skills.sd * normal(&mut rng);
        models.push(Model {
            id: format!("{}-{}", provider.id, count_of_provider[p]),
            provider: p,
            license: provider.license,
            skill,
            origin: Origin::Public { arrive: day },
        });
    }

    let programmes = programmes(scenario, &providers, &spec_of, &mut count_of_provider, &mut models, &mut rng);
    if models.len() > MAX_MODELS {
        return Err(SimError::Invalid {
            pointer: "/models/count".into(),
            message: format!(
                "{} models with the private variants; the simulator handles at most {MAX_MODELS}",
                models.len()
            ),
        });
    }
    let mut ids = std::collections::BTreeSet::new();
    if let Some(m) = models.iter().find(|m| !ids.insert(m.id.as_str())) {
        return Err(SimError::Invalid {
            pointer: "/providers/named".into(),
            message: format!("two models would both be named `{}`; rename a provider", m.id),
        });
    }
    let fades = match scenario.deprecation.mode {
        DeprecationMode::Fade => fades(scenario, &models, &public_per_class, &mut rng),
        DeprecationMode::Reviews => Vec::new(),
    };
    Ok(Cast { providers, models, programmes, fades, public_per_class })
}

fn providers(scenario: &Scenario) -> Vec<Provider> {
    let mut out = Vec::new();
    for license in License::ALL {
        let named: Vec<_> = scenario.providers.named.iter().filter(|p| p.license == license).collect();
        for p in &named {
            out.push(Provider {
                id: p.id.clone(),
                license,
                boost: 1.0,
                skill_offset: p.skill_offset,
                model_weight: p.model_weight,
            });
        }
        let generated = scenario.providers.count.get(license).saturating_sub(named.len() as u32);
        for i in 1..=generated {
            out.push(Provider {
                id: generated_id(license, i),
                license,
                boost: 1.0,
                skill_offset: 0.0,
                model_weight: 1.0,
            });
        }
    }
    for p in &mut out {
        if let Some(&b) = scenario.sampling.provider_boosts.get(&p.id) {
            p.boost = b;
        }
    }
    out
}

/// Expected skill of a model of `provider` arriving on `day`.
fn base_skill(scenario: &Scenario, provider: &Provider, day: u32) -> f64 {
    let s = &scenario.skills;
    s.mean + s.license_offsets.get(provider.license) + provider.skill_offset + s.trend_per_year * f64::from(day) / 365.0
}

/// Schedules every provider's programmes: programme `k` of `n` starts at a random day of the `k`-th
/// of `n` equal segments of the testing season, which ends early enough for every disclosure deadline
/// to pass before the end of the year.
fn programmes(
    scenario: &Scenario,
    providers: &[Provider],
    spec_of: &dyn Fn(&Provider) -> ProgrammeSpec,
    count_of_provider: &mut [u32],
    models: &mut Vec<Model>,
    rng: &mut ChaCha8Rng,
) -> Vec<Programme> {
    let test_days = scenario.private_testing.test_days;
    let first = 14u32;
    let last_end = scenario.days.saturating_sub(45 + scenario.board.update_every_days);
    let mut out = Vec::new();
    for (p, provider) in providers.iter().enumerate() {
        let spec = spec_of(provider);
        if spec.programmes == 0 {
            continue;
        }
        let waves = spec.variants.div_ceil(spec.concurrent.max(1));
        let length = waves * test_days;
        let segment = last_end.saturating_sub(first) / spec.programmes;
        for k in 0..spec.programmes {
            let lo = first + k * segment;
            let slack = segment.saturating_sub(length);
            let start = lo + below(rng, slack as usize + 1) as u32;
            let base = base_skill(scenario, provider, start) + scenario.skills.sd * normal(rng);
            let index = out.len();
            let mut variants = Vec::new();
            for v in 0..spec.variants {
                let wave_start = start + (v / spec.concurrent.max(1)) * test_days;
                variants.push(models.len());
                models.push(Model {
                    id: format!("{}-x{}-{:02}", provider.id, k + 1, v + 1),
                    provider: p,
                    license: provider.license,
                    skill: base + scenario.skills.variant_sd * normal(rng),
                    origin: Origin::Variant { programme: index, start: wave_start, end: wave_start + test_days },
                });
            }
            count_of_provider[p] += 1;
            out.push(Programme {
                provider: p,
                variants,
                end: start + length,
                public_name: format!("{}-{}", provider.id, count_of_provider[p]),
            });
        }
    }
    out
}

/// Fade mode: in each class, the oldest directly registered models retire, as many as the class's
/// retirement share of its public models, each on a random day between its minimum age and the last
/// day that still leaves it silent for the whole judged window; how each retires is drawn in the
/// scenario's proportions.
fn fades(
    scenario: &Scenario,
    models: &[Model],
    public_per_class: &BTreeMap<License, u32>,
    rng: &mut ChaCha8Rng,
) -> Vec<(usize, u32, Retirement)> {
    let d = &scenario.deprecation;
    let last = scenario.days.saturating_sub(FADE_MARGIN_DAYS);
    let mut out = Vec::new();
    for license in License::ALL {
        let total = public_per_class.get(&license).copied().unwrap_or(0);
        let want = (d.retire_share.get(license) * f64::from(total)).round() as usize;
        let mut candidates: Vec<(u32, usize)> = models
            .iter()
            .enumerate()
            .filter_map(|(i, m)| match m.origin {
                Origin::Public { arrive } if m.license == license && arrive + d.min_age_days <= last => {
                    Some((arrive, i))
                }
                _ => None,
            })
            .collect();
        candidates.sort_unstable();
        candidates.truncate(want);
        let n = candidates.len();
        let public = (d.public_share * n as f64).round() as usize;
        let hidden = ((d.hidden_share * n as f64).round() as usize).min(n - public.min(n));
        let mut kinds: Vec<Retirement> = (0..n)
            .map(|k| {
                if k < public {
                    Retirement::Public
                } else if k < public + hidden {
                    Retirement::Hidden
                } else {
                    Retirement::Silent
                }
            })
            .collect();
        shuffle(rng, &mut kinds);
        for ((arrive, i), kind) in candidates.into_iter().zip(kinds) {
            let from = arrive + d.min_age_days;
            let day = from + (uniform(rng) * f64::from(last - from + 1)) as u32;
            out.push((i, day.min(last), kind));
        }
    }
    out.sort_by_key(|&(i, day, _)| (day, i));
    out
}
