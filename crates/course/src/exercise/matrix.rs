//! Declarative checks for matrix answers: the expected matrix, a tolerance, labels, and an
//! ordered list of known [`Mistake`]s, each a detector with its diagnosis.
//!
//! The detectors here are reusable: [`Mistake::transposed`], [`Mistake::sign_flipped`],
//! [`Mistake::columns_swapped`], [`Mistake::rows_swapped`], [`Mistake::row_entries_swapped`],
//! [`Mistake::combined`] (a swap or transpose *and* flipped signs, named together),
//! [`Mistake::power_of_ten`], [`Mistake::low_precision`], [`Mistake::wrong_point`],
//! [`Mistake::factor_alone`] (J_σ alone instead of J_σ·W), [`Mistake::equals`], and, last,
//! [`Mistake::entries`], which names each wrong entry by its 1-based (row, column).

use heatmap::{Figure, Heatmap, Matrix};

use super::answer::{Read, Tolerance};
use super::feedback::{Feedback, Status};
use super::scalar;
use super::words::{num, sentence, vector};

/// What a detector found: the diagnosis and optional bulleted details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// The main sentence.
    pub message: String,
    /// Further points.
    pub details: Vec<String>,
}

impl From<String> for Diagnosis {
    fn from(message: String) -> Self {
        Diagnosis { message, details: Vec::new() }
    }
}

/// What a detector sees: the learner's matrix, the expected one, and how they are named.
pub struct Ctx<'a> {
    /// The learner's matrix (any shape, every entry finite).
    pub answer: &'a Matrix,
    /// The expected matrix.
    pub expected: &'a Matrix,
    /// How entries are compared.
    pub tolerance: Tolerance,
    /// Row names (the outputs, e.g. `f1`).
    pub rows: &'a [String],
    /// Column names (the inputs, e.g. `x`).
    pub cols: &'a [String],
}

impl Ctx<'_> {
    /// Whether the answer has `m`'s shape and every entry is within the tolerance of `m`'s.
    pub fn matches(&self, m: &Matrix) -> bool {
        self.answer.shape() == m.shape()
            && self.answer.data().iter().zip(m.data()).all(|(&a, &w)| self.tolerance.accepts(a, w))
    }

    /// The (0-based) entries that differ from the expected matrix (same shape only).
    pub fn wrong_entries(&self) -> Vec<(usize, usize)> {
        if self.answer.shape() != self.expected.shape() {
            return Vec::new();
        }
        let (r, c) = self.expected.shape();
        (0..r)
            .flat_map(|i| (0..c).map(move |j| (i, j)))
            .filter(|&(i, j)| !self.tolerance.accepts(at(self.answer, i, j), at(self.expected, i, j)))
            .collect()
    }

    /// `rows[i]`, or `row i+1`.
    pub fn row(&self, i: usize) -> String {
        self.rows.get(i).cloned().unwrap_or_else(|| format!("row {}", i + 1))
    }

    /// `cols[j]`, or `input j+1`.
    pub fn col(&self, j: usize) -> String {
        self.cols.get(j).cloned().unwrap_or_else(|| format!("input {}", j + 1))
    }

    /// `∂f1/∂x`.
    pub fn partial(&self, i: usize, j: usize) -> String {
        format!("∂{}/∂{}", self.row(i), self.col(j))
    }

    fn outputs_by_inputs(&self) -> String {
        let (r, c) = self.expected.shape();
        format!("{r}×{c}: one row per output ({}), one column per input ({})", self.rows.join(", "), self.cols.join(", "))
    }
}

fn at(m: &Matrix, i: usize, j: usize) -> f64 {
    m.get(i, j).unwrap_or(f64::NAN)
}

fn build(r: usize, c: usize, f: impl Fn(usize, usize) -> f64) -> Matrix {
    let data = (0..r).flat_map(|i| (0..c).map(move |j| (i, j))).map(|(i, j)| f(i, j)).collect();
    Matrix::new(r, c, data).unwrap_or_else(|_| Matrix::new(0, 0, Vec::new()).expect("empty"))
}

fn transpose(m: &Matrix) -> Matrix {
    let (r, c) = m.shape();
    build(c, r, |i, j| at(m, j, i))
}

fn negate(m: &Matrix) -> Matrix {
    let (r, c) = m.shape();
    build(r, c, |i, j| -at(m, i, j))
}

