//! Model metadata for `fairboard import --models`: who provides each model, under which licence.
//!
//! Two CSV layouts are read, recognised by their header:
//! - fairboard's own `model,provider,license` (extra columns ignored; an optional `provider_name`
//!   column gives the provider's display name);
//! - LMSYS's published leaderboard tables (`lmsys_leaderboard_table_*.csv` from the Chatbot Arena
//!   space, columns `key,Model,…,License,Organization,…`): `key` is the model id, `Organization` the
//!   provider's display name, and the provider id is its slug (`AllenAI/UW` → `allenai-uw`,
//!   see [`provider_id`]). The oldest table (2023-06-19) has no `key` or `Organization` column and
//!   cannot be used; the error says so.
//!
//! The licence column may hold a class name or free text; [`license_class`] maps it to the ledger's
//! three classes. A model listed twice must say the same both times (LMSYS's tables list
//! `yi-34b-chat` twice, identically).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use super::{ImportError, open};
use crate::ledger::event::License;

/// What the metadata says about one model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// Provider id.
    pub provider: String,
    /// Provider display name, if the metadata has one.
    pub provider_name: Option<String>,
    /// Licence class.
    pub license: License,
    /// The licence text as written.
    pub license_text: String,
    /// Line of the row.
    pub line: u64,
}

/// Model metadata read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// The file.
    pub file: String,
    /// Per model id.
    pub models: BTreeMap<String, ModelInfo>,
}

fn letters(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphabetic).map(|c| c.to_ascii_lowercase()).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (prev + usize::from(ca != cb)).min(row[j] + 1).min(row[j + 1] + 1);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// Maps a licence cell to a licence class:
///
/// 1. a class name (`proprietary`, `open_weights`, `open_source`; any case, `_`, `-` or a space)
///    is that class: only this way can a model be `open_source`, because the study's open-source class
///    means fully open models (weights, data and code), which no licence string can tell;
/// 2. `Proprietary` and its misspellings (a word within two edits of it, any case, e.g. LMSYS's
///    `Propretary`) are `proprietary`;
/// 3. no licence at all (empty, `-`, `N/A`) is `proprietary`: without a published licence the weights
///    are not available (LMSYS's 2025 table has two such rows, Meta's unreleased
///    `llama-4-maverick-03-26-experimental` and NVIDIA's internal `nvila-internal-15b-v1`);
/// 4. any other licence (`Apache 2.0`, `MIT`, `Llama 2 Community`, `CC-BY-NC-4.0`, `Non-commercial`,
///    `Open`, …) is `open_weights`.
pub fn license_class(text: &str) -> License {
    let t = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    match t.as_str() {
        "proprietary" => return License::Proprietary,
        "open_weights" => return License::OpenWeights,
        "open_source" => return License::OpenSource,
        "" | "_" | "n/a" => return License::Proprietary,
        _ => {}
    }
    let proprietary_word = |w: &str| {
        let w = letters(w);
        w.len() >= 8 && edit_distance(&w, "proprietary") <= 2
    };
    if text.split(|c: char| !c.is_ascii_alphabetic()).any(proprietary_word) {
        License::Proprietary
    } else {
        License::OpenWeights
    }
}

/// A provider id from an organisation's display name: lowercase ASCII letters and digits, every other
/// run of characters a single `-` (`01 AI` → `01-ai`, `AllenAI/UW` → `allenai-uw`). `None` when
/// nothing is left.
pub fn provider_id(organization: &str) -> Option<String> {
    let mut out = String::new();
    for c in organization.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    (!out.is_empty()).then_some(out)
}

/// Reads metadata from `path` (`-` for stdin).
pub fn read(path: &Path) -> Result<Metadata, ImportError> {
    let (file, reader) = open(path)?;
    let limit = crate::primitives::limits::MAX_METADATA_BYTES;
    let mut bytes = Vec::new();
    reader.take(limit + 1).read_to_end(&mut bytes).map_err(|source| ImportError::Io { file: file.clone(), source })?;
    if bytes.len() as u64 > limit {
        let line = crate::ledger::input::line_of(&bytes, limit as usize);
        return Err(ImportError::Record {
            file,
            at: format!("line {line}"),
            message: format!("the metadata is larger than {limit} bytes; expected a table of a row per model"),
        });
    }
    parse(&file, bytes.as_slice())
}

enum Layout {
    Plain { model: usize, provider: usize, license: usize, name: Option<usize> },
    Lmsys { key: usize, license: usize, organization: usize },
}

