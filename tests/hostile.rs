//! Hostile inputs through the real binary: the corpus under `tests/fixtures/hostile/` (documented in its
//! README.md, which mirrors [`CASES`]) plus the inputs too large to commit, generated here. Every case
//! runs in a temporary directory under a hang guard ([`HANG_GUARD`], the process is killed after it) and,
//! where `prlimit` exists, an address-space limit ([`MEMORY_LIMIT`]). A case asserts its exit code, the
//! fragments of its message (which name the file), no panic, and for `append` a ledger left
//! byte-identical (or, for accepted input, a ledger that still verifies and holds no `\r` or BOM).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and benches fail loudly on what they did not expect"
)]

mod common;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{key, with_ext, write_key};

/// A process still running after this long is killed and the case fails. Not a timing test: the
/// slowest case (a script filling an array up to the sandbox's limit) takes about 15 s in a debug build.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// Address-space limit for every run (`prlimit --as`), when `prlimit` is installed.
const MEMORY_LIMIT: u64 = 1 << 30;

/// What a case feeds its input to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Feed {
    /// `fairboard append --ledger L --key OP EVENTS`.
    Append,
    /// `fairboard verify --ledger FILE --trust OP.pub` (the input is a whole ledger).
    Verify,
    /// `fairboard check --ledger L --policy PACK`.
    Pack,
    /// `fairboard check --ledger L --policy GOOD --plan PLAN`.
    Plan,
    /// `fairboard check --ledger L --policy P`, where P is a one-rule pack (`severity: deny`) whose rule
    /// `uses:` the script.
    Script,
}

/// Where a case's input comes from.
#[derive(Clone, Copy, Debug)]
enum Source {
    /// A file of the corpus.
    File,
    /// Made at run time into the temporary directory (too large to commit).
    Generated(fn(&Setup) -> Vec<u8>),
}

/// One hostile input and what it must do.
struct Case {
    /// File name (in the corpus, or of the generated file).
    name: &'static str,
    source: Source,
    feed: Feed,
    /// Expected exit code.
    code: i32,
    /// Fragments the message on stderr must contain (besides the file's name, always required when the
    /// input is refused).
    expect: &'static [&'static str],
}

const fn file(name: &'static str, feed: Feed, code: i32, expect: &'static [&'static str]) -> Case {
    Case { name, source: Source::File, feed, code, expect }
}

const fn generated(
    name: &'static str,
    make: fn(&Setup) -> Vec<u8>,
    feed: Feed,
    code: i32,
    expect: &'static [&'static str],
) -> Case {
    Case { name, source: Source::Generated(make), feed, code, expect }
}

