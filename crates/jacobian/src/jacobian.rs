//! Jacobians of closures: [`jacobian`], [`jacrev`], [`jacfwd`], and the [`Strategy`] /
//! [`JacobianOptions`] that choose how they are computed.
use crate::engine::{self, concat_dims};
use crate::error::ClosureContext;
use crate::{second_order, Error, Result};
use candle_core::{DType, Tensor, Var};

/// How a Jacobian is computed. Every strategy gives the same matrix (up to rounding); they differ
/// in cost and in what they ask of the closure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// First, at top level on the CPU, the *tape of known ops*: while `f(x)` is evaluated,
    /// [`crate::ops`]' `linear`/`matvec` (1-D input, constant `W` and `b`), `relu`, `sigmoid`
    /// and `tanh` and the [`crate::nn`] layers record their local Jacobians (`W`,
    /// `diag(1[z > 0])`, …); candle ops between them that map entries one to one (`+ b`, `* c`,
    /// `sin`, …) are links too, their `diag(d)` taken from one candle pass and checked by three
    /// random probes. When these links make up the whole graph from `x` to `f(x)`, the
    /// Jacobian is their product, accumulated from the smaller side: no batch, no per-output
    /// pass. Anything else (a sum, a reshape that mixes, two paths from `x`, a captured
    /// variable, a transform called inside `f`) and `f` is evaluated again the usual way (no
    /// second evaluation when none of those ops ran). Nested calls never record.
    ///
    /// Otherwise, pick from the shapes: [`Strategy::Forward`] when the output
    /// has at least four times as many entries as the input (`m ≥ 4n`, where forward mode's
    /// `n + 1` passes are cheaper than reverse mode's `m`); otherwise, for at least
    /// [`AUTO_VECTORIZED_MIN_OUTPUTS`] outputs, *try* [`Strategy::ReverseVectorized`] (one batched
    /// pass, the way `torch.func.jacrev` vmaps its VJP) with its checks always on, and fall back
    /// to [`Strategy::ReverseRows`] when the closure turns out not to handle a batch (it fails on
    /// the batched input, returns the wrong shape, or mixes rows). Closures built from
    /// [`crate::ops`] and [`crate::nn`] handle a batch by construction. The fallback costs one
    /// wasted batched evaluation; choose a strategy explicitly to avoid it.
    #[default]
    Auto,
    /// Reverse mode, one backward pass per output entry (`m` passes), like
    /// `torch.autograd.functional.jacobian(vectorize=False)`. Works for every closure.
    ReverseRows,
    /// Reverse mode, vectorized: ONE backward pass per chunk of `chunk_size` outputs (one pass in
    /// all by default), like `torch.func.jacrev(f, chunk_size=…)`.
    ///
    /// candle cannot vmap a backward pass, so the batching happens in the closure instead: `f` is
    /// called on `x` repeated `B` times, shape `(B, ...x.shape)`, and must return
    /// `(B, ...f(x).shape)` with row `k` depending only on input row `k` (matrix products written
    /// as `x.matmul(&w.t())`, element-wise maps and sums over the last axes all qualify; means
    /// or norms over axis 0 do not). The backward pass is seeded with row `k` = `e_{start+k}`.
    /// Unless [`JacobianOptions::verify_vectorized`] is turned off, every batch row is checked
    /// against `f(x)` and random `vᵀJ` probes against plain reverse passes, and a mismatch is
    /// reported as [`Error::NotBatchable`]; inside another transform the checked strategy is
    /// refused (the outer derivative of the batched graph cannot be checked). The batched forward costs `B` evaluations
    /// of `f`; the memory bound is `chunk_size` copies of the graph.
    ReverseVectorized,
    /// Forward mode, for `n ≪ m`, like `torch.func.jacfwd`. candle has no forward-mode AD, so
    /// each column `J e_j` is a JVP obtained by the *double-VJP trick*: one reverse pass builds
    /// `g(u) = Jᵀu` with its graph kept, then one reverse pass per input differentiates `g_j`
    /// with respect to `u`. This is exact (it is not finite differences) and costs `n + 1`
    /// reverse passes, each over a graph about twice the size of `f`'s; it relies on exact
    /// second-order gradients (see [`crate::second_order`]).
    Forward,
}

/// [`Strategy::Auto`] tries the vectorized strategy from this many outputs on (below it, a few
/// reverse passes cost less than a batched evaluation that may have to be thrown away).
pub const AUTO_VECTORIZED_MIN_OUTPUTS: usize = 8;

/// [`Strategy::Auto`]'s vectorized attempt keeps a batch under this many entries (`B · max(n,
/// m)`), chunking the outputs beyond it, so that guessing never costs much memory.
const AUTO_BATCH_ENTRIES: usize = 1 << 22;

/// Options for [`jacobian_with`] and [`crate::hessian_with`]. Build with [`JacobianOptions::new`]
/// (or `default()`) and the builder methods, or set the public fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JacobianOptions {
    /// Which strategy; [`Strategy::Auto`] by default.
    pub strategy: Strategy,
    /// For [`Strategy::ReverseVectorized`]: at most this many outputs per batched pass
    /// (`None`: all `m` at once). Must be at least 1. Ignored by the other strategies.
    pub chunk_size: Option<usize>,
    /// If `true`, an output that does not depend on `x` at all is an [`Error::Independent`];
    /// if `false` (the default, like torch's `strict=False`) its Jacobian is all zeros.
    pub strict: bool,
    /// If `true` (the default), a result holding NaN or ±inf is reported as
    /// [`Error::NonFinite`] instead of being returned.
    pub check_finite: bool,
    /// If `true` (the default), [`Strategy::ReverseVectorized`] checks its result before
    /// returning it (every batch row, random `vᵀJ` probes; see there). [`Strategy::Auto`]'s
    /// attempt always checks.
    pub verify_vectorized: bool,
}

