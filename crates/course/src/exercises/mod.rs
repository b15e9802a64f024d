//! The four exercises of notebook 03 and their checks.
//!
//! Each exercise cell ends in a check call on the learner's answer, which is an `Option`: `None`
//! is the untouched scaffold. The check returns a [`Feedback`] in one of four [`Status`]es,
//! modelled on Kaggle's learntools:
//!
//! | status | when | what it says |
//! |---|---|---|
//! | not attempted | the scaffold is untouched (`None`) | a friendly prompt and `hint(n)` |
//! | incorrect | the answer is wrong | a specific diagnosis that names the mistake (swapped axes, wrong point, sign, a live neuron, …) without giving the answer away |
//! | correct | the answer is right | a short confirmation that adds one insight |
//! | error in your code | the answer cannot be used (a tensor of the wrong rank, NaN, W and x that do not fit) | what went wrong, in the course's terms |
//!
//! As the last expression of a cell, a `Feedback` displays as HTML (a coloured box with ✓/✗ and,
//! for matrix answers, heatmaps of the answer and of where it differs) with a plain-text fallback.
//!
//! Each check takes the scaffold's `Option` by value or by reference ([`Answer`]); the scaffolds
//! pass references, which keeps the rich display when an answer is a `Tensor`. The checks accept
//! more than the scaffolds' types: see [`MatrixAnswer`], [`VectorAnswer`],
//! [`ScalarAnswer`], [`ShapeAnswer`] and [`ChoiceAnswer`] (a learner may pass the library's
//! [`Tensor`] instead of typing numbers). Floats are compared with a [`Tolerance`] that has an
//! absolute and a relative part; each exercise documents its own ([`TOLERANCE_1`],
//! [`TOLERANCE_3`], [`TOLERANCE_4`]).
//!
//! [`hint`] reveals one more hint per call; [`solution`] shows a worked solution (folded until
//! clicked). The reference answers live in [`solutions`], outside the learner's notebook.
//!
//! ```
//! use course::exercises::*;
//! assert_eq!(check_exercise_2(None::<(usize, usize)>).status, Status::NotAttempted);
//! let fb = check_exercise_1(Some([[2.0, 1.0], [2.0, 1.0], [std::f64::consts::E * std::f64::consts::E, 0.0]]));
//! assert_eq!(fb.status, Status::Incorrect);
//! assert!(fb.message.contains("Entry (3,1) should be ∂f3/∂x = eˣ at x = 1; you have e²"));
//! ```

mod answer;
mod ex1;
mod ex2;
mod ex3;
mod ex4;
mod feedback;
mod hints;
pub mod solutions;

use candle_core::Tensor;
use heatmap::{Figure, Heatmap, Matrix};

pub use answer::{
    Answer, ChoiceAnswer, MatrixAnswer, ScalarAnswer, ShapeAnswer, Tolerance, VectorAnswer, TOLERANCE_1, TOLERANCE_3,
    TOLERANCE_4,
};
pub use feedback::{Feedback, Status};
pub use hints::{hint, hints_up_to, solution, Help};

/// Exercise 1: the Jacobian of f(x, y) = (x² + y, xy, eˣ) at (1, 2), by hand, as
/// `[[∂f1/∂x, ∂f1/∂y], [∂f2/∂x, ∂f2/∂y], [∂f3/∂x, ∂f3/∂y]]`.
///
/// Compared entry by entry with [`TOLERANCE_1`] against the library's Jacobian. Recognised
/// mistakes include swapped columns, the transposed Jacobian (as 2×3, or read row by row into
/// 3×2), rows in the wrong order, evaluation at (2, 1) or another point, a flipped sign, e² for
/// ∂f3/∂x, cos(1) or sin(1) from section 1's f, and x or y in place of the other's derivative.
pub fn check_exercise_1<A>(answer: A) -> Feedback
where
    A: Answer,
    A::Inner: MatrixAnswer,
{
    ex1::check(answer.given().map(|a| a.answer_matrix()))
}

