//! What the Python functions take: a ledger as a path, `bytes` or a binary file object, read as a
//! stream that reports progress and stops when asked; keys, packs, plans and checkpoints as a path
//! or as their text.

use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use ed25519_dalek::{SigningKey, VerifyingKey};
use fairboard::PolicyPack;
use fairboard::store::packs;
use fairboard_core::policy::plan::{self, Plan};
use fairboard_core::policy::shipped;
use fairboard_core::primitives::crypto;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};

use crate::failure::{Failure, input};

/// Bytes read between two progress reports (and two checks for a cancellation).
const REPORT_EVERY: u64 = 4 << 20;

/// The read buffer: large reads keep a Python file object's per-call cost negligible.
const BUFFER: usize = 1 << 20;

/// Where a ledger comes from.
#[derive(Debug)]
pub enum Ledger {
    /// A file.
    Path(PathBuf),
    /// Bytes already in memory.
    Bytes(Vec<u8>),
    /// A Python object with a `read(n)` method returning bytes.
    Stream(Py<PyAny>),
}

/// A ledger and the name errors call it by.
#[derive(Debug)]
pub struct Named {
    /// The source.
    pub ledger: Ledger,
    /// A path, `<bytes>`, or the file object's `name`.
    pub name: String,
}

fn path_of(obj: &Bound<'_, PyAny>) -> PyResult<Option<PathBuf>> {
    if obj.is_instance_of::<PyString>() || obj.hasattr("__fspath__")? {
        return Ok(Some(obj.extract::<PathBuf>()?));
    }
    Ok(None)
}

impl Named {
    /// Reads the argument `what` (a path, `bytes`/`bytearray` or a binary file object).
    pub fn extract(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Self> {
        if let Some(path) = path_of(obj)? {
            return Ok(Self { name: path.display().to_string(), ledger: Ledger::Path(path) });
        }
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Self { name: "<bytes>".into(), ledger: Ledger::Bytes(b.as_bytes().to_vec()) });
        }
        if let Ok(b) = obj.cast::<PyByteArray>() {
            return Ok(Self { name: "<bytes>".into(), ledger: Ledger::Bytes(b.to_vec()) });
        }
        if obj.hasattr("read")? {
            let name =
                obj.getattr("name").ok().and_then(|n| n.extract::<String>().ok()).unwrap_or_else(|| "<stream>".into());
            return Ok(Self { name, ledger: Ledger::Stream(obj.clone().unbind()) });
        }
        Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{what}: expected a path, bytes or a binary file object, got {}",
            obj.get_type().name()?
        )))
    }

    /// Opens the ledger as a buffered reader watched by `watch`.
    pub fn open(self, watch: &Watch) -> Result<Box<dyn BufRead + Send>, Box<Failure>> {
        let (inner, total): (Box<dyn Read + Send>, Option<u64>) = match self.ledger {
            Ledger::Path(path) => {
                let file = std::fs::File::open(&path).map_err(|e| input(format!("{}: {e}", path.display())))?;
                let total = file.metadata().ok().map(|m| m.len());
                (Box::new(file), total)
            }
            Ledger::Bytes(b) => {
                let total = Some(b.len() as u64);
                (Box::new(Cursor::new(b)), total)
            }
            Ledger::Stream(obj) => (Box::new(PyReader(obj)), None),
        };
        let watched = Watched { inner, read: 0, next: REPORT_EVERY, total, watch: watch.clone(), done: false };
        Ok(Box::new(BufReader::with_capacity(BUFFER, watched)))
    }
}

/// A Python binary file object read through its `read(n)`, the interpreter taken for each call.
struct PyReader(Py<PyAny>);

impl Read for PyReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        Python::attach(|py| {
            let chunk = self.0.bind(py).call_method1("read", (buf.len(),))?;
            let bytes = chunk.cast::<PyBytes>().map_err(|_| {
                pyo3::exceptions::PyTypeError::new_err("the ledger's file object returned text: open it in binary mode")
            })?;
            let bytes = bytes.as_bytes();
            let n = bytes.len().min(buf.len());
            buf[..n].copy_from_slice(&bytes[..n]);
            Ok::<usize, PyErr>(n)
        })
        .map_err(|e: PyErr| std::io::Error::other(e.to_string()))
    }
}

/// A long call's link to its caller: the progress callback, the flag that cancels the call (set on
/// Ctrl-C) and the exception that ended it (from the callback), if any.
#[derive(Debug, Clone, Default)]
pub struct Watch {
    progress: Option<Arc<Py<PyAny>>>,
    cancelled: Arc<AtomicBool>,
    failure: Arc<Mutex<Option<PyErr>>>,
}

impl Watch {
    /// A watch calling `progress(bytes_read, total_bytes_or_None)`.
    pub fn new(progress: Option<Py<PyAny>>) -> Self {
        Self { progress: progress.map(Arc::new), ..Self::default() }
    }

    /// Asks the call to stop at its next read.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }

    /// Whether the call was asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    /// The exception the progress callback raised, if it did.
    pub fn take_failure(&self) -> Option<PyErr> {
        self.failure.lock().ok().and_then(|mut f| f.take())
    }

    fn report(&self, read: u64, total: Option<u64>) -> std::io::Result<()> {
        let Some(cb) = &self.progress else { return Ok(()) };
        Python::attach(|py| cb.call1(py, (read, total)).map(drop)).map_err(|e| {
            if let Ok(mut f) = self.failure.lock() {
                f.get_or_insert(e);
            }
            self.cancel();
            std::io::Error::other("the progress callback raised an exception")
        })
    }
}

