//! The seed Jacobians, checked structurally: parse the SVG, find the cells,
//! and check each cell's colour against the sign of its value.

mod common;

use candle_core::{Device, Tensor};
use common::{cells, cells_all, fill_matches_sign, texts};
use heatmap::{colormap, heatmap, side_by_side, Heatmap, Result};

fn check_cells(svg: &str, m: &[Vec<f64>]) {
    let (rows, cols) = (m.len(), m[0].len());
    let grid = cells(svg, rows, cols);
    assert_eq!(grid.len(), rows);
    let scale = m.iter().flatten().fold(0.0f64, |a, v| a.max(v.abs()));
    for (i, row) in grid.iter().enumerate() {
        assert_eq!(row.len(), cols);
        for (j, cell) in row.iter().enumerate() {
            let v = m[i][j];
            assert!(
                fill_matches_sign(cell.fill, v),
                "cell ({}, {}) = {v} has fill {:?}",
                i + 1,
                j + 1,
                cell.fill
            );
            assert_eq!(cell.fill, colormap::color(v, scale), "cell ({i}, {j})");
        }
    }
}

fn to_f64(m: &[Vec<f32>]) -> Vec<Vec<f64>> {
    m.iter()
        .map(|r| r.iter().map(|&v| f64::from(v)).collect())
        .collect()
}

#[test]
fn j_f_at_1_2() -> Result<()> {
    // f(x, y) = (x² + y, xy, sin x); J = [[2x, 1], [y, x], [cos x, 0]] at (1, 2).
    let j = vec![vec![2.0f32, 1.0], vec![2.0, 1.0], vec![1f32.cos(), 0.0]];
    let t = Tensor::new(
        &[[2.0f32, 1.0], [2.0, 1.0], [1f32.cos(), 0.0]],
        &Device::Cpu,
    )
    .map_err(heatmap::Error::from)?;
    let h = heatmap(&t)?
        .title("J_f at (1, 2)")
        .row_labels(["f1", "f2", "f3"])
        .col_labels(["x", "y"]);
    let svg = h.to_svg()?;
    check_cells(&svg, &to_f64(&j));
    let t = texts(&svg);
    assert!(t.contains(&"J_f at (1, 2) — 3×2".to_string()), "{t:?}");
    for label in [
        "f1",
        "f2",
        "f3",
        "x",
        "y",
        "0.5403",
        "outputs i (∂f_i)",
        "inputs j (∂x_j)",
    ] {
        assert!(t.contains(&label.to_string()), "missing {label:?} in {t:?}");
    }
    // Printed values: 2, 1, 2, 1, 0.5403, 0 (plus "2" as a colour-bar tick).
    assert!(t.iter().filter(|s| *s == "2").count() >= 2);
    Ok(())
}

#[test]
fn linear_layer_w() -> Result<()> {
    let w = vec![vec![1.0f32, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]];
    let svg = Heatmap::new(w.clone()).title("W").to_svg()?;
    check_cells(&svg, &to_f64(&w));
    let t = texts(&svg);
    // 1-based tick labels on both axes.
    for label in ["1", "2", "3", "W — 3×2"] {
        assert!(t.contains(&label.to_string()), "{t:?}");
    }
    // The colour bar's scale runs over ±6.
    assert!(
        t.contains(&"6".to_string()) && t.contains(&"−6".to_string()),
        "{t:?}"
    );
    Ok(())
}

#[test]
fn relu_diagonal() -> Result<()> {
    let d: Vec<Vec<f64>> = (0..4)
        .map(|i| {
            (0..4)
                .map(|j| if i == j && i % 2 == 0 { 1.0 } else { 0.0 })
                .collect()
        })
        .collect();
    let svg = Heatmap::new(d.clone()).title("J_ReLU").to_svg()?;
    check_cells(&svg, &d);
    let grid = cells(&svg, 4, 4);
    let white = grid.iter().flatten().filter(|c| c.fill == [255; 3]).count();
    assert_eq!(
        white, 14,
        "only the two active diagonal entries are coloured"
    );
    Ok(())
}

#[test]
fn dead_neuron_row_is_all_white() -> Result<()> {
    let w = [
        [0.5, -1.2, 0.3],
        [0.8, 0.1, -0.4],
        [-0.7, 0.9, 1.1],
        [0.2, -0.3, 0.6],
    ];
    let active = [1.0, 0.0, 1.0, 1.0];
    let j: Vec<Vec<f64>> = w
        .iter()
        .zip(active)
        .map(|(r, a)| r.iter().map(|v| v * a).collect())
        .collect();
    let svg = Heatmap::new(j.clone()).title("J_ReLU · W").to_svg()?;
    check_cells(&svg, &j);
    let grid = cells(&svg, 4, 3);
    assert!(grid[1].iter().all(|c| c.fill == [255; 3]), "row 2 is dead");
    for r in [0, 2, 3] {
        assert!(
            grid[r].iter().all(|c| c.fill != [255; 3]),
            "row {} is alive",
            r + 1
        );
    }
    Ok(())
}

#[test]
fn side_by_side_is_one_svg_with_both_grids() -> Result<()> {
    let w = vec![vec![1.0f64, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]];
    let neg: Vec<Vec<f64>> = w.iter().map(|r| r.iter().map(|v| -v).collect()).collect();
    let fig = side_by_side([
        Heatmap::new(w.clone()).title("J"),
        Heatmap::new(neg.clone()).title("−W"),
    ]);
    let svg = fig.to_svg()?;
    assert_eq!(svg.matches("<svg").count(), 1);
    let grids = cells_all(&svg, 3, 2);
    assert_eq!(grids.len(), 2);
    for (grid, m) in grids.iter().zip([&w, &neg]) {
        for (i, row) in grid.iter().enumerate() {
            for (j, c) in row.iter().enumerate() {
                assert!(fill_matches_sign(c.fill, m[i][j]));
            }
        }
    }
    let t = texts(&svg);
    assert!(t.contains(&"J — 3×2".to_string()) && t.contains(&"−W — 3×2".to_string()));
    Ok(())
}

#[test]
fn shared_scale_compares_colours_across_panels() -> Result<()> {
    let small = vec![vec![1.0f64]];
    let big = vec![vec![4.0f64]];
    let own = side_by_side([Heatmap::new(small.clone()), Heatmap::new(big.clone())]).to_svg()?;
    let shared = side_by_side([Heatmap::new(small), Heatmap::new(big)])
        .shared_scale(true)
        .to_svg()?;
    let own = cells_all(&own, 1, 1);
    let shared = cells_all(&shared, 1, 1);
    // On their own scales both are the darkest red; on a shared one 1 is paler than 4.
    assert_eq!(own[0][0][0].fill, own[1][0][0].fill);
    assert_ne!(shared[0][0][0].fill, shared[1][0][0].fill);
    assert_eq!(shared[0][0][0].fill, colormap::color(1.0, 4.0));
    Ok(())
}
