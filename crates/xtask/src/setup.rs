//! `./course setup`: four steps, each skipped when already done, and the test run.
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::kernel_files::{self, Destination, Placeholders};
use crate::sh::{self, Result};
use crate::{EVCXR_VERSION, KERNEL_NAME};

/// This checkout and the places set-up writes to.
pub struct Context {
    /// The checkout (also the current directory from here on).
    pub repo: PathBuf,
    /// The installed kernel's state: `target/kernel`.
    pub state: PathBuf,
    /// The Python environment with JupyterLab: `.venv`.
    pub venv: PathBuf,
    /// `${CARGO_HOME:-~/.cargo}/bin`, put first on PATH (evcxr_jupyter goes there).
    pub cargo_bin: PathBuf,
}

impl Context {
    pub fn new() -> Result<Context> {
        let repo = crate::repo_root();
        std::env::set_current_dir(&repo)
            .map_err(|e| sh::fail(format!("cannot enter {}: {e}", repo.display())))?;
        let cargo_home = std::env::var_os("CARGO_HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
            .ok_or_else(|| sh::fail("neither CARGO_HOME nor HOME is set"))?;
        let cargo_bin = cargo_home.join("bin");
        let mut path = vec![cargo_bin.clone()];
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        // Before any thread starts: nothing else reads the environment concurrently.
        std::env::set_var(
            "PATH",
            std::env::join_paths(path).expect("PATH entries hold no ':'"),
        );
        Ok(Context {
            state: repo.join("target/kernel"),
            venv: repo.join(".venv"),
            repo,
            cargo_bin,
        })
    }

    /// The template placeholders for a kernel whose state lives in `state`.
    pub fn placeholders(&self, state: PathBuf) -> Result<Placeholders> {
        let evcxr = sh::which("evcxr_jupyter")
            .ok_or_else(|| sh::fail("evcxr_jupyter is not on PATH: run `./course setup`"))?;
        Ok(Placeholders {
            repo: self.repo.clone(),
            state,
            evcxr,
            cargo_bin: self.cargo_bin.clone(),
        })
    }
}

pub(crate) fn install_evcxr() -> Result<()> {
    // evcxr_jupyter has no --version flag; cargo's own install list knows.
    let list = sh::output(Command::new("cargo").args(["install", "--list"])).unwrap_or_default();
    let have = list
        .lines()
        .find_map(|l| l.strip_prefix("evcxr_jupyter v")?.strip_suffix(':'));
    if have == Some(EVCXR_VERSION) && sh::which("evcxr_jupyter").is_some() {
        sh::step(&format!(
            "1/4 evcxr_jupyter {EVCXR_VERSION} already installed"
        ));
        return Ok(());
    }
    sh::step(&format!(
        "1/4 installing evcxr_jupyter {EVCXR_VERSION} (about 12 minutes on 2 cores, once)"
    ));
    let t = Instant::now();
    // --locked: without it newer rust-analyzer crates break the build (docs/DESIGN.md).
    sh::run(Command::new("cargo").args([
        "install",
        "--locked",
        "evcxr_jupyter",
        "--version",
        EVCXR_VERSION,
    ]))?;
    eprintln!("evcxr_jupyter installed in {}", sh::elapsed(t));
    Ok(())
}

fn install_venv(ctx: &Context) -> Result<()> {
    let requirements = ctx.repo.join("kernel-config/requirements.txt");
    let stamp = ctx.venv.join(".course-requirements");
    if sh::which_in(&ctx.venv.join("bin"), "jupyter-lab")
        && sh::same_file_contents(&requirements, &stamp)
    {
        sh::step("2/4 JupyterLab already in .venv");
        return Ok(());
    }
    sh::step("2/4 installing JupyterLab into .venv (PyPI)");
    sh::run(Command::new("python3").arg("-m").arg("venv").arg(&ctx.venv))?;
    let pip = ctx.venv.join("bin/pip");
    sh::run(Command::new(&pip).args(["install", "--quiet", "--upgrade", "pip"]))?;
    // Not --quiet: on a fresh machine this downloads for a minute or two; show what it fetches.
    let mut child = Command::new(&pip)
        .args(["install", "--progress-bar", "off", "-r"])
        .arg(&requirements)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| sh::fail(format!("cannot run {}: {e}", pip.display())))?;
    let stdout = child.stdout.take().expect("piped");
    for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)).map_while(|l| l.ok()) {
        if line.starts_with("Collecting") || line.starts_with("Successfully") {
            println!("{line}");
        }
    }
    let status = child.wait().map_err(|e| sh::fail(format!("pip: {e}")))?;
    if !status.success() {
        return Err(sh::exit(status.code().unwrap_or(1)));
    }
    sh::copy(&requirements, &stamp)
}

