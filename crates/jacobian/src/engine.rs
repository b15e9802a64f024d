//! Crate-private building blocks shared by every differentiation function: input checks,
//! fresh leaf variables, reverse passes with seeds, and the double-VJP trick.
//!
//! candle's `Tensor::backward` always seeds with ones, so a pass for output `i` is the backward
//! of the scalar `y.flatten_all().narrow(0, i, 1).sum_all()`, and a VJP with `v` is the backward
//! of `(y ⊙ v).sum_all()`. When an output does not reach `x`, `GradStore::get` returns `None`;
//! the helpers here turn that into zeros (torch's `strict=False`).
use crate::error::ClosureContext;
use crate::{Error, Result};
use candle_core::{DType, Device, Tensor, TensorId, Var};
use std::cell::RefCell;
use std::collections::HashSet;

/// Checks that `t` has a float dtype.
pub(crate) fn check_float(function: &'static str, what: &'static str, t: &Tensor) -> Result<()> {
    if t.dtype().is_float() {
        Ok(())
    } else {
        Err(Error::DType { function, what, got: t.dtype() })
    }
}

/// Checks that `x` is 0-d, 1-D or 2-D.
pub(crate) fn check_rank_le2(function: &'static str, x: &Tensor) -> Result<()> {
    if x.rank() <= 2 {
        Ok(())
    } else {
        Err(Error::InputRank { function, what: "x", expected: "0-d, 1-D or 2-D", got: x.dims().to_vec() })
    }
}

/// A fresh leaf variable holding a copy of `x`, cut from any graph `x` belongs to.
pub(crate) fn fresh_var(x: &Tensor) -> Result<Var> {
    Ok(Var::from_tensor(&x.detach())?)
}

// ---------------------------------------------------------------------------------------------
// Nesting: how a transform called inside another one's closure stays differentiable.
//
// A transform differentiates with respect to a leaf `Var` of its own, because candle's backward
// keeps gradients only for variables (it drops those of intermediate nodes as it goes). At top
// level that leaf is a detached copy of `x` and the result is detached: plain calls stay cheap.
// A transform is *nested* when
//   1. its `x` carries a graph (`x.track_op()`: an outer transform's variable, or a tensor
//      computed from one), or
//   2. the closure's output reaches a variable that no finished transform of this thread created
//      (the closure captured a tensor that an outer transform is differentiating), or
//   3. a vector it contracts with (`v` in vjp/jvp/hvp) carries a graph.
// Then the closure receives `x + z`, with `z` a zero `Var` of the transform's own, so that the
// gradient with respect to `z` is the gradient with respect to the closure's argument and nothing
// else (no perturbation confusion with a captured `x`), while `x + z` keeps the link to the outer
// graph. Every reverse pass then runs where candle does not detach cotangents (see
// [`crate::second_order`]), and the result keeps its graph, like `create_graph=True` in
// `torch.autograd.grad`, so the outer transform can differentiate it again.
// ---------------------------------------------------------------------------------------------

