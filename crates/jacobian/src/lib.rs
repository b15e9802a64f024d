//! Jacobians, gradients, Hessians, VJPs and JVPs of closures over [candle](candle_core) tensors,
//! with closed-form layer Jacobians, a tiny `nn` and a seeded random source: the maths under the
//! course notebook *03: Jacobian Matrix and Backpropagation*.
//!
//! The names follow `torch.func` and JAX. Every differentiation function takes a closure
//! `Fn(&Tensor) -> candle_core::Result<Tensor>` and a point `x`, and returns this crate's
//! [`Result`]:
//!
//! | function | computes | shape | mirrors |
//! |---|---|---|---|
//! | [`jacobian`], [`jacobian_with`] | `∂f_i/∂x_j` | `f(x).shape ++ x.shape`, `(m, n)` for vectors | `torch.autograd.functional.jacobian` |
//! | [`jacrev`] / [`jacfwd`] | same, reverse / forward mode | same | `torch.func.jacrev` / `jacfwd` |
//! | [`vjp`] / [`jvp`] | `(f(x), vᵀJ)` / `(f(x), J v)` | `x.shape` / `f(x).shape` | `torch.func.vjp` / `jvp` |
//! | [`gradient`], [`value_and_gradient`] | `∇f` of a scalar `f` | `x.shape` | `torch.func.grad`, `jax.value_and_grad` |
//! | [`hessian`], [`hessian_with`] | `∇²f`, exact | `(n, n)` | `torch.func.hessian` |
//! | [`hvp`] / [`vhp`] | `H v` / `vᵀH` without forming `H` (two passes) | `x.shape` | `torch.autograd.functional.hvp` / `vhp` |
//! | [`jacobian_argnums`], [`jacobian2`] | `∂f/∂xs[a]` for each `a` in `argnums` | one block per input | `jacrev(f, argnums=…)` |
//! | [`jacobian_multi`] | several outputs × several inputs | `[output][input]` | tuple outputs of `torch.func.jacrev` |
//! | [`gradient_argnums`], [`gradient2`] | gradients of a scalar `f(x, y, …)` | one per input | `torch.func.grad(f, argnums=…)` |
//! | [`gradcheck`] | autodiff vs finite differences | report | `torch.autograd.gradcheck` |
//!
//! # Every transform
//!
//! - **Composition.** Transforms nest to any depth: `jacfwd(|x| Ok(jacrev(f, x)?), &x)` is the
//!   Hessian, three `jacrev`s give third derivatives, and a closure may capture the point of an
//!   outer transform (no perturbation confusion). A transform is *nested* when its `x` carries a
//!   graph (`x.track_op()`), when its closure's output reaches a variable of a transform that is
//!   still running (a captured outer point), or when a vector it contracts with carries a graph;
//!   it then differentiates at `x + z` with a zero variable `z` of its own and returns a result
//!   that keeps its graph, like `create_graph=True` in `torch.autograd.grad`. Plain calls at top
//!   level return detached results and cost nothing extra. Inside a closure, write
//!   `Ok(jacrev(f, x)?)`: closures return candle's `Result`, transforms this crate's.
//! - **Outputs independent of `x`** give zeros (torch's `strict=False`); with
//!   [`JacobianOptions::strict`] they are [`Error::Independent`].
//! - **NaN and ±inf** in a result are [`Error::NonFinite`] (count and first index), unless
//!   [`JacobianOptions::check_finite`] is off; a nested transform checks its own result, so the
//!   error names the innermost transform that produced it.
//! - **Vectorized strategies** never return a matrix they have not checked: every batch row must
//!   equal `f(x)` and random `vᵀJ` probes must equal plain VJPs entry by entry within a roundoff
//!   bound (Hessians: plus symmetry), or the result is [`Error::NotBatchable`]. Inside another
//!   transform a checked vectorized strategy is refused (the outer derivative of the batched
//!   graph cannot be checked), and [`Strategy::Auto`] does not try one there.
//! - **Results at top level** are detached, unless the closure captures a candle `Var` of the
//!   caller's (then they keep the graph, as for a nested call).
//!
//! How a Jacobian is computed is a [`Strategy`] in [`JacobianOptions`]: reverse mode row by row,
//! reverse mode vectorized over a batch-compatible closure (with a `chunk_size`), or forward mode
//! (emulated exactly by the double-VJP trick). By default ([`Strategy::Auto`]) a closure made
//! of [`ops`]' `linear`/`matvec`/`relu`/`sigmoid`/`tanh` and [`nn`] layers, with element-wise
//! candle ops such as `+ b` between them, needs no batched pass: those ops record their local
//! Jacobians while `f(x)` is evaluated, and when they make up the whole graph `J` is their
//! product. [`layers`] has the closed forms (`W`,
//! `diag(1[z > 0])`, `diag(σ(1 − σ))`, `J_σ·W`, `J_h·J_g`), [`nn`] a PyTorch-shaped
//! `Linear`/`ReLU`/`Sigmoid`/`Tanh`/`Sequential`, [`ops`] activations whose derivatives follow
//! PyTorch (`relu'(0) = 0`), and [`rng`] a seeded generator.
//!
//! Three candle traps are handled for you: candle's double backward is silently wrong unless
//! `CANDLE_GRAD_DO_NOT_DETACH` is set (see [`second_order`] for what this crate does about it),
//! candle's `relu'(0)` is 1 (use [`ops::relu`]), and candle's `max_all` gives the whole gradient
//! to every tied maximum (use [`ops::max_all`], which splits it as `torch.amax` does).
//!
//! ```
//! use jacobian::{jacobian, hessian, ops, Tensor, Device};
//! # fn main() -> jacobian::Result<()> {
//! // The Jacobian of a layer with ReLU is J_ReLU · W = diag(1[z > 0]) W (the course's section 5).
//! let w = Tensor::new(&[[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]], &Device::Cpu)?;
//! let b = Tensor::new(&[0.1f32, -0.5, 0.3], &Device::Cpu)?;
//! let layer = |x: &Tensor| ops::relu(&(w.matmul(&x.unsqueeze(1)?)?.squeeze(1)? + &b)?);
//! let x = Tensor::new(&[0.1f32, 0.0], &Device::Cpu)?;
//! let j = jacobian(layer, &x)?; // z = (0.2, −0.2, 0.8): row 2 is zeroed
//! assert_eq!(j.to_vec2::<f32>()?, [[1.0, 2.0], [0.0, 0.0], [5.0, 6.0]]);
//!
//! // An exact Hessian: d²/dx² sin(x²) = 2cos(x²) − 4x²sin(x²) = −2.2853 at 1.
//! let h = hessian(|x: &Tensor| x.sqr()?.sin()?.sum_all(), &Tensor::new(&[1.0f64], &Device::Cpu)?)?;
//! assert!((h.to_vec2::<f64>()?[0][0] + 2.2853).abs() < 1e-4);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

