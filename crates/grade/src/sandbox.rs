//! The sandbox each submission's kernel runs in: Debian's bubblewrap for what it may see, a
//! cgroup for how much memory and how many processes it may use, and a network namespace of
//! its own (see [`worker_command`]).
//!
//! What the kernel sees (everything else does not exist for it):
//! - read-only: the system (`/usr`, `/lib`, the few files of `/etc` a toolchain needs), the Rust toolchain, evcxr, the course's crate
//!   sources, its Cargo.lock, the kernel's evcxr config and the registry sources of the kernel's
//!   Cargo home;
//! - read-write: one private folder per submission, holding its HOME, TMPDIR, evcxr's tmpdir (a
//!   copy of a built kernel slot, so nothing of the course is compiled again) and the writable
//!   top of the Cargo home;
//! - the Jupyter connection file, read-only;
//! - its own `/proc` (PID namespace: it cannot see or signal the grader or other kernels),
//!   `/dev` and `/tmp`; no capabilities (`--cap-drop ALL`: bubblewrap run by root keeps them
//!   otherwise), and `--die-with-parent`.
//!
//! What it does not protect against: a kernel exploit (bubblewrap shares the host kernel), CPU
//! time beyond the per-cell and per-submission timeouts (no CPU quota), disk filled inside the
//! private folder (no quota; it is deleted after the submission), and code in the same process
//! as the grader's check reading the check's nonce from evcxr's own files before printing a
//! forged record (a learner able to do that can also compute the answer).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::Error;

/// What the course kernel needs, read from its installed kernel spec (written by `./course setup`).
#[derive(Debug, Clone)]
pub struct CourseKernel {
    /// The checkout the kernel was set up from (`metadata.jacobian_course_checkout`).
    pub repo: PathBuf,
    /// `JACOBIAN_COURSE_STATE`: `target/kernel` of that checkout.
    pub state: PathBuf,
    /// `EVCXR_CONFIG_DIR`: the folder with `init.evcxr`.
    pub evcxr_config: PathBuf,
    /// The `evcxr_jupyter` binary.
    pub evcxr: PathBuf,
    /// The folder with cargo and rustc (rustup's proxies).
    pub cargo_bin: PathBuf,
    /// rustup's home, where the toolchains are.
    pub rustup_home: PathBuf,
    /// A built evcxr tmpdir slot (`target/kernel/evcxr-tmp/slot-N`) to copy.
    pub built_slot: PathBuf,
    /// The spec's environment, passed on to the kernel.
    pub env: Vec<(String, String)>,
}

impl CourseKernel {
    /// Finds kernel spec `name` (as nbrun does, looking near `near` too) and checks that it is a
    /// set-up course kernel. `Error::Setup` says what is missing and to run `./course setup`.
    pub fn find(name: &str, jupyter_path: &[PathBuf], near: Option<&Path>) -> Result<CourseKernel, Error> {
        let setup = |why: String| Error::Setup(format!("{why}; run `./course setup` in the course checkout first"));
        let spec = nbrun::kernelspec::find(name, jupyter_path, near).map_err(|e| setup(e.to_string()))?;
        let env: Vec<(String, String)> =
            spec.spec.env.clone().unwrap_or_default().into_iter().collect();
        let var = |key: &str| {
            env.iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| PathBuf::from(v))
                .ok_or_else(|| setup(format!("kernel spec `{name}` ({}) has no {key}: not the course kernel", spec.dir.display())))
        };
        let state = var("JACOBIAN_COURSE_STATE")?;
        let evcxr_config = var("EVCXR_CONFIG_DIR")?;
        let evcxr = var("JACOBIAN_COURSE_EVCXR")?;
        let cargo_bin = var("JACOBIAN_COURSE_CARGO_BIN")?;
        let repo = spec
            .spec
            .metadata
            .as_ref()
            .and_then(|m| m.get("jacobian_course_checkout"))
            .and_then(|v| v.as_str())
            .map(PathBuf::from)
            .ok_or_else(|| setup(format!("kernel spec `{name}` names no jacobian_course_checkout")))?;
        let rustup_home = std::env::var_os("RUSTUP_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".rustup")))
            .filter(|p| p.is_dir())
            .ok_or_else(|| setup("cannot find rustup's home (set RUSTUP_HOME)".into()))?;
        let fetched = state.join("cargo-home/fetched.Cargo.lock");
        if std::fs::read(&fetched).ok() != std::fs::read(repo.join("Cargo.lock")).ok() {
            return Err(setup(format!(
                "the kernel's crates ({}) are not those of {}/Cargo.lock (the checkout changed since set-up)",
                fetched.display(),
                repo.display()
            )));
        }
        let built_slot = built_slot(&state).ok_or_else(|| setup(format!("no built kernel slot under {}/evcxr-tmp", state.display())))?;
        Ok(CourseKernel { repo, state, evcxr_config, evcxr, cargo_bin, rustup_home, built_slot, env })
    }
}

