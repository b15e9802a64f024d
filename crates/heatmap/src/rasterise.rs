//! The PNG: the scene's SVG document rasterised by resvg with the embedded font, then
//! quantised to an indexed-colour PNG.
//!
//! One drawing, two encodings: the PNG cannot put a label, a line or a colour anywhere the
//! SVG does not, which two drawing backends with their own text offsets could.
//!
//! One shortcut: the cells of a large matrix (the SVG's `<image>`) are written straight into
//! the PNG's palette indices, each cell a block of whole pixels, which is what resvg draws
//! for that image (`optimizeSpeed`: nearest neighbour). Through resvg, a million cells cost
//! base64, parsing, decoding and a resampling pass: more than half the time of a
//! 1000×1000 PNG. `tests/agree.rs` checks the two give the same pixels.

use resvg::{tiny_skia, usvg};

use crate::error::{Error, Result};
use crate::font;
use crate::raster::{self, SHIPPED};
use crate::scene::{Cells, Scene, Shape};
use crate::svg::{self, CellImage};

/// PNG bytes of `scene`.
pub(crate) fn png(scene: &Scene) -> Result<Vec<u8>> {
    let (w, h) = (scene.width, scene.height);
    let doc = svg::document(scene, CellImage::Leave)?;
    let pixels = pixels(&doc, w, h)?;
    // The palette starts with the colour map, so a cell's level index is its palette index.
    let (mut index, palette) = raster::quantize(&pixels);
    drop(pixels);
    for shape in &scene.shapes {
        if let Shape::Cells(cells) = shape {
            paint(&mut index, w as usize, cells);
        }
    }
    raster::encode_indexed(w, h, &index, &palette, SHIPPED, "to_png")
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

/// Writes the cell levels into `index` (a picture `stride` pixels wide), stretched over the
/// image's rectangle by nearest neighbour: pixel column `px` shows cell column
/// `px · cols / w`, and likewise for rows.
fn paint(index: &mut [u8], stride: usize, c: &Cells) {
    let (x0, y0) = (c.x as usize, c.y as usize);
    let (w, h) = (c.w as usize, c.h as usize);
    let (cols, rows) = (c.cols as usize, c.rows as usize);
    let column: Vec<usize> = (0..w).map(|px| px * cols / w).collect();
    let mut line = vec![0u8; w];
    for py in 0..h {
        let row = &c.levels[py * rows / h * cols..][..cols];
        for (dst, &j) in line.iter_mut().zip(&column) {
            *dst = row[j];
        }
        let start = (y0 + py) * stride + x0;
        index[start..start + w].copy_from_slice(&line);
    }
}
