//! `Heatmap`: what to draw (one matrix, its labels, title and settings), the spec that the
//! layout reads. Rendering methods (`to_svg`, `to_png`, ...) live in `output.rs`, downstream.

use candle_core::Tensor;

use crate::error::{Error, Result};
use crate::format;
use crate::matrix::Matrix;

/// Which picture format the notebook display uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// SVG while every cell can be its own rectangle (up to 64×64 = 4096
    /// cells), PNG above.
    #[default]
    Auto,
    /// Always SVG (large matrices embed their cells as one pixelated image).
    Svg,
    /// Always PNG.
    Png,
}

/// A heatmap of one matrix: one cell per entry, a diverging colour scale
/// centred at 0, a colour bar, axis names and tick labels.
///
/// Rows are the outputs i of a Jacobian (∂f_i), columns its inputs j (∂x_j);
/// ticks count from 1. Up to 12×12 each cell also prints its value, in black
/// or white, whichever contrasts more with the cell.
///
/// The title always ends with the shape: the default title is `"3×2"`, and
/// `.title("J_f at (1, 2)")` gives `"J_f at (1, 2) — 3×2"`.
///
/// ```
/// use heatmap::Heatmap;
/// let h = Heatmap::new(vec![vec![2.0f32, 1.0], vec![2.0, 1.0], vec![0.5403, 0.0]])
///     .title("J_f at (1, 2)")
///     .row_labels(["f1", "f2", "f3"])
///     .col_labels(["x", "y"]);
/// assert_eq!(h.full_title(), "J_f at (1, 2) — 3×2");
/// let svg = h.to_svg()?;
/// assert!(svg.starts_with("<svg"));
/// # Ok::<(), heatmap::Error>(())
/// ```
///
/// Bad input never panics: ragged rows, wrong label counts and oversized
/// pictures come back as an [`Error`] from the rendering methods. NaN and ±∞
/// entries are drawn in their own colours (see [`crate::colormap`]), their
/// cells read "NaN", "+∞", "−∞" (or are crossed out when values are not
/// printed), and a legend under the colour bar names them. An all-zero matrix
/// draws white cells and a colour bar marked "all entries are 0". A 0×n
/// matrix draws an empty frame labelled "empty matrix (0×n)".
///
/// `{:?}` prints [`Heatmap::to_text`]: a notebook that cannot show the
/// picture falls back to `Debug`, and a table reads better there than a
/// struct dump of every entry.
#[derive(Clone)]
pub struct Heatmap {
    pub(crate) matrix: Matrix,
    pub(crate) title: Option<String>,
    pub(crate) row_labels: Option<Vec<String>>,
    pub(crate) col_labels: Option<Vec<String>>,
    pub(crate) row_axis: String,
    pub(crate) col_axis: String,
    pub(crate) scale_label: String,
    pub(crate) annotate: Option<bool>,
    pub(crate) scale: Option<f64>,
    pub(crate) nonnegative: bool,
    pub(crate) format: Format,
}

/// Default name of the row axis.
pub const ROW_AXIS: &str = "outputs i (∂f_i)";
/// Default name of the column axis.
pub const COL_AXIS: &str = "inputs j (∂x_j)";
/// Default label of the colour bar.
pub const SCALE_LABEL: &str = "∂f_i/∂x_j";

impl Heatmap {
    /// A heatmap of `m`: a [`Matrix`], `Vec<Vec<f32>>`, `&[Vec<f64>]`,
    /// `[[f32; 2]; 3]`, ... (see [`Matrix`]'s `From` impls).
    pub fn new(m: impl Into<Matrix>) -> Heatmap {
        Heatmap {
            matrix: m.into(),
            title: None,
            row_labels: None,
            col_labels: None,
            row_axis: ROW_AXIS.to_string(),
            col_axis: COL_AXIS.to_string(),
            scale_label: SCALE_LABEL.to_string(),
            annotate: None,
            scale: None,
            nonnegative: false,
            format: Format::Auto,
        }
    }

    /// A heatmap of a 2-D tensor; a 1-D tensor of length n is shown as one
    /// 1×n row (the Jacobian of a scalar function).
    ///
    /// # Errors
    /// [`Error::NotAMatrix`] for 0-D and 3-D+ tensors, [`Error::Candle`] if
    /// the tensor cannot be read.
    pub fn from_tensor(t: &Tensor) -> Result<Heatmap> {
        Ok(Heatmap::new(Matrix::from_tensor(t)?))
    }

