//! A tiny neural-network module in PyTorch's shape: [`Linear`], [`ReLU`], [`Sigmoid`], [`Tanh`]
//! and [`Sequential`], each with its forward pass and its closed-form Jacobian.
//!
//! Enough to port the course's `SimpleNet` (`Linear(2, 3), ReLU, Linear(3, 2), ReLU,
//! Linear(2, 1)`) and its check that `∂L/∂x = 2·y·J` for `L = y²`:
//! ```
//! use jacobian::nn::{Linear, ReLU, Sequential};
//! use jacobian::{Tensor, Device};
//! # fn main() -> jacobian::Result<()> {
//! jacobian::rng::manual_seed(42);
//! let net = Sequential::new()
//!     .append(Linear::new(2, 3)?).append(ReLU)
//!     .append(Linear::new(3, 2)?).append(ReLU)
//!     .append(Linear::new(2, 1)?);
//! let x = Tensor::new(&[1.0f32, 2.0], &Device::Cpu)?;
//! let (loss, grad) = net.input_gradient(&x, |y| y.sqr()?.sum_all())?; // autodiff
//! let y = net.forward(&x)?;
//! let manual = net.jacobian(&x)?.broadcast_mul(&(y * 2.0)?.unsqueeze(1)?)?.squeeze(0)?; // 2·y·J
//! assert!((grad - manual)?.abs()?.max(0)?.to_scalar::<f32>()? < 1e-6);
//! # let _ = loss; Ok(()) }
//! ```
use crate::layers::Activation;
use crate::rng::Generator;
use crate::{Error, Result};
use candle_core::Tensor;
use std::fmt;

/// A layer: a forward pass plus its Jacobian in closed form.
///
/// `forward` returns `candle_core::Result` so that `|x| net.forward(x)` can be passed straight to
/// [`crate::jacobian`]; the other methods return this crate's [`Result`].
pub trait Module: fmt::Debug + fmt::Display + Send + Sync {
    /// The forward pass: `(in,)` → `(out,)`, or a batch `(B, in)` → `(B, out)` row by row (so a
    /// network can be used with [`crate::Strategy::ReverseVectorized`]).
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor>;

    /// The layer's Jacobian at a 1-D input `x`, in closed form: `(out, in)`.
    fn jacobian(&self, x: &Tensor) -> Result<Tensor>;

    /// `J(x) · a` for a matrix `a` of shape `(in, k)`, or `J(x)` itself when `a` is `None`.
    /// The default forms `J` and multiplies; layers override it with cheaper forms (an
    /// element-wise layer scales rows instead of multiplying by a diagonal matrix).
    fn jacobian_times(&self, x: &Tensor, a: Option<&Tensor>) -> Result<Tensor> {
        let j = self.jacobian(x)?;
        match a {
            None => Ok(j),
            Some(a) => crate::layers::chain(&j, a),
        }
    }

    /// Backpropagation through the layer: `vᵀ J(x)` for `v` of shape `(out,)`, giving `(in,)`.
    /// The default forms `J`; layers override it.
    fn vjp(&self, x: &Tensor, v: &Tensor) -> Result<Tensor> {
        let j = self.jacobian(x)?;
        Ok(v.unsqueeze(0)?.matmul(&j)?.squeeze(0)?)
    }

    /// What [`Sequential::jacobian`] may exploit about this layer: a linear map, an element-wise
    /// activation, or nothing ([`LayerStructure::Opaque`], the default: the layer's own
    /// [`Module::jacobian_times`] is used). Purely an optimisation; the result is the same.
    fn structure(&self) -> LayerStructure<'_> {
        LayerStructure::Opaque
    }
}

/// See [`Module::structure`].
#[derive(Debug, Clone, Copy)]
pub enum LayerStructure<'a> {
    /// `x ↦ W x + b` with this `W`: its Jacobian is `W` at every point.
    Linear(&'a Tensor),
    /// `x ↦ σ(x)` element-wise: its Jacobian is `diag(σ'(x))`.
    Elementwise(Activation),
    /// Nothing known.
    Opaque,
}

