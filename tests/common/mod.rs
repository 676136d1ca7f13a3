//! Helpers shared by the integration tests: deterministic keys, an in-memory ledger builder that signs
//! through the library's own record code, re-signing of tampered records, and the real binary.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and benches fail loudly on what they did not expect"
)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::SigningKey;
use fairboard::crypto;
use fairboard::ledger::record::{GENESIS_PREV, RecordBody};
use serde_json::{Value, json};

/// The vendored ledger-v1 conformance vectors (`tests/vectors/ledger-v1`, copied from the design
/// repository's `shared/vectors`): present on every clone, so the spec tests never skip.
pub fn vectors_dir() -> Option<PathBuf> {
    vector("ledger-v1").unwrap()
}

/// A vendored conformance vector under `tests/vectors/`.
pub fn vector(rel: &str) -> Result<Option<PathBuf>, String> {
    Ok(Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors").join(rel)))
}

/// The environment variable that makes a missing `../shared` an error instead of a skip (CI sets it).
pub const REQUIRE_SHARED: &str = "FAIRBOARD_REQUIRE_SHARED";

/// `../shared/<rel>` (real Arena data) if it exists; `Ok(None)` (with a note on stderr) if it does
/// not and [`REQUIRE_SHARED`] is unset; an error if it is required and missing.
pub fn shared(rel: &str) -> Result<Option<PathBuf>, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared").join(rel);
    if path.exists() {
        return Ok(Some(path));
    }
    if std::env::var_os(REQUIRE_SHARED).is_some_and(|v| v == "1") {
        return Err(format!("{} is required ({REQUIRE_SHARED}=1) but missing", path.display()));
    }
    eprintln!("skipping: {} not present", path.display());
    Ok(None)
}

/// The real `fairboard` binary.
pub fn fairboard() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("fairboard").unwrap()
}

/// A deterministic test key.
pub fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

/// Key id of a signing key.
pub fn id(key: &SigningKey) -> String {
    crypto::key_id(&key.verifying_key())
}

/// Standard base64 of a signing key's raw public key, as `key_authorized` names it.
pub fn b64(key: &SigningKey) -> String {
    crypto::public_key_b64(&key.verifying_key())
}

/// Writes `dir/name.key` and `dir/name.pub` for `key` and returns the prefix.
pub fn write_key(dir: &Path, name: &str, key: &SigningKey) -> PathBuf {
    let prefix = dir.join(name);
    fairboard::store::keys::write_keypair(key, &prefix).unwrap();
    prefix
}

/// `prefix` + `.ext`.
pub fn with_ext(prefix: &Path, ext: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// Parses an RFC 3339 time.
pub fn t(s: &str) -> DateTime<Utc> {
    fairboard::time::parse(s).unwrap()
}

/// A ledger built in memory, one signed record at a time, through `RecordBody::sign` (the code `init`
/// and `append` use). It does not check authority: that is the verifier's job, and the tests need to be
/// able to build ledgers the verifier must reject.
#[derive(Clone, Default)]
pub struct Builder {
    /// One canonical line per record, without newlines.
    pub lines: Vec<String>,
    /// Every key that signed something, by key id, so records can be re-signed.
    pub keys: HashMap<String, SigningKey>,
}

impl Builder {
    /// Appends `event` signed by `key` at `time`.
    pub fn push(&mut self, key: &SigningKey, time: DateTime<Utc>, event: Value) -> &mut Self {
        let prev = self.lines.last().map_or_else(|| GENESIS_PREV.to_owned(), |l| field(l, "hash"));
        let body = RecordBody {
            seq: self.lines.len() as u64,
            time: fairboard::time::format(time),
            prev,
            signer: id(key),
            event,
        };
        let (_, line) = body.sign(key).unwrap();
        self.keys.insert(id(key), key.clone());
        self.lines.push(line);
        self
    }

    /// The file's bytes.
    pub fn bytes(&self) -> Vec<u8> {
        join(&self.lines)
    }
}

/// Lines joined into a ledger file, each ending in `\n`.
pub fn join<S: AsRef<str>>(lines: &[S]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l.as_ref().as_bytes());
        out.push(b'\n');
    }
    out
}

