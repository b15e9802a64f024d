//! What a notebook of the Jacobian course loads with one dependency.
//!
//! The course kernel runs `:dep course = { path = … }` and `use course::prelude::*;` before
//! the learner's first cell (see `kernel-config/`), so a cell can go straight to the maths:
//!
//! ```
//! use course::prelude::*;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // f(x, y) = (x² + y, xy, sin x) at (1, 2), as in section 1 of notebook 03.
//! fn f(x: &Tensor) -> candle_core::Result<Tensor> {
//!     let (x0, x1) = (x.get(0)?, x.get(1)?);
//!     Tensor::stack(&[(x0.sqr()? + &x1)?, (&x0 * &x1)?, x0.sin()?], 0)
//! }
//! let j = jacobian(f, &tensor(&[1.0, 2.0])?)?;
//! assert_eq!(pretty(&j), "[[2.0000, 1.0000],\n [2.0000, 1.0000],\n [0.5403, 0.0000]]");
//! // As a cell's last expression, this draws the heatmap inline:
//! let picture = Heatmap::from_tensor(&j)?.title("J_f at (1, 2)");
//! # let _ = picture; Ok(()) }
//! ```
//!
//! - [`prelude`]: everything a cell needs, re-exported from [`jacobian`] and [`heatmap`];
//! - [`display`]: everything a cell can show ([`display::Show`]: tensors, heatmaps, feedback);
//! - [`format`]: tensors printed the way PyTorch prints them, so both notebooks read alike;
//! - [`tensors`]: `tensor`, `matrix`, `matvec`, `max_abs_diff`;
//! - [`exercise`]: the exercise system (one [`exercise::Exercise`] per exercise, declarative
//!   checks, reusable mistake detectors, free-text grading);
//! - [`kernel`]: the kernel's execution process: a clear message when it stops (variables lost),
//!   and output that is not UTF-8 repaired instead of silencing or shifting the rest of the session;
//! - [`nb03`]: notebook 03's four exercises and the checks its cells call;
//! - [`exercises`]: the names of earlier versions.
#![deny(missing_docs)]

pub mod display;
pub mod exercise;
pub mod exercises;
pub mod format;
pub mod kernel;
pub mod nb03;
pub mod prelude;
pub mod tensors;

pub use heatmap;
pub use jacobian;

// The README's Rust blocks (the authoring guide's complete example exercise) run as doctests.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
