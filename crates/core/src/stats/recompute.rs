//! Ratings recomputed from ledger facts, in the shapes the policy rules read.
//!
//! `score-integrity` compares every `score_disclosed` with the rating recomputed from the battles
//! recorded before it, under the default anchor convention; `graph-connected` needs the components
//! of the comparison graph over the listed models. Both are computed here, natively, so rule
//! scripts never loop over battles. A board with many disclosures usually has far fewer distinct
//! "recorded before" cuts (disclosures between the same two `battles_recorded` records see the same
//! data), so each distinct cut is fitted once, and the cuts in parallel.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use super::bradley_terry::{FitOptions, Ratings, rate_from};
use super::graph::strongly_connected;
use super::pairs::{Comparisons, Cumulative, PeriodFilter};
use super::{AnchorSpec, Z95, reproduce, sandwich};
use crate::facts::Facts;

/// Cuts fitted in parallel at a time by [`disclosures`].
const FIT_BATCH: usize = 16;

/// Ratings of one slice of a ledger, by model id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// Rating per rated model.
    pub ratings: BTreeMap<String, f64>,
    /// Half-width of the sandwich 95% interval per rated model.
    pub half_widths: BTreeMap<String, f64>,
    /// Battles per model (rated or not).
    pub battles: BTreeMap<String, u64>,
    /// Why each unrateable model has no rating.
    pub unrateable: BTreeMap<String, String>,
    /// Strongly connected components of the win graph, main first.
    pub components: Vec<Vec<String>>,
    /// The anchor, described.
    pub anchor: String,
    /// Set when the fit itself failed (the ratings are then empty).
    pub error: Option<String>,
}

/// Rates `comparisons` under the default anchor, with sandwich half-widths.
pub fn snapshot(comparisons: &Comparisons) -> Snapshot {
    snapshot_with(comparisons, None)
}

/// [`snapshot`], with half-widths only for the models in `widths_for` when given (each costs one
/// solve instead of one per rated model).
fn snapshot_with(comparisons: &Comparisons, widths_for: Option<&[&str]>) -> Snapshot {
    snapshot_from(comparisons, widths_for, &HashMap::new()).0
}

/// Fitted log-odds per model id.
type Strengths = HashMap<String, f64>;

/// [`snapshot_with`], warm-started from `start`; also returns the fitted log-odds.
fn snapshot_from(comparisons: &Comparisons, widths_for: Option<&[&str]>, start: &Strengths) -> (Snapshot, Strengths) {
    let mut out = Snapshot {
        battles: comparisons.models.iter().cloned().zip(comparisons.model_battles()).collect(),
        ..Snapshot::default()
    };
    let ratings: Ratings =
        match rate_from(comparisons, &AnchorSpec::Default, FitOptions::default(), |m| start.get(m).copied()) {
            Ok(r) => r,
            Err(e) => {
                out.error = Some(e.to_string());
                return (out, HashMap::new());
            }
        };
    let theta: Strengths =
        ratings.rated.iter().zip(&ratings.theta).map(|(&i, &t)| (ratings.models[i].clone(), t)).collect();
    let positions: Vec<usize> = match widths_for {
        None => (0..ratings.rated.len()).collect(),
        Some(models) => {
            let mut p: Vec<usize> = models
                .iter()
                .filter_map(|m| comparisons.index_of(m))
                .filter_map(|i| ratings.rated.binary_search(&i).ok())
                .collect();
            p.sort_unstable();
            p.dedup();
            p
        }
    };
    let se = sandwich::standard_errors_of(&ratings, &positions).unwrap_or_else(|_| vec![f64::NAN; positions.len()]);
    for (&k, s) in positions.iter().zip(&se) {
        out.half_widths.insert(ratings.models[ratings.rated[k]].clone(), Z95 * s);
    }
    for &i in &ratings.rated {
        out.ratings.insert(ratings.models[i].clone(), ratings.rating[i].unwrap_or(f64::NAN));
    }
    for &(i, why) in &ratings.unrateable {
        out.unrateable.insert(ratings.models[i].clone(), why.to_string());
    }
    out.components =
        ratings.components.members.iter().map(|m| m.iter().map(|&i| ratings.models[i].clone()).collect()).collect();
    out.anchor = ratings.anchor.to_string();
    (out, theta)
}

