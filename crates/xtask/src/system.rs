//! `./course install-system --prefix DIR`: the course for a whole class, built once.
//!
//! Everything a learner's kernel needs goes under `DIR`, readable by every user and writable by
//! none but the installer:
//!
//! ```text
//! DIR/bin/evcxr_jupyter                     the kernel
//! DIR/toolchain/{bin,lib}                   the Rust toolchain evcxr compiles cells with (rustup's
//!                                           lives in the installer's home, which learners cannot read)
//! DIR/src/                                  the course crates, kernel-config/, notebooks/, hub/
//! DIR/state/                                the kernel's shared state: the crates of Cargo.lock
//!                                           (cargo-home/), evcxr's init, and the course crates
//!                                           compiled once (evcxr-tmp/slot-0/)
//! DIR/share/jupyter/kernels/jacobian-course the kernel spec (JUPYTER_PATH=DIR/share/jupyter)
//! ```
//!
//! A learner's kernel finds `DIR/state` read-only and keeps its own slots in
//! `~/.local/share/jacobian-course`, as symbolic links into the shared build
//! (`kernel-config/launch-kernel.sh`): about 40 MB of their home after notebook 03, and nothing
//! of the course crates compiles.
//! The same command builds the container image (`hub/Dockerfile`), so the image runs the logic
//! that `tests/hub` proves on one machine.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::kernel_files::{self, Destination, Placeholders};
use crate::setup::{self, Context};
use crate::sh::{self, Result};
use crate::{warm, KERNEL_NAME};

/// `./course install-system`.
#[derive(clap::Args)]
pub struct Args {
    /// Where the course goes (absolute; new or empty, or an earlier install). Re-running it
    /// updates the install; the course crates are compiled again only when their sources, the
    /// toolchain or evcxr changed.
    #[arg(long, value_name = "DIR")]
    prefix: PathBuf,
}

/// The folders of an install under its prefix.
struct Layout {
    prefix: PathBuf,
    src: PathBuf,
    state: PathBuf,
    toolchain: PathBuf,
    evcxr: PathBuf,
    jupyter: PathBuf,
}

impl Layout {
    fn new(prefix: PathBuf) -> Layout {
        Layout {
            src: prefix.join("src"),
            state: prefix.join("state"),
            toolchain: prefix.join("toolchain"),
            evcxr: prefix.join("bin/evcxr_jupyter"),
            jupyter: prefix.join("share/jupyter"),
            prefix,
        }
    }
}

pub fn install(ctx: &Context, args: Args) -> Result<()> {
    install_into(ctx, args.prefix)
}

/// The whole install under `prefix` (also the class test's, `hub.rs`).
pub fn install_into(ctx: &Context, prefix: PathBuf) -> Result<()> {
    if !prefix.is_absolute() {
        return Err(sh::fail(format!(
            "--prefix must be an absolute path (the kernel spec names it): got {}",
            prefix.display()
        )));
    }
    let t = Instant::now();
    let at = Layout::new(prefix);
    claim_prefix(&at.prefix)?;
    setup::install_evcxr()?;
    sh::step(&format!(
        "installing the course into {}",
        at.prefix.display()
    ));
    sh::mkdir(&at.prefix.join("bin"))?;
    let evcxr = sh::which("evcxr_jupyter")
        .ok_or_else(|| sh::fail("evcxr_jupyter is not on PATH after its install"))?;
    sh::run(Command::new("cp").arg("-f").arg(&evcxr).arg(&at.evcxr))?;
    copy_toolchain(&at.toolchain)?;
    copy_sources(&ctx.repo, &at.src)?;
    write_kernel_files(&at)?;
    build_course_crates(&at)?;
    // Readable and traversable by all, writable only by the installer.
    sh::run(
        Command::new("chmod")
            .args(["-R", "a+rX,go-w"])
            .arg(&at.prefix),
    )?;
    eprintln!(
        "installed in {}. Kernel spec: {} (point JupyterHub's single-user servers at it with \
         JUPYTER_PATH={}; hub/jupyterhub_config.py does). Notebooks: {}",
        sh::elapsed(t),
        at.jupyter.join("kernels").join(KERNEL_NAME).display(),
        at.jupyter.display(),
        at.src.join("notebooks").display()
    );
    Ok(())
}

