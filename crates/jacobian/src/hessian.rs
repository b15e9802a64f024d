//! Gradients and Hessians of scalar functions: [`gradient`], [`value_and_gradient`],
//! [`hessian`] and [`hessian_with`].
//!
//! A Hessian is the Jacobian of the gradient (JAX: `hessian = jacfwd(jacrev(f))`). The gradient
//! is computed by candle's backward with its graph kept, then differentiated again by the same
//! strategies as [`crate::jacobian_with`]. candle's default double backward is silently wrong, so
//! the second-order passes run where candle keeps gradients attached; see
//! [`crate::second_order`].
use crate::engine::{self, concat_dims};
use crate::jacobian::{HESSIAN_PROBE_ROUNDOFFS, auto_options, check_vectorized_allowed, try_batched, evaluate, finish, verify_by_probes, Batched, Evaluated, AUTO_VECTORIZED_MIN_OUTPUTS};
use crate::{second_order, Error, JacobianOptions, Result, Strategy};
use candle_core::Tensor;

fn check_scalar(function: &'static str, y: &Tensor) -> Result<()> {
    if y.elem_count() == 1 {
        Ok(())
    } else {
        Err(Error::NotScalar { function, got: y.dims().to_vec() })
    }
}

/// The gradient `∇f(x)` of a scalar function.
///
/// **Computes** `∂f/∂x_j` for every entry of `x`, with one reverse pass.
///
/// **Shape:** that of `x` (any rank). `f(x)` must hold exactly one element (0-d or shape `(1,)`,
/// `(1, 1)`…). dtype: that of `x`.
///
/// **Errors:** [`Error::NotScalar`] if `f(x)` has more than one element; [`Error::DType`],
/// [`Error::Closure`], [`Error::Backward`], [`Error::NonFinite`] as for [`crate::jacobian`]. If
/// `f` does not depend on `x` the gradient is zero.
///
/// **Mirrors** `torch.func.grad(f)(x)`, `torch.autograd.grad(f(x), x)` and `jax.grad(f)(x)`.
///
/// **Nesting, NaN, independent outputs:** see [the crate docs](crate#every-transform).
///
/// ```
/// use jacobian::{gradient, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// // f(x) = sin(x²) at 1: f' = 2x·cos(x²) = 2 cos 1
/// let x = Tensor::new(1.0f64, &Device::Cpu)?;
/// let g = gradient(|x: &Tensor| x.sqr()?.sin(), &x)?;
/// assert!((g.to_scalar::<f64>()? - 2.0 * 1f64.cos()).abs() < 1e-15);
/// # Ok(()) }
/// ```
pub fn gradient<F>(f: F, x: &Tensor) -> Result<Tensor>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    Ok(gradient_impl("gradient", &f, x)?.1)
}

/// `(f(x), ∇f(x))` in one forward and one reverse pass.
///
/// Same shapes and errors as [`gradient`]; the value is returned as `f` returned it (detached).
///
/// **Mirrors** `jax.value_and_grad(f)(x)` and `torch.func.grad_and_value` (in the other order).
///
/// **Nesting, NaN, independent outputs:** see [the crate docs](crate#every-transform).
///
/// ```
/// use jacobian::{value_and_gradient, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// // f(x) = Σ x², ∇f = 2x
/// let x = Tensor::new(&[3.0f32, 4.0], &Device::Cpu)?;
/// let (v, g) = value_and_gradient(|x: &Tensor| x.sqr()?.sum_all(), &x)?;
/// assert_eq!(v.to_scalar::<f32>()?, 25.0);
/// assert_eq!(g.to_vec1::<f32>()?, [6.0, 8.0]);
/// # Ok(()) }
/// ```
pub fn value_and_gradient<F>(f: F, x: &Tensor) -> Result<(Tensor, Tensor)>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    gradient_impl("value_and_gradient", &f, x)
}

