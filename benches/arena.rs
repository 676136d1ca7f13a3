//! Arena-scale benchmark of the real binary: one year of a board at LMArena's size (issue 7).
//!
//! 1. `fairboard demo` simulates the year (40 providers, 250 public models, about 3 M battles as
//!    daily pair counts, private tests, disclosures, retractions, deprecations) and writes the signed
//!    ledger, the operator key and the shipped pack. Its own time is reported too.
//! 2. Each command is run as its own process, `ROUNDS` times: `verify`, `check`, `audit`,
//!    `scores --bootstrap 100`, `checkpoint`, an inclusion proof and a consistency proof. For each:
//!    best and median wall time, records/s and MB/s over the best, and the peak RSS (the child's
//!    `ru_maxrss`, read by a small measuring process this binary re-runs itself as).
//! 3. In the same run, the machine's raw `verify_strict` throughput on one core and on all cores.
//!
//! Targets: audit ≤ 10 s; peak RSS ≤ 512 MB for every command; verify ≥ 0.8 × raw × cores (see the
//! discussion in docs/performance.md: this ledger is bytes-bound, `benches/verify.rs` is the
//! signature-bound case).
//!
//! Run: `cargo bench --bench arena` (`FAIRBOARD_BENCH_DIR=DIR` keeps the ledger). The same figures
//! with public tools: `/usr/bin/time -v fairboard audit ...` for peak RSS, `hyperfine` for wall time.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    reason = "tests and benches fail loudly on what they did not expect"
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "common/raw.rs"]
mod raw;

const ROUNDS: usize = 3;
const MEASURE: &str = "--measure-child";
const ORIGIN: &str = "arena.example/bench";

/// One command's figures.
struct Figures {
    name: &'static str,
    best: Duration,
    median: Duration,
    peak_rss_mb: f64,
}

