//! Test support for fairboard, shared by the root crate's tests, its benches and the fuzz targets:
//! deterministic keys, ledgers signed in memory through the library's own record code (including
//! ledgers the verifier must reject), re-signing of tampered records, a mixed fixture ledger, and the
//! paths of the conformance vectors and of the real Arena data. Not public API (`publish = false`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test support fails loudly on what it did not expect"
)]

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::SigningKey;
use fairboard_core::crypto;
use fairboard_core::ledger::record::{GENESIS_PREV, Record, RecordBody};
use serde_json::{Value, json};

/// The repository's root (this crate lives in `crates/testkit`).
fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The vendored ledger-v1 conformance vectors (`tests/vectors/ledger-v1`, copied from the design
/// repository's `shared/vectors`): present on every clone, so the spec tests never skip.
pub fn vectors_dir() -> Option<PathBuf> {
    vector("ledger-v1").unwrap()
}

/// A vendored conformance vector under `tests/vectors/`.
pub fn vector(rel: &str) -> Result<Option<PathBuf>, String> {
    Ok(Some(repo().join("tests/vectors").join(rel)))
}

/// The environment variable that makes a missing `../shared` an error instead of a skip (CI sets it).
pub const REQUIRE_SHARED: &str = "FAIRBOARD_REQUIRE_SHARED";

/// `../shared/<rel>` (real Arena data) if it exists; `Ok(None)` (with a note on stderr) if it does
/// not and [`REQUIRE_SHARED`] is unset; an error if it is required and missing.
pub fn shared(rel: &str) -> Result<Option<PathBuf>, String> {
    let path = repo().join("../shared").join(rel);
    if path.exists() {
        return Ok(Some(path));
    }
    if std::env::var_os(REQUIRE_SHARED).is_some_and(|v| v == "1") {
        return Err(format!("{} is required ({REQUIRE_SHARED}=1) but missing", path.display()));
    }
    eprintln!("skipping: {} not present", path.display());
    Ok(None)
}

/// The chain state between two records: the next record's seq and `prev`. Signs one record at a
/// time without keeping the ledger, so benches can stream millions of records to a file.
#[derive(Clone, Debug)]
pub struct Links {
    /// Seq of the next record.
    pub seq: u64,
    /// Hash of the previous record ([`GENESIS_PREV`] before the first).
    pub prev: String,
}

impl Default for Links {
    fn default() -> Self {
        Self { seq: 0, prev: GENESIS_PREV.to_owned() }
    }
}

impl Links {
    /// Signs `event` as the next record (signer: `key`'s id; `time` as written) and advances. It
    /// checks no authority: tests need ledgers the verifier must reject.
    pub fn sign(&mut self, key: &SigningKey, time: &str, event: Value) -> (Record, String) {
        self.try_sign(key, time, event).unwrap()
    }

    /// [`Links::sign`], or `None` (and no advance) for an event that has no canonical form (a number
    /// outside I-JSON, say): fuzz inputs may be such events.
    pub fn try_sign(&mut self, key: &SigningKey, time: &str, event: Value) -> Option<(Record, String)> {
        let body = RecordBody { seq: self.seq, time: time.to_owned(), prev: self.prev.clone(), signer: id(key), event };
        let (record, line) = body.sign(key).ok()?;
        self.seq += 1;
        self.prev.clone_from(&record.hash);
        Some((record, line))
    }
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

/// Parses an RFC 3339 time.
pub fn t(s: &str) -> DateTime<Utc> {
    fairboard_core::time::parse(s).unwrap()
}

/// A ledger built in memory, one signed record at a time, through `RecordBody::sign` (the code the
/// chain writer uses). It does not check authority: that is the verifier's job, and the tests need to be
/// able to build ledgers the verifier must reject.
#[derive(Clone, Debug, Default)]
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
        let mut links = Links { seq: self.lines.len() as u64, prev };
        let (_, line) = links.sign(key, &fairboard_core::time::format(time), event);
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
#[derive(Debug)]
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
#[derive(Debug)]
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
        let start = fairboard_core::time::format(day - Duration::days(1));
        let end = fairboard_core::time::format(day - Duration::seconds(1));
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
                json!({"type":"sampling_set","effective_from":fairboard_core::time::format(day + Duration::days(1)),
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

/// The operator key of [`opened`] ledgers.
pub fn operator() -> SigningKey {
    key(42)
}

/// `events` signed by [`operator`] after a `ledger_opened` at seq 0 (leaderboard `name`), one day
/// apart from 2025-03-01 (the day of the month stops at 28), up to the first event that has no
/// canonical form. Returns the records and the file text.
pub fn opened(name: &str, events: &[Value]) -> (Vec<Record>, String) {
    let op = operator();
    let opening = json!({"type":"ledger_opened","leaderboard":name,"operator_key":b64(&op)});
    let mut links = Links::default();
    let mut records = Vec::new();
    let mut text = String::new();
    for (day, event) in std::iter::once(opening).chain(events.iter().cloned()).enumerate() {
        let time = format!("2025-03-{:02}T00:00:00Z", 1 + day.min(27));
        let Some((record, line)) = links.try_sign(&op, &time, event) else { break };
        text.push_str(&line);
        text.push('\n');
        records.push(record);
    }
    (records, text)
}
