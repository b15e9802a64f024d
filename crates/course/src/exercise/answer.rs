//! What a learner may hand to a check, and how floats are compared.
//!
//! The checks take answers in any reasonable form, so that a wrong shape reaches the checker (and
//! gets a diagnosis) instead of stopping rustc:
//!
//! | kind | accepted |
//! |---|---|
//! | [`MatrixAnswer`] | `[[T; C]; R]` of any size, `Vec<Vec<T>>`, `Vec<[T; C]>`, `[Vec<T>; R]`, a flat `[T; N]` / `Vec<T>` (read as one row), a [`Tensor`] of rank 0–2 |
//! | [`VectorAnswer`] | `[T; N]`, `Vec<T>`, `&[T]`, tuples `(a, b)` and `(a, b, c)`, a [`Tensor`] with one row or column |
//! | [`ScalarAnswer`] | any [`Number`], a one-element array, `Vec` or [`Tensor`] (shape `[]`, `[1]`, `[1, 1]`) |
//! | [`ShapeAnswer`] | `(rows, cols)` of any integer type, `[usize; N]`, `Vec<usize>`, a string such as `"1x3"`, or a [`Tensor`] (its shape) |
//! | [`TextAnswer`] | `char`, `&str`, `String` |
//!
//! where `T` is any [`Number`] (`f64`, `f32`, or an integer). Each kind also accepts:
//! `Option<A>` (`None` is "not attempted"), the scaffold's [`Unanswered`], a reference, and a
//! `Result<A, E>` (what a library call returns without its `?`: an `Err` is "error in your code").
//! A type that still cannot be accepted gets a compiler message in the course's terms
//! (`#[diagnostic::on_unimplemented]`), not one about these traits.

use candle_core::{DType, Tensor};
use heatmap::Matrix;
use thiserror::Error;

/// Why an answer cannot be read as the kind of answer a check expects; shown as "error in your
/// code".
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct ReadError(pub String);

/// What reading an answer gives: `None` if not attempted, else the value or why it is unreadable.
pub type Read<T> = Option<Result<T, ReadError>>;

/// How two floats are compared: `|got − want| ≤ abs + rel·|want|`.
///
/// The absolute part matters for entries that should be 0, the relative part for large ones.
///
/// ```
/// use course::exercise::Tolerance;
/// let tol = Tolerance { abs: 1e-4, rel: 5e-3 };
/// assert!(tol.accepts(2.72, std::f64::consts::E)); // e to 3 significant digits
/// assert!(!tol.accepts(2.7, std::f64::consts::E));
/// assert!(tol.accepts(0.00005, 0.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// Absolute part.
    pub abs: f64,
    /// Relative part, a fraction of `|want|`.
    pub rel: f64,
}

impl Tolerance {
    /// `|got − want| ≤ abs + rel·|want|`; never true for NaN.
    pub fn accepts(&self, got: f64, want: f64) -> bool {
        (got - want).abs() <= self.abs + self.rel * want.abs()
    }
}

/// The untouched scaffold: `let answer_1 = Unanswered;`. Every check reads it as "not attempted
/// yet". Replace it with your answer in any form the check accepts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unanswered;

/// One entry of an answer: `f64`, `f32` or any primitive integer.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a number the course can read",
    label = "write a number here",
    note = "an entry of an answer is a number such as `2.0`, `-3`, `1f64.exp()` or `4.54e-5` (f64, f32 or an integer)"
)]
pub trait Number: Copy {
    /// The value as f64.
    fn to_f64(self) -> f64;
}

