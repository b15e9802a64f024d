//! Transforms that compose (issue 11): nested transforms, several inputs (`argnums`), tuple
//! outputs, Hessian-vector products, PyTorch's tie convention for max/min, and vectorized
//! strategies that never return a silently wrong matrix.
//!
//! Tests named `torch_*` and `jax_*` are ports of torch.func's and JAX's own tests (named in each
//! doc comment), with their expected values.
use candle_core::{DType, Device, Tensor};
use jacobian::{
    gradient, gradient2, gradient_argnums, hessian, hessian_with, hvp, jacfwd, jacobian, jacobian2, jacobian_argnums,
    jacobian_multi, jacobian_with, jacrev, jvp, ops, vhp, vjp, Error, JacobianOptions,
};

fn t1(v: &[f64]) -> Tensor {
    Tensor::new(v, &Device::Cpu).unwrap()
}

fn close(a: &Tensor, b: &Tensor, tol: f64) {
    assert_eq!(a.dims(), b.dims(), "shapes differ");
    let a = a.to_dtype(DType::F64).unwrap().flatten_all().unwrap().to_vec1::<f64>().unwrap();
    let b = b.to_dtype(DType::F64).unwrap().flatten_all().unwrap().to_vec1::<f64>().unwrap();
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert!((x - y).abs() <= tol * (1.0 + y.abs()), "entry {i}: {x} vs {y}\n{a:?}\n{b:?}");
    }
}

fn diag(v: &Tensor) -> Tensor {
    ops::diag(v).unwrap()
}

fn sum_sin(x: &Tensor) -> candle_core::Result<Tensor> {
    x.sin()?.sum_all()
}

// --- nesting ------------------------------------------------------------------------------

#[test]
fn jacrev_of_jacrev_is_minus_diag_sin() {
    // The example: it used to return a zero matrix.
    let x = t1(&[0.5, -1.2, 0.8]);
    let h = jacrev(|x| Ok(jacrev(sum_sin, x)?), &x).unwrap();
    close(&h, &diag(&x.sin().unwrap().neg().unwrap()), 1e-14);
    assert!(!h.track_op(), "a top-level result is detached");
}

#[test]
fn every_pair_of_first_order_transforms_composes() {
    let x = t1(&[0.5, -1.2, 0.8]);
    let want = diag(&x.sin().unwrap().neg().unwrap());
    let inner_rev = |x: &Tensor| Ok(jacrev(sum_sin, x)?);
    let inner_fwd = |x: &Tensor| Ok(jacfwd(sum_sin, x)?);
    let inner_grad = |x: &Tensor| Ok(gradient(sum_sin, x)?);
    let inner_jac = |x: &Tensor| Ok(jacobian(sum_sin, x)?);
    close(&jacfwd(inner_fwd, &x).unwrap(), &want, 1e-14);
    close(&jacfwd(inner_rev, &x).unwrap(), &want, 1e-14);
    close(&jacrev(inner_fwd, &x).unwrap(), &want, 1e-14);
    close(&jacrev(inner_grad, &x).unwrap(), &want, 1e-14);
    close(&jacobian(inner_jac, &x).unwrap(), &want, 1e-14);
    close(&hessian(sum_sin, &x).unwrap(), &want, 1e-14);
    // A gradient of a gradient: ∇(Σ ∇f) = H·1.
    let g2 = gradient(|x| Ok(gradient(sum_sin, x)?.sum_all()?), &x).unwrap();
    close(&g2, &x.sin().unwrap().neg().unwrap(), 1e-14);
}

#[test]
fn jvp_of_jvp_and_vjp_of_vjp() {
    // f(x) = Σ x³: ∇f = 3x², H = diag(6x). jvp(x ↦ jvp(f, x, v), x, w) = vᵀHw = Σ 6 x v w.
    let x = t1(&[1.0, 2.0, -1.0]);
    let v = t1(&[1.0, 0.5, 2.0]);
    let w = t1(&[0.5, -1.0, 1.0]);
    let f = |x: &Tensor| x.powf(3.0)?.sum_all();
    let (_, outer) = jvp(|x| Ok(jvp(f, x, &v)?.1), &x, &w).unwrap();
    let want: f64 = [1.0 * 1.0 * 0.5, 2.0 * 0.5 * -1.0, -1.0 * 2.0 * 1.0].iter().map(|t| 6.0 * t).sum();
    assert!((outer.to_scalar::<f64>().unwrap() - want).abs() < 1e-12);
    // vjp of vjp: x ↦ vᵀJ of g(x) = x², then contract with w: ∂/∂x (Σ w ⊙ 2x ⊙ v) = 2 w ⊙ v.
    let one = Tensor::new(1.0f64, &Device::Cpu).unwrap();
    let (_, p) = vjp(|x| (vjp(|x: &Tensor| x.sqr(), x, &v)?.1 * &w)?.sum_all(), &x, &one).unwrap();
    close(&p, &(&w * &v).unwrap().affine(2.0, 0.0).unwrap(), 1e-14);
}

