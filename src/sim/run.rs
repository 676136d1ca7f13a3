//! The day loop: a year of the board, as timeline events.
//!
//! Day `d` has three moments (UTC):
//!
//! - midnight: the board records the previous day's battles (one `battles_recorded`), releases the
//!   previous month's data on the first of a month, ends and starts private tests, retires and
//!   registers models, and publishes the day's expected sampling shares (`sampling_set`) when the set
//!   of live models changed (weekly as well under active sampling, whose shares drift);
//! - noon, on update days: it fits the ratings on every battle recorded so far, discloses them for
//!   every listed model (public, not deprecated, with enough battles), and settles the private
//!   programmes that ended since the last update: the scores the disclosure policy asks for are
//!   disclosed, some of them to be retracted by the provider two days later at noon;
//! - 13:00: the best variant of each settled programme is released under its public name.
//!
//! The day's battles are drawn in between and recorded the next midnight. A released variant keeps
//! battling under its own id from the day after its release; a retired model stops the day it retires.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rand_chacha::ChaCha8Rng;

use super::arena::{self, Cast, Origin, Retirement};
use super::rating::{self, Fit};
use super::sampling::{DayPlan, PairCounts, Quota, Sampler};
use super::scenario::{DeprecationMode, DisclosurePolicy, Scenario, Scheme};
use super::truth::{ReleaseTruth, Truth};
use super::{Signer, SimError, Simulation, TimedEvent, stream, uniform};
use crate::ledger::event::{Event, License, MethodField, PairCount, Visibility};

/// Batches per day under active sampling (the pair probabilities are recomputed between batches).
pub const ACTIVE_BATCHES: u32 = 4;

/// The method the simulated board records with each disclosure, so that anyone can recompute it
/// (`fairboard scores --reproduce SEQ`): Bradley–Terry with the default anchor (mean 1000: the
/// simulated board has no mixtral-8x7b-instruct-v0.1), intervals from the model's own information,
/// all battles recorded before the disclosure, two decimals.
pub fn disclosure_method() -> crate::stats::reproduce::Method {
    use crate::stats::reproduce::{Interval, Method};
    Method::plain(Interval::FisherDiagonal, 2)
}

/// Simulates `scenario` with `seed`.
pub fn simulate(scenario: &Scenario, seed: u64) -> Result<Simulation, SimError> {
    scenario.validate()?;
    let start = scenario.start_date()?;
    let cast = arena::cast(scenario, seed)?;
    let mut run = Run::new(scenario, &cast, start, seed);
    for d in 0..=scenario.days {
        run.day(d);
    }
    let skills = cast.models.iter().map(|m| (m.id.clone(), m.skill)).collect();
    let timeline =
        if scenario.private_testing.seal { super::seal::seal(run.timeline, &cast, seed) } else { run.timeline };
    Ok(Simulation {
        leaderboard: scenario.leaderboard.clone(),
        timeline,
        truth: Truth { skills, releases: run.releases },
    })
}

struct Run<'a> {
    s: &'a Scenario,
    cast: &'a Cast,
    midnight: DateTime<Utc>,
    start: NaiveDate,
    timeline: Vec<TimedEvent>,
    releases: Vec<ReleaseTruth>,
    battles_rng: ChaCha8Rng,
    retire_rng: ChaCha8Rng,
    counts: PairCounts,
    theta: Vec<f64>,
    latest: Option<Fit>,
    skills: Vec<f64>,
    sampler: Sampler,
    /// Day from which a model is no longer sampled.
    retired: Vec<Option<u32>>,
    /// Has a `model_deprecated` record (and so is no longer listed).
    deprecated: Vec<bool>,
    /// Day a variant was released.
    released: Vec<Option<u32>>,
    settled: Vec<bool>,
    retractions: Vec<(u32, usize)>,
    /// Releases settled at noon, recorded at 13:00 once every disclosure of the day is in.
    to_release: Vec<Event>,
    live: Vec<usize>,
    yesterday: Vec<PairCount>,
    day_counts: Vec<[u32; 3]>,
    month_start: u32,
    involvement: Vec<u64>,
    reviews: Vec<u32>,
    retired_by_review: [u32; 3],
}

