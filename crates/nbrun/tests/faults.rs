//! Fault injection on the real course kernel (issue 18): what a learner sees, and that no
//! process, slot lock or temp dir is left behind.
//!
//! These tests use the "Rust (Jacobian course)" kernel spec that `./course setup` installs into
//! this checkout's `.venv`; without it they FAIL and say so. They run one at a time (each starts
//! real kernels on a machine with few cores), and every process they start is killed at the end,
//! whatever happens.
#![cfg(target_os = "linux")]

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use nbrun::{CellReport, Options, RunReport};

mod common;

const NBRUN: &str = env!("CARGO_BIN_EXE_nbrun");
const KERNEL: &str = "jacobian-course";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The `.venv` Jupyter data dir holding the course kernel spec; fails with what to run.
fn course_data_dir() -> PathBuf {
    let dir = repo().join(".venv/share/jupyter");
    assert!(
        dir.join("kernels").join(KERNEL).join("kernel.json").is_file(),
        "the '{KERNEL}' kernel spec is not installed in {}: run `./course setup` first \
         (it installs evcxr_jupyter, JupyterLab and the spec, and warms the kernel)",
        dir.display()
    );
    dir
}

/// One kernel test at a time; a failed test must not poison the rest.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// A notebook for the course kernel, one code cell per source.
fn write_notebook(dir: &Path, name: &str, cells: &[&str]) -> PathBuf {
    let cells: Vec<_> = cells
        .iter()
        .enumerate()
        .map(|(i, src)| {
            serde_json::json!({
                "cell_type": "code", "id": format!("c{}", i + 1), "metadata": {},
                "execution_count": null, "outputs": [], "source": src
            })
        })
        .collect();
    let nb = serde_json::json!({
        "cells": cells,
        "metadata": {"kernelspec": {"name": KERNEL, "display_name": "Rust (Jacobian course)", "language": "rust"}},
        "nbformat": 4, "nbformat_minor": 5
    });
    let path = dir.join(name);
    std::fs::write(&path, nb.to_string()).unwrap();
    path
}

fn options(out_dir: &Path) -> Options {
    Options {
        jupyter_path: vec![course_data_dir()],
        output: Some(out_dir.join("out.ipynb")),
        kernel_log: Some(out_dir.join("kernel.log")),
        startup_timeout: Duration::from_secs(240),
        timeout_per_cell: Duration::from_secs(240),
        progress: false,
        handle_signals: false,
        ..Options::default()
    }
}

fn run_cells(cells: &[&str]) -> (RunReport, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let nb = write_notebook(dir.path(), "probe.ipynb", cells);
    let report = nbrun::execute_notebook(&nb, &options(dir.path()))
        .unwrap_or_else(|e| panic!("the course kernel did not start: {e}"));
    (report, dir)
}

fn cell<'a>(report: &'a RunReport, i: usize) -> &'a CellReport {
    &report.cells[i]
}

// ---------------------------------------------------------------------------------------
// Processes, locks and temp dirs

/// `(state, ppid, pgrp)` of a live process, from /proc/PID/stat.
fn proc_stat(pid: i32) -> Option<(char, i32, i32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut f = rest.split_whitespace();
    let state = f.next()?.chars().next()?;
    let ppid = f.next()?.parse().ok()?;
    let pgrp = f.next()?.parse().ok()?;
    Some((state, ppid, pgrp))
}

fn all_pids() -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

