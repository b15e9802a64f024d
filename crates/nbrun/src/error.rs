//! The runner's error type, its exit codes, and the `cell N (id …)` naming used in messages.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Process exit codes used by the `nbrun` binary (see [`Error::exit_code`]).
pub mod exit_code {
    /// Every code cell ran without error.
    pub const OK: i32 = 0;
    /// A cell failed: compile error, panic, an `error` output, or an
    /// `execute_reply` with status `error`/`aborted`.
    pub const CELL_FAILED: i32 = 1;
    /// Bad usage, a malformed or non-v4 notebook, or a file could not be read/written.
    pub const USAGE: i32 = 2;
    /// A cell ran longer than `--timeout-per-cell`.
    pub const CELL_TIMEOUT: i32 = 3;
    /// The kernel (or evcxr's execution subprocess) died while running a cell.
    pub const KERNEL_DIED: i32 = 4;
    /// The kernel could not be found, could not be started, or never answered.
    pub const KERNEL_STARTUP: i32 = 5;
    /// The run was interrupted by SIGINT/SIGTERM (128 + SIGINT).
    pub const INTERRUPTED: i32 = 130;
}

/// A code cell, named the way every message names it: `cell 3 (id abc123)`.
///
/// `index` is the 1-based position of the cell in the notebook's `cells` array
/// (markdown and raw cells count), so it can be found by counting in JupyterLab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellRef {
    /// 1-based position in the notebook, counting every cell.
    pub index: usize,
    /// The nbformat 4.5 cell id.
    pub id: String,
}

impl fmt::Display for CellRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cell {} (id {})", self.index, self.id)
    }
}

/// How many source lines an error message quotes.
const SOURCE_LINES_SHOWN: usize = 6;

/// The first few lines of a cell's source, indented, for error messages.
pub(crate) fn source_excerpt(source: &str) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = String::new();
    for line in lines.iter().take(SOURCE_LINES_SHOWN) {
        out.push_str("    | ");
        out.push_str(line);
        out.push('\n');
    }
    if lines.len() > SOURCE_LINES_SHOWN {
        out.push_str(&format!(
            "    | … ({} more lines)\n",
            lines.len() - SOURCE_LINES_SHOWN
        ));
    }
    out
}

/// Everything that can go wrong while running a notebook.
///
/// Each variant maps to one process exit code ([`Error::exit_code`]). Cell-level
/// variants name the cell and carry its full source; kernel-level variants carry
/// the path of the kernel's log file. `Display` gives the complete, user-facing
/// message (it is what the CLI prints).
#[derive(Debug)]
pub enum Error {
    /// Invalid combination of options or arguments.
    Usage(String),

