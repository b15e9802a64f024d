//! The tape of known ops (`Strategy::Auto` on closures built from `ops::linear`/`matvec`,
//! `relu`, `sigmoid`, `tanh` and `nn`): it must give the matrix candle's reverse passes give,
//! and finite differences, for every chain of those ops with candle's element-wise ops between
//! them, and fall back (still right) as soon as the closure uses an op that mixes entries. f64
//! throughout.
use candle_core::{DType, Device, Tensor, Var};
use jacobian::nn::{Linear, ReLU, Sequential, Sigmoid, Tanh};
use jacobian::{hessian, jacfwd, jacobian, jacobian_with, ops, Error, JacobianOptions};
use proptest::prelude::*;

mod common;
use common::{finite_differences, max_abs, max_diff, to_vec};

#[derive(Debug, Clone)]
enum Op {
    /// `ops::linear(h, W, Some(b))`, or `ops::matvec(W, h)` when `bias` is false.
    Linear { out: usize, weights: Vec<f64>, bias: bool },
    Relu,
    Sigmoid,
    Tanh,
    /// Candle's element-wise ops: checked links of the tape's chain.
    Sin,
    AddConstant,
    /// `h + Σh`: mixes entries, not a link of the chain (the fallback).
    AddSum,
}

fn op(unknown: bool) -> impl Strategy<Value = Op> {
    let linear = (1usize..=6, prop::collection::vec(-1.5f64..1.5, 36), any::<bool>())
        .prop_map(|(out, weights, bias)| Op::Linear { out, weights, bias });
    if unknown {
        prop_oneof![3 => linear, 1 => Just(Op::Relu), 1 => Just(Op::Sigmoid), 1 => Just(Op::Tanh), 1 => Just(Op::Sin), 1 => Just(Op::AddConstant), 1 => Just(Op::AddSum)].boxed()
    } else {
        prop_oneof![3 => linear, 2 => Just(Op::Relu), 1 => Just(Op::Sigmoid), 1 => Just(Op::Tanh)].boxed()
    }
}

fn closure(n: usize, ops_: &[Op]) -> impl Fn(&Tensor) -> candle_core::Result<Tensor> + '_ {
    let mut d = n;
    let params: Vec<Option<(Tensor, Tensor)>> = ops_
        .iter()
        .map(|o| match o {
            Op::Linear { out, weights, .. } => {
                let w = Tensor::from_vec(weights[..out * d].to_vec(), (*out, d), &Device::Cpu).unwrap();
                let b = Tensor::from_vec(weights[..*out].iter().map(|v| v * 0.5).collect::<Vec<_>>(), *out, &Device::Cpu).unwrap();
                d = *out;
                Some((w, b))
            }
            _ => None,
        })
        .collect();
    move |x: &Tensor| {
        let mut h = x.clone();
        for (o, p) in ops_.iter().zip(&params) {
            h = match (o, p) {
                (Op::Linear { bias: true, .. }, Some((w, b))) => ops::linear(&h, w, Some(b))?,
                (Op::Linear { bias: false, .. }, Some((w, _))) => ops::matvec(w, &h)?,
                (Op::Relu, _) => ops::relu(&h)?,
                (Op::Sigmoid, _) => ops::sigmoid(&h)?,
                (Op::Tanh, _) => ops::tanh(&h)?,
                (Op::Sin, _) => h.sin()?,
                (Op::AddConstant, _) => (h + 0.25)?,
                (Op::AddSum, _) => h.broadcast_add(&h.sum_keepdim(h.rank() - 1)?)?,
                (Op::Linear { .. }, None) => candle_core::bail!("missing weights"),
            };
        }
        Ok(h)
    }
}

fn program(unknown: bool) -> impl Strategy<Value = (usize, Vec<Op>, Vec<f64>)> {
    (1usize..=6, prop::collection::vec(op(unknown), 1..=6))
        .prop_flat_map(|(n, ops)| (Just(n), Just(ops), prop::collection::vec(-1.0f64..1.0, n)))
}

