//! What a check tells the learner, and how it shows in the notebook.

/// The four states of a check, modelled on Kaggle's learntools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The scaffold is untouched: a friendly prompt, not a failure.
    NotAttempted,
    /// The answer is wrong; the message says how.
    Incorrect,
    /// The answer is right; the message adds one insight.
    Correct,
    /// The learner's code failed (e.g. a shape error from the library).
    CodeError,
}

/// The result of checking one exercise. Its `evcxr_display` renders it in the notebook.
#[derive(Debug, Clone)]
pub struct Feedback {
    /// Which exercise (1-based).
    pub exercise: u8,
    /// The verdict.
    pub status: Status,
    /// What to tell the learner.
    pub message: String,
}

impl Feedback {
    /// "Not attempted yet" for exercise `n`.
    pub fn not_attempted(n: u8) -> Self {
        Self {
            exercise: n,
            status: Status::NotAttempted,
            message: format!("Exercise {n}: not attempted yet. Fill in the cell above and re-run it."),
        }
    }

    /// Plain-text form, used as the `text/plain` fallback.
    pub fn to_text(&self) -> String {
        self.message.clone()
    }

    /// Prints the feedback for evcxr (text/plain).
    pub fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT text/plain\n{}\nEVCXR_END_CONTENT", self.to_text());
    }
}
