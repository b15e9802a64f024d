//! Writing a [`Scene`] as an SVG document: one element per shape, in order.
//!
//! The SVG is the crate's one drawing: the PNG is this document rasterised by resvg. Text is
//! escaped with the `html-escape` crate (`&`, `<`, `>` in text; also `"` in attributes), which
//! is what XML needs; titles and labels never hold the control characters XML forbids
//! (`format::single_line` replaced them).

use std::fmt::Write as _;

use base64::Engine as _;

use crate::colormap::{self, Rgb};
use crate::error::Result;
use crate::font;
use crate::layout::Align;
use crate::raster::{self, Deflate};
use crate::scene::{Cells, Scene, Shape, Text};

/// What becomes of the cell image of a large matrix.
#[derive(Clone, Copy)]
pub(crate) enum CellImage {
    /// Embedded as a PNG `<image>`, deflated so.
    Embed(Deflate),
    /// Left out: the PNG path copies the cells into its pixels itself (see `rasterise`).
    Leave,
}

/// The SVG document of `scene`.
pub(crate) fn document(scene: &Scene, cells: CellImage) -> Result<String> {
    let (w, h) = (scene.width, scene.height);
    let mut out = String::with_capacity(256 + 96 * scene.shapes.len());
    // `write!` into a String cannot fail; the results are ignored below for that reason.
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\" font-family=\"{}\">",
        attr(font::SVG_FAMILY)
    );
    for shape in &scene.shapes {
        element(&mut out, shape, cells)?;
    }
    out.push_str("</svg>\n");
    Ok(out)
}

fn element(out: &mut String, shape: &Shape, image: CellImage) -> Result<()> {
    match shape {
        Shape::Rect { x, y, w, h, fill } => {
            let _ = writeln!(
                out,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"{}\"/>",
                hex(*fill)
            );
        }
        Shape::Line { from, to, stroke } => {
            let _ = writeln!(
                out,
                "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\"/>",
                from.0,
                from.1,
                to.0,
                to.1,
                hex(*stroke)
            );
        }
        Shape::Text(t) => text(out, t),
        Shape::Cells(c) => {
            if let CellImage::Embed(compression) = image {
                cells(out, c, compression)?;
            }
        }
    }
    Ok(())
}

fn text(out: &mut String, t: &Text) {
    let Text {
        x,
        y,
        baseline,
        size,
        fill,
        align,
        rotated,
        text,
    } = t;
    let anchor = match align {
        Align::Start => "",
        Align::Middle => " text-anchor=\"middle\"",
        Align::End => " text-anchor=\"end\"",
    };
    // Turned about the anchor point, so the layout's point stays where it is.
    let turn = if *rotated {
        format!(" transform=\"rotate(-90 {x} {y})\"")
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "<text x=\"{x}\" y=\"{baseline}\" font-size=\"{size}\" fill=\"{}\"{anchor}{turn}>{}</text>",
        hex(*fill),
        html_escape::encode_text(text)
    );
}

/// The cells of a large matrix: a PNG of one pixel per cell, stretched without smoothing
/// (`pixelated` for browsers, `optimizeSpeed` for resvg and older viewers).
fn cells(out: &mut String, c: &Cells, compression: Deflate) -> Result<()> {
    let Cells {
        x,
        y,
        w,
        h,
        cols,
        rows,
        levels,
    } = c;
    let png = raster::encode_indexed(
        *cols,
        *rows,
        levels,
        &colormap::palette(),
        compression,
        "to_svg",
    )?;
    let _ = writeln!(
        out,
        "<image x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" preserveAspectRatio=\"none\" \
         image-rendering=\"optimizeSpeed\" style=\"image-rendering:pixelated\" \
         href=\"data:image/png;base64,{}\"/>",
        base64::engine::general_purpose::STANDARD.encode(png)
    );
    Ok(())
}

fn hex(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

fn attr(s: &str) -> std::borrow::Cow<'_, str> {
    html_escape::encode_double_quoted_attribute(s)
}
