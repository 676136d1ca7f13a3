//! FastChat battle records: `{"model_a", "model_b", "winner", "tstamp", "anony", …}`.
//!
//! The input is a JSON array of records (as in LMSYS's `clean_battle_*.json`) or JSON Lines (one
//! record per line); both are streamed, so files of millions of battles need memory only for the
//! pair counts. Per record:
//!
//! - `winner` must be `model_a`, `model_b`, `tie` or `tie (bothbad)`; both ties count as ties;
//! - `anony: false` records are dropped (only anonymous battles count);
//! - records with `dedup_tag.sampled: false` are dropped, as FastChat's leaderboard drops them (the
//!   leaderbot pair counts were built with the same filter);
//! - self-battles are dropped (a ledger cannot record them);
//! - other fields are ignored.
//!
//! Without a period given (the CLI's `--period-start/--period-end`), every record needs `tstamp` (Unix seconds) and `anony`, and
//! the records are grouped into one `battles_recorded` per UTC day (`00:00:00Z` to `23:59:59Z`). With
//! them, all records form one period; records may then lack `tstamp` and `anony` (the Arena 33k
//! human-vote file of Chatzi et al. has neither, and the 33k release holds anonymous battles only),
//! a record without `anony` is taken as anonymous, and a record with a `tstamp` outside the period is
//! an error.

use std::io::{BufRead, BufReader, Read};

use serde::Deserialize;
use serde::de::{DeserializeSeed, SeqAccess, Visitor};

use super::{Battles, ImportError, Span};
use crate::facts::DAY_MS;

#[derive(Debug, Deserialize)]
struct DedupTag {
    #[serde(default)]
    sampled: Option<bool>,
}

/// One FastChat battle record (only the fields fairboard reads).
#[derive(Debug, Deserialize)]
struct Record {
    model_a: String,
    model_b: String,
    winner: String,
    #[serde(default)]
    tstamp: Option<f64>,
    #[serde(default)]
    anony: Option<bool>,
    #[serde(default)]
    dedup_tag: Option<DedupTag>,
}

struct Importer<'a> {
    file: &'a str,
    period: Option<Span>,
    battles: Battles,
}

impl Importer<'_> {
    fn add(&mut self, at: &dyn Fn() -> String, r: Record) -> Result<(), ImportError> {
        let bad = |message: String| ImportError::Record { file: self.file.to_owned(), at: at(), message };
        super::check_model_id(self.file, at, "model_a", &r.model_a)?;
        super::check_model_id(self.file, at, "model_b", &r.model_b)?;
        let (wa, wb, t) = match r.winner.as_str() {
            "model_a" => (1, 0, 0),
            "model_b" => (0, 1, 0),
            "tie" | "tie (bothbad)" => (0, 0, 1),
            other => {
                return Err(bad(format!(
                    "`winner` is `{other}`; expected `model_a`, `model_b`, `tie` or `tie (bothbad)`"
                )));
            }
        };
        let undated = |field: &str| ImportError::NoPeriod {
            file: self.file.to_owned(),
            why: format!("{}: no `{field}` field", at()),
        };
        match r.anony {
            Some(false) => {
                self.battles.dropped_named += 1;
                return Ok(());
            }
            Some(true) => {}
            None if self.period.is_some() => {}
            None => return Err(undated("anony")),
        }
        if r.dedup_tag.and_then(|d| d.sampled) == Some(false) {
            self.battles.dropped_dedup += 1;
            return Ok(());
        }
        let ms = match r.tstamp {
            Some(t) if t.is_finite() && (0.0..=253_402_300_799.0).contains(&t) => Some((t * 1000.0).floor() as i64),
            Some(t) => return Err(bad(format!("`tstamp` {t} is not a Unix time in seconds between 1970 and 9999"))),
            None => None,
        };
        let span = match (self.period, ms) {
            (Some((s, e)), Some(ms)) if ms < s || ms > e => {
                return Err(bad(format!("`tstamp` {} lies outside the period given", r.tstamp.unwrap_or_default())));
            }
            (Some(span), _) => span,
            (None, Some(ms)) => {
                let day = ms.div_euclid(DAY_MS) * DAY_MS;
                (day, day + DAY_MS - 1000)
            }
            (None, None) => return Err(undated("tstamp")),
        };
        self.battles.add(span, &r.model_a, &r.model_b, wa, wb, t);
        Ok(())
    }
}

/// A serde visitor that feeds the elements of a JSON array to the importer one at a time.
struct ArraySeed<'i, 'a> {
    importer: &'i mut Importer<'a>,
    failure: &'i mut Option<ImportError>,
}

impl<'de> DeserializeSeed<'de> for ArraySeed<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ArraySeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON array of battle records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        while let Some(record) = seq.next_element::<Record>()? {
            let at = || format!("element {index} of the array");
            if let Err(e) = self.importer.add(&at, record) {
                *self.failure = Some(e);
                return Err(serde::de::Error::custom("stopped"));
            }
            index += 1;
        }
        Ok(())
    }
}

