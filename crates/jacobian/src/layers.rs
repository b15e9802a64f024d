//! Closed-form Jacobians of neural-network layers, and the chain rule `J_f = J_h · J_g`.
//!
//! Each formula is cross-checked against autodiff in the tests:
//! - linear `Wx + b`: `J = W`;
//! - element-wise `σ`: `J = diag(σ'(z))` — ReLU `diag(1[z > 0])` (0 at exactly 0, as in the
//!   course and PyTorch), sigmoid `diag(σ(1 − σ))`, tanh `diag(1 − tanh²)`;
//! - a layer with activation `σ(Wx + b)`: `J = J_σ(z) · W = diag(σ'(z)) W`;
//! - composition `h ∘ g`: `J = J_h · J_g`, after checking the inner dimensions.
use crate::{ops, Error, Result};
use candle_core::Tensor;

/// An element-wise activation function, with its derivative and diagonal Jacobian.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// `σ(z) = z`, `σ' = 1`.
    Identity,
    /// `max(z, 0)`, `σ' = 1[z > 0]` ([`ops::relu`]).
    ReLU,
    /// `1 / (1 + e^{−z})`, `σ' = σ(1 − σ)` ([`ops::sigmoid`]).
    Sigmoid,
    /// `tanh z`, `σ' = 1 − tanh² z`.
    Tanh,
}

impl Activation {
    /// Applies the activation element-wise (differentiable, PyTorch's derivatives).
    pub fn apply(&self, z: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            Activation::Identity => Ok(z.clone()),
            Activation::ReLU => ops::relu(z),
            Activation::Sigmoid => ops::sigmoid(z),
            Activation::Tanh => ops::tanh(z),
        }
    }
    /// The derivative `σ'(z)`, element-wise, same shape and dtype as `z`.
    pub fn derivative(&self, z: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            Activation::Identity => z.ones_like(),
            Activation::ReLU => ops::relu_derivative(z),
            Activation::Sigmoid => ops::sigmoid_derivative(z),
            Activation::Tanh => ops::tanh_derivative(z),
        }
    }
    /// The Jacobian `diag(σ'(z))`: `(n, n)` for 1-D `z`, 0-d for 0-d `z` (as torch returns).
    ///
    /// **Errors:** [`Error::InputRank`] if `z` has rank > 1; [`Error::DType`] for integer `z`.
    pub fn jacobian(&self, z: &Tensor) -> Result<Tensor> {
        elementwise_jacobian(self.name(), z, |z| self.derivative(z))
    }
    /// The PyTorch module name: `"Identity"`, `"ReLU"`, `"Sigmoid"` or `"Tanh"`.
    pub fn name(&self) -> &'static str {
        match self {
            Activation::Identity => "Identity",
            Activation::ReLU => "ReLU",
            Activation::Sigmoid => "Sigmoid",
            Activation::Tanh => "Tanh",
        }
    }
}

fn elementwise_jacobian(
    function: &'static str,
    z: &Tensor,
    derivative: impl Fn(&Tensor) -> candle_core::Result<Tensor>,
) -> Result<Tensor> {
    crate::engine::check_float(function, "z", z)?;
    match z.rank() {
        0 => Ok(derivative(z)?),
        1 => Ok(ops::diag(&derivative(z)?)?),
        _ => Err(Error::InputRank { function, what: "z", expected: "0-d or 1-D", got: z.dims().to_vec() }),
    }
}

fn check_weight(function: &'static str, w: &Tensor) -> Result<(usize, usize)> {
    crate::engine::check_float(function, "W", w)?;
    match w.dims() {
        &[m, n] => Ok((m, n)),
        d => Err(Error::InputRank { function, what: "W", expected: "2-D (out_features, in_features)", got: d.to_vec() }),
    }
}

