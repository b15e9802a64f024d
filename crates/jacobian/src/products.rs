//! Products without forming the matrix: [`vjp`] (reverse mode), [`jvp`] (forward mode by the
//! double-VJP trick), and the Hessian products [`hvp`] and [`vhp`] (reverse-over-reverse).
use crate::jacobian::{evaluate, Evaluated};
use crate::{engine, second_order, Error, Result};
use candle_core::Tensor;

/// Vector-Jacobian product: returns `(f(x), vᵀJ)`.
///
/// **Computes** `vᵀ J`, i.e. `Σ_i v_i ∂f_i/∂x`, with one reverse pass (the backward of
/// `(f(x) ⊙ v).sum()`).
///
/// **Mode:** reverse.
///
/// **Shape:** `v` must have the shape of `f(x)`; the product has the shape of `x`. `x` may have
/// any rank. dtypes: `f(x)` as returned, the product in `x`'s dtype (`v` is cast to `f(x)`'s).
///
/// **Errors:** [`Error::Shape`] if `v`'s shape differs from `f(x)`'s; [`Error::DType`] for
/// non-float `x`, `v` or `f(x)`; [`Error::Closure`], [`Error::Backward`], [`Error::NonFinite`] as
/// for [`crate::jacobian`]. An output independent of `x` gives a zero product.
///
/// **Mirrors** `torch.func.vjp(f, x)` (which returns `(f(x), vjp_fn)`; here `vjp_fn(v)` is
/// applied at once) and `torch.autograd.functional.vjp(f, x, v)`, `jax.vjp`.
///
/// **Nesting, NaN, independent outputs:** see [the crate docs](crate#every-transform).
///
/// ```
/// use jacobian::{vjp, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// // f(x) = x², J = diag(2x), vᵀJ = 2 x ⊙ v
/// let x = Tensor::new(&[1.0f32, 2.0, 3.0], &Device::Cpu)?;
/// let v = Tensor::new(&[1.0f32, 0.0, -1.0], &Device::Cpu)?;
/// let (y, p) = vjp(|x: &Tensor| x.sqr(), &x, &v)?;
/// assert_eq!(y.to_vec1::<f32>()?, [1.0, 4.0, 9.0]);
/// assert_eq!(p.to_vec1::<f32>()?, [2.0, 0.0, -6.0]);
/// # Ok(()) }
/// ```
pub fn vjp<F>(f: F, x: &Tensor, v: &Tensor) -> Result<(Tensor, Tensor)>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    const FUNCTION: &str = "vjp";
    engine::check_float(FUNCTION, "v", v)?;
    let scope = engine::Scope::enter();
    let Evaluated { point, y, .. } = evaluate(FUNCTION, &scope, &f, x, false, v.track_op())?;
    if v.dims() != y.dims() {
        return Err(Error::Shape { function: FUNCTION, what: "v (the shape of f(x))", expected: y.dims().to_vec(), got: v.dims().to_vec() });
    }
    let nested = point.nested;
    let product = if y.elem_count() == 0 || x.elem_count() == 0 || !engine::depends_on(&y, &point.wrt) {
        x.zeros_like()?
    } else {
        let (y, v, wrt, dtype) = (y.clone(), engine::detach_unless(v.clone(), nested), point.wrt.clone(), x.dtype());
        engine::passes(FUNCTION, nested, move || {
            let p = engine::vjp_flat(FUNCTION, &y, &v, &wrt, nested, || "the reverse pass seeded with v".into())?;
            Ok(p.reshape(wrt.as_tensor().shape())?.to_dtype(dtype)?)
        })?
    };
    engine::check_finite(FUNCTION, "vector-Jacobian product", &product.detach())?;
    Ok((engine::detach_unless(y, nested), product))
}

