//! Bad and edge-case input: a clear error or a documented picture, never a panic.

mod common;

use candle_core::{DType, Device, Tensor};
use common::{cells, encode_rgba, out_dir, rasterise, texts};
use heatmap::{colormap, Error, Figure, Heatmap, Matrix, Result};

/// Renders both formats; both must succeed and the SVG must be valid XML.
fn render_both(h: &Heatmap, stem: &str) -> Result<String> {
    let svg = h.to_svg()?;
    roxmltree::Document::parse(&svg).expect("well-formed SVG");
    let png = h.to_png()?;
    assert_eq!(&png[1..4], b"PNG");
    std::fs::write(out_dir().join(format!("{stem}.svg")), &svg).ok();
    std::fs::write(out_dir().join(format!("{stem}.png")), &png).ok();
    Ok(svg)
}

#[test]
fn nan_and_infinities_get_their_own_colours_and_a_legend() -> Result<()> {
    let m = vec![
        vec![1.0, f64::NAN, -2.0],
        vec![f64::INFINITY, 0.5, f64::NEG_INFINITY],
    ];
    let h = Heatmap::new(m.clone()).title("with NaN and ∞");
    let svg = render_both(&h, "nan_inf")?;
    let grid = cells(&svg, 2, 3);
    assert_eq!(grid[0][1].fill, colormap::NAN);
    assert_eq!(grid[1][0].fill, colormap::POS_INF);
    assert_eq!(grid[1][2].fill, colormap::NEG_INF);
    // The finite scale ignores the infinities: −2 is the darkest blue.
    assert_eq!(grid[0][2].fill, colormap::color(-1.0, 1.0));
    let t = texts(&svg);
    for entry in [
        "NaN (1 entry)",
        "+∞ (1 entry)",
        "−∞ (1 entry)",
        "NaN",
        "+∞",
        "−∞",
    ] {
        assert!(t.contains(&entry.to_string()), "{entry:?} not in {t:?}");
    }
    // Printed values name them; without printed values, each non-finite cell
    // (and its legend swatch) is crossed out with two <line>s.
    assert_eq!(svg.matches("<line").count(), 0);
    let quiet = render_both(&h.clone().annotate(false), "nan_inf_unannotated")?;
    assert_eq!(quiet.matches("<line").count(), 2 * 3 + 2 * 3);
    assert!(h.to_text().contains("NaN: 1 entry"));
    Ok(())
}

#[test]
fn all_zero_matrix_does_not_divide_by_zero() -> Result<()> {
    let h = Heatmap::new(vec![vec![0.0f32; 3]; 2]).title("all zero");
    let svg = render_both(&h, "all_zero")?;
    assert!(cells(&svg, 2, 3)
        .iter()
        .flatten()
        .all(|c| c.fill == [255; 3]));
    let t = texts(&svg);
    assert!(t.contains(&"all entries are 0".to_string()), "{t:?}");
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
    Ok(())
}

#[test]
fn one_by_one() -> Result<()> {
    let h = Heatmap::new([[-3.5f32]]);
    let svg = render_both(&h, "one_by_one")?;
    let c = &cells(&svg, 1, 1)[0][0];
    assert_eq!(c.fill, colormap::color(-1.0, 1.0));
    assert!(texts(&svg).contains(&"1×1".to_string()));
    assert!(texts(&svg).contains(&"−3.5".to_string()));
    Ok(())
}

#[test]
fn empty_matrices_draw_a_labelled_frame() -> Result<()> {
    for (r, c) in [(0usize, 3usize), (3, 0), (0, 0)] {
        let m = Matrix::new(r, c, vec![])?;
        let h = Heatmap::new(m).title("empty");
        let svg = render_both(&h, &format!("empty_{r}x{c}"))?;
        let t = texts(&svg);
        assert!(t.contains(&format!("empty matrix ({r}×{c})")), "{t:?}");
        assert!(t.contains(&format!("empty — {r}×{c}")), "{t:?}");
        assert!(h.to_text().contains("(empty matrix)"));
    }
    let t = Tensor::zeros((0, 4), DType::F32, &Device::Cpu)?;
    assert_eq!(heatmap::heatmap(&t)?.matrix().shape(), (0, 4));
    Ok(())
}