/// The Jacobian of a linear layer `x ↦ Wx + b`: the weight matrix `W` itself, `(m, n)`.
///
/// **Errors:** [`Error::InputRank`] if `W` is not 2-D; [`Error::DType`] for integer `W`.
///
/// **Mirrors** `torch.autograd.functional.jacobian(lambda x: W @ x + b, x)`, which equals `W` at
/// every `x`.
///
/// ```
/// use jacobian::{layers, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// let w = Tensor::new(&[[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]], &Device::Cpu)?;
/// assert_eq!(layers::linear_jacobian(&w)?.to_vec2::<f32>()?, w.to_vec2::<f32>()?);
/// # Ok(()) }
/// ```
pub fn linear_jacobian(w: &Tensor) -> Result<Tensor> {
    check_weight("linear_jacobian", w)?;
    Ok(w.clone())
}

/// The Jacobian of ReLU at `z`: `diag(1[z > 0])`, `(n, n)` for 1-D `z` (0-d for 0-d `z`).
/// The entry at exactly `z = 0` is 0, as in the course and in PyTorch.
///
/// **Errors:** [`Error::InputRank`] if `z` has rank > 1; [`Error::DType`] for integer `z`.
///
/// ```
/// use jacobian::{layers, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// let z = Tensor::new(&[2.0f32, -1.0, 0.0], &Device::Cpu)?;
/// let j = layers::relu_jacobian(&z)?;
/// assert_eq!(j.to_vec2::<f32>()?, [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]);
/// # Ok(()) }
/// ```
pub fn relu_jacobian(z: &Tensor) -> Result<Tensor> {
    elementwise_jacobian("relu_jacobian", z, ops::relu_derivative)
}

/// The Jacobian of the sigmoid at `z`: `diag(σ(z)(1 − σ(z)))`. Shapes and errors as
/// [`relu_jacobian`].
///
/// ```
/// use jacobian::{layers, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// // Saturation: σ'(10) = 4.54e−5
/// let j = layers::sigmoid_jacobian(&Tensor::new(&[10.0f32], &Device::Cpu)?)?;
/// assert!((j.to_vec2::<f32>()?[0][0] - 4.5417e-5).abs() < 1e-8);
/// # Ok(()) }
/// ```
pub fn sigmoid_jacobian(z: &Tensor) -> Result<Tensor> {
    elementwise_jacobian("sigmoid_jacobian", z, ops::sigmoid_derivative)
}

/// The Jacobian of tanh at `z`: `diag(1 − tanh²(z))`. Shapes and errors as [`relu_jacobian`].
pub fn tanh_jacobian(z: &Tensor) -> Result<Tensor> {
    elementwise_jacobian("tanh_jacobian", z, ops::tanh_derivative)
}

/// The Jacobian of a layer with activation, `x ↦ σ(Wx + b)`, at `x`: `J_σ(z) · W` with
/// `z = Wx + b`, computed as `diag(σ'(z)) W` by scaling the rows of `W`. Shape `(m, n)`.
///
/// `b` may be `None` (no bias). **Errors:** [`Error::InputRank`] if `W` is not 2-D or `x` not
/// 1-D; [`Error::Shape`] if `x` is not `(n,)` or `b` not `(m,)`; [`Error::DType`].
///
/// ```
/// use jacobian::{layers, layers::Activation, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// // The course's W and b at x = (0.1, 0): z = (0.2, −0.2, 0.8), the ReLU zeroes row 2.
/// // (At the course's x = (0.1, 0.1), z = (0.4, 0.2, 1.4) > 0 and J = W.)
/// let w = Tensor::new(&[[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]], &Device::Cpu)?;
/// let b = Tensor::new(&[0.1f32, -0.5, 0.3], &Device::Cpu)?;
/// let x = Tensor::new(&[0.1f32, 0.0], &Device::Cpu)?;
/// let j = layers::layer_jacobian(&w, Some(&b), Activation::ReLU, &x)?;
/// assert_eq!(j.to_vec2::<f32>()?, [[1.0, 2.0], [0.0, 0.0], [5.0, 6.0]]);
/// # Ok(()) }
/// ```
pub fn layer_jacobian(w: &Tensor, b: Option<&Tensor>, activation: Activation, x: &Tensor) -> Result<Tensor> {
    const FUNCTION: &str = "layer_jacobian";
    let (m, n) = check_weight(FUNCTION, w)?;
    crate::engine::check_float(FUNCTION, "x", x)?;
    if x.rank() != 1 {
        return Err(Error::InputRank { function: FUNCTION, what: "x", expected: "1-D", got: x.dims().to_vec() });
    }
    if x.dims() != [n] {
        return Err(Error::Shape { function: FUNCTION, what: "x (W's columns)", expected: vec![n], got: x.dims().to_vec() });
    }
    let mut z = w.matmul(&x.unsqueeze(1)?)?.squeeze(1)?;
    if let Some(b) = b {
        if b.dims() != [m] {
            return Err(Error::Shape { function: FUNCTION, what: "b (W's rows)", expected: vec![m], got: b.dims().to_vec() });
        }
        z = (z + b)?;
    }
    Ok(activation.derivative(&z)?.unsqueeze(1)?.broadcast_mul(w)?)
}