/// Every permutation of `0..n` but the identity (n ≤ 6).
fn permutations(n: usize) -> Vec<Vec<usize>> {
    fn go(prefix: &mut Vec<usize>, n: usize, out: &mut Vec<Vec<usize>>) {
        if prefix.len() == n {
            out.push(prefix.clone());
            return;
        }
        for k in 0..n {
            if !prefix.contains(&k) {
                prefix.push(k);
                go(prefix, n, out);
                prefix.pop();
            }
        }
    }
    if n > 6 {
        return Vec::new();
    }
    let mut out = Vec::new();
    go(&mut Vec::new(), n, &mut out);
    out.retain(|p| p.iter().enumerate().any(|(i, &k)| i != k));
    out
}

/// The structural slips a combined mistake is made of: (matrix, how it is named).
fn rearrangements(ctx: &Ctx) -> Vec<(Matrix, String)> {
    let e = ctx.expected;
    let (r, c) = e.shape();
    let mut out = vec![(transpose(e), "you transposed it (inputs×outputs)".to_string())];
    for p in permutations(c) {
        out.push((build(r, c, |i, j| at(e, i, p[j])), "the columns are swapped".to_string()));
    }
    for p in permutations(r) {
        out.push((build(r, c, |i, j| at(e, p[i], j)), "the rows are in the wrong order".to_string()));
    }
    // A rearrangement that changes nothing (two equal rows swapped) is no slip.
    out.retain(|(m, _)| {
        m.shape() != e.shape() || m.data().iter().zip(e.data()).any(|(a, b)| !ctx.tolerance.accepts(*a, *b))
    });
    out
}

type Detect = Box<dyn Fn(&Ctx) -> Option<Diagnosis> + Send + Sync>;

/// A known mistake: a detector and the diagnosis it gives. A check tries its mistakes in order
/// and reports the first that fires.
pub struct Mistake {
    /// A short name (for tests and the authoring guide).
    pub name: &'static str,
    detect: Detect,
}

impl Mistake {
    /// A mistake with its own detector: `detect` returns the diagnosis when it recognises the
    /// answer.
    pub fn new(name: &'static str, detect: impl Fn(&Ctx) -> Option<Diagnosis> + Send + Sync + 'static) -> Self {
        Mistake { name, detect: Box::new(detect) }
    }

    /// Runs the detector.
    pub fn detect(&self, ctx: &Ctx) -> Option<Diagnosis> {
        (self.detect)(ctx)
    }

    /// The answer equals a matrix computed from the context (`W`, `−W`, the identity, …).
    pub fn equals(
        name: &'static str,
        matrix: impl Fn(&Ctx) -> Option<Matrix> + Send + Sync + 'static,
        message: impl Into<String>,
    ) -> Self {
        let message = message.into();
        Mistake::new(name, move |ctx| matrix(ctx).filter(|m| ctx.matches(m)).map(|_| message.clone().into()))
    }

    /// The transposed matrix, as c×r (inputs×outputs), or read row by row into r×c.
    pub fn transposed() -> Self {
        Mistake::new("transposed", |ctx| {
            let (r, c) = ctx.expected.shape();
            let t = transpose(ctx.expected);
            if r != c && ctx.answer.shape() == (c, r) {
                // Transposed *and* negated is the combined detector's to name.
                if ctx.matches(&negate(&t)) && !ctx.matches(&t) {
                    return None;
                }
                let what = if ctx.matches(&t) { ", i.e. the transposed Jacobian" } else { "" };
                return Some(format!(
                    "You gave the shape as inputs×outputs ({c}×{r}){what}; a Jacobian is outputs×inputs: {}.",
                    ctx.outputs_by_inputs()
                ).into());
            }
            if r == c && ctx.matches(&t) {
                return Some(format!(
                    "You wrote the transposed Jacobian: row i should hold the derivatives of output {} (row i belongs to an output, column j to an input).",
                    ctx.row(0)
                ).into());
            }
            let read_as_rows = Matrix::new(r, c, t.data().to_vec()).ok()?;
            (r != 1 && c != 1 && ctx.matches(&read_as_rows)).then(|| {
                format!(
                    "You wrote the transposed Jacobian: all the ∂/∂{} first, then the ∂/∂{}, read into rows of {c}. \
                     A Jacobian is outputs×inputs: row i belongs to output i and holds [{}].",
                    ctx.col(0),
                    ctx.col(1.min(c - 1)),
                    (0..c).map(|j| format!("∂f_i/∂{}", ctx.col(j))).collect::<Vec<_>>().join(", ")
                )
                .into()
            })
        })
    }

