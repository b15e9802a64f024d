//! Running a whole notebook: read it, start its kernel, execute the code cells in
//! order, judge each one, write the executed notebook, and always shut the kernel down.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jupyter_protocol::ReplyStatus;
use nbformat::v4;

use crate::error::CellRef;
use crate::execute::{execute_cell, termination_signal, CellEnd, Progress};
use crate::kernel::Kernel;
use crate::outputs::{find_panic, OutputCollector};
use crate::report::{early_failure_json, CellReport, CellStatus, RunReport};
use crate::{kernelspec, notebook, Error, Options, Result};

/// Cell tag (as in nbclient) for a cell that is expected to fail.
pub const TAG_RAISES_EXCEPTION: &str = "raises-exception";
/// Cell tag (as in nbclient) for a cell that is not executed.
pub const TAG_SKIP_EXECUTION: &str = "skip-execution";

/// How often a kernel whose ports were taken before it bound them is launched in all.
const MAX_LAUNCHES: u32 = 3;

/// Shutdown grace for a kernel that is still running a cell.
const BUSY_SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

fn has_tag(metadata: &v4::CellMetadata, tag: &str) -> bool {
    metadata
        .tags
        .as_ref()
        .is_some_and(|tags| tags.iter().any(|t| t == tag))
}

fn write_json_summary(path: &Path, value: &serde_json::Value) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Usage(format!("cannot serialise the JSON summary: {e}")))?;
    notebook::write_atomic(path, format!("{text}\n").as_bytes())
}

