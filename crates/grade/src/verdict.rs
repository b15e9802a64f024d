//! From what ran to a verdict per exercise. Only the grader's own record line counts as a
//! verdict from the checker; every other way a run can end is said in the grader's words.

use serde::{Deserialize, Serialize};

use crate::cgroup::Usage;
use crate::submission::{Plan, PlannedExercise, Prepared};
use crate::worker::{CellOutcome, Outcome};

/// The state of one exercise in the gradebook: the checker's five, the same names as
/// `course::exercise::grading::status_key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// The scaffold is untouched, or the cell is missing.
    NotAttempted,
    /// The checker judged it wrong.
    Incorrect,
    /// The checker judged it right.
    Correct,
    /// The learner's code failed (compile error, panic, an `Err` from `?`, NaN).
    CodeError,
    /// No verdict: the run did not reach the check, the check could not run, or the answer
    /// needs a person (free text, reference solutions used).
    Ungraded,
}

impl State {
    /// The gradebook's word for it.
    pub fn key(self) -> &'static str {
        match self {
            State::NotAttempted => "not_attempted",
            State::Incorrect => "incorrect",
            State::Correct => "correct",
            State::CodeError => "code_error",
            State::Ungraded => "ungraded",
        }
    }

    fn from_key(key: &str) -> Option<State> {
        [State::NotAttempted, State::Incorrect, State::Correct, State::CodeError, State::Ungraded]
            .into_iter()
            .find(|s| s.key() == key)
    }
}

/// One exercise of one submission.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    /// The exercise number.
    pub exercise: u32,
    /// Its state.
    pub state: State,
    /// What the learner saw (the checker's message), or why there is no verdict.
    pub diagnosis: String,
    /// Seconds its cells ran (the learner's exercise cell and the grader's check).
    pub seconds: f64,
}

/// Verdicts for a submission that could not be run at all (it does not parse, say).
pub fn all_ungraded(exercises: &[u32], why: &str) -> Vec<Verdict> {
    exercises
        .iter()
        .map(|&exercise| Verdict { exercise, state: State::Ungraded, diagnosis: why.to_string(), seconds: 0.0 })
        .collect()
}

/// Verdicts for a submission that ran (or started to).
pub fn judge(prepared: &Prepared, outcome: &Outcome, usage: &Usage) -> Vec<Verdict> {
    let context = RunContext { outcome, usage };
    prepared
        .exercises
        .iter()
        .map(|planned| {
            let mut verdict = judge_one(planned, &context);
            if verdict.state == State::Correct && prepared.uses_solutions {
                verdict.state = State::Ungraded;
                verdict.diagnosis = format!(
                    "the check says correct, but the notebook uses the course's reference solutions \
                     (`solutions::…`): check by hand. The check said: {}",
                    verdict.diagnosis
                );
            }
            if verdict.state == State::CodeError && (usage.process_limit_hits > 0 || usage.oom_kills > 0) {
                // Once a limit is hit, cells fail for lack of processes or memory, not because
                // of their code.
                verdict.state = State::Ungraded;
                verdict.diagnosis = format!("{}; {}", verdict.diagnosis, context.why_stopped());
            }
            verdict
        })
        .collect()
}

struct RunContext<'a> {
    outcome: &'a Outcome,
    usage: &'a Usage,
}

impl RunContext<'_> {
    fn cell(&self, id: &str) -> Option<&CellOutcome> {
        self.outcome.cells.iter().find(|c| c.id == id)
    }

    /// Why the run stopped, in the grader's words, with what the limits say.
    fn why_stopped(&self) -> String {
        let mut parts = Vec::new();
        if let Some(failure) = &self.outcome.failure {
            parts.push(first_line(failure));
        }
        if self.usage.process_limit_hits > 0 {
            parts.push(format!(
                "the submission hit the process limit {} times (a fork bomb?)",
                self.usage.process_limit_hits
            ));
        }
        if self.usage.oom_kills > 0 {
            parts.push(format!("the memory limit killed {} process(es)", self.usage.oom_kills));
        }
        if parts.is_empty() {
            parts.push("the run ended early".to_string());
        }
        parts.join("; ")
    }
}

