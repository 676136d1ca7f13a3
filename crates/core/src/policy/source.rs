//! Where a pack's `uses:` scripts come from. A pack is text; the scripts it names are resolved
//! through a [`ScriptSource`], so that the loader needs no file system: the shipped scripts are
//! embedded ([`super::shipped::Builtin`]), a binding passes them in memory ([`Scripts`]), and the
//! file store reads them from the pack's folder (`fairboard::store::packs::Folder`).

use std::collections::BTreeMap;

/// Resolves a script path relative to the pack (already checked to be relative, without `..`).
pub trait ScriptSource {
    /// How the script is named in messages (a file path, say).
    fn name(&self, rel: &str) -> String;
    /// The script's text, or why it cannot be had.
    fn read(&self, rel: &str) -> Result<String, String>;
}

/// Scripts held in memory, by their path relative to the pack.
#[derive(Debug, Clone, Default)]
pub struct Scripts(pub BTreeMap<String, String>);

impl ScriptSource for Scripts {
    fn name(&self, rel: &str) -> String {
        rel.to_owned()
    }

    fn read(&self, rel: &str) -> Result<String, String> {
        self.0.get(rel).cloned().ok_or_else(|| "no such script was given".to_owned())
    }
}

/// No scripts at all: every rule must be inline (`script:`).
#[derive(Debug, Clone, Copy, Default)]
pub struct InlineOnly;

impl ScriptSource for InlineOnly {
    fn name(&self, rel: &str) -> String {
        rel.to_owned()
    }

    fn read(&self, _rel: &str) -> Result<String, String> {
        Err("this pack was given without its script files; inline the rule with `script:`".to_owned())
    }
}