/// Jacobian-vector product: returns `(f(x), J v)`.
///
/// **Computes** the directional derivative `J v = d/dε f(x + ε v)` at `ε = 0`.
///
/// **Mode:** forward, emulated exactly by the *double-VJP trick* (candle has no forward mode):
/// with a dummy cotangent `u`, one reverse pass builds `g(u) = Jᵀu` keeping its graph, and a
/// second reverse pass gives `∂/∂u (g(u) · v) = J v`. Two reverse passes, exact; this needs
/// exact second-order gradients, see [`crate::second_order`]. The closure runs in the calling
/// thread.
///
/// **Shape:** `v` must have the shape of `x` (any rank); the product has the shape of `f(x)`.
/// dtypes: product in `f(x)`'s dtype.
///
/// **Errors:** [`Error::Shape`] if `v`'s shape differs from `x`'s; [`Error::SecondOrder`] if exact
/// second-order gradients cannot be enabled; otherwise as [`vjp`].
///
/// **Mirrors** `torch.func.jvp(f, (x,), (v,))` and `jax.jvp`.
///
/// **Nesting, NaN, independent outputs:** see [the crate docs](crate#every-transform).
///
/// ```
/// use jacobian::{jvp, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// // f(x) = sin(x) ⊙ x0: J v along v = e_1 is (0, cos x1 · x0)
/// let x = Tensor::new(&[2.0f64, 0.5], &Device::Cpu)?;
/// let v = Tensor::new(&[0.0f64, 1.0], &Device::Cpu)?;
/// let (_, jv) = jvp(|x: &Tensor| x.sin()?.broadcast_mul(&x.get(0)?), &x, &v)?;
/// let jv = jv.to_vec1::<f64>()?;
/// assert!(jv[0].abs() < 1e-15 && (jv[1] - 2.0 * 0.5f64.cos()).abs() < 1e-15);
/// # Ok(()) }
/// ```
pub fn jvp<F>(f: F, x: &Tensor, v: &Tensor) -> Result<(Tensor, Tensor)>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    const FUNCTION: &str = "jvp";
    engine::check_float(FUNCTION, "v", v)?;
    if v.dims() != x.dims() {
        return Err(Error::Shape { function: FUNCTION, what: "v (the shape of x)", expected: x.dims().to_vec(), got: v.dims().to_vec() });
    }
    let scope = engine::Scope::enter();
    let Evaluated { point, y, .. } = evaluate(FUNCTION, &scope, &f, x, false, v.track_op())?;
    let nested = point.nested;
    let product = if y.elem_count() == 0 || x.elem_count() == 0 || !engine::depends_on(&y, &point.wrt) {
        y.zeros_like()?
    } else {
        let v = engine::detach_unless(v.to_dtype(x.dtype())?, nested);
        let u = scope.zeros_var(&y)?;
        let (y, wrt) = (y.clone(), point.wrt.clone());
        second_order::run(FUNCTION, move || engine::jvp_of(FUNCTION, &y, &wrt, &u, &v, nested))?
    };
    engine::check_finite(FUNCTION, "Jacobian-vector product", &product.detach())?;
    Ok((engine::detach_unless(y, nested), product))
}

