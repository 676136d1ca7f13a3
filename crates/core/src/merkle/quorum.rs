//! C2SP `tlog-policy`: which logs and witnesses a verifier trusts and how many cosignatures make a
//! checkpoint valid.
//!
//! ```text
//! log <vkey> [<url>]
//! witness <name> <vkey> [<url>]
//! group <name> all|any|<k> <member>...
//! quorum <name>|none
//! ```
//!
//! Lines are separated by newlines, items by spaces and tabs; blank lines and `#` comments are
//! ignored; a group or the quorum may only name witnesses and groups defined above it, each member at
//! most once, and `none` is predefined. A checkpoint is valid when a listed log (key name = origin)
//! signed it and the quorum witnessed it: a witness witnesses by a valid cosignature, a group when at
//! least k of its members do. Log keys are Ed25519 checkpoint vkeys (type 0x01), witness keys Ed25519
//! cosignature/v1 vkeys (type 0x04).

use std::collections::{HashMap, HashSet};

use super::checkpoint::{Checkpoint, CheckpointError, NoteVerifier, SignedNote};
use super::cosignature::CosignatureVerifier;

/// The largest policy file read, in bytes.
pub const MAX_POLICY_BYTES: usize = 256 * 1024;
/// The most logs, witnesses and groups each (the spec recommends supporting at least 32).
pub const MAX_ENTRIES: usize = 256;

/// Why a policy file is malformed, or a checkpoint does not satisfy it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuorumError {
    /// A line of the policy file is malformed.
    #[error("line {line}: {reason}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// What was expected.
        reason: String,
    },
    /// The file is larger than [`MAX_POLICY_BYTES`] or has a disallowed byte.
    #[error("{0}")]
    File(String),
    /// No listed log signed the checkpoint.
    #[error("no log of the policy signed this checkpoint (origin `{origin}`): {reason}")]
    NoLog {
        /// The checkpoint's origin.
        origin: String,
        /// Why the matching log's signature did not verify, or that none matches.
        reason: String,
    },
    /// A witness's cosignature line does not verify: the note is malformed.
    #[error("witness `{witness}`: {source}")]
    BadCosignature {
        /// The witness's name in the policy.
        witness: String,
        /// The verification error.
        source: CheckpointError,
    },
    /// Too few witnesses cosigned.
    #[error("quorum `{quorum}` not met: cosigned by {} of the policy's witnesses ({})", .cosigned.len(), if .cosigned.is_empty() { "none".to_owned() } else { .cosigned.join(", ") })]
    NotMet {
        /// The quorum's name.
        quorum: String,
        /// The witnesses whose cosignatures verified.
        cosigned: Vec<String>,
    },
}

/// A member of a group, or the quorum.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Name {
    Witness(usize),
    Group(usize),
    None,
}

#[derive(Debug, Clone)]
struct Group {
    k: usize,
    members: Vec<Name>,
}

/// A parsed policy.
#[derive(Debug, Clone)]
pub struct TlogPolicy {
    logs: Vec<(NoteVerifier, Option<String>)>,
    witnesses: Vec<(String, CosignatureVerifier, Option<String>)>,
    groups: Vec<Group>,
    quorum: (String, Name),
}

/// A checkpoint that met the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witnessed {
    /// The checkpoint body.
    pub checkpoint: Checkpoint,
    /// The policy names of the witnesses whose cosignatures verified, in policy order.
    pub cosigned: Vec<String>,
}