/// A disclosure next to its recomputation.
#[derive(Debug, Clone, PartialEq)]
pub struct Recomputed {
    /// Index into [`Facts::disclosures`].
    pub disclosure: usize,
    /// The rating recomputed from the battles recorded before the disclosure, if the model is rated.
    pub rating: Option<f64>,
    /// Half-width of its sandwich 95% interval.
    pub half_width: Option<f64>,
    /// Why there is no recomputed rating.
    pub reason: Option<String>,
    /// The anchor used.
    pub anchor: String,
    /// Battles of the model recorded before the disclosure.
    pub battles: u64,
    /// Seqs of the `battles_recorded` records before the disclosure that include the model.
    pub evidence: Vec<u64>,
}

/// Recomputes every disclosure of `facts` (in ledger order). Only disclosures of models with battles
/// recorded before them need a fit; the others are answered at once.
pub fn disclosures(facts: &Facts) -> Vec<Recomputed> {
    let index: HashMap<&str, u32> = facts.model_names.iter().enumerate().map(|(i, m)| (m.as_str(), i as u32)).collect();
    // The data a disclosure sees is fixed by how many periods precede it.
    let cut_of = |seq: u64| facts.periods.partition_point(|p| p.seq < seq);
    let evidence: Vec<Vec<u64>> = facts
        .disclosures
        .iter()
        .map(|d| {
            index.get(d.model.as_str()).map_or_else(Vec::new, |&m| {
                facts.periods[..cut_of(d.at.0)]
                    .iter()
                    .filter(|p| p.model_battles.binary_search_by_key(&m, |&(i, _)| i).is_ok())
                    .map(|p| p.seq)
                    .collect()
            })
        })
        .collect();
    // One fit per distinct cut that some disclosure with earlier battles needs, with the half-widths
    // of the models disclosed there.
    let mut needed: BTreeMap<usize, (u64, Vec<&str>)> = BTreeMap::new();
    for (d, ev) in facts.disclosures.iter().zip(&evidence) {
        if !ev.is_empty() {
            let entry = needed.entry(cut_of(d.at.0)).or_insert((d.at.0, Vec::new()));
            entry.1.push(d.model.as_str());
        }
    }
    // Cuts are built in ledger order and fitted in parallel a batch at a time, so memory holds a
    // batch of comparison tables, not one per cut.
    let needed: Vec<(usize, u64, Vec<&str>)> =
        needed.into_iter().map(|(cut, (seq, models))| (cut, seq, models)).collect();
    // Each batch starts Newton from the last fit of the batch before: deterministic, and a few
    // iterations fewer than starting from zero.
    let mut cumulative = Cumulative::new(facts);
    let mut snapshots: HashMap<usize, Snapshot> = HashMap::new();
    let mut start = Strengths::new();
    for batch in needed.chunks(FIT_BATCH) {
        let tables: Vec<(usize, Comparisons, &[&str])> =
            batch.iter().map(|(cut, seq, models)| (*cut, cumulative.before(*seq), models.as_slice())).collect();
        let fitted: Vec<(usize, (Snapshot, Strengths))> =
            tables.into_par_iter().map(|(cut, c, models)| (cut, snapshot_from(&c, Some(models), &start))).collect();
        for (cut, (snapshot, theta)) in fitted {
            snapshots.insert(cut, snapshot);
            if !theta.is_empty() {
                start = theta; // batches are in ledger order: the last one wins
            }
        }
    }
    let empty = Snapshot::default();
    facts
        .disclosures
        .iter()
        .zip(evidence)
        .enumerate()
        .map(|(k, (d, evidence))| {
            let s = snapshots.get(&cut_of(d.at.0)).filter(|_| !evidence.is_empty()).unwrap_or(&empty);
            let rating = s.ratings.get(&d.model).copied();
            let reason = if rating.is_some() {
                None
            } else if evidence.is_empty() {
                Some("no battles of it were recorded before the disclosure".to_owned())
            } else if let Some(e) = &s.error {
                Some(format!("the recomputation failed: {e}"))
            } else {
                let why = s.unrateable.get(&d.model).map_or("not rated", String::as_str);
                Some(format!("it is unrateable from the recorded battles ({why})"))
            };
            let mut out = Recomputed {
                disclosure: k,
                rating,
                half_width: s.half_widths.get(&d.model).copied(),
                reason,
                anchor: s.anchor.clone(),
                battles: s.battles.get(&d.model).copied().unwrap_or(0),
                evidence,
            };
            if let Some(m) = &d.spec {
                under_recorded_method(facts, d, m, &mut out);
            }
            out
        })
        .collect()
}

