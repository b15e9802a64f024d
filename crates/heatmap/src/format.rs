//! Number formatting for cells, ticks and the `text/plain` table.

use crate::matrix::Matrix;

/// Which minus sign and infinity symbols to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    /// Typographic: `−1.5`, `+∞`, `−∞` (pictures).
    Picture,
    /// ASCII: `-1.5`, `inf`, `-inf` (text/plain, so diffs and terminals read well).
    Plain,
}

/// A value with at most 4 significant digits, trailing zeros trimmed:
/// `2`, `0.5403`, `-12.5`, `1.2e-5`, `NaN`.
pub(crate) fn number(v: f64, style: Style) -> String {
    let s = if v.is_nan() {
        return "NaN".to_string();
    } else if v.is_infinite() {
        return match (v > 0.0, style) {
            (true, Style::Picture) => "+∞".to_string(),
            (false, Style::Picture) => "−∞".to_string(),
            (true, Style::Plain) => "inf".to_string(),
            (false, Style::Plain) => "-inf".to_string(),
        };
    } else if v == 0.0 {
        return "0".to_string();
    } else {
        let a = v.abs();
        if !(1e-3..1e5).contains(&a) {
            scientific(v)
        } else {
            let mag = a.log10().floor() as i32;
            let decimals = (3 - mag).clamp(0, 6) as usize;
            let s = format!("{v:.decimals$}");
            let s = trim_zeros(&s);
            // Rounding can give "-0" for tiny negatives; never for |v| ≥ 1e-3.
            if s == "-0" {
                "0".to_string()
            } else {
                s
            }
        }
    };
    match style {
        Style::Picture => s.replacen('-', "−", 1).replace("e−", "e-"),
        Style::Plain => s,
    }
}

fn scientific(v: f64) -> String {
    // Rust's `{:e}` gives "1.2e-5"; keep 2 significant digits.
    let s = format!("{v:.1e}");
    match s.split_once('e') {
        Some((m, e)) => format!("{}e{}", trim_zeros(m), e),
        None => s,
    }
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// Longest title or label kept, in characters; longer ones end in `…`.
pub(crate) const MAX_TEXT: usize = 200;

/// Replaces control characters (newlines included) by spaces, since titles
/// and labels are single-line text and XML forbids most control characters,
/// and cuts text longer than [`MAX_TEXT`] characters.
pub(crate) fn single_line(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(MAX_TEXT)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.chars().nth(MAX_TEXT).is_some() {
        out.pop();
        out.push('…');
    }
    out
}

/// The shape as the maths writes it: `3×2`.
pub(crate) fn shape(rows: usize, cols: usize) -> String {
    format!("{rows}×{cols}")
}

/// How many leading and trailing rows/columns the text table keeps.
const HEAD: usize = 6;
const TAIL: usize = 3;

fn shown(n: usize) -> Vec<Option<usize>> {
    if n <= HEAD + TAIL + 1 {
        (0..n).map(Some).collect()
    } else {
        (0..HEAD)
            .map(Some)
            .chain(std::iter::once(None))
            .chain((n - TAIL..n).map(Some))
            .collect()
    }
}

/// The matrix as an aligned text table with row and column labels; long
/// matrices keep their first and last rows and columns around a `…`.
pub(crate) fn table(m: &Matrix, row_labels: &[String], col_labels: &[String]) -> String {
    let rows = shown(m.rows());
    let cols = shown(m.cols());
    let label = |labels: &[String], i: usize| {
        labels
            .get(i)
            .cloned()
            .unwrap_or_else(|| (i + 1).to_string())
    };
    // Build the grid of strings first, then pad each column.
    let mut grid: Vec<Vec<String>> = Vec::with_capacity(rows.len() + 1);
    let mut header = vec![String::new()];
    header.extend(cols.iter().map(|c| match c {
        Some(j) => label(col_labels, *j),
        None => "…".to_string(),
    }));
    grid.push(header);
    for r in &rows {
        let mut line = Vec::with_capacity(cols.len() + 1);
        match r {
            Some(i) => {
                line.push(label(row_labels, *i));
                line.extend(cols.iter().map(|c| match c {
                    Some(j) => number(m.get(*i, *j).unwrap_or(f64::NAN), Style::Plain),
                    None => "…".to_string(),
                }));
            }
            None => {
                line.push("⋮".to_string());
                line.extend(cols.iter().map(|_| "⋮".to_string()));
            }
        }
        grid.push(line);
    }
    let width = |s: &str| s.chars().count();
    let ncols = cols.len() + 1;
    let widths: Vec<usize> = (0..ncols)
        .map(|k| grid.iter().map(|l| width(&l[k])).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for line in &grid {
        let mut text = String::new();
        for (k, cell) in line.iter().enumerate() {
            let pad = widths[k].saturating_sub(width(cell));
            if k == 0 {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            } else {
                text.push_str("  ");
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_four_significant_digits() {
        let p = |v| number(v, Style::Plain);
        assert_eq!(p(2.0), "2");
        assert_eq!(p(0.540_302_3), "0.5403");
        assert_eq!(p(-12.5), "-12.5");
        assert_eq!(p(1234.56), "1235");
        assert_eq!(p(1.2345e-5), "1.2e-5");
        assert_eq!(p(-3.0e7), "-3e7");
        assert_eq!(p(-0.0), "0");
        assert_eq!(p(f64::NAN), "NaN");
        assert_eq!(p(f64::NEG_INFINITY), "-inf");
        assert_eq!(number(-0.5, Style::Picture), "−0.5");
        assert_eq!(number(-1.5e-7, Style::Picture), "−1.5e-7");
        assert_eq!(number(f64::INFINITY, Style::Picture), "+∞");
    }

    #[test]
    fn single_line_strips_controls() {
        assert_eq!(single_line("a\nb\u{7}c"), "a b c");
        let long = "x".repeat(1000);
        let cut = single_line(&long);
        assert_eq!(cut.chars().count(), MAX_TEXT);
        assert!(cut.ends_with('…'));
        assert_eq!(single_line(&"y".repeat(MAX_TEXT)), "y".repeat(MAX_TEXT));
    }

    #[test]
    fn table_aligns_and_elides() {
        let m = Matrix::from(vec![vec![2.0f64, 1.0], vec![0.5403, 0.0]]);
        let t = table(&m, &["f1".into(), "f2".into()], &["x".into(), "y".into()]);
        assert_eq!(t, "         x  y\nf1       2  1\nf2  0.5403  0\n");
        let big = Matrix::new(20, 20, vec![1.0; 400]).unwrap();
        let t = table(&big, &[], &[]);
        assert_eq!(t.lines().count(), 1 + HEAD + 1 + TAIL);
        assert!(t.contains('…') && t.contains('⋮'));
        assert!(t.lines().last().unwrap_or("").starts_with("20"));
    }
}
