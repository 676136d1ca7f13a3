//! Per-pair outcome counts: the sufficient statistic of the Bradley–Terry model.
//!
//! The likelihood depends on the battles only through how often each model beat, lost to and tied
//! with each other model, so a ledger's `battles_recorded` pair counts are all a fit needs. A
//! [`Comparisons`] holds them in one canonical form (models sorted by id, each unordered pair once,
//! smaller id first, pairs sorted), so the order in which battles or rows arrive can never change a
//! result.

use std::collections::BTreeMap;

use crate::facts::{Edge, Facts, Period};

/// The outcomes between two models of a [`Comparisons`]: indices into its `models`, `a < b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PairTally {
    /// The first model (smaller id).
    pub a: usize,
    /// The second model.
    pub b: usize,
    /// Battles `a` won.
    pub wins_a: u64,
    /// Battles `b` won.
    pub wins_b: u64,
    /// Ties (both-bad included); each counts as half a win for both.
    pub ties: u64,
}

impl PairTally {
    /// All battles between the two.
    pub fn battles(&self) -> u64 {
        self.wins_a.saturating_add(self.wins_b).saturating_add(self.ties)
    }
}

/// Which of a ledger's battle periods count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PeriodFilter {
    /// Keep periods starting at or after this time (Unix ms).
    pub from: Option<i64>,
    /// Keep periods starting before this time (Unix ms).
    pub to: Option<i64>,
    /// Keep periods recorded before this seq (the battles a disclosure at that seq could use).
    pub before_seq: Option<u64>,
}

impl PeriodFilter {
    /// Every period.
    pub const ALL: Self = Self { from: None, to: None, before_seq: None };

    /// Whether `period` counts.
    pub fn admits(&self, period: &Period) -> bool {
        self.from.is_none_or(|f| period.span.0 >= f)
            && self.to.is_none_or(|t| period.span.0 < t)
            && self.before_seq.is_none_or(|s| period.seq < s)
    }
}

/// Models and the outcomes between them, in canonical form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparisons {
    /// Every model with at least one battle against another model, sorted by id.
    pub models: Vec<String>,
    /// Each unordered pair with at least one battle, once, sorted by `(a, b)`.
    pub pairs: Vec<PairTally>,
}

type Tallies<'a> = BTreeMap<(&'a str, &'a str), (u64, u64, u64)>;

fn add<'a>(tallies: &mut Tallies<'a>, a: &'a str, b: &'a str, wins_a: u64, wins_b: u64, ties: u64) {
    if a == b || wins_a.saturating_add(wins_b).saturating_add(ties) == 0 {
        return; // a model against itself tells nothing about its strength
    }
    let (key, wa, wb) = if a < b { ((a, b), wins_a, wins_b) } else { ((b, a), wins_b, wins_a) };
    let t = tallies.entry(key).or_insert((0, 0, 0));
    t.0 = t.0.saturating_add(wa);
    t.1 = t.1.saturating_add(wb);
    t.2 = t.2.saturating_add(ties);
}

fn build(tallies: Tallies<'_>) -> Comparisons {
    let mut models: Vec<&str> = tallies.keys().flat_map(|&(a, b)| [a, b]).collect();
    models.sort_unstable();
    models.dedup();
    let index = |m: &str| models.binary_search(&m).unwrap_or_default();
    let pairs = tallies
        .iter()
        .map(|(&(a, b), &(wins_a, wins_b, ties))| PairTally { a: index(a), b: index(b), wins_a, wins_b, ties })
        .collect();
    Comparisons { models: models.into_iter().map(str::to_owned).collect(), pairs }
}

/// Walks a ledger's battle periods in order, keeping the outcomes recorded so far.
#[derive(Debug)]
pub struct Cumulative<'f> {
    facts: &'f Facts,
    next: usize,
    running: BTreeMap<(u32, u32), Edge>,
}

impl<'f> Cumulative<'f> {
    /// Before the first period.
    pub fn new(facts: &'f Facts) -> Self {
        Self { facts, next: 0, running: BTreeMap::new() }
    }

    /// The outcomes of the periods recorded before `seq`. Calls must not go back in the ledger: a
    /// smaller `seq` than before returns what was accumulated already.
    pub fn before(&mut self, seq: u64) -> Comparisons {
        while let Some(p) = self.facts.periods.get(self.next).filter(|p| p.seq < seq) {
            accumulate(&mut self.running, &p.pairs);
            self.next += 1;
        }
        from_indexed(self.facts, self.running.iter().map(|(&k, &e)| (k, e)))
    }
}

fn accumulate(running: &mut BTreeMap<(u32, u32), Edge>, pairs: &[((u32, u32), Edge)]) {
    for &(key, e) in pairs {
        let r = running.entry(key).or_default();
        r.wins_a = r.wins_a.saturating_add(e.wins_a);
        r.wins_b = r.wins_b.saturating_add(e.wins_b);
        r.ties = r.ties.saturating_add(e.ties);
    }
}