fn cmdline(pid: i32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

/// Live (non-zombie) processes in process group `pgid`, and watchers of kernel `pgid`.
fn leftovers(pgid: i32) -> Vec<String> {
    all_pids()
        .into_iter()
        .filter(|&pid| {
            let Some((state, _, pgrp)) = proc_stat(pid) else {
                return false;
            };
            state != 'Z'
                && (pgrp == pgid
                    || cmdline(pid).contains(&format!("kernel-watch.sh {pgid} ")))
        })
        .map(|pid| format!("{pid}: {}", cmdline(pid)))
        .collect()
}

/// Direct children of `parent` whose command line contains `needle`.
fn children(parent: i32, needle: &str) -> Vec<i32> {
    all_pids()
        .into_iter()
        .filter(|&pid| proc_stat(pid).is_some_and(|(_, ppid, _)| ppid == parent))
        .filter(|&pid| cmdline(pid).contains(needle))
        .collect()
}

/// The evcxr tmpdir a kernel process uses (its EVCXR_TMPDIR).
fn kernel_tmpdir(pid: i32) -> Option<PathBuf> {
    let env = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    env.split(|&b| b == 0)
        .find_map(|kv| kv.strip_prefix(b"EVCXR_TMPDIR="))
        .map(|v| PathBuf::from(String::from_utf8_lossy(v).into_owned()))
}

/// The connection file a kernel was started with (`--control_file PATH`).
fn connection_file(pid: i32) -> Option<PathBuf> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let args: Vec<String> = raw
        .split(|&b| b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let i = args.iter().position(|a| a == "--control_file")?;
    args.get(i + 1).map(PathBuf::from)
}

fn assert_gone(what: &str, path: &Path) {
    assert!(
        wait_until(what, Duration::from_secs(10), || !path.exists()),
        "{what} {} left behind",
        path.display()
    );
}

/// Whether the flock on `<tmpdir>.lock` is free (taken and released at once).
fn lock_is_free(tmpdir: &Path) -> bool {
    use std::os::fd::AsRawFd as _;
    let path = PathBuf::from(format!("{}.lock", tmpdir.display()));
    let Ok(file) = std::fs::OpenOptions::new().append(true).open(&path) else {
        return true; // no lock file: nothing holds it
    };
    // SAFETY: flock(2) on a file descriptor we own; released when `file` closes.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

fn wait_until(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!("gave up waiting for {what} after {limit:?}");
    ok()
}

/// Kills a process group when dropped, so a failed test leaves nothing running.
struct GroupGuard(Vec<i32>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        for &pgid in &self.0 {
            // SAFETY: kill(2) on process groups this test started; touches no memory.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
}

/// Kill the kernel (group `pgid`) if it survived, and say what was left.
fn assert_nothing_left(pgid: i32, tmpdir: &Path, limit: Duration) {
    let gone = wait_until("the kernel's processes to exit", limit, || {
        leftovers(pgid).is_empty()
    });
    let left = leftovers(pgid);
    let _cleanup = GroupGuard(vec![pgid]);
    assert!(gone, "processes left behind by the kernel:\n{}", left.join("\n"));
    assert!(
        wait_until("the slot lock", Duration::from_secs(5), || lock_is_free(tmpdir)),
        "the lock of {} is still held",
        tmpdir.display()
    );
    if tmpdir.file_name().is_some_and(|n| n.to_string_lossy().starts_with("fresh-")) {
        assert!(
            wait_until("the fresh tmpdir to go", Duration::from_secs(10), || !tmpdir.exists()),
            "fresh tmpdir {} left behind",
            tmpdir.display()
        );
    }
}

// ---------------------------------------------------------------------------------------
// Item 1: the kernel builds exactly the workspace's Cargo.lock, without the network

/// `name@version` of every `[[package]]` in a Cargo.lock.
fn locked_packages(lock: &Path) -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(lock)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", lock.display()));
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut name = None;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("name = ") {
            name = Some(v.trim_matches('"').to_string());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take()) {
            out.entry(n).or_default().push(v.trim_matches('"').to_string());
        }
    }
    out
}

#[test]
fn kernel_builds_the_workspace_lock_offline() {
    let _serial = serial();
    // Any attempt to reach crates.io fails at once.
    let blackhole = "http://127.0.0.1:9";
    let dir = tempfile::tempdir().unwrap();
    let nb = write_notebook(
        dir.path(),
        "offline.ipynb",
        &["println!(\"tmpdir={}\", std::env::var(\"EVCXR_TMPDIR\").unwrap_or_default());"],
    );
    let out = Command::new(NBRUN)
        .args(["run", nb.to_str().unwrap(), "-q", "--startup-timeout", "240", "--jupyter-path"])
        .arg(course_data_dir())
        .current_dir(dir.path())
        .env("CARGO_HTTP_PROXY", blackhole)
        .env("HTTPS_PROXY", blackhole)
        .env("https_proxy", blackhole)
        .env("HTTP_PROXY", blackhole)
        .env("http_proxy", blackhole)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "a kernel start without the network failed:\n{stderr}");
    let summary = std::fs::read_to_string(dir.path().join("target/nbrun/offline.ipynb")).unwrap();
    let tmpdir = summary
        .split("tmpdir=")
        .nth(1)
        .and_then(|s| s.split(['\\', '"']).next())
        .expect("the cell printed its tmpdir")
        .to_string();
    let workspace = locked_packages(&repo().join("Cargo.lock"));
    let slot = locked_packages(&Path::new(&tmpdir).join("Cargo.lock"));
    let drift: Vec<String> = slot
        .iter()
        .flat_map(|(name, versions)| versions.iter().map(move |v| (name, v)))
        // evcxr's own crates: the cell crate and its dependency check.
        .filter(|(name, _)| !["ctx", "evcxr_dummy_validate_dep"].contains(&name.as_str()))
        .filter(|(name, v)| !workspace.get(*name).is_some_and(|w| w.contains(v)))
        .map(|(name, v)| format!("{name} {v} (workspace: {:?})", workspace.get(name)))
        .collect();
    assert!(
        drift.is_empty(),
        "the kernel's slot {tmpdir} uses versions the workspace did not lock:\n{}",
        drift.join("\n")
    );
    assert!(slot.contains_key("candle-core"), "the slot's Cargo.lock lacks candle-core");
}

