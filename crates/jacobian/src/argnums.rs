//! Functions of several tensors, and functions with several outputs: Jacobians and gradients
//! with respect to the inputs named by `argnums` ([`jacobian_argnums`], [`jacobian_multi`],
//! [`gradient_argnums`], and the two-input forms [`jacobian2`], [`gradient2`]).
//!
//! How: the selected inputs are flattened and concatenated into one vector `p`, the closure is
//! called on the pieces of `p` put back into shape, and its outputs are flattened and
//! concatenated; the Jacobian of that packed function (by any [`Strategy`](crate::Strategy)) is
//! then cut into one block per (output, input) pair. Nothing is re-implemented, so nesting,
//! strictness, the finite check and the vectorized checks behave exactly as for
//! [`crate::jacobian_with`].
use crate::jacobian::jacobian_impl;
use crate::{engine, Error, JacobianOptions, Result};
use candle_core::Tensor;
use std::cell::RefCell;

/// Jacobians of `f(xs[0], xs[1], …)` with respect to each input listed in `argnums`.
///
/// **Computes** `∂f/∂xs[a]` for every `a` in `argnums`, in that order.
///
/// **Shape:** block `k` is `f(xs).shape ++ xs[argnums[k]].shape`, dtype of the inputs. Inputs may
/// have any rank. Inputs not in `argnums` are passed through unchanged (constants, unless they
/// carry an outer transform's graph).
///
/// **Errors:** [`Error::InvalidOption`] for an empty `argnums`, an index out of range or a
/// repeated index; [`Error::DType`] for a non-float selected input; [`Error::DTypeMismatch`] when
/// the selected inputs do not share one dtype; otherwise as [`crate::jacobian_with`]. With
/// [`crate::Strategy::ReverseVectorized`] the selected inputs arrive with a leading batch axis
/// `(B, ...shape)`, the others without (like `vmap(in_dims=…)`).
///
/// **Mirrors** `torch.func.jacrev(f, argnums=(0, 1))(x, y)` and `jax.jacobian(f, argnums=…)`.
///
/// **Nesting, NaN, independent outputs:** see [the crate docs](crate#every-transform).
///
/// ```
/// use jacobian::{jacobian_argnums, JacobianOptions, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// // f(W, x) = W x: ∂f/∂x = W, and ∂f_i/∂W_kl = δ_ik x_l
/// let w = Tensor::new(&[[1.0f64, 2.0], [3.0, 4.0]], &Device::Cpu)?;
/// let x = Tensor::new(&[5.0f64, 6.0], &Device::Cpu)?;
/// let f = |a: &[Tensor]| a[0].matmul(&a[1].unsqueeze(1)?)?.squeeze(1);
/// let js = jacobian_argnums(f, &[&w, &x], &[0, 1], &JacobianOptions::new())?;
/// assert_eq!(js[0].dims(), &[2, 2, 2]);
/// assert_eq!(js[0].to_vec3::<f64>()?[1], [[0.0, 0.0], [5.0, 6.0]]);
/// assert_eq!(js[1].to_vec2::<f64>()?, w.to_vec2::<f64>()?);
/// # Ok(()) }
/// ```
pub fn jacobian_argnums<F>(f: F, xs: &[&Tensor], argnums: &[usize], options: &JacobianOptions) -> Result<Vec<Tensor>>
where
    F: Fn(&[Tensor]) -> candle_core::Result<Tensor>,
{
    let mut blocks = packed_jacobian("jacobian_argnums", &|a: &[Tensor]| Ok(vec![f(a)?]), xs, argnums, options)?;
    Ok(blocks.remove(0))
}

