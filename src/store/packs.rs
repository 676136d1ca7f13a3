//! Packs, plans and their scripts read from files: size-bounded reads, and a [`ScriptSource`] that
//! resolves `uses:` inside the pack's folder.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::policy::pack::{Location, PackError, PolicyPack, load_text};
use crate::policy::plan::{Plan, PlanError, parse};
use crate::policy::source::ScriptSource;
use crate::primitives::limits::{MAX_PACK_BYTES, MAX_PLAN_BYTES};

/// Reads at most `limit` bytes of `path`; `Ok(None)` if the file is longer.
pub(crate) fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(limit + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// The 1-based line of `path` on which its byte `limit` lies: where an oversized file crosses its
/// limit (read again, bounded, only to name the line in the error).
fn line_at_limit(path: &Path, limit: u64) -> usize {
    let mut bytes = Vec::new();
    let _ = std::fs::File::open(path).and_then(|f| f.take(limit).read_to_end(&mut bytes));
    crate::ledger::input::line_of(&bytes, bytes.len()) as usize
}

/// Scripts read from the folder a pack file is in.
#[derive(Debug, Clone)]
pub struct Folder(pub PathBuf);

impl ScriptSource for Folder {
    fn name(&self, rel: &str) -> String {
        self.0.join(rel).display().to_string()
    }

    /// Reads `rel` only if it resolves (symbolic links followed) to a regular file inside the
    /// folder: a link out of it (to `/etc/passwd`), a FIFO (which would block the read forever), a
    /// device or a directory is refused before it is opened, and the read is size-bounded.
    fn read(&self, rel: &str) -> Result<String, String> {
        // A pack named `pack.yaml` has the folder `` (empty): the current directory.
        let folder = if self.0.as_os_str().is_empty() { Path::new(".") } else { self.0.as_path() };
        let root = folder.canonicalize().map_err(|e| format!("the pack's folder: {e}"))?;
        let resolved = root.join(rel).canonicalize().map_err(|e| e.to_string())?;
        if !resolved.starts_with(&root) {
            return Err("it resolves to a file outside the pack's folder; expected a script inside it".into());
        }
        let meta = std::fs::metadata(&resolved).map_err(|e| e.to_string())?;
        if !meta.is_file() {
            return Err("not a regular file; expected a script file".into());
        }
        if meta.len() > MAX_PACK_BYTES {
            return Err(format!("larger than {MAX_PACK_BYTES} bytes"));
        }
        let bytes = read_bounded(&resolved, MAX_PACK_BYTES)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("larger than {MAX_PACK_BYTES} bytes"))?;
        String::from_utf8(bytes).map_err(|_| "not valid UTF-8".to_owned())
    }
}

/// Loads and checks the pack at `path`, its scripts from its folder.
pub fn load(path: &Path) -> Result<PolicyPack, PackError> {
    let file = path.display().to_string();
    let bytes = read_bounded(path, MAX_PACK_BYTES).map_err(|source| PackError::Io { file: file.clone(), source })?;
    let Some(bytes) = bytes else {
        let at = Location { file, line: line_at_limit(path, MAX_PACK_BYTES), column: 0, pointer: String::new() };
        return Err(PackError::Invalid {
            at,
            message: format!("larger than {MAX_PACK_BYTES} bytes; expected a policy pack"),
        });
    };
    load_bytes(path, &bytes)
}

/// Checks a pack's `bytes` as if read from `path`: scripts resolve in its folder.
pub fn load_bytes(path: &Path, bytes: &[u8]) -> Result<PolicyPack, PackError> {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let folder = Folder(parent.to_path_buf());
    load_text(&path.display().to_string(), bytes, &folder)
}

/// Loads and validates a plan file (JSON Lines for `.jsonl`/`.ndjson`, YAML otherwise), of at most
/// [`MAX_PLAN_BYTES`].
pub fn load_plan(path: &Path) -> Result<Plan, PlanError> {
    let file = path.display().to_string();
    let whole = |line: usize, message: String| PlanError::Invalid {
        at: Location { file: file.clone(), line, column: 0, pointer: String::new() },
        message,
    };
    let bytes = read_bounded(path, MAX_PLAN_BYTES).map_err(|source| PlanError::Io { file: file.clone(), source })?;
    let bytes = bytes.ok_or_else(|| {
        whole(line_at_limit(path, MAX_PLAN_BYTES), format!("larger than {MAX_PLAN_BYTES} bytes; expected a plan"))
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = crate::ledger::input::line_of(e.as_bytes(), e.utf8_error().valid_up_to()) as usize;
        whole(line, "not valid UTF-8".into())
    })?;
    let jsonl = path.extension().is_some_and(|e| e == "jsonl" || e == "ndjson");
    parse(&file, &text, jsonl)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pack_named_without_a_folder_reads_its_scripts_from_the_current_directory() {
        let here = std::env::current_dir().unwrap();
        let rel = "policies/builtin/no_retraction.rhai";
        // The crate's root is the test's working directory: `policies/` is beside `Cargo.toml`.
        assert!(here.join(rel).exists());
        assert!(Folder(PathBuf::new()).read(rel).unwrap().contains("fn evaluate"));
        assert!(Folder(PathBuf::from(".")).read(rel).is_ok());
        let err = Folder(PathBuf::from("policies")).read("../Cargo.toml").unwrap_err();
        assert!(err.contains("outside the pack's folder"), "{err}");
    }
}