// ---------------------------------------------------------------------------------------
// Item 2: kernels die with their client

/// Spawn nbrun on `nb` in its own process group; returns the child and its stderr reader.
fn spawn_nbrun(nb: &Path) -> Child {
    Command::new(NBRUN)
        .args(["run", nb.to_str().unwrap(), "--startup-timeout", "240", "--jupyter-path"])
        .arg(course_data_dir())
        .current_dir(nb.parent().unwrap())
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn sigkill_to_nbrun_leaves_no_kernel_no_lock() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let nb = write_notebook(
        dir.path(),
        "spin.ipynb",
        &["println!(\"ready\");", "let mut n: u64 = 0; loop { n = n.wrapping_add(1); std::hint::black_box(n); }"],
    );
    let mut nbrun = spawn_nbrun(&nb);
    let pid = nbrun.id() as i32;
    let _guard = GroupGuard(vec![pid]);
    // Wait until cell 1 is done: the kernel is then spinning in cell 2.
    let stderr = nbrun.stderr.take().unwrap();
    let mut seen = String::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("[1/2]") && line.contains(" ok ") {
            break;
        }
        assert!(!line.contains("error"), "nbrun failed before the spin:\n{seen}");
    }
    let kernel = *children(pid, "")
        .first()
        .unwrap_or_else(|| panic!("no kernel process under nbrun {pid}:\n{seen}"));
    let tmpdir = kernel_tmpdir(kernel).expect("the kernel's EVCXR_TMPDIR");
    let connection = connection_file(kernel).expect("the kernel's connection file");
    let _kernel_guard = GroupGuard(vec![kernel]);
    std::thread::sleep(Duration::from_secs(1));
    // SAFETY: kill(2) on the nbrun we started.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
    let _ = nbrun.wait();
    assert_nothing_left(kernel, &tmpdir, Duration::from_secs(20));
    // nbrun's own temp folder, which held only the connection file.
    assert_gone("nbrun's connection folder", connection.parent().unwrap());
}