impl Default for JacobianOptions {
    fn default() -> Self {
        Self { strategy: Strategy::Auto, chunk_size: None, strict: false, check_finite: true, verify_vectorized: true }
    }
}

impl JacobianOptions {
    /// The defaults: [`Strategy::Auto`], no chunking, not strict, finite check on.
    pub fn new() -> Self {
        Self::default()
    }
    /// Reverse mode, one pass per output ([`Strategy::ReverseRows`]).
    pub fn reverse() -> Self {
        Self::default().strategy(Strategy::ReverseRows)
    }
    /// Reverse mode, vectorized over a batch-compatible closure ([`Strategy::ReverseVectorized`]),
    /// at most `chunk_size` outputs per pass (`None`: all at once).
    pub fn reverse_vectorized(chunk_size: Option<usize>) -> Self {
        Self { chunk_size, ..Self::default().strategy(Strategy::ReverseVectorized) }
    }
    /// Forward mode ([`Strategy::Forward`]).
    pub fn forward() -> Self {
        Self::default().strategy(Strategy::Forward)
    }
    /// Sets [`JacobianOptions::strategy`].
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }
    /// Sets [`JacobianOptions::chunk_size`].
    pub fn chunk_size(mut self, chunk_size: usize) -> Self {
        self.chunk_size = Some(chunk_size);
        self
    }
    /// Sets [`JacobianOptions::strict`].
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }
    /// Sets [`JacobianOptions::check_finite`].
    pub fn check_finite(mut self, check_finite: bool) -> Self {
        self.check_finite = check_finite;
        self
    }
    /// Sets [`JacobianOptions::verify_vectorized`].
    pub fn verify_vectorized(mut self, verify: bool) -> Self {
        self.verify_vectorized = verify;
        self
    }

    pub(crate) fn validate(&self, function: &'static str) -> Result<()> {
        if self.chunk_size == Some(0) {
            return Err(Error::InvalidOption {
                function,
                option: "chunk_size",
                expected: "at least 1 (or None for all outputs at once)",
                got: "0".into(),
            });
        }
        Ok(())
    }

    /// The strategy tried first for `m` outputs and `n` inputs ([`Strategy::Auto`] resolved; a
    /// vectorized attempt may still fall back to [`Strategy::ReverseRows`], see there).
    pub fn resolve(&self, m: usize, n: usize) -> Strategy {
        match self.strategy {
            Strategy::Auto if n > 0 && m >= 4 * n => Strategy::Forward,
            Strategy::Auto if m >= AUTO_VECTORIZED_MIN_OUTPUTS => Strategy::ReverseVectorized,
            Strategy::Auto => Strategy::ReverseRows,
            s => s,
        }
    }
}

/// `f`, evaluated at `x`, with the checks every transform needs; see [`engine::Point`] for how
/// the point is made and when the transform counts as nested.
pub(crate) struct Evaluated {
    pub(crate) point: engine::Point,
    pub(crate) y: Tensor,
    /// Whether the closure called transforms itself (then [`Strategy::Auto`] does not guess a
    /// batch: the inner transforms would differentiate the whole batch, for nothing).
    pub(crate) calls_transforms: bool,
}

/// Checks `x` (rank ≤ 2 when `rank_le2`, float dtype), makes the point and evaluates `f` there.
/// `force_nested`: a vector the transform contracts with carries a graph.
pub(crate) fn evaluate<F>(
    function: &'static str,
    scope: &engine::Scope,
    f: &F,
    x: &Tensor,
    rank_le2: bool,
    force_nested: bool,
) -> Result<Evaluated>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    if rank_le2 {
        engine::check_rank_le2(function, x)?;
    }
    engine::check_float(function, "x", x)?;
    let mut point = scope.point(x, force_nested)?;
    let started = engine::transforms_started();
    let y = f(&point.input).in_closure(function, || "the forward pass at x".into())?;
    let calls_transforms = engine::transforms_started() > started;
    engine::check_float(function, "the closure's output", &y)?;
    point.update_nested(&y);
    Ok(Evaluated { point, y, calls_transforms })
}

/// What [`evaluate_taped`] found.
enum Taped {
    /// The tape explained `f`: the flat `(m, n)` Jacobian and the output's shape.
    Jacobian(Tensor, Vec<usize>),
    /// It did not: `f` evaluated the usual way.
    Evaluated(Evaluated),
}

/// [`evaluate`] with a tape recording (see [`crate::tape`]), for [`Strategy::Auto`] at top
/// level: the Jacobian when the tape explains `f`. Otherwise, if no op recorded, that evaluation
/// was an ordinary one and is returned as it is; if some did, their values are cut from the
/// graph, so `f` is evaluated again the usual way (one more forward pass, no more).
fn evaluate_taped<F>(function: &'static str, scope: &engine::Scope, f: &F, x: &Tensor) -> Result<Taped>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    engine::check_rank_le2(function, x)?;
    engine::check_float(function, "x", x)?;
    let mut point = scope.point(x, false)?;
    let started = engine::transforms_started();
    let (y, tape) = crate::tape::recording(|| f(&point.input));
    let calls_transforms = engine::transforms_started() > started;
    let y = y.in_closure(function, || "the forward pass at x".into())?;
    engine::check_float(function, "the closure's output", &y)?;
    let (m, n) = (y.elem_count(), x.elem_count());
    if !calls_transforms && m > 0 && n > 0 {
        if let Some(rules) = tape.chain(&y, &point.wrt)? {
            let rules: Vec<&crate::tape::Rule> = rules.iter().collect();
            let j = crate::tape::jacobian(&rules, n, x.dtype(), x.device())?;
            if j.dims() == [m, n] {
                return Ok(Taped::Jacobian(j, y.dims().to_vec()));
            }
        }
    }
    if tape.is_empty() {
        point.update_nested(&y);
        return Ok(Taped::Evaluated(Evaluated { point, y, calls_transforms }));
    }
    Ok(Taped::Evaluated(evaluate(function, scope, f, x, true, false)?))
}