thread_local! {
    /// Per thread: how many transforms are running, and the variables created by transforms that
    /// have already returned (within the outermost running one). Those variables show up in the
    /// graphs of nested results but are not "foreign" (rule 2 above).
    static SCOPE: RefCell<(usize, HashSet<TensorId>)> = RefCell::new((0, HashSet::new()));
    /// Per thread: how many transforms have started, ever (to see whether a closure calls one).
    static STARTED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Marks one running transform; created at the top of every public function. The variables it
/// registers become "finished" when it is dropped; the set is cleared when the outermost
/// transform of the thread returns.
pub(crate) struct Scope {
    created: RefCell<Vec<TensorId>>,
    /// A transform called inside a closure never records into an outer transform's tape.
    _tape: crate::tape::Suspended,
}

impl Scope {
    pub(crate) fn enter() -> Self {
        SCOPE.with(|s| s.borrow_mut().0 += 1);
        STARTED.with(|c| c.set(c.get() + 1));
        Scope { created: RefCell::new(Vec::new()), _tape: crate::tape::suspend() }
    }

    /// Records a variable this transform created.
    pub(crate) fn register(&self, v: &Var) {
        self.created.borrow_mut().push(v.as_tensor().id());
    }

    /// A zero variable of the given shape, registered.
    pub(crate) fn zeros_var(&self, like: &Tensor) -> Result<Var> {
        let v = Var::zeros(like.shape(), like.dtype(), like.device())?;
        self.register(&v);
        Ok(v)
    }

    /// The point to differentiate at: a fresh leaf for a plain `x`, or `x + z` when `x` carries
    /// a graph (rule 1). `force_nested` applies rule 3.
    pub(crate) fn point(&self, x: &Tensor, force_nested: bool) -> Result<Point> {
        if x.track_op() || force_nested {
            let z = self.zeros_var(x)?;
            let input = (x + z.as_tensor())?;
            Ok(Point { wrt: z, input, nested: true })
        } else {
            let v = fresh_var(x)?;
            self.register(&v);
            Ok(Point { input: v.as_tensor().clone(), wrt: v, nested: false })
        }
    }
}

/// How many transforms this thread has started so far: compared before and after evaluating a
/// closure, it tells whether the closure calls transforms itself.
pub(crate) fn transforms_started() -> u64 {
    STARTED.with(|c| c.get())
}

impl Drop for Scope {
    fn drop(&mut self) {
        let created = std::mem::take(&mut *self.created.borrow_mut());
        SCOPE.with(|s| {
            let mut s = s.borrow_mut();
            s.0 = s.0.saturating_sub(1);
            if s.0 == 0 {
                s.1.clear();
            } else {
                s.1.extend(created);
            }
        });
    }
}

/// Where a transform differentiates: the closure gets `input`; gradients are taken with respect
/// to the leaf `wrt`; `nested` says whether results must keep their graph.
pub(crate) struct Point {
    pub(crate) wrt: Var,
    pub(crate) input: Tensor,
    pub(crate) nested: bool,
}

impl Point {
    /// Applies rule 2: the closure's output `y` reaches a variable other than ours that no
    /// finished transform created. Returns whether the transform is nested after all.
    pub(crate) fn update_nested(&mut self, y: &Tensor) -> bool {
        if !self.nested && reaches_foreign_var(y, &self.wrt) {
            self.nested = true;
        }
        self.nested
    }
}

/// Whether `y`'s graph reaches a variable that is neither `own` nor one a finished transform of
/// this thread created.
fn reaches_foreign_var(y: &Tensor, own: &Var) -> bool {
    let own = own.as_tensor().id();
    let nodes = y.sorted_nodes();
    SCOPE.with(|s| {
        let s = s.borrow();
        nodes.iter().any(|t| t.is_variable() && t.id() != own && !s.1.contains(&t.id()))
    })
}

/// Runs reverse passes: inline for a plain transform; for a nested one, where candle keeps
/// cotangents attached (the helper thread if needed), so the result can be differentiated again.
pub(crate) fn passes<R, W>(function: &'static str, nested: bool, work: W) -> Result<R>
where
    R: Send + 'static,
    W: FnOnce() -> Result<R> + Send + 'static,
{
    if nested {
        crate::second_order::run(function, work)
    } else {
        work()
    }
}

/// `t`, detached unless `keep` (a nested transform's intermediate results keep their graph).
pub(crate) fn detach_unless(t: Tensor, keep: bool) -> Tensor {
    if keep {
        t
    } else {
        t.detach()
    }
}

/// Whether `y`'s recorded graph reaches the variable `x`.
pub(crate) fn depends_on(y: &Tensor, x: &Var) -> bool {
    let id = x.as_tensor().id();
    y.id() == id || y.sorted_nodes().iter().any(|t| t.id() == id)
}

/// Gradient of `scalar` with respect to `wrt`, `None` when `scalar` does not reach it.
/// In a thread where candle keeps gradients attached (see [`crate::second_order`]), the result
/// carries its own graph and can be differentiated again.
pub(crate) fn grad_of(
    function: &'static str,
    scalar: &Tensor,
    wrt: &Tensor,
    pass: impl FnOnce() -> String,
) -> Result<Option<Tensor>> {
    let grads = scalar.backward().in_backward(function, pass)?;
    Ok(grads.get(wrt).cloned())
}

/// `vᵀJ` as a flat `(n,)` vector: one reverse pass of `(target ⊙ v).sum()` with respect to
/// `wrt`, zeros when `target` does not reach it. Keeps its graph when `keep`.
pub(crate) fn vjp_flat(
    function: &'static str,
    target: &Tensor,
    v: &Tensor,
    wrt: &Var,
    keep: bool,
    pass: impl FnOnce() -> String,
) -> Result<Tensor> {
    let x = wrt.as_tensor();
    let s = (target * v.to_dtype(target.dtype())?)?.sum_all()?;
    Ok(match grad_of(function, &s, x, pass)? {
        Some(g) => detach_unless(g.flatten_all()?, keep),
        None => Tensor::zeros(x.elem_count(), x.dtype(), x.device())?,
    })
}

/// Reverse mode, one backward pass per entry of `target`: the `(m, n)` Jacobian of
/// `target.flatten_all()` with respect to `wrt.flatten_all()`. Rows of outputs that do not reach
/// `wrt` are zero. Detached unless `keep`.
pub(crate) fn reverse_rows(function: &'static str, target: &Tensor, wrt: &Var, keep: bool) -> Result<Tensor> {
    let x = wrt.as_tensor();
    let n = x.elem_count();
    let flat = target.flatten_all()?;
    let m = flat.elem_count();
    let zeros = Tensor::zeros(n, x.dtype(), x.device())?;
    let mut rows = Vec::with_capacity(m);
    for i in 0..m {
        let s = flat.narrow(0, i, 1)?.sum_all()?;
        let row = match grad_of(function, &s, x, || format!("the reverse pass for output {i}"))? {
            Some(g) => detach_unless(g.flatten_all()?, keep),
            None => zeros.clone(),
        };
        rows.push(row);
    }
    Ok(Tensor::stack(&rows, 0)?)
}

/// The first pass of the double-VJP trick: `Jᵀu` as a function of the dummy cotangent `u` (a zero
/// variable of `target`'s shape), with its graph, so that a second pass can differentiate it in
/// `u`: `∂/∂u (Jᵀu · v) = J v`. `None` when `target` does not reach `wrt`. Shape of `wrt`.
fn transposed_product(
    function: &'static str,
    target: &Tensor,
    wrt: &Var,
    u: &Var,
    pass: impl FnOnce() -> String,
) -> Result<Option<Tensor>> {
    let s = (target * u.as_tensor())?.sum_all()?;
    grad_of(function, &s, wrt.as_tensor(), pass)
}

/// Forward mode by the double-VJP trick, one reverse pass per entry of `wrt` (after one pass that
/// builds `u ↦ Jᵀu`): column `j` is `J e_j = ∂/∂u [(Jᵀu)_j]`. Exact, but only in a thread where
/// candle keeps gradients attached; callers go through [`crate::second_order`].
/// Returns the `(m, n)` Jacobian of `target.flatten_all()`, detached unless `keep`.
/// `u` is a zero variable of `target`'s shape (created by the caller's [`Scope`]).
pub(crate) fn forward_columns(function: &'static str, target: &Tensor, wrt: &Var, u: &Var, keep: bool) -> Result<Tensor> {
    let x = wrt.as_tensor();
    let n = x.elem_count();
    let m = target.elem_count();
    let jtu = match transposed_product(function, target, wrt, u, || "the pass that builds u ↦ Jᵀu for forward mode".into())? {
        Some(g) => g.flatten_all()?,
        None => return Ok(Tensor::zeros((m, n), x.dtype(), x.device())?),
    };
    let zeros = Tensor::zeros(m, target.dtype(), target.device())?;
    let mut cols = Vec::with_capacity(n);
    for j in 0..n {
        let t = jtu.narrow(0, j, 1)?.sum_all()?;
        let col = match grad_of(function, &t, u.as_tensor(), || {
            format!("the forward-mode (double-VJP) pass for input {j}")
        })? {
            Some(c) => detach_unless(c.flatten_all()?, keep),
            None => zeros.clone(),
        };
        cols.push(col);
    }
    Ok(Tensor::stack(&cols, 1)?.to_dtype(x.dtype())?)
}

/// `J v` by the double-VJP trick (two reverse passes): with a dummy cotangent `u`, one pass
/// builds `g(u) = Jᵀu` with its graph, a second gives `∂/∂u (g(u)·v) = J v`. Shape of `target`.
/// Needs a thread where candle keeps cotangents attached. Detached unless `keep`.
/// `u` is a zero variable of `target`'s shape (created by the caller's [`Scope`]).
pub(crate) fn jvp_of(function: &'static str, target: &Tensor, wrt: &Var, u: &Var, v: &Tensor, keep: bool) -> Result<Tensor> {
    let jtu = match transposed_product(function, target, wrt, u, || "the pass that builds u ↦ Jᵀu".into())? {
        Some(g) => g,
        None => return Ok(target.zeros_like()?),
    };
    let t = (jtu * v.to_dtype(wrt.as_tensor().dtype())?)?.sum_all()?;
    match grad_of(function, &t, u.as_tensor(), || "the pass that differentiates (Jᵀu)·v in u".into())? {
        Some(jv) => Ok(detach_unless(jv, keep)),
        None => Ok(target.zeros_like()?),
    }
}

/// One batched reverse pass: `target` has shape `(b, ...out)` and row `k` of the batch depends
/// only on row `k` of `wrt` (shape `(b, ...in)`). Seeds row `k` with the one-hot vector of output
/// `start + k` and returns the `(b, n)` block of Jacobian rows `start..start + b`, detached
/// unless `keep`.
pub(crate) fn batched_rows(
    function: &'static str,
    target: &Tensor,
    wrt: &Var,
    start: usize,
    keep: bool,
    pass: impl FnOnce() -> String,
) -> Result<Tensor> {
    let x = wrt.as_tensor();
    let b = x.dim(0)?;
    let n = x.elem_count() / b.max(1);
    let m = target.elem_count() / b.max(1);
    let seed = one_hot_rows(b, m, start, target.dtype(), target.device())?.reshape(target.shape())?;
    let s = (target * seed)?.sum_all()?;
    match grad_of(function, &s, x, pass)? {
        Some(g) => Ok(detach_unless(g.reshape((b, n))?, keep)),
        None => Ok(Tensor::zeros((b, n), x.dtype(), x.device())?),
    }
}

/// The `(b, m)` matrix whose row `k` is the unit vector `e_{start + k}`.
pub(crate) fn one_hot_rows(b: usize, m: usize, start: usize, dtype: DType, device: &Device) -> Result<Tensor> {
    let mut data = vec![0f32; b * m];
    for k in 0..b {
        if start + k < m {
            data[k * m + start + k] = 1.0;
        }
    }
    Ok(Tensor::from_vec(data, (b, m), device)?.to_dtype(dtype)?)
}

/// `x` repeated `b` times along a new leading dimension, as a [`Point`]: a fresh leaf, or (for a
/// nested transform) `repeat(x) + Z` with a registered zero variable `Z`.
pub(crate) fn repeated_point(scope: &Scope, x: &Tensor, b: usize, nested: bool) -> Result<Point> {
    let mut dims = vec![b];
    dims.extend_from_slice(x.dims());
    if nested {
        let rep = x.unsqueeze(0)?.broadcast_as(dims)?;
        let z = scope.zeros_var(&rep)?;
        let input = (rep + z.as_tensor())?;
        return Ok(Point { wrt: z, input, nested });
    }
    let rep = x.detach().unsqueeze(0)?.broadcast_as(dims)?.contiguous()?;
    let v = fresh_var(&rep)?;
    scope.register(&v);
    Ok(Point { input: v.as_tensor().clone(), wrt: v, nested })
}

/// The entries of `t`, flattened, in f64.
pub(crate) fn values(t: &Tensor) -> Result<Vec<f64>> {
    let flat = t.detach().flatten_all()?;
    // f32 is widened in one pass over the copied slice (candle's `to_dtype` would allocate an
    // f64 tensor first and copy it again): the checks read whole batches this way.
    Ok(match flat.dtype() {
        DType::F32 => flat.to_vec1::<f32>()?.into_iter().map(f64::from).collect(),
        _ => flat.to_dtype(DType::F64)?.to_vec1::<f64>()?,
    })
}

#[cfg(test)]
/// Largest `|a − b|` over all entries, computed in f64; NaN if any difference is NaN (candle's
/// own `max` skips NaN unless it comes first, which would hide a mismatch).
pub(crate) fn max_abs_diff(a: &Tensor, b: &Tensor) -> Result<f64> {
    let (a, b) = (values(a)?, values(b)?);
    Ok(a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0, nan_max))
}

#[cfg(test)]
/// Largest `|a|`, computed in f64 (0 for an empty tensor; NaN if an entry is NaN).
pub(crate) fn max_abs(a: &Tensor) -> Result<f64> {
    Ok(values(a)?.iter().map(|x| x.abs()).fold(0.0, nan_max))
}

#[cfg(test)]
/// `max` that propagates NaN.
fn nan_max(m: f64, d: f64) -> f64 {
    if m.is_nan() || d.is_nan() {
        f64::NAN
    } else {
        m.max(d)
    }
}

/// The worst entry where `got` and `want` disagree by more than `tol(k)`, as `(k, |difference|,
/// tol(k))`; NaN against NaN and an infinity against the same infinity agree (a NaN input gives
/// NaN on both sides: that is for the finite check to report, not a mismatch).
pub(crate) fn worst_mismatch(got: &[f64], want: &[f64], tol: impl Fn(usize) -> f64) -> Option<(usize, f64, f64)> {
    let mut worst: Option<(usize, f64, f64)> = None;
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        if (g.is_nan() && w.is_nan()) || (g.is_infinite() && g == w) {
            continue;
        }
        let (d, t) = ((g - w).abs(), tol(k));
        let excess = if d.is_nan() { f64::INFINITY } else { d / t.max(f64::MIN_POSITIVE) };
        if (d.is_nan() || d > t) && worst.is_none_or(|(_, wd, wt)| excess > wd / wt.max(f64::MIN_POSITIVE)) {
            worst = Some((k, d, t));
        }
    }
    worst
}