#[test]
fn hessian_equals_jacfwd_jacrev_jacrev_jacrev_and_jacrev_gradient() {
    // f(x) = Σ tanh(x)·x0 + x1² x2 (mixed partials)
    let x = t1(&[0.3, -0.7, 1.1]);
    let f = |x: &Tensor| (x.tanh()?.sum_all()? * x.get(0)?)? + (x.get(1)?.sqr()? * x.get(2)?)?;
    let h = hessian(f, &x).unwrap();
    close(&jacfwd(|x| Ok(jacrev(f, x)?), &x).unwrap(), &h, 1e-13);
    close(&jacrev(|x| Ok(jacrev(f, x)?), &x).unwrap(), &h, 1e-13);
    close(&jacrev(|x| Ok(gradient(f, x)?), &x).unwrap(), &h, 1e-13);
    close(&jacfwd(|x| Ok(jacfwd(f, x)?), &x).unwrap(), &h, 1e-13);
    close(&hessian_with(f, &x, &JacobianOptions::forward()).unwrap(), &h, 1e-13);
    close(&h, &h.t().unwrap(), 1e-13);
}

#[test]
fn third_derivative_of_sin_x_squared() {
    // f = sin(x²): f''' = −12x sin(x²) − 8x³ cos(x²)
    for &x0 in &[1.0f64, -0.4, 2.3] {
        let x = Tensor::new(x0, &Device::Cpu).unwrap();
        let f = |x: &Tensor| x.sqr()?.sin();
        let want = -12.0 * x0 * (x0 * x0).sin() - 8.0 * x0.powi(3) * (x0 * x0).cos();
        let d3_rev = jacrev(|x| Ok(jacrev(|x| Ok(jacrev(f, x)?), x)?), &x).unwrap();
        let d3_mix = jacfwd(|x| Ok(hessian(f, x)?), &x).unwrap();
        let d3_grad = gradient(|x| Ok(gradient(|x| Ok(gradient(f, x)?), x)?), &x).unwrap();
        for d in [d3_rev, d3_mix, d3_grad] {
            assert!((d.to_scalar::<f64>().unwrap() - want).abs() < 1e-11, "{x0}: {d} vs {want}");
        }
        // and the fourth, through four levels: f'''' = −12 sin − 48x² cos + 16x⁴ sin
        let d4 = hessian(|x| Ok(hessian(f, x)?), &x).unwrap().to_scalar::<f64>().unwrap();
        let (s, c) = ((x0 * x0).sin(), (x0 * x0).cos());
        let want4 = -12.0 * s - 48.0 * x0 * x0 * c + 16.0 * x0.powi(4) * s;
        assert!((d4 - want4).abs() < 1e-9 * (1.0 + want4.abs()), "{x0}: {d4} vs {want4}");
    }
}

#[test]
fn no_perturbation_confusion() {
    // Siskind & Pearlmutter (2005): d/dx [x · (d/dy (x + y))|_{y=1}] at x = 1 is 1; a transform
    // that confuses the inner and outer derivatives gives 2.
    let one = Tensor::new(1.0f64, &Device::Cpu).unwrap();
    let outer = gradient(
        |x| {
            let inner = gradient(|y| x + y, &one)?;
            x * inner
        },
        &one,
    )
    .unwrap();
    assert_eq!(outer.to_scalar::<f64>().unwrap(), 1.0);
    // The same when the inner transform is called at the outer point itself:
    // d/dx [ (d/dz (z·x))|_{z=x} ] = d/dx [x] = 1, not 2.
    let x = Tensor::new(3.0f64, &Device::Cpu).unwrap();
    let d = gradient(|x| Ok(gradient(|z| z * x, x)?), &x).unwrap();
    assert_eq!(d.to_scalar::<f64>().unwrap(), 1.0);
}

