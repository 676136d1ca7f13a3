//! `check` with the full shipped pack against `verify`, on the same arena-scale ledger, in one run.
//!
//! Generates 365 daily `battles_recorded` records holding 1,000,000 pair rows in all (250 models, 40
//! providers), plus registrations, private tests, disclosures and data releases, then times the real
//! binary: `fairboard verify` and `fairboard check --policy policies/leaderboard-illusion.yaml`, each
//! several times, and reports the medians and their ratio. Target (issue 3): check < 2 × verify.
//!
//! Run: `cargo bench --bench check`. The same comparison with public tools:
//! `hyperfine 'fairboard verify --ledger L --trust P' 'fairboard check --ledger L --policy PACK'`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    reason = "tests and benches fail loudly on what they did not expect"
)]

use std::io::{BufWriter, Write};
use std::process::Command;
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use fairboard_core::crypto;
use serde_json::{Value, json};

const MODELS: usize = 250;
const PROVIDERS: usize = 40;
const DAYS: usize = 365;
const PAIR_ROWS: usize = 1_000_000;

#[path = "common/mode.rs"]
mod mode;

fn main() {
    if !mode::measuring() {
        println!("arena-scale bench: runs under `cargo bench` only (minutes of release-build work)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // FAIRBOARD_BENCH_DIR keeps the generated ledger (and op.pub) there for profiling.
    let keep = std::env::var_os("FAIRBOARD_BENCH_DIR").map(std::path::PathBuf::from);
    let dir_path = keep.clone().unwrap_or_else(|| dir.path().to_path_buf());
    std::fs::create_dir_all(&dir_path).unwrap();
    let path = dir_path.join("ledger.jsonl");
    let op = SigningKey::from_bytes(&[11; 32]);
    std::fs::write(dir_path.join("op.pub"), crypto::public_key_pem(&op.verifying_key()).unwrap()).unwrap();
    let t = Instant::now();
    let (records, rows) = generate(&path, &op);
    let size = std::fs::metadata(&path).unwrap().len();
    println!("generated {records} records, {rows} pair rows ({:.0} MB) in {:.1?}", size as f64 / 1e6, t.elapsed());

    let bin = env!("CARGO_BIN_EXE_fairboard");
    let pack = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/leaderboard-illusion.yaml");
    let time = |args: &[&str]| -> Duration {
        let t = Instant::now();
        let out = Command::new(bin).args(args).output().unwrap();
        assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
        t.elapsed()
    };
    let ledger = path.to_str().unwrap();
    let trust = dir_path.join("op.pub");
    let verify_args = ["verify", "--ledger", ledger, "--trust", trust.to_str().unwrap()];
    let check_args = ["check", "--format", "json", "--ledger", ledger, "--policy", pack];
    let mut v = Vec::new();
    let mut c = Vec::new();
    for _ in 0..3 {
        v.push(time(&verify_args));
        c.push(time(&check_args));
    }
    v.sort();
    c.sort();
    let (v, c) = (v[1], c[1]);
    println!("verify: median {v:.2?} ({:.0} pair rows/s)", rows as f64 / v.as_secs_f64());
    println!("check (full pack): median {c:.2?}");
    println!("ratio check / verify = {:.2} (target < 2.0)", c.as_secs_f64() / v.as_secs_f64());
}

fn ts(day: usize, secs: i64) -> String {
    let base = chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z").unwrap().timestamp();
    fairboard::time::format(chrono::DateTime::from_timestamp(base + day as i64 * 86_400 + secs, 0).unwrap())
}

/// Writes the ledger; returns (records, pair rows).
fn generate(path: &std::path::Path, op: &SigningKey) -> (u64, usize) {
    let mut w = BufWriter::new(std::fs::File::create(path).unwrap());
    let mut links = fairboard_testkit::Links::default();
    let mut emit = |time: String, event: Value, w: &mut BufWriter<std::fs::File>| {
        let (_, line) = links.sign(op, &time, event);
        w.write_all(line.as_bytes()).unwrap();
        w.write_all(b"\n").unwrap();
    };
    emit(
        ts(0, 0),
        json!({"type":"ledger_opened","leaderboard":"bench","operator_key":crypto::public_key_b64(&op.verifying_key())}),
        &mut w,
    );
    let licenses = ["proprietary", "open_weights", "open_source"];
    for p in 0..PROVIDERS {
        emit(ts(0, 1), json!({"type":"provider_registered","provider":format!("provider-{p}")}), &mut w);
    }
    for m in 0..MODELS {
        emit(
            ts(0, 2),
            json!({"type":"model_registered","model":format!("model-{m}"),"provider":format!("provider-{}", m % PROVIDERS),
                               "license":licenses[m % 3],"visibility":"public"}),
            &mut w,
        );
    }
    // A fixed pseudo-random order of all model pairs; each day takes the next slice of it.
    let mut pairs: Vec<(usize, usize)> = (0..MODELS).flat_map(|a| (a + 1..MODELS).map(move |b| (a, b))).collect();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..pairs.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        pairs.swap(i, (x % (i as u64 + 1)) as usize);
    }
    let per_day = PAIR_ROWS / DAYS;
    let mut rows = 0;
    for day in 0..DAYS {
        let n = if day == DAYS - 1 { PAIR_ROWS - rows } else { per_day };
        let list: Vec<Value> = (0..n)
            .map(|k| {
                let (a, b) = pairs[(rows + k) % pairs.len()];
                let s = (rows + k) as u64;
                json!({"model_a":format!("model-{a}"),"model_b":format!("model-{b}"),"wins_a":1 + s % 5,"wins_b":1 + s % 3,"ties":s % 2})
            })
            .collect();
        rows += n;
        emit(
            ts(day + 1, 0),
            json!({"type":"battles_recorded","period_start":ts(day, 0),"period_end":ts(day, 86_399),"pairs":list}),
            &mut w,
        );
        let p = day % PROVIDERS;
        emit(
            ts(day + 1, 1),
            json!({"type":"private_test_started","model":format!("variant-{day}"),"provider":format!("provider-{p}")}),
            &mut w,
        );
        if day >= 3 {
            emit(
                ts(day + 1, 2),
                json!({"type":"private_test_ended","model":format!("variant-{}", day - 3),"provider":format!("provider-{}", (day - 3) % PROVIDERS)}),
                &mut w,
            );
            emit(
                ts(day + 1, 3),
                json!({"type":"score_disclosed","model":format!("variant-{}", day - 3),"rating":1100.5,"ci_low":1090.0,"ci_high":1110.0,"battles":1200}),
                &mut w,
            );
        }
        if day % 30 == 0 {
            for q in 0..PROVIDERS {
                emit(
                    ts(day + 1, 4),
                    json!({"type":"data_released","provider":format!("provider-{q}"),"records":1000,
                                            "period_start":ts(day, 0),"period_end":ts(day, 86_399)}),
                    &mut w,
                );
            }
        }
    }
    w.flush().unwrap();
    (links.seq, rows)
}
