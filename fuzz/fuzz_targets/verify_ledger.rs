//! Arbitrary bytes as a ledger file, through the streaming verifier, without and with a trust anchor.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = fairboard::verify_stream(std::io::Cursor::new(data), None, |_| {});
    let trust = fairboard_fuzz::operator().verifying_key();
    let _ = fairboard::verify_stream(std::io::Cursor::new(data), Some(&trust), |_| {});
});