fn write_kernelspec(ctx: &Context) -> Result<()> {
    sh::step(&format!(
        "3/4 writing kernel spec '{KERNEL_NAME}' for {}",
        ctx.repo.display()
    ));
    let placeholders = ctx.placeholders(ctx.state.clone())?;
    let spec_dir = ctx.state.join("spec");
    kernel_files::write(
        &placeholders,
        &Destination {
            spec_dir: &spec_dir,
            evcxr_config: None,
            init_template: &ctx.repo.join("kernel-config/init.evcxr.in"),
            warmup_build: &ctx.state.join("warmup-build.ipynb"),
            env: &[],
        },
    )?;
    // Into .venv (--sys-prefix), so that each checkout has its own spec: JupyterLab from .venv
    // and nbrun (which looks for the nearest .venv above a notebook) both find it there.
    let jupyter = ctx.venv.join("bin/jupyter");
    sh::run(
        Command::new(&jupyter)
            .args([
                "kernelspec",
                "install",
                "--sys-prefix",
                "--replace",
                "--name",
                KERNEL_NAME,
            ])
            .arg(&spec_dir)
            .stdout(Stdio::null()),
    )?;
    // A user-level spec of the same name (older set-ups wrote one) would shadow this one.
    let env_dir = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let data_dir = env_dir("JUPYTER_DATA_DIR")
        .or_else(|| env_dir("XDG_DATA_HOME").map(|d| d.join("jupyter")))
        .or_else(|| env_dir("HOME").map(|h| h.join(".local/share/jupyter")));
    if let Some(user_spec) = data_dir.map(|d| d.join("kernels").join(KERNEL_NAME)) {
        if user_spec.is_dir() {
            eprintln!(
                "removing the user-level kernel spec {}, which would shadow this checkout's",
                user_spec.display()
            );
            std::fs::remove_dir_all(&user_spec)
                .map_err(|e| sh::fail(format!("cannot remove {}: {e}", user_spec.display())))?;
        }
    }
    enable_pool_prefill(ctx)?;
    let list = sh::output(Command::new(&jupyter).args(["kernelspec", "list"])).unwrap_or_default();
    let installed = list
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some(KERNEL_NAME))
                .then(|| words.next().unwrap_or_default().to_string())
        })
        .collect::<Vec<_>>()
        .join("\n");
    eprintln!("kernel spec installed: {installed}");
    Ok(())
}

/// JupyterLab from .venv loads the kernel pool's server extension, which starts a spare course
/// kernel with the server, so the first notebook opened gets a warm kernel too
/// (kernel-config/provisioner; the provisioner itself is named by the kernel spec); and waits
/// long enough for a cold course kernel.
fn enable_pool_prefill(ctx: &Context) -> Result<()> {
    let dir = ctx.venv.join("etc/jupyter/jupyter_server_config.d");
    sh::mkdir(&dir)?;
    sh::write(
        &dir.join("jacobian_course_pool.json"),
        "{\"ServerApp\": {\"jpserver_extensions\": {\"jacobian_course_pool\": true}}}\n",
    )?;
    // A cold course kernel answers kernel_info only after evcxr's init (10-30 s, over a minute on
    // a busy machine); JupyterLab's server gives up after 60 s by default.
    sh::write(
        &dir.join("jacobian_course_kernels.json"),
        "{\"MappingKernelManager\": {\"kernel_info_timeout\": 300},\n \
         \"ZMQChannelsWebsocketConnection\": {\"kernel_info_timeout\": 300}}\n",
    )
}

/// All four set-up steps.
pub fn setup(ctx: &Context) -> Result<()> {
    let t = Instant::now();
    install_evcxr()?;
    install_venv(ctx)?;
    write_kernelspec(ctx)?;
    crate::warm::warm_kernel(ctx)?;
    sh::step(&format!("set-up done in {}", sh::elapsed(t)));
    Ok(())
}

/// The features that turn on the tests which start the real kernel (see CONTRIBUTING.md).
pub const KERNEL_TEST_FEATURES: &str = "course/kernel-tests,nbrun/kernel-tests,grade/kernel-tests";

/// `./course test` after set-up: every Rust test, the kernel's included, then the browser test.
pub fn run_tests(ctx: &Context) -> Result<()> {
    sh::step(&format!(
        "cargo test --workspace --features {KERNEL_TEST_FEATURES}"
    ));
    sh::run(Command::new("cargo").args([
        "test",
        "--locked",
        "--workspace",
        "--features",
        KERNEL_TEST_FEATURES,
    ]))?;
    run_jupyter_tests(ctx)
}

/// The Python-driven tests, with the test requirements (pytest, Playwright) in `.venv`:
/// - `tests/kernel/`: the real kernel through jupyter_client/nbclient (the pool: restarts, a
///   killed spare, lifetime; the launcher's slots; interrupts; output that is not UTF-8);
/// - `tests/e2e/`: notebook 03 in real JupyterLab, in headless Chromium (a few minutes; Debian's
///   chromium, /usr/bin/chromium; Playwright's own browser download is never used);
/// - `tests/hub/`: a class of 8 on JupyterHub over a system-wide install ([`crate::hub`]).
fn run_jupyter_tests(ctx: &Context) -> Result<()> {
    let requirements = ctx.repo.join("kernel-config/requirements-test.txt");
    let stamp = ctx.venv.join(".course-requirements-test");
    if !sh::same_file_contents(&requirements, &stamp) {
        sh::run(
            Command::new(ctx.venv.join("bin/pip"))
                .args(["install", "--quiet", "-r"])
                .arg(&requirements),
        )?;
        sh::copy(&requirements, &stamp)?;
    }
    let python = ctx.venv.join("bin/python");
    sh::step(
        "kernel tests through Jupyter's client: the pool, slots, interrupts, output (tests/kernel)",
    );
    sh::run(Command::new(&python).args(["-m", "pytest", "tests/kernel"]))?;
    sh::step("browser test: JupyterLab + Chromium (tests/e2e)");
    let t = Instant::now();
    sh::run(Command::new(&python).args(["-m", "pytest", "tests/e2e"]))?;
    eprintln!("browser test done in {}", sh::elapsed(t));
    crate::hub::run_class_test(ctx)
}
