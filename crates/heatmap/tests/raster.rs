//! Pixels: rasterise the SVG with resvg and decode our own PNG, then check the
//! colour at known cells. Both must agree with the cells the SVG declares.

mod common;

use common::{cells, decode_png, encode_rgba, out_dir, rasterise};
use heatmap::{colormap, Heatmap, Result};

fn j_f() -> Heatmap {
    Heatmap::new(vec![
        vec![2.0f64, 1.0],
        vec![2.0, 1.0],
        vec![1f64.cos(), 0.0],
    ])
    .title("J_f at (1, 2)")
    .row_labels(["f1", "f2", "f3"])
    .col_labels(["x", "y"])
}

/// A point inside the cell, away from the grid line and the printed value.
fn probe(c: &common::Cell) -> (i32, i32) {
    (c.x + 4, c.y + 4)
}

#[test]
fn resvg_pixels_match_the_cell_colours() -> Result<()> {
    let h = j_f();
    let svg = h.to_svg()?;
    let img = rasterise(&svg);
    std::fs::write(out_dir().join("j_f_resvg.png"), encode_rgba(&img)).ok();
    let grid = cells(&svg, 3, 2);
    let scale = 2.0;
    let m = h.matrix();
    for (i, row) in grid.iter().enumerate() {
        for (j, cell) in row.iter().enumerate() {
            let v = m.get(i, j).unwrap_or(f64::NAN);
            let (x, y) = probe(cell);
            assert_eq!(
                img.rgb(x, y),
                colormap::color(v, scale),
                "cell ({i}, {j}) = {v}"
            );
        }
    }
    // Known cells by value: (1,1) = 2 is the darkest red, (3,2) = 0 is white.
    let (x, y) = probe(&grid[0][0]);
    assert_eq!(img.rgb(x, y), [0xe3, 0x4a, 0x33]);
    let (x, y) = probe(&grid[2][1]);
    assert_eq!(img.rgb(x, y), [255, 255, 255]);
    // The printed value contrasts with its cell: dark text on the red (1, 1),
    // so some pixel near its centre is much darker than the cell.
    let c = &grid[0][0];
    let dark = (c.x + c.w / 4..c.x + 3 * c.w / 4)
        .flat_map(|x| (c.y + c.h / 4..c.y + 3 * c.h / 4).map(move |y| (x, y)))
        .any(|(x, y)| img.rgb(x, y)[0] < 100);
    assert!(dark, "dark text on the red cell");
    Ok(())
}

#[test]
fn our_png_puts_every_cell_where_the_svg_does() -> Result<()> {
    let h = j_f();
    let svg = h.to_svg()?;
    let png = decode_png(&h.to_png()?);
    std::fs::write(out_dir().join("j_f_direct.png"), h.to_png()?).ok();
    let resvg = rasterise(&svg);
    assert_eq!((png.width, png.height), (resvg.width, resvg.height));
    for row in cells(&svg, 3, 2) {
        for cell in row {
            let (x, y) = probe(&cell);
            assert_eq!(png.rgb(x, y), cell.fill);
            assert_eq!(png.rgb(cell.x + cell.w - 3, cell.y + cell.h - 3), cell.fill);
        }
    }
    Ok(())
}

#[test]
fn dead_row_is_white_in_the_picture() -> Result<()> {
    let j = vec![
        vec![0.5f64, -1.2, 0.3],
        vec![0.0, 0.0, 0.0],
        vec![-0.7, 0.9, 1.1],
        vec![0.2, -0.3, 0.6],
    ];
    let h = Heatmap::new(j).title("J_ReLU · W").annotate(false);
    let svg = h.to_svg()?;
    let img = rasterise(&svg);
    std::fs::write(out_dir().join("dead_neuron_resvg.png"), encode_rgba(&img)).ok();
    let grid = cells(&svg, 4, 3);
    // Every pixel inside the cells of row 2 (grid lines aside) is white.
    for c in &grid[1] {
        for y in c.y + 2..c.y + c.h - 2 {
            for x in c.x + 2..c.x + c.w - 2 {
                assert_eq!(img.rgb(x, y), [255, 255, 255], "({x}, {y})");
            }
        }
    }
    // Negative (1, 2) is blue, positive (3, 3) is red.
    let [r, _, b] = img.rgb(grid[0][1].x + 4, grid[0][1].y + 4);
    assert!(b > r);
    let [r, _, b] = img.rgb(grid[2][2].x + 4, grid[2][2].y + 4);
    assert!(r > b);
    Ok(())
}

/// Luminance (Rec. 709 on sRGB bytes, as a greyscale printer would) of a pixel.
fn grey(c: [u8; 3]) -> f64 {
    0.2126 * f64::from(c[0]) + 0.7152 * f64::from(c[1]) + 0.0722 * f64::from(c[2])
}

#[test]
fn greyscale_keeps_zero_negative_and_positive_apart() -> Result<()> {
    let m = vec![vec![-2.0f64, -1.0, 0.0, 1.0, 2.0]];
    let h = Heatmap::new(m).title("greyscale").annotate(false);
    let svg = h.to_svg()?;
    let img = rasterise(&svg);
    // Leave a greyscale copy to look at.
    let mut g = common::Image {
        width: img.width,
        height: img.height,
        rgba: img.rgba.clone(),
    };
    for px in g.rgba.chunks_exact_mut(4) {
        let l = grey([px[0], px[1], px[2]]).round() as u8;
        px[..3].fill(l);
    }
    std::fs::write(out_dir().join("greyscale.png"), encode_rgba(&g)).ok();
    let row = &cells(&svg, 1, 5)[0];
    let l: Vec<f64> = row
        .iter()
        .map(|c| grey(img.rgb(c.x + 4, c.y + 4)))
        .collect();
    // Zero is white; the most negative is near black; the most positive is a
    // mid grey, clearly apart from both.
    assert!(l[2] > 254.5, "{l:?}");
    assert!(l[0] < 60.0, "{l:?}");
    assert!(l[4] > l[0] + 40.0 && l[4] < 200.0, "{l:?}");
    // Magnitude reads as darkness on each side.
    assert!(l[0] < l[1] && l[4] < l[3], "{l:?}");
    Ok(())
}
