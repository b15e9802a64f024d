//! Small constructors and helpers that keep notebook cells as short as their PyTorch originals.
//!
//! They return `candle_core::Result`, so they work both at the top level of a cell and inside
//! the closures passed to `jacobian`, which must return `candle_core::Result<Tensor>`.
use candle_core::{DType, Device, Tensor};

/// A 1-D f32 tensor on the CPU, like `torch.tensor([1.0, 2.0])`.
///
/// Takes `f64` so that plain literals (`1.0`) type-check; values are rounded to f32, the dtype
/// every tensor in the course uses (PyTorch's default too).
pub fn tensor(values: &[f64]) -> candle_core::Result<Tensor> {
    Tensor::new(values, &Device::Cpu)?.to_dtype(DType::F32)
}

/// An `(m, N)` f32 matrix from rows, like `torch.tensor([[1.0, 2.0], [3.0, 4.0]])`.
pub fn matrix<const N: usize>(rows: &[[f64; N]]) -> candle_core::Result<Tensor> {
    let flat: Vec<f32> = rows.iter().flatten().map(|&v| v as f32).collect();
    Tensor::from_vec(flat, (rows.len(), N), &Device::Cpu)
}

/// Matrix–vector product `W @ x` for `w: (m, n)` and `x: (n,)`, giving `(m,)`; a batch of
/// vectors `(B, n)` gives `(B, m)` row by row, so closures built from it work with every Jacobian
/// strategy (and `jacobian`'s default tries one batched pass).
///
/// It is [`jacobian::ops::matvec`]: its backward computes only the gradient of `x` unless `w`
/// carries a graph. Errors (from candle, naming both shapes) if `w` is not 2-D or `x`'s last
/// axis is not `w`'s number of columns.
pub fn matvec(w: &Tensor, x: &Tensor) -> candle_core::Result<Tensor> {
    jacobian::ops::matvec(w, x)
}

/// `max |a - b|` over all entries, as f32: the "Diff" the original notebook prints.
///
/// Errors if the shapes differ (candle's `ShapeMismatchBinaryOp`), so a mismatch can never
/// pass as "equal". NaN anywhere gives NaN.
pub fn max_abs_diff(a: &Tensor, b: &Tensor) -> candle_core::Result<f32> {
    let d = (a.to_dtype(DType::F32)? - b.to_dtype(DType::F32)?)?.abs()?;
    let values = d.flatten_all()?.to_vec1::<f32>()?;
    Ok(values.iter().fold(0.0_f32, |m, &v| if v.is_nan() || m.is_nan() { f32::NAN } else { m.max(v) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matvec_is_w_at_x() {
        let w = matrix(&[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]).unwrap();
        let x = tensor(&[1.0, 1.0]).unwrap();
        assert_eq!(matvec(&w, &x).unwrap().to_vec1::<f32>().unwrap(), vec![3.0, 7.0, 11.0]);
    }

    #[test]
    fn matvec_rejects_wrong_inner_dimension() {
        let w = matrix(&[[1.0, 2.0]]).unwrap();
        assert!(matvec(&w, &tensor(&[1.0, 2.0, 3.0]).unwrap()).is_err());
    }

    #[test]
    fn max_abs_diff_sees_nan_and_shape_mismatch() {
        let a = tensor(&[1.0, 2.0]).unwrap();
        assert_eq!(max_abs_diff(&a, &tensor(&[1.0, 2.5]).unwrap()).unwrap(), 0.5);
        assert!(max_abs_diff(&a, &tensor(&[f64::NAN, 2.0]).unwrap()).unwrap().is_nan());
        assert!(max_abs_diff(&a, &tensor(&[1.0]).unwrap()).is_err());
    }
}
