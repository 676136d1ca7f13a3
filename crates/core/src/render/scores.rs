//! Renderings of a [`Scoreboard`]: the CSV design.md fixes (`model,rating,ci_low,ci_high,battles,rank`,
//! four decimals, so equal inputs give equal bytes), the JSON `fairboard scores --format json` prints,
//! and the table for people.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::audit::flip_cell;
use super::text::table;
use crate::stats::flip::Fragility;
use crate::stats::{CiMethod, Scoreboard};

fn fixed(x: Option<f64>) -> String {
    x.map_or_else(String::new, |x| format!("{x:.4}"))
}

fn rounded(x: f64) -> Value {
    json!((x * 1e4).round() / 1e4)
}

impl Scoreboard {
    /// `model,rating,ci_low,ci_high,battles,rank`, one row per model, best first.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("model,rating,ci_low,ci_high,battles,rank\n");
        for row in &self.rows {
            let model = if row.model.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", row.model.replace('"', "\"\""))
            } else {
                row.model.clone()
            };
            let rank = row.rank.map_or_else(String::new, |r| r.to_string());
            let _ = writeln!(
                out,
                "{model},{},{},{},{},{rank}",
                fixed(row.rating),
                fixed(row.ci_low),
                fixed(row.ci_high),
                row.battles
            );
        }
        out
    }

    /// The JSON object `fairboard scores --format json` prints (callers may add keys).
    pub fn to_json(&self) -> serde_json::Map<String, Value> {
        let r = &self.ratings;
        let ratings: Vec<Value> = self
            .rows
            .iter()
            .filter(|row| row.rating.is_some())
            .map(|row| {
                json!({
                    "model": row.model,
                    "rating": row.rating.map(rounded),
                    "ci_low": row.ci_low.map(rounded),
                    "ci_high": row.ci_high.map(rounded),
                    "battles": row.battles,
                    "rank": row.rank,
                })
            })
            .collect();
        let unrateable: Vec<Value> = self
            .rows
            .iter()
            .filter_map(|row| {
                row.unrateable.map(|why| {
                    let mut v = json!({"model": row.model, "battles": row.battles, "reason": why.to_string()});
                    if let (Some(w), Some(obj)) = (&row.within_component, v.as_object_mut()) {
                        obj.insert(
                            "within_component".into(),
                            json!({"component": w.component, "rating": rounded(w.rating), "ci_low": rounded(w.ci_low), "ci_high": rounded(w.ci_high), "rank": w.rank}),
                        );
                    }
                    v
                })
            })
            .collect();
        let ci = match self.method {
            CiMethod::Bootstrap { rounds, seed } => {
                json!({"method": "bootstrap", "level": 0.95, "rounds": rounds, "seed": seed, "redrawn": self.redrawn})
            }
            CiMethod::Sandwich => json!({"method": "sandwich", "level": 0.95}),
        };
        let mut out = serde_json::Map::new();
        out.insert(
            "anchor".into(),
            json!({"kind": r.anchor.kind(), "model": r.anchor.model(), "rating": r.anchor.rating(), "description": r.anchor.to_string()}),
        );
        out.insert("battles".into(), json!(r.battles.iter().sum::<u64>() / 2));
        out.insert("ci".into(), ci);
        out.insert("components".into(), json!(self.components()));
        out.insert(
            "fit".into(),
            json!({"method": "newton", "iterations": r.iterations, "relative_gradient": r.relative_gradient, "converged": true}),
        );
        out.insert("ratings".into(), Value::Array(ratings));
        out.insert("unrateable".into(), Value::Array(unrateable));
        out
    }

    /// The table for people (the caller adds context lines).
    pub fn to_table(&self) -> String {
        self.table_with(None)
    }

    /// [`Scoreboard::to_table`] with a column of votes to flip each model with the one below it
    /// (`-` beyond the depth computed).
    pub fn to_table_with_flips(&self, flips: &Fragility) -> String {
        self.table_with(Some(flips))
    }

    fn table_with(&self, flips: Option<&Fragility>) -> String {
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| {
                let mut cells = match row.rating {
                    Some(x) => vec![
                        row.rank.map_or_else(String::new, |r| r.to_string()),
                        row.model.clone(),
                        format!("{x:.1}"),
                        format!("{:.1} to {:.1}", row.ci_low.unwrap_or(f64::NAN), row.ci_high.unwrap_or(f64::NAN)),
                        row.battles.to_string(),
                    ],
                    None => match &row.within_component {
                        Some(w) => vec![
                            format!("c{}:{}", w.component, w.rank),
                            row.model.clone(),
                            format!("({:.1})", w.rating),
                            format!("({:.1} to {:.1}) within component {}", w.ci_low, w.ci_high, w.component),
                            row.battles.to_string(),
                        ],
                        None => vec![
                            "-".into(),
                            row.model.clone(),
                            "unrateable".into(),
                            row.unrateable.map_or_else(String::new, |u| u.to_string()),
                            row.battles.to_string(),
                        ],
                    },
                };
                if let Some(f) = flips {
                    cells.push(f.adjacent.iter().find(|x| x.upper == row.model).map_or_else(|| "-".into(), flip_cell));
                }
                cells
            })
            .collect();
        let mut header = vec!["rank", "model", "rating", "95% CI", "battles"];
        if flips.is_some() {
            header.push("votes to flip with next");
        }
        table(&header, &rows)
    }
}

