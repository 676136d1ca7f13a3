//! The shipped pack (`policies/leaderboard-illusion.yaml`) and its scripts, compiled in, so that it
//! loads with no file system: in the browser, in a binding, in a service.

use super::pack::{PackError, PolicyPack, load_text};
use super::source::ScriptSource;

/// The name the embedded pack goes by in messages (its path in the repository).
pub const NAME: &str = "policies/leaderboard-illusion.yaml";

/// The shipped pack's bytes, exactly as the file holds them (so its digest is the file's).
pub const PACK: &str = include_str!("../../../../policies/leaderboard-illusion.yaml");

/// The scripts the shipped pack uses, by their path relative to the pack.
pub const SCRIPTS: &[(&str, &str)] = &[
    ("builtin/data_access_parity.rhai", include_str!("../../../../policies/builtin/data_access_parity.rhai")),
    ("builtin/deprecation_parity.rhai", include_str!("../../../../policies/builtin/deprecation_parity.rhai")),
    ("builtin/disclose_all_variants.rhai", include_str!("../../../../policies/builtin/disclose_all_variants.rhai")),
    ("builtin/graph_connected.rhai", include_str!("../../../../policies/builtin/graph_connected.rhai")),
    ("builtin/method_change_notice.rhai", include_str!("../../../../policies/builtin/method_change_notice.rhai")),
    ("builtin/min_votes_to_list.rhai", include_str!("../../../../policies/builtin/min_votes_to_list.rhai")),
    ("builtin/model_sampling_floor.rhai", include_str!("../../../../policies/builtin/model_sampling_floor.rhai")),
    ("builtin/no_retraction.rhai", include_str!("../../../../policies/builtin/no_retraction.rhai")),
    ("builtin/no_silent_deprecation.rhai", include_str!("../../../../policies/builtin/no_silent_deprecation.rhai")),
    ("builtin/provider_sampling_cap.rhai", include_str!("../../../../policies/builtin/provider_sampling_cap.rhai")),
    ("builtin/provisional.rhai", include_str!("../../../../policies/builtin/provisional.rhai")),
    ("builtin/release_matches_tested.rhai", include_str!("../../../../policies/builtin/release_matches_tested.rhai")),
    ("builtin/score_integrity.rhai", include_str!("../../../../policies/builtin/score_integrity.rhai")),
    ("builtin/variant_limit.rhai", include_str!("../../../../policies/builtin/variant_limit.rhai")),
];

/// The shipped scripts as a [`ScriptSource`]: a pack whose `uses:` name them loads from memory.
#[derive(Debug, Clone, Copy, Default)]
pub struct Builtin;

impl ScriptSource for Builtin {
    fn name(&self, rel: &str) -> String {
        format!("policies/{rel}")
    }

    fn read(&self, rel: &str) -> Result<String, String> {
        SCRIPTS
            .iter()
            .find(|(path, _)| *path == rel)
            .map(|(_, text)| (*text).to_owned())
            .ok_or_else(|| "no such shipped script".to_owned())
    }
}

/// Loads the shipped pack from memory.
pub fn pack() -> Result<PolicyPack, PackError> {
    load_text(NAME, PACK.as_bytes(), &Builtin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_pack_loads_from_memory_with_the_file_digest() {
        let pack = pack().unwrap();
        assert_eq!(pack.rules.len(), 14);
        let file =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies/leaderboard-illusion.yaml")).unwrap();
        let digest =
            format!("sha256:{}", crate::primitives::crypto::hex(&<sha2::Sha256 as sha2::Digest>::digest(&file)));
        assert_eq!(pack.digest, digest);
    }

    #[test]
    fn every_shipped_script_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies/builtin");
        let on_disk = std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "rhai")));
        assert_eq!(on_disk.count(), SCRIPTS.len());
    }
}
