//! Exercise 3: an input that kills every neuron of relu(W x + b), and the Jacobian there.
//!
//! Any input that really kills every neuron of the *given* layer is accepted: the check computes
//! z = W x + b at the learner's x. A learner who changed `w3` or `b3` is never marked correct: the
//! task is to find x for the layer as given. A neuron is dead when its pre-activation
//! z_i = (W x + b)_i ≤ 0, because ReLU′(0) = 0 (the course's and PyTorch's convention). The
//! Jacobian is judged with the shared matrix detectors (transposed, J_ReLU alone, W, −W, signs,
//! swaps) and this exercise's own (a dead neuron's row must be zero, a live one's is W's row).

use candle_core::{DType, Tensor};
use heatmap::{Figure, Heatmap, Matrix};

use super::{solutions, EXERCISE_3, TOLERANCE_3};
use crate::exercise::matrix::differs_heatmaps;
use crate::exercise::words::{list, num, subscript, upper_first, vector};
use crate::exercise::{Ctx, Diagnosis, Feedback, Mistake, Read, Status};

fn z_name(i: usize) -> String {
    format!("z{}", subscript(i + 1))
}

/// The learner's layer, read from the tensors.
struct Layer {
    w: Vec<Vec<f64>>,
    b: Vec<f64>,
}

impl Layer {
    fn rows(&self) -> usize {
        self.w.len()
    }
    fn cols(&self) -> usize {
        self.w.first().map_or(0, Vec::len)
    }
}

fn code_error(message: impl Into<String>) -> Feedback {
    Feedback::new(3, Status::CodeError, message)
}

// A Feedback is the error here: it goes straight back to the learner.
#[allow(clippy::result_large_err)]
fn read_layer(w: &Tensor, b: &Tensor) -> Result<Layer, Feedback> {
    if w.rank() != 2 {
        return Err(code_error(format!(
            "`w3` has shape {:?}, but a layer's weight matrix W is 2-D: one row per neuron, one \
             column per input. Build it with `matrix(&[[…, …], …])`.",
            w.dims()
        )));
    }
    if b.rank() != 1 {
        return Err(code_error(format!(
            "`b3` has shape {:?}, but a layer's bias b is a vector (1-D) with one entry per neuron. \
             Build it with `tensor(&[…])`.",
            b.dims()
        )));
    }
    #[allow(clippy::result_large_err)]
    let read = |t: &Tensor| t.to_dtype(DType::F64).map_err(|e| code_error(format!("a tensor cannot be read: {e}")));
    let w = read(w)?.to_vec2::<f64>().map_err(|e| code_error(format!("`w3` cannot be read: {e}")))?;
    let b = read(b)?.to_vec1::<f64>().map_err(|e| code_error(format!("`b3` cannot be read: {e}")))?;
    let layer = Layer { w, b };
    if layer.b.len() != layer.rows() {
        return Err(code_error(format!(
            "`w3` is {}×{}, so the layer has {} neurons, but `b3` has {} entries: a layer needs one \
             bias per neuron, i.e. per row of W.",
            layer.rows(),
            layer.cols(),
            layer.rows(),
            layer.b.len()
        )));
    }
    if layer.w.iter().flatten().chain(&layer.b).any(|v| !v.is_finite()) {
        return Err(code_error("`w3` or `b3` contains NaN or ∞: every weight and bias must be a finite number."));
    }
    Ok(layer)
}