/// The corpus and its expectations: the one source of truth, mirrored by the README's table.
const CASES: &[Case] = &[
    // Events input for `append`.
    file("nan.jsonl", Feed::Append, 2, &[":2:85: event at /weights/b:", "`NaN` is not a JSON number", "finite"]),
    file("infinity.jsonl", Feed::Append, 2, &[":1:85: event at /weights/b:", "`Infinity` is not a JSON number"]),
    file("neg-infinity.jsonl", Feed::Append, 2, &[":1:85: event at /weights/b:", "`-Infinity` is not a JSON number"]),
    file("1e400.jsonl", Feed::Append, 2, &[":1:85: event at /weights/b:", "number 1e400 is not finite"]),
    file(
        "bigint.jsonl",
        Feed::Append,
        2,
        &[":1:48: event at /rating:", "would be signed as 1.2345678901234568e+29", "integers within ±(2^53 − 1)"],
    ),
    file("rfc8785-appendix-b.jsonl", Feed::Append, 0, &[]),
    file(
        "rounded-decimal.jsonl",
        Feed::Append,
        2,
        &[":1:", "event at /weights/a:", "would be signed as 1424953923781206.2"],
    ),
    file("beyond-2p53.jsonl", Feed::Append, 2, &[":1:48: event at /rating:", "beyond I-JSON's exact range"]),
    file("leap-second.jsonl", Feed::Append, 2, &[":1:", "/effective_from"]),
    file("year-zero.jsonl", Feed::Append, 2, &[":1:", "/effective_from"]),
    file(
        "noncanonical-key.jsonl",
        Feed::Append,
        1,
        &["unusable key", "not the canonical encoding of an Ed25519 public key"],
    ),
    file("invalid-utf8.jsonl", Feed::Append, 2, &[":2: not valid UTF-8"]),
    file("two-values-one-line.jsonl", Feed::Append, 2, &[":1:47:", "a second JSON value on the same line"]),
    file("bom-only.jsonl", Feed::Append, 2, &[":1: no events"]),
    file("bom.jsonl", Feed::Append, 0, &[]),
    file("crlf.jsonl", Feed::Append, 0, &[]),
    file("duplicate-type.jsonl", Feed::Append, 2, &[":1:", "event at /type:", "duplicate member `type`"]),
    file("duplicate-nested.jsonl", Feed::Append, 2, &[":3:", "event at /pairs/0/wins_a:", "duplicate member `wins_a`"]),
    generated("deep.json", deep_json, Feed::Append, 2, &[":1:", "malformed JSON", "recursion limit exceeded"]),
    generated("long-line.jsonl", long_event_line, Feed::Append, 2, &[":2: line longer than 16777216 bytes"]),
    // Ledgers for `verify` (a defect in a ledger is exit 1, not 2: the README's exit-code contract).
    generated("long-line-ledger.jsonl", long_ledger_line, Feed::Verify, 1, &["line 2: record longer than 16777216"]),
    generated("bom-ledger.jsonl", bom_ledger, Feed::Verify, 1, &["line 1:"]),
    // Policy packs.
    file("alias-bomb.pack.yaml", Feed::Pack, 2, &[":7:", "invalid YAML: repetition limit exceeded", "alias"]),
    generated("deep-flow.pack.yaml", deep_flow_yaml, Feed::Pack, 2, &[":1:", "nested deeper than 256 levels"]),
    file("deep-block.pack.yaml", Feed::Pack, 2, &[":6:", "invalid YAML: recursion limit exceeded"]),
    generated("huge.pack.yaml", huge_yaml, Feed::Pack, 2, &["larger than 1048576 bytes"]),
    generated("amplification.pack.yaml", amplification_pack, Feed::Pack, 1, &["the pack's operation budget"]),
    file("multi-document.pack.yaml", Feed::Pack, 2, &[":6:", "more than one document"]),
    file("duplicate-key.pack.yaml", Feed::Pack, 2, &[":8:", "at /rules/0/severity", "duplicate member `severity`"]),
    file("nan.pack.yaml", Feed::Pack, 2, &["at /rules/0/params/limit", "not a finite number"]),
    file("bom.pack.yaml", Feed::Pack, 0, &[]),
    // What-if plans.
    file("alias-bomb.plan.yaml", Feed::Plan, 2, &["invalid YAML: repetition limit exceeded", "alias"]),
    generated("deep-flow.plan.yaml", deep_flow_yaml, Feed::Plan, 2, &[":1:", "nested deeper than 256 levels"]),
    file("duplicate-key.plan.yaml", Feed::Plan, 2, &[":5:", "at /steps/0/at", "duplicate member `at`"]),
    file("duplicate-key.plan.jsonl", Feed::Plan, 2, &[":2:", "at /steps/1/event/provider", "duplicate member"]),
    file("bom.plan.yaml", Feed::Plan, 0, &[]),
    generated("huge.plan.jsonl", huge_yaml, Feed::Plan, 2, &[":1:", "larger than 16777216 bytes"]),
    generated(
        "oversized-record.plan.jsonl",
        oversized_record_plan,
        Feed::Plan,
        2,
        &[":1:", "at /steps/0/event", "could never be appended"],
    ),
    file("crlf.plan.jsonl", Feed::Plan, 0, &[]),
    // Rule scripts: the pack is valid, the deny rule cannot run (exit 1, "a deny rule that could not
    // run"), and the message names the sandbox limit. A script that does not compile is a bad pack (2).
    file("loop.rhai", Feed::Script, 1, &["could not be evaluated", "Too many operations"]),
    file("recurse.rhai", Feed::Script, 1, &["could not be evaluated", "Stack overflow"]),
    file("huge-string.rhai", Feed::Script, 1, &["could not be evaluated", "too large"]),
    file("huge-array.rhai", Feed::Script, 1, &["could not be evaluated", "Size of array/BLOB too large"]),
    file("huge-map.rhai", Feed::Script, 1, &["could not be evaluated", "operations"]),
    file("huge-map-strings.rhai", Feed::Script, 1, &["could not be evaluated", "operations"]),
    file("memory-findings.rhai", Feed::Script, 1, &["could not be evaluated", "findings built take more than 64 MiB"]),
    file("memory-closures.rhai", Feed::Script, 1, &["could not be evaluated", "memory limit of 256 MiB exceeded"]),
    file("memory-curry.rhai", Feed::Script, 1, &["could not be evaluated", "memory limit of 256 MiB exceeded"]),
    file("deep-nesting.rhai", Feed::Script, 0, &[]),
    file("facts-loop.rhai", Feed::Script, 1, &["could not be evaluated", "operation"]),
    file(
        "deep-expression.rhai",
        Feed::Script,
        2,
        &["rule `hostile`: script error", "Expression exceeds maximum complexity"],
    ),
];