/// Jacobians of a function with several outputs (torch's tuple outputs) with respect to several
/// inputs: `result[o][k] = ∂f_o/∂xs[argnums[k]]`, shape `f_o.shape ++ xs[argnums[k]].shape`.
///
/// The outputs may have different shapes; they are cast to the dtype of the first one while
/// packed, and the blocks are returned in the inputs' dtype. Errors as [`jacobian_argnums`], and
/// [`Error::Closure`] if `f` returns no output at all.
///
/// **Mirrors** `torch.func.jacrev(f, argnums=…)` for an `f` that returns a tuple, and JAX's
/// pytree outputs.
///
/// **Nesting, NaN, independent outputs:** see [the crate docs](crate#every-transform).
///
/// ```
/// use jacobian::{jacobian_multi, JacobianOptions, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// // f(x, y) = (x·y summed, x²): ∂f0/∂x = y, ∂f0/∂y = x, ∂f1/∂x = diag(2x), ∂f1/∂y = 0
/// let x = Tensor::new(&[1.0f64, 2.0], &Device::Cpu)?;
/// let y = Tensor::new(&[3.0f64, 4.0], &Device::Cpu)?;
/// let f = |a: &[Tensor]| Ok(vec![(&a[0] * &a[1])?.sum_all()?, a[0].sqr()?]);
/// let j = jacobian_multi(f, &[&x, &y], &[0, 1], &JacobianOptions::new())?;
/// assert_eq!(j[0][0].to_vec1::<f64>()?, [3.0, 4.0]);
/// assert_eq!(j[1][0].to_vec2::<f64>()?, [[2.0, 0.0], [0.0, 4.0]]);
/// assert_eq!(j[1][1].to_vec2::<f64>()?, [[0.0, 0.0], [0.0, 0.0]]);
/// # Ok(()) }
/// ```
pub fn jacobian_multi<F>(
    f: F,
    xs: &[&Tensor],
    argnums: &[usize],
    options: &JacobianOptions,
) -> Result<Vec<Vec<Tensor>>>
where
    F: Fn(&[Tensor]) -> candle_core::Result<Vec<Tensor>>,
{
    packed_jacobian("jacobian_multi", &f, xs, argnums, options)
}

/// The Jacobians of a function of two tensors with respect to both: `(∂f/∂x, ∂f/∂y)`, shapes
/// `f(x, y).shape ++ x.shape` and `f(x, y).shape ++ y.shape`. Default options; see
/// [`jacobian_argnums`] for errors and for more inputs.
///
/// **Mirrors** `jax.jacobian(f, argnums=(0, 1))(x, y)` and `torch.func.jacrev(f, argnums=(0, 1))`.
///
/// **Nesting, NaN, independent outputs:** see [the crate docs](crate#every-transform).
///
/// ```
/// use jacobian::{jacobian2, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// // f(x, y) = x ⊙ y: ∂f/∂x = diag(y), ∂f/∂y = diag(x)
/// let x = Tensor::new(&[1.0f32, 2.0], &Device::Cpu)?;
/// let y = Tensor::new(&[3.0f32, 4.0], &Device::Cpu)?;
/// let (jx, jy) = jacobian2(|x, y| x * y, (&x, &y))?;
/// assert_eq!(jx.to_vec2::<f32>()?, [[3.0, 0.0], [0.0, 4.0]]);
/// assert_eq!(jy.to_vec2::<f32>()?, [[1.0, 0.0], [0.0, 2.0]]);
/// # Ok(()) }
/// ```
pub fn jacobian2<F>(f: F, (x, y): (&Tensor, &Tensor)) -> Result<(Tensor, Tensor)>
where
    F: Fn(&Tensor, &Tensor) -> candle_core::Result<Tensor>,
{
    let js = jacobian_argnums(|a: &[Tensor]| f(&a[0], &a[1]), &[x, y], &[0, 1], &JacobianOptions::default())?;
    pair("jacobian2", js)
}

/// Gradients of a scalar function of several tensors with respect to the inputs in `argnums`,
/// each of the shape of its input. One reverse pass in all.
///
/// **Errors:** [`Error::NotScalar`] if `f` returns more than one element; otherwise as
/// [`jacobian_argnums`].
///
/// **Mirrors** `torch.func.grad(f, argnums=(0, 1))` and `jax.grad(f, argnums=…)`.
///
/// **Nesting, NaN, independent outputs:** see [the crate docs](crate#every-transform).
///
/// ```
/// use jacobian::{gradient_argnums, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// // L(W, b) = Σ (W x + b)² at x = (1, 1): ∂L/∂b = 2(Wx + b), ∂L/∂W = 2(Wx + b) xᵀ
/// let w = Tensor::new(&[[1.0f64, 0.0], [0.0, 2.0]], &Device::Cpu)?;
/// let b = Tensor::new(&[0.0f64, -1.0], &Device::Cpu)?;
/// let x = Tensor::new(&[[1.0f64], [1.0]], &Device::Cpu)?;
/// let loss = |a: &[Tensor]| a[0].matmul(&x)?.squeeze(1)?.add(&a[1])?.sqr()?.sum_all();
/// let g = gradient_argnums(loss, &[&w, &b], &[0, 1])?;
/// assert_eq!(g[1].to_vec1::<f64>()?, [2.0, 2.0]);
/// assert_eq!(g[0].to_vec2::<f64>()?, [[2.0, 2.0], [2.0, 2.0]]);
/// # Ok(()) }
/// ```
pub fn gradient_argnums<F>(f: F, xs: &[&Tensor], argnums: &[usize]) -> Result<Vec<Tensor>>
where
    F: Fn(&[Tensor]) -> candle_core::Result<Tensor>,
{
    const FUNCTION: &str = "gradient_argnums";
    // Checked inside the closure, so a vector-valued f fails before any reverse pass.
    let not_scalar = RefCell::new(None);
    let scalar = |a: &[Tensor]| {
        let y = f(a)?;
        if y.elem_count() != 1 {
            *not_scalar.borrow_mut() = Some(y.dims().to_vec());
            candle_core::bail!("not a scalar");
        }
        Ok(vec![y])
    };
    let result = packed_jacobian(FUNCTION, &scalar, xs, argnums, &JacobianOptions::reverse());
    if let Some(got) = not_scalar.into_inner() {
        return Err(Error::NotScalar { function: FUNCTION, got });
    }
    let grads = result?.remove(0);
    grads.iter().zip(argnums).map(|(g, &a)| Ok(g.reshape(xs[a].dims())?)).collect()
}