/// Auto against candle's reverse rows (1e-12 relative) and central differences.
fn check(n: usize, ops_: &[Op], x: Vec<f64>) -> Result<(), TestCaseError> {
    let f = closure(n, ops_);
    let x = Tensor::from_vec(x, n, &Device::Cpu).unwrap();
    let reference = jacobian_with(&f, &x, &JacobianOptions::reverse()).unwrap();
    let auto = jacobian(&f, &x).unwrap();
    prop_assert_eq!(auto.dims(), reference.dims());
    let (auto, reference) = (to_vec(&auto), to_vec(&reference));
    let scale = 1.0 + max_abs(&reference);
    let d = max_diff(&auto, &reference);
    prop_assert!(d <= 1e-12 * scale, "Auto differs from reverse rows by {}", d);
    // Central differences straddle ReLU's kink near z = 0: trusted for smooth chains only (the
    // comparison with candle's passes above covers ReLU).
    if !ops_.iter().any(|o| matches!(o, Op::Relu)) && scale < 1e3 {
        let d = max_diff(&finite_differences(&f, &x, 1e-6), &reference);
        prop_assert!(d <= 1e-5 * scale, "finite differences differ by {}", d);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn tape_matches_reverse_rows_and_finite_differences((n, ops_, x) in program(false)) {
        check(n, &ops_, x)?;
    }

    #[test]
    fn candle_ops_in_between_are_links_or_fall_back((n, ops_, x) in program(true)) {
        check(n, &ops_, x)?;
    }
}

#[test]
fn sequential_mlp_every_activation() {
    // Wide to narrow (accumulated from the output) and narrow to wide (from the input).
    let mut g = jacobian::rng::Generator::new(3);
    for (a, b, c) in [(9, 7, 3), (2, 5, 12)] {
        let net = Sequential::new()
            .append(Linear::with_generator(a, b, &mut g).unwrap()).append(ReLU)
            .append(Linear::with_generator(b, b, &mut g).unwrap()).append(Tanh)
            .append(Linear::with_generator(b, c, &mut g).unwrap()).append(Sigmoid)
            .append(Linear::with_generator(c, c, &mut g).unwrap()).append(ReLU);
        let x = g.randn(a).unwrap();
        let auto = jacobian(|x| net.forward(x), &x).unwrap();
        let rows = jacobian_with(|x| net.forward(x), &x, &JacobianOptions::reverse()).unwrap();
        let closed = net.jacobian(&x).unwrap();
        assert_eq!(auto.dims(), &[c, a]);
        assert!(max_diff(&to_vec(&auto), &to_vec(&rows)) < 1e-6);
        assert!(max_diff(&to_vec(&auto), &to_vec(&closed)) < 1e-6);
    }
}

#[test]
fn relu_at_zero_and_dead_layers_are_exact() {
    // relu'(0) = 0; a layer whose units are all dead gives an exact zero Jacobian.
    let w = Tensor::new(&[[1.0f64, -1.0], [2.0, 0.5], [-1.0, -1.0]], &Device::Cpu).unwrap();
    let x = Tensor::new(&[1.0f64, 1.0], &Device::Cpu).unwrap(); // W x = (0, 2.5, −2)
    let j = jacobian(|x| ops::relu(&ops::matvec(&w, x)?), &x).unwrap();
    assert_eq!(j.to_vec2::<f64>().unwrap(), [[0.0, 0.0], [2.0, 0.5], [0.0, 0.0]]);
    let neg = Tensor::full(-5.0f64, (3, 2), &Device::Cpu).unwrap();
    let w3 = Tensor::ones((4, 3), DType::F64, &Device::Cpu).unwrap();
    let f = |x: &Tensor| ops::tanh(&ops::matvec(&w3, &ops::relu(&ops::matvec(&neg, x)?)?)?);
    assert_eq!(jacobian(f, &x).unwrap().to_vec2::<f64>().unwrap(), vec![vec![0.0; 2]; 4]);
    // Element-wise only (a diagonal Jacobian), on a 2-D x: shape (2, 2, 2, 2).
    let x2 = Tensor::new(&[[0.5f64, -1.0], [0.0, 2.0]], &Device::Cpu).unwrap();
    let j = jacobian(|x| ops::relu(&ops::tanh(x)?), &x2).unwrap();
    assert_eq!(j.dims(), &[2, 2, 2, 2]);
    let j = j.reshape((4, 4)).unwrap().to_vec2::<f64>().unwrap();
    let t = |v: f64| 1.0 - v.tanh().powi(2);
    let want = [t(0.5), 0.0, 0.0, t(2.0)];
    for (i, row) in j.iter().enumerate() {
        for (k, v) in row.iter().enumerate() {
            assert_eq!(*v, if i == k { want[i] } else { 0.0 }, "({i}, {k})");
        }
    }
    // The identity closure.
    assert_eq!(jacobian(|x| Ok(x.clone()), &x).unwrap().to_vec2::<f64>().unwrap(), [[1.0, 0.0], [0.0, 1.0]]);
}

#[test]
fn dead_unit_behind_infinite_weight_is_zero_as_in_candle() {
    // candle's where_cond backward selects (0 for a dead unit, whatever the cotangent), and so
    // does the tape: an infinite weight after a dead unit gives 0, not inf·0 = NaN.
    let w1 = Tensor::new(&[[1.0f64, 0.0], [0.0, 1.0]], &Device::Cpu).unwrap();
    let w2 = Tensor::new(&[[f64::INFINITY, 1.0]], &Device::Cpu).unwrap();
    let x = Tensor::new(&[-1.0f64, 2.0], &Device::Cpu).unwrap();
    let f = |x: &Tensor| ops::matvec(&w2, &ops::relu(&ops::matvec(&w1, x)?)?);
    let rows = jacobian_with(f, &x, &JacobianOptions::reverse()).unwrap();
    let auto = jacobian(f, &x).unwrap();
    assert_eq!(auto.to_vec2::<f64>().unwrap(), rows.to_vec2::<f64>().unwrap());
    assert_eq!(auto.to_vec2::<f64>().unwrap(), [[0.0, 1.0]]);
}

#[test]
fn non_finite_and_errors_are_reported() {
    let w = Tensor::new(&[[1.0f64, 2.0]], &Device::Cpu).unwrap();
    let x = Tensor::new(&[f64::NAN, 1.0], &Device::Cpu).unwrap();
    // tanh'(NaN) is NaN: reported, never returned.
    let e = jacobian(|x| ops::matvec(&w, &ops::tanh(x)?), &x).unwrap_err();
    assert!(matches!(e, Error::NonFinite { .. }), "{e}");
    // A shape error from the op is the closure's error.
    let x = Tensor::new(&[1.0f64, 2.0, 3.0], &Device::Cpu).unwrap();
    let e = jacobian(|x| ops::matvec(&w, x), &x).unwrap_err();
    assert!(matches!(e, Error::Closure { .. }), "{e}");
    let b = Tensor::new(&[1.0f64, 2.0], &Device::Cpu).unwrap();
    let x = Tensor::new(&[1.0f64, 2.0], &Device::Cpu).unwrap();
    let e = jacobian(|x| ops::linear(x, &w, Some(&b)), &x).unwrap_err();
    assert!(e.to_string().contains("b must have shape [1]"), "{e}");
}

#[test]
fn trained_weights_and_captured_variables_take_candles_path() {
    // A weight that is a Var is not a constant: the op does not record, and the result is right.
    let w = Var::from_tensor(&Tensor::new(&[[1.0f64, -2.0], [0.5, 3.0]], &Device::Cpu).unwrap()).unwrap();
    let x = Tensor::new(&[0.3f64, 0.7], &Device::Cpu).unwrap();
    let j = jacobian(|x| ops::tanh(&ops::matvec(w.as_tensor(), x)?), &x).unwrap();
    let z = [1.0 * 0.3 - 2.0 * 0.7, 0.5 * 0.3 + 3.0 * 0.7f64];
    let want = [[(1.0 - z[0].tanh().powi(2)) * 1.0, (1.0 - z[0].tanh().powi(2)) * -2.0],
                [(1.0 - z[1].tanh().powi(2)) * 0.5, (1.0 - z[1].tanh().powi(2)) * 3.0]];
    let got = j.to_vec2::<f64>().unwrap();
    for i in 0..2 {
        for k in 0..2 {
            assert!((got[i][k] - want[i][k]).abs() < 1e-15, "{got:?}");
        }
    }
}

#[test]
fn nested_transforms_over_taped_ops() {
    // f(x) = Σ tanh(W x)²: H = Wᵀ diag(2(1 − t²)(1 − 3t²)) W. The inner jacobian is nested (no
    // tape), the outer one's closure calls a transform (no tape): both go through candle.
    let w = Tensor::new(&[[0.5f64, -1.0, 0.3], [0.2, 0.8, -0.6], [1.1, 0.1, 0.4], [-0.7, 0.5, 0.9]], &Device::Cpu).unwrap();
    let x = Tensor::new(&[0.3f64, -0.2, 0.5], &Device::Cpu).unwrap();
    let g = |x: &Tensor| ops::tanh(&ops::matvec(&w, x)?)?.sqr()?.sum_all();
    let z = w.matmul(&x.unsqueeze(1).unwrap()).unwrap().squeeze(1).unwrap();
    let t2 = z.tanh().unwrap().sqr().unwrap();
    let d = ((((1.0 - &t2).unwrap() * (1.0 - (&t2 * 3.0).unwrap()).unwrap()).unwrap()) * 2.0).unwrap();
    let expected = w.t().unwrap().broadcast_mul(&d.unsqueeze(0).unwrap()).unwrap().matmul(&w).unwrap();
    let via_jac = jacobian(|x| Ok(jacobian(g, x)?), &x).unwrap();
    let via_fwd = jacfwd(|x| Ok(jacobian(g, x)?), &x).unwrap();
    let h = hessian(g, &x).unwrap();
    for m in [&via_jac, &via_fwd, &h] {
        assert!(max_diff(&to_vec(m), &to_vec(&expected)) < 1e-14);
    }
    // The Jacobian of a taped vector function inside an outer transform: J(x) = diag(1 − t²) W,
    // differentiated again; compare with finite differences of the inner Jacobian.
    let v = |x: &Tensor| ops::tanh(&ops::matvec(&w, x)?);
    let outer = jacobian(|x| Ok(jacobian(v, x)?), &x).unwrap();
    assert_eq!(outer.dims(), &[4, 3, 3]);
    let inner = |x: &Tensor| -> candle_core::Result<Tensor> { Ok(jacobian(v, x)?) };
    let fd = finite_differences(&inner, &x, 1e-6);
    assert!(max_diff(&to_vec(&outer), &fd) < 1e-7);
}

#[test]
fn f32_mlp_matches_closed_form() {
    let mut g = jacobian::rng::Generator::new(5);
    let net = Sequential::new()
        .append(Linear::with_generator(64, 48, &mut g).unwrap()).append(ReLU)
        .append(Linear::with_generator(48, 32, &mut g).unwrap());
    let x = g.randn(64).unwrap();
    assert_eq!(x.dtype(), DType::F32);
    let auto = jacobian(|x| net.forward(x), &x).unwrap();
    assert_eq!(auto.dtype(), DType::F32);
    assert!(max_diff(&to_vec(&auto), &to_vec(&net.jacobian(&x).unwrap())) < 1e-6);
}

#[test]
fn sigmoid_slope_keeps_autodiffs_precision() {
    // σ′(10) in f32: autodiff through the overflow-free formula gives a/(1 + a)² (a = e⁻¹⁰)
    // without cancellation; σ(1 − σ) in f32 would keep 3 digits (4.5416676e-5 against 4.5397868e-5).
    // The course's exercise 4 tells the two apart, so the tape must give autodiff's number.
    let w = Tensor::new(&[[1.0f32]], &Device::Cpu).unwrap();
    for z in [10.0f32, -10.0, 0.0, 30.0, -30.0, 1.5] {
        let x = Tensor::new(&[z], &Device::Cpu).unwrap();
        let rows = jacobian_with(ops::sigmoid, &x, &JacobianOptions::reverse()).unwrap().to_vec2::<f32>().unwrap()[0][0];
        let auto = jacobian(ops::sigmoid, &x).unwrap().to_vec2::<f32>().unwrap()[0][0];
        let taped = jacobian(|x| ops::sigmoid(&ops::matvec(&w, x)?), &x).unwrap().to_vec2::<f32>().unwrap()[0][0];
        let exact = { let a = (-(z as f64).abs()).exp(); a / (1.0 + a).powi(2) };
        for v in [rows, auto, taped] {
            assert!(((v as f64) - exact).abs() <= 4.0 * f32::EPSILON as f64 * exact, "z = {z}: {v:e} against {exact:e}");
        }
    }
}
