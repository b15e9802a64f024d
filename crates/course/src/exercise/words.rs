//! How the feedback writes numbers and lists.

/// A number the way the feedback writes it: whole numbers plain (`2`), others with 4 significant
/// digits (`2.718`, `0.5403`), very small or large ones in scientific notation (`4.54e-5`).
pub fn num(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "∞" } else { "−∞" }.to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    if v.fract() == 0.0 && v.abs() < 1e6 {
        return format!("{v:.0}");
    }
    let a = v.abs();
    if (1e-3..1e5).contains(&a) {
        let decimals = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
        let s = format!("{v:.decimals$}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        let s = format!("{v:.2e}");
        match s.split_once('e') {
            Some((m, e)) => format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.')),
            None => s,
        }
    }
}

/// "a", "a and b", "a, b and c".
pub fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `1` → `₁`, …, `9` → `₉`; larger numbers as `_10`.
pub fn subscript(i: usize) -> String {
    const DIGITS: [char; 10] = ['₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'];
    match DIGITS.get(i) {
        Some(d) => d.to_string(),
        None => format!("_{i}"),
    }
}

/// The first letter in upper case.
pub fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A sentence: upper-case first letter and a full stop unless it ends in punctuation.
pub fn sentence(s: &str) -> String {
    let s = upper_first(s.trim());
    if s.ends_with(['.', '?', '!', ':']) {
        s
    } else {
        format!("{s}.")
    }
}

/// `(1, 2)`, `(-1, -3)`.
pub fn vector(v: &[f64]) -> String {
    format!("({})", v.iter().map(|&x| num(x)).collect::<Vec<_>>().join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(num(2.0), "2");
        assert_eq!(num(-1.0), "-1");
        assert_eq!(num(std::f64::consts::E), "2.718");
        assert_eq!(num(0.54030230586), "0.5403");
        assert_eq!(num(4.5395807735951673e-05), "4.54e-5");
        assert_eq!(num(0.7), "0.7");
        assert_eq!(num(22026.465794806718), "22026");
        assert_eq!(num(8.244e-9), "8.24e-9");
    }

    #[test]
    fn lists_and_subscripts() {
        assert_eq!(list(&["a".into()]), "a");
        assert_eq!(list(&["a".into(), "b".into(), "c".into()]), "a, b and c");
        assert_eq!(subscript(2), "₂");
        assert_eq!(sentence("row 2"), "Row 2.");
    }
}
