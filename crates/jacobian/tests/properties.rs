//! Property tests (200 cases each): random small shapes and random smooth functions built from
//! matmul, sin, tanh, exp and sigmoid, in f64.
//! - every Jacobian strategy agrees with every other and with central finite differences;
//! - vjp and jvp are vᵀJ and J v;
//! - the Hessian is symmetric, agrees across strategies and matches finite differences of the
//!   gradient;
//! - gradcheck passes.
use candle_core::{Device, Tensor};
use jacobian::{gradcheck, gradient, hessian_with, jacobian_with, jvp, vjp, GradcheckOptions, JacobianOptions};
use proptest::prelude::*;

mod common;
use common::*;

fn all_strategies(m: usize, chunk: usize) -> Vec<JacobianOptions> {
    vec![
        JacobianOptions::new(),
        JacobianOptions::reverse(),
        JacobianOptions::reverse_vectorized(None),
        JacobianOptions::reverse_vectorized(Some(chunk.clamp(1, m.max(1)))),
        JacobianOptions::forward(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn jacobian_strategies_agree_with_each_other_and_finite_differences((p, x) in program_and_point(), chunk in 1usize..=4) {
        let f = p.closure();
        let x = Tensor::from_vec(x, p.n, &Device::Cpu).unwrap();
        let y = to_vec(&f(&x).unwrap());
        prop_assume!(max_abs(&y) < 1e3);
        let reference = to_vec(&jacobian_with(&f, &x, &JacobianOptions::reverse()).unwrap());
        let scale = 1.0 + max_abs(&reference);
        for o in all_strategies(p.m(), chunk) {
            let j = jacobian_with(&f, &x, &o).unwrap();
            prop_assert_eq!(j.dims(), &[p.m(), p.n]);
            let d = max_diff(&to_vec(&j), &reference);
            prop_assert!(d <= 1e-12 * scale, "{:?} differs from reverse rows by {}", o.strategy, d);
        }
        // Central differences err by about eps²·f'''/6: trust them where the Jacobian (a proxy for
        // the curvature of these compositions) is moderate; sin∘exp∘exp∘exp can reach 1e4.
        if scale < 1e3 {
            let fd = finite_differences(&f, &x, 1e-6);
            let d = max_diff(&fd, &reference);
            prop_assert!(d <= 1e-5 * scale, "finite differences differ by {} (scale {})", d, scale);
        }
    }

    #[test]
    fn two_d_inputs_and_scalar_outputs((p, x) in program_and_point(), rows in 1usize..=3, chunk in 1usize..=5) {
        // f(X) applies the program to each row of X (rows, n): J has shape (rows, m, rows, n).
        let f = p.closure();
        let mut data = x.clone();
        for r in 1..rows {
            data.extend(x.iter().map(|v| v * (0.5 + 0.25 * r as f64)));
        }
        let x2 = Tensor::from_vec(data, (rows, p.n), &Device::Cpu).unwrap();
        prop_assume!(max_abs(&to_vec(&f(&x2).unwrap())) < 1e3);
        let reference = jacobian_with(&f, &x2, &JacobianOptions::reverse()).unwrap();
        prop_assert_eq!(reference.dims(), &[rows, p.m(), rows, p.n]);
        let reference = to_vec(&reference);
        let scale = 1.0 + max_abs(&reference);
        for o in [JacobianOptions::forward(), JacobianOptions::reverse_vectorized(Some(chunk))] {
            let d = max_diff(&to_vec(&jacobian_with(&f, &x2, &o).unwrap()), &reference);
            prop_assert!(d <= 1e-12 * scale, "{:?}: {}", o.strategy, d);
        }
        if scale < 1e3 {
            // As above: central differences are trusted where the curvature is moderate.
            let d = max_diff(&finite_differences(&f, &x2, 1e-6), &reference);
            prop_assert!(d <= 1e-5 * scale, "finite differences: {}", d);
        }
        // 0-d output: Σ f, Jacobian shape = x's shape (rows, n), equal to the gradient.
        let s = |x: &Tensor| f(x)?.sum_all();
        let js = jacobian_with(s, &x2, &JacobianOptions::forward()).unwrap();
        prop_assert_eq!(js.dims(), &[rows, p.n]);
        let g = gradient(s, &x2).unwrap();
        prop_assert!(max_diff(&to_vec(&js), &to_vec(&g)) <= 1e-12 * scale);
    }

    #[test]
    fn vjp_and_jvp_are_products_with_the_jacobian((p, x) in program_and_point(), seed in prop::collection::vec(-1.0f64..1.0, 8)) {
        let f = p.closure();
        let (n, m) = (p.n, p.m());
        let x = Tensor::from_vec(x, n, &Device::Cpu).unwrap();
        prop_assume!(max_abs(&to_vec(&f(&x).unwrap())) < 1e3);
        let j = to_vec(&jacobian_with(&f, &x, &JacobianOptions::reverse()).unwrap());
        let scale = 1.0 + max_abs(&j);
        let v: Vec<f64> = seed[..m].to_vec();
        let u: Vec<f64> = seed[4..4 + n].to_vec();
        let (_, vj) = vjp(&f, &x, &Tensor::from_vec(v.clone(), m, &Device::Cpu).unwrap()).unwrap();
        let expect: Vec<f64> = (0..n).map(|c| (0..m).map(|r| v[r] * j[r * n + c]).sum()).collect();
        prop_assert!(max_diff(&to_vec(&vj), &expect) <= 1e-12 * scale);
        let (_, ju) = jvp(&f, &x, &Tensor::from_vec(u.clone(), n, &Device::Cpu).unwrap()).unwrap();
        let expect: Vec<f64> = (0..m).map(|r| (0..n).map(|c| j[r * n + c] * u[c]).sum()).collect();
        prop_assert!(max_diff(&to_vec(&ju), &expect) <= 1e-12 * scale);
    }

    #[test]
    fn hessian_is_symmetric_and_matches_finite_differences_of_the_gradient((p, x) in program_and_point(), chunk in 1usize..=4) {
        // f(x) = Σ_i program(x)_i, scalar per row (batch-compatible: sum over the last axis).
        let g = p.closure();
        let f = |x: &Tensor| g(x)?.sum(x.rank() - 1);
        let n = p.n;
        let x = Tensor::from_vec(x, n, &Device::Cpu).unwrap();
        prop_assume!(f(&x).unwrap().to_scalar::<f64>().unwrap().abs() < 1e3);
        let h = hessian_with(f, &x, &JacobianOptions::new()).unwrap();
        prop_assert_eq!(h.dims(), &[n, n]);
        let hv = to_vec(&h);
        // Finite differences of the gradient lose accuracy as eps²·f'''' grows; keep to functions
        // whose curvature is moderate (exp∘exp∘exp can reach |H| ~ 1e7).
        prop_assume!(max_abs(&hv) < 1e4);
        let scale = 1.0 + max_abs(&hv);
        let ht = to_vec(&h.t().unwrap().contiguous().unwrap());
        prop_assert!(max_diff(&hv, &ht) <= 1e-12 * scale, "asymmetry {}", max_diff(&hv, &ht));
        for o in [JacobianOptions::forward(), JacobianOptions::reverse_vectorized(None), JacobianOptions::reverse_vectorized(Some(chunk))] {
            let d = max_diff(&to_vec(&hessian_with(f, &x, &o).unwrap()), &hv);
            prop_assert!(d <= 1e-12 * scale, "{:?}: {}", o.strategy, d);
        }
        let grad = |x: &Tensor| -> candle_core::Result<Tensor> { Ok(gradient(f, x)?) };
        let fd = finite_differences(&grad, &x, 1e-5);
        let d = max_diff(&fd, &hv);
        prop_assert!(d <= 1e-5 * scale, "finite differences of the gradient differ by {}", d);
    }

    #[test]
    fn gradcheck_passes_on_smooth_functions((p, x) in program_and_point()) {
        let f = p.closure();
        let x = Tensor::from_vec(x, p.n, &Device::Cpu).unwrap();
        prop_assume!(max_abs(&to_vec(&f(&x).unwrap())) < 1e3);
        let r = gradcheck(&f, &x, GradcheckOptions::default()).unwrap();
        prop_assert!(r.passed, "{}", r);
    }
}
