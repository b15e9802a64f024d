//! Notebook 03's four exercises (Jacobians and backprop), as [`Exercise`] objects, and the checks
//! their cells call.
//!
//! The scaffolds start as `let answer_1 = Unanswered;`, so any answer compiles: an array of any
//! size, a `Vec`, a tensor, a tuple, a number, a string; a wrong shape reaches the checker and gets
//! a diagnosis. The `Option` scaffolds of earlier versions (`let answer_1: Option<[[f64; 2]; 3]> =
//! None;`) work too.
//!
//! ```
//! use course::nb03::*;
//! use course::exercise::{Status, Unanswered};
//! assert_eq!(check_exercise_2(None::<(usize, usize)>).status, Status::NotAttempted);
//! assert_eq!(check_exercise_1(Unanswered).status, Status::NotAttempted);
//! let e = std::f64::consts::E;
//! let fb = check_exercise_1([[2.0, 1.0], [2.0, 1.0], [e * e, 0.0]]);
//! assert_eq!(fb.status, Status::Incorrect);
//! assert!(fb.message.contains("Entry (3,1) should be ∂f3/∂x = eˣ at x = 1; you have e²"));
//! ```

mod ex1;
mod ex2;
mod ex3;
mod ex4;
pub mod solutions;

use candle_core::Tensor;

use crate::exercise::{
    Exercise, Feedback, Help, MatrixAnswer, Notebook, ScalarAnswer, ShapeAnswer, TextAnswer, Tolerance, VectorAnswer,
};

/// Exercise 1 (a Jacobian by hand): `abs = 1e-4`, `rel = 5e-3`, so e may be typed as `2.72` or
/// `2.718` (but not `2.7`), and `1f64.exp()` or an f32 result from the library is accepted too.
pub const TOLERANCE_1: Tolerance = Tolerance { abs: 1e-4, rel: 5e-3 };

/// Exercise 3 (the dead layer's Jacobian, whose entries are 0 or entries of W): `abs = 1e-6`,
/// `rel = 1e-4`. Pre-activations are compared with 0 exactly: `z ≤ 0` is dead (`ReLU′(0) = 0`).
pub const TOLERANCE_3: Tolerance = Tolerance { abs: 1e-6, rel: 1e-4 };

/// Exercise 4 (σ′(10) ≈ 4.54e-5): `abs = 1e-9`, `rel = 1e-2`. Two significant digits (`4.5e-5`)
/// pass, as does the library's f32 result in either form (autodiff gives 4.5396e-5; the closed
/// form σ(1 − σ) in f32 gives 4.5417e-5 because `1 − σ(10)` cancels). σ(−10) = 1 − σ(10) is
/// within 0.005 % of the answer but is recognised (and diagnosed) before the tolerance applies.
pub const TOLERANCE_4: Tolerance = Tolerance { abs: 1e-9, rel: 1e-2 };

/// Exercise 1: the Jacobian of f(x, y) = (x² + y, xy, eˣ) at (1, 2).
pub static EXERCISE_1: Exercise = Exercise {
    notebook: "03",
    number: 1,
    title: "Manual Jacobian",
    prompt: "Compute the Jacobian of f(x, y) = (x² + y, xy, eˣ) by hand at (1, 2).",
    form: "Replace `Unanswered` with your Jacobian, row by row: `[[∂f1/∂x, ∂f1/∂y], [∂f2/∂x, ∂f2/∂y], [∂f3/∂x, ∂f3/∂y]]`",
    hints: &[
        "A Jacobian has one row per output and one column per input. How many outputs does f have, and how many inputs?",
        "Entry (i, j) is ∂f_i/∂x_j: differentiate output i with respect to one variable while treating the other as a \
         constant, for example ∂(x² + y)/∂x = 2x. Do that for all six entries, then put in the point.",
        "The point (1, 2) means x = 1 and y = 2. f3 = eˣ has no y in it, and eˣ is its own derivative; `1f64.exp()` \
         is e in Rust.",
    ],
    explanation: "Row i is the gradient of f_i: ∇(x² + y) = (2x, 1), ∇(xy) = (y, x), ∇eˣ = (eˣ, 0), evaluated at \
                  x = 1, y = 2: [[2, 1], [2, 1], [e, 0]].",
    solution: solutions::CELL_1,
    reveals: &["[[2", "(2x, 1)", "(y, x)"],
};

