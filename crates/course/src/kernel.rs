//! The course kernel's execution process: what a learner sees when it stops, and output that
//! is not UTF-8.
//!
//! evcxr runs every cell in one child process (the "runtime"). Two of its habits cost a learner
//! dearly, and evcxr offers no hook for either (evcxr 0.22, `child_process.rs`):
//!
//! - An interrupt (JupyterLab's ■), a crash, `std::process::exit` or an out-of-memory kill ends
//!   that process. evcxr starts a new one and reports only "Subprocess terminated with status:
//!   signal: 9 (SIGKILL)"; every variable is gone and nothing says so, so the learner's next
//!   cell fails with "cannot find value `x`".
//! - evcxr reads the process's output with `BufRead::lines`, which fails on the first line that
//!   is not UTF-8. On stderr, everything after it (panic messages included) vanishes until the
//!   next restart; on stdout, every later cell's output arrives one cell late.
//!
//! [`watch`] fixes both from inside the runtime. It forks a small watcher process that reads the
//! runtime's stdout and stderr through two pipes and passes them on to evcxr with every invalid
//! byte sequence replaced by U+FFFD (so evcxr never sees a bad line). When the pipes close, the
//! runtime has ended: the watcher writes [`STATE_LOST`] to evcxr's end of the runtime's stdout,
//! which evcxr reads to its end before it reports the termination, so the learner reads it next
//! to evcxr's line. A process, not a thread, because a thread dies with the runtime: it would
//! lose the last lines (a panic message just before an abort) and could not say that the
//! process ended.
//!
//! The kernel's `init.evcxr` calls [`watch`] when the kernel starts; every rich display
//! ([`crate::display::emit`]) calls it too, so the process evcxr starts after a restart is
//! watched from its first heatmap or feedback on. Outside evcxr's runtime it does nothing.

/// What the learner reads when the runtime has ended (then evcxr's own "Subprocess terminated"
/// line follows).
pub const STATE_LOST: &str = "\
The Rust process that runs your cells has stopped (an interrupt, a crash, an exit or too much \
memory), so every variable is gone: each `let`, the random generator, your network. Functions, \
structs and `use` lines are kept. To go on, re-run the cells above this one (JupyterLab: Run > \
Run All Above Selected Cell), then this one.\n";

/// The environment variable that marks a runtime as watched (its value: the runtime's pid).
/// evcxr starts each new runtime from its own environment, so a restarted one is not marked.
const WATCHED: &str = "JACOBIAN_COURSE_WATCHED_PID";

/// evcxr sets this in its runtime process (evcxr `runtime.rs`, `EVCXR_IS_RUNTIME_VAR`).
const EVCXR_RUNTIME: &str = "EVCXR_IS_RUNTIME";

/// Starts the watcher for this process, once, and turns off the backtraces evcxr asks for on
/// panics; does nothing outside evcxr's runtime. Without `fork` (not Linux), or when a pipe or
/// the fork fails, there is no watcher and the kernel behaves as plain evcxr does. Cheap after
/// the first call: two environment lookups.
pub fn watch() {
    if std::env::var_os(EVCXR_RUNTIME).is_none() {
        return;
    }
    let me = std::process::id().to_string();
    if std::env::var(WATCHED).is_ok_and(|pid| pid == me) {
        return;
    }
    // evcxr starts the runtime with RUST_BACKTRACE=1, so a panic printed 20-40 lines of evcxr's
    // and std's frames under its message. The message and its location are what a learner needs;
    // std reads the variable when a panic happens, so a cell can still turn backtraces on with
    // `std::env::set_var("RUST_BACKTRACE", "1")`.
    if std::env::var("RUST_BACKTRACE").is_ok_and(|v| v == "1") {
        std::env::set_var("RUST_BACKTRACE", "0");
    }
    // Like `exercise::help`'s counters: evcxr loads each cell as a library of its own, so a
    // static would not remember across cells; the process environment does.
    #[cfg(target_os = "linux")]
    if imp::start() {
        std::env::set_var(WATCHED, &me);
    }
}

/// Lossy UTF-8 over a byte stream, without allocating (the watcher runs after `fork` in a
/// process with threads, where only async-signal-safe work is allowed: no heap, no locks).
/// Feed bytes with [`Utf8Repair::push`]; at the end of the stream, [`Utf8Repair::finish`].
pub struct Utf8Repair {
    /// An incomplete multi-byte sequence carried over from the previous chunk.
    pending: [u8; 4],
    pending_len: usize,
}

/// U+FFFD REPLACEMENT CHARACTER, as `String::from_utf8_lossy` writes it.
const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

impl Default for Utf8Repair {
    fn default() -> Self {
        Self::new()
    }
}

impl Utf8Repair {
    /// Nothing pending.
    pub const fn new() -> Self {
        Utf8Repair { pending: [0; 4], pending_len: 0 }
    }

