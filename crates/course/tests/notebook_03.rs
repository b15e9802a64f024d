//! Executes notebooks/03_jacobian_backprop.ipynb on the real course kernel (through `nbrun`,
//! exactly as JupyterLab would run it) and checks what a learner would read: every section's
//! printed values against the PyTorch reference, a heatmap per Jacobian section, no panics,
//! no stderr, and conclusions that agree with the numbers.
//!
//! Needs the kernel spec installed by `./course setup`; without it the test fails and says so.
use nbrun::{CellReport, Options, RunReport};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn reference() -> Value {
    let path = repo().join("crates/jacobian/tests/data/seed_values.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("seed_values.json is valid JSON")
}

fn run_notebook() -> RunReport {
    let target = repo().join("target/test-notebooks");
    std::fs::create_dir_all(&target).expect("create target/test-notebooks");
    let options = Options {
        output: Some(target.join("03_jacobian_backprop.ipynb")),
        timeout_per_cell: Duration::from_secs(600),
        startup_timeout: Duration::from_secs(600),
        ..Options::default()
    };
    match nbrun::run_notebook(&repo().join("notebooks/03_jacobian_backprop.ipynb"), &options) {
        Ok(report) => report,
        Err(nbrun::Error::KernelNotFound { .. }) => panic!(
            "the 'jacobian-course' kernel spec is not installed: run `./course setup` first"
        ),
        Err(e) => panic!("notebook 03 failed on the real kernel:\n{e}"),
    }
}

/// Parses a PyTorch-style matrix (`[[a, b],\n [c, d]]`) or list printed after `header`.
fn numbers_after(text: &str, header: &str) -> Vec<Vec<f64>> {
    let start = text
        .find(header)
        .unwrap_or_else(|| panic!("{header:?} not printed; output was:\n{text}"))
        + header.len();
    let rest = text[start..].trim_start();
    let close = if rest.starts_with("[[") { "]]" } else { "]" };
    let end = rest.find(close).map(|i| i + close.len()).expect("closing bracket");
    rest[..end]
        .split("],")
        .map(|row| {
            row.trim_matches(|c: char| c == '[' || c == ']' || c.is_whitespace())
                .split(',')
                .map(|v| v.trim().trim_end_matches('.').parse::<f64>().unwrap_or_else(|e| panic!("{v:?}: {e}")))
                .collect()
        })
        .collect()
}

fn as_matrix(v: &Value) -> Vec<Vec<f64>> {
    match v {
        Value::Array(rows) if rows.iter().all(Value::is_array) => rows.iter().map(|r| as_matrix(r).concat()).collect(),
        Value::Array(xs) => vec![xs.iter().map(|x| x.as_f64().expect("number")).collect()],
        Value::Number(n) => vec![vec![n.as_f64().expect("number")]],
        other => panic!("not numeric: {other}"),
    }
}

fn assert_close(what: &str, got: &[Vec<f64>], want: &[Vec<f64>], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: rows, got {got:?}, want {want:?}");
    for (g, w) in got.iter().flatten().zip(want.iter().flatten()) {
        assert!((g - w).abs() <= tol, "{what}: got {got:?}, want {want:?} (±{tol})");
    }
}

fn cell<'a>(report: &'a RunReport, id: &str) -> &'a CellReport {
    report.cell(id).unwrap_or_else(|| panic!("no cell with id {id}"))
}

