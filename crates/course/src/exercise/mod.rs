//! The exercise system: one [`Exercise`] object per exercise, grouped per notebook in a
//! [`Notebook`] (notebook 03's are in [`crate::nb03`]).
//!
//! An exercise declares its prompt, what its answer looks like, its hints (from a nudge to the
//! method; only the last may give the answer away), its solution (explanation and code, folded),
//! and the words that would give the answer away (a test checks the hints against them). Its check
//! is declarative where the answer is a matrix ([`MatrixCheck`]: the expected matrix, a
//! [`Tolerance`], and an ordered list of [`Mistake`]s, each a reusable detector with its
//! diagnosis), and a function built from the same pieces otherwise ([`scalar`] detectors for
//! numbers, [`text::read`] for free text).
//!
//! A check reports one of five [`Status`]es (learntools' four, and a neutral "could not grade"):
//!
//! | status | when |
//! |---|---|
//! | not attempted | the scaffold is untouched ([`Unanswered`], or `None`) |
//! | incorrect | the answer is wrong: a specific diagnosis that names the mistake |
//! | correct | the answer is right: a confirmation that adds one insight |
//! | error in your code | the answer cannot be used (NaN, a tensor of the wrong rank, W and x that do not fit) |
//! | could not grade | free text the checker cannot read: neutral, no ✗, says how to answer |
//!
//! Answers are taken in any reasonable form ([`answer`]), so a wrong shape reaches the checker.

pub mod answer;
mod feedback;
pub mod grading;
mod help;
pub mod matrix;
pub mod scalar;
pub mod text;
pub(crate) mod words;

pub use answer::{
    MatrixAnswer, Number, Read, ReadError, ScalarAnswer, ShapeAnswer, TextAnswer, Tolerance, Unanswered, VectorAnswer,
};
pub use feedback::{Feedback, Status};
pub use help::Help;
pub use matrix::{Ctx, Diagnosis, MatrixCheck, Mistake};

/// One exercise of a notebook: what it asks, how to answer, hints and solution. Its check is a
/// function of the notebook's module (e.g. `course::nb03::check_exercise_1`).
#[derive(Debug, Clone, Copy)]
pub struct Exercise {
    /// The notebook it belongs to (`"03"`): keys the hint progress.
    pub notebook: &'static str,
    /// Its number within the notebook (1-based).
    pub number: u8,
    /// A short title.
    pub title: &'static str,
    /// The question, as the notebook asks it.
    pub prompt: &'static str,
    /// What to write in place of the scaffold, shown while it is not attempted.
    pub form: &'static str,
    /// Hints, from a nudge to the method; only the last may state the answer.
    pub hints: &'static [&'static str],
    /// The solution's explanation (shown folded, with the code).
    pub explanation: &'static str,
    /// The solution's code: the exercise cell with the answer filled in, ending in its check.
    pub solution: &'static str,
    /// Words that give the answer away: no hint but the last, and no unfolded text, may contain
    /// them (tested).
    pub reveals: &'static [&'static str],
}

impl Exercise {
    /// "Not attempted yet", with what to write and where to get a hint.
    pub fn not_attempted(&self) -> Feedback {
        Feedback::new(
            self.number,
            Status::NotAttempted,
            format!("{} and re-run the cell. Stuck? `hint({})` gives a hint.", self.form, self.number),
        )
    }

    /// A feedback for this exercise.
    pub fn feedback(&self, status: Status, message: impl Into<String>) -> Feedback {
        Feedback::new(self.number, status, message)
    }

    /// One more hint than the last call showed (progress survives across cells).
    pub fn hint(&self) -> Help {
        help::next_hint(self)
    }

    /// The first `level` hints, without touching the progress.
    pub fn hints_up_to(&self, level: usize) -> Help {
        help::hints_up_to(self, level)
    }

    /// The solution: explanation and code, folded until clicked.
    pub fn solution(&self) -> Help {
        help::solution(self)
    }

    /// "The checker itself failed": a bug in the course, not in the learner's answer.
    pub fn internal_error(&self, e: &dyn std::fmt::Display) -> Feedback {
        self.feedback(
            Status::CodeError,
            format!("The checker could not compute the reference answer ({e}). This is a bug in the course; please report it."),
        )
    }
}

/// A notebook's exercises, for `hint(n)` and `solution(n)`.
#[derive(Debug, Clone, Copy)]
pub struct Notebook {
    /// Its exercises, numbered 1, 2, … in order.
    pub exercises: &'static [Exercise],
}

impl Notebook {
    /// Exercise `n` (1-based).
    pub fn get(&self, n: u8) -> Option<&'static Exercise> {
        self.exercises.iter().find(|e| e.number == n)
    }

    /// One more hint for exercise `n`, or a message that there is no such exercise.
    pub fn hint(&self, n: u8) -> Help {
        self.get(n).map_or_else(|| Help::no_such_exercise(n, self.exercises.len(), "hint"), Exercise::hint)
    }

    /// The solution to exercise `n`, or a message that there is no such exercise.
    pub fn solution(&self, n: u8) -> Help {
        self.get(n).map_or_else(|| Help::no_such_exercise(n, self.exercises.len(), "solution"), Exercise::solution)
    }
}