impl<'a> Run<'a> {
    fn new(s: &'a Scenario, cast: &'a Cast, start: NaiveDate, seed: u64) -> Self {
        let n = cast.models.len();
        let reviews = match s.deprecation.mode {
            DeprecationMode::Reviews => {
                (1..).map(|k| k * s.deprecation.review_every_days).take_while(|&d| d < s.days).collect()
            }
            DeprecationMode::Fade => Vec::new(),
        };
        Self {
            s,
            cast,
            midnight: start.and_time(chrono::NaiveTime::MIN).and_utc(),
            start,
            timeline: Vec::new(),
            releases: Vec::new(),
            battles_rng: stream(seed, "battles"),
            retire_rng: stream(seed, "retire"),
            counts: PairCounts::new(n),
            theta: vec![0.0; n],
            latest: None,
            skills: cast.models.iter().map(|m| m.skill).collect(),
            sampler: Sampler {
                scheme: s.sampling.scheme,
                boost: cast.models.iter().map(|m| cast.providers[m.provider].boost).collect(),
                provider: cast.models.iter().map(|m| m.provider).collect(),
                providers: cast.providers.len(),
                floor: s.sampling.uniform_floor,
                provider_cap: s.sampling.provider_cap,
            },
            retired: vec![None; n],
            deprecated: vec![false; n],
            released: vec![None; n],
            settled: vec![false; cast.programmes.len()],
            retractions: Vec::new(),
            to_release: Vec::new(),
            live: Vec::new(),
            yesterday: Vec::new(),
            day_counts: Vec::new(),
            month_start: 0,
            involvement: vec![0; cast.providers.len()],
            reviews,
            retired_by_review: [0; 3],
        }
    }

    fn at(&self, day: u32, seconds: i64) -> DateTime<Utc> {
        self.midnight + Duration::days(i64::from(day)) + Duration::seconds(seconds)
    }

    fn push(&mut self, time: DateTime<Utc>, event: Event, signer: Signer) {
        self.timeline.push((time, event, signer));
    }

    fn provider_id(&self, model: usize) -> String {
        self.cast.providers[self.cast.models[model].provider].id.clone()
    }

    fn day(&mut self, d: u32) {
        let t0 = self.at(d, 0);
        if d >= 1 {
            let pairs = std::mem::take(&mut self.yesterday);
            self.push(
                t0,
                Event::BattlesRecorded {
                    period_start: crate::primitives::time::format(self.at(d - 1, 0)),
                    period_end: crate::primitives::time::format(self.at(d - 1, 86_399)),
                    pairs,
                },
                Signer::Operator,
            );
            let first_of_month = (self.start + Duration::days(i64::from(d))).day() == 1;
            if first_of_month || d == self.s.days {
                self.release_data(d, t0);
            }
        }
        if d == self.s.days {
            return;
        }
        if d == 0 {
            for p in &self.cast.providers {
                self.timeline.push((
                    t0,
                    Event::ProviderRegistered { provider: p.id.clone(), name: None },
                    Signer::Operator,
                ));
            }
        }
        self.end_tests(d, t0);
        self.retire(d, t0);
        self.register(d, t0);
        let plan = self.plan(d, t0);
        if d > 0 && d.is_multiple_of(self.s.board.update_every_days) {
            self.update(d);
        }
        self.retract(d);
        for event in std::mem::take(&mut self.to_release) {
            if let Event::ModelReleased { provider, .. } = &event {
                let signer = Signer::Provider(provider.clone());
                self.push(self.at(d, 13 * 3600), event, signer);
            }
        }
        self.draw(plan);
    }

    fn end_tests(&mut self, d: u32, t0: DateTime<Utc>) {
        for (i, m) in self.cast.models.iter().enumerate() {
            if let Origin::Variant { end, .. } = m.origin
                && end == d
            {
                let provider = self.provider_id(i);
                self.timeline.push((
                    t0,
                    Event::PrivateTestEnded { model: m.id.clone(), provider: provider.clone() },
                    Signer::Provider(provider),
                ));
            }
        }
    }

    fn deprecate(&mut self, i: usize, d: u32, t0: DateTime<Utc>, how: Retirement, reason: String) {
        self.retired[i] = Some(d);
        let public = match how {
            Retirement::Silent => return,
            Retirement::Public => true,
            Retirement::Hidden => false,
        };
        self.deprecated[i] = true;
        let model = self.cast.models[i].id.clone();
        self.push(t0, Event::ModelDeprecated { model, reason, public }, Signer::Operator);
    }

