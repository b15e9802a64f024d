//! Geometry: where each cell, label, colour bar and legend entry of a panel goes.
//!
//! One layout serves both outputs, so an SVG and a PNG of the same heatmap
//! put every cell on the same pixels. Sizes of text are plotters font sizes
//! (a line height; the SVG `font-size` is that over 1.24).

use plotters::style::{FontDesc, FontFamily, FontStyle, FontTransform};

use crate::colormap::Level;
use crate::error::{Error, Result};
use crate::font;
use crate::format::{self, Style};
use crate::heatmap::Heatmap;

/// Text sizes (plotters units).
pub(crate) const TITLE: f64 = 19.0;
pub(crate) const AXIS: f64 = 16.0;
pub(crate) const TICK: f64 = 15.0;
pub(crate) const SMALL: f64 = 14.0;

/// Outer padding of a panel.
const PAD: i32 = 12;
/// Gap between stacked text bands.
const GAP: i32 = 6;
/// Gap between tick labels and the matrix frame.
const TICK_GAP: i32 = 6;
/// Longest side the matrix aims for, in pixels.
const TARGET: usize = 560;
/// Largest cell side in pixels.
const MAX_CELL: usize = 56;
/// Cells never go below this many pixels on a short axis (a 1×n row stays tall).
const MIN_SIDE: usize = 120;
/// More rows or columns than this are downsampled (max |value| per block).
pub(crate) const MAX_AXIS_PX: usize = 1024;
/// Up to this many cells, each cell is its own rectangle (SVG); above, the
/// cells are one raster image.
pub(crate) const RECT_MAX_CELLS: usize = 64 * 64;
/// Values are printed in cells by default up to this many rows and columns.
pub(crate) const ANNOTATE_MAX: usize = 12;
/// `annotate(true)` is honoured up to this many rows and columns.
pub(crate) const ANNOTATE_FORCED_MAX: usize = 40;
/// Widest cell when it grows to fit its printed value.
const MAX_ANNOTATED_CELL: usize = 96;
/// Colour bar size.
const BAR_W: i32 = 14;
const BAR_MIN_H: i32 = 160;
/// Largest picture we agree to draw, in pixels.
pub(crate) const MAX_PIXELS: u64 = 40_000_000;

/// How the cells are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CellMode {
    /// One rectangle per cell (vector, small matrices).
    Rects,
    /// One raster image for all cells (large matrices).
    Raster,
    /// 0×n or n×0: an empty frame with a note.
    Empty,
}

/// The colour bar of a panel.
#[derive(Clone, Debug)]
pub(crate) struct Bar {
    pub x: i32,
    pub y: i32,
    pub h: i32,
    /// Tick y positions and labels.
    pub ticks: Vec<(i32, String)>,
    pub label: String,
    pub label_y: i32,
    pub note: Option<String>,
}

/// A fully resolved panel: what to draw and where, relative to its origin.
#[derive(Clone, Debug)]
pub(crate) struct Panel<'a> {
    pub hm: &'a Heatmap,
    /// Symmetric colour scale, `[-scale, scale]` (may be 0 for an all-zero matrix).
    pub scale: f64,
    pub width: i32,
    pub height: i32,
    pub mode: CellMode,
    /// Matrix frame, top-left corner.
    pub mx: i32,
    pub my: i32,
    /// Pixels per visual cell.
    pub cw: i32,
    pub ch: i32,
    /// Matrix rows/columns per visual cell (downsampling), and visual counts.
    pub kr: usize,
    pub kc: usize,
    pub vr: usize,
    pub vc: usize,
    /// Printed values: font size, or `None`.
    pub annotate: Option<f64>,
    pub title: String,
    pub title_x: i32,
    pub title_y: i32,
    pub col_axis_x: i32,
    pub col_axis_y: i32,
    pub row_axis_x: i32,
    pub row_axis_y: i32,
    /// (0-based index, label) of the ticks shown.
    pub row_ticks: Vec<(usize, String)>,
    pub col_ticks: Vec<(usize, String)>,
    pub col_rotated: bool,
    /// Whether to draw small tick marks (when not every row/column is labelled).
    pub row_marks: bool,
    pub col_marks: bool,
    pub bar: Option<Bar>,
    /// Legend rows for NaN / +∞ / −∞: (y, level, text).
    pub legend: Vec<(i32, Level, String)>,
    pub legend_x: i32,
    /// A note under the matrix (downsampling, empty matrix).
    pub note: Option<(i32, i32, String)>,
}

