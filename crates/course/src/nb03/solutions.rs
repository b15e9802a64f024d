//! Reference solutions, kept out of the learner's notebook.
//!
//! The checks compare against these, [`crate::nb03::solution`] shows them on request, and
//! the tests inject [`cell_source`] into a copy of the notebook to prove that every exercise can
//! be marked correct on the real kernel. The reference values are computed with the `jacobian`
//! library (in f64), not typed in.
// The library's error type is what it is; these run once per check.
#![allow(clippy::result_large_err)]

use candle_core::{Device, Tensor};
use jacobian::nn::{Linear, ReLU, Sequential};
use jacobian::rng::Generator;

/// Exercise 1's point (x, y).
pub const POINT_1: [f64; 2] = [1.0, 2.0];

/// Exercise 1's function f(x, y) = (x² + y, xy, eˣ), for the `jacobian` library.
pub fn f_1(v: &Tensor) -> candle_core::Result<Tensor> {
    let (x, y) = (v.get(0)?, v.get(1)?);
    Tensor::stack(&[(x.sqr()? + &y)?, (&x * &y)?, x.exp()?], 0)
}

/// The Jacobian of [`f_1`] at `point`, by the library's autodiff in f64.
pub fn jacobian_1_at(point: [f64; 2]) -> jacobian::Result<[[f64; 2]; 3]> {
    let x = Tensor::new(&point, &Device::Cpu)?;
    let j = jacobian::jacobian(f_1, &x)?.to_vec2::<f64>()?;
    let mut out = [[0.0; 2]; 3];
    for (row, values) in out.iter_mut().zip(&j) {
        for (entry, v) in row.iter_mut().zip(values) {
            *entry = *v;
        }
    }
    Ok(out)
}

/// Exercise 1's answer: [[2, 1], [2, 1], [e, 0]].
pub fn answer_1() -> jacobian::Result<[[f64; 2]; 3]> {
    jacobian_1_at(POINT_1)
}

/// Exercise 2's network: 3 → 5 → 4 → 2 → 1.
pub const LAYERS_2: [usize; 5] = [3, 5, 4, 2, 1];

/// Exercise 2's answer, (1, 3): the shape of the Jacobian of a [`LAYERS_2`] network with ReLUs
/// between its linear layers, computed by building the network and asking for its Jacobian.
pub fn answer_2() -> jacobian::Result<(usize, usize)> {
    let mut g = Generator::new(0);
    let mut net = Sequential::new();
    for (k, pair) in LAYERS_2.windows(2).enumerate() {
        if k > 0 {
            net.push(ReLU);
        }
        net.push(Linear::with_generator(pair[0], pair[1], &mut g)?);
    }
    let x = Tensor::ones(LAYERS_2[0], candle_core::DType::F32, &Device::Cpu)?;
    match *net.jacobian(&x)?.dims() {
        [m, n] => Ok((m, n)),
        ref d => Err(jacobian::Error::Shape {
            function: "answer_2",
            what: "the network's Jacobian",
            expected: vec![1, 3],
            got: d.to_vec(),
        }),
    }
}

/// Exercise 3's weight matrix W, as in the scaffold.
pub const W_3: [[f64; 2]; 3] = [[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]];
/// Exercise 3's bias b, as in the scaffold.
pub const B_3: [f64; 3] = [0.5, -0.5, 0.0];
/// One input that kills every neuron of relu(W x + b): z = (−6.5, −0.5, −1).
pub const X_3: [f64; 2] = [-1.0, -3.0];

/// The layer's Jacobian `J_ReLU(z)·W` at `x` for the learner's `w` (m×n) and `b` (m), by the
/// library's closed form, in f64.
pub fn layer_jacobian_3(w: &Tensor, b: &Tensor, x: &[f64]) -> jacobian::Result<Vec<Vec<f64>>> {
    let x = Tensor::new(x, &Device::Cpu)?;
    let w = w.to_dtype(candle_core::DType::F64)?;
    let b = b.to_dtype(candle_core::DType::F64)?;
    Ok(jacobian::layer_jacobian(&w, Some(&b), jacobian::Activation::ReLU, &x)?.to_vec2::<f64>()?)
}

/// Exercise 3's answer at [`X_3`]: the 3×2 zero matrix.
pub fn answer_3() -> jacobian::Result<Vec<Vec<f64>>> {
    let w = Tensor::new(&W_3, &Device::Cpu)?;
    let b = Tensor::new(&B_3, &Device::Cpu)?;
    layer_jacobian_3(&w, &b, &X_3)
}

/// Exercise 4's point z.
pub const Z_4: f64 = 10.0;

