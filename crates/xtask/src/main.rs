//! The course tool behind `./course` (and `cargo xtask`): one entry point for learners,
//! instructors and CI.
//!
//! ```text
//! ./course            set up (idempotent), then open JupyterLab on notebooks/
//! ./course run        set up, then execute every notebook headless with nbrun
//!                     (executed copies go to target/nbrun/, sources untouched)
//! ./course test       set up, then run every test (Rust, kernel, notebook, browser)
//! ./course setup      only the set-up steps
//! ./course install-system --prefix DIR
//!                     the course for a class (JupyterHub, a container image): compiled
//!                     once into DIR, shared read-only by every learner ([`system`])
//! ```
//!
//! Set-up steps ([`setup`]), each skipped when already done:
//! 1. `cargo install --locked evcxr_jupyter` (the Rust kernel; ~12 min once);
//! 2. JupyterLab into `./.venv` from PyPI;
//! 3. the "Rust (Jacobian course)" kernel spec, with this checkout's paths ([`kernel_files`]);
//! 4. warm evcxr's compile cache, so a learner's first cell takes seconds ([`warm`]).
//!
//! Notebooks run through `nbrun` as a library ([`notebooks`]). `./course kernel-files` renders
//! the same kernel files elsewhere, for the benchmarks (`bench/nbbench.py`).

mod hub;
mod kernel_files;
mod notebooks;
mod setup;
mod sh;
mod stamp;
mod system;
mod warm;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The evcxr_jupyter release the course is built and tested with.
pub const EVCXR_VERSION: &str = "0.22.0";
/// The kernel spec's name, as notebooks name it in `metadata.kernelspec.name`.
pub const KERNEL_NAME: &str = "jacobian-course";

#[derive(Parser)]
#[command(
    name = "course",
    bin_name = "./course",
    about = "Jacobians and backpropagation in Rust notebooks: set up, open, run and test the course",
    after_help = "Set-up steps, each skipped when already done:\n  \
        1. cargo install --locked evcxr_jupyter (the Rust kernel; ~12 min once)\n  \
        2. JupyterLab into ./.venv from PyPI\n  \
        3. the \"Rust (Jacobian course)\" kernel spec, with this checkout's paths\n  \
        4. warm evcxr's compile cache, so a learner's first cell takes seconds"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Set up (idempotent), then open JupyterLab on notebooks/ (the default command).
    Lab {
        /// Passed on to `jupyter lab`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
    /// Set up, then execute every notebook headless with nbrun (copies in target/nbrun/).
    Run,
    /// Set up, then run every test: library, kernel, notebook, browser.
    Test,
    /// Only the set-up steps.
    Setup,
    /// Install the course for a whole class (JupyterHub, a container image): evcxr_jupyter, the
    /// toolchain, the course crates compiled once and the kernel spec, under --prefix, shared
    /// read-only by every learner.
    InstallSystem(system::Args),
    /// Render this checkout's kernel spec and evcxr init into other folders (the benchmarks'
    /// private kernels); installs nothing.
    KernelFiles(kernel_files::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = (|| -> sh::Result<()> {
        let ctx = setup::Context::new()?;
        match cli.command.unwrap_or(Command::Lab { args: Vec::new() }) {
            Command::Setup => setup::setup(&ctx),
            Command::Lab { args } => {
                setup::setup(&ctx)?;
                sh::step("starting JupyterLab on notebooks/ (Ctrl-C to stop)");
                let mut lab = std::process::Command::new(ctx.venv.join("bin/jupyter"));
                lab.arg("lab")
                    .arg(format!(
                        "--notebook-dir={}",
                        ctx.repo.join("notebooks").display()
                    ))
                    .args(args);
                Err(sh::exec(lab))
            }
            Command::Run => {
                setup::setup(&ctx)?;
                sh::step("executing notebooks headless");
                notebooks::run_all(&ctx)
            }
            Command::Test => {
                setup::setup(&ctx)?;
                setup::run_tests(&ctx)
            }
            Command::KernelFiles(args) => kernel_files::write_from_args(&ctx, args),
            Command::InstallSystem(args) => system::install(&ctx, args),
        }
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(sh::Failed { code, message }) => {
            if let Some(message) = message {
                eprintln!("course: {message}");
            }
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
    }
}

/// This checkout's root: the folder two levels above this crate's manifest (at run time
/// `cargo run` sets `CARGO_MANIFEST_DIR`; a binary started directly uses the build's).
fn repo_root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest
        .parent()
        .and_then(|p| p.parent())
        .map(PathBuf::from)
        .unwrap_or(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent_and_defaults_to_lab() {
        Cli::command().debug_assert();
        assert!(Cli::parse_from(["course"]).command.is_none());
        let cli = Cli::parse_from(["course", "lab", "--port", "9999"]);
        let Some(Command::Lab { args }) = cli.command else {
            panic!("expected lab");
        };
        assert_eq!(args, ["--port", "9999"]);
        assert!(Cli::try_parse_from(["course", "nonsense"]).is_err());
    }

    #[test]
    fn repo_root_holds_the_workspace() {
        assert!(repo_root().join("crates/xtask/Cargo.toml").is_file());
    }
}
