//! Every value the course notebook prints, against PyTorch's numbers in
//! `tests/data/seed_values.json` (a copy of `shared/reference/seed_values.json`, computed with
//! torch). Tolerance 1e-6 unless stated.
use jacobian::nn::{Linear, Module, ReLU, Sequential};
use jacobian::{
    chain, jacfwd, jacobian, jacobian_with, jacrev, layer_jacobian, linear_jacobian, ops, relu_jacobian, sigmoid_jacobian,
    Activation, Device, JacobianOptions, Tensor,
};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

const TOL: f64 = 1e-6;

fn data_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/seed_values.json")
}

fn shared_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/seed_values.json")
}

fn load() -> Value {
    let path = data_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the reference values at {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()))
}

fn det(v: &Value, key: &str) -> Value {
    v["deterministic"].get(key).unwrap_or_else(|| panic!("deterministic.{key} missing from seed_values.json")).clone()
}

fn vec1(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number")).collect()
}

fn vec2(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().expect("array").iter().map(vec1).collect()
}

fn t1(v: &[f64]) -> Tensor {
    Tensor::new(v.iter().map(|&x| x as f32).collect::<Vec<f32>>(), &Device::Cpu).unwrap()
}

fn t2(v: &[Vec<f64>]) -> Tensor {
    let rows = v.len();
    let cols = v.first().map_or(0, |r| r.len());
    let flat: Vec<f32> = v.iter().flatten().map(|&x| x as f32).collect();
    Tensor::from_vec(flat, (rows, cols), &Device::Cpu).unwrap()
}

fn assert_close1(got: &Tensor, want: &[f64], what: &str) {
    let got: Vec<f64> = got.to_dtype(jacobian::DType::F64).unwrap().to_vec1().unwrap();
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= TOL, "{what}[{i}]: got {g}, want {w}");
    }
}

fn assert_close2(got: &Tensor, want: &[Vec<f64>], what: &str) {
    assert_eq!(got.rank(), 2, "{what}: rank of {:?}", got.dims());
    let got: Vec<Vec<f64>> = got.to_dtype(jacobian::DType::F64).unwrap().to_vec2().unwrap();
    assert_eq!(got.len(), want.len(), "{what}: rows");
    for (i, (gr, wr)) in got.iter().zip(want).enumerate() {
        assert_eq!(gr.len(), wr.len(), "{what}: columns of row {i}");
        for (j, (g, w)) in gr.iter().zip(wr).enumerate() {
            assert!((g - w).abs() <= TOL, "{what}[{i}][{j}]: got {g}, want {w}");
        }
    }
}

/// Every strategy, so each reference value checks all of them.
fn strategies() -> Vec<JacobianOptions> {
    vec![JacobianOptions::new(), JacobianOptions::reverse(), JacobianOptions::forward()]
}

#[test]
fn the_copy_equals_the_shared_file() {
    let shared = shared_path();
    if shared.exists() {
        let a: Value = serde_json::from_str(&std::fs::read_to_string(&shared).unwrap()).unwrap();
        assert_eq!(a, load(), "tests/data/seed_values.json differs from {}; copy it again", shared.display());
    } else {
        eprintln!("note: {} not present; testing against the copy only", shared.display());
    }
}

#[test]
fn every_deterministic_entry_is_covered() {
    // If the reference gains an entry, this fails until a test covers it.
    let covered: BTreeSet<&str> = [
        "s1_f_at_1_2",
        "s1_jacobian_at_1_2",
        "s2_linear_jacobian",
        "s4_relu_z",
        "s4_relu_jacobian",
        "s5_preactivation",
        "s5_jacobian",
        "s5_jacobian_manual",
        "ex1_jacobian_at_1_2",
        "ex2_full_jacobian_shape_3_5_4_2_1",
        "ex4_sigmoid_jacobian_at_10",
        "ex4_sigmoid_derivative_at_10",
        "relu_jacobian_at_zero_torch_convention",
    ]
    .into_iter()
    .collect();
    let v = load();
    let keys: BTreeSet<&str> = v["deterministic"].as_object().expect("deterministic is an object").keys().map(|k| k.as_str()).collect();
    assert_eq!(keys, covered);
}

fn seed_f(x: &Tensor) -> candle_core::Result<Tensor> {
    // f(x, y) = (x² + y, xy, sin x)
    let (a, b) = (x.get(0)?, x.get(1)?);
    Tensor::stack(&[(a.sqr()? + &b)?, (&a * &b)?, a.sin()?], 0)
}

#[test]
fn s1_vector_function() {
    // J = [[2x, 1], [y, x], [cos x, 0]] at (1, 2)
    let v = load();
    let x = t1(&[1.0, 2.0]);
    assert_close1(&seed_f(&x).unwrap(), &vec1(&det(&v, "s1_f_at_1_2")), "s1 f(1, 2)");
    for o in strategies() {
        let j = jacobian_with(seed_f, &x, &o).unwrap();
        assert_eq!(j.dims(), &[3, 2]);
        assert_close2(&j, &vec2(&det(&v, "s1_jacobian_at_1_2")), "s1 Jacobian");
    }
}