/// A top-level string field of a record line.
pub fn field(line: &str, name: &str) -> String {
    let v: Value = serde_json::from_str(line).unwrap();
    v[name].as_str().unwrap().to_owned()
}

/// Re-signs a record line after `edit` changed its body: recomputes `hash` with the library's hash input
/// and signs it with `key`, setting `signer` to that key's id. The result is a properly signed canonical
/// line, so only the semantic checks (chain, time, authority) can object to it.
pub fn resign(line: &str, key: &SigningKey, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let mut v: Value = serde_json::from_str(line).unwrap();
    let m = v.as_object_mut().unwrap();
    m.insert("signer".into(), id(key).into());
    edit(m);
    let body = RecordBody {
        seq: m["seq"].as_u64().unwrap(),
        time: m["time"].as_str().unwrap().to_owned(),
        prev: m["prev"].as_str().unwrap().to_owned(),
        signer: m["signer"].as_str().unwrap().to_owned(),
        event: m["event"].clone(),
    };
    body.sign(key).unwrap().1
}

/// After line `from` changed, re-signs every later line with its own signer so that `prev` links up
/// again: whatever is wrong with the ledger afterwards is only what the edit itself broke.
pub fn rechain(lines: &mut [String], from: usize, keys: &HashMap<String, SigningKey>) {
    for i in from + 1..lines.len() {
        let prev = field(&lines[i - 1], "hash");
        let key = &keys[&field(&lines[i], "signer")];
        lines[i] = resign(&lines[i], key, |m| {
            m.insert("prev".into(), prev.into());
        });
    }
}

/// Keys of the mixed fixture ledger.
pub struct FixtureKeys {
    /// The operator key declared at seq 0.
    pub op: SigningKey,
    /// A second operator key, authorised at seq 6.
    pub op2: SigningKey,
    /// Provider key for `meta`.
    pub meta: SigningKey,
    /// An older provider key for `meta`, revoked at [`Fixture::revoked_at`].
    pub meta_old: SigningKey,
    /// Provider key for `google`.
    pub google: SigningKey,
    /// A key that is never authorised.
    pub stranger: SigningKey,
}

/// A valid ledger of more than 100 records with mixed event types and signers.
pub struct Fixture {
    /// The keys.
    pub keys: FixtureKeys,
    /// The ledger, built in memory.
    pub ledger: Builder,
    /// Seq of the `key_revoked` record that ends `meta_old`.
    pub revoked_at: u64,
}

