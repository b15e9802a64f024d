//! The evcxr display protocol (`course::display`): blocks, mime types, fallbacks, for everything
//! a cell can show. (Moved here from the heatmap crate, which no longer knows about evcxr.)

use base64::Engine as _;
use candle_core::{DType, Device, Tensor};
use course::display::Show;
use heatmap::{side_by_side, Format, Heatmap, Matrix, Result};

fn tensor_blocks(t: &Tensor) -> String {
    t.evcxr_blocks()
}

/// Deterministic noise in [-1, 1] (a 64-bit LCG), for matrices too large to be SVG.
fn noise(rows: usize, cols: usize, seed: u64) -> Vec<f64> {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..rows * cols)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

/// Parses evcxr's stdout protocol the way evcxr does: mime type → content.
fn parse_blocks(out: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut lines = out.lines();
    while let Some(line) = lines.next() {
        let Some(mime) = line.strip_prefix("EVCXR_BEGIN_CONTENT ") else {
            panic!("stray line outside a block: {line:?}");
        };
        let mut content = Vec::new();
        for l in lines.by_ref() {
            if l == "EVCXR_END_CONTENT" {
                break;
            }
            content.push(l);
        }
        blocks.push((mime.to_string(), content.join("\n")));
    }
    blocks
}

fn mimes(blocks: &[(String, String)]) -> Vec<&str> {
    blocks.iter().map(|(m, _)| m.as_str()).collect()
}

#[test]
fn small_heatmap_is_an_html_img_of_the_svg_plus_text() -> Result<()> {
    let h = Heatmap::new(vec![vec![2.0f32, 1.0], vec![2.0, 1.0], vec![0.5403, 0.0]])
        .title("J_f at (1, 2)");
    let out = h.evcxr_blocks();
    let blocks = parse_blocks(&out);
    assert_eq!(mimes(&blocks), ["text/html", "text/plain"]);
    let html = &blocks[0].1;
    assert!(
        html.starts_with("<img src=\"data:image/svg+xml;base64,"),
        "{html}"
    );
    assert!(!html.contains('\n'));
    let b64 = html
        .split("base64,")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default();
    let svg = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("valid base64"),
    )
    .expect("utf-8 SVG");
    assert_eq!(svg, h.to_svg()?);
    // The <img> has the SVG's non-zero size.
    let (w, hgt) = (attr(html, "width"), attr(html, "height"));
    assert!(w > 100 && hgt > 100, "{w}×{hgt}");
    assert!(svg.contains(&format!("width=\"{w}\" height=\"{hgt}\"")));
    let text = &blocks[1].1;
    assert!(text.starts_with("J_f at (1, 2) — 3×2"), "{text}");
    assert!(text.contains("0.5403"));
    Ok(())
}

