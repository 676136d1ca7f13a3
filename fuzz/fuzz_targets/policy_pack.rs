//! Arbitrary bytes as a policy pack (what `check --policy` loads): YAML, schema, rule scripts,
//! interfaces, parameters. A pack that loads is then evaluated against the small fixture facts.
//! `uses:` paths resolve inside an empty scratch directory.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = fairboard_fuzz::SCRATCH.join("pack.yaml");
    if let Ok(pack) = fairboard::store::packs::load_bytes(&path, data) {
        let _ = fairboard_core::policy::evaluate(
            &pack,
            std::sync::Arc::clone(&fairboard_fuzz::FACTS),
            Some(&fairboard::store::SystemMeter::shared()),
        );
    }
});
