//! What a run produced: per-cell status, timing and outputs, the human summary table
//! and the machine-readable JSON summary.

use std::path::PathBuf;
use std::time::Duration;

use nbformat::v4::{self, Output};
use serde_json::json;

use crate::error::{exit_code, CellRef};
use crate::outputs::{output_mime_types, output_text};
use crate::Error;

/// How one cell ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellStatus {
    /// Ran without error.
    Ok,
    /// Failed (compile error, panic, `error` output, non-ok reply); the message says why.
    Failed(String),
    /// Failed, but the failure was allowed (`--allow-errors` or a `raises-exception` tag).
    AllowedFailure(String),
    /// Did not finish within the per-cell timeout.
    TimedOut,
    /// The kernel or evcxr's subprocess died while it ran.
    KernelDied(String),
    /// Stopped by SIGINT/SIGTERM while running.
    Interrupted,
    /// Not sent to the kernel: empty, or tagged `skip-execution`.
    Skipped,
    /// Not reached because an earlier cell stopped the run.
    NotRun,
}

impl CellStatus {
    /// Short machine-readable name: `ok`, `failed`, `allowed_failure`, `timeout`,
    /// `kernel_died`, `interrupted`, `skipped`, `not_run`.
    pub fn as_str(&self) -> &'static str {
        match self {
            CellStatus::Ok => "ok",
            CellStatus::Failed(_) => "failed",
            CellStatus::AllowedFailure(_) => "allowed_failure",
            CellStatus::TimedOut => "timeout",
            CellStatus::KernelDied(_) => "kernel_died",
            CellStatus::Interrupted => "interrupted",
            CellStatus::Skipped => "skipped",
            CellStatus::NotRun => "not_run",
        }
    }
}

/// The result of one code cell.
#[derive(Debug, Clone)]
pub struct CellReport {
    /// Which cell (1-based position among all cells, and its id).
    pub cell: CellRef,
    /// Position among code cells (1-based).
    pub code_index: usize,
    /// The cell's source.
    pub source: String,
    /// How it ended.
    pub status: CellStatus,
    /// Wall time from `execute_request` to the end (zero if not run).
    pub duration: Duration,
    /// The kernel's execution count (evcxr starts at 2).
    pub execution_count: Option<i32>,
    /// The nbformat outputs, exactly as written to the executed notebook.
    pub outputs: Vec<Output>,
}

impl CellReport {
    /// All stdout text.
    pub fn stdout(&self) -> String {
        self.stream("stdout")
    }

    /// All stderr text.
    pub fn stderr(&self) -> String {
        self.stream("stderr")
    }