/// Judges a disclosure that records its method under that method. A method whose ratings are the
/// default convention's (no anchor pin, no reweighting, every battle before the disclosure) keeps
/// the batched fit's rating, which is the same, and its sandwich half-width for the tolerance; any
/// other method is fitted on its own.
fn under_recorded_method(facts: &Facts, d: &crate::facts::Disclosure, m: &reproduce::Method, out: &mut Recomputed) {
    out.anchor = reproduce::describe(m);
    if m.anchor.is_none() && m.reweight.is_none() && m.through_seq.is_none() {
        return;
    }
    let c = reproduce::comparisons_for(facts, m, d.at.0);
    out.battles = c.index_of(&d.model).map_or(0, |i| c.model_battles()[i]);
    match reproduce::board_of(&c, m) {
        Ok(board) => match board.lines.get(&d.model) {
            Some(line) => {
                out.rating = Some(line.rating);
                out.half_width = Some((line.ci_high - line.ci_low) / 2.0);
                out.reason = None;
            }
            None => {
                out.rating = None;
                out.half_width = None;
                out.reason = Some("the recorded method does not rate it from the battles it names".into());
            }
        },
        Err(e) => {
            out.rating = None;
            out.half_width = None;
            out.reason = Some(e.to_string());
        }
    }
}