fn gradient_impl<F>(function: &'static str, f: &F, x: &Tensor) -> Result<(Tensor, Tensor)>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    let scope = engine::Scope::enter();
    let Evaluated { point, y, .. } = evaluate(function, &scope, f, x, false, false)?;
    check_scalar(function, &y)?;
    let nested = point.nested;
    let g = if x.elem_count() == 0 || !engine::depends_on(&y, &point.wrt) {
        x.zeros_like()?
    } else {
        let (s, wrt, dtype) = (y.sum_all()?, point.wrt.clone(), x.dtype());
        engine::passes(function, nested, move || {
            let grad = engine::grad_of(function, &s, wrt.as_tensor(), || "the reverse pass".into())?;
            Ok(match grad {
                Some(g) => engine::detach_unless(g.to_dtype(dtype)?, nested),
                None => wrt.as_tensor().zeros_like()?.to_dtype(dtype)?,
            })
        })?
    };
    engine::check_finite(function, "gradient", &g.detach())?;
    Ok((engine::detach_unless(y, nested), g))
}

/// The Hessian `∇²f(x)` of a scalar function, exact, with the default options
/// (reverse-over-reverse, one pass per row).
///
/// **Computes** `H[i, j] = ∂²f/∂x_i∂x_j` as the Jacobian of the gradient.
///
/// **Mode:** [`Strategy::Auto`]: for `n ≥` [`crate::AUTO_VECTORIZED_MIN_OUTPUTS`] one checked
/// batched pass pair when the closure handles a batch, otherwise the gradient by one reverse pass
/// with its graph kept, then `n` reverse passes over it (one per row). See [`hessian_with`].
/// candle's plain double backward is wrong (it gives `1.0806` for `sin(x²)″` at 1 instead of
/// `−2.2853`); this function makes candle keep gradients attached, running the reverse passes on
/// a helper thread if the calling thread cannot (see [`crate::second_order`]). The closure itself
/// always runs in the calling thread.
///
/// **Shape:** `(n, n)` for 1-D `x` of length `n`; `()`-shaped (0-d) for 0-d `x`; `x.shape ++
/// x.shape` for 2-D `x`. dtype: that of `x`.
///
/// **Errors:** [`Error::NotScalar`] if `f(x)` has more than one element; [`Error::InputRank`] for
/// rank > 2; [`Error::SecondOrder`] if exact second-order gradients cannot be enabled; otherwise as
/// [`crate::jacobian`]. A linear `f` (or one independent of `x`) gives zeros.
///
/// **Mirrors** `torch.func.hessian(f)(x)`, `torch.autograd.functional.hessian(f, x)` and
/// `jax.hessian(f)(x)`.
///
/// **Nesting, NaN, independent outputs:** see [the crate docs](crate#every-transform).
///
/// ```
/// use jacobian::{hessian, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// // f(x) = sin(x²): f'' = 2cos(x²) − 4x²sin(x²) = −2.2853 at 1
/// let x = Tensor::new(&[1.0f64], &Device::Cpu)?;
/// let h = hessian(|x: &Tensor| x.sqr()?.sin()?.sum_all(), &x)?;
/// let expected = 2.0 * 1f64.cos() - 4.0 * 1f64.sin();
/// assert!((h.to_vec2::<f64>()?[0][0] - expected).abs() < 1e-12);
/// # Ok(()) }
/// ```
pub fn hessian<F>(f: F, x: &Tensor) -> Result<Tensor>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    hessian_impl("hessian", &f, x, &JacobianOptions::default())
}