    /// Sets the title; the shape is appended: `"J_f at (1, 2) — 3×2"`.
    /// Control characters (newlines) become spaces, and titles and labels
    /// are cut at 200 characters. Markup is not interpreted: `<b>` and `&`
    /// are shown as typed.
    pub fn title(mut self, title: &str) -> Heatmap {
        self.title = Some(format::single_line(title.trim()));
        self
    }

    /// Row labels, one per row, instead of 1, 2, 3, ...
    pub fn row_labels<I, S>(mut self, labels: I) -> Heatmap
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.row_labels = Some(
            labels
                .into_iter()
                .map(|s| format::single_line(&s.into()))
                .collect(),
        );
        self
    }

    /// Column labels, one per column, instead of 1, 2, 3, ...
    pub fn col_labels<I, S>(mut self, labels: I) -> Heatmap
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.col_labels = Some(
            labels
                .into_iter()
                .map(|s| format::single_line(&s.into()))
                .collect(),
        );
        self
    }

    /// Names the row axis (default `"outputs i (∂f_i)"`).
    pub fn row_axis(mut self, name: &str) -> Heatmap {
        self.row_axis = format::single_line(name);
        self
    }

    /// Names the column axis (default `"inputs j (∂x_j)"`).
    pub fn col_axis(mut self, name: &str) -> Heatmap {
        self.col_axis = format::single_line(name);
        self
    }

    /// Labels the colour bar (default `"∂f_i/∂x_j"`).
    pub fn scale_label(mut self, name: &str) -> Heatmap {
        self.scale_label = format::single_line(name);
        self
    }

    /// Prints each value in its cell (`true`) or never (`false`).
    ///
    /// By default values are printed up to 12×12. `true` is honoured up to
    /// 40×40 (cells widen to fit the text) and ignored above.
    pub fn annotate(mut self, on: bool) -> Heatmap {
        self.annotate = Some(on);
        self
    }

    /// Fixes the colour scale to `[-scale, scale]` instead of the largest
    /// finite |value|; values beyond it get the end colours. Non-finite or
    /// non-positive values are ignored.
    pub fn scale(mut self, scale: f64) -> Heatmap {
        self.scale = (scale.is_finite() && scale > 0.0).then_some(scale);
        self
    }

    /// Draws the colour bar from 0 to the scale (`[0, scale]`) instead of
    /// `[-scale, scale]`: for maps whose entries are never negative, such as
    /// a 0/1 mask. Negative entries, if any, still get their colours.
    pub fn nonnegative(mut self, on: bool) -> Heatmap {
        self.nonnegative = on;
        self
    }

    /// Chooses the picture format of the notebook display (default
    /// [`Format::Auto`]).
    pub fn format(mut self, format: Format) -> Heatmap {
        self.format = format;
        self
    }

    /// The matrix drawn.
    pub fn matrix(&self) -> &Matrix {
        &self.matrix
    }

    /// The title as drawn, shape included: `"J_f at (1, 2) — 3×2"`.
    pub fn full_title(&self) -> String {
        let shape = format::shape(self.matrix.rows(), self.matrix.cols());
        match &self.title {
            Some(t) if !t.is_empty() => format!("{t} — {shape}"),
            _ => shape,
        }
    }

    /// Row and column labels as drawn: the given ones, or 1, 2, 3, ...
    ///
    /// # Errors
    /// [`Error::LabelCount`] when given labels do not match the matrix.
    pub(crate) fn labels(&self) -> Result<(Vec<String>, Vec<String>)> {
        Ok((
            resolve(&self.row_labels, self.matrix.rows(), "row")?,
            resolve(&self.col_labels, self.matrix.cols(), "column")?,
        ))
    }
}

fn resolve(labels: &Option<Vec<String>>, n: usize, axis: &'static str) -> Result<Vec<String>> {
    match labels {
        Some(l) if l.len() != n => Err(Error::LabelCount {
            op: "Heatmap::render",
            axis,
            got: l.len(),
            expected: n,
        }),
        Some(l) => Ok(l.clone()),
        None => Ok((1..=n).map(|i| i.to_string()).collect()),
    }
}

impl TryFrom<&Tensor> for Heatmap {
    type Error = Error;
    fn try_from(t: &Tensor) -> Result<Heatmap> {
        Heatmap::from_tensor(t)
    }
}

impl From<Matrix> for Heatmap {
    fn from(m: Matrix) -> Heatmap {
        Heatmap::new(m)
    }
}

/// A heatmap of a 2-D tensor (1-D: one row): [`Heatmap::from_tensor`].
///
/// # Errors
/// As [`Heatmap::from_tensor`].
pub fn heatmap(t: &Tensor) -> Result<Heatmap> {
    Heatmap::from_tensor(t)
}