#[test]
fn closures_that_capture_the_outer_variable() {
    // F(w) = ∂/∂x [Σ sin(w ⊙ x)] at x0 = cos(w ⊙ x0) ⊙ w, so J_F(w) = diag(cos(w x0) − w x0 sin(w x0)).
    let x0 = t1(&[0.3, -0.5]);
    let w0 = t1(&[1.5, 2.0]);
    let j = jacrev(|w| Ok(gradient(|x| (w * x)?.sin()?.sum_all(), &x0)?), &w0).unwrap();
    let wx = (&w0 * &x0).unwrap();
    let want = (wx.cos().unwrap() - (&wx * wx.sin().unwrap()).unwrap()).unwrap();
    close(&j, &diag(&want), 1e-14);
}

#[test]
fn nested_vectorized_and_forward_strategies() {
    let x = t1(&[0.5, -1.2, 0.8]);
    let want = diag(&x.sin().unwrap().neg().unwrap());
    let batchable = |x: &Tensor| x.sin()?.sum(x.rank() - 1);
    // A checked vectorized strategy is refused inside another transform; vouched for, it runs.
    let vouched = JacobianOptions::reverse_vectorized(Some(2)).verify_vectorized(false);
    let inner = |x: &Tensor| Ok(jacobian_with(batchable, x, &vouched)?);
    close(&jacobian_with(inner, &x, &JacobianOptions::reverse()).unwrap(), &want, 1e-14);
    let outer_forward = jacobian_with(|x| Ok(jacrev(sum_sin, x)?), &x, &JacobianOptions::forward()).unwrap();
    close(&outer_forward, &want, 1e-14);
}

#[test]
fn independent_and_nan_behaviour_under_nesting() {
    let x = t1(&[1.0, 2.0]);
    // The inner gradient of a linear function is constant: its Jacobian is zero.
    let z = jacrev(|x| Ok(gradient(|x| x.sum_all(), x)?), &x).unwrap();
    close(&z, &Tensor::zeros((2, 2), DType::F64, &Device::Cpu).unwrap(), 0.0);
    // sqrt at 0: the inner gradient is inf, reported by the inner transform.
    let zero = t1(&[0.0, 1.0]);
    let e = jacrev(|x| Ok(gradient(|x| x.sqrt()?.sum_all(), x)?), &zero).unwrap_err();
    assert!(e.to_string().contains("non-finite"), "{e}");
}

// --- ports of torch.func's tests -----------------------------------------------------------

/// test/functorch/test_eager_transforms.py `TestJac.test_nested_jac_simple`, for jacrev and
/// jacfwd: `jacapi(jacapi(lambda x: x.sin().sum()))(x) == diagflat(-x.sin())`.
#[test]
fn torch_test_nested_jac_simple() {
    let x = t1(&[0.1, 1.7, -0.9]);
    let want = diag(&x.sin().unwrap().neg().unwrap());
    close(&jacrev(|x| Ok(jacrev(sum_sin, x)?), &x).unwrap(), &want, 1e-14);
    close(&jacfwd(|x| Ok(jacfwd(sum_sin, x)?), &x).unwrap(), &want, 1e-14);
}

/// `TestJac.test_multiple_args`: `jacapi(torch.multiply, argnums=1)(x, y) == diagflat(x)`.
#[test]
fn torch_test_multiple_args() {
    let x = t1(&[0.4, -1.1, 2.0]);
    let y = t1(&[1.3, 0.2, -0.7]);
    for o in [JacobianOptions::reverse(), JacobianOptions::forward()] {
        let z = jacobian_argnums(|a: &[Tensor]| &a[0] * &a[1], &[&x, &y], &[1], &o).unwrap();
        close(&z[0], &diag(&x), 0.0);
    }
}

/// `TestJac.test_multiple_outputs_multiple_argnums`: `f(x, y) = (2x + 3y, 4x + 5y)`, argnums
/// `(0, 1)`: the four blocks are `2I, 3I, 4I, 5I`.
#[test]
fn torch_test_multiple_outputs_multiple_argnums() {
    let x = t1(&[0.4, -1.1, 2.0]);
    let y = t1(&[1.3, 0.2, -0.7]);
    let f = |a: &[Tensor]| {
        let (x, y) = (&a[0], &a[1]);
        Ok(vec![(x.affine(2.0, 0.0)? + y.affine(3.0, 0.0)?)?, (x.affine(4.0, 0.0)? + y.affine(5.0, 0.0)?)?])
    };
    for o in [JacobianOptions::reverse(), JacobianOptions::forward(), JacobianOptions::reverse_vectorized(None)] {
        let j = jacobian_multi(f, &[&x, &y], &[0, 1], &o).unwrap();
        let eye = Tensor::eye(3, DType::F64, &Device::Cpu).unwrap();
        for (o_, row) in j.iter().enumerate() {
            for (a, block) in row.iter().enumerate() {
                let k = [[2.0, 3.0], [4.0, 5.0]][o_][a];
                close(block, &eye.affine(k, 0.0).unwrap(), 0.0);
            }
        }
    }
}