#[test]
fn non_2d_tensors_are_a_clear_error() -> Result<()> {
    let dev = Device::Cpu;
    let t3 = Tensor::zeros((2, 3, 4), DType::F32, &dev)?;
    let e = heatmap::heatmap(&t3).unwrap_err();
    assert!(matches!(e, Error::NotAMatrix { .. }));
    let msg = e.to_string();
    assert!(msg.contains("2-D") && msg.contains("[2, 3, 4]"), "{msg}");
    let t0 = Tensor::new(1.0f32, &dev)?;
    assert!(matches!(
        heatmap::heatmap(&t0),
        Err(Error::NotAMatrix { .. })
    ));
    // 1-D is documented as one row.
    let t1 = Tensor::new(&[1.0f32, -2.0, 0.0], &dev)?;
    let h = heatmap::heatmap(&t1)?;
    assert_eq!(h.matrix().shape(), (1, 3));
    render_both(&h, "row_vector")?;
    Ok(())
}

#[test]
fn ragged_rows_and_wrong_label_counts_are_errors() {
    let h = Heatmap::new(vec![vec![1.0f32, 2.0], vec![3.0]]);
    let e = h.to_svg().unwrap_err().to_string();
    assert!(e.contains("ragged rows"), "{e}");
    assert!(h.to_png().is_err());
    assert!(h.to_text().contains("ragged rows"));
    let h = Heatmap::new([[1.0f32, 2.0]]).col_labels(["x"]);
    let e = h.to_svg().unwrap_err();
    assert!(
        matches!(
            e,
            Error::LabelCount {
                axis: "column",
                got: 1,
                expected: 2,
                ..
            }
        ),
        "{e}"
    );
    assert!(Figure::new().to_svg().is_err());
    assert!(Figure::new().to_png().is_err());
}

#[test]
fn markup_in_titles_and_labels_stays_text() -> Result<()> {
    let title = "<script>alert('x')</script> & \"J\"";
    let h = Heatmap::new([[1.0f32, -1.0]])
        .title(title)
        .row_labels(["<b>f</b>"])
        .col_labels(["a&b", "]]>"]);
    let svg = render_both(&h, "escaping")?;
    let doc = roxmltree::Document::parse(&svg).expect("well-formed");
    assert!(doc
        .descendants()
        .all(|n| !n.has_tag_name("script") && !n.has_tag_name("b")));
    let t = texts(&svg);
    assert!(t.contains(&format!("{title} — 1×2")), "{t:?}");
    for label in ["<b>f</b>", "a&b", "]]>"] {
        assert!(t.contains(&label.to_string()), "{label:?} in {t:?}");
    }
    assert!(!svg.contains("<script>"));
    // Newlines in a title cannot break the picture (or the evcxr protocol).
    let h = Heatmap::new([[1.0f32]]).title("two\nlines\u{0}");
    assert_eq!(h.full_title(), "two lines  — 1×1");
    render_both(&h, "control_chars")?;
    Ok(())
}

#[test]
fn huge_pictures_are_refused_not_attempted() {
    // 10 panels of 1000×1000 would be wide but fine; a 50000×1 row is
    // downsampled; nothing here may allocate gigabytes or panic.
    let m = Matrix::new(1, 50_000, vec![1.0; 50_000]).expect("shape");
    assert!(Heatmap::new(m).to_png().is_ok());
}

#[test]
fn tensor_dtypes_other_than_float_render() -> Result<()> {
    let t = Tensor::new(&[[0u8, 1], [2, 3]], &Device::Cpu)?;
    let svg = heatmap::heatmap(&t)?.to_svg()?;
    assert_eq!(cells(&svg, 2, 2)[0][0].fill, [255; 3]);
    Ok(())
}

#[test]
fn look_at_a_nan_picture() -> Result<()> {
    // Leaves target/heatmaps/nan_inf_resvg.png for a human to look at.
    let m = vec![vec![1.0, f64::NAN], vec![f64::INFINITY, f64::NEG_INFINITY]];
    let img = rasterise(&Heatmap::new(m).to_svg()?);
    std::fs::write(out_dir().join("nan_inf_resvg.png"), encode_rgba(&img)).ok();
    Ok(())
}

#[test]
fn all_nan_says_so() -> Result<()> {
    let h = Heatmap::new(vec![vec![f64::NAN; 2]; 2]);
    let svg = render_both(&h, "all_nan")?;
    let t = texts(&svg);
    assert!(t.contains(&"no finite entries".to_string()), "{t:?}");
    assert!(t.contains(&"NaN (4 entries)".to_string()), "{t:?}");
    let h = Heatmap::new(vec![vec![f64::NAN, 0.0]]);
    assert!(texts(&h.to_svg()?).contains(&"all finite entries are 0".to_string()));
    // A 10 000-character title is cut, not drawn 100 000 pixels wide.
    let h = Heatmap::new([[1.0f32]]).title(&"long ".repeat(2000));
    assert!(h.to_png().is_ok());
    assert!(h.full_title().chars().count() < 220);
    Ok(())
}
