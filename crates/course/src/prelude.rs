//! `use course::prelude::*;`: what the course kernel imports before the first cell.
//!
//! Importing [`Show`] is what makes a bare `Tensor`, `Heatmap`, `Figure` or exercise feedback at
//! the end of a cell render as a picture: evcxr compiles `(value).evcxr_display()`, and the trait
//! supplies that method.
//!
//! The exercise checks of one notebook are imported here (notebook 03's); a later notebook imports
//! its own by name, `use course::nb04::{check_exercise_1, hint, solution};`, which shadows these
//! (a second glob import would make the names ambiguous).

pub use crate::display::Show;
pub use crate::exercise::{Feedback, Unanswered};
pub use crate::nb03::{check_exercise_1, check_exercise_2, check_exercise_3, check_exercise_4, hint, solution};
pub use crate::format::{pretty, Pretty};
pub use crate::tensors::{matrix, matvec, max_abs_diff, tensor};
pub use candle_core::{self, DType, Device, Tensor, D};
pub use heatmap::{heatmap, side_by_side, Figure, Heatmap};
pub use jacobian::nn::{Linear, Module, ReLU, Sequential, Sigmoid, Tanh};
pub use jacobian::ops::{relu, sigmoid, tanh};
// Only the explicit generator: in a notebook, globals do not carry over between cells (each
// cell is its own compiled library), so `manual_seed` in one cell would not seed `randn` in the next.
pub use jacobian::rng::Generator;
pub use jacobian::{
    chain, gradcheck, gradient, hessian, jacfwd, jacobian, jacobian_with, jacrev, jvp, layer_jacobian,
    linear_jacobian, relu_jacobian, sigmoid_jacobian, tanh_jacobian, vjp, Activation, JacobianOptions,
    Strategy,
};
// Composing transforms (notebook 03 section 7, and 04): several inputs, Hessian products, and
// max/min whose gradient splits ties as torch.amax does (candle's own gives 1 to every tie).
pub use jacobian::ops::{max_all, min_all};
pub use jacobian::{
    gradient2, gradient_argnums, hessian_with, hvp, jacobian2, jacobian_argnums, jacobian_multi, value_and_gradient,
    vhp,
};
