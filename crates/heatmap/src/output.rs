//! The last stage: a heatmap or figure as SVG text, PNG bytes, files, or text.
//!
//! spec (`Heatmap`, `Figure`) → `layout` (positions) → `draw` (a `Scene` of shapes) →
//! `svg` (the document) → `rasterise` (the PNG, from that same document). The public
//! rendering methods of [`Heatmap`] and [`Figure`] are here, at the end of the flow, so no
//! earlier module needs to know about a later one.

use std::path::Path;

use crate::draw;
use crate::error::{Error, Result};
use crate::figure::Figure;
use crate::heatmap::Heatmap;
use crate::layout;
use crate::raster::SHIPPED;
use crate::rasterise;
use crate::scene::Scene;
use crate::svg::{self, CellImage};
use crate::text;

/// What every output starts from: the figure laid out and drawn.
fn scene(heatmaps: &[&Heatmap], title: Option<&str>, shared: bool) -> Result<Scene> {
    draw::scene(&layout::figure(heatmaps, title, shared)?)
}

/// The SVG document of panels side by side.
pub(crate) fn to_svg(heatmaps: &[&Heatmap], title: Option<&str>, shared: bool) -> Result<String> {
    svg::document(&scene(heatmaps, title, shared)?, CellImage::Embed(SHIPPED))
}

/// The PNG: the same SVG document, rasterised.
pub(crate) fn to_png(heatmaps: &[&Heatmap], title: Option<&str>, shared: bool) -> Result<Vec<u8>> {
    rasterise::png(&scene(heatmaps, title, shared)?)
}

fn write(path: &Path, bytes: &[u8], op: &'static str) -> Result<()> {
    std::fs::write(path, bytes).map_err(|source| Error::Io {
        op,
        path: path.to_path_buf(),
        source,
    })
}

impl Heatmap {
    /// The picture as an SVG document.
    ///
    /// Up to 64×64 cells each cell is one `<rect>`; above, the cells are one
    /// embedded PNG `<image>` drawn pixelated, so the file stays small.
    ///
    /// # Errors
    /// See [`Heatmap`]: ragged rows, label counts, oversized pictures.
    pub fn to_svg(&self) -> Result<String> {
        to_svg(&[self], None, false)
    }

    /// The picture as PNG bytes (8-bit indexed colour): [`Heatmap::to_svg`]'s document
    /// rasterised with the embedded font, so both show the same pixels.
    ///
    /// # Errors
    /// As [`Heatmap::to_svg`], plus PNG encoding failures.
    pub fn to_png(&self) -> Result<Vec<u8>> {
        to_png(&[self], None, false)
    }

    /// Writes [`Heatmap::to_svg`] to `path`.
    ///
    /// # Errors
    /// As [`Heatmap::to_svg`], plus [`Error::Io`].
    pub fn save_svg(&self, path: impl AsRef<Path>) -> Result<()> {
        write(
            path.as_ref(),
            self.to_svg()?.as_bytes(),
            "Heatmap::save_svg",
        )
    }

    /// Writes [`Heatmap::to_png`] to `path`.
    ///
    /// # Errors
    /// As [`Heatmap::to_png`], plus [`Error::Io`].
    pub fn save_png(&self, path: impl AsRef<Path>) -> Result<()> {
        write(path.as_ref(), &self.to_png()?, "Heatmap::save_png")
    }

    /// The numbers as an aligned text table under the title, the
    /// `text/plain` form of the notebook display. Matrices larger than 10
    /// rows or columns keep their first 6 and last 3 around a `…`.
    pub fn to_text(&self) -> String {
        text::text(&[self], None)
    }
}

impl Figure {
    fn refs(&self) -> Vec<&Heatmap> {
        self.heatmaps.iter().collect()
    }

    /// The picture as an SVG document.
    ///
    /// # Errors
    /// [`crate::Error::EmptyFigure`], or any panel's error (see [`Heatmap`]).
    pub fn to_svg(&self) -> Result<String> {
        to_svg(&self.refs(), self.title.as_deref(), self.shared_scale)
    }

    /// The picture as PNG bytes: [`Figure::to_svg`]'s document, rasterised.
    ///
    /// # Errors
    /// As [`Figure::to_svg`], plus PNG encoding failures.
    pub fn to_png(&self) -> Result<Vec<u8>> {
        to_png(&self.refs(), self.title.as_deref(), self.shared_scale)
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
        text::text(&self.refs(), self.title.as_deref())
    }
}

/// `{:?}` is the text form: a notebook that cannot show the picture falls back to `Debug`,
/// and a table reads better there than a struct dump of every entry.
impl std::fmt::Debug for Heatmap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.to_text().trim_end())
    }
}

impl std::fmt::Debug for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.to_text().trim_end())
    }
}