fn check_vector(function: &'static str, x: &Tensor, len: Option<usize>) -> Result<()> {
    crate::engine::check_float(function, "x", x)?;
    if x.rank() != 1 {
        return Err(Error::InputRank { function, what: "x", expected: "1-D", got: x.dims().to_vec() });
    }
    if let Some(n) = len {
        if x.dim(0)? != n {
            return Err(Error::Shape { function, what: "x", expected: vec![n], got: x.dims().to_vec() });
        }
    }
    Ok(())
}

/// `(rows, n)` → `(m, n)`: row `p` of `a` goes to row `idx[p]`, the other rows are zero.
fn scatter_rows(a: &Tensor, idx: &[u32], m: usize) -> Result<Tensor> {
    let n = a.dim(1)?;
    let zeros = Tensor::zeros((m, n), a.dtype(), a.device())?;
    let idx = Tensor::new(idx, a.device())?;
    Ok(zeros.index_add(&idx, a, 0)?)
}

/// A fully connected layer `y = W x + b`, like `torch.nn.Linear`.
///
/// `W` has shape `(out_features, in_features)`, `b` shape `(out_features,)`.
#[derive(Debug, Clone)]
pub struct Linear {
    weight: Tensor,
    bias: Tensor,
}

impl Linear {
    /// A layer with PyTorch's default initialisation, drawn from this thread's default generator
    /// ([`crate::rng::with_default_generator`]): weight then bias, both `U(±1/√in_features)`, f32.
    /// After `rng::manual_seed(s)` this draws what `torch.manual_seed(s); nn.Linear(in, out)` does.
    ///
    /// **Errors:** those of the generator (e.g. a zero-sized shape it rejects).
    pub fn new(in_features: usize, out_features: usize) -> Result<Self> {
        let (weight, bias) = crate::rng::with_default_generator(|g| g.linear_params(in_features, out_features))?;
        Self::from_tensors(weight, bias)
    }

    /// Like [`Linear::new`], drawing from an explicit generator.
    pub fn with_generator(in_features: usize, out_features: usize, generator: &mut Generator) -> Result<Self> {
        let (weight, bias) = generator.linear_params(in_features, out_features)?;
        Self::from_tensors(weight, bias)
    }

    /// A layer with the given parameters: `weight` `(out, in)`, `bias` `(out,)`, same float dtype.
    ///
    /// **Errors:** [`Error::InputRank`] if `weight` is not 2-D; [`Error::Shape`] if `bias` is not
    /// `(out,)`; [`Error::DType`] for integer tensors; [`Error::DTypeMismatch`] if the dtypes differ.
    ///
    /// ```
    /// use jacobian::nn::{Linear, Module};
    /// use jacobian::{Tensor, Device};
    /// # fn main() -> jacobian::Result<()> {
    /// let w = Tensor::new(&[[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]], &Device::Cpu)?;
    /// let b = Tensor::new(&[0.1f32, 0.2, 0.3], &Device::Cpu)?;
    /// let layer = Linear::from_tensors(w.clone(), b)?;
    /// let x = Tensor::new(&[1.0f32, 1.0], &Device::Cpu)?;
    /// assert_eq!(layer.jacobian(&x)?.to_vec2::<f32>()?, w.to_vec2::<f32>()?);
    /// # Ok(()) }
    /// ```
    pub fn from_tensors(weight: Tensor, bias: Tensor) -> Result<Self> {
        const FUNCTION: &str = "Linear::from_tensors";
        crate::engine::check_float(FUNCTION, "weight", &weight)?;
        crate::engine::check_float(FUNCTION, "bias", &bias)?;
        let out = match weight.dims() {
            &[out, _] => out,
            d => return Err(Error::InputRank { function: FUNCTION, what: "weight", expected: "2-D (out_features, in_features)", got: d.to_vec() }),
        };
        if bias.dims() != [out] {
            return Err(Error::Shape { function: FUNCTION, what: "bias", expected: vec![out], got: bias.dims().to_vec() });
        }
        if bias.dtype() != weight.dtype() {
            return Err(Error::DTypeMismatch { function: FUNCTION, what: "bias (the weight's dtype)", expected: weight.dtype(), got: bias.dtype() });
        }
        Ok(Self { weight, bias })
    }

