//! Element-wise activations whose autodiff derivatives follow PyTorch and the course, the
//! reductions `max_all`/`min_all`/`max`/`min` with PyTorch's tie convention, and `diag`.
//!
//! They return `candle_core::Result`, so a function item can be passed straight to the
//! differentiation functions: `jacobian(ops::relu, &z)`.
//!
//! `linear`/`matvec`, `relu`, `sigmoid` and `tanh` also know their own Jacobian: while
//! [`crate::jacobian`] (with `Strategy::Auto`) evaluates a closure at top level, they record it
//! and return a fresh leaf, so a closure built from them (and element-wise candle ops such as
//! `+ b`) gets its Jacobian as a product of those, without a batched pass (see
//! [`crate::Strategy::Auto`]). Values are the same either way.
//!
//! Why not candle's own: `Tensor::relu` differentiates to `relu'(0) = 1` in candle 0.11, whereas
//! PyTorch and the course's `J_ReLU = diag(1[z > 0])` use 0; and `1 / (1 + e^{−x})` written with
//! candle ops gives NaN gradients for large negative `x` (`0 · ∞`).
use crate::tape;
use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Storage, Tensor};

/// ReLU, `max(z, 0)`, with the derivative `1[z > 0]` (so `relu'(0) = 0`, as in PyTorch).
///
/// Built as `where(z ≤ 0, 0, z)`: the mask is an integer tensor, which candle does not
/// differentiate, and `where_cond` sends the cotangent only to the selected branch, so the
/// derivative is exactly `1[z > 0]` at every order. Negative inputs give `+0.0`; NaN stays NaN.
/// Any shape; float dtypes.
///
/// **Mirrors** `torch.relu` (values and gradient).
///
/// ```
/// use jacobian::{jacobian, ops, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// let z = Tensor::new(&[2.0f32, 0.0, -1.0], &Device::Cpu)?;
/// assert_eq!(ops::relu(&z)?.to_vec1::<f32>()?, [2.0, 0.0, 0.0]);
/// let j = jacobian(ops::relu, &z)?; // diag(1[z > 0]): 0 at exactly 0
/// assert_eq!(j.to_vec2::<f32>()?, [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]);
/// # Ok(()) }
/// ```
pub fn relu(z: &Tensor) -> Result<Tensor> {
    if taping(z) {
        // Recorded with its Jacobian diag(1[z > 0]) (see `crate::tape`).
        let zd = z.detach();
        let dead = zd.le(0.0)?;
        let value = dead.where_cond(&zd.zeros_like()?, &zd)?;
        let live = dead.flatten_all()?.to_vec1::<u8>()?.iter().enumerate().filter(|(_, &d)| d == 0).map(|(i, _)| i as u32).collect();
        return tape::record(z, value, tape::Rule::Mask(live, z.elem_count()));
    }
    z.le(0.0)?.where_cond(&z.zeros_like()?, z)
}

/// Whether an op on `z` records (see [`crate::tape`]): a tape is recording in this thread and
/// `z` is on a graph, on the CPU.
fn taping(z: &Tensor) -> bool {
    z.track_op() && z.device().is_cpu() && tape::active()
}

/// The logistic sigmoid `σ(z) = 1 / (1 + e^{−z})`, computed without overflow.
///
/// With `a = e^{−|z|} ∈ (0, 1]`: `σ(z) = 1/(1 + a)` for `z ≥ 0` and `a/(1 + a)` for `z < 0`.
/// Both branches stay finite for every finite `z`, so autodiff gives `σ(1 − σ)` everywhere
/// (the textbook `1/(1 + e^{−z})` written with candle ops gives NaN gradients for `z ≲ −88` in
/// f32), and small values keep full relative precision. NaN stays NaN. Any shape; float dtypes.
///
/// **Mirrors** `torch.sigmoid`.
///
/// ```
/// use jacobian::{ops, Tensor, Device};
/// # fn main() -> candle_core::Result<()> {
/// let z = Tensor::new(&[0.0f64], &Device::Cpu)?;
/// assert_eq!(ops::sigmoid(&z)?.to_vec1::<f64>()?, [0.5]);
/// # Ok(()) }
/// ```
pub fn sigmoid(z: &Tensor) -> Result<Tensor> {
    if taping(z) {
        // Recorded with diag(σ′(z)) (see `crate::tape`), σ′(z) = a/(1 + a)² with a = e^{−|z|} for
        // either sign: what autodiff through the formula below gives, to rounding. σ(1 − σ)
        // would cancel in f32 for large z (1 − 0.9999546 keeps 3 digits at z = 10).
        let zd = z.detach();
        let value = sigmoid(&zd)?;
        let a = zd.abs()?.neg()?.exp()?;
        let d = (&a * (&a + 1.0)?.recip()?.sqr()?)?.flatten_all()?;
        return tape::record(z, value, tape::Rule::Scale(d));
    }
    let a = z.abs()?.neg()?.exp()?;
    let positive = (&a + 1.0)?.recip()?;
    let negative = (&a * &positive)?;
    z.ge(0.0)?.where_cond(&positive, &negative)
}

