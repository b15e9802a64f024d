//! End-to-end tests of the `nbrun` binary on small purpose-built notebooks
//! (`tests/fixtures/`), against the real evcxr_jupyter kernel.
//!
//! The tests create their own kernel spec (`kernels/nbrun-rust/kernel.json` in a
//! temp dir, passed through `JUPYTER_PATH`) pointing at the installed
//! `evcxr_jupyter`, with an empty `EVCXR_CONFIG_DIR` so a user's heavy
//! `init.evcxr` cannot slow them down. It is not called `rust`: on startup
//! evcxr_jupyter rewrites `$JUPYTER_PATH/kernels/rust` (dropping our `env`) when
//! that folder lacks its `version.txt`. The fixtures name the stock `rust` kernel,
//! so the tests pass `--kernel nbrun-rust`.
//! If `evcxr_jupyter` is missing they FAIL, saying how to install it.
//! Tests that start a kernel run one at a time (the machine has few cores).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::{evcxr_data_dir, write_spec, KERNEL};

const NBRUN: &str = env!("CARGO_BIN_EXE_nbrun");
/// If nbrun itself takes longer than this, it hung.
const WATCHDOG: Duration = Duration::from_secs(240);

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Kernel tests run one at a time; a failed (panicked) test must not poison the rest.
fn kernel_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Run {
    fn assert_code(&self, code: i32) {
        assert_eq!(
            self.code, code,
            "expected exit code {code}, got {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
    }
    fn assert_stderr(&self, needle: &str) {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n--- stderr\n{}",
            self.stderr
        );
    }
}

/// Run `nbrun` in `cwd` with `JUPYTER_PATH=data_dir`, killing it if it hangs.
fn nbrun(cwd: &Path, data_dir: &Path, args: &[&str]) -> Run {
    let start = Instant::now();
    let mut child = Command::new(NBRUN)
        .args(args)
        .current_dir(cwd)
        .env("JUPYTER_PATH", data_dir)
        .env("JUPYTER_DATA_DIR", data_dir.join("no-user-data"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn nbrun");
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > WATCHDOG {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "nbrun {args:?} hung for more than {WATCHDOG:?}\n--- stderr\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        elapsed: start.elapsed(),
    };
    eprintln!(
        "nbrun {:?}: exit {} in {:.1} s",
        args,
        run.code,
        run.elapsed.as_secs_f64()
    );
    run
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn cell<'a>(summary: &'a Value, id: &str) -> &'a Value {
    summary["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no cell {id} in summary {summary:#}"))
}

fn notebook_cell<'a>(nb: &'a Value, id: &str) -> &'a Value {
    nb["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no cell {id} in notebook"))
}

fn joined(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => String::new(),
    }
}

/// Run a fixture with outputs and summary in a temp dir; returns (run, summary, out dir).
fn run_fixture(name: &str, extra: &[&str]) -> (Run, Value, tempfile::TempDir) {
    let _guard = kernel_lock();
    let out = tempfile::tempdir().unwrap();
    let nb = fixture(name);
    let out_nb = out.path().join("executed.ipynb");
    let summary = out.path().join("summary.json");
    let mut args = vec![
        "run",
        nb.to_str().unwrap(),
        "--out",
        out_nb.to_str().unwrap(),
        "--json-summary",
        summary.to_str().unwrap(),
        "--timeout-per-cell",
        "120",
        "--kernel",
        KERNEL,
    ];
    args.extend_from_slice(extra);
    let run = nbrun(out.path(), evcxr_data_dir(), &args);
    let summary = read_json(&summary);
    (run, summary, out)
}