/// Evaluates `f` on `x` repeated `b` times and checks the batch shape `(b, ...out_dims)`.
pub(crate) fn evaluate_batch<F>(
    function: &'static str,
    scope: &engine::Scope,
    f: &F,
    x: &Tensor,
    (b, start): (usize, usize),
    out_dims: &[usize],
    nested: bool,
) -> Result<(engine::Point, Tensor)>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    let xr = engine::repeated_point(scope, x, b, nested)?;
    let yr = f(&xr.input).in_closure(function, || {
        format!("the vectorized pass for rows {start}..{} (x repeated {b} times along a new axis 0)", start + b)
    })?;
    let expected = concat_dims(&[b], out_dims);
    if yr.dims() != expected.as_slice() {
        return Err(Error::NotBatchable {
            function,
            detail: format!(
                "given x repeated to shape {:?}, f returned shape {:?}, expected {expected:?}",
                xr.input.dims(),
                yr.dims()
            ),
        });
    }
    Ok((xr, yr))
}

/// Checks that EVERY row of a batched evaluation equals the plain evaluation `f(x)` (all rows of
/// the batch are copies of `x`, so a closure that mixes rows, e.g. a softmax across them, shows).
/// NaN in `f(x)` matching NaN in a row is agreement (the finite check reports it later).
pub(crate) fn verify_batch_rows(function: &'static str, y: &Tensor, yr: &Tensor) -> Result<()> {
    let want = engine::values(y)?;
    let got = engine::values(yr)?;
    let tol = engine::rounding_tol(y.dtype()) * (1.0 + want.iter().filter(|v| v.is_finite()).fold(0.0, |m, v| v.abs().max(m)));
    // Row by row against `want` itself: no copy of `f(x)` repeated to the batch's size.
    let m = want.len().max(1);
    let mut worst: Option<(usize, f64, f64)> = None;
    for (r, row) in got.chunks(m).enumerate() {
        if let Some((k, d, t)) = engine::worst_mismatch(row, &want, |_| tol) {
            if worst.is_none_or(|(_, wd, _)| !wd.is_nan() && (d.is_nan() || d > wd)) {
                worst = Some((r * m + k, d, t));
            }
        }
    }
    if let Some((k, diff, tol)) = worst {
        return Err(Error::NotBatchable {
            function,
            detail: format!(
                "row {} of f(x repeated) differs from f(x) by {diff:e} (tolerance {tol:e})",
                k / want.len().max(1)
            ),
        });
    }
    Ok(())
}

/// How many random probes check a vectorized result.
const PROBES: u64 = 3;

/// How many unit roundoffs a probe of a Jacobian may be off, relative to `|v|ᵀ|J|` entry by
/// entry (plus a quarter of that relative to the largest entry). A Hessian's second-order passes
/// round more, see [`HESSIAN_PROBE_ROUNDOFFS`].
pub(crate) const PROBE_ROUNDOFFS: f64 = 64.0;

/// The same for the probes of a vectorized Hessian: its entries are sums of second-order paths
/// that cancel far more than a Jacobian's; tiny entries next to O(1) intermediate values were
/// seen off by far more than any bound relative to `|v|ᵀ|H|`. So the bound is looser, with an
/// absolute floor of `r·u·(1 + max|∇f|)` (f64: about 5e-13; f32: 2.4e-4 for a unit gradient).
pub(crate) const HESSIAN_PROBE_ROUNDOFFS: f64 = 4096.0;

/// The soundness check of a vectorized Jacobian `j` (`(m, n)`, rows of `y.flatten()` against the
/// point's leaf): for random Gaussian `v`, `vᵀJ` must equal one plain reverse pass seeded with
/// `v` (no batch involved), entry by entry, within `r·u·(|v|ᵀ|J| + |vᵀJ|) + (r/4)·u·S` (`u` the
/// unit roundoff, `r` = `roundoffs`, `S` the largest `|v|ᵀ|J| + |vᵀJ|`: for a Jacobian in f32
/// about 7.6e-6 relative per entry), plus an absolute `floor` (Hessians, see there). Row mixing anywhere in the batch (a mean, max or
/// softmax over the batch axis) changes some rows of `j`, and a random `v` sees any such change
/// with probability one, whatever point it happens at; a check on row 0 alone does not (at
/// `x = (2, 1, 3)`, row 0 of `x·mean(x)` is right by coincidence). Mixing smaller than that
/// tolerance cannot be told from rounding. Probes are seeded, so results are reproducible.
pub(crate) fn verify_by_probes(
    function: &'static str,
    what: &str,
    (y, wrt): (&Tensor, &Var),
    j: &Tensor,
    (roundoffs, floor): (f64, f64),
) -> Result<()> {
    let m = y.elem_count();
    let jf = j.to_dtype(DType::F64)?.reshape((m, ()))?.detach();
    let u = engine::unit_roundoff(y.dtype()).max(engine::unit_roundoff(j.dtype()));
    let jf_abs = jf.abs()?;
    for k in 0..PROBES {
        let v = crate::rng::Generator::new(0x5EED_0000 + k).randn_f64(m)?;
        let want = engine::vjp_flat(function, y, &v.reshape(y.shape())?, wrt, false, || {
            format!("the check of the vectorized {what} (probe {k})")
        })?;
        let want = engine::values(&want)?;
        let got = engine::values(&v.unsqueeze(0)?.matmul(&jf)?)?;
        let scale: Vec<f64> = engine::values(&v.abs()?.unsqueeze(0)?.matmul(&jf_abs)?)?
            .iter()
            .zip(&want)
            .map(|(s, w)| s + w.abs())
            .collect();
        let largest = scale.iter().filter(|s| s.is_finite()).fold(0.0f64, |a, &s| a.max(s));
        let tol = |e: usize| roundoffs * u * (scale[e] + largest / 4.0) + floor;
        if let Some((e, diff, tol)) = engine::worst_mismatch(&got, &want, tol) {
            return Err(Error::NotBatchable {
                function,
                detail: format!(
                    "the batched {what} disagrees with a plain vector-Jacobian product by {diff:e} at entry {e} \
                     (tolerance {tol:e}): f mixes the rows of the batch"
                ),
            });
        }
    }
    Ok(())
}

