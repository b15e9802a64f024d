//! The `text/plain` form of a picture: titles and aligned tables of the numbers.
//!
//! Reads the spec directly: the text needs no layout.

use crate::format;
use crate::heatmap::Heatmap;

/// Titles and aligned tables, one panel after another.
pub(crate) fn text(heatmaps: &[&Heatmap], title: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(t) = title.filter(|t| !t.is_empty()) {
        out.push_str(t);
        out.push_str("\n\n");
    }
    for (k, h) in heatmaps.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        panel(&mut out, h);
    }
    out
}

fn panel(out: &mut String, h: &Heatmap) {
    out.push_str(&h.full_title());
    out.push_str(&format!(
        "  (rows: {}, columns: {})\n",
        h.row_axis, h.col_axis
    ));
    let m = &h.matrix;
    if let Err(e) = m.check("Heatmap::to_text") {
        out.push_str(&format!("{e}\n"));
        return;
    }
    if m.is_empty() {
        out.push_str("(empty matrix)\n");
        return;
    }
    // Labels of the wrong count are an error for the picture; the text just numbers instead.
    let fits = |labels: &Option<Vec<String>>, n: usize| -> Vec<String> {
        labels.clone().filter(|l| l.len() == n).unwrap_or_default()
    };
    let rl = fits(&h.row_labels, m.rows());
    let cl = fits(&h.col_labels, m.cols());
    out.push_str(&format::table(m, &rl, &cl));
    let s = m.stats();
    for (n, name) in [(s.nan, "NaN"), (s.pos_inf, "inf"), (s.neg_inf, "-inf")] {
        if n > 0 {
            out.push_str(&format!(
                "{name}: {n} {}\n",
                if n == 1 { "entry" } else { "entries" }
            ));
        }
    }
}
