//! The crate's single error type, [`Error`], and its [`Result`] alias.
//!
//! Every variant names the operation that failed (`function`), what it expected and what it
//! was given, in the manner of candle's `ShapeMismatchBinaryOp { lhs, rhs, op }`.
use candle_core::DType;

/// Errors from every function in this crate.
///
/// Shapes are printed as dimension lists, e.g. `[2, 3, 4]`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error from candle itself, passed through.
    #[error(transparent)]
    Candle(#[from] candle_core::Error),

    /// A tensor (usually the point `x`) has a rank the function does not support.
    #[error("{function}: {what} must be {expected}, got shape {got:?}")]
    InputRank {
        /// The public function that was called, e.g. `"jacobian"`.
        function: &'static str,
        /// Which tensor, e.g. `"x"` or `"J_h"`.
        what: &'static str,
        /// The ranks it accepts, in words, e.g. `"0-d, 1-D or 2-D"`.
        expected: &'static str,
        /// The shape it was given.
        got: Vec<usize>,
    },

    /// A tensor has an integer dtype where a float dtype (f16, bf16, f32, f64) is required.
    #[error("{function}: {what} must have a float dtype (f16, bf16, f32 or f64), got {got:?}")]
    DType {
        /// The public function that was called.
        function: &'static str,
        /// Which tensor, e.g. `"x"` or `"the closure's output"`.
        what: &'static str,
        /// The dtype it had.
        got: DType,
    },

    /// Two tensors that must share a dtype do not.
    #[error("{function}: {what} must have dtype {expected:?}, got {got:?}")]
    DTypeMismatch {
        /// The public function that was called.
        function: &'static str,
        /// Which tensor, e.g. `"bias"` or `"J_g"`.
        what: &'static str,
        /// The dtype it must share (the other tensor's).
        expected: DType,
        /// The dtype it has.
        got: DType,
    },

    /// A tensor has the wrong shape.
    #[error("{function}: {what} must have shape {expected:?}, got shape {got:?}")]
    Shape {
        /// The public function that was called.
        function: &'static str,
        /// Which tensor, e.g. `"v"` or `"the bias"`.
        what: &'static str,
        /// The shape that was expected.
        expected: Vec<usize>,
        /// The shape that was given.
        got: Vec<usize>,
    },

    /// A function that needs a scalar (one-element) output got a larger one.
    #[error(
        "{function}: f must return a scalar (0-d or one element), got shape {got:?}; \
         use `jacobian` for vector-valued functions"
    )]
    NotScalar {
        /// The public function that was called, e.g. `"gradient"` or `"hessian"`.
        function: &'static str,
        /// The shape of the closure's output.
        got: Vec<usize>,
    },

    /// Two Jacobians cannot be multiplied in a chain-rule product `J_h · J_g`.
    #[error(
        "{function}: cannot form J_h · J_g: J_h has shape {lhs:?}, so J_g must have {expected_rows} rows, \
         but J_g has shape {rhs:?}"
    )]
    ChainShape {
        /// The public function that was called, e.g. `"chain"`.
        function: &'static str,
        /// Shape of the left factor `J_h`.
        lhs: Vec<usize>,
        /// Shape of the right factor `J_g`.
        rhs: Vec<usize>,
        /// The number of rows `J_g` needed (the number of columns of `J_h`).
        expected_rows: usize,
    },

    /// `strict` mode: the closure's output does not depend on `x` at all.
    #[error(
        "{function}: the output of f does not depend on x (strict mode); \
         with strict = false the result would be all zeros, like torch's strict=False"
    )]
    Independent {
        /// The public function that was called.
        function: &'static str,
    },

    /// The result contains NaN or infinite values. Reported, never hidden.
    #[error(
        "{function}: the {what} contains {count} non-finite value(s) (NaN or inf); \
         the first is {value} at index {index:?}"
    )]
    NonFinite {
        /// The public function that was called.
        function: &'static str,
        /// Which result, e.g. `"Jacobian"` or `"gradient"`.
        what: &'static str,
        /// How many entries are NaN or infinite.
        count: usize,
        /// The multi-index of the first such entry.
        index: Vec<usize>,
        /// Its value (NaN, inf or -inf).
        value: f64,
    },

    /// The user's closure returned an error. The message says in which pass.
    #[error("{function}: the closure f failed during {pass}: {source}")]
    Closure {
        /// The public function that was called.
        function: &'static str,
        /// Which evaluation, e.g. `"the forward pass at x"` or `"the vectorized pass for rows 0..64"`.
        pass: String,
        /// The closure's error.
        #[source]
        source: candle_core::Error,
    },

    /// candle's reverse pass (`Tensor::backward`) failed, e.g. on an op without a backward rule.
    #[error("{function}: candle's backward pass failed during {pass}: {source}")]
    Backward {
        /// The public function that was called.
        function: &'static str,
        /// Which pass, e.g. `"the reverse pass for output 3"`.
        pass: String,
        /// candle's error.
        #[source]
        source: candle_core::Error,
    },

    /// An option is out of range, e.g. `chunk_size = 0` or a non-positive step size.
    #[error("{function}: invalid option {option}: expected {expected}, got {got}")]
    InvalidOption {
        /// The public function that was called.
        function: &'static str,
        /// The option's name, e.g. `"chunk_size"`.
        option: &'static str,
        /// What it must be.
        expected: &'static str,
        /// What it was, printed.
        got: String,
    },

    /// The vectorized strategy was chosen but the closure does not treat a leading batch
    /// dimension independently (it is not vmap-compatible).
    #[error(
        "{function}: the vectorized strategy needs a closure that maps a batch (B, ...x.shape) \
         row by row to (B, ...f(x).shape): {detail}; use Strategy::ReverseRows instead"
    )]
    NotBatchable {
        /// The public function that was called.
        function: &'static str,
        /// What the check found.
        detail: String,
    },

    /// Exact second-order derivatives could not be enabled in candle (see [`crate::second_order`]).
    #[error("{function}: could not enable exact second-order gradients in candle: {detail}")]
    SecondOrder {
        /// The public function that was called.
        function: &'static str,
        /// What went wrong.
        detail: String,
    },

    /// [`crate::gradcheck`]: autodiff and finite differences disagree.
    #[error(
        "gradcheck: Jacobian mismatch for output {output} with respect to input {input}: \
         analytical {analytical:e}, numerical {numerical:e}, |difference| {abs_err:e} \
         > atol {atol:e} + rtol {rtol:e} · |numerical|"
    )]
    GradcheckFailed {
        /// Flat index of the output entry.
        output: usize,
        /// Flat index of the input entry.
        input: usize,
        /// Autodiff's value.
        analytical: f64,
        /// The central finite difference.
        numerical: f64,
        /// `|analytical − numerical|`.
        abs_err: f64,
        /// Absolute tolerance used.
        atol: f64,
        /// Relative tolerance used.
        rtol: f64,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Lets our errors flow through closures and `Module::forward`, which return
/// `candle_core::Result`: the message is kept (candle stores it as a wrapped `Display`).
impl From<Error> for candle_core::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Candle(inner) => inner,
            other => candle_core::Error::wrap(other),
        }
    }
}

