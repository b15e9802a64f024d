//! Running commands the way the course's shell script did: a bold `==>` line per step, each
//! command's own output passed through, the first failure ending the run with its exit code.
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Why the tool stops: the exit code to leave with, and what to say (a failed command has
/// already said it).
#[derive(Debug)]
pub struct Failed {
    pub code: i32,
    pub message: Option<String>,
}

pub type Result<T> = std::result::Result<T, Failed>;

/// Stop with exit code 1 and this message.
pub fn fail(message: impl Into<String>) -> Failed {
    Failed {
        code: 1,
        message: Some(message.into()),
    }
}

/// Stop with this exit code, without a message (the command printed its own).
pub fn exit(code: i32) -> Failed {
    Failed {
        code,
        message: None,
    }
}

/// A set-up step's heading on stderr, in bold.
pub fn step(what: &str) {
    eprintln!("\n\x1b[1m==> {what}\x1b[0m");
}

/// Whole seconds since `start`, as the script printed them (`42s`).
pub fn elapsed(start: Instant) -> String {
    format!("{}s", start.elapsed().as_secs())
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Run a command with inherited stdio; a non-zero exit stops the tool with the same code.
pub fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .map_err(|e| fail(format!("cannot run `{}`: {e}", describe(cmd))))?;
    match status.code() {
        Some(0) => Ok(()),
        Some(code) => Err(exit(code)),
        None => Err(fail(format!("`{}` was killed by a signal", describe(cmd)))),
    }
}

/// A command's stdout, when it runs and succeeds.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.stderr(std::process::Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Replace this process with `cmd` (as the script's `exec`); returns only on failure.
pub fn exec(mut cmd: Command) -> Failed {
    use std::os::unix::process::CommandExt;
    let err = cmd.exec();
    fail(format!("cannot start `{}`: {err}", describe(&cmd)))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `command -v NAME`: the first executable file of that name on PATH.
pub fn which(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

/// `[[ -x DIR/NAME ]]`.
pub fn which_in(dir: &Path, name: &str) -> bool {
    is_executable(&dir.join(name))
}

/// True when both files exist and hold the same bytes (`cmp -s`).
pub fn same_file_contents(a: &Path, b: &Path) -> bool {
    match (std::fs::read(a), std::fs::read(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Create a folder and its parents, or stop saying which.
pub fn mkdir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))
}

/// Write a file, or stop saying which.
pub fn write(path: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
    std::fs::write(path, contents)
        .map_err(|e| fail(format!("cannot write {}: {e}", path.display())))
}

/// Copy a file, or stop saying which.
pub fn copy(from: &Path, to: &Path) -> Result<()> {
    std::fs::copy(from, to).map(drop).map_err(|e| {
        fail(format!(
            "cannot copy {} to {}: {e}",
            from.display(),
            to.display()
        ))
    })
}

/// Read a text file, or stop saying which.
pub fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read {}: {e}", path.display())))
}