macro_rules! number {
    ($($t:ty),*) => {$(
        impl Number for $t {
            #[allow(clippy::cast_lossless, clippy::cast_precision_loss)]
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}
number!(f64, f32, i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

/// Implements a kind for `Option<A>`, `&A`, `Unanswered` and `Result<A, E>`.
macro_rules! wrappers {
    ($tr:ident, $m:ident, $t:ty) => {
        impl<A: $tr> $tr for Option<A> {
            fn $m(&self) -> Read<$t> {
                self.as_ref().and_then(|a| a.$m())
            }
        }
        impl<A: $tr + ?Sized> $tr for &A {
            fn $m(&self) -> Read<$t> {
                (**self).$m()
            }
        }
        impl $tr for Unanswered {
            fn $m(&self) -> Read<$t> {
                None
            }
        }
        impl<A: $tr, E: std::fmt::Display> $tr for Result<A, E> {
            fn $m(&self) -> Read<$t> {
                match self {
                    Ok(a) => a.$m(),
                    Err(e) => {
                        // The first line: candle appends a backtrace when RUST_BACKTRACE is set.
                        let e = e.to_string();
                        let e = e.lines().next().unwrap_or("").trim();
                        Some(Err(ReadError(format!(
                            "the code that computes it failed ({e}); add `?` after the call to see the \
                             error where it happens"
                        ))))
                    }
                }
            }
        }
    };
}

fn tensor_f64(t: &Tensor) -> Result<Vec<f64>, ReadError> {
    t.to_dtype(DType::F64)
        .and_then(|t| t.flatten_all())
        .and_then(|t| t.to_vec1::<f64>())
        .map_err(|e| ReadError(format!("the tensor cannot be read ({e})")))
}

/// Something that reads as a matrix, of any shape (a wrong shape is the checker's to diagnose).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a matrix answer",
    label = "this should be a matrix",
    note = "write a matrix row by row, e.g. `[[2.0, 1.0], [2.0, 1.0], [1f64.exp(), 0.0]]` (any size), as `vec![vec![…], …]`, or as a `Tensor` from `matrix(&[…])` or the library; leave `Unanswered` until you have one"
)]
pub trait MatrixAnswer {
    /// `None` if not attempted, else the matrix or why it cannot be read as one.
    fn read_matrix(&self) -> Read<Matrix>;
}

fn rows_to_matrix(rows: Vec<Vec<f64>>) -> Result<Matrix, ReadError> {
    let r = rows.len();
    let c = rows.first().map_or(0, Vec::len);
    if let Some((i, row)) = rows.iter().enumerate().find(|(_, row)| row.len() != c) {
        return Err(ReadError(format!(
            "its rows are not all the same length: row 1 has {c} entries, row {} has {}; a matrix \
             has the same number of entries in every row",
            i + 1,
            row.len()
        )));
    }
    Matrix::new(r, c, rows.into_iter().flatten().collect()).map_err(|e| ReadError(e.to_string()))
}

impl<T: Number, const R: usize, const C: usize> MatrixAnswer for [[T; C]; R] {
    fn read_matrix(&self) -> Read<Matrix> {
        Some(rows_to_matrix(self.iter().map(|r| r.iter().map(|v| v.to_f64()).collect()).collect()))
    }
}
impl<T: Number, const C: usize> MatrixAnswer for Vec<[T; C]> {
    fn read_matrix(&self) -> Read<Matrix> {
        Some(rows_to_matrix(self.iter().map(|r| r.iter().map(|v| v.to_f64()).collect()).collect()))
    }
}
impl<T: Number, const R: usize> MatrixAnswer for [Vec<T>; R] {
    fn read_matrix(&self) -> Read<Matrix> {
        Some(rows_to_matrix(self.iter().map(|r| r.iter().map(|v| v.to_f64()).collect()).collect()))
    }
}
impl<T: Number> MatrixAnswer for Vec<Vec<T>> {
    fn read_matrix(&self) -> Read<Matrix> {
        Some(rows_to_matrix(self.iter().map(|r| r.iter().map(|v| v.to_f64()).collect()).collect()))
    }
}
/// A flat list reads as one row, so "six numbers in a row" reaches the checker.
impl<T: Number, const N: usize> MatrixAnswer for [T; N] {
    fn read_matrix(&self) -> Read<Matrix> {
        Some(rows_to_matrix(vec![self.iter().map(|v| v.to_f64()).collect()]))
    }
}
impl<T: Number> MatrixAnswer for Vec<T> {
    fn read_matrix(&self) -> Read<Matrix> {
        Some(rows_to_matrix(vec![self.iter().map(|v| v.to_f64()).collect()]))
    }
}
impl MatrixAnswer for Matrix {
    fn read_matrix(&self) -> Read<Matrix> {
        Some(self.check("your matrix").map(|()| self.clone()).map_err(|e| ReadError(e.to_string())))
    }
}
impl MatrixAnswer for Tensor {
    fn read_matrix(&self) -> Read<Matrix> {
        Some(match self.rank() {
            0 => tensor_f64(self).and_then(|v| rows_to_matrix(vec![v])),
            1 | 2 => Matrix::from_tensor(self).map_err(|e| ReadError(format!("the tensor cannot be read ({e})"))),
            _ => Err(ReadError(format!(
                "it is a tensor of shape {:?}, not a matrix (a Jacobian of a vector function is 2-D)",
                self.dims()
            ))),
        })
    }
}
wrappers!(MatrixAnswer, read_matrix, Matrix);

/// Something that reads as a vector (a point, an input x).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a vector answer",
    label = "this should be a list of numbers",
    note = "write a vector as `[-1.0, -3.0]`, `vec![…]`, a tuple `(-1.0, -3.0)`, or a 1-D `Tensor` from `tensor(&[…])`; leave `Unanswered` until you have one"
)]
pub trait VectorAnswer {
    /// `None` if not attempted, else the entries or why they cannot be read as a vector.
    fn read_vector(&self) -> Read<Vec<f64>>;
}

