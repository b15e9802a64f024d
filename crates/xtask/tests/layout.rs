//! The README's "What is where" names every part of the tree, and the docs cite files that exist.
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The first path component of every file git tracks (the tree as committed).
fn tracked_top_level() -> Vec<String> {
    let out = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(repo())
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git ls-files failed");
    let mut tops: Vec<String> = String::from_utf8(out.stdout)
        .expect("UTF-8 paths")
        .split('\0')
        .filter(|p| p.contains('/'))
        .map(|p| p.split('/').next().unwrap().to_string())
        .collect();
    tops.sort();
    tops.dedup();
    tops
}

fn what_is_where() -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let start = readme
        .find("## What is where")
        .expect("a 'What is where' section");
    let rest = &readme[start..];
    let end = rest[3..].find("\n#").map_or(rest.len(), |i| i + 3);
    rest[..end].to_string()
}

#[test]
fn what_is_where_names_every_folder_and_crate() {
    let table = what_is_where();
    for top in tracked_top_level() {
        if top == "crates" {
            continue;
        }
        assert!(
            table.contains(&format!("`{top}/")) || table.contains(&format!("`{top}`")),
            "README's What is where does not name {top}/"
        );
    }
    for entry in std::fs::read_dir(repo().join("crates")).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().join("Cargo.toml").is_file() {
            assert!(
                table.contains(&format!("`crates/{name}`")),
                "README's What is where does not name crates/{name}"
            );
        }
    }
    for path in ["course", "docs/DESIGN.md", "CONTRIBUTING.md", ".ci/run"] {
        assert!(repo().join(path).exists(), "{path} is named but missing");
        assert!(
            table.contains(&format!("`{path}`")),
            "README's What is where does not name {path}"
        );
    }
}

#[test]
fn no_file_cites_a_design_md_outside_docs() {
    let out = Command::new("git")
        .args([
            "grep",
            "-n",
            "-I",
            "DESIGN.md",
            "--",
            ".",
            ":!crates/xtask/tests/layout.rs",
        ])
        .current_dir(repo())
        .output()
        .expect("git runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let stray: Vec<&str> = text
        .lines()
        .filter(|l| l.matches("DESIGN.md").count() > l.matches("docs/DESIGN.md").count())
        .filter(|l| !l.starts_with("docs/DESIGN.md:"))
        .collect();
    assert!(
        stray.is_empty(),
        "citations of a DESIGN.md that is not docs/DESIGN.md:\n{}",
        stray.join("\n")
    );
}
