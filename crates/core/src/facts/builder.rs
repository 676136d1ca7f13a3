//! Building [`Facts`] from records, in one pass.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use super::{
    Adoption, DataRelease, Deprecation, Disclosure, Edge, Facts, MethodAdoption, ModelFact, Period, ProviderFact,
    Release, Retraction, SamplingSet, TestInterval, Waiver,
};
use crate::ledger::VerifiedRecord;
use crate::ledger::event::Event;

/// A verified or planned event that the facts cannot take: the schemas let through something the
/// typed events do not describe (a bug between `schemas/` and [`crate::ledger::event`]). Reported,
/// never skipped, since a skipped event would silently change every figure after it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("seq {seq}: event does not read as a typed event: {message}")]
pub struct FactsError {
    /// The record's seq.
    pub seq: u64,
    /// What the typed reading said.
    pub message: String,
}

/// Consumes verified records in ledger order and accumulates [`Facts`].
#[derive(Debug, Clone, Default)]
pub struct FactsBuilder {
    facts: Facts,
    at: Option<i64>,
    index: HashMap<String, u32>,
    battles_by_index: Vec<u64>,
    open_tests: HashMap<(String, String), usize>,
    /// Revealed name → sealed id: events after a reveal may name the variant either way, and are
    /// kept under the sealed id until [`FactsBuilder::finish`] renames it.
    revealed: HashMap<String, String>,
    error: Option<FactsError>,
}

/// Unix milliseconds of a schema-valid time.
fn ms(seq: u64, time: &str) -> Result<i64, FactsError> {
    crate::primitives::time::parse(time)
        .map(|t| t.timestamp_millis())
        .map_err(|e| FactsError { seq, message: e.to_string() })
}

impl FactsBuilder {
    /// A builder that keeps records at or before `at` (all records when `None`).
    pub fn new(at: Option<i64>) -> Self {
        Self { at, ..Self::default() }
    }

    /// The id a model is kept under while building: the sealed id of a revealed variant.
    fn resolve(&self, model: String) -> String {
        if self.revealed.is_empty() {
            return model;
        }
        self.revealed.get(&model).cloned().unwrap_or(model)
    }

    fn intern(&mut self, model: &str) -> u32 {
        let model =
            if self.revealed.is_empty() { model } else { self.revealed.get(model).map_or(model, String::as_str) };
        if let Some(&i) = self.index.get(model) {
            return i;
        }
        let i = self.facts.model_names.len() as u32;
        self.facts.model_names.push(model.to_owned());
        self.battles_by_index.push(0);
        self.index.insert(model.to_owned(), i);
        i
    }

    /// Adds one verified record, in ledger order.
    pub fn push(&mut self, record: &VerifiedRecord) {
        self.add(record.seq, record.time_ms(), Some(&record.hash), &record.event);
    }

    /// Adds a planned event as record `seq` at `time` (Unix ms): what a what-if plan or a policy test
    /// case would append. It is not signed and has no hash, so the facts' head stays where it was.
    /// The event must be schema-valid already.
    pub fn push_planned(&mut self, seq: u64, time: i64, event: &serde_json::Value) {
        self.add(seq, time, None, event);
    }

    fn add(&mut self, seq: u64, time: i64, hash: Option<&str>, event: &serde_json::Value) {
        if self.error.is_some() || self.at.is_some_and(|at| time > at) {
            return;
        }
        if let Err(e) = self.apply(seq, time, hash, event) {
            self.error = Some(e);
        }
    }