/// The first slot whose `target` holds a build.
fn built_slot(state: &Path) -> Option<PathBuf> {
    let mut slots: Vec<PathBuf> = fs::read_dir(state.join("evcxr-tmp"))
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("slot-")))
        .filter(|p| p.join("target").is_dir())
        .collect();
    slots.sort();
    slots.into_iter().next()
}

/// The bubblewrap binary, or `Error::Setup` with how to install it.
pub fn bwrap() -> Result<PathBuf, Error> {
    find_in_path("bwrap").ok_or_else(|| {
        Error::Setup("bubblewrap (`bwrap`) is not installed: `sudo apt-get install bubblewrap` (Debian/Ubuntu)".into())
    })
}

fn find_in_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(program)).find(|p| p.is_file())
}

/// Limits for one submission.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Memory of the kernel and everything it starts (cargo, rustc, the learner's code), bytes.
    pub memory_bytes: u64,
    /// Processes and threads at once (rustc and rust-analyzer use dozens of threads).
    pub processes: u32,
}

/// What the grader's `__kernel` mode needs to start one sandboxed kernel.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KernelLaunch {
    /// The bubblewrap binary.
    pub bwrap: PathBuf,
    /// bubblewrap's options (mounts, namespaces, environment), without the connection file.
    pub args: Vec<String>,
    /// `evcxr_jupyter`, as seen inside the sandbox.
    pub evcxr: PathBuf,
    /// Cgroup folders to join before starting bubblewrap.
    pub cgroups: Vec<PathBuf>,
}

/// The private folder of one submission and the kernel launch that uses it.
pub struct PrivateDir {
    /// `…/sandbox`: the only folder the kernel may write.
    pub root: PathBuf,
}

impl PrivateDir {
    /// Creates `root` with `home`, `tmp`, `cache`, `cargo-home`, and `slot` seeded from the
    /// course kernel's built slot (a copy of its `target`, about a second for 700 MB).
    pub fn create(root: &Path, kernel: &CourseKernel) -> Result<PrivateDir, Error> {
        let io = |what: &str, e: std::io::Error| Error::Io(format!("{what} {}: {e}", root.display()));
        for sub in ["home", "tmp", "cache", "cargo-home", "slot", ".cargo"] {
            fs::create_dir_all(root.join(sub)).map_err(|e| io("cannot create", e))?;
        }
        let status = Command::new("cp")
            .args(["-a", "--reflink=auto"])
            .arg(kernel.built_slot.join("target"))
            .arg(root.join("slot"))
            .status()
            .map_err(|e| io("cannot run cp for", e))?;
        if !status.success() {
            return Err(Error::Io(format!("copying the built kernel slot into {} failed ({status})", root.display())));
        }
        // Incremental caches belong to the source slot's cells.
        if let Ok(entries) = fs::read_dir(root.join("slot/target")) {
            for entry in entries.flatten() {
                let _ = fs::remove_dir_all(entry.path().join("debug/incremental"));
            }
        }
        let lock = kernel.repo.join("Cargo.lock");
        if lock.is_file() {
            fs::copy(&lock, root.join("slot/Cargo.lock")).map_err(|e| io("cannot copy Cargo.lock into", e))?;
        }
        // The cell build profile the course kernel uses (kernel-config/cargo-config.toml): cargo
        // finds it in a parent folder of the slot.
        let cargo_config = kernel.repo.join("kernel-config/cargo-config.toml");
        if cargo_config.is_file() {
            fs::copy(&cargo_config, root.join(".cargo/config.toml")).map_err(|e| io("cannot copy the cargo config into", e))?;
        }
        Ok(PrivateDir { root: root.to_path_buf() })
    }