/// Exercise 3's check on answers already read.
pub(crate) fn check(w: &Tensor, b: &Tensor, x: Read<Vec<f64>>, jacobian: Read<Matrix>) -> Feedback {
    if x.is_none() && jacobian.is_none() {
        return EXERCISE_3.not_attempted();
    }
    let layer = match read_layer(w, b) {
        Ok(l) => l,
        Err(fb) => return fb,
    };
    let given_w = solutions::W_3.map(|r| r.to_vec()).to_vec();
    let given_b = solutions::B_3.to_vec();
    if layer.w != given_w || layer.b != given_b {
        return changed_layer(&layer, &given_w, &given_b, x, jacobian);
    }
    let x = match x {
        Some(Err(why)) => return code_error(format!("Your x cannot be read as a vector: {why}.")),
        Some(Ok(x)) => Some(x),
        None => None,
    };
    let jacobian = match jacobian {
        Some(Err(why)) => return code_error(format!("Your Jacobian cannot be read as a matrix: {why}.")),
        Some(Ok(j)) => Some(j),
        None => None,
    };
    if let Some(j) = &jacobian {
        if let Some(bad) = j.data().iter().find(|v| !v.is_finite()) {
            return code_error(format!(
                "Your Jacobian contains {}: every entry of this Jacobian is a finite number.",
                num(*bad)
            ));
        }
    }
    let Some(x) = x else {
        return Feedback::new(
            3,
            Status::Incorrect,
            "You gave a Jacobian but no input x (`x3` is still `Unanswered`): the Jacobian of a ReLU layer \
             depends on where you evaluate it, so choose x first.",
        );
    };
    if let Some(bad) = x.iter().find(|v| !v.is_finite()) {
        return code_error(format!("Your x contains {}: choose finite numbers.", num(*bad)));
    }
    // The library computes the true Jacobian (and checks the shapes); its shape errors are
    // explained in the course's terms.
    let truth = match solutions::layer_jacobian_3(w, b, &x) {
        Ok(t) => t,
        Err(e) => {
            let message = if x.len() != layer.cols() {
                format!(
                    "W is {}×{}, so W x needs x with {} entries (one per column of W, i.e. per input \
                     of the layer), but your x has {}.",
                    layer.rows(),
                    layer.cols(),
                    layer.cols(),
                    x.len()
                )
            } else {
                "The layer relu(W x + b) cannot be evaluated at your x.".to_string()
            };
            return code_error(message).detail(format!("The library said: {e}"));
        }
    };
    let z: Vec<f64> = layer
        .w
        .iter()
        .zip(&layer.b)
        .map(|(row, bi)| row.iter().zip(&x).map(|(wij, xj)| wij * xj).sum::<f64>() + bi)
        .collect();
    let alive: Vec<usize> = (0..z.len()).filter(|&i| z[i] > 0.0).collect();
    let dead: Vec<usize> = (0..z.len()).filter(|&i| z[i] <= 0.0).collect();
    let neurons: Vec<String> = (1..=layer.rows()).map(|i| format!("neuron {i}")).collect();
    let inputs: Vec<String> = (1..=layer.cols()).map(|j| format!("x{}", subscript(j))).collect();

    let mut heatmaps = vec![Heatmap::new(z.iter().map(|&v| vec![v]).collect::<Vec<_>>())
        .title("pre-activations z = Wx + b")
        .row_labels(neurons.clone())
        .col_labels(["z"])
        .row_axis("neuron i")
        .col_axis("")
        .scale_label("z  (> 0: alive)")];
    let mut text = format!(
        "z = W x + b = {} at x = {}: {}",
        vector(&z),
        vector(&x),
        if alive.is_empty() {
            "every neuron is dead".to_string()
        } else {
            format!("alive: {}", neurons_named(&alive))
        }
    );
    let jacobian_verdict = jacobian.as_ref().map(|j| {
        let verdict = judge_jacobian(j, &truth, &layer, &z);
        if j.shape() == (layer.rows(), layer.cols()) {
            let wrong: Vec<(usize, usize)> = (0..layer.rows())
                .flat_map(|i| (0..layer.cols()).map(move |k| (i, k)))
                .filter(|&(i, k)| {
                    let want = truth.get(i).and_then(|r| r.get(k)).copied().unwrap_or(f64::NAN);
                    !j.get(i, k).is_some_and(|v| TOLERANCE_3.accepts(v, want))
                })
                .collect();
            let (hs, t) = differs_heatmaps(j, &wrong, &neurons, &inputs, "your Jacobian");
            heatmaps.extend(hs);
            text.push_str("\n\n");
            text.push_str(&t);
        }
        verdict
    });
    let figure = Figure::side_by_side(heatmaps);

    let fb = if !alive.is_empty() {
        let sentences: Vec<String> = alive
            .iter()
            .map(|&i| format!("neuron {} is still alive: its pre-activation is {} = {} > 0", i + 1, z_name(i), num(z[i])))
            .collect();
        let mut fb = Feedback::new(3, Status::Incorrect, format!("At x = {}, {}.", vector(&x), list(&sentences)));
        if !dead.is_empty() {
            fb = fb.detail(format!(
                "Dead already (z ≤ 0): {} ✓. This is an input where only some neurons are dead; every \
                 z_i = w_i·x + b_i must be ≤ 0 at the same x.",
                neurons_named(&dead)
            ));
        } else {
            fb = fb.detail("Every z_i = w_i·x + b_i must be ≤ 0 at the same x.".to_string());
        }
        match &jacobian_verdict {
            Some(None) => fb.detail(
                "Your Jacobian is right for this x: the rows of live neurons are W's rows, the rows of \
                 dead ones are zero."
                    .to_string(),
            ),
            Some(Some(diagnosis)) => fb.detail(format!("Your Jacobian: {}", lower_first(diagnosis))),
            None => fb,
        }
    } else {
        match &jacobian_verdict {
            None => Feedback::new(
                3,
                Status::Incorrect,
                format!(
                    "Your x = {} kills every neuron ✓ (z = {}). Now give the layer's Jacobian there \
                     (`jacobian_3` is still `Unanswered`).",
                    vector(&x),
                    vector(&z)
                ),
            ),
            Some(Some(diagnosis)) => Feedback::new(3, Status::Incorrect, diagnosis.clone()).detail(format!(
                "Your x = {} does kill every neuron ✓ (z = {}).",
                vector(&x),
                vector(&z)
            )),
            Some(None) => {
                let mut fb = Feedback::new(
                    3,
                    Status::Correct,
                    format!(
                        "At x = {} every pre-activation is ≤ 0 (z = {}), so J_ReLU = 0 and the layer's \
                         Jacobian J_ReLU·W is the {}×{} zero matrix. No gradient reaches W, b or x \
                         through this layer, so gradient descent can never revive these neurons: the \
                         dying-ReLU problem. (LeakyReLU keeps a small slope for z < 0 to avoid it.)",
                        vector(&x),
                        vector(&z),
                        layer.rows(),
                        layer.cols()
                    ),
                );
                for i in (0..z.len()).filter(|&i| z[i] == 0.0) {
                    fb = fb.detail(format!(
                        "Neuron {} sits exactly at {} = 0: it counts as dead because ReLU′(0) = 0 by \
                         convention (PyTorch's too), but any nudge that makes {} > 0 revives it.",
                        i + 1,
                        z_name(i),
                        z_name(i)
                    ));
                }
                fb
            }
        }
    };
    fb.figure(figure, text)
}