    fn retire(&mut self, d: u32, t0: DateTime<Utc>) {
        let fades: Vec<_> = self.cast.fades.iter().filter(|f| f.1 == d).copied().collect();
        for (i, _, how) in fades {
            let reason = match how {
                Retirement::Hidden => "retired without announcement".to_owned(),
                _ => "retired: superseded by newer models".to_owned(),
            };
            self.deprecate(i, d, t0, how, reason);
        }
        let Some(k) = self.reviews.iter().position(|&r| r == d) else { return };
        let (k, n) = (k as f64 + 1.0, self.reviews.len() as f64);
        let dep = &self.s.deprecation;
        for (ci, license) in License::ALL.into_iter().enumerate() {
            let total = f64::from(self.cast.public_per_class.get(&license).copied().unwrap_or(0));
            let target = (dep.retire_share.get(license) * total * k / n).round() as u32;
            let need = target.saturating_sub(self.retired_by_review[ci]) as usize;
            let mut candidates: Vec<(f64, usize)> = (0..self.cast.models.len())
                .filter(|&i| {
                    self.cast.models[i].license == license
                        && self.retired[i].is_none()
                        && self.public_since(i).is_some_and(|p| p + dep.min_age_days <= d)
                })
                .map(|i| {
                    let rated = self.latest.as_ref().and_then(|f| f.rating[i]);
                    (rated.unwrap_or(self.skills[i]), i)
                })
                .collect();
            candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let percent = (dep.retire_share.get(license) * 100.0).round();
            let date = self.start + Duration::days(i64::from(d));
            for &(_, i) in candidates.iter().take(need) {
                let u = uniform(&mut self.retire_rng);
                let how = if u < dep.public_share {
                    Retirement::Public
                } else if u < dep.public_share + dep.hidden_share {
                    Retirement::Hidden
                } else {
                    Retirement::Silent
                };
                let reason = format!("bottom {percent}% of the {} models at the review of {date}", license.as_str());
                self.deprecate(i, d, t0, how, reason);
                self.retired_by_review[ci] += 1;
            }
        }
    }

    /// The day a model became public: its arrival, or the day of its release.
    fn public_since(&self, i: usize) -> Option<u32> {
        match self.cast.models[i].origin {
            Origin::Public { arrive } => Some(arrive),
            Origin::Variant { .. } => self.released[i],
        }
    }

    fn register(&mut self, d: u32, t0: DateTime<Utc>) {
        let mut started = Vec::new();
        for (i, m) in self.cast.models.iter().enumerate() {
            let visibility = match m.origin {
                Origin::Public { arrive } if arrive == d => Visibility::Public,
                Origin::Variant { start, .. } if start == d => {
                    started.push(i);
                    Visibility::Private
                }
                _ => continue,
            };
            self.timeline.push((
                t0,
                Event::ModelRegistered {
                    model: m.id.clone(),
                    provider: self.cast.providers[m.provider].id.clone(),
                    license: m.license,
                    visibility,
                },
                Signer::Operator,
            ));
        }
        for i in started {
            let provider = self.provider_id(i);
            let model = self.cast.models[i].id.clone();
            self.push(
                t0,
                Event::PrivateTestStarted { model: Some(model), provider: provider.clone(), commitment: None },
                Signer::Provider(provider),
            );
        }
    }

    fn is_live(&self, i: usize, d: u32) -> bool {
        if self.retired[i].is_some_and(|r| r <= d) {
            return false;
        }
        match self.cast.models[i].origin {
            Origin::Public { arrive } => arrive <= d,
            Origin::Variant { start, end, .. } => (start <= d && d < end) || self.released[i].is_some_and(|r| r < d),
        }
    }