    /// bubblewrap's options for a kernel that may write only this folder.
    pub fn bwrap_args(&self, kernel: &CourseKernel) -> Vec<String> {
        let mut a = Args::default();
        // bubblewrap started by root keeps every capability unless told otherwise; with
        // CAP_SYS_ADMIN a cell could remount the read-only course sources writable.
        a.flags(&["--cap-drop", "ALL"]);
        a.flags(&["--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]);
        a.pair("--proc", "/proc");
        a.pair("--dev", "/dev");
        a.pair("--tmpfs", "/tmp");
        // Of /etc only what the toolchain needs: the dynamic linker's cache, user names, and the
        // `cc` alternative that rustc links with. Not /etc/shadow: the kernel runs as uid 0
        // (without capabilities, but the owner of root's files).
        for system in [
            "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
            "/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
            "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/localtime", "/etc/ssl",
        ] {
            let path = Path::new(system);
            match fs::symlink_metadata(path) {
                Ok(m) if m.file_type().is_symlink() => {
                    if let Ok(target) = fs::read_link(path) {
                        a.triple("--symlink", &target, path);
                    }
                }
                Ok(_) => a.triple("--ro-bind", path, path),
                _ => {}
            }
        }
        let cargo_home = kernel.state.join("cargo-home");
        let evcxr_dir = kernel.evcxr.parent().unwrap_or(Path::new("/")).to_path_buf();
        for ro in [&kernel.rustup_home, &kernel.cargo_bin, &evcxr_dir, &kernel.evcxr_config] {
            a.triple("--ro-bind", ro, ro);
        }
        for name in ["crates", "Cargo.toml", "Cargo.lock"] {
            let path = kernel.repo.join(name);
            if path.exists() {
                a.triple("--ro-bind", &path, &path);
            }
        }
        a.triple("--bind", &self.root, &self.root);
        // Cargo writes locks and its cache index at the top of its home; the downloaded
        // sources below it stay read-only.
        a.triple("--bind", self.root.join("cargo-home"), &cargo_home);
        if cargo_home.join("registry").is_dir() {
            a.triple("--ro-bind", cargo_home.join("registry"), cargo_home.join("registry"));
        }
        a.pair("--chdir", self.root.join("home"));
        a.flags(&["--clearenv"]);
        let path = format!("{}:/usr/local/bin:/usr/bin:/bin", kernel.cargo_bin.display());
        let mut env: Vec<(String, String)> = kernel
            .env
            .iter()
            .filter(|(k, _)| !k.starts_with("JACOBIAN_COURSE_"))
            .cloned()
            .collect();
        for (k, v) in [
            ("PATH", path),
            ("HOME", self.root.join("home").display().to_string()),
            ("TMPDIR", self.root.join("tmp").display().to_string()),
            ("XDG_CACHE_HOME", self.root.join("cache").display().to_string()),
            ("EVCXR_TMPDIR", self.root.join("slot").display().to_string()),
            ("CARGO_HOME", cargo_home.display().to_string()),
            ("RUSTUP_HOME", kernel.rustup_home.display().to_string()),
            ("RUST_LIB_BACKTRACE", "0".into()),
            ("LANG", "C.UTF-8".into()),
        ] {
            env.retain(|(key, _)| key != k);
            env.push((k.to_string(), v));
        }
        if let Ok(toolchain) = std::env::var("RUSTUP_TOOLCHAIN") {
            env.push(("RUSTUP_TOOLCHAIN".into(), toolchain));
        }
        env.sort();
        for (k, v) in env {
            a.triple("--setenv", &k, &v);
        }
        a.0
    }
}

/// A builder for an argument list of paths and strings.
#[derive(Default)]
struct Args(Vec<String>);

impl Args {
    fn flags(&mut self, flags: &[&str]) {
        self.0.extend(flags.iter().map(|f| f.to_string()));
    }
    fn pair(&mut self, flag: &str, value: impl AsRef<Path>) {
        self.0.push(flag.to_string());
        self.0.push(value.as_ref().display().to_string());
    }
    fn triple(&mut self, flag: &str, a: impl AsRef<Path>, b: impl AsRef<Path>) {
        self.pair(flag, a);
        self.0.push(b.as_ref().display().to_string());
    }
}

/// The command that runs the grader's `__worker` mode for one submission in a network namespace
/// of its own: the worker and its kernel talk over that namespace's loopback, and the kernel
/// reaches no other network, no other submission's kernel and no server on the host.
pub fn worker_command(bwrap: &Path, grader: &Path, job: &Path) -> Command {
    let mut command = Command::new(bwrap);
    command
        .args(["--dev-bind", "/", "/", "--unshare-net", "--die-with-parent", "--"])
        .arg(grader)
        .arg("__worker")
        .arg(job);
    command
}

/// Starts a sandboxed kernel (the grader's `__kernel` mode): joins the cgroups, then replaces
/// this process with bubblewrap running evcxr. Returns only on failure.
pub fn exec_kernel(launch: &KernelLaunch, connection_file: &Path) -> Error {
    use std::os::unix::process::CommandExt;
    for cgroup in &launch.cgroups {
        if let Err(e) = fs::write(cgroup.join("cgroup.procs"), std::process::id().to_string()) {
            return Error::Io(format!("cannot join cgroup {}: {e}", cgroup.display()));
        }
    }
    let error = Command::new(&launch.bwrap)
        .args(&launch.args)
        .arg("--ro-bind")
        .arg(connection_file)
        .arg(connection_file)
        .arg("--")
        .arg(&launch.evcxr)
        .arg("--control_file")
        .arg(connection_file)
        .exec();
    Error::Io(format!("cannot start {}: {error}", launch.bwrap.display()))
}