/// Hessian-vector product of a scalar function: returns `(f(x), H v)`, without forming `H`.
///
/// **Computes** `H v = ∇ₓ(∇f(x) · v)` by reverse-over-reverse: one reverse pass builds `∇f`
/// with its graph, a second differentiates `∇f · v`. Two passes, whatever `n`; a full
/// [`crate::hessian`] takes `n + 1`. Strictly this is `vᵀH` (see [`vhp`]); the two are equal
/// wherever `f` is twice continuously differentiable (Schwarz), which includes every function
/// built from the course's smooth ops. At the kinks of ReLU-like ops both sides are
/// conventions (here, as in PyTorch, they give 0).
///
/// **Shape:** `v` has the shape of `x` (any rank); the product too, in `x`'s dtype. `f(x)` must
/// hold one element.
///
/// **Errors:** [`Error::NotScalar`], [`Error::Shape`] if `v`'s shape differs from `x`'s,
/// [`Error::SecondOrder`], otherwise as [`crate::gradient`]. A function linear in `x` gives a
/// zero product.
///
/// **Nesting, NaN:** as for every transform (see the crate docs): nested calls keep the graph,
/// non-finite products are [`Error::NonFinite`].
///
/// **Mirrors** `torch.autograd.functional.hvp(f, x, v)` (which returns `(f(x), Hv)` too) and
/// JAX's `jvp(grad(f), (x,), (v,))`.
///
/// ```
/// use jacobian::{hvp, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// // f(x) = Σ x³: H = diag(6x), H v = 6 x ⊙ v
/// let x = Tensor::new(&[1.0f64, 2.0], &Device::Cpu)?;
/// let v = Tensor::new(&[1.0f64, -1.0], &Device::Cpu)?;
/// let (_, hv) = hvp(|x: &Tensor| x.powf(3.0)?.sum_all(), &x, &v)?;
/// assert_eq!(hv.to_vec1::<f64>()?, [6.0, -12.0]);
/// # Ok(()) }
/// ```
pub fn hvp<F>(f: F, x: &Tensor, v: &Tensor) -> Result<(Tensor, Tensor)>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    hessian_product("hvp", &f, x, v)
}

/// Vector-Hessian product of a scalar function: returns `(f(x), vᵀH)` (shape of `x`).
///
/// **Computes** `vᵀH = ∇ₓ(∇f(x) · v)` exactly, by reverse-over-reverse (two reverse passes).
/// Shapes and errors as [`hvp`].
///
/// **Mirrors** `torch.autograd.functional.vhp(f, x, v)` and JAX's `vjp(grad(f), x)[1](v)`.
///
/// ```
/// use jacobian::{vhp, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// // f(x) = x0² x1: H = [[2x1, 2x0], [2x0, 0]]; at (1, 3), vᵀH for v = (1, 0) is (6, 2)
/// let x = Tensor::new(&[1.0f64, 3.0], &Device::Cpu)?;
/// let v = Tensor::new(&[1.0f64, 0.0], &Device::Cpu)?;
/// let f = |x: &Tensor| x.get(0)?.sqr()?.mul(&x.get(1)?);
/// assert_eq!(vhp(f, &x, &v)?.1.to_vec1::<f64>()?, [6.0, 2.0]);
/// # Ok(()) }
/// ```
pub fn vhp<F>(f: F, x: &Tensor, v: &Tensor) -> Result<(Tensor, Tensor)>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    hessian_product("vhp", &f, x, v)
}