/// Exercise 4's value σ′(10) = σ(10)(1 − σ(10)) = 4.5395807735951673e-05, the 1×1 Jacobian of
/// sigmoid at 10 from the library in f64.
///
/// (PyTorch's notebook prints 4.5417e-05: that is the f32 closed form, where `1 − σ(10)` loses
/// three digits to cancellation. The library's f32 autodiff gives 4.5396e-05.)
pub fn answer_4() -> jacobian::Result<f64> {
    let z = Tensor::new(&[Z_4], &Device::Cpu)?;
    let j = jacobian::sigmoid_jacobian(&z)?.to_vec2::<f64>()?;
    j.first().and_then(|row| row.first()).copied().ok_or(jacobian::Error::Shape {
        function: "answer_4",
        what: "sigmoid's Jacobian at 10",
        expected: vec![1, 1],
        got: vec![j.len(), 0],
    })
}

/// Exercise 4's "why": B, the gradient is so small that learning stalls (vanishing gradient).
pub const WHY_4: char = 'B';

/// Exercise 1's solution cell.
pub const CELL_1: &str = "\
// Exercise 1: solution
// f(x, y) = (x² + y, xy, eˣ). Row i is the gradient of f_i: (2x, 1), (y, x), (eˣ, 0),
// evaluated at x = 1, y = 2.
let answer_1 = [
    [2.0, 1.0],
    [2.0, 1.0],
    [1f64.exp(), 0.0],
];

check_exercise_1(&answer_1)";

/// Exercise 2's solution cell.
pub const CELL_2: &str = "\
// Exercise 2: solution
// ∂y/∂x = J₄·J₃·J₂·J₁ = (1×2)(2×4)(4×5)(5×3): the inner sizes cancel, leaving
// (outputs of the network) × (inputs of the network).
let answer_2: Option<(usize, usize)> = Some((1, 3));

check_exercise_2(&answer_2)";

/// Exercise 3's solution cell.
pub const CELL_3: &str = "\
// Exercise 3: solution
let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;
let b3 = tensor(&[0.5, -0.5, 0.0])?;
// z = W x + b = (x₁ + 2x₂ + 0.5, 3x₁ − x₂ − 0.5, −2x₁ + x₂). All three are ≤ 0 when
// x₂ ≤ 2x₁, x₂ ≥ 3x₁ − 0.5 and x₂ ≤ −(x₁ + 0.5)/2: x = (−1, −3) gives z = (−6.5, −0.5, −1).
let x3 = [-1.0, -3.0];
// Every neuron is dead, so J_ReLU = diag(1[z > 0]) = 0 and J = J_ReLU · W = 0 (still 3×2).
let jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];

check_exercise_3(&w3, &b3, &x3, &jacobian_3)";

/// Exercise 4's solution cell.
pub const CELL_4: &str = "\
// Exercise 4: solution
// (a) The library's 1×1 Jacobian of sigmoid at 10 (a tensor is accepted as the answer):
//     σ′(10) = σ(10)(1 − σ(10)) ≈ 4.54e-5.
let sigmoid_jacobian_at_10 = jacobian(sigmoid, &tensor(&[10.0])?)?;
// (b) B: a gradient passing back through this neuron is multiplied by ~4.5e-5, so it vanishes.
let why_4 = \"B\";

check_exercise_4(&sigmoid_jacobian_at_10, &why_4)";

/// The source of a notebook cell that solves exercise `n` (1–4): the scaffold with the answer
/// filled in, ending in the same check call. `None` for other `n`.
pub fn cell_source(n: u8) -> Option<&'static str> {
    match n {
        1 => Some(CELL_1),
        2 => Some(CELL_2),
        3 => Some(CELL_3),
        4 => Some(CELL_4),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_answers_match_the_maths() {
        let e = std::f64::consts::E;
        let j = answer_1().unwrap();
        let want = [[2.0, 1.0], [2.0, 1.0], [e, 0.0]];
        for (r, w) in j.iter().zip(&want) {
            for (a, b) in r.iter().zip(w) {
                assert!((a - b).abs() < 1e-12, "{j:?}");
            }
        }
        assert_eq!(answer_2().unwrap(), (1, 3));
        assert_eq!(answer_3().unwrap(), vec![vec![0.0; 2]; 3]);
        let s = 1.0 / (1.0 + (-10f64).exp());
        assert!((answer_4().unwrap() - s * (1.0 - s)).abs() < 1e-15);
        assert!((answer_4().unwrap() - 4.5395807735951673e-05).abs() < 1e-15);
    }
}