impl<T: Number, const N: usize> VectorAnswer for [T; N] {
    fn read_vector(&self) -> Read<Vec<f64>> {
        Some(Ok(self.iter().map(|v| v.to_f64()).collect()))
    }
}
impl<T: Number> VectorAnswer for [T] {
    fn read_vector(&self) -> Read<Vec<f64>> {
        Some(Ok(self.iter().map(|v| v.to_f64()).collect()))
    }
}
impl<T: Number> VectorAnswer for Vec<T> {
    fn read_vector(&self) -> Read<Vec<f64>> {
        self.as_slice().read_vector()
    }
}
impl<A: Number, B: Number> VectorAnswer for (A, B) {
    fn read_vector(&self) -> Read<Vec<f64>> {
        Some(Ok(vec![self.0.to_f64(), self.1.to_f64()]))
    }
}
impl<A: Number, B: Number, C: Number> VectorAnswer for (A, B, C) {
    fn read_vector(&self) -> Read<Vec<f64>> {
        Some(Ok(vec![self.0.to_f64(), self.1.to_f64(), self.2.to_f64()]))
    }
}
/// A 1-D tensor, or a 2-D one with a single row or column.
impl VectorAnswer for Tensor {
    fn read_vector(&self) -> Read<Vec<f64>> {
        Some(match self.dims() {
            [_] | [1, _] | [_, 1] => tensor_f64(self),
            d => Err(ReadError(format!("it is a tensor of shape {d:?}, not a vector (1-D)"))),
        })
    }
}
wrappers!(VectorAnswer, read_vector, Vec<f64>);

/// Something that reads as one number.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a single-number answer",
    label = "this should be one number",
    note = "write a number such as `4.54e-5` (f64 or f32), or the library's 1×1 result as a `Tensor`; leave `Unanswered` until you have one"
)]
pub trait ScalarAnswer {
    /// `None` if not attempted, else the number or why it cannot be read as one.
    fn read_scalar(&self) -> Read<f64>;
}

fn one(values: Vec<f64>, what: String) -> Result<f64, ReadError> {
    match values[..] {
        [v] => Ok(v),
        _ => Err(ReadError(format!("{what} with {} entries, not a single number", values.len()))),
    }
}