    /// The right numbers (or the right count of numbers) in the wrong shape, such as one row of 6
    /// for a 3×2 matrix.
    pub fn reshaped() -> Self {
        Mistake::new("reshaped", |ctx| {
            let (r, c) = ctx.expected.shape();
            let (ar, ac) = ctx.answer.shape();
            if (ar, ac) == (r, c) || (ar, ac) == (c, r) || ar * ac != r * c {
                return None;
            }
            let same = ctx.answer.data().iter().zip(ctx.expected.data()).all(|(&a, &w)| ctx.tolerance.accepts(a, w));
            Some(
                format!(
                    "You have {} numbers{} in a {ar}×{ac} shape. A Jacobian is a matrix, outputs×inputs: {}. Write it \
                     row by row, `[[…, …], …]`.",
                    ar * ac,
                    if same { ", the right ones in the right order," } else { "" },
                    ctx.outputs_by_inputs()
                )
                .into(),
            )
        })
    }

    /// Every sign flipped.
    pub fn sign_flipped() -> Self {
        Mistake::new("sign flipped", |ctx| {
            ctx.matches(&negate(ctx.expected)).then(|| {
                "Every nonzero entry has the wrong sign. Did you differentiate −f, or subtract the wrong way round?"
                    .to_string()
                    .into()
            })
        })
    }

    /// Columns swapped (any reordering of the columns).
    pub fn columns_swapped() -> Self {
        Mistake::new("columns swapped", |ctx| {
            let (r, c) = ctx.expected.shape();
            permutations(c).iter().any(|p| ctx.matches(&build(r, c, |i, j| at(ctx.expected, i, p[j])))).then(|| {
                format!(
                    "Your columns are swapped: column j holds the derivatives with respect to input j, in the order {}, so row i is [{}].",
                    ctx.cols.join(", "),
                    (0..c).map(|j| format!("∂f_i/∂{}", ctx.col(j))).collect::<Vec<_>>().join(", ")
                )
                .into()
            })
        })
    }

    /// Rows in the wrong order (any reordering of the rows).
    pub fn rows_swapped() -> Self {
        Mistake::new("rows swapped", |ctx| {
            let (r, c) = ctx.expected.shape();
            permutations(r).iter().any(|p| ctx.matches(&build(r, c, |i, j| at(ctx.expected, p[i], j)))).then(|| {
                format!(
                    "Your rows are right but in the wrong order: row i belongs to output i, in the order {}.",
                    ctx.rows.join(", ")
                )
                .into()
            })
        })
    }

    /// One row whose entries are swapped, every other row right.
    pub fn row_entries_swapped() -> Self {
        Mistake::new("one row's entries swapped", |ctx| {
            let wrong = ctx.wrong_entries();
            let (_, c) = ctx.expected.shape();
            let i = wrong.first()?.0;
            if wrong.iter().any(|&(k, _)| k != i) {
                return None;
            }
            let swapped = permutations(c).iter().any(|p| {
                (0..c).all(|j| ctx.tolerance.accepts(at(ctx.answer, i, j), at(ctx.expected, i, p[j])))
            });
            swapped.then(|| {
                format!(
                    "In row {}, the entries are swapped: each row is [{}], {} first.",
                    i + 1,
                    (0..c).map(|j| ctx.partial(i, j)).collect::<Vec<_>>().join(", "),
                    ctx.col(0)
                )
                .into()
            })
        })
    }

    /// Two slips at once, named together: transposed, columns swapped or rows reordered, *and*
    /// every sign flipped.
    pub fn combined() -> Self {
        Mistake::new("combined", |ctx| {
            rearrangements(ctx).into_iter().find(|(m, _)| ctx.matches(&negate(m))).map(|(_, what)| {
                format!(
                    "Two mistakes at once: {what}, and every sign is flipped. Fix one, re-run, then the other."
                )
                .into()
            })
        })
    }

