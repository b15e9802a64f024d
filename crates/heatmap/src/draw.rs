//! Drawing: a laid-out figure becomes a [`Scene`], the flat list of shapes that the SVG holds
//! and the PNG is rasterised from.
//!
//! The third stage of spec → layout → draw → output. Every decision about what goes where
//! was taken by the layout; this stage only turns it into rectangles, lines and text, in
//! z-order, shifted to each panel's place in the figure.

use crate::colormap::{self, Level, Rgb, LEVELS};
use crate::error::Result;
use crate::font;
use crate::format::{self, Style};
use crate::layout::{
    Across, Align, Bar, CellMode, FigureLayout, Grid, Label, Panel, Ticks, BAR_W, SMALL, TICK,
    TICK_GAP,
};
use crate::scene::{Cells, Scene, Shape, Text};

const INK: Rgb = [0x11, 0x11, 0x11];
const FRAME: Rgb = [0x44, 0x44, 0x44];
const GRID: Rgb = [0xc8, 0xc8, 0xc8];
const WHITE: Rgb = [255, 255, 255];

/// Collects shapes, shifted by the origin of the panel being drawn.
struct Pen {
    ox: i32,
    oy: i32,
    /// Baseline offset of centred text, as a fraction of its size.
    cap: f64,
    shapes: Vec<Shape>,
}

impl Pen {
    fn rect(&mut self, (x0, y0, x1, y1): (i32, i32, i32, i32), fill: Rgb) {
        self.shapes.push(Shape::Rect {
            x: self.ox + x0,
            y: self.oy + y0,
            w: x1 - x0,
            h: y1 - y0,
            fill,
        });
    }

    /// An unfilled 1-pixel frame just outside `(x0, y0, x1, y1)`.
    fn frame(&mut self, (x0, y0, x1, y1): (i32, i32, i32, i32), c: Rgb) {
        self.rect((x0 - 1, y0 - 1, x1 + 1, y0), c);
        self.rect((x0 - 1, y1, x1 + 1, y1 + 1), c);
        self.rect((x0 - 1, y0, x0, y1), c);
        self.rect((x1, y0, x1 + 1, y1), c);
    }

    /// A cross over `(x0, y0, x1, y1)` in the colour that contrasts with `bg` (NaN, ∞).
    fn cross(&mut self, (x0, y0, x1, y1): (i32, i32, i32, i32), bg: Rgb) {
        let ink = colormap::text_color_on(bg);
        let i = ((x1 - x0).min(y1 - y0) / 5).max(2);
        let (ox, oy) = (self.ox, self.oy);
        let line = |from: (i32, i32), to: (i32, i32)| Shape::Line {
            from: (ox + from.0, oy + from.1),
            to: (ox + to.0, oy + to.1),
            stroke: ink,
        };
        let a = line((x0 + i, y0 + i), (x1 - i, y1 - i));
        let b = line((x0 + i, y1 - i), (x1 - i, y0 + i));
        self.shapes.extend([a, b]);
    }

    fn label(&mut self, l: &Label) {
        self.text(l, INK);
    }

    /// Text, its baseline found from where the layout anchored it across the text.
    fn text(&mut self, l: &Label, fill: Rgb) {
        if l.text.is_empty() {
            return;
        }
        let shift = match l.across {
            Across::Top => self.cap,
            Across::Centre => self.cap / 2.0,
            // Descenders reach about a fifth of the size below the baseline.
            Across::Bottom => -0.22,
        };
        let d = (shift * l.size).round() as i32;
        self.shapes.push(Shape::Text(Text {
            x: self.ox + l.x,
            y: self.oy + l.y,
            baseline: self.oy + l.y + d,
            size: l.size,
            fill,
            align: l.align,
            rotated: l.rotated,
            text: l.text.clone(),
        }));
    }
}

/// The scene of a laid-out figure.
pub(crate) fn scene(fig: &FigureLayout<'_>) -> Result<Scene> {
    let mut pen = Pen {
        ox: 0,
        oy: 0,
        cap: font::cap_height()?,
        shapes: Vec::new(),
    };
    pen.rect((0, 0, fig.width as i32, fig.height as i32), WHITE);
    if let Some(t) = &fig.title {
        pen.label(t);
    }
    for (x, y, p) in &fig.panels {
        (pen.ox, pen.oy) = (*x, *y);
        panel(&mut pen, p);
    }
    Ok(Scene {
        width: fig.width,
        height: fig.height,
        shapes: pen.shapes,
    })
}

fn panel(pen: &mut Pen, p: &Panel<'_>) {
    pen.label(&p.title);
    if let Some((col_axis, row_axis)) = &p.axes {
        pen.label(col_axis);
        pen.label(row_axis);
    }
    let g = &p.grid;
    let (mw, mh) = g.size();
    let area = (g.x, g.y, g.x + mw, g.y + mh);
    match g.mode {
        CellMode::Rects => cells(pen, g),
        CellMode::Raster => raster(pen, g),
        CellMode::Empty => pen.frame(area, GRID),
    }
    if g.mode != CellMode::Empty {
        pen.frame(area, FRAME);
    }
    ticks(pen, g, &p.ticks);
    if let Some(bar) = &p.side.bar {
        colour_bar(pen, bar);
    }
    for e in &p.side.legend {
        let swatch = (e.x, e.y - 6, e.x + 12, e.y + 6);
        pen.rect(swatch, e.level.color());
        if g.crosses() {
            pen.cross(swatch, e.level.color());
        }
        pen.label(&Label::new(&e.text, (e.x + 18, e.y), SMALL, Align::Start));
    }
    if let Some(note) = &p.note {
        pen.label(note);
    }
}