    /// The weight `W`, `(out_features, in_features)`.
    pub fn weight(&self) -> &Tensor {
        &self.weight
    }
    /// The bias `b`, `(out_features,)`.
    pub fn bias(&self) -> &Tensor {
        &self.bias
    }
    /// `n`, the input size.
    pub fn in_features(&self) -> usize {
        self.weight.dims()[1]
    }
    /// `m`, the output size.
    pub fn out_features(&self) -> usize {
        self.weight.dims()[0]
    }
}

impl Module for Linear {
    /// `W x + b` for `x` of shape `(in,)`, `x Wᵀ + b` for a batch `(B, in)`, by [`crate::ops::linear`]
    /// (whose backward skips the weight gradient unless the weight carries a graph).
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let n = self.in_features();
        match x.dims() {
            &[k] | &[_, k] if k == n => crate::ops::linear(x, &self.weight, Some(&self.bias)),
            d => Err(Error::Shape { function: "Linear::forward", what: "x (in_features last)", expected: vec![n], got: d.to_vec() }.into()),
        }
    }
    /// `W`, whatever the point.
    fn jacobian(&self, x: &Tensor) -> Result<Tensor> {
        check_vector("Linear::jacobian", x, Some(self.in_features()))?;
        Ok(self.weight.clone())
    }
    fn jacobian_times(&self, x: &Tensor, a: Option<&Tensor>) -> Result<Tensor> {
        check_vector("Linear::jacobian_times", x, Some(self.in_features()))?;
        match a {
            None => Ok(self.weight.clone()),
            Some(a) => crate::layers::chain(&self.weight, a),
        }
    }
    fn structure(&self) -> LayerStructure<'_> {
        LayerStructure::Linear(&self.weight)
    }
    /// `Wᵀ v`.
    fn vjp(&self, x: &Tensor, v: &Tensor) -> Result<Tensor> {
        check_vector("Linear::vjp", x, Some(self.in_features()))?;
        if v.dims() != [self.out_features()] {
            return Err(Error::Shape { function: "Linear::vjp", what: "v", expected: vec![self.out_features()], got: v.dims().to_vec() });
        }
        Ok(v.unsqueeze(0)?.matmul(&self.weight)?.squeeze(0)?)
    }
}

impl fmt::Display for Linear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Linear(in_features={}, out_features={}, bias=True)", self.in_features(), self.out_features())
    }
}

macro_rules! activation_layer {
    ($name:ident, $act:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $name;

        impl Module for $name {
            fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
                $act.apply(x)
            }
            fn jacobian(&self, x: &Tensor) -> Result<Tensor> {
                check_vector(concat!(stringify!($name), "::jacobian"), x, None)?;
                $act.jacobian(x)
            }
            /// Scales the rows of `a` by `σ'(x)`.
            fn jacobian_times(&self, x: &Tensor, a: Option<&Tensor>) -> Result<Tensor> {
                check_vector(concat!(stringify!($name), "::jacobian_times"), x, None)?;
                match a {
                    None => $act.jacobian(x),
                    Some(a) => {
                        if a.rank() != 2 || a.dim(0)? != x.dim(0)? {
                            return Err(Error::ChainShape {
                                function: concat!(stringify!($name), "::jacobian_times"),
                                lhs: vec![x.dim(0)?, x.dim(0)?],
                                rhs: a.dims().to_vec(),
                                expected_rows: x.dim(0)?,
                            });
                        }
                        Ok($act.derivative(x)?.unsqueeze(1)?.broadcast_mul(a)?)
                    }
                }
            }
            fn structure(&self) -> LayerStructure<'_> {
                LayerStructure::Elementwise($act)
            }
            /// `σ'(x) ⊙ v`.
            fn vjp(&self, x: &Tensor, v: &Tensor) -> Result<Tensor> {
                check_vector(concat!(stringify!($name), "::vjp"), x, None)?;
                if v.dims() != x.dims() {
                    return Err(Error::Shape { function: concat!(stringify!($name), "::vjp"), what: "v", expected: x.dims().to_vec(), got: v.dims().to_vec() });
                }
                Ok(($act.derivative(x)? * v)?)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}()", stringify!($name))
            }
        }
    };
}

