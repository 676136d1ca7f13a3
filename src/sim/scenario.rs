//! Scenario files: the knobs of a simulated arena, as typed YAML.
//!
//! A scenario names the board, its calendar and volume, its providers and models, the hidden skills,
//! the sampling scheme, how providers test private variants and disclose their scores, how the board
//! retires models and how it releases data. `examples/illusion.yaml` and `examples/fair.yaml` are the
//! two shipped scenarios; every field below appears in them with a comment.
//!
//! Unknown fields are errors (a typo must not silently fall back to a default), and every error names
//! the file, line and column it is about.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;

use super::SimError;
use crate::ledger::event::License;

/// One value per license class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassMap<T> {
    /// Closed-weight models served through an API.
    pub proprietary: T,
    /// Published weights.
    pub open_weights: T,
    /// Fully open models.
    pub open_source: T,
}

impl<T: Copy> ClassMap<T> {
    /// The value for `license`.
    pub fn get(&self, license: License) -> T {
        match license {
            License::Proprietary => self.proprietary,
            License::OpenWeights => self.open_weights,
            License::OpenSource => self.open_source,
        }
    }
}

/// A simulated arena: everything [`super::simulate`] needs besides the seed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The leaderboard's name (in `ledger_opened`).
    pub leaderboard: String,
    /// The seed used when the caller gives none.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// First simulated day (UTC), `YYYY-MM-DD`.
    pub start: String,
    /// Number of simulated days.
    pub days: u32,
    /// Battles per day (the volume knob; the outcome of every rule does not depend on it as long as
    /// every active model keeps more than ten battles a day).
    pub battles_per_day: u32,
    /// Share of battles that end in a tie (both-bad included), capped per pair so that the expected
    /// score stays the Bradley–Terry probability.
    #[serde(default = "default_tie_rate")]
    pub tie_rate: f64,
    /// Who takes part.
    pub providers: ProvidersSpec,
    /// How many public models, in which license classes.
    pub models: ModelsSpec,
    /// The hidden true skills.
    pub skills: SkillsSpec,
    /// How pairs are chosen.
    pub sampling: SamplingSpec,
    /// Private variant tests and best-of-N disclosure.
    pub private_testing: PrivateTestingSpec,
    /// Leaderboard updates (score disclosures).
    pub board: BoardSpec,
    /// How models are retired.
    pub deprecation: DeprecationSpec,
    /// Which share of battle data each provider gets.
    pub data_release: DataReleaseSpec,
}

fn default_seed() -> u64 {
    1
}

fn default_tie_rate() -> f64 {
    0.15
}

fn one() -> f64 {
    1.0
}

/// The providers: how many per license class, and the named ones that play special parts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvidersSpec {
    /// Providers per license class (named ones included); the rest get generated ids
    /// (`corp-NN`, `openlab-NN`, `uni-NN`).
    pub count: ClassMap<u32>,
    /// Providers with their own id and settings.
    #[serde(default)]
    pub named: Vec<NamedProvider>,
}

/// A provider with an id and settings of its own.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedProvider {
    /// Provider id.
    pub id: String,
    /// License class of all its models.
    pub license: License,
    /// Relative number of public models within its class (generated providers have 1).
    #[serde(default = "one")]
    pub model_weight: f64,
    /// Added to the hidden skill of its models.
    #[serde(default)]
    pub skill_offset: f64,
}

/// The public models of the year.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelsSpec {
    /// Public models over the year, models released from private tests included.
    pub count: u32,
    /// Share of the public models in each license class (sums to 1).
    pub license_shares: ClassMap<f64>,
    /// Share of the directly registered public models already on the board on day 0; the others
    /// arrive evenly over the year (until 30 days before its end).
    pub initial_share: f64,
}

