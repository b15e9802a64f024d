//! `Figure`: several heatmaps side by side in one picture.
//!
//! A notebook cell shows one output per mime type, so two heatmaps in one
//! cell ("direct" vs "chain rule", `J` vs `W`) must be one picture.

use std::path::Path;

use crate::error::Result;
use crate::heatmap::{write, Format, Heatmap};
use crate::render;

/// Heatmaps drawn left to right in one picture, each with its own title,
/// labels and colour bar.
///
/// ```
/// use heatmap::{side_by_side, Heatmap};
/// let direct = Heatmap::new([[2.0f32, 1.0], [2.0, 1.0]]).title("direct");
/// let chain = Heatmap::new([[2.0f32, 1.0], [2.0, 1.0]]).title("chain rule");
/// let fig = side_by_side([direct, chain]).title("same Jacobian, two ways");
/// assert_eq!(fig.len(), 2);
/// let svg = fig.to_svg()?;
/// assert!(svg.contains("chain rule — 2×2"));
/// # Ok::<(), heatmap::Error>(())
/// ```
///
/// `{:?}` prints [`Figure::to_text`] (see [`Heatmap`]'s `Debug`).
#[derive(Clone, Default)]
pub struct Figure {
    heatmaps: Vec<Heatmap>,
    title: Option<String>,
    shared_scale: bool,
    format: Format,
}

impl Figure {
    /// An empty figure; add heatmaps with [`Figure::with`].
    pub fn new() -> Figure {
        Figure::default()
    }

    /// A figure of `heatmaps` side by side (same as [`side_by_side`]).
    pub fn side_by_side(heatmaps: impl IntoIterator<Item = Heatmap>) -> Figure {
        heatmaps.into_iter().collect()
    }

    /// Appends a heatmap on the right.
    pub fn with(mut self, heatmap: Heatmap) -> Figure {
        self.heatmaps.push(heatmap);
        self
    }

    /// A title over the whole figure (each heatmap keeps its own).
    pub fn title(mut self, title: &str) -> Figure {
        self.title = Some(crate::format::single_line(title.trim()));
        self
    }

    /// Gives every panel the same colour scale (the largest finite |value|
    /// over all of them), so equal colours mean equal values across panels.
    /// A panel's own [`Heatmap::scale`] still wins.
    pub fn shared_scale(mut self, on: bool) -> Figure {
        self.shared_scale = on;
        self
    }

    /// Chooses the picture format of the notebook display.
    /// [`Format::Auto`] (the default) gives PNG as soon as one panel would.
    pub fn format(mut self, format: Format) -> Figure {
        self.format = format;
        self
    }

    /// The heatmaps, left to right.
    pub fn heatmaps(&self) -> &[Heatmap] {
        &self.heatmaps
    }

    /// Number of heatmaps.
    pub fn len(&self) -> usize {
        self.heatmaps.len()
    }

    /// Whether the figure holds no heatmaps.
    pub fn is_empty(&self) -> bool {
        self.heatmaps.is_empty()
    }

    fn refs(&self) -> Vec<&Heatmap> {
        self.heatmaps.iter().collect()
    }

    /// The picture as an SVG document.
    ///
    /// # Errors
    /// [`crate::Error::EmptyFigure`], or any panel's error (see [`Heatmap`]).
    pub fn to_svg(&self) -> Result<String> {
        render::svg(&self.refs(), self.title.as_deref(), self.shared_scale)
    }

    /// The picture as PNG bytes.
    ///
    /// # Errors
    /// As [`Figure::to_svg`], plus PNG encoding failures.
    pub fn to_png(&self) -> Result<Vec<u8>> {
        render::png(&self.refs(), self.title.as_deref(), self.shared_scale)
    }

    /// Writes [`Figure::to_svg`] to `path`.
    ///
    /// # Errors
    /// As [`Figure::to_svg`], plus [`crate::Error::Io`].
    pub fn save_svg(&self, path: impl AsRef<Path>) -> Result<()> {
        write(path.as_ref(), self.to_svg()?.as_bytes(), "Figure::save_svg")
    }

    /// Writes [`Figure::to_png`] to `path`.
    ///
    /// # Errors
    /// As [`Figure::to_png`], plus [`crate::Error::Io`].
    pub fn save_png(&self, path: impl AsRef<Path>) -> Result<()> {
        write(path.as_ref(), &self.to_png()?, "Figure::save_png")
    }

    /// Every panel's numbers as text, one table after another.
    pub fn to_text(&self) -> String {
        render::text(&self.refs(), self.title.as_deref())
    }

    pub(crate) fn parts(&self) -> (Vec<&Heatmap>, Option<&str>, bool, Format) {
        (
            self.refs(),
            self.title.as_deref(),
            self.shared_scale,
            self.format,
        )
    }
}

impl std::fmt::Debug for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.to_text().trim_end())
    }
}

impl FromIterator<Heatmap> for Figure {
    fn from_iter<I: IntoIterator<Item = Heatmap>>(iter: I) -> Figure {
        Figure {
            heatmaps: iter.into_iter().collect(),
            ..Figure::default()
        }
    }
}

/// A figure of `heatmaps` side by side: `side_by_side([j, w])`.
pub fn side_by_side(heatmaps: impl IntoIterator<Item = Heatmap>) -> Figure {
    heatmaps.into_iter().collect()
}