#[test]
fn s2_linear_layer_jacobian_is_w() {
    // ∂(Wx + b)/∂x = W
    let v = load();
    let w = t2(&[vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]]);
    let b = t1(&[0.1, 0.2, 0.3]);
    let x = t1(&[1.0, 1.0]);
    let want = vec2(&det(&v, "s2_linear_jacobian"));
    let layer = |x: &Tensor| w.matmul(&x.unsqueeze(1)?)?.squeeze(1)? + &b;
    for o in strategies() {
        assert_close2(&jacobian_with(layer, &x, &o).unwrap(), &want, "s2 autodiff");
    }
    assert_close2(&linear_jacobian(&w).unwrap(), &want, "s2 closed form");
    let lin = Linear::from_tensors(w.clone(), b.clone()).unwrap();
    assert_close2(&lin.jacobian(&x).unwrap(), &want, "s2 nn::Linear");
    assert_close2(&jacobian(|x: &Tensor| lin.forward(x), &x).unwrap(), &want, "s2 nn::Linear autodiff");
}

#[test]
fn s4_relu_is_diagonal() {
    // J_ReLU = diag(1[z > 0])
    let v = load();
    let z = t1(&[2.0, -1.0, 3.0, -0.5]);
    assert_close1(&ops::relu(&z).unwrap(), &vec1(&det(&v, "s4_relu_z")), "s4 relu(z)");
    let want = vec2(&det(&v, "s4_relu_jacobian"));
    for o in strategies() {
        assert_close2(&jacobian_with(ops::relu, &z, &o).unwrap(), &want, "s4 autodiff");
    }
    assert_close2(&relu_jacobian(&z).unwrap(), &want, "s4 closed form");
    assert_close2(&ReLU.jacobian(&z).unwrap(), &want, "s4 nn::ReLU");
}

#[test]
fn s5_layer_with_relu() {
    // J = diag(1[z > 0]) W with z = W x + b = (0.4, 0.2, 1.4) at x = (0.1, 0.1): all positive,
    // so J = W. (The notebook prints "Row 2 zeroed (z[1] < 0)", which these numbers contradict.)
    let v = load();
    let w = t2(&[vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]]);
    let b = t1(&[0.1, -0.5, 0.3]);
    let x = t1(&[0.1, 0.1]);
    let z = (w.matmul(&x.unsqueeze(1).unwrap()).unwrap().squeeze(1).unwrap() + &b).unwrap();
    assert_close1(&z, &vec1(&det(&v, "s5_preactivation")), "s5 z");
    let layer = |x: &Tensor| ops::relu(&(w.matmul(&x.unsqueeze(1)?)?.squeeze(1)? + &b)?);
    for o in strategies() {
        assert_close2(&jacobian_with(layer, &x, &o).unwrap(), &vec2(&det(&v, "s5_jacobian")), "s5 autodiff");
    }
    let manual = chain(&relu_jacobian(&z).unwrap(), &w).unwrap();
    assert_close2(&manual, &vec2(&det(&v, "s5_jacobian_manual")), "s5 diag(z > 0) W");
    assert_close2(&layer_jacobian(&w, Some(&b), Activation::ReLU, &x).unwrap(), &vec2(&det(&v, "s5_jacobian_manual")), "s5 layer_jacobian");
}

#[test]
fn exercise_1_manual_jacobian() {
    // f(x, y) = (x² + y, xy, eˣ): J = [[2x, 1], [y, x], [eˣ, 0]] = [[2, 1], [2, 1], [e, 0]] at (1, 2)
    let v = load();
    let f = |x: &Tensor| {
        let (a, b) = (x.get(0)?, x.get(1)?);
        Tensor::stack(&[(a.sqr()? + &b)?, (&a * &b)?, a.exp()?], 0)
    };
    let x = t1(&[1.0, 2.0]);
    for o in strategies() {
        assert_close2(&jacobian_with(f, &x, &o).unwrap(), &vec2(&det(&v, "ex1_jacobian_at_1_2")), "ex1");
    }
}

#[test]
fn exercise_2_network_jacobian_shape() {
    // 3→5→4→2→1: ∂y/∂x has shape (1, 3) = (outputs, inputs)
    let v = load();
    let want: Vec<usize> = vec1(&det(&v, "ex2_full_jacobian_shape_3_5_4_2_1")).iter().map(|&d| d as usize).collect();
    let mut g = jacobian::rng::Generator::new(0);
    let net = Sequential::new()
        .append(Linear::with_generator(3, 5, &mut g).unwrap())
        .append(ReLU)
        .append(Linear::with_generator(5, 4, &mut g).unwrap())
        .append(ReLU)
        .append(Linear::with_generator(4, 2, &mut g).unwrap())
        .append(ReLU)
        .append(Linear::with_generator(2, 1, &mut g).unwrap());
    let x = t1(&[0.5, -0.3, 0.8]);
    assert_eq!(net.jacobian(&x).unwrap().dims(), want.as_slice());
    assert_eq!(jacobian(|x: &Tensor| net.forward(x), &x).unwrap().dims(), want.as_slice());
}

