//! Printing tensors the way PyTorch does, so the Rust and Python notebooks read alike.
use candle_core::{DType, Tensor};
use std::fmt::{self, Write as _};

/// How one tensor's numbers are written: chosen once for the whole tensor, as `torch` does.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Style {
    /// Every value is a whole number: `1.`, `-3.`.
    Whole,
    /// Fixed point with 4 decimals: `0.5403`.
    Fixed,
    /// Scientific with 4 decimals: `4.5417e-05`.
    Scientific,
}

/// Picks the style the way `torch._tensor_str._Formatter` does: whole numbers print as
/// `2.`, a dynamic range over 1000 (or values above 1e8 or below 1e-4) goes scientific,
/// everything else gets 4 decimals.
fn style_for(values: &[f64]) -> Style {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.iter().all(|v| v.fract() == 0.0) {
        return Style::Whole;
    }
    let nonzero: Vec<f64> = finite.iter().map(|v| v.abs()).filter(|v| *v != 0.0).collect();
    let max = nonzero.iter().copied().fold(0.0_f64, f64::max);
    let min = nonzero.iter().copied().fold(f64::INFINITY, f64::min);
    if nonzero.is_empty() {
        Style::Fixed
    } else if max / min > 1000.0 || max > 1e8 || min < 1e-4 {
        Style::Scientific
    } else {
        Style::Fixed
    }
}

fn write_value(out: &mut String, v: f64, style: Style) {
    if v.is_nan() {
        out.push_str("nan");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "inf" } else { "-inf" });
    } else {
        // `write!` into a String cannot fail.
        let _ = match style {
            Style::Whole => write!(out, "{v:.0}."),
            Style::Fixed => write!(out, "{v:.4}"),
            Style::Scientific => write!(out, "{}", torch_scientific(v)),
        };
    }
}

/// `4.5417e-05` as torch writes it; Rust's `{:.4e}` would give `4.5417e-5`.
fn torch_scientific(v: f64) -> String {
    let rust = format!("{v:.4e}");
    match rust.split_once('e') {
        Some((mantissa, exp)) => {
            let (sign, digits) = exp.strip_prefix('-').map_or(("+", exp), |d| ("-", d));
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => rust,
    }
}

fn format_values(values: &[f64], dims: &[usize]) -> String {
    let style = style_for(values);
    let cells: Vec<String> = values
        .iter()
        .map(|&v| {
            let mut s = String::new();
            write_value(&mut s, v, style);
            s
        })
        .collect();
    let width = cells.iter().map(|c| c.chars().count()).max().unwrap_or(0);
    let padded: Vec<String> = cells.iter().map(|c| format!("{c:>width$}")).collect();
    match dims {
        [] => padded.first().cloned().unwrap_or_default(),
        [_] => format!("[{}]", padded.join(", ")),
        [_, n] => {
            let rows: Vec<String> = padded
                .chunks((*n).max(1))
                .map(|r| format!("[{}]", r.join(", ")))
                .collect();
            if *n == 0 {
                return "[]".into();
            }
            format!("[{}]", rows.join(",\n "))
        }
        _ => format!("{padded:?}"),
    }
}

/// A tensor wrapper whose `Display` reads like PyTorch's `print(tensor)`, without the
/// `tensor(...)` frame: `[[2.0000, 1.0000],\n [0.5403, 0.0000]]`.
///
/// Works for 0-, 1- and 2-D tensors of any float or integer dtype; higher ranks fall back to
/// a flat list. A tensor whose values cannot be read prints candle's error instead of
/// panicking.
pub struct Pretty<'a>(pub &'a Tensor);

impl fmt::Display for Pretty<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let values = self
            .0
            .to_dtype(DType::F64)
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_vec1::<f64>());
        match values {
            Ok(values) => f.write_str(&format_values(&values, self.0.dims())),
            Err(e) => write!(f, "<unreadable tensor: {e}>"),
        }
    }
}

/// Formats `t` like PyTorch's print (see [`Pretty`]).
pub fn pretty(t: &Tensor) -> String {
    Pretty(t).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn whole_numbers_print_like_torch() {
        let t = Tensor::new(&[[1f32, 2.], [3., 4.]], &Device::Cpu).unwrap();
        assert_eq!(pretty(&t), "[[1., 2.],\n [3., 4.]]");
    }

    #[test]
    fn fractions_get_four_decimals_and_align() {
        let t = Tensor::new(&[[2f32, 1.], [0.5403023, 0.]], &Device::Cpu).unwrap();
        assert_eq!(pretty(&t), "[[2.0000, 1.0000],\n [0.5403, 0.0000]]");
    }

    #[test]
    fn tiny_values_go_scientific() {
        let t = Tensor::new(&[4.5416677e-5f32], &Device::Cpu).unwrap();
        assert_eq!(pretty(&t), "[4.5417e-05]");
    }

    #[test]
    fn nan_and_empty_do_not_panic() {
        let t = Tensor::new(&[f32::NAN, 1.5], &Device::Cpu).unwrap();
        // torch pads every entry to one width: tensor([   nan, 1.5000])
        assert_eq!(pretty(&t), "[   nan, 1.5000]");
        let e = Tensor::zeros((0, 3), DType::F32, &Device::Cpu).unwrap();
        assert_eq!(pretty(&e), "[]");
    }
}
