//! The matrix area: how big the cells are, which entries each drawn cell shows, and the size
//! of printed values.

use super::{widest, MAX_AXIS_PX, RECT_MAX_CELLS, TICK};
use crate::colormap::{self, Level};
use crate::error::Result;
use crate::format::{self, Style};
use crate::matrix::Matrix;

/// Longest side the matrix aims for, in pixels.
const TARGET: usize = 560;
/// Largest cell side in pixels.
const MAX_CELL: usize = 56;
/// Cells never go below this many pixels on a short axis (a 1×n row stays tall).
const MIN_SIDE: usize = 120;
/// Values are printed in cells by default up to this many rows and columns.
const ANNOTATE_MAX: usize = 12;
/// `annotate(true)` is honoured up to this many rows and columns.
const ANNOTATE_FORCED_MAX: usize = 40;
/// Widest cell when it grows to fit its printed value.
const MAX_ANNOTATED_CELL: usize = 96;
/// The frame drawn for a 0×n matrix.
const EMPTY_FRAME: (i32, i32) = (160, 60);

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
pub(super) fn cells<'a>(m: &'a Matrix, scale: f64, annotate: Option<bool>) -> Result<Grid<'a>> {
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
