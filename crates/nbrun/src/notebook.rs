//! Reading and checking an `.ipynb` (nbformat 4 only) and writing files atomically.

use std::io::Write;
use std::path::Path;

use nbformat::v4;

use crate::{Error, Result};

/// Read `path` as an nbformat 4 notebook.
///
/// nbformat 4.0–4.4 files are upgraded to 4.5 (cell ids added); 4.5 files with
/// missing cell ids are repaired. Anything else — not JSON, not a notebook,
/// nbformat 3 or 5+ — is an error that says what was found.
pub fn read_notebook(path: &Path) -> Result<v4::Notebook> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("read notebook", path, e))?;
    parse_notebook(path, &text)
}

/// Parse notebook JSON; `path` is only used in messages.
pub fn parse_notebook(path: &Path, text: &str) -> Result<v4::Notebook> {
    let invalid = |reason: String| Error::InvalidNotebook {
        path: path.to_path_buf(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| invalid(format!("not valid JSON ({e})")))?;
    let Some(object) = value.as_object() else {
        return Err(invalid("the top level is not a JSON object".to_string()));
    };
    let major = match object.get("nbformat") {
        Some(v) => v
            .as_i64()
            .ok_or_else(|| invalid(format!("\"nbformat\" is {v}, not an integer")))?,
        None => return Err(invalid("it has no \"nbformat\" field".to_string())),
    };
    let minor = object
        .get("nbformat_minor")
        .and_then(|v| v.as_i64())
        .unwrap_or(0);
    if major != 4 || !(0..=5).contains(&minor) {
        return Err(Error::UnsupportedNotebookVersion {
            path: path.to_path_buf(),
            major,
            minor,
        });
    }
    if !object.get("cells").is_some_and(|c| c.is_array()) {
        return Err(invalid("it has no \"cells\" array".to_string()));
    }
    let parsed = nbformat::parse_notebook(text).map_err(|e| invalid(e.to_string()))?;
    match parsed {
        nbformat::Notebook::V4(nb) => Ok(nb),
        nbformat::Notebook::V4QuirksMode(quirks) => Ok(quirks.repair()),
        nbformat::Notebook::Legacy(legacy) => {
            nbformat::upgrade_legacy_notebook(legacy).map_err(|e| invalid(e.to_string()))
        }
        nbformat::Notebook::V3(_) => Err(Error::UnsupportedNotebookVersion {
            path: path.to_path_buf(),
            major,
            minor,
        }),
        _ => Err(Error::UnsupportedNotebookVersion {
            path: path.to_path_buf(),
            major,
            minor,
        }),
    }
}

/// Serialise a notebook the way Python's nbformat writes it (sorted keys, one-space indent).
pub fn notebook_json(nb: &v4::Notebook) -> Result<String> {
    nbformat::serialize_notebook(&nbformat::Notebook::V4(nb.clone()))
        .map_err(|e| Error::Usage(format!("cannot serialise the executed notebook: {e}")))
}

/// The folder `path` will be written into (`.` for a bare file name).
fn parent_dir(path: &Path) -> std::path::PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    }
}

/// A temp file next to `path`, created like any new file: mode 0666 minus the umask
/// (tempfile's own default, 0600, would make every executed notebook private).
fn temp_file_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = parent_dir(path);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("create folder", &dir, e))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".nbrun-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // open(2) applies the umask to this mode.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder
        .tempfile_in(&dir)
        .map_err(|e| Error::io("create a temp file in", &dir, e))
}

/// Check, before a run, that `write_atomic(path, …)` will be able to write there:
/// the folder can be created and written, and `path` is not a folder.
pub fn check_writable(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(Error::io(
            "write to",
            path,
            std::io::Error::new(std::io::ErrorKind::IsADirectory, "it is a folder"),
        ));
    }
    // Creating (and dropping, which deletes) a temp file is the only reliable test:
    // permission bits do not say what root, ACLs or a read-only mount allow.
    temp_file_beside(path).map(drop)
}

/// Write `bytes` to `path` atomically: a temp file in the same folder, then rename.
/// Creates the folder if needed; keeps the permissions of an existing file, and gives a
/// new one the usual permissions (0666 minus the umask).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = temp_file_beside(path)?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| Error::io("write", tmp.path(), e))?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(tmp.path(), meta.permissions());
    }
    tmp.persist(path)
        .map_err(|e| Error::io("replace", path, e.error))?;
    Ok(())
}

/// The kernel spec name the notebook asks for.
pub fn kernel_name(nb: &v4::Notebook) -> Option<&str> {
    nb.metadata
        .kernelspec
        .as_ref()
        .map(|k| k.name.as_str())
        .filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> Error {
        parse_notebook(Path::new("x.ipynb"), text).unwrap_err()
    }

    #[test]
    fn rejects_bad_json_and_non_v4() {
        assert!(matches!(
            err("{\"cells\": ["),
            Error::InvalidNotebook { .. }
        ));
        assert!(err("{").to_string().contains("not valid JSON"));
        assert!(matches!(err("[]"), Error::InvalidNotebook { .. }));
        assert!(err("{}").to_string().contains("no \"nbformat\""));
        let v3 = r#"{"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": []}"#;
        let e = err(v3);
        assert!(matches!(
            e,
            Error::UnsupportedNotebookVersion { major: 3, .. }
        ));
        assert!(e.to_string().contains("nbformat 3.0"));
        assert_eq!(e.exit_code(), crate::error::exit_code::USAGE);
    }

    #[test]
    fn upgrades_4_4_and_repairs_missing_ids() {
        let nb44 = r#"{"nbformat": 4, "nbformat_minor": 4, "metadata": {},
            "cells": [{"cell_type": "code", "metadata": {}, "execution_count": null,
                       "source": ["1+1"], "outputs": []}]}"#;
        let nb = parse_notebook(Path::new("x"), nb44).unwrap();
        assert_eq!(nb.nbformat_minor, 5);
        assert!(!nb.cells[0].id().as_str().is_empty());
        let nb45 = nb44.replace("\"nbformat_minor\": 4", "\"nbformat_minor\": 5");
        assert_eq!(
            parse_notebook(Path::new("x"), &nb45).unwrap().cells.len(),
            1
        );
    }

    #[test]
    fn atomic_write_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/out.ipynb");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(
            std::fs::read_dir(dir.path().join("sub")).unwrap().count(),
            1
        );
    }

    /// The process umask, read without changing it (umask(2) would race other threads).
    #[cfg(target_os = "linux")]
    fn current_umask() -> u32 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("Umask:")).unwrap();
        u32::from_str_radix(line["Umask:".len()..].trim(), 8).unwrap()
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn new_files_get_the_usual_permissions_and_existing_ones_keep_theirs() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.ipynb");
        write_atomic(&p, b"one").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o666 & !current_umask(), "new file mode {mode:o}");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&p, b"two").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[test]
    fn unwritable_destinations_are_found_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the notebook should go.
        let e = check_writable(dir.path()).unwrap_err();
        assert_eq!(e.exit_code(), crate::error::exit_code::USAGE);
        assert!(e.to_string().contains("folder"), "{e}");
        // A parent that is a file, so the folder cannot be created.
        let file = dir.path().join("plain-file");
        std::fs::write(&file, b"x").unwrap();
        let e = check_writable(&file.join("out.ipynb")).unwrap_err();
        assert!(e.to_string().contains("plain-file"), "{e}");
        // A good destination leaves nothing behind.
        check_writable(&dir.path().join("new/out.ipynb")).unwrap();
        assert_eq!(std::fs::read_dir(dir.path().join("new")).unwrap().count(), 0);
    }
}
