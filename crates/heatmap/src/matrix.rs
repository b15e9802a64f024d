//! `Matrix`: the row-major grid of numbers a heatmap draws, and its conversions.

use candle_core::{DType, Tensor};

use crate::error::{Error, Result};

/// A dense row-major matrix of `f64`, the input of every heatmap.
///
/// Build one from a 2-D [`Tensor`] with [`Matrix::from_tensor`], from nested
/// vectors or arrays with `From` (`Vec<Vec<f32>>`, `&[Vec<f64>]`,
/// `[[f32; 2]; 3]`, ...), or from flat data with [`Matrix::new`].
///
/// `From<Vec<Vec<_>>>` cannot fail, so ragged rows are recorded and reported
/// as [`Error::RaggedRows`] when the heatmap is rendered (or by
/// [`Matrix::check`]). [`Matrix::from_rows`] reports them at once.
///
/// Shapes with a zero dimension (0×n, n×0) are valid matrices; they render as a
/// labelled empty frame.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
    ragged: Option<(usize, usize, usize)>,
}

/// Counts and the colour scale of a matrix's entries.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Stats {
    /// Largest |value| over the finite entries (0 if there are none).
    pub max_abs: f64,
    pub nan: usize,
    pub pos_inf: usize,
    pub neg_inf: usize,
}

impl Matrix {
    /// A `rows × cols` matrix from row-major `data`.
    ///
    /// # Errors
    /// [`Error::DataLength`] if `data.len() != rows * cols`.
    pub fn new(rows: usize, cols: usize, data: Vec<f64>) -> Result<Matrix> {
        let expected = rows.saturating_mul(cols);
        if data.len() != expected {
            return Err(Error::DataLength {
                op: "Matrix::new",
                rows,
                cols,
                expected,
                got: data.len(),
            });
        }
        Ok(Matrix {
            rows,
            cols,
            data,
            ragged: None,
        })
    }

    /// A matrix from its rows.
    ///
    /// # Errors
    /// [`Error::RaggedRows`] if the rows differ in length.
    pub fn from_rows<T: Copy + Into<f64>>(rows: &[Vec<T>]) -> Result<Matrix> {
        let m = Matrix::from_rows_unchecked(rows);
        m.check("Matrix::from_rows")?;
        Ok(m)
    }

    fn from_rows_unchecked<T: Copy + Into<f64>>(rows: &[Vec<T>]) -> Matrix {
        let cols = rows.first().map_or(0, Vec::len);
        let ragged = rows
            .iter()
            .enumerate()
            .find(|(_, r)| r.len() != cols)
            .map(|(i, r)| (i + 1, r.len(), cols));
        let data = if ragged.is_some() {
            Vec::new()
        } else {
            rows.iter().flatten().map(|&v| v.into()).collect()
        };
        Matrix {
            rows: rows.len(),
            cols: if ragged.is_some() { 0 } else { cols },
            data,
            ragged,
        }
    }

    /// Reads a tensor as a matrix.
    ///
    /// - 2-D `(m, n)`: an `m × n` matrix.
    /// - 1-D `(n,)`: a `1 × n` row, the Jacobian of a scalar function (a gradient).
    /// - any dtype is converted to `f64`; any device is copied to the CPU.
    ///
    /// # Errors
    /// [`Error::NotAMatrix`] for 0-D tensors and tensors with more than two
    /// dimensions; [`Error::Candle`] if candle cannot convert or copy it.
    pub fn from_tensor(t: &Tensor) -> Result<Matrix> {
        let shape = t.dims().to_vec();
        let (rows, cols) = match shape.as_slice() {
            [m, n] => (*m, *n),
            [n] => (1, *n),
            _ => {
                return Err(Error::NotAMatrix {
                    op: "Matrix::from_tensor",
                    shape,
                })
            }
        };
        let data = t.to_dtype(DType::F64)?.flatten_all()?.to_vec1::<f64>()?;
        Matrix::new(rows, cols, data)
    }

    /// Number of rows (outputs i of a Jacobian).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (inputs j of a Jacobian).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// `(rows, cols)`.
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// The entry at row `i`, column `j` (0-based), or `None` outside the matrix.
    pub fn get(&self, i: usize, j: usize) -> Option<f64> {
        if i < self.rows && j < self.cols {
            self.data.get(i * self.cols + j).copied()
        } else {
            None
        }
    }

    /// The row-major entries.
    pub fn data(&self) -> &[f64] {
        &self.data
    }

    /// Whether the matrix has no entries (a 0×n or n×0 shape).
    pub fn is_empty(&self) -> bool {
        self.rows == 0 || self.cols == 0
    }

