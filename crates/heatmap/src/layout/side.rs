//! What sits right of the matrix: the colour bar, its ticks and note, and the legend of
//! non-finite values.

use super::grid::{CellMode, Grid};
use super::label::{Align, Label};
use super::{line, widest, width, SMALL};
use crate::colormap::Level;
use crate::error::Result;
use crate::format::{self, Style};
use crate::heatmap::Heatmap;
use crate::matrix::Stats;

/// Colour bar width, and its least height.
pub(crate) const BAR_W: i32 = 14;
const BAR_MIN_H: i32 = 160;

/// The colour bar of a panel.
#[derive(Clone, Debug)]
pub(crate) struct Bar {
    pub x: i32,
    pub y: i32,
    pub h: i32,
    /// Drawn from 0 to the scale instead of from −scale to the scale.
    pub nonnegative: bool,
    /// Tick y positions and labels.
    pub ticks: Vec<(i32, String)>,
    pub label: Label,
    /// "all entries are 0" and the like, under the bar.
    pub note: Option<Label>,
}

/// One legend row naming a non-finite value: its swatch and text are centred on `y`.
#[derive(Clone, Debug)]
pub(crate) struct LegendEntry {
    pub x: i32,
    pub y: i32,
    pub level: Level,
    pub text: String,
}

/// What sits right of the matrix: the colour bar and, under it, the legend.
#[derive(Clone, Debug, Default)]
pub(crate) struct Side {
    pub bar: Option<Bar>,
    pub legend: Vec<LegendEntry>,
    /// Rightmost and lowest pixel used.
    pub(super) right: i32,
    pub(super) bottom: i32,
}

/// Places the colour bar right of the placed grid, with its ticks, note and legend.
pub(super) fn place(hm: &Heatmap, grid: &Grid<'_>, stats: &Stats) -> Result<Side> {
    let (mw, mh) = grid.size();
    if grid.mode == CellMode::Empty {
        return Ok(Side {
            right: grid.x + mw,
            bottom: grid.y + mh,
            ..Side::default()
        });
    }
    let (x, y, h) = (grid.x + mw + 22, grid.y, mh.max(BAR_MIN_H));
    let ticks = bar_ticks(grid.scale, hm.nonnegative, y, h);
    let tick_w = widest(&ticks.iter().map(|t| &t.1).collect::<Vec<_>>(), SMALL)?;
    let label = Label::new(
        &hm.scale_label,
        (x, y - line(SMALL) / 2 - 8),
        SMALL,
        Align::Start,
    );
    let entries = grid.matrix.rows() * grid.matrix.cols();
    let note = bar_note(grid.scale, stats, entries)
        .map(|t| Label::new(t, (x, y + h + 12), SMALL, Align::Start));
    let mut right = (x + BAR_W + 6 + tick_w).max(x + width(&label.text, SMALL)?);
    if let Some(n) = &note {
        right = right.max(x + width(&n.text, SMALL)?);
    }
    let mut bottom = y + h + if note.is_some() { 20 } else { 0 };
    let legend = legend(stats, x, y + h + 10 + if note.is_some() { 20 } else { 0 });
    for entry in &legend {
        right = right.max(x + 18 + width(&entry.text, SMALL)?);
        bottom = bottom.max(entry.y + 8);
    }
    let bar = Bar {
        x,
        y,
        h,
        nonnegative: hm.nonnegative,
        ticks,
        label,
        note,
    };
    Ok(Side {
        bar: Some(bar),
        legend,
        right,
        bottom,
    })
}

/// Ticks at 0, ±scale/2, ±scale (a `[0, scale]` bar: 0, scale/2, scale), top down; one tick
/// "0" when the scale is 0.
fn bar_ticks(scale: f64, nonnegative: bool, y: i32, h: i32) -> Vec<(i32, String)> {
    let half = f64::from(h) / 2.0;
    let centre = f64::from(y) + half;
    if scale == 0.0 {
        return vec![(centre.round() as i32, "0".to_string())];
    }
    let fractions: &[f64] = if nonnegative {
        &[1.0, 0.5, 0.0]
    } else {
        &[1.0, 0.5, 0.0, -0.5, -1.0]
    };
    fractions
        .iter()
        .map(|f| {
            // A [0, scale] bar runs from its bottom (0) to its top (scale).
            let at = if nonnegative {
                f64::from(y) + (1.0 - f) * (f64::from(h) - 1.0)
            } else {
                centre - f * (half - 0.5)
            };
            (at.round() as i32, format::number(f * scale, Style::Picture))
        })
        .collect()
}

/// Why a colour bar has no range, when it has none.
fn bar_note(scale: f64, stats: &Stats, entries: usize) -> Option<&'static str> {
    let non_finite = stats.nan + stats.pos_inf + stats.neg_inf;
    match (scale == 0.0, non_finite) {
        (false, _) => None,
        (true, 0) => Some("all entries are 0"),
        (true, n) if n == entries => Some("no finite entries"),
        (true, _) => Some("all finite entries are 0"),
    }
}

/// One row per kind of non-finite value present, from `y` down.
fn legend(stats: &Stats, x: i32, y: i32) -> Vec<LegendEntry> {
    let kinds = [
        (stats.nan, Level::Nan, "NaN"),
        (stats.pos_inf, Level::PosInf, "+∞"),
        (stats.neg_inf, Level::NegInf, "−∞"),
    ];
    kinds
        .into_iter()
        .filter(|(count, _, _)| *count > 0)
        .enumerate()
        .map(|(k, (count, level, name))| LegendEntry {
            x,
            y: y + 20 * k as i32,
            level,
            text: format!(
                "{name} ({count} {})",
                if count == 1 { "entry" } else { "entries" }
            ),
        })
        .collect()
}