/// Exercise 2: the shape of ∂y/∂x for a 3 → 5 → 4 → 2 → 1 network.
pub static EXERCISE_2: Exercise = Exercise {
    notebook: "03",
    number: 2,
    title: "Chain Rule",
    prompt: "For a 4-layer network with shapes 3→5→4→2→1, what is the shape of the full Jacobian ∂y/∂x?",
    form: "Replace `None` with `Some((rows, cols))`",
    hints: &[
        "A Jacobian's shape is (number of outputs) × (number of inputs) of the whole function x ↦ y.",
        "By the chain rule ∂y/∂x = J₄·J₃·J₂·J₁, and a layer n_in → n_out has an n_out×n_in Jacobian (its weight \
         matrix's shape). Write down the four shapes and multiply them as matrices.",
        "In a matrix product the inner sizes cancel: (1×2)(2×4)(4×5)(5×3). Only the network's output size and input \
         size survive.",
    ],
    explanation: "∂y/∂x = J₄·J₃·J₂·J₁ multiplies (1×2)(2×4)(4×5)(5×3); the inner sizes cancel and leave 1×3: outputs \
                  of the network × inputs of the network.",
    solution: solutions::CELL_2,
    reveals: &["1×3", "(1, 3)", "(1×2)(2×4)"],
};

/// Exercise 3: an input that kills every neuron of the given ReLU layer, and the Jacobian there.
pub static EXERCISE_3: Exercise = Exercise {
    notebook: "03",
    number: 3,
    title: "Dead Neurons",
    prompt: "Create an input where ALL neurons in a ReLU layer are dead. What is the Jacobian?",
    form: "Replace the two `Unanswered`s with your input x (2 numbers) and the layer's Jacobian there",
    hints: &[
        "Neuron i is dead when its pre-activation z_i = (W x + b)_i is ≤ 0: then ReLU′(z_i) = 0. Keep `w3` and `b3` \
         as given: the task is to find x.",
        "Write out the three conditions z_i ≤ 0 with the exercise's W and b: each is a half-plane in (x₁, x₂). Look \
         for a point in all three at once: try a negative x₁, then search x₂ between the lines.",
        "The layer's Jacobian is J_ReLU · W = diag(1[z > 0]) · W. When every z_i ≤ 0, what is diag(1[z > 0])? The \
         result keeps the shape 3×2. One input that works is x = (−1, −3).",
    ],
    explanation: "x = (−1, −3) gives z = (−6.5, −0.5, −1): every neuron is dead, so J_ReLU = 0 and the layer's Jacobian \
                  J_ReLU·W is the 3×2 zero matrix. (Any x with every z_i ≤ 0 is just as right.)",
    solution: solutions::CELL_3,
    reveals: &["(−1, −3)", "[-1.0, -3.0]", "zero matrix"],
};

/// Exercise 4: sigmoid's Jacobian at z = 10, and why that is a problem for training.
pub static EXERCISE_4: Exercise = Exercise {
    notebook: "03",
    number: 4,
    title: "Sigmoid Saturation",
    prompt: "Compute the Jacobian of sigmoid at z = 10. Why is this problematic for training?",
    form: "Replace the two `Unanswered`s with (a) the value and (b) your choice of reason, a letter A–D in quotes",
    hints: &[
        "At a single number z, sigmoid's Jacobian is 1×1: just its slope σ′(z). Where on the S-shaped curve is \
         z = 10, and how steep is the curve there?",
        "σ′(z) = σ(z)(1 − σ(z)). Compute σ(10) = 1/(1 + e⁻¹⁰) in f64, or let the library do it: \
         `jacobian(sigmoid, &tensor(&[10.0])?)?` (a tensor is accepted as the answer).",
        "σ′(10) is about 4.5e-5. Backprop multiplies the gradient arriving at this neuron by it: what happens to a \
         gradient multiplied by about 0.00005, layer after layer?",
    ],
    explanation: "σ′(10) = σ(10)(1 − σ(10)) ≈ 4.54e-5, and the reason is B: backprop multiplies the gradient by this \
                  tiny number, so it vanishes (saturation).",
    solution: solutions::CELL_4,
    reveals: &["4.5e-5", "4.54e-5", "0.00005", "4.5396", "\"B\"", "reason is B"],
};

