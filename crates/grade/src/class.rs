//! Grading a class: the submissions, N at a time, with progress, into one gradebook.

use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::assignment::Assignment;
use crate::cgroup::{Cgroup, Usage};
use crate::gradebook::{self, Submission};
use crate::sandbox::{self, CourseKernel, KernelLaunch, Limits, PrivateDir};
use crate::submission::{learner_names, prepare};
use crate::verdict::{self, State};
use crate::worker::{Job, Outcome};
use crate::Error;

/// The kernel spec name of the sandboxed course kernel, in each submission's work folder.
const SANDBOXED_KERNEL: &str = "course-grading";

/// How a class is graded.
#[derive(Debug, Clone)]
pub struct Options {
    /// The released notebook (exercise cells carry `metadata.course`).
    pub release: PathBuf,
    /// The submitted notebooks.
    pub submissions: Vec<PathBuf>,
    /// The gradebook CSV.
    pub csv: PathBuf,
    /// The gradebook JSON.
    pub json: PathBuf,
    /// Where executed notebooks, kernel logs and private folders go (one folder per submission).
    pub work_dir: PathBuf,
    /// Submissions graded at once.
    pub jobs: usize,
    /// Longest one cell may run (an endless loop ends here).
    pub timeout_per_cell: Duration,
    /// Longest a kernel may take to start.
    pub startup_timeout: Duration,
    /// Longest one submission may take in all.
    pub timeout_per_submission: Duration,
    /// Memory and process limits per submission.
    pub limits: Limits,
    /// Extra Jupyter data folders to find the course kernel spec in.
    pub jupyter_path: Vec<PathBuf>,
    /// Show progress on stderr.
    pub progress: bool,
}

/// What every submission's run shares.
struct Shared<'a> {
    options: &'a Options,
    assignment: Assignment,
    kernel: CourseKernel,
    bwrap: PathBuf,
    grader: PathBuf,
}

/// Grades every submission and writes the gradebook. Returns the graded submissions (in the
/// order given) and the text summary. `Err` only for what stops grading as a whole: the released
/// notebook, the set-up (course kernel, bubblewrap), or a gradebook that cannot be written.
pub fn grade_class(options: &Options) -> Result<(Vec<Submission>, String), Error> {
    check_paths(options)?;
    let assignment = Assignment::load(&options.release)?;
    let kernel = CourseKernel::find(&assignment.kernel, &options.jupyter_path, options.release.parent())?;
    let bwrap = sandbox::bwrap()?;
    let grader = std::env::current_exe().map_err(|e| Error::Setup(format!("cannot find the grade binary: {e}")))?;
    Cgroup::remove_stale();
    std::fs::create_dir_all(&options.work_dir)
        .map_err(|e| Error::Io(format!("cannot create {}: {e}", options.work_dir.display())))?;
    let shared = Shared { options, assignment, kernel, bwrap, grader };

    let names = learner_names(&options.submissions, &shared.assignment.stem());
    let results: Mutex<Vec<Option<Submission>>> = Mutex::new(vec![None; names.len()]);
    let next = AtomicUsize::new(0);
    let failures = AtomicUsize::new(0);
    let bar = progress_bar(names.len(), options.progress);
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.clamp(1, names.len()) {
            scope.spawn(|| loop {
                if INTERRUPTED.load(Ordering::SeqCst) {
                    break;
                }
                let index = next.fetch_add(1, Ordering::SeqCst);
                let Some(learner) = names.get(index) else { break };
                let graded = grade_one(&shared, index, learner, &options.submissions[index]);
                if graded.exercises.iter().any(|v| v.state == State::Ungraded) || !graded.notes.is_empty() {
                    failures.fetch_add(1, Ordering::SeqCst);
                }
                report_progress(&bar, &graded, failures.load(Ordering::SeqCst), options.progress);
                if let Ok(mut slots) = results.lock() {
                    slots[index] = Some(graded);
                }
            });
        }
    });
    bar.finish_and_clear();
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Err(Error::Interrupted);
    }
    let submissions: Vec<Submission> =
        results.into_inner().unwrap_or_default().into_iter().flatten().collect();
    gradebook::write(&options.csv, &options.json, &options.release, &submissions)?;
    let summary = gradebook::summary_text(&gradebook::summarize(&submissions), submissions.len());
    Ok((submissions, summary))
}

/// Set by SIGINT/SIGTERM: workers stop their submission, clean up and take no new one.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Turns SIGINT and SIGTERM into a clean stop: each running submission's worker is killed, its
/// cgroup and private folder removed, and [`grade_class`] returns [`Error::Interrupted`].
pub fn stop_on_signals() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            libc::signal(signal, on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t);
        }
    }
}