/// Shapes and sizes of a Jacobian problem.
struct Dims {
    input: Vec<usize>,
    output: Vec<usize>,
    n: usize,
    m: usize,
}

impl Dims {
    fn of(x: &Tensor, y: &Tensor) -> Self {
        Self { input: x.dims().to_vec(), output: y.dims().to_vec(), n: x.elem_count(), m: y.elem_count() }
    }
    fn result(&self) -> Vec<usize> {
        concat_dims(&self.output, &self.input)
    }
}

/// The Jacobian of `f` at `x`, with [`Strategy::Auto`] and the default options.
///
/// **Computes** `J[i, j] = ∂f_i/∂x_j` for `f: Rⁿ → Rᵐ`.
///
/// **Mode:** chosen from the shapes, see [`Strategy::Auto`]; use [`jacobian_with`], [`jacrev`] or
/// [`jacfwd`] to choose.
///
/// **Shape:** `f(x).shape ++ x.shape`. For 1-D `x` of length `n` and 1-D output of length `m`
/// that is `(m, n)`; a 0-d output gives `(n,)`, a 0-d input gives `(m,)` (as torch does), and a
/// 2-D input `(p, q)` gives `(m, p, q)`. Empty inputs or outputs give an empty result of that
/// shape without any backward pass. dtype: that of `x`.
///
/// **Errors:** [`Error::InputRank`] if `x` has rank > 2; [`Error::DType`] if `x` or `f(x)` is not
/// a float tensor; [`Error::Closure`] if `f` fails (with the pass); [`Error::Backward`] if candle
/// cannot differentiate an op; [`Error::NonFinite`] if the Jacobian holds NaN or ±inf. An output
/// that does not depend on `x` gives zeros (see [`JacobianOptions::strict`]).
///
/// **Mirrors** `torch.autograd.functional.jacobian(f, x)` and `jax.jacobian`.
///
/// **Example** (the course's `f(x, y) = (x² + y, xy, sin x)` at `(1, 2)`):
/// **Nesting, NaN, independent outputs:** see [the crate docs](crate#every-transform).
///
/// ```
/// use jacobian::{jacobian, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// let f = |x: &Tensor| -> candle_core::Result<Tensor> {
///     let (a, b) = (x.get(0)?, x.get(1)?);
///     Tensor::stack(&[(a.sqr()? + &b)?, (&a * &b)?, a.sin()?], 0)
/// };
/// let x = Tensor::new(&[1.0f32, 2.0], &Device::Cpu)?;
/// let j = jacobian(f, &x)?;
/// assert_eq!(j.dims(), &[3, 2]);
/// let j = j.to_vec2::<f32>()?;
/// assert_eq!(j[0], [2.0, 1.0]); // ∂(x²+y) = (2x, 1)
/// assert_eq!(j[1], [2.0, 1.0]); // ∂(xy)   = (y, x)
/// assert!((j[2][0] - 1f32.cos()).abs() < 1e-6 && j[2][1] == 0.0); // ∂ sin x = (cos x, 0)
/// # Ok(()) }
/// ```
pub fn jacobian<F>(f: F, x: &Tensor) -> Result<Tensor>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    jacobian_impl("jacobian", &f, x, &JacobianOptions::default())
}

/// The Jacobian of `f` at `x` with explicit [`JacobianOptions`] (strategy, chunk size, strict).
///
/// Same shapes, dtype and errors as [`jacobian`], plus [`Error::InvalidOption`] for
/// `chunk_size = Some(0)`, [`Error::Independent`] in strict mode, and [`Error::NotBatchable`]
/// when [`Strategy::ReverseVectorized`] finds that the closure does not batch.
///
/// **Mirrors** `torch.autograd.functional.jacobian(f, x, strict=…, vectorize=…, strategy=…)`
/// and `torch.func.jacrev(f, chunk_size=…)`.
///
/// **Nesting, NaN, independent outputs:** see [the crate docs](crate#every-transform).
///
/// ```
/// use jacobian::{jacobian_with, JacobianOptions, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// let w = Tensor::new(&[[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]], &Device::Cpu)?;
/// // Batch-compatible: x of shape (n,) or (B, n) times Wᵀ.
/// let f = |x: &Tensor| x.unsqueeze(x.rank() - 1)?.broadcast_matmul(&w.t()?)?.squeeze(x.rank() - 1);
/// let x = Tensor::new(&[1.0f32, 1.0], &Device::Cpu)?;
/// let j = jacobian_with(f, &x, &JacobianOptions::reverse_vectorized(Some(2)))?;
/// assert_eq!(j.to_vec2::<f32>()?, w.to_vec2::<f32>()?); // the Jacobian of Wx is W
/// # Ok(()) }
/// ```
pub fn jacobian_with<F>(f: F, x: &Tensor, options: &JacobianOptions) -> Result<Tensor>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    jacobian_impl("jacobian", &f, x, options)
}

