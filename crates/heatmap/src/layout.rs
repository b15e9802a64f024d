//! Geometry: where each cell, label, colour bar and legend entry of a panel goes.
//!
//! The second stage of spec → layout → draw → output: it reads a [`Heatmap`] and decides
//! sizes and positions in pixels, drawing nothing. A panel is built in the order a reader
//! scans it: the grid of cells ([`Grid`]), its tick labels ([`Ticks`]), the text bands
//! above and left of it, the colour bar and legend on its right ([`Side`]), a note under it.

use crate::colormap::{self, Level};
use crate::error::{Error, Result};
use crate::font;
use crate::format::{self, Style};
use crate::heatmap::Heatmap;
use crate::matrix::{Matrix, Stats};

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
const ANNOTATE_MAX: usize = 12;
/// `annotate(true)` is honoured up to this many rows and columns.
const ANNOTATE_FORCED_MAX: usize = 40;
/// Widest cell when it grows to fit its printed value.
const MAX_ANNOTATED_CELL: usize = 96;
/// Colour bar width, and its least height.
pub(crate) const BAR_W: i32 = 14;
const BAR_MIN_H: i32 = 160;
/// The frame drawn for a 0×n matrix.
const EMPTY_FRAME: (i32, i32) = (160, 60);
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

/// Where a text's anchor point is, along the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Align {
    Start,
    Middle,
    End,
}

/// Where a text's anchor point is, across the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Across {
    /// The anchor is the top of the capitals.
    Top,
    /// The anchor is halfway up the capitals (digits and capitals look centred on it).
    Centre,
    /// The anchor is a little below the baseline, under the descenders.
    Bottom,
}

/// A piece of text and its anchor point.
#[derive(Clone, Debug)]
pub(crate) struct Label {
    pub text: String,
    pub x: i32,
    pub y: i32,
    pub size: f64,
    pub align: Align,
    pub across: Across,
    /// Turned a quarter anticlockwise (reads bottom to top).
    pub rotated: bool,
}

impl Label {
    pub fn new(text: impl Into<String>, (x, y): (i32, i32), size: f64, align: Align) -> Label {
        Label {
            text: text.into(),
            x,
            y,
            size,
            align,
            across: Across::Centre,
            rotated: false,
        }
    }

    pub fn across(mut self, across: Across) -> Label {
        self.across = across;
        self
    }

    pub fn rotated(mut self) -> Label {
        self.rotated = true;
        self
    }
}

/// The matrix area: which entries each drawn cell shows, and where.
#[derive(Clone, Debug)]
pub(crate) struct Grid<'a> {
    pub matrix: &'a Matrix,
    /// Symmetric colour scale, `[-scale, scale]` (0 for an all-zero matrix).
    pub scale: f64,
    pub mode: CellMode,
    /// Top-left corner of the cells.
    pub x: i32,
    pub y: i32,
    /// Pixels per drawn cell.
    pub cw: i32,
    pub ch: i32,
    /// Matrix rows and columns per drawn cell (more than 1 when downsampled).
    pub kr: usize,
    pub kc: usize,
    /// Drawn rows and columns.
    pub vr: usize,
    pub vc: usize,
    /// Font size of the printed values, or `None` when values are not printed.
    pub annotate: Option<f64>,
}

impl Grid<'_> {
    /// Width and height of the matrix area in pixels.
    pub fn size(&self) -> (i32, i32) {
        match self.mode {
            CellMode::Empty => EMPTY_FRAME,
            _ => (self.vc as i32 * self.cw, self.vr as i32 * self.ch),
        }
    }

    /// Pixel rectangle `(x0, y0, x1, y1)` of drawn cell (r, c).
    pub fn cell_rect(&self, r: usize, c: usize) -> (i32, i32, i32, i32) {
        let x0 = self.x + c as i32 * self.cw;
        let y0 = self.y + r as i32 * self.ch;
        (x0, y0, x0 + self.cw, y0 + self.ch)
    }

    /// Centre of matrix row `i` (y) and column `j` (x), also when downsampled.
    pub fn row_centre(&self, i: usize) -> i32 {
        self.y + ((i as f64 + 0.5) * self.ch as f64 / self.kr as f64) as i32
    }

    pub fn col_centre(&self, j: usize) -> i32 {
        self.x + ((j as f64 + 0.5) * self.cw as f64 / self.kc as f64) as i32
    }

    /// The value drawn cell (r, c) shows: the entry itself, or for a downsampled block the
    /// entry of largest |value| (NaN, then ±∞, win), so a lone non-zero never vanishes.
    pub fn value(&self, r: usize, c: usize) -> f64 {
        let m = self.matrix;
        let (rows, cols) = m.shape();
        let data = m.data();
        if self.kr == 1 && self.kc == 1 {
            return data[r * cols + c];
        }
        let mut best = 0.0f64;
        let mut inf = None;
        for i in r * self.kr..((r + 1) * self.kr).min(rows) {
            let row = &data[i * cols..(i + 1) * cols];
            for &v in &row[c * self.kc..((c + 1) * self.kc).min(cols)] {
                if v.is_nan() {
                    return f64::NAN;
                } else if v.is_infinite() {
                    inf.get_or_insert(v);
                } else if v.abs() > best.abs() {
                    best = v;
                }
            }
        }
        inf.unwrap_or(best)
    }

    /// Colour-map level of every drawn cell, row-major (`vr × vc`).
    pub fn levels(&self) -> Vec<Level> {
        if self.kr == 1 && self.kc == 1 {
            // Not downsampled: the cells are the data, in order.
            let scale = self.scale;
            return self
                .matrix
                .data()
                .iter()
                .map(|&v| colormap::level(v, scale))
                .collect();
        }
        let mut out = Vec::with_capacity(self.vr * self.vc);
        for r in 0..self.vr {
            for c in 0..self.vc {
                out.push(colormap::level(self.value(r, c), self.scale));
            }
        }
        out
    }

    /// Whether NaN/∞ cells are crossed out: when their value is not printed (the printed
    /// "NaN", "+∞" says it already) and the cells are big enough to hold a cross.
    pub fn crosses(&self) -> bool {
        self.mode == CellMode::Rects && self.annotate.is_none() && self.cw >= 6 && self.ch >= 6
    }

    /// Whether 1-pixel lines separate the cells (when they are big enough to spare them).
    pub fn lines(&self) -> bool {
        self.mode == CellMode::Rects && self.cw >= 8 && self.ch >= 8
    }
}

