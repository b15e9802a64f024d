//! Exercise 1: the Jacobian of f(x, y) = (x² + y, xy, eˣ) at (1, 2), by hand.

use std::f64::consts::E;

use heatmap::Matrix;

use super::answer::TOLERANCE_1;
use super::feedback::{Feedback, Status};
use super::{differs_figure, internal_error, non_finite, num, solutions, upper_first};

const OUTPUTS: [&str; 3] = ["f1", "f2", "f3"];
const INPUTS: [&str; 2] = ["x", "y"];
const FORMULAS: [&str; 3] = ["x² + y", "xy", "eˣ"];

/// The analytic Jacobian of f at (a, b): [[2a, 1], [b, a], [eᵃ, 0]] (cross-checked against the
/// library in the tests), used to recognise "the right formulas at the wrong point".
fn jacobian_at(a: f64, b: f64) -> [[f64; 2]; 3] {
    [[2.0 * a, 1.0], [b, a], [a.exp(), 0.0]]
}

fn close(a: f64, b: f64) -> bool {
    TOLERANCE_1.accepts(a, b)
}

fn all_close(m: &Matrix, want: &[[f64; 2]; 3]) -> bool {
    want.iter()
        .enumerate()
        .all(|(i, row)| row.iter().enumerate().all(|(j, &w)| m.get(i, j).is_some_and(|v| close(v, w))))
}

fn entry(i: usize, j: usize) -> String {
    format!("entry ({},{})", i + 1, j + 1)
}

fn partial(i: usize, j: usize) -> String {
    format!("∂{}/∂{}", OUTPUTS[i], INPUTS[j])
}

/// Exercise 1's check on an answer already read as a matrix.
pub(crate) fn check(answer: Option<Result<Matrix, String>>) -> Feedback {
    let m = match answer {
        None => return Feedback::not_attempted(1),
        Some(Err(why)) => {
            return Feedback::new(1, Status::CodeError, format!("Your answer cannot be read as a matrix: {why}."))
        }
        Some(Ok(m)) => m,
    };
    let truth = match solutions::answer_1() {
        Ok(t) => t,
        Err(e) => return internal_error(1, &e),
    };
    if let Some(fb) = non_finite(1, &m, &OUTPUTS, &INPUTS) {
        return fb;
    }
    if m.shape() != (3, 2) {
        return wrong_shape(&m, &truth);
    }
    let wrong: Vec<(usize, usize)> = (0..3)
        .flat_map(|i| (0..2).map(move |j| (i, j)))
        .filter(|&(i, j)| !m.get(i, j).is_some_and(|v| close(v, truth[i][j])))
        .collect();
    let (figure, figure_text) = differs_figure(&m, &wrong, &OUTPUTS, &INPUTS, "your Jacobian");
    if wrong.is_empty() {
        let mut fb = Feedback::new(
            1,
            Status::Correct,
            "Each row is the gradient of one output: row 3, ∇f3 = (e, 0), says that f3 = eˣ ignores y, \
             so nudging y cannot change it. Read by columns, column 1 says how all three outputs \
             respond when x alone moves.",
        );
        let e_typed = m.get(2, 0).unwrap_or(E);
        // An f32 result from the library (2.7182817) counts as full precision.
        if (e_typed - E).abs() > 1e-6 * E {
            fb = fb.detail(format!(
                "Your {} for e is within the tolerance; `1f64.exp()` (or `std::f64::consts::E`) gives \
                 e = 2.718281828… to full precision.",
                num(e_typed)
            ));
        }
        return fb.figure(figure, figure_text);
    }
    let fb = match whole_matrix_mistake(&m, &truth) {
        Some(message) => Feedback::new(1, Status::Incorrect, message),
        None => {
            let diagnoses: Vec<String> = wrong
                .iter()
                .map(|&(i, j)| entry_diagnosis(i, j, m.get(i, j).unwrap_or(f64::NAN), truth[i][j]))
                .collect();
            let sentence = |d: &String| {
                let d = upper_first(d);
                if d.ends_with(['.', '?', '!']) { d } else { format!("{d}.") }
            };
            match diagnoses.as_slice() {
                [one] => Feedback::new(1, Status::Incorrect, sentence(one)),
                _ => Feedback::new(
                    1,
                    Status::Incorrect,
                    format!("{} of the 6 entries differ (marked ✗ below):", diagnoses.len()),
                )
                .details(diagnoses.iter().map(sentence)),
            }
        }
    };
    fb.figure(figure, figure_text)
}