/// Exercise 2: the shape of ∂y/∂x for a 3 → 5 → 4 → 2 → 1 network, as `(rows, cols)`.
///
/// Recognised mistakes: inputs×outputs, one layer's Jacobian or its transpose, right rows or
/// right columns only, a 1-D gradient shape, sums or products of the layer sizes.
pub fn check_exercise_2<A>(answer: A) -> Feedback
where
    A: Answer,
    A::Inner: ShapeAnswer,
{
    ex2::check(answer.given().map(|s| s.answer_shape()))
}

/// Exercise 3: an input `x` at which every neuron of `relu(w x + b)` is dead, and the layer's
/// Jacobian there.
///
/// Everything is computed from the learner's own `w`, `b` and `x`, so any input that really kills
/// every neuron (every `z_i = (w x + b)_i ≤ 0`; `ReLU′(0) = 0`) is accepted. Diagnoses name each
/// neuron that is still alive and its pre-activation, and a Jacobian given as `W`, `−W`, the
/// identity, transposed, `J_ReLU` alone, or with a nonzero row for a dead neuron. Shapes of `w`,
/// `b` and `x` that do not fit are "error in your code".
pub fn check_exercise_3<X, J>(w: &Tensor, b: &Tensor, x: X, jacobian: J) -> Feedback
where
    X: Answer,
    X::Inner: VectorAnswer,
    J: Answer,
    J::Inner: MatrixAnswer,
{
    ex3::check(w, b, x.given().map(|x| x.answer_vector()), jacobian.given().map(|j| j.answer_matrix()))
}

/// Exercise 4: (a) the Jacobian of sigmoid at z = 10, a number or the library's 1×1 tensor;
/// (b) why that is a problem for training: a letter A–D (or a short sentence, graded by
/// keywords).
///
/// (a) is compared with σ′(10) = 4.5396e-5 with [`TOLERANCE_4`]. Recognised mistakes: exactly 0,
/// σ(10) itself, σ′(0) = 0.25, a flipped sign, 1 − σ(10) (the missing factor σ), tanh′(10), e¹⁰,
/// anything above 1/4.
pub fn check_exercise_4<V, C>(value: V, why: C) -> Feedback
where
    V: Answer,
    V::Inner: ScalarAnswer,
    C: Answer,
    C::Inner: ChoiceAnswer,
{
    ex4::check(value.given().map(|v| v.answer_scalar()), why.given().map(|c| c.answer_text()))
}

/// A number the way the feedback writes it: whole numbers plain (`2`), others with 4 significant
/// digits (`2.718`, `0.5403`), very small or large ones in scientific notation (`4.54e-5`).
pub(crate) fn num(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "∞" } else { "−∞" }.to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    if v.fract() == 0.0 && v.abs() < 1e6 {
        return format!("{v:.0}");
    }
    let a = v.abs();
    if (1e-3..1e5).contains(&a) {
        let decimals = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
        let s = format!("{v:.decimals$}");
        let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
        s
    } else {
        let s = format!("{v:.2e}");
        match s.split_once('e') {
            Some((m, e)) => format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.')),
            None => s,
        }
    }
}

/// "a", "a and b", "a, b and c".
pub(crate) fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `1` → `₁`, …, `9` → `₉`; larger numbers as `_10`.
pub(crate) fn subscript(i: usize) -> String {
    const DIGITS: [char; 10] = ['₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'];
    match DIGITS.get(i) {
        Some(d) => d.to_string(),
        None => format!("_{i}"),
    }
}

