//! `cargo bench -p jacobian`: the workloads of docs/DESIGN.md's peer table, f32 on the CPU.
//!
//! - `seed_f`: the course's f(x, y) = (x² + y, xy, sin x) at (1, 2);
//! - `mlp_256`: Linear(256, 256), ReLU, Linear(256, 256), ReLU, Linear(256, 256);
//! - `mlp_1024`: Linear(1024, 1024), ReLU, Linear(1024, 1024);
//! - `hessian_tanh_128`: the Hessian of Σ tanh(W x)², W of shape (128, 128).
//!
//! Each workload is measured with several of our strategies; `bench/peers.py` reads the results
//! (target/criterion/<workload>/<variant>/new/estimates.json) and divides by PyTorch and JAX.
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use jacobian::nn::{Linear, ReLU, Sequential};
use jacobian::rng::Generator;
use jacobian::{hessian, hessian_with, jacfwd, jacobian, jacobian_with, jacrev, ops, Device, JacobianOptions, Tensor};
use std::time::Duration;

fn seed_f(x: &Tensor) -> candle_core::Result<Tensor> {
    let (a, b) = (x.get(0)?, x.get(1)?);
    Tensor::stack(&[(a.sqr()? + &b)?, (&a * &b)?, a.sin()?], 0)
}

/// The network, and its (weight, bias) pairs for the same network written by hand.
fn mlp(sizes: &[usize], g: &mut Generator) -> (Sequential, Vec<(Tensor, Tensor)>) {
    let mut net = Sequential::new();
    let mut params = Vec::new();
    for (k, w) in sizes.windows(2).enumerate() {
        if k > 0 {
            net.push(ReLU);
        }
        let layer = Linear::with_generator(w[0], w[1], g).expect("weights");
        params.push((layer.weight().clone(), layer.bias().clone()));
        net.push(layer);
    }
    (net, params)
}

fn bench_seed(c: &mut Criterion) {
    let x = Tensor::new(&[1.0f32, 2.0], &Device::Cpu).expect("x");
    let mut group = c.benchmark_group("seed_f");
    group.bench_function("jacobian", |b| b.iter(|| jacobian(seed_f, black_box(&x)).expect("J")));
    group.bench_function("jacrev", |b| b.iter(|| jacrev(seed_f, black_box(&x)).expect("J")));
    group.bench_function("jacfwd", |b| b.iter(|| jacfwd(seed_f, black_box(&x)).expect("J")));
    group.finish();
}

fn bench_mlp(c: &mut Criterion, name: &str, sizes: &[usize], rows: bool) {
    let mut g = Generator::new(0);
    let (net, layers) = mlp(sizes, &mut g);
    let x = g.randn(sizes[0]).expect("x");
    let f = |x: &Tensor| net.forward(x);
    // The same network written by hand from the prelude's ops, as a learner would.
    let by_hand = |x: &Tensor| {
        let mut h = x.clone();
        for (k, (w, b)) in layers.iter().enumerate() {
            if k > 0 {
                h = ops::relu(&h)?;
            }
            h = ops::linear(&h, w, Some(b))?;
        }
        Ok(h)
    };
    // The prelude's way with a separate bias, `relu(matvec(W, h) + b)`: candle's `+` is an op
    // the tape does not know, so this takes the checked batched path.
    let with_plus = |x: &Tensor| {
        let mut h = x.clone();
        for (k, (w, b)) in layers.iter().enumerate() {
            if k > 0 {
                h = ops::relu(&h)?;
            }
            h = (ops::matvec(w, &h)? + b)?;
        }
        Ok(h)
    };
    let mut group = c.benchmark_group(name);
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    group.bench_function("sequential_closed_form", |b| b.iter(|| net.jacobian(black_box(&x)).expect("J")));
    // Default options, as a learner calls it: Auto tries one checked batched pass.
    group.bench_function("jacobian_default", |b| b.iter(|| jacobian(f, black_box(&x)).expect("J")));
    group.bench_function("jacobian_default_ops", |b| b.iter(|| jacobian(by_hand, black_box(&x)).expect("J")));
    group.bench_function("jacobian_default_plus_b", |b| b.iter(|| jacobian(with_plus, black_box(&x)).expect("J")));
    let vectorized = JacobianOptions::reverse_vectorized(None).verify_vectorized(false);
    group.bench_function("jacrev_vectorized", |b| b.iter(|| jacobian_with(f, black_box(&x), &vectorized).expect("J")));
    let checked = JacobianOptions::reverse_vectorized(None);
    group.bench_function("jacrev_vectorized_verified", |b| b.iter(|| jacobian_with(f, black_box(&x), &checked).expect("J")));
    if rows {
        group.bench_function("jacrev_rows", |b| b.iter(|| jacrev(f, black_box(&x)).expect("J")));
    }
    group.finish();
}

fn bench_mlps(c: &mut Criterion) {
    bench_mlp(c, "mlp_256", &[256, 256, 256, 256], true);
    bench_mlp(c, "mlp_1024", &[1024, 1024, 1024], false);
}

fn bench_hessian(c: &mut Criterion) {
    let n = 128;
    let mut g = Generator::new(1);
    let w = (g.randn((n, n)).expect("W") / (n as f64).sqrt()).expect("scale");
    let wt = w.t().expect("t").contiguous().expect("contiguous");
    let x = g.randn(n).expect("x");
    // Σ tanh(W x)², batch-compatible: (..., n) → (...)
    let f = |x: &Tensor| match x.rank() {
        1 => x.unsqueeze(0)?.matmul(&wt)?.tanh()?.sqr()?.sum_all(),
        _ => x.matmul(&wt)?.tanh()?.sqr()?.sum(1),
    };
    let mut group = c.benchmark_group("hessian_tanh_128");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    let vectorized = JacobianOptions::reverse_vectorized(None).verify_vectorized(false);
    group.bench_function("hessian_vectorized", |b| b.iter(|| hessian_with(f, black_box(&x), &vectorized).expect("H")));
    let checked = JacobianOptions::reverse_vectorized(None);
    group.bench_function("hessian_vectorized_verified", |b| b.iter(|| hessian_with(f, black_box(&x), &checked).expect("H")));
    group.bench_function("hessian_rows", |b| b.iter(|| hessian_with(f, black_box(&x), &JacobianOptions::reverse()).expect("H")));
    group.bench_function("hessian_default", |b| b.iter(|| hessian(f, black_box(&x)).expect("H")));
    group.finish();
}

criterion_group!(benches, bench_seed, bench_mlps, bench_hessian);
criterion_main!(benches);