/// The unit roundoff of a float dtype (half the distance from 1 to the next number).
pub(crate) fn unit_roundoff(dtype: DType) -> f64 {
    match dtype {
        DType::F64 => f64::EPSILON / 2.0,
        DType::F32 => f32::EPSILON as f64 / 2.0,
        DType::BF16 => 2f64.powi(-8),
        _ => 2f64.powi(-11),
    }
}

/// Relative tolerance used to compare two evaluations that differ only by rounding (the values
/// of a batch against `f(x)`, a Hessian against its transpose).
pub(crate) fn rounding_tol(dtype: DType) -> f64 {
    match dtype {
        DType::F64 => 1e-9,
        DType::F32 => 1e-4,
        _ => 2e-2,
    }
}

/// Fails with [`Error::NonFinite`] if `t` holds NaN or ±inf.
///
/// Fast path: the sum of all entries is finite only if every entry is; only when the sum is not
/// finite are the entries scanned (which also tells an overflowing sum from a real NaN/inf).
pub(crate) fn check_finite(function: &'static str, what: &'static str, t: &Tensor) -> Result<()> {
    if t.elem_count() == 0 {
        return Ok(());
    }
    let sum = t.sum_all()?.to_dtype(DType::F64)?.to_scalar::<f64>()?;
    if sum.is_finite() {
        return Ok(());
    }
    let values = t.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?;
    let mut count = 0;
    let mut first = None;
    for (i, v) in values.iter().enumerate() {
        if !v.is_finite() {
            count += 1;
            if first.is_none() {
                first = Some((i, *v));
            }
        }
    }
    match first {
        None => Ok(()),
        Some((flat, value)) => {
            Err(Error::NonFinite { function, what, count, index: unravel(flat, t.dims()), value })
        }
    }
}