activation_layer!(
    ReLU,
    Activation::ReLU,
    "ReLU, like `torch.nn.ReLU`; its Jacobian is `diag(1[x > 0])` (0 at exactly 0), and autodiff through its forward agrees."
);
activation_layer!(Sigmoid, Activation::Sigmoid, "The logistic sigmoid, like `torch.nn.Sigmoid`; Jacobian `diag(σ(1 − σ))`.");
activation_layer!(Tanh, Activation::Tanh, "tanh, like `torch.nn.Tanh`; Jacobian `diag(1 − tanh²)`.");

/// Layers applied in order, like `torch.nn.Sequential`.
///
/// An empty `Sequential` is the identity.
#[derive(Debug, Default)]
pub struct Sequential {
    layers: Vec<Box<dyn Module>>,
}

impl Sequential {
    /// An empty network (the identity).
    pub fn new() -> Self {
        Self::default()
    }
    /// Appends a layer and returns the network (builder style, like torch's
    /// `Sequential.append`, which also returns the container).
    pub fn append(mut self, layer: impl Module + 'static) -> Self {
        self.layers.push(Box::new(layer));
        self
    }
    /// Appends a layer.
    pub fn push(&mut self, layer: impl Module + 'static) {
        self.layers.push(Box::new(layer));
    }
    /// The layers, in order.
    pub fn layers(&self) -> &[Box<dyn Module>] {
        &self.layers
    }
    /// The number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }
    /// Whether there are no layers.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// The forward pass (`(n,)` → `(m,)`, or a batch `(B, n)` → `(B, m)`).
    pub fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let mut h = x.clone();
        for layer in &self.layers {
            h = layer.forward(&h)?;
        }
        Ok(h)
    }

    /// The input of every layer followed by the network's output: `len() + 1` tensors.
    pub fn activations(&self, x: &Tensor) -> Result<Vec<Tensor>> {
        let mut out = Vec::with_capacity(self.layers.len() + 1);
        let mut h = x.clone();
        for layer in &self.layers {
            let next = layer.forward(&h)?;
            out.push(h);
            h = next;
        }
        out.push(h);
        Ok(out)
    }

    /// Each layer's Jacobian at the point it sees when the network is evaluated at `x` (1-D),
    /// in order: `[J₁, J₂, …, J_L]`.
    pub fn layer_jacobians(&self, x: &Tensor) -> Result<Vec<Tensor>> {
        check_vector("Sequential::layer_jacobians", x, None)?;
        let acts = self.activations(x)?;
        self.layers.iter().zip(&acts).map(|(layer, h)| layer.jacobian(h)).collect()
    }

    /// The network's Jacobian at a 1-D `x`, `(m, n)`, by the chain rule in closed form:
    /// `J = J_L ··· J₁`, accumulated from the input side (`J₁`, then `J₂·J₁`, …) with
    /// element-wise layers applied as row scalings. No autodiff is involved.
    ///
    /// A ReLU's Jacobian `diag(1[z > 0])` zeroes the rows of the dead units, so they are dropped
    /// rather than multiplied by zero: the next linear layer multiplies only by the columns of its
    /// `W` that meet live units (about half the arithmetic of a dense product for a typical MLP).
    /// The result is the same matrix; entries that are structurally zero come out as exact zeros.
    ///
    /// **Errors:** [`Error::InputRank`] / [`Error::Shape`] if `x` does not fit the first layer.
    ///
    /// **Mirrors** `torch.autograd.functional.jacobian(net, x)`.
    pub fn jacobian(&self, x: &Tensor) -> Result<Tensor> {
        check_vector("Sequential::jacobian", x, None)?;
        if self.layers.is_empty() {
            return Ok(Tensor::eye(x.dim(0)?, x.dtype(), x.device())?);
        }
        let mut h = x.clone();
        // `acc` is the Jacobian of the layers so far; when `live` is set, only its rows for those
        // units of the current hidden vector (the others are known to be zero).
        let mut acc: Option<Tensor> = None;
        let mut live: Option<Vec<u32>> = None;
        let last = self.layers.len() - 1;
        for (k, layer) in self.layers.iter().enumerate() {
            match (layer.structure(), acc.take()) {
                (LayerStructure::Linear(w), Some(a)) => {
                    check_vector("Linear::jacobian_times", &h, Some(w.dim(1)?))?;
                    let w = match live.take() {
                        Some(idx) => {
                            let idx = Tensor::new(idx.as_slice(), w.device())?;
                            w.index_select(&idx, 1)?
                        }
                        None => w.clone(),
                    };
                    acc = Some(w.matmul(&a)?);
                }
                (LayerStructure::Elementwise(Activation::ReLU), Some(a)) => {
                    check_vector("ReLU::jacobian_times", &h, None)?;
                    let mask = crate::ops::relu_derivative(&h)?.to_dtype(candle_core::DType::F32)?.to_vec1::<f32>()?;
                    let rows: Vec<u32> = match &live {
                        Some(idx) => idx.clone(),
                        None => (0..mask.len() as u32).collect(),
                    };
                    let keep: Vec<u32> = (0..rows.len() as u32).filter(|&p| mask[rows[p as usize] as usize] != 0.0).collect();
                    if keep.len() == rows.len() {
                        acc = Some(a);
                    } else {
                        let positions = Tensor::new(keep.as_slice(), a.device())?;
                        acc = Some(a.index_select(&positions, 0)?);
                        live = Some(keep.iter().map(|&p| rows[p as usize]).collect());
                    }
                }
                (LayerStructure::Elementwise(act), Some(a)) => {
                    let function = match act {
                        Activation::Sigmoid => "Sigmoid::jacobian_times",
                        Activation::Tanh => "Tanh::jacobian_times",
                        Activation::ReLU => "ReLU::jacobian_times",
                        Activation::Identity => "Identity::jacobian_times",
                    };
                    check_vector(function, &h, None)?;
                    let d = act.derivative(&h)?;
                    let d = match &live {
                        Some(idx) => d.index_select(&Tensor::new(idx.as_slice(), d.device())?, 0)?,
                        None => d,
                    };
                    acc = Some(d.unsqueeze(1)?.broadcast_mul(&a)?);
                }
                (_, a) => {
                    let a = match (a, live.take()) {
                        (Some(a), Some(idx)) => Some(scatter_rows(&a, &idx, h.dim(0)?)?),
                        (a, _) => a,
                    };
                    acc = Some(layer.jacobian_times(&h, a.as_ref())?);
                }
            }
            if k < last {
                h = layer.forward(&h)?;
            }
        }
        let acc = match acc {
            Some(j) => j,
            None => return Ok(Tensor::eye(x.dim(0)?, x.dtype(), x.device())?),
        };
        match live {
            // The network ends in a ReLU: put the dead units' zero rows back.
            Some(idx) => scatter_rows(&acc, &idx, h.dim(0)?),
            None => Ok(acc),
        }
    }

    /// Backpropagation by hand: given `∂L/∂y` (shape `(m,)`), returns `∂L/∂x = (∂L/∂y)ᵀ J_L ··· J₁`
    /// (shape `(n,)`), one layer VJP at a time from the output back, without autodiff.
    pub fn backprop(&self, x: &Tensor, grad_output: &Tensor) -> Result<Tensor> {
        check_vector("Sequential::backprop", x, None)?;
        let acts = self.activations(x)?;
        let mut g = grad_output.clone();
        for (layer, h) in self.layers.iter().zip(&acts).rev() {
            g = layer.vjp(h, &g)?;
        }
        Ok(g)
    }

    /// Autodiff of a scalar loss to the input: `(L, ∂L/∂x)` for `L = loss(net(x))`, like
    /// `x.requires_grad_(); loss(net(x)).backward(); x.grad` in PyTorch. `x` may have any shape
    /// the network accepts.
    ///
    /// **Errors:** [`Error::NotScalar`] if the loss has more than one element; otherwise as
    /// [`crate::gradient`].
    pub fn input_gradient<L>(&self, x: &Tensor, loss: L) -> Result<(Tensor, Tensor)>
    where
        L: Fn(&Tensor) -> candle_core::Result<Tensor>,
    {
        crate::value_and_gradient(|x: &Tensor| loss(&self.forward(x)?), x)
    }
}