impl TlogPolicy {
    /// Parses a policy file.
    pub fn parse(bytes: &[u8]) -> Result<Self, QuorumError> {
        if bytes.len() > MAX_POLICY_BYTES {
            return Err(QuorumError::File(format!("larger than {MAX_POLICY_BYTES} bytes")));
        }
        if let Some(b) = bytes.iter().find(|&&b| b < 0x20 && b != b'\t' && b != b'\n' || b == 0x7f) {
            return Err(QuorumError::File(format!("control byte 0x{b:02x} (only tab and newline are allowed)")));
        }
        let text = String::from_utf8_lossy(bytes);
        let mut logs: Vec<(NoteVerifier, Option<String>)> = Vec::new();
        let mut witnesses: Vec<(String, CosignatureVerifier, Option<String>)> = Vec::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut names: HashMap<String, Name> = HashMap::new();
        let mut quorum = None;
        for (i, raw) in text.split('\n').enumerate() {
            let line = i + 1;
            let err = |reason: String| QuorumError::Syntax { line, reason };
            let items: Vec<&str> = raw.split([' ', '\t']).filter(|s| !s.is_empty()).collect();
            let Some((&keyword, args)) = items.split_first() else { continue };
            if keyword.starts_with('#') {
                continue;
            }
            match keyword {
                "log" => {
                    let (vkey, url) = match args {
                        [vkey] => (vkey, None),
                        [vkey, url] => (vkey, Some((*url).to_owned())),
                        _ => return Err(err("expected `log <vkey> [<url>]`".into())),
                    };
                    let v = NoteVerifier::from_vkey(vkey).map_err(|e| err(e.to_string()))?;
                    if logs.iter().any(|(l, _)| l.key() == v.key()) {
                        return Err(err("duplicate log key".into()));
                    }
                    logs.push((v, url));
                    if logs.len() > MAX_ENTRIES {
                        return Err(err(format!("more than {MAX_ENTRIES} logs")));
                    }
                }
                "witness" => {
                    let (name, vkey, url) = match args {
                        [name, vkey] => (name, vkey, None),
                        [name, vkey, url] => (name, vkey, Some((*url).to_owned())),
                        _ => return Err(err("expected `witness <name> <vkey> [<url>]`".into())),
                    };
                    define(&mut names, name, Name::Witness(witnesses.len())).map_err(err)?;
                    let v = CosignatureVerifier::from_vkey(vkey).map_err(|e| err(e.to_string()))?;
                    if witnesses.iter().any(|(_, w, _)| w.key() == v.key()) {
                        return Err(err("duplicate witness key".into()));
                    }
                    witnesses.push(((*name).to_owned(), v, url));
                    if witnesses.len() > MAX_ENTRIES {
                        return Err(err(format!("more than {MAX_ENTRIES} witnesses")));
                    }
                }
                "group" => {
                    let [name, threshold, members @ ..] = args else {
                        return Err(err("expected `group <name> all|any|<k> <member>...`".into()));
                    };
                    if members.is_empty() {
                        return Err(err("a group needs at least one member".into()));
                    }
                    let mut seen = HashSet::new();
                    let mut resolved = Vec::new();
                    for m in members {
                        if *m == "none" {
                            return Err(err("`none` cannot be a group member".into()));
                        }
                        let n = names.get(*m).ok_or_else(|| err(format!("`{m}` is not defined above")))?;
                        if !seen.insert(*m) {
                            return Err(err(format!("`{m}` is listed twice")));
                        }
                        resolved.push(n.clone());
                    }
                    let n = members.len();
                    let k = match *threshold {
                        "all" => n,
                        "any" => 1,
                        k => k
                            .parse::<usize>()
                            .ok()
                            .filter(|k| (1..=n).contains(k) && !threshold.starts_with('0'))
                            .ok_or_else(|| err(format!("threshold `{k}`: expected all, any, or 1 to {n}")))?,
                    };
                    define(&mut names, name, Name::Group(groups.len())).map_err(err)?;
                    groups.push(Group { k, members: resolved });
                    if groups.len() > MAX_ENTRIES {
                        return Err(err(format!("more than {MAX_ENTRIES} groups")));
                    }
                }
                "quorum" => {
                    let [name] = args else { return Err(err("expected `quorum <name>`".into())) };
                    if quorum.is_some() {
                        return Err(err("a second quorum line".into()));
                    }
                    let n = if *name == "none" {
                        Name::None
                    } else {
                        names.get(*name).cloned().ok_or_else(|| err(format!("`{name}` is not defined above")))?
                    };
                    quorum = Some(((*name).to_owned(), n));
                }
                other => {
                    return Err(err(format!("unknown keyword `{other}` (expected log, witness, group or quorum)")));
                }
            }
        }
        let quorum = quorum.ok_or_else(|| QuorumError::File("no `quorum` line (use `quorum none` for none)".into()))?;
        Ok(Self { logs, witnesses, groups, quorum })
    }