/// Decides how the cells are drawn and how big they are, before anything is placed.
fn grid<'a>(m: &'a Matrix, scale: f64, annotate: Option<bool>) -> Result<Grid<'a>> {
    let (rows, cols) = m.shape();
    let kr = rows.div_ceil(MAX_AXIS_PX).max(1);
    let kc = cols.div_ceil(MAX_AXIS_PX).max(1);
    let (vr, vc) = (rows.div_ceil(kr), cols.div_ceil(kc));
    let mode = if rows == 0 || cols == 0 {
        CellMode::Empty
    } else if kr == 1 && kc == 1 && rows * cols <= RECT_MAX_CELLS {
        CellMode::Rects
    } else {
        CellMode::Raster
    };
    let base = (TARGET / vr.max(vc).max(1)).clamp(1, MAX_CELL);
    // A short axis (a 1×n row) still gets MIN_SIDE pixels, so the picture never collapses.
    let stretch = |n: usize| {
        if mode != CellMode::Empty && n * base < MIN_SIDE {
            MIN_SIDE.div_ceil(n).min(MAX_CELL).max(base)
        } else {
            base
        }
    };
    let mut grid = Grid {
        matrix: m,
        scale,
        mode,
        x: 0,
        y: 0,
        cw: stretch(vc) as i32,
        ch: stretch(vr) as i32,
        kr,
        kc,
        vr,
        vc,
        annotate: None,
    };
    let limit = match annotate {
        Some(true) => ANNOTATE_FORCED_MAX,
        Some(false) => 0,
        None => ANNOTATE_MAX,
    };
    if mode == CellMode::Rects && rows <= limit && cols <= limit {
        annotate_cells(&mut grid)?;
    }
    Ok(grid)
}

/// Chooses the font size of printed values: cells widen (up to a limit) to fit them, then
/// the text shrinks until the widest value fits.
fn annotate_cells(grid: &mut Grid<'_>) -> Result<()> {
    let texts: Vec<String> = grid
        .matrix
        .data()
        .iter()
        .map(|&v| format::number(v, Style::Picture))
        .collect();
    let mut size = (f64::from(grid.ch) * 0.34).clamp(7.5, TICK);
    let mut w = widest(&texts, size)?;
    if w + 8 > grid.cw {
        grid.cw = (w + 8).min(MAX_ANNOTATED_CELL as i32).max(grid.cw);
    }
    while w + 6 > grid.cw && size > 6.0 {
        size -= 0.5;
        w = widest(&texts, size)?;
    }
    grid.annotate = Some(size);
    Ok(())
}

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
    fn row_band(&self) -> Result<i32> {
        widest(&self.rows.iter().map(|t| &t.1).collect::<Vec<_>>(), TICK)
    }

    /// Height of the column labels' band, above the matrix.
    fn col_band(&self) -> Result<i32> {
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
fn ticks(grid: &Grid<'_>, hm: &Heatmap, labels: &(Vec<String>, Vec<String>)) -> Result<Ticks> {
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
    right: i32,
    bottom: i32,
}

/// Places the colour bar right of the placed grid, with its ticks, note and legend.
fn side(hm: &Heatmap, grid: &Grid<'_>, stats: &Stats) -> Result<Side> {
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
    let mut grid = grid(m, scale, hm.annotate)?;
    let ticks = ticks(&grid, hm, &labels)?;
    // Bands above the matrix: title, column axis name, column labels; left of it: the row
    // axis name (upright) and the row labels.
    let title_y = PAD;
    let col_axis_y = title_y + line(TITLE) + GAP + 2;
    grid.y = col_axis_y + line(AXIS) + GAP + ticks.col_band()? + TICK_GAP;
    grid.x = PAD + line(AXIS) + GAP + ticks.row_band()? + TICK_GAP;
    let side = side(hm, &grid, &stats)?;
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
