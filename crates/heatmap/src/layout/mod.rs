//! Geometry: where each cell, label, colour bar and legend entry of a panel goes.
//!
//! The second stage of spec → layout → draw → output: it reads a [`Heatmap`] and decides
//! sizes and positions in pixels, drawing nothing. A panel is built in the order a reader
//! scans it: the grid of cells ([`grid`]), its tick labels ([`ticks`]), the text bands
//! above and left of it, the colour bar and legend on its right ([`side`]), a note under it.

mod label;

mod grid;

mod ticks;

mod side;

pub(crate) use grid::{CellMode, Grid};
pub(crate) use label::{Across, Align, Label};
pub(crate) use side::{Bar, BAR_W};
pub(crate) use ticks::Ticks;

use crate::error::{Error, Result};
use crate::font;
use crate::format;
use crate::heatmap::Heatmap;
use side::Side;

/// Font sizes in pixels.
pub(crate) const TITLE: f64 = 15.0;
pub(crate) const AXIS: f64 = 13.0;
pub(crate) const TICK: f64 = 12.0;
pub(crate) const SMALL: f64 = 11.0;

/// Outer padding of a panel.
const PAD: i32 = 12;
/// Gap between stacked text bands.
const GAP: i32 = 6;
/// Gap between tick labels and the matrix frame.
pub(crate) const TICK_GAP: i32 = 6;
/// More rows or columns than this are downsampled (max |value| per block).
pub(crate) const MAX_AXIS_PX: usize = 1024;
/// Up to this many cells, each cell is its own rectangle (SVG); above, the
/// cells are one raster image.
pub(crate) const RECT_MAX_CELLS: usize = 64 * 64;
/// Largest picture we agree to draw, in pixels.
const MAX_PIXELS: u64 = 40_000_000;
/// Horizontal gap between panels.
const PANEL_GAP: i32 = 16;

/// The height of a line of text at `px`, as stacked bands use it.
fn line(px: f64) -> i32 {
    (px * 1.24).round() as i32
}

/// Width of `text` at `px`, rounded up to whole pixels.
fn width(text: &str, px: f64) -> Result<i32> {
    Ok(font::width(text, px)?.ceil() as i32)
}

fn widest<S: AsRef<str>>(texts: &[S], px: f64) -> Result<i32> {
    texts
        .iter()
        .try_fold(0, |acc, t| Ok(acc.max(width(t.as_ref(), px)?)))
}

/// A fully resolved panel: what to draw and where, relative to its own top-left corner.
#[derive(Clone, Debug)]
pub(crate) struct Panel<'a> {
    pub width: i32,
    pub height: i32,
    pub title: Label,
    /// The column axis name above and the row axis name left of the matrix (none when empty).
    pub axes: Option<(Label, Label)>,
    pub grid: Grid<'a>,
    pub ticks: Ticks,
    pub side: Side,
    /// A note under (or, for an empty matrix, inside) the matrix frame.
    pub note: Option<Label>,
}

/// Lays out one heatmap; `shared_scale` is the figure's scale when panels share one.
pub(crate) fn panel<'a>(hm: &'a Heatmap, shared_scale: Option<f64>) -> Result<Panel<'a>> {
    let m = &hm.matrix;
    m.check("Heatmap::render")?;
    let labels = hm.labels()?;
    let stats = m.stats();
    let scale = hm.scale.or(shared_scale).unwrap_or(stats.max_abs);
    let mut grid = grid::cells(m, scale, hm.annotate)?;
    let ticks = ticks::choose(&grid, hm, &labels)?;
    // Bands above the matrix: title, column axis name, column labels; left of it: the row
    // axis name (upright) and the row labels.
    let title_y = PAD;
    let col_axis_y = title_y + line(TITLE) + GAP + 2;
    grid.y = col_axis_y + line(AXIS) + GAP + ticks.col_band()? + TICK_GAP;
    grid.x = PAD + line(AXIS) + GAP + ticks.row_band()? + TICK_GAP;
    let side = side::place(hm, &grid, &stats)?;
    let mut note = matrix_note(&grid);
    let (mw, mh) = grid.size();
    let centre = grid.x + mw / 2;
    let mut panel_w = side.right.max(grid.x + mw) + PAD;
    let mut bottom = side.bottom.max(grid.y + mh);
    if let Some(n) = note.as_ref().filter(|_| grid.mode != CellMode::Empty) {
        bottom = bottom.max(n.y + 8);
    }
    // Centred over the matrix, but never past the panel's left edge; the panel widens instead.
    let mut centred = |text: &str, size: f64| -> Result<i32> {
        let w = width(text, size)?;
        let x = centre.max(PAD + w / 2);
        panel_w = panel_w.max(x + w - w / 2 + PAD);
        Ok(x)
    };
    let title_text = hm.full_title();
    let title_x = centred(&title_text, TITLE)?;
    let col_axis_x = centred(&hm.col_axis, AXIS)?;
    if let Some(n) = &mut note {
        n.x = centred(&n.text, SMALL)?;
    }
    let row_axis_w = width(&hm.row_axis, AXIS)?;
    let height = bottom.max(grid.y + mh / 2 + row_axis_w / 2) + PAD;
    let axes = (grid.mode != CellMode::Empty).then(|| {
        // Centred on the rows, but kept below the bands above the matrix.
        let y = (grid.y + mh / 2).max(grid.y + row_axis_w / 2 - 4);
        (
            Label::new(&hm.col_axis, (col_axis_x, col_axis_y), AXIS, Align::Middle)
                .across(Across::Top),
            Label::new(&hm.row_axis, (PAD + line(AXIS) / 2, y), AXIS, Align::Middle).rotated(),
        )
    });
    Ok(Panel {
        width: panel_w,
        height,
        title: Label::new(title_text, (title_x, title_y), TITLE, Align::Middle).across(Across::Top),
        axes,
        grid,
        ticks,
        side,
        note,
    })
}