/// Notebook 03's exercises, in order.
pub static NOTEBOOK: Notebook = Notebook { exercises: &[EXERCISE_1, EXERCISE_2, EXERCISE_3, EXERCISE_4] };

/// Exercise 1's check: the Jacobian of f(x, y) = (x² + y, xy, eˣ) at (1, 2), as a 3×2 matrix in
/// any [`MatrixAnswer`] form (any shape compiles; a wrong one is diagnosed).
///
/// Compared entry by entry with [`TOLERANCE_1`] against the library's Jacobian. Recognised
/// mistakes, in order: transposed (2×3, or read row by row into 3×2), a flipped sign, rows or
/// columns swapped (and with flipped signs), the right formulas at another point, too few digits
/// (e ≈ 3), a power of ten, one row's entries swapped, then each wrong entry by its (row, column):
/// e², cos(1), sin(1), x or y for the other's derivative, …
pub fn check_exercise_1(answer: impl MatrixAnswer) -> Feedback {
    ex1::check(answer.read_matrix())
}

/// Exercise 2's check: the shape of ∂y/∂x for a 3 → 5 → 4 → 2 → 1 network, as `(rows, cols)`
/// (or `[rows, cols]`, a string "1x3", or the Jacobian tensor itself).
///
/// Recognised mistakes: inputs×outputs, one layer's Jacobian or its transpose, right rows or
/// right columns only, a 1-D gradient shape, sums or products of the layer sizes.
pub fn check_exercise_2(answer: impl ShapeAnswer) -> Feedback {
    ex2::check(answer.read_shape())
}

/// Exercise 3's check: an input `x` at which every neuron of `relu(w x + b)` is dead, and the
/// layer's Jacobian there.
///
/// `w` and `b` must be the exercise's layer ([`solutions::W_3`], [`solutions::B_3`]): the task is
/// to find x for the given layer, so a changed `w3` or `b3` is never marked correct (the feedback
/// says what changed, and grades x on the given layer). Any input that really kills every neuron
/// (every `z_i ≤ 0`; `ReLU′(0) = 0`) is accepted. Diagnoses name each neuron that is still alive
/// and its pre-activation, and a Jacobian given as `W`, `−W`, the identity, transposed, `J_ReLU`
/// alone, or with a nonzero row for a dead neuron. Shapes of `w`, `b` and `x` that do not fit are
/// "error in your code".
pub fn check_exercise_3(w: &Tensor, b: &Tensor, x: impl VectorAnswer, jacobian: impl MatrixAnswer) -> Feedback {
    ex3::check(w, b, x.read_vector(), jacobian.read_matrix())
}

/// Exercise 4's check: (a) the Jacobian of sigmoid at z = 10, a number or the library's 1×1
/// tensor; (b) why that is a problem for training: a letter A–D in any wrapping, or a sentence
/// (English, German, French, Chinese), graded with negation.
///
/// (a) is compared with σ′(10) = 4.5396e-5 with [`TOLERANCE_4`]. Recognised mistakes: exactly 0,
/// σ(−10) = 1 − σ(10) (the missing factor σ(10)), σ(10) itself, σ′(0) = 0.25, a flipped sign, a
/// power of ten, too few digits, tanh′(10), e¹⁰, anything above 1/4. When (a) is right and (b)
/// cannot be read, the state is "could not grade", not incorrect.
pub fn check_exercise_4(value: impl ScalarAnswer, why: impl TextAnswer) -> Feedback {
    ex4::check(value.read_scalar(), why.read_text())
}

/// A hint for exercise `n` (1–4). Each call reveals one more hint than the previous call for the
/// same exercise, up to all of them; then it points to `solution(n)`.
///
/// ```
/// use course::nb03::hint;
/// let first = hint(2);
/// assert_eq!(first.lines.len(), 1);
/// let second = hint(2);
/// assert_eq!(second.lines.len(), 2);
/// assert!(second.title.starts_with("Hint 2 of 3"));
/// ```
pub fn hint(n: u8) -> Help {
    NOTEBOOK.hint(n)
}

/// The solution to exercise `n` (1–4): explanation and code, folded until you click "Show the
/// solution".
pub fn solution(n: u8) -> Help {
    NOTEBOOK.solution(n)
}