const GOOD_EVENT: &str = r#"{"type":"provider_registered","provider":"openai"}"#;

fn deep_json(_: &Setup) -> Vec<u8> {
    format!("{}{}\n", "[".repeat(100_000), "]".repeat(100_000)).into_bytes()
}

/// A valid first line, then one event whose `name` is 100 MB.
fn long_event_line(_: &Setup) -> Vec<u8> {
    let mut v = format!("{GOOD_EVENT}\n{{\"type\":\"provider_registered\",\"provider\":\"p\",\"name\":\"").into_bytes();
    v.resize(v.len() + 100 * 1024 * 1024, b'x');
    v.extend_from_slice(b"\"}\n");
    v
}

/// The test ledger followed by a 100 MB line.
fn long_ledger_line(s: &Setup) -> Vec<u8> {
    let mut v = std::fs::read(&s.ledger).unwrap();
    v.resize(v.len() + 100 * 1024 * 1024, b'x');
    v.push(b'\n');
    v
}

fn bom_ledger(s: &Setup) -> Vec<u8> {
    [&b"\xef\xbb\xbf"[..], &std::fs::read(&s.ledger).unwrap()].concat()
}

fn deep_flow_yaml(_: &Setup) -> Vec<u8> {
    format!("steps: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)).into_bytes()
}

/// A 100 MB policy pack (one long comment line).
/// 256 deny rules that each spin until stopped: the pack's shared budget ends them all in seconds.
fn amplification_pack(_: &Setup) -> Vec<u8> {
    let mut pack =
        String::from("apiVersion: fairboard/v1\nkind: PolicyPack\nname: amplification\nversion: '1'\nrules:\n");
    for i in 0..256 {
        pack.push_str(&format!(
            "  - id: spin-{i}\n    severity: deny\n    rationale: hostile\n    script: 'fn evaluate(facts, params) {{ loop {{ }} }}'\n"
        ));
    }
    pack.into_bytes()
}

/// A JSON Lines plan of one 14 MB event whose canonical form is over 16 MiB: `1e15` is written as
/// sixteen digits.
fn oversized_record_plan(_: &Setup) -> Vec<u8> {
    let name = |side: char, i: usize| format!("{side}{i:039}");
    let pairs: Vec<String> = (0..100_000)
        .map(|i| {
            format!(
                r#"{{"model_a":"{}","model_b":"{}","wins_a":1e15,"wins_b":1e15,"ties":1e15}}"#,
                name('a', i),
                name('b', i)
            )
        })
        .collect();
    format!(
        "{{\"type\":\"battles_recorded\",\"period_start\":\"2025-03-01T00:00:00Z\",\"period_end\":\"2025-03-01T23:59:59Z\",\"pairs\":[{}]}}\n",
        pairs.join(",")
    )
    .into_bytes()
}

fn huge_yaml(_: &Setup) -> Vec<u8> {
    let mut v = b"# ".to_vec();
    v.resize(100 * 1024 * 1024, b'x');
    v.push(b'\n');
    v
}

/// A temporary directory with an operator key, a small ledger and a harmless pack.
struct Setup {
    dir: tempfile::TempDir,
    ledger: PathBuf,
    key: PathBuf,
    trust: PathBuf,
    pack: PathBuf,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let prefix = write_key(dir.path(), "op", &key(1));
        let (key, trust) = (with_ext(&prefix, "key"), with_ext(&prefix, "pub"));
        let ledger = dir.path().join("ledger.jsonl");
        common::fairboard()
            .args(["init", "--leaderboard", "hostile", "--time", "2025-03-01T00:00:00Z", "--ledger"])
            .arg(&ledger)
            .arg("--key")
            .arg(&key)
            .assert()
            .code(0);
        let pack = dir.path().join("good.yaml");
        std::fs::write(&pack, pack_using("quiet.rhai")).unwrap();
        std::fs::write(dir.path().join("quiet.rhai"), "fn evaluate(facts, params) { [] }\n").unwrap();
        Self { dir, ledger, key, trust, pack }
    }
}

