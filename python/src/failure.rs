//! Errors as the Python exceptions of `fairboard._errors`: the CLI's message, the location (file,
//! line, JSON pointer) as attributes, and the remedy apart as `hint`.

use fairboard::api::{ApiError, ErrorKind};
use fairboard::store::{AdmissionError, LedgerError};
use fairboard_core::ledger::ChainError;
use fairboard_core::ledger::input::InputError;
use fairboard_core::policy::PackError;
use fairboard_core::policy::plan::PlanError;
use fairboard_core::primitives::yaml::Location;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The exception class a failure is raised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// `fairboard.InputError`: the input cannot be used as given.
    Input,
    /// `fairboard.VerificationError`: the input was read and does not verify.
    Verification,
    /// `fairboard.Refused`: the policy refused an append.
    Refused,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Self::Input => "InputError",
            Self::Verification => "VerificationError",
            Self::Refused => "Refused",
        }
    }
}

/// A failure on its way to Python (built without the interpreter, so a worker thread can return it).
#[derive(Debug, Clone)]
pub struct Failure {
    /// The exception class.
    pub class: Class,
    /// The message, the input named first.
    pub message: String,
    /// The remedy.
    pub hint: Option<String>,
    /// The input it is about: a path, `<bytes>`, `<policy>`…
    pub file: Option<String>,
    /// The 1-based line in it.
    pub line: Option<u64>,
    /// The RFC 6901 pointer to the offending value.
    pub pointer: Option<String>,
    /// For a refusal: the findings that refused it, as JSON.
    pub findings: Option<String>,
}

/// Bad input, with only a message.
pub fn input(message: impl Into<String>) -> Failure {
    Failure {
        class: Class::Input,
        message: message.into(),
        hint: None,
        file: None,
        line: None,
        pointer: None,
        findings: None,
    }
}

type At = (Option<String>, Option<u64>, Option<String>);

fn location(at: &Location) -> At {
    (
        Some(at.file.clone()),
        (at.line > 0).then_some(at.line as u64),
        (!at.pointer.is_empty()).then(|| at.pointer.clone()),
    )
}

/// The file, line and pointer a pack error names.
fn pack_location(e: &PackError) -> At {
    match e {
        PackError::Yaml { at, .. } | PackError::Invalid { at, .. } => location(at),
        PackError::Script { script, line, .. } => (Some(script.clone()), Some(*line as u64), None),
        PackError::Io { file, .. } => (Some(file.clone()), None, None),
        _ => (None, None, None),
    }
}

impl Failure {
    /// A use case's error; `ledger`, `checkpoint` and `policy` are the names the inputs were read
    /// under.
    pub fn api(e: &ApiError, ledger: &str, checkpoint: Option<&str>, policy: Option<&str>) -> Self {
        use fairboard::Subject;
        let class = if e.kind() == ErrorKind::Verification { Class::Verification } else { Class::Input };
        let file = match e.subject() {
            Subject::Ledger => Some(ledger.to_owned()),
            Subject::Checkpoint => checkpoint.map(str::to_owned),
            Subject::Policy => policy.map(str::to_owned),
            _ => None,
        };
        let (at_file, at_line, at_pointer) = match e {
            ApiError::Pack(p) => pack_location(p),
            ApiError::Plan(PlanError::Syntax(p)) => pack_location(p),
            ApiError::Plan(PlanError::Invalid { at, .. }) => location(at),
            _ => (None, None, None),
        };
        Self {
            class,
            message: e.located(Some(ledger), checkpoint),
            hint: e.hint().map(str::to_owned),
            file: file.or(at_file),
            line: e.line().or(at_line),
            pointer: e.pointer().map(str::to_owned).or(at_pointer),
            findings: None,
        }
    }

    /// Events that cannot be appended as given.
    pub fn events(e: &InputError) -> Self {
        let (file, line, pointer) = match e {
            InputError::Io { file, .. } | InputError::TooLarge { file } | InputError::Empty { file } => {
                (Some(file.clone()), None, None)
            }
            InputError::LineTooLong { file, line }
            | InputError::NotUtf8 { file, line }
            | InputError::Syntax { file, line, .. } => (Some(file.clone()), Some(*line), None),
            InputError::Refused { file, line, pointer, .. } => (Some(file.clone()), Some(*line), Some(pointer.clone())),
            InputError::Invalid { file, line, violation } => {
                (Some(file.clone()), Some(*line), Some(violation.pointer.clone()))
            }
            _ => (None, None, None),
        };
        Self { file, line, pointer, ..input(e.to_string()) }
    }

