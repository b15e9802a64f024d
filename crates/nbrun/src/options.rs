//! Run options: timeouts first, then kernel choice, error policy and where things are written.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Default for [`Options::timeout_per_cell`]: a Rust kernel's first cell may compile dependencies.
pub const DEFAULT_TIMEOUT_PER_CELL: Duration = Duration::from_secs(300);
/// Default for [`Options::startup_timeout`]: a cold evcxr cache can take minutes.
pub const DEFAULT_STARTUP_TIMEOUT: Duration = Duration::from_secs(120);
/// Default for [`Options::late_output_quiet`].
pub const DEFAULT_LATE_OUTPUT_QUIET: Duration = Duration::from_millis(150);
/// Default for [`Options::shutdown_timeout`].
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);
/// Default for [`Options::progress_interval`].
pub const DEFAULT_PROGRESS_INTERVAL: Duration = Duration::from_secs(10);
/// Default output folder, relative to the current directory.
pub const DEFAULT_OUTPUT_DIR: &str = "target/nbrun";

/// How a notebook is run. Start from [`Options::default`] and set fields.
///
/// ```
/// use std::time::Duration;
/// let opts = nbrun::Options {
///     timeout_per_cell: Duration::from_secs(60),
///     progress: false,
///     ..nbrun::Options::default()
/// };
/// assert_eq!(opts.startup_timeout, nbrun::options::DEFAULT_STARTUP_TIMEOUT);
/// ```
#[derive(Debug, Clone)]
pub struct Options {
    /// Longest a single cell may run, from `execute_request` to both `idle` and
    /// `execute_reply`. On expiry the run stops with [`crate::Error::CellTimeout`].
    pub timeout_per_cell: Duration,
    /// Longest the kernel may take, from spawn, to answer `kernel_info_request`.
    pub startup_timeout: Duration,
    /// After a cell's `idle` and `execute_reply`, how long to keep listening for late
    /// output (evcxr may forward stderr — including panic reports — after `idle`).
    /// Each late message extends the wait by this much, up to one second in total.
    pub late_output_quiet: Duration,
    /// How long to wait for a polite `shutdown_request` before killing the kernel's process group.
    pub shutdown_timeout: Duration,

    /// Kernel spec name to use instead of the notebook's `metadata.kernelspec.name`.
    pub kernel: Option<String>,
    /// Extra Jupyter data directories searched for `kernels/<name>/kernel.json`
    /// before `$JUPYTER_PATH` and the standard locations (see [`crate::kernelspec`]).
    pub jupyter_path: Vec<PathBuf>,
    /// Keep going after a failing cell (compile error, panic, `error` output), like
    /// nbclient's `allow_errors`: failures are recorded in the outputs, report and summary,
    /// and the run counts as successful. Timeouts and kernel death always stop the run.
    /// Cells tagged `raises-exception` may always fail.
    pub allow_errors: bool,
    /// Count any stderr output of a cell as a failure. evcxr reports an `Err` reaching a
    /// cell's `?` only as stderr text, with reply status "ok", so this is the only way to
    /// catch it; off by default because warnings also go to stderr.
    pub fail_on_stderr: bool,

    /// Where to write the executed notebook. `None` means
    /// `target/nbrun/<notebook stem>.ipynb` under the current directory.
    pub output: Option<PathBuf>,
    /// Allow writing the executed notebook over the source (atomically). Without it an
    /// output path equal to the source is refused.
    pub in_place: bool,
    /// Write the executed notebook at all (library callers may only want the [`crate::RunReport`]).
    pub write_output: bool,
    /// Where to capture the kernel's stdout/stderr. `None` means next to the output
    /// notebook as `<stem>.kernel.log` (or under `target/nbrun/` when running in place).
    pub kernel_log: Option<PathBuf>,
    /// Also write a machine-readable JSON summary here.
    pub json_summary: Option<PathBuf>,
    /// Working directory for the kernel. `None` means the notebook's folder, as JupyterLab does.
    pub kernel_cwd: Option<PathBuf>,

    /// Print progress lines to stderr (cell started/finished, "still running … N s").
    pub progress: bool,
    /// How often a long-running cell reports that it is still running.
    pub progress_interval: Duration,
    /// Turn SIGINT/SIGTERM into a clean kernel shutdown and [`crate::Error::Interrupted`].
    /// The CLI sets this; library callers normally leave it off, because tokio's handler
    /// replaces the default signal disposition for the rest of the process.
    pub handle_signals: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout_per_cell: DEFAULT_TIMEOUT_PER_CELL,
            startup_timeout: DEFAULT_STARTUP_TIMEOUT,
            late_output_quiet: DEFAULT_LATE_OUTPUT_QUIET,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            kernel: None,
            jupyter_path: Vec::new(),
            allow_errors: false,
            fail_on_stderr: false,
            output: None,
            in_place: false,
            write_output: true,
            kernel_log: None,
            json_summary: None,
            kernel_cwd: None,
            progress: true,
            progress_interval: DEFAULT_PROGRESS_INTERVAL,
            handle_signals: false,
        }
    }
}

