//! A witness under load (issue 16): 1,000 `add-checkpoint` requests from 8 concurrent clients to one
//! `fairboard witness serve` process, each client feeding its own log (a witness follows many logs;
//! one log's checkpoints are sequential by nature). Every request carries a new checkpoint and the
//! consistency proof from the previous one. Reports throughput, p50/p99 latency and the witness's
//! peak RSS (VmHWM).
//!
//! Run: `cargo bench --bench witness` (`FAIRBOARD_BENCH_REQUESTS=N` to change the count). Under
//! `cargo test` it sends a few requests only, to check that it still runs.

use std::error::Error;
use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use ed25519_dalek::SigningKey;
use fairboard_core::merkle::checkpoint::{Checkpoint, NoteSigner};
use fairboard_core::merkle::witness::AddCheckpoint;
use fairboard_core::merkle::{Tree, hash_leaf};

#[path = "common/mode.rs"]
mod mode;

const CLIENTS: usize = 8;

fn main() -> Result<(), Box<dyn Error>> {
    let total: usize = if mode::measuring() {
        std::env::var("FAIRBOARD_BENCH_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000)
    } else {
        16
    };
    let per_client = total / CLIENTS;
    let dir = tempfile::tempdir()?;
    let logs: Vec<NoteSigner> = (0..CLIENTS)
        .map(|i| NoteSigner::new(&format!("bench{i}.example/log"), SigningKey::from_bytes(&[i as u8 + 1; 32])))
        .collect::<Result<_, _>>()?;
    let list: String = logs.iter().map(|l| format!("log {}\n", l.verifier().to_vkey())).collect();
    std::fs::write(dir.path().join("logs.txt"), list)?;
    let key = fairboard_core::crypto::private_key_pem(&SigningKey::from_bytes(&[99; 32]))?;
    std::fs::write(dir.path().join("w.key"), key)?;
    let mut child = Command::new(env!("CARGO_BIN_EXE_fairboard"))
        .args(["witness", "serve", "--name", "bench.example/w", "--listen", "127.0.0.1:0", "--workers", "8"])
        .arg("--key")
        .arg(dir.path().join("w.key"))
        .arg("--logs")
        .arg(dir.path().join("logs.txt"))
        .arg("--db")
        .arg(dir.path().join("w.db"))
        .stderr(Stdio::piped())
        .spawn()?;
    let mut lines = BufReader::new(child.stderr.take().ok_or("no stderr")?).lines();
    let first = lines.next().ok_or("witness exited")??;
    let addr = first.split("http://").nth(1).and_then(|r| r.split(' ').next()).ok_or("no address")?.to_owned();
    std::thread::spawn(move || for _ in lines {});
    let url = format!("http://{addr}/add-checkpoint");

    // Each client's requests, prepared before timing: checkpoint sizes 1, 3, 6, … with proofs.
    let bodies: Vec<Vec<String>> = logs
        .iter()
        .map(|signer| {
            let sizes: Vec<u64> = (1..=per_client as u64).map(|k| k * (k + 1) / 2).collect();
            let tree = Tree::from_leaf_hashes((0..*sizes.last().unwrap_or(&1)).map(|i| hash_leaf(&i.to_be_bytes())));
            let mut old = 0;
            sizes
                .iter()
                .filter_map(|&size| {
                    let note =
                        Checkpoint::new(signer.verifier().name(), size, tree.root_at(size).ok()?).sign(signer).ok()?;
                    let proof = if old == 0 { Vec::new() } else { tree.consistency_proof(old, size).ok()? };
                    let body = AddCheckpoint { old, proof, note: note.to_text() }.to_text();
                    old = size;
                    Some(body)
                })
                .collect()
        })
        .collect();

    let start = Instant::now();
    let handles: Vec<_> = bodies
        .into_iter()
        .map(|client| {
            let url = url.clone();
            std::thread::spawn(move || -> Result<Vec<f64>, String> {
                let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
                let mut latencies = Vec::new();
                for body in client {
                    let t = Instant::now();
                    let mut r = agent.post(&url).send(body.as_bytes()).map_err(|e| e.to_string())?;
                    let text = r.body_mut().read_to_string().map_err(|e| e.to_string())?;
                    if r.status() != 200 {
                        return Err(format!("HTTP {}: {text}", r.status()));
                    }
                    latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                Ok(latencies)
            })
        })
        .collect();
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.join().map_err(|_| "client panicked")??);
    }
    let wall = start.elapsed().as_secs_f64();
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    let rss = status.lines().find(|l| l.starts_with("VmHWM")).unwrap_or("VmHWM: ?").to_owned();
    child.kill()?;
    child.wait()?;
    all.sort_by(f64::total_cmp);
    let pct = |p: f64| all.get(((all.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(f64::NAN);
    println!(
        "witness: {} add-checkpoint requests from {CLIENTS} clients in {wall:.2} s: {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms, peak RSS {}",
        all.len(),
        all.len() as f64 / wall,
        pct(0.5),
        pct(0.99),
        rss.trim_start_matches("VmHWM:").trim()
    );
    Ok(())
}
