//! Shared fixtures for the fuzz targets: a fixed operator key, small signed ledgers, and the facts a
//! rule script is evaluated against. Everything is deterministic, so a crash reproduces from its input
//! alone.

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use ed25519_dalek::SigningKey;
use fairboard_core::facts::Facts;
use fairboard_core::ledger::Record;
use serde_json::Value;

pub use fairboard_testkit::operator;

/// A second key, for `key_authorized` events in seeds.
pub fn provider_key() -> SigningKey {
    fairboard_testkit::key(43)
}

/// Events of a small but varied arena (every fact kind the rule API exposes).
pub const FIXTURE_EVENTS: &str = r#"{"type":"provider_registered","provider":"meta","name":"Meta Platforms"}
{"type":"provider_registered","provider":"openai","name":"OpenAI"}
{"type":"model_registered","model":"llama","provider":"meta","license":"open_weights","visibility":"public"}
{"type":"model_registered","model":"gpt","provider":"openai","license":"proprietary","visibility":"public"}
{"type":"model_registered","model":"small","provider":"openai","license":"proprietary","visibility":"public"}
{"type":"private_test_started","model":"variant-a","provider":"meta"}
{"type":"private_test_started","model":"variant-b","provider":"meta"}
{"type":"sampling_set","effective_from":"2025-03-01T00:00:00Z","weights":{"llama":1,"gpt":2,"small":0.5}}
{"type":"battles_recorded","period_start":"2025-03-01T00:00:00Z","period_end":"2025-03-01T23:59:59Z","pairs":[{"model_a":"llama","model_b":"gpt","wins_a":410,"wins_b":520,"ties":170},{"model_a":"gpt","model_b":"small","wins_a":40,"wins_b":20,"ties":3},{"model_a":"variant-a","model_b":"gpt","wins_a":9,"wins_b":7,"ties":1}]}
{"type":"private_test_ended","model":"variant-a","provider":"meta"}
{"type":"score_disclosed","model":"gpt","rating":1287.4,"ci_low":1279.5,"ci_high":1295.3,"battles":1100,"method":"bt-bootstrap-100"}
{"type":"model_released","model":"variant-b","provider":"meta","public_name":"llama-4"}
{"type":"model_deprecated","model":"small","reason":"retired","public":false}
"#;

/// Signs `events` as the ledger `fuzz-arena` (see [`fairboard_testkit::opened`]).
pub fn sign_ledger(events: &[Value]) -> (Vec<Record>, String) {
    fairboard_testkit::opened("fuzz-arena", events)
}

/// The fixture events, parsed.
pub fn fixture_events() -> Vec<Value> {
    FIXTURE_EVENTS.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

/// The facts of the fixture ledger, judged a month after its last record.
pub static FACTS: LazyLock<Arc<Facts>> = LazyLock::new(|| {
    let (_, text) = sign_ledger(&fixture_events());
    let facts = fairboard_core::api::facts_builder(text.as_bytes(), None, None)
        .ok()
        .and_then(|(builder, _)| builder.judged_at(1_743_465_600_000).ok()) // 2025-04-01
        .unwrap_or_default();
    Arc::new(facts)
});

/// A scratch directory for this fuzzing process (pack `uses:` lookups, the append target's ledger).
pub static SCRATCH: LazyLock<PathBuf> = LazyLock::new(|| {
    let dir = std::env::temp_dir().join(format!("fairboard-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir
});