    fn apply(&mut self, seq: u64, time: i64, hash: Option<&str>, event: &serde_json::Value) -> Result<(), FactsError> {
        let event = Event::deserialize(event).map_err(|e| FactsError { seq, message: e.to_string() })?;
        let at = (seq, time);
        let f = &mut self.facts;
        f.records += 1;
        if let Some(hash) = hash {
            f.head = hash.to_owned();
        }
        f.last_time = time;
        match event {
            Event::LedgerOpened { leaderboard, .. } => f.leaderboard = leaderboard,
            Event::KeyAuthorized { .. } | Event::KeyRevoked { .. } => {}
            Event::PolicyAdopted { name, version, digest } => f.adoptions.push(Adoption { at, name, version, digest }),
            Event::ProviderRegistered { provider, name } => {
                f.providers.entry(provider).or_insert(ProviderFact { name, seq });
            }
            Event::ModelRegistered { model, provider, license, visibility } => {
                let model = self.resolve(model);
                self.intern(&model);
                self.facts.models.entry(model).or_insert(ModelFact {
                    provider,
                    license,
                    visibility,
                    registered: at,
                    released: None,
                    public_name: None,
                    deprecation: None,
                    battles: 0,
                    first_battle: None,
                    last_battle: None,
                });
            }
            Event::PrivateTestStarted { model, provider, commitment } => {
                let model = match (&model, &commitment) {
                    (Some(m), _) => self.resolve(m.clone()),
                    (None, Some(c)) => crate::ledger::seal::sealed_id(c),
                    (None, None) => {
                        return Err(FactsError { seq, message: "private_test_started names no model".into() });
                    }
                };
                let f = &mut self.facts;
                if let std::collections::hash_map::Entry::Vacant(slot) =
                    self.open_tests.entry((provider.clone(), model.clone()))
                {
                    slot.insert(f.private_tests.len());
                    f.private_tests.push(TestInterval {
                        model,
                        provider,
                        start: at,
                        end: None,
                        commitment,
                        revealed: None,
                        artifact: None,
                        reveal_conflict: None,
                    });
                }
            }
            Event::PrivateTestRevealed { provider, commitment, model, artifact, .. } => {
                // The opening was checked during verification (ledger::authority); here the name
                // only becomes the variant's.
                // A name the ledger already uses (a model, a battle, a test, another reveal) cannot
                // become this variant's: the reveal is recorded as conflicting, the variant stays
                // under its sealed id, and disclose-all-variants reports it as unrevealed.
                let sealed = crate::ledger::seal::sealed_id(&commitment);
                let taken = self.facts.models.contains_key(&model)
                    || self.index.contains_key(&model)
                    || self.revealed.contains_key(&model)
                    || self.facts.private_tests.iter().any(|t| t.model == model);
                for t in self.facts.private_tests.iter_mut().filter(|t| t.commitment.as_ref() == Some(&commitment)) {
                    if taken {
                        t.reveal_conflict = Some((seq, model.clone()));
                    } else {
                        t.revealed = Some(at);
                        t.artifact.clone_from(&artifact);
                    }
                }
                let _ = provider;
                if !taken {
                    self.revealed.insert(model, sealed);
                }
            }
            Event::PrivateTestEnded { model, provider } => {
                let model = self.resolve(model);
                if let Some(i) = self.open_tests.remove(&(provider, model)) {
                    self.facts.private_tests[i].end = Some(at);
                }
            }
            Event::ModelReleased { model, provider, public_name, artifact } => {
                let model = self.resolve(model);
                let f = &mut self.facts;
                if let Some(m) = f.models.get_mut(&model)
                    && m.released.is_none()
                {
                    m.released = Some(at);
                    m.public_name.clone_from(&public_name);
                }
                f.releases.push(Release { at, model, provider, public_name, artifact });
            }
            Event::BattlesRecorded { period_start, period_end, pairs } => {
                self.push_period(seq, (ms(seq, &period_start)?, ms(seq, &period_end)?), &pairs);
            }
            Event::SamplingSet { effective_from, weights } => {
                let weights = weights.into_iter().map(|(m, w)| (self.resolve(m), w)).collect();
                let f = &mut self.facts;
                f.sampling_sets.push(SamplingSet { at, effective_from: ms(seq, &effective_from)?, weights });
            }
            Event::ScoreDisclosed { model, rating, ci_low, ci_high, battles, method, board_digest } => {
                let model = self.resolve(model);
                let (method, spec) = match method {
                    None => (None, None),
                    Some(crate::ledger::event::MethodField::Label(l)) => (Some(l), None),
                    Some(crate::ledger::event::MethodField::Spec(m)) => {
                        (Some(crate::ledger::method::describe(&m)), Some(m))
                    }
                };
                let recorded_battles = self.index.get(&model).map_or(0, |&i| self.battles_by_index[i as usize]);
                self.facts.disclosures.push(Disclosure {
                    at,
                    model,
                    rating,
                    ci_low,
                    ci_high,
                    battles,
                    recorded_battles,
                    method,
                    spec,
                    board_digest,
                });
            }
            Event::ScoreRetracted { model, provider, reason } => {
                let model = self.resolve(model);
                self.facts.retractions.push(Retraction { at, model, provider, reason });
            }
            Event::ModelDeprecated { model, reason, public } => {
                let model = self.resolve(model);
                let f = &mut self.facts;
                let i = f.deprecations.len();
                if let Some(m) = f.models.get_mut(&model)
                    && m.deprecation.is_none()
                {
                    m.deprecation = Some(i);
                }
                f.deprecations.push(Deprecation { at, model, reason, public });
            }
            Event::MethodAdopted { method, effective_from, .. } => {
                let effective_from = ms(seq, &effective_from)?;
                self.facts.method_adoptions.push(MethodAdoption { at, method, effective_from });
            }
            Event::WaiverGranted { rule, subject, reason, approved_by, expires } => {
                let expires = ms(seq, &expires)?;
                let subject = self.resolve(subject);
                self.facts.waivers.push(Waiver { at, rule, subject, reason, approved_by, expires, revoked: None });
            }
            Event::WaiverRevoked { waiver, .. } => {
                // Verification refuses a revocation of anything but a waiver in force
                // (ledger::authority); a planned one that names none changes nothing.
                if let Some(w) = self.facts.waivers.iter_mut().find(|w| w.at.0 == waiver) {
                    w.revoked.get_or_insert(at);
                }
            }
            Event::DataReleased { provider, records, period_start, period_end } => {
                self.facts.data_releases.push(DataRelease {
                    at,
                    provider,
                    records,
                    period: (ms(seq, &period_start)?, ms(seq, &period_end)?),
                });
            }
        }
        Ok(())
    }