/// The Hessian with explicit options: the [`Strategy`] used to differentiate the gradient.
///
/// - [`Strategy::Auto`] (the default): for `n ≥` [`crate::AUTO_VECTORIZED_MIN_OUTPUTS`], tries
///   [`Strategy::ReverseVectorized`] with its checks on and falls back to reverse-over-reverse
///   when the closure does not handle a batch; below that, reverse-over-reverse.
/// - [`Strategy::ReverseRows`]: reverse-over-reverse, `n` passes over the gradient's graph.
/// - [`Strategy::Forward`]: forward-over-reverse (JAX's `jacfwd(jacrev(f))`), the columns of `H`
///   by the double-VJP trick; `n + 1` passes over a larger graph. Same values, slower here.
/// - [`Strategy::ReverseVectorized`]: the closure must map a batch `(B, ...x.shape)` to
///   `(B, ...f(x).shape)`, e.g. `(B,)` for a 0-d `f(x)`: one scalar per row. `f` is evaluated once on `x` repeated `chunk_size` (default `n`) times,
///   the per-row gradients come from one reverse pass and the Hessian rows from a second one:
///   two passes per chunk instead of `n + 1`. Checked once against `f(x)` unless
///   `verify_vectorized` is off.
///
/// `strict` makes an `f` that does not depend on `x` an error; `check_finite` as for Jacobians.
/// Shapes, dtype and errors as [`hessian`], plus [`Error::NotBatchable`] and
/// [`Error::InvalidOption`].
///
/// **Mirrors** `torch.func.hessian` (which is `jacfwd(jacrev(f))`) and
/// `torch.autograd.functional.hessian(f, x, vectorize=…, outer_jacobian_strategy=…)`.
///
/// **Nesting, NaN, independent outputs:** see [the crate docs](crate#every-transform).
///
/// ```
/// use jacobian::{hessian_with, JacobianOptions, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// // f(x) = Σ x⁴ / 4 per row (batch-compatible): H = diag(3x²)
/// let f = |x: &Tensor| (x.powf(4.0)? / 4.0)?.sum(x.rank() - 1);
/// let x = Tensor::new(&[1.0f64, 2.0], &Device::Cpu)?;
/// let h = hessian_with(f, &x, &JacobianOptions::reverse_vectorized(None))?;
/// assert_eq!(h.to_vec2::<f64>()?, [[3.0, 0.0], [0.0, 12.0]]);
/// # Ok(()) }
/// ```
pub fn hessian_with<F>(f: F, x: &Tensor, options: &JacobianOptions) -> Result<Tensor>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    hessian_impl("hessian", &f, x, options)
}

fn hessian_impl<F>(function: &'static str, f: &F, x: &Tensor, options: &JacobianOptions) -> Result<Tensor>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    options.validate(function)?;
    let scope = engine::Scope::enter();
    let Evaluated { point, y, calls_transforms } = evaluate(function, &scope, f, x, true, false)?;
    check_scalar(function, &y)?;
    let n = x.elem_count();
    let dims = concat_dims(x.dims(), x.dims());
    if n == 0 {
        return Ok(Tensor::zeros(dims, x.dtype(), x.device())?);
    }
    if !engine::depends_on(&y, &point.wrt) {
        if options.strict {
            return Err(Error::Independent { function });
        }
        return Ok(Tensor::zeros(dims, x.dtype(), x.device())?);
    }
    let nested = point.nested;
    let rows = |forward: bool| -> Result<Tensor> {
        let u = if forward { Some(scope.zeros_var(x)?) } else { None };
        let (y, wrt, dtype, device) = (y.clone(), point.wrt.clone(), x.dtype(), x.device().clone());
        second_order::run(function, move || {
            let g = match gradient_with_graph(function, &y, &wrt)? {
                Some(g) => g,
                None => return Ok(Tensor::zeros((n, n), dtype, &device)?),
            };
            match &u {
                Some(u) => engine::forward_columns(function, &g, &wrt, u, nested),
                None => engine::reverse_rows(function, &g, &wrt, nested),
            }
        })
    };
    let batched = |options: &JacobianOptions| {
        vectorized_hessian(&Batched { function, scope: &scope, f, x, y: &y, point: &point, options })
    };
    check_vectorized_allowed(function, options, nested)?;
    let flat = match options.strategy {
        Strategy::ReverseRows => rows(false)?,
        Strategy::Forward => rows(true)?,
        Strategy::ReverseVectorized => batched(options)?,
        // As for Jacobians: try one batched pass pair, fall back to reverse-over-reverse.
        Strategy::Auto if n >= AUTO_VECTORIZED_MIN_OUTPUTS && !nested && !calls_transforms => match try_batched(|| batched(&auto_options(options, n, n))) {
            None => rows(false)?,
            Some(h) => h?,
        },
        Strategy::Auto => rows(false)?,
    };
    finish(function, "Hessian", flat, &dims, x, options.check_finite, nested)
}

/// `∇f` with its graph kept (call where candle does not detach), `None` when `f` is linear in
/// the point (the gradient is then a constant) or does not reach it.
fn gradient_with_graph(function: &'static str, y: &Tensor, wrt: &candle_core::Var) -> Result<Option<Tensor>> {
    let s = y.sum_all()?;
    Ok(engine::grad_of(function, &s, wrt.as_tensor(), || "the gradient pass (graph kept)".into())?
        .filter(|g| engine::depends_on(g, wrt)))
}