/// The first letter in upper case.
pub(crate) fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The learner's matrix and a 0/1 map of the entries in `wrong` (0-based), as two heatmaps, and
/// the same as text: a grid of ✓/✗.
pub(crate) fn differs_heatmaps<S: AsRef<str>>(
    answer: &Matrix,
    wrong: &[(usize, usize)],
    rows: &[S],
    cols: &[S],
    answer_title: &str,
) -> (Vec<Heatmap>, String) {
    let (r, c) = answer.shape();
    let row_labels: Vec<String> = rows.iter().map(|s| s.as_ref().to_string()).collect();
    let col_labels: Vec<String> = cols.iter().map(|s| s.as_ref().to_string()).collect();
    let mask: Vec<Vec<f64>> = (0..r)
        .map(|i| (0..c).map(|j| if wrong.contains(&(i, j)) { 1.0 } else { 0.0 }).collect())
        .collect();
    let labelled = |h: Heatmap| {
        if row_labels.len() == r && col_labels.len() == c {
            h.row_labels(row_labels.clone()).col_labels(col_labels.clone())
        } else {
            h
        }
    };
    let mut heatmaps = vec![labelled(Heatmap::new(answer.clone()).title(answer_title))];
    if !wrong.is_empty() {
        heatmaps.push(
            labelled(Heatmap::new(mask))
                .title("where your answer differs")
                .scale(1.0)
                .scale_label("1 = differs"),
        );
    }
    let width = row_labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let label = |labels: &[String], k: usize| labels.get(k).cloned().unwrap_or_else(|| (k + 1).to_string());
    let mut text = if wrong.is_empty() {
        format!("{answer_title}: every entry matches (✓)\n")
    } else {
        "where your answer differs (✗):\n".to_string()
    };
    text.push_str(&" ".repeat(width + 2));
    for j in 0..c {
        text.push_str(&format!(" {:>3}", label(&col_labels, j)));
    }
    for i in 0..r {
        text.push_str(&format!("\n  {:<width$}", label(&row_labels, i)));
        for j in 0..c {
            text.push_str(&format!(" {:>3}", if wrong.contains(&(i, j)) { "✗" } else { "✓" }));
        }
    }
    (heatmaps, text)
}

/// [`differs_heatmaps`] as one figure.
pub(crate) fn differs_figure<S: AsRef<str>>(
    answer: &Matrix,
    wrong: &[(usize, usize)],
    rows: &[S],
    cols: &[S],
    answer_title: &str,
) -> (Figure, String) {
    let (hs, text) = differs_heatmaps(answer, wrong, rows, cols, answer_title);
    (Figure::side_by_side(hs), text)
}

/// "error in your code" for an answer with NaN or ±∞ in it, if there is one.
pub(crate) fn non_finite<S: AsRef<str>>(n: u8, m: &Matrix, rows: &[S], cols: &[S]) -> Option<Feedback> {
    let (r, c) = m.shape();
    let (i, j, v) = (0..r)
        .flat_map(|i| (0..c).map(move |j| (i, j)))
        .find_map(|(i, j)| m.get(i, j).filter(|v| !v.is_finite()).map(|v| (i, j, v)))?;
    let name = |labels: &[S], k: usize| labels.get(k).map_or_else(|| (k + 1).to_string(), |s| s.as_ref().to_string());
    Some(Feedback::new(
        n,
        Status::CodeError,
        format!(
            "Entry ({},{}) of your answer (∂{}/∂{}) is {}: somewhere your arithmetic divides by zero \
             (0/0, 1/0) or overflows. Every entry of this Jacobian is a finite number.",
            i + 1,
            j + 1,
            name(rows, i),
            name(cols, j),
            num(v)
        ),
    ))
}

/// The checker itself failed (a bug in the course, not in the learner's answer).
pub(crate) fn internal_error(n: u8, e: &dyn std::fmt::Display) -> Feedback {
    Feedback::new(
        n,
        Status::CodeError,
        format!("The checker could not compute the reference answer ({e}). This is a bug in the course; please report it."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(num(2.0), "2");
        assert_eq!(num(-1.0), "-1");
        assert_eq!(num(std::f64::consts::E), "2.718");
        assert_eq!(num(0.54030230586), "0.5403");
        assert_eq!(num(4.5395807735951673e-05), "4.54e-5");
        assert_eq!(num(0.7), "0.7");
        assert_eq!(num(-6.5), "-6.5");
        assert_eq!(num(22026.465794806718), "22026");
        assert_eq!(num(8.244e-9), "8.24e-9");
    }

    #[test]
    fn lists_and_subscripts() {
        assert_eq!(list(&["a".into()]), "a");
        assert_eq!(list(&["a".into(), "b".into(), "c".into()]), "a, b and c");
        assert_eq!(subscript(2), "₂");
        assert_eq!(upper_first("row 2"), "Row 2");
    }
}
