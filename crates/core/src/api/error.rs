//! The use cases' one error type: what went wrong and where, whether it is bad input or a failed
//! verification, and a remedy kept apart from the message.

use crate::facts::FactsError;
use crate::ledger::schema::SchemaError;
use crate::ledger::{Defect, VerifyError};
use crate::merkle::ProofError;
use crate::merkle::checkpoint::CheckpointError;
use crate::policy::PackError;
use crate::policy::admission::DigestMismatch;
use crate::policy::plan::PlanError;
use crate::stats::scores::ScoresError;

use super::pin::PinError;
use super::prove::ProveError;

/// Which input an error is about, so that an adapter can name the file it read it from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// The ledger.
    Ledger,
    /// The checkpoint.
    Checkpoint,
    /// The policy pack.
    Policy,
    /// The plan.
    Plan,
    /// The proof.
    Proof,
    /// Something else (an option value, an internal error).
    Other,
}

/// Whether an error is bad input (exit 2) or a failed verification (exit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The input cannot be used as given.
    Input,
    /// The input was read and does not verify: a defect, a forged checkpoint, a rewritten history.
    Verification,
}

/// Why a use case did not produce its result.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The ledger could not be read.
    #[error("read error: {0}")]
    Read(std::io::Error),
    /// The ledger has a defect.
    #[error("ledger does not verify: {0}")]
    Defect(Defect),
    /// The checkpoint could not pin the ledger.
    #[error(transparent)]
    Checkpoint(#[from] PinError),
    /// The policy pack cannot be used.
    #[error(transparent)]
    Pack(#[from] PackError),
    /// The pack is not the one the ledger adopted.
    #[error(transparent)]
    Mismatch(#[from] Box<DigestMismatch>),
    /// The plan cannot be used.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The ratings cannot be computed as asked.
    #[error(transparent)]
    Scores(#[from] ScoresError),
    /// A verified event does not read as facts (a bug between the schemas and the typed events).
    #[error(transparent)]
    Facts(#[from] FactsError),
    /// The embedded schemas are broken (a bug).
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// A result could not be serialised (a bug: every result type serialises).
    #[error("cannot serialise the result: {0}")]
    Serialise(String),
    /// The verifier key string cannot be used.
    #[error("verifier key: {0}")]
    VerifierKey(CheckpointError),
    /// A checkpoint or proof could not be made.
    #[error(transparent)]
    Prove(#[from] ProveError),
    /// The proof is not a proof file, or it does not verify.
    #[error("{}", match .0 { ProofError::NotAProof | ProofError::TooLarge => .0.to_string(), e => format!("invalid proof: {e}") })]
    Proof(ProofError),
}

impl From<VerifyError> for ApiError {
    fn from(e: VerifyError) -> Self {
        match e {
            VerifyError::Io(e) => Self::Read(e),
            VerifyError::Schema(e) => Self::Schema(e),
            VerifyError::Defect(d) => Self::Defect(d),
        }
    }
}

impl ApiError {
    /// Bad input or a failed verification.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Defect(_) => ErrorKind::Verification,
            Self::Checkpoint(e) if e.is_verification() => ErrorKind::Verification,
            Self::Proof(ProofError::NotAProof | ProofError::TooLarge) => ErrorKind::Input,
            Self::Proof(_) => ErrorKind::Verification,
            Self::Prove(e) if e.is_verification() => ErrorKind::Verification,
            _ => ErrorKind::Input,
        }
    }

    /// The input the error is about.
    pub fn subject(&self) -> Subject {
        match self {
            Self::Read(_) | Self::Defect(_) | Self::Facts(_) => Subject::Ledger,
            Self::Checkpoint(PinError::Malformed(_) | PinError::NotSigned { .. }) => Subject::Checkpoint,
            Self::Checkpoint(_) => Subject::Ledger,
            Self::Pack(_) | Self::Mismatch(_) => Subject::Policy,
            Self::Plan(_) => Subject::Plan,
            Self::Proof(_) => Subject::Proof,
            Self::Prove(ProveError::Checkpoint {
                error: PinError::Malformed(_) | PinError::NotSigned { .. }, ..
            }) => Subject::Checkpoint,
            Self::Prove(ProveError::Checkpoint { .. } | ProveError::BadLeaf { .. }) => Subject::Ledger,
            Self::Prove(_) => Subject::Other,
            Self::VerifierKey(_) | Self::Serialise(_) => Subject::Other,
            Self::Scores(_) | Self::Schema(_) => Subject::Other,
        }
    }

    /// The 1-based line of the ledger defect, if that is what this is.
    pub fn line(&self) -> Option<u64> {
        match self {
            Self::Defect(d) => Some(d.line),
            _ => None,
        }
    }

    /// The message with the input it is about named first, as every front end prints it: `ledger`
    /// and `checkpoint` are the names the caller read them under (a path, `<bytes>`). A checkpoint
    /// the ledger contradicts names the ledger, then the checkpoint in parentheses.
    pub fn located(&self, ledger: Option<&str>, checkpoint: Option<&str>) -> String {
        let name = match self.subject() {
            Subject::Ledger => ledger,
            Subject::Checkpoint => checkpoint,
            Subject::Plan | Subject::Policy | Subject::Proof | Subject::Other => None,
        };
        match (self, name) {
            (Self::Checkpoint(PinError::Truncated { .. } | PinError::Rewritten { .. }), Some(ledger)) => {
                format!("{ledger}: {self} ({})", checkpoint.unwrap_or_default())
            }
            (_, Some(file)) => format!("{file}: {self}"),
            (_, None) => self.to_string(),
        }
    }

    /// The RFC 6901 pointer into the ledger record the defect is at, when the defect is a schema
    /// violation.
    pub fn pointer(&self) -> Option<&str> {
        match self {
            Self::Defect(d) => d.pointer(),
            _ => None,
        }
    }

    /// What to do about it, in words that name no command-line flag.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::Defect(d) => d.hint(),
            Self::Mismatch(_) => {
                Some("use the adopted pack, or evaluate this one with the policy override (the report will say so)")
            }
            Self::Checkpoint(PinError::Rewritten { .. }) => {
                Some("the ledger is not the one the checkpoint signed: keep both as evidence of a split view")
            }
            Self::Prove(e) => e.hint(),
            _ => None,
        }
    }
}
