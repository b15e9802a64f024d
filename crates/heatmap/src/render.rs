//! Drawing a laid-out figure with plotters, to SVG text or PNG bytes.
//!
//! The same code draws on plotters' `SVGBackend` and `BitMapBackend`
//! through the `DrawingBackend` trait. Small matrices get one rectangle per
//! cell. Large ones get one raster image: written straight into the PNG's
//! index buffer, or embedded in the SVG as a pixelated `<image>`.

use base64::Engine as _;
use plotters::backend::{BitMapBackend, DrawingBackend, RGBPixel, SVGBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontDesc, FontFamily, FontStyle, FontTransform, RGBColor, TextStyle};

use crate::colormap::{self, Level, Rgb, LEVELS};
use crate::error::{Error, Result};
use crate::font;
use crate::format::{self, Style};
use crate::heatmap::Heatmap;
use crate::layout::{self, CellMode, FigureLayout, Panel, AXIS, SMALL, TICK, TITLE};
use crate::raster;

const INK: Rgb = [0x11, 0x11, 0x11];
const FRAME: Rgb = [0x44, 0x44, 0x44];
const GRID: Rgb = [0xc8, 0xc8, 0xc8];
const WHITE: Rgb = [255, 255, 255];

/// Which backend is drawing (text placement differs slightly).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Svg,
    Bitmap,
}

/// A backend plus the offset of the panel being drawn.
struct Pen<'b, DB: DrawingBackend> {
    db: &'b mut DB,
    ox: i32,
    oy: i32,
    kind: Kind,
    op: &'static str,
}

impl<DB: DrawingBackend> Pen<'_, DB> {
    fn rect(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, c: Rgb) -> Result<()> {
        let color = RGBColor(c[0], c[1], c[2]);
        self.db
            .draw_rect(
                (self.ox + x0, self.oy + y0),
                (self.ox + x1, self.oy + y1),
                &color,
                true,
            )
            .map_err(|e| Error::draw(self.op, e))
    }

    fn line(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, c: Rgb) -> Result<()> {
        let color = RGBColor(c[0], c[1], c[2]);
        self.db
            .draw_line(
                (self.ox + x0, self.oy + y0),
                (self.ox + x1, self.oy + y1),
                &color,
            )
            .map_err(|e| Error::draw(self.op, e))
    }

    /// An unfilled 1-pixel frame just outside `[x0, x1) × [y0, y1)`.
    fn frame(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, c: Rgb) -> Result<()> {
        self.rect(x0 - 1, y0 - 1, x1 + 1, y0, c)?;
        self.rect(x0 - 1, y1, x1 + 1, y1 + 1, c)?;
        self.rect(x0 - 1, y0, x0, y1, c)?;
        self.rect(x1, y0, x1 + 1, y1, c)
    }

    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        s: &str,
        x: i32,
        y: i32,
        size: f64,
        c: Rgb,
        h: HPos,
        v: VPos,
        rotate: bool,
    ) -> Result<()> {
        if s.is_empty() {
            return Ok(());
        }
        let trans = if rotate {
            FontTransform::Rotate270
        } else {
            FontTransform::None
        };
        let style: TextStyle<'_> =
            FontDesc::new(FontFamily::Name(font::FAMILY), size, FontStyle::Normal)
                .transform(trans)
                .color(&RGBColor(c[0], c[1], c[2]))
                .pos(Pos::new(h, v));
        // plotters' ab_glyph rasteriser puts glyphs about a fifth of the size
        // higher than the SVG baseline rule does; shift them back.
        let (dx, dy) = match (self.kind, rotate) {
            (Kind::Bitmap, false) => (0, (size * 0.2).round() as i32),
            (Kind::Bitmap, true) => ((size * 0.2).round() as i32, 0),
            (Kind::Svg, _) => (0, 0),
        };
        self.db
            .draw_text(s, &style, (self.ox + x + dx, self.oy + y + dy))
            .map_err(|e| Error::draw(self.op, e))
    }
}