/// The Jacobian by reverse mode, one backward pass per output ([`Strategy::ReverseRows`]).
///
/// Best when `m ≤ n`. Same shapes, dtype and errors as [`jacobian`]. For the vectorized reverse
/// mode use [`jacobian_with`] and [`JacobianOptions::reverse_vectorized`].
///
/// **Mirrors** `torch.func.jacrev(f)(x)` and `jax.jacrev(f)(x)` (values; torch vmaps the backward
/// pass, candle cannot, see [`Strategy::ReverseVectorized`]).
///
/// **Nesting, NaN, independent outputs:** see [the crate docs](crate#every-transform).
///
/// ```
/// use jacobian::{jacrev, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// // f(x) = Σ x², J = 2xᵀ, shape (n,) because the output is 0-d.
/// let x = Tensor::new(&[1.0f32, -2.0, 3.0], &Device::Cpu)?;
/// let j = jacrev(|x: &Tensor| x.sqr()?.sum_all(), &x)?;
/// assert_eq!(j.to_vec1::<f32>()?, [2.0, -4.0, 6.0]);
/// # Ok(()) }
/// ```
pub fn jacrev<F>(f: F, x: &Tensor) -> Result<Tensor>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    jacobian_impl("jacrev", &f, x, &JacobianOptions::reverse())
}

/// The Jacobian by forward mode ([`Strategy::Forward`]): `n` JVPs by the double-VJP trick.
///
/// Best when `n ≪ m`. Same shapes, dtype and errors as [`jacobian`], plus
/// [`Error::SecondOrder`] if exact second-order gradients cannot be enabled. The closure runs in
/// the calling thread; only the reverse passes may move to a helper thread (see
/// [`crate::second_order`]).
///
/// **Mirrors** `torch.func.jacfwd(f)(x)` and `jax.jacfwd(f)(x)`.
///
/// **Nesting, NaN, independent outputs:** see [the crate docs](crate#every-transform).
///
/// ```
/// use jacobian::{jacfwd, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// // f(t) = (t, t², t³) for a 0-d t: J = (1, 2t, 3t²), shape (3,).
/// let t = Tensor::new(2.0f64, &Device::Cpu)?;
/// let f = |t: &Tensor| Tensor::stack(&[t.clone(), t.sqr()?, t.powf(3.0)?], 0);
/// assert_eq!(jacfwd(f, &t)?.to_vec1::<f64>()?, [1.0, 4.0, 12.0]);
/// # Ok(()) }
/// ```
pub fn jacfwd<F>(f: F, x: &Tensor) -> Result<Tensor>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    jacobian_impl("jacfwd", &f, x, &JacobianOptions::forward())
}

pub(crate) fn jacobian_impl<F>(function: &'static str, f: &F, x: &Tensor, options: &JacobianOptions) -> Result<Tensor>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    options.validate(function)?;
    let scope = engine::Scope::enter();
    // Auto at top level first tries the tape of known ops (see `crate::tape`); when it does not
    // explain `f`, or for any other strategy or a nested call, `f` is evaluated as usual.
    let taped = options.strategy == Strategy::Auto && !x.track_op() && x.device().is_cpu();
    let evaluated = if taped {
        match evaluate_taped(function, &scope, f, x)? {
            Taped::Jacobian(flat, out_dims) => {
                return finish(function, "Jacobian", flat, &concat_dims(&out_dims, x.dims()), x, options.check_finite, false)
            }
            Taped::Evaluated(e) => e,
        }
    } else {
        evaluate(function, &scope, f, x, true, false)?
    };
    let Evaluated { point, y, calls_transforms } = evaluated;
    let dims = Dims::of(x, &y);
    let zeros = || -> Result<Tensor> { Ok(Tensor::zeros(dims.result(), x.dtype(), x.device())?) };
    if dims.m == 0 || dims.n == 0 {
        return zeros();
    }
    if !engine::depends_on(&y, &point.wrt) {
        if options.strict {
            return Err(Error::Independent { function });
        }
        return zeros();
    }
    let nested = point.nested;
    check_vectorized_allowed(function, options, nested)?;
    let flat = match auto_guard(options.resolve(dims.m, dims.n), options, nested || calls_transforms) {
        Strategy::ReverseRows | Strategy::Auto => {
            let (y, wrt) = (y.clone(), point.wrt.clone());
            engine::passes(function, nested, move || engine::reverse_rows(function, &y, &wrt, nested))?
        }
        Strategy::Forward => {
            let u = scope.zeros_var(&y)?;
            let (y, wrt) = (y.clone(), point.wrt.clone());
            second_order::run(function, move || engine::forward_columns(function, &y, &wrt, &u, nested))?
        }
        Strategy::ReverseVectorized if options.strategy == Strategy::Auto => {
            let guess = auto_options(options, dims.m, dims.n);
            match try_batched(|| vectorized_rows(&Batched { function, scope: &scope, f, x, y: &y, point: &point, options: &guess })) {
                None => {
                    let (y, wrt) = (y.clone(), point.wrt.clone());
                    engine::passes(function, nested, move || engine::reverse_rows(function, &y, &wrt, nested))?
                }
                Some(j) => j?,
            }
        }
        Strategy::ReverseVectorized => {
            vectorized_rows(&Batched { function, scope: &scope, f, x, y: &y, point: &point, options })?
        }
    };
    finish(function, "Jacobian", flat, &dims.result(), x, options.check_finite, nested)
}

