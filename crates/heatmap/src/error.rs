//! The crate's one error type and its `Result` alias.

use std::path::PathBuf;

/// Everything that can go wrong while building or rendering a heatmap.
///
/// Each variant names the operation that failed, what it expected and what it
/// got. Rendering never panics on bad input: it returns one of these.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The tensor cannot be read as a matrix (0-D, or more than 2 dimensions).
    #[error(
        "{op}: expected a 2-D tensor (a 1-D tensor is shown as one row), got shape {shape:?}; \
         index or reshape it to 2-D first, e.g. `t.reshape((m, n))?`"
    )]
    NotAMatrix {
        /// The operation that was called.
        op: &'static str,
        /// The shape it was given.
        shape: Vec<usize>,
    },

    /// The rows of a `Vec<Vec<_>>` do not all have the same length.
    #[error("{op}: ragged rows: row {row} has {len} entries but row 1 has {expected}")]
    RaggedRows {
        /// The operation that was called.
        op: &'static str,
        /// The 1-based index of the first row whose length differs.
        row: usize,
        /// The length of that row.
        len: usize,
        /// The length of the first row.
        expected: usize,
    },

    /// `Matrix::new` got a data vector that does not match the shape.
    #[error("{op}: shape {rows}×{cols} needs {expected} values, got {got}")]
    DataLength {
        /// The operation that was called.
        op: &'static str,
        /// Number of rows asked for.
        rows: usize,
        /// Number of columns asked for.
        cols: usize,
        /// `rows * cols`.
        expected: usize,
        /// The number of values given.
        got: usize,
    },

    /// Custom row or column labels do not match the matrix.
    #[error("{op}: got {got} {axis} labels but the matrix has {expected} {axis}s")]
    LabelCount {
        /// The operation that was called.
        op: &'static str,
        /// `"row"` or `"column"`.
        axis: &'static str,
        /// Number of labels given.
        got: usize,
        /// Number of rows or columns in the matrix.
        expected: usize,
    },

    /// A `Figure` with no heatmaps in it was rendered.
    #[error("{op}: the figure holds no heatmaps; add one with `.with(heatmap)`")]
    EmptyFigure {
        /// The operation that was called.
        op: &'static str,
    },

    /// The picture would be too large to draw.
    #[error(
        "{op}: the picture would be {width}×{height} pixels, over the limit of {limit} pixels"
    )]
    TooLarge {
        /// The operation that was called.
        op: &'static str,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The limit on `width * height`.
        limit: u64,
    },

    /// candle failed to read the tensor (dtype conversion, device copy).
    #[error("reading the tensor failed: {0}")]
    Candle(#[from] candle_core::Error),

    /// resvg could not read the SVG or allocate the picture.
    #[error("{op}: drawing failed: {message}")]
    Draw {
        /// The operation that was called.
        op: &'static str,
        /// The renderer's message.
        message: String,
    },

    /// The embedded font could not be read.
    #[error("reading the embedded DejaVu Sans font failed")]
    Font,

    /// PNG encoding or decoding failed.
    #[error("{op}: PNG encoding failed: {message}")]
    Png {
        /// The operation that was called.
        op: &'static str,
        /// The encoder's message.
        message: String,
    },

    /// Writing a file failed.
    #[error("{op}: writing {path}: {source}")]
    Io {
        /// The operation that was called.
        op: &'static str,
        /// The file that could not be written.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
}

/// `Result<T, heatmap::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn draw(op: &'static str, e: impl std::fmt::Display) -> Self {
        Error::Draw {
            op,
            message: e.to_string(),
        }
    }
}
