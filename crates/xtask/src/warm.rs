//! Set-up step 4: warm the kernel, so a learner's first cell takes seconds. Skipped while the
//! crates and `kernel-config/` are unchanged since the last warm-up (`target/kernel/warm.stamp`).
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::notebooks;
use crate::setup::Context;
use crate::sh::{self, Result};

pub fn warm_kernel(ctx: &Context) -> Result<()> {
    let stamp = ctx.state.join("warm.stamp");
    let hash = crate::stamp::warm_inputs_hash(&ctx.repo)
        .map_err(|e| sh::fail(format!("cannot hash the kernel's sources: {e}")))?;
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim_end() == hash) {
        sh::step("4/4 kernel already warm for these sources");
        return Ok(());
    }
    sh::step("4/4 warming the kernel's compile cache (first time: a few minutes; later: seconds)");
    let t = Instant::now();
    // Kernels build offline, in a Cargo home of their own that holds exactly the crates the
    // workspace's Cargo.lock names (launch-kernel.sh): download them now, so no kernel start (this
    // warm-up included) needs the network, and no other version can ever be picked.
    let cargo_home = ctx.state.join("cargo-home");
    sh::run(
        std::process::Command::new("cargo")
            .args(["fetch", "--locked"])
            .env("CARGO_HOME", &cargo_home),
    )?;
    sh::copy(
        &ctx.repo.join("Cargo.lock"),
        &cargo_home.join("fetched.Cargo.lock"),
    )?;
    if let Err(first) = build_slot(&ctx.state, Vec::new()) {
        // A build interrupted half-way can leave evcxr's cache or a slot unusable; start clean once.
        if first.code == nbrun::error::exit_code::INTERRUPTED {
            return Err(first);
        }
        eprintln!(
            "warm-up failed; clearing this checkout's kernel build cache and trying once more"
        );
        for dir in ["cache", "evcxr-tmp"] {
            let dir = ctx.state.join(dir);
            if dir.exists() {
                std::fs::remove_dir_all(&dir)
                    .map_err(|e| sh::fail(format!("cannot remove {}: {e}", dir.display())))?;
            }
        }
        build_slot(&ctx.state, Vec::new())?;
    }
    // 2. start the kernel as JupyterLab will, and check it answers quickly
    let t2 = Instant::now();
    let options = nbrun::Options {
        output: Some(ctx.state.join("warmup.out.ipynb")),
        progress: false,
        ..notebooks::options()
    };
    match notebooks::run(&ctx.repo.join("kernel-config/warmup.ipynb"), &options) {
        0 => {}
        code => return Err(sh::exit(code)),
    }
    // 3. the other slots were built from older sources: launch-kernel.sh drops them and seeds
    // slot-1 from slot-0 now, while no kernel builds in it (a second kernel, such as the pool's
    // spare next to a learner's, then starts warm).
    sh::run(
        std::process::Command::new(ctx.repo.join("kernel-config/launch-kernel.sh"))
            .arg("--seed-slots")
            .env("JACOBIAN_COURSE_STATE", &ctx.state),
    )?;
    eprintln!(
        "kernel warm in {}; a warm kernel start plus first heatmap took {}",
        sh::elapsed(t),
        sh::elapsed(t2)
    );
    sh::write(&stamp, format!("{hash}\n"))
}

/// Step 1 of the warm-up (also `install-system`'s build): build the course crates into the
/// first tmpdir slot of `state`, from a cell (see launch-kernel.sh), by running
/// `state/warmup-build.ipynb` on the course kernel found in `jupyter_path` (empty: the
/// checkout's `.venv`, as nbrun finds it).
/// On a fresh machine this compiles ~180 crates for several minutes: cargo's "Compiling …" lines
/// from the kernel's log are echoed next to nbrun's "still running…" lines, so the wait shows
/// progress.
pub fn build_slot(state: &Path, jupyter_path: Vec<std::path::PathBuf>) -> Result<()> {
    let log = state.join("warmup-build.out.kernel.log");
    sh::write(&log, "")?;
    let done = Arc::new(AtomicBool::new(false));
    let follower = {
        let (log, done) = (log.clone(), Arc::clone(&done));
        std::thread::spawn(move || follow_compiling(&log, &done, &mut std::io::stderr()))
    };
    let options = nbrun::Options {
        output: Some(state.join("warmup-build.out.ipynb")),
        kernel_log: Some(log),
        startup_timeout: Duration::from_secs(120),
        timeout_per_cell: Duration::from_secs(1800),
        kernel: (!jupyter_path.is_empty()).then(|| crate::KERNEL_NAME.to_string()),
        jupyter_path,
        ..notebooks::options()
    };
    // The launcher reads this from the kernel's environment, which nbrun's process passes on.
    std::env::set_var("JACOBIAN_COURSE_WARMUP", "1");
    let code = notebooks::run(&state.join("warmup-build.ipynb"), &options);
    std::env::remove_var("JACOBIAN_COURSE_WARMUP");
    done.store(true, Ordering::Release);
    let _ = follower.join();
    match code {
        0 => Ok(()),
        code => Err(sh::exit(code)),
    }
}

/// Echo the `Compiling …` lines that appear in `log` until `done` is set and the file holds
/// nothing more; a file that shrinks (truncated by a new writer) is read again from the start.
fn follow_compiling(log: &Path, done: &AtomicBool, out: &mut impl Write) {
    let mut pos = 0u64;
    let mut partial = Vec::new();
    loop {
        let finished = done.load(Ordering::Acquire);
        let mut chunk = Vec::new();
        if let Ok(mut f) = std::fs::File::open(log) {
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            if len < pos {
                pos = 0;
                partial.clear();
            }
            if f.seek(SeekFrom::Start(pos)).is_ok() && f.read_to_end(&mut chunk).is_ok() {
                pos += chunk.len() as u64;
            }
        }
        partial.extend_from_slice(&chunk);
        while let Some(nl) = partial.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = partial.drain(..=nl).collect();
            let text = String::from_utf8_lossy(&line);
            if text.trim_start().starts_with("Compiling ") {
                let _ = out.write_all(text.as_bytes());
                let _ = out.flush();
            }
        }
        if finished && chunk.is_empty() {
            return;
        }
        if chunk.is_empty() {
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follower_echoes_only_compiling_lines_until_done() {
        let dir = std::env::temp_dir().join(format!("xtask-follow-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("k.log");
        std::fs::write(&log, "   Compiling candle-core v0.11.1\nwarning: x\n").unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let t = {
            let (log, done) = (log.clone(), Arc::clone(&done));
            std::thread::spawn(move || {
                let mut out = Vec::new();
                follow_compiling(&log, &done, &mut out);
                out
            })
        };
        std::thread::sleep(Duration::from_millis(400));
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        f.write_all(b"   Compiling course v0.1.0\n   Compiling half")
            .unwrap();
        drop(f);
        std::thread::sleep(Duration::from_millis(400));
        done.store(true, Ordering::Release);
        let out = String::from_utf8(t.join().unwrap()).unwrap();
        assert_eq!(
            out,
            "   Compiling candle-core v0.11.1\n   Compiling course v0.1.0\n"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