/// `TestHessian.test_hessian_simple`: `hessian(lambda x: x.sin().sum())(x) == diagflat(-x.sin())`.
#[test]
fn torch_test_hessian_simple() {
    let x = t1(&[-0.3, 0.9]);
    close(&hessian(sum_sin, &x).unwrap(), &diag(&x.sin().unwrap().neg().unwrap()), 1e-14);
}

// --- ports of JAX's tests ------------------------------------------------------------------

/// tests/api_test.py `test_hessian`: `hessian(lambda x: x @ A @ x)(x) == A + Aᵀ`.
#[test]
fn jax_test_hessian() {
    let a = Tensor::new(&[[0.3f64, -1.2, 0.5, 2.0], [1.1, 0.4, -0.6, 0.2], [-0.9, 0.8, 1.5, -0.3], [0.7, -0.1, 0.2, 0.9]], &Device::Cpu).unwrap();
    let x = t1(&[0.5, -1.0, 2.0, 0.25]);
    let f = |x: &Tensor| x.unsqueeze(0)?.matmul(&a)?.matmul(&x.unsqueeze(1)?)?.squeeze(0)?.squeeze(0);
    let want = (&a + a.t().unwrap()).unwrap();
    close(&hessian(f, &x).unwrap(), &want, 1e-14);
    close(&jacfwd(|x| Ok(jacrev(f, x)?), &x).unwrap(), &want, 1e-14);
}

/// tests/api_test.py `test_jacobian`: `jacfwd(A·)(x) == jacrev(A·)(x) == A`, and for
/// `tanh(A x)` jacfwd equals jacrev.
#[test]
fn jax_test_jacobian() {
    let a = Tensor::new(&[[0.3f64, -1.2, 0.5], [1.1, 0.4, -0.6], [-0.9, 0.8, 1.5], [0.7, -0.1, 0.2]], &Device::Cpu).unwrap();
    let x = t1(&[0.5, -1.0, 2.0]);
    let lin = |x: &Tensor| a.matmul(&x.unsqueeze(1)?)?.squeeze(1);
    close(&jacfwd(lin, &x).unwrap(), &a, 1e-15);
    close(&jacrev(lin, &x).unwrap(), &a, 1e-15);
    let th = |x: &Tensor| lin(x)?.tanh();
    close(&jacfwd(th, &x).unwrap(), &jacrev(th, &x).unwrap(), 1e-14);
}

/// tests/api_test.py `test_grad_argnums`: `f(x, y, z, flag) = tanh(x)·y·z` (scalars), grads
/// with argnums 0, (0, 1) and (1, 2) equal the closed forms.
#[test]
fn jax_test_grad_argnums() {
    let (x, y, z) = (t1(&[1.0]), t1(&[2.0]), t1(&[3.0]));
    let f = |a: &[Tensor]| (a[0].tanh()? * &a[1])?.mul(&a[2])?.sum_all();
    let sech2 = 1.0 - 1f64.tanh().powi(2);
    let g0 = gradient_argnums(f, &[&x, &y, &z], &[0]).unwrap();
    assert!((g0[0].to_vec1::<f64>().unwrap()[0] - sech2 * 6.0).abs() < 1e-14);
    let g12 = gradient_argnums(f, &[&x, &y, &z], &[1, 2]).unwrap();
    assert!((g12[0].to_vec1::<f64>().unwrap()[0] - 1f64.tanh() * 3.0).abs() < 1e-14);
    assert!((g12[1].to_vec1::<f64>().unwrap()[0] - 1f64.tanh() * 2.0).abs() < 1e-14);
}

// --- several inputs, hvp -------------------------------------------------------------------

#[test]
fn two_input_forms_read_naturally() {
    let x = t1(&[1.0, 2.0]);
    let y = t1(&[3.0, -1.0]);
    let (jx, jy) = jacobian2(|x, y| (x * y)?.sin(), (&x, &y)).unwrap();
    let c = (&x * &y).unwrap().cos().unwrap();
    close(&jx, &diag(&(&c * &y).unwrap()), 1e-15);
    close(&jy, &diag(&(&c * &x).unwrap()), 1e-15);
    let (gx, gy) = gradient2(|x, y| (x * y)?.sum_all(), (&x, &y)).unwrap();
    close(&gx, &y, 0.0);
    close(&gy, &x, 0.0);
}

