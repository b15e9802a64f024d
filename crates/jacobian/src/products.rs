//! Jacobian products without forming the Jacobian: [`vjp`] (reverse mode) and [`jvp`]
//! (forward mode by the double-VJP trick).
use crate::jacobian::{evaluate, Evaluated};
use crate::{engine, second_order, Error, Result};
use candle_core::{Tensor, Var};

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
    let Evaluated { xv, y } = evaluate(FUNCTION, &f, x, false)?;
    engine::check_float(FUNCTION, "v", v)?;
    if v.dims() != y.dims() {
        return Err(Error::Shape { function: FUNCTION, what: "v (the shape of f(x))", expected: y.dims().to_vec(), got: v.dims().to_vec() });
    }
    let product = if y.elem_count() == 0 || x.elem_count() == 0 || !engine::depends_on(&y, &xv) {
        x.zeros_like()?
    } else {
        let s = (&y * v.detach().to_dtype(y.dtype())?)?.sum_all()?;
        match engine::grad_of(FUNCTION, &s, xv.as_tensor(), || "the reverse pass seeded with v".into())? {
            Some(g) => g.to_dtype(x.dtype())?,
            None => x.zeros_like()?,
        }
    };
    let product = product.detach();
    engine::check_finite(FUNCTION, "vector-Jacobian product", &product)?;
    Ok((y.detach(), product))
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
    let Evaluated { xv, y } = evaluate(FUNCTION, &f, x, false)?;
    engine::check_float(FUNCTION, "v", v)?;
    if v.dims() != x.dims() {
        return Err(Error::Shape { function: FUNCTION, what: "v (the shape of x)", expected: x.dims().to_vec(), got: v.dims().to_vec() });
    }
    let product = if y.elem_count() == 0 || x.elem_count() == 0 || !engine::depends_on(&y, &xv) {
        y.zeros_like()?
    } else {
        let v = v.detach().to_dtype(x.dtype())?;
        let (y, xv) = (y.clone(), xv.clone());
        second_order::run(FUNCTION, move || {
            let u = Var::zeros(y.shape(), y.dtype(), y.device())?;
            let s = (&y * u.as_tensor())?.sum_all()?;
            let jtu = match engine::grad_of(FUNCTION, &s, xv.as_tensor(), || "the pass that builds u ↦ Jᵀu".into())? {
                Some(g) => g,
                None => return Ok(y.zeros_like()?),
            };
            let t = (jtu * &v)?.sum_all()?;
            match engine::grad_of(FUNCTION, &t, u.as_tensor(), || "the pass that differentiates (Jᵀu)·v in u".into())? {
                Some(jv) => Ok(jv.detach()),
                None => Ok(y.zeros_like()?),
            }
        })?
    };
    engine::check_finite(FUNCTION, "Jacobian-vector product", &product)?;
    Ok((y.detach(), product))
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