    fn stream(&self, which: &str) -> String {
        self.outputs
            .iter()
            .filter_map(|o| match o {
                Output::Stream { name, text } if name == which => Some(text.0.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Plain text of every output, concatenated: stream text, `text/plain` of rich
    /// outputs, `ename: evalue` of errors.
    pub fn text(&self) -> String {
        self.outputs.iter().map(output_text).collect()
    }

    /// MIME types of all rich outputs (`execute_result`, `display_data`), in order.
    pub fn mime_types(&self) -> Vec<String> {
        self.outputs.iter().flat_map(output_mime_types).collect()
    }

    /// The data of the last rich output carrying `mime`, as text (JSON is serialised).
    pub fn data(&self, mime: &str) -> Option<String> {
        self.outputs.iter().rev().find_map(|o| match o {
            Output::ExecuteResult(r) => crate::outputs::media_text(&r.data, mime),
            Output::DisplayData(d) => crate::outputs::media_text(&d.data, mime),
            _ => None,
        })
    }
}

/// Everything a run produced. See [`crate::execute_notebook`].
#[derive(Debug)]
pub struct RunReport {
    /// The source notebook.
    pub notebook_path: PathBuf,
    /// Where the executed notebook was written (None if writing was off or failed).
    pub output_path: Option<PathBuf>,
    /// The kernel spec name used.
    pub kernel_name: String,
    /// The kernel's captured stdout/stderr.
    pub kernel_log: PathBuf,
    /// From spawn to the kernel answering kernel_info.
    pub startup: Duration,
    /// Whole run, including startup and shutdown.
    pub total: Duration,
    /// One entry per code cell, in notebook order.
    pub cells: Vec<CellReport>,
    /// The executed notebook (outputs and execution counts filled in).
    pub notebook: v4::Notebook,
    /// What stopped or failed the run, if anything. With `allow_errors`, allowed cell
    /// failures are not recorded here.
    pub failure: Option<Error>,
}

impl RunReport {
    /// True if every code cell succeeded (or its failure was allowed).
    pub fn succeeded(&self) -> bool {
        self.failure.is_none()
    }

    /// The process exit code for this run (see [`crate::error::exit_code`]).
    pub fn exit_code(&self) -> i32 {
        self.failure
            .as_ref()
            .map_or(exit_code::OK, Error::exit_code)
    }

    /// `Ok(self)` if the run succeeded, otherwise the failure.
    pub fn into_result(mut self) -> crate::Result<RunReport> {
        match self.failure.take() {
            None => Ok(self),
            Some(e) => Err(e),
        }
    }

    /// The report of the cell with this id.
    pub fn cell(&self, id: &str) -> Option<&CellReport> {
        self.cells.iter().find(|c| c.cell.id == id)
    }

    /// A per-cell table with timings, for people.
    pub fn summary_table(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "nbrun: {} on kernel '{}'\n",
            self.notebook_path.display(),
            self.kernel_name
        ));
        out.push_str(&format!(
            "  {:>4}  {:<16} {:<15} {:>9}  {:>7}  first line\n",
            "cell", "id", "status", "time", "outputs"
        ));
        for c in &self.cells {
            let first = c
                .source
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim();
            let first: String = if first.chars().count() > 48 {
                first.chars().take(47).chain(['…']).collect()
            } else {
                first.to_string()
            };
            let id: String = if c.cell.id.chars().count() > 16 {
                c.cell.id.chars().take(15).chain(['…']).collect()
            } else {
                c.cell.id.clone()
            };
            let time = match c.status {
                CellStatus::Skipped | CellStatus::NotRun => "-".to_string(),
                _ => format!("{:.2} s", c.duration.as_secs_f64()),
            };
            out.push_str(&format!(
                "  {:>4}  {:<16} {:<15} {:>9}  {:>7}  {}\n",
                c.cell.index,
                id,
                c.status.as_str(),
                time,
                c.outputs.len(),
                first
            ));
        }
        let ran = self
            .cells
            .iter()
            .filter(|c| !matches!(c.status, CellStatus::Skipped | CellStatus::NotRun))
            .count();
        out.push_str(&format!(
            "  {} code cells, {} run; kernel startup {:.2} s, total {:.2} s; {}\n",
            self.cells.len(),
            ran,
            self.startup.as_secs_f64(),
            self.total.as_secs_f64(),
            match &self.failure {
                None => "OK".to_string(),
                Some(e) => format!("FAILED ({}, exit code {})", e.kind(), e.exit_code()),
            }
        ));
        if let Some(out_path) = &self.output_path {
            out.push_str(&format!("  executed notebook: {}\n", out_path.display()));
        }
        out.push_str(&format!("  kernel log: {}\n", self.kernel_log.display()));
        out
    }

    /// The machine-readable summary written by `--json-summary`.
    pub fn summary_json(&self) -> serde_json::Value {
        let cells: Vec<_> = self
            .cells
            .iter()
            .map(|c| {
                let message = match &c.status {
                    CellStatus::Failed(m)
                    | CellStatus::AllowedFailure(m)
                    | CellStatus::KernelDied(m) => Some(m.clone()),
                    _ => None,
                };
                json!({
                    "index": c.cell.index,
                    "code_index": c.code_index,
                    "id": c.cell.id,
                    "status": c.status.as_str(),
                    "duration_s": c.duration.as_secs_f64(),
                    "execution_count": c.execution_count,
                    "outputs": c.outputs.len(),
                    "output_types": c.outputs.iter().map(output_type).collect::<Vec<_>>(),
                    "mime_types": c.mime_types(),
                    "message": message,
                })
            })
            .collect();
        json!({
            "notebook": self.notebook_path,
            "output": self.output_path,
            "kernel": self.kernel_name,
            "kernel_log": self.kernel_log,
            "status": self.failure.as_ref().map_or("ok", Error::kind),
            "exit_code": self.exit_code(),
            "error": self.failure.as_ref().map(|e| e.to_string()),
            "failed_cell": self.failure.as_ref().and_then(Error::cell).map(|c| json!({"index": c.index, "id": c.id})),
            "startup_s": self.startup.as_secs_f64(),
            "total_s": self.total.as_secs_f64(),
            "cells": cells,
        })
    }
}

/// nbformat `output_type` of an output.
pub fn output_type(output: &Output) -> &'static str {
    match output {
        Output::Stream { .. } => "stream",
        Output::DisplayData(_) => "display_data",
        Output::ExecuteResult(_) => "execute_result",
        Output::Error(_) => "error",
    }
}

/// The JSON summary for a run that failed before any cell could run.
pub(crate) fn early_failure_json(
    notebook: &std::path::Path,
    kernel: Option<&str>,
    kernel_log: Option<&std::path::Path>,
    error: &Error,
    total: Duration,
) -> serde_json::Value {
    json!({
        "notebook": notebook,
        "output": null,
        "kernel": kernel,
        "kernel_log": kernel_log,
        "status": error.kind(),
        "exit_code": error.exit_code(),
        "error": error.to_string(),
        "failed_cell": null,
        "startup_s": null,
        "total_s": total.as_secs_f64(),
        "cells": [],
    })
}
