//! Reusable mistake detectors for single numbers (an entry of a matrix, or a whole answer).
//!
//! Each returns what it recognised, or `None`; the caller words the diagnosis.

use super::answer::Tolerance;

/// `v` is `want` with the sign flipped (and `want` is not 0).
pub fn sign_flipped(v: f64, want: f64, tol: Tolerance) -> bool {
    want != 0.0 && !tol.accepts(v, want) && tol.accepts(-v, want)
}

/// `v = want · 10ᵏ` (to 2 %) for a whole `k ≠ 0` within ±9: a slip of the decimal point or the
/// exponent. Returns `k`.
pub fn power_of_ten(v: f64, want: f64) -> Option<i32> {
    if want == 0.0 || v == 0.0 || !v.is_finite() || v.signum() != want.signum() {
        return None;
    }
    let k = (v / want).log10().round() as i32;
    (k != 0 && k.abs() <= 9 && ((v / want) / 10f64.powi(k) - 1.0).abs() <= 0.02).then_some(k)
}

/// `want` rounded to `digits` significant digits.
pub fn round_significant(want: f64, digits: i32) -> f64 {
    if want == 0.0 || !want.is_finite() {
        return want;
    }
    let magnitude = want.abs().log10().floor() as i32;
    let factor = 10f64.powi(digits - 1 - magnitude);
    (want * factor).round() / factor
}

/// `v` is `want` rounded (or cut) to 1–3 significant digits, but outside the tolerance: the
/// precision is too low (e ≈ 3, 2.7). Returns the number of significant digits given.
pub fn low_precision(v: f64, want: f64, tol: Tolerance) -> Option<i32> {
    if tol.accepts(v, want) || want == 0.0 || !v.is_finite() {
        return None;
    }
    (1..=3).find(|&d| {
        let rounded = round_significant(want, d);
        let magnitude = want.abs().log10().floor() as i32;
        let step = 10f64.powi(magnitude + 1 - d);
        let cut = (want / step).trunc() * step;
        let same = |x: f64| (v - x).abs() <= 1e-9 * want.abs().max(1e-300);
        same(rounded) || same(cut)
    })
}

/// `10ᵏ` written the way the feedback says it: `10`, `100`, `1/10`, `10⁻³`.
pub fn power_words(k: i32) -> String {
    match k {
        1 => "10".to_string(),
        2 => "100".to_string(),
        3 => "1000".to_string(),
        -1 => "1/10".to_string(),
        -2 => "1/100".to_string(),
        _ => format!("10^{k}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Tolerance = Tolerance { abs: 1e-9, rel: 1e-2 };

    #[test]
    fn detectors_recognise_their_slip_and_nothing_else() {
        let s = 4.5395807735951673e-05;
        assert_eq!(power_of_ten(4.54e-6, s), Some(-1));
        assert_eq!(power_of_ten(4.54e-4, s), Some(1));
        assert_eq!(power_of_ten(4.7e-5, s), None);
        assert_eq!(power_of_ten(-4.54e-6, s), None);
        let t1 = Tolerance { abs: 1e-4, rel: 5e-3 };
        assert_eq!(low_precision(3.0, std::f64::consts::E, t1), Some(1));
        assert_eq!(low_precision(2.7, std::f64::consts::E, t1), Some(2));
        assert_eq!(low_precision(5e-5, s, T), Some(1));
        assert_eq!(low_precision(4.7e-5, s, T), None);
        assert_eq!(low_precision(2.718, std::f64::consts::E, t1), None, "inside the tolerance");
        assert!(sign_flipped(-2.0, 2.0, T));
        assert!(!sign_flipped(0.0, 0.0, T));
        assert_eq!(round_significant(4.5396e-5, 2), 4.5e-5);
    }
}