#[test]
fn hvp_and_vhp_equal_the_hessian_times_v() {
    let x = t1(&[0.3, -0.7, 1.1]);
    let v = t1(&[1.0, -2.0, 0.5]);
    let f = |x: &Tensor| (x.tanh()?.sum_all()? * x.get(0)?)? + (x.get(1)?.sqr()? * x.get(2)?)?;
    let h = hessian(f, &x).unwrap();
    let hv = h.matmul(&v.unsqueeze(1).unwrap()).unwrap().squeeze(1).unwrap();
    let (y, p) = hvp(f, &x, &v).unwrap();
    close(&y, &f(&x).unwrap(), 0.0);
    close(&p, &hv, 1e-14);
    close(&vhp(f, &x, &v).unwrap().1, &hv, 1e-14);
    let e = hvp(|x: &Tensor| x.sin(), &x, &v).unwrap_err();
    assert!(matches!(e, Error::NotScalar { .. }), "{e}");
    let e = hvp(f, &x, &t1(&[1.0])).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }), "{e}");
    // And nested: the Jacobian of x ↦ H(x) v is the third-derivative tensor contracted with v.
    let d = jacrev(|x| Ok(hvp(|x: &Tensor| x.powf(3.0)?.sum_all(), x, &v)?.1), &x).unwrap();
    close(&d, &diag(&v.affine(6.0, 0.0).unwrap()), 1e-14);
}

// --- max / min ties -------------------------------------------------------------------------

#[test]
fn max_and_min_split_ties_like_torch_amax() {
    let x = t1(&[1.0, 3.0, 3.0]);
    for o in [JacobianOptions::reverse(), JacobianOptions::forward()] {
        let j = jacobian_with(ops::max_all, &x, &o).unwrap();
        close(&j, &t1(&[0.0, 0.5, 0.5]), 0.0);
    }
    close(&gradient(ops::max_all, &x).unwrap(), &t1(&[0.0, 0.5, 0.5]), 0.0);
    close(&gradient(ops::min_all, &t1(&[2.0, 2.0, 2.0, 5.0])).unwrap(), &t1(&[1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0, 0.0]), 1e-15);
    // Along an axis, keeping or dropping it; values are exactly candle's.
    let m = Tensor::new(&[[1.0f64, 4.0, 4.0], [7.0, 2.0, 7.0]], &Device::Cpu).unwrap();
    assert_eq!(ops::max(&m, 1).unwrap().to_vec1::<f64>().unwrap(), [4.0, 7.0]);
    assert_eq!(ops::min_keepdim(&m, 0).unwrap().to_vec2::<f64>().unwrap(), [[1.0, 2.0, 4.0]]);
    let g = gradient(|m| ops::max(m, 1)?.sum_all(), &m).unwrap();
    close(&g, &Tensor::new(&[[0.0f64, 0.5, 0.5], [0.5, 0.0, 0.5]], &Device::Cpu).unwrap(), 0.0);
    // −inf entries do not turn the gradient into NaN; the Hessian is zero.
    let x = t1(&[f64::NEG_INFINITY, 2.0, 2.0]);
    close(&gradient(ops::max_all, &x).unwrap(), &t1(&[0.0, 0.5, 0.5]), 0.0);
    close(&hessian(ops::max_all, &t1(&[1.0, 3.0, 3.0])).unwrap(), &Tensor::zeros((3, 3), DType::F64, &Device::Cpu).unwrap(), 0.0);
}

// --- vectorized strategies never return a wrong matrix ------------------------------------------

/// The Jacobian by rows is the reference; the vectorized strategies must equal it or refuse.
fn right_or_not_batchable<F: Fn(&Tensor) -> candle_core::Result<Tensor> + Copy>(f: F, x: &Tensor) {
    let want = jacobian_with(f, x, &JacobianOptions::reverse()).unwrap();
    for chunk in [None, Some(1), Some(2)] {
        match jacobian_with(f, x, &JacobianOptions::reverse_vectorized(chunk)) {
            Ok(j) => close(&j, &want, 1e-10),
            Err(Error::NotBatchable { .. }) => {}
            Err(e) => panic!("unexpected error {e}"),
        }
    }
}