macro_rules! scalar_number {
    ($($t:ty),*) => {$(
        impl ScalarAnswer for $t {
            fn read_scalar(&self) -> Read<f64> {
                Some(Ok(self.to_f64()))
            }
        }
    )*};
}
scalar_number!(f64, f32, i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl<T: Number, const N: usize> ScalarAnswer for [T; N] {
    fn read_scalar(&self) -> Read<f64> {
        Some(one(self.iter().map(|v| v.to_f64()).collect(), "it is a list".to_string()))
    }
}
impl<T: Number, const N: usize, const M: usize> ScalarAnswer for [[T; M]; N] {
    fn read_scalar(&self) -> Read<f64> {
        Some(one(self.iter().flatten().map(|v| v.to_f64()).collect(), format!("it is a {N}×{M} matrix")))
    }
}
impl<T: Number> ScalarAnswer for Vec<T> {
    fn read_scalar(&self) -> Read<f64> {
        Some(one(self.iter().map(|v| v.to_f64()).collect(), "it is a list".to_string()))
    }
}
impl ScalarAnswer for Tensor {
    fn read_scalar(&self) -> Read<f64> {
        Some(tensor_f64(self).and_then(|v| one(v, format!("it is a tensor of shape {:?}", self.dims()))))
    }
}
wrappers!(ScalarAnswer, read_scalar, f64);

/// Something that reads as a shape (a list of dimensions).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a shape answer",
    label = "this should be a shape such as `(rows, cols)`",
    note = "write a shape as `(rows, cols)`, e.g. `(2, 3)`, or as `[2, 3]`; leave `None` until you have one"
)]
pub trait ShapeAnswer {
    /// `None` if not attempted, else the dimensions (outermost first) or why they cannot be read.
    fn read_shape(&self) -> Read<Vec<usize>>;
}

fn dims(values: Vec<f64>) -> Result<Vec<usize>, ReadError> {
    values
        .into_iter()
        .map(|v| {
            if v >= 0.0 && v.fract() == 0.0 && v < 1e12 {
                Ok(v as usize)
            } else {
                Err(ReadError(format!("{v} is not a size: a shape counts rows and columns (0, 1, 2, …)")))
            }
        })
        .collect()
}

impl<A: Number, B: Number> ShapeAnswer for (A, B) {
    fn read_shape(&self) -> Read<Vec<usize>> {
        Some(dims(vec![self.0.to_f64(), self.1.to_f64()]))
    }
}
impl<T: Number, const N: usize> ShapeAnswer for [T; N] {
    fn read_shape(&self) -> Read<Vec<usize>> {
        Some(dims(self.iter().map(|v| v.to_f64()).collect()))
    }
}
impl<T: Number> ShapeAnswer for [T] {
    fn read_shape(&self) -> Read<Vec<usize>> {
        Some(dims(self.iter().map(|v| v.to_f64()).collect()))
    }
}
impl<T: Number> ShapeAnswer for Vec<T> {
    fn read_shape(&self) -> Read<Vec<usize>> {
        self.as_slice().read_shape()
    }
}
/// A tensor's own shape: pass the Jacobian you computed.
impl ShapeAnswer for Tensor {
    fn read_shape(&self) -> Read<Vec<usize>> {
        Some(Ok(self.dims().to_vec()))
    }
}
/// `"1x3"`, `"(1, 3)"`, `"1 × 3"`: the whole numbers in it.
impl ShapeAnswer for str {
    fn read_shape(&self) -> Read<Vec<usize>> {
        let numbers: Vec<usize> = self
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .collect();
        if numbers.is_empty() {
            return Some(Err(ReadError(format!("{self:?} has no sizes in it: write the shape as `(rows, cols)`"))));
        }
        Some(Ok(numbers))
    }
}
impl ShapeAnswer for String {
    fn read_shape(&self) -> Read<Vec<usize>> {
        self.as_str().read_shape()
    }
}
wrappers!(ShapeAnswer, read_shape, Vec<usize>);