impl Module for Sequential {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        Sequential::forward(self, x)
    }
    fn jacobian(&self, x: &Tensor) -> Result<Tensor> {
        Sequential::jacobian(self, x)
    }
    fn vjp(&self, x: &Tensor, v: &Tensor) -> Result<Tensor> {
        self.backprop(x, v)
    }
}

impl fmt::Display for Sequential {
    /// PyTorch's layout: `Sequential(\n  (0): Linear(...)\n  (1): ReLU()\n)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Sequential(")?;
        for (i, layer) in self.layers.iter().enumerate() {
            let text = layer.to_string().replace('\n', "\n  ");
            writeln!(f, "  ({i}): {text}")?;
        }
        write!(f, ")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{engine::max_abs_diff, jacobian, jacobian_with, JacobianOptions};
    use candle_core::{DType, Device};

    fn net() -> Sequential {
        let mut g = Generator::new(7);
        Sequential::new()
            .append(Linear::with_generator(3, 5, &mut g).unwrap())
            .append(Tanh)
            .append(Linear::with_generator(5, 4, &mut g).unwrap())
            .append(ReLU)
            .append(Linear::with_generator(4, 2, &mut g).unwrap())
            .append(Sigmoid)
            .append(Linear::with_generator(2, 1, &mut g).unwrap())
    }

    #[test]
    fn closed_form_network_jacobian_matches_autodiff() {
        let net = net();
        let x = Tensor::new(&[0.3f32, -0.8, 0.5], &Device::Cpu).unwrap();
        let closed = net.jacobian(&x).unwrap();
        assert_eq!(closed.dims(), &[1, 3]); // 3→5→4→2→1: (1, 3)
        let auto = jacobian(|x: &Tensor| net.forward(x), &x).unwrap();
        assert!(max_abs_diff(&closed, &auto).unwrap() < 1e-6);
        let vec = jacobian_with(|x: &Tensor| net.forward(x), &x, &JacobianOptions::reverse_vectorized(None)).unwrap();
        assert!(max_abs_diff(&closed, &vec).unwrap() < 1e-6);
        let chained = crate::layers::chain_layers(&net.layer_jacobians(&x).unwrap()).unwrap();
        assert!(max_abs_diff(&closed, &chained).unwrap() < 1e-6);
    }

    #[test]
    fn closed_form_drops_dead_relu_rows_exactly() {
        // Dead units in the middle, a network that starts and one that ends with ReLU, sigmoid
        // after ReLU (scaling a row-restricted product), and every unit dead: all must equal the
        // dense chain of layer Jacobians and autodiff.
        let mut g = Generator::new(11);
        let nets = [
            Sequential::new()
                .append(Linear::with_generator(6, 8, &mut g).unwrap()).append(ReLU)
                .append(Linear::with_generator(8, 7, &mut g).unwrap()).append(ReLU)
                .append(Linear::with_generator(7, 5, &mut g).unwrap()),
            Sequential::new()
                .append(ReLU).append(Linear::with_generator(6, 9, &mut g).unwrap()).append(ReLU)
                .append(Sigmoid).append(Linear::with_generator(9, 4, &mut g).unwrap()).append(ReLU),
            Sequential::new()
                .append(Linear::from_tensors(Tensor::full(-1f32, (5, 6), &Device::Cpu).unwrap(),
                                             Tensor::full(-1f32, 5, &Device::Cpu).unwrap()).unwrap())
                .append(ReLU).append(Linear::with_generator(5, 3, &mut g).unwrap()),
        ];
        let x = Tensor::new(&[0.3f32, -0.8, 0.5, 1.2, -0.1, 0.7], &Device::Cpu).unwrap();
        for net in &nets {
            let closed = net.jacobian(&x).unwrap();
            let dense = crate::layers::chain_layers(&net.layer_jacobians(&x).unwrap()).unwrap();
            let auto = jacobian(|x: &Tensor| net.forward(x), &x).unwrap();
            assert_eq!(closed.dims(), dense.dims());
            assert!(max_abs_diff(&closed, &dense).unwrap() < 1e-6, "{net}");
            assert!(max_abs_diff(&closed, &auto).unwrap() < 1e-6, "{net}");
        }
        // f64 goes the same way.
        let net = Sequential::new()
            .append(Linear::from_tensors(
                Tensor::new(&[[1.0f64, -2.0], [-3.0, 1.0], [0.5, 0.5]], &Device::Cpu).unwrap(),
                Tensor::new(&[0.0f64, 0.0, -10.0], &Device::Cpu).unwrap(),
            ).unwrap())
            .append(ReLU);
        let x = Tensor::new(&[1.0f64, 0.25], &Device::Cpu).unwrap();
        assert_eq!(net.jacobian(&x).unwrap().to_vec2::<f64>().unwrap(), vec![vec![1.0, -2.0], vec![0.0, 0.0], vec![0.0, 0.0]]);
    }

    #[test]
    fn backprop_matches_autodiff_and_two_y_j() {
        // L = y², ∂L/∂x = 2·y·J
        let net = net();
        let x = Tensor::new(&[0.3f32, -0.8, 0.5], &Device::Cpu).unwrap();
        let (loss, auto) = net.input_gradient(&x, |y| y.sqr()?.sum_all()).unwrap();
        let y = net.forward(&x).unwrap();
        assert!((loss.to_scalar::<f32>().unwrap() - y.sqr().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap()).abs() < 1e-7);
        let manual = net.backprop(&x, &(&y * 2.0).unwrap()).unwrap();
        assert!(max_abs_diff(&auto, &manual).unwrap() < 1e-6);
        let two_y_j = net.jacobian(&x).unwrap().broadcast_mul(&(&y * 2.0).unwrap().unsqueeze(1).unwrap()).unwrap().squeeze(0).unwrap();
        assert!(max_abs_diff(&auto, &two_y_j).unwrap() < 1e-6);
    }

    #[test]
    fn batch_forward_is_row_by_row() {
        let net = net();
        let xs = Tensor::new(&[[0.3f32, -0.8, 0.5], [1.0, 0.0, -1.0]], &Device::Cpu).unwrap();
        let ys = net.forward(&xs).unwrap();
        assert_eq!(ys.dims(), &[2, 1]);
        for i in 0..2 {
            let yi = net.forward(&xs.get(i).unwrap()).unwrap();
            assert!(max_abs_diff(&ys.get(i).unwrap(), &yi).unwrap() < 1e-6);
        }
    }

    #[test]
    fn from_tensors_checks_shapes() {
        let w = Tensor::zeros((3, 2), DType::F32, &Device::Cpu).unwrap();
        let e = Linear::from_tensors(w.clone(), Tensor::zeros(2, DType::F32, &Device::Cpu).unwrap()).unwrap_err();
        assert_eq!(e.to_string(), "Linear::from_tensors: bias must have shape [3], got shape [2]");
        let e = Linear::from_tensors(Tensor::zeros(3, DType::F32, &Device::Cpu).unwrap(), Tensor::zeros(3, DType::F32, &Device::Cpu).unwrap()).unwrap_err();
        assert!(matches!(e, Error::InputRank { what: "weight", .. }));
        let e = Linear::from_tensors(w.clone(), Tensor::zeros(3, DType::F64, &Device::Cpu).unwrap()).unwrap_err();
        assert_eq!(e.to_string(), "Linear::from_tensors: bias (the weight's dtype) must have dtype F32, got F64");
        let layer = Linear::from_tensors(w, Tensor::zeros(3, DType::F32, &Device::Cpu).unwrap()).unwrap();
        let e = layer.forward(&Tensor::zeros(5, DType::F32, &Device::Cpu).unwrap()).unwrap_err();
        assert!(e.to_string().contains("Linear::forward: x (in_features last) must have shape [2], got shape [5]"), "{e}");
    }

    #[test]
    fn linear_init_is_bounded_by_one_over_sqrt_fan_in() {
        let mut g = Generator::new(0);
        let layer = Linear::with_generator(16, 8, &mut g).unwrap();
        let bound = 1.0 / 4.0;
        assert!(crate::engine::max_abs(layer.weight()).unwrap() <= bound);
        assert!(crate::engine::max_abs(layer.bias()).unwrap() <= bound);
        assert_eq!((layer.in_features(), layer.out_features()), (16, 8));
        let layer = Linear::new(4, 2).unwrap();
        assert_eq!(layer.weight().dims(), &[2, 4]);
    }

    #[test]
    fn display_is_pytorch_like() {
        let s = net().to_string();
        assert!(s.starts_with("Sequential(\n  (0): Linear(in_features=3, out_features=5, bias=True)\n  (1): Tanh()"), "{s}");
    }
}