#[test]
fn vectorized_catches_mixing_that_row_0_hides() {
    // The example: x·mean_all(x) at (2, 1, 3), where x0 equals the mean.
    let x = t1(&[2.0, 1.0, 3.0]);
    let f = |x: &Tensor| x.broadcast_mul(&x.mean_all()?);
    let e = jacobian_with(f, &x, &JacobianOptions::reverse_vectorized(None)).unwrap_err();
    assert!(matches!(e, Error::NotBatchable { .. }), "{e}");
    right_or_not_batchable(f, &x);
    right_or_not_batchable(|x: &Tensor| x.broadcast_mul(&ops::max_all(x)?), &t1(&[3.0, 1.0, 2.0]));
    right_or_not_batchable(|x: &Tensor| x.broadcast_add(&x.sum_keepdim(0)?)?.sin(), &t1(&[0.1, 0.2, 0.3]));
    right_or_not_batchable(|x: &Tensor| candle_nn_free_softmax(x, 0), &t1(&[0.5, -0.5, 1.0]));
}

/// softmax along `dim`, written with candle ops (mixes batch rows when `dim = 0`).
fn candle_nn_free_softmax(x: &Tensor, dim: usize) -> candle_core::Result<Tensor> {
    let e = x.exp()?;
    e.broadcast_div(&e.sum_keepdim(dim)?)
}

#[test]
fn vectorized_hessian_catches_mixing() {
    // The examples: Σ(x − mean x)⁴ and Σ(x / max x)² at (1, 2, 4).
    let x = t1(&[1.0, 2.0, 4.0]);
    let f = |x: &Tensor| x.broadcast_sub(&x.mean_all()?)?.powf(4.0)?.sum(x.rank() - 1);
    let g = |x: &Tensor| x.broadcast_div(&ops::max_all(x)?)?.sqr()?.sum(x.rank() - 1);
    for f in [&f as &dyn Fn(&Tensor) -> candle_core::Result<Tensor>, &g] {
        let want = hessian(f, &x).unwrap();
        match hessian_with(f, &x, &JacobianOptions::reverse_vectorized(None)) {
            Ok(h) => close(&h, &want, 1e-10),
            Err(Error::NotBatchable { .. }) => {}
            Err(e) => panic!("{e}"),
        }
    }
    let e = hessian_with(f, &x, &JacobianOptions::reverse_vectorized(None)).unwrap_err();
    assert!(matches!(e, Error::NotBatchable { .. }), "{e}");
}

// --- Auto picks one batched pass when the closure allows it ---------------------------------