#[cfg(test)]
mod tests {
    use crate::stats::scores::scoreboard;
    use crate::stats::{AnchorSpec, CiMethod, Comparisons};

    #[test]
    fn csv_is_best_first_with_unrateable_rows_last() {
        let rows = [("a", "b", 30, 10, 5), ("b", "c", 20, 15, 5), ("c", "a", 10, 25, 5), ("top", "c", 3, 0, 0)];
        let board = scoreboard(&Comparisons::from_counts(rows), &AnchorSpec::Default, CiMethod::Sandwich).unwrap();
        let csv = board.to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "model,rating,ci_low,ci_high,battles,rank");
        assert!(lines[1].starts_with("a,"), "{csv}");
        assert_eq!(lines[4], "top,,,,3,");
        assert_eq!(lines.len(), 5);
        let json = board.to_json();
        assert_eq!(json["unrateable"][0]["reason"], "no losses");
        assert_eq!(json["components"].as_array().unwrap().len(), 2);
        assert_eq!(json["battles"], 128);
        assert!(board.to_table().contains("unrateable"));
        let sigma = board.rows[0].standard_error().unwrap();
        assert!(sigma > 0.0);
    }

    #[test]
    fn a_second_component_is_rated_on_its_own_scale_without_a_cross_component_rank() {
        let rows = [
            ("a", "b", 30, 10, 5),
            ("b", "c", 20, 15, 5),
            ("c", "a", 10, 25, 5),
            ("x", "y", 12, 4, 2),
            ("y", "x", 0, 0, 1),
        ];
        let board = scoreboard(&Comparisons::from_counts(rows), &AnchorSpec::Default, CiMethod::Sandwich).unwrap();
        let x = board.row("x").unwrap();
        assert_eq!(x.rating, None, "no rating on the main scale");
        assert_eq!(x.rank, None);
        let w = x.within_component.as_ref().unwrap();
        assert_eq!((w.component, w.rank), (2, 1));
        let y = board.row("y").unwrap().within_component.as_ref().unwrap();
        assert!((w.rating + y.rating - 2000.0).abs() < 1e-9, "mean 1000 within the component");
        assert!(w.ci_low < w.rating && w.rating < w.ci_high);
        assert!(board.to_table().contains("within component 2"), "{}", board.to_table());
        assert_eq!(board.to_json()["unrateable"][0]["within_component"]["component"], 2);
        assert!(board.to_csv().contains("\nx,,,,"), "the CSV keeps one scale: {}", board.to_csv());
    }

    #[test]
    fn quoted_model_ids_stay_one_csv_field() {
        let board =
            scoreboard(&Comparisons::from_counts([("a,b", "c", 3, 2, 1)]), &AnchorSpec::Default, CiMethod::Sandwich)
                .unwrap();
        assert!(board.to_csv().contains("\n\"a,b\","), "{}", board.to_csv());
    }
}