    /// A ledger that does not verify, as `verify` words it: the file, then the defect.
    pub fn defect(d: &fairboard::Defect, ledger: &str) -> Self {
        Self {
            class: Class::Verification,
            hint: d.hint().map(str::to_owned),
            file: Some(ledger.to_owned()),
            line: Some(d.line),
            pointer: d.pointer().map(str::to_owned),
            ..input(format!("{ledger}: {d}"))
        }
    }

    /// A pack that cannot be used.
    pub fn pack(e: PackError) -> Self {
        let (file, line, pointer) = pack_location(&e);
        Self { file, line, pointer, ..input(e.to_string()) }
    }

    /// A plan that cannot be used.
    pub fn plan(e: PlanError) -> Self {
        let (file, line, pointer) = match &e {
            PlanError::Syntax(p) => pack_location(p),
            PlanError::Invalid { at, .. } => location(at),
            PlanError::Io { file, .. } => (Some(file.clone()), None, None),
            _ => (None, None, None),
        };
        Self { file, line, pointer, ..input(e.to_string()) }
    }

    /// A ledger file operation that failed.
    pub fn ledger(e: &LedgerError) -> Self {
        let class = if e.is_refusal() { Class::Verification } else { Class::Input };
        let mut f = Self { class, hint: e.hint().map(str::to_owned), ..input(e.to_string()) };
        match e {
            LedgerError::Io { path, .. } | LedgerError::Exists(path) => f.file = Some(path.display().to_string()),
            LedgerError::Invalid { path, source } => {
                f.file = Some(path.display().to_string());
                if let fairboard::VerifyError::Defect(d) = source {
                    f.line = Some(d.line);
                }
            }
            LedgerError::Chain { path, source } => {
                f.file = path.as_ref().map(|p| p.display().to_string());
                let (file, line, pointer) = chain_location(source);
                f.file = f.file.or(file);
                f.line = line;
                f.pointer = pointer;
                if !source.is_refusal() {
                    f.class = Class::Input;
                } else {
                    f.class = Class::Refused;
                }
            }
        }
        f
    }

    /// An append under `pack` to the ledger at `path` that did not happen.
    pub fn admission(e: AdmissionError, path: &std::path::Path, pack: &str) -> Self {
        match e {
            AdmissionError::Ledger(e) => Self::ledger(&e),
            AdmissionError::Denied(ref new) => {
                let findings = serde_json::to_string(&new.findings).ok();
                let message = fairboard::store::refusal(path, pack, new);
                Self { class: Class::Refused, findings, file: Some(path.display().to_string()), ..input(message) }
            }
            AdmissionError::Mismatch(_) => Self {
                hint: Some(
                    "use the adopted pack, or pass allow_override=True to evaluate this one anyway (the report will say so)"
                        .into(),
                ),
                ..input(e.to_string())
            },
            AdmissionError::UnknownRule { ref file, line, .. } => Self {
                file: Some(file.clone()),
                line: Some(line),
                pointer: Some("/rule".into()),
                ..input(e.to_string())
            },
            e => input(e.to_string()),
        }
    }

    /// The Python exception.
    pub fn into_err(self, py: Python<'_>) -> PyErr {
        match self.build(py) {
            Ok(e) => e,
            Err(e) => e,
        }
    }

    /// [`Self::into_err`], taking the interpreter.
    pub fn into_err_gil(self) -> PyErr {
        Python::attach(|py| self.into_err(py))
    }

    fn build(self, py: Python<'_>) -> PyResult<PyErr> {
        let class = py.import("fairboard._errors")?.getattr(self.class.name())?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("hint", self.hint)?;
        kwargs.set_item("file", self.file)?;
        kwargs.set_item("line", self.line)?;
        kwargs.set_item("pointer", self.pointer)?;
        if let Some(findings) = self.findings {
            kwargs.set_item("findings", py.import("json")?.call_method1("loads", (findings,))?)?;
        }
        let value = class.call((self.message,), Some(&kwargs))?;
        Ok(PyErr::from_value(value))
    }
}

/// The events file, line and pointer a chain error names.
fn chain_location(e: &ChainError) -> At {
    match e {
        ChainError::InvalidEvent { file, line, violation } => {
            (Some(file.clone()), Some(*line), Some(violation.pointer.clone()))
        }
        ChainError::Unauthorized { file, line, .. }
        | ChainError::ReOpen { file, line }
        | ChainError::RecordTooLong { file, line, .. } => (Some(file.clone()), Some(*line), None),
        _ => (None, None, None),
    }
}
