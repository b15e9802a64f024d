//! What the warm kernel was built from: when none of it changed, set-up step 4 has nothing to
//! do. The hash is the one the shell script computed (`find … | sort -z | xargs -0 sha256sum |
//! sha256sum`), so a checkout warmed by the script stays warm.
use std::path::{Path, PathBuf};

use ring::digest::{digest, Context, SHA256};

/// The files and folders whose contents the kernel's build depends on.
const INPUTS: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    "kernel-config",
    "crates/jacobian",
    "crates/heatmap",
    "crates/course",
];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of `bytes`, in hex.
pub fn hex_sha256(bytes: &[u8]) -> String {
    hex(digest(&SHA256, bytes).as_ref())
}

/// Not part of what the kernel builds: the kernel provisioner is Python that runs in JupyterLab's
/// process (and Python writes `__pycache__`, pip `*.egg-info`, into it), installed by step 2.
const NOT_INPUTS: &[&str] = &["kernel-config/provisioner"];

/// Every regular file under `path` (not following links), except tests and benches.
fn collect(repo: &Path, rel: PathBuf, out: &mut Vec<PathBuf>) {
    if NOT_INPUTS.iter().any(|n| rel == Path::new(n)) {
        return;
    }
    let Ok(meta) = std::fs::symlink_metadata(repo.join(&rel)) else {
        return;
    };
    if meta.is_file() {
        let s = rel.to_string_lossy();
        if !s.contains("/tests/") && !s.contains("/benches/") {
            out.push(rel);
        }
    } else if meta.is_dir() {
        if let Ok(entries) = std::fs::read_dir(repo.join(&rel)) {
            for e in entries.flatten() {
                collect(repo, rel.join(e.file_name()), out);
            }
        }
    }
}

/// What a system-wide install's shared build depends on (`./course install-system`): the crates
/// and the two kernel files that change what cargo builds (evcxr's init with its `:dep`, the
/// cell profile). The launcher and watcher scripts can change without a new build.
pub const BUILD_INPUTS: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    "kernel-config/cargo-config.toml",
    "kernel-config/init.evcxr.in",
    "crates/jacobian",
    "crates/heatmap",
    "crates/course",
];

/// SHA-256 over `sha256sum`'s lines (`<hex>  <path>`) for the inputs, in byte order of path.
pub fn warm_inputs_hash(repo: &Path) -> std::io::Result<String> {
    hash_of(repo, INPUTS)
}

/// The same hash over other inputs (files or folders, relative to `repo`).
pub fn hash_of(repo: &Path, inputs: &[&str]) -> std::io::Result<String> {
    let mut files = Vec::new();
    for input in inputs {
        collect(repo, PathBuf::from(input), &mut files);
    }
    files.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    let mut all = Context::new(&SHA256);
    for rel in files {
        let bytes = std::fs::read(repo.join(&rel))?;
        let line = format!(
            "{}  {}\n",
            hex(digest(&SHA256, &bytes).as_ref()),
            rel.display()
        );
        all.update(line.as_bytes());
    }
    Ok(hex(all.finish().as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_sha256sum_of_sha256sum_lines() {
        // `printf 'a' | sha256sum`
        assert_eq!(
            hex(digest(&SHA256, b"a").as_ref()),
            "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
        );
        let h = warm_inputs_hash(&crate::repo_root()).unwrap();
        assert_eq!(h.len(), 64);
        assert_eq!(h, warm_inputs_hash(&crate::repo_root()).unwrap());
    }

    /// The pipeline of the former shell script, so that its stamps stay valid.
    #[test]
    fn hash_equals_the_shell_pipeline() {
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(
                "find Cargo.toml Cargo.lock kernel-config crates/jacobian crates/heatmap crates/course \\
                   -type f -not -path '*/tests/*' -not -path '*/benches/*' \\
                   -not -path 'kernel-config/provisioner/*' -print0 \\
                 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1",
            )
            .current_dir(crate::repo_root())
            .output()
            .expect("bash runs");
        let shell = String::from_utf8(out.stdout).unwrap();
        assert_eq!(shell.trim(), warm_inputs_hash(&crate::repo_root()).unwrap());
    }
}
