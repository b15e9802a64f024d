//! The exercise test cases, shared by the fast tests (`tests/exercises.rs`, which run each case's
//! code as Rust) and the kernel tests (`tests/exercises_kernel.rs`, which run the same code as a
//! notebook cell on the real kernel). Each case is written once, as code: the `case!` macro both
//! compiles it into a function and keeps its source text.
#![allow(dead_code)]
// The cases are learners' answers, mistakes included: NaN from 0/0, e typed as 2.718.
#![allow(clippy::eq_op, clippy::approx_constant, clippy::zero_divided_by_zero)]
// Written as the scaffolds are: `check_exercise_1(&answer_1)` (see `course::exercises::Answer`).
#![allow(clippy::needless_borrows_for_generic_args)]

use course::exercise::{Feedback, Status};

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

/// Every case: at least 25 realistic wrong answers per exercise, each with its specific
/// diagnosis, plus code errors, neutral "could not grade" answers, and right answers in every
/// accepted form.
pub fn cases() -> Vec<Case> {
    vec![
        // ---- Exercise 1: the Jacobian of (x² + y, xy, eˣ) at (1, 2) --------------------------
        case!(1, "ex1-e-squared", Incorrect, ["Entry (3,1) should be ∂f3/∂x = eˣ at x = 1; you have e²", "did you evaluate at y?"], {
            let answer_1 = [[2.0, 1.0], [2.0, 1.0], [1f64.exp() * 1f64.exp(), 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-swapped-columns", Incorrect, ["columns are swapped", "[∂f_i/∂x, ∂f_i/∂y]"], {
            let answer_1 = [[1.0, 2.0], [1.0, 2.0], [0.0, 1f64.exp()]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-transposed-read-as-rows", Incorrect, ["transposed Jacobian", "outputs×inputs"], {
            let answer_1 = [[2.0, 2.0], [1f64.exp(), 1.0], [1.0, 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-transposed-2x3", Incorrect, ["You gave the shape as inputs×outputs (2×3), i.e. the transposed Jacobian", "3×2"], {
            let answer_1 = [[2.0, 2.0, 1f64.exp()], [1.0, 1.0, 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-transposed-2x3-ints", Incorrect, ["You gave the shape as inputs×outputs (2×3); a Jacobian is outputs×inputs"], {
            let answer_1 = [[2, 2, 3], [1, 1, 0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-wrong-point-2-1", Incorrect, ["evaluated at (x, y) = (2, 1) instead of (1, 2)"], {
            let e = 1f64.exp();
            let answer_1 = [[4.0, 1.0], [1.0, 2.0], [e * e, 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-wrong-point-origin", Incorrect, ["evaluated at (x, y) = (0, 0) instead of (1, 2)"], {
            let answer_1 = [[0.0, 1.0], [0.0, 0.0], [1.0, 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-sign-error", Incorrect, ["Entry (2,1) has the wrong sign", "∂f2/∂x is positive here"], {
            let answer_1 = [[2.0, 1.0], [-2.0, 1.0], [1f64.exp(), 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-all-signs", Incorrect, ["Every nonzero entry has the wrong sign"], {
            let answer_1 = [[-2.0, -1.0], [-2.0, -1.0], [-1f64.exp(), 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-swap-and-sign", Incorrect, ["Two mistakes at once: the columns are swapped, and every sign is flipped"], {
            let answer_1 = [[-1.0, -2.0], [-1.0, -2.0], [0.0, -1f64.exp()]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-transposed-and-sign", Incorrect, ["Two mistakes at once: you transposed it (inputs×outputs), and every sign is flipped"], {
            let answer_1 = [[-2.0, -2.0, -1f64.exp()], [-1.0, -1.0, 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-cos-from-section-1", Incorrect, ["cos(1)", "section 1", "f3 = eˣ"], {
            let answer_1 = [[2.0, 1.0], [2.0, 1.0], [1f64.cos(), 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-sin-from-section-1", Incorrect, ["sin(1)", "the entry is its derivative"], {
            let answer_1 = [[2.0, 1.0], [2.0, 1.0], [1f64.sin(), 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-product-rule", Incorrect, ["Entry (2,1) is ∂f2/∂x", "you have 1 = x: did you differentiate with respect to y instead?"], {
            let answer_1 = [[2.0, 1.0], [1.0, 1.0], [1f64.exp(), 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-x-plus-y", Incorrect, ["Entry (2,2) is ∂f2/∂y; you have 3 = x + y"], {
            let answer_1 = [[2.0, 1.0], [2.0, 3.0], [1f64.exp(), 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-dy-is-y", Incorrect, ["Entry (1,2) is ∂f1/∂y = ∂(x² + y)/∂y; you have 2, the value of y"], {
            let answer_1 = [[2.0, 2.0], [2.0, 1.0], [1f64.exp(), 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-2x-at-y", Incorrect, ["Entry (1,1) should be ∂f1/∂x = 2x at x = 1; you have 4 = 2·2"], {
            let answer_1 = [[4.0, 1.0], [2.0, 1.0], [1f64.exp(), 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-power-rule-on-exp", Incorrect, ["Entry (3,1) is ∂f3/∂x = d(eˣ)/dx; you have 1", "power rule"], {
            let answer_1 = [[2.0, 1.0], [2.0, 1.0], [1.0, 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-e-in-y-column", Incorrect, ["Entry (3,2) is ∂f3/∂y, but f3 = eˣ has no y in it"], {
            let answer_1 = [[2.0, 1.0], [2.0, 1.0], [1f64.exp(), 1f64.exp()]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-two-mistakes", Incorrect, ["2 of the 6 entries differ", "Entry (1,1) is ∂f1/∂x; you have 1, which is x² itself", "Entry (1,2) is ∂f1/∂y"], {
            let answer_1 = [[1.0, 0.0], [2.0, 1.0], [1f64.exp(), 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-rows-out-of-order", Incorrect, ["rows are right but in the wrong order", "f1, f2, f3"], {
            let answer_1 = [[1f64.exp(), 0.0], [2.0, 1.0], [2.0, 1.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-one-row-swapped", Incorrect, ["In row 1, the entries are swapped", "[∂f1/∂x, ∂f1/∂y]"], {
            let answer_1 = [[1.0, 2.0], [2.0, 1.0], [1f64.exp(), 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-e-too-rough", Incorrect, ["The precision is too low", "keeps only 2 significant digits of 2.718", "`1f64.exp()`"], {
            let answer_1 = [[2.0, 1.0], [2.0, 1.0], [2.7, 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-e-is-3", Incorrect, ["The precision is too low", "= 3 keeps only 1 significant digit"], {
            let answer_1 = [[2, 1], [2, 1], [3, 0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-power-of-ten", Incorrect, ["Every wrong entry is off by the same factor of 10"], {
            let answer_1 = [[20.0, 10.0], [20.0, 10.0], [27.18, 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-one-row-of-six", Incorrect, ["You have 6 numbers, the right ones in the right order, in a 1×6 shape", "3×2"], {
            let answer_1 = [2.0, 1.0, 2.0, 1.0, 1f64.exp(), 0.0];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-flat-tensor", Incorrect, ["in a 1×6 shape"], {
            let answer_1 = tensor(&[2.0, 1.0, 2.0, 1.0, 1f64.exp(), 0.0])?;
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-three-by-three", Incorrect, ["Your matrix is 3×3", "one row per output (f1, f2, f3), one column per input (x, y)"], {
            let answer_1 = [[2.0, 1.0, 0.0], [2.0, 1.0, 0.0], [1f64.exp(), 0.0, 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-row-swapped-tensor", Incorrect, ["In row 2, the entries are swapped"], {
            let answer_1 = matrix(&[[2.0, 1.0], [1.0, 2.0], [1f64.exp(), 0.0]])?;
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-vec-one-entry-wrong", Incorrect, ["Entry (3,2) is ∂f3/∂y"], {
            let answer_1 = vec![vec![2.0, 1.0], vec![2.0, 1.0], vec![1f64.exp(), 0.5]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-nan", CodeError, ["Entry (3,1) of your answer (∂f3/∂x) is NaN"], {
            let answer_1 = [[2.0, 1.0], [2.0, 1.0], [0.0 / 0.0, 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-infinity", CodeError, ["Entry (1,1) of your answer (∂f1/∂x) is ∞"], {
            let answer_1 = [[1.0 / 0.0, 1.0], [2.0, 1.0], [1f64.exp(), 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-ragged", CodeError, ["cannot be read as a matrix", "row 2 has 1"], {
            let answer_1 = vec![vec![2.0, 1.0], vec![2.0], vec![1f64.exp(), 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-3d-tensor", CodeError, ["not a matrix"], {
            let answer_1 = Tensor::zeros((3, 2, 1), DType::F32, &Device::Cpu)?;
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-library-error-without-question-mark", CodeError, ["the code that computes it failed", "add `?`"], {
            let answer_1 = tensor(&[2.0, 1.0, 2.0, 1.0, 1f64.exp()])?.reshape((3, 2));
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-e-rounded", Correct, ["Each row is the gradient of one output", "within the tolerance"], {
            let answer_1 = [[2.0, 1.0], [2.0, 1.0], [2.718, 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-f64-array", Correct, ["Each row is the gradient of one output"], {
            let answer_1 = [[2.0, 1.0], [2.0, 1.0], [std::f64::consts::E, 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-f32-array", Correct, ["Each row is the gradient of one output"], {
            let answer_1 = [[2.0f32, 1.0], [2.0, 1.0], [1f32.exp(), 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-nested-vec", Correct, ["Each row is the gradient of one output"], {
            let answer_1 = vec![vec![2.0, 1.0], vec![2.0, 1.0], vec![1f64.exp(), 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-vec-of-arrays", Correct, ["Each row is the gradient of one output"], {
            let answer_1 = vec![[2.0, 1.0], [2.0, 1.0], [1f64.exp(), 0.0]];
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-matrix-tensor", Correct, ["Each row is the gradient of one output"], {
            let answer_1 = matrix(&[[2.0, 1.0], [2.0, 1.0], [1f64.exp(), 0.0]])?;
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-old-option-scaffold", Correct, ["Each row is the gradient of one output"], {
            let answer_1 = Some([[2.0, 1.0], [2.0, 1.0], [1f64.exp(), 0.0]]);
            check_exercise_1(&answer_1)
        }),
        case!(1, "ex1-library-tensor", Correct, ["Each row is the gradient of one output"], {
            let answer_1 = jacobian(
                |v: &Tensor| {
                    let (x, y) = (v.get(0)?, v.get(1)?);
                    Tensor::stack(&[(x.sqr()? + &y)?, (&x * &y)?, x.exp()?], 0)
                },
                &tensor(&[1.0, 2.0])?,
            )?;
            check_exercise_1(&answer_1)
        }),
        // ---- Exercise 2: the shape of ∂y/∂x for 3 → 5 → 4 → 2 → 1 -----------------------------
        case!(2, "ex2-inputs-by-outputs", Incorrect, ["You gave the shape as inputs×outputs (3, 1); a Jacobian is outputs×inputs"], {
            let answer_2 = Some((3, 1));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-inputs-by-outputs-string", Incorrect, ["inputs×outputs (3, 1)"], {
            let answer_2 = "3x1";
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-first-layer", Incorrect, ["(5, 3) is the Jacobian of the first layer alone"], {
            let answer_2 = Some((5, 3));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-first-layer-turned", Incorrect, ["(3, 5) is the first layer's shape turned around"], {
            let answer_2 = Some((3, 5));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-second-layer", Incorrect, ["(4, 5) is the Jacobian of the second layer alone"], {
            let answer_2 = Some((4, 5));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-second-layer-turned", Incorrect, ["(5, 4) is the second layer's shape turned around"], {
            let answer_2 = Some((5, 4));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-third-layer", Incorrect, ["(2, 4) is the Jacobian of the third layer alone"], {
            let answer_2 = Some((2, 4));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-third-layer-turned", Incorrect, ["(4, 2) is the third layer's shape turned around"], {
            let answer_2 = Some((4, 2));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-last-layer", Incorrect, ["(1, 2) is the Jacobian of the fourth (last) layer alone"], {
            let answer_2 = Some((1, 2));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-last-layer-turned", Incorrect, ["(2, 1) is the fourth (last) layer's shape turned around"], {
            let answer_2 = Some((2, 1));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-rows-right", Incorrect, ["The number of rows is right", "how many entries does x have?"], {
            let answer_2 = Some((1, 5));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-rows-right-scalar", Incorrect, ["The number of rows is right"], {
            let answer_2 = Some((1, 1));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-cols-right", Incorrect, ["The number of columns is right"], {
            let answer_2 = Some((2, 3));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-cols-right-square", Incorrect, ["The number of columns is right"], {
            let answer_2 = Some((3, 3));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-product-of-sizes", Incorrect, ["multiplies or adds the layer sizes"], {
            let answer_2 = Some((120, 120));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-sum-of-sizes", Incorrect, ["multiplies or adds the layer sizes"], {
            let answer_2 = Some((15, 15));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-gradient-shape", Incorrect, ["(3,) is the shape of the gradient"], {
            let answer_2 = [3];
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-three-dims", Incorrect, ["(1, 3, 1) has 3 dimension(s)"], {
            let answer_2 = vec![1, 3, 1];
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-no-dims", Incorrect, ["() has 0 dimension(s)"], {
            let answer_2 = Vec::<usize>::new();
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-zero-dim", Incorrect, ["has a zero dimension"], {
            let answer_2 = Some((0, 3));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-hidden-sizes", Incorrect, ["is not the shape of ∂y/∂x", "only the first and last sizes of 3 → 5 → 4 → 2 → 1 matter"], {
            let answer_2 = Some((4, 4));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-two-by-two", Incorrect, ["is not the shape of ∂y/∂x"], {
            let answer_2 = Some((2, 2));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-five-by-one", Incorrect, ["(5, 1) is not the shape of ∂y/∂x"], {
            let answer_2 = Some((5, 1));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-array", Incorrect, ["(3, 1); a Jacobian is outputs×inputs"], {
            let answer_2 = [3, 1];
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-first-layer-tensor", Incorrect, ["(5, 3) is the Jacobian of the first layer alone"], {
            let answer_2 = Tensor::zeros((5, 3), DType::F32, &Device::Cpu)?;
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-untyped-ints", Incorrect, ["inputs×outputs (3, 1)"], {
            let answer_2 = (3, 1);
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-fraction", CodeError, ["cannot be read as a shape", "1.5 is not a size"], {
            let answer_2 = (1.5, 3);
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-string-without-numbers", CodeError, ["has no sizes in it"], {
            let answer_2 = "one by three";
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-right", Correct, ["∂y/∂x is 1×3", "(1×2)(2×4)(4×5)(5×3)"], {
            let answer_2 = Some((1, 3));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-right-typed", Correct, ["∂y/∂x is 1×3"], {
            let answer_2: Option<(usize, usize)> = Some((1, 3));
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-right-array", Correct, ["∂y/∂x is 1×3"], {
            let answer_2 = [1, 3];
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-right-vec", Correct, ["∂y/∂x is 1×3"], {
            let answer_2 = vec![1usize, 3];
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-right-string", Correct, ["∂y/∂x is 1×3"], {
            let answer_2 = "1×3";
            check_exercise_2(&answer_2)
        }),
        case!(2, "ex2-right-tensor", Correct, ["∂y/∂x is 1×3"], {
            let answer_2 = Tensor::zeros((1, 3), DType::F32, &Device::Cpu)?;
            check_exercise_2(&answer_2)
        }),
        // ---- Exercise 3: an input that kills every neuron --------------------------------------
        case!(3, "ex3-only-some-dead", Incorrect, ["neuron 3 is still alive: its pre-activation is z₃ = 1 > 0", "only some neurons are dead", "Dead already (z ≤ 0): neurons 1 and 2 ✓", "Your Jacobian: row 3 belongs to a live neuron"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-1.0, -1.0];
            let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-neuron-2-alive", Incorrect, ["neuron 2 is still alive: its pre-activation is z₂ = 0.7 > 0"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-0.5, -2.7];
            let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-origin", Incorrect, ["neuron 1 is still alive: its pre-activation is z₁ = 0.5 > 0", "Your Jacobian is right for this x"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [0.0, 0.0];
            let jacobian_3 = [[1.0, 2.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-origin-zero-jacobian", Incorrect, ["neuron 1 is still alive", "Your Jacobian: row 1 belongs to a live neuron (z₁ = 0.5 > 0)"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [0.0, 0.0];
            let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-two-alive", Incorrect, ["neuron 1 is still alive: its pre-activation is z₁ = 3.5 > 0", "neuron 2 is still alive: its pre-activation is z₂ = 1.5 > 0"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [1.0, 1.0];
            let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-all-alive", Incorrect, ["neuron 1 is still alive: its pre-activation is z₁ = 6 > 0", "neuron 2 is still alive: its pre-activation is z₂ = 0.25 > 0", "neuron 3 is still alive", "Every z_i = w_i·x + b_i must be ≤ 0 at the same x"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [1.0, 2.25];
            let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-tuple-ints", Incorrect, ["neuron 3 is still alive: its pre-activation is z₃ = 1 > 0"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = (-1, -1);
            let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-one-boundary-one-alive", Incorrect, ["neuron 3 is still alive: its pre-activation is z₃ = 1 > 0", "Dead already (z ≤ 0): neurons 1 and 2"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-0.5, 0.0];
            let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-alive-jacobian-is-w", Incorrect, ["neuron 1 is still alive", "Your Jacobian: that's W"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [0.0, 0.0];
            let jacobian_3 = [[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-jacobian-is-w", Incorrect, ["That's W, the Jacobian of the linear part", "kill every neuron ✓"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-1.0, -3.0];
            let jacobian_3 = [[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-jacobian-is-w-tensor", Incorrect, ["That's W, the Jacobian of the linear part"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-1.0, -3.0];
            let jacobian_3 = w3.clone();
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-jacobian-is-minus-w", Incorrect, ["That's −W"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-1.0, -3.0];
            let jacobian_3 = [[-1.0, -2.0], [-3.0, 1.0], [2.0, -1.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-identity", Incorrect, ["That's the identity"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-1.0, -3.0];
            let jacobian_3 = [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-identity-2x2", Incorrect, ["A 2×2 identity would mean the layer passes its input through unchanged"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-1.0, -3.0];
            let jacobian_3 = [[1.0, 0.0], [0.0, 1.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-transposed", Incorrect, ["You gave the shape as inputs×outputs (2×3)"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-1.0, -3.0];
            let jacobian_3 = [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-relu-jacobian-alone", Incorrect, ["3×3 is the shape of J_ReLU alone", "J_ReLU · W"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-1.0, -3.0];
            let jacobian_3 = [[0.0; 3]; 3];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-one-row", Incorrect, ["Your Jacobian is 1×2, but the layer maps 2 inputs to 3 outputs"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-1.0, -3.0];
            let jacobian_3 = [0.0, 0.0];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-dead-row-not-zero", Incorrect, ["Row 2 should be zero: neuron 2 is dead (z₂ = -0.5 ≤ 0)", "no gradient flows back"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-1.0, -3.0];
            let jacobian_3 = [[0.0, 0.0], [3.0, -1.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-alive-jacobian-sign", Incorrect, ["neuron 1 is still alive", "Your Jacobian: every nonzero entry has the wrong sign"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [0.0, 0.0];
            let jacobian_3 = [[-1.0, -2.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-no-jacobian-yet", Incorrect, ["kills every neuron ✓", "`jacobian_3` is still `Unanswered`"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-1.0, -3.0];
            let jacobian_3 = Unanswered;
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-no-x", Incorrect, ["no input x"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = Unanswered;
            let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-changed-bias", Incorrect, ["You changed `b3` (entry 1 is -10 instead of 0.5)", "the layer as given", "On the given layer: At x = (0, 0), neuron 1 is still alive"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[-10.0, -10.0, -10.0])?;
            let x3 = [0.0, 0.0];
            let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-changed-weight", Incorrect, ["You changed `w3` (entry (3,1) is 2 instead of -2)", "put those two lines back"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-1.0, -3.0];
            let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-changed-right-x", Incorrect, ["You changed `b3`", "On the given layer: At x = (-1, -3) every pre-activation is ≤ 0"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[-1.0, -1.0, -1.0])?;
            let x3 = [-1.0, -3.0];
            let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-w-is-3x3", Incorrect, ["You changed `w3` (it is 3×3 instead of 3×2)"], {
            let w3 = matrix(&[[1.0, 2.0, 0.0], [3.0, -1.0, 0.0], [-2.0, 1.0, 0.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-1.0, -3.0];
            let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-w-is-2x3", CodeError, ["`w3` is 2×3, so the layer has 2 neurons, but `b3` has 3 entries"], {
            let w3 = matrix(&[[1.0, 2.0, 0.0], [3.0, -1.0, 0.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-1.0, -3.0];
            let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-x-three-entries", CodeError, ["W is 3×2, so W x needs x with 2 entries", "your x has 3"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-1.0, -3.0, 0.0];
            let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-x-nan", CodeError, ["Your x contains NaN"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [0.0 / 0.0, -3.0];
            let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-jacobian-nan", CodeError, ["Your Jacobian contains NaN"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-1.0, -3.0];
            let jacobian_3 = [[0.0 / 0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-x-matrix-tensor", CodeError, ["Your x cannot be read as a vector", "not a vector"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = matrix(&[[-1.0, -3.0], [0.0, 0.0]])?;
            let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-at-the-boundary", Correct, ["Neuron 3 sits exactly at z₃ = 0", "ReLU′(0) = 0"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-1.0, -2.0];
            let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-another-input", Correct, ["every pre-activation is ≤ 0", "dying-ReLU"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-2.0, -5.0];
            let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-tuple", Correct, ["every pre-activation is ≤ 0"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = (-1, -3);
            let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-vec-and-nested-vec", Correct, ["every pre-activation is ≤ 0"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = vec![-1.0, -3.0];
            let jacobian_3 = vec![vec![0.0; 2]; 3];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-tensors", Correct, ["every pre-activation is ≤ 0"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = tensor(&[-1.0, -3.0])?;
            let jacobian_3 = Tensor::zeros((3, 2), DType::F32, &Device::Cpu)?;
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-column-tensor", Correct, ["every pre-activation is ≤ 0"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = matrix(&[[-1.0], [-3.0]])?;
            let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-old-option-scaffold", Correct, ["every pre-activation is ≤ 0"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = Some([-1.0, -3.0]);
            let jacobian_3 = Some([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]);
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        case!(3, "ex3-library-jacobian", Correct, ["every pre-activation is ≤ 0"], {
            let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
            let b3 = tensor(&[0.5, -0.5, 0.0])?;
            let x3 = [-1.0, -3.0];
            let jacobian_3 = jacobian(|x: &Tensor| relu(&(matvec(&w3, x)? + &b3)?), &tensor(&[-1.0, -3.0])?)?;
            check_exercise_3(&w3, &b3, &x3, &jacobian_3)
        }),
        // ---- Exercise 4: sigmoid at 10 ---------------------------------------------------------
        case!(4, "ex4-zero", Incorrect, ["σ′(10) is about 4.5e-5, not 0: saturated but not exactly zero"], {
            let sigmoid_jacobian_at_10 = 0.0;
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-sigmoid-itself", Incorrect, ["is σ(10), sigmoid's output at 10"], {
            let sigmoid_jacobian_at_10 = 0.99995;
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-sigmoid-itself-library", Incorrect, ["is σ(10), sigmoid's output at 10"], {
            let sigmoid_jacobian_at_10 = sigmoid(&tensor(&[10.0])?)?;
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-slope-at-0", Incorrect, ["0.25 is σ′(0)"], {
            let sigmoid_jacobian_at_10 = 0.25;
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-sign", Incorrect, ["Wrong sign"], {
            let sigmoid_jacobian_at_10 = -4.54e-5;
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-one-minus-sigma", Incorrect, ["σ(−10) = 1 − σ(10)", "the factor σ(10) = 0.99995 is missing"], {
            let sigmoid_jacobian_at_10 = 1.0 - 1.0 / (1.0 + (-10f64).exp());
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-sigma-of-minus-10", Incorrect, ["is σ(−10) = 1 − σ(10): sigmoid's value (at −10), not its slope at 10"], {
            let sigmoid_jacobian_at_10 = sigmoid(&tensor(&[-10.0])?)?;
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-tanh", Incorrect, ["is tanh′(10)"], {
            let sigmoid_jacobian_at_10 = 1.0 - 10f64.tanh().powi(2);
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-factor-of-ten-small", Incorrect, ["off by a factor of 1/10", "Check the exponent"], {
            let sigmoid_jacobian_at_10 = 4.54e-6;
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-factor-of-ten-big", Incorrect, ["off by a factor of 10:"], {
            let sigmoid_jacobian_at_10 = 4.54e-4;
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-one-digit", Incorrect, ["rounded to 1 significant digit"], {
            let sigmoid_jacobian_at_10 = 5e-5;
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-off-by-a-bit", Incorrect, ["right order of magnitude", "outside the 1% tolerance"], {
            let sigmoid_jacobian_at_10 = 4.7e-5;
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-e-to-the-10", Incorrect, ["e¹⁰ ≈ 22026 is far too big"], {
            let sigmoid_jacobian_at_10 = 10f64.exp();
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-too-big", Incorrect, ["0.5 is too big: sigmoid's slope is at most 1/4"], {
            let sigmoid_jacobian_at_10 = 0.5;
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-negative", Incorrect, ["-0.3 is negative"], {
            let sigmoid_jacobian_at_10 = -0.3;
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-explodes", Incorrect, ["(b) A is the opposite", "(a) ✓"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "A";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-explodes-in-words", Incorrect, ["(b) A is the opposite"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "the gradient explodes";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-explodes-in-german", Incorrect, ["(b) A is the opposite"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "der Gradient explodiert";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-not-square", Incorrect, ["a 1×1 matrix is square"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "C";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-not-square-in-words", Incorrect, ["a 1×1 matrix is square"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "the Jacobian is not square";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-not-differentiable", Incorrect, ["differentiable everywhere"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = 'd';
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-not-small", Incorrect, ["You say the gradient is not small"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "not small";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-not-vanishing-chinese", Incorrect, ["You say the gradient is not small"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "梯度不会消失";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-no-problem", Incorrect, ["It is a problem", "not exactly zero, but it is tiny"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "no problem, the gradient is not zero";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-it-is-fine", Incorrect, ["It is a problem"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "it's fine";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-letter-e", Incorrect, ["E is not one of the choices"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "E";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-why-missing", Incorrect, ["(b) is still `Unanswered`"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = Unanswered;
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-value-missing", Incorrect, ["(a) is still `Unanswered`", "(b) ✓ B is the reason"], {
            let sigmoid_jacobian_at_10 = Unanswered;
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-wrong-value-ungradable-why", Incorrect, ["(a) 0.25 is σ′(0)", "(b) I could not grade"], {
            let sigmoid_jacobian_at_10 = 0.25;
            let why_4 = "because";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-two-by-two", CodeError, ["shape [2, 2] with 4 entries", "1×1 Jacobian"], {
            let sigmoid_jacobian_at_10 = jacobian(sigmoid, &tensor(&[10.0, 10.0])?)?;
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-list-of-two", CodeError, ["it is a list with 2 entries, not a single number"], {
            let sigmoid_jacobian_at_10 = vec![4.5e-5, 4.5e-5];
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-nan", CodeError, ["Your value for (a) is NaN"], {
            let sigmoid_jacobian_at_10 = 0.0 / 0.0;
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-does-not-explode", Ungraded, ["True, that rules out A", "what does happen to the gradient"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "the gradient does not explode";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-two-letters", Ungraded, ["names A and B at once"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "A or B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-unreadable", Ungraded, ["I could not grade \"because\"", "(a) ✓"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "because";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-dont-know", Ungraded, ["I could not grade"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "no idea";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-f32-closed-form", Correct, ["vanishing gradient", "computed in f32"], {
            let sigmoid_jacobian_at_10 = sigmoid_jacobian(&tensor(&[10.0])?)?;
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-library", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = jacobian(sigmoid, &tensor(&[10.0])?)?;
            let why_4 = "B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-e-to-the-minus-10", Correct, ["large-z approximation"], {
            let sigmoid_jacobian_at_10 = (-10f64).exp();
            let why_4 = "b";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-f32-literal", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = 4.54e-5f32;
            let why_4 = 'B';
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-one-by-one-array", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = [[4.54e-5]];
            let why_4 = String::from("B");
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-old-option-scaffold", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = Some(4.5e-5);
            let why_4 = Some("B");
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-right-why-1", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "Answer: B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-right-why-2", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "option b";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-right-why-3", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "(B)";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-right-why-4", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "B) it vanishes";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-right-why-5", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "The answer is B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-right-why-6", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "答案是B";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-right-why-7", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "the gradient vanishes, so learning stalls";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-right-why-8", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "derivative is almost 0, weights barely update";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-right-why-9", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "neurons stop learning";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-right-why-10", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "gradients get multiplied by a number close to 0";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-right-why-11", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "vanishing gradient";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-right-why-12", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "It doesn't explode, it vanishes";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-right-why-13", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "verschwindender Gradient";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-right-why-14", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "der Gradient wird fast null";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-right-why-15", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "le gradient disparaît";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-right-why-16", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "gradient évanescent";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-right-why-17", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "梯度消失";
            check_exercise_4(&sigmoid_jacobian_at_10, &why_4)
        }),
        case!(4, "ex4-right-why-18", Correct, ["vanishing gradient"], {
            let sigmoid_jacobian_at_10 = 4.54e-5;
            let why_4 = "the gradient is tiny so the early layers don't learn";
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
        ("could not grade", Status::Ungraded),
    ]
    .into_iter()
    .find(|(word, _)| head.contains(word))
    .map(|(_, s)| s)
}
