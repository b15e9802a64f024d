//! The assignment: which cells of the released notebook are exercises, and the check the
//! grader runs for each.
//!
//! An exercise cell of a released notebook carries, in its cell metadata,
//!
//! ```json
//! "course": {"exercise": 1, "check": "::course::nb03::check_exercise_1(&answer_1)"}
//! ```
//!
//! The check is taken from the *released* notebook, never from a submission (a learner can edit
//! their copy's metadata), and is called by its full path so that a learner's own
//! `fn check_exercise_1` or `mod course` cannot stand in for it.

use std::path::{Path, PathBuf};

use nbrun::nbformat::v4::Cell;

use crate::Error;

/// One exercise of the assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExerciseSpec {
    /// Its number in the notebook (1-based), as the checks and the gradebook name it.
    pub number: u32,
    /// The id of its cell in the released notebook (nbformat ≥ 4.5), used to find it in a submission.
    pub cell_id: String,
    /// A Rust expression that evaluates to a `course::exercise::Feedback`, fully qualified.
    pub check: String,
}

/// The released notebook and its exercises, in notebook order.
#[derive(Debug, Clone)]
pub struct Assignment {
    /// The released notebook.
    pub path: PathBuf,
    /// Its kernel spec name (`metadata.kernelspec.name`).
    pub kernel: String,
    /// Its exercises, in cell order.
    pub exercises: Vec<ExerciseSpec>,
}

impl Assignment {
    /// Reads the released notebook. `Error::Assignment` if it does not parse, names no kernel,
    /// has no exercise cell, or an exercise's metadata is incomplete or repeats a number.
    pub fn load(path: &Path) -> Result<Assignment, Error> {
        let bad = |why: String| Error::Assignment { path: path.to_path_buf(), why };
        let nb = nbrun::notebook::read_notebook(path).map_err(|e| bad(e.to_string()))?;
        let kernel = nbrun::notebook::kernel_name(&nb)
            .ok_or_else(|| bad("its metadata names no kernelspec".into()))?
            .to_string();
        let mut exercises = Vec::new();
        for cell in &nb.cells {
            let Cell::Code { id, metadata, .. } = cell else { continue };
            let Some(course) = metadata.additional.get("course") else { continue };
            let number = course.get("exercise").and_then(|n| n.as_u64()).and_then(|n| u32::try_from(n).ok());
            let check = course.get("check").and_then(|c| c.as_str());
            let (Some(number), Some(check)) = (number, check) else {
                return Err(bad(format!(
                    "cell {id}: metadata.course needs an integer \"exercise\" and a string \"check\", got {course}"
                )));
            };
            if exercises.iter().any(|e: &ExerciseSpec| e.number == number) {
                return Err(bad(format!("exercise {number} is declared by more than one cell")));
            }
            exercises.push(ExerciseSpec { number, cell_id: id.to_string(), check: check.trim().to_string() });
        }
        if exercises.is_empty() {
            return Err(bad(
                "no cell declares an exercise (cell metadata {\"course\": {\"exercise\": N, \"check\": \"…\"}})".into(),
            ));
        }
        Ok(Assignment { path: path.to_path_buf(), kernel, exercises })
    }

    /// The released notebook's file stem (`03_jacobian_backprop`).
    pub fn stem(&self) -> String {
        self.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
    }
}