/// What the vectorized strategies (Jacobian and Hessian) share: the closure, the point and its
/// plain evaluation `y`, and the options.
pub(crate) struct Batched<'a, F> {
    pub(crate) function: &'static str,
    pub(crate) scope: &'a engine::Scope,
    pub(crate) f: &'a F,
    pub(crate) x: &'a Tensor,
    pub(crate) y: &'a Tensor,
    pub(crate) point: &'a engine::Point,
    pub(crate) options: &'a JacobianOptions,
}

impl<F> Batched<'_, F>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    /// For each chunk of `total` rows: evaluates `f` on `x` repeated, checks every batch row
    /// against `y` (unless verification is off), and hands the batched point, output, size and
    /// first row to `pass`. Returns the blocks concatenated along axis 0.
    pub(crate) fn blocks(
        &self,
        total: usize,
        mut pass: impl FnMut(engine::Point, Tensor, usize, usize) -> Result<Tensor>,
    ) -> Result<Tensor> {
        let blocks = for_each_chunk(self.options.chunk_size, total, |b, start| {
            let (xr, yr) =
                evaluate_batch(self.function, self.scope, self.f, self.x, (b, start), self.y.dims(), self.point.nested)?;
            if self.options.verify_vectorized {
                verify_batch_rows(self.function, self.y, &yr)?;
            }
            pass(xr, yr, b, start)
        })?;
        Ok(Tensor::cat(&blocks, 0)?)
    }
}

/// [`Strategy::ReverseVectorized`]: one batched reverse pass per chunk of outputs, then the
/// soundness checks (every batch row equals `f(x)`; random `vᵀJ` probes).
fn vectorized_rows<F>(batched: &Batched<'_, F>) -> Result<Tensor>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    let (function, nested) = (batched.function, batched.point.nested);
    let j = batched.blocks(batched.y.elem_count(), |xr, yr, b, start| {
        let wrt = xr.wrt;
        engine::passes(function, nested, move || {
            engine::batched_rows(function, &yr, &wrt, start, nested, || {
                format!("the vectorized reverse pass for rows {start}..{}", start + b)
            })
        })
    })?;
    if batched.options.verify_vectorized {
        // Small entries next to O(1) intermediate values round beyond any bound relative to
        // |v|ᵀ|J| alone: an absolute floor r·u·(1 + max|f(x)|) (f32: 3.8e-6 for |f| ≤ 1).
        let u = engine::unit_roundoff(batched.y.dtype());
        let size = engine::values(batched.y)?.iter().filter(|v| v.is_finite()).fold(0.0f64, |m, v| m.max(v.abs()));
        let floor = PROBE_ROUNDOFFS * u * (1.0 + size);
        verify_by_probes(function, "Jacobian", (batched.y, &batched.point.wrt), &j, (PROBE_ROUNDOFFS, floor))?;
    }
    Ok(j)
}

/// Inside another transform, the checks of the vectorized strategy certify the result at `x`
/// only, while the outer transform differentiates the batched graph: a closure that behaves
/// differently by rank could make that derivative wrong unseen. So a nested transform refuses
/// an explicit, checked vectorized strategy (turn `verify_vectorized` off to take that
/// responsibility), and [`Strategy::Auto`] does not try it there.
pub(crate) fn check_vectorized_allowed(function: &'static str, options: &JacobianOptions, nested: bool) -> Result<()> {
    if nested && options.strategy == Strategy::ReverseVectorized && options.verify_vectorized {
        return Err(Error::NotBatchable {
            function,
            detail: "inside another transform the batched graph's derivatives cannot be checked \
                     (use ReverseRows or Auto, or verify_vectorized(false) to vouch for the closure)"
                .into(),
        });
    }
    Ok(())
}

/// [`Strategy::Auto`] does not guess a batch for a nested transform or for a closure that calls
/// transforms; it takes reverse rows instead.
pub(crate) fn auto_guard(resolved: Strategy, options: &JacobianOptions, no_guess: bool) -> Strategy {
    if options.strategy == Strategy::Auto && resolved == Strategy::ReverseVectorized && no_guess {
        Strategy::ReverseRows
    } else {
        resolved
    }
}

/// The options of [`Strategy::Auto`]'s vectorized attempt: checks on, batches bounded by
/// [`AUTO_BATCH_ENTRIES`].
pub(crate) fn auto_options(options: &JacobianOptions, m: usize, n: usize) -> JacobianOptions {
    let bound = (AUTO_BATCH_ENTRIES / n.max(m).max(1)).max(1);
    JacobianOptions {
        strategy: Strategy::ReverseVectorized,
        chunk_size: Some(options.chunk_size.unwrap_or(m).min(bound)),
        verify_vectorized: true,
        ..options.clone()
    }
}

/// Runs [`Strategy::Auto`]'s vectorized attempt: `None` when the closure turned out not to
/// handle a batch (it returned an error or the wrong shape on the batched input, mixed rows, or
/// panicked on it: a closure written for 1-D input may `unwrap` a rank-specific call), so the
/// caller falls back; `Some` with any other outcome. A panic still prints its message (the
/// process-wide panic hook is not ours to silence), but the answer is right.
pub(crate) fn try_batched(attempt: impl FnOnce() -> Result<Tensor>) -> Option<Result<Tensor>> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(attempt)) {
        Ok(Err(Error::NotBatchable { .. } | Error::Closure { .. })) | Err(_) => None,
        Ok(other) => Some(other),
    }
}