/// The gradients of a scalar function of two tensors: `(∂f/∂x, ∂f/∂y)`. See
/// [`gradient_argnums`]. **Mirrors** `jax.grad(f, argnums=(0, 1))(x, y)`.
///
/// **Nesting, NaN, independent outputs:** see [the crate docs](crate#every-transform).
///
/// ```
/// use jacobian::{gradient2, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// // f(x, y) = Σ x² y: ∂f/∂x = 2xy, ∂f/∂y = x²
/// let x = Tensor::new(&[1.0f64, 2.0], &Device::Cpu)?;
/// let y = Tensor::new(&[3.0f64, 4.0], &Device::Cpu)?;
/// let (gx, gy) = gradient2(|x, y| x.sqr()?.mul(y)?.sum_all(), (&x, &y))?;
/// assert_eq!(gx.to_vec1::<f64>()?, [6.0, 16.0]);
/// assert_eq!(gy.to_vec1::<f64>()?, [1.0, 4.0]);
/// # Ok(()) }
/// ```
pub fn gradient2<F>(f: F, (x, y): (&Tensor, &Tensor)) -> Result<(Tensor, Tensor)>
where
    F: Fn(&Tensor, &Tensor) -> candle_core::Result<Tensor>,
{
    pair("gradient2", gradient_argnums(|a: &[Tensor]| f(&a[0], &a[1]), &[x, y], &[0, 1])?)
}

fn pair(function: &'static str, v: Vec<Tensor>) -> Result<(Tensor, Tensor)> {
    let mut it = v.into_iter();
    match (it.next(), it.next()) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(Error::InvalidOption { function, option: "argnums", expected: "two results", got: "fewer".into() }),
    }
}

/// Where each selected input sits in the packed vector.
struct Packing {
    /// `(argnum, offset, len)` for each selected input, in `argnums` order.
    slots: Vec<(usize, usize, usize)>,
}

fn check_argnums(function: &'static str, xs: &[&Tensor], argnums: &[usize]) -> Result<Packing> {
    let invalid = |expected: &'static str| Error::InvalidOption { function, option: "argnums", expected, got: format!("{argnums:?} for {} inputs", xs.len()) };
    if argnums.is_empty() {
        return Err(invalid("at least one input index"));
    }
    let mut slots = Vec::with_capacity(argnums.len());
    let mut offset = 0;
    for (k, &a) in argnums.iter().enumerate() {
        if a >= xs.len() {
            return Err(invalid("indices smaller than the number of inputs"));
        }
        if argnums[..k].contains(&a) {
            return Err(invalid("each index at most once"));
        }
        engine::check_float(function, "a selected input", xs[a])?;
        let first = xs[argnums[0]].dtype();
        if xs[a].dtype() != first {
            return Err(Error::DTypeMismatch { function, what: "every selected input", expected: first, got: xs[a].dtype() });
        }
        let n = xs[a].elem_count();
        slots.push((a, offset, n));
        offset += n;
    }
    Ok(Packing { slots })
}