    fn push_period(&mut self, seq: u64, span: (i64, i64), pairs: &[crate::ledger::event::PairCount]) {
        let mut per_model: BTreeMap<u32, u64> = BTreeMap::new();
        let mut per_provider: BTreeMap<String, u64> = BTreeMap::new();
        let mut total = 0;
        let mut period_pairs: BTreeMap<(u32, u32), Edge> = BTreeMap::new();
        for pair in pairs {
            let n = pair.battles();
            if n == 0 {
                continue;
            }
            total += n;
            let (a, b) = (self.intern(&pair.model_a), self.intern(&pair.model_b));
            if a == b {
                // A sealed id against its own revealed name: one model, no comparison.
                continue;
            }
            *per_model.entry(a).or_insert(0) += n;
            *per_model.entry(b).or_insert(0) += n;
            let (name_a, name_b) = (&self.facts.model_names[a as usize], &self.facts.model_names[b as usize]);
            let (pa, pb) = (self.facts.provider_of(name_a), self.facts.provider_of(name_b));
            for p in [pa, pb].into_iter().flatten() {
                *per_provider.entry(p.to_owned()).or_insert(0) += n;
            }
            if let (Some(pa), Some(pb)) = (pa, pb)
                && pa == pb
                && let Some(c) = per_provider.get_mut(pa)
            {
                *c -= n; // a battle between two models of one provider counts once for it
            }
            let (lo, hi, e) = if name_a <= name_b {
                (a, b, Edge { wins_a: pair.wins_a, wins_b: pair.wins_b, ties: pair.ties })
            } else {
                (b, a, Edge { wins_a: pair.wins_b, wins_b: pair.wins_a, ties: pair.ties })
            };
            for edge in [self.facts.edges.entry((lo, hi)).or_default(), period_pairs.entry((lo, hi)).or_default()] {
                edge.wins_a += e.wins_a;
                edge.wins_b += e.wins_b;
                edge.ties += e.ties;
            }
        }
        for (&m, &n) in &per_model {
            self.battles_by_index[m as usize] += n;
            let name = &self.facts.model_names[m as usize];
            if let Some(model) = self.facts.models.get_mut(name) {
                model.battles += n;
                model.first_battle = Some(model.first_battle.map_or(span.0, |t| t.min(span.0)));
                model.last_battle = Some(model.last_battle.map_or(span.1, |t| t.max(span.1)));
            }
        }
        self.facts.periods.push(Period {
            seq,
            span,
            battles: total,
            model_battles: per_model.into_iter().collect(),
            provider_battles: per_provider,
            pairs: period_pairs.into_iter().collect(),
        });
    }

