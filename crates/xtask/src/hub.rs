//! The class test (`tests/hub/`): JupyterHub over a system-wide install, on this machine.
//!
//! Learners are Unix users, and their single-user servers and kernels run as them, so everything
//! they execute must be readable by all: a checkout in a private home (/root) is not. The test's
//! install, the hub's Python environment and configurable-http-proxy therefore live in
//! `/var/tmp/jacobian-course-hub/<checkout id>/`, kept between runs (a re-run compiles nothing
//! when the sources did not change; delete the folder to reclaim its ~2 GB).
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use crate::setup::Context;
use crate::sh::{self, Result};

/// The Python of the hub's environment (see `hub_venv`).
const SYSTEM_PYTHON: &str = "/usr/bin/python3";

/// configurable-http-proxy from npm, the version the class test and the Dockerfile use.
pub const CHP_VERSION: &str = "5.3.0";

/// Where the class test's install lives for this checkout.
fn base(ctx: &Context) -> PathBuf {
    let id = crate::stamp::hex_sha256(ctx.repo.as_os_str().as_encoded_bytes());
    PathBuf::from("/var/tmp/jacobian-course-hub").join(&id[..12])
}

pub fn run_class_test(ctx: &Context) -> Result<()> {
    sh::step("class test: JupyterHub with 8 learners over ./course install-system (tests/hub)");
    let t = Instant::now();
    let base = base(ctx);
    crate::system::install_into(ctx, base.join("prefix"))?;
    hub_venv(ctx, &base)?;
    proxy(&base)?;
    sh::run(
        Command::new(ctx.venv.join("bin/python"))
            .args(["-m", "pytest", "tests/hub"])
            .env("JACOBIAN_COURSE_HUB_BASE", &base),
    )?;
    eprintln!("class test done in {}", sh::elapsed(t));
    Ok(())
}

/// JupyterHub and the learners' JupyterLab (hub/requirements.txt), in their own environment.
fn hub_venv(ctx: &Context, base: &std::path::Path) -> Result<()> {
    let venv = base.join("venv");
    let requirements = ctx.repo.join("hub/requirements.txt");
    let stamp = venv.join(".course-requirements");
    if sh::same_file_contents(&requirements, &stamp) {
        return Ok(());
    }
    // The learners run this environment's Python: it must come from a place every user can
    // read, so the system's, not one under the installer's home (pyenv, conda in /root).
    let python = PathBuf::from(SYSTEM_PYTHON);
    if !python.is_file() {
        return Err(sh::fail(format!(
            "{SYSTEM_PYTHON} is missing: the class test runs learners' servers with the system's \
             Python (Debian: apt-get install python3 python3-venv; .ci/run installs them)"
        )));
    }
    sh::run(
        Command::new(&python)
            .args(["-m", "venv", "--clear"])
            .arg(&venv),
    )?;
    sh::run(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "-r"])
            .arg(&requirements),
    )?;
    sh::run(Command::new("chmod").args(["-R", "a+rX"]).arg(&venv))?;
    sh::copy(&requirements, &stamp)
}

/// configurable-http-proxy, JupyterHub's proxy, from npm (Node.js from Debian's `nodejs`).
fn proxy(base: &std::path::Path) -> Result<()> {
    let node = base.join("node");
    let installed = node.join("node_modules/configurable-http-proxy/package.json");
    if std::fs::read_to_string(&installed)
        .is_ok_and(|p| p.contains(&format!("\"version\": \"{CHP_VERSION}\"")))
    {
        return Ok(());
    }
    if sh::which("npm").is_none() {
        return Err(sh::fail(
            "npm is not installed: the class test needs Node.js for configurable-http-proxy \
             (Debian: apt-get install nodejs npm; .ci/run installs it)",
        ));
    }
    sh::mkdir(&node)?;
    sh::run(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&node)
            .arg(format!("configurable-http-proxy@{CHP_VERSION}")),
    )
}
