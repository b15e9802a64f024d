//! Notebooks run through nbrun, as a library: what `nbrun run` prints and the exit code it
//! would give.
use std::path::Path;

use crate::setup::Context;
use crate::sh::{self, Result};

/// Options as the `nbrun` command line sets them (progress on, signals turned into a clean
/// kernel shutdown).
pub fn options() -> nbrun::Options {
    nbrun::Options {
        handle_signals: true,
        ..nbrun::Options::default()
    }
}

/// Run one notebook; print nbrun's summary table and its failure, as `nbrun run` does, and
/// return its exit code (0: every cell ran).
pub fn run(notebook: &Path, options: &nbrun::Options) -> i32 {
    match nbrun::execute_notebook(notebook, options) {
        Ok(report) => {
            print!("{}", report.summary_table());
            if let Some(error) = &report.failure {
                eprintln!("nbrun: error: {error}");
            }
            report.exit_code()
        }
        Err(error) => {
            eprintln!("nbrun: error: {error}");
            error.exit_code()
        }
    }
}

/// `./course run`: every notebook under `notebooks/`, executed copies in `target/nbrun/`.
pub fn run_all(ctx: &Context) -> Result<()> {
    let dir = ctx.repo.join("notebooks");
    let mut notebooks: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| sh::fail(format!("cannot list {}: {e}", dir.display())))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ipynb"))
        .collect();
    notebooks.sort();
    let mut failed = false;
    for nb in notebooks {
        let options = nbrun::Options {
            output: Some(
                ctx.repo
                    .join("target/nbrun")
                    .join(nb.file_name().expect("a file")),
            ),
            // A `?` error in a cell reaches only stderr (evcxr replies "ok").
            fail_on_stderr: true,
            ..options()
        };
        failed |= run(&nb, &options) != 0;
    }
    if failed {
        Err(sh::exit(1))
    } else {
        Ok(())
    }
}