/// `tanh(z)`, candle's own (its derivative `1 − tanh²` is exact). Provided for symmetry with
/// [`relu`] and [`sigmoid`]. **Mirrors** `torch.tanh`.
pub fn tanh(z: &Tensor) -> Result<Tensor> {
    if taping(z) {
        // Recorded with diag(1 − tanh²) (see `crate::tape`).
        let value = z.detach().tanh()?;
        let d = (1.0 - value.sqr()?)?.flatten_all()?;
        return tape::record(z, value, tape::Rule::Scale(d));
    }
    z.tanh()
}

/// `relu'(z) = 1[z > 0]` element-wise, in `z`'s dtype (0 at exactly 0, as in PyTorch).
pub fn relu_derivative(z: &Tensor) -> Result<Tensor> {
    z.gt(0.0)?.to_dtype(z.dtype())
}

/// `σ'(z) = σ(z)(1 − σ(z))` element-wise.
pub fn sigmoid_derivative(z: &Tensor) -> Result<Tensor> {
    let s = sigmoid(z)?;
    &s * (1.0 - &s)?
}

/// `tanh'(z) = 1 − tanh²(z)` element-wise.
pub fn tanh_derivative(z: &Tensor) -> Result<Tensor> {
    1.0 - z.tanh()?.sqr()?
}