/// Turns a flat (row-major) index into a multi-index for `dims`.
pub(crate) fn unravel(mut flat: usize, dims: &[usize]) -> Vec<usize> {
    let mut index = vec![0; dims.len()];
    for (k, &d) in dims.iter().enumerate().rev() {
        if d > 0 {
            index[k] = flat % d;
            flat /= d;
        }
    }
    index
}

/// `a ++ b` for shapes.
pub(crate) fn concat_dims(a: &[usize], b: &[usize]) -> Vec<usize> {
    let mut v = a.to_vec();
    v.extend_from_slice(b);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unravel_is_row_major() {
        assert_eq!(unravel(5, &[2, 3]), vec![1, 2]);
        assert_eq!(unravel(0, &[]), Vec::<usize>::new());
    }

    #[test]
    fn check_finite_reports_first_bad_entry() {
        let t = Tensor::new(&[[1f32, 2.0], [f32::NAN, f32::INFINITY]], &Device::Cpu).unwrap();
        match check_finite("jacobian", "Jacobian", &t) {
            Err(Error::NonFinite { count, index, .. }) => {
                assert_eq!(count, 2);
                assert_eq!(index, vec![1, 0]);
            }
            other => panic!("expected NonFinite, got {other:?}"),
        }
        // A sum that overflows is not a NaN.
        let big = Tensor::new(&[f32::MAX, f32::MAX], &Device::Cpu).unwrap();
        assert!(check_finite("jacobian", "Jacobian", &big).is_ok());
    }

    #[test]
    fn one_hot_rows_places_ones() {
        let e = one_hot_rows(2, 4, 1, DType::F32, &Device::Cpu).unwrap();
        assert_eq!(e.to_vec2::<f32>().unwrap(), vec![vec![0., 1., 0., 0.], vec![0., 0., 1., 0.]]);
    }
}