fn attr(html: &str, name: &str) -> u32 {
    html.split(&format!(" {name}=\""))
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[test]
fn large_heatmap_is_a_png() {
    let m = Matrix::new(100, 100, noise(100, 100, 7)).expect("shape");
    let blocks = parse_blocks(&Heatmap::new(m).evcxr_blocks());
    assert_eq!(mimes(&blocks), ["image/png", "text/plain"]);
    let png = base64::engine::general_purpose::STANDARD
        .decode(&blocks[0].1)
        .expect("one line of base64");
    assert_eq!(&png[1..4], b"PNG");
    // The text keeps the first and last rows around an ellipsis.
    assert!(blocks[1].1.contains('⋮'));
}

#[test]
fn format_can_be_forced() {
    let small = Heatmap::new([[1.0f32]]).format(Format::Png);
    assert_eq!(mimes(&parse_blocks(&small.evcxr_blocks()))[0], "image/png");
    let m = Matrix::new(80, 80, noise(80, 80, 3)).expect("shape");
    let big = Heatmap::new(m).format(Format::Svg);
    let blocks = parse_blocks(&big.evcxr_blocks());
    assert_eq!(blocks[0].0, "text/html");
}

#[test]
fn figure_is_one_picture() {
    let fig = side_by_side([Heatmap::new([[1.0f32]]), Heatmap::new([[2.0f32]])]).title("two");
    let blocks = parse_blocks(&fig.evcxr_blocks());
    assert_eq!(mimes(&blocks), ["text/html", "text/plain"]);
    assert!(blocks[0].1.contains("alt=\"heatmap: 1×1 | 1×1\""));
    assert!(blocks[1].1.starts_with("two\n"));
}

#[test]
fn tensors_display_by_rank() -> Result<()> {
    let dev = Device::Cpu;
    let two = Tensor::new(&[[1.0f32, -1.0], [0.0, 2.0]], &dev)?;
    assert_eq!(
        mimes(&parse_blocks(&tensor_blocks(&two))),
        ["text/html", "text/plain"]
    );
    let one = Tensor::new(&[1.0f64, 2.0, 3.0], &dev)?;
    let b = parse_blocks(&tensor_blocks(&one));
    assert_eq!(mimes(&b), ["text/html", "text/plain"]);
    assert!(b[1].1.starts_with("1×3"));
    let zero = Tensor::new(3.5f32, &dev)?;
    let b = parse_blocks(&tensor_blocks(&zero));
    assert_eq!(mimes(&b), ["text/plain"]);
    assert!(b[0].1.contains("3.5"));
    let three = Tensor::zeros((2, 2, 2), DType::F32, &dev)?;
    assert_eq!(mimes(&parse_blocks(&tensor_blocks(&three))), ["text/plain"]);
    let ints = Tensor::new(&[[1u32, 2], [3, 4]], &dev)?;
    assert_eq!(mimes(&parse_blocks(&tensor_blocks(&ints)))[0], "text/html");
    Ok(())
}

#[test]
fn render_errors_become_text_not_panics() {
    let ragged = Heatmap::new(vec![vec![1.0f32, 2.0], vec![3.0]]);
    let blocks = parse_blocks(&ragged.evcxr_blocks());
    assert_eq!(mimes(&blocks), ["text/plain"]);
    assert!(blocks[0].1.contains("ragged rows"), "{}", blocks[0].1);
    let bad_labels = Heatmap::new([[1.0f32]]).row_labels(["a", "b"]);
    let blocks = parse_blocks(&bad_labels.evcxr_blocks());
    assert_eq!(mimes(&blocks), ["text/plain"]);
    assert!(blocks[0].1.contains("heatmap not drawn"));
}

#[test]
fn labels_cannot_end_a_block_early() {
    let h = Heatmap::new([[1.0f32], [2.0]])
        .row_labels(["EVCXR_END_CONTENT", "EVCXR_BEGIN_CONTENT text/html"])
        .title("EVCXR_END_CONTENT");
    let out = h.evcxr_blocks();
    let blocks = parse_blocks(&out);
    assert_eq!(mimes(&blocks), ["text/html", "text/plain"]);
    assert!(blocks[1].1.contains("EVCXR_BEGIN_CONTENT text/html"));
    // A figure title is the first text line on its own.
    let fig = side_by_side([Heatmap::new([[1.0f32]])]).title("EVCXR_END_CONTENT");
    let blocks = parse_blocks(&fig.evcxr_blocks());
    assert_eq!(mimes(&blocks), ["text/html", "text/plain"]);
    assert!(blocks[1].1.starts_with(" EVCXR_END_CONTENT\n"));
}

#[test]
fn evcxr_display_prints_without_panicking() {
    // Goes to the test's captured stdout; must not panic on any input.
    Heatmap::new([[1.0f32]]).evcxr_display();
    Heatmap::new(vec![vec![1.0f32], vec![]]).evcxr_display();
    let t = Tensor::zeros((3, 1, 2), DType::F32, &Device::Cpu).expect("tensor");
    t.evcxr_display();
}

#[test]
fn text_plain_reads_like_the_maths() {
    let h = Heatmap::new(vec![vec![2.0f32, 1.0], vec![2.0, 1.0], vec![0.5403, 0.0]])
        .title("J_f at (1, 2)")
        .row_labels(["f1", "f2", "f3"])
        .col_labels(["x", "y"]);
    assert_eq!(
        h.to_text(),
        "J_f at (1, 2) — 3×2  (rows: outputs i (∂f_i), columns: inputs j (∂x_j))\n\
         \x20        x  y\n\
         f1       2  1\n\
         f2       2  1\n\
         f3  0.5403  0\n"
    );
}

#[test]
fn debug_is_the_text_form_for_evcxrs_fallback_too() {
    let m = Matrix::new(500, 500, vec![0.5; 250_000]).expect("shape");
    let h = Heatmap::new(m).title("big");
    let dbg = format!("{h:?}");
    assert!(dbg.starts_with("big — 500×500"));
    assert!(dbg.len() < 2_000, "{} bytes", dbg.len());
    let fig = side_by_side([h]).title("fig");
    assert!(format!("{fig:?}").starts_with("fig\n"));
}
