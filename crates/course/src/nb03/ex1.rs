//! Exercise 1: the Jacobian of f(x, y) = (x² + y, xy, eˣ) at (1, 2), by hand: a declarative
//! [`MatrixCheck`] with the shared detectors, and this exercise's own per-entry slips.

use std::f64::consts::E;

use heatmap::Matrix;

use super::{solutions, EXERCISE_1, TOLERANCE_1};
use crate::exercise::words::num;
use crate::exercise::{Ctx, Feedback, MatrixCheck, Mistake, Read};

const OUTPUTS: [&str; 3] = ["f1", "f2", "f3"];
const INPUTS: [&str; 2] = ["x", "y"];

/// The analytic Jacobian of f at (a, b): [[2a, 1], [b, a], [eᵃ, 0]] (cross-checked against the
/// library in the tests), used to recognise "the right formulas at the wrong point".
fn jacobian_at(p: &[f64]) -> Option<Matrix> {
    let [a, b] = *p else { return None };
    Matrix::new(3, 2, vec![2.0 * a, 1.0, b, a, a.exp(), 0.0]).ok()
}

/// This exercise's known slips of one entry (0-based `i`, `j`), worded for the learner.
fn entry_slip(ctx: &Ctx, i: usize, j: usize, v: f64) -> Option<String> {
    let is = |x: f64| TOLERANCE_1.accepts(v, x);
    let name = format!("entry ({},{})", i + 1, j + 1);
    let partial = ctx.partial(i, j);
    Some(match (i, j) {
        (0, 0) if is(4.0) => format!("{name} should be ∂f1/∂x = 2x at x = 1; you have 4 = 2·2: did you evaluate at y?"),
        (0, 0) if is(1.0) => format!(
            "{name} is ∂f1/∂x; you have 1, which is x² itself at x = 1: differentiate x² + y with respect to x first, \
             then put in x = 1"
        ),
        (0, 1) if is(0.0) => format!("{name} is ∂f1/∂y, and f1 = x² + y does change when y moves: it is not 0"),
        (0, 1) if is(2.0) => format!(
            "{name} is ∂f1/∂y = ∂(x² + y)/∂y; you have 2, the value of y: the derivative of y with respect to y does \
             not depend on where you are"
        ),
        (1, 0) if is(1.0) => format!(
            "{name} is ∂f2/∂x = ∂(xy)/∂x, which treats y as a constant; you have 1 = x: did you differentiate with \
             respect to y instead?"
        ),
        (1, 1) if is(2.0) => format!(
            "{name} is ∂f2/∂y = ∂(xy)/∂y, which treats x as a constant; you have 2 = y: did you differentiate with \
             respect to x instead?"
        ),
        (1, _) if is(3.0) => format!(
            "{name} is {partial}; you have 3 = x + y, but differentiating a product xy with respect to one variable \
             keeps the other as a constant factor"
        ),
        (2, 0) if is(E * E) => {
            format!("{name} should be ∂f3/∂x = eˣ at x = 1; you have e² ≈ 7.389: did you evaluate at y?")
        }
        (2, 0) if is(1f64.cos()) => format!(
            "{name}: you have cos(1) ≈ 0.5403, the derivative of sin x from section 1's f; in this exercise f3 = eˣ"
        ),
        (2, 0) if is(1f64.sin()) => format!(
            "{name}: you have sin(1) ≈ 0.8415, section 1's f3 = sin x itself; in this exercise f3 = eˣ, and the entry \
             is its derivative"
        ),
        (2, 0) if is(1.0) => format!(
            "{name} is ∂f3/∂x = d(eˣ)/dx; you have 1. eˣ is not a power of x, so the power rule (x·eˣ⁻¹ = 1 at x = 1) \
             does not apply; and e⁰ = 1 would be x = 0, not x = 1"
        ),
        (2, 0) if is(3.0) || is(2.7) || is(2.0) => format!(
            "{name} = {} is e rounded too far (precision too low): e = 2.71828…; give at least 3 significant digits, \
             e.g. `1f64.exp()`",
            num(v)
        ),
        (2, 1) if is(E) => format!("{name} is ∂f3/∂y, but f3 = eˣ has no y in it; your e ≈ 2.718 belongs in the x column"),
        (2, 1) => format!("{name} is ∂f3/∂y, but f3 = eˣ has no y in it: how much does f3 change when only y moves?"),
        _ => return None,
    })
}

/// Exercise 1's check, declared: the expected matrix, its tolerance and labels, and the known
/// mistakes in the order they are tried.
fn declared(expected: Matrix) -> MatrixCheck {
    let grid: Vec<Vec<f64>> = (-3..=3).flat_map(|a| (-3..=3).map(move |b| vec![f64::from(a), f64::from(b)])).collect();
    let mut points = vec![vec![2.0, 1.0]];
    points.extend(grid);
    MatrixCheck {
        exercise: 1,
        expected,
        tolerance: TOLERANCE_1,
        rows: OUTPUTS.map(String::from).to_vec(),
        cols: INPUTS.map(String::from).to_vec(),
        mistakes: vec![
            Mistake::transposed(),
            Mistake::reshaped(),
            Mistake::sign_flipped(),
            Mistake::wrong_point(solutions::POINT_1.to_vec(), points, jacobian_at),
            Mistake::columns_swapped(),
            Mistake::rows_swapped(),
            Mistake::combined(),
            Mistake::power_of_ten(),
            Mistake::low_precision("Give e to at least 3 significant digits, e.g. `1f64.exp()`."),
            Mistake::row_entries_swapped(),
            Mistake::entries(entry_slip),
        ],
        correct: "Each row is the gradient of one output: row 3, ∇f3 = (e, 0), says that f3 = eˣ ignores y, so \
                  nudging y cannot change it. Read by columns, column 1 says how all three outputs respond when x \
                  alone moves."
            .to_string(),
        note: Some(Box::new(|m: &Matrix| {
            let e_typed = m.get(2, 0).unwrap_or(E);
            // An f32 result from the library (2.7182817) counts as full precision.
            ((e_typed - E).abs() > 1e-6 * E).then(|| {
                format!(
                    "Your {} for e is within the tolerance; `1f64.exp()` (or `std::f64::consts::E`) gives \
                     e = 2.718281828… to full precision.",
                    num(e_typed)
                )
            })
        })),
    }
}

/// Exercise 1's check on an answer already read as a matrix.
pub(crate) fn check(answer: Read<Matrix>) -> Feedback {
    let expected = match solutions::answer_1().map(|j| Matrix::from(&j)) {
        Ok(m) => m,
        Err(e) => return EXERCISE_1.internal_error(&e),
    };
    declared(expected).grade(answer, || EXERCISE_1.not_attempted())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analytic_jacobian_matches_the_library() {
        for (a, b) in [(1.0, 2.0), (2.0, 1.0), (-1.5, 0.5), (0.0, 0.0)] {
            let lib = solutions::jacobian_1_at([a, b]).unwrap();
            let ana = jacobian_at(&[a, b]).unwrap();
            for i in 0..3 {
                for j in 0..2 {
                    assert!((lib[i][j] - ana.get(i, j).unwrap()).abs() < 1e-12, "({a},{b})");
                }
            }
        }
    }
}
