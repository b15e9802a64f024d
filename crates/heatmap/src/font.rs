//! The embedded font: DejaVu Sans, registered once with plotters' `ab_glyph` text.
//!
//! plotters needs a font to measure text (layout) and to rasterise it (PNG).
//! Looking one up on the system fails on a fresh CI machine or in a slim
//! container, so the crate carries DejaVu Sans 2.37 (freely licensed, see
//! `assets/LICENSE-DejaVu.txt`) and registers it under the family name
//! `"sans-serif"`. SVG output only names the family; the browser draws the text
//! with its own sans-serif font.

use std::sync::OnceLock;

use plotters::style::FontStyle;

use crate::error::{Error, Result};

/// DejaVu Sans 2.37, unmodified.
const DEJAVU_SANS: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// The family name text is drawn with.
pub(crate) const FAMILY: &str = "sans-serif";

static REGISTERED: OnceLock<bool> = OnceLock::new();

/// Registers the embedded font with plotters (once per process).
pub(crate) fn ensure() -> Result<()> {
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(Error::Font)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_font_registers() {
        assert!(super::ensure().is_ok());
        assert!(super::ensure().is_ok());
    }
}