fn wrong_shape(m: &Matrix, truth: &[[f64; 2]; 3]) -> Feedback {
    let (r, c) = m.shape();
    let message = if (r, c) == (2, 3) {
        let transposed = (0..3).all(|i| (0..2).all(|j| m.get(j, i).is_some_and(|v| close(v, truth[i][j]))));
        format!(
            "You gave the shape as inputs×outputs (2×3){}; a Jacobian is outputs×inputs: 3×2, one row \
             per output f1, f2, f3 and one column per input x, y.",
            if transposed { ", i.e. the transposed Jacobian" } else { "" }
        )
    } else {
        format!(
            "Your matrix is {r}×{c}. f takes 2 inputs (x, y) and gives 3 outputs (f1, f2, f3), and a \
             Jacobian is outputs×inputs: one row per output, one column per input."
        )
    };
    Feedback::new(1, Status::Incorrect, message)
}

/// A mistake that explains the whole matrix at once, if there is one.
fn whole_matrix_mistake(m: &Matrix, truth: &[[f64; 2]; 3]) -> Option<String> {
    let negated = truth.map(|row| row.map(|v| -v));
    if all_close(m, &negated) {
        return Some(
            "Every nonzero entry has the wrong sign: all of f's partial derivatives are positive at \
             (1, 2). Did you differentiate −f, or subtract the wrong way round?"
                .to_string(),
        );
    }
    if all_close(m, &jacobian_at(2.0, 1.0)) {
        return Some(
            "These are the right derivatives, evaluated at (x, y) = (2, 1) instead of (1, 2): the \
             point (1, 2) means x = 1 and y = 2."
                .to_string(),
        );
    }
    for a in -3..=3 {
        for b in -3..=3 {
            let (a, b) = (f64::from(a), f64::from(b));
            let j = jacobian_at(a, b);
            // A point whose Jacobian differs from the truth in one entry only is better explained
            // by that entry's own diagnosis (J(1, 1) is also "∂(xy)/∂x = x").
            let differences = (0..3).flat_map(|i| (0..2).map(move |k| (i, k))).filter(|&(i, k)| !close(j[i][k], truth[i][k])).count();
            if differences >= 2 && all_close(m, &j) {
                return Some(format!(
                    "These are the right derivatives, evaluated at (x, y) = ({}, {}) instead of (1, 2).",
                    num(a),
                    num(b)
                ));
            }
        }
    }
    let swapped = truth.map(|[a, b]| [b, a]);
    if all_close(m, &swapped) {
        return Some(
            "Your columns are swapped: column 1 holds the derivatives with respect to x (the first \
             input) and column 2 those with respect to y, so row i is [∂f_i/∂x, ∂f_i/∂y]."
                .to_string(),
        );
    }
    // The transpose [[2, 2, e], [1, 1, 0]] read row by row into a 3×2 array.
    let t = truth;
    let input_major = [[t[0][0], t[1][0]], [t[2][0], t[0][1]], [t[1][1], t[2][1]]];
    if all_close(m, &input_major) {
        return Some(
            "You wrote the transposed Jacobian: all the ∂/∂x first, then all the ∂/∂y, read into \
             rows of two. A Jacobian is outputs×inputs: row i belongs to output f_i and holds \
             [∂f_i/∂x, ∂f_i/∂y]."
                .to_string(),
        );
    }
    let rows: Vec<[f64; 2]> = (0..3).map(|i| [m.get(i, 0).unwrap_or(f64::NAN), m.get(i, 1).unwrap_or(f64::NAN)]).collect();
    let is_row = |r: &[f64; 2], w: &[f64; 2]| close(r[0], w[0]) && close(r[1], w[1]);
    let permuted = [[0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]
        .iter()
        .any(|p| (0..3).all(|i| is_row(&rows[i], &truth[p[i]])));
    if permuted {
        return Some(
            "Your rows are right but in the wrong order: row i belongs to output f_i, in the order \
             f1 = x² + y, f2 = xy, f3 = eˣ."
                .to_string(),
        );
    }
    let swapped_rows: Vec<usize> = (0..3)
        .filter(|&i| !is_row(&rows[i], &truth[i]) && is_row(&rows[i], &[truth[i][1], truth[i][0]]))
        .collect();
    if let [i] = swapped_rows[..] {
        if (0..3).all(|k| k == i || is_row(&rows[k], &truth[k])) {
            return Some(format!(
                "In row {}, the two entries are swapped: each row is [∂{}/∂x, ∂{}/∂y], x first.",
                i + 1,
                OUTPUTS[i],
                OUTPUTS[i]
            ));
        }
    }
    None
}

/// What is wrong with entry (i, j) (0-based) whose value is `v` instead of `want`.
fn entry_diagnosis(i: usize, j: usize, v: f64, want: f64) -> String {
    let at = |x: f64| close(v, x);
    let name = entry(i, j);
    let known: Option<String> = match (i, j) {
        (0, 0) if at(4.0) => Some(format!(
            "{name} should be ∂f1/∂x = 2x at x = 1; you have 4 = 2·2: did you evaluate at y?"
        )),
        (0, 0) if at(1.0) => Some(format!(
            "{name} is ∂f1/∂x; you have 1, which is x² itself at x = 1: differentiate x² + y with \
             respect to x first, then put in x = 1"
        )),
        (0, 1) if at(0.0) => Some(format!(
            "{name} is ∂f1/∂y, and f1 = x² + y does change when y moves: it is not 0"
        )),
        (0, 1) if at(2.0) => Some(format!(
            "{name} is ∂f1/∂y = ∂(x² + y)/∂y; you have 2, the value of y: the derivative of y with \
             respect to y does not depend on where you are"
        )),
        (1, 0) if at(1.0) => Some(format!(
            "{name} is ∂f2/∂x = ∂(xy)/∂x, which treats y as a constant; you have 1 = x: did you \
             differentiate with respect to y instead?"
        )),
        (1, 1) if at(2.0) => Some(format!(
            "{name} is ∂f2/∂y = ∂(xy)/∂y, which treats x as a constant; you have 2 = y: did you \
             differentiate with respect to x instead?"
        )),
        (1, _) if at(3.0) => Some(format!(
            "{name} is {}; you have 3 = x + y, but differentiating a product xy with respect to one \
             variable keeps the other as a constant factor",
            partial(i, j)
        )),
        (2, 0) if at(E * E) => Some(format!(
            "{name} should be ∂f3/∂x = eˣ at x = 1; you have e² ≈ 7.389: did you evaluate at y?"
        )),
        (2, 0) if at(1f64.cos()) => Some(format!(
            "{name}: you have cos(1) ≈ 0.5403, the derivative of sin x from section 1's f; in this \
             exercise f3 = eˣ"
        )),
        (2, 0) if at(1f64.sin()) => Some(format!(
            "{name}: you have sin(1) ≈ 0.8415, section 1's f3 = sin x itself; in this exercise \
             f3 = eˣ, and the entry is its derivative"
        )),
        (2, 0) if at(1.0) => Some(format!(
            "{name} is ∂f3/∂x = d(eˣ)/dx; you have 1. eˣ is not a power of x, so the power rule \
             (x·eˣ⁻¹ = 1 at x = 1) does not apply; and e⁰ = 1 would be x = 0, not x = 1"
        )),
        (2, 1) if at(E) => Some(format!(
            "{name} is ∂f3/∂y, but f3 = eˣ has no y in it; your e ≈ 2.718 belongs in the x column"
        )),
        (2, 1) => Some(format!(
            "{name} is ∂f3/∂y, but f3 = eˣ has no y in it: how much does f3 change when only y moves?"
        )),
        _ => None,
    };
    if let Some(k) = known {
        return k;
    }
    let formula = FORMULAS[i];
    if want != 0.0 && at(-want) {
        return format!(
            "{name} has the wrong sign: {} = ∂({formula})/∂{} is positive at (1, 2)",
            partial(i, j),
            INPUTS[j]
        );
    }
    if at(0.0) {
        return format!(
            "{name} is {}: {} depends on {}, so this entry is not 0",
            partial(i, j),
            OUTPUTS[i],
            INPUTS[j]
        );
    }
    if (v - want).abs() <= 0.05 * want.abs() {
        return format!(
            "{name} = {} is close, but outside the tolerance (0.5%): {}",
            num(v),
            if (i, j) == (2, 0) {
                "give e to at least 3 significant digits, e.g. `1f64.exp()`"
            } else {
                "this entry is a whole number"
            }
        );
    }
    let the_point = if (i, j) == (1, 0) || (i, j) == (1, 1) { "(x, y) = (1, 2)" } else { "x = 1" };
    format!(
        "{name} = {} is off: it is {} = the derivative of {formula} with respect to {}, evaluated at \
         {the_point}",
        num(v),
        partial(i, j),
        INPUTS[j]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analytic_jacobian_matches_the_library() {
        for (a, b) in [(1.0, 2.0), (2.0, 1.0), (-1.5, 0.5), (0.0, 0.0)] {
            let lib = solutions::jacobian_1_at([a, b]).unwrap();
            let ana = jacobian_at(a, b);
            for i in 0..3 {
                for j in 0..2 {
                    assert!((lib[i][j] - ana[i][j]).abs() < 1e-12, "({a},{b}): {lib:?} vs {ana:?}");
                }
            }
        }
    }
}
