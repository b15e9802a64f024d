//! The embedded font, DejaVu Sans: text widths for the layout, and the font database resvg
//! draws the PNG's text with.
//!
//! Looking a font up on the system fails on a fresh CI machine or in a slim container, so the
//! crate carries DejaVu Sans 2.37 (freely licensed, see `assets/LICENSE-DejaVu.txt`). The
//! layout measures text with it and the PNG is drawn with it, so a label never overflows the
//! space measured for it. The SVG names it first (`DejaVu Sans, sans-serif`); a browser
//! without it uses its own sans-serif, whose widths differ a little.

use std::sync::{Arc, OnceLock};

use resvg::usvg::fontdb;
use ttf_parser::Face;

use crate::error::{Error, Result};

/// DejaVu Sans 2.37, unmodified.
const DEJAVU_SANS: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// The family the SVG asks for: the embedded font where the viewer has it.
pub(crate) const SVG_FAMILY: &str = "DejaVu Sans, sans-serif";

/// The family name inside the font file, which resvg matches `SVG_FAMILY` against.
const FAMILY: &str = "DejaVu Sans";

fn face() -> Result<&'static Face<'static>> {
    static FACE: OnceLock<Option<Face<'static>>> = OnceLock::new();
    FACE.get_or_init(|| Face::parse(DEJAVU_SANS, 0).ok())
        .as_ref()
        .ok_or(Error::Font)
}

/// Width in pixels of `text` set at `px` pixels: the sum of the glyphs' advances, without the
/// kerning resvg applies (small next to the gaps the layout leaves). A character the font
/// lacks counts as half an em.
pub(crate) fn width(text: &str, px: f64) -> Result<f64> {
    let face = face()?;
    let em = face.units_per_em();
    let units: u32 = text
        .chars()
        .map(|c| {
            face.glyph_index(c)
                .and_then(|g| face.glyph_hor_advance(g))
                .unwrap_or(em / 2)
        })
        .map(u32::from)
        .sum();
    Ok(f64::from(units) * px / f64::from(em))
}

/// Height of a capital letter (and of digits) as a fraction of the font size: text centred
/// on a point has its baseline half of this below the point.
pub(crate) fn cap_height() -> Result<f64> {
    let face = face()?;
    // DejaVu's OS/2 table has no cap height; the letter H has one.
    let cap = face
        .glyph_index('H')
        .and_then(|g| face.glyph_bounding_box(g))
        .map_or(face.ascender(), |b| b.y_max);
    Ok(f64::from(cap) / f64::from(face.units_per_em()))
}

/// The font database resvg draws with: the embedded font alone, and it is every generic
/// family, so the PNG never depends on the machine's fonts.
pub(crate) fn database() -> Arc<fontdb::Database> {
    static DB: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_font_source(fontdb::Source::Binary(Arc::new(DEJAVU_SANS)));
        db.set_sans_serif_family(FAMILY);
        db.set_serif_family(FAMILY);
        db.set_monospace_family(FAMILY);
        Arc::new(db)
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_font_measures_text() -> Result<()> {
        let w = width("J_f at (1, 2)", 15.0)?;
        assert!(w > 60.0 && w < 120.0, "{w}");
        assert_eq!(width("", 15.0)?, 0.0);
        // Twice the size, twice the width.
        assert!((width("∂f_i", 24.0)? - 2.0 * width("∂f_i", 12.0)?).abs() < 1e-9);
        let cap = cap_height()?;
        assert!(cap > 0.6 && cap < 0.8, "{cap}");
        Ok(())
    }

    #[test]
    fn resvg_finds_the_embedded_font() {
        let db = database();
        assert_eq!(db.len(), 1);
        assert!(db
            .faces()
            .any(|f| f.families.iter().any(|(name, _)| name == FAMILY)));
    }
}