    /// Every entry off by the same power of ten (a slipped decimal point or exponent).
    pub fn power_of_ten() -> Self {
        Mistake::new("power of ten", |ctx| {
            let wrong = ctx.wrong_entries();
            let ks: Vec<Option<i32>> = wrong
                .iter()
                .map(|&(i, j)| scalar::power_of_ten(at(ctx.answer, i, j), at(ctx.expected, i, j)))
                .collect();
            match ks.first() {
                Some(Some(k)) if wrong.len() > 1 && ks.iter().all(|x| *x == Some(*k)) => Some(
                    format!(
                        "Every wrong entry is off by the same factor of {}: a slipped decimal point or exponent.",
                        scalar::power_words(*k)
                    )
                    .into(),
                ),
                _ => None,
            }
        })
    }

    /// Wrong entries that are the right values rounded too far (e ≈ 3). `advice` says how to get
    /// more digits.
    pub fn low_precision(advice: &'static str) -> Self {
        Mistake::new("low precision", move |ctx| {
            let wrong = ctx.wrong_entries();
            let rough: Vec<String> = wrong
                .iter()
                .filter_map(|&(i, j)| {
                    let (v, w) = (at(ctx.answer, i, j), at(ctx.expected, i, j));
                    scalar::low_precision(v, w, ctx.tolerance).map(|d| {
                        format!(
                            "entry ({},{}) ({}) = {} keeps only {d} significant digit{} of {}",
                            i + 1,
                            j + 1,
                            ctx.partial(i, j),
                            num(v),
                            if d == 1 { "" } else { "s" },
                            num(w)
                        )
                    })
                })
                .collect();
            (!wrong.is_empty() && rough.len() == wrong.len()).then(|| {
                format!("The precision is too low: {}. {advice}", rough.join("; ")).into()
            })
        })
    }

    /// The right formulas evaluated at another point: `at(p)` is the expected matrix at `p`, tried
    /// for every candidate point; `point` is the right one. Names the point by the column names.
    pub fn wrong_point(
        point: Vec<f64>,
        candidates: Vec<Vec<f64>>,
        at_point: impl Fn(&[f64]) -> Option<Matrix> + Send + Sync + 'static,
    ) -> Self {
        Mistake::new("wrong point", move |ctx| {
            for p in &candidates {
                if p == &point {
                    continue;
                }
                let Some(m) = at_point(p) else { continue };
                // A point whose matrix differs from the right one in one entry only is better
                // explained by that entry's own diagnosis.
                let differs = m.data().iter().zip(ctx.expected.data()).filter(|(a, b)| !ctx.tolerance.accepts(**a, **b)).count();
                if differs >= 2 && ctx.matches(&m) {
                    let names = if ctx.cols.len() == p.len() { format!("({}) = ", ctx.cols.join(", ")) } else { String::new() };
                    return Some(
                        format!(
                            "These are the right derivatives, evaluated at {names}{} instead of {}.",
                            vector(p),
                            vector(&point)
                        )
                        .into(),
                    );
                }
            }
            None
        })
    }

    /// A factor alone instead of a product (J_σ alone instead of J_σ·W): the answer has the
    /// factor's shape, m×m instead of m×n.
    pub fn factor_alone(
        factor: &'static str,
        product: &'static str,
        other: &'static str,
        shape: impl Fn(&Ctx) -> (usize, usize) + Send + Sync + 'static,
    ) -> Self {
        Mistake::new("factor alone", move |ctx| {
            let (m, n) = ctx.expected.shape();
            let f = shape(ctx);
            (f != (m, n) && ctx.answer.shape() == f).then(|| {
                format!(
                    "{}×{} is the shape of {factor} alone. The layer's Jacobian is {product}: ({}×{})·({other}) = {m}×{n}.",
                    f.0, f.1, f.0, f.1
                )
                .into()
            })
        })
    }

    /// Every wrong entry, named by its 1-based (row, column): `specific(ctx, i, j, v)` words a
    /// known slip of that entry, else the generic detectors (sign, power of ten, too few digits,
    /// 0) and a plain "is off". Always fires when the shape is right and something differs.
    pub fn entries(specific: impl Fn(&Ctx, usize, usize, f64) -> Option<String> + Send + Sync + 'static) -> Self {
        Mistake::new("wrong entries", move |ctx| {
            let wrong = ctx.wrong_entries();
            let said: Vec<String> = wrong
                .iter()
                .map(|&(i, j)| {
                    let v = at(ctx.answer, i, j);
                    sentence(&specific(ctx, i, j, v).unwrap_or_else(|| entry_generic(ctx, i, j, v)))
                })
                .collect();
            let total = ctx.expected.data().len();
            match said.as_slice() {
                [] => None,
                [one] => Some(one.clone().into()),
                _ => Some(Diagnosis {
                    message: format!("{} of the {total} entries differ (marked ✗ below):", said.len()),
                    details: said,
                }),
            }
        })
    }
}