/// A reader that reports its progress and fails once the call is cancelled.
struct Watched {
    inner: Box<dyn Read + Send>,
    read: u64,
    next: u64,
    total: Option<u64>,
    watch: Watch,
    done: bool,
}

impl Read for Watched {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.watch.is_cancelled() {
            return Err(std::io::Error::other("cancelled"));
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if n == 0 && !self.done {
            self.done = true;
            self.watch.report(self.read, self.total)?;
        } else if self.read >= self.next {
            self.next = self.read + REPORT_EVERY;
            self.watch.report(self.read, self.total)?;
        }
        Ok(n)
    }
}

/// A text argument given as a path or as the text itself: a `str` that holds a line break or
/// starts with `marker` is the text, any other `str` or a path-like object a file to read.
/// Returns the text and the name errors use.
pub fn text_or_path(obj: &Bound<'_, PyAny>, what: &str, marker: &str) -> PyResult<(String, Option<PathBuf>)> {
    if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_cow()?;
        if s.contains('\n') || s.trim_start().starts_with(marker) {
            return Ok((s.into_owned(), None));
        }
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        let text =
            std::str::from_utf8(b.as_bytes()).map_err(|_| input(format!("{what}: not UTF-8")).into_err(obj.py()))?;
        return Ok((text.to_owned(), None));
    }
    let Some(path) = path_of(obj)? else {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{what}: expected a path or its text, got {}",
            obj.get_type().name()?
        )));
    };
    let bytes = std::fs::read(&path).map_err(|e| input(format!("{}: {e}", path.display())).into_err(obj.py()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| input(format!("{}: not UTF-8; expected {what}", path.display())).into_err(obj.py()))?;
    Ok((text, Some(path)))
}

fn name(path: &Option<PathBuf>, fallback: &str) -> String {
    path.as_ref().map_or_else(|| fallback.to_owned(), |p| p.display().to_string())
}

/// The operator's public key: SPKI PEM text, a C2SP verifier key string, or a file holding either.
pub fn trust(obj: &Bound<'_, PyAny>) -> PyResult<VerifyingKey> {
    // A one-line string naming no file is the key itself (a verifier key string, or a mistake the
    // key parser names), not a missing file.
    let inline = obj.cast::<PyString>().ok().map(|s| s.to_string()).filter(|s| !std::path::Path::new(s).exists());
    let (text, path) = match inline {
        Some(s) => (s, None),
        None => text_or_path(obj, "trust", "-----BEGIN")?,
    };
    let key = fairboard::api::operator_key(&text);
    key.map_err(|e| input(format!("{}: {e}", name(&path, "trust"))).into_err(obj.py()))
}

/// A vkey argument: the string itself, or a file holding it.
pub fn vkey(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_cow()?;
        if s.trim().contains('+') {
            return Ok(s.trim().to_owned());
        }
    }
    let (text, _) = text_or_path(obj, "vkey", "\u{0}")?;
    Ok(text.trim().to_owned())
}

/// The operator's private key: PKCS#8 PEM text or bytes, or a file holding it.
pub fn signing_key(obj: &Bound<'_, PyAny>) -> PyResult<SigningKey> {
    let (text, path) = text_or_path(obj, "key", "-----BEGIN")?;
    crypto::signing_key_from_pem(&text).map_err(|e| input(format!("{}: {e}", name(&path, "key"))).into_err(obj.py()))
}

/// A policy pack: `None` for the shipped one, a path (its `uses:` scripts read beside it), or YAML
/// text (its `uses:` may name the shipped `builtin/*.rhai` scripts).
pub fn pack(obj: Option<&Bound<'_, PyAny>>) -> PyResult<(PolicyPack, Option<String>)> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return shipped::pack().map(|p| (p, None)).map_err(|e| input(e.to_string()).into_err_gil());
    };
    let (text, path) = text_or_path(obj, "policy", "apiVersion")?;
    let py = obj.py();
    match path {
        Some(path) => {
            let pack = packs::load(&path).map_err(|e| Failure::pack(e).into_err(py))?;
            Ok((pack, Some(path.display().to_string())))
        }
        None => {
            let pack = fairboard::load_pack("<policy>", text.as_bytes(), &shipped::Builtin)
                .map_err(|e| Failure::pack(e).into_err(py))?;
            Ok((pack, Some("<policy>".into())))
        }
    }
}

/// A what-if plan: a path (`.jsonl` read as JSON Lines, anything else as YAML), YAML or JSON Lines
/// text, or a list of event dicts (each a step without a time).
pub fn plan(obj: &Bound<'_, PyAny>) -> PyResult<(Plan, String)> {
    let py = obj.py();
    if let Ok(list) = obj.cast::<pyo3::types::PyList>() {
        let json = py.import("json")?;
        let mut text = String::new();
        for item in list.iter() {
            text.push_str(&json.call_method1("dumps", (item,))?.extract::<String>()?);
            text.push('\n');
        }
        let plan = plan::parse("<plan>", &text, true).map_err(|e| Failure::plan(e).into_err(py))?;
        return Ok((plan, "<plan>".into()));
    }
    let (text, path) = text_or_path(obj, "plan", "steps:")?;
    let name = name(&path, "<plan>");
    let jsonl = match &path {
        Some(p) => p.extension().is_some_and(|e| e == "jsonl"),
        None => text.trim_start().starts_with('{'),
    };
    let plan = plan::parse(&name, &text, jsonl).map_err(|e| Failure::plan(e).into_err(py))?;
    Ok((plan, name))
}

/// A checkpoint (a signed note): its text, or a file holding it.
pub fn checkpoint(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<(String, String)>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else { return Ok(None) };
    let (text, path) = text_or_path(obj, "checkpoint", "\u{0}")?;
    Ok(Some((text, name(&path, "<checkpoint>"))))
}