/// The chain rule for `f = h ∘ g`: `J_f = J_h · J_g`, `(p, q) · (q, r) → (p, r)`.
///
/// **Errors:** [`Error::InputRank`] unless both are 2-D; [`Error::ChainShape`] if `J_h` has `q`
/// columns but `J_g` does not have `q` rows (the output of `g` is not the input of `h`);
/// [`Error::DTypeMismatch`] if their dtypes differ.
///
/// ```
/// use jacobian::{layers, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// let jh = Tensor::new(&[[1.0f32, 0.0, 2.0]], &Device::Cpu)?; // (1, 3)
/// let jg = Tensor::new(&[[1.0f32, 1.0], [0.0, 1.0], [1.0, 0.0]], &Device::Cpu)?; // (3, 2)
/// assert_eq!(layers::chain(&jh, &jg)?.to_vec2::<f32>()?, [[3.0, 1.0]]);
/// let e = layers::chain(&jg, &jg).unwrap_err(); // (3, 2) · (3, 2)
/// assert!(e.to_string().contains("J_g must have 2 rows"));
/// # Ok(()) }
/// ```
pub fn chain(j_h: &Tensor, j_g: &Tensor) -> Result<Tensor> {
    const FUNCTION: &str = "chain";
    for (what, j) in [("J_h", j_h), ("J_g", j_g)] {
        if j.rank() != 2 {
            return Err(Error::InputRank { function: FUNCTION, what, expected: "2-D", got: j.dims().to_vec() });
        }
    }
    let q = j_h.dim(1)?;
    if j_g.dim(0)? != q {
        return Err(Error::ChainShape { function: FUNCTION, lhs: j_h.dims().to_vec(), rhs: j_g.dims().to_vec(), expected_rows: q });
    }
    if j_h.dtype() != j_g.dtype() {
        return Err(Error::DTypeMismatch { function: FUNCTION, what: "J_g (J_h's dtype)", expected: j_h.dtype(), got: j_g.dtype() });
    }
    Ok(j_h.matmul(j_g)?)
}

