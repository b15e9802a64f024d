//! One submission: who it is from, and the notebook the grader runs in its place: the learner's
//! cells as they are, and after each exercise cell a checking cell of the grader's own.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use nbrun::nbformat::v4::{Cell, CellId, CellMetadata, Notebook};
use nbrun::TAG_SKIP_EXECUTION;

use crate::assignment::Assignment;
use crate::scan;

/// How one exercise of a submission will be graded.
#[derive(Debug, Clone)]
pub struct PlannedExercise {
    /// The exercise number.
    pub number: u32,
    /// What happens to it.
    pub plan: Plan,
}

/// What the grader does with one exercise.
#[derive(Debug, Clone)]
pub enum Plan {
    /// Run the learner's cell, then the grader's checking cell, and read the record it prints.
    Check {
        /// The learner's exercise cell.
        learner_cell: String,
        /// The grader's checking cell (inserted right after it).
        grading_cell: String,
        /// The token that starts the one line of output the grader trusts.
        nonce: String,
    },
    /// The submission has no cell for this exercise.
    Missing,
    /// The exercise cell is not run: why (an evcxr command the grader refuses).
    Refused(String),
}

/// A submission ready to run.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The notebook to execute (the learner's cells and the grader's).
    pub notebook: Notebook,
    /// One entry per exercise of the assignment, in its order.
    pub exercises: Vec<PlannedExercise>,
    /// Whether the learner's code names the course's reference solutions.
    pub uses_solutions: bool,
    /// Cells not run because of a refused evcxr command: (cell id, the command).
    pub refused_cells: Vec<(String, String)>,
}

/// The learner a submission belongs to: its file stem, or its folder's name when the file
/// keeps the released notebook's name (`alice/03_jacobian_backprop.ipynb`, nbgrader's layout).
pub fn learner_name(path: &Path, release_stem: &str) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    if stem != release_stem {
        return stem;
    }
    path.parent()
        .and_then(|p| p.canonicalize().ok().or_else(|| Some(p.to_path_buf())))
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .filter(|n| !n.is_empty())
        .unwrap_or(stem)
}

/// Distinct learner names for a list of submissions (a repeated name gets `-2`, `-3`, …).
pub fn learner_names(paths: &[PathBuf], release_stem: &str) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    paths
        .iter()
        .map(|p| {
            let name = learner_name(p, release_stem);
            let n = seen.entry(name.clone()).or_insert(0);
            *n += 1;
            if *n == 1 { name } else { format!("{name}-{n}") }
        })
        .collect()
}

/// Builds the graded notebook from a parsed submission.
///
/// Exercise cells are found by the released notebook's cell id, then by the same
/// `metadata.course.exercise` number. The learner's outputs are dropped (they are never
/// trusted); each grading cell gets a fresh nonce.
pub fn prepare(mut notebook: Notebook, assignment: &Assignment) -> Prepared {
    let mut refused_cells = Vec::new();
    let mut uses_solutions = false;
    for cell in &mut notebook.cells {
        if let Cell::Code { id, source, metadata, outputs, execution_count } = cell {
            outputs.clear();
            *execution_count = None;
            let text = source.concat();
            uses_solutions |= scan::uses_solutions(&text);
            if let Some(command) = scan::refused_command(&text) {
                metadata.tags.get_or_insert_with(Vec::new).push(TAG_SKIP_EXECUTION.to_string());
                refused_cells.push((id.to_string(), command));
            }
        }
    }

    let mut exercises = Vec::new();
    // (index after which to insert, cell) pairs; inserted back to front so indices hold.
    let mut inserts: Vec<(usize, Cell)> = Vec::new();
    for spec in &assignment.exercises {
        let position = find_exercise_cell(&notebook, &spec.cell_id, spec.number);
        let plan = match position {
            None => Plan::Missing,
            Some(index) => {
                let learner_cell = notebook.cells[index].id().to_string();
                if let Some((_, command)) = refused_cells.iter().find(|(id, _)| *id == learner_cell) {
                    Plan::Refused(format!("the exercise cell uses the evcxr command `{command}`, which grading does not allow"))
                } else {
                    let nonce = format!("course-grade-{}", uuid::Uuid::new_v4().simple());
                    let grading_cell = format!("grade-{}", uuid::Uuid::new_v4().simple());
                    inserts.push((index, grading_cell_for(&grading_cell, &spec.check, &nonce)));
                    Plan::Check { learner_cell, grading_cell, nonce }
                }
            }
        };
        exercises.push(PlannedExercise { number: spec.number, plan });
    }
    inserts.sort_by_key(|(index, _)| std::cmp::Reverse(*index));
    for (index, cell) in inserts {
        notebook.cells.insert(index + 1, cell);
    }
    Prepared { notebook, exercises, uses_solutions, refused_cells }
}

fn find_exercise_cell(notebook: &Notebook, cell_id: &str, number: u32) -> Option<usize> {
    let is_code = |c: &Cell| matches!(c, Cell::Code { .. });
    notebook.cells.iter().position(|c| is_code(c) && c.id().as_str() == cell_id).or_else(|| {
        notebook.cells.iter().position(|c| match c {
            Cell::Code { metadata, .. } => metadata
                .additional
                .get("course")
                .and_then(|m| m.get("exercise"))
                .and_then(|n| n.as_u64())
                == Some(u64::from(number)),
            _ => false,
        })
    })
}

/// The grader's checking cell: runs the released check and prints one record line that starts
/// with the nonce. A block, so it shows no feedback of its own, and so no line starts with `:`
/// (evcxr takes any such line, `::course::…` included, as one of its commands).
fn grading_cell_for(id: &str, check: &str, nonce: &str) -> Cell {
    let source = format!(
        "// Added by the grader; not part of the learner's notebook.\n{{ ::course::exercise::grading::report(&({check}), \"{nonce}\"); }}\n"
    );
    Cell::Code {
        id: CellId::new(id).unwrap_or_else(|_| CellId::from(uuid::Uuid::new_v4())),
        metadata: CellMetadata::default(),
        execution_count: None,
        source: source.lines().map(|l| format!("{l}\n")).collect(),
        outputs: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_learner_is_the_file_stem_or_the_folder() {
        let names = learner_names(
            &[
                PathBuf::from("class/alice.ipynb"),
                PathBuf::from("class/bob/03_jacobian_backprop.ipynb"),
                PathBuf::from("other/alice.ipynb"),
            ],
            "03_jacobian_backprop",
        );
        assert_eq!(names, ["alice", "bob", "alice-2"]);
    }
}
