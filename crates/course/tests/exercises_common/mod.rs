//! The exercise test cases, shared by the fast tests (`tests/exercises.rs`, which run each case's
//! code as Rust) and the kernel tests (`tests/exercises_kernel.rs`, which run the same code as a
//! notebook cell on the real kernel). Each case is written once, as code: the `case!` macro both
//! compiles it into a function and keeps its source text.
#![allow(dead_code)]
// The cases are learners' answers, mistakes included: NaN from 0/0, e typed as 2.718.
#![allow(clippy::eq_op, clippy::approx_constant, clippy::zero_divided_by_zero)]
// Written as the scaffolds are: `check_exercise_1(&answer_1)` (see `course::exercises::Answer`).
#![allow(clippy::needless_borrows_for_generic_args)]

use course::exercises::{Feedback, Status};

/// One learner answer and what its check must say.
pub struct Case {
    /// Which exercise.
    pub exercise: u8,
    /// A short name, used as the notebook cell id (letters, digits and `-`).
    pub name: &'static str,
    /// The status the check must report.
    pub status: Status,
    /// Fragments the feedback's plain text must contain (the specific diagnosis).
    pub expect: &'static [&'static str],
    /// The cell's source, as the learner would type it.
    pub code: String,
    /// The same code, compiled here.
    pub run: fn() -> Result<Feedback, Box<dyn std::error::Error>>,
}

macro_rules! case {
    ($ex:literal, $name:literal, $status:ident, [$($expect:literal),* $(,)?], { $($body:tt)* }) => {
        Case {
            exercise: $ex,
            name: $name,
            status: Status::$status,
            expect: &[$($expect),*],
            code: stringify!($($body)*).to_string(),
            run: || -> Result<Feedback, Box<dyn std::error::Error>> {
                #[allow(unused_imports)]
                use course::prelude::*;
                Ok({ $($body)* })
            },
        }
    };
}