/// "neuron 2", "neurons 1 and 3" (0-based indices in, 1-based out).
fn neurons_named(idx: &[usize]) -> String {
    let numbers: Vec<String> = idx.iter().map(|i| (i + 1).to_string()).collect();
    match numbers.as_slice() {
        [one] => format!("neuron {one}"),
        _ => format!("neurons {}", list(&numbers)),
    }
}

/// The first letter in lower case, unless the word is a symbol like "W" (two capitals, or one
/// capital alone).
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match (c.next(), c.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && b.is_lowercase() => a.to_lowercase().chain(s.chars().skip(1)).collect(),
        _ => s.to_string(),
    }
}

fn identity(r: usize, c: usize) -> Option<Matrix> {
    Matrix::new(r, c, (0..r).flat_map(|i| (0..c).map(move |k| if i == k { 1.0 } else { 0.0 })).collect()).ok()
}

fn layer_matrix(layer: &Layer, sign: f64) -> Option<Matrix> {
    Matrix::new(layer.rows(), layer.cols(), layer.w.iter().flatten().map(|v| sign * v).collect()).ok()
}

/// What is wrong with the learner's Jacobian `j`, or `None` if it is the true one: the shared
/// detectors first, then this exercise's row-by-row reading.
fn judge_jacobian(j: &Matrix, truth: &[Vec<f64>], layer: &Layer, z: &[f64]) -> Option<String> {
    let (m, n) = (layer.rows(), layer.cols());
    let expected = Matrix::new(m, n, truth.iter().flatten().copied().collect()).ok()?;
    let rows: Vec<String> = (1..=m).map(|i| format!("neuron {i}")).collect();
    let cols: Vec<String> = (1..=n).map(|k| format!("x{}", subscript(k))).collect();
    let ctx = Ctx { answer: j, expected: &expected, tolerance: TOLERANCE_3, rows: &rows, cols: &cols };
    if ctx.matches(&expected) {
        return None;
    }
    let w = layer_matrix(layer, 1.0);
    let neg_w = layer_matrix(layer, -1.0);
    let z_owned = z.to_vec();
    let mistakes = vec![
        Mistake::new("identity", move |ctx| {
            let (r, c) = ctx.answer.shape();
            (r == c && r != m && identity(r, c).is_some_and(|i| ctx.matches(&i))).then(|| {
                format!(
                    "A {r}×{c} identity would mean the layer passes its input through unchanged. The layer's \
                     Jacobian is J_ReLU · W = diag(1[z > 0]) · W, which is {m}×{n}."
                )
                .into()
            })
        }),
        Mistake::transposed(),
        Mistake::factor_alone("J_ReLU", "J_ReLU · W", "W, m×n", move |_| (m, m)),
        Mistake::equals(
            "W",
            move |_| w.clone(),
            "That's W, the Jacobian of the linear part Wx + b alone. The ReLU multiplies it by J_ReLU = \
             diag(1[z > 0]): what is that diagonal at your x?",
        ),
        Mistake::equals(
            "identity cut",
            move |_| identity(m, n),
            format!(
                "That's the identity (cut to {m}×{n}): it would mean each output copies one input. The layer's \
                 Jacobian is J_ReLU · W = diag(1[z > 0]) · W."
            ),
        ),
        Mistake::equals(
            "−W",
            move |_| neg_w.clone(),
            "That's −W. A dead neuron does not flip the sign of its row: ReLU′(z) is 1 or 0, so each row of the \
             Jacobian is either W's row or zero.",
        ),
        Mistake::sign_flipped(),
        Mistake::combined(),
        Mistake::new("rows", move |ctx| {
            if ctx.answer.shape() != ctx.expected.shape() {
                return None;
            }
            let said: Vec<String> = (0..m)
                .filter(|&i| (0..n).any(|k| !TOLERANCE_3.accepts(ctx.answer.get(i, k).unwrap_or(f64::NAN), truth_at(ctx, i, k))))
                .map(|i| {
                    if z_owned[i] <= 0.0 {
                        format!(
                            "row {} should be zero: neuron {} is dead ({} = {} ≤ 0), so ReLU′ = 0 there and no \
                             gradient flows back through it",
                            i + 1,
                            i + 1,
                            z_name(i),
                            num(z_owned[i])
                        )
                    } else {
                        format!(
                            "row {} belongs to a live neuron ({} = {} > 0): ReLU′ = 1 there, so the row is row {} of W",
                            i + 1,
                            z_name(i),
                            num(z_owned[i]),
                            i + 1
                        )
                    }
                })
                .collect();
            (!said.is_empty()).then(|| Diagnosis::from(format!("{}.", upper_first(&list(&said)))))
        }),
    ];
    for mistake in &mistakes {
        if let Some(d) = mistake.detect(&ctx) {
            return Some(d.message);
        }
    }
    let (r, c) = j.shape();
    Some(format!(
        "Your Jacobian is {r}×{c}, but the layer maps {n} inputs to {m} outputs, so its Jacobian is {m}×{n}: one \
         row per neuron, one column per input."
    ))
}