    /// A file could not be read or written.
    Io {
        /// What was being done ("read notebook", "write output notebook", …).
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// The file is not valid JSON or not a valid nbformat 4 notebook.
    InvalidNotebook {
        /// The notebook.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// The notebook is valid JSON but not nbformat 4.
    UnsupportedNotebookVersion {
        /// The notebook.
        path: PathBuf,
        /// `nbformat` found in the file.
        major: i64,
        /// `nbformat_minor` found in the file.
        minor: i64,
    },

    /// The notebook names no kernel and none was given with `--kernel`.
    NoKernelSpec {
        /// The notebook.
        path: PathBuf,
    },

    /// No kernel spec directory with this name exists in any searched location.
    KernelNotFound {
        /// The kernel spec name looked for.
        name: String,
        /// Data directories searched (each + `/kernels`).
        searched: Vec<PathBuf>,
        /// Kernel spec names that do exist.
        available: Vec<String>,
    },

    /// The kernel spec exists but is unusable (bad JSON, empty argv).
    BadKernelSpec {
        /// The `kernel.json` file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// The kernel process could not be started, died, or could not be connected to during startup.
    KernelStartup {
        /// Kernel spec name.
        name: String,
        /// What happened.
        reason: String,
        /// The kernel's captured stdout/stderr.
        log: PathBuf,
    },

    /// The kernel did not answer `kernel_info_request` within the startup timeout.
    KernelStartupTimeout {
        /// Kernel spec name.
        name: String,
        /// The startup timeout that expired.
        waited: Duration,
        /// The kernel's captured stdout/stderr.
        log: PathBuf,
    },

    /// A cell failed: compile error, panic, `error` output, or a non-ok `execute_reply`.
    CellFailed {
        /// The failing cell.
        cell: CellRef,
        /// The cell's full source.
        source: String,
        /// The kernel's error (ANSI colours removed).
        message: String,
    },

    /// A cell did not finish within the per-cell timeout.
    CellTimeout {
        /// The cell that was running.
        cell: CellRef,
        /// The cell's full source.
        source: String,
        /// The timeout that expired.
        timeout: Duration,
        /// The kernel's captured stdout/stderr.
        log: PathBuf,
    },

    /// The kernel process exited, or evcxr's execution subprocess died, while a cell ran.
    KernelDied {
        /// The cell that was running.
        cell: CellRef,
        /// The cell's full source.
        source: String,
        /// What was observed (exit status, "Subprocess terminated …").
        message: String,
        /// The kernel's captured stdout/stderr.
        log: PathBuf,
    },

    /// The run was interrupted by a signal; the kernel was shut down.
    Interrupted(String),
}

// Display and `std::error::Error` are written out rather than derived with thiserror (which the
// other crates use): thiserror takes any field named `source` as the error's cause and requires
// it to implement `std::error::Error`, and here `source` is the failing cell's code (a `String`,
// part of the public variants `CellFailed`, `CellTimeout` and `KernelDied`). Deriving would mean
// renaming that public field.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(msg) => write!(f, "{msg}"),
            Error::Io {
                action,
                path,
                source,
            } => write!(f, "cannot {action} {}: {source}", path.display()),
            Error::InvalidNotebook { path, reason } => write!(
                f,
                "{} is not a valid Jupyter notebook: {reason}\nno output was written",
                path.display()
            ),
            Error::UnsupportedNotebookVersion { path, major, minor } => write!(
                f,
                "{p} is nbformat {major}.{minor}; nbrun runs only nbformat 4 notebooks\n\
                 convert it first, e.g. `jupyter nbconvert --to notebook --nbformat 4 {p}`\n\
                 no output was written",
                p = path.display()
            ),
            Error::NoKernelSpec { path } => write!(
                f,
                "{} has no metadata.kernelspec.name; pass --kernel NAME (e.g. --kernel rust)",
                path.display()
            ),
            Error::KernelNotFound {
                name,
                searched,
                available,
            } => {
                writeln!(
                    f,
                    "kernel '{name}' is not installed: no kernels/{name}/kernel.json under any of:"
                )?;
                for dir in searched {
                    writeln!(f, "  {}", dir.display())?;
                }
                let found = if available.is_empty() {
                    "(none)".to_string()
                } else {
                    available.join(", ")
                };
                writeln!(f, "kernel specs found: {found}")?;
                write!(
                    f,
                    "install it (for evcxr: `cargo install --locked evcxr_jupyter && evcxr_jupyter --install`), \
                     pass --kernel NAME, or point JUPYTER_PATH at a directory containing kernels/{name}/kernel.json"
                )
            }
            Error::BadKernelSpec { path, reason } => {
                write!(f, "kernel spec {}: {reason}", path.display())
            }
            Error::KernelStartup { name, reason, log } => write!(
                f,
                "kernel '{name}' failed to start: {reason}\nkernel log: {}{}",
                log.display(),
                log_tail(log)
            ),
            Error::KernelStartupTimeout { name, waited, log } => write!(
                f,
                "kernel '{name}' did not answer kernel_info within {} s (--startup-timeout); \
                 the kernel was shut down\n\
                 a Rust kernel with a cold evcxr cache can take minutes on its first start: \
                 run the repo's setup/warm-up step once, or raise --startup-timeout\n\
                 kernel log: {}{}",
                waited.as_secs_f64(),
                log.display(),
                log_tail(log)
            ),
            Error::CellFailed {
                cell,
                source,
                message,
            } => write!(
                f,
                "{cell} failed: {message}\n  source:\n{}",
                source_excerpt(source)
            ),
            Error::CellTimeout {
                cell,
                source,
                timeout,
                log,
            } => write!(
                f,
                "{cell} timed out after {} s (--timeout-per-cell); the kernel was shut down\n  source:\n{}kernel log: {}",
                timeout.as_secs_f64(),
                source_excerpt(source),
                log.display()
            ),
            Error::KernelDied {
                cell,
                source,
                message,
                log,
            } => write!(
                f,
                "kernel died while running {cell}: {message}\n  source:\n{}kernel log: {}{}",
                source_excerpt(source),
                log.display(),
                log_tail(log)
            ),
            Error::Interrupted(what) => write!(
                f,
                "interrupted while {what}; the kernel was shut down"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl Error {
    /// The process exit code for this error (see [`exit_code`]).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_)
            | Error::Io { .. }
            | Error::InvalidNotebook { .. }
            | Error::UnsupportedNotebookVersion { .. }
            | Error::NoKernelSpec { .. } => exit_code::USAGE,
            Error::KernelNotFound { .. }
            | Error::BadKernelSpec { .. }
            | Error::KernelStartup { .. }
            | Error::KernelStartupTimeout { .. } => exit_code::KERNEL_STARTUP,
            Error::CellFailed { .. } => exit_code::CELL_FAILED,
            Error::CellTimeout { .. } => exit_code::CELL_TIMEOUT,
            Error::KernelDied { .. } => exit_code::KERNEL_DIED,
            Error::Interrupted(_) => exit_code::INTERRUPTED,
        }
    }

    /// The cell this error concerns, if it is a cell-level error.
    pub fn cell(&self) -> Option<&CellRef> {
        match self {
            Error::CellFailed { cell, .. }
            | Error::CellTimeout { cell, .. }
            | Error::KernelDied { cell, .. } => Some(cell),
            _ => None,
        }
    }

    /// A short machine-readable name for the error kind (used in the JSON summary).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Usage(_) => "usage",
            Error::Io { .. } => "io",
            Error::InvalidNotebook { .. } => "invalid_notebook",
            Error::UnsupportedNotebookVersion { .. } => "unsupported_notebook_version",
            Error::NoKernelSpec { .. } => "no_kernelspec",
            Error::KernelNotFound { .. } => "kernel_not_found",
            Error::BadKernelSpec { .. } => "bad_kernelspec",
            Error::KernelStartup { .. } => "kernel_startup",
            Error::KernelStartupTimeout { .. } => "kernel_startup_timeout",
            Error::CellFailed { .. } => "cell_failed",
            Error::CellTimeout { .. } => "cell_timeout",
            Error::KernelDied { .. } => "kernel_died",
            Error::Interrupted(_) => "interrupted",
        }
    }