    /// Passes on `input`'s valid UTF-8 and U+FFFD for each invalid sequence (as
    /// `String::from_utf8_lossy` would for the whole stream), through `out`; an incomplete
    /// sequence at the end waits for the next chunk.
    pub fn push(&mut self, mut input: &[u8], out: &mut impl FnMut(&[u8])) {
        // Complete a sequence left over from the last chunk, one byte at a time.
        while self.pending_len > 0 && !input.is_empty() {
            self.pending[self.pending_len] = input[0];
            self.pending_len += 1;
            input = &input[1..];
            match std::str::from_utf8(&self.pending[..self.pending_len]) {
                Ok(_) => {
                    out(&self.pending[..self.pending_len]);
                    self.pending_len = 0;
                }
                Err(e) if e.error_len().is_some() => {
                    // Invalid: one U+FFFD for the bad prefix, the rest is looked at again.
                    let bad = e.error_len().unwrap_or(1);
                    out(REPLACEMENT);
                    let rest_len = self.pending_len - bad;
                    let mut rest = [0u8; 4];
                    rest[..rest_len].copy_from_slice(&self.pending[bad..self.pending_len]);
                    self.pending_len = 0;
                    self.push(&rest[..rest_len], out);
                }
                Err(_) => {} // still incomplete
            }
        }
        loop {
            match std::str::from_utf8(input) {
                Ok(_) => {
                    out(input);
                    return;
                }
                Err(e) => {
                    let (good, rest) = input.split_at(e.valid_up_to());
                    out(good);
                    match e.error_len() {
                        Some(bad) => {
                            out(REPLACEMENT);
                            input = &rest[bad..];
                        }
                        None => {
                            // An incomplete sequence at the end (at most 3 bytes).
                            self.pending[..rest.len()].copy_from_slice(rest);
                            self.pending_len = rest.len();
                            return;
                        }
                    }
                }
            }
        }
    }

    /// The end of the stream: an incomplete sequence still pending becomes one U+FFFD.
    pub fn finish(&mut self, out: &mut impl FnMut(&[u8])) {
        if self.pending_len > 0 {
            out(REPLACEMENT);
            self.pending_len = 0;
        }
    }
}

#[cfg(target_os = "linux")]
mod imp {
    use super::{Utf8Repair, STATE_LOST};

    /// Two pipes, a fork, and this process's stdout and stderr pointed at the pipes. `false`
    /// (nothing changed) when a step fails.
    pub(super) fn start() -> bool {
        // SAFETY: plain libc calls on fds this function owns; the child branch only calls
        // async-signal-safe functions (see `watcher`).
        unsafe {
            let (Some(err), Some(out)) = (pipe(), pipe()) else {
                return false;
            };
            // Where the watcher passes the streams on to: evcxr's pipes, fds 1 and 2 now.
            let evcxr_out = libc::fcntl(1, libc::F_DUPFD_CLOEXEC, 3);
            let evcxr_err = libc::fcntl(2, libc::F_DUPFD_CLOEXEC, 3);
            let parent = libc::getpid();
            let pid = if evcxr_out < 0 || evcxr_err < 0 { -1 } else { libc::fork() };
            if pid == 0 {
                watcher([err.0, out.0], [evcxr_err, evcxr_out], parent);
            }
            for fd in [err.0, out.0, evcxr_out, evcxr_err] {
                if fd >= 0 {
                    libc::close(fd);
                }
            }
            // dup2 clears close-on-exec: a process the learner starts writes there too, as it
            // would have written to evcxr's pipes.
            let ok = pid > 0 && libc::dup2(err.1, 2) == 2 && libc::dup2(out.1, 1) == 1;
            libc::close(err.1);
            libc::close(out.1);
            ok
        }
    }

