//! `grade`: grade a class's submitted notebooks into a gradebook. See the crate docs (`lib.rs`)
//! and the README's "Grading a class".

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use grade::sandbox::{KernelLaunch, Limits};

const AFTER_HELP: &str = "\
Example:
  grade --release notebooks/03_jacobian_backprop.ipynb submitted/*/03_jacobian_backprop.ipynb \\
        --out gradebook.csv

Writes gradebook.csv (learner, submission, exercise, state, diagnosis, seconds), gradebook.json
(the same, per-learner memory and notes, and the summary), and executed copies of each
submission with the grader's cells under gradebook.work/. States: not_attempted, incorrect,
correct, code_error, ungraded (could not grade: the diagnosis says why).

Needs: the course kernel set up (`./course setup`) and bubblewrap (`apt-get install bubblewrap`).
Memory and process limits need root (or a delegated cgroup); without, a warning per submission.

Exit codes: 0 gradebook written; 2 usage, set-up or file error (nothing graded); 130 interrupted
(SIGINT/SIGTERM: running submissions are stopped and cleaned up, no gradebook is written).";

#[derive(Parser)]
#[command(name = "grade", version, about = "Grade a class's notebooks on the course kernel, each in a sandbox, into a gradebook", after_help = AFTER_HELP)]
struct Cli {
    /// The submitted notebooks.
    #[arg(required = true, value_name = "SUBMISSION")]
    submissions: Vec<PathBuf>,
    /// The released notebook whose exercise cells (metadata.course) say what to check.
    #[arg(long, value_name = "NOTEBOOK")]
    release: PathBuf,
    /// The gradebook CSV to write.
    #[arg(long, value_name = "CSV")]
    out: PathBuf,
    /// The gradebook JSON [default: the CSV's path with .json].
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Folder for executed notebooks and logs [default: next to the CSV, <stem>.work].
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,
    /// Submissions graded at once [default: the number of cores].
    #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    jobs: Option<u16>,
    /// Longest one cell may run, in seconds (an endless loop stops here).
    #[arg(long, value_name = "S", default_value = "60", value_parser = parse_seconds)]
    timeout_per_cell: Duration,
    /// Longest one submission may take in all, in seconds.
    #[arg(long, value_name = "S", default_value = "600", value_parser = parse_seconds)]
    timeout_per_submission: Duration,
    /// Longest a kernel may take to start, in seconds.
    #[arg(long, value_name = "S", default_value = "180", value_parser = parse_seconds)]
    startup_timeout: Duration,
    /// Memory per submission, MiB (kernel, compiler and the learner's code together).
    #[arg(long, value_name = "MIB", default_value = "4096", value_parser = clap::value_parser!(u64).range(256..=1 << 30))]
    memory_mib: u64,
    /// Processes and threads per submission.
    #[arg(long, value_name = "N", default_value = "512", value_parser = clap::value_parser!(u32).range(64..))]
    max_processes: u32,
    /// Extra Jupyter data folder to find the course kernel spec in (repeatable).
    #[arg(long, value_name = "DIR")]
    jupyter_path: Vec<PathBuf>,
    /// No progress on stderr.
    #[arg(long, short)]
    quiet: bool,
}

/// At most a week: anything longer is a typo, and it keeps `Instant + Duration` from overflowing.
const LONGEST: f64 = 7.0 * 24.0 * 3600.0;

fn parse_seconds(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs <= LONGEST => Ok(Duration::from_secs_f64(secs)),
        _ => Err(format!("'{s}' is not a number of seconds between 0 and {LONGEST} (a week)")),
    }
}

fn main() -> ExitCode {
    // Internal modes: the grader re-runs itself as a submission's worker (inside its network
    // namespace) and as the sandboxed kernel's launcher (named in the kernel spec it writes).
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("__worker") if args.len() == 3 => return internal(grade::worker::run(args[2].as_ref())),
        Some("__kernel") if args.len() == 4 => return internal(launch_kernel(&args[2], &args[3])),
        _ => {}
    }
    let cli = Cli::parse();
    let csv = cli.out;
    let json = cli.json.unwrap_or_else(|| csv.with_extension("json"));
    let work_dir = cli.work_dir.unwrap_or_else(|| {
        let stem = csv.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "gradebook".into());
        csv.with_file_name(format!("{stem}.work"))
    });
    let options = grade::Options {
        release: cli.release,
        submissions: cli.submissions,
        csv: csv.clone(),
        json: json.clone(),
        work_dir,
        jobs: cli.jobs.map_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()), usize::from),
        timeout_per_cell: cli.timeout_per_cell,
        startup_timeout: cli.startup_timeout,
        timeout_per_submission: cli.timeout_per_submission,
        limits: Limits { memory_bytes: cli.memory_mib * 1024 * 1024, processes: cli.max_processes },
        jupyter_path: cli.jupyter_path,
        progress: !cli.quiet,
    };
    grade::class::stop_on_signals();
    match grade::grade_class(&options) {
        Ok((submissions, summary)) => {
            print!("{summary}");
            println!("gradebook: {} and {} ({} submissions)", csv.display(), json.display(), submissions.len());
            ExitCode::SUCCESS
        }
        Err(e @ grade::Error::Interrupted) => {
            eprintln!("grade: {e}");
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("grade: error: {e}");
            ExitCode::from(2)
        }
    }
}

fn launch_kernel(launch: &str, connection_file: &str) -> Result<(), grade::Error> {
    let text = std::fs::read_to_string(launch).map_err(|e| grade::Error::Io(format!("cannot read {launch}: {e}")))?;
    let launch: KernelLaunch =
        serde_json::from_str(&text).map_err(|e| grade::Error::Io(format!("bad kernel launch file {launch}: {e}")))?;
    Err(grade::sandbox::exec_kernel(&launch, connection_file.as_ref()))
}

fn internal(result: Result<(), grade::Error>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("grade: {e}");
            ExitCode::from(2)
        }
    }
}
