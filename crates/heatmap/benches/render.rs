//! Render times and sizes for the issue's budget: a 1000×1000 matrix in
//! ≤ 300 ms and ≤ 1 MB.
//!
//! ```text
//! cargo bench -p heatmap --bench render
//! ```
//!
//! Before timing, it prints the bytes of each picture. Dense is the worst
//! case for PNG compression (uniform noise, every cell a different colour
//! step); a diagonal (ReLU-like) Jacobian compresses far better.
//!
//! Measured on the course machine (2 cores shared with other engineers' builds, release
//! profile), 2026-12-03 16:04–16:08, load average 6.3 → 9.7 (`uptime`), the old crate
//! (plotters, two backends; commit db303a2) and this one run interleaved: old, new, old, new.
//! Wall times are criterion medians of the two rounds; at this load they move by half, so
//! CPU time per render (user time of 20 renders in a row ÷ 20, 16:09, load 9) is given too.
//!
//! | picture                        | before: wall, CPU      | now: wall, CPU        | bytes before → now     |
//! |--------------------------------|------------------------|-----------------------|------------------------|
//! | PNG 1000×1000 dense (noise)    | 146 / 194 ms, 74 ms    | 227* / 116 ms, 40 ms  | 781 236 → 778 511      |
//! | picture() 1000×1000 dense      | 217 / 197 ms           | 81 / 77 ms            | (the same PNG)         |
//! | PNG 1000×1000 diagonal         | 41 / 62 ms, 20 ms      | 42 / 58 ms, 20.5 ms   | 17 671 → 27 105        |
//! | SVG 1000×1000 dense (embedded) | 100 / 142 ms, 51 ms    | 53 / 68 ms, 26 ms     | 1 040 428 → 1 022 250  |
//! | SVG 3×2 J_f                    | 0.31 / 0.39 ms         | 0.10 / 0.10 ms        | 10 779 → 7 084         |
//!
//! \* while this crate was being compiled alongside; `picture()` renders the same PNG.
//!
//! Bytes: the dense case is near its floor. Its 10⁶ cells fall evenly on 64 colour steps,
//! 6 bits each, so no lossless PNG with a pixel per cell is under 750 000 bytes; zlib level 1
//! (now) is within 0.2 % of level 6 there and several times faster. The diagonal grows from
//! 18 to 27 kB for the same reason (level 1 finds fewer long repeats). matplotlib's 0.39 MB
//! for this matrix (issue figure) must hold fewer pixels than cells.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use heatmap::{Heatmap, Matrix};

fn noise(rows: usize, cols: usize, seed: u64) -> Vec<f64> {
    let mut s = seed.max(1);
    (0..rows * cols)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        })
        .collect()
}

fn dense(n: usize) -> Heatmap {
    let m = Matrix::new(n, n, noise(n, n, 42)).expect("shape");
    Heatmap::new(m).title("dense")
}

fn diagonal(n: usize) -> Heatmap {
    let data = (0..n * n)
        .map(|k| {
            if k / n == k % n && (k / n) % 3 != 1 {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    Heatmap::new(Matrix::new(n, n, data).expect("shape")).title("J_ReLU")
}

fn small() -> Heatmap {
    Heatmap::new(vec![vec![2.0f32, 1.0], vec![2.0, 1.0], vec![0.5403, 0.0]]).title("J_f at (1, 2)")
}

fn report_sizes() {
    let sizes = [
        ("png 1000x1000 dense", dense(1000).to_png().map(|b| b.len())),
        (
            "png 1000x1000 diagonal",
            diagonal(1000).to_png().map(|b| b.len()),
        ),
        ("svg 1000x1000 dense", dense(1000).to_svg().map(|s| s.len())),
        ("svg 3x2 J_f", small().to_svg().map(|s| s.len())),
    ];
    for (name, size) in sizes {
        match size {
            Ok(bytes) => eprintln!("size {name}: {bytes} bytes ({:.3} MB)", bytes as f64 / 1e6),
            Err(e) => eprintln!("size {name}: error {e}"),
        }
    }
}

fn bench(c: &mut Criterion) {
    report_sizes();
    let d = dense(1000);
    let g = diagonal(1000);
    let s = small();
    let mut group = c.benchmark_group("render");
    group.sample_size(20);
    group.bench_function("png_1000x1000_dense", |b| {
        b.iter(|| black_box(d.to_png().expect("render")))
    });
    group.bench_function("png_1000x1000_diagonal", |b| {
        b.iter(|| black_box(g.to_png().expect("render")))
    });
    group.bench_function("svg_1000x1000_dense", |b| {
        b.iter(|| black_box(d.to_svg().expect("render")))
    });
    group.bench_function("svg_3x2", |b| {
        b.iter(|| black_box(s.to_svg().expect("render")))
    });
    group.bench_function("picture_1000x1000_dense", |b| {
        b.iter(|| black_box(d.picture().expect("render")))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