#[test]
fn auto_vectorizes_batch_aware_closures_and_falls_back_otherwise() {
    use jacobian::nn::{Linear, ReLU, Sequential};
    use std::cell::Cell;
    let mut g = jacobian::rng::Generator::new(3);
    let net = Sequential::new()
        .append(Linear::with_generator(6, 12, &mut g).unwrap())
        .append(ReLU)
        .append(Linear::with_generator(12, 10, &mut g).unwrap());
    let x = g.randn(6).unwrap(); // nn layers hold f32 weights, as torch.nn's do
    let calls = Cell::new(0);
    let f = |x: &Tensor| {
        calls.set(calls.get() + 1);
        net.forward(x)
    };
    let want = jacobian_with(f, &x, &JacobianOptions::reverse()).unwrap();
    calls.set(0);
    let j = jacobian(f, &x).unwrap();
    close(&j, &want, 1e-6);
    // Only nn layers: the tape of known ops explains the whole graph, no batched pass.
    assert_eq!(calls.get(), 1, "Auto evaluates once and multiplies the recorded layer Jacobians");
    close(&net.jacobian(&x).unwrap(), &want, 1e-6);
    // Candle's element-wise ops between them are checked links of the chain: still one call.
    let scaled = |x: &Tensor| {
        calls.set(calls.get() + 1);
        net.forward(x)?.affine(2.0, 1.0)
    };
    calls.set(0);
    close(&jacobian(scaled, &x).unwrap(), &(&want * 2.0).unwrap(), 1e-6);
    assert_eq!(calls.get(), 1, "the tape explains an element-wise candle op");
    // An op that mixes entries (y + Σy) is not: the tape's try, then one plain and one batched
    // evaluation. J = (I + 11ᵀ) J_net.
    let mixed = |x: &Tensor| {
        calls.set(calls.get() + 1);
        let y = net.forward(x)?;
        y.broadcast_add(&y.sum_keepdim(y.rank() - 1)?)
    };
    calls.set(0);
    let col_sums = want.sum_keepdim(0).unwrap();
    close(&jacobian(mixed, &x).unwrap(), &want.broadcast_add(&col_sums).unwrap(), 1e-5);
    assert_eq!(calls.get(), 3, "Auto tries the tape, then evaluates once plainly and once batched");
    // A closure that mixes rows at a point where row 0 is right: Auto falls back, right answer.
    let x = t1(&[2.0, 1.0, 3.0, 2.0, 2.0, 2.0, 1.0, 3.0]);
    let mix = |x: &Tensor| x.broadcast_mul(&x.mean_all()?);
    close(&jacobian(mix, &x).unwrap(), &jacobian_with(mix, &x, &JacobianOptions::reverse()).unwrap(), 1e-14);
    // A closure that only takes 1-D input: Auto falls back too.
    let only_1d = |x: &Tensor| {
        if x.rank() != 1 {
            candle_core::bail!("1-D only")
        }
        x.sin()
    };
    close(&jacobian(only_1d, &x).unwrap(), &diag(&x.cos().unwrap()), 1e-15);
    // Even one that panics on a batch (written for vectors only) gets its Jacobian.
    let panics_on_batch = |x: &Tensor| Tensor::new(x.to_vec1::<f64>().unwrap().iter().map(|v| v * v).collect::<Vec<_>>(), &Device::Cpu)?.add(&(x * 0.0)?);
    close(&jacobian(panics_on_batch, &x).unwrap(), &diag(&(&x * 0.0).unwrap()), 1e-15);
    // Hessians likewise: Σ tanh(W x)² through ops::linear, against the closed form.
    let w = g.randn_f64((9, 8)).unwrap();
    let s = |x: &Tensor| ops::linear(x, &w, None)?.tanh()?.sqr()?.sum(x.rank() - 1);
    let h = hessian(s, &x).unwrap();
    let t = w.matmul(&x.unsqueeze(1).unwrap()).unwrap().squeeze(1).unwrap().tanh().unwrap();
    let t2 = t.sqr().unwrap();
    let d = ((1.0 - &t2).unwrap() * (1.0 - (&t2 * 3.0).unwrap()).unwrap()).unwrap().affine(2.0, 0.0).unwrap();
    let closed = w.t().unwrap().broadcast_mul(&d.unsqueeze(0).unwrap()).unwrap().matmul(&w).unwrap();
    close(&h, &closed, 1e-12);
    close(&hessian(|x: &Tensor| x.sin()?.sum_all(), &x).unwrap(), &diag(&x.sin().unwrap().neg().unwrap()), 1e-15);
}

#[test]
fn linear_differentiates_the_weight_when_it_carries_a_graph() {
    let w = Tensor::new(&[[1.0f64, 2.0], [3.0, 4.0], [5.0, 6.0]], &Device::Cpu).unwrap();
    let x = t1(&[0.5, -1.0]);
    let b = t1(&[0.1, 0.2, 0.3]);
    let js = jacobian_argnums(|a: &[Tensor]| ops::linear(&a[1], &a[0], Some(&b)), &[&w, &x], &[0, 1], &JacobianOptions::reverse()).unwrap();
    // ∂y_i/∂W_kl = δ_ik x_l
    let jw = js[0].to_vec3::<f64>().unwrap();
    assert_eq!(jw[1], [[0.0, 0.0], [0.5, -1.0], [0.0, 0.0]]);
    close(&js[1], &w, 0.0);
    // A batch with different rows takes the general product, rows alike the shortcut; same values.
    let xb = Tensor::new(&[[0.5f64, -1.0], [2.0, 3.0], [0.5, -1.0]], &Device::Cpu).unwrap();
    let yb = ops::linear(&xb, &w, Some(&b)).unwrap();
    assert_eq!(yb.get(1).unwrap().to_vec1::<f64>().unwrap(), ops::linear(&t1(&[2.0, 3.0]), &w, Some(&b)).unwrap().to_vec1::<f64>().unwrap());
    let e = ops::linear(&t1(&[1.0, 2.0, 3.0]), &w, None).unwrap_err();
    assert!(e.to_string().contains("last axis"), "{e}");
}

// --- found by a tester trying to break it ---------------------------------------------------