/// The file that marks a folder as this command's: it replaces `src/` and `toolchain/` and
/// changes permissions there, so it refuses a folder with other contents (`--prefix /usr/local`
/// would lose `/usr/local/src`).
const MARKER: &str = ".jacobian-course-install";

fn claim_prefix(prefix: &Path) -> Result<()> {
    let marker = prefix.join(MARKER);
    if !marker.exists() {
        let others = std::fs::read_dir(prefix)
            .map(|mut d| d.next().is_some())
            .unwrap_or(false);
        if others {
            return Err(sh::fail(format!(
                "{} is not empty and holds no earlier install of the course ({MARKER}): choose an \
                 empty or new folder, such as /opt/jacobian-course",
                prefix.display()
            )));
        }
    }
    sh::mkdir(prefix)?;
    sh::write(
        &marker,
        "Installed by ./course install-system; running it again updates this folder.\n",
    )
}

/// The active toolchain's `bin` and `lib` (rustc, cargo, the standard library and its sources for
/// rust-analyzer); the documentation is left out. Skipped when the copy is the same version.
fn copy_toolchain(dest: &Path) -> Result<()> {
    let version = |rustc: &Path| sh::output(Command::new(rustc).arg("-vV"));
    let current = version(Path::new("rustc"));
    if current.is_some() && version(&dest.join("bin/rustc")) == current {
        eprintln!("toolchain already in {}", dest.display());
        return Ok(());
    }
    let sysroot = sh::output(Command::new("rustc").args(["--print", "sysroot"]))
        .map(|s| PathBuf::from(s.trim()))
        .ok_or_else(|| sh::fail("cannot ask rustc for its sysroot"))?;
    eprintln!(
        "copying the toolchain {} to {}",
        sysroot.display(),
        dest.display()
    );
    remove(dest)?;
    sh::mkdir(dest)?;
    sh::run(
        Command::new("cp")
            .args(["-a", "--reflink=auto"])
            .arg(sysroot.join("bin"))
            .arg(sysroot.join("lib"))
            .arg(dest),
    )
}

/// What a kernel reads from the checkout: the workspace (its manifest, lock and crates, since
/// the course crates inherit from the workspace), `kernel-config/`, the notebooks, and `hub/`
/// (the learners' server start script).
fn copy_sources(repo: &Path, dest: &Path) -> Result<()> {
    remove(dest)?;
    sh::mkdir(dest)?;
    let mut cp = Command::new("cp");
    cp.arg("-a");
    for item in [
        "Cargo.toml",
        "Cargo.lock",
        "crates",
        "kernel-config",
        "notebooks",
        "hub",
    ] {
        cp.arg(repo.join(item));
    }
    sh::run(cp.arg(dest))?;
    // A checkout's build folders, if any were inside the crates, are not sources.
    for entry in std::fs::read_dir(dest.join("crates"))
        .map_err(|e| sh::fail(format!("cannot list {}: {e}", dest.display())))?
        .flatten()
    {
        remove(&entry.path().join("target"))?;
    }
    Ok(())
}

/// The kernel spec, evcxr's init and the warm-up notebook, with the install's paths. Two
/// differences from a checkout's: no kernel pool (an idle spare would double every learner's
/// memory on a shared machine), and no evcxr `:cache` (it would copy compiled crates into each
/// learner's home; their slots link to the shared build instead).
fn write_kernel_files(at: &Layout) -> Result<()> {
    let init = sh::read(&at.src.join("kernel-config/init.evcxr.in"))?;
    let init: String = init
        .lines()
        .filter(|l| !l.starts_with(":cache"))
        .map(|l| format!("{l}\n"))
        .collect();
    let init_template = at.state.join("init.evcxr.in");
    sh::mkdir(&at.state)?;
    sh::write(&init_template, init)?;
    let spec_dir = at.jupyter.join("kernels").join(KERNEL_NAME);
    kernel_files::write(
        &Placeholders {
            repo: at.src.clone(),
            state: at.state.clone(),
            evcxr: at.evcxr.clone(),
            cargo_bin: at.toolchain.join("bin"),
        },
        &Destination {
            spec_dir: &spec_dir,
            evcxr_config: None,
            init_template: &init_template,
            warmup_build: &at.state.join("warmup-build.ipynb"),
            env: &[],
        },
    )?;
    let path = spec_dir.join("kernel.json");
    let mut spec: serde_json::Value = serde_json::from_str(&sh::read(&path)?)
        .map_err(|e| sh::fail(format!("{} is not JSON: {e}", path.display())))?;
    if let Some(meta) = spec["metadata"].as_object_mut() {
        meta.remove("kernel_provisioner");
        meta.insert(
            "jacobian_course_install".into(),
            at.prefix.to_string_lossy().into(),
        );
        meta.remove("jacobian_course_checkout");
    }
    let text = serde_json::to_string_pretty(&spec).expect("a JSON value serialises");
    sh::write(&path, text + "\n")
}

