//! The picture a heatmap or figure is best shown as: SVG while every cell can be its own
//! rectangle, PNG above (see [`Format`]).
//!
//! This crate only renders; showing the picture in a notebook (evcxr's display protocol, HTML
//! wrapping) is the `course` crate's job (`course::display`).

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{Error, Result};
use crate::figure::Figure;
use crate::heatmap::{Format, Heatmap};
use crate::layout::{MAX_AXIS_PX, RECT_MAX_CELLS};
use crate::output;

/// A rendered picture, in the format [`Heatmap::picture`] chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Picture {
    /// An SVG document (small matrices, or [`Format::Svg`]).
    Svg(String),
    /// PNG bytes (more than 64×64 cells, a side longer than the picture allows, or
    /// [`Format::Png`]).
    Png(Vec<u8>),
}

fn wants_png(hs: &[&Heatmap], format: Format) -> bool {
    match format {
        Format::Png => true,
        Format::Svg => false,
        Format::Auto => hs.iter().any(|h| {
            let (r, c) = h.matrix().shape();
            r.saturating_mul(c) > RECT_MAX_CELLS || r > MAX_AXIS_PX || c > MAX_AXIS_PX
        }),
    }
}

fn picture(hs: &[&Heatmap], title: Option<&str>, shared: bool, format: Format) -> Result<Picture> {
    let format = match format {
        Format::Auto => hs
            .iter()
            .map(|h| h.format)
            .find(|f| *f != Format::Auto)
            .unwrap_or(Format::Auto),
        f => f,
    };
    // Rendering reports bad input as errors; a panic deep inside resvg still must not
    // reach the notebook.
    let rendered = catch_unwind(AssertUnwindSafe(|| {
        if wants_png(hs, format) {
            output::to_png(hs, title, shared).map(Picture::Png)
        } else {
            output::to_svg(hs, title, shared).map(Picture::Svg)
        }
    }));
    match rendered {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(Error::Draw {
                op: "picture",
                message: format!("the renderer panicked: {msg}"),
            })
        }
    }
}

impl Heatmap {
    /// The picture in the format [`Heatmap::format`] asks for ([`Format::Auto`]: SVG up to
    /// 64×64 cells, PNG above).
    ///
    /// # Errors
    /// Any rendering error (see [`Heatmap`]); a panic inside the renderer becomes
    /// [`Error::Draw`].
    pub fn picture(&self) -> Result<Picture> {
        picture(&[self], None, false, self.format)
    }
}

impl Figure {
    /// The picture in the format [`Figure::format`] (or a panel's own setting) asks for.
    ///
    /// # Errors
    /// [`Error::EmptyFigure`], any panel's error, or [`Error::Draw`] for a panic inside the
    /// renderer.
    pub fn picture(&self) -> Result<Picture> {
        let hs: Vec<&Heatmap> = self.heatmaps.iter().collect();
        picture(&hs, self.title.as_deref(), self.shared_scale, self.format)
    }
}
