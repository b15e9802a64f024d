//! # nbrun — a headless Jupyter notebook runtime
//!
//! `nbrun` executes an `.ipynb` through the Jupyter kernel named in its
//! `metadata.kernelspec`, exactly as JupyterLab would: it finds the kernel spec in
//! the Jupyter data directories ([`kernelspec`]), launches it with a connection
//! file and the notebook's folder as working directory, and speaks the Jupyter
//! messaging protocol to it over ZeroMQ (runtimed's `jupyter-protocol` and
//! `jupyter-zmq-client`). Notebooks are read and written with the `nbformat` crate.
//!
//! For each code cell, in order, it sends `execute_request`, collects `stream`,
//! `execute_result`, `display_data` and `error` outputs until both `idle` and the
//! `execute_reply` have arrived, and judges the cell:
//!
//! * an `error` output or a reply status `error`/`aborted` (evcxr: compile errors)
//!   → [`Error::CellFailed`];
//! * `panicked at` on stderr (evcxr reports panics with status `ok`) → [`Error::CellFailed`];
//! * no answer within [`Options::timeout_per_cell`] → [`Error::CellTimeout`];
//! * the kernel process exits, or evcxr reports `Subprocess terminated`
//!   (e.g. `std::process::exit`) → [`Error::KernelDied`];
//! * no `kernel_info_reply` within [`Options::startup_timeout`] → [`Error::KernelStartupTimeout`].
//!
//! The kernel is shut down on every path: `shutdown_request`, then SIGTERM/SIGKILL to
//! its process group, and a drop guard as a backstop. The executed notebook is
//! written atomically (default `target/nbrun/<stem>.ipynb`, never over the source
//! unless [`Options::in_place`]); a malformed or non-v4 notebook writes nothing.
//!
//! Main items: [`run_notebook`], [`execute_notebook`], [`Options`], [`RunReport`],
//! [`CellReport`], [`Error`] and its [`exit codes`](error::exit_code).
//!
//! ```no_run
//! use std::time::Duration;
//!
//! let options = nbrun::Options {
//!     timeout_per_cell: Duration::from_secs(120),
//!     ..nbrun::Options::default()
//! };
//! // Err names the failing cell: "cell 3 (id abc123) failed: …".
//! let report = nbrun::run_notebook("notebooks/demo.ipynb".as_ref(), &options)?;
//! let cell = &report.cells[0];
//! assert!(cell.stdout().contains("hello"));
//! assert!(cell.mime_types().iter().any(|m| m == "text/html"));
//! # Ok::<(), nbrun::Error>(())
//! ```
#![deny(missing_docs)]

pub mod error;
mod execute;
mod kernel;
pub mod kernelspec;
pub mod notebook;
pub mod options;
pub mod outputs;
pub mod report;
mod run;

pub use error::{CellRef, Error, Result};
pub use options::Options;
pub use report::{CellReport, CellStatus, RunReport};
pub use run::{TAG_RAISES_EXCEPTION, TAG_SKIP_EXECUTION};

/// Re-export of the `nbformat` crate, whose `v4::Output` is what [`CellReport::outputs`] holds.
pub use nbformat;

use std::path::Path;
use std::time::Duration;

/// Run a notebook and return its report, or the first failure as an error.
///
/// This is [`execute_notebook`] followed by [`RunReport::into_result`]: the
/// executed notebook is still written when a cell fails, but the report is
/// dropped and the error (naming the cell, quoting its source) is returned.
/// Blocking; it runs its own tokio runtime, so do not call it from async code
/// (use [`execute_notebook_async`] there).
pub fn run_notebook(path: &Path, options: &Options) -> Result<RunReport> {
    execute_notebook(path, options)?.into_result()
}

/// Run a notebook and return its report even when a cell failed.
///
/// `Err` means nothing was executed: the notebook could not be read or is not
/// nbformat 4, the options are contradictory, or the kernel could not be found or
/// started. Once cells run, failures (cell error, panic, timeout, kernel death,
/// interruption) are recorded in [`RunReport::failure`] and per cell in
/// [`RunReport::cells`]. Blocking, like [`run_notebook`].
pub fn execute_notebook(path: &Path, options: &Options) -> Result<RunReport> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the async runtime: {e}")))?;
    let result = runtime.block_on(run::execute_notebook_async(path, options));
    // Reader tasks may still be parked on sockets; do not wait for them.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

/// Async version of [`execute_notebook`], for callers already inside a tokio
/// runtime (it needs the `time`, `net`, `process` and `signal` drivers).
pub async fn execute_notebook_async(path: &Path, options: &Options) -> Result<RunReport> {
    run::execute_notebook_async(path, options).await
}