/// The affine map `x Wᵀ + b` on the last axis: `x` of shape `(..., n)`, `w` of shape `(m, n)`,
/// optional `b` of shape `(m,)`; returns `(..., m)` (so `(n,)` → `(m,)`, and a batch `(B, n)` →
/// `(B, m)` row by row: closures built from it work with every Jacobian strategy).
///
/// **Why not `x.matmul(&w.t())`:** candle's backward of a matmul always computes the gradient of
/// both operands, so every reverse pass through a layer pays a second, wasted product for the
/// constant `W`. Here, when `W` carries no graph, the backward computes only `∂/∂x = grad · W`
/// (one product, exact at every order: it is linear in `grad`); when `W` carries a graph (it is
/// being trained, or differentiated by `argnums`), candle's own rule is used and `W` gets its
/// gradient. And when every row of a batch is the same (as in the vectorized Jacobian's pass,
/// where `x` is repeated), the product is computed once and broadcast.
///
/// **Errors:** a candle error naming both shapes if `x`'s last axis is not `n` or `b` is not
/// `(m,)`. Float dtypes; `x`, `w` and `b` share one.
///
/// **Mirrors** `torch.nn.functional.linear(x, w, b)`.
///
/// ```
/// use jacobian::{jacobian, ops, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// let w = Tensor::new(&[[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]], &Device::Cpu)?;
/// let b = Tensor::new(&[0.5f32, 0.0, -0.5], &Device::Cpu)?;
/// let x = Tensor::new(&[1.0f32, 1.0], &Device::Cpu)?;
/// assert_eq!(ops::linear(&x, &w, Some(&b))?.to_vec1::<f32>()?, [3.5, 7.0, 10.5]);
/// assert_eq!(jacobian(|x| ops::linear(x, &w, Some(&b)), &x)?.to_vec2::<f32>()?, w.to_vec2::<f32>()?);
/// # Ok(()) }
/// ```
pub fn linear(x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Result<Tensor> {
    let (m, n) = w.dims2()?;
    let k = x.dims().last().copied().unwrap_or(0);
    if x.rank() == 0 || k != n {
        candle_core::bail!("linear: x must have {n} entries on its last axis (W is {m}×{n}), got shape {:?}", x.dims())
    }
    if x.rank() == 1 && taping(x) && !w.track_op() && b.is_none_or(|b| !b.track_op()) {
        // `W x + b`, recorded with its Jacobian W (see `crate::tape`).
        let mut value = product_once(&x.detach().reshape((1, n))?, w)?.reshape(m)?;
        if let Some(b) = b {
            if b.dims() != [m] {
                candle_core::bail!("linear: b must have shape [{m}] to match W ({m}×{n}), got {:?}", b.dims())
            }
            value = (value + b)?;
        }
        return tape::record(x, value, tape::Rule::Linear(w.clone()));
    }
    let rows = x.elem_count() / n.max(1);
    let out_dims: Vec<usize> = x.dims()[..x.rank() - 1].iter().copied().chain([m]).collect();
    let y = if w.track_op() || (x.track_op() && !x.device().is_cpu()) {
        // W is being differentiated (candle's matmul rule gives it its gradient), or there is
        // no custom-op support on this device: candle's rule, correct and one product slower.
        x.reshape((rows, n))?.matmul(&w.t()?)?.reshape(out_dims)?
    } else {
        let value = product_once(&x.detach().reshape((rows, n))?, w)?.reshape(out_dims)?;
        if x.track_op() {
            // ∂/∂x = grad · W, and nothing for the constant W.
            let w = w.clone();
            splice(x, value, "jacobian-linear", move |x, grad| grad.reshape((rows, m))?.matmul(&w)?.reshape(x.shape()))?
        } else {
            value
        }
    };
    match b {
        None => Ok(y),
        Some(b) if b.dims() == [m] => y.broadcast_add(b),
        Some(b) => candle_core::bail!("linear: b must have shape [{m}] to match W ({m}×{n}), got {:?}", b.dims()),
    }
}

/// `W v` for `v` of shape `(..., n)`: [`linear`] without a bias. **Mirrors** `W @ v`.
pub fn matvec(w: &Tensor, v: &Tensor) -> Result<Tensor> {
    linear(v, w, None)
}

/// `x Wᵀ` for `x` of shape `(rows, n)`, contiguous; computed once and broadcast when all rows
/// are bitwise equal (NaN never is).
fn product_once(x: &Tensor, w: &Tensor) -> Result<Tensor> {
    let rows = x.dim(0)?;
    if rows > 1 && rows_identical(x)? {
        let (m, _) = w.dims2()?;
        return x.narrow(0, 0, 1)?.matmul(&w.t()?)?.broadcast_as((rows, m))?.contiguous();
    }
    x.matmul(&w.t()?)?.contiguous()
}

fn rows_identical(x: &Tensor) -> Result<bool> {
    fn same<T: PartialEq>(v: &[T], n: usize) -> bool {
        let (first, rest) = v.split_at(n);
        rest.chunks_exact(n).all(|r| r == first)
    }
    let x = x.contiguous()?;
    let (rows, n) = x.dims2()?;
    let (storage, layout) = x.storage_and_layout();
    let (start, len) = (layout.start_offset(), rows * n);
    Ok(match &*storage {
        Storage::Cpu(CpuStorage::F32(v)) => same(&v[start..start + len], n),
        Storage::Cpu(CpuStorage::F64(v)) => same(&v[start..start + len], n),
        _ => false,
    })
}

/// A node whose value was computed without a graph and whose backward is given: how this
/// module adds exact derivative rules that candle's own ops lack (the weight gradient of a
/// product skipped, ties split). The backward maps `(input, grad of the output)` to the grad of
/// the input and is built from candle ops, so it is differentiable again (second order).
struct Splice<B> {
    name: &'static str,
    value: Tensor,
    backward: B,
}

/// `value`, attached to `x`'s graph with the given backward (see [`Splice`]). Off the CPU
/// (no custom-op support there) this is an error, so callers use it on the CPU only.
fn splice<B>(x: &Tensor, value: Tensor, name: &'static str, backward: B) -> Result<Tensor>
where
    B: Fn(&Tensor, &Tensor) -> Result<Tensor> + Send + Sync + 'static,
{
    x.apply_op1(Splice { name, value: value.contiguous()?, backward })
}

impl<B> CustomOp1 for Splice<B>
where
    B: Fn(&Tensor, &Tensor) -> Result<Tensor> + Send + Sync,
{
    fn name(&self) -> &'static str {
        self.name
    }

    fn cpu_fwd(&self, _x: &CpuStorage, _layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let (storage, layout) = self.value.storage_and_layout();
        match &*storage {
            Storage::Cpu(cpu) if layout.start_offset() == 0 && layout.is_contiguous() => Ok((cpu.clone(), layout.shape().clone())),
            _ => candle_core::bail!("{}: internal error, the value is not a plain CPU tensor", self.name),
        }
    }

    fn bwd(&self, x: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some((self.backward)(x, grad)?.to_dtype(x.dtype())?))
    }
}