fn pack_using(script: &str) -> String {
    format!(
        "apiVersion: fairboard/v1\nkind: PolicyPack\nname: hostile\nversion: \"1\"\nrules:\n  - id: hostile\n    \
         uses: {script}\n    severity: deny\n    rationale: test\n"
    )
}

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile")
}

fn has_prlimit() -> bool {
    Command::new("prlimit")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs the binary with `args` in `dir` under the hang guard and, if possible, the memory limit.
/// Returns the exit code (`None` if killed or signalled), stdout and stderr.
fn run(dir: &Path, args: &[OsString]) -> (Option<i32>, String, String) {
    let bin = assert_cmd::cargo::cargo_bin("fairboard");
    let mut cmd = if has_prlimit() {
        let mut c = Command::new("prlimit");
        c.arg(format!("--as={MEMORY_LIMIT}")).arg("--").arg(bin);
        c
    } else {
        eprintln!("prlimit not found: running without a memory limit");
        Command::new(bin)
    };
    let (out, err) = (dir.join("stdout.txt"), dir.join("stderr.txt"));
    let mut child = cmd
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
    (status.and_then(|s| s.code()), read(&out), read(&err))
}

/// Runs one case in a fresh directory; returns a description of what went wrong, if anything.
fn check(case: &Case) -> Result<(), String> {
    let s = Setup::new();
    let input = s.dir.path().join(case.name);
    match case.source {
        Source::File => std::fs::copy(corpus().join(case.name), &input).map(drop),
        Source::Generated(make) => std::fs::write(&input, make(&s)),
    }
    .map_err(|e| format!("{}: {e}", case.name))?;
    let os = |p: &Path| p.as_os_str().to_owned();
    let mut args: Vec<OsString> = Vec::new();
    match case.feed {
        Feed::Append => {
            args.extend(["append".into(), "--ledger".into(), os(&s.ledger), "--key".into(), os(&s.key), os(&input)]);
        }
        Feed::Verify => args.extend(["verify".into(), "--ledger".into(), os(&input), "--trust".into(), os(&s.trust)]),
        Feed::Pack | Feed::Plan | Feed::Script => {
            let pack = match case.feed {
                Feed::Pack => input.clone(),
                Feed::Script => {
                    let pack = s.dir.path().join("pack.yaml");
                    std::fs::write(&pack, pack_using(case.name)).unwrap();
                    pack
                }
                _ => s.pack.clone(),
            };
            args.extend(["check".into(), "--ledger".into(), os(&s.ledger), "--policy".into(), os(&pack)]);
            if case.feed == Feed::Plan {
                args.extend(["--plan".into(), os(&input)]);
            }
        }
    }
    let before = std::fs::read(&s.ledger).unwrap();
    let (code, stdout, stderr) = run(s.dir.path(), &args);
    // A rule that cannot run is reported with the findings, on stdout; everything else on stderr.
    let rules_ran = case.feed == Feed::Script || (case.feed == Feed::Pack && case.code == 1);
    let stderr = if rules_ran { format!("{stdout}{stderr}") } else { stderr };
    let shown = if stderr.len() > 2000 { &stderr[..2000] } else { &stderr[..] };
    let fail = |what: String| Err(format!("{}: {what}\n  stderr: {shown}", case.name));
    if code.is_none() {
        return fail(format!("killed (hang guard {HANG_GUARD:?} or memory limit {MEMORY_LIMIT} bytes)"));
    }
    if stderr.contains("panicked") {
        return fail("panicked".into());
    }
    if code != Some(case.code) {
        return fail(format!("exit {code:?}, expected {}", case.code));
    }
    if case.code != 0 && !stderr.contains(case.name) {
        return fail("the message does not name the file".into());
    }
    if let Some(missing) = case.expect.iter().find(|e| !stderr.contains(*e)) {
        return fail(format!("`{missing}` not in the message"));
    }
    if !rules_ran && stderr.len() > 4096 {
        return fail(format!("a message of {} bytes", stderr.len()));
    }
    if case.feed == Feed::Append {
        let after = std::fs::read(&s.ledger).unwrap();
        if case.code != 0 && after != before {
            return fail("the ledger changed".into());
        }
        if after.contains(&b'\r') || after.starts_with(b"\xef\xbb\xbf") {
            return fail("the ledger holds a CR or a BOM".into());
        }
        let verify = ["verify".into(), "--ledger".into(), os(&s.ledger), "--trust".into(), os(&s.trust)];
        if run(s.dir.path(), &verify).0 != Some(0) {
            return fail("the ledger does not verify afterwards".into());
        }
    }
    Ok(())
}

/// Runs every case fed to one of `feeds` and reports all failures together.
fn check_all(feeds: &[Feed]) {
    let failures: Vec<String> =
        CASES.iter().filter(|c| feeds.contains(&c.feed)).filter_map(|c| check(c).err()).collect();
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn hostile_events_input() {
    check_all(&[Feed::Append]);
}

#[test]
fn hostile_ledgers() {
    check_all(&[Feed::Verify]);
}

#[test]
fn hostile_packs_and_plans() {
    check_all(&[Feed::Pack, Feed::Plan]);
}

#[test]
fn hostile_rule_scripts() {
    check_all(&[Feed::Script]);
}

#[test]
fn every_corpus_file_has_a_case_and_the_readme_lists_every_case() {
    let readme = std::fs::read_to_string(corpus().join("README.md")).unwrap();
    for entry in std::fs::read_dir(corpus()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name != "README.md" {
            assert!(CASES.iter().any(|c| c.name == name), "{name} has no case in CASES");
        }
    }
    for case in CASES {
        if matches!(case.source, Source::File) {
            assert!(corpus().join(case.name).exists(), "{} is missing from the corpus", case.name);
        }
        assert!(readme.contains(&format!("| `{}`", case.name)), "{} is missing from README.md", case.name);
    }
}
