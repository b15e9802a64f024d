//! Property tests for composition (200 cases each), on random smooth functions in f64:
//! - nested transforms agree with each other, with `hessian`, and with central differences of
//!   the inner transform (`jacrev∘jacrev`, `jacfwd∘jacrev`, `jacrev∘gradient`, third derivatives);
//! - `argnums` Jacobians are the blocks of the Jacobian of the packed function;
//! - `hvp`/`vhp` equal `H v` from `hessian`;
//! - row-mixing closures given to the vectorized strategies, at points chosen to fool a row-0
//!   check, give the right matrix or `NotBatchable`, never a wrong one.
use candle_core::{DType, Device, Tensor};
use jacobian::{
    gradient, hessian, hessian_with, hvp, jacfwd, jacobian_argnums, jacobian_with, jacrev, ops, vhp, Error,
    JacobianOptions,
};
use proptest::prelude::*;

mod common;
use common::*;

type Closure<'a> = Box<dyn Fn(&Tensor) -> candle_core::Result<Tensor> + 'a>;

/// A scalar function from a program (sum of its outputs over the last axis), and its point.
fn scalar_case() -> impl Strategy<Value = (Program, Vec<f64>)> {
    program_and_point()
}

fn lift(e: jacobian::Error) -> candle_core::Error {
    e.into()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn nested_second_derivatives_agree((p, x) in scalar_case()) {
        let g = p.closure();
        let f = |x: &Tensor| g(x)?.sum(x.rank() - 1);
        let x = Tensor::from_vec(x, p.n, &Device::Cpu).unwrap();
        prop_assume!(f(&x).unwrap().to_scalar::<f64>().unwrap().abs() < 1e3);
        let h = to_vec(&hessian(f, &x).unwrap());
        prop_assume!(max_abs(&h) < 1e4);
        let scale = 1.0 + max_abs(&h);
        let nested: [(&str, jacobian::Result<Tensor>); 4] = [
            ("jacrev∘jacrev", jacrev(|x| jacrev(f, x).map_err(lift), &x)),
            ("jacfwd∘jacrev", jacfwd(|x| jacrev(f, x).map_err(lift), &x)),
            ("jacrev∘gradient", jacrev(|x| gradient(f, x).map_err(lift), &x)),
            ("jacfwd∘jacfwd", jacfwd(|x| jacfwd(f, x).map_err(lift), &x)),
        ];
        for (name, got) in nested {
            let got = got.unwrap();
            prop_assert_eq!(got.dims(), &[p.n, p.n]);
            prop_assert!(!got.track_op(), "{} returned an attached result", name);
            let d = max_diff(&to_vec(&got), &h);
            prop_assert!(d <= 1e-11 * scale, "{} differs from hessian by {}", name, d);
        }
        // Against central differences of the inner transform.
        let inner = |x: &Tensor| jacrev(f, x).map_err(lift);
        let fd = finite_differences(&inner, &x, 1e-5);
        let d = max_diff(&fd, &h);
        prop_assert!(d <= 1e-5 * scale, "finite differences of jacrev differ by {}", d);
    }

    #[test]
    fn third_derivatives_match_differences_of_the_hessian((p, x) in scalar_case()) {
        let g = p.closure();
        let f = |x: &Tensor| g(x)?.sum(x.rank() - 1);
        let n = p.n;
        let x = Tensor::from_vec(x, n, &Device::Cpu).unwrap();
        prop_assume!(f(&x).unwrap().to_scalar::<f64>().unwrap().abs() < 1e3);
        let hess = |x: &Tensor| hessian(f, x).map_err(lift);
        let t = jacrev(hess, &x).unwrap();
        prop_assert_eq!(t.dims(), &[n, n, n]);
        let tv = to_vec(&t);
        prop_assume!(max_abs(&tv) < 1e4);
        let scale = 1.0 + max_abs(&tv);
        // Symmetric in all three indices.
        for i in 0..n { for j in 0..n { for k in 0..n {
            let a = tv[(i * n + j) * n + k];
            prop_assert!((a - tv[(j * n + i) * n + k]).abs() <= 1e-10 * scale);
            prop_assert!((a - tv[(k * n + j) * n + i]).abs() <= 1e-10 * scale);
        }}}
        let fd = finite_differences(&hess, &x, 1e-5);
        let d = max_diff(&fd, &tv);
        prop_assert!(d <= 1e-4 * scale, "finite differences of the Hessian differ by {}", d);
        // Forward over the Hessian agrees.
        let tf = jacfwd(hess, &x).unwrap();
        prop_assert!(max_diff(&to_vec(&tf), &tv) <= 1e-10 * scale);
    }

    #[test]
    fn argnums_blocks_are_blocks_of_the_packed_jacobian((p, x) in program_and_point(), cut in 0usize..=4, rev in any::<bool>()) {
        // f(a, b) = program(cat(a, b)): ∂f/∂a and ∂f/∂b are the column blocks of J.
        let f = p.closure();
        let n = p.n;
        let cut = cut.min(n);
        prop_assume!(cut > 0 && cut < n);
        let xt = Tensor::from_vec(x.clone(), n, &Device::Cpu).unwrap();
        prop_assume!(max_abs(&to_vec(&f(&xt).unwrap())) < 1e3);
        let j = jacobian_with(&f, &xt, &JacobianOptions::reverse()).unwrap();
        let a = Tensor::from_vec(x[..cut].to_vec(), cut, &Device::Cpu).unwrap();
        let b = Tensor::from_vec(x[cut..].to_vec(), n - cut, &Device::Cpu).unwrap();
        let packed = |args: &[Tensor]| f(&Tensor::cat(&[&args[0], &args[1]], args[0].rank() - 1)?);
        let o = if rev { JacobianOptions::reverse_vectorized(Some(2)) } else { JacobianOptions::forward() };
        let blocks = jacobian_argnums(packed, &[&a, &b], &[1, 0], &o).unwrap();
        let scale = 1.0 + max_abs(&to_vec(&j));
        let want_b = j.narrow(1, cut, n - cut).unwrap();
        let want_a = j.narrow(1, 0, cut).unwrap();
        prop_assert!(max_diff(&to_vec(&blocks[0]), &to_vec(&want_b)) <= 1e-12 * scale);
        prop_assert!(max_diff(&to_vec(&blocks[1]), &to_vec(&want_a)) <= 1e-12 * scale);
    }

    #[test]
    fn hvp_is_the_hessian_times_v((p, x) in scalar_case(), v in prop::collection::vec(-1.0f64..1.0, 4)) {
        let g = p.closure();
        let f = |x: &Tensor| g(x)?.sum_all();
        let n = p.n;
        let x = Tensor::from_vec(x, n, &Device::Cpu).unwrap();
        prop_assume!(f(&x).unwrap().to_scalar::<f64>().unwrap().abs() < 1e3);
        let h = hessian(f, &x).unwrap();
        let vt = Tensor::from_vec(v[..n].to_vec(), n, &Device::Cpu).unwrap();
        let want = to_vec(&h.matmul(&vt.unsqueeze(1).unwrap()).unwrap());
        let scale = 1.0 + max_abs(&to_vec(&h));
        prop_assert!(max_diff(&to_vec(&hvp(f, &x, &vt).unwrap().1), &want) <= 1e-12 * scale);
        prop_assert!(max_diff(&to_vec(&vhp(f, &x, &vt).unwrap().1), &want) <= 1e-12 * scale);
    }

    #[test]
    fn row_mixing_closures_are_right_or_refused((p, x) in program_and_point(), mix in 0usize..5, chunk in 1usize..=4) {
        let g = p.closure();
        let n = p.n;
        let mut x = x;
        if n > 1 {
            // x₀ = mean(x): a row-0 check of x·mean(x) would pass here.
            x[0] = x[1..].iter().sum::<f64>() / (n - 1) as f64;
        }
        let x = Tensor::from_vec(x, n, &Device::Cpu).unwrap();
        // Each closure mixes the rows of a batch (B, n); on a single x it is a fine function.
        let f: Closure = match mix {
            0 => Box::new(|x: &Tensor| g(x)?.broadcast_mul(&x.mean_all()?)),
            1 => Box::new(|x: &Tensor| g(x)?.broadcast_mul(&ops::max_all(x)?)),
            2 => Box::new(|x: &Tensor| g(&x.broadcast_add(&x.sum_keepdim(0)?)?)),
            3 => Box::new(|x: &Tensor| { let e = g(x)?.exp()?; e.broadcast_div(&e.sum_keepdim(0)?) }),
            _ => Box::new(|x: &Tensor| g(&x.broadcast_sub(&x.mean_keepdim(0)?)?)),
        };
        prop_assume!(max_abs(&to_vec(&f(&x).unwrap())) < 1e3);
        let want = to_vec(&jacobian_with(&f, &x, &JacobianOptions::reverse()).unwrap());
        let scale = 1.0 + max_abs(&want);
        for o in [JacobianOptions::reverse_vectorized(None), JacobianOptions::reverse_vectorized(Some(chunk))] {
            match jacobian_with(&f, &x, &o) {
                Ok(j) => prop_assert!(max_diff(&to_vec(&j), &want) <= 1e-9 * scale, "mix {}: wrong matrix returned", mix),
                Err(Error::NotBatchable { .. }) => {}
                Err(e) => prop_assert!(false, "unexpected error {}", e),
            }
        }
        // The Hessian of the summed closure, likewise.
        let s = |x: &Tensor| f(x)?.sum(x.rank() - 1);
        prop_assume!(n > 0);
        let hw = to_vec(&hessian(s, &x).unwrap());
        let hscale = 1.0 + max_abs(&hw);
        match hessian_with(s, &x, &JacobianOptions::reverse_vectorized(Some(chunk))) {
            Ok(h) => prop_assert!(max_diff(&to_vec(&h), &hw) <= 1e-9 * hscale, "mix {}: wrong Hessian returned", mix),
            Err(Error::NotBatchable { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected error {}", e),
        }
    }
}

#[test]
fn mixing_at_a_fooling_point_is_refused_not_returned() {
    // Deterministic companion of the property above: x·mean(x) at (2, 1, 3).
    let x = Tensor::new(&[2.0f64, 1.0, 3.0], &Device::Cpu).unwrap();
    let f = |x: &Tensor| x.broadcast_mul(&x.mean_all()?);
    let e = jacobian_with(f, &x, &JacobianOptions::reverse_vectorized(None)).unwrap_err();
    assert!(matches!(e, Error::NotBatchable { .. }), "{e}");
    let j = jacobian_with(f, &x, &JacobianOptions::reverse()).unwrap().to_dtype(DType::F64).unwrap();
    let want = [[2.0 + 2.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0], [1.0 / 3.0, 2.0 + 1.0 / 3.0, 1.0 / 3.0], [1.0, 1.0, 3.0]];
    for (r, row) in j.to_vec2::<f64>().unwrap().iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            assert!((v - want[r][c]).abs() < 1e-12, "({r}, {c}): {v}");
        }
    }
}
