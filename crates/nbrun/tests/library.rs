//! The library API (`run_notebook` / `execute_notebook`), as other crates' tests use it.

use std::path::Path;
use std::time::Duration;

use nbrun::{CellStatus, Error, Options};

mod common;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn options(out: &Path) -> Options {
    Options {
        timeout_per_cell: Duration::from_secs(120),
        kernel: Some(common::KERNEL.to_string()),
        jupyter_path: vec![common::evcxr_data_dir().to_path_buf()],
        output: Some(out.join("executed.ipynb")),
        ..Options::default()
    }
}

#[test]
fn run_notebook_reports_outputs_and_errors() {
    let out = tempfile::tempdir().unwrap();

    let report = nbrun::run_notebook(&fixture("ok.ipynb"), &options(out.path()))
        .unwrap_or_else(|e| panic!("ok.ipynb failed: {e}"));
    assert_eq!(report.exit_code(), 0);
    assert_eq!(report.kernel_name, common::KERNEL);
    assert!(report.startup > Duration::ZERO);
    let hello = report.cell("hello").unwrap();
    assert_eq!(hello.status, CellStatus::Ok);
    assert_eq!(hello.stdout(), "hello from nbrun\n");
    assert_eq!(hello.stderr(), "a harmless line on stderr\n");
    let use_x = report.cell("use-x").unwrap();
    assert_eq!(use_x.text(), "42");
    assert_eq!(use_x.execution_count, Some(4), "evcxr counts from 2");
    let rich = report.cell("rich-html").unwrap();
    assert_eq!(rich.mime_types(), ["text/html"]);
    assert_eq!(
        rich.data("text/html").unwrap().trim_end(),
        "<b>bold</b> ünïcödé"
    );
    assert_eq!(report.cell("empty").unwrap().status, CellStatus::Skipped);
    assert_eq!(
        report.output_path.as_deref(),
        Some(out.path().join("executed.ipynb").as_path())
    );
    let language = report.notebook.metadata.language_info.as_ref().unwrap();
    assert_eq!(
        language.name, "Rust",
        "language_info comes from kernel_info_reply"
    );

    // A failing notebook: Err names the cell and quotes its source.
    let err = nbrun::run_notebook(&fixture("compile_error.ipynb"), &options(out.path()))
        .expect_err("compile error must fail");
    match &err {
        Error::CellFailed {
            cell,
            source,
            message,
        } => {
            assert_eq!(cell.index, 2);
            assert_eq!(cell.id, "compile-err");
            assert_eq!(source, "let b: i32 = undefined_variable + a;");
            assert!(message.contains("undefined_variable"), "{message}");
        }
        other => panic!("expected CellFailed, got {other:?}"),
    }
    assert_eq!(err.exit_code(), 1);
}
