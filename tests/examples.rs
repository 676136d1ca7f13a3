//! Every example under `examples/` runs (the scenario files are exercised by `tests/sim.rs` and
//! `tests/demo_cli.rs`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests and benches fail loudly on what they did not expect"
)]

use std::path::PathBuf;

use assert_cmd::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn quickstart_script_runs_and_verifies() {
    let out = tempfile::tempdir().unwrap();
    let run = std::process::Command::new("bash")
        .arg(root().join("examples/quickstart/run.sh"))
        .arg(out.path().join("qs"))
        .env("FAIRBOARD_BIN", assert_cmd::cargo::cargo_bin("fairboard"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    assert!(stdout.contains("ok: 10 records"), "{stdout}");
}

#[test]
fn custom_rule_example_passes_its_tests() {
    let out = Command::cargo_bin("fairboard")
        .unwrap()
        .args(["policy", "test"])
        .arg(root().join("examples/custom-rule/tests"))
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("4 passed, 0 failed"), "{text}");
}

#[test]
fn every_example_is_listed_in_the_examples_readme() {
    let readme = std::fs::read_to_string(root().join("examples/README.md")).unwrap();
    for entry in std::fs::read_dir(root().join("examples")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name != "README.md" {
            assert!(readme.contains(&format!("`{name}")), "examples/{name} is not described in examples/README.md");
        }
    }
}
