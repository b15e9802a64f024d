//! Renders the course's seed Jacobians to `target/heatmaps/*.svg` and `*.png`.
//!
//! ```text
//! cargo run -p heatmap --example seed_heatmaps [OUT_DIR]
//! ```
//!
//! `tests/example.rs` runs the same `render_all` into a temporary folder.

use std::path::{Path, PathBuf};

use heatmap::{side_by_side, Figure, Heatmap, Result};

/// J_f at (1, 2) for f(x, y) = (x² + y, xy, sin x).
pub fn j_f() -> Vec<Vec<f32>> {
    vec![vec![2.0, 1.0], vec![2.0, 1.0], vec![1f32.cos(), 0.0]]
}

/// The linear layer's weight W (its Jacobian).
pub fn w() -> Vec<Vec<f32>> {
    vec![vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]]
}

/// J_ReLU at z = (2, −1, 3, −0.5): diag(1, 0, 1, 0).
pub fn j_relu() -> Vec<Vec<f32>> {
    (0..4)
        .map(|i| {
            (0..4)
                .map(|j| if i == j && i % 2 == 0 { 1.0 } else { 0.0 })
                .collect()
        })
        .collect()
}

/// A dead neuron: J_relu · W for a 4×3 layer whose 2nd unit is inactive, so
/// row 2 is all zeros.
pub fn dead_neuron() -> Vec<Vec<f32>> {
    let w = [
        [0.5f32, -1.2, 0.3],
        [0.8, 0.1, -0.4],
        [-0.7, 0.9, 1.1],
        [0.2, -0.3, 0.6],
    ];
    let active = [true, false, true, true];
    w.iter()
        .zip(active)
        .map(|(row, on)| row.iter().map(|&v| if on { v } else { 0.0 }).collect())
        .collect()
}

/// The seed pictures, by file stem.
pub fn seeds() -> Vec<(&'static str, Figure)> {
    let jf = Heatmap::new(j_f())
        .title("J_f at (1, 2)")
        .row_labels(["f1", "f2", "f3"])
        .col_labels(["x", "y"]);
    let w = Heatmap::new(w()).title("W");
    let relu = Heatmap::new(j_relu()).title("J_ReLU at z = (2, −1, 3, −0.5)");
    let dead = Heatmap::new(dead_neuron()).title("J_ReLU · W, unit 2 dead");
    vec![
        ("j_f", Figure::new().with(jf.clone())),
        ("w", Figure::new().with(w.clone())),
        ("j_relu", Figure::new().with(relu)),
        ("dead_neuron", Figure::new().with(dead)),
        (
            "j_vs_w",
            side_by_side([Heatmap::new(self::w()).title("J of Wx + b"), w]),
        ),
    ]
}

/// Writes every seed as SVG and PNG under `out`; returns the files written.
pub fn render_all(out: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).map_err(|source| heatmap::Error::Io {
        op: "render_all",
        path: out.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for (stem, fig) in seeds() {
        let svg = out.join(format!("{stem}.svg"));
        let png = out.join(format!("{stem}.png"));
        fig.save_svg(&svg)?;
        fig.save_png(&png)?;
        written.push(svg);
        written.push(png);
    }
    Ok(written)
}

fn main() -> Result<()> {
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/heatmaps"));
    for path in render_all(&out)? {
        println!("{}", path.display());
    }
    Ok(())
}
