//! The PNG: the SVG document rasterised by resvg with the embedded font, then quantised to
//! an indexed-colour PNG.
//!
//! One drawing, two encodings: the PNG cannot put a cell, a label or a colour anywhere the
//! SVG does not, which two drawing backends with their own text offsets could.

use resvg::{tiny_skia, usvg};

use crate::error::{Error, Result};
use crate::font;
use crate::raster::{self, SHIPPED};

/// PNG bytes of `svg`, a `width × height` document written by `svg::document`.
pub(crate) fn png(svg: &str, width: u32, height: u32) -> Result<Vec<u8>> {
    let pixels = pixels(svg, width, height)?;
    let (index, palette) = raster::quantize(&pixels);
    drop(pixels);
    raster::encode_indexed(width, height, &index, &palette, SHIPPED, "to_png")
}

/// Premultiplied RGBA pixels of `svg`; the document paints its own opaque background, so
/// they are plain RGB with alpha 255.
fn pixels(svg: &str, width: u32, height: u32) -> Result<Vec<u8>> {
    let opt = usvg::Options {
        fontdb: font::database(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| Error::draw("to_png", e))?;
    let mut pixmap = tiny_skia::Pixmap::new(width, height)
        .ok_or_else(|| Error::draw("to_png", format!("cannot allocate {width}×{height} pixels")))?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    Ok(pixmap.take())
}