/// Refuses, before anything runs: no submissions, a path that is not a file, a file given
/// twice, and a CSV and JSON that are the same file or one of the notebooks.
fn check_paths(options: &Options) -> Result<(), Error> {
    if options.submissions.is_empty() {
        return Err(Error::Usage("no submissions given".into()));
    }
    let not_files: Vec<String> =
        options.submissions.iter().filter(|p| !p.is_file()).map(|p| p.display().to_string()).collect();
    if !not_files.is_empty() {
        return Err(Error::Usage(format!("not a file: {}", not_files.join(", "))));
    }
    let mut seen = std::collections::HashSet::new();
    for path in &options.submissions {
        if !seen.insert(path.canonicalize().unwrap_or_else(|_| path.clone())) {
            return Err(Error::Usage(format!("{} is given more than once", path.display())));
        }
    }
    if options.csv == options.json || same_file(&options.csv, &options.json) {
        return Err(Error::Usage(format!("the CSV and the JSON gradebook are the same file, {}", options.csv.display())));
    }
    for out in [&options.csv, &options.json] {
        if options.submissions.iter().any(|s| same_file(s, out)) || same_file(&options.release, out) {
            return Err(Error::Usage(format!("{} is a notebook to grade, not a gradebook", out.display())));
        }
        nbrun::notebook::check_writable(out).map_err(|e| Error::Io(e.to_string()))?;
    }
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn progress_bar(len: usize, show: bool) -> ProgressBar {
    let target = if show { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
    let bar = ProgressBar::with_draw_target(Some(len as u64), target);
    if let Ok(style) = ProgressStyle::with_template("grading {bar:30} {pos}/{len} submissions · {msg} · about {eta} left") {
        bar.set_style(style);
    }
    bar.set_message("0 with trouble");
    bar
}

/// Moves the bar; where stderr is not a terminal (CI logs), where indicatif draws nothing,
/// prints a line per submission instead.
fn report_progress(bar: &ProgressBar, graded: &Submission, failures: usize, show: bool) {
    bar.set_message(format!("{failures} with trouble"));
    bar.inc(1);
    if show && bar.is_hidden() {
        let states: Vec<String> = graded.exercises.iter().map(|v| format!("{}:{}", v.exercise, v.state.key())).collect();
        eprintln!(
            "grade: [{}/{}] {} in {:.0} s: {} ({failures} with trouble so far)",
            bar.position(),
            bar.length().unwrap_or(0),
            graded.learner,
            graded.seconds,
            states.join(" ")
        );
    }
}

/// Grades one submission; every way it can go wrong ends as gradebook rows and notes.
fn grade_one(shared: &Shared, index: usize, learner: &str, path: &Path) -> Submission {
    let started = Instant::now();
    let numbers: Vec<u32> = shared.assignment.exercises.iter().map(|e| e.number).collect();
    let mut submission = Submission {
        learner: learner.to_string(),
        path: path.to_path_buf(),
        exercises: Vec::new(),
        seconds: 0.0,
        peak_memory_mib: None,
        notes: Vec::new(),
        executed: None,
    };
    let notebook = std::fs::read(path)
        .map_err(|e| format!("the submission cannot be read: {e}"))
        .and_then(|bytes| {
            String::from_utf8(bytes).map_err(|_| "the notebook does not parse: it is not UTF-8 text".to_string())
        })
        .and_then(|text| {
            nbrun::notebook::parse_notebook(path, &text).map_err(|e| {
                // nbrun's second line says what it did not write: not the learner's business.
                format!("the notebook does not parse: {}", e.to_string().lines().next().unwrap_or(""))
            })
        });
    let notebook = match notebook {
        Ok(nb) => nb,
        Err(why) => {
            submission.exercises = verdict::all_ungraded(&numbers, &why);
            submission.notes.push(why);
            return submission;
        }
    };
    let prepared = prepare(notebook, &shared.assignment);
    for (cell, command) in &prepared.refused_cells {
        submission.notes.push(format!("cell {cell} not run: it uses the evcxr command `{command}`"));
    }
    let dir = shared.options.work_dir.join(format!("{index:03}-{}", safe_name(learner)));
    match run_sandboxed(shared, index, &dir, &prepared.notebook) {
        Ok((outcome, usage, limits_note)) => {
            submission.exercises = verdict::judge(&prepared, &outcome, &usage);
            submission.peak_memory_mib = usage.peak_memory_bytes.map(|b| b as f64 / (1024.0 * 1024.0));
            submission.notes.extend(outcome.failure.iter().map(|f| f.lines().next().unwrap_or("").to_string()));
            if usage.process_limit_hits > 0 {
                submission.notes.push(format!("hit the process limit {} times", usage.process_limit_hits));
            }
            if usage.oom_kills > 0 {
                submission.notes.push(format!("{} process(es) killed by the memory limit", usage.oom_kills));
            }
            if !limits_note.is_empty() {
                submission.notes.push(limits_note);
            }
            submission.executed = Some(dir.join("executed.ipynb")).filter(|p| p.is_file());
        }
        Err(why) => {
            submission.exercises = verdict::all_ungraded(&numbers, &format!("the grader could not run it: {why}"));
            submission.notes.push(why.to_string());
        }
    }
    submission.seconds = started.elapsed().as_secs_f64();
    submission
}

/// A learner name as a folder name.
fn safe_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// Runs the graded notebook in a fresh sandbox; returns the outcome, what the cgroup measured,
/// and a note when limits could not be set.
fn run_sandboxed(
    shared: &Shared,
    index: usize,
    dir: &Path,
    notebook: &nbrun::nbformat::v4::Notebook,
) -> Result<(Outcome, Usage, String), Error> {
    let io = |what: &str, path: &Path, e: &dyn std::fmt::Display| Error::Io(format!("cannot {what} {}: {e}", path.display()));
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(|e| io("create", dir, &e))?;
    let private = PrivateDir::create(&dir.join("sandbox"), &shared.kernel)?;
    let cgroup_name = format!("course-grade-{}-{index}", std::process::id());
    let (cgroup, limits_note) = match Cgroup::create(&cgroup_name, shared.options.limits) {
        Ok(c) => (Some(c), String::new()),
        Err(why) => (None, format!("no memory or process limit: {why}")),
    };
    let result = (|| {
        let launch = KernelLaunch {
            bwrap: shared.bwrap.clone(),
            args: private.bwrap_args(&shared.kernel),
            evcxr: shared.kernel.evcxr.clone(),
            cgroups: cgroup.as_ref().map(Cgroup::dirs).unwrap_or_default(),
        };
        let launch_path = dir.join("kernel-launch.json");
        write_json(&launch_path, &launch)?;
        let spec_dir = dir.join("jupyter/kernels").join(SANDBOXED_KERNEL);
        std::fs::create_dir_all(&spec_dir).map_err(|e| io("create", &spec_dir, &e))?;
        let spec = serde_json::json!({
            "argv": [shared.grader, "__kernel", launch_path, "{connection_file}"],
            "display_name": "Rust (Jacobian course, sandboxed for grading)",
            "language": "rust",
            "interrupt_mode": "message",
        });
        write_json(&spec_dir.join("kernel.json"), &spec)?;
        let graded = dir.join("graded.ipynb");
        let text = nbrun::notebook::notebook_json(notebook).map_err(|e| io("write", &graded, &e))?;
        std::fs::write(&graded, text).map_err(|e| io("write", &graded, &e))?;
        let job = Job {
            notebook: graded,
            executed: dir.join("executed.ipynb"),
            kernel_log: dir.join("kernel.log"),
            jupyter_path: dir.join("jupyter"),
            kernel: SANDBOXED_KERNEL.to_string(),
            kernel_cwd: private.root.join("home"),
            timeout_per_cell: shared.options.timeout_per_cell,
            startup_timeout: shared.options.startup_timeout,
            outcome: dir.join("outcome.json"),
        };
        let job_path = dir.join("job.json");
        write_json(&job_path, &job)?;
        let worker = sandbox::worker_command(&shared.bwrap, &shared.grader, &job_path)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(dir.join("worker.log")).map_err(|e| io("create", dir, &e))?)
            .spawn()
            .map_err(|e| Error::Setup(format!("cannot start bubblewrap: {e}")))?;
        let ended = wait_for(worker, shared.options.timeout_per_submission);
        let outcome = std::fs::read_to_string(&job.outcome)
            .ok()
            .and_then(|t| serde_json::from_str::<Outcome>(&t).ok())
            .unwrap_or_else(|| Outcome {
                failure: Some(match ended {
                    Ok(status) => format!(
                        "the grader's worker ended without a result ({status}); see {}",
                        dir.join("worker.log").display()
                    ),
                    Err(limit) => format!("the submission ran past {} s in all and was stopped", limit.as_secs()),
                }),
                ..Outcome::default()
            });
        Ok(outcome)
    })();
    let usage = cgroup.as_ref().map(Cgroup::usage).unwrap_or_default();
    if let Some(cgroup) = cgroup {
        cgroup.destroy();
    }
    // The private folder holds a copy of the kernel's build (~700 MB): never keep it.
    let _ = std::fs::remove_dir_all(&private.root);
    result.map(|outcome| (outcome, usage, limits_note))
}

/// Waits for the worker, killing it after `limit`. `Err(limit)` when it had to be killed.
fn wait_for(mut child: Child, limit: Duration) -> Result<std::process::ExitStatus, Duration> {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if Instant::now() < deadline && !INTERRUPTED.load(Ordering::SeqCst) => {
                std::thread::sleep(Duration::from_millis(100))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(limit);
            }
        }
    }
}

fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::Io(e.to_string()))?;
    std::fs::write(path, text).map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))
}
