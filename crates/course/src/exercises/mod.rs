//! The four exercises of notebook 03 and their checks.
//!
//! Each `check_exercise_N` takes the learner's answer as an `Option` (`None` = the scaffold
//! is untouched) and returns a [`Feedback`], which renders in the notebook.
mod feedback;

pub use feedback::{Feedback, Status};

/// Exercise 1: the Jacobian of f(x,y) = (x² + y, xy, eˣ) at (1, 2).
pub fn check_exercise_1(answer: Option<[[f64; 2]; 3]>) -> Feedback {
    match answer {
        None => Feedback::not_attempted(1),
        Some(_) => Feedback::not_attempted(1),
    }
}

/// Exercise 2: the shape of ∂y/∂x for a 3→5→4→2→1 network.
pub fn check_exercise_2(answer: Option<(usize, usize)>) -> Feedback {
    match answer {
        None => Feedback::not_attempted(2),
        Some(_) => Feedback::not_attempted(2),
    }
}

/// Exercise 3: an input that kills every neuron of relu(W x + b), and the Jacobian there.
pub fn check_exercise_3(
    _w: &candle_core::Tensor,
    _b: &candle_core::Tensor,
    x: Option<[f64; 2]>,
    jacobian: Option<[[f64; 2]; 3]>,
) -> Feedback {
    match (x, jacobian) {
        _ => Feedback::not_attempted(3),
    }
}

/// Exercise 4: sigmoid's Jacobian at z = 10, and why it hurts training.
pub fn check_exercise_4(value: Option<f64>, why: Option<char>) -> Feedback {
    match (value, why) {
        _ => Feedback::not_attempted(4),
    }
}

/// A hint for exercise `n` (placeholder until the checkers land).
pub fn hint(n: u8) -> Feedback {
    Feedback::not_attempted(n)
}

/// The solution to exercise `n` (placeholder until the checkers land).
pub fn solution(n: u8) -> Feedback {
    Feedback::not_attempted(n)
}