#[path = "common/mode.rs"]
mod mode;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(MEASURE) {
        measure_child(&args[2..]);
        return;
    }
    if !mode::measuring() {
        println!("arena-scale bench: runs under `cargo bench` only (minutes of release-build work)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("FAIRBOARD_BENCH_DIR").map_or_else(|| tmp.path().join("arena"), PathBuf::from);
    let _ = std::fs::remove_dir_all(&dir);
    let bin = env!("CARGO_BIN_EXE_fairboard");
    let d = |name: &str| dir.join(name).to_str().unwrap().to_owned();

    let demo = run(bin, "demo (simulate + sign + audit)", &["demo", "--out", &d(""), "--seed", "2025"], 1);
    let (ledger, trust, key, pack) = (d("ledger.jsonl"), d("operator.pub"), d("operator.key"), d("policy.yaml"));
    let shape = Shape::of(Path::new(&ledger));
    println!(
        "ledger: {} records, {:.1} MB; {} battles in {} daily pair-count records ({} pair rows); {} models registered, \
         {} providers, {} private tests, {} disclosures",
        shape.records,
        shape.bytes as f64 / 1e6,
        shape.battles,
        shape.battle_records,
        shape.pair_rows,
        shape.models,
        shape.providers,
        shape.private_tests,
        shape.disclosures
    );

    // A checkpoint of the first half, for the consistency proof (the prefix of an append-only log).
    let half = d("half.jsonl");
    let text = std::fs::read_to_string(&ledger).unwrap();
    let prefix: String = text.split_inclusive('\n').take(shape.records as usize / 2).collect();
    std::fs::write(&half, prefix).unwrap();
    drop(text);
    let cp_half =
        write_stdout(bin, &["checkpoint", "--ledger", &half, "--key", &key, "--origin", ORIGIN], &d("half.cp"));
    let cp = write_stdout(bin, &["checkpoint", "--ledger", &ledger, "--key", &key, "--origin", ORIGIN], &d("full.cp"));
    let mid = (shape.records / 2).to_string();

    let figures = vec![
        demo,
        run(bin, "verify", &["verify", "--ledger", &ledger, "--trust", &trust], ROUNDS),
        run(bin, "check (12 rules)", &["check", "--format", "json", "--ledger", &ledger, "--policy", &pack], ROUNDS),
        run(
            bin,
            "audit",
            &["audit", "--format", "json", "--ledger", &ledger, "--trust", &trust, "--policy", &pack],
            ROUNDS,
        ),
        run(bin, "scores --bootstrap 100", &["scores", "--ledger", &ledger, "--bootstrap", "100"], ROUNDS),
        run(bin, "checkpoint", &["checkpoint", "--ledger", &ledger, "--key", &key, "--origin", ORIGIN], ROUNDS),
        run(bin, "prove inclusion", &["prove", "--ledger", &ledger, "--seq", &mid, "--checkpoint", &cp], ROUNDS),
        run(
            bin,
            "prove consistency",
            &["prove", "--ledger", &ledger, "--consistency", "--from", &cp_half, "--to", &cp],
            ROUNDS,
        ),
    ];

    let cores = std::thread::available_parallelism().map(|c| c.get()).unwrap_or(1);
    let raw_bench = raw::Raw::new();
    // Windows about as long as a verify run here (2 s), as in the verify bench.
    let window = Duration::from_secs(2);
    let (raw1, raw_all) = (0..5).fold((0.0f64, 0.0f64), |(one, all), _| {
        (one.max(raw_bench.one_core_for(window)), all.max(raw_bench.all_cores()))
    });
    println!();
    println!("| command | best s | median s | records/s | MB/s | peak RSS MB |");
    println!("|---|---:|---:|---:|---:|---:|");
    for f in &figures {
        let s = f.best.as_secs_f64();
        println!(
            "| {} | {:.2} | {:.2} | {:.0} | {:.0} | {:.0} |",
            f.name,
            s,
            f.median.as_secs_f64(),
            shape.records as f64 / s,
            shape.bytes as f64 / 1e6 / s,
            f.peak_rss_mb
        );
    }
    println!();
    println!("raw verify_strict: {raw1:.0} sig/s on 1 core; {raw_all:.0} sig/s on all {cores} cores at once");
    let verify = &figures[1];
    let rate = shape.records as f64 / verify.best.as_secs_f64();
    println!(
        "verify: {rate:.0} records/s = {:.3} x (raw x {cores} cores) [target >= 0.80; this ledger is bytes-bound]",
        rate / (raw1 * cores as f64)
    );
    let audit = &figures[3];
    println!("audit: {:.2} s [target <= 10 s]", audit.best.as_secs_f64());
    let peak = figures.iter().skip(1).map(|f| f.peak_rss_mb).fold(0.0, f64::max);
    println!("peak RSS over the measured commands: {peak:.0} MB [target <= 512 MB]");
}

/// Runs `bin args` `rounds` times, each under a measuring child process.
fn run(bin: &str, name: &'static str, args: &[&str], rounds: usize) -> Figures {
    let me = std::env::current_exe().unwrap();
    let mut walls = Vec::new();
    let mut peak = 0.0f64;
    for _ in 0..rounds {
        let t = Instant::now();
        let out = Command::new(&me).arg(MEASURE).arg(bin).args(args).output().unwrap();
        walls.push(t.elapsed());
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text.lines().last().unwrap_or_default();
        let (code, rss_kb) = line.split_once(' ').unwrap_or_else(|| panic!("{name}: no measurement in {text:?}"));
        assert!(code == "0" || code == "1", "{name} exited {code}: {}", String::from_utf8_lossy(&out.stderr));
        peak = peak.max(rss_kb.parse::<f64>().unwrap() / 1024.0);
    }
    walls.sort();
    let f = Figures { name, best: walls[0], median: walls[walls.len() / 2], peak_rss_mb: peak };
    eprintln!("{name}: best {:.2?}, median {:.2?}, peak RSS {:.0} MB", f.best, f.median, f.peak_rss_mb);
    f
}

/// The measuring process: runs the command with its output discarded, then prints its exit code and
/// its peak RSS in KiB (`ru_maxrss` of the only child this process ever waited for).
fn measure_child(cmd: &[String]) {
    let status = Command::new(&cmd[0])
        .args(&cmd[1..])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .status()
        .unwrap();
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
    println!("{} {}", status.code().unwrap_or(-1), usage.max_rss());
}

/// Runs a command and writes its stdout to `path`.
fn write_stdout(bin: &str, args: &[&str], path: &str) -> String {
    let out = Command::new(bin).args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(path, &out.stdout).unwrap();
    path.to_owned()
}

/// What the generated ledger holds.
#[derive(Default)]
struct Shape {
    records: u64,
    bytes: u64,
    battles: u64,
    battle_records: u64,
    pair_rows: u64,
    models: u64,
    providers: u64,
    private_tests: u64,
    disclosures: u64,
}

impl Shape {
    fn of(path: &Path) -> Self {
        use std::io::BufRead;
        let mut s = Shape { bytes: std::fs::metadata(path).unwrap().len(), ..Shape::default() };
        let mut providers = std::collections::BTreeSet::new();
        let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
        for line in file.lines() {
            let record: Value = serde_json::from_str(&line.unwrap()).unwrap();
            s.records += 1;
            let event = &record["event"];
            match event["type"].as_str().unwrap() {
                "battles_recorded" => {
                    s.battle_records += 1;
                    for p in event["pairs"].as_array().unwrap() {
                        s.pair_rows += 1;
                        s.battles +=
                            ["wins_a", "wins_b", "ties"].iter().map(|k| p[k].as_u64().unwrap_or(0)).sum::<u64>();
                    }
                }
                "model_registered" => {
                    s.models += 1;
                    providers.insert(event["provider"].as_str().unwrap().to_owned());
                }
                "private_test_started" => s.private_tests += 1,
                "score_disclosed" => s.disclosures += 1,
                _ => {}
            }
        }
        s.providers = providers.len() as u64;
        s
    }
}
