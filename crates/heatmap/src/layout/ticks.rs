//! Tick labels: which rows and columns are named, and the room the names take.

use super::grid::{CellMode, Grid};
use super::{line, widest, width, TICK};
use crate::error::Result;
use crate::heatmap::Heatmap;

/// Tick labels: which rows and columns are named, and the room the names take.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ticks {
    /// (0-based index, label) of the ticks shown.
    pub rows: Vec<(usize, String)>,
    pub cols: Vec<(usize, String)>,
    /// Column labels too wide to sit side by side are turned to read upwards.
    pub cols_rotated: bool,
    /// Small tick marks, drawn when not every row (column) is labelled.
    pub row_marks: bool,
    pub col_marks: bool,
}

impl Ticks {
    /// Width of the row labels' band, left of the matrix.
    pub(super) fn row_band(&self) -> Result<i32> {
        widest(&self.rows.iter().map(|t| &t.1).collect::<Vec<_>>(), TICK)
    }

    /// Height of the column labels' band, above the matrix.
    pub(super) fn col_band(&self) -> Result<i32> {
        if self.cols.is_empty() {
            Ok(0)
        } else if self.cols_rotated {
            widest(&self.cols.iter().map(|t| &t.1).collect::<Vec<_>>(), TICK)
        } else {
            Ok(line(TICK))
        }
    }
}

const NICE_STEPS: [usize; 16] = [
    1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000, 100_000,
];

/// Which indices get a label when labels need `min_gap` pixels and indices
/// are `px` pixels apart.
fn tick_indices(n: usize, px: f64, min_gap: f64) -> Vec<usize> {
    let step = NICE_STEPS
        .iter()
        .copied()
        .find(|&s| s as f64 * px >= min_gap)
        .unwrap_or_else(|| n.max(1));
    if step == 1 {
        return (0..n).collect();
    }
    if step < 5 {
        return (0..n).step_by(step).collect();
    }
    // 1-based labels 1, s, 2s, ... as the maths counts.
    let mut v = vec![0];
    let mut k = step;
    while k <= n {
        let i = k - 1;
        // Drop label `s` when it would touch label 1.
        if !(i == step - 1 && (i as f64) * px < min_gap) {
            v.push(i);
        }
        k += step;
    }
    v
}

/// Names every row and column there is room for. Column names that do not fit side by side
/// are turned upright when they are the caller's labels; numbers stay level and thin out.
pub(super) fn choose(
    grid: &Grid<'_>,
    hm: &Heatmap,
    labels: &(Vec<String>, Vec<String>),
) -> Result<Ticks> {
    if grid.mode == CellMode::Empty {
        return Ok(Ticks::default());
    }
    let (rows, cols) = grid.matrix.shape();
    let (row_labels, col_labels) = labels;
    let min_gap = f64::from(line(TICK) + 2);
    let px_row = f64::from(grid.ch) / grid.kr as f64;
    let px_col = f64::from(grid.cw) / grid.kc as f64;
    let row_idx = tick_indices(rows, px_row, min_gap);
    let (col_idx, cols_rotated) = if f64::from(widest(col_labels, TICK)? + 6) <= px_col {
        ((0..cols).collect(), false)
    } else if hm.col_labels.is_some() {
        (tick_indices(cols, px_col, min_gap), true)
    } else {
        let w = width(&cols.to_string(), TICK)?;
        (tick_indices(cols, px_col, f64::from(w + 10)), false)
    };
    let pick = |idx: Vec<usize>, names: &[String]| -> Vec<(usize, String)> {
        idx.into_iter().map(|i| (i, names[i].clone())).collect()
    };
    Ok(Ticks {
        row_marks: row_idx.len() < rows,
        col_marks: col_idx.len() < cols,
        rows: pick(row_idx, row_labels),
        cols: pick(col_idx, col_labels),
        cols_rotated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_index_is_labelled_when_there_is_room() {
        assert_eq!(tick_indices(4, 56.0, 17.0), vec![0, 1, 2, 3]);
    }

    #[test]
    fn large_axes_label_one_and_multiples_of_a_nice_step() {
        let t = tick_indices(1000, 1.0, 40.0);
        assert_eq!(t[..3], [0, 49, 99]);
        assert_eq!(*t.last().unwrap_or(&0), 999);
        let t = tick_indices(100, 8.0, 17.0);
        assert_eq!(t[..3], [0, 4, 9]);
        let t = tick_indices(30, 8.0, 15.0);
        assert_eq!(t[..3], [0, 2, 4]);
    }
}
