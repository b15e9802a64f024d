//! One drawing, two encodings: the PNG is the SVG rasterised, so the two show the same
//! pixels, and the SVG is one document written in drawing order (nothing spliced in after).
//! For large matrices the PNG path writes the cells itself instead of through resvg; the
//! raster cases check that it paints exactly what resvg paints for the SVG's `<image>`.

mod common;

use common::{decode_png, noise, rasterise, Image};
use heatmap::{side_by_side, Figure, Heatmap, Matrix, Result};

/// Pixels that differ between two pictures of the same size, and the largest difference of
/// one colour channel.
fn differences(a: &Image, b: &Image) -> (usize, u8) {
    assert_eq!((a.width, a.height), (b.width, b.height), "same size");
    let mut count = 0;
    let mut worst = 0;
    for (p, q) in a.rgba.chunks_exact(4).zip(b.rgba.chunks_exact(4)) {
        let d = (0..3).map(|k| p[k].abs_diff(q[k])).max().unwrap_or(0);
        count += usize::from(d > 0);
        worst = worst.max(d);
    }
    (count, worst)
}

/// Our PNG against resvg's rendering of our SVG (the test's own resvg set-up, with the font
/// file from `assets/`).
fn assert_same_pixels(svg: &str, png: &[u8], what: &str) {
    let ours = decode_png(png);
    let (count, worst) = differences(&rasterise(svg), &ours);
    // Exactly equal: these pictures have under 256 colours, so the indexed PNG is lossless.
    // (Beyond 256, a rare anti-aliased shade would be stored as its nearest palette colour.)
    let pixels = (ours.width * ours.height) as usize;
    assert_eq!(
        (count, worst),
        (0, 0),
        "{what}: {count} of {pixels} pixels differ, by up to {worst}"
    );
}

fn figures() -> Vec<(&'static str, Figure)> {
    let jf = Heatmap::new(vec![
        vec![2.0f64, -1.0],
        vec![2.0, 1.0],
        vec![1f64.cos(), 0.0],
    ])
    .title("J_f at (1, 2)")
    .row_labels(["f1", "f2", "f3"])
    .col_labels(["x", "y"]);
    let specials = vec![
        vec![1.0, f64::NAN, -2.0],
        vec![f64::INFINITY, 0.5, f64::NEG_INFINITY],
    ];
    let labels: Vec<String> = (0..20).map(|j| format!("input_{j}")).collect();
    let wide = Heatmap::new(Matrix::new(8, 20, noise(8, 20, 3)).expect("shape")).col_labels(labels);
    vec![
        ("3×2 annotated", side_by_side([jf])),
        (
            "NaN and ±∞, printed and crossed",
            side_by_side([
                Heatmap::new(specials.clone()),
                Heatmap::new(specials).annotate(false),
            ])
            .title("specials"),
        ),
        ("rotated column labels", side_by_side([wide])),
        (
            "empty and all zero",
            side_by_side([
                Heatmap::new(Matrix::new(0, 3, vec![]).expect("shape")),
                Heatmap::new(vec![vec![0.0f32; 3]; 2]),
            ]),
        ),
    ]
}

#[test]
fn png_and_rasterised_svg_agree() -> Result<()> {
    for (what, fig) in figures() {
        assert_same_pixels(&fig.to_svg()?, &fig.to_png()?, what);
    }
    Ok(())
}

#[test]
fn large_matrices_agree_too() -> Result<()> {
    // Raster cells: the SVG embeds them as an image, which the PNG path also draws.
    let n = 300;
    let mut data = noise(n, n, 9);
    data[7] = f64::NAN;
    let h = Heatmap::new(Matrix::new(n, n, data)?).title("300×300");
    assert_same_pixels(&h.to_svg()?, &h.to_png()?, "300×300, one pixel per cell");
    // Five pixels per cell.
    let h = Heatmap::new(Matrix::new(100, 100, noise(100, 100, 4))?);
    assert_same_pixels(&h.to_svg()?, &h.to_png()?, "100×100, 5×5 pixels per cell");
    // Downsampled to 1000×50 cells, each drawn 1×3 pixels.
    let h = Heatmap::new(Matrix::new(3000, 50, noise(3000, 50, 6))?);
    assert_same_pixels(
        &h.to_svg()?,
        &h.to_png()?,
        "3000×50, downsampled and stretched",
    );
    Ok(())
}

#[test]
fn the_cell_image_is_drawn_in_order_inside_its_frame() -> Result<()> {
    let h = Heatmap::new(Matrix::new(100, 100, noise(100, 100, 5))?);
    let svg = h.to_svg()?;
    assert_eq!(svg.matches("</svg>").count(), 1);
    assert!(svg.trim_end().ends_with("</svg>"));
    let doc = roxmltree::Document::parse(&svg).expect("well-formed");
    let shapes: Vec<_> = doc
        .root_element()
        .children()
        .filter(|n| n.is_element())
        .collect();
    let at = |n: &roxmltree::Node<'_, '_>, a: &str| -> i32 {
        n.attribute(a)
            .and_then(|v| v.parse().ok())
            .unwrap_or(i32::MIN)
    };
    let image = shapes
        .iter()
        .position(|n| n.has_tag_name("image"))
        .expect("one cell image");
    let (x, y, w) = (
        at(&shapes[image], "x"),
        at(&shapes[image], "y"),
        at(&shapes[image], "width"),
    );
    // The frame's top edge: a 1-pixel rect just above the cells, as wide as they are plus 2.
    let frame = shapes
        .iter()
        .position(|n| {
            n.has_tag_name("rect")
                && (at(n, "x"), at(n, "y"), at(n, "width"), at(n, "height"))
                    == (x - 1, y - 1, w + 2, 1)
        })
        .expect("a frame around the cells");
    // Cells first, frame and labels over them, as for small matrices: not appended at the end.
    assert!(image < frame, "image at {image}, frame at {frame}");
    assert!(shapes[image + 1..].iter().any(|n| n.has_tag_name("text")));
    Ok(())
}