/// The chain rule through several layers, given in the order they are applied:
/// `chain_layers(&[J₁, J₂, …, J_L]) = J_L ··· J₂ · J₁`.
///
/// **Errors:** as [`chain`] for each product; [`Error::InvalidOption`] for an empty list.
pub fn chain_layers(jacobians: &[Tensor]) -> Result<Tensor> {
    let mut iter = jacobians.iter();
    let mut acc = match iter.next() {
        Some(j) => j.clone(),
        None => {
            return Err(Error::InvalidOption {
                function: "chain_layers",
                option: "jacobians",
                expected: "at least one Jacobian",
                got: "an empty list".into(),
            })
        }
    };
    if acc.rank() != 2 {
        return Err(Error::InputRank { function: "chain", what: "J_g", expected: "2-D", got: acc.dims().to_vec() });
    }
    for j in iter {
        acc = chain(j, &acc)?;
    }
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{engine::max_abs_diff, jacobian};
    use candle_core::Device;

    fn t1(v: &[f64]) -> Tensor {
        Tensor::new(v, &Device::Cpu).unwrap()
    }

    #[test]
    fn elementwise_closed_forms_match_autodiff() {
        // ReLU: diag(1[z > 0]) including z = 0; sigmoid: diag(σ(1 − σ)); tanh: diag(1 − tanh²)
        let z = t1(&[-2.0, -0.5, 0.0, 0.5, 3.0]);
        for a in [Activation::Identity, Activation::ReLU, Activation::Sigmoid, Activation::Tanh] {
            let closed = a.jacobian(&z).unwrap();
            let auto = jacobian(|z: &Tensor| a.apply(z), &z).unwrap();
            assert!(max_abs_diff(&closed, &auto).unwrap() < 1e-15, "{a:?}");
        }
        assert!(max_abs_diff(&relu_jacobian(&z).unwrap(), &Activation::ReLU.jacobian(&z).unwrap()).unwrap() == 0.0);
        assert!(max_abs_diff(&sigmoid_jacobian(&z).unwrap(), &Activation::Sigmoid.jacobian(&z).unwrap()).unwrap() == 0.0);
        assert!(max_abs_diff(&tanh_jacobian(&z).unwrap(), &Activation::Tanh.jacobian(&z).unwrap()).unwrap() == 0.0);
    }

    #[test]
    fn layer_jacobian_is_j_sigma_times_w() {
        let w = Tensor::new(&[[0.5f64, -1.0], [2.0, 0.25], [-0.3, 0.8]], &Device::Cpu).unwrap();
        let b = t1(&[0.1, -0.2, 0.05]);
        let x = t1(&[0.3, 0.7]);
        for a in [Activation::Identity, Activation::ReLU, Activation::Sigmoid, Activation::Tanh] {
            let closed = layer_jacobian(&w, Some(&b), a, &x).unwrap();
            let f = |x: &Tensor| a.apply(&(w.matmul(&x.unsqueeze(1)?)?.squeeze(1)? + &b)?);
            let auto = jacobian(f, &x).unwrap();
            assert!(max_abs_diff(&closed, &auto).unwrap() < 1e-15, "{a:?}");
            // and it equals the chain J_σ(z) · W
            let z = (w.matmul(&x.unsqueeze(1).unwrap()).unwrap().squeeze(1).unwrap() + &b).unwrap();
            let via_chain = chain(&a.jacobian(&z).unwrap(), &linear_jacobian(&w).unwrap()).unwrap();
            assert!(max_abs_diff(&closed, &via_chain).unwrap() < 1e-15, "{a:?}");
        }
    }

    #[test]
    fn shape_errors() {
        let w = Tensor::new(&[[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]], &Device::Cpu).unwrap();
        let x3 = Tensor::new(&[1.0f32, 2.0, 3.0], &Device::Cpu).unwrap();
        let e = layer_jacobian(&w, None, Activation::ReLU, &x3).unwrap_err();
        assert_eq!(e.to_string(), "layer_jacobian: x (W's columns) must have shape [2], got shape [3]");
        let b2 = Tensor::new(&[1.0f32, 2.0], &Device::Cpu).unwrap();
        let e = layer_jacobian(&w, Some(&b2), Activation::ReLU, &b2).unwrap_err();
        assert_eq!(e.to_string(), "layer_jacobian: b (W's rows) must have shape [3], got shape [2]");
        let e = chain(&w, &w).unwrap_err();
        assert!(matches!(e, Error::ChainShape { expected_rows: 2, .. }), "{e}");
        let e = relu_jacobian(&w).unwrap_err();
        assert_eq!(e.to_string(), "relu_jacobian: z must be 0-d or 1-D, got shape [3, 2]");
        let e = linear_jacobian(&x3).unwrap_err();
        assert!(matches!(e, Error::InputRank { what: "W", .. }));
        assert!(chain_layers(&[]).is_err());
    }

    #[test]
    fn chain_layers_orders_like_composition() {
        // g(x) = A x, h(y) = B y: J = B A
        let a = Tensor::new(&[[1.0f64, 2.0], [0.0, 1.0], [1.0, 1.0]], &Device::Cpu).unwrap();
        let b = Tensor::new(&[[1.0f64, 0.0, 2.0]], &Device::Cpu).unwrap();
        let j = chain_layers(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(j.to_vec2::<f64>().unwrap(), [[3.0, 4.0]]);
    }
}
