//! [`gradcheck`]: autodiff against central finite differences in f64, in the manner of
//! `torch.autograd.gradcheck`.
use crate::error::ClosureContext;
use crate::{engine, Error, Result};
use candle_core::{DType, Tensor};
use std::fmt;

/// Step and tolerances for [`gradcheck`]. The defaults are torch's: `eps = 1e-6`,
/// `atol = 1e-5`, `rtol = 1e-3`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradcheckOptions {
    /// Finite-difference step: `(f(x + eps·e_j) − f(x − eps·e_j)) / (2·eps)`.
    pub eps: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// Relative tolerance, applied to the numerical value.
    pub rtol: f64,
}

impl Default for GradcheckOptions {
    fn default() -> Self {
        Self { eps: 1e-6, atol: 1e-5, rtol: 1e-3 }
    }
}

/// What [`gradcheck`] found: both Jacobians and the worst entry.
#[derive(Debug, Clone)]
pub struct GradcheckReport {
    /// Whether every entry satisfies `|a − n| ≤ atol + rtol·|n|`.
    pub passed: bool,
    /// The autodiff Jacobian (reverse mode), f64, shape `(m, n)` (flattened output × input).
    pub analytical: Tensor,
    /// The central finite-difference Jacobian, f64, shape `(m, n)`.
    pub numerical: Tensor,
    /// `(output, input)`: flat indices of the entry with the largest ratio
    /// `|a − n| / (atol + rtol·|n|)`.
    pub worst: (usize, usize),
    /// Autodiff's value at `worst`.
    pub worst_analytical: f64,
    /// The finite difference at `worst`.
    pub worst_numerical: f64,
    /// The largest `|a − n|` over all entries.
    pub max_abs_err: f64,
    /// The options used.
    pub options: GradcheckOptions,
}

impl GradcheckReport {
    /// `Ok(self)` if the check passed, otherwise [`Error::GradcheckFailed`] naming the worst
    /// entry (like `torch.autograd.gradcheck(..., raise_exception=True)`).
    pub fn into_result(self) -> Result<Self> {
        if self.passed {
            Ok(self)
        } else {
            Err(Error::GradcheckFailed {
                output: self.worst.0,
                input: self.worst.1,
                analytical: self.worst_analytical,
                numerical: self.worst_numerical,
                abs_err: (self.worst_analytical - self.worst_numerical).abs(),
                atol: self.options.atol,
                rtol: self.options.rtol,
            })
        }
    }
}

impl fmt::Display for GradcheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "gradcheck {}: worst entry (output {}, input {}): analytical {:e}, numerical {:e}; max |difference| {:e} (atol {:e}, rtol {:e}, eps {:e})",
            if self.passed { "passed" } else { "FAILED" },
            self.worst.0,
            self.worst.1,
            self.worst_analytical,
            self.worst_numerical,
            self.max_abs_err,
            self.options.atol,
            self.options.rtol,
            self.options.eps
        )
    }
}