    /// The logs' verifiers.
    pub fn logs(&self) -> impl Iterator<Item = &NoteVerifier> {
        self.logs.iter().map(|(v, _)| v)
    }

    /// The witnesses: policy name, verifier, URL.
    pub fn witnesses(&self) -> impl Iterator<Item = (&str, &CosignatureVerifier, Option<&str>)> {
        self.witnesses.iter().map(|(n, v, u)| (n.as_str(), v, u.as_deref()))
    }

    /// Checks `note`: signed by a listed log (or by `extra_log`, the verifier's own trust anchor, when
    /// given) and witnessed by the quorum.
    pub fn verify(&self, note: &str, extra_log: Option<&NoteVerifier>) -> Result<Witnessed, QuorumError> {
        let parsed =
            SignedNote::parse(note).map_err(|e| QuorumError::NoLog { origin: "?".into(), reason: e.to_string() })?;
        let body = Checkpoint::parse(&parsed.text)
            .map_err(|e| QuorumError::NoLog { origin: "?".into(), reason: e.to_string() })?;
        let mut reason = "no log key of that name".to_owned();
        let signed =
            self.logs().chain(extra_log).filter(|l| l.name() == body.origin).any(|l| match l.verify(&parsed) {
                Ok(()) => true,
                Err(e) => {
                    reason = e.to_string();
                    false
                }
            });
        if !signed {
            return Err(QuorumError::NoLog { origin: body.origin, reason });
        }
        let witnessed: Vec<bool> = self
            .witnesses
            .iter()
            .map(|(name, v, _)| {
                v.verify(&parsed)
                    .map(|ts| ts.is_some())
                    .map_err(|source| QuorumError::BadCosignature { witness: name.clone(), source })
            })
            .collect::<Result<_, _>>()?;
        let cosigned: Vec<String> =
            self.witnesses.iter().zip(&witnessed).filter(|(_, w)| **w).map(|((n, _, _), _)| n.clone()).collect();
        if self.met(&self.quorum.1, &witnessed) {
            Ok(Witnessed { checkpoint: body, cosigned })
        } else {
            Err(QuorumError::NotMet { quorum: self.quorum.0.clone(), cosigned })
        }
    }

    /// Whether `name` witnessed, given which witnesses cosigned. Groups only name earlier entries, so
    /// the recursion ends.
    fn met(&self, name: &Name, witnessed: &[bool]) -> bool {
        match name {
            Name::None => true,
            Name::Witness(i) => witnessed.get(*i).copied().unwrap_or(false),
            Name::Group(g) => {
                self.groups.get(*g).is_some_and(|g| g.members.iter().filter(|m| self.met(m, witnessed)).count() >= g.k)
            }
        }
    }
}

fn define(names: &mut HashMap<String, Name>, name: &str, what: Name) -> Result<(), String> {
    if name == "none" {
        return Err("`none` is predefined".into());
    }
    if names.insert(name.to_owned(), what).is_some() {
        return Err(format!("`{name}` is defined twice"));
    }
    Ok(())
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests index fixed fixtures and fail loudly"
)]
mod tests {
    use ed25519_dalek::SigningKey;

    use super::*;
    use crate::merkle::checkpoint::NoteSigner;
    use crate::merkle::cosignature::Cosigner;

    const ORIGIN: &str = "arena.example/ledger";

    fn witnesses() -> Vec<Cosigner> {
        (1..=3u8).map(|i| Cosigner::new(&format!("w{i}.example"), SigningKey::from_bytes(&[i; 32])).unwrap()).collect()
    }