#[test]
fn exercise_4_sigmoid_saturation() {
    // σ'(10) = σ(10)(1 − σ(10)) ≈ 4.54e−5: the gradient nearly vanishes
    let v = load();
    let z = t1(&[10.0]);
    let want = vec2(&det(&v, "ex4_sigmoid_jacobian_at_10"));
    assert_close2(&sigmoid_jacobian(&z).unwrap(), &want, "ex4 closed form");
    assert_close2(&jacrev(ops::sigmoid, &z).unwrap(), &want, "ex4 jacrev");
    assert_close2(&jacfwd(ops::sigmoid, &z).unwrap(), &want, "ex4 jacfwd");
    let d = det(&v, "ex4_sigmoid_derivative_at_10").as_f64().expect("number");
    let got = ops::sigmoid_derivative(&z).unwrap().to_vec1::<f32>().unwrap()[0] as f64;
    assert!((got - d).abs() <= TOL, "σ'(10) = {got}, want {d}");
    // relative precision too (the value is tiny): within 1e-3 relative
    assert!((got - d).abs() <= 1e-3 * d, "σ'(10) = {got}, want {d}");
}

#[test]
fn relu_jacobian_at_zero_follows_torch() {
    // relu'(0) = 0 (torch and the course), not candle's 1: diag(1[z > 0]) at z = (0, 1, −1)
    let v = load();
    let z = t1(&[0.0, 1.0, -1.0]);
    let want = vec2(&det(&v, "relu_jacobian_at_zero_torch_convention"));
    assert_close2(&relu_jacobian(&z).unwrap(), &want, "closed form");
    for o in strategies() {
        assert_close2(&jacobian_with(ops::relu, &z, &o).unwrap(), &want, "autodiff through ops::relu");
    }
    assert_close2(&jacobian(|z: &Tensor| ReLU.forward(z), &z).unwrap(), &want, "autodiff through nn::ReLU");
}

// The entries under "rng" depend on torch's generator for W1, W2, x and the layer weights; the
// values themselves are deterministic functions of those tensors, which the JSON records, so the
// maths can be checked without the generator.

#[test]
fn s3_chain_rule_with_recorded_tensors() {
    // f = h ∘ g with g(x) = W1 x, h(z) = W2 z: J_f = J_h J_g = W2 W1
    let v = load();
    let r = &v["rng"];
    let w1 = t2(&vec2(&r["s3_W1"]));
    let w2 = t2(&vec2(&r["s3_W2"]));
    let x = t1(&vec1(&r["s3_x"]));
    let g = |x: &Tensor| w1.matmul(&x.unsqueeze(1)?)?.squeeze(1);
    let h = |z: &Tensor| w2.matmul(&z.unsqueeze(1)?)?.squeeze(1);
    let direct = jacobian(|x: &Tensor| h(&g(x)?), &x).unwrap();
    assert_close2(&direct, &vec2(&r["s3_J_direct"]), "s3 direct");
    let chained = chain(&jacobian(h, &g(&x).unwrap()).unwrap(), &jacobian(g, &x).unwrap()).unwrap();
    assert_close2(&chained, &vec2(&r["s3_J_chain"]), "s3 chain");
    let diff = (direct - chained).unwrap().abs().unwrap().max(0).unwrap().max(0).unwrap().to_scalar::<f32>().unwrap();
    assert!(diff as f64 <= r["s3_max_abs_diff"].as_f64().unwrap() + 1e-6);
}

#[test]
fn s6_simple_net_with_recorded_parameters() {
    // L = y², ∂L/∂x = 2·y·J_net
    let v = load();
    let p = &v["rng"]["s6_params"];
    let layer = |i: usize| Linear::from_tensors(t2(&vec2(&p[format!("layers.{i}.weight")])), t1(&vec1(&p[format!("layers.{i}.bias")]))).unwrap();
    let net = Sequential::new().append(layer(0)).append(ReLU).append(layer(2)).append(ReLU).append(layer(4));
    let x = t1(&[1.0, 2.0]);
    let y = net.forward(&x).unwrap();
    assert_close1(&y, &[v["rng"]["s6_y"].as_f64().unwrap()], "s6 y");
    let (_, grad) = net.input_gradient(&x, |y| y.sqr()?.sum_all()).unwrap();
    assert_close1(&grad, &vec1(&v["rng"]["s6_grad_x"]), "s6 ∂L/∂x");
    let j = jacobian(|x: &Tensor| net.forward(x), &x).unwrap();
    assert_close2(&j, &vec2(&v["rng"]["s6_J_net"]), "s6 J_net autodiff");
    assert_close2(&net.jacobian(&x).unwrap(), &vec2(&v["rng"]["s6_J_net"]), "s6 J_net closed form");
    let manual = j.broadcast_mul(&(&y * 2.0).unwrap().unsqueeze(1).unwrap()).unwrap().squeeze(0).unwrap();
    assert_close1(&manual, &vec1(&v["rng"]["s6_grad_manual"]), "s6 2·y·J");
    assert_close1(&net.backprop(&x, &(&y * 2.0).unwrap()).unwrap(), &vec1(&v["rng"]["s6_grad_manual"]), "s6 backprop");
}