/// Every case: at least four realistic wrong answers per exercise, each with its specific
/// diagnosis, plus code errors, partial answers and right answers in other forms.
pub fn cases() -> Vec<Case> {
    vec![
        // ---- Exercise 1: the Jacobian of (x² + y, xy, eˣ) at (1, 2) --------------------------
        case!(1, "ex1-e-squared", Incorrect,
            ["Entry (3,1) should be ∂f3/∂x = eˣ at x = 1; you have e²", "did you evaluate at y?"], {
            let answer_1: Option<[[f64; 2]; 3]> = Some([[2.0, 1.0], [2.0, 1.0], [1f64.exp() * 1f64.exp(), 0.0]]);
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-swapped-columns", Incorrect, ["columns are swapped", "[∂f_i/∂x, ∂f_i/∂y]"], {
            let answer_1: Option<[[f64; 2]; 3]> = Some([[1.0, 2.0], [1.0, 2.0], [0.0, 1f64.exp()]]);
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-transposed-read-as-rows", Incorrect, ["transposed Jacobian", "outputs×inputs"], {
            let answer_1: Option<[[f64; 2]; 3]> = Some([[2.0, 2.0], [1f64.exp(), 1.0], [1.0, 0.0]]);
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-transposed-2x3", Incorrect,
            ["You gave the shape as inputs×outputs (2×3), i.e. the transposed Jacobian", "3×2"], {
            let answer_1: Option<[[f64; 3]; 2]> = Some([[2.0, 2.0, 1f64.exp()], [1.0, 1.0, 0.0]]);
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-wrong-point-2-1", Incorrect, ["evaluated at (x, y) = (2, 1) instead of (1, 2)"], {
            let e = 1f64.exp();
            let answer_1: Option<[[f64; 2]; 3]> = Some([[4.0, 1.0], [1.0, 2.0], [e * e, 0.0]]);
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-wrong-point-origin", Incorrect, ["evaluated at (x, y) = (0, 0) instead of (1, 2)"], {
            let answer_1: Option<[[f64; 2]; 3]> = Some([[0.0, 1.0], [0.0, 0.0], [1.0, 0.0]]);
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-sign-error", Incorrect, ["Entry (2,1) has the wrong sign"], {
            let answer_1: Option<[[f64; 2]; 3]> = Some([[2.0, 1.0], [-2.0, 1.0], [1f64.exp(), 0.0]]);
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-all-signs", Incorrect, ["Every nonzero entry has the wrong sign"], {
            let answer_1: Option<[[f64; 2]; 3]> = Some([[-2.0, -1.0], [-2.0, -1.0], [-1f64.exp(), 0.0]]);
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-cos-from-section-1", Incorrect, ["cos(1)", "section 1", "f3 = eˣ"], {
            let answer_1: Option<[[f64; 2]; 3]> = Some([[2.0, 1.0], [2.0, 1.0], [1f64.cos(), 0.0]]);
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-product-rule", Incorrect,
            ["Entry (2,1) is ∂f2/∂x", "you have 1 = x: did you differentiate with respect to y instead?"], {
            let answer_1: Option<[[f64; 2]; 3]> = Some([[2.0, 1.0], [1.0, 1.0], [1f64.exp(), 0.0]]);
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-e-in-y-column", Incorrect, ["Entry (3,2) is ∂f3/∂y, but f3 = eˣ has no y in it"], {
            let answer_1: Option<[[f64; 2]; 3]> = Some([[2.0, 1.0], [2.0, 1.0], [1f64.exp(), 1f64.exp()]]);
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-two-mistakes", Incorrect,
            ["2 of the 6 entries differ", "Entry (1,1) is ∂f1/∂x; you have 1, which is x² itself", "Entry (1,2) is ∂f1/∂y"], {
            let answer_1: Option<[[f64; 2]; 3]> = Some([[1.0, 0.0], [2.0, 1.0], [1f64.exp(), 0.0]]);
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-rows-out-of-order", Incorrect, ["rows are right but in the wrong order"], {
            let answer_1: Option<[[f64; 2]; 3]> = Some([[1f64.exp(), 0.0], [2.0, 1.0], [2.0, 1.0]]);
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-e-too-rough", Incorrect, ["is close, but outside the tolerance", "`1f64.exp()`"], {
            let answer_1: Option<[[f64; 2]; 3]> = Some([[2.0, 1.0], [2.0, 1.0], [2.7, 0.0]]);
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-nan", CodeError, ["Entry (3,1) of your answer (∂f3/∂x) is NaN"], {
            let answer_1: Option<[[f64; 2]; 3]> = Some([[2.0, 1.0], [2.0, 1.0], [0.0 / 0.0, 0.0]]);
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-e-rounded", Correct, ["Each row is the gradient of one output", "within the tolerance"], {
            let answer_1: Option<[[f64; 2]; 3]> = Some([[2.0, 1.0], [2.0, 1.0], [2.718, 0.0]]);
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-library-tensor", Correct, ["Each row is the gradient of one output"], {
            let answer_1: Option<Tensor> = Some(jacobian(
                |v: &Tensor| {
                    let (x, y) = (v.get(0)?, v.get(1)?);
                    Tensor::stack(&[(x.sqr()? + &y)?, (&x * &y)?, x.exp()?], 0)
                },
                &tensor(&[1.0, 2.0])?,
            )?);
            check_exercise_1(&answer_1)
        }),
        // ---- Exercise 2: the shape of ∂y/∂x for 3 → 5 → 4 → 2 → 1 -----------------------------
        case!(2, "ex2-inputs-by-outputs", Incorrect,
            ["You gave the shape as inputs×outputs (3, 1); a Jacobian is outputs×inputs"], {
            let answer_2: Option<(usize, usize)> = Some((3, 1));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-first-layer", Incorrect, ["(5, 3) is the Jacobian of the first layer alone"], {
            let answer_2: Option<(usize, usize)> = Some((5, 3));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-first-layer-turned", Incorrect, ["(3, 5) is the first layer's shape turned around"], {
            let answer_2: Option<(usize, usize)> = Some((3, 5));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-last-layer", Incorrect, ["(1, 2) is the Jacobian of the fourth (last) layer alone"], {
            let answer_2: Option<(usize, usize)> = Some((1, 2));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-rows-right", Incorrect, ["The number of rows is right", "how many entries does x have?"], {
            let answer_2: Option<(usize, usize)> = Some((1, 5));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-cols-right", Incorrect, ["The number of columns is right"], {
            let answer_2: Option<(usize, usize)> = Some((2, 3));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-product-of-sizes", Incorrect, ["multiplies or adds the layer sizes"], {
            let answer_2: Option<(usize, usize)> = Some((120, 120));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-gradient-shape", Incorrect, ["(3,) is the shape of the gradient"], {
            let answer_2: Option<[usize; 1]> = Some([3]);
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-right", Correct, ["∂y/∂x is 1×3", "(1×2)(2×4)(4×5)(5×3)"], {
            let answer_2: Option<(usize, usize)> = Some((1, 3));
            check_exercise_2(&answer_2)
        }),
        // ---- Exercise 3: an input that kills every neuron --------------------------------------
        case!(3, "ex3-only-some-dead", Incorrect,
            ["neuron 3 is still alive: its pre-activation is z₃ = 1 > 0", "only some neurons are dead", "Dead already (z ≤ 0): neurons 1 and 2 ✓", "Your Jacobian: row 3 belongs to a live neuron"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3: Option<[f64; 2]> = Some([-1.0, -1.0]);
            let jacobian_3: Option<[[f64; 2]; 3]> = Some([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]);
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-neuron-2-alive", Incorrect, ["neuron 2 is still alive: its pre-activation is z₂ = 0.7 > 0"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3: Option<[f64; 2]> = Some([-0.5, -2.7]);
            let jacobian_3: Option<[[f64; 2]; 3]> = Some([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]);
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-origin", Incorrect,
            ["neuron 1 is still alive: its pre-activation is z₁ = 0.5 > 0", "Your Jacobian is right for this x"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3: Option<[f64; 2]> = Some([0.0, 0.0]);
            let jacobian_3: Option<[[f64; 2]; 3]> = Some([[1.0, 2.0], [0.0, 0.0], [0.0, 0.0]]);
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-jacobian-is-w", Incorrect, ["That's W, the Jacobian of the linear part", "kill every neuron ✓"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3: Option<[f64; 2]> = Some([-1.0, -3.0]);
            let jacobian_3: Option<[[f64; 2]; 3]> = Some([[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]]);
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-identity", Incorrect, ["That's the identity"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3: Option<[f64; 2]> = Some([-1.0, -3.0]);
            let jacobian_3: Option<[[f64; 2]; 3]> = Some([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]);
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-transposed", Incorrect, ["You gave the shape as inputs×outputs (2×3)"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3: Option<[f64; 2]> = Some([-1.0, -3.0]);
            let jacobian_3: Option<[[f64; 3]; 2]> = Some([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]);
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-relu-jacobian-alone", Incorrect, ["3×3 is the shape of J_ReLU alone"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3: Option<[f64; 2]> = Some([-1.0, -3.0]);
            let jacobian_3: Option<[[f64; 3]; 3]> = Some([[0.0; 3]; 3]);
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-dead-row-not-zero", Incorrect,
            ["Row 2 should be zero: neuron 2 is dead (z₂ = -0.5 ≤ 0)", "no gradient flows back"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3: Option<[f64; 2]> = Some([-1.0, -3.0]);
            let jacobian_3: Option<[[f64; 2]; 3]> = Some([[0.0, 0.0], [3.0, -1.0], [0.0, 0.0]]);
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-no-jacobian-yet", Incorrect, ["kills every neuron ✓", "`jacobian_3` is still `None`"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3: Option<[f64; 2]> = Some([-1.0, -3.0]);
            let jacobian_3: Option<[[f64; 2]; 3]> = None;
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-no-x", Incorrect, ["no input x"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3: Option<[f64; 2]> = None;
            let jacobian_3: Option<[[f64; 2]; 3]> = Some([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]);
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-w-is-3x3", CodeError,
            ["W is 3×3, so W x needs x with 3 entries", "your x has 2", "The library said"], {
            let w3 = matrix(&[[1.0, 2.0, 0.0], [3.0, -1.0, 0.0], [-2.0, 1.0, 0.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3: Option<[f64; 2]> = Some([-1.0, -3.0]);
            let jacobian_3: Option<[[f64; 2]; 3]> = Some([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]);
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-w-is-2x3", CodeError, ["`w3` is 2×3, so the layer has 2 neurons, but `b3` has 3 entries"], {
            let w3 = matrix(&[[1.0, 2.0, 0.0], [3.0, -1.0, 0.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3: Option<[f64; 2]> = Some([-1.0, -3.0]);
            let jacobian_3: Option<[[f64; 2]; 3]> = Some([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]);
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-at-the-boundary", Correct, ["Neuron 3 sits exactly at z₃ = 0", "ReLU′(0) = 0"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3: Option<[f64; 2]> = Some([-1.0, -2.0]);
            let jacobian_3: Option<[[f64; 2]; 3]> = Some([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]);
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-another-input", Correct, ["every pre-activation is ≤ 0", "dying-ReLU"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3: Option<[f64; 2]> = Some([-2.0, -5.0]);
            let jacobian_3: Option<[[f64; 2]; 3]> = Some([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]);
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-library-jacobian", Correct, ["every pre-activation is ≤ 0"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3: Option<[f64; 2]> = Some([-1.0, -3.0]);
            let jacobian_3: Option<Tensor> =
                Some(jacobian(|x: &Tensor| relu(&(matvec(&w3, x)? + &b3)?), &tensor(&[-1.0, -3.0])?)?);
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        // ---- Exercise 4: sigmoid at 10 ---------------------------------------------------------
        case!(4, "ex4-zero", Incorrect, ["sigmoid′(10) is about 4.5e-5, not 0: saturated but not exactly zero"], {
            let sigmoid_jacobian_at_10: Option<f64> = Some(0.0);
            let why_4: Option<&str> = Some("B");
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-sigmoid-itself", Incorrect, ["is σ(10), sigmoid's output at 10"], {
            let sigmoid_jacobian_at_10: Option<f64> = Some(0.99995);
            let why_4: Option<&str> = Some("B");
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-slope-at-0", Incorrect, ["0.25 is σ′(0)"], {
            let sigmoid_jacobian_at_10: Option<f64> = Some(0.25);
            let why_4: Option<&str> = Some("B");
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-sign", Incorrect, ["Wrong sign"], {
            let sigmoid_jacobian_at_10: Option<f64> = Some(-4.54e-5);
            let why_4: Option<&str> = Some("B");
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-one-minus-sigma", Incorrect, ["You have 1 − σ(10)", "the factor σ(10) = 0.99995 is missing"], {
            let sigmoid_jacobian_at_10: Option<f64> = Some(1.0 - 1.0 / (1.0 + (-10f64).exp()));
            let why_4: Option<&str> = Some("B");
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-tanh", Incorrect, ["is tanh′(10)"], {
            let sigmoid_jacobian_at_10: Option<f64> = Some(1.0 - 10f64.tanh().powi(2));
            let why_4: Option<&str> = Some("B");
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-explodes", Incorrect, ["(b) A is the opposite", "(a) ✓"], {
            let sigmoid_jacobian_at_10: Option<f64> = Some(4.54e-5);
            let why_4: Option<&str> = Some("A");
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-not-square", Incorrect, ["a 1×1 matrix is square"], {
            let sigmoid_jacobian_at_10: Option<f64> = Some(4.54e-5);
            let why_4: Option<&str> = Some("C");
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-not-differentiable", Incorrect, ["differentiable everywhere"], {
            let sigmoid_jacobian_at_10: Option<f64> = Some(4.54e-5);
            let why_4: Option<char> = Some('d');
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-off-by-a-bit", Incorrect, ["right order of magnitude", "outside the 1% tolerance"], {
            let sigmoid_jacobian_at_10: Option<f64> = Some(4.7e-5);
            let why_4: Option<&str> = Some("B");
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-why-missing", Incorrect, ["(b) is still `None`"], {
            let sigmoid_jacobian_at_10: Option<f64> = Some(4.54e-5);
            let why_4: Option<&str> = None;
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-two-by-two", CodeError, ["shape [2, 2] with 4 entries", "1×1 Jacobian"], {
            let sigmoid_jacobian_at_10: Option<Tensor> = Some(jacobian(sigmoid, &tensor(&[10.0, 10.0])?)?);
            let why_4: Option<&str> = Some("B");
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-f32-closed-form", Correct, ["vanishing gradient", "computed in f32"], {
            let sigmoid_jacobian_at_10: Option<Tensor> = Some(sigmoid_jacobian(&tensor(&[10.0])?)?);
            let why_4: Option<&str> = Some("B");
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-e-to-the-minus-10", Correct, ["large-z approximation"], {
            let sigmoid_jacobian_at_10: Option<f64> = Some((-10f64).exp());
            let why_4: Option<&str> = Some("b");
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-in-words", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10: Option<f64> = Some(4.5e-5);
            let why_4: Option<&str> = Some("the gradient vanishes, so learning stalls");
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
    ]
}

/// The status a feedback's plain text reports, read from its headline.
pub fn status_in_text(text: &str) -> Option<Status> {
    let head = text.lines().find(|l| l.contains(" Exercise "))?;
    [
        ("not attempted", Status::NotAttempted),
        ("error in your code", Status::CodeError),
        ("incorrect", Status::Incorrect),
        ("correct!", Status::Correct),
    ]
    .into_iter()
    .find(|(word, _)| head.contains(word))
    .map(|(_, s)| s)
}
