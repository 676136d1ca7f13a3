//! The layers (the map in `src/lib.rs`): every module uses only modules of its own layer or below,
//! the core's layers live in `crates/core` and the adapters in the root crate, and nothing below the
//! adapters touches the file system, stdin/stdout, the wall clock or `Instant`. Read from the sources
//! of both crates, so a new upward `use` fails here; test modules are exempt. (Cargo itself forbids a
//! cycle between the crates: `fairboard-core` does not depend on `fairboard`.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and benches fail loudly on what they did not expect"
)]

use std::path::{Path, PathBuf};

/// Top-level modules by layer, lowest first.
const LAYERS: &[&[&str]] = &[
    &["primitives"],
    &["ledger"],
    &["merkle"],
    &["facts"],
    &["stats"],
    &["policy"],
    &["api"],
    &["render"],
    &["ffi"],
    &["store", "import", "sim", "tlog", "witness"],
    &["cli"],
];

/// The first layer that may touch files, the clock and the process's streams; the layers below it
/// are the core crate's, the layers from it on the root crate's.
const ADAPTERS: usize = 9;

/// A source file: its path relative to the repository, its top-level module, its text, and whether
/// it belongs to the core crate.
struct Source {
    rel: String,
    top: String,
    text: String,
    core: bool,
}

/// Every `.rs` file of the core crate (`crates/core/src`) and the root crate (`src`), except the
/// crate roots and `main.rs`.
fn all_sources() -> Vec<Source> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for (dir, core) in [("crates/core/src", true), ("src", false)] {
        let src = repo.join(dir);
        let mut files = Vec::new();
        sources(&src, &mut files);
        for file in files {
            let rel = file.strip_prefix(&src).unwrap();
            let top = rel.iter().next().unwrap().to_str().unwrap().trim_end_matches(".rs").to_owned();
            if top == "lib" || top == "main" {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            out.push(Source { rel: format!("{dir}/{}", rel.display()), top, text, core });
        }
    }
    out
}

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file's code outside `#[cfg(test)]` modules and comments, line by line.
fn code_lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            // Skip the item that follows: a module runs to the end of the file in this codebase's
            // style; any other item to its closing brace at the same indentation.
            let indent = line.len() - trimmed.len();
            // Further one-line attributes (`#[allow(…)]`) may sit between `#[cfg(test)]` and the item.
            let mut item = None;
            for (_, next) in lines.by_ref() {
                if !next.trim_start().starts_with("#[") {
                    item = Some(next);
                    break;
                }
            }
            let Some(item) = item else { break };
            if item.trim_start().starts_with("mod ") && item.trim_end().ends_with('{') && indent == 0 {
                break;
            }
            if item.trim_end().ends_with('{') {
                for (_, l) in lines.by_ref() {
                    if l.len() - l.trim_start().len() == indent && l.trim_start().starts_with('}') {
                        break;
                    }
                }
            }
            continue;
        }
        if trimmed.starts_with("//") {
            continue;
        }
        out.push((i + 1, line));
    }
    out
}

/// The top-level modules a line names through `crate::` or `fairboard_core::`.
fn crate_refs(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                out.push(name);
            }
        } else {
            out.push(rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect());
        }
    }
    out
}

#[test]
fn modules_use_only_their_own_layer_or_below() {
    let mut violations = Vec::new();
    let mut checked = 0;
    for source in all_sources() {
        let Source { rel, top, text, core } = &source;
        let Some(own) = layer(top) else {
            violations.push(format!("{rel}: module `{top}` is in no layer"));
            continue;
        };
        if *core != (own < ADAPTERS) {
            violations
                .push(format!("{rel}: layer of `{top}` belongs in the {} crate", if *core { "root" } else { "core" }));
        }
        for (n, line) in code_lines(text) {
            if *core && line.contains("fairboard::") {
                violations.push(format!("{rel}:{n}: the core names the crate above it"));
            }
            for used in crate_refs(line) {
                checked += 1;
                match layer(&used) {
                    Some(l) if l > own => violations.push(format!("{rel}:{n}: `{top}` uses `{used}` above it")),
                    None if !used.is_empty() && !["shared"].contains(&used.as_str()) => {
                        violations.push(format!("{rel}:{n}: `crate::{used}` is in no layer"))
                    }
                    _ => {}
                }
            }
        }
    }
    assert!(checked > 150, "the scan found only {checked} crate paths; is it reading the sources?");
    assert!(violations.is_empty(), "upward dependencies:\n{}", violations.join("\n"));
}

#[test]
fn nothing_below_the_adapters_touches_files_streams_or_clocks() {
    let forbidden = ["std::fs", "File::open", "stdin()", "stdout()", "Instant::now", "Utc::now", "SystemTime"];
    let mut violations = Vec::new();
    let mut checked = 0;
    for Source { rel, text, core, .. } in all_sources() {
        if !core {
            continue;
        }
        checked += 1;
        for (n, line) in code_lines(&text) {
            if let Some(f) = forbidden.iter().find(|f| line.contains(**f)) {
                violations.push(format!("{rel}:{n}: `{f}` below the adapters"));
            }
        }
    }
    assert!(checked > 40, "only {checked} core files found");
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}