/// A free loopback port (bound and released).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 request to the Jupyter server on loopback; returns (status, body).
fn http(port: u16, method: &str, path: &str, token: &str, body: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: token {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    s.read_to_string(&mut response)?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    Ok((status, body))
}

#[test]
fn sighup_to_jupyter_server_leaves_no_kernel_no_lock() {
    let _serial = serial();
    let data = course_data_dir();
    let jupyter = repo().join(".venv/bin/jupyter");
    assert!(jupyter.is_file(), "{} is missing: run `./course setup` first", jupyter.display());
    let _ = data;
    let home = tempfile::tempdir().unwrap();
    let port = free_port();
    let token = uuid_like();
    let mut server = Command::new(&jupyter);
    server
        .args([
            "server",
            "--no-browser",
            // CI runs as root here; harmless otherwise.
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            &format!("--ServerApp.port={port}"),
            "--ServerApp.port_retries=0",
            &format!("--IdentityProvider.token={token}"),
            &format!("--ServerApp.root_dir={}", home.path().display()),
        ])
        .env("JUPYTER_CONFIG_DIR", home.path().join("config"))
        .env("JUPYTER_RUNTIME_DIR", home.path().join("runtime"))
        .env("JUPYTER_DATA_DIR", home.path().join("data"))
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(home.path().join("server.log")).unwrap()));
    // A test run under `nohup` (or any parent that ignores SIGHUP) passes SIG_IGN on to its
    // children; a terminal's server does not ignore it, so restore the default before exec.
    // SAFETY: signal() is async-signal-safe, as pre_exec requires.
    unsafe {
        server.pre_exec(|| {
            libc::signal(libc::SIGHUP, libc::SIG_DFL);
            Ok(())
        });
    }
    let mut server = server.spawn().unwrap();
    let server_pid = server.id() as i32;
    let _guard = GroupGuard(vec![server_pid]);
    let log = || std::fs::read_to_string(home.path().join("server.log")).unwrap_or_default();
    assert!(
        wait_until("the Jupyter server", Duration::from_secs(90), || {
            http(port, "GET", "/api/status", &token, "").is_ok_and(|(s, _)| s == 200)
        }),
        "the Jupyter server did not come up:\n{}",
        log()
    );
    let (status, body) = http(port, "POST", "/api/kernels", &token, &format!("{{\"name\": \"{KERNEL}\"}}")).unwrap();
    assert_eq!(status, 201, "starting a kernel failed: {body}\n{}", log());
    // The kernel, and evcxr's execution subprocess under it (the kernel is up).
    let mut kernel = 0;
    assert!(
        wait_until("the kernel and its subprocess", Duration::from_secs(180), || {
            kernel = children(server_pid, "").into_iter().find(|&p| kernel_tmpdir(p).is_some()).unwrap_or(0);
            kernel != 0 && !children(kernel, "evcxr").is_empty()
        }),
        "no running course kernel under the Jupyter server:\n{}",
        log()
    );
    let _kernel_guard = GroupGuard(vec![kernel]);
    let tmpdir = kernel_tmpdir(kernel).unwrap();
    let connection = connection_file(kernel).expect("the kernel's connection file");
    // What closing the terminal of `./course` does.
    // SAFETY: kill(2) on the server we started.
    unsafe {
        libc::kill(server_pid, libc::SIGHUP);
    }
    let exited = wait_until("the server to exit", Duration::from_secs(30), || {
        server.try_wait().unwrap().is_some()
    });
    assert!(exited, "the Jupyter server ignored SIGHUP:\n{}", log());
    assert_nothing_left(kernel, &tmpdir, Duration::from_secs(30));
    assert_gone("the kernel's connection file", &connection);
}

fn uuid_like() -> String {
    format!("{:x}{:x}", std::process::id(), Instant::now().elapsed().as_nanos() ^ 0x5eed_cafe)
}

// ---------------------------------------------------------------------------------------
// Items 3 and 7: what a learner types and sees

#[test]
fn untyped_float_and_integer_literals_work_under_the_prelude() {
    let _serial = serial();
    let (report, _dir) = run_cells(&["let b = 2.5;\nlet a = 1 + 1;\nprintln!(\"a={a} b={b}\");"]);
    let c1 = cell(&report, 0);
    assert!(
        c1.stdout().contains("a=2 b=2.5"),
        "untyped literals failed in the course kernel: {:?}\n{}",
        c1.status,
        c1.text()
    );
}