/// Parses metadata CSV from `reader`, named `file` in errors.
pub fn parse(file: &str, reader: impl Read) -> Result<Metadata, ImportError> {
    let mut csv = csv::ReaderBuilder::new().has_headers(true).trim(csv::Trim::All).from_reader(reader);
    let record_error =
        |line: u64, message: String| ImportError::Record { file: file.to_owned(), at: format!("line {line}"), message };
    let headers = csv.headers().map_err(|e| record_error(1, format!("unreadable CSV header: {e}")))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let layout = match (col("model"), col("provider"), col("license"), col("key"), col("organization")) {
        (Some(model), Some(provider), Some(license), _, _) => {
            Layout::Plain { model, provider, license, name: col("provider_name") }
        }
        (_, _, Some(license), Some(key), Some(organization)) => Layout::Lmsys { key, license, organization },
        _ => {
            return Err(record_error(
                1,
                "expected a header with `model,provider,license` (or an LMSYS leaderboard table with `key`, `License` and `Organization`; the 2023-06-19 table has neither `key` nor `Organization` and cannot name providers)".into(),
            ));
        }
    };
    let mut models: BTreeMap<String, ModelInfo> = BTreeMap::new();
    for row in csv.records() {
        let row = row.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            record_error(line, format!("malformed CSV row: {e}"))
        })?;
        let line = row.position().map_or(0, |p| p.line());
        let cell = |i: usize| row.get(i).unwrap_or("");
        let (model, info) = match layout {
            Layout::Plain { model, provider, license, name } => {
                let provider = cell(provider);
                if provider.is_empty() || provider.chars().count() > 256 || provider.chars().any(char::is_control) {
                    return Err(record_error(line, "`provider` must be a provider id of 1-256 characters".into()));
                }
                let name = name.map(cell).filter(|n| !n.is_empty()).map(str::to_owned);
                (cell(model), (provider.to_owned(), name, cell(license)))
            }
            Layout::Lmsys { key, license, organization } => {
                let org = cell(organization);
                let Some(id) = provider_id(org) else {
                    return Err(record_error(line, format!("`Organization` `{org}` names no provider")));
                };
                (cell(key), (id, Some(org.to_owned()), cell(license)))
            }
        };
        super::check_model_id(file, || format!("line {line}"), "model", model)?;
        let (provider, provider_name, license_text) = info;
        let info = ModelInfo {
            provider,
            provider_name,
            license: license_class(license_text),
            license_text: license_text.to_owned(),
            line,
        };
        match models.get(model) {
            Some(seen) if (&seen.provider, seen.license) != (&info.provider, info.license) => {
                return Err(record_error(
                    line,
                    format!(
                        "model `{model}` is listed again with provider `{}` and licence class `{}`; line {} says `{}` and `{}`",
                        info.provider,
                        info.license.as_str(),
                        seen.line,
                        seen.provider,
                        seen.license.as_str()
                    ),
                ));
            }
            Some(_) => {}
            None => {
                models.insert(model.to_owned(), info);
            }
        }
    }
    Ok(Metadata { file: file.to_owned(), models })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licence_mapping() {
        for (text, class) in [
            ("Proprietary", License::Proprietary),
            ("Propretary", License::Proprietary),
            ("proprietory", License::Proprietary),
            ("PROPRIETARY", License::Proprietary),
            ("-", License::Proprietary),
            ("N/A", License::Proprietary),
            ("", License::Proprietary),
            ("Apache 2.0", License::OpenWeights),
            ("MIT", License::OpenWeights),
            ("Llama 2 Community", License::OpenWeights),
            ("Non-commercial", License::OpenWeights),
            ("Open", License::OpenWeights),
            ("Other", License::OpenWeights),
            ("open_source", License::OpenSource),
            ("Open Source", License::OpenSource),
            ("open-weights", License::OpenWeights),
            ("proprietary", License::Proprietary),
            ("Proprietary (research preview)", License::Proprietary),
            ("Apache-2.0", License::OpenWeights),
        ] {
            assert_eq!(license_class(text), class, "{text}");
        }
    }

    #[test]
    fn provider_ids_are_slugs() {
        assert_eq!(provider_id("01 AI").as_deref(), Some("01-ai"));
        assert_eq!(provider_id("AllenAI/UW").as_deref(), Some("allenai-uw"));
        assert_eq!(provider_id(" Meta ").as_deref(), Some("meta"));
        assert_eq!(provider_id("-"), None);
    }

    #[test]
    fn reads_both_layouts_and_rejects_conflicts() {
        let plain = "model,provider,license,provider_name\nm1,meta,open_source,Meta\nm2,openai,Proprietary,\nm2,openai,proprietary,\n";
        let m = parse("meta.csv", plain.as_bytes()).unwrap();
        assert_eq!(m.models["m1"].license, License::OpenSource);
        assert_eq!(m.models["m1"].provider_name.as_deref(), Some("Meta"));
        assert_eq!(m.models["m2"].provider_name, None);
        let lmsys = "key,Model,MT-bench (score),MMLU,Knowledge cutoff date,License,Organization,Link\nyi,Yi,-,-,-,Yi License,01 AI,http://x\n";
        let m = parse("t.csv", lmsys.as_bytes()).unwrap();
        assert_eq!(m.models["yi"].provider, "01-ai");
        assert_eq!(m.models["yi"].license, License::OpenWeights);
        let conflict = "model,provider,license\nm,a,MIT\nm,b,MIT\n";
        let err = parse("c.csv", conflict.as_bytes()).unwrap_err().to_string();
        assert!(err.starts_with("c.csv: line 3: model `m` is listed again"), "{err}");
        let old = "Model,MT-bench (win rate %),MT-bench (score),Arena Elo rating,MMLU,License,Link\n";
        let err = parse("old.csv", old.as_bytes()).unwrap_err().to_string();
        assert!(err.starts_with("old.csv: line 1: expected a header with `model,provider,license`"), "{err}");
        let err = parse("e.csv", "model,provider,license\n,p,MIT\n".as_bytes()).unwrap_err().to_string();
        assert!(err.starts_with("e.csv: line 2: `model` must be"), "{err}");
    }
}
