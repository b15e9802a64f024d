//! Shared by the integration tests: a Jupyter data dir with a kernel spec for the
//! installed evcxr_jupyter (tests FAIL, with install instructions, if it is missing).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

/// The installed evcxr_jupyter: `$EVCXR_JUPYTER`, else `PATH`, else `~/.cargo/bin`.
pub fn evcxr_jupyter() -> PathBuf {
    if let Some(p) = std::env::var_os("EVCXR_JUPYTER") {
        return PathBuf::from(p);
    }
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("evcxr_jupyter"))
                .collect()
        })
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join(".cargo/bin/evcxr_jupyter"));
    }
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "evcxr_jupyter is not installed, and these tests need the real kernel.\n\
             Install it with `cargo install --locked evcxr_jupyter` (or run the repo's setup \
             script), or set EVCXR_JUPYTER=/path/to/evcxr_jupyter."
            )
        })
}

pub fn write_spec(root: &Path, name: &str, spec: Value) {
    let dir = root.join("kernels").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("kernel.json"), spec.to_string()).unwrap();
}

/// Name of the test kernel spec.
pub const KERNEL: &str = "nbrun-rust";

/// A Jupyter data dir holding a [`KERNEL`] spec for the real evcxr_jupyter.
pub fn evcxr_data_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let evcxr = evcxr_jupyter();
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("evcxr-config");
        std::fs::create_dir_all(&config).unwrap();
        write_spec(
            dir.path(),
            KERNEL,
            serde_json::json!({
                "argv": [evcxr, "--control_file", "{connection_file}"],
                "display_name": "Rust (nbrun tests)",
                "language": "rust",
                "interrupt_mode": "message",
                "env": {"EVCXR_CONFIG_DIR": config}
            }),
        );
        dir
    })
    .path()
}
