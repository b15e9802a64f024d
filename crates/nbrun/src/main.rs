//! `nbrun` command line: `nbrun run NOTEBOOK [options]` and `nbrun kernels`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use nbrun::error::exit_code;

const EXIT_CODES: &str = "\
Exit codes:
  0    every code cell ran without error
  1    a cell failed: compile error, panic, `error` output, or execute_reply error/aborted
  2    usage error, malformed or non-v4 notebook, or a file could not be read/written
  3    a cell exceeded --timeout-per-cell
  4    the kernel died (process exited, or evcxr's subprocess terminated, e.g. std::process::exit)
  5    the kernel could not be found or started, or did not answer within --startup-timeout
  130  interrupted (SIGINT/SIGTERM); the kernel was shut down";

#[derive(Parser)]
#[command(
    name = "nbrun",
    version,
    about = "Headless Jupyter notebook runtime: executes an .ipynb through its Jupyter kernel",
    after_help = EXIT_CODES,
    args_override_self = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Execute a notebook's code cells in order and write the executed notebook.
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),
    /// List the kernel specs nbrun can find, and where it looks.
    Kernels {
        /// Also look for a `.venv` above this folder (as `run` does for the notebook's folder).
        #[arg(long, value_name = "DIR")]
        near: Option<PathBuf>,
        /// Extra Jupyter data directory searched first (repeatable).
        #[arg(long, value_name = "DIR")]
        jupyter_path: Vec<PathBuf>,
    },
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("'{s}' is not a number of seconds"))?;
    if !(secs.is_finite() && secs > 0.0) {
        return Err(format!("'{s}' must be a positive number of seconds"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[derive(clap::Args)]
struct RunArgs {
    /// The .ipynb to execute (nbformat 4).
    notebook: PathBuf,
    /// Longest one cell may run, in seconds.
    #[arg(long, value_name = "S", value_parser = parse_seconds, default_value = "300")]
    timeout_per_cell: Duration,
    /// Longest the kernel may take to answer kernel_info after launch, in seconds.
    #[arg(long, value_name = "S", value_parser = parse_seconds, default_value = "120")]
    startup_timeout: Duration,
    /// Kernel spec name to use instead of the notebook's metadata.kernelspec.name.
    #[arg(long, value_name = "NAME")]
    kernel: Option<String>,
    /// Extra Jupyter data directory to search for kernels/<name>/kernel.json, before
    /// $JUPYTER_PATH (repeatable).
    #[arg(long, value_name = "DIR")]
    jupyter_path: Vec<PathBuf>,
    /// Where to write the executed notebook [default: target/nbrun/<stem>.ipynb].
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    /// Write the executed notebook over the source (atomically).
    #[arg(long)]
    in_place: bool,
    /// Do not write the executed notebook.
    #[arg(long, conflicts_with_all = ["out", "in_place"])]
    no_output: bool,
    /// Continue after a failing cell and exit 0 if only cells failed (as nbclient's
    /// allow_errors); timeouts and kernel death still stop the run.
    #[arg(long)]
    allow_errors: bool,
    /// Count any stderr output as a cell failure: evcxr reports an `Err` that reaches a
    /// cell's `?` only on stderr, with status "ok".
    #[arg(long)]
    fail_on_stderr: bool,
    /// Write a machine-readable JSON summary (per-cell status, duration, outputs).
    #[arg(long, value_name = "PATH")]
    json_summary: Option<PathBuf>,
    /// Where to capture the kernel's stdout/stderr [default: next to the output, <stem>.kernel.log].
    #[arg(long, value_name = "PATH")]
    kernel_log: Option<PathBuf>,
    /// No progress lines on stderr (errors and the summary are still printed).
    #[arg(long, short)]
    quiet: bool,
}

fn run(args: RunArgs) -> ExitCode {
    let options = nbrun::Options {
        timeout_per_cell: args.timeout_per_cell,
        startup_timeout: args.startup_timeout,
        kernel: args.kernel,
        jupyter_path: args.jupyter_path,
        allow_errors: args.allow_errors,
        fail_on_stderr: args.fail_on_stderr,
        output: args.out,
        in_place: args.in_place,
        write_output: !args.no_output,
        kernel_log: args.kernel_log,
        json_summary: args.json_summary,
        progress: !args.quiet,
        handle_signals: true,
        ..nbrun::Options::default()
    };
    match nbrun::execute_notebook(&args.notebook, &options) {
        Ok(report) => {
            print!("{}", report.summary_table());
            if let Some(error) = &report.failure {
                eprintln!("nbrun: error: {error}");
            }
            exit(report.exit_code())
        }
        Err(error) => {
            eprintln!("nbrun: error: {error}");
            exit(error.exit_code())
        }
    }
}

fn exit(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn kernels(near: Option<PathBuf>, extra: &[PathBuf]) -> ExitCode {
    let dirs = nbrun::kernelspec::data_dirs(extra, near.as_deref());
    println!("search order (each + /kernels/<name>/kernel.json):");
    for dir in &dirs {
        println!("  {}", dir.display());
    }
    println!("kernel specs:");
    let mut found = false;
    for dir in &dirs {
        let Ok(entries) = std::fs::read_dir(dir.join("kernels")) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            match nbrun::kernelspec::load(name, &path) {
                Ok(spec) => {
                    found = true;
                    println!(
                        "  {name:<20} {}  ({})",
                        spec.spec.argv.join(" "),
                        path.display()
                    );
                }
                Err(e) => println!("  {name:<20} unusable: {e}"),
            }
        }
    }
    if !found {
        println!("  (none)");
    }
    exit(exit_code::OK)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run(args),
        Command::Kernels { near, jupyter_path } => kernels(near, &jupyter_path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use nbrun::options::{DEFAULT_STARTUP_TIMEOUT, DEFAULT_TIMEOUT_PER_CELL};

    #[test]
    fn cli_defaults_match_library_defaults() {
        Cli::command().debug_assert();
        let cli = Cli::parse_from(["nbrun", "run", "x.ipynb"]);
        let Command::Run(args) = cli.command else {
            panic!("expected run");
        };
        assert_eq!(args.timeout_per_cell, DEFAULT_TIMEOUT_PER_CELL);
        assert_eq!(args.startup_timeout, DEFAULT_STARTUP_TIMEOUT);
    }

    #[test]
    fn seconds_must_be_positive() {
        assert_eq!(parse_seconds("1.5").unwrap(), Duration::from_millis(1500));
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("-3").is_err());
        assert!(parse_seconds("abc").is_err());
    }
}