/// Judge a finished cell: `Err(message)` if it failed, `Ok(())` if it did not.
/// `Ok(Some(message))`-style kernel death is reported separately by the caller.
fn judge(
    status: &ReplyStatus,
    collector: &OutputCollector,
    fail_on_stderr: bool,
) -> std::result::Result<(), String> {
    if let Some(message) = collector.error_message() {
        return Err(message);
    }
    if let Some(panic) = find_panic(&collector.stderr) {
        return Err(format!("panic\n{}", indent(&panic)));
    }
    let stderr = collector.stderr.trim();
    if fail_on_stderr && !stderr.is_empty() {
        return Err(format!("the cell wrote to stderr (--fail-on-stderr)\n{}", indent(stderr)));
    }
    match status {
        ReplyStatus::Ok => Ok(()),
        ReplyStatus::Error => {
            Err("the kernel replied with status \"error\" (no error output)".to_string())
        }
        ReplyStatus::Aborted => {
            Err("the kernel aborted the execution (status \"aborted\")".to_string())
        }
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Run `path` with `options`; see [`crate::execute_notebook`].
pub(crate) async fn execute_notebook_async(path: &Path, options: &Options) -> Result<RunReport> {
    let started = Instant::now();
    // Nothing is written before the notebook has been read and checked.
    let mut nb = notebook::read_notebook(path)?;
    let paths = options.resolve_paths(path)?;
    // A destination that cannot be written is found now, not after a run of minutes.
    for (what, target) in [
        ("the executed notebook", paths.output.as_ref()),
        ("the JSON summary", options.json_summary.as_ref()),
    ] {
        if let Some(target) = target {
            notebook::check_writable(target).map_err(|e| {
                Error::Usage(format!("{what} cannot be written, so nothing was run: {e}"))
            })?;
        }
    }
    let kernel_name = match options.kernel.as_deref().or(notebook::kernel_name(&nb)) {
        Some(name) => name.to_string(),
        None => {
            return Err(Error::NoKernelSpec {
                path: path.to_path_buf(),
            })
        }
    };
    let notebook_dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let cwd = options
        .kernel_cwd
        .clone()
        .unwrap_or_else(|| notebook_dir.clone());
    let cwd = cwd.canonicalize().unwrap_or(cwd);

    let early = |error: Error| -> Error {
        if let Some(summary) = &options.json_summary {
            let value = early_failure_json(
                path,
                Some(&kernel_name),
                Some(&paths.kernel_log),
                &error,
                started.elapsed(),
            );
            if let Err(e) = write_json_summary(summary, &value) {
                eprintln!("nbrun: warning: {e}");
            }
        }
        error
    };

    let spec = kernelspec::find(&kernel_name, &options.jupyter_path, Some(&notebook_dir))
        .map_err(early)?;
    if options.progress {
        eprintln!(
            "nbrun: starting kernel '{}' ({}) in {} — kernel log: {}",
            spec.name,
            spec.program(),
            cwd.display(),
            paths.kernel_log.display()
        );
    }
    let kernel_started = Instant::now();
    let mut launches = 0;
    let mut kernel = loop {
        launches += 1;
        let start = Kernel::start(&spec, &cwd, &paths.kernel_log, options.startup_timeout);
        let started = tokio::select! {
            k = start => k,
            _ = termination_signal(options.handle_signals) => {
                // Dropping the start future killed the kernel's process group.
                return Err(early(Error::Interrupted("starting the kernel".to_string())));
            }
        };
        match started {
            // The ports nbrun picked were taken by another process before the kernel bound
            // them (a busy machine): launch again on fresh ports, as jupyter_client does.
            Err(Error::KernelStartup { ref log, .. })
                if launches < MAX_LAUNCHES && crate::kernel::lost_its_ports(log) =>
            {
                if options.progress {
                    eprintln!("nbrun: the kernel's ports were taken by another process; starting it again");
                }
            }
            other => break other.map_err(early)?,
        }
    };
    let startup = kernel_started.elapsed();
    if options.progress {
        eprintln!("nbrun: kernel ready in {:.1} s", startup.as_secs_f64());
    }

    // From here on every path goes through `kernel.shutdown` below.
    let (cells, failure) = run_cells(&mut kernel, &mut nb, options).await;
    // A kernel still busy with a timed-out or interrupted cell cannot finish a polite
    // shutdown (evcxr waits for the running code), so do not wait long for it.
    let grace = match failure {
        Some(Error::CellTimeout { .. } | Error::Interrupted(_)) => {
            options.shutdown_timeout.min(BUSY_SHUTDOWN_GRACE)
        }
        _ => options.shutdown_timeout,
    };
    kernel.shutdown(grace).await;

    if let Some(info) = &kernel.info {
        if let Ok(value) = serde_json::to_value(&info.language_info) {
            if let Ok(language_info) = serde_json::from_value::<v4::LanguageInfo>(value) {
                nb.metadata.language_info = Some(language_info);
            }
        }
    }
    let log = kernel.log.clone();
    drop(kernel);

    let mut report = RunReport {
        notebook_path: path.to_path_buf(),
        output_path: None,
        kernel_name: spec.name.clone(),
        kernel_log: log,
        startup,
        total: Duration::ZERO,
        cells,
        notebook: nb,
        failure,
    };

    if let Some(out) = &paths.output {
        let written = notebook::notebook_json(&report.notebook)
            .and_then(|json| notebook::write_atomic(out, json.as_bytes()));
        match written {
            Ok(()) => report.output_path = Some(out.clone()),
            Err(e) if report.failure.is_none() => report.failure = Some(e),
            Err(e) => eprintln!("nbrun: warning: {e}"),
        }
    }
    report.total = started.elapsed();
    if let Some(summary) = &options.json_summary {
        if let Err(e) = write_json_summary(summary, &report.summary_json()) {
            if report.failure.is_none() {
                report.failure = Some(e);
            } else {
                eprintln!("nbrun: warning: {e}");
            }
        }
    }
    Ok(report)
}

/// Execute every code cell in order; stop at the first failure that is not allowed.
async fn run_cells(
    kernel: &mut Kernel,
    nb: &mut v4::Notebook,
    options: &Options,
) -> (Vec<CellReport>, Option<Error>) {
    let total_code = nb
        .cells
        .iter()
        .filter(|c| matches!(c, v4::Cell::Code { .. }))
        .count();
    let mut reports = Vec::with_capacity(total_code);
    let mut failure: Option<Error> = None;
    let mut code_index = 0;

    for (position, cell) in nb.cells.iter_mut().enumerate() {
        let v4::Cell::Code {
            id,
            metadata,
            execution_count,
            source,
            outputs,
        } = cell
        else {
            continue;
        };
        code_index += 1;
        let cell_ref = CellRef {
            index: position + 1,
            id: id.to_string(),
        };
        let code = source.concat();
        let mut report = CellReport {
            cell: cell_ref.clone(),
            code_index,
            source: code.clone(),
            status: CellStatus::NotRun,
            duration: Duration::ZERO,
            execution_count: None,
            outputs: Vec::new(),
        };

        if failure.is_some() {
            // Not reached: clear stale results so the file reflects this run.
            outputs.clear();
            *execution_count = None;
            reports.push(report);
            continue;
        }
        if code.trim().is_empty() || has_tag(metadata, TAG_SKIP_EXECUTION) {
            report.status = CellStatus::Skipped;
            report.outputs = outputs.clone();
            report.execution_count = *execution_count;
            reports.push(report);
            continue;
        }

        let label = format!("[{code_index}/{total_code}] {cell_ref}");
        let progress = Progress {
            enabled: options.progress,
            label: &label,
            interval: options.progress_interval,
        };
        let mut collector = OutputCollector::default();
        let started = Instant::now();
        let end = execute_cell(
            kernel,
            &code,
            options.timeout_per_cell,
            options.late_output_quiet,
            options.handle_signals,
            &progress,
            &mut collector,
        )
        .await;
        report.duration = started.elapsed();

        let log = kernel.log.clone();
        // The cell's status says what the report shows; the error's message what the run stops with.
        let kernel_died = |status: String, message: String| {
            let error = Error::KernelDied { cell: cell_ref.clone(), source: code.clone(), message, log: log.clone() };
            (CellStatus::KernelDied(status), Some(error))
        };
        let (status, error) = match end {
            CellEnd::Finished(reply) => {
                if let Some(message) = collector.stdout_desync() {
                    // Not an ordinary cell error: --allow-errors must not carry on and save
                    // every later cell's output under the wrong cell.
                    kernel_died(message.clone(), message)
                } else if let Some(message) = collector.subprocess_terminated() {
                    let detail = format!("evcxr's execution subprocess died ({message}); all variables are lost");
                    kernel_died(message, detail)
                } else {
                    match judge(&reply, &collector, options.fail_on_stderr) {
                        Ok(()) => (CellStatus::Ok, None),
                        Err(message)
                            if options.allow_errors || has_tag(metadata, TAG_RAISES_EXCEPTION) =>
                        {
                            (CellStatus::AllowedFailure(message), None)
                        }
                        Err(message) => (
                            CellStatus::Failed(message.clone()),
                            Some(Error::CellFailed {
                                cell: cell_ref.clone(),
                                source: code.clone(),
                                message,
                            }),
                        ),
                    }
                }
            }
            CellEnd::TimedOut => (
                CellStatus::TimedOut,
                Some(Error::CellTimeout {
                    cell: cell_ref.clone(),
                    source: code.clone(),
                    timeout: options.timeout_per_cell,
                    log,
                }),
            ),
            CellEnd::KernelExited(message) => kernel_died(message.clone(), message),
            CellEnd::Interrupted => (
                CellStatus::Interrupted,
                Some(Error::Interrupted(format!("running {cell_ref}"))),
            ),
        };

        if options.progress {
            eprintln!(
                "nbrun: {label} {} in {:.2} s",
                status.as_str(),
                report.duration.as_secs_f64()
            );
        }
        *outputs = collector.outputs.clone();
        *execution_count = collector.execution_count;
        report.outputs = collector.outputs;
        report.execution_count = collector.execution_count;
        report.status = status;
        reports.push(report);
        if error.is_some() {
            failure = error;
        }
    }
    (reports, failure)
}