/// The notebook's file stem, used to name default outputs.
pub(crate) fn stem(notebook: &Path) -> String {
    notebook
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "notebook".to_string())
}

/// Resolved output locations for one run.
#[derive(Debug, Clone)]
pub(crate) struct Paths {
    /// Where the executed notebook goes (None when `write_output` is off).
    pub output: Option<PathBuf>,
    /// Where the kernel log goes.
    pub kernel_log: PathBuf,
}

/// Canonical form of a path that may not exist yet (its parent must resolve, or it is kept as is).
fn canonical_maybe_missing(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    match (parent.canonicalize(), path.file_name()) {
        (Ok(parent), Some(name)) => parent.join(name),
        _ => path.to_path_buf(),
    }
}

impl Options {
    /// Decide where the executed notebook and the kernel log go, refusing to
    /// overwrite the source unless `in_place` is set.
    pub(crate) fn resolve_paths(&self, notebook: &Path) -> crate::Result<Paths> {
        let source = canonical_maybe_missing(notebook);
        let default_dir = PathBuf::from(DEFAULT_OUTPUT_DIR);
        let stem = stem(notebook);

        let output = match (&self.output, self.in_place) {
            (Some(out), true) if canonical_maybe_missing(out) != source => {
                return Err(crate::Error::Usage(format!(
                    "--in-place writes over {}; it cannot be combined with --out {}",
                    notebook.display(),
                    out.display()
                )))
            }
            (_, true) => notebook.to_path_buf(),
            (Some(out), false) => out.clone(),
            (None, false) => default_dir.join(format!("{stem}.ipynb")),
        };
        if !self.in_place && canonical_maybe_missing(&output) == source {
            return Err(crate::Error::Usage(format!(
                "refusing to overwrite the source notebook {} with its executed version; \
                 choose another --out, or pass --in-place to do it deliberately",
                notebook.display()
            )));
        }

        let kernel_log = match &self.kernel_log {
            Some(log) => log.clone(),
            None if self.in_place || !self.write_output => {
                default_dir.join(format!("{stem}.kernel.log"))
            }
            None => {
                let out_stem = stem_of(&output);
                output
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default()
                    .join(format!("{out_stem}.kernel.log"))
            }
        };
        if canonical_maybe_missing(&kernel_log) == source {
            return Err(crate::Error::Usage(format!(
                "the kernel log path {} is the source notebook",
                kernel_log.display()
            )));
        }
        Ok(Paths {
            output: self.write_output.then_some(output),
            kernel_log,
        })
    }
}

fn stem_of(path: &Path) -> String {
    stem(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_output_is_under_target_nbrun() {
        let p = Options::default()
            .resolve_paths(Path::new("notebooks/03_jacobian.ipynb"))
            .unwrap();
        assert_eq!(
            p.output.unwrap(),
            PathBuf::from("target/nbrun/03_jacobian.ipynb")
        );
        assert_eq!(
            p.kernel_log,
            PathBuf::from("target/nbrun/03_jacobian.kernel.log")
        );
    }

    #[test]
    fn refuses_out_equal_to_source() {
        let dir = tempfile::tempdir().unwrap();
        let nb = dir.path().join("a.ipynb");
        std::fs::write(&nb, "{}").unwrap();
        let opts = Options {
            output: Some(dir.path().join(".").join("a.ipynb")),
            ..Options::default()
        };
        let err = opts.resolve_paths(&nb).unwrap_err();
        assert!(err.to_string().contains("refusing to overwrite"), "{err}");
        assert_eq!(err.exit_code(), crate::error::exit_code::USAGE);
    }

    #[test]
    fn in_place_targets_source_and_keeps_log_out_of_the_way() {
        let dir = tempfile::tempdir().unwrap();
        let nb = dir.path().join("a.ipynb");
        std::fs::write(&nb, "{}").unwrap();
        let opts = Options {
            in_place: true,
            ..Options::default()
        };
        let p = opts.resolve_paths(&nb).unwrap();
        assert_eq!(p.output.unwrap(), nb);
        assert_eq!(p.kernel_log, PathBuf::from("target/nbrun/a.kernel.log"));
    }

    #[test]
    fn explicit_out_puts_log_next_to_it() {
        let opts = Options {
            output: Some(PathBuf::from("/tmp/x/run.ipynb")),
            ..Options::default()
        };
        let p = opts.resolve_paths(Path::new("a.ipynb")).unwrap();
        assert_eq!(p.kernel_log, PathBuf::from("/tmp/x/run.kernel.log"));
    }
}