/// The hidden true skills (Elo scale).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillsSpec {
    /// Mean skill of a model arriving on day 0.
    pub mean: f64,
    /// Standard deviation of skills.
    pub sd: f64,
    /// Added per license class.
    #[serde(default)]
    pub license_offsets: ClassMap<f64>,
    /// Newer models are stronger: added per year since the start.
    #[serde(default)]
    pub trend_per_year: f64,
    /// Standard deviation of a private programme's variants around their common base skill.
    #[serde(default = "default_variant_sd")]
    pub variant_sd: f64,
}

fn default_variant_sd() -> f64 {
    8.0
}

/// A sampling scheme: how each day's pairs are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// Every pair of live models equally likely.
    Uniform,
    /// A pair's weight is the product of its models' provider boosts (hand-set weights).
    Weighted,
    /// Chiang et al. (2024) Eq. 9: favour pairs whose outcome estimate would narrow most from one more
    /// battle (those with few comparisons), with a uniform floor.
    Active,
}

/// How pairs are drawn.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamplingSpec {
    /// The scheme.
    pub scheme: Scheme,
    /// `weighted`: multiplier of each listed provider's models (others 1).
    #[serde(default)]
    pub provider_boosts: BTreeMap<String, f64>,
    /// `active`: share of battles drawn uniformly over pairs, the floor every pair keeps.
    #[serde(default = "default_uniform_floor")]
    pub uniform_floor: f64,
    /// Most share of a day's battles any provider's models may take part in (a board enforcing
    /// `provider-sampling-cap`): plans keep each provider's expected share under 85% of it and a daily
    /// quota enforces it.
    #[serde(default)]
    pub provider_cap: Option<f64>,
}

fn default_uniform_floor() -> f64 {
    0.6
}

/// Which variant scores a provider discloses after a private programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisclosurePolicy {
    /// Every variant's score is disclosed (LI recommendation 1).
    All,
    /// Only the variant released; some others are disclosed and then retracted, the rest never.
    BestOnly,
}

/// Private programmes of one provider: `programmes` times, test `variants` variants, at most
/// `concurrent` at once, then release the best.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeSpec {
    /// Programmes over the year (each ends in one release).
    pub programmes: u32,
    /// Variants tested per programme.
    pub variants: u32,
    /// Variants in test at once (later ones start when a wave ends).
    pub concurrent: u32,
}

/// Private testing and disclosure.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivateTestingSpec {
    /// Days each variant is in test.
    pub test_days: u32,
    /// Which scores are disclosed.
    pub disclosure: DisclosurePolicy,
    /// `best_only`: share of the variants not released whose score is disclosed and later retracted.
    #[serde(default)]
    pub retract_share: f64,
    /// Seal every variant's test (a commitment instead of its name) until its provider reveals it:
    /// before its release or its first disclosure that stays public; never, if it has neither.
    #[serde(default)]
    pub seal: bool,
    /// Programmes of providers not listed under `providers`, by license class.
    pub defaults: ClassMap<ProgrammeSpec>,
    /// Programmes of particular providers.
    #[serde(default)]
    pub providers: BTreeMap<String, ProgrammeSpec>,
}

/// Leaderboard updates.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardSpec {
    /// Days between updates; each update discloses the rating of every listed model, and the
    /// scores of programmes that ended since the previous one.
    pub update_every_days: u32,
    /// A public model is listed (its score disclosed) once it has this many recorded battles.
    pub min_battles_to_list: u64,
}

/// How retirements happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeprecationMode {
    /// At each review, retire the lowest-rated models within each license class (LI recommendation 3).
    Reviews,
    /// Models fade out over the year, oldest first, each on a day of its own.
    Fade,
}

/// Retirement of public models.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeprecationSpec {
    /// How.
    pub mode: DeprecationMode,
    /// `reviews`: days between reviews.
    #[serde(default = "default_review_days")]
    pub review_every_days: u32,
    /// A model is retired only after this many days on the board.
    pub min_age_days: u32,
    /// Share of each class's public models retired by the end of the year.
    pub retire_share: ClassMap<f64>,
    /// Share of retirements announced with a public `model_deprecated`.
    pub public_share: f64,
    /// Share of retirements recorded with `model_deprecated` and `public: false`; the rest are silent
    /// (the model just stops being sampled).
    #[serde(default)]
    pub hidden_share: f64,
}