    fn policy(log: &NoteSigner, ws: &[Cosigner], rest: &str) -> TlogPolicy {
        let mut text = format!("# a comment\n\nlog {} https://arena.example/ledger/\n", log.verifier().to_vkey());
        for (i, w) in ws.iter().enumerate() {
            text.push_str(&format!("witness W{} {}\n", i + 1, w.verifier().to_vkey()));
        }
        text.push_str(rest);
        TlogPolicy::parse(text.as_bytes()).unwrap()
    }

    fn cosigned(log: &NoteSigner, ws: &[&Cosigner]) -> String {
        let mut note = Checkpoint::new(ORIGIN, 5, [7; 32]).sign(log).unwrap();
        for w in ws {
            note.signatures.push(w.cosign(&note.text, 1_700_000_000));
        }
        note.to_text()
    }

    #[test]
    fn two_of_three_is_two_of_three() {
        let log = NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[9; 32])).unwrap();
        let ws = witnesses();
        let p = policy(&log, &ws, "group two 2 W1 W2 W3\nquorum two\n");
        assert!(matches!(p.verify(&cosigned(&log, &[&ws[0]]), None), Err(QuorumError::NotMet { .. })));
        let ok = p.verify(&cosigned(&log, &[&ws[0], &ws[2]]), None).unwrap();
        assert_eq!(ok.cosigned, ["W1", "W3"]);
        // A cosignature line of a policy witness that does not verify makes the note malformed.
        let mut bad = SignedNote::parse(&cosigned(&log, &[&ws[0], &ws[1]])).unwrap();
        bad.signatures[1].signature[20] ^= 1;
        assert!(matches!(p.verify(&bad.to_text(), None), Err(QuorumError::BadCosignature { .. })));
        // Not signed by the log.
        let other = NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[10; 32])).unwrap();
        assert!(matches!(p.verify(&cosigned(&other, &[&ws[0], &ws[1]]), None), Err(QuorumError::NoLog { .. })));
        // Nested groups, all/any, and none.
        let nested = policy(&log, &ws, "group a any W1 W2\ngroup b all a W3\nquorum b\n");
        assert!(nested.verify(&cosigned(&log, &[&ws[1], &ws[2]]), None).is_ok());
        assert!(nested.verify(&cosigned(&log, &[&ws[0], &ws[1]]), None).is_err());
        assert!(policy(&log, &ws, "quorum none\n").verify(&cosigned(&log, &[]), None).is_ok());
        assert!(policy(&log, &ws, "quorum W2\n").verify(&cosigned(&log, &[&ws[1]]), None).is_ok());
    }

    #[test]
    fn malformed_policies_name_the_line() {
        let log = NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[9; 32])).unwrap();
        let ws = witnesses();
        let w1 = ws[0].verifier().to_vkey();
        let cases = [
            (format!("witness A {w1}\nquorum B\n"), 2),
            (format!("witness A {w1}\ngroup g 2 A\nquorum g\n"), 2),
            (format!("witness A {w1}\ngroup g 1 A A\nquorum g\n"), 2),
            (format!("witness A {w1}\nwitness B {w1}\nquorum A\n"), 2),
            (format!("witness none {w1}\nquorum none\n"), 1),
            (format!("witness A {w1}\ngroup g any none\nquorum g\n"), 2),
            (format!("log {}\nquorum none\nquorum none\n", log.verifier().to_vkey()), 3),
            (format!("log {w1}\nquorum none\n"), 1),
            (format!("witness A {}\nquorum A\n", log.verifier().to_vkey()), 1),
            ("frobnicate x\nquorum none\n".to_owned(), 1),
        ];
        for (text, line) in cases {
            match TlogPolicy::parse(text.as_bytes()) {
                Err(QuorumError::Syntax { line: l, .. }) => assert_eq!(l, line, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        assert!(matches!(TlogPolicy::parse(b"log x\n"), Err(QuorumError::Syntax { .. })));
        assert!(matches!(TlogPolicy::parse(b"# only a comment\n"), Err(QuorumError::File(_))));
        assert!(matches!(TlogPolicy::parse(b"quorum none\r\n"), Err(QuorumError::File(_))));
    }
}