/// Strongly connected components of the win graph over `models` only (battles among them, all
/// recorded periods), main (largest) first, each sorted. A model with no battles among them is a
/// component of its own.
pub fn components_among(facts: &Facts, models: &[String]) -> Vec<Vec<String>> {
    let all = Comparisons::from_facts(facts, PeriodFilter::ALL);
    let mut names: Vec<&str> = models.iter().map(String::as_str).collect();
    names.sort_unstable();
    names.dedup();
    let keep: Vec<usize> = names.iter().filter_map(|m| all.index_of(m)).collect();
    let pairs = all.restricted(&keep);
    let components = strongly_connected(keep.len(), &pairs);
    let mut out: Vec<Vec<String>> =
        components.members.iter().map(|m| m.iter().map(|&k| all.models[keep[k]].clone()).collect()).collect();
    out.extend(names.iter().filter(|m| all.index_of(m).is_none()).map(|m| vec![(*m).to_owned()]));
    out.sort_by(|x, y| y.len().cmp(&x.len()).then_with(|| x[0].cmp(&y[0])));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::FactsBuilder;
    use serde_json::{Value, json};

    fn facts(events: &[Value]) -> Facts {
        let t = crate::primitives::time::parse("2025-03-01T00:00:00Z").unwrap().timestamp_millis();
        let mut b = FactsBuilder::new(None);
        for (i, e) in events.iter().enumerate() {
            b.push_planned(i as u64, t, e);
        }
        b.finish().unwrap()
    }

    fn battles(pairs: Value) -> Value {
        json!({"type":"battles_recorded","period_start":"2025-03-01T00:00:00Z","period_end":"2025-03-01T23:59:59Z","pairs":pairs})
    }

    fn disclose(model: &str, rating: f64) -> Value {
        json!({"type":"score_disclosed","model":model,"rating":rating,"ci_low":rating - 10.0,"ci_high":rating + 10.0,"battles":100})
    }

    #[test]
    fn each_disclosure_sees_only_earlier_battles() {
        let f = facts(&[
            json!({"type":"ledger_opened","leaderboard":"x","operator_key":"k"}),
            disclose("a", 1000.0),
            battles(json!([{"model_a":"a","model_b":"b","wins_a":30,"wins_b":10,"ties":0}])),
            disclose("a", 1095.4),
            disclose("b", 900.0),
            battles(json!([{"model_a":"a","model_b":"b","wins_a":0,"wins_b":20,"ties":0}])),
            disclose("a", 1000.0),
            battles(json!([{"model_a":"a","model_b":"c","wins_a":5,"wins_b":0,"ties":0}])),
            disclose("c", 1000.0),
        ]);
        let r = disclosures(&f);
        assert_eq!(r.len(), 5);
        assert_eq!(r[0].rating, None);
        assert_eq!(r[0].reason.as_deref(), Some("no battles of it were recorded before the disclosure"));
        // 30:10 → a = 1000 + 200·log10(3) = 1095.42 under the mean convention
        let a = r[1].rating.unwrap();
        assert!((a - (1000.0 + 200.0 * 3f64.log10())).abs() < 1e-9, "{a}");
        assert_eq!(r[1].evidence, [2]);
        assert!(r[1].half_width.unwrap() > 0.0);
        assert!(r[1].anchor.contains("mean"), "{}", r[1].anchor);
        assert_eq!(r[2].battles, 40);
        // 30:30 after the second period: a and b are level
        assert!((r[3].rating.unwrap() - 1000.0).abs() < 1e-9);
        assert_eq!(r[3].evidence, [2, 5]);
        assert_eq!(r[4].reason.as_deref(), Some("it is unrateable from the recorded battles (no wins)"));
    }

    #[test]
    fn facts_give_the_same_canonical_form_as_the_names() {
        let f = facts(&[
            json!({"type":"ledger_opened","leaderboard":"x","operator_key":"k"}),
            battles(
                json!([{"model_a":"zeta","model_b":"alpha","wins_a":3,"wins_b":1,"ties":2},{"model_a":"mid","model_b":"zeta","wins_a":1,"wins_b":0,"ties":0}]),
            ),
            battles(
                json!([{"model_a":"alpha","model_b":"zeta","wins_a":1,"wins_b":1,"ties":0},{"model_a":"alpha","model_b":"mid","wins_a":0,"wins_b":4,"ties":1}]),
            ),
        ]);
        let by_name =
            Comparisons::from_counts([("zeta", "alpha", 4, 2, 2), ("mid", "zeta", 1, 0, 0), ("alpha", "mid", 0, 4, 1)]);
        assert_eq!(Comparisons::from_facts(&f, PeriodFilter::ALL), by_name);
        assert_eq!(Comparisons::from_facts(&f, PeriodFilter { before_seq: Some(99), ..PeriodFilter::ALL }), by_name);
        let first = Comparisons::from_counts([("zeta", "alpha", 3, 1, 2), ("mid", "zeta", 1, 0, 0)]);
        assert_eq!(Comparisons::recorded_before(&f, &[0, 2, 3]), [Comparisons::default(), first, by_name]);
    }

    #[test]
    fn components_over_a_list_of_models() {
        let f = facts(&[
            json!({"type":"ledger_opened","leaderboard":"x","operator_key":"k"}),
            battles(json!([
                {"model_a":"a","model_b":"b","wins_a":3,"wins_b":1,"ties":0},
                {"model_a":"b","model_b":"c","wins_a":3,"wins_b":1,"ties":0},
                {"model_a":"c","model_b":"a","wins_a":3,"wins_b":1,"ties":0},
                {"model_a":"d","model_b":"a","wins_a":4,"wins_b":0,"ties":0}
            ])),
        ]);
        let list = |ms: &[&str]| ms.iter().map(|m| (*m).to_owned()).collect::<Vec<_>>();
        assert_eq!(components_among(&f, &list(&["a", "b", "c"])), [list(&["a", "b", "c"])]);
        assert_eq!(
            components_among(&f, &list(&["a", "b", "c", "d", "e"])),
            [list(&["a", "b", "c"]), list(&["d"]), list(&["e"])]
        );
        // without c, a and b are only linked by a's wins... and b's one win: still connected
        assert_eq!(components_among(&f, &list(&["a", "b"])), [list(&["a", "b"])]);
    }
}