/// The core: Jacobian of the packed function, cut into `[output][argnum]` blocks.
fn packed_jacobian<F>(
    function: &'static str,
    f: &F,
    xs: &[&Tensor],
    argnums: &[usize],
    options: &JacobianOptions,
) -> Result<Vec<Vec<Tensor>>>
where
    F: Fn(&[Tensor]) -> candle_core::Result<Vec<Tensor>>,
{
    let packing = check_argnums(function, xs, argnums)?;
    let flats = packing.slots.iter().map(|&(a, _, _)| xs[a].flatten_all()).collect::<candle_core::Result<Vec<_>>>()?;
    let p = Tensor::cat(&flats, 0)?;
    // The output shapes, recorded on the plain (unbatched) call.
    let out_shapes: RefCell<Option<Vec<Vec<usize>>>> = RefCell::new(None);
    let packed = |p: &Tensor| -> candle_core::Result<Tensor> {
        // `p` is 1-D, or 2-D with a leading batch axis under the vectorized strategy.
        let lead: Vec<usize> = if p.rank() == 2 { vec![p.dim(0)?] } else { vec![] };
        let mut args: Vec<Tensor> = xs.iter().map(|&x| x.clone()).collect();
        for &(a, offset, n) in &packing.slots {
            let piece = p.narrow(p.rank() - 1, offset, n)?;
            args[a] = piece.reshape(engine::concat_dims(&lead, xs[a].dims()))?;
        }
        let outs = f(&args)?;
        let Some(first) = outs.first() else {
            candle_core::bail!("{function}: f returned no output (an empty Vec)")
        };
        let dtype = first.dtype();
        if lead.is_empty() {
            out_shapes.borrow_mut().get_or_insert_with(|| outs.iter().map(|o| o.dims().to_vec()).collect());
        }
        let flat = outs
            .iter()
            .map(|o| match lead.first() {
                Some(&b) => o.to_dtype(dtype)?.reshape((b, ())),
                None => o.to_dtype(dtype)?.flatten_all(),
            })
            .collect::<candle_core::Result<Vec<_>>>()?;
        Tensor::cat(&flat, lead.len())
    };
    let j = jacobian_impl(function, &packed, &p, options)?;
    let shapes = out_shapes.into_inner().unwrap_or_default();
    let dtype = xs[argnums[0]].dtype();
    let mut row = 0;
    let mut blocks = Vec::with_capacity(shapes.len());
    for shape in &shapes {
        let m: usize = shape.iter().product();
        let rows = j.narrow(0, row, m)?;
        let per_input = packing
            .slots
            .iter()
            .map(|&(a, offset, n)| Ok(rows.narrow(1, offset, n)?.reshape(engine::concat_dims(shape, xs[a].dims()))?.to_dtype(dtype)?))
            .collect::<Result<Vec<_>>>()?;
        blocks.push(per_input);
        row += m;
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};

    #[test]
    fn argnums_errors_name_the_problem() {
        let x = Tensor::new(&[1.0f64], &Device::Cpu).unwrap();
        let y = Tensor::new(&[1.0f32], &Device::Cpu).unwrap();
        let f = |a: &[Tensor]| a[0].sin();
        for bad in [&[][..], &[2], &[0, 0]] {
            let e = jacobian_argnums(f, &[&x, &x], bad, &JacobianOptions::new()).unwrap_err();
            assert!(matches!(e, Error::InvalidOption { option: "argnums", .. }), "{e}");
        }
        let e = jacobian_argnums(f, &[&x, &y], &[0, 1], &JacobianOptions::new()).unwrap_err();
        assert!(matches!(e, Error::DTypeMismatch { .. }), "{e}");
        let e = gradient_argnums(|a: &[Tensor]| a[0].sin(), &[&Tensor::new(&[1.0f64, 2.0], &Device::Cpu).unwrap()], &[0]).unwrap_err();
        assert!(matches!(e, Error::NotScalar { got, .. } if got == vec![2]), "not scalar");
        let e = jacobian_multi(|_: &[Tensor]| Ok(vec![]), &[&x], &[0], &JacobianOptions::new()).unwrap_err();
        assert!(e.to_string().contains("no output"), "{e}");
    }

    #[test]
    fn unselected_inputs_are_constants_and_dtypes_follow_the_inputs() {
        let x = Tensor::new(&[2.0f32, 3.0], &Device::Cpu).unwrap();
        let y = Tensor::new(&[5.0f32, 7.0], &Device::Cpu).unwrap();
        let js = jacobian_argnums(|a: &[Tensor]| &a[0] * &a[1], &[&x, &y], &[1], &JacobianOptions::new()).unwrap();
        assert_eq!(js.len(), 1);
        assert_eq!(js[0].dtype(), DType::F32);
        assert_eq!(js[0].to_vec2::<f32>().unwrap(), [[2.0, 0.0], [0.0, 3.0]]);
    }
}
