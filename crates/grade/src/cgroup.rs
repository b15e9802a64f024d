//! Memory and process limits for one submission, as a Linux cgroup (v2, or v1's `memory` and
//! `pids` hierarchies), and what the kernel used of them.
//!
//! bubblewrap limits what a kernel sees, not what it uses; rlimits cannot stop a fork bomb run by
//! root (RLIMIT_NPROC does not apply to uid 0). A cgroup can, and it also tells the peak memory
//! and whether a limit was hit. Creating one needs root or a delegated cgroup; without that,
//! grading runs with a warning and without these limits.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::sandbox::Limits;

const ROOT: &str = "/sys/fs/cgroup";

/// One submission's cgroup (one folder on v2, two on v1).
#[derive(Debug)]
pub struct Cgroup {
    memory: PathBuf,
    pids: PathBuf,
    v2: bool,
}

/// What a submission used, read before the cgroup is removed.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Usage {
    /// Peak memory of the kernel and its children, bytes (None if not measured).
    pub peak_memory_bytes: Option<u64>,
    /// Times a process could not start because of the process limit.
    pub process_limit_hits: u64,
    /// Processes killed for running out of memory.
    pub oom_kills: u64,
}

impl Cgroup {
    /// Creates cgroup `name` with `limits`; `Err` says why it cannot (not root, no controller).
    pub fn create(name: &str, limits: Limits) -> Result<Cgroup, String> {
        let root = Path::new(ROOT);
        let cgroup = if root.join("cgroup.controllers").is_file() {
            let controllers = fs::read_to_string(root.join("cgroup.subtree_control")).unwrap_or_default();
            for c in ["memory", "pids"] {
                if !controllers.split_whitespace().any(|x| x == c) {
                    fs::write(root.join("cgroup.subtree_control"), format!("+{c}"))
                        .map_err(|e| format!("cannot enable the {c} controller in {ROOT}: {e}"))?;
                }
            }
            let dir = root.join(name);
            Cgroup { memory: dir.clone(), pids: dir, v2: true }
        } else {
            Cgroup { memory: root.join("memory").join(name), pids: root.join("pids").join(name), v2: false }
        };
        for dir in [&cgroup.memory, &cgroup.pids] {
            fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let (memory_file, swap_file) = if cgroup.v2 { ("memory.max", "memory.swap.max") } else { ("memory.limit_in_bytes", "") };
        let write = |dir: &Path, file: &str, value: String| {
            fs::write(dir.join(file), &value).map_err(|e| format!("cannot set {}/{file} to {value}: {e}", dir.display()))
        };
        write(&cgroup.memory, memory_file, limits.memory_bytes.to_string())?;
        if cgroup.v2 {
            // Without this, a memory hog swaps instead of being stopped (where swap exists).
            let _ = write(&cgroup.memory, swap_file, "0".into());
        }
        write(&cgroup.pids, "pids.max", limits.processes.to_string())?;
        Ok(cgroup)
    }

    /// Removes the cgroups of grade runs that are gone (killed before they could clean up):
    /// their names carry the pid of the run (`course-grade-<pid>-<n>`).
    pub fn remove_stale() {
        let root = Path::new(ROOT);
        for hierarchy in [root.to_path_buf(), root.join("memory"), root.join("pids")] {
            let Ok(entries) = fs::read_dir(&hierarchy) else { continue };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let Some(pid) = name.strip_prefix("course-grade-").and_then(|r| r.split('-').next()) else {
                    continue;
                };
                if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
                    let dir = entry.path();
                    let v2 = hierarchy == root;
                    Cgroup { memory: dir.clone(), pids: dir, v2 }.destroy();
                }
            }
        }
    }

    /// The folders a process joins (by writing its pid to `cgroup.procs`).
    pub fn dirs(&self) -> Vec<PathBuf> {
        if self.v2 { vec![self.memory.clone()] } else { vec![self.memory.clone(), self.pids.clone()] }
    }

    /// What was used so far.
    pub fn usage(&self) -> Usage {
        let peak_file = if self.v2 { "memory.peak" } else { "memory.max_usage_in_bytes" };
        let oom = if self.v2 {
            counter(&self.memory.join("memory.events"), "oom_kill")
        } else {
            counter(&self.memory.join("memory.oom_control"), "oom_kill")
        };
        Usage {
            peak_memory_bytes: read_u64(&self.memory.join(peak_file)),
            process_limit_hits: counter(&self.pids.join("pids.events"), "max"),
            oom_kills: oom,
        }
    }

    /// Kills every process left in the cgroup (a fork bomb's, a kernel nbrun could not stop)
    /// and removes it. Returns how many processes were still there.
    pub fn destroy(self) -> usize {
        let mut left = 0;
        let deadline = Instant::now() + Duration::from_secs(10);
        for dir in self.dirs() {
            loop {
                let pids = procs(&dir);
                left = left.max(pids.len());
                if pids.is_empty() || Instant::now() > deadline {
                    break;
                }
                if self.v2 && fs::write(dir.join("cgroup.kill"), "1").is_ok() {
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
                // Freeze-free v1: killing may race with forks, so repeat until empty.
                for pid in pids {
                    // SAFETY: kill(2) on a pid; no memory is touched.
                    unsafe {
                        libc::kill(pid, libc::SIGKILL);
                    }
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = fs::remove_dir(&dir);
        }
        left
    }
}

fn procs(dir: &Path) -> Vec<i32> {
    fs::read_to_string(dir.join("cgroup.procs"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

fn read_u64(path: &Path) -> Option<u64> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// The value of `key` in a flat-keyed cgroup file (`max 3`), 0 when absent.
fn counter(path: &Path, key: &str) -> u64 {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(' ')?;
            (k == key).then(|| v.trim().parse().ok()).flatten()
        })
        .unwrap_or(0)
}
