//! The shapes of one picture, in drawing order: what `draw` makes and `svg` writes.
//!
//! Coordinates are whole pixels of the final picture, so an SVG `<rect>` covers exactly the
//! pixels the PNG fills.

use crate::colormap::Rgb;
use crate::layout::Align;

/// A picture: its size and its shapes, later ones on top.
pub(crate) struct Scene {
    pub width: u32,
    pub height: u32,
    pub shapes: Vec<Shape>,
}

/// One thing drawn.
pub(crate) enum Shape {
    /// A filled axis-aligned rectangle.
    Rect {
        x: i32,
        y: i32,
        w: i32,
        h: i32,
        fill: Rgb,
    },
    /// A 1-pixel line (the crosses over NaN and ∞ cells).
    Line {
        from: (i32, i32),
        to: (i32, i32),
        stroke: Rgb,
    },
    /// Text on a baseline.
    Text(Text),
    /// The cells of a large matrix as one image.
    Cells(Cells),
}

/// Text on a baseline; `rotated` turns it a quarter anticlockwise about `(x, y)`, the
/// point the layout anchored it to.
pub(crate) struct Text {
    pub x: i32,
    pub y: i32,
    pub baseline: i32,
    pub size: f64,
    pub fill: Rgb,
    pub align: Align,
    pub rotated: bool,
    pub text: String,
}

/// `cols × rows` colour-map levels (palette indices, row-major) stretched over `w × h`
/// pixels without smoothing: one image instead of a million rectangles.
pub(crate) struct Cells {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
    pub cols: u32,
    pub rows: u32,
    pub levels: Vec<u8>,
}
