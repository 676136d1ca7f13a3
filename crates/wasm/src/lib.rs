//! fairboard's core in WebAssembly: the JSON-in / JSON-out twins of the use cases
//! ([`fairboard_core::ffi`]) exported unchanged through wasm-bindgen, so that a page or a Node script sees
//! exactly the contract every other binding sees. Each function takes one JSON request and returns
//! one JSON answer (`{"ok": true, "result": …}` or `{"ok": false, "error": …}`), and never throws.
//!
//! Build: `cargo build -p fairboard-wasm --profile wasm --target wasm32-unknown-unknown`, then
//! `wasm-bindgen --target nodejs` (or `--target web`) on the `.wasm`. The policy sandbox runs with
//! its operation and size limits; it has no clock here (the seconds backstop needs one).

use wasm_bindgen::prelude::wasm_bindgen;

/// `{"ledger", "trust", "checkpoint"?}` → the verification.
#[wasm_bindgen]
pub fn verify(request: &str) -> String {
    fairboard_core::ffi::verify(request)
}

/// `{"ledger", "policy"?, "scripts"?, "at"?, "allow_override"?}` → the check report.
#[wasm_bindgen]
pub fn check(request: &str) -> String {
    fairboard_core::ffi::check(request)
}

/// `{"ledger", "trust", "policy"?, "scripts"?, "checkpoint"?, "allow_override"?}` → the audit.
#[wasm_bindgen]
pub fn audit(request: &str) -> String {
    fairboard_core::ffi::audit(request)
}

/// `{"proof", "vkey"}` → what an inclusion or consistency proof establishes.
#[wasm_bindgen]
pub fn verify_proof(request: &str) -> String {
    fairboard_core::ffi::verify_proof(request)
}

/// `{"ledger", "ci"?, "rounds"?, "seed"?, "anchor"?}` → the scoreboard.
#[wasm_bindgen]
pub fn scores(request: &str) -> String {
    fairboard_core::ffi::scores(request)
}

/// `{"ledger", "seq", "checkpoint"}` or `{"ledger", "from", "to"}` → `{"proof"}`: an inclusion or
/// consistency proof.
#[wasm_bindgen]
pub fn prove(request: &str) -> String {
    fairboard_core::ffi::prove(request)
}