/// Download exactly the crates of Cargo.lock and compile the course crates into the shared slot,
/// unless the sources are the ones last compiled (`state/warm.stamp`, which learners' slots
/// compare against to know when to link again).
fn build_course_crates(at: &Layout) -> Result<()> {
    let stamp = at.state.join("warm.stamp");
    // The sources, the toolchain and evcxr: cargo's fingerprints change with the compiler, so a
    // new toolchain with the same sources still needs a new shared build (or every learner's
    // kernel would compile it into their home).
    let sources = crate::stamp::hash_of(&at.src, crate::stamp::BUILD_INPUTS)
        .map_err(|e| sh::fail(format!("cannot hash {}: {e}", at.src.display())))?;
    let rustc = sh::output(Command::new(at.toolchain.join("bin/rustc")).arg("-vV"))
        .ok_or_else(|| sh::fail("cannot run the installed toolchain's rustc"))?;
    let hash = crate::stamp::hex_sha256(
        format!(
            "{sources}\n{rustc}\nevcxr_jupyter {}\n",
            crate::EVCXR_VERSION
        )
        .as_bytes(),
    );
    let built = at.state.join("evcxr-tmp/slot-0/target").is_dir();
    if built && std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim_end() == hash) {
        sh::step("course crates already compiled for these sources");
        return Ok(());
    }
    sh::step("compiling the course crates once, for every learner (a few minutes)");
    let cargo_home = at.state.join("cargo-home");
    sh::run(
        Command::new("cargo")
            .args(["fetch", "--locked", "--manifest-path"])
            .arg(at.src.join("Cargo.toml"))
            .env("CARGO_HOME", &cargo_home),
    )?;
    sh::copy(
        &at.src.join("Cargo.lock"),
        &cargo_home.join("fetched.Cargo.lock"),
    )?;
    // Over the previous build, if any: cargo recompiles only what changed, and writes new files
    // for it (kernels running meanwhile keep the files they link to). A learner's slot links
    // again when it finds another stamp.
    sh::mkdir(&at.state.join("evcxr-tmp"))?;
    warm::build_slot(&at.state, vec![at.jupyter.clone()])?;
    sh::write(&stamp, format!("{hash}\n"))
}

fn remove(path: &Path) -> Result<()> {
    match std::fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(sh::fail(format!("cannot remove {}: {e}", path.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_with_other_contents_is_refused_an_earlier_install_is_not() {
        let dir = std::env::temp_dir().join(format!("xtask-claim-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // new, then empty: claimed
        claim_prefix(&dir.join("new")).unwrap();
        assert!(dir.join("new").join(MARKER).is_file());
        std::fs::create_dir_all(dir.join("empty")).unwrap();
        claim_prefix(&dir.join("empty")).unwrap();
        // someone else's folder (think /usr/local): refused, nothing written
        std::fs::create_dir_all(dir.join("usr-local/src")).unwrap();
        let e = claim_prefix(&dir.join("usr-local")).unwrap_err();
        assert!(e.message.unwrap().contains("not empty"));
        assert!(!dir.join("usr-local").join(MARKER).exists());
        // an earlier install: claimed again
        std::fs::create_dir_all(dir.join("new/src")).unwrap();
        claim_prefix(&dir.join("new")).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
