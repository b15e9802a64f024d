//! The record a check leaves for a batch grader (`grade`, crate `grade`), as opposed to the
//! feedback a learner reads.
//!
//! The grader appends its own cell after each exercise cell of a submission, calling the
//! exercise's check by its full path (`::course::nb03::check_exercise_1(&answer_1)`) and passing
//! the result here with a nonce that is fresh for that cell and never written where the
//! learner's code can read it before the cell runs. The line this prints is the only output
//! the grader reads: a learner's own `println!("✓ Exercise 1: correct!")`, or one with the
//! words of a record, lacks the nonce.

use serde_json::json;

use super::{Feedback, Status};

/// Stable, machine-readable name of a state, used in gradebooks: `not_attempted`, `incorrect`,
/// `correct`, `code_error`, `ungraded`.
pub fn status_key(status: Status) -> &'static str {
    match status {
        Status::NotAttempted => "not_attempted",
        Status::Incorrect => "incorrect",
        Status::Correct => "correct",
        Status::CodeError => "code_error",
        Status::Ungraded => "ungraded",
    }
}

/// One line: `NONCE {"exercise":…,"status":…,"message":…,"details":[…]}` (JSON without
/// newlines, so the line is the record).
pub fn record_line(feedback: &Feedback, nonce: &str) -> String {
    let body = json!({
        "exercise": feedback.exercise,
        "status": status_key(feedback.status),
        "message": feedback.message,
        "details": feedback.details,
    });
    format!("{nonce} {body}")
}

/// Prints [`record_line`] to stdout; what the grader's cell calls. Returns nothing, so the
/// cell shows no learner-facing feedback.
pub fn report(feedback: &Feedback, nonce: &str) {
    println!("{}", record_line(feedback, nonce));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_is_one_line_of_json_after_the_nonce() {
        let fb = Feedback::new(2, Status::Incorrect, "line one\nline \"two\"").detail("a\tb");
        let line = record_line(&fb, "n0nce");
        assert!(!line.contains('\n'));
        let (nonce, body) = line.split_once(' ').unwrap();
        assert_eq!(nonce, "n0nce");
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["exercise"], 2);
        assert_eq!(v["status"], "incorrect");
        assert_eq!(v["message"], "line one\nline \"two\"");
        assert_eq!(v["details"][0], "a\tb");
    }

    #[test]
    fn every_state_has_a_distinct_key() {
        let all = [Status::NotAttempted, Status::Incorrect, Status::Correct, Status::CodeError, Status::Ungraded];
        let keys: std::collections::HashSet<_> = all.iter().map(|s| status_key(*s)).collect();
        assert_eq!(keys.len(), all.len());
    }
}