/// "empty matrix (0×3)" inside an empty frame, or the downsampling under the matrix.
fn matrix_note(grid: &Grid<'_>) -> Option<Label> {
    let (mw, mh) = grid.size();
    let centre = grid.x + mw / 2;
    let (rows, cols) = grid.matrix.shape();
    if grid.mode == CellMode::Empty {
        let text = format!("empty matrix ({})", format::shape(rows, cols));
        Some(Label::new(
            text,
            (centre, grid.y + mh / 2),
            SMALL,
            Align::Middle,
        ))
    } else if grid.kr > 1 || grid.kc > 1 {
        let text = format!(
            "each pixel shows the largest |value| of a {}×{} block",
            grid.kr, grid.kc
        );
        Some(Label::new(
            text,
            (centre, grid.y + mh + 14),
            SMALL,
            Align::Middle,
        ))
    } else {
        None
    }
}

/// Panels placed side by side under an optional figure title.
pub(crate) struct FigureLayout<'a> {
    pub width: u32,
    pub height: u32,
    pub title: Option<Label>,
    /// Each panel with the x, y of its top-left corner.
    pub panels: Vec<(i32, i32, Panel<'a>)>,
}

/// Lays out panels left to right. With `shared_scale`, every panel's colours use the largest
/// finite |value| of them all.
pub(crate) fn figure<'a>(
    heatmaps: &[&'a Heatmap],
    title: Option<&str>,
    shared_scale: bool,
) -> Result<FigureLayout<'a>> {
    if heatmaps.is_empty() {
        return Err(Error::EmptyFigure {
            op: "Figure::render",
        });
    }
    let shared = if shared_scale {
        let mut s = 0.0f64;
        for h in heatmaps {
            h.matrix.check("Figure::render")?;
            s = s.max(h.matrix.stats().max_abs);
        }
        Some(s)
    } else {
        None
    };
    let title = title.filter(|t| !t.is_empty());
    let size = TITLE + 2.0;
    let top = if title.is_some() {
        PAD + line(size) + GAP
    } else {
        0
    };
    let (mut x, mut height) = (0, 0);
    let mut panels = Vec::with_capacity(heatmaps.len());
    for (k, h) in heatmaps.iter().enumerate() {
        let p = panel(h, shared)?;
        x += if k > 0 { PANEL_GAP } else { 0 };
        height = height.max(top + p.height);
        let w = p.width;
        panels.push((x, top, p));
        x += w;
    }
    let mut fig_w = x;
    if let Some(t) = title {
        fig_w = fig_w.max(width(t, size)? + 2 * PAD);
    }
    let title =
        title.map(|t| Label::new(t, (fig_w / 2, PAD), size, Align::Middle).across(Across::Top));
    let (w, h) = (fig_w.max(1) as u32, height.max(1) as u32);
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(Error::TooLarge {
            op: "Figure::render",
            width: w,
            height: h,
            limit: MAX_PIXELS,
        });
    }
    Ok(FigureLayout {
        width: w,
        height: h,
        title,
        panels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonnegative_bar_runs_from_zero_to_the_scale() {
        let mask = Heatmap::new(vec![vec![0.0, 1.0], vec![1.0, 0.0]]).scale(1.0);
        let labels = |h: &Heatmap| -> Vec<String> {
            let p = panel(h, None).expect("lays out");
            p.side
                .bar
                .expect("has a bar")
                .ticks
                .into_iter()
                .map(|t| t.1)
                .collect()
        };
        let both = labels(&mask);
        assert_eq!(both.len(), 5, "{both:?}");
        let up = labels(&mask.clone().nonnegative(true));
        assert_eq!(up.len(), 3, "{up:?}");
        assert_eq!(
            up.last().map(String::as_str),
            Some("0"),
            "0 at the bottom: {up:?}"
        );
        assert!(up.iter().all(|l| !l.starts_with(['-', '−'])), "{up:?}");
        let unit = mask.nonnegative(true);
        let p = panel(&unit, None).expect("lays out");
        let bar = p.side.bar.expect("bar");
        let (top, bottom) = (bar.ticks[0].0, bar.ticks[2].0);
        assert!(
            top <= bar.y + 1 && bottom >= bar.y + bar.h - 2,
            "{top} {bottom} {bar:?}"
        );
    }

    #[test]
    fn printed_values_fit_their_cells() -> Result<()> {
        let h = Heatmap::new([[-0.000_123_4f64, 12345.0, f64::NEG_INFINITY]]);
        let p = panel(&h, None)?;
        let size = p.grid.annotate.expect("small matrices print their values");
        for v in ["−1.2e-4", "1.235e4", "−∞"] {
            assert!(
                width(v, size)? + 6 <= p.grid.cw,
                "{v} at {size}px in {}",
                p.grid.cw
            );
        }
        Ok(())
    }

    #[test]
    fn a_title_wider_than_the_matrix_widens_the_panel() -> Result<()> {
        let h = Heatmap::new([[1.0f32]]).title(&"wide ".repeat(30));
        let p = panel(&h, None)?;
        let w = width(&p.title.text, TITLE)?;
        assert!(
            p.title.x - w / 2 >= PAD && p.title.x + w / 2 <= p.width - PAD,
            "{p:?}"
        );
        Ok(())
    }
}