fn default_review_days() -> u32 {
    91
}

/// Monthly data releases to providers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataReleaseSpec {
    /// Share of the battles of a proprietary provider's models released to it (API providers see
    /// every prompt sent to them).
    #[serde(default = "one")]
    pub api_share: f64,
    /// Share of the battles of an open model the board hosts released to its provider.
    #[serde(default = "one")]
    pub hosted_share: f64,
    /// Providers given a fixed share of all released data (the others share the rest).
    #[serde(default)]
    pub fixed_shares: BTreeMap<String, f64>,
}

impl Scenario {
    /// Reads and checks a scenario file.
    pub fn load(path: &Path) -> Result<Self, SimError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| SimError::Io { path: path.to_path_buf(), source })?;
        Self::parse(&file, &text)
    }

    /// Parses and checks scenario YAML; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Self, SimError> {
        let scenario: Scenario = serde_yaml_ng::from_str(text).map_err(|e| {
            let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            let message = e.to_string();
            // serde_yaml appends " at line L column C", which the error already leads with.
            let message = match message.rsplit_once(" at line ") {
                Some((head, tail)) if tail.starts_with(|c: char| c.is_ascii_digit()) => head.to_owned(),
                _ => message,
            };
            SimError::Scenario { file: file.to_owned(), line, column, message }
        })?;
        scenario.check().map_err(|(pointer, message)| {
            let (line, column) = crate::policy::pack::locate(text, &pointer);
            SimError::Scenario { file: file.to_owned(), line, column, message: format!("{pointer}: {message}") }
        })?;
        Ok(scenario)
    }

    /// Checks the constraints types cannot express (what [`Scenario::parse`] does after parsing), for
    /// a scenario built or changed in code.
    pub fn validate(&self) -> Result<(), SimError> {
        self.check().map_err(|(pointer, message)| SimError::Invalid { pointer, message })
    }

    /// The first simulated day.
    pub fn start_date(&self) -> Result<NaiveDate, SimError> {
        parse_date(&self.start).map_err(|message| SimError::Invalid { pointer: "/start".into(), message })
    }

    /// Checks what types cannot; errors carry a JSON pointer into the file.
    fn check(&self) -> Result<(), (String, String)> {
        let err = |p: &str, m: String| Err((p.to_owned(), m));
        if !is_id(&self.leaderboard) {
            return err("/leaderboard", "expected a name of 1-200 characters without control characters".into());
        }
        parse_date(&self.start).map_err(|m| ("/start".to_owned(), m))?;
        if !(70..=3660).contains(&self.days) {
            return err("/days", format!("expected 70 to 3660 days, found {}", self.days));
        }
        if !(1..=1_000_000).contains(&self.battles_per_day) {
            return err("/battles_per_day", format!("expected 1 to 1000000, found {}", self.battles_per_day));
        }
        if !(0.0..=0.5).contains(&self.tie_rate) {
            return err("/tie_rate", format!("expected a share from 0 to 0.5, found {}", self.tie_rate));
        }
        self.check_providers()?;
        let m = &self.models;
        if !(2..=super::arena::MAX_MODELS as u32).contains(&m.count) {
            return err(
                "/models/count",
                format!("expected 2 to {} models, found {}", super::arena::MAX_MODELS, m.count),
            );
        }
        check_shares("/models/license_shares", &m.license_shares)?;
        if !(0.0..=1.0).contains(&m.initial_share) {
            return err("/models/initial_share", format!("expected a share from 0 to 1, found {}", m.initial_share));
        }
        let s = &self.skills;
        for (p, v) in [("/skills/mean", s.mean), ("/skills/trend_per_year", s.trend_per_year)] {
            if !v.is_finite() || v.abs() > 10_000.0 {
                return err(p, format!("expected a number within ±10000, found {v}"));
            }
        }
        for (p, v) in [("/skills/sd", s.sd), ("/skills/variant_sd", s.variant_sd)] {
            if !(0.0..=1000.0).contains(&v) {
                return err(p, format!("expected 0 to 1000, found {v}"));
            }
        }
        for l in License::ALL {
            let v = s.license_offsets.get(l);
            if !v.is_finite() || v.abs() > 10_000.0 {
                return err(&format!("/skills/license_offsets/{}", l.as_str()), format!("expected ±10000, found {v}"));
            }
        }
        self.check_sampling()?;
        self.check_testing()?;
        if !(1..=60).contains(&self.board.update_every_days) {
            return err("/board/update_every_days", "expected 1 to 60 days".into());
        }
        let d = &self.deprecation;
        if d.review_every_days == 0 {
            return err("/deprecation/review_every_days", "expected at least 1 day".into());
        }
        for l in License::ALL {
            if !(0.0..=1.0).contains(&d.retire_share.get(l)) {
                return err(
                    &format!("/deprecation/retire_share/{}", l.as_str()),
                    "expected a share from 0 to 1".into(),
                );
            }
        }
        if !(0.0..=1.0).contains(&d.public_share)
            || !(0.0..=1.0).contains(&d.hidden_share)
            || d.public_share + d.hidden_share > 1.0 + 1e-9
        {
            return err(
                "/deprecation/public_share",
                "public_share and hidden_share are shares that sum to at most 1".into(),
            );
        }
        let r = &self.data_release;
        for (p, v) in [("/data_release/api_share", r.api_share), ("/data_release/hosted_share", r.hosted_share)] {
            if !(0.0..=1.0).contains(&v) {
                return err(p, format!("expected a share from 0 to 1, found {v}"));
            }
        }
        let ids = self.provider_ids();
        let mut fixed = 0.0;
        for (id, &v) in &r.fixed_shares {
            let p = format!("/data_release/fixed_shares/{}", pointer_escape(id));
            if !ids.contains(id) {
                return err(&p, format!("unknown provider `{id}`"));
            }
            if !(0.0..1.0).contains(&v) {
                return err(&p, format!("expected a share from 0 to 1, found {v}"));
            }
            fixed += v;
        }
        if fixed >= 1.0 {
            return err("/data_release/fixed_shares", "fixed shares must sum to less than 1".into());
        }
        Ok(())
    }

    fn check_providers(&self) -> Result<(), (String, String)> {
        let mut seen = std::collections::BTreeSet::new();
        let mut named = ClassMap::<u32>::default();
        for (i, p) in self.providers.named.iter().enumerate() {
            if !is_provider_id(&p.id) {
                return Err((
                    format!("/providers/named/{i}/id"),
                    "expected 1-64 letters, digits, `.`, `_` or `-`, starting with a letter or digit".into(),
                ));
            }
            if !seen.insert(p.id.clone()) || generated_prefix(&p.id) {
                return Err((
                    format!("/providers/named/{i}/id"),
                    format!("`{}` is a duplicate or looks like a generated id (corp-NN, openlab-NN, uni-NN)", p.id),
                ));
            }
            if !(0.01..=100.0).contains(&p.model_weight) {
                return Err((format!("/providers/named/{i}/model_weight"), "expected 0.01 to 100".into()));
            }
            if !p.skill_offset.is_finite() || p.skill_offset.abs() > 10_000.0 {
                return Err((format!("/providers/named/{i}/skill_offset"), "expected a number within ±10000".into()));
            }
            match p.license {
                License::Proprietary => named.proprietary += 1,
                License::OpenWeights => named.open_weights += 1,
                License::OpenSource => named.open_source += 1,
            }
        }
        let mut total = 0;
        for l in License::ALL {
            let (n, k) = (self.providers.count.get(l), named.get(l));
            if n < k || n > 99 {
                return Err((
                    format!("/providers/count/{}", l.as_str()),
                    format!("expected {k} (the named providers of this class) to 99 providers, found {n}"),
                ));
            }
            if n == 0 && self.models.license_shares.get(l) > 0.0 {
                return Err((
                    format!("/providers/count/{}", l.as_str()),
                    "a class with a share of the models needs at least one provider".into(),
                ));
            }
            total += n;
        }
        if total == 0 {
            return Err(("/providers/count".into(), "expected at least one provider".into()));
        }
        Ok(())
    }

    fn check_sampling(&self) -> Result<(), (String, String)> {
        let s = &self.sampling;
        let ids = self.provider_ids();
        for (id, &b) in &s.provider_boosts {
            let p = format!("/sampling/provider_boosts/{}", pointer_escape(id));
            if s.scheme != Scheme::Weighted {
                return Err((p, "provider boosts apply only to `scheme: weighted`".into()));
            }
            if !ids.contains(id) {
                return Err((p, format!("unknown provider `{id}`")));
            }
            if !(0.01..=1000.0).contains(&b) {
                return Err((p, format!("expected a multiplier from 0.01 to 1000, found {b}")));
            }
        }
        if !(0.0..=1.0).contains(&s.uniform_floor) || (s.scheme == Scheme::Active && s.uniform_floor <= 0.0) {
            return Err(("/sampling/uniform_floor".into(), "expected a share above 0 and at most 1".into()));
        }
        if s.provider_cap.is_some_and(|c| !(0.01..=1.0).contains(&c)) {
            return Err(("/sampling/provider_cap".into(), "expected a share from 0.01 to 1".into()));
        }
        Ok(())
    }

    fn check_testing(&self) -> Result<(), (String, String)> {
        let t = &self.private_testing;
        if !(1..=120).contains(&t.test_days) {
            return Err(("/private_testing/test_days".into(), "expected 1 to 120 days".into()));
        }
        if !(0.0..=1.0).contains(&t.retract_share) {
            return Err(("/private_testing/retract_share".into(), "expected a share from 0 to 1".into()));
        }
        let ids = self.provider_ids();
        let mut specs: Vec<(String, ProgrammeSpec)> = License::ALL
            .iter()
            .map(|&l| (format!("/private_testing/defaults/{}", l.as_str()), t.defaults.get(l)))
            .collect();
        for (id, spec) in &t.providers {
            let p = format!("/private_testing/providers/{}", pointer_escape(id));
            if !ids.contains(id) {
                return Err((p, format!("unknown provider `{id}`")));
            }
            specs.push((p, *spec));
        }
        // Programmes must end 45 days before the end of the year so that their disclosure deadline
        // (30 days) has passed when the board is judged.
        let room = i64::from(self.days) - 45 - 14;
        for (p, spec) in specs {
            if spec.programmes == 0 {
                continue;
            }
            if !(1..=200).contains(&spec.variants) || !(1..=200).contains(&spec.concurrent) {
                return Err((p, "expected 1 to 200 variants and 1 to 200 concurrent tests".into()));
            }
            let waves = spec.variants.div_ceil(spec.concurrent);
            let span = i64::from(waves * t.test_days + self.board.update_every_days);
            if span * i64::from(spec.programmes) > room {
                return Err((
                    p,
                    format!(
                        "{} programme(s) of {} wave(s) of {} test days do not fit in the year (they must end 45 days before its end)",
                        spec.programmes, waves, t.test_days
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Every provider id, named and generated, in a fixed order (by class, named first).
    pub fn provider_ids(&self) -> Vec<String> {
        let mut out = Vec::new();
        for l in License::ALL {
            let named: Vec<&NamedProvider> = self.providers.named.iter().filter(|p| p.license == l).collect();
            out.extend(named.iter().map(|p| p.id.clone()));
            let generated = self.providers.count.get(l).saturating_sub(named.len() as u32);
            out.extend((1..=generated).map(|i| generated_id(l, i)));
        }
        out
    }
}

/// The id of the `i`-th generated provider of a class.
pub(crate) fn generated_id(license: License, i: u32) -> String {
    let prefix = match license {
        License::Proprietary => "corp",
        License::OpenWeights => "openlab",
        License::OpenSource => "uni",
    };
    format!("{prefix}-{i:02}")
}

fn generated_prefix(id: &str) -> bool {
    ["corp-", "openlab-", "uni-"]
        .iter()
        .any(|p| id.strip_prefix(p).is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit())))
}

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.chars().count() <= 200 && !s.chars().any(char::is_control)
}

/// Whether `id` can be a provider id here: it also names the provider's key file.
pub(crate) fn is_provider_id(id: &str) -> bool {
    id.len() <= 64
        && id.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn pointer_escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("`{s}` is not a date like 2024-04-01"))
}

fn check_shares(pointer: &str, shares: &ClassMap<f64>) -> Result<(), (String, String)> {
    let mut sum = 0.0;
    for l in License::ALL {
        let v = shares.get(l);
        if !(0.0..=1.0).contains(&v) {
            return Err((format!("{pointer}/{}", l.as_str()), format!("expected a share from 0 to 1, found {v}")));
        }
        sum += v;
    }
    if (sum - 1.0).abs() > 1e-6 {
        return Err((pointer.to_owned(), format!("shares must sum to 1, found {sum}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
leaderboard: t
start: 2024-04-01
days: 120
battles_per_day: 500
providers: { count: { proprietary: 2, open_weights: 2, open_source: 1 } }
models: { count: 20, license_shares: { proprietary: 0.5, open_weights: 0.3, open_source: 0.2 }, initial_share: 0.5 }
skills: { mean: 1100, sd: 100 }
sampling: { scheme: uniform }
private_testing:
  test_days: 14
  disclosure: all
  defaults:
    proprietary: { programmes: 1, variants: 2, concurrent: 2 }
    open_weights: { programmes: 0, variants: 1, concurrent: 1 }
    open_source: { programmes: 0, variants: 1, concurrent: 1 }
board: { update_every_days: 14, min_battles_to_list: 100 }
deprecation: { mode: reviews, min_age_days: 30, retire_share: { proprietary: 0.3, open_weights: 0.3, open_source: 0.3 }, public_share: 1.0 }
data_release: {}
"#;

    #[test]
    fn parses_a_minimal_scenario_and_generates_provider_ids() {
        let s = Scenario::parse("t.yaml", MINIMAL).unwrap();
        assert_eq!(s.provider_ids(), ["corp-01", "corp-02", "openlab-01", "openlab-02", "uni-01"]);
        assert_eq!(s.seed, 1);
    }

    #[test]
    fn unknown_fields_and_bad_values_are_located() {
        let typo = MINIMAL.replace("battles_per_day: 500", "battles_per_dya: 500");
        let e = Scenario::parse("t.yaml", &typo).unwrap_err().to_string();
        assert!(e.starts_with("t.yaml:") && e.contains("battles_per_dya"), "{e}");
        let bad = MINIMAL.replace("proprietary: 0.5, open_weights: 0.3", "proprietary: 0.6, open_weights: 0.3");
        let e = Scenario::parse("t.yaml", &bad).unwrap_err().to_string();
        assert!(e.starts_with("t.yaml:7:") && e.contains("/models/license_shares: shares must sum to 1"), "{e}");
        let boost = MINIMAL.replace("scheme: uniform", "scheme: weighted, provider_boosts: { nobody: 2 }");
        let e = Scenario::parse("t.yaml", &boost).unwrap_err().to_string();
        assert!(e.contains("unknown provider `nobody`"), "{e}");
    }
}
