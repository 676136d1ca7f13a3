//! Arbitrary bytes as an events input, through what `append` does before writing: read and validate
//! the events (`input::parse_events`), then open a real (one-record) ledger and prepare the records
//! (schema, key authority, canonical form, signing) without committing them.

#![no_main]

use std::path::PathBuf;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

static LEDGER: LazyLock<Option<PathBuf>> = LazyLock::new(|| {
    let path = fairboard_fuzz::SCRATCH.join("events-target.jsonl");
    let _ = std::fs::remove_file(&path);
    let time = fairboard::time::parse("2025-03-01T00:00:00Z").ok()?;
    fairboard::store::init(&path, &fairboard_fuzz::operator(), "fuzz-arena", time).ok()?;
    Some(path)
});

fuzz_target!(|data: &[u8]| {
    let Ok(events) = fairboard_core::ledger::input::parse_events("fuzz.jsonl", data) else { return };
    let Some(path) = LEDGER.as_ref() else { return };
    let Ok(ledger) = fairboard::store::LockedLedger::open(path, |_| {}) else { return };
    let time = fairboard::time::parse("2025-03-02T00:00:00Z").ok();
    let _ = ledger.prepare(&fairboard_fuzz::operator(), "fuzz.jsonl", &events, time);
});
