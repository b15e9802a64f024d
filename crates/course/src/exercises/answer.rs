//! What a learner may hand to a check, and how floats are compared.
//!
//! The scaffolds type their answers (`Option<[[f64; 2]; 3]>`, `Option<(usize, usize)>`, …), but
//! the checks take anything that reads as the same kind of answer, so a learner can also pass
//! what the library computed (a [`Tensor`]) or a `Vec`. A tensor that cannot be read (wrong rank,
//! wrong number of elements) is reported as "error in your code", not as a wrong answer.

use candle_core::{DType, Tensor};
use heatmap::Matrix;

/// How two floats are compared: `|got − want| ≤ abs + rel·|want|`.
///
/// The absolute part matters for entries that should be 0, the relative part for large ones.
/// Each exercise documents its own tolerance ([`TOLERANCE_1`], [`TOLERANCE_3`], [`TOLERANCE_4`]).
///
/// ```
/// use course::exercises::Tolerance;
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

/// Exercise 1 (a Jacobian by hand): `abs = 1e-4`, `rel = 5e-3`, so e may be typed as `2.72` or
/// `2.718` (but not `2.7`), and `1f64.exp()` or an f32 result from the library is accepted too.
pub const TOLERANCE_1: Tolerance = Tolerance { abs: 1e-4, rel: 5e-3 };

/// Exercise 3 (the dead layer's Jacobian, whose entries are 0 or entries of W): `abs = 1e-6`,
/// `rel = 1e-4`. Pre-activations are compared with 0 exactly: `z ≤ 0` is dead (`ReLU′(0) = 0`).
pub const TOLERANCE_3: Tolerance = Tolerance { abs: 1e-6, rel: 1e-4 };

/// Exercise 4 (σ′(10) ≈ 4.54e-5): `abs = 1e-9`, `rel = 1e-2`. Two significant digits (`4.5e-5`)
/// pass, as does the library's f32 result in either form (autodiff gives 4.5396e-5; the closed
/// form σ(1 − σ) in f32 gives 4.5417e-5 because `1 − σ(10)` cancels). The absolute part is far
/// below the value, so `0` (a saturated-but-not-zero derivative) is never accepted.
pub const TOLERANCE_4: Tolerance = Tolerance { abs: 1e-9, rel: 1e-2 };

/// An answer as a scaffold declares it: an `Option` (`None` = not attempted yet), passed by value
/// or by reference.
///
/// The scaffolds pass references (`check_exercise_1(&answer_1)`): evcxr shows a cell's last
/// expression as plain text instead of its rich display when that expression moves a variable
/// kept from the cell (an `Option<Tensor>`, say), and a reference moves nothing.
pub trait Answer {
    /// The type inside the `Option`.
    type Inner: ?Sized;
    /// The answer, if one was given.
    fn given(&self) -> Option<&Self::Inner>;
}

impl<T> Answer for Option<T> {
    type Inner = T;
    fn given(&self) -> Option<&T> {
        self.as_ref()
    }
}

impl<A: Answer + ?Sized> Answer for &A {
    type Inner = A::Inner;
    fn given(&self) -> Option<&A::Inner> {
        (**self).given()
    }
}

/// Something that reads as a matrix answer: `[[f64; C]; R]` (any `T: Into<f64>`), `Vec<Vec<T>>`,
/// a 2-D [`Tensor`] (a 1-D tensor reads as one row), or a reference to one of these.
pub trait MatrixAnswer {
    /// The answer as a matrix, or why it cannot be read as one.
    fn answer_matrix(&self) -> Result<Matrix, String>;
}

impl<T: Copy + Into<f64>, const R: usize, const C: usize> MatrixAnswer for [[T; C]; R] {
    fn answer_matrix(&self) -> Result<Matrix, String> {
        Ok(Matrix::from(self))
    }
}

impl<T: Copy + Into<f64>> MatrixAnswer for Vec<Vec<T>> {
    fn answer_matrix(&self) -> Result<Matrix, String> {
        let m = Matrix::from(self);
        m.check("your matrix").map_err(|e| format!("its rows are not all the same length ({e})"))?;
        Ok(m)
    }
}

impl MatrixAnswer for Tensor {
    fn answer_matrix(&self) -> Result<Matrix, String> {
        match self.rank() {
            1 | 2 => Matrix::from_tensor(self).map_err(|e| format!("the tensor cannot be read ({e})")),
            _ => Err(format!(
                "it is a tensor of shape {:?}, not a matrix (a Jacobian of a vector function is 2-D)",
                self.dims()
            )),
        }
    }
}

impl<A: MatrixAnswer + ?Sized> MatrixAnswer for &A {
    fn answer_matrix(&self) -> Result<Matrix, String> {
        (**self).answer_matrix()
    }
}

/// Something that reads as a vector answer: `[T; N]`, `Vec<T>`, `[T]` (any `T: Into<f64>`), a 1-D
/// [`Tensor`], or a reference to one of these.
pub trait VectorAnswer {
    /// The answer as a vector, or why it cannot be read as one.
    fn answer_vector(&self) -> Result<Vec<f64>, String>;
}

impl<T: Copy + Into<f64>, const N: usize> VectorAnswer for [T; N] {
    fn answer_vector(&self) -> Result<Vec<f64>, String> {
        Ok(self.iter().map(|&v| v.into()).collect())
    }
}