    /// The facts, judged as of `at` (or the last record's time).
    pub fn finish(mut self) -> Result<Facts, FactsError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.facts.now = self.at.unwrap_or(self.facts.last_time);
        let mut facts = self.facts;
        rename_revealed(&mut facts, &self.revealed);
        Ok(facts)
    }

    /// The facts read so far, judged as of `now` (admission control and plans judge candidate events at
    /// their own time, before and after adding them). Leaves the builder usable.
    pub fn judged_at(&self, now: i64) -> Result<Facts, FactsError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let mut facts = self.facts.clone();
        facts.now = now;
        rename_revealed(&mut facts, &self.revealed);
        Ok(facts)
    }
}

/// Reports every revealed variant under its revealed name: the facts were kept under the sealed id
/// while building, so that battles before and after the reveal add up under one model.
fn rename_revealed(facts: &mut Facts, revealed: &HashMap<String, String>) {
    if revealed.is_empty() {
        return;
    }
    let real: HashMap<&str, &str> = revealed.iter().map(|(name, sealed)| (sealed.as_str(), name.as_str())).collect();
    let rename = |m: &mut String| {
        if let Some(name) = real.get(m.as_str()) {
            *m = (*name).to_owned();
        }
    };
    facts.revealed = real.iter().map(|(sealed, name)| ((*sealed).to_owned(), (*name).to_owned())).collect();
    facts.model_names.iter_mut().for_each(rename);
    facts.waivers.iter_mut().for_each(|w| rename(&mut w.subject));
    fn rename_keys<V>(map: &mut BTreeMap<String, V>, real: &HashMap<&str, &str>) {
        *map = std::mem::take(map)
            .into_iter()
            .map(|(k, v)| (real.get(k.as_str()).map_or(k, |name| (*name).to_owned()), v))
            .collect();
    }
    rename_keys(&mut facts.models, &real);
    facts.private_tests.iter_mut().for_each(|t| rename(&mut t.model));
    facts.disclosures.iter_mut().for_each(|d| rename(&mut d.model));
    facts.retractions.iter_mut().for_each(|r| rename(&mut r.model));
    facts.releases.iter_mut().for_each(|r| rename(&mut r.model));
    facts.deprecations.iter_mut().for_each(|d| rename(&mut d.model));
    for s in &mut facts.sampling_sets {
        rename_keys(&mut s.weights, &real);
    }
    // Pairs are keyed (lower name, higher name); a new name can swap the order.
    let names = &facts.model_names;
    let orient = |(lo, hi): (u32, u32), e: Edge| {
        if names[lo as usize] <= names[hi as usize] {
            ((lo, hi), e)
        } else {
            ((hi, lo), Edge { wins_a: e.wins_b, wins_b: e.wins_a, ties: e.ties })
        }
    };
    let edges = std::mem::take(&mut facts.edges);
    facts.edges = edges.into_iter().map(|(k, e)| orient(k, e)).collect();
    for p in &mut facts.periods {
        let mut pairs: Vec<((u32, u32), Edge)> =
            std::mem::take(&mut p.pairs).into_iter().map(|(k, e)| orient(k, e)).collect();
        pairs.sort_by_key(|(k, _)| *k);
        p.pairs = pairs;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::RecordBody;
    use ed25519_dalek::SigningKey;
    use serde_json::json;

    fn records(events: &[(&str, serde_json::Value)]) -> Vec<VerifiedRecord> {
        let key = SigningKey::from_bytes(&[9; 32]);
        let mut prev = crate::ledger::record::GENESIS_PREV.to_owned();
        events
            .iter()
            .enumerate()
            .map(|(i, (t, e))| {
                let body = RecordBody {
                    seq: i as u64,
                    time: (*t).into(),
                    prev: prev.clone(),
                    signer: "k".into(),
                    event: e.clone(),
                };
                let (r, _) = body.sign(&key).unwrap();
                prev.clone_from(&r.hash);
                VerifiedRecord::new(r, crate::primitives::time::parse(t).unwrap())
            })
            .collect()
    }

    #[test]
    fn aggregates_tests_battles_and_provider_shares() {
        let recs = records(&[
            ("2025-03-01T00:00:00Z", json!({"type":"ledger_opened","leaderboard":"x","operator_key":"k"})),
            (
                "2025-03-01T00:00:00Z",
                json!({"type":"model_registered","model":"a","provider":"p","license":"proprietary","visibility":"public"}),
            ),
            (
                "2025-03-01T00:00:00Z",
                json!({"type":"model_registered","model":"b","provider":"p","license":"proprietary","visibility":"public"}),
            ),
            (
                "2025-03-01T00:00:00Z",
                json!({"type":"model_registered","model":"c","provider":"q","license":"open_weights","visibility":"public"}),
            ),
            ("2025-03-02T00:00:00Z", json!({"type":"private_test_started","model":"v","provider":"p"})),
            ("2025-03-02T00:00:00Z", json!({"type":"private_test_started","model":"v","provider":"p"})),
            ("2025-03-03T00:00:00Z", json!({"type":"private_test_ended","model":"v","provider":"p"})),
            (
                "2025-03-04T00:00:00Z",
                json!({"type":"battles_recorded","period_start":"2025-03-03T00:00:00Z","period_end":"2025-03-03T23:59:59Z",
                "pairs":[{"model_a":"a","model_b":"b","wins_a":1,"wins_b":2,"ties":1},{"model_a":"c","model_b":"a","wins_a":3,"wins_b":0,"ties":0}]}),
            ),
            (
                "2025-03-05T00:00:00Z",
                json!({"type":"score_disclosed","model":"a","rating":1.0,"ci_low":0.0,"ci_high":2.0,"battles":7}),
            ),
        ]);
        let mut b = FactsBuilder::new(None);
        recs.iter().for_each(|r| b.push(r));
        let f = b.finish().unwrap();
        assert_eq!(f.private_tests.len(), 1, "a repeated start does not open a second test");
        assert_eq!(f.private_tests[0].end.map(|e| e.0), Some(6));
        let p = &f.periods[0];
        assert_eq!(p.battles, 7);
        assert_eq!(p.provider_battles["p"], 7, "a-b counts once for p, c-a once");
        assert_eq!(p.provider_battles["q"], 3);
        assert_eq!(f.models["a"].battles, 7);
        assert_eq!(f.disclosures[0].recorded_battles, 7);
        let ia = f.model_names.iter().position(|m| m == "a").unwrap() as u32;
        let ic = f.model_names.iter().position(|m| m == "c").unwrap() as u32;
        assert_eq!(f.edges[&(ia, ic)], Edge { wins_a: 0, wins_b: 3, ties: 0 });
        assert_eq!(f.now, f.last_time);

        let mut early =
            FactsBuilder::new(Some(crate::primitives::time::parse("2025-03-02T12:00:00Z").unwrap().timestamp_millis()));
        recs.iter().for_each(|r| early.push(r));
        let e = early.finish().unwrap();
        assert_eq!(e.records, 6);
        assert!(e.private_tests[0].end.is_none());
    }
}
