//! The diverging colour map: value → one of 68 fixed colours.
//!
//! - Exact zero is pure white, so zero rows, zero columns and sparsity patterns
//!   stand out against any non-zero entry.
//! - Negative values run from a pale blue to a dark navy, positive values from
//!   a pale orange to a strong red. Every non-zero value gets at least the
//!   palest tint, so "small" never looks like "zero".
//! - In greyscale the two sides differ in lightness: the most negative value
//!   is near-black (L* ≈ 15), the most positive a mid grey (L* ≈ 54), zero is
//!   white. Printed values (small matrices) carry the sign as well.
//! - Blue against red stays distinguishable under the common red–green
//!   colour-vision deficiencies.
//! - NaN, +∞ and −∞ get colours of their own (grey, dark red, black) that the
//!   scale never produces; cells with them also get a cross, and the legend
//!   names them.
//!
//! Each side has [`LEVELS`] steps. The scale is symmetric, `[-scale, scale]`,
//! with `scale` the largest finite |value|; see [`level`].

/// Steps per side of zero.
pub const LEVELS: usize = 32;

/// An sRGB colour.
pub type Rgb = [u8; 3];

/// The colour of an exact zero.
pub const ZERO: Rgb = [255, 255, 255];
/// The colour of NaN cells.
pub const NAN: Rgb = [0x9a, 0x9a, 0x9a];
/// The colour of +∞ cells.
pub const POS_INF: Rgb = [0x67, 0x00, 0x0d];
/// The colour of −∞ cells.
pub const NEG_INF: Rgb = [0x00, 0x00, 0x00];

const NEG_RAMP: [Rgb; 8] = [
    [0xe3, 0xee, 0xf9],
    [0xc6, 0xdb, 0xef],
    [0x9e, 0xca, 0xe1],
    [0x6b, 0xae, 0xd6],
    [0x42, 0x92, 0xc6],
    [0x21, 0x71, 0xb5],
    [0x08, 0x51, 0x9c],
    [0x06, 0x24, 0x57],
];

const POS_RAMP: [Rgb; 6] = [
    [0xfe, 0xe8, 0xc8],
    [0xfd, 0xd4, 0x9e],
    [0xfd, 0xbb, 0x84],
    [0xfc, 0x8d, 0x59],
    [0xef, 0x65, 0x48],
    [0xe3, 0x4a, 0x33],
];

/// Where a value falls on the scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Exactly zero (either sign).
    Zero,
    /// Negative, step `1..=LEVELS` (LEVELS = most negative).
    Neg(u8),
    /// Positive, step `1..=LEVELS`.
    Pos(u8),
    /// Not a number.
    Nan,
    /// +∞.
    PosInf,
    /// −∞.
    NegInf,
}

/// Number of distinct colours the map can produce.
pub const PALETTE_LEN: usize = 2 * LEVELS + 4;

/// The level of `value` on the symmetric scale `[-scale, scale]`.
///
/// `scale <= 0` or non-finite is treated as 1, so an all-zero matrix does not
/// divide by zero. Values beyond the scale clamp to the end steps.
pub fn level(value: f64, scale: f64) -> Level {
    if value.is_nan() {
        return Level::Nan;
    }
    if value == f64::INFINITY {
        return Level::PosInf;
    }
    if value == f64::NEG_INFINITY {
        return Level::NegInf;
    }
    if value == 0.0 {
        return Level::Zero;
    }
    let scale = if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    };
    let t = (value.abs() / scale).min(1.0);
    // ceil so that any non-zero value lands on step 1 or above.
    let step = ((t * LEVELS as f64).ceil() as usize).clamp(1, LEVELS) as u8;
    if value < 0.0 {
        Level::Neg(step)
    } else {
        Level::Pos(step)
    }
}

impl Level {
    /// A dense index in `0..PALETTE_LEN`, used as the PNG palette index.
    pub fn index(self) -> u8 {
        match self {
            Level::Zero => 0,
            Level::Neg(s) => s,
            Level::Pos(s) => LEVELS as u8 + s,
            Level::Nan => 2 * LEVELS as u8 + 1,
            Level::PosInf => 2 * LEVELS as u8 + 2,
            Level::NegInf => 2 * LEVELS as u8 + 3,
        }
    }

    /// The level's colour.
    pub fn color(self) -> Rgb {
        match self {
            Level::Zero => ZERO,
            Level::Neg(s) => ramp(&NEG_RAMP, s),
            Level::Pos(s) => ramp(&POS_RAMP, s),
            Level::Nan => NAN,
            Level::PosInf => POS_INF,
            Level::NegInf => NEG_INF,
        }
    }