/// Adds the calling function and pass to a candle error coming out of the user's closure.
pub(crate) trait ClosureContext<T> {
    /// Maps a closure error to [`Error::Closure`].
    fn in_closure(self, function: &'static str, pass: impl FnOnce() -> String) -> Result<T>;
    /// Maps a candle backward error to [`Error::Backward`].
    fn in_backward(self, function: &'static str, pass: impl FnOnce() -> String) -> Result<T>;
}

impl<T> ClosureContext<T> for candle_core::Result<T> {
    fn in_closure(self, function: &'static str, pass: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| Error::Closure { function, pass: pass(), source })
    }
    fn in_backward(self, function: &'static str, pass: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| Error::Backward { function, pass: pass(), source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_function_expected_and_given() {
        let e = Error::InputRank { function: "jacobian", what: "x", expected: "0-d, 1-D or 2-D", got: vec![2, 3, 4] };
        assert_eq!(e.to_string(), "jacobian: x must be 0-d, 1-D or 2-D, got shape [2, 3, 4]");
        let e = Error::ChainShape { function: "chain", lhs: vec![4, 3], rhs: vec![2, 2], expected_rows: 3 };
        assert!(e.to_string().contains("J_h has shape [4, 3]"), "{e}");
        assert!(e.to_string().contains("J_g has shape [2, 2]"), "{e}");
    }

    #[test]
    fn round_trips_through_candle_error() {
        let e = Error::NotScalar { function: "gradient", got: vec![3] };
        let c: candle_core::Error = e.into();
        assert!(c.to_string().contains("gradient: f must return a scalar"), "{c}");
        // A wrapped candle error comes back unchanged.
        let inner = candle_core::Error::Msg("boom".into());
        let c: candle_core::Error = Error::Candle(inner).into();
        assert_eq!(c.to_string(), "boom");
    }

    #[test]
    fn error_is_send_and_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Error>();
    }
}