/// Calls `block(b, start)` for consecutive chunks of at most `chunk_size` (all at once for
/// `None`) out of `total` rows, collecting the blocks in order.
pub(crate) fn for_each_chunk(
    chunk_size: Option<usize>,
    total: usize,
    mut block: impl FnMut(usize, usize) -> Result<Tensor>,
) -> Result<Vec<Tensor>> {
    let chunk = chunk_size.unwrap_or(total).clamp(1, total.max(1));
    let mut blocks = Vec::with_capacity(total.div_ceil(chunk));
    let mut start = 0;
    while start < total {
        let b = chunk.min(total - start);
        blocks.push(block(b, start)?);
        start += b;
    }
    Ok(blocks)
}

/// Reshapes the flat `(m, n)` result, casts to `x`'s dtype, checks it is finite; detaches it
/// unless the transform is nested (then it keeps its graph for the outer transform).
pub(crate) fn finish(
    function: &'static str,
    what: &'static str,
    flat: Tensor,
    dims: &[usize],
    x: &Tensor,
    check_finite: bool,
    nested: bool,
) -> Result<Tensor> {
    let out = engine::detach_unless(flat.reshape(dims)?.to_dtype(x.dtype())?, nested);
    if check_finite {
        engine::check_finite(function, what, &out.detach())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};

    fn seed_f(x: &Tensor) -> candle_core::Result<Tensor> {
        // f(x, y) = (x² + y, xy, sin x)
        let (a, b) = (x.get(0)?, x.get(1)?);
        Tensor::stack(&[(a.sqr()? + &b)?, (&a * &b)?, a.sin()?], 0)
    }

    fn all_strategies() -> Vec<JacobianOptions> {
        vec![
            JacobianOptions::new(),
            JacobianOptions::reverse(),
            JacobianOptions::forward(),
        ]
    }

    #[test]
    fn seed_function_every_strategy() {
        // J = [[2x, 1], [y, x], [cos x, 0]] at (1, 2)
        let x = Tensor::new(&[1.0f64, 2.0], &Device::Cpu).unwrap();
        for o in all_strategies() {
            let j = jacobian_with(seed_f, &x, &o).unwrap().to_vec2::<f64>().unwrap();
            assert_eq!(j[0], [2.0, 1.0], "{o:?}");
            assert_eq!(j[1], [2.0, 1.0], "{o:?}");
            assert!((j[2][0] - 1f64.cos()).abs() < 1e-15 && j[2][1] == 0.0, "{o:?}");
        }
    }

    #[test]
    fn zero_d_input_and_output_shapes() {
        let t = Tensor::new(0.5f32, &Device::Cpu).unwrap();
        // f(t) = (sin t, cos t): J = (cos t, −sin t), shape (2,)
        let f = |t: &Tensor| Tensor::stack(&[t.sin()?, t.cos()?], 0);
        for o in all_strategies() {
            let j = jacobian_with(f, &t, &o).unwrap();
            assert_eq!(j.dims(), &[2]);
            let j = j.to_vec1::<f32>().unwrap();
            assert!((j[0] - 0.5f32.cos()).abs() < 1e-6 && (j[1] + 0.5f32.sin()).abs() < 1e-6);
        }
        // f(x) = Σ x³: J = 3x², shape (n,)
        let x = Tensor::new(&[1.0f32, 2.0], &Device::Cpu).unwrap();
        let j = jacobian(|x: &Tensor| x.powf(3.0)?.sum_all(), &x).unwrap();
        assert_eq!(j.to_vec1::<f32>().unwrap(), [3.0, 12.0]);
    }

    #[test]
    fn two_d_input_gives_out_shape_then_in_shape() {
        // f(X) = X · c (row sums weighted), X of shape (2, 3), output (2,): ∂f_i/∂X_kl = δ_ik c_l
        let c = Tensor::new(&[[1.0f64], [2.0], [3.0]], &Device::Cpu).unwrap();
        let x = Tensor::zeros((2, 3), DType::F64, &Device::Cpu).unwrap();
        let f = |x: &Tensor| x.matmul(&c)?.squeeze(1);
        for o in all_strategies() {
            let j = jacobian_with(f, &x, &o).unwrap();
            assert_eq!(j.dims(), &[2, 2, 3]);
            let j = j.to_vec3::<f64>().unwrap();
            assert_eq!(j[0], vec![vec![1., 2., 3.], vec![0., 0., 0.]]);
            assert_eq!(j[1], vec![vec![0., 0., 0.], vec![1., 2., 3.]]);
        }
    }

    #[test]
    fn rank_three_input_is_an_error() {
        let x = Tensor::zeros((2, 3, 4), DType::F32, &Device::Cpu).unwrap();
        let e = jacobian(|x: &Tensor| Ok(x.clone()), &x).unwrap_err();
        assert_eq!(e.to_string(), "jacobian: x must be 0-d, 1-D or 2-D, got shape [2, 3, 4]");
    }

    #[test]
    fn integer_input_is_an_error() {
        let x = Tensor::new(&[1u32, 2], &Device::Cpu).unwrap();
        let e = jacobian(|x: &Tensor| Ok(x.clone()), &x).unwrap_err();
        assert!(matches!(e, Error::DType { what: "x", .. }), "{e}");
    }

    #[test]
    fn independent_output_is_zero_or_strict_error() {
        let x = Tensor::new(&[1.0f32, 2.0], &Device::Cpu).unwrap();
        let c = Tensor::new(&[5.0f32, 6.0, 7.0], &Device::Cpu).unwrap();
        let f = |_: &Tensor| Ok(c.clone());
        for o in all_strategies() {
            let j = jacobian_with(f, &x, &o).unwrap();
            assert_eq!(j.to_vec2::<f32>().unwrap(), vec![vec![0.0; 2]; 3]);
            let e = jacobian_with(f, &x, &o.clone().strict(true)).unwrap_err();
            assert!(matches!(e, Error::Independent { .. }), "{e}");
        }
        // Partly independent: f = (x0, 3): second row is zero even in strict mode.
        let f = |x: &Tensor| Tensor::stack(&[x.get(0)?, Tensor::new(3.0f32, &Device::Cpu)?], 0);
        let j = jacobian_with(f, &x, &JacobianOptions::reverse().strict(true)).unwrap();
        assert_eq!(j.to_vec2::<f32>().unwrap(), vec![vec![1.0, 0.0], vec![0.0, 0.0]]);
    }

    #[test]
    fn empty_input_and_output() {
        let x = Tensor::zeros(0, DType::F32, &Device::Cpu).unwrap();
        let j = jacobian(|x: &Tensor| x.sum_keepdim(0)?.broadcast_as(3), &x).unwrap();
        assert_eq!(j.dims(), &[3, 0]);
        let x = Tensor::new(&[1.0f32, 2.0], &Device::Cpu).unwrap();
        let j = jacobian(|x: &Tensor| x.narrow(0, 0, 0), &x).unwrap();
        assert_eq!(j.dims(), &[0, 2]);
    }

    #[test]
    fn closure_error_is_passed_through_with_context() {
        let x = Tensor::new(&[1.0f32, 2.0], &Device::Cpu).unwrap();
        let e = jacobian(|_: &Tensor| Err(candle_core::Error::Msg("boom".into())), &x).unwrap_err();
        assert!(matches!(e, Error::Closure { .. }));
        assert_eq!(e.to_string(), "jacobian: the closure f failed during the forward pass at x: boom");
        // In the vectorized pass: a closure that only accepts 1-D input.
        let f = |x: &Tensor| {
            if x.rank() != 1 {
                candle_core::bail!("want 1-D")
            }
            x.sin()
        };
        let e = jacobian_with(f, &x, &JacobianOptions::reverse_vectorized(None)).unwrap_err();
        assert!(e.to_string().contains("vectorized pass for rows 0..2"), "{e}");
    }

    #[test]
    fn non_finite_is_reported() {
        // d/dx sqrt(x) at 0 = inf
        let x = Tensor::new(&[0.0f32, 1.0], &Device::Cpu).unwrap();
        let e = jacobian(|x: &Tensor| x.sqrt(), &x).unwrap_err();
        match e {
            Error::NonFinite { index, value, .. } => {
                assert_eq!(index, vec![0, 0]);
                assert!(value.is_infinite());
            }
            other => panic!("{other}"),
        }
        let j = jacobian_with(|x: &Tensor| x.sqrt(), &x, &JacobianOptions::new().check_finite(false)).unwrap();
        assert!(j.to_vec2::<f32>().unwrap()[0][0].is_infinite());
    }

    #[test]
    fn chunk_size_zero_is_invalid() {
        let x = Tensor::new(&[1.0f32], &Device::Cpu).unwrap();
        let e = jacobian_with(|x: &Tensor| x.sin(), &x, &JacobianOptions::reverse_vectorized(Some(0))).unwrap_err();
        assert!(matches!(e, Error::InvalidOption { option: "chunk_size", .. }), "{e}");
    }

    #[test]
    fn vectorized_matches_rows_with_chunks() {
        let w = Tensor::new(&[[0.5f64, -1.0, 2.0], [1.5, 0.25, -0.75]], &Device::Cpu).unwrap();
        // f(x) = tanh(W x)·x0-free, written batch-compatibly: (…, n) → (…, m)
        let f = |x: &Tensor| x.broadcast_matmul(&w.t()?.contiguous()?)?.tanh();
        let x = Tensor::new(&[[0.1f64, 0.2, -0.3]], &Device::Cpu).unwrap().squeeze(0).unwrap();
        // closure on 1-D input: use unsqueeze so matmul is 2-D
        let g = |x: &Tensor| {
            if x.rank() == 1 {
                f(&x.unsqueeze(0)?)?.squeeze(0)
            } else {
                f(x)
            }
        };
        let rows = jacobian_with(g, &x, &JacobianOptions::reverse()).unwrap();
        for chunk in [None, Some(1), Some(2), Some(5)] {
            let v = jacobian_with(g, &x, &JacobianOptions::reverse_vectorized(chunk)).unwrap();
            assert!(engine::max_abs_diff(&rows, &v).unwrap() < 1e-15, "{chunk:?}");
        }
    }

    #[test]
    fn vectorized_detects_batch_mixing_closure() {
        // Subtracting the mean over axis 0 mixes batch rows: for 1-D x it is x − mean(x), for a
        // batch it is row − mean(rows) = 0.
        let f = |x: &Tensor| x.broadcast_sub(&x.mean_keepdim(0)?);
        let x = Tensor::new(&[1.0f32, 2.0, 4.0], &Device::Cpu).unwrap();
        let e = jacobian_with(f, &x, &JacobianOptions::reverse_vectorized(None)).unwrap_err();
        assert!(matches!(e, Error::NotBatchable { .. }), "{e}");
    }

    #[test]
    fn auto_resolution() {
        let o = JacobianOptions::new();
        assert_eq!(o.resolve(8, 2), Strategy::Forward);
        assert_eq!(o.resolve(7, 2), Strategy::ReverseRows);
        assert_eq!(o.resolve(1, 100), Strategy::ReverseRows);
    }
}
