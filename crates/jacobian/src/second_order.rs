//! Exact second-order gradients on candle: why and how this crate turns them on.
//!
//! # The trap
//! candle-core 0.11's `Tensor::backward` *detaches* the cotangent at every node unless the
//! environment variable `CANDLE_GRAD_DO_NOT_DETACH` is set to a non-empty value other than `"0"`.
//! With detaching, a gradient still records *some* dependence on `x` (through the primal values
//! a backward rule reads), so differentiating it again gives a plausible but wrong number: for
//! `sin(x²)` at `x = 1` the double backward returns `2·cos 1 = 1.0806` instead of
//! `2·cos 1 − 4·sin 1 = −2.2853`. Forward mode through the double-VJP trick is wrong for the same
//! reason. candle reads the variable **once per thread**, into a `thread_local!`, the first time
//! that thread runs a backward pass (see `candle-core/src/backprop.rs`).
//!
//! # What this crate does
//! Every function that needs gradients of gradients ([`crate::hessian`], [`crate::jvp`],
//! [`crate::jacfwd`], and [`crate::Strategy::Forward`]) runs its reverse passes through one
//! crate-private helper, which:
//! 1. sets `CANDLE_GRAD_DO_NOT_DETACH=1` for the process, once, unless it is already set to a
//!    true value (`std::env::set_var`; see the safety note below);
//! 2. probes the *current* thread: it differentiates `sin(x²)` twice at `x = 1` and compares with
//!    the closed form `−2.2853`. The first probe is also what makes candle read the variable in a
//!    thread that has never run a backward pass. The answer is cached per thread;
//! 3. if the probe passes, the reverse passes run inline; if not (this thread ran a candle
//!    backward before the variable was set, so candle cached "detach"), they run on one helper
//!    thread that the crate starts on first need (after setting the variable, so candle reads it
//!    there) and keeps for later calls; it probes itself too. Only the reverse passes move: the
//!    user's closure is always evaluated in the calling thread (the graph it records is plain
//!    data), so closures need not be `Send` or `Sync` and thread-locals in them behave. A panic
//!    during the passes is re-raised in the caller.
//!
//! Results are identical either way; only first-order code in *other* threads that start after the
//! variable is set keeps the backward graph of its gradients (more memory, same values).
//! Setting the variable in the environment beforehand (the course's kernel spec does) avoids both
//! the `set_var` call and the extra thread.
//!
//! # Safety note on `set_var`
//! Changing the environment while another thread reads it through C's `getenv` is a data race on
//! some platforms (hence `unsafe` in edition 2024). This crate sets it at most once per process,
//! and only when it is not already set; Rust's own `std::env` accessors are synchronised. If that
//! is a concern, export `CANDLE_GRAD_DO_NOT_DETACH=1` before starting the program.
use crate::{Error, Result};
use candle_core::{DType, Device, Tensor, Var};
use std::cell::Cell;
use std::sync::{mpsc, Mutex, Once, OnceLock};

/// The environment variable candle 0.11 reads to keep gradients attached to the graph.
pub const ENV_VAR: &str = "CANDLE_GRAD_DO_NOT_DETACH";

static SET_ENV: Once = Once::new();

thread_local! {
    static EXACT_HERE: Cell<Option<bool>> = const { Cell::new(None) };
}

fn env_is_true() -> bool {
    match std::env::var(ENV_VAR) {
        Ok(s) => !s.is_empty() && s != "0",
        Err(_) => false,
    }
}

/// Sets `CANDLE_GRAD_DO_NOT_DETACH=1` once per process unless it is already true.
fn ensure_env() {
    SET_ENV.call_once(|| {
        if !env_is_true() {
            // Edition 2021: `set_var` is a safe function. See the module docs for why this is
            // done at most once and only when needed.
            std::env::set_var(ENV_VAR, "1");
        }
    });
}

