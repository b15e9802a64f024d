//! The data flows one way: spec → layout → draw → output. Each module of `src/` may use only
//! the modules listed before it here, so none imports back up (no `render` reading `Heatmap`
//! back, no `Heatmap` calling into `render`).

use std::path::Path;

/// Every module, in the order data flows through them.
const FLOW: &[&str] = &[
    // leaves
    "error",
    "colormap",
    "matrix",
    "format",
    "font",
    // the spec
    "heatmap",
    "figure",
    // positions
    "layout",
    // shapes
    "scene",
    "draw",
    // encodings
    "raster",
    "svg",
    "rasterise",
    "text",
    // the public rendering methods
    "output",
    "picture",
];

/// The crate modules `source` refers to: `crate::name` and `crate::{a, b::c}`.
fn uses(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in source.match_indices("crate::") {
        let rest = &source[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            found.extend(group.split(',').map(|item| head(item.trim())));
        } else {
            found.push(head(rest));
        }
    }
    found
}

fn head(path: &str) -> String {
    path.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Each module's name and the sources that make it up: `src/x.rs`, or every file of `src/x/`.
fn modules() -> Vec<(String, Vec<String>)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&src).expect("src/") {
        let path = entry.expect("entry").path();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string();
        let files = if path.is_dir() {
            std::fs::read_dir(&path)
                .expect("module folder")
                .map(|e| e.expect("entry").path())
                .collect()
        } else {
            vec![path]
        };
        let sources = files
            .iter()
            .map(|f| std::fs::read_to_string(f).expect("source"))
            .collect();
        if name != "lib" {
            found.push((name, sources));
        }
    }
    found
}

#[test]
fn no_module_imports_back_up() {
    let mut listed = 0;
    let mut wrong = Vec::new();
    for (name, sources) in modules() {
        let Some(rank) = FLOW.iter().position(|m| *m == name) else {
            panic!("src/{name} is not in FLOW: place it where its data comes from");
        };
        listed += 1;
        for used in sources.iter().flat_map(|s| uses(s)) {
            if let Some(r) = FLOW.iter().position(|m| *m == used) {
                if r >= rank && used != name {
                    wrong.push(format!("{name} uses {used}, which comes after it"));
                }
            }
        }
    }
    assert_eq!(listed, FLOW.len(), "a module in FLOW has no file");
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn the_check_sees_imports() {
    let found = uses("use crate::layout::{self, Panel};\nuse crate::{draw, svg::x};\nfn f() { crate::text::text(); }");
    assert_eq!(found, ["layout", "draw", "svg", "text"]);
}