impl<T: Copy + Into<f64>> VectorAnswer for [T] {
    fn answer_vector(&self) -> Result<Vec<f64>, String> {
        Ok(self.iter().map(|&v| v.into()).collect())
    }
}

impl<T: Copy + Into<f64>> VectorAnswer for Vec<T> {
    fn answer_vector(&self) -> Result<Vec<f64>, String> {
        self.as_slice().answer_vector()
    }
}

impl VectorAnswer for Tensor {
    fn answer_vector(&self) -> Result<Vec<f64>, String> {
        if self.rank() != 1 {
            return Err(format!("it is a tensor of shape {:?}, not a vector (1-D)", self.dims()));
        }
        self.to_dtype(DType::F64)
            .and_then(|t| t.to_vec1::<f64>())
            .map_err(|e| format!("the tensor cannot be read ({e})"))
    }
}

impl<A: VectorAnswer + ?Sized> VectorAnswer for &A {
    fn answer_vector(&self) -> Result<Vec<f64>, String> {
        (**self).answer_vector()
    }
}

/// Something that reads as one number: `f64`, `f32`, a one-element [`Tensor`] (shape `[]`, `[1]`
/// or `[1, 1]`, as a 1×1 Jacobian is), or a reference to one of these.
pub trait ScalarAnswer {
    /// The answer as a number, or why it cannot be read as one.
    fn answer_scalar(&self) -> Result<f64, String>;
}

impl ScalarAnswer for f64 {
    fn answer_scalar(&self) -> Result<f64, String> {
        Ok(*self)
    }
}

impl ScalarAnswer for f32 {
    fn answer_scalar(&self) -> Result<f64, String> {
        Ok(f64::from(*self))
    }
}

impl ScalarAnswer for Tensor {
    fn answer_scalar(&self) -> Result<f64, String> {
        if self.elem_count() != 1 {
            return Err(format!(
                "it is a tensor of shape {:?} with {} entries, not a single number",
                self.dims(),
                self.elem_count()
            ));
        }
        self.to_dtype(DType::F64)
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_vec1::<f64>())
            .map_err(|e| format!("the tensor cannot be read ({e})"))
            .and_then(|v| v.first().copied().ok_or_else(|| "the tensor is empty".to_string()))
    }
}

impl<A: ScalarAnswer + ?Sized> ScalarAnswer for &A {
    fn answer_scalar(&self) -> Result<f64, String> {
        (**self).answer_scalar()
    }
}

/// Something that reads as a shape: `(usize, usize)`, `[usize; N]`, `Vec<usize>`, `[usize]`, or a
/// reference to one of these.
pub trait ShapeAnswer {
    /// The dimensions, outermost first.
    fn answer_shape(&self) -> Vec<usize>;
}

impl ShapeAnswer for (usize, usize) {
    fn answer_shape(&self) -> Vec<usize> {
        vec![self.0, self.1]
    }
}

impl<const N: usize> ShapeAnswer for [usize; N] {
    fn answer_shape(&self) -> Vec<usize> {
        self.to_vec()
    }
}

impl ShapeAnswer for [usize] {
    fn answer_shape(&self) -> Vec<usize> {
        self.to_vec()
    }
}

impl ShapeAnswer for Vec<usize> {
    fn answer_shape(&self) -> Vec<usize> {
        self.clone()
    }
}

impl<A: ShapeAnswer + ?Sized> ShapeAnswer for &A {
    fn answer_shape(&self) -> Vec<usize> {
        (**self).answer_shape()
    }
}

/// A multiple-choice letter or a short sentence: `char`, `&str`, `String`, or a reference.
pub trait ChoiceAnswer {
    /// The answer as text.
    fn answer_text(&self) -> String;
}

impl ChoiceAnswer for char {
    fn answer_text(&self) -> String {
        self.to_string()
    }
}

impl ChoiceAnswer for str {
    fn answer_text(&self) -> String {
        self.to_string()
    }
}

impl ChoiceAnswer for String {
    fn answer_text(&self) -> String {
        self.clone()
    }
}

impl<A: ChoiceAnswer + ?Sized> ChoiceAnswer for &A {
    fn answer_text(&self) -> String {
        (**self).answer_text()
    }
}

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

    #[test]
    fn answers_read_from_arrays_vecs_and_tensors() {
        let m = [[1.0f64, 2.0], [3.0, 4.0], [5.0, 6.0]].answer_matrix().unwrap();
        assert_eq!(m.shape(), (3, 2));
        assert!(vec![vec![1.0f64, 2.0], vec![3.0]].answer_matrix().is_err());
        let t = Tensor::new(&[[1.0f32, 2.0]], &Device::Cpu).unwrap();
        assert_eq!(t.answer_matrix().unwrap().shape(), (1, 2));
        assert!(t.answer_scalar().unwrap_err().contains("2 entries"));
        let one = Tensor::new(&[[4.5e-5f32]], &Device::Cpu).unwrap();
        assert!((one.answer_scalar().unwrap() - 4.5e-5).abs() < 1e-10);
        assert_eq!([1.0f32, -3.0].answer_vector().unwrap(), vec![1.0, -3.0]);
        assert!(t.answer_vector().is_err());
        assert_eq!((1usize, 3usize).answer_shape(), vec![1, 3]);
        assert_eq!("B".answer_text(), "B");
    }
}