/// Builds the mixed fixture ledger (deterministic).
pub fn fixture() -> Fixture {
    let keys =
        FixtureKeys { op: key(1), op2: key(2), meta: key(3), meta_old: key(4), google: key(5), stranger: key(6) };
    let k = &keys;
    let mut b = Builder::default();
    let t0 = t("2025-03-01T00:00:00Z");
    b.push(&k.op, t0, json!({"type":"ledger_opened","leaderboard":"tamper-arena","operator_key":b64(&k.op)}));
    let t1 = t0 + Duration::seconds(1);
    b.push(&k.op, t1, json!({"type":"provider_registered","provider":"meta","name":"Meta Platforms"}))
        .push(&k.op, t1, json!({"type":"provider_registered","provider":"google"}))
        .push(&k.op, t1, json!({"type":"key_authorized","key":b64(&k.meta),"role":"provider","provider":"meta"}))
        .push(&k.op, t1, json!({"type":"key_authorized","key":b64(&k.meta_old),"role":"provider","provider":"meta"}))
        .push(&k.op, t1, json!({"type":"key_authorized","key":b64(&k.google),"role":"provider","provider":"google"}))
        .push(&k.op, t1, json!({"type":"key_authorized","key":b64(&k.op2),"role":"operator"}))
        .push(
            &k.op,
            t1 + Duration::milliseconds(250),
            json!({"type":"policy_adopted","name":"leaderboard-illusion","version":"1.0.0","digest":format!("sha256:{}", "ab".repeat(32))}),
        );
    let models = [
        ("llama-4", "meta", "open_weights", "public"),
        ("llama-été-x", "meta", "open_weights", "private"),
        ("gemma-3", "google", "open_weights", "public"),
        ("gemini-exp", "google", "proprietary", "private"),
        ("gpt-4o", "openai", "proprietary", "public"),
        ("olmo-2", "ai2", "open_source", "public"),
    ];
    let t2 = t0 + Duration::seconds(2);
    for (model, provider, license, visibility) in models {
        b.push(
            &k.op,
            t2,
            json!({"type":"model_registered","model":model,"provider":provider,"license":license,"visibility":visibility}),
        );
    }
    let names: Vec<&str> = models.iter().map(|m| m.0).collect();
    let mut revoked_at = 0;
    let mut rng = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for d in 0..20i64 {
        let day = t0 + Duration::days(d + 1);
        let variant = format!("llama-variant-{d}");
        let meta_key = if d < 8 { &k.meta_old } else { &k.meta };
        if d == 8 {
            revoked_at = b.lines.len() as u64;
            b.push(&k.op, day, json!({"type":"key_revoked","key_id":id(&k.meta_old)}));
        }
        b.push(meta_key, day, json!({"type":"private_test_started","model":variant,"provider":"meta"}));
        if d % 3 == 0 {
            b.push(
                &k.google,
                day + Duration::minutes(5),
                json!({"type":"private_test_started","model":format!("gemini-v{d}"),"provider":"google"}),
            );
        }
        let pairs: Vec<Value> = (0..4)
            .map(|i| {
                let a = names[(d as usize + i) % names.len()];
                let b = names[(d as usize + i + 1 + i % 2) % names.len()];
                json!({"model_a":a,"model_b":b,"wins_a":next() % 500,"wins_b":next() % 500,"ties":next() % 90})
            })
            .collect();
        let start = fairboard::time::format(day - Duration::days(1));
        let end = fairboard::time::format(day - Duration::seconds(1));
        b.push(
            &k.op,
            day + Duration::hours(1),
            json!({"type":"battles_recorded","period_start":start,"period_end":end,"pairs":pairs}),
        );
        let rating = 1200.0 + (next() % 20_000) as f64 / 64.0 + 1.0 / 3.0;
        b.push(
            &k.op2,
            day + Duration::hours(2),
            json!({"type":"score_disclosed","model":names[d as usize % names.len()],"rating":rating,
                   "ci_low":rating - 7.25,"ci_high":rating + 6.5e-1,"battles":next() % 10_000,"method":"bt-bootstrap-100"}),
        );
        if d % 2 == 0 {
            b.push(
                &k.op,
                day + Duration::hours(3),
                json!({"type":"sampling_set","effective_from":fairboard::time::format(day + Duration::days(1)),
                       "weights":{"llama-4":0.25,"gemma-3":1.0/3.0,"gpt-4o":3,"olmo-2":1e-7}}),
            );
        }
        if d % 4 == 3 {
            b.push(
                meta_key,
                day + Duration::hours(4),
                json!({"type":"private_test_ended","model":variant,"provider":"meta"}),
            );
            b.push(
                &k.op,
                day + Duration::hours(5),
                json!({"type":"data_released","provider":"google","records":next() % 100_000,"period_start":start,"period_end":end}),
            );
        }
        if d % 5 == 4 {
            b.push(
                &k.meta,
                day + Duration::hours(6),
                json!({"type":"model_released","model":variant,"provider":"meta","public_name":format!("Llama 4.{d}")}),
            );
            b.push(
                &k.google,
                day + Duration::hours(6),
                json!({"type":"score_retracted","model":"gemini-exp","provider":"google","reason":"superseded"}),
            );
            b.push(
                &k.op,
                day + Duration::hours(7),
                json!({"type":"model_deprecated","model":names[d as usize % names.len()],"reason":"low traffic","public":d % 2 == 0}),
            );
        }
    }
    Fixture { keys, ledger: b, revoked_at }
}