impl Panel<'_> {
    /// Matrix width and height in pixels.
    pub fn matrix_size(&self) -> (i32, i32) {
        (self.vc as i32 * self.cw, self.vr as i32 * self.ch)
    }

    /// Pixel rectangle `[x0, x1) × [y0, y1)` of visual cell (r, c).
    pub fn cell_rect(&self, r: usize, c: usize) -> (i32, i32, i32, i32) {
        let x0 = self.mx + c as i32 * self.cw;
        let y0 = self.my + r as i32 * self.ch;
        (x0, y0, x0 + self.cw, y0 + self.ch)
    }
}

/// Width and height of `text` at `size`.
pub(crate) fn measure(text: &str, size: f64) -> Result<(i32, i32)> {
    if text.is_empty() {
        return Ok((0, size as i32));
    }
    let f = FontDesc::new(FontFamily::Name(font::FAMILY), size, FontStyle::Normal)
        .transform(FontTransform::None);
    let (w, h) = f
        .box_size(text)
        .map_err(|e| Error::draw("measure text", e))?;
    Ok((w as i32, (h as i32).max(size as i32)))
}

fn widest(labels: &[String], size: f64) -> Result<i32> {
    labels
        .iter()
        .map(|l| measure(l, size).map(|m| m.0))
        .try_fold(0, |acc, w| w.map(|w| acc.max(w)))
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

/// Decides cell sizes, ticks, colour bar and legend for one heatmap.
pub(crate) fn panel<'a>(hm: &'a Heatmap, shared_scale: Option<f64>) -> Result<Panel<'a>> {
    let m = hm.matrix();
    m.check("Heatmap::render")?;
    let (rows, cols) = m.shape();
    let row_labels = hm.resolved_row_labels()?;
    let col_labels = hm.resolved_col_labels()?;
    let stats = m.stats();
    let scale = hm.fixed_scale().or(shared_scale).unwrap_or(stats.max_abs);
    let title = hm.full_title();

    let empty = rows == 0 || cols == 0;
    // Downsampling factors and visual grid.
    let kr = rows.div_ceil(MAX_AXIS_PX).max(1);
    let kc = cols.div_ceil(MAX_AXIS_PX).max(1);
    let vr = rows.div_ceil(kr);
    let vc = cols.div_ceil(kc);

    let mode = if empty {
        CellMode::Empty
    } else if kr == 1 && kc == 1 && rows * cols <= RECT_MAX_CELLS {
        CellMode::Rects
    } else {
        CellMode::Raster
    };

    // Cell size.
    let base = (TARGET / vr.max(vc).max(1)).clamp(1, MAX_CELL);
    let mut cw = base;
    let mut ch = base;
    if !empty && vc * cw < MIN_SIDE {
        cw = MIN_SIDE.div_ceil(vc).min(MAX_CELL).max(cw);
    }
    if !empty && vr * ch < MIN_SIDE {
        ch = MIN_SIDE.div_ceil(vr).min(MAX_CELL).max(ch);
    }

    // Printed values.
    let limit = match hm.annotate_setting() {
        Some(true) => ANNOTATE_FORCED_MAX,
        Some(false) => 0,
        None => ANNOTATE_MAX,
    };
    let mut annotate = None;
    if mode == CellMode::Rects && rows <= limit && cols <= limit {
        let texts: Vec<String> = m
            .data()
            .iter()
            .map(|&v| format::number(v, Style::Picture))
            .collect();
        let mut size = (ch as f64 * 0.42).clamp(9.0, TICK);
        let mut w = widest(&texts, size)?;
        if w + 8 > cw as i32 {
            cw = ((w + 8) as usize).min(MAX_ANNOTATED_CELL).max(cw);
        }
        while w + 6 > cw as i32 && size > 7.0 {
            size -= 1.0;
            w = widest(&texts, size)?;
        }
        annotate = Some(size);
    }
    let (cw, ch) = (cw as i32, ch as i32);
    let (mw, mh) = if empty {
        (160, 60)
    } else {
        (vc as i32 * cw, vr as i32 * ch)
    };

    // Ticks (skipped for an empty matrix).
    let tick_h = TICK as i32;
    let (row_ticks, col_ticks, col_rotated) = if empty {
        (Vec::new(), Vec::new(), false)
    } else {
        let px_row = ch as f64 / kr as f64;
        let px_col = cw as f64 / kc as f64;
        let rt = tick_indices(rows, px_row, (tick_h + 2) as f64);
        let row_ticks: Vec<(usize, String)> =
            rt.into_iter().map(|i| (i, row_labels[i].clone())).collect();
        let col_w = widest(&col_labels, TICK)?;
        let (ct, rotated) = if (col_w + 6) as f64 <= px_col {
            ((0..cols).collect(), false)
        } else if hm.has_col_labels() {
            (tick_indices(cols, px_col, (tick_h + 2) as f64), true)
        } else {
            // Numbers: keep them horizontal, label fewer columns.
            let w = widest(&[cols.to_string()], TICK)?;
            (tick_indices(cols, px_col, (w + 10) as f64), false)
        };
        let col_ticks: Vec<(usize, String)> =
            ct.into_iter().map(|j| (j, col_labels[j].clone())).collect();
        (row_ticks, col_ticks, rotated)
    };
    let row_marks = !empty && row_ticks.len() < rows;
    let col_marks = !empty && col_ticks.len() < cols;

    let shown_row: Vec<String> = row_ticks.iter().map(|t| t.1.clone()).collect();
    let shown_col: Vec<String> = col_ticks.iter().map(|t| t.1.clone()).collect();
    let row_label_w = widest(&shown_row, TICK)?;
    let col_band = if col_ticks.is_empty() {
        0
    } else if col_rotated {
        widest(&shown_col, TICK)?
    } else {
        tick_h
    };

    // Vertical stack at the top: title, column axis name, column labels.
    let (title_w, title_h) = measure(&title, TITLE)?;
    let row_axis = hm.row_axis_name();
    let col_axis = hm.col_axis_name();
    let (col_axis_w, axis_h) = measure(col_axis, AXIS)?;
    let (row_axis_w, _) = measure(row_axis, AXIS)?;
    let title_y = PAD;
    let col_axis_y = title_y + title_h + GAP + 2;
    let my = col_axis_y + axis_h + GAP + col_band + TICK_GAP;

    // Horizontal stack at the left: row axis name (rotated), row labels.
    let row_axis_x = PAD;
    let mx = row_axis_x + axis_h + GAP + row_label_w + TICK_GAP;

    // Colour bar, its ticks and the legend, right of the matrix.
    let (bar, legend, legend_x, right) = if empty {
        (None, Vec::new(), 0, mx + mw)
    } else {
        let bx = mx + mw + 22;
        let bh = mh.max(BAR_MIN_H);
        let all_zero = scale == 0.0;
        let half = bh as f64 / 2.0;
        let centre = my as f64 + half;
        let ticks: Vec<(i32, String)> = if all_zero {
            vec![(centre.round() as i32, "0".to_string())]
        } else {
            let fractions: &[f64] = if hm.is_nonnegative() {
                &[1.0, 0.5, 0.0]
            } else {
                &[1.0, 0.5, 0.0, -0.5, -1.0]
            };
            fractions
                .iter()
                .map(|f| {
                    // A [0, scale] bar runs from its bottom (0) to its top (scale).
                    let y = if hm.is_nonnegative() {
                        my as f64 + (1.0 - f) * (bh as f64 - 1.0)
                    } else {
                        centre - f * (half - 0.5)
                    };
                    (y.round() as i32, format::number(f * scale, Style::Picture))
                })
                .collect()
        };
        let tick_w = widest(
            &ticks.iter().map(|t| t.1.clone()).collect::<Vec<_>>(),
            SMALL,
        )?;
        let label = hm.scale_label_name().to_string();
        let (label_w, label_h) = measure(&label, SMALL)?;
        let non_finite = stats.nan + stats.pos_inf + stats.neg_inf;
        let note = match (all_zero, non_finite) {
            (false, _) => None,
            (true, 0) => Some("all entries are 0".to_string()),
            (true, n) if n == rows * cols => Some("no finite entries".to_string()),
            (true, _) => Some("all finite entries are 0".to_string()),
        };
        let note_w = match &note {
            Some(n) => measure(n, SMALL)?.0,
            None => 0,
        };
        let mut right = (bx + BAR_W + 6 + tick_w).max(bx + label_w).max(bx + note_w);
        // Legend below the bar (and below the note).
        let mut ly = my + bh + 10 + if note.is_some() { 20 } else { 0 };
        let mut legend = Vec::new();
        for (count, lv, name) in [
            (stats.nan, Level::Nan, "NaN"),
            (stats.pos_inf, Level::PosInf, "+∞"),
            (stats.neg_inf, Level::NegInf, "−∞"),
        ] {
            if count > 0 {
                let text = format!(
                    "{name} ({count} {})",
                    if count == 1 { "entry" } else { "entries" }
                );
                let (w, _) = measure(&text, SMALL)?;
                right = right.max(bx + 18 + w);
                legend.push((ly, lv, text));
                ly += 20;
            }
        }
        let bar = Bar {
            x: bx,
            y: my,
            h: bh,
            ticks,
            label,
            label_y: my - label_h / 2 - 8,
            note,
        };
        (Some(bar), legend, bx, right)
    };

    // Note under the matrix.
    let note_text = if empty {
        Some(format!("empty matrix ({})", format::shape(rows, cols)))
    } else if kr > 1 || kc > 1 {
        Some(format!(
            "each pixel shows the largest |value| of a {kr}×{kc} block"
        ))
    } else {
        None
    };

    let mut bottom = my + mh;
    if let Some(b) = &bar {
        bottom = bottom.max(b.y + b.h + if b.note.is_some() { 20 } else { 0 });
    }
    if let Some((y, _, _)) = legend.last() {
        bottom = bottom.max(*y + 8);
    }
    let note = match note_text {
        Some(t) if empty => Some((mx + mw / 2, my + mh / 2, t)),
        Some(t) => {
            let y = my + mh + 14;
            bottom = bottom.max(y + 8);
            Some((mx + mw / 2, y, t))
        }
        None => None,
    };
    let note_w = match &note {
        Some((_, _, t)) => measure(t, SMALL)?.0,
        None => 0,
    };

    // Centre the title and column axis name over the matrix, inside the panel.
    let mut width = right.max(mx + mw) + PAD;
    let centre = mx + mw / 2;
    let fit = |w: i32, width: &mut i32| -> i32 {
        let lo = PAD + w / 2;
        let x = centre.max(lo);
        *width = (*width).max(x + w - w / 2 + PAD);
        x
    };
    let title_x = fit(title_w, &mut width);
    let col_axis_x = fit(col_axis_w, &mut width);
    let _ = fit(note_w, &mut width);
    let height = bottom.max(my + mh / 2 + row_axis_w / 2) + PAD;
    // Row axis name: centred on the matrix rows, clamped below the top bands.
    let row_axis_y = (my + mh / 2).max(my + row_axis_w / 2 - 4);

    Ok(Panel {
        hm,
        scale,
        width,
        height,
        mode,
        mx,
        my,
        cw,
        ch,
        kr,
        kc,
        vr,
        vc,
        annotate,
        title,
        title_x,
        title_y,
        col_axis_x,
        col_axis_y,
        row_axis_x: row_axis_x + axis_h / 2,
        row_axis_y,
        row_ticks,
        col_ticks,
        col_rotated,
        row_marks,
        col_marks,
        bar,
        legend,
        legend_x,
        note,
    })
}