/// A multiple-choice letter or a short sentence.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a text answer",
    label = "this should be a letter or a sentence in quotes",
    note = "write a choice as `\"B\"` or `'B'`, or a short sentence in double quotes; leave `Unanswered` until you have one"
)]
pub trait TextAnswer {
    /// `None` if not attempted (an empty string counts as not attempted too), else the text.
    fn read_text(&self) -> Read<String>;
}

impl TextAnswer for char {
    fn read_text(&self) -> Read<String> {
        Some(Ok(self.to_string()))
    }
}
impl TextAnswer for str {
    fn read_text(&self) -> Read<String> {
        (!self.trim().is_empty()).then(|| Ok(self.to_string()))
    }
}
impl TextAnswer for String {
    fn read_text(&self) -> Read<String> {
        self.as_str().read_text()
    }
}
wrappers!(TextAnswer, read_text, String);

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn tolerance_has_absolute_and_relative_parts() {
        let t = Tolerance { abs: 1e-3, rel: 1e-2 };
        assert!(t.accepts(0.0009, 0.0));
        assert!(!t.accepts(0.0011, 0.0));
        assert!(t.accepts(101.0, 100.0));
        assert!(!t.accepts(101.2, 100.0));
        assert!(!t.accepts(f64::NAN, 1.0));
    }

    fn shape(r: Read<Matrix>) -> (usize, usize) {
        r.expect("attempted").expect("readable").shape()
    }

    #[test]
    fn matrices_of_any_shape_and_form() {
        assert_eq!(shape([[1.0f64, 2.0], [3.0, 4.0], [5.0, 6.0]].read_matrix()), (3, 2));
        assert_eq!(shape([[1, 2, 3], [4, 5, 6]].read_matrix()), (2, 3));
        assert_eq!(shape([1.0f32, 2.0, 3.0].read_matrix()), (1, 3));
        assert_eq!(shape(vec![[1u8; 3]; 3].read_matrix()), (3, 3));
        assert!(vec![vec![1.0f64, 2.0], vec![3.0]].read_matrix().unwrap().unwrap_err().0.contains("row 2 has 1"));
        let t = Tensor::new(&[[1.0f32, 2.0]], &Device::Cpu).unwrap();
        assert_eq!(shape(t.read_matrix()), (1, 2));
        assert_eq!(shape(Some(&t).read_matrix()), (1, 2));
        assert!(None::<[[f64; 2]; 3]>.read_matrix().is_none());
        assert!(Unanswered.read_matrix().is_none());
        let failed: Result<Tensor, String> = Err("shape mismatch".into());
        assert!(failed.read_matrix().unwrap().unwrap_err().0.contains("shape mismatch"));
        let cube = Tensor::zeros((2, 2, 2), DType::F32, &Device::Cpu).unwrap();
        assert!(cube.read_matrix().unwrap().is_err());
    }

    #[test]
    fn scalars_vectors_shapes_and_text() {
        let t = Tensor::new(&[[4.5e-5f32]], &Device::Cpu).unwrap();
        assert!((t.read_scalar().unwrap().unwrap() - 4.5e-5).abs() < 1e-10);
        let two = Tensor::new(&[1.0f32, 2.0], &Device::Cpu).unwrap();
        assert!(two.read_scalar().unwrap().unwrap_err().0.contains("2 entries"));
        assert_eq!(4i32.read_scalar(), Some(Ok(4.0)));
        assert_eq!([1.0f32, -3.0].read_vector(), Some(Ok(vec![1.0, -3.0])));
        assert_eq!((-1, -3.5).read_vector(), Some(Ok(vec![-1.0, -3.5])));
        assert_eq!((1, 3).read_shape(), Some(Ok(vec![1, 3])));
        assert_eq!("1x3".read_shape(), Some(Ok(vec![1, 3])));
        assert!((1.5, 3).read_shape().unwrap().is_err());
        assert_eq!(two.read_shape(), Some(Ok(vec![2])));
        assert_eq!("B".read_text(), Some(Ok("B".to_string())));
        assert_eq!("  ".read_text(), None);
        assert_eq!('b'.read_text(), Some(Ok("b".to_string())));
    }
}
