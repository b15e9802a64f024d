//! Launching a kernel from its spec, the kernel_info handshake, and guaranteed shutdown.
//!
//! The kernel runs in its own process group so that shutting it down also takes down
//! evcxr's execution subprocess. [`Kernel::shutdown`] is the polite path
//! (`shutdown_request` on the control channel, then SIGTERM/SIGKILL to the group);
//! dropping a [`Kernel`] that was not shut down kills the group at once.

use std::fs::File;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use jupyter_protocol::connection_info::Transport;
use jupyter_protocol::{
    ConnectionInfo, JupyterMessage, JupyterMessageContent, KernelInfoReply, KernelInfoRequest,
    ShutdownRequest,
};
use jupyter_zmq_client::{
    ClientControlConnection, ClientIoPubConnection, DealerRecvConnection, DealerSendConnection,
};
use tokio::process::Child;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::kernelspec::KernelSpec;
use crate::{Error, Result};

/// Which socket a message arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Channel {
    IoPub,
    Shell,
}

/// One message (or an undecodable one) from a reader task.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub channel: Channel,
    pub message: std::result::Result<JupyterMessage, String>,
}

/// The parent `msg_id` a message answers, if any.
pub(crate) fn parent_id(msg: &JupyterMessage) -> Option<&str> {
    msg.parent_header.as_ref().map(|h| h.msg_id.as_str())
}

/// Reader tasks, aborted when dropped (including when startup is abandoned).
pub(crate) struct Readers(Vec<JoinHandle<()>>);

impl Drop for Readers {
    fn drop(&mut self) {
        for reader in &self.0 {
            reader.abort();
        }
    }
}

/// The kernel process; kills its whole process group on drop unless already shut down.
struct ProcessGuard {
    child: Child,
    /// Process group id (= the kernel's pid, since it was started with `process_group(0)`).
    pgid: Option<i32>,
    done: bool,
}

impl ProcessGuard {
    fn signal_group(&self, signal: i32) {
        #[cfg(unix)]
        if let Some(pgid) = self.pgid {
            // SAFETY: kill(2) with a negative pid signals a process group; no memory is touched.
            unsafe {
                libc::kill(-pgid, signal);
            }
        }
        #[cfg(not(unix))]
        let _ = signal;
    }
}

#[cfg(unix)]
const SIGTERM: i32 = libc::SIGTERM;
#[cfg(unix)]
const SIGKILL: i32 = libc::SIGKILL;
#[cfg(not(unix))]
const SIGTERM: i32 = 15;
#[cfg(not(unix))]
const SIGKILL: i32 = 9;

impl Drop for ProcessGuard {
    fn drop(&mut self) {
        if !self.done {
            self.signal_group(SIGKILL);
            let _ = self.child.start_kill();
            self.done = true;
        }
    }
}

/// A running kernel with connected shell, control and iopub channels.
pub(crate) struct Kernel {
    /// Where the kernel's stdout/stderr go.
    pub log: PathBuf,
    /// The `kernel_info_reply`, once the handshake succeeded.
    pub info: Option<KernelInfoReply>,
    /// Messages from iopub and shell, in arrival order per channel.
    pub incoming: mpsc::UnboundedReceiver<Incoming>,
    shell: DealerSendConnection,
    control: ClientControlConnection,
    _readers: Readers,
    process: ProcessGuard,
    /// Holds the connection file; removed on drop.
    _runtime_dir: tempfile::TempDir,
}

fn startup_error(name: &str, log: &Path, reason: impl Into<String>) -> Error {
    Error::KernelStartup {
        name: name.to_string(),
        reason: reason.into(),
        log: log.to_path_buf(),
    }
}

/// Whether a kernel that exited during startup did so because a port nbrun picked for it was
/// taken meanwhile ("Address already in use" in its log).
pub(crate) fn lost_its_ports(log: &Path) -> bool {
    std::fs::read_to_string(log).is_ok_and(|text| {
        text.contains("Address already in use") || text.contains("AddrInUse")
    })
}

