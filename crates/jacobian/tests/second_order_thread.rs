//! candle reads CANDLE_GRAD_DO_NOT_DETACH once per thread. This binary holds a single test so the
//! process starts without the variable (unless the caller exported it): a thread that has already
//! run a candle backward must still get exact Hessians and JVPs, computed on a helper thread.
use candle_core::{Device, Tensor, Var};
use jacobian::{hessian, jacfwd, jvp, second_order};

#[test]
fn exact_second_order_after_a_detached_backward_in_this_thread() {
    let preset = std::env::var(second_order::ENV_VAR).is_ok();
    // A first-order backward in this thread, before this crate sets anything: candle now caches
    // "detach" for this thread (unless the variable was exported by the caller).
    let x = Var::from_tensor(&Tensor::new(1.0f64, &Device::Cpu).unwrap()).unwrap();
    let y = x.as_tensor().sqr().unwrap().sin().unwrap();
    let g = y.backward().unwrap().get(x.as_tensor()).unwrap().clone();
    // candle's own double backward in this thread: 2cos(1) = 1.0806 instead of −2.2853.
    let wrong = g.backward().unwrap().get(x.as_tensor()).unwrap().to_scalar::<f64>().unwrap();
    if !preset {
        assert!((wrong - 2.0 * 1f64.cos()).abs() < 1e-12, "candle's detached double backward gave {wrong}");
        assert!(!second_order::exact_in_this_thread());
    }
    // d²/dx² sin(x²) = 2cos(x²) − 4x²sin(x²) = −2.2853 at 1
    let exact = 2.0 * 1f64.cos() - 4.0 * 1f64.sin();
    let x = Tensor::new(&[1.0f64], &Device::Cpu).unwrap();
    let h = hessian(|x: &Tensor| x.sqr()?.sin()?.sum_all(), &x).unwrap();
    assert!((h.to_vec2::<f64>().unwrap()[0][0] - exact).abs() < 1e-12);
    // The closure runs in this thread even when the passes do not: a thread-local is visible.
    thread_local!(static CALLS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) });
    let f = |x: &Tensor| {
        CALLS.with(|c| c.set(c.get() + 1));
        Tensor::stack(&[x.sin()?.sum_all()?, x.sqr()?.sum_all()?, x.exp()?.sum_all()?, x.sum_all()?], 0)
    };
    let x = Tensor::new(&[0.5f64], &Device::Cpu).unwrap();
    let j = jacfwd(f, &x).unwrap().to_vec2::<f64>().unwrap();
    // J = (cos x, 2x, eˣ, 1)ᵀ
    let want = [0.5f64.cos(), 1.0, 0.5f64.exp(), 1.0];
    for (row, w) in j.iter().zip(want) {
        assert!((row[0] - w).abs() < 1e-14);
    }
    assert!(CALLS.with(|c| c.get()) >= 1);
    let (_, jv) = jvp(f, &x, &Tensor::new(&[2.0f64], &Device::Cpu).unwrap()).unwrap();
    let jv = jv.to_vec1::<f64>().unwrap();
    for (got, w) in jv.iter().zip(want) {
        assert!((got - 2.0 * w).abs() < 1e-14);
    }
}