#[test]
fn a_shape_error_is_short_without_backtrace() {
    let _serial = serial();
    let (report, _dir) = run_cells(&[
        "let t = tensor(&[1.0f64, 2.0])?;\nlet u = tensor(&[1.0f64, 2.0, 3.0])?;\nlet s = (&t + &u)?;",
    ]);
    let err = cell(&report, 0).stderr();
    assert!(err.contains("shape mismatch"), "no shape error shown:\n{}", cell(&report, 0).text());
    assert!(
        !err.contains("<unknown>") && !err.contains("backtrace") && !err.contains("stack"),
        "the error carries a backtrace:\n{err}"
    );
    assert!(err.lines().count() <= 6, "a {}-line error:\n{err}", err.lines().count());
}

// ---------------------------------------------------------------------------------------
// Item 5: a start-up handshake that survives a loaded machine

/// A kernel that, for its first seconds, accepts connections on its ports and resets them
/// (what a busy kernel on a loaded machine did to nbrun: "Connection reset by peer"), then
/// becomes the real evcxr_jupyter on the same ports.
const RESETTING_KERNEL: &str = r#"
import json, os, socket, struct, sys, time
evcxr, cf = sys.argv[1], sys.argv[2]
info = json.load(open(cf))
socks = []
for key in ("shell_port", "iopub_port", "control_port", "stdin_port", "hb_port"):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((info["ip"], info[key]))
    s.listen(16)
    s.setblocking(False)
    socks.append(s)
resets, end = 0, time.time() + 4
while time.time() < end:
    for s in socks:
        try:
            c, _ = s.accept()
        except BlockingIOError:
            continue
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
        resets += 1
    time.sleep(0.02)
for s in socks:
    s.close()
print(f"resetting kernel: reset {resets} connections", file=sys.stderr, flush=True)
os.execv(evcxr, [evcxr, "--control_file", cf])
"#;

#[test]
fn handshake_survives_connection_resets_at_startup() {
    let _serial = serial();
    let data = tempfile::tempdir().unwrap();
    let script = data.path().join("resetting_kernel.py");
    std::fs::write(&script, RESETTING_KERNEL).unwrap();
    let config = data.path().join("evcxr-config");
    std::fs::create_dir_all(&config).unwrap();
    common::write_spec(
        data.path(),
        "resetting",
        serde_json::json!({
            "argv": ["python3", script, common::evcxr_jupyter(), "{connection_file}"],
            "display_name": "resetting", "language": "rust",
            "env": {"EVCXR_CONFIG_DIR": config}
        }),
    );
    let dir = tempfile::tempdir().unwrap();
    let nb = write_notebook(dir.path(), "hello.ipynb", &["println!(\"hello after resets\");"]);
    let mut options = options(dir.path());
    options.jupyter_path = vec![data.path().to_path_buf()];
    options.kernel = Some("resetting".to_string());
    options.startup_timeout = Duration::from_secs(120);
    let report = nbrun::execute_notebook(&nb, &options)
        .unwrap_or_else(|e| panic!("the handshake gave up on a kernel that resets its first connections: {e}"));
    let log = std::fs::read_to_string(dir.path().join("kernel.log")).unwrap_or_default();
    assert!(
        log.contains("resetting kernel: reset") && !log.contains("reset 0 connections"),
        "the fake kernel reset no connection, so this test proved nothing:\n{log}"
    );
    assert!(report.cells[0].stdout().contains("hello after resets"), "{:?}", report.cells[0]);
}