#[test]
fn notebook_03_runs_on_the_course_kernel_and_prints_the_seed_values() {
    let report = run_notebook();
    let refs = reference();
    let det = &refs["deterministic"];
    let rng = &refs["rng"];

    // No cell may write to stderr: evcxr reports a `?` error there without failing the cell.
    for c in &report.cells {
        assert!(c.stderr().trim().is_empty(), "cell {} wrote to stderr:\n{}", c.cell.id, c.stderr());
    }

    // Every section that prints a Jacobian also draws it.
    for id in ["s1-jacobian", "s2-linear", "s3-chain", "s4-relu", "s5-layer", "s5-dead", "s6-backprop", "s7-compose"] {
        let c = cell(&report, id);
        let html = c.data("text/html").unwrap_or_default();
        assert!(
            html.contains("<img") || c.data("image/png").is_some(),
            "{id}: no heatmap in its outputs (mime types: {:?})",
            c.mime_types()
        );
    }

    // 1. f: R² → R³ at (1, 2): 4 decimals printed, like torch.
    let s1 = cell(&report, "s1-jacobian").stdout();
    assert_close("s1 J", &numbers_after(&s1, "Jacobian at (1, 2):"), &as_matrix(&det["s1_jacobian_at_1_2"]), 5e-5);
    assert!(s1.contains("Jacobian shape: [3, 2]"), "{s1}");

    // 2. Linear layer: J = W, and the conclusion says so.
    let s2 = cell(&report, "s2-linear").stdout();
    assert_close("s2 J", &numbers_after(&s2, "Jacobian of linear layer:"), &as_matrix(&det["s2_linear_jacobian"]), 0.0);
    assert!(s2.contains("✓ Jacobian = W"), "{s2}");

    // 3. Chain rule with torch.manual_seed(42)'s W1, W2, x.
    let s3 = cell(&report, "s3-chain").stdout();
    assert_close("s3 direct", &numbers_after(&s3, "Direct Jacobian:"), &as_matrix(&rng["s3_J_direct"]), 5e-5);
    assert_close("s3 chain", &numbers_after(&s3, "Chain rule J_h @ J_g:"), &as_matrix(&rng["s3_J_chain"]), 5e-5);
    assert!(s3.contains("✓ Match!"), "{s3}");

    // 4. ReLU: z, relu(z) and the 0/1 diagonal.
    let s4 = cell(&report, "s4-relu").stdout();
    assert_close("s4 relu(z)", &numbers_after(&s4, "ReLU(z):"), &as_matrix(&det["s4_relu_z"]), 0.0);
    assert_close("s4 J", &numbers_after(&s4, "Jacobian (diagonal matrix):"), &as_matrix(&det["s4_relu_jacobian"]), 0.0);
    assert!(s4.contains("neurons [2, 4]"), "{s4}");

    // 5. Layer with ReLU: the seed claimed "Row 2 zeroed", which its own z contradicts.
    let s5 = cell(&report, "s5-layer").stdout();
    assert_close("s5 z", &numbers_after(&s5, "Pre-activation z:"), &as_matrix(&det["s5_preactivation"]), 1e-6);
    assert_close("s5 J", &numbers_after(&s5, "Jacobian:"), &as_matrix(&det["s5_jacobian"]), 0.0);
    assert!(s5.contains("No row zeroed") && !s5.contains("Row 2 zeroed"), "{s5}");
    assert!(s5.contains("J_σ·W matches autodiff: true"), "{s5}");
    let dead = cell(&report, "s5-dead").stdout();
    assert!(dead.contains("Zero rows of J (dead neurons): [2]"), "{dead}");

    // 6. SimpleNet with PyTorch's initial weights: ∂L/∂x by backprop and by 2·y·J.
    let s6 = cell(&report, "s6-backprop").stdout();
    assert_close("s6 y", &numbers_after(&s6, "y = "), &as_matrix(&rng["s6_y"]), 1e-6);
    assert_close("s6 ∂L/∂x", &numbers_after(&s6, "∂L/∂x = "), &as_matrix(&rng["s6_grad_x"]), 1e-6);
    assert_close("s6 manual", &numbers_after(&s6, "Manual:  "), &as_matrix(&rng["s6_grad_manual"]), 1e-6);
    assert!(s6.contains("✓ backprop vs 2·y·J"), "{s6}");

    // 7. Composing transforms: hessian(f) = jacfwd(jacrev(f)) on the real kernel, with the
    // closed form H = [[−x₀ sin x₀ + 2 cos x₀, cos x₁, cos x₂], [cos x₁, 2x₂ − x₀ sin x₁, 2x₁],
    // [cos x₂, 2x₁, −x₀ sin x₂]] of f = x₀·Σ sin xᵢ + x₁² x₂ at (0.5, −1.2, 0.8).
    let s7 = cell(&report, "s7-compose").stdout();
    let (a, b, c) = (0.5f64, -1.2f64, 0.8f64);
    let closed = vec![
        vec![-a * a.sin() + 2.0 * a.cos(), b.cos(), c.cos()],
        vec![b.cos(), 2.0 * c - a * b.sin(), 2.0 * b],
        vec![c.cos(), 2.0 * b, -a * c.sin()],
    ];
    assert_close("s7 hessian", &numbers_after(&s7, "hessian(f):"), &closed, 1e-4);
    assert_close("s7 jacfwd(jacrev)", &numbers_after(&s7, "jacfwd(jacrev(f)):"), &closed, 1e-4);
    assert!(s7.contains("✓ hessian(f) = jacfwd(jacrev(f))"), "{s7}");
    let two = cell(&report, "s7-two-inputs").stdout();
    assert_close("s7 ∂/∂x", &numbers_after(&two, "∂(Wx)/∂x = W:"), &[vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]], 0.0);
    assert!(two.contains("∂(Wx)/∂W has shape [3, 3, 2]"), "{two}");
    assert_close("s7 ∂y1/∂W", &numbers_after(&two, "row 1 holds xᵀ:"), &[vec![1.0, -1.0], vec![0.0, 0.0], vec![0.0, 0.0]], 0.0);
    assert!(two.contains("v = (1, 1): [6.0, -6.0]"), "{two}");

    // The exercises, as shipped, are untouched scaffolds.
    for id in ["ex1", "ex2", "ex3", "ex4"] {
        let text = cell(&report, id).text().to_lowercase();
        assert!(text.contains("not attempted"), "{id}: {text}");
    }
}
