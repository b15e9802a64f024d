//! Large matrices: the 1000×1000 budget (≤ 1 MB), structure that must stay
//! visible, and downsampling beyond 1024 rows or columns.

mod common;

use std::time::Instant;

use common::{decode_png, noise, out_dir};
use heatmap::{colormap, Heatmap, Matrix, Result};

/// A dense 1000×1000 Jacobian-like matrix with rows 100..110 dead (zero).
fn dense_with_dead_rows() -> Matrix {
    let n = 1000;
    let mut data = noise(n, n, 42);
    for i in 100..110 {
        data[i * n..(i + 1) * n].fill(0.0);
    }
    Matrix::new(n, n, data).expect("shape")
}

/// Where the matrix sits in the PNG: just inside its frame, the first long
/// horizontal run of the frame colour (#444444).
fn matrix_origin(img: &common::Image) -> (i32, i32) {
    for y in 0..img.height as i32 {
        let mut run = 0;
        for x in 0..img.width as i32 {
            if img.rgb(x, y) == [0x44; 3] {
                run += 1;
                if run == 50 {
                    return (x - 49 + 1, y + 1);
                }
            } else {
                run = 0;
            }
        }
    }
    panic!("no matrix frame found");
}

#[test]
fn thousand_by_thousand_png_fits_the_budget() -> Result<()> {
    let h = Heatmap::new(dense_with_dead_rows()).title("dense 1000×1000");
    let t = Instant::now();
    let png = h.to_png()?;
    let took = t.elapsed();
    std::fs::write(out_dir().join("dense_1000.png"), &png).ok();
    eprintln!(
        "1000×1000 → PNG: {} bytes in {took:?} (debug build)",
        png.len()
    );
    assert!(png.len() <= 1_000_000, "{} bytes", png.len());

    let img = decode_png(&png);
    assert!(img.width >= 1000 && img.height >= 1000);
    let (x0, y0) = matrix_origin(&img);
    // One pixel per cell: row 100..110 (0-based) are white across the matrix.
    for i in 100..110 {
        for j in (0..1000).step_by(37) {
            assert_eq!(img.rgb(x0 + j, y0 + i), [255; 3], "cell ({i}, {j})");
        }
    }
    // Neighbouring rows are not.
    let live = (0..1000)
        .filter(|&j| img.rgb(x0 + j, y0 + 99) != [255; 3])
        .count();
    assert!(live > 990);
    Ok(())
}

#[test]
fn thousand_by_thousand_svg_embeds_one_image() -> Result<()> {
    let svg = Heatmap::new(dense_with_dead_rows()).to_svg()?;
    assert_eq!(svg.matches("<image").count(), 1);
    assert!(svg.matches("<rect").count() < 500);
    assert!(svg.len() < 1_400_000, "{} bytes", svg.len());
    roxmltree::Document::parse(&svg).expect("well-formed");
    Ok(())
}

#[test]
fn medium_matrix_png_shows_the_diagonal() -> Result<()> {
    // 100×100 identity-like Jacobian: raster, a few pixels per cell.
    let n = 100;
    let data: Vec<f64> = (0..n * n)
        .map(|k| if k / n == k % n { 1.0 } else { 0.0 })
        .collect();
    let h = Heatmap::new(Matrix::new(n, n, data)?).title("J_ReLU, all active");
    let png = h.to_png()?;
    std::fs::write(out_dir().join("diag_100.png"), &png).ok();
    let img = decode_png(&png);
    let (x0, y0) = matrix_origin(&img);
    let red = colormap::color(1.0, 1.0);
    assert_eq!(img.rgb(x0, y0), red);
    // The cell size is uniform: find it from the first row.
    let cw = (0..).take_while(|&d| img.rgb(x0 + d, y0) == red).count() as i32;
    assert!(cw >= 3);
    for k in [0, 17, 50, 99] {
        assert_eq!(img.rgb(x0 + k * cw, y0 + k * cw), red, "diagonal {k}");
        assert_eq!(img.rgb(x0 + ((k + 1) % 100) * cw, y0 + k * cw), [255; 3]);
    }
    Ok(())
}

#[test]
fn beyond_1024_rows_is_downsampled_keeping_non_zeros() -> Result<()> {
    // 3000×50 with a single non-zero in row 2001: max-|value| pooling keeps it.
    let (r, c) = (3000, 50);
    let mut data = vec![0.0; r * c];
    data[2000 * c + 7] = -5.0;
    let h = Heatmap::new(Matrix::new(r, c, data)?);
    let png = decode_png(&h.to_png()?);
    let blue = colormap::color(-1.0, 1.0);
    let found = (0..png.height as i32)
        .flat_map(|y| (0..png.width as i32).map(move |x| (x, y)))
        .filter(|&(x, y)| png.rgb(x, y) == blue)
        .count();
    // Present in the matrix (and in the colour bar's end band).
    assert!(found > 0);
    assert!(h
        .to_svg()?
        .contains("each pixel shows the largest |value| of a 3×1 block"));
    Ok(())
}
