//! Finding a kernel spec by name, the way Jupyter does, and turning it into a command.
//!
//! Search order (first match wins, names compared case-insensitively), following
//! `jupyter_core.paths.jupyter_path()`; each entry is a data directory whose
//! `kernels/<name>/kernel.json` is looked for:
//!
//! 0. directories passed in [`crate::Options::jupyter_path`] (`--jupyter-path`);
//! 1. every entry of `$JUPYTER_PATH` (`:`-separated);
//! 2. the user data directory: `$JUPYTER_DATA_DIR`, else `$XDG_DATA_HOME/jupyter`,
//!    else `~/.local/share/jupyter` (`~/Library/Jupyter` on macOS);
//! 3. environment prefixes: `$VIRTUAL_ENV/share/jupyter`, `$CONDA_PREFIX/share/jupyter`,
//!    and `.venv/share/jupyter` in the notebook's folder or any ancestor of it
//!    (where this repo installs JupyterLab);
//! 4. system directories: `/usr/local/share/jupyter`, `/usr/share/jupyter`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jupyter_protocol::JupyterKernelspec;
use jupyter_zmq_client::KernelspecDir;

use crate::{Error, Result};

/// A kernel spec found on disk.
#[derive(Debug, Clone)]
pub struct KernelSpec {
    /// The spec's name (its directory name).
    pub name: String,
    /// The spec directory (holding `kernel.json`); `{resource_dir}` in argv expands to it.
    pub dir: PathBuf,
    /// The parsed `kernel.json`.
    pub spec: JupyterKernelspec,
}

fn push_unique(dirs: &mut Vec<PathBuf>, dir: PathBuf) {
    if !dir.as_os_str().is_empty() && !dirs.contains(&dir) {
        dirs.push(dir);
    }
}

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn user_data_dir() -> Option<PathBuf> {
    if let Some(dir) = env_path("JUPYTER_DATA_DIR") {
        return Some(dir);
    }
    let home = env_path("HOME");
    if cfg!(target_os = "macos") {
        return home.map(|h| h.join("Library/Jupyter"));
    }
    if let Some(xdg) = env_path("XDG_DATA_HOME") {
        return Some(xdg.join("jupyter"));
    }
    home.map(|h| h.join(".local/share/jupyter"))
}

/// The Jupyter data directories searched for `kernels/<name>/kernel.json`, in order.
///
/// `extra` come first; `near` is where to start looking upwards for a `.venv`
/// (normally the notebook's folder).
pub fn data_dirs(extra: &[PathBuf], near: Option<&Path>) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for dir in extra {
        push_unique(&mut dirs, dir.clone());
    }
    if let Some(paths) = std::env::var_os("JUPYTER_PATH") {
        for p in std::env::split_paths(&paths) {
            push_unique(&mut dirs, p);
        }
    }
    if let Some(user) = user_data_dir() {
        push_unique(&mut dirs, user);
    }
    for var in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
        if let Some(prefix) = env_path(var) {
            push_unique(&mut dirs, prefix.join("share/jupyter"));
        }
    }
    if let Some(start) = near.and_then(|p| p.canonicalize().ok()) {
        for ancestor in start.ancestors() {
            let venv = ancestor.join(".venv/share/jupyter");
            if venv.is_dir() {
                push_unique(&mut dirs, venv);
                break;
            }
        }
    }
    push_unique(&mut dirs, PathBuf::from("/usr/local/share/jupyter"));
    push_unique(&mut dirs, PathBuf::from("/usr/share/jupyter"));
    dirs
}

/// Names of the kernel specs (folders with a `kernel.json`) under `data_dir/kernels`.
fn names_in(data_dir: &Path) -> Vec<(String, PathBuf)> {
    let mut names = Vec::new();
    let Ok(entries) = std::fs::read_dir(data_dir.join("kernels")) else {
        return names;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.join("kernel.json").is_file() {
            if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
                names.push((name.to_string(), path));
            }
        }
    }
    names.sort();
    names
}