    /// Whether this is NaN or ±∞.
    pub fn is_non_finite(self) -> bool {
        matches!(self, Level::Nan | Level::PosInf | Level::NegInf)
    }
}

/// The colour of `value` on the scale `[-scale, scale]`.
pub fn color(value: f64, scale: f64) -> Rgb {
    level(value, scale).color()
}

/// All colours, indexed by [`Level::index`].
pub fn palette() -> Vec<Rgb> {
    let mut p = vec![ZERO];
    p.extend((1..=LEVELS as u8).map(|s| Level::Neg(s).color()));
    p.extend((1..=LEVELS as u8).map(|s| Level::Pos(s).color()));
    p.extend([NAN, POS_INF, NEG_INF]);
    p
}

fn ramp(anchors: &[Rgb], step: u8) -> Rgb {
    let t = f64::from(step.saturating_sub(1)) / (LEVELS - 1) as f64;
    let x = t * (anchors.len() - 1) as f64;
    let i = (x.floor() as usize).min(anchors.len() - 2);
    let f = x - i as f64;
    let (a, b) = (anchors[i], anchors[i + 1]);
    let mix = |k: usize| (f64::from(a[k]) * (1.0 - f) + f64::from(b[k]) * f).round() as u8;
    [mix(0), mix(1), mix(2)]
}

/// Relative luminance (WCAG) of an sRGB colour, in `[0, 1]`.
pub fn luminance(c: Rgb) -> f64 {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
}

/// Black or white, whichever contrasts more with `background`.
pub fn text_color_on(background: Rgb) -> Rgb {
    let l = luminance(background);
    // Contrast ratio against white vs against near-black (#111).
    let dark = 0.0056;
    if (1.05) / (l + 0.05) > (l + 0.05) / (dark + 0.05) {
        [255, 255, 255]
    } else {
        [0x11, 0x11, 0x11]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_zero_map_to_their_own_hues() {
        assert_eq!(color(0.0, 1.0), ZERO);
        assert_eq!(color(-0.0, 1.0), ZERO);
        let [r, _, b] = color(1.0, 2.0);
        assert!(r > b, "positive is red");
        let [r, _, b] = color(-1.0, 2.0);
        assert!(b > r, "negative is blue");
        // The palest non-zero step is visibly not white.
        assert_ne!(color(1e-9, 1.0), ZERO);
        assert_ne!(color(-1e-9, 1.0), ZERO);
    }

    #[test]
    fn all_zero_scale_does_not_divide_by_zero() {
        assert_eq!(level(0.0, 0.0), Level::Zero);
        assert_eq!(level(1.0, 0.0), Level::Pos(LEVELS as u8));
        assert_eq!(level(0.5, f64::NAN), Level::Pos(16));
    }

    #[test]
    fn ends_and_specials() {
        assert_eq!(level(2.0, 2.0), Level::Pos(LEVELS as u8));
        assert_eq!(level(-5.0, 2.0), Level::Neg(LEVELS as u8));
        assert_eq!(Level::Pos(LEVELS as u8).color(), [0xe3, 0x4a, 0x33]);
        assert_eq!(Level::Neg(LEVELS as u8).color(), [0x06, 0x24, 0x57]);
        assert_eq!(level(f64::NAN, 1.0), Level::Nan);
        let p = palette();
        assert_eq!(p.len(), PALETTE_LEN);
        for l in [
            Level::Zero,
            Level::Neg(3),
            Level::Pos(7),
            Level::Nan,
            Level::PosInf,
            Level::NegInf,
        ] {
            assert_eq!(p[l.index() as usize], l.color());
        }
    }

    #[test]
    fn greyscale_separates_the_ends() {
        let neg = luminance(Level::Neg(LEVELS as u8).color());
        let pos = luminance(Level::Pos(LEVELS as u8).color());
        assert!(neg < 0.05 && pos > 0.15 && pos < 0.5, "{neg} {pos}");
    }

    #[test]
    fn text_contrast() {
        assert_eq!(text_color_on(ZERO), [0x11, 0x11, 0x11]);
        assert_eq!(
            text_color_on(Level::Neg(LEVELS as u8).color()),
            [255, 255, 255]
        );
        // The strongest red is light enough for dark text (contrast 4.8 vs 4.0).
        assert_eq!(
            text_color_on(Level::Pos(LEVELS as u8).color()),
            [0x11, 0x11, 0x11]
        );
    }
}