fn judge_one(planned: &PlannedExercise, run: &RunContext) -> Verdict {
    let verdict = |state, diagnosis: String, seconds| Verdict { exercise: planned.number, state, diagnosis, seconds };
    let (learner_cell, grading_cell, nonce) = match &planned.plan {
        Plan::Missing => {
            return verdict(State::NotAttempted, "the submission has no cell for this exercise".into(), 0.0);
        }
        Plan::Refused(why) => return verdict(State::Ungraded, why.clone(), 0.0),
        Plan::Check { learner_cell, grading_cell, nonce } => (learner_cell, grading_cell, nonce),
    };
    let Some(learner) = run.cell(learner_cell) else {
        return verdict(State::Ungraded, format!("never ran: {}", run.why_stopped()), 0.0);
    };
    let grader = run.cell(grading_cell);
    let seconds = learner.seconds + grader.map_or(0.0, |g| g.seconds);
    match learner.status.as_str() {
        "ok" => {}
        _ if failed(&learner.status) => {
            return verdict(State::CodeError, format!("the exercise cell failed: {}", short(&learner.message)), seconds);
        }
        "timeout" => {
            return verdict(
                State::Ungraded,
                format!("the exercise cell ran past the time limit (an endless loop?); {}", run.why_stopped()),
                seconds,
            );
        }
        // nbrun skips an empty cell (a cell with a refused command never gets here: Plan::Refused).
        "skipped" => return verdict(State::NotAttempted, "the exercise cell is empty".into(), seconds),
        "not_run" => return verdict(State::Ungraded, format!("never ran: {}", run.why_stopped()), seconds),
        _ => {
            return verdict(
                State::Ungraded,
                format!("the kernel died in the exercise cell: {}; {}", short(&learner.message), run.why_stopped()),
                seconds,
            );
        }
    }
    let Some(grader) = grader else {
        return verdict(State::Ungraded, format!("the check never ran: {}", run.why_stopped()), seconds);
    };
    let records: Vec<&str> = grader.stdout.lines().filter_map(|l| l.strip_prefix(nonce.as_str())).collect();
    match records.as_slice() {
        // A record counts only from a check cell that finished normally: learner code that
        // got hold of the nonce and printed a record before killing the kernel gets nothing.
        [record] if grader.status == "ok" => from_record(record, planned.number)
            .map(|(state, diagnosis)| verdict(state, diagnosis, seconds))
            .unwrap_or_else(|why| verdict(State::Ungraded, why, seconds)),
        [_] => verdict(
            State::Ungraded,
            format!("the check did not finish normally ({}): {}", grader.status, run.why_stopped()),
            seconds,
        ),
        [] if grader.status == "ok" => {
            verdict(State::Ungraded, "the check printed no record (its output was redirected?)".into(), seconds)
        }
        // evcxr prints an `Err` that reaches a cell's `?` on stderr, with status "ok", and
        // keeps none of the cell's variables, so the check cannot find the answer.
        [] if failed(&grader.status) && !learner.stderr.trim().is_empty() => verdict(
            State::CodeError,
            format!("the exercise cell stopped with an error: {}", first_line(&learner.stderr)),
            seconds,
        ),
        [] if failed(&grader.status) => verdict(
            State::Ungraded,
            format!("the check could not run on this notebook: {}", short(&grader.message)),
            seconds,
        ),
        [] => verdict(State::Ungraded, format!("the check did not finish: {}", run.why_stopped()), seconds),
        _ => verdict(
            State::Ungraded,
            format!("the check's record was printed {} times: its output was tampered with", records.len()),
            seconds,
        ),
    }
}

/// The state and diagnosis in a record line's JSON (after the nonce).
fn from_record(json: &str, number: u32) -> Result<(State, String), String> {
    let value: serde_json::Value =
        serde_json::from_str(json.trim()).map_err(|e| format!("the check's record is not JSON ({e})"))?;
    if value.get("exercise").and_then(|n| n.as_u64()) != Some(u64::from(number)) {
        return Err(format!("the check's record is for exercise {}, not {number}", value["exercise"]));
    }
    let state = value
        .get("status")
        .and_then(|s| s.as_str())
        .and_then(State::from_key)
        .ok_or_else(|| format!("the check's record has no known status: {}", value["status"]))?;
    let mut diagnosis = value.get("message").and_then(|m| m.as_str()).unwrap_or_default().to_string();
    for detail in value.get("details").and_then(|d| d.as_array()).into_iter().flatten() {
        if let Some(d) = detail.as_str() {
            diagnosis.push_str(" • ");
            diagnosis.push_str(d);
        }
    }
    Ok((state, diagnosis))
}

fn failed(status: &str) -> bool {
    matches!(status, "allowed_failure" | "failed")
}

fn first_line(text: &str) -> String {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string()
}

/// A failure message cut to what fits a gradebook cell: from its first `error` on, without
/// evcxr's box-drawing frame, at most 300 characters.
fn short(message: &str) -> String {
    let frame = |c: char| "│╭╮╰╯─┬┴├┤┼·".contains(c);
    let lines: Vec<String> = message
        .lines()
        .map(|l| l.chars().filter(|&c| !frame(c)).collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    let start = lines.iter().position(|l| l.contains("error") || l.contains("panicked at")).unwrap_or(0);
    let first = lines.get(start).map(|l| &l[l.find("error").unwrap_or(0)..]).unwrap_or("");
    let mut text = first.to_string();
    // The line after says where, or (a panic) what; evcxr also repeats a compile error's
    // message as `Error: …`.
    let repeats = |next: &&String| first.starts_with("error") && next.contains(first.trim_start_matches("error: "));
    if let Some(next) = lines.get(start + 1).filter(|n| !repeats(n)) {
        text.push(' ');
        text.push_str(next);
    }
    if text.chars().count() > 300 { text.chars().take(300).collect::<String>() + "…" } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_must_name_its_exercise_and_a_known_state() {
        let ok = from_record(r#"{"exercise":2,"status":"incorrect","message":"m","details":["d"]}"#, 2).unwrap();
        assert_eq!(ok, (State::Incorrect, "m • d".to_string()));
        assert!(from_record(r#"{"exercise":1,"status":"correct","message":"m"}"#, 2).is_err());
        assert!(from_record(r#"{"exercise":2,"status":"excellent","message":"m"}"#, 2).is_err());
        assert!(from_record("not json", 2).is_err());
    }

    #[test]
    fn a_compile_error_is_cut_to_its_error_line() {
        let evcxr = "   ╭─[command_25:1:1]\n   │\n 2 │ x\n   │ ┬\n   │ ╰── error: cannot find value `x` in this scope\n   │\n";
        assert_eq!(short(evcxr), "error: cannot find value `x` in this scope");
        let repeated = "error: mismatched closing delimiter: `}`\nError: mismatched closing delimiter: `}`";
        assert_eq!(short(repeated), "error: mismatched closing delimiter: `}`");
        let panic = "panic\n    thread '<unnamed>' panicked at src/lib.rs:3:9:\n    index out of bounds: the len is 0 but the index is 5";
        assert_eq!(short(panic), "thread '<unnamed>' panicked at src/lib.rs:3:9: index out of bounds: the len is 0 but the index is 5");
    }
}