/// The largest entry of `z` (0-d), with the gradient split evenly among tied maxima.
///
/// **Convention** (next to [`relu`]'s `relu'(0) = 0`): at a tie the gradient is `1/k` for each of
/// the `k` entries equal to the maximum and 0 elsewhere, as `torch.amax` and JAX's `jnp.max` do.
/// Candle's own `max_all` gives 1 to *every* tied entry, which is not a valid subgradient (at
/// `(1, 3, 3)` the slope along `(0, 1, 1)` would be 2; it is 1). Away from ties both agree.
/// Second derivatives are 0 (the maximum is piecewise linear).
///
/// **Built as** a node whose value is the maximum (±inf included) and whose backward is
/// `grad · 1[zᵢ = m] / k`, exact at every order. **NaN:** any NaN entry makes the value NaN, as
/// in torch (candle's own `max` skips a NaN unless it comes first), and the gradient NaN, which
/// the transforms report as [`crate::Error::NonFinite`]. An empty `z` is an error from candle.
///
/// **Mirrors** `torch.amax(z)` (values and gradient) and `jnp.max`.
///
/// ```
/// use jacobian::{gradient, ops, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// let z = Tensor::new(&[1.0f64, 3.0, 3.0], &Device::Cpu)?;
/// assert_eq!(ops::max_all(&z)?.to_scalar::<f64>()?, 3.0);
/// assert_eq!(gradient(ops::max_all, &z)?.to_vec1::<f64>()?, [0.0, 0.5, 0.5]);
/// # Ok(()) }
/// ```
pub fn max_all(z: &Tensor) -> Result<Tensor> {
    tied_reduce(&z.flatten_all()?, 0, Extreme::Max)?.squeeze(0)
}

/// The smallest entry of `z` (0-d), with the gradient split evenly among tied minima; see
/// [`max_all`] for the convention. **Mirrors** `torch.amin(z)`.
pub fn min_all(z: &Tensor) -> Result<Tensor> {
    tied_reduce(&z.flatten_all()?, 0, Extreme::Min)?.squeeze(0)
}

/// The maximum along `dim` (removed from the shape), ties split evenly; see [`max_all`].
/// **Mirrors** `torch.amax(z, dim)`.
pub fn max(z: &Tensor, dim: usize) -> Result<Tensor> {
    tied_reduce(z, dim, Extreme::Max)?.squeeze(dim)
}

/// The minimum along `dim` (removed from the shape), ties split evenly; see [`max_all`].
/// **Mirrors** `torch.amin(z, dim)`.
pub fn min(z: &Tensor, dim: usize) -> Result<Tensor> {
    tied_reduce(z, dim, Extreme::Min)?.squeeze(dim)
}

/// The maximum along `dim`, kept as a size-1 axis; ties split evenly. **Mirrors**
/// `torch.amax(z, dim, keepdim=True)`.
pub fn max_keepdim(z: &Tensor, dim: usize) -> Result<Tensor> {
    tied_reduce(z, dim, Extreme::Max)
}

/// The minimum along `dim`, kept as a size-1 axis; ties split evenly. **Mirrors**
/// `torch.amin(z, dim, keepdim=True)`.
pub fn min_keepdim(z: &Tensor, dim: usize) -> Result<Tensor> {
    tied_reduce(z, dim, Extreme::Min)
}

/// The tie-splitting reductions use a custom op, which candle runs on the CPU only.
fn check_cpu_for_ties(z: &Tensor) -> Result<()> {
    if z.device().is_cpu() || !z.track_op() {
        Ok(())
    } else {
        candle_core::bail!("max/min with split ties: only the CPU is supported, got {:?}", z.device())
    }
}

#[derive(Clone, Copy)]
enum Extreme {
    Max,
    Min,
}

/// The extreme along `dim`, keepdim: NaN if the slice holds a NaN (as torch does; candle's own
/// `max` skips a NaN unless it comes first), and a backward that gives each of the `k` tied
/// entries `1/k` (NaN for a NaN slice, so the finite check reports it).
fn tied_reduce(z: &Tensor, dim: usize, which: Extreme) -> Result<Tensor> {
    check_cpu_for_ties(z)?;
    let zd = z.detach();
    let extreme = match which {
        Extreme::Max => zd.max_keepdim(dim)?,
        Extreme::Min => zd.min_keepdim(dim)?,
    };
    let has_nan = zd.ne(&zd)?.to_dtype(z.dtype())?.sum_keepdim(dim)?.gt(0.0)?;
    let value = has_nan.where_cond(&extreme.ones_like()?.affine(f64::NAN, 0.0)?, &extreme)?;
    if !z.track_op() {
        return Ok(value);
    }
    let tied = zd.broadcast_eq(&value)?.to_dtype(z.dtype())?;
    let weights = tied.broadcast_div(&tied.sum_keepdim(dim)?)?;
    splice(z, value, "jacobian-tied-extreme", move |_, grad| grad.broadcast_mul(&weights))
}

