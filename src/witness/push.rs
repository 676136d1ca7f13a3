//! `fairboard witness push`: the operator's side of tlog-witness. Submits the published checkpoint
//! to each witness with a consistency proof (built from the published tiles) from the size the
//! witness holds, learns that size from a 409 when it guessed wrong, and writes the checkpoint back
//! with the cosignatures collected, replacing older cosignatures of the same witnesses.

use std::path::Path;

use super::WitnessError;
use crate::merkle::checkpoint::{Checkpoint, MAX_NOTE_BYTES, SignedNote};
use crate::merkle::quorum::TlogPolicy;
use crate::merkle::tiles::{self};
use crate::merkle::witness::{AddCheckpoint, SIZE_CONTENT_TYPE};
use crate::tlog::source::{Source, agent};
use crate::tlog::{TlogError, write_atomic};

/// What a push did.
#[derive(Debug, Clone, Default)]
pub struct PushReport {
    /// The checkpoint's size.
    pub size: u64,
    /// Witness URL and the key name of the cosignature it returned.
    pub cosigned: Vec<(String, String)>,
    /// Witness URL and why it did not cosign.
    pub failed: Vec<(String, String)>,
    /// The policy witnesses whose cosignatures are now on the published checkpoint.
    pub quorum: Vec<String>,
    /// Why the checkpoint was not written back (the quorum was not met), if it was not.
    pub not_published: Option<String>,
}

/// Pushes `dir`'s checkpoint to `witnesses`; with `policy`, only cosignatures of its witnesses are
/// kept and the checkpoint is written back only if they meet its quorum (else the report says why).
pub fn push(dir: &Path, witnesses: &[String], policy: Option<&TlogPolicy>) -> Result<PushReport, WitnessError> {
    let src = Source::Dir(dir.to_path_buf());
    let note_bytes = src.require("checkpoint", MAX_NOTE_BYTES)?;
    let note = String::from_utf8(note_bytes).map_err(|_| WitnessError::Config("checkpoint: not UTF-8".into()))?;
    let (checkpoint, signed) = Checkpoint::parse_unverified(&note)
        .map_err(|source| TlogError::Checkpoint { what: src.describe("checkpoint"), source })?;
    let mut report = PushReport { size: checkpoint.size, ..PushReport::default() };
    let client = agent();
    let mut lines = Vec::new();
    for url in witnesses {
        match submit(&client, &src, url, &note, checkpoint.size) {
            Ok(body) => {
                let with = SignedNote::parse(&format!("{note}{body}"));
                match with {
                    Ok(n) if n.signatures.len() > signed.signatures.len() => {
                        let new = n.signatures.get(signed.signatures.len()..).unwrap_or_default().to_vec();
                        let keep: Vec<_> = new
                            .into_iter()
                            .filter(|s| {
                                policy.is_none_or(|p| {
                                    p.witnesses().any(|(_, v, _)| {
                                        v.is_ours(s)
                                            && v.verify(&SignedNote {
                                                text: signed.text.clone(),
                                                signatures: vec![s.clone()],
                                            })
                                            .is_ok_and(|t| t.is_some())
                                    })
                                })
                            })
                            .collect();
                        if keep.is_empty() {
                            report.failed.push((url.clone(), "no cosignature by a witness of the policy".into()));
                        }
                        for s in keep {
                            report.cosigned.push((url.clone(), s.name.clone()));
                            lines.push(s);
                        }
                    }
                    _ => report.failed.push((url.clone(), "the response is not cosignature lines".into())),
                }
            }
            Err(reason) => report.failed.push((url.clone(), reason)),
        }
    }
    let mut merged = signed.clone();
    merged.signatures.retain(|s| !lines.iter().any(|l| l.name == s.name && l.key_id == s.key_id));
    merged.signatures.extend(lines);
    let text = merged.to_text();
    if let Some(p) = policy {
        match p.verify(&text, None) {
            Ok(w) => report.quorum = w.cosigned,
            Err(e) => {
                report.not_published = Some(format!("not published: {e}"));
                return Ok(report);
            }
        }
    }
    // Write back only if the checkpoint is still the one pushed (a publish may have replaced it).
    if src.require("checkpoint", MAX_NOTE_BYTES)? != note.as_bytes() {
        return Err(WitnessError::Push("the checkpoint changed during the push; push again".into()));
    }
    write_atomic(&dir.join("checkpoint"), text.as_bytes())?;
    Ok(report)
}

/// Submits to one witness, following one 409 to the size it holds. Returns the response body.
fn submit(client: &ureq::Agent, src: &Source, url: &str, note: &str, size: u64) -> Result<String, String> {
    let endpoint = format!("{}/add-checkpoint", url.trim_end_matches('/'));
    let mut old = 0;
    for _ in 0..3 {
        let proof = if old == 0 || old == size {
            Vec::new()
        } else {
            let ids = tiles::tiles_for_consistency(old, size).map_err(|e| e.to_string())?;
            let set = crate::tlog::read::fetch_tiles(src, ids, size).map_err(|e| e.to_string())?;
            set.consistency_proof(old).map_err(|e| e.to_string())?
        };
        let body = AddCheckpoint { old, proof, note: note.to_owned() }.to_text();
        let mut resp = client
            .post(&endpoint)
            .content_type("text/plain; charset=utf-8")
            .send(body.as_bytes())
            .map_err(|e| format!("{endpoint}: {e}"))?;
        let status = resp.status().as_u16();
        let is_size = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with(SIZE_CONTENT_TYPE));
        let text = resp.body_mut().with_config().limit(1 << 20).read_to_string().map_err(|e| e.to_string())?;
        match status {
            200 => return Ok(text),
            409 if is_size => {
                let held: u64 = text.trim_end().parse().map_err(|_| format!("409 with a malformed size: {text:?}"))?;
                if held > size {
                    return Err(format!("the witness holds size {held}, larger than the published {size}"));
                }
                old = held;
            }
            s => return Err(format!("HTTP {s}: {}", text.trim_end())),
        }
    }
    Err("the witness kept answering 409".into())
}