/// Open (truncate) the kernel log and return two handles for stdout and stderr.
fn open_log(log: &Path) -> Result<(Stdio, Stdio)> {
    if let Some(parent) = log.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io("create the kernel log folder", parent, e))?;
    }
    let file = File::create(log).map_err(|e| Error::io("create the kernel log", log, e))?;
    let clone = file
        .try_clone()
        .map_err(|e| Error::io("open the kernel log", log, e))?;
    Ok((Stdio::from(file), Stdio::from(clone)))
}

impl Kernel {
    /// Spawn the kernel in `cwd`, connect, and wait (at most `startup_timeout`) until it
    /// answers `kernel_info_request` on shell and publishes on iopub.
    pub async fn start(
        spec: &KernelSpec,
        cwd: &Path,
        log: &Path,
        startup_timeout: Duration,
    ) -> Result<Kernel> {
        let name = spec.name.clone();
        let started = Instant::now();
        let (stdout, stderr) = open_log(log)?;

        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let (ports, listeners) = jupyter_zmq_client::peek_ports_with_listeners(ip, 5)
            .await
            .map_err(|e| startup_error(&name, log, format!("cannot reserve ports: {e}")))?;
        let info = ConnectionInfo {
            transport: Transport::TCP,
            ip: ip.to_string(),
            stdin_port: ports[0],
            control_port: ports[1],
            hb_port: ports[2],
            shell_port: ports[3],
            iopub_port: ports[4],
            signature_scheme: "hmac-sha256".to_string(),
            key: uuid::Uuid::new_v4().to_string(),
            kernel_name: Some(name.clone()),
        };
        let runtime_dir = tempfile::Builder::new()
            .prefix("nbrun-")
            .tempdir()
            .map_err(|e| startup_error(&name, log, format!("cannot create a temp dir: {e}")))?;
        let connection_file = runtime_dir
            .path()
            .join(format!("kernel-{}.json", uuid::Uuid::new_v4()));
        let json = serde_json::to_string_pretty(&info)
            .map_err(|e| startup_error(&name, log, e.to_string()))?;
        std::fs::write(&connection_file, json)
            .map_err(|e| Error::io("write the connection file", &connection_file, e))?;

        let mut command = spec
            .to_kernelspec_dir()
            .command(&connection_file, Some(stderr), Some(stdout))
            .map_err(|e| startup_error(&name, log, e.to_string()))?;
        command.current_dir(cwd).kill_on_drop(true);
        #[cfg(unix)]
        command.process_group(0);
        #[cfg(target_os = "linux")]
        // SAFETY: prctl(PR_SET_PDEATHSIG) is async-signal-safe and touches no memory
        // of the parent; it makes the kernel die with SIGKILL if this process dies
        // without shutting it down (e.g. killed by the test harness).
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = command.spawn().map_err(|e| {
            startup_error(
                &name,
                log,
                format!(
                    "cannot run `{}` (from {}): {e}",
                    spec.program(),
                    spec.dir.join("kernel.json").display()
                ),
            )
        })?;
        // The kernel binds these ports as its first action; release them now.
        drop(listeners);
        let pgid = child.id().map(|id| id as i32);
        let mut process = ProcessGuard {
            child,
            pgid,
            done: false,
        };

        // Connect and handshake, again and again until the startup timeout: a kernel on a
        // loaded machine may bind its ports late, or reset a connection made while it was
        // busy (seen with 4 cold evcxr kernels starting at once on 2 cores). jupyter_client
        // is as patient: its sockets reconnect on their own until the kernel answers.
        let deadline = tokio::time::Instant::from_std(started + startup_timeout);
        let mut attempts = 0u32;
        let exited_during_startup = |status: std::io::Result<std::process::ExitStatus>| {
            let status = status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
            startup_error(
                &name,
                log,
                format!("the kernel process exited during startup ({status})"),
            )
        };
        let outcome = loop {
            attempts += 1;
            // A fresh session (and shell identity) per attempt, so the kernel never sees
            // a second connection claim the identity of a dead one.
            let session = uuid::Uuid::new_v4().to_string();
            let connect = connect_and_handshake(&info, &session);
            let last_failure = tokio::select! {
                r = tokio::time::timeout_at(deadline, connect) => match r {
                    Ok(Ok(connected)) => break connected,
                    Ok(Err(reason)) => reason,
                    Err(_) => return Err(Error::KernelStartupTimeout {
                        name: name.clone(),
                        waited: startup_timeout,
                        log: log.to_path_buf(),
                    }),
                },
                status = process.child.wait() => {
                    process.done = true;
                    return Err(exited_during_startup(status));
                }
            };
            let pause = Duration::from_millis(200 * u64::from(attempts.min(10)));
            if tokio::time::Instant::now() + pause >= deadline {
                return Err(startup_error(
                    &name,
                    log,
                    format!(
                        "no handshake within {} s after {attempts} attempts; last: {last_failure}",
                        startup_timeout.as_secs_f64()
                    ),
                ));
            }
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                status = process.child.wait() => {
                    process.done = true;
                    return Err(exited_during_startup(status));
                }
            }
        };
        let Connected {
            shell,
            control,
            incoming,
            readers,
            info: kernel_info,
        } = outcome;
        Ok(Kernel {
            log: log.to_path_buf(),
            info: Some(kernel_info),
            incoming,
            shell,
            control,
            _readers: readers,
            process,
            _runtime_dir: runtime_dir,
        })
    }

    /// Send a request on the shell channel; returns its `msg_id`.
    pub async fn send_shell(
        &mut self,
        message: JupyterMessage,
    ) -> std::result::Result<String, String> {
        let id = message.header.msg_id.clone();
        self.shell.send(message).await.map_err(|e| e.to_string())?;
        Ok(id)
    }

    /// `Some(description)` if the kernel process has exited.
    pub fn exited(&mut self) -> Option<String> {
        match self.process.child.try_wait() {
            Ok(Some(status)) => Some(format!("the kernel process exited ({status})")),
            Ok(None) => None,
            Err(e) => Some(format!("cannot query the kernel process: {e}")),
        }
    }

    /// Shut the kernel down: `shutdown_request` on control, wait up to `grace` for
    /// the process to exit, then SIGTERM and SIGKILL its process group. Idempotent.
    pub async fn shutdown(&mut self, grace: Duration) {
        if self.process.done {
            return;
        }
        if self.exited().is_none() {
            let request: JupyterMessage = ShutdownRequest { restart: false }.into();
            let _ = tokio::time::timeout(Duration::from_secs(1), self.control.send(request)).await;
            let exited = tokio::time::timeout(grace, self.process.child.wait()).await;
            if exited.is_err() {
                self.process.signal_group(SIGTERM);
                let exited =
                    tokio::time::timeout(Duration::from_secs(1), self.process.child.wait()).await;
                if exited.is_err() {
                    self.process.signal_group(SIGKILL);
                    let _ = self.process.child.start_kill();
                    let _ = tokio::time::timeout(Duration::from_secs(2), self.process.child.wait())
                        .await;
                }
            }
        }
        // Whatever the kernel did, leave nothing of its group behind (evcxr's subprocess).
        self.process.signal_group(SIGKILL);
        self.process.done = true;
    }
}

