//! Runs the `seed_heatmaps` example's rendering, so `cargo test` keeps it
//! working, and checks that the pictures committed under `docs/` are current.

#[allow(dead_code)]
#[path = "../examples/seed_heatmaps.rs"]
mod seed_heatmaps;

use std::path::Path;

#[test]
fn example_renders_every_seed() -> heatmap::Result<()> {
    let dir = std::env::temp_dir().join(format!("heatmap-example-{}", std::process::id()));
    let written = seed_heatmaps::render_all(&dir)?;
    assert_eq!(written.len(), 2 * seed_heatmaps::seeds().len());
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut stale = Vec::new();
    for path in &written {
        let bytes = std::fs::read(path).expect("written file");
        assert!(bytes.len() > 500, "{}", path.display());
        let name = path.file_name().expect("file name");
        if std::fs::read(docs.join(name)).ok().as_deref() != Some(&bytes[..]) {
            stale.push(name.to_string_lossy().into_owned());
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        stale.is_empty(),
        "docs/ pictures are stale: {stale:?}; regenerate them with \
         `cargo run -p heatmap --example seed_heatmaps -- crates/heatmap/docs`"
    );
    Ok(())
}
