//! The gradebook: one CSV row per learner and exercise, the same data as JSON with per-learner
//! figures, and a summary per exercise, which is what an instructor reads first.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::verdict::{State, Verdict};
use crate::Error;

/// One graded submission.
#[derive(Debug, Clone, Serialize)]
pub struct Submission {
    /// The learner's name (file stem or folder).
    pub learner: String,
    /// The submitted file.
    pub path: PathBuf,
    /// One verdict per exercise, in the assignment's order.
    pub exercises: Vec<Verdict>,
    /// Seconds from the start of this submission to its verdicts (copying the kernel slot,
    /// kernel start and every cell).
    pub seconds: f64,
    /// Peak memory of its kernel and everything it started, MiB (None if not measured).
    pub peak_memory_mib: Option<f64>,
    /// What happened to the run as a whole (kernel died, limit hit, cells not run), if anything.
    pub notes: Vec<String>,
    /// The executed notebook, with the grader's cells, for a closer look.
    pub executed: Option<PathBuf>,
}

/// One exercise's line of the summary.
#[derive(Debug, Clone, Serialize)]
pub struct ExerciseSummary {
    /// The exercise number.
    pub exercise: u32,
    /// How many learners are in each state (`correct`, `incorrect`, …).
    pub states: BTreeMap<&'static str, usize>,
    /// The most common diagnosis among incorrect answers and code errors, and how many had it.
    pub most_common_diagnosis: Option<(String, usize)>,
}

/// Per exercise: the count of each state and the most common diagnosis of a wrong answer or an
/// error in the code.
pub fn summarize(submissions: &[Submission]) -> Vec<ExerciseSummary> {
    let mut numbers: Vec<u32> = submissions.iter().flat_map(|s| s.exercises.iter().map(|v| v.exercise)).collect();
    numbers.sort_unstable();
    numbers.dedup();
    numbers
        .into_iter()
        .map(|exercise| {
            let verdicts: Vec<&Verdict> =
                submissions.iter().flat_map(|s| s.exercises.iter()).filter(|v| v.exercise == exercise).collect();
            let mut states = BTreeMap::new();
            let mut diagnoses: BTreeMap<&str, usize> = BTreeMap::new();
            for v in &verdicts {
                *states.entry(v.state.key()).or_insert(0) += 1;
                // What the instructor wants to know is the commonest mistake, not how many left
                // the scaffold untouched (that count is in `states`).
                if matches!(v.state, State::Incorrect | State::CodeError) {
                    *diagnoses.entry(v.diagnosis.as_str()).or_insert(0) += 1;
                }
            }
            // Ties go to the first diagnosis in sort order, so the summary is stable.
            let most_common_diagnosis = diagnoses
                .into_iter()
                .fold(None, |best: Option<(&str, usize)>, (d, n)| match best {
                    Some((_, m)) if m >= n => best,
                    _ => Some((d, n)),
                })
                .map(|(d, n)| (d.to_string(), n));
            ExerciseSummary { exercise, states, most_common_diagnosis }
        })
        .collect()
}

/// The summary as text for the terminal.
pub fn summary_text(summaries: &[ExerciseSummary], learners: usize) -> String {
    let mut out = String::new();
    for s in summaries {
        let count = |k: &str| s.states.get(k).copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "Exercise {}: {}/{learners} correct, {} incorrect, {} not attempted, {} error in code, {} could not grade",
            s.exercise,
            count("correct"),
            count("incorrect"),
            count("not_attempted"),
            count("code_error"),
            count("ungraded"),
        );
        if let Some((diagnosis, n)) = &s.most_common_diagnosis {
            let _ = writeln!(out, "  most common ({n}×): {}", shorten(diagnosis, 160));
        }
    }
    out
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max { text.to_string() } else { text.chars().take(max).collect::<String>() + "…" }
}

/// Writes the CSV (columns `learner, submission, exercise, state, diagnosis, seconds`) and the
/// JSON (`{assignment, submissions: [...], summary: [...]}`). `Error::Io` if either cannot be
/// written; each is written to a temporary file and renamed, so a reader never sees half.
pub fn write(csv_path: &Path, json_path: &Path, assignment: &Path, submissions: &[Submission]) -> Result<(), Error> {
    let io = |path: &Path, e: &dyn std::fmt::Display| Error::Io(format!("cannot write {}: {e}", path.display()));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(["learner", "submission", "exercise", "state", "diagnosis", "seconds"])
        .map_err(|e| io(csv_path, &e))?;
    for s in submissions {
        for v in &s.exercises {
            writer
                .write_record([
                    s.learner.as_str(),
                    &s.path.display().to_string(),
                    &v.exercise.to_string(),
                    v.state.key(),
                    &v.diagnosis,
                    &format!("{:.2}", v.seconds),
                ])
                .map_err(|e| io(csv_path, &e))?;
        }
    }
    let csv_bytes = writer.into_inner().map_err(|e| io(csv_path, &e))?;
    nbrun::notebook::write_atomic(csv_path, &csv_bytes).map_err(|e| io(csv_path, &e))?;

    let json = serde_json::json!({
        "assignment": assignment,
        "submissions": submissions,
        "summary": summarize(submissions),
    });
    let text = serde_json::to_string_pretty(&json).map_err(|e| io(json_path, &e))?;
    nbrun::notebook::write_atomic(json_path, text.as_bytes()).map_err(|e| io(json_path, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(exercise: u32, state: State, diagnosis: &str) -> Verdict {
        Verdict { exercise, state, diagnosis: diagnosis.into(), seconds: 1.0 }
    }

    fn submission(learner: &str, exercises: Vec<Verdict>) -> Submission {
        Submission {
            learner: learner.into(),
            path: PathBuf::from(format!("{learner}.ipynb")),
            exercises,
            seconds: 1.0,
            peak_memory_mib: None,
            notes: vec![],
            executed: None,
        }
    }

    #[test]
    fn the_summary_counts_states_and_finds_the_commonest_mistake() {
        let class = [
            submission("a", vec![verdict(1, State::Correct, "yes")]),
            submission("b", vec![verdict(1, State::Incorrect, "transposed")]),
            submission("c", vec![verdict(1, State::Incorrect, "transposed")]),
            submission("d", vec![verdict(1, State::NotAttempted, "not yet")]),
        ];
        let summary = summarize(&class);
        assert_eq!(summary[0].states["correct"], 1);
        assert_eq!(summary[0].states["incorrect"], 2);
        assert_eq!(summary[0].most_common_diagnosis, Some(("transposed".to_string(), 2)));
        let text = summary_text(&summary, class.len());
        assert!(text.starts_with("Exercise 1: 1/4 correct, 2 incorrect, 1 not attempted"), "{text}");
    }

    #[test]
    fn diagnoses_with_commas_and_newlines_survive_the_csv() {
        let dir = tempfile::tempdir().unwrap();
        let (csv_path, json_path) = (dir.path().join("g.csv"), dir.path().join("g.json"));
        let class = [submission("a", vec![verdict(1, State::Incorrect, "rows, \"quoted\"\nand more")])];
        write(&csv_path, &json_path, Path::new("nb.ipynb"), &class).unwrap();
        let mut reader = csv::Reader::from_path(&csv_path).unwrap();
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(&row[4], "rows, \"quoted\"\nand more");
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(json_path).unwrap()).unwrap();
        assert_eq!(json["submissions"][0]["exercises"][0]["state"], "incorrect");
    }
}