    /// Reports a ragged `Vec<Vec<_>>` this matrix was built from.
    ///
    /// # Errors
    /// [`Error::RaggedRows`], naming `op`.
    pub fn check(&self, op: &'static str) -> Result<()> {
        match self.ragged {
            Some((row, len, expected)) => Err(Error::RaggedRows {
                op,
                row,
                len,
                expected,
            }),
            None => Ok(()),
        }
    }

    pub(crate) fn stats(&self) -> Stats {
        let mut s = Stats::default();
        for &v in &self.data {
            if v.is_nan() {
                s.nan += 1;
            } else if v == f64::INFINITY {
                s.pos_inf += 1;
            } else if v == f64::NEG_INFINITY {
                s.neg_inf += 1;
            } else {
                s.max_abs = s.max_abs.max(v.abs());
            }
        }
        s
    }
}

impl TryFrom<&Tensor> for Matrix {
    type Error = Error;
    fn try_from(t: &Tensor) -> Result<Matrix> {
        Matrix::from_tensor(t)
    }
}

impl<T: Copy + Into<f64>> From<&[Vec<T>]> for Matrix {
    fn from(rows: &[Vec<T>]) -> Matrix {
        Matrix::from_rows_unchecked(rows)
    }
}

impl<T: Copy + Into<f64>> From<&Vec<Vec<T>>> for Matrix {
    fn from(rows: &Vec<Vec<T>>) -> Matrix {
        Matrix::from_rows_unchecked(rows)
    }
}

impl<T: Copy + Into<f64>> From<Vec<Vec<T>>> for Matrix {
    fn from(rows: Vec<Vec<T>>) -> Matrix {
        Matrix::from_rows_unchecked(&rows)
    }
}

impl<T: Copy + Into<f64>, const R: usize, const C: usize> From<[[T; C]; R]> for Matrix {
    fn from(rows: [[T; C]; R]) -> Matrix {
        Matrix::from(&rows)
    }
}

impl<T: Copy + Into<f64>, const R: usize, const C: usize> From<&[[T; C]; R]> for Matrix {
    fn from(rows: &[[T; C]; R]) -> Matrix {
        Matrix {
            rows: R,
            cols: C,
            data: rows.iter().flatten().map(|&v| v.into()).collect(),
            ragged: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn nested_vectors_are_row_major() {
        let m = Matrix::from(vec![vec![1.0f32, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]]);
        assert_eq!(m.shape(), (3, 2));
        assert_eq!(m.get(2, 0), Some(5.0));
        assert_eq!(m.get(3, 0), None);
        assert!(m.check("t").is_ok());
    }

    #[test]
    fn ragged_rows_are_reported_not_panicked() {
        let m = Matrix::from(vec![vec![1.0f64, 2.0], vec![3.0]]);
        let e = m.check("t").unwrap_err().to_string();
        assert!(e.contains("row 2 has 1 entries but row 1 has 2"), "{e}");
        assert!(Matrix::from_rows(&[vec![1.0f32], vec![]]).is_err());
    }

    #[test]
    fn data_length_mismatch_is_an_error() {
        assert!(Matrix::new(2, 2, vec![1.0; 3]).is_err());
        assert!(Matrix::new(0, 5, vec![]).unwrap().is_empty());
    }

    #[test]
    fn tensors_of_rank_1_and_2_convert_others_error() -> Result<()> {
        let dev = Device::Cpu;
        let t = Tensor::new(&[[1u32, 2], [3, 4]], &dev)?;
        assert_eq!(Matrix::from_tensor(&t)?.data(), &[1.0, 2.0, 3.0, 4.0]);
        let t = Tensor::new(&[1.5f32, 2.5, 3.5], &dev)?;
        assert_eq!(Matrix::from_tensor(&t)?.shape(), (1, 3));
        let t = Tensor::new(&[[1.0f64, 2.0], [3.0, 4.0]], &dev)?.t()?;
        assert_eq!(Matrix::from_tensor(&t)?.data(), &[1.0, 3.0, 2.0, 4.0]);
        let t = Tensor::new(2.0f32, &dev)?;
        assert!(matches!(
            Matrix::from_tensor(&t),
            Err(Error::NotAMatrix { .. })
        ));
        let t = Tensor::zeros((2, 2, 2), DType::F32, &dev)?;
        let e = Matrix::from_tensor(&t).unwrap_err().to_string();
        assert!(e.contains("[2, 2, 2]"), "{e}");
        let t = Tensor::zeros((0, 3), DType::F32, &dev)?;
        assert_eq!(Matrix::from_tensor(&t)?.shape(), (0, 3));
        Ok(())
    }

    #[test]
    fn stats_ignore_non_finite_in_the_scale() {
        let m = Matrix::from(vec![
            vec![f64::NAN, -3.0],
            vec![f64::INFINITY, f64::NEG_INFINITY],
        ]);
        let s = m.stats();
        assert_eq!((s.max_abs, s.nan, s.pos_inf, s.neg_inf), (3.0, 1, 1, 1));
    }
}