/// Reads FastChat battle records from `reader` (named `file` in errors), grouped by UTC day, or into
/// `period` when given.
pub fn read(file: &str, reader: impl Read, period: Option<Span>) -> Result<Battles, ImportError> {
    let mut reader = BufReader::with_capacity(1 << 20, reader);
    let io = |source| ImportError::Io { file: file.to_owned(), source };
    let first = loop {
        let buf = reader.fill_buf().map_err(io)?;
        let Some(&b) = buf.first() else { break None };
        let skip = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if skip > 0 {
            reader.consume(skip);
            continue;
        }
        if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
            reader.consume(3);
            continue;
        }
        break Some(b);
    };
    let mut importer = Importer { file, period, battles: Battles::default() };
    match first {
        Some(b'[') => {
            let mut failure = None;
            let mut de = serde_json::Deserializer::from_reader(reader);
            let result = ArraySeed { importer: &mut importer, failure: &mut failure }
                .deserialize(&mut de)
                .and_then(|()| de.end());
            if let Some(e) = failure {
                return Err(e);
            }
            result.map_err(|e| ImportError::Record {
                file: file.to_owned(),
                at: format!("line {}, column {}", e.line(), e.column()),
                message: format!("expected a JSON array of battle records with `model_a`, `model_b` and `winner`: {e}"),
            })?;
        }
        Some(_) => {
            let mut line = String::new();
            let mut number = 0u64;
            loop {
                line.clear();
                if reader.read_line(&mut line).map_err(io)? == 0 {
                    break;
                }
                number += 1;
                if line.trim().is_empty() {
                    continue;
                }
                let at = || format!("line {number}");
                let record: Record = serde_json::from_str(&line).map_err(|e| ImportError::Record {
                    file: file.to_owned(),
                    at: format!("line {number}, column {}", e.column()),
                    message: format!("expected a JSON battle record with `model_a`, `model_b` and `winner`: {e}"),
                })?;
                importer.add(&at, record)?;
            }
        }
        None => {}
    }
    Ok(importer.battles)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY1: i64 = 1_714_521_600_000; // 2024-05-01T00:00:00Z

    #[test]
    fn groups_json_lines_by_utc_day_and_drops_named_battles() {
        let input = r#"{"model_a":"b","model_b":"a","winner":"model_a","tstamp":1714521600.5,"anony":true}
{"model_a":"a","model_b":"b","winner":"tie (bothbad)","tstamp":1714607999.9,"anony":true,"extra":1}

{"model_a":"a","model_b":"b","winner":"model_a","tstamp":1714608000,"anony":true}
{"model_a":"a","model_b":"b","winner":"model_a","tstamp":1714608000,"anony":false}
{"model_a":"a","model_b":"b","winner":"model_b","tstamp":1714608000,"anony":true,"dedup_tag":{"high_freq":true,"sampled":false}}
{"model_a":"a","model_b":"a","winner":"model_b","tstamp":1714608000,"anony":true}
"#;
        let b = read("b.jsonl", input.as_bytes(), None).unwrap();
        let day1 = &b.periods[&(DAY1, DAY1 + DAY_MS - 1000)];
        assert_eq!(day1[&("a".to_owned(), "b".to_owned())], (0, 1, 1));
        let day2 = &b.periods[&(DAY1 + DAY_MS, DAY1 + 2 * DAY_MS - 1000)];
        assert_eq!(day2[&("a".to_owned(), "b".to_owned())], (1, 0, 0));
        assert_eq!((b.kept, b.dropped_named, b.dropped_dedup, b.dropped_self), (3, 1, 1, 1));
    }

    #[test]
    fn reads_a_json_array_the_same_way() {
        let input = r#"[{"model_a":"b","model_b":"a","winner":"model_a","tstamp":1714521600.5,"anony":true},
            {"model_a":"a","model_b":"b","winner":"tie","tstamp":1714521601,"anony":true}]"#;
        let b = read("b.json", input.as_bytes(), None).unwrap();
        assert_eq!(b.kept, 2);
        let err = read(
            "b.json",
            r#"[{"model_a":"a","model_b":"b","winner":"draw","tstamp":1,"anony":true}]"#.as_bytes(),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("b.json: element 0 of the array: `winner` is `draw`"), "{err}");
        let err = read("b.json", br#"[{"model_a":"a"}]"#.as_slice(), None).unwrap_err().to_string();
        assert!(err.starts_with("b.json: line 1, column"), "{err}");
    }

    #[test]
    fn records_without_time_need_a_declared_period() {
        let input = r#"{"num": 0, "question_id": "q", "model_a": "x", "model_b": "y", "winner": "model_b"}"#;
        let err = read("h.jsonl", input.as_bytes(), None).unwrap_err().to_string();
        assert!(
            err.starts_with("h.jsonl: line 1: no `anony` field; the period the data covers must be given"),
            "{err}"
        );
        let span = (DAY1, DAY1 + 10 * DAY_MS);
        let b = read("h.jsonl", input.as_bytes(), Some(span)).unwrap();
        assert_eq!(b.periods[&span][&("x".to_owned(), "y".to_owned())], (0, 1, 0));
        let late = r#"{"model_a": "x", "model_b": "y", "winner": "tie", "tstamp": 1893456000, "anony": true}"#;
        assert!(
            read("h.jsonl", late.as_bytes(), Some(span)).unwrap_err().to_string().contains("outside the period given")
        );
        let err = read("h.jsonl", "{\"model_a\": \"x\"\n".as_bytes(), None).unwrap_err().to_string();
        assert!(err.starts_with("h.jsonl: line 1, column"), "{err}");
    }
}