/// The square matrix with `v` on its diagonal: `(n,)` → `(n, n)`. A 0-d `v` is treated as `(1,)`.
///
/// **Mirrors** `torch.diag(v)` for 1-D `v`.
///
/// ```
/// use jacobian::{ops, Tensor, Device};
/// # fn main() -> candle_core::Result<()> {
/// let d = ops::diag(&Tensor::new(&[1.0f32, 2.0], &Device::Cpu)?)?;
/// assert_eq!(d.to_vec2::<f32>()?, [[1.0, 0.0], [0.0, 2.0]]);
/// # Ok(()) }
/// ```
pub fn diag(v: &Tensor) -> Result<Tensor> {
    let v = v.flatten_all()?;
    if v.rank() != 1 {
        candle_core::bail!("diag: v must be 1-D, got shape {:?}", v.dims())
    }
    let n = v.dim(0)?;
    Tensor::eye(n, v.dtype(), v.device())?.broadcast_mul(&v.unsqueeze(0)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{gradient, hessian, jacobian};
    use candle_core::Device;

    #[test]
    fn relu_gradient_at_zero_is_zero() {
        // relu'(z) = 1[z > 0]: (1, 0, 0) at (1, 0, −1); candle's Tensor::relu would give 1 at 0.
        let z = Tensor::new(&[1.0f32, 0.0, -1.0], &Device::Cpu).unwrap();
        let g = gradient(|z: &Tensor| relu(z)?.sum_all(), &z).unwrap();
        assert_eq!(g.to_vec1::<f32>().unwrap(), [1.0, 0.0, 0.0]);
        // Negative inputs give +0.0, not −0.0.
        let r = relu(&z).unwrap().to_vec1::<f32>().unwrap();
        assert!(r[2] == 0.0 && r[2].is_sign_positive());
        let nan = Tensor::new(&[f32::NAN], &Device::Cpu).unwrap();
        assert!(relu(&nan).unwrap().to_vec1::<f32>().unwrap()[0].is_nan());
        assert!(sigmoid(&nan).unwrap().to_vec1::<f32>().unwrap()[0].is_nan());
        // relu'' = 0 everywhere
        let h = hessian(|z: &Tensor| relu(z)?.sqr()?.sum_all(), &z).unwrap();
        // f = Σ relu(z)², f'' = diag(2·1[z > 0])
        assert_eq!(h.to_vec2::<f32>().unwrap(), [[2.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]);
    }

    #[test]
    fn sigmoid_is_accurate_and_stable() {
        let zs = [-200.0f64, -80.0, -10.0, 0.0, 10.0, 80.0, 200.0];
        let z = Tensor::new(&zs.map(|v| v as f32), &Device::Cpu).unwrap();
        let s = sigmoid(&z).unwrap().to_vec1::<f32>().unwrap();
        for (zi, si) in zs.iter().zip(&s) {
            let exact = 1.0 / (1.0 + (-zi).exp());
            // relative precision down to f32's normal range (σ(−80) ≈ 1.8e−35)
            let tol = if exact > 1e-37 { 1e-6 * exact } else { 1e-38 };
            assert!((exact - *si as f64).abs() <= tol, "σ({zi}) = {si}, exact {exact}");
        }
        // σ' = σ(1 − σ), finite everywhere
        let j = jacobian(sigmoid, &z).unwrap().to_vec2::<f32>().unwrap();
        for (i, zi) in zs.iter().enumerate() {
            let sig = 1.0 / (1.0 + (-zi).exp());
            assert!((j[i][i] as f64 - sig * (1.0 - sig)).abs() < 1e-7, "σ'({zi}) = {}", j[i][i]);
        }
    }

    #[test]
    fn derivatives_match_autodiff() {
        let z = Tensor::new(&[-1.5f64, -0.2, 0.0, 0.7, 3.0], &Device::Cpu).unwrap();
        for (f, d) in [
            (relu as fn(&Tensor) -> Result<Tensor>, relu_derivative as fn(&Tensor) -> Result<Tensor>),
            (sigmoid, sigmoid_derivative),
            (tanh, tanh_derivative),
        ] {
            let g = gradient(|z: &Tensor| f(z)?.sum_all(), &z).unwrap();
            let e = d(&z).unwrap();
            assert!(crate::engine::max_abs_diff(&g, &e).unwrap() < 1e-14);
        }
    }

    #[test]
    fn diag_builds_a_diagonal() {
        let d = diag(&Tensor::new(&[1.0f32, 2.0, 3.0], &Device::Cpu).unwrap()).unwrap();
        assert_eq!(d.to_vec2::<f32>().unwrap(), [[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 3.0]]);
    }
}
