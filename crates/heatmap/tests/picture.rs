//! Which picture a heatmap or figure is shown as, and bad input as errors (never panics).

mod common;

use heatmap::{side_by_side, Format, Heatmap, Matrix, Picture};

#[test]
fn small_is_svg_large_is_png() {
    let small = Heatmap::new([[1.0f32, 2.0], [3.0, 4.0]]).title("small");
    match small.picture().expect("renders") {
        Picture::Svg(svg) => assert_eq!(svg, small.to_svg().expect("svg")),
        Picture::Png(_) => panic!("a 2×2 heatmap should be SVG"),
    }
    let m = Matrix::new(100, 100, common::noise(100, 100, 7)).expect("shape");
    match Heatmap::new(m).picture().expect("renders") {
        Picture::Png(png) => assert_eq!(&png[1..4], b"PNG"),
        Picture::Svg(_) => panic!("a 100×100 heatmap should be PNG"),
    }
}

#[test]
fn format_can_be_forced() {
    let small = Heatmap::new([[1.0f32]]).format(Format::Png);
    assert!(matches!(small.picture(), Ok(Picture::Png(_))));
    let m = Matrix::new(80, 80, common::noise(80, 80, 3)).expect("shape");
    assert!(matches!(
        Heatmap::new(m).format(Format::Svg).picture(),
        Ok(Picture::Svg(_))
    ));
    let fig = side_by_side([
        Heatmap::new([[1.0f32]]).format(Format::Png),
        Heatmap::new([[2.0f32]]),
    ]);
    assert!(
        matches!(fig.picture(), Ok(Picture::Png(_))),
        "a panel's own setting counts"
    );
}

#[test]
fn bad_input_is_an_error() {
    let ragged = Heatmap::new(vec![vec![1.0f32, 2.0], vec![3.0]]);
    let e = ragged.picture().expect_err("ragged");
    assert!(e.to_string().contains("ragged rows"), "{e}");
    let bad_labels = Heatmap::new([[1.0f32]]).row_labels(["a", "b"]);
    assert!(bad_labels.picture().is_err());
    assert!(heatmap::Figure::new().picture().is_err(), "an empty figure");
}