    pub(crate) fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// How many lines of the kernel log a kernel-level error quotes.
const LOG_LINES_SHOWN: usize = 15;

/// The last lines of the kernel log, formatted for an error message ("" if empty/unreadable).
fn log_tail(path: &Path) -> String {
    let Ok(bytes) = std::fs::read(path) else {
        return String::new();
    };
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return String::new();
    }
    let start = lines.len().saturating_sub(LOG_LINES_SHOWN);
    let mut out = String::from("\nlast lines of the kernel log:\n");
    for line in &lines[start..] {
        out.push_str("    ");
        out.push_str(&crate::outputs::strip_ansi(line));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_ref_display() {
        let c = CellRef {
            index: 3,
            id: "abc123".into(),
        };
        assert_eq!(c.to_string(), "cell 3 (id abc123)");
    }

    #[test]
    fn cell_failed_message_names_cell_and_quotes_source() {
        let e = Error::CellFailed {
            cell: CellRef {
                index: 2,
                id: "x".into(),
            },
            source: "let a = 1;\nundefined_fn(a)".into(),
            message: "cannot find function `undefined_fn`".into(),
        };
        let s = e.to_string();
        assert!(s.starts_with("cell 2 (id x) failed: cannot find function"));
        assert!(s.contains("    | undefined_fn(a)"));
        assert_eq!(e.exit_code(), exit_code::CELL_FAILED);
    }

    #[test]
    fn excerpt_truncates_long_sources() {
        let src = (0..10)
            .map(|i| format!("line{i}"))
            .collect::<Vec<_>>()
            .join("\n");
        let ex = source_excerpt(&src);
        assert!(ex.contains("line5"));
        assert!(!ex.contains("line6"));
        assert!(ex.contains("4 more lines"));
    }
}
