//! Running one cell: `execute_request`, then collect its iopub messages until both
//! `status: idle` and the `execute_reply` (matched on `parent_header.msg_id`) have
//! arrived — they come in either order — while watching the timeout, the kernel
//! process and (optionally) SIGINT/SIGTERM.

use std::time::{Duration, Instant};

use jupyter_protocol::{
    ExecuteRequest, ExecutionState, JupyterMessage, JupyterMessageContent, ReplyStatus,
};

use crate::kernel::{parent_id, Channel, Incoming, Kernel};
use crate::outputs::OutputCollector;

/// How a cell's execution ended, before judging its outputs.
#[derive(Debug)]
pub(crate) enum CellEnd {
    /// `idle` and `execute_reply` both arrived.
    Finished(ReplyStatus),
    /// The per-cell timeout expired.
    TimedOut,
    /// The kernel process exited or its sockets closed.
    KernelExited(String),
    /// SIGINT/SIGTERM arrived.
    Interrupted,
}

/// What to print while a cell runs.
pub(crate) struct Progress<'a> {
    /// Print at all.
    pub enabled: bool,
    /// E.g. `[2/7] cell 3 (id abc)`.
    pub label: &'a str,
    /// How often to say "still running".
    pub interval: Duration,
}

/// Resolves when SIGINT or SIGTERM arrives; never, if `enabled` is false.
pub(crate) async fn termination_signal(enabled: bool) {
    if !enabled {
        return std::future::pending().await;
    }
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Longest the quiet period after a cell may be stretched by late messages.
const MAX_LATE_OUTPUT_WAIT: Duration = Duration::from_secs(1);

/// Execute `code` on `kernel`, collecting outputs into `collector`.
///
/// After `idle` and `execute_reply`, keeps listening until no message for this
/// cell has arrived for `quiet` (at most [`MAX_LATE_OUTPUT_WAIT`]): evcxr forwards
/// the subprocess's stderr on its own thread, tagged with the *latest* request, so
/// a panic report can arrive after `idle` — and would be attributed to the next
/// cell if that cell's request were already sent.
pub(crate) async fn execute_cell(
    kernel: &mut Kernel,
    code: &str,
    timeout: Duration,
    quiet: Duration,
    handle_signals: bool,
    progress: &Progress<'_>,
    collector: &mut OutputCollector,
) -> CellEnd {
    let start = Instant::now();
    let request: JupyterMessage = ExecuteRequest::new(code.to_string()).into();
    let msg_id = match tokio::time::timeout(timeout, kernel.send_shell(request)).await {
        Ok(Ok(id)) => id,
        Ok(Err(e)) => return CellEnd::KernelExited(format!("cannot send execute_request: {e}")),
        Err(_) => return CellEnd::TimedOut,
    };

    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    let signal = termination_signal(handle_signals);
    tokio::pin!(signal);
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut next_report = progress.interval;

    let mut idle = false;
    let mut reply: Option<ReplyStatus> = None;
    // Set once both idle and the reply have arrived: (status, when, quiet timer).
    let mut finished: Option<(ReplyStatus, Instant)> = None;
    let settle = tokio::time::sleep(Duration::from_secs(3600));
    tokio::pin!(settle);
    loop {
        tokio::select! {
            _ = &mut settle, if finished.is_some() => {
                if let Some((status, _)) = finished.take() {
                    return CellEnd::Finished(status);
                }
            }
            _ = &mut deadline, if finished.is_none() => return CellEnd::TimedOut,
            _ = &mut signal => return CellEnd::Interrupted,
            _ = tick.tick() => {
                if let Some(exit) = kernel.exited() {
                    return CellEnd::KernelExited(exit);
                }
                let elapsed = start.elapsed();
                if progress.enabled && !progress.interval.is_zero() && elapsed >= next_report {
                    eprintln!(
                        "nbrun: {} still running… {:.0} s (timeout {:.0} s)",
                        progress.label,
                        elapsed.as_secs_f64(),
                        timeout.as_secs_f64()
                    );
                    next_report += progress.interval;
                }
            }
            next = kernel.incoming.recv() => {
                let Some(Incoming { channel, message }) = next else {
                    return CellEnd::KernelExited("the kernel's sockets closed".to_string());
                };
                let msg = match message {
                    Ok(msg) => msg,
                    Err(e) if e.contains("closed") => {
                        return CellEnd::KernelExited(e);
                    }
                    Err(e) => {
                        if progress.enabled {
                            eprintln!("nbrun: warning: skipped an undecodable kernel message: {e}");
                        }
                        continue;
                    }
                };
                if parent_id(&msg) != Some(msg_id.as_str()) {
                    continue;
                }
                if let Some((_, done_at)) = &finished {
                    // A late message: wait another quiet period, within the cap.
                    let cap = *done_at + MAX_LATE_OUTPUT_WAIT;
                    let next = (Instant::now() + quiet).min(cap);
                    settle.as_mut().reset(next.into());
                }
                match (channel, &msg.content) {
                    (Channel::IoPub, JupyterMessageContent::Status(status)) => {
                        if status.execution_state == ExecutionState::Idle {
                            idle = true;
                        }
                    }
                    (Channel::IoPub, content) => collector.accept(content),
                    (Channel::Shell, JupyterMessageContent::ExecuteReply(r)) => {
                        if collector.execution_count.is_none() && r.execution_count.value() > 0 {
                            collector.execution_count = Some(r.execution_count.value() as i32);
                        }
                        reply = Some(r.status.clone());
                    }
                    (Channel::Shell, _) => {}
                }
            }
        }
        if idle && finished.is_none() {
            if let Some(status) = reply.take() {
                let now = Instant::now();
                finished = Some((status, now));
                settle.as_mut().reset((now + quiet).into());
            }
        }
    }
}