// `jacobian`, `hessian` and `gradcheck` are both modules and functions; the modules stay private
// (their items are re-exported below) so that `use jacobian::jacobian;` imports only the function
// and `jacobian::Tensor` keeps naming this crate.
mod argnums;
mod engine;
pub mod error;
mod gradcheck;
mod hessian;
mod jacobian;
pub mod layers;
pub mod nn;
pub mod ops;
mod products;
pub mod rng;
pub mod second_order;
mod tape;

pub use argnums::{gradient2, gradient_argnums, jacobian2, jacobian_argnums, jacobian_multi};
pub use candle_core::{DType, Device, Tensor};
pub use error::{Error, Result};
pub use gradcheck::{gradcheck, GradcheckOptions, GradcheckReport};
pub use hessian::{gradient, hessian, hessian_with, value_and_gradient};
pub use jacobian::{jacfwd, jacobian, jacobian_with, jacrev, JacobianOptions, Strategy, AUTO_VECTORIZED_MIN_OUTPUTS};
pub use layers::{chain, chain_layers, layer_jacobian, linear_jacobian, relu_jacobian, sigmoid_jacobian, tanh_jacobian, Activation};
pub use nn::{LayerStructure, Linear, Module, Sequential};
pub use products::{hvp, jvp, vhp, vjp};