    fn plan(&mut self, d: u32, t0: DateTime<Utc>) -> DayPlan {
        let live: Vec<usize> = (0..self.cast.models.len()).filter(|&i| self.is_live(i, d)).collect();
        let scheme = self.s.sampling.scheme;
        let plan = self.sampler.plan(&live, &self.counts);
        if live != self.live || (scheme == Scheme::Active && d.is_multiple_of(7)) {
            let weights = plan
                .model_shares()
                .into_iter()
                .map(|(i, w)| (self.cast.models[i].id.clone(), (w * 1e6).round() / 1e6))
                .collect();
            self.push(
                t0,
                Event::SamplingSet { effective_from: crate::primitives::time::format(t0), weights },
                Signer::Operator,
            );
            self.live = live;
        }
        plan
    }

    /// A leaderboard update at noon of day `d`: fit, list, settle programmes.
    fn update(&mut self, d: u32) {
        let t12 = self.at(d, 12 * 3600);
        let fit = rating::fit(&self.counts, &mut self.theta);
        for i in 0..self.cast.models.len() {
            let listed = self.public_since(i).is_some_and(|p| p <= d) && !self.deprecated[i];
            if listed && fit.battles[i] >= self.s.board.min_battles_to_list {
                self.disclose(&fit, i, t12);
            }
        }
        for p in 0..self.cast.programmes.len() {
            if !self.settled[p] && self.cast.programmes[p].end <= d {
                self.settled[p] = true;
                self.settle(p, &fit, d, t12);
            }
        }
        self.latest = Some(fit);
    }

    /// Discloses model `i`'s fitted score; returns (rating, ci_low, ci_high) as disclosed.
    fn disclose(&mut self, fit: &Fit, i: usize, t12: DateTime<Utc>) -> Option<(f64, f64, f64)> {
        let rating = fit.rating[i]?;
        let round = |x: f64| (x * 100.0).round() / 100.0;
        let half = fit.half_width[i];
        let (r, lo, hi) = (round(rating), round(rating - half), round(rating + half));
        self.push(
            t12,
            Event::ScoreDisclosed {
                model: self.cast.models[i].id.clone(),
                rating: r,
                ci_low: lo,
                ci_high: hi,
                battles: fit.battles[i],
                method: Some(MethodField::Spec(disclosure_method())),
                board_digest: None,
            },
            Signer::Operator,
        );
        Some((r, lo, hi))
    }