/// One rectangle per cell, then the lines between cells, then crosses and printed values on
/// top (so a grid line never cuts through a value).
fn cells(pen: &mut Pen, g: &Grid<'_>) {
    let levels = g.levels();
    let at = |r: usize, c: usize| levels[r * g.vc + c];
    for r in 0..g.vr {
        for c in 0..g.vc {
            pen.rect(g.cell_rect(r, c), at(r, c).color());
        }
    }
    if g.lines() {
        let (mw, mh) = g.size();
        for c in 1..g.vc {
            let x = g.x + c as i32 * g.cw;
            pen.rect((x, g.y, x + 1, g.y + mh), GRID);
        }
        for r in 1..g.vr {
            let y = g.y + r as i32 * g.ch;
            pen.rect((g.x, y, g.x + mw, y + 1), GRID);
        }
    }
    for r in 0..g.vr {
        for c in 0..g.vc {
            let (level, rect) = (at(r, c), g.cell_rect(r, c));
            if level.is_non_finite() && g.crosses() {
                // Inside the grid line on the cell's left and top.
                pen.cross(
                    (rect.0 + 1, rect.1 + 1, rect.2 - 1, rect.3 - 1),
                    level.color(),
                );
            }
            if let Some(size) = g.annotate {
                value(pen, g, (r, c), rect, size, level);
            }
        }
    }
}

/// The value of cell (r, c), centred in `rect`, in black or white, whichever contrasts more.
fn value(
    pen: &mut Pen,
    g: &Grid<'_>,
    (r, c): (usize, usize),
    rect: (i32, i32, i32, i32),
    size: f64,
    level: Level,
) {
    let text = format::number(g.value(r, c), Style::Picture);
    let centre = ((rect.0 + rect.2) / 2, (rect.1 + rect.3) / 2);
    let label = Label::new(text, centre, size, Align::Middle);
    pen.text(&label, colormap::text_color_on(level.color()));
}

/// Large matrices: one image of palette indices, one pixel per drawn cell, stretched.
fn raster(pen: &mut Pen, g: &Grid<'_>) {
    let (w, h) = g.size();
    pen.shapes.push(Shape::Cells(Cells {
        x: pen.ox + g.x,
        y: pen.oy + g.y,
        w,
        h,
        cols: g.vc as u32,
        rows: g.vr as u32,
        levels: g.levels().into_iter().map(Level::index).collect(),
    }));
}

/// Tick labels centred on their row or column, and marks when some are skipped.
fn ticks(pen: &mut Pen, g: &Grid<'_>, t: &Ticks) {
    let gap = TICK_GAP + 1;
    for (i, name) in &t.rows {
        let y = g.row_centre(*i);
        pen.label(&Label::new(name, (g.x - gap, y), TICK, Align::End));
        if t.row_marks {
            pen.rect((g.x - 5, y, g.x - 1, y + 1), FRAME);
        }
    }
    for (j, name) in &t.cols {
        let x = g.col_centre(*j);
        let at = (x, g.y - gap);
        let label = if t.cols_rotated {
            // Reads upwards from just above the matrix.
            Label::new(name, at, TICK, Align::Start).rotated()
        } else {
            Label::new(name, at, TICK, Align::Middle).across(Across::Bottom)
        };
        pen.label(&label);
        if t.col_marks {
            pen.rect((x, g.y - 5, x + 1, g.y - 1), FRAME);
        }
    }
}

/// The colour bar: one band per colour step, positive at the top, then its frame, ticks,
/// label and note.
fn colour_bar(pen: &mut Pen, bar: &Bar) {
    // [0, scale]: the positive steps and zero only.
    let bands = if bar.nonnegative {
        LEVELS + 1
    } else {
        2 * LEVELS + 1
    };
    let edge = |k: usize| bar.y + (k as f64 * f64::from(bar.h) / bands as f64).round() as i32;
    for k in 0..bands {
        let level = match k {
            k if k < LEVELS => Level::Pos((LEVELS - k) as u8),
            k if k == LEVELS => Level::Zero,
            k => Level::Neg((k - LEVELS) as u8),
        };
        let (y0, y1) = (edge(k), edge(k + 1));
        if y1 > y0 {
            pen.rect((bar.x, y0, bar.x + BAR_W, y1), level.color());
        }
    }
    pen.frame((bar.x, bar.y, bar.x + BAR_W, bar.y + bar.h), FRAME);
    for (y, text) in &bar.ticks {
        pen.rect((bar.x + BAR_W, *y, bar.x + BAR_W + 4, y + 1), FRAME);
        pen.label(&Label::new(
            text,
            (bar.x + BAR_W + 6, *y),
            SMALL,
            Align::Start,
        ));
    }
    pen.label(&bar.label);
    if let Some(note) = &bar.note {
        pen.label(note);
    }
}
