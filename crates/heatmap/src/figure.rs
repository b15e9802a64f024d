//! `Figure`: several heatmaps side by side in one picture (a spec, like `Heatmap`).
//!
//! A notebook cell shows one output per mime type, so two heatmaps in one
//! cell ("direct" vs "chain rule", `J` vs `W`) must be one picture.

use crate::heatmap::{Format, Heatmap};

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
    pub(crate) heatmaps: Vec<Heatmap>,
    pub(crate) title: Option<String>,
    pub(crate) shared_scale: bool,
    pub(crate) format: Format,
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