/// A socket a reader task reads from: iopub, or the receiving half of shell.
trait ReadMessage: Send + 'static {
    fn read_message(
        &mut self,
    ) -> impl Future<Output = jupyter_zmq_client::Result<JupyterMessage>> + Send;
}

impl ReadMessage for ClientIoPubConnection {
    fn read_message(
        &mut self,
    ) -> impl Future<Output = jupyter_zmq_client::Result<JupyterMessage>> + Send {
        self.read()
    }
}

impl ReadMessage for DealerRecvConnection {
    fn read_message(
        &mut self,
    ) -> impl Future<Output = jupyter_zmq_client::Result<JupyterMessage>> + Send {
        self.read()
    }
}

/// Forward every message of one socket to `tx`, tagged with its channel, until the socket
/// closes (sent once, as an error saying "<name> closed: …") or nobody listens any more. A
/// message that cannot be decoded is sent as an error and reading goes on.
fn spawn_reader(
    mut socket: impl ReadMessage,
    channel: Channel,
    name: &'static str,
    tx: mpsc::UnboundedSender<Incoming>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let message = match socket.read_message().await {
                Ok(m) => Ok(m),
                Err(jupyter_zmq_client::RuntimeError::ZmqError(e)) => {
                    let _ = tx.send(Incoming {
                        channel,
                        message: Err(format!("{name} closed: {e}")),
                    });
                    break;
                }
                Err(e) => Err(e.to_string()),
            };
            if tx.send(Incoming { channel, message }).is_err() {
                break;
            }
        }
    })
}

