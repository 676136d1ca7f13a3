//! Long calls off the interpreter: the work runs on its own thread while the calling thread waits
//! with the GIL released, taking it back every few milliseconds to let Python handle signals. On
//! Ctrl-C the call returns `KeyboardInterrupt` at once and the work is told to stop at its next read.

use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::Duration;

use pyo3::prelude::*;

use crate::failure::Failure;
use crate::source::Watch;

/// How often the waiting thread looks for a signal.
const POLL: Duration = Duration::from_millis(20);

/// Runs `work` on a worker thread and waits for it, interruptibly. An exception the progress
/// callback raised wins over the work's own result (the work failed because of it).
pub fn interruptible<T, F>(py: Python<'_>, watch: &Watch, work: F) -> PyResult<T>
where
    T: Send + 'static,
    F: FnOnce(Watch) -> Result<T, Box<Failure>> + Send + 'static,
{
    let (tx, rx) = channel();
    let for_worker = watch.clone();
    std::thread::Builder::new()
        .name("fairboard".into())
        .spawn(move || {
            let _ = tx.send(work(for_worker));
        })
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(format!("cannot start a thread: {e}")))?;
    let waiting = watch.clone();
    let outcome = py.detach(move || {
        loop {
            match rx.recv_timeout(POLL) {
                Ok(result) => return Ok(result),
                Err(RecvTimeoutError::Timeout) => {
                    if let Err(e) = Python::attach(|py| py.check_signals()) {
                        waiting.cancel();
                        return Err(e);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(pyo3::exceptions::PyRuntimeError::new_err(
                        "fairboard's worker thread stopped unexpectedly",
                    ));
                }
            }
        }
    })?;
    if let Some(e) = watch.take_failure() {
        return Err(e);
    }
    outcome.map_err(|f| (*f).into_err(py))
}