/// The canonical form of facts-indexed edges (keys are indices into [`Facts::model_names`], each
/// unordered pair once): the same result as [`Comparisons::from_counts`] on the names, without
/// building a map keyed by strings.
fn from_indexed(facts: &Facts, edges: impl Iterator<Item = ((u32, u32), Edge)>) -> Comparisons {
    let name = |i: u32| facts.model_names.get(i as usize).map_or("", String::as_str);
    let edges: Vec<((u32, u32), Edge)> = edges
        .filter(|&((a, b), e)| {
            a != b && name(a) != name(b) && e.wins_a.saturating_add(e.wins_b).saturating_add(e.ties) > 0
        })
        .collect();
    let mut ids: Vec<u32> = edges.iter().flat_map(|&((a, b), _)| [a, b]).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.sort_by(|&x, &y| name(x).cmp(name(y)));
    let mut local = vec![usize::MAX; facts.model_names.len()];
    for (k, &i) in ids.iter().enumerate() {
        local[i as usize] = k;
    }
    let mut pairs: Vec<PairTally> = edges
        .iter()
        .map(|&((a, b), e)| {
            let (la, lb) = (local[a as usize], local[b as usize]);
            if la < lb {
                PairTally { a: la, b: lb, wins_a: e.wins_a, wins_b: e.wins_b, ties: e.ties }
            } else {
                PairTally { a: lb, b: la, wins_a: e.wins_b, wins_b: e.wins_a, ties: e.ties }
            }
        })
        .collect();
    pairs.sort_unstable_by_key(|p| (p.a, p.b));
    Comparisons { models: ids.iter().map(|&i| name(i).to_owned()).collect(), pairs }
}

impl Comparisons {
    /// From `(model_a, model_b, wins_a, wins_b, ties)` rows in any order and orientation. Rows for the
    /// same pair are added up; self-pairs and empty rows are dropped.
    pub fn from_counts<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str, u64, u64, u64)>) -> Self {
        let mut tallies = Tallies::new();
        for (a, b, wa, wb, t) in rows {
            add(&mut tallies, a, b, wa, wb, t);
        }
        build(tallies)
    }

    /// The outcomes in the periods of `facts` that `filter` admits.
    pub fn from_facts(facts: &Facts, filter: PeriodFilter) -> Self {
        if filter == PeriodFilter::ALL {
            return from_indexed(facts, facts.edges.iter().map(|(&k, &e)| (k, e)));
        }
        let mut running: BTreeMap<(u32, u32), Edge> = BTreeMap::new();
        for period in facts.periods.iter().filter(|p| filter.admits(p)) {
            accumulate(&mut running, &period.pairs);
        }
        from_indexed(facts, running.into_iter())
    }

    /// The outcomes recorded before each seq of `cuts` (ascending), in one pass over the periods.
    pub fn recorded_before(facts: &Facts, cuts: &[u64]) -> Vec<Self> {
        let mut cumulative = Cumulative::new(facts);
        cuts.iter().map(|&cut| cumulative.before(cut)).collect()
    }

    /// All battles.
    pub fn battles(&self) -> u64 {
        self.pairs.iter().fold(0u64, |n, p| n.saturating_add(p.battles()))
    }

    /// Battles per model, by index.
    pub fn model_battles(&self) -> Vec<u64> {
        let mut out = vec![0u64; self.models.len()];
        for p in &self.pairs {
            out[p.a] = out[p.a].saturating_add(p.battles());
            out[p.b] = out[p.b].saturating_add(p.battles());
        }
        out
    }

    /// Index of `model`, if it has battles.
    pub fn index_of(&self, model: &str) -> Option<usize> {
        self.models.binary_search_by(|m| m.as_str().cmp(model)).ok()
    }

    /// Wins and losses per model, ties counting half to each (as the likelihood does).
    pub fn wins_and_losses(&self) -> Vec<(f64, f64)> {
        let mut out = vec![(0.0, 0.0); self.models.len()];
        for p in &self.pairs {
            let half = p.ties as f64 / 2.0;
            out[p.a].0 += p.wins_a as f64 + half;
            out[p.a].1 += p.wins_b as f64 + half;
            out[p.b].0 += p.wins_b as f64 + half;
            out[p.b].1 += p.wins_a as f64 + half;
        }
        out
    }

    /// The pairs between models of `keep` (ascending indices), re-indexed to positions in `keep`.
    pub fn restricted(&self, keep: &[usize]) -> Vec<PairTally> {
        let mut local = vec![usize::MAX; self.models.len()];
        for (k, &i) in keep.iter().enumerate() {
            local[i] = k;
        }
        self.pairs
            .iter()
            .filter(|p| local[p.a] != usize::MAX && local[p.b] != usize::MAX)
            .map(|p| PairTally { a: local[p.a], b: local[p.b], ..*p })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_merges_orients_and_drops_self_pairs() {
        let c = Comparisons::from_counts([
            ("b", "a", 3, 1, 2),
            ("a", "b", 1, 0, 0),
            ("c", "c", 5, 5, 5),
            ("c", "a", 0, 0, 0),
            ("a", "c", 0, 2, 0),
        ]);
        assert_eq!(c.models, ["a", "b", "c"]);
        assert_eq!(
            c.pairs,
            [
                PairTally { a: 0, b: 1, wins_a: 2, wins_b: 3, ties: 2 },
                PairTally { a: 0, b: 2, wins_a: 0, wins_b: 2, ties: 0 }
            ]
        );
        assert_eq!(c.battles(), 9);
        assert_eq!(c.model_battles(), [9, 7, 2]);
        assert_eq!(c.wins_and_losses()[0], (3.0, 6.0));
        assert_eq!(c.index_of("c"), Some(2));
        assert_eq!(c.index_of("d"), None);
        assert_eq!(c.restricted(&[1, 2]), []);
        assert_eq!(c.restricted(&[0, 2]), [PairTally { a: 0, b: 1, wins_a: 0, wins_b: 2, ties: 0 }]);
    }

    #[test]
    fn row_order_does_not_matter() {
        let rows = [("x", "y", 4, 1, 0), ("z", "x", 2, 2, 1), ("y", "z", 0, 3, 3), ("y", "x", 1, 0, 0)];
        let one = Comparisons::from_counts(rows);
        let mut reversed = rows;
        reversed.reverse();
        assert_eq!(Comparisons::from_counts(reversed), one);
    }
}
