//! Whether a bench binary runs as a benchmark (`cargo bench` passes `--bench`) or only as a smoke
//! run (`cargo test --all-targets` runs bench targets too, without that flag, in the test profile).

/// True under `cargo bench`; false under `cargo test`, where benches run small or not at all.
pub fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}