#[test]
fn four_concurrent_course_kernel_starts_all_succeed() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let runs: Vec<(Child, PathBuf)> = (0..4)
        .map(|i| {
            let nb = write_notebook(
                dir.path(),
                &format!("start{i}.ipynb"),
                &[&format!("let x{i} = tensor(&[1.0, 2.0])?;\nprintln!(\"started {i}: {{}}\", x{i});")],
            );
            let child = Command::new(NBRUN)
                .args(["run", nb.to_str().unwrap(), "-q", "--startup-timeout", "300", "--jupyter-path"])
                .arg(course_data_dir())
                .current_dir(dir.path())
                .process_group(0)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            (child, nb)
        })
        .collect();
    let _guard = GroupGuard(runs.iter().map(|(c, _)| c.id() as i32).collect());
    let mut failures = Vec::new();
    for (i, (child, _)) in runs.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        if !out.status.success() {
            failures.push(format!("run {i}: {}\n{}", out.status, String::from_utf8_lossy(&out.stderr)));
            continue;
        }
        let executed = std::fs::read_to_string(dir.path().join(format!("target/nbrun/start{i}.ipynb"))).unwrap();
        if !executed.contains(&format!("started {i}: [1., 2.]")) && !executed.contains(&format!("started {i}:")) {
            failures.push(format!("run {i}: no output in {executed}"));
        }
    }
    assert!(failures.is_empty(), "of 4 kernels started at once:\n{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------
// Item 6: evcxr's stream faults are reported, not saved as misplaced outputs

/// Options for the stock evcxr kernel of the other integration tests (no course crates: fast).
fn stock_options(out_dir: &Path) -> Options {
    Options {
        jupyter_path: vec![common::evcxr_data_dir().to_path_buf()],
        kernel: Some(common::KERNEL.to_string()),
        ..options(out_dir)
    }
}

#[test]
fn invalid_utf8_on_stdout_stops_the_run_instead_of_shifting_outputs() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let nb = write_notebook(
        dir.path(),
        "utf8.ipynb",
        &[
            "use std::io::Write;\nstd::io::stdout().write_all(b\"bad \\xff\\xfe bytes\\n\").unwrap();\nprintln!(\"still cell 1\");",
            "println!(\"cell 2\");",
            "println!(\"cell 3\");",
        ],
    );
    // allow_errors, as nbclient's: the run would otherwise stop at cell 1 anyway.
    let options = Options {
        allow_errors: true,
        ..stock_options(dir.path())
    };
    let report = nbrun::execute_notebook(&nb, &options).unwrap();
    let failure = report
        .failure
        .as_ref()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        failure.contains("not UTF-8") && failure.contains("one cell late"),
        "the output shift was not reported; failure: {failure:?}\ncells: {:#?}",
        report.cells.iter().map(|c| (c.status.as_str(), c.text())).collect::<Vec<_>>()
    );
    for later in &report.cells[1..] {
        assert!(
            later.outputs.is_empty(),
            "a later cell was saved with (misplaced) output: {:?}",
            later.text()
        );
    }
    // The saved notebook holds no misplaced output either.
    let saved = std::fs::read_to_string(dir.path().join("out.ipynb")).unwrap();
    assert!(!saved.contains("still cell 1\\n\"") || !saved.contains("cell 2"), "{saved}");
}

#[test]
fn a_10_mb_line_arrives_whole() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let nb = write_notebook(
        dir.path(),
        "big.ipynb",
        &[
            "let s = \"x\".repeat(10 * 1024 * 1024);\nprintln!(\"{s}\");\nprintln!(\"after the big line\");",
            "println!(\"cell 2\");",
        ],
    );
    let report = nbrun::execute_notebook(&nb, &stock_options(dir.path())).unwrap();
    assert!(report.failure.is_none(), "{:?}", report.failure.map(|e| e.to_string()));
    let out = report.cells[0].stdout();
    let big = out.lines().next().unwrap_or_default();
    assert_eq!(big.len(), 10 * 1024 * 1024, "the 10 MB line arrived with {} bytes", big.len());
    assert!(out.ends_with("after the big line\n"), "tail: {:?}", &out[out.len().saturating_sub(60)..]);
    assert_eq!(report.cells[1].stdout(), "cell 2\n");
}
