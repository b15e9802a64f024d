//! One submission's run, in the grader's `__worker` mode (inside its own network namespace):
//! nbrun executes the graded notebook on the sandboxed kernel, and the outcome of every cell
//! goes to a JSON file for the grader.

use std::path::{Path, PathBuf};
use std::time::Duration;

use nbrun::CellStatus;
use serde::{Deserialize, Serialize};

use crate::Error;

/// What the grader asks a worker to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    /// The graded notebook (learner's cells and the grader's), in the grader's work folder.
    pub notebook: PathBuf,
    /// Where the executed notebook goes (for the instructor to look at).
    pub executed: PathBuf,
    /// Where the kernel's stdout/stderr go.
    pub kernel_log: PathBuf,
    /// Jupyter data folder holding `kernels/<kernel>/kernel.json` (the sandboxed kernel).
    pub jupyter_path: PathBuf,
    /// The kernel spec name there.
    pub kernel: String,
    /// The kernel's working folder (inside its private folder).
    pub kernel_cwd: PathBuf,
    /// Longest one cell may run.
    pub timeout_per_cell: Duration,
    /// Longest the kernel may take to answer kernel_info.
    pub startup_timeout: Duration,
    /// Where to write the [`Outcome`].
    pub outcome: PathBuf,
}

/// How one cell ended.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CellOutcome {
    /// The cell id.
    pub id: String,
    /// nbrun's status word (`ok`, `allowed_failure`, `timeout`, `kernel_died`, `skipped`, `not_run`, …).
    pub status: String,
    /// nbrun's message for failures (compile error, panic, why the kernel died), else empty.
    pub message: String,
    /// stdout text.
    pub stdout: String,
    /// stderr text.
    pub stderr: String,
    /// Seconds it ran.
    pub seconds: f64,
}

/// How the run ended.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Outcome {
    /// Per code cell, in order (empty if the kernel never started).
    pub cells: Vec<CellOutcome>,
    /// What stopped the run early, if anything (kernel start, timeout, kernel death).
    pub failure: Option<String>,
    /// Seconds to a kernel that answered.
    pub startup_seconds: f64,
    /// Seconds for the whole run.
    pub total_seconds: f64,
}

/// Runs `job` and writes its outcome. `Err` only when the outcome cannot be written.
pub fn run(job_path: &Path) -> Result<(), Error> {
    let text = std::fs::read_to_string(job_path).map_err(|e| Error::Io(format!("cannot read {}: {e}", job_path.display())))?;
    let job: Job = serde_json::from_str(&text).map_err(|e| Error::Io(format!("bad job file {}: {e}", job_path.display())))?;
    let options = nbrun::Options {
        timeout_per_cell: job.timeout_per_cell,
        startup_timeout: job.startup_timeout,
        kernel: Some(job.kernel.clone()),
        jupyter_path: vec![job.jupyter_path.clone()],
        allow_errors: true,
        output: Some(job.executed.clone()),
        kernel_log: Some(job.kernel_log.clone()),
        kernel_cwd: Some(job.kernel_cwd.clone()),
        progress: false,
        ..nbrun::Options::default()
    };
    let outcome = match nbrun::execute_notebook(&job.notebook, &options) {
        Ok(report) => Outcome {
            cells: report.cells.iter().map(cell_outcome).collect(),
            failure: report.failure.as_ref().map(|e| e.to_string()),
            startup_seconds: report.startup.as_secs_f64(),
            total_seconds: report.total.as_secs_f64(),
        },
        Err(e) => Outcome { failure: Some(e.to_string()), ..Outcome::default() },
    };
    let json = serde_json::to_string(&outcome).map_err(|e| Error::Io(e.to_string()))?;
    std::fs::write(&job.outcome, json).map_err(|e| Error::Io(format!("cannot write {}: {e}", job.outcome.display())))
}

fn cell_outcome(cell: &nbrun::CellReport) -> CellOutcome {
    let message = match &cell.status {
        CellStatus::Failed(m) | CellStatus::AllowedFailure(m) | CellStatus::KernelDied(m) => m.clone(),
        _ => String::new(),
    };
    CellOutcome {
        id: cell.cell.id.clone(),
        status: cell.status.as_str().to_string(),
        message,
        stdout: cell.stdout(),
        stderr: cell.stderr(),
        seconds: cell.duration.as_secs_f64(),
    }
}