/// The value shown by visual cell (r, c): the entry itself, or for a
/// downsampled block the entry of largest |value| (NaN, then ±∞, win).
fn pooled(p: &Panel<'_>, r: usize, c: usize) -> f64 {
    let m = p.hm.matrix();
    let (rows, cols) = m.shape();
    let data = m.data();
    if p.kr == 1 && p.kc == 1 {
        return data[r * cols + c];
    }
    let mut best = 0.0f64;
    let mut inf = None;
    for i in r * p.kr..((r + 1) * p.kr).min(rows) {
        for &v in &data[i * cols + c * p.kc..(i * cols + ((c + 1) * p.kc).min(cols))] {
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

/// Palette index of every visual cell, row-major (`vr × vc`).
pub(crate) fn cell_levels(p: &Panel<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(p.vr * p.vc);
    for r in 0..p.vr {
        for c in 0..p.vc {
            out.push(colormap::level(pooled(p, r, c), p.scale).index());
        }
    }
    out
}

fn draw_panel<DB: DrawingBackend>(pen: &mut Pen<'_, DB>, p: &Panel<'_>) -> Result<()> {
    let (mw, mh) = p.matrix_size();
    let (mx, my) = (p.mx, p.my);
    pen.text(
        &p.title,
        p.title_x,
        p.title_y,
        TITLE,
        INK,
        HPos::Center,
        VPos::Top,
        false,
    )?;
    if p.mode != CellMode::Empty {
        pen.text(
            p.hm.col_axis_name(),
            p.col_axis_x,
            p.col_axis_y,
            AXIS,
            INK,
            HPos::Center,
            VPos::Top,
            false,
        )?;
        pen.text(
            p.hm.row_axis_name(),
            p.row_axis_x,
            p.row_axis_y,
            AXIS,
            INK,
            HPos::Center,
            VPos::Center,
            true,
        )?;
    }

    match p.mode {
        CellMode::Rects => draw_cells(pen, p)?,
        CellMode::Raster => {} // filled in by the caller
        CellMode::Empty => {
            pen.frame(mx, my, mx + 160, my + 60, GRID)?;
        }
    }
    if p.mode != CellMode::Empty {
        pen.frame(mx, my, mx + mw, my + mh, FRAME)?;
    }

    // Tick labels, centred on their row / column.
    for (i, label) in &p.row_ticks {
        let y = my + ((*i as f64 + 0.5) * p.ch as f64 / p.kr as f64) as i32;
        pen.text(
            label,
            mx - 7,
            y,
            TICK,
            INK,
            HPos::Right,
            VPos::Center,
            false,
        )?;
        if p.row_marks {
            pen.rect(mx - 5, y, mx - 1, y + 1, FRAME)?;
        }
    }
    for (j, label) in &p.col_ticks {
        let x = mx + ((*j as f64 + 0.5) * p.cw as f64 / p.kc as f64) as i32;
        if p.col_rotated {
            pen.text(label, x, my - 7, TICK, INK, HPos::Left, VPos::Center, true)?;
        } else {
            pen.text(
                label,
                x,
                my - 7,
                TICK,
                INK,
                HPos::Center,
                VPos::Bottom,
                false,
            )?;
        }
        if p.col_marks {
            pen.rect(x, my - 5, x + 1, my - 1, FRAME)?;
        }
    }

    if let Some(bar) = &p.bar {
        // [0, scale]: the positive steps and zero only.
        let bands = if p.hm.is_nonnegative() {
            LEVELS + 1
        } else {
            2 * LEVELS + 1
        };
        let bw = 14;
        for k in 0..bands {
            let level = if k < LEVELS {
                Level::Pos((LEVELS - k) as u8)
            } else if k == LEVELS {
                Level::Zero
            } else {
                Level::Neg((k - LEVELS) as u8)
            };
            let y0 = bar.y + (k as f64 * bar.h as f64 / bands as f64).round() as i32;
            let y1 = bar.y + ((k + 1) as f64 * bar.h as f64 / bands as f64).round() as i32;
            if y1 > y0 {
                pen.rect(bar.x, y0, bar.x + bw, y1, level.color())?;
            }
        }
        pen.frame(bar.x, bar.y, bar.x + bw, bar.y + bar.h, FRAME)?;
        for (y, label) in &bar.ticks {
            pen.rect(bar.x + bw, *y, bar.x + bw + 4, y + 1, FRAME)?;
            pen.text(
                label,
                bar.x + bw + 6,
                *y,
                SMALL,
                INK,
                HPos::Left,
                VPos::Center,
                false,
            )?;
        }
        pen.text(
            &bar.label,
            bar.x,
            bar.label_y,
            SMALL,
            INK,
            HPos::Left,
            VPos::Center,
            false,
        )?;
        if let Some(note) = &bar.note {
            pen.text(
                note,
                bar.x,
                bar.y + bar.h + 12,
                SMALL,
                INK,
                HPos::Left,
                VPos::Center,
                false,
            )?;
        }
    }
    for (y, level, text) in &p.legend {
        let x = p.legend_x;
        pen.rect(x, y - 6, x + 12, y + 6, level.color())?;
        if crosses(p) {
            cross(pen, x, y - 6, x + 12, y + 6, level.color())?;
        }
        pen.text(
            text,
            x + 18,
            *y,
            SMALL,
            INK,
            HPos::Left,
            VPos::Center,
            false,
        )?;
    }
    if let Some((x, y, text)) = &p.note {
        pen.text(text, *x, *y, SMALL, INK, HPos::Center, VPos::Center, false)?;
    }
    Ok(())
}

/// Whether NaN/∞ cells are crossed out: when their value is not printed
/// (the printed "NaN", "+∞" says it already) and the cells are big enough.
fn crosses(p: &Panel<'_>) -> bool {
    p.mode == CellMode::Rects && p.annotate.is_none() && p.cw >= 6 && p.ch >= 6
}

/// A cross marking a NaN/∞ cell, in the colour that contrasts with it.
fn cross<DB: DrawingBackend>(
    pen: &mut Pen<'_, DB>,
    x0: i32,
    y0: i32,
    x1: i32,
    y1: i32,
    bg: Rgb,
) -> Result<()> {
    let ink = colormap::text_color_on(bg);
    let i = ((x1 - x0).min(y1 - y0) / 5).max(2);
    pen.line(x0 + i, y0 + i, x1 - i - 1, y1 - i - 1, ink)?;
    pen.line(x0 + i, y1 - i - 1, x1 - i - 1, y0 + i, ink)
}

fn draw_cells<DB: DrawingBackend>(pen: &mut Pen<'_, DB>, p: &Panel<'_>) -> Result<()> {
    let m = p.hm.matrix();
    let grid = p.cw >= 8 && p.ch >= 8;
    for r in 0..p.vr {
        for c in 0..p.vc {
            let v = m.get(r, c).unwrap_or(f64::NAN);
            let level = colormap::level(v, p.scale);
            let (x0, y0, x1, y1) = p.cell_rect(r, c);
            pen.rect(x0, y0, x1, y1, level.color())?;
        }
    }
    if grid {
        let (mw, mh) = p.matrix_size();
        for c in 1..p.vc {
            let x = p.mx + c as i32 * p.cw;
            pen.rect(x, p.my, x + 1, p.my + mh, GRID)?;
        }
        for r in 1..p.vr {
            let y = p.my + r as i32 * p.ch;
            pen.rect(p.mx, y, p.mx + mw, y + 1, GRID)?;
        }
    }
    for r in 0..p.vr {
        for c in 0..p.vc {
            let v = m.get(r, c).unwrap_or(f64::NAN);
            let level = colormap::level(v, p.scale);
            let (x0, y0, x1, y1) = p.cell_rect(r, c);
            let bg = level.color();
            if level.is_non_finite() && crosses(p) {
                cross(pen, x0 + 1, y0 + 1, x1, y1, bg)?;
            }
            if let Some(size) = p.annotate {
                let text = format::number(v, Style::Picture);
                let ink = colormap::text_color_on(bg);
                let (cx, cy) = ((x0 + x1) / 2, (y0 + y1) / 2);
                pen.text(&text, cx, cy, size, ink, HPos::Center, VPos::Center, false)?;
            }
        }
    }
    Ok(())
}

fn draw_figure<DB: DrawingBackend>(db: &mut DB, fig: &FigureLayout<'_>, kind: Kind) -> Result<()> {
    let op = if kind == Kind::Svg {
        "to_svg"
    } else {
        "to_png"
    };
    let mut pen = Pen {
        db,
        ox: 0,
        oy: 0,
        kind,
        op,
    };
    pen.rect(0, 0, fig.width as i32, fig.height as i32, WHITE)?;
    if let Some((x, y, t)) = &fig.title {
        pen.text(t, *x, *y, TITLE + 2.0, INK, HPos::Center, VPos::Top, false)?;
    }
    for (x, y, p) in &fig.panels {
        pen.ox = *x;
        pen.oy = *y;
        draw_panel(&mut pen, p)?;
    }
    pen.db.present().map_err(|e| Error::draw(op, e))
}

/// Renders to an SVG document.
pub(crate) fn svg(heatmaps: &[&Heatmap], title: Option<&str>, shared: bool) -> Result<String> {
    font::ensure()?;
    let fig = layout::figure(heatmaps, title, shared)?;
    let mut s = String::new();
    {
        let mut db = SVGBackend::with_string(&mut s, (fig.width, fig.height));
        draw_figure(&mut db, &fig, Kind::Svg)?;
    }
    // Large matrices: one pixelated image per panel, 1 pixel per visual cell.
    let mut images = String::new();
    for (x, y, p) in &fig.panels {
        if p.mode != CellMode::Raster {
            continue;
        }
        let png = raster::encode_indexed(
            p.vc as u32,
            p.vr as u32,
            &cell_levels(p),
            &colormap::palette(),
            "to_svg",
        )?;
        let (mw, mh) = p.matrix_size();
        images.push_str(&format!(
            "<image x=\"{}\" y=\"{}\" width=\"{mw}\" height=\"{mh}\" preserveAspectRatio=\"none\" \
             image-rendering=\"optimizeSpeed\" style=\"image-rendering:pixelated\" \
             href=\"data:image/png;base64,{}\"/>\n",
            x + p.mx,
            y + p.my,
            base64::engine::general_purpose::STANDARD.encode(png),
        ));
    }
    if !images.is_empty() {
        match s.rfind("</svg>") {
            Some(at) => s.insert_str(at, &images),
            None => {
                return Err(Error::draw(
                    "to_svg",
                    "plotters produced no closing </svg> tag",
                ));
            }
        }
    }
    Ok(s)
}

/// Renders to PNG bytes (indexed colour).
pub(crate) fn png(heatmaps: &[&Heatmap], title: Option<&str>, shared: bool) -> Result<Vec<u8>> {
    font::ensure()?;
    let fig = layout::figure(heatmaps, title, shared)?;
    let (w, h) = (fig.width, fig.height);
    let mut rgb = vec![255u8; w as usize * h as usize * 3];
    {
        let mut db = BitMapBackend::<RGBPixel>::with_buffer_and_format(&mut rgb, (w, h))
            .map_err(|e| Error::draw("to_png", e))?;
        draw_figure(&mut db, &fig, Kind::Bitmap)?;
    }
    let (mut index, palette) = raster::quantize(&rgb);
    drop(rgb);
    for (x, y, p) in &fig.panels {
        if p.mode != CellMode::Raster {
            continue;
        }
        let levels = cell_levels(p);
        let (cw, ch) = (p.cw as usize, p.ch as usize);
        let stride = w as usize;
        let x0 = (x + p.mx) as usize;
        let y0 = (y + p.my) as usize;
        let mut line = vec![0u8; p.vc * cw];
        for r in 0..p.vr {
            for c in 0..p.vc {
                line[c * cw..(c + 1) * cw].fill(levels[r * p.vc + c]);
            }
            for k in 0..ch {
                let start = (y0 + r * ch + k) * stride + x0;
                index[start..start + line.len()].copy_from_slice(&line);
            }
        }
    }
    raster::encode_indexed(w, h, &index, &palette, "to_png")
}

/// The `text/plain` form: titles and aligned tables.
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
        out.push_str(&h.full_title());
        out.push_str(&format!(
            "  (rows: {}, columns: {})\n",
            h.row_axis_name(),
            h.col_axis_name()
        ));
        let m = h.matrix();
        if let Err(e) = m.check("Heatmap::to_text") {
            out.push_str(&format!("{e}\n"));
            continue;
        }
        if m.is_empty() {
            out.push_str("(empty matrix)\n");
            continue;
        }
        let (rl, cl) = h.raw_labels();
        let rl = if rl.len() == m.rows() { rl } else { &[] };
        let cl = if cl.len() == m.cols() { cl } else { &[] };
        out.push_str(&format::table(m, rl, cl));
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
    out
}
