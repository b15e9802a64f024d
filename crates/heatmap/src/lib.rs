//! Annotated Jacobian heatmaps, rendered to SVG, PNG or text.
//!
//! Any 2-D [`candle_core::Tensor`] (or `Vec<Vec<f32>>`, `&[Vec<f64>]`, ...)
//! becomes a [`Heatmap`]: one cell per entry, a diverging colour map centred
//! at 0 (white zero, blue negatives, red positives; see [`colormap`]), a
//! colour bar, rows named as outputs i (∂f_i) and columns as inputs j (∂x_j)
//! with 1-based ticks or your labels, and a title carrying the shape
//! ("J_f at (1, 2) — 3×2"). Up to 12×12 each cell also prints its value.
//! A [`Figure`] puts several heatmaps side by side in one picture, because a
//! notebook cell keeps one output per mime type.
//!
//! Output is SVG for small matrices (up to 64×64 cells) and an indexed-colour
//! PNG above. There is one drawing: the data flows spec ([`Heatmap`],
//! [`Figure`]) → layout → a scene of shapes → the SVG document, and the PNG is
//! that document rasterised by resvg, with text measured and drawn in the
//! DejaVu Sans font the crate embeds (no system font needed). A 1000×1000
//! matrix of noise (the worst case for compression) renders to PNG in 0.78 MB
//! and about 40 ms of CPU on the course machine (`benches/render.rs`).
//!
//! [`Heatmap::picture`] picks the format a viewer should get (SVG while each
//! cell can be its own rectangle, PNG above). This crate knows nothing of
//! notebooks: the `course` crate's `course::display` shows these pictures in
//! an evcxr cell.
//!
//! ```
//! use candle_core::{Device, Tensor};
//! use heatmap::{heatmap, side_by_side, Heatmap};
//!
//! // J_f at (1, 2) for f(x, y) = (x² + y, xy, sin x)
//! let j = Tensor::new(&[[2.0f32, 1.0], [2.0, 1.0], [0.5403, 0.0]], &Device::Cpu)?;
//! let h = heatmap(&j)?
//!     .title("J_f at (1, 2)")
//!     .row_labels(["f1", "f2", "f3"])
//!     .col_labels(["x", "y"]);
//! let svg = h.to_svg()?;
//! assert!(svg.contains("J_f at (1, 2) — 3×2"));
//!
//! let w = Heatmap::new(vec![vec![1.0f32, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]]).title("W");
//! let png = side_by_side([h, w]).to_png()?;
//! assert_eq!(&png[1..4], b"PNG");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Bad input gives an [`Error`] or a documented picture, never a panic: NaN
//! and ±∞ get their own colours and a legend entry, an all-zero matrix is
//! drawn white with its colour bar marked "all entries are 0", a 0×n matrix
//! is an empty labelled frame, a 3-D tensor is [`Error::NotAMatrix`].
//! Titles and labels are text, never markup: `<script>` is drawn as typed.
#![deny(missing_docs)]

// In the order data flows; a module uses only modules above it (`tests/layers.rs` checks
// this). Blank lines keep rustfmt from sorting them.
//
// Leaves: errors, colours, numbers, the font.
mod error;

pub mod colormap;

mod matrix;

mod format;

mod font;

// The spec: what to draw.
mod heatmap;

mod figure;

// Where everything goes, then the shapes that draw it.
mod layout;

mod scene;

mod draw;

// Encodings: the SVG document, the PNG rasterised from it, the text form.
mod raster;

mod svg;

mod rasterise;

mod text;

// The public rendering methods, at the end of the flow.
mod output;

mod picture;

pub use error::{Error, Result};
pub use figure::{side_by_side, Figure};
pub use heatmap::{heatmap, Format, Heatmap, COL_AXIS, ROW_AXIS, SCALE_LABEL};
pub use matrix::Matrix;
pub use picture::Picture;