#[test]
fn small_row_mixing_in_f32_is_caught_not_returned() {
    // J = W + 0.003·P with P a cyclic shift: x.roll mixes the rows of a batch, and at x = 0 the
    // every-row check sees nothing. The probes must catch it (their tolerance is per entry).
    let n = 512;
    let w = jacobian::rng::Generator::new(7).randn_f64(n * n).unwrap().reshape((n, n)).unwrap().to_dtype(DType::F32).unwrap();
    let x = Tensor::zeros(n, DType::F32, &Device::Cpu).unwrap();
    let f = |x: &Tensor| ops::linear(x, &w, None)? + (x.roll(1, x.rank() - 1)? * 0.003)?;
    let g = |x: &Tensor| ops::linear(x, &w, None)? + (x.roll(1, 0)? * 0.003)?;
    let want = jacobian_with(f, &x, &JacobianOptions::reverse()).unwrap();
    close(&jacobian(g, &x).unwrap(), &want, 1e-5);
    let e = jacobian_with(g, &x, &JacobianOptions::reverse_vectorized(None)).unwrap_err();
    assert!(matches!(e, Error::NotBatchable { .. }), "{e}");
    // and a batch-compatible f32 network still passes the checks
    let w2 = jacobian::rng::Generator::new(8).randn((64, 64)).unwrap();
    let net = |x: &Tensor| ops::linear(&ops::relu(&ops::linear(x, &w2, None)?)?, &w2, None);
    let x = jacobian::rng::Generator::new(9).randn(64).unwrap();
    let j = jacobian_with(net, &x, &JacobianOptions::reverse_vectorized(None)).unwrap();
    close(&j, &jacobian_with(net, &x, &JacobianOptions::reverse()).unwrap(), 1e-5);
}

#[test]
fn nested_transforms_do_not_trust_a_batch() {
    // Right at x0 for a batch, but with different derivatives: behaves differently by rank.
    let x0 = t1(&[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
    let c = 0.45;
    let f = move |x: &Tensor| {
        if x.rank() == 1 {
            x.sin()
        } else {
            x.sin()? + x.broadcast_sub(&x.mean_keepdim(0)?)?.broadcast_mul(&(x.mean_all()? - c)?)?
        }
    };
    let want = jacfwd(|x| Ok(jacobian_with(f, x, &JacobianOptions::reverse())?), &x0).unwrap();
    close(&jacfwd(|x| Ok(jacobian(f, x)?), &x0).unwrap(), &want, 1e-12);
    let e = jacfwd(|x| Ok(jacobian_with(f, x, &JacobianOptions::reverse_vectorized(None))?), &x0).unwrap_err();
    assert!(e.to_string().contains("inside another transform"), "{e}");
}

#[test]
fn max_and_min_with_infinities_and_nan_follow_torch() {
    let inf = f64::INFINITY;
    assert_eq!(ops::max_all(&t1(&[1.0, inf])).unwrap().to_scalar::<f64>().unwrap(), inf);
    assert_eq!(ops::min_all(&t1(&[-inf, 1.0])).unwrap().to_scalar::<f64>().unwrap(), -inf);
    assert_eq!(ops::max_all(&t1(&[-inf, -inf])).unwrap().to_scalar::<f64>().unwrap(), -inf);
    close(&gradient(ops::max_all, &t1(&[1.0, inf])).unwrap(), &t1(&[0.0, 1.0]), 0.0);
    for x in [[1.0, f64::NAN], [f64::NAN, 1.0]] {
        assert!(ops::max_all(&t1(&x)).unwrap().to_scalar::<f64>().unwrap().is_nan(), "{x:?}");
        let e = gradient(ops::max_all, &t1(&x)).unwrap_err();
        assert!(matches!(e, Error::NonFinite { .. }), "{e}");
    }
    assert!(ops::max_all(&t1(&[0.0, f64::NAN, 0.0])).unwrap().to_scalar::<f64>().unwrap().is_nan());
}

#[test]
fn nan_only_in_a_batch_falls_back_and_nan_input_is_non_finite() {
    // 0/0 only when the batch has more than one row.
    let x = t1(&[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
    let nanmix = |x: &Tensor| {
        if x.rank() == 1 {
            x.sin()
        } else {
            x.sin()?.broadcast_add(&(x.sum_keepdim(0)? * 0.0)?.broadcast_div(&(x.sum_keepdim(0)? * 0.0)?)?.narrow(0, 0, 1)?)
        }
    };
    close(&jacobian(nanmix, &x).unwrap(), &diag(&x.cos().unwrap()), 1e-15);
    for bad in [[f64::NAN, 2.0], [2.0, f64::NAN]] {
        let e = jacobian_with(|x: &Tensor| x.sin(), &t1(&bad), &JacobianOptions::reverse_vectorized(None)).unwrap_err();
        assert!(matches!(e, Error::NonFinite { .. }), "{bad:?}: {e}");
    }
}