/// Validate with Python's nbformat if a Python that has it can be found:
/// `$NBRUN_PYTHON`, the repo's `.venv`, or `python3`.
fn validate_with_python_nbformat(path: &Path) {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    let mut pythons = vec![venv.to_string_lossy().into_owned(), "python3".to_string()];
    if let Ok(p) = std::env::var("NBRUN_PYTHON") {
        pythons.insert(0, p);
    }
    for python in &pythons {
        let has = Command::new(python)
            .args(["-c", "import nbformat"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !has {
            continue;
        }
        let out = Command::new(python)
            .args([
                "-c",
                "import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4)); print('valid')",
                path.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "Python nbformat rejects {}:\n{}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    eprintln!("note: no Python with nbformat found; skipped the nbformat.validate cross-check");
}

#[test]
fn ok_notebook_runs_and_collects_every_output_kind() {
    let (run, summary, out) = run_fixture("ok.ipynb", &[]);
    run.assert_code(0);
    assert_eq!(summary["status"], "ok");
    assert_eq!(summary["exit_code"], 0);
    for id in ["hello", "define-x", "use-x", "rich-html", "unicode"] {
        assert_eq!(cell(&summary, id)["status"], "ok", "{id}: {summary:#}");
    }
    assert_eq!(cell(&summary, "empty")["status"], "skipped");
    // Per-cell summary with timings on stdout.
    assert!(run.stdout.contains("use-x"), "{}", run.stdout);
    assert!(run.stdout.contains(" s "), "{}", run.stdout);

    let nb = read_json(&out.path().join("executed.ipynb"));
    assert_eq!(nb["nbformat"], 4);
    assert_eq!(nb["nbformat_minor"], 5);
    assert_eq!(nb["metadata"]["kernelspec"]["name"], "rust");

    let hello = notebook_cell(&nb, "hello");
    let outputs = hello["outputs"].as_array().unwrap();
    let stdout: String = outputs
        .iter()
        .filter(|o| o["output_type"] == "stream" && o["name"] == "stdout")
        .map(|o| joined(&o["text"]))
        .collect();
    let stderr: String = outputs
        .iter()
        .filter(|o| o["output_type"] == "stream" && o["name"] == "stderr")
        .map(|o| joined(&o["text"]))
        .collect();
    assert_eq!(stdout, "hello from nbrun\n");
    assert_eq!(stderr, "a harmless line on stderr\n");
    assert!(hello["execution_count"].as_i64().is_some());

    let use_x = notebook_cell(&nb, "use-x");
    let result = &use_x["outputs"][0];
    assert_eq!(result["output_type"], "execute_result");
    assert_eq!(joined(&result["data"]["text/plain"]), "42");
    assert_eq!(result["execution_count"], use_x["execution_count"]);

    let rich = notebook_cell(&nb, "rich-html")["outputs"][0].clone();
    assert_eq!(rich["output_type"], "execute_result");
    assert_eq!(
        joined(&rich["data"]["text/html"]).trim_end(),
        "<b>bold</b> ünïcödé"
    );
    let unicode = &notebook_cell(&nb, "unicode")["outputs"][0];
    assert_eq!(joined(&unicode["text"]), "π ≈ 3.142\n");
    assert_eq!(cell(&summary, "rich-html")["mime_types"][0], "text/html");

    validate_with_python_nbformat(&out.path().join("executed.ipynb"));
    // The source is untouched.
    let source = read_json(&fixture("ok.ipynb"));
    assert_eq!(
        notebook_cell(&source, "hello")["outputs"],
        serde_json::json!([])
    );
}

#[test]
fn compile_error_fails_naming_the_cell() {
    let (run, summary, out) = run_fixture("compile_error.ipynb", &[]);
    run.assert_code(1);
    run.assert_stderr("cell 2 (id compile-err) failed");
    run.assert_stderr("undefined_variable");
    run.assert_stderr("let b: i32 = undefined_variable + a;");
    assert_eq!(summary["status"], "cell_failed");
    assert_eq!(summary["failed_cell"]["id"], "compile-err");
    assert_eq!(cell(&summary, "setup")["status"], "ok");
    assert_eq!(cell(&summary, "compile-err")["status"], "failed");
    assert_eq!(cell(&summary, "never-runs")["status"], "not_run");
    // The executed notebook is still written, with the error output.
    let nb = read_json(&out.path().join("executed.ipynb"));
    let outputs = &notebook_cell(&nb, "compile-err")["outputs"];
    assert!(outputs
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["output_type"] == "error"));
}

#[test]
fn panic_is_detected_although_evcxr_replies_ok() {
    let (run, summary, _out) = run_fixture("panic.ipynb", &[]);
    run.assert_code(1);
    run.assert_stderr("cell 2 (id boom) failed: panic");
    run.assert_stderr("panicked at");
    run.assert_stderr("deliberate panic in fixture");
    assert_eq!(cell(&summary, "boom")["status"], "failed");
    assert_eq!(cell(&summary, "after")["status"], "not_run");
}

#[test]
fn question_mark_error_fails_only_with_fail_on_stderr() {
    // evcxr prints an `Err` that reaches a cell's `?` on stderr and replies "ok".
    let (run, summary, _out) = run_fixture("question_mark_error.ipynb", &[]);
    run.assert_code(0);
    assert_eq!(cell(&summary, "after")["status"], "ok");
    let (run, summary, _out) = run_fixture("question_mark_error.ipynb", &["--fail-on-stderr"]);
    run.assert_code(1);
    run.assert_stderr("cell 1 (id parse) failed: the cell wrote to stderr");
    run.assert_stderr("invalid digit");
    assert_eq!(cell(&summary, "after")["status"], "not_run");
}

#[test]
fn allow_errors_continues_after_a_panic_and_exits_zero() {
    let (run, summary, out) = run_fixture("panic.ipynb", &["--allow-errors"]);
    run.assert_code(0);
    assert_eq!(cell(&summary, "boom")["status"], "allowed_failure");
    assert_eq!(cell(&summary, "after")["status"], "ok");
    let nb = read_json(&out.path().join("executed.ipynb"));
    let after = joined(&notebook_cell(&nb, "after")["outputs"][0]["text"]);
    assert_eq!(after, "after the panic, survivor = 7\n");
}

#[test]
fn infinite_loop_times_out_and_the_kernel_is_killed() {
    let (run, summary, out) = run_fixture("infinite_loop.ipynb", &["--timeout-per-cell", "15"]);
    run.assert_code(3);
    run.assert_stderr("cell 2 (id spin) timed out after 15 s");
    run.assert_stderr("loop {");
    assert_eq!(summary["status"], "cell_timeout");
    assert_eq!(cell(&summary, "spin")["status"], "timeout");
    assert_eq!(cell(&summary, "unreachable")["status"], "not_run");
    assert!(
        run.elapsed < Duration::from_secs(90),
        "took {:?}",
        run.elapsed
    );

    // The looping evcxr subprocess printed its pid; it must be gone.
    let nb = read_json(&out.path().join("executed.ipynb"));
    let text = joined(&notebook_cell(&nb, "spin")["outputs"][0]["text"]);
    let pid: u32 = text
        .trim()
        .strip_prefix("pid ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no pid line in {text:?}"));
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    let deadline = Instant::now() + Duration::from_secs(5);
    while proc_dir.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    if proc_dir.exists() {
        // A zombie awaiting its (dead) parent's reaper counts as gone.
        let stat = std::fs::read_to_string(proc_dir.join("stat")).unwrap_or_default();
        assert!(
            stat.contains(") Z "),
            "evcxr subprocess {pid} still alive: {stat}"
        );
    }
}

#[test]
fn process_exit_is_reported_as_kernel_death() {
    let (run, summary, _out) = run_fixture("exit.ipynb", &[]);
    run.assert_code(4);
    run.assert_stderr("kernel died while running cell 2 (id exit)");
    run.assert_stderr("Subprocess terminated");
    run.assert_stderr("std::process::exit(3);");
    assert_eq!(summary["status"], "kernel_died");
    assert_eq!(cell(&summary, "exit")["status"], "kernel_died");
    assert_eq!(cell(&summary, "unreachable")["status"], "not_run");
}

#[test]
fn in_place_rewrites_the_source_atomically() {
    let _guard = kernel_lock();
    let dir = tempfile::tempdir().unwrap();
    let nb = dir.path().join("tiny.ipynb");
    std::fs::write(
        &nb,
        serde_json::json!({
            "cells": [{"cell_type": "code", "id": "only", "metadata": {}, "execution_count": null,
                       "source": ["println!(\"in place\");"], "outputs": []}],
            "metadata": {"kernelspec": {"display_name": "Rust", "language": "rust", "name": KERNEL}},
            "nbformat": 4, "nbformat_minor": 5
        })
        .to_string(),
    )
    .unwrap();
    let run = nbrun(
        dir.path(),
        evcxr_data_dir(),
        &["run", "tiny.ipynb", "--in-place", "--quiet"],
    );
    run.assert_code(0);
    let written = read_json(&nb);
    assert_eq!(
        joined(&notebook_cell(&written, "only")["outputs"][0]["text"]),
        "in place\n"
    );
    // Only the notebook and the default kernel log folder remain: no temp files.
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["target", "tiny.ipynb"]);
    assert!(dir.path().join("target/nbrun/tiny.kernel.log").is_file());
}

// ---- Tests that need no real kernel --------------------------------------------

fn empty_data_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn malformed_json_is_a_clear_error_and_writes_nothing() {
    let cwd = tempfile::tempdir().unwrap();
    let data = empty_data_dir();
    let nb = fixture("malformed.ipynb");
    let summary = cwd.path().join("s.json");
    let run = nbrun(
        cwd.path(),
        data.path(),
        &[
            "run",
            nb.to_str().unwrap(),
            "--json-summary",
            summary.to_str().unwrap(),
        ],
    );
    run.assert_code(2);
    run.assert_stderr("malformed.ipynb is not a valid Jupyter notebook: not valid JSON");
    run.assert_stderr("no output was written");
    assert_eq!(
        std::fs::read_dir(cwd.path()).unwrap().count(),
        0,
        "a file was written"
    );
}

#[test]
fn nbformat_3_is_refused_and_writes_nothing() {
    let cwd = tempfile::tempdir().unwrap();
    let data = empty_data_dir();
    let nb = fixture("v3.ipynb");
    let run = nbrun(cwd.path(), data.path(), &["run", nb.to_str().unwrap()]);
    run.assert_code(2);
    run.assert_stderr("is nbformat 3.0; nbrun runs only nbformat 4 notebooks");
    assert_eq!(
        std::fs::read_dir(cwd.path()).unwrap().count(),
        0,
        "a file was written"
    );
}

#[test]
fn missing_kernel_lists_where_it_looked() {
    let cwd = tempfile::tempdir().unwrap();
    let data = empty_data_dir();
    write_spec(
        data.path(),
        "some-other-kernel",
        serde_json::json!({"argv": ["true", "{connection_file}"], "display_name": "x", "language": "x"}),
    );
    let nb = fixture("missing_kernel.ipynb");
    let run = nbrun(cwd.path(), data.path(), &["run", nb.to_str().unwrap()]);
    run.assert_code(5);
    run.assert_stderr("kernel 'no-such-kernel-nbrun' is not installed");
    run.assert_stderr(&data.path().join("kernels").display().to_string());
    run.assert_stderr("/usr/share/jupyter/kernels");
    run.assert_stderr("kernel specs found: some-other-kernel");
    assert!(!cwd
        .path()
        .join("target/nbrun/missing_kernel.ipynb")
        .exists());
}

#[test]
fn refuses_to_overwrite_the_source() {
    let cwd = tempfile::tempdir().unwrap();
    let data = empty_data_dir();
    let nb = cwd.path().join("ok.ipynb");
    std::fs::copy(fixture("ok.ipynb"), &nb).unwrap();
    let before = std::fs::read(&nb).unwrap();
    let run = nbrun(
        cwd.path(),
        data.path(),
        &["run", "ok.ipynb", "--out", "./ok.ipynb"],
    );
    run.assert_code(2);
    run.assert_stderr("refusing to overwrite the source notebook");
    assert_eq!(std::fs::read(&nb).unwrap(), before);
}

/// A kernel spec "silent" whose process writes its pid to `pid_file` and never answers.
fn write_silent_kernel(data: &Path, pid_file: &Path) {
    write_spec(
        data,
        "silent",
        serde_json::json!({
            "argv": ["/bin/sh", "-c", format!("echo $$ > {}; exec sleep 600", pid_file.display()), "{connection_file}"],
            "display_name": "silent", "language": "none"
        }),
    );
}

#[test]
fn kernel_that_never_answers_hits_the_startup_timeout_and_is_killed() {
    let cwd = tempfile::tempdir().unwrap();
    let data = empty_data_dir();
    let pid_file = cwd.path().join("fake-kernel.pid");
    write_silent_kernel(data.path(), &pid_file);
    let nb = fixture("ok.ipynb");
    let run = nbrun(
        cwd.path(),
        data.path(),
        &[
            "run",
            nb.to_str().unwrap(),
            "--kernel",
            "silent",
            "--startup-timeout",
            "3",
        ],
    );
    run.assert_code(5);
    run.assert_stderr("kernel 'silent' did not answer kernel_info within 3 s");
    run.assert_stderr("warm-up");
    assert!(
        run.elapsed < Duration::from_secs(30),
        "took {:?}",
        run.elapsed
    );
    let pid = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .to_string();
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    let deadline = Instant::now() + Duration::from_secs(5);
    while proc_dir.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!proc_dir.exists(), "fake kernel {pid} was not killed");
}

#[test]
fn kernel_that_exits_at_startup_is_reported_with_its_log() {
    let cwd = tempfile::tempdir().unwrap();
    let data = empty_data_dir();
    write_spec(
        data.path(),
        "crashy",
        serde_json::json!({
            "argv": ["/bin/sh", "-c", "echo 'crashy: cannot start' >&2; exit 7", "{connection_file}"],
            "display_name": "crashy", "language": "none"
        }),
    );
    let nb = fixture("ok.ipynb");
    let run = nbrun(
        cwd.path(),
        data.path(),
        &["run", nb.to_str().unwrap(), "--kernel", "crashy"],
    );
    run.assert_code(5);
    run.assert_stderr("kernel 'crashy' failed to start: the kernel process exited during startup");
    run.assert_stderr("crashy: cannot start");
    run.assert_stderr("ok.kernel.log");
}

#[test]
fn unwritable_out_is_reported_before_the_kernel_starts() {
    let cwd = tempfile::tempdir().unwrap();
    let data = empty_data_dir();
    let pid_file = cwd.path().join("fake-kernel.pid");
    // A kernel that would hold the run for a minute, were it started.
    write_silent_kernel(data.path(), &pid_file);
    // --out under a plain file: its folder cannot be created (a 0555 folder would not
    // stop root, who runs CI here).
    let blocker = cwd.path().join("not-a-folder");
    std::fs::write(&blocker, b"x").unwrap();
    let out = blocker.join("ok.ipynb");
    let nb = fixture("ok.ipynb");
    let run = nbrun(
        cwd.path(),
        data.path(),
        &[
            "run",
            nb.to_str().unwrap(),
            "--kernel",
            "silent",
            "--startup-timeout",
            "60",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    run.assert_code(2);
    run.assert_stderr("the executed notebook cannot be written, so nothing was run");
    run.assert_stderr("not-a-folder");
    assert!(run.elapsed < Duration::from_secs(20), "took {:?}", run.elapsed);
    assert!(!pid_file.exists(), "the kernel was started");
}