/// Panels placed side by side, plus an optional figure title.
pub(crate) struct FigureLayout<'a> {
    pub width: u32,
    pub height: u32,
    pub title: Option<(i32, i32, String)>,
    /// Each panel with its x, y offset.
    pub panels: Vec<(i32, i32, Panel<'a>)>,
}

/// Horizontal gap between panels.
const PANEL_GAP: i32 = 16;

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
            h.matrix().check("Figure::render")?;
            s = s.max(h.matrix().stats().max_abs);
        }
        Some(s)
    } else {
        None
    };
    let panels: Vec<Panel<'a>> = heatmaps
        .iter()
        .map(|h| panel(h, shared))
        .collect::<Result<_>>()?;
    let (top, title) = match title {
        Some(t) if !t.is_empty() => {
            let (_, h) = measure(t, TITLE + 2.0)?;
            (PAD + h + GAP, Some((0, PAD, t.to_string())))
        }
        _ => (0, None),
    };
    let mut x = 0;
    let mut placed = Vec::with_capacity(panels.len());
    let mut height = 0;
    for (k, p) in panels.into_iter().enumerate() {
        if k > 0 {
            x += PANEL_GAP;
        }
        height = height.max(top + p.height);
        let w = p.width;
        placed.push((x, top, p));
        x += w;
    }
    let mut width = x;
    let title = match title {
        Some((_, y, t)) => {
            let (w, _) = measure(&t, TITLE + 2.0)?;
            width = width.max(w + 2 * PAD);
            Some((width / 2, y, t))
        }
        None => None,
    };
    let (w, h) = (width.max(1) as u32, height.max(1) as u32);
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
        panels: placed,
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

    #[test]
    fn a_nonnegative_bar_runs_from_zero_to_the_scale() {
        let mask = Heatmap::new(vec![vec![0.0, 1.0], vec![1.0, 0.0]]).scale(1.0);
        let labels = |h: &Heatmap| -> Vec<String> {
            let p = panel(h, None).expect("lays out");
            p.bar
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
        let bar = p.bar.expect("bar");
        let (top, bottom) = (bar.ticks[0].0, bar.ticks[2].0);
        assert!(
            top <= bar.y + 1 && bottom >= bar.y + bar.h - 2,
            "{top} {bottom} {bar:?}"
        );
    }
}