/// Compares the autodiff Jacobian of `f` at `x` with central finite differences, in f64.
///
/// **Computes** `x` is converted to f64 and `f` is evaluated in f64 (like torch, which requires
/// double inputs), so a closure that captures tensors must capture them in f64 (or convert them
/// to `x.dtype()`). The analytical Jacobian comes from [`crate::jacrev`]; column `j` of the
/// numerical one is `(f(x + eps·e_j) − f(x − eps·e_j)) / (2·eps)`. An entry passes if
/// `|a − n| ≤ atol + rtol·|n|` (torch's `allclose`). Returns the report whether or not it
/// passed; use [`GradcheckReport::into_result`] to turn a failure into an error.
///
/// **Shape:** `x` 0-d, 1-D or 2-D; both Jacobians are flattened to `(m, n)`.
///
/// **Errors:** [`Error::InvalidOption`] for a non-positive or non-finite `eps`, or negative
/// tolerances; [`Error::Closure`] if `f` fails (the pass names the perturbed input); otherwise as
/// [`crate::jacobian`]. NaN in either Jacobian makes the check fail (it is never hidden).
///
/// **Mirrors** `torch.autograd.gradcheck(f, (x,), eps, atol, rtol, raise_exception=False)`.
///
/// ```
/// use jacobian::{gradcheck, GradcheckOptions, Tensor, Device};
/// # fn main() -> jacobian::Result<()> {
/// let x = Tensor::new(&[0.3f64, -1.2], &Device::Cpu)?;
/// let report = gradcheck(|x: &Tensor| x.sin()?.exp(), &x, GradcheckOptions::default())?;
/// assert!(report.passed, "{report}");
/// # Ok(()) }
/// ```
pub fn gradcheck<F>(f: F, x: &Tensor, options: GradcheckOptions) -> Result<GradcheckReport>
where
    F: Fn(&Tensor) -> candle_core::Result<Tensor>,
{
    const FUNCTION: &str = "gradcheck";
    let GradcheckOptions { eps, atol, rtol } = options;
    if !(eps.is_finite() && eps > 0.0) {
        return Err(Error::InvalidOption { function: FUNCTION, option: "eps", expected: "a finite step > 0", got: eps.to_string() });
    }
    if !(atol >= 0.0 && rtol >= 0.0) {
        return Err(Error::InvalidOption { function: FUNCTION, option: "atol/rtol", expected: "tolerances ≥ 0", got: format!("atol {atol}, rtol {rtol}") });
    }
    engine::check_rank_le2(FUNCTION, x)?;
    engine::check_float(FUNCTION, "x", x)?;
    let x64 = x.detach().to_dtype(DType::F64)?;
    let n = x64.elem_count();
    let analytical = crate::jacobian::jacobian_impl(
        FUNCTION,
        &f,
        &x64,
        &crate::JacobianOptions::reverse().check_finite(false),
    )?;
    let y = f(&x64).in_closure(FUNCTION, || "the forward pass at x (in f64)".into())?;
    let m = y.elem_count();
    let analytical = analytical.reshape((m, n))?.to_dtype(DType::F64)?;

    let base = x64.flatten_all()?.to_vec1::<f64>()?;
    let mut columns = Vec::with_capacity(n);
    for j in 0..n {
        let eval = |delta: f64| -> Result<Vec<f64>> {
            let mut v = base.clone();
            v[j] += delta;
            let xp = Tensor::from_vec(v, x64.shape(), x64.device())?;
            let yp = f(&xp).in_closure(FUNCTION, || format!("the finite difference for input {j} (x ± eps·e_{j}, f64)"))?;
            Ok(yp.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?)
        };
        let (plus, minus) = (eval(eps)?, eval(-eps)?);
        if plus.len() != m || minus.len() != m {
            return Err(Error::Shape { function: FUNCTION, what: "f(x ± eps·e_j)", expected: y.dims().to_vec(), got: vec![plus.len()] });
        }
        columns.push(plus.iter().zip(&minus).map(|(p, q)| (p - q) / (2.0 * eps)).collect::<Vec<f64>>());
    }
    let mut numerical = vec![0f64; m * n];
    for (j, col) in columns.iter().enumerate() {
        for (i, v) in col.iter().enumerate() {
            numerical[i * n + j] = *v;
        }
    }
    let a = analytical.flatten_all()?.to_vec1::<f64>()?;
    // The worst entry has the largest |a − n| / (atol + rtol·|n|); NaN ranks worst and fails.
    let mut worst = (0, 0);
    let mut worst_ratio = f64::NEG_INFINITY;
    let mut max_abs_err = 0f64;
    for i in 0..m {
        for j in 0..n {
            let (av, nv) = (a[i * n + j], numerical[i * n + j]);
            let err = (av - nv).abs();
            let allowed = atol + rtol * nv.abs();
            let ratio = if err.is_nan() {
                f64::INFINITY
            } else if err == 0.0 {
                0.0
            } else {
                err / allowed
            };
            max_abs_err = if err.is_nan() || max_abs_err.is_nan() { f64::NAN } else { max_abs_err.max(err) };
            if ratio > worst_ratio {
                worst_ratio = ratio;
                worst = (i, j);
            }
        }
    }
    let passed = m * n == 0 || worst_ratio <= 1.0;
    let numerical = Tensor::from_vec(numerical, (m, n), x64.device())?;
    let (worst_analytical, worst_numerical) = if m * n > 0 { (a[worst.0 * n + worst.1], numerical.get(worst.0)?.get(worst.1)?.to_scalar::<f64>()?) } else { (0.0, 0.0) };
    Ok(GradcheckReport { passed, analytical, numerical, worst, worst_analytical, worst_numerical, max_abs_err, options })
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn passes_for_a_smooth_function() {
        // f(x) = (x0² x1, sin x1): J = [[2 x0 x1, x0²], [0, cos x1]]
        let x = Tensor::new(&[0.7f64, -0.4], &Device::Cpu).unwrap();
        let f = |x: &Tensor| Tensor::stack(&[(x.get(0)?.sqr()? * x.get(1)?)?, x.get(1)?.sin()?], 0);
        let r = gradcheck(f, &x, GradcheckOptions::default()).unwrap();
        assert!(r.passed, "{r}");
        assert!(r.max_abs_err < 1e-8);
        assert!(r.into_result().is_ok());
    }

    #[test]
    fn catches_a_wrong_derivative() {
        // candle's relu'(0) = 1 vs finite difference (relu(ε) − relu(−ε))/2ε = 0.5: fails, and the
        // report points at the entry.
        let x = Tensor::new(&[1.0f64, 0.0], &Device::Cpu).unwrap();
        let r = gradcheck(|x: &Tensor| x.relu(), &x, GradcheckOptions::default()).unwrap();
        assert!(!r.passed);
        assert_eq!(r.worst, (1, 1));
        assert_eq!(r.worst_analytical, 1.0);
        assert!((r.worst_numerical - 0.5).abs() < 1e-9);
        let e = r.into_result().unwrap_err();
        assert!(e.to_string().starts_with("gradcheck: Jacobian mismatch for output 1 with respect to input 1"), "{e}");
    }

    #[test]
    fn runs_in_f64_even_for_f32_input() {
        let x = Tensor::new(&[0.5f32], &Device::Cpu).unwrap();
        let r = gradcheck(|x: &Tensor| x.exp(), &x, GradcheckOptions::default()).unwrap();
        assert_eq!(r.analytical.dtype(), DType::F64);
        assert!(r.passed, "{r}");
    }

    #[test]
    fn rejects_bad_eps() {
        let x = Tensor::new(&[0.5f64], &Device::Cpu).unwrap();
        let e = gradcheck(|x: &Tensor| x.exp(), &x, GradcheckOptions { eps: 0.0, ..Default::default() }).unwrap_err();
        assert!(matches!(e, Error::InvalidOption { option: "eps", .. }));
    }
}