/// Find the kernel spec called `name` in [`data_dirs`].
///
/// On failure the error lists every directory searched and every kernel found.
pub fn find(name: &str, extra: &[PathBuf], near: Option<&Path>) -> Result<KernelSpec> {
    let dirs = data_dirs(extra, near);
    let mut available = Vec::new();
    for data_dir in &dirs {
        for (found, dir) in names_in(data_dir) {
            if found.eq_ignore_ascii_case(name) {
                return load(&found, &dir);
            }
            if !available.contains(&found) {
                available.push(found);
            }
        }
    }
    Err(Error::KernelNotFound {
        name: name.to_string(),
        searched: dirs.iter().map(|d| d.join("kernels")).collect(),
        available,
    })
}

/// Read and check `dir/kernel.json`.
pub fn load(name: &str, dir: &Path) -> Result<KernelSpec> {
    let path = dir.join("kernel.json");
    let text =
        std::fs::read_to_string(&path).map_err(|e| Error::io("read kernel spec", &path, e))?;
    let spec: JupyterKernelspec =
        serde_json::from_str(&text).map_err(|e| Error::BadKernelSpec {
            path: path.clone(),
            reason: format!("not a valid kernel.json: {e}"),
        })?;
    if spec.argv.is_empty() {
        return Err(Error::BadKernelSpec {
            path,
            reason: "argv is empty".to_string(),
        });
    }
    Ok(KernelSpec {
        name: name.to_string(),
        dir: dir.to_path_buf(),
        spec,
    })
}

/// Expand `${VAR}` references from the current environment, as jupyter_client does
/// for `env` values (unknown variables are left as written).
fn expand_env(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                let var = &after[..end];
                match std::env::var(var) {
                    Ok(v) => out.push_str(&v),
                    Err(_) => out.push_str(&rest[start..start + 2 + end + 1]),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

impl KernelSpec {
    /// The spec with `{resource_dir}` expanded in argv and `${VAR}` expanded in env,
    /// ready for [`KernelspecDir::command`] (which substitutes `{connection_file}`).
    pub(crate) fn to_kernelspec_dir(&self) -> KernelspecDir {
        let resource_dir = self.dir.to_string_lossy();
        let mut spec = self.spec.clone();
        spec.argv = spec
            .argv
            .iter()
            .map(|a| a.replace("{resource_dir}", &resource_dir))
            .collect();
        spec.env = spec.env.map(|env| {
            env.into_iter()
                .map(|(k, v)| (k, expand_env(&v)))
                .collect::<HashMap<_, _>>()
        });
        KernelspecDir {
            kernel_name: self.name.clone(),
            path: self.dir.clone(),
            kernelspec: spec,
        }
    }

    /// The program the spec runs (argv\[0\]).
    pub fn program(&self) -> &str {
        self.spec.argv.first().map(String::as_str).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_known_env_vars_only() {
        std::env::set_var("NBRUN_TEST_VAR", "x");
        assert_eq!(expand_env("a${NBRUN_TEST_VAR}b"), "axb");
        assert_eq!(
            expand_env("${NBRUN_SURELY_UNSET_VAR}/p"),
            "${NBRUN_SURELY_UNSET_VAR}/p"
        );
        assert_eq!(expand_env("${unterminated"), "${unterminated");
    }

    #[test]
    fn loads_a_spec_and_rejects_empty_argv() {
        let dir = tempfile::tempdir().unwrap();
        let k = dir.path().join("kernels/demo");
        std::fs::create_dir_all(&k).unwrap();
        std::fs::write(
            k.join("kernel.json"),
            r#"{"argv":["prog","--f","{connection_file}","{resource_dir}"],"display_name":"D","language":"rust"}"#,
        )
        .unwrap();
        let spec = load("demo", &k).unwrap();
        let d = spec.to_kernelspec_dir();
        assert_eq!(d.kernelspec.argv[3], k.to_string_lossy());
        std::fs::write(
            k.join("kernel.json"),
            r#"{"argv":[],"display_name":"D","language":"rust"}"#,
        )
        .unwrap();
        assert!(matches!(load("demo", &k), Err(Error::BadKernelSpec { .. })));
    }
}