/// What the generic detectors say about entry (i, j) (0-based) whose value is `v`.
pub fn entry_generic(ctx: &Ctx, i: usize, j: usize, v: f64) -> String {
    let want = at(ctx.expected, i, j);
    let name = format!("entry ({},{})", i + 1, j + 1);
    let partial = ctx.partial(i, j);
    if scalar::sign_flipped(v, want, ctx.tolerance) {
        return format!("{name} has the wrong sign: {partial} is {} here", if want > 0.0 { "positive" } else { "negative" });
    }
    if let Some(k) = scalar::power_of_ten(v, want) {
        return format!(
            "{name} ({partial}) = {} is off by a factor of {}: a slipped decimal point or exponent",
            num(v),
            scalar::power_words(k)
        );
    }
    if let Some(d) = scalar::low_precision(v, want, ctx.tolerance) {
        return format!(
            "{name} ({partial}) = {} is too rough: {d} significant digit{} is not enough here; give at least 3",
            num(v),
            if d == 1 { "" } else { "s" }
        );
    }
    if ctx.tolerance.accepts(v, 0.0) {
        return format!("{name} is {partial}: {} depends on {} here, so this entry is not 0", ctx.row(i), ctx.col(j));
    }
    if want == 0.0 {
        return format!("{name} is {partial}, and {} does not change when only {} moves: it is 0", ctx.row(i), ctx.col(j));
    }
    format!("{name} = {} is off: it is {partial}, evaluated at the exercise's point", num(v))
}

/// A declarative check of a matrix answer.
pub struct MatrixCheck {
    /// Which exercise (1-based) the feedback is for.
    pub exercise: u8,
    /// The expected matrix.
    pub expected: Matrix,
    /// How entries are compared.
    pub tolerance: Tolerance,
    /// Row names (outputs).
    pub rows: Vec<String>,
    /// Column names (inputs).
    pub cols: Vec<String>,
    /// Known mistakes, tried in order; [`Mistake::entries`] last.
    pub mistakes: Vec<Mistake>,
    /// The confirmation with one more insight, for a right answer.
    pub correct: String,
    /// An extra note for a right answer (e.g. "your e is rounded"), if any.
    pub note: Option<Box<dyn Fn(&Matrix) -> Option<String> + Send + Sync>>,
}

impl MatrixCheck {
    /// The verdict on a read answer (`None`: not attempted). `not_attempted` is the exercise's
    /// prompt for an untouched scaffold.
    pub fn grade(&self, answer: Read<Matrix>, not_attempted: impl FnOnce() -> Feedback) -> Feedback {
        let n = self.exercise;
        let m = match answer {
            None => return not_attempted(),
            Some(Err(why)) => {
                return Feedback::new(n, Status::CodeError, format!("Your answer cannot be read as a matrix: {why}."))
            }
            Some(Ok(m)) => m,
        };
        let ctx = Ctx { answer: &m, expected: &self.expected, tolerance: self.tolerance, rows: &self.rows, cols: &self.cols };
        if let Some((i, j, v)) = (0..m.rows()).flat_map(|i| (0..m.cols()).map(move |j| (i, j))).find_map(|(i, j)| {
            let v = at(&m, i, j);
            (!v.is_finite()).then_some((i, j, v))
        }) {
            return Feedback::new(
                n,
                Status::CodeError,
                format!(
                    "Entry ({},{}) of your answer ({}) is {}: somewhere your arithmetic divides by zero (0/0, 1/0) \
                     or overflows. Every entry of this Jacobian is a finite number.",
                    i + 1,
                    j + 1,
                    ctx.partial(i, j),
                    num(v)
                ),
            );
        }
        let same_shape = m.shape() == self.expected.shape();
        let figure = same_shape.then(|| differs_figure(&m, &ctx.wrong_entries(), &self.rows, &self.cols, "your Jacobian"));
        let with_figure = |fb: Feedback| match &figure {
            Some((f, t)) => fb.figure(f.clone(), t.clone()),
            None => fb,
        };
        if ctx.matches(&self.expected) {
            let mut fb = Feedback::new(n, Status::Correct, self.correct.clone());
            if let Some(note) = self.note.as_ref().and_then(|f| f(&m)) {
                fb = fb.detail(note);
            }
            return with_figure(fb);
        }
        for mistake in &self.mistakes {
            if let Some(d) = mistake.detect(&ctx) {
                return with_figure(Feedback::new(n, Status::Incorrect, d.message).details(d.details));
            }
        }
        let (r, c) = m.shape();
        with_figure(Feedback::new(
            n,
            Status::Incorrect,
            format!("Your matrix is {r}×{c}. A Jacobian is outputs×inputs; here {}.", ctx.outputs_by_inputs()),
        ))
    }
}