/// [`Strategy::ReverseVectorized`] for Hessians: per chunk, one batched gradient pass and one
/// batched second pass; then the soundness checks: every batch row equals `f(x)`, the result is
/// symmetric, and `vᵀH` for random `v` equals a plain reverse-over-reverse product.
fn vectorized_hessian<F>(batched: &Batched<'_, F>) -> Result<Tensor>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    let (function, nested, x) = (batched.function, batched.point.nested, batched.x);
    let n = x.elem_count();
    let h = batched.blocks(n, |xr, yr, b, start| {
        let (wrt, dtype, device) = (xr.wrt, x.dtype(), x.device().clone());
        second_order::run(function, move || match gradient_with_graph(function, &yr, &wrt)? {
            Some(g) => engine::batched_rows(function, &g, &wrt, start, nested, || {
                format!("the batched second pass for Hessian rows {start}..{}", start + b)
            }),
            None => Ok(Tensor::zeros((b, n), dtype, &device)?),
        })
    })?;
    if batched.options.verify_vectorized {
        verify_hessian(function, batched.y, &batched.point.wrt, &h)?;
    }
    Ok(h)
}

/// Symmetry, then random `vᵀH` probes against the plain reverse-over-reverse product.
fn verify_hessian(function: &'static str, y: &Tensor, wrt: &candle_core::Var, h: &Tensor) -> Result<()> {
    let hd = h.detach();
    let (entries, transposed) = (engine::values(&hd)?, engine::values(&hd.t()?)?);
    let scale = entries.iter().filter(|v| v.is_finite()).fold(0.0f64, |m, v| m.max(v.abs()));
    let tol = engine::rounding_tol(y.dtype()) * (1.0 + scale);
    if let Some((_, asym, tol)) = engine::worst_mismatch(&entries, &transposed, |_| tol) {
        return Err(Error::NotBatchable {
            function,
            detail: format!("the batched Hessian is not symmetric (|H − Hᵀ| = {asym:e}, tolerance {tol:e}): f mixes the rows of the batch"),
        });
    }
    let (y, wrt) = (y.clone(), wrt.clone());
    let g = second_order::run(function, move || {
        Ok(gradient_with_graph(function, &y, &wrt)?.map(|g| (g, wrt)))
    })?;
    let Some((g, wrt)) = g else {
        return Ok(());
    };
    let u = engine::unit_roundoff(g.dtype());
    let gradient_size = engine::values(&g)?.iter().filter(|v| v.is_finite()).fold(0.0f64, |m, v| m.max(v.abs()));
    let floor = HESSIAN_PROBE_ROUNDOFFS * u * (1.0 + gradient_size);
    verify_by_probes(function, "Hessian", (&g, &wrt), &hd, (HESSIAN_PROBE_ROUNDOFFS, floor))
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};

    fn all() -> Vec<JacobianOptions> {
        vec![JacobianOptions::new(), JacobianOptions::forward(), JacobianOptions::reverse_vectorized(None), JacobianOptions::reverse_vectorized(Some(2))]
    }

    #[test]
    fn sin_x_squared_at_one_is_exact() {
        // d²/dx² sin(x²) = 2cos(x²) − 4x²sin(x²) = −2.2853 at x = 1 (candle's plain double
        // backward would give 2cos(1) = 1.0806).
        let x = Tensor::new(&[1.0f32], &Device::Cpu).unwrap();
        let f = |x: &Tensor| x.sqr()?.sin()?.sum(x.rank() - 1);
        for o in all() {
            let h = hessian_with(f, &x, &o).unwrap().to_vec2::<f32>().unwrap();
            assert!((h[0][0] - (-2.2853)).abs() < 1e-4, "{o:?}: {}", h[0][0]);
        }
    }

    #[test]
    fn sum_tanh_wx_squared_closed_form() {
        // f(x) = Σ_i tanh(z_i)², z = W x.
        // ∇f = Wᵀ (2 t (1 − t²)), t = tanh z;  H = Wᵀ diag(2(1 − t²)(1 − 3t²)) W.
        let w = Tensor::new(&[[0.5f64, -1.0, 0.3], [0.2, 0.8, -0.6], [1.1, 0.1, 0.4], [-0.7, 0.5, 0.9]], &Device::Cpu).unwrap();
        let x = Tensor::new(&[0.3f64, -0.2, 0.5], &Device::Cpu).unwrap();
        let f = |x: &Tensor| x.unsqueeze(x.rank() - 1)?.broadcast_matmul(&w.t()?)?.squeeze(x.rank() - 1)?.tanh()?.sqr()?.sum(x.rank() - 1);
        let z = w.matmul(&x.unsqueeze(1).unwrap()).unwrap().squeeze(1).unwrap();
        let t = z.tanh().unwrap();
        let t2 = t.sqr().unwrap();
        let d = ((1.0 - &t2).unwrap() * (1.0 - (&t2 * 3.0).unwrap()).unwrap()).unwrap();
        let d = (d * 2.0).unwrap();
        let expected = w.t().unwrap().broadcast_mul(&d.unsqueeze(0).unwrap()).unwrap().matmul(&w).unwrap();
        for o in all() {
            let h = hessian_with(f, &x, &o).unwrap();
            assert!(engine::max_abs_diff(&h, &expected).unwrap() < 1e-14, "{o:?}");
        }
        let g = gradient(f, &x).unwrap();
        let g_expected = w.t().unwrap().matmul(&((&t * 2.0).unwrap() * (1.0 - &t2).unwrap()).unwrap().unsqueeze(1).unwrap()).unwrap().squeeze(1).unwrap();
        assert!(engine::max_abs_diff(&g, &g_expected).unwrap() < 1e-15);
    }

    #[test]
    fn linear_and_constant_functions_have_zero_hessian() {
        let x = Tensor::new(&[1.0f64, 2.0], &Device::Cpu).unwrap();
        for o in all() {
            // f(x) = 3 x0 − x1 per row: H = 0
            let f = |x: &Tensor| (x.narrow(x.rank() - 1, 0, 1)? * 3.0)?.sub(&x.narrow(x.rank() - 1, 1, 1)?)?.squeeze(x.rank() - 1);
            let h = hessian_with(f, &x, &o).unwrap();
            assert_eq!(h.to_vec2::<f64>().unwrap(), vec![vec![0.0; 2]; 2], "{o:?}");
        }
        let c = Tensor::new(1.0f64, &Device::Cpu).unwrap();
        let e = hessian_with(|_: &Tensor| Ok(c.clone()), &x, &JacobianOptions::new().strict(true)).unwrap_err();
        assert!(matches!(e, Error::Independent { .. }));
    }

    #[test]
    fn non_scalar_output_is_an_error() {
        let x = Tensor::new(&[1.0f64, 2.0], &Device::Cpu).unwrap();
        let e = hessian(|x: &Tensor| x.sqr(), &x).unwrap_err();
        assert_eq!(e.to_string(), "hessian: f must return a scalar (0-d or one element), got shape [2]; use `jacobian` for vector-valued functions");
        let e = gradient(|x: &Tensor| x.sqr(), &x).unwrap_err();
        assert!(matches!(e, Error::NotScalar { function: "gradient", .. }));
    }

    #[test]
    fn zero_d_and_two_d_inputs() {
        // f(t) = t³: f'' = 6t, 0-d Hessian
        let t = Tensor::new(2.0f64, &Device::Cpu).unwrap();
        let h = hessian(|t: &Tensor| t.powf(3.0), &t).unwrap();
        assert_eq!(h.dims(), &[] as &[usize]);
        assert!((h.to_scalar::<f64>().unwrap() - 12.0).abs() < 1e-12);
        // f(X) = Σ X², X (2, 2): H = 2 I reshaped to (2, 2, 2, 2)
        let x = Tensor::ones((2, 2), DType::F64, &Device::Cpu).unwrap();
        let h = hessian(|x: &Tensor| x.sqr()?.sum_all(), &x).unwrap();
        assert_eq!(h.dims(), &[2, 2, 2, 2]);
        let flat = h.reshape((4, 4)).unwrap().to_vec2::<f64>().unwrap();
        for (i, row) in flat.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                assert_eq!(*v, if i == j { 2.0 } else { 0.0 });
            }
        }
    }

    #[test]
    fn gradient_of_a_constant_is_zero() {
        let x = Tensor::new(&[1.0f32, 2.0], &Device::Cpu).unwrap();
        let c = Tensor::new(5.0f32, &Device::Cpu).unwrap();
        assert_eq!(gradient(|_: &Tensor| Ok(c.clone()), &x).unwrap().to_vec1::<f32>().unwrap(), [0.0, 0.0]);
    }
}