/// Second derivative of `sin(x²)` at `x = 1` through candle's double backward.
/// Exact: `d²/dx² sin(x²) = 2·cos(x²) − 4x²·sin(x²)`, i.e. `−2.2853` at 1; detached: `1.0806`.
fn probe() -> candle_core::Result<bool> {
    let x = Var::from_tensor(&Tensor::new(1.0f64, &Device::Cpu)?)?;
    let y = x.as_tensor().sqr()?.sin()?;
    let g = match y.backward()?.get(x.as_tensor()) {
        Some(g) => g.clone(),
        None => return Ok(false),
    };
    let h = match g.backward()?.get(x.as_tensor()) {
        Some(h) => h.to_dtype(DType::F64)?.to_scalar::<f64>()?,
        None => return Ok(false),
    };
    let exact = 2.0 * 1f64.cos() - 4.0 * 1f64.sin();
    Ok((h - exact).abs() < 1e-9)
}

/// Whether candle computes exact second-order gradients in the calling thread.
///
/// Calling this may set `CANDLE_GRAD_DO_NOT_DETACH=1` for the process (see the module docs) and
/// runs one tiny probe the first time per thread. `false` means second-order work called from
/// this thread will run on a helper thread.
pub fn exact_in_this_thread() -> bool {
    ensure_env();
    EXACT_HERE.with(|c| match c.get() {
        Some(b) => b,
        None => {
            let b = probe().unwrap_or(false);
            c.set(Some(b));
            b
        }
    })
}

/// A unit of second-order work for the helper thread.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// The helper thread's queue. The thread starts on first use, after the environment variable is
/// set, so candle reads "do not detach" in it; it then serves every call that cannot run inline.
static WORKER: OnceLock<Mutex<Option<mpsc::Sender<Job>>>> = OnceLock::new();

fn worker() -> &'static Mutex<Option<mpsc::Sender<Job>>> {
    WORKER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        let spawned = std::thread::Builder::new().name("jacobian-second-order".into()).spawn(move || {
            for job in rx {
                job();
            }
        });
        Mutex::new(spawned.ok().map(|_| tx))
    })
}

/// Runs `work` where candle's double backward is exact: inline if this thread allows it,
/// otherwise on the crate's helper thread (see the module docs). A panic inside `work` is
/// re-raised in the caller.
pub(crate) fn run<R, W>(function: &'static str, work: W) -> Result<R>
where
    R: Send + 'static,
    W: FnOnce() -> Result<R> + Send + 'static,
{
    if exact_in_this_thread() {
        return work();
    }
    let (tx, rx) = mpsc::sync_channel::<std::thread::Result<Result<R>>>(1);
    let job: Job = Box::new(move || {
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if !exact_in_this_thread() {
                return Err(Error::SecondOrder {
                    function,
                    detail: format!(
                        "the helper thread still detaches gradients although {ENV_VAR} is {:?}",
                        std::env::var(ENV_VAR).ok()
                    ),
                });
            }
            work()
        }));
        // The caller may have gone away; nothing to report then.
        let _ = tx.send(out);
    });
    let sent = match worker().lock() {
        Ok(guard) => match guard.as_ref() {
            Some(sender) => sender.send(job).is_ok(),
            None => false,
        },
        Err(_) => false,
    };
    if !sent {
        return Err(Error::SecondOrder { function, detail: "the helper thread is not running".into() });
    }
    match rx.recv() {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => Err(Error::SecondOrder { function, detail: "the helper thread stopped before answering".into() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_gives_exact_second_derivative_even_after_a_detached_backward() {
        // Force this thread's candle flag the wrong way round if the env is not yet set: run a
        // backward first. Either way `run` must give the exact value.
        let x = Var::from_tensor(&Tensor::new(0.5f64, &Device::Cpu).unwrap()).unwrap();
        let _ = x.as_tensor().sqr().unwrap().backward().unwrap();
        let ok = run("test", || Ok(probe()?)).unwrap();
        assert!(ok);
    }
}