fn hessian_product<F>(function: &'static str, f: &F, x: &Tensor, v: &Tensor) -> Result<(Tensor, Tensor)>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    engine::check_float(function, "v", v)?;
    if v.dims() != x.dims() {
        return Err(Error::Shape { function, what: "v (the shape of x)", expected: x.dims().to_vec(), got: v.dims().to_vec() });
    }
    let scope = engine::Scope::enter();
    let Evaluated { point, y, .. } = evaluate(function, &scope, f, x, false, v.track_op())?;
    if y.elem_count() != 1 {
        return Err(Error::NotScalar { function, got: y.dims().to_vec() });
    }
    let nested = point.nested;
    let product = if x.elem_count() == 0 || !engine::depends_on(&y, &point.wrt) {
        x.zeros_like()?
    } else {
        let v = engine::detach_unless(v.to_dtype(x.dtype())?, nested);
        let (s, wrt) = (y.sum_all()?, point.wrt.clone());
        second_order::run(function, move || {
            let g = match engine::grad_of(function, &s, wrt.as_tensor(), || "the gradient pass (graph kept)".into())? {
                Some(g) if engine::depends_on(&g, &wrt) => g,
                _ => return Ok(wrt.as_tensor().zeros_like()?),
            };
            let p = engine::vjp_flat(function, &g, &v, &wrt, nested, || "the pass that differentiates ∇f·v".into())?;
            Ok(p.reshape(wrt.as_tensor().shape())?)
        })?
        .to_dtype(x.dtype())?
    };
    engine::check_finite(function, "Hessian-vector product", &product.detach())?;
    Ok((engine::detach_unless(y, nested), product))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jacobian;
    use candle_core::{DType, Device};

    fn f(x: &Tensor) -> candle_core::Result<Tensor> {
        // f(x) = (x0 x1, exp(x1), sin(x0 + x2)) : R³ → R³
        let (a, b, c) = (x.get(0)?, x.get(1)?, x.get(2)?);
        Tensor::stack(&[(&a * &b)?, b.exp()?, (&a + &c)?.sin()?], 0)
    }

    #[test]
    fn vjp_and_jvp_agree_with_the_jacobian() {
        let x = Tensor::new(&[0.3f64, -0.7, 1.1], &Device::Cpu).unwrap();
        let j = jacobian(f, &x).unwrap();
        let v = Tensor::new(&[1.0f64, -2.0, 0.5], &Device::Cpu).unwrap();
        let (y, p) = vjp(f, &x, &v).unwrap();
        assert_eq!(y.to_vec1::<f64>().unwrap(), f(&x).unwrap().to_vec1::<f64>().unwrap());
        let expect = v.unsqueeze(0).unwrap().matmul(&j).unwrap().squeeze(0).unwrap();
        assert!(engine::max_abs_diff(&p, &expect).unwrap() < 1e-14);
        let (_, q) = jvp(f, &x, &v).unwrap();
        let expect = j.matmul(&v.unsqueeze(1).unwrap()).unwrap().squeeze(1).unwrap();
        assert!(engine::max_abs_diff(&q, &expect).unwrap() < 1e-14);
    }

    #[test]
    fn shape_mismatch_is_an_error() {
        let x = Tensor::new(&[0.3f64, -0.7, 1.1], &Device::Cpu).unwrap();
        let v = Tensor::zeros(2, DType::F64, &Device::Cpu).unwrap();
        let e = vjp(f, &x, &v).unwrap_err();
        assert_eq!(e.to_string(), "vjp: v (the shape of f(x)) must have shape [3], got shape [2]");
        let e = jvp(f, &x, &v).unwrap_err();
        assert_eq!(e.to_string(), "jvp: v (the shape of x) must have shape [3], got shape [2]");
    }

    #[test]
    fn independent_outputs_give_zero_products() {
        let x = Tensor::new(&[1.0f32, 2.0], &Device::Cpu).unwrap();
        let c = Tensor::new(&[3.0f32], &Device::Cpu).unwrap();
        let (_, p) = vjp(|_: &Tensor| Ok(c.clone()), &x, &c).unwrap();
        assert_eq!(p.to_vec1::<f32>().unwrap(), [0.0, 0.0]);
        let (_, q) = jvp(|_: &Tensor| Ok(c.clone()), &x, &x).unwrap();
        assert_eq!(q.to_vec1::<f32>().unwrap(), [0.0]);
    }

    #[test]
    fn jvp_of_a_linear_map_is_exact() {
        // f(x) = W x: J v = W v, and the graph of Jᵀu involves no primal value at all.
        let w = Tensor::new(&[[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]], &Device::Cpu).unwrap();
        let x = Tensor::new(&[1.0f32, 1.0], &Device::Cpu).unwrap();
        let v = Tensor::new(&[1.0f32, -1.0], &Device::Cpu).unwrap();
        let (_, q) = jvp(|x: &Tensor| w.matmul(&x.unsqueeze(1)?)?.squeeze(1), &x, &v).unwrap();
        assert_eq!(q.to_vec1::<f32>().unwrap(), [-1.0, -1.0, -1.0]);
    }
}
