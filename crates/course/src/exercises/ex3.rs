//! Exercise 3: an input that kills every neuron of relu(W x + b), and the Jacobian there.
//!
//! Everything is computed from the learner's own W, b and x: any input that really kills every
//! neuron is accepted. A neuron is dead when its pre-activation z_i = (W x + b)_i ≤ 0, because
//! ReLU′(0) = 0 (the course's and PyTorch's convention).

use candle_core::{DType, Tensor};
use heatmap::{Figure, Heatmap, Matrix};

use super::answer::TOLERANCE_3;
use super::feedback::{Feedback, Status};
use super::{differs_heatmaps, list, num, solutions, subscript, upper_first};

fn vector(v: &[f64]) -> String {
    format!("({})", v.iter().map(|&x| num(x)).collect::<Vec<_>>().join(", "))
}

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
pub(crate) fn check(
    w: &Tensor,
    b: &Tensor,
    x: Option<Result<Vec<f64>, String>>,
    jacobian: Option<Result<Matrix, String>>,
) -> Feedback {
    if x.is_none() && jacobian.is_none() {
        return Feedback::not_attempted(3);
    }
    let layer = match read_layer(w, b) {
        Ok(l) => l,
        Err(fb) => return fb,
    };
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
    let changed = layer.w != solutions::W_3.map(|r| r.to_vec()).to_vec() || layer.b != solutions::B_3.to_vec();
    let changed_note = "You changed `w3` or `b3` from the exercise's layer; the check uses yours.".to_string();
    let Some(x) = x else {
        let mut fb = Feedback::new(
            3,
            Status::Incorrect,
            "You gave a Jacobian but no input x (`x3` is still `None`): the Jacobian of a ReLU layer \
             depends on where you evaluate it, so choose x first.",
        );
        if changed {
            fb = fb.detail(changed_note);
        }
        return fb;
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

    let mut fb = if !alive.is_empty() {
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
                     (`jacobian_3` is still `None`).",
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
    if changed {
        fb = fb.detail(changed_note);
    }
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

fn is_identity_like(j: &Matrix) -> bool {
    let (r, c) = j.shape();
    r > 0 && c > 0 && (0..r).all(|i| (0..c).all(|k| j.get(i, k) == Some(if i == k { 1.0 } else { 0.0 })))
}

/// What is wrong with the learner's Jacobian `j`, or `None` if it is the true one.
fn judge_jacobian(j: &Matrix, truth: &[Vec<f64>], layer: &Layer, z: &[f64]) -> Option<String> {
    let (m, n) = (layer.rows(), layer.cols());
    let shape = j.shape();
    if shape != (m, n) {
        if is_identity_like(j) && (shape.0 == shape.1) {
            return Some(format!(
                "A {}×{} identity would mean the layer passes its input through unchanged. The \
                 layer's Jacobian is J_ReLU · W = diag(1[z > 0]) · W, which is {m}×{n}.",
                shape.0, shape.1
            ));
        }
        return Some(if shape == (n, m) {
            format!(
                "You gave the shape as inputs×outputs ({n}×{m}); a Jacobian is outputs×inputs: one row \
                 per neuron, one column per input, {m}×{n}."
            )
        } else if shape == (m, m) {
            format!(
                "{m}×{m} is the shape of J_ReLU alone (neurons × neurons). The layer's Jacobian is \
                 J_ReLU · W: ({m}×{m})·({m}×{n}) = {m}×{n}."
            )
        } else {
            format!(
                "Your Jacobian is {}×{}, but the layer maps {n} inputs to {m} outputs, so its Jacobian \
                 is {m}×{n}: one row per neuron, one column per input.",
                shape.0, shape.1
            )
        });
    }
    let close = |i: usize, k: usize, want: f64| j.get(i, k).is_some_and(|v| TOLERANCE_3.accepts(v, want));
    let matches = |want: &dyn Fn(usize, usize) -> f64| (0..m).all(|i| (0..n).all(|k| close(i, k, want(i, k))));
    let truth_at = |i: usize, k: usize| truth.get(i).and_then(|r| r.get(k)).copied().unwrap_or(f64::NAN);
    if matches(&truth_at) {
        return None;
    }
    let w_at = |i: usize, k: usize| layer.w[i][k];
    if matches(&w_at) {
        return Some(
            "That's W, the Jacobian of the linear part Wx + b alone. The ReLU multiplies it by \
             J_ReLU = diag(1[z > 0]): what is that diagonal at your x?"
                .to_string(),
        );
    }
    if is_identity_like(j) {
        return Some(format!(
            "That's the identity (cut to {m}×{n}): it would mean each output copies one input. The \
             layer's Jacobian is J_ReLU · W = diag(1[z > 0]) · W."
        ));
    }
    let neg_w = |i: usize, k: usize| -layer.w[i][k];
    if matches(&neg_w) {
        return Some(
            "That's −W. A dead neuron does not flip the sign of its row: ReLU′(z) is 1 or 0, so each \
             row of the Jacobian is either W's row or zero."
                .to_string(),
        );
    }
    let rows: Vec<String> = (0..m)
        .filter(|&i| !(0..n).all(|k| close(i, k, truth_at(i, k))))
        .map(|i| {
            if z[i] <= 0.0 {
                format!(
                    "row {} should be zero: neuron {} is dead ({} = {} ≤ 0), so ReLU′ = 0 there and \
                     no gradient flows back through it",
                    i + 1,
                    i + 1,
                    z_name(i),
                    num(z[i])
                )
            } else {
                format!(
                    "row {} belongs to a live neuron ({} = {} > 0): ReLU′ = 1 there, so the row is \
                     row {} of W",
                    i + 1,
                    z_name(i),
                    num(z[i]),
                    i + 1
                )
            }
        })
        .collect();
    Some(format!("{}.", upper_first(&list(&rows))))
}