struct Connected {
    shell: DealerSendConnection,
    control: ClientControlConnection,
    incoming: mpsc::UnboundedReceiver<Incoming>,
    readers: Readers,
    info: KernelInfoReply,
}

/// Connect iopub, shell and control, start the reader tasks, then repeat
/// `kernel_info_request` until it is answered on shell and iopub has delivered a
/// message (iopub is a plain PUB socket without a welcome message, so this is the
/// only way to know the subscription is live and no output will be lost).
async fn connect_and_handshake(
    info: &ConnectionInfo,
    session: &str,
) -> std::result::Result<Connected, String> {
    let iopub = jupyter_zmq_client::create_client_iopub_connection(info, "", session)
        .await
        .map_err(|e| format!("cannot connect to iopub: {e}"))?;
    let identity =
        jupyter_zmq_client::peer_identity_for_session(session).map_err(|e| e.to_string())?;
    let shell =
        jupyter_zmq_client::create_client_shell_connection_with_identity(info, session, identity)
            .await
            .map_err(|e| format!("cannot connect to shell: {e}"))?;
    let control = jupyter_zmq_client::create_client_control_connection(info, session)
        .await
        .map_err(|e| format!("cannot connect to control: {e}"))?;
    let (mut shell_tx, shell_rx) = shell.split();

    let (tx, mut incoming) = mpsc::unbounded_channel();
    let iopub_reader = spawn_reader(iopub, Channel::IoPub, "iopub", tx.clone());
    let shell_reader = spawn_reader(shell_rx, Channel::Shell, "shell", tx);
    let readers = Readers(vec![iopub_reader, shell_reader]);

    let mut reply: Option<KernelInfoReply> = None;
    let mut iopub_live = false;
    loop {
        let request: JupyterMessage = KernelInfoRequest {}.into();
        shell_tx
            .send(request)
            .await
            .map_err(|e| format!("cannot send kernel_info_request: {e}"))?;
        let round = tokio::time::sleep(Duration::from_secs(1));
        tokio::pin!(round);
        loop {
            tokio::select! {
                _ = &mut round => break,
                next = incoming.recv() => {
                    let Some(Incoming { channel, message }) = next else {
                        return Err("the kernel's sockets closed during startup".to_string());
                    };
                    match (channel, message) {
                        (Channel::IoPub, Ok(_)) => iopub_live = true,
                        // A reset iopub socket would silently lose every output: start over.
                        (Channel::IoPub, Err(e)) if e.contains("closed") => {
                            return Err(format!("iopub failed during startup: {e}"));
                        }
                        (Channel::IoPub, Err(_)) => iopub_live = true,
                        (Channel::Shell, Ok(msg)) => {
                            // Any kernel_info_reply on our session answers one of our requests.
                            if let JupyterMessageContent::KernelInfoReply(r) = msg.content {
                                reply = Some(*r);
                            }
                        }
                        (Channel::Shell, Err(e)) => {
                            return Err(format!("unreadable reply to kernel_info_request: {e}"));
                        }
                    }
                }
            }
            if reply.is_some() && iopub_live {
                if let Some(info) = reply {
                    return Ok(Connected {
                        shell: shell_tx,
                        control,
                        incoming,
                        readers,
                        info,
                    });
                }
            }
        }
    }
}