    /// `(read end, write end)`, both close-on-exec.
    unsafe fn pipe() -> Option<(i32, i32)> {
        let mut fds = [0; 2];
        (libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) == 0).then_some((fds[0], fds[1]))
    }

    fn errno() -> i32 {
        // SAFETY: reads this thread's errno.
        unsafe { *libc::__errno_location() }
    }

    /// The watcher: passes stderr and stdout on, repaired, until every writer is gone or the
    /// runtime is gone (a process the learner started may hold the pipes for ever), then says
    /// the state is lost and exits. Never returns.
    ///
    /// Order: evcxr reads stderr on a thread of its own and ends a cell when the runtime's
    /// stdout says so; stderr written before that is passed on first (each round drains stderr
    /// before it takes one chunk of stdout, and gives evcxr's stderr thread a head start), so a
    /// cell's stderr arrives with the cell far more often than it does with plain evcxr (where
    /// stdout and stderr race; docs/DESIGN.md).
    ///
    /// After `fork` in a process with threads only async-signal-safe work is allowed: no heap,
    /// no locks; `Utf8Repair` and the loop below use the stack and raw syscalls only.
    unsafe fn watcher(from: [i32; 2], to: [i32; 2], parent: i32) -> ! {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        // Nothing else stays open: the slot's lock (held by the runtime, inherited without
        // close-on-exec from the kernel's launcher) must be released when the runtime ends.
        let mut limit = libc::rlimit { rlim_cur: 4096, rlim_max: 4096 };
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        for fd in 0..limit.rlim_cur.min(1 << 16) as i32 {
            if !from.contains(&fd) && !to.contains(&fd) {
                libc::close(fd);
            }
        }
        for fd in from.into_iter().chain([to[1]]) {
            libc::fcntl(fd, libc::F_SETFL, libc::fcntl(fd, libc::F_GETFL) | libc::O_NONBLOCK);
        }
        let mut w = Streams {
            from,
            to,
            parent,
            repair: [Utf8Repair::new(), Utf8Repair::new()],
            stderr_sent_at: None,
            stdout_at_line_start: true,
        };
        let mut buf = [0u8; 16384];
        // What `Utf8Repair` makes of one chunk: at most 3 bytes (U+FFFD) per byte read.
        let mut out = [0u8; 3 * 16384 + 4];
        while w.from[0] >= 0 || w.from[1] >= 0 {
            let gone = w.runtime_gone();
            let mut fds = w.from.map(|fd| libc::pollfd { fd, events: libc::POLLIN, revents: 0 });
            let ready = libc::poll(fds.as_mut_ptr(), 2, if gone { 0 } else { 1000 });
            if ready < 0 && errno() != libc::EINTR {
                break;
            }
            // All of stderr that is there, then one chunk of stdout, until both are empty.
            loop {
                w.pass_stderr(&mut buf);
                if w.from[1] < 0 {
                    break;
                }
                match read_chunk(w.from[1], &mut buf) {
                    Chunk::Data(n) => {
                        // evcxr passes stderr on from a thread of its own, so stderr that reaches
                        // it just before the stdout that ends the cell can still arrive after the
                        // cell's end, where JupyterLab no longer shows it. A few milliseconds
                        // between the two give that thread its turn.
                        if let Some(sent) = w.stderr_sent_at.take() {
                            sleep_until(sent + STDERR_HEAD_START_NS);
                        }
                        w.stdout_at_line_start = buf[n - 1] == b'\n';
                        let mut len = 0;
                        w.repair[1].push(&buf[..n], &mut |b: &[u8]| {
                            out[len..len + b.len()].copy_from_slice(b);
                            len += b.len();
                        });
                        w.write_stdout(&out[..len], &mut buf);
                    }
                    Chunk::Empty => break,
                    Chunk::End => w.from[1] = -1,
                }
            }
            if gone {
                break; // what the runtime wrote before it ended has been passed on
            }
        }
        w.end_stderr();
        let mut tail = [0u8; 8];
        let mut len = 0;
        w.repair[1].finish(&mut |b: &[u8]| {
            tail[len..len + b.len()].copy_from_slice(b);
            len += b.len();
        });
        w.write_stdout(&tail[..len], &mut buf);
        // evcxr reads the runtime's stdout to its end before it reports the termination (or
        // shows it as the cell's output while the cell runs). After a normal exit (the kernel
        // shutting down, or `:restart`) nobody reads it, and the write goes nowhere.
        if !w.stdout_at_line_start {
            w.write_stdout(b"\n", &mut buf);
        }
        w.write_stdout(STATE_LOST.as_bytes(), &mut buf);
        libc::_exit(0)
    }

    /// The watcher's state: the runtime's pipes (read ends, -1 at their end) and evcxr's.
    struct Streams {
        from: [i32; 2],
        /// evcxr's stderr (-1 once closed) and stdout.
        to: [i32; 2],
        parent: i32,
        repair: [Utf8Repair; 2],
        stderr_sent_at: Option<u64>,
        stdout_at_line_start: bool,
    }

    impl Streams {
        fn runtime_gone(&self) -> bool {
            // SAFETY: getppid has no preconditions. The runtime is our parent until it ends.
            unsafe { libc::getppid() != self.parent }
        }

        /// All of stderr that can be read now, repaired, to evcxr.
        unsafe fn pass_stderr(&mut self, buf: &mut [u8]) {
            while self.from[0] >= 0 {
                match read_chunk(self.from[0], buf) {
                    Chunk::Data(n) => {
                        let to = self.to[0];
                        self.repair[0].push(&buf[..n], &mut |b: &[u8]| write_all(to, b));
                        self.stderr_sent_at = Some(now_ns());
                    }
                    Chunk::Empty => break,
                    Chunk::End => {
                        self.from[0] = -1;
                        self.end_stderr();
                    }
                }
            }
        }

        /// Closes evcxr's end of stderr. When the runtime has died, evcxr waits for stderr's
        /// end before it reads the rest of stdout (evcxr `get_termination_error`).
        unsafe fn end_stderr(&mut self) {
            if self.to[0] >= 0 {
                let to = self.to[0];
                self.repair[0].finish(&mut |b: &[u8]| write_all(to, b));
                libc::close(to);
                self.to[0] = -1;
            }
        }

        /// All of `bytes` to evcxr's stdout, which evcxr reads only while a cell runs or after
        /// the runtime died. If it is full and the runtime is gone, stderr is passed on and
        /// closed, so evcxr moves on to reading stdout (else both would wait for ever).
        unsafe fn write_stdout(&mut self, mut bytes: &[u8], buf: &mut [u8]) {
            while !bytes.is_empty() {
                let n = libc::write(self.to[1], bytes.as_ptr().cast(), bytes.len());
                if n > 0 {
                    bytes = &bytes[n as usize..];
                    continue;
                }
                match errno() {
                    libc::EINTR => {}
                    libc::EAGAIN => {
                        let mut p = libc::pollfd { fd: self.to[1], events: libc::POLLOUT, revents: 0 };
                        if libc::poll(&mut p, 1, 1000) == 0 && self.runtime_gone() {
                            self.pass_stderr(buf);
                            self.end_stderr();
                        }
                    }
                    _ => return, // nobody reads stdout any more
                }
            }
        }
    }

    /// How long stdout waits after stderr was passed on (see the watcher loop).
    const STDERR_HEAD_START_NS: u64 = 30_000_000;

    fn now_ns() -> u64 {
        let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: clock_gettime writes the timespec it is given; async-signal-safe.
        unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut t) };
        t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
    }

    fn sleep_until(deadline_ns: u64) {
        let now = now_ns();
        if deadline_ns > now {
            let left = deadline_ns - now;
            let t = libc::timespec { tv_sec: (left / 1_000_000_000) as _, tv_nsec: (left % 1_000_000_000) as _ };
            // SAFETY: nanosleep reads the timespec; async-signal-safe. An early wake-up is fine.
            unsafe { libc::nanosleep(&t, std::ptr::null_mut()) };
        }
    }

    enum Chunk {
        Data(usize),
        Empty,
        End,
    }

    unsafe fn read_chunk(fd: i32, buf: &mut [u8]) -> Chunk {
        loop {
            let n = libc::read(fd, buf.as_mut_ptr().cast(), buf.len());
            if n > 0 {
                return Chunk::Data(n as usize);
            }
            if n == 0 {
                return Chunk::End;
            }
            match errno() {
                libc::EINTR => continue,
                libc::EAGAIN => return Chunk::Empty,
                _ => return Chunk::End,
            }
        }
    }

    unsafe fn write_all(fd: i32, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let n = libc::write(fd, bytes.as_ptr().cast(), bytes.len());
            if n < 0 && errno() == libc::EINTR {
                continue;
            }
            if n <= 0 {
                return;
            }
            bytes = &bytes[n as usize..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repaired(chunks: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut r = Utf8Repair::new();
        for c in chunks {
            r.push(c, &mut |b: &[u8]| out.extend_from_slice(b));
        }
        r.finish(&mut |b: &[u8]| out.extend_from_slice(b));
        out
    }

    #[test]
    fn repair_matches_from_utf8_lossy_however_the_stream_is_cut() {
        let samples: [&[u8]; 7] = [
            b"plain ascii\n",
            "héllo → ∂y/∂x 😀\n".as_bytes(),
            b"\xff\xfe bad\n",
            b"cut \xe2\x88",
            b"\xe2\x88\xc3(\xf0\x9f\x98 end",
            b"\xed\xa0\x80 surrogate, \xc0\xaf overlong",
            b"\xf4\x90\x80\x80 too big, \x80 lone continuation",
        ];
        for sample in samples {
            let want = String::from_utf8_lossy(sample).into_owned().into_bytes();
            // whole, then every split into two and into single bytes
            assert_eq!(repaired(&[sample]), want, "{sample:?}");
            for cut in 0..=sample.len() {
                let (a, b) = sample.split_at(cut);
                assert_eq!(repaired(&[a, b]), want, "{sample:?} cut at {cut}");
            }
            let bytes: Vec<&[u8]> = sample.chunks(1).collect();
            assert_eq!(repaired(&bytes), want, "{sample:?} byte by byte");
        }
    }

    #[test]
    fn watch_does_nothing_outside_evcxr() {
        // The test process is no evcxr runtime: no fork, fd 2 untouched, no marker.
        assert!(std::env::var_os(EVCXR_RUNTIME).is_none());
        watch();
        assert!(std::env::var_os(WATCHED).is_none());
    }
}