    fn settle(&mut self, p: usize, fit: &Fit, d: u32, t12: DateTime<Utc>) {
        let programme = &self.cast.programmes[p];
        let variants = programme.variants.clone();
        let best = variants
            .iter()
            .copied()
            .filter_map(|i| fit.rating[i].map(|r| (r, i)))
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)))
            .map_or(variants[0], |(_, i)| i);
        let disclosed = self.disclose(fit, best, t12);
        let others: Vec<usize> = variants.iter().copied().filter(|&i| i != best).collect();
        match self.s.private_testing.disclosure {
            DisclosurePolicy::All => {
                for &i in &others {
                    self.disclose(fit, i, t12);
                }
            }
            DisclosurePolicy::BestOnly => {
                let k = (self.s.private_testing.retract_share * others.len() as f64).round() as usize;
                for &i in others.iter().take(k) {
                    if self.disclose(fit, i, t12).is_some() {
                        self.retractions.push((d + 2, i));
                    }
                }
            }
        }
        let provider = self.provider_id(best);
        let public_name = programme.public_name.clone();
        let model = self.cast.models[best].id.clone();
        self.to_release.push(Event::ModelReleased {
            model: model.clone(),
            provider: provider.clone(),
            public_name: Some(public_name.clone()),
            artifact: None,
        });
        self.released[best] = Some(d);
        if let Some((r, lo, hi)) = disclosed {
            let rated: Vec<usize> = fit.rated().collect();
            let mean_skill = rated.iter().map(|&i| self.skills[i]).sum::<f64>() / rated.len().max(1) as f64;
            let n = variants.len() as u32;
            self.releases.push(ReleaseTruth {
                model,
                public_name,
                provider,
                license: self.cast.models[best].license,
                variants_tested: n,
                true_skill: self.skills[best],
                true_rating: self.skills[best] - mean_skill + crate::stats::INIT,
                disclosed_rating: r,
                ci_low: lo,
                ci_high: hi,
                battles: fit.battles[best],
                disclosed_at: t12,
            });
        }
    }

    fn retract(&mut self, d: u32) {
        let t12 = self.at(d, 12 * 3600);
        let due: Vec<usize> = self.retractions.iter().filter(|r| r.0 == d).map(|r| r.1).collect();
        for i in due {
            let provider = self.provider_id(i);
            self.push(
                t12,
                Event::ScoreRetracted {
                    model: self.cast.models[i].id.clone(),
                    provider: provider.clone(),
                    reason: Some("withdrawn by the provider before release".into()),
                },
                Signer::Provider(provider),
            );
        }
    }

    /// Draws the day's battles. Active sampling re-plans after each of [`ACTIVE_BATCHES`] batches, as
    /// the comparisons it counts accumulate during the day.
    fn draw(&mut self, first: DayPlan) {
        let jitter = 0.9 + 0.2 * uniform(&mut self.battles_rng);
        let battles = (f64::from(self.s.battles_per_day) * jitter).round() as u32;
        let batches = if self.sampler.scheme == Scheme::Active { ACTIVE_BATCHES } else { 1 };
        let mut day = vec![[0u32; 3]; first.pairs.len()];
        let mut batch = std::mem::take(&mut self.day_counts);
        let mut plan = first;
        let limit = self.sampler.provider_cap.map(|cap| (cap * f64::from(battles)).floor() as u32);
        let mut quota = limit.map(|l| Quota::new(&self.sampler.provider, self.sampler.providers, l));
        for b in 0..batches {
            if b > 0 {
                plan = self.sampler.plan(&self.live, &self.counts);
            }
            let n = battles / batches + u32::from(b < battles % batches);
            plan.draw(n, &self.skills, self.s.tie_rate, &mut self.battles_rng, &mut batch, quota.as_mut());
            for ((&(i, j), c), total) in plan.pairs.iter().zip(&batch).zip(day.iter_mut()) {
                if c[0] + c[1] + c[2] > 0 {
                    self.counts.add(i as usize, j as usize, *c);
                    for k in 0..3 {
                        total[k] += c[k];
                    }
                }
            }
        }
        let mut pairs = Vec::new();
        for (&(i, j), &c) in plan.pairs.iter().zip(&day) {
            let n = c[0] + c[1] + c[2];
            if n == 0 {
                continue;
            }
            let (i, j) = (i as usize, j as usize);
            let (pa, pb) = (self.cast.models[i].provider, self.cast.models[j].provider);
            self.involvement[pa] += u64::from(n);
            if pb != pa {
                self.involvement[pb] += u64::from(n);
            }
            pairs.push(PairCount {
                model_a: self.cast.models[i].id.clone(),
                model_b: self.cast.models[j].id.clone(),
                wins_a: u64::from(c[0]),
                wins_b: u64::from(c[1]),
                ties: u64::from(c[2]),
            });
        }
        self.day_counts = batch;
        self.yesterday = pairs;
    }

    /// Data released to each provider for the days since the last release (up to `d − 1`).
    fn release_data(&mut self, d: u32, t0: DateTime<Utc>) {
        let spec = &self.s.data_release;
        let providers = &self.cast.providers;
        let base: Vec<u64> = providers
            .iter()
            .zip(&self.involvement)
            .map(|(p, &n)| {
                let share = if p.license == License::Proprietary { spec.api_share } else { spec.hosted_share };
                (n as f64 * share).round() as u64
            })
            .collect();
        let fixed_total: f64 = spec.fixed_shares.values().sum();
        let rest: u64 =
            providers.iter().zip(&base).filter(|(p, _)| !spec.fixed_shares.contains_key(&p.id)).map(|(_, &b)| b).sum();
        let all = rest as f64 / (1.0 - fixed_total);
        let (from, to) = (self.at(self.month_start, 0), self.at(d - 1, 86_399));
        for (k, p) in providers.iter().enumerate() {
            let records = match spec.fixed_shares.get(&p.id) {
                Some(share) if self.involvement[k] > 0 => (share * all).round() as u64,
                Some(_) => 0,
                None => base[k],
            };
            if records > 0 {
                self.timeline.push((
                    t0,
                    Event::DataReleased {
                        provider: p.id.clone(),
                        records,
                        period_start: crate::primitives::time::format(from),
                        period_end: crate::primitives::time::format(to),
                    },
                    Signer::Operator,
                ));
            }
        }
        self.involvement.iter_mut().for_each(|n| *n = 0);
        self.month_start = d;
    }
}