fn truth_at(ctx: &Ctx, i: usize, k: usize) -> f64 {
    ctx.expected.get(i, k).unwrap_or(f64::NAN)
}

/// The learner changed `w3` or `b3`: never correct. Says what changed, and grades x (and the
/// Jacobian) on the given layer instead.
fn changed_layer(layer: &Layer, given_w: &[Vec<f64>], given_b: &[f64], x: Read<Vec<f64>>, jacobian: Read<Matrix>) -> Feedback {
    let mut changes = Vec::new();
    if layer.w != given_w {
        changes.push(if layer.rows() == given_w.len() && layer.cols() == given_w[0].len() {
            let (i, k) = (0..layer.rows())
                .flat_map(|i| (0..layer.cols()).map(move |k| (i, k)))
                .find(|&(i, k)| layer.w[i][k] != given_w[i][k])
                .unwrap_or((0, 0));
            format!("`w3` (entry ({},{}) is {} instead of {})", i + 1, k + 1, num(layer.w[i][k]), num(given_w[i][k]))
        } else {
            format!("`w3` (it is {}×{} instead of 3×2)", layer.rows(), layer.cols())
        });
    }
    if layer.b != given_b {
        changes.push(if layer.b.len() == given_b.len() {
            let i = (0..given_b.len()).find(|&i| layer.b[i] != given_b[i]).unwrap_or(0);
            format!("`b3` (entry {} is {} instead of {})", i + 1, num(layer.b[i]), num(given_b[i]))
        } else {
            format!("`b3` (it has {} entries instead of 3)", layer.b.len())
        });
    }
    let mut fb = Feedback::new(
        3,
        Status::Incorrect,
        format!(
            "You changed {}. The task is to find an x that kills every neuron of the layer as given, W = [[1, 2], \
             [3, -1], [-2, 1]] and b = (0.5, -0.5, 0): put those two lines back as they were.",
            list(&changes)
        ),
    );
    if x.is_some() {
        if let (Ok(w), Ok(b)) = (
            Tensor::new(&solutions::W_3, &candle_core::Device::Cpu),
            Tensor::new(&solutions::B_3, &candle_core::Device::Cpu),
        ) {
            let on_given = check(&w, &b, x, jacobian);
            fb = fb.detail(format!("On the given layer: {}", on_given.message));
        }
    }
    fb
}