/// The learner's matrix and a 0/1 map of the entries in `wrong` (0-based) on a 0–1 colour scale,
/// as two heatmaps, and the same as text: a grid of ✓/✗.
pub fn differs_heatmaps<S: AsRef<str>>(
    answer: &Matrix,
    wrong: &[(usize, usize)],
    rows: &[S],
    cols: &[S],
    answer_title: &str,
) -> (Vec<Heatmap>, String) {
    let (r, c) = answer.shape();
    let row_labels: Vec<String> = rows.iter().map(|s| s.as_ref().to_string()).collect();
    let col_labels: Vec<String> = cols.iter().map(|s| s.as_ref().to_string()).collect();
    let mask: Vec<Vec<f64>> =
        (0..r).map(|i| (0..c).map(|j| if wrong.contains(&(i, j)) { 1.0 } else { 0.0 }).collect()).collect();
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
                .nonnegative(true)
                .scale_label("1 = differs, 0 = matches"),
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
pub fn differs_figure<S: AsRef<str>>(
    answer: &Matrix,
    wrong: &[(usize, usize)],
    rows: &[S],
    cols: &[S],
    answer_title: &str,
) -> (Figure, String) {
    let (hs, text) = differs_heatmaps(answer, wrong, rows, cols, answer_title);
    (Figure::side_by_side(hs), text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(rows: &[&[f64]]) -> Matrix {
        Matrix::new(rows.len(), rows[0].len(), rows.iter().flat_map(|r| r.iter().copied()).collect()).unwrap()
    }

    fn run(mistake: Mistake, answer: &Matrix) -> Option<Diagnosis> {
        let expected = m(&[&[2.0, 1.0], &[3.0, 5.0], &[7.0, 0.0]]);
        let rows = ["f1", "f2", "f3"].map(String::from);
        let cols = ["x", "y"].map(String::from);
        let ctx = Ctx { answer, expected: &expected, tolerance: Tolerance { abs: 1e-6, rel: 1e-6 }, rows: &rows, cols: &cols };
        mistake.detect(&ctx)
    }

    #[test]
    fn each_detector_fires_on_its_slip_only() {
        let transposed = m(&[&[2.0, 3.0, 7.0], &[1.0, 5.0, 0.0]]);
        assert!(run(Mistake::transposed(), &transposed).unwrap().message.contains("transposed"));
        assert!(run(Mistake::sign_flipped(), &transposed).is_none());
        let flipped = m(&[&[-2.0, -1.0], &[-3.0, -5.0], &[-7.0, 0.0]]);
        assert!(run(Mistake::sign_flipped(), &flipped).is_some());
        let cols = m(&[&[1.0, 2.0], &[5.0, 3.0], &[0.0, 7.0]]);
        assert!(run(Mistake::columns_swapped(), &cols).is_some());
        assert!(run(Mistake::rows_swapped(), &cols).is_none());
        let rows = m(&[&[7.0, 0.0], &[3.0, 5.0], &[2.0, 1.0]]);
        assert!(run(Mistake::rows_swapped(), &rows).is_some());
        let both = m(&[&[-1.0, -2.0], &[-5.0, -3.0], &[0.0, -7.0]]);
        let d = run(Mistake::combined(), &both).unwrap();
        assert!(d.message.contains("columns are swapped, and every sign is flipped"), "{d:?}");
        let tenth = m(&[&[0.2, 0.1], &[0.3, 0.5], &[0.7, 0.0]]);
        assert!(run(Mistake::power_of_ten(), &tenth).unwrap().message.contains("1/10"));
        let one = m(&[&[2.0, 1.0], &[3.0, 5.0], &[7.0, 4.0]]);
        let d = run(Mistake::entries(|_, _, _, _| None), &one).unwrap();
        assert!(d.message.starts_with("Entry (3,2) is ∂f3/∂y"), "{d:?}");
    }
}
