"""JupyterLab server lifecycle and prerequisite checks for the browser test.

The server is started exactly as a learner's `./course` starts it, from the
project's .venv and with the kernel spec that `./course setup` installs, but:

* on a temporary copy of notebooks/ (JupyterLab autosaves, and the test types
  into a cell: the committed notebooks must never change);
* on 127.0.0.1 only, with a random token (passed in the environment, so it is
  not visible in `ps`), on a free port;
* with its own runtime, settings and workspace directories, so that neither
  the learner's JupyterLab settings nor an open workspace change what the
  test sees, and a test run never touches them either.

Teardown (`LabServer.stop`) runs on every exit path: the pytest fixture's
finally, atexit, SIGTERM/SIGHUP (turned into an exception so that the
finally runs), and PR_SET_PDEATHSIG (the server gets SIGTERM if the test
process dies without cleaning up, and then shuts its kernels down itself).
Kernels run in their own sessions (jupyter_client uses start_new_session),
so killing the server's process group is not enough: every process we
started carries a marker in its environment, and `stop` kills whatever still
carries it, then checks that nothing listens on the port any more.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv"
KERNEL_NAME = "jacobian-course"
KERNEL_DISPLAY_NAME = "Rust (Jacobian course)"
CHROMIUM = Path("/usr/bin/chromium")
MARKER_VAR = "JACOBIAN_COURSE_E2E_RUN"
# Filled in by the tests (seconds), printed at the end of the run by conftest.py.
TIMINGS: dict[str, float] = {}


class PrerequisiteMissing(Exception):
    """A tool the test needs is not installed; the message says how to install it."""


def check_prerequisites() -> dict:
    """Fails (never skips) with an install hint when something is missing."""
    problems = []
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        problems.append(
            f"{CHROMIUM} not found. Install Debian's Chromium: "
            "sudo apt-get update && sudo apt-get install -y chromium "
            "(a test tool's own browser download, `playwright install`, does not work here)"
        )
    jupyter = VENV / "bin" / "jupyter"
    if not (VENV / "bin" / "jupyter-lab").exists():
        problems.append(f"{VENV}/bin/jupyter-lab not found. Run ./course setup (installs JupyterLab into .venv)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        problems.append(
            "the Python package 'playwright' is not importable. Run ./course test (installs "
            "kernel-config/requirements-test.txt into .venv), or "
            ".venv/bin/pip install -r kernel-config/requirements-test.txt; "
            "do not run `playwright install`"
        )
    spec = None
    if jupyter.exists():
        try:
            out = subprocess.run(
                [str(jupyter), "kernelspec", "list", "--json"],
                capture_output=True, text=True, timeout=120, check=True,
            ).stdout
            spec = json.loads(out)["kernelspecs"].get(KERNEL_NAME)
        except (subprocess.SubprocessError, ValueError, KeyError) as e:
            problems.append(f"`jupyter kernelspec list` failed ({e}). Run ./course setup")
        else:
            if spec is None:
                problems.append(f"kernel spec '{KERNEL_NAME}' is not installed. Run ./course setup")
            elif spec["spec"].get("display_name") != KERNEL_DISPLAY_NAME:
                problems.append(
                    f"kernel spec '{KERNEL_NAME}' at {spec['resource_dir']} has display name "
                    f"{spec['spec'].get('display_name')!r}, expected {KERNEL_DISPLAY_NAME!r}. "
                    "Run ./course setup"
                )
    if problems:
        raise PrerequisiteMissing("browser test prerequisites missing:\n  - " + "\n  - ".join(problems))
    return spec


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of LISTEN sockets on `port`, from /proc/net/tcp{,6}."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            addr_hex, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:  # 0A = LISTEN
                continue
            if len(addr_hex) == 8:
                found.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(addr_hex)[::-1]))
            else:
                raw = bytes.fromhex(addr_hex)
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def _marked_pids(marker: str) -> list[int]:
    """Processes whose environment carries our marker (server, kernels, their children)."""
    needle = f"{MARKER_VAR}={marker}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            env = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in env.split(b"\0"):
            pids.append(int(entry.name))
    return pids


def _server_preexec() -> None:
    os.setsid()  # own process group: killpg reaches the server and its helpers
    try:  # PR_SET_PDEATHSIG = 1: SIGTERM the server if the test process dies
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


class LabServer:
    def __init__(self, notebooks_src: Path, log_path: Path):
        self.notebooks_src = notebooks_src
        self.log_path = log_path
        self.token = secrets.token_hex(24)
        self.marker = secrets.token_hex(8)
        self.tmp = Path(tempfile.mkdtemp(prefix="jacobian-e2e-"))
        self.root_dir = self.tmp / "notebooks"
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self._log = None
        self._stopped = False
        self._old_handlers: dict = {}

    # -- start ---------------------------------------------------------------
    def start(self, timeout: float = 180) -> "LabServer":
        atexit.register(self.stop)
        for sig in (signal.SIGTERM, signal.SIGHUP):
            self._old_handlers[sig] = signal.signal(sig, self._on_signal)
        shutil.copytree(self.notebooks_src, self.root_dir,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        settings = self.tmp / "lab-settings"
        # Never fetch news or ask about it: the toast would cover outputs, and
        # nothing outside this machine is reachable anyway.
        notif = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
        notif.parent.mkdir(parents=True)
        notif.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        for d in ("runtime", "workspaces"):
            (self.tmp / d).mkdir()
        env = dict(os.environ)
        env.update({
            "JUPYTER_TOKEN": self.token,
            "JUPYTER_RUNTIME_DIR": str(self.tmp / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(settings),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.tmp / "workspaces"),
            MARKER_VAR: self.marker,
            "PATH": f"{VENV / 'bin'}:{env.get('PATH', '')}",
        })
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w")
        last_error = None
        for _attempt in range(3):  # a free port can be taken between probe and bind
            self.port = _free_port()
            cmd = [
                str(VENV / "bin" / "jupyter-lab"),
                "--no-browser",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0",
                f"--ServerApp.root_dir={self.root_dir}",
                "--ServerApp.allow_remote_access=False",
                "--ServerApp.terminals_enabled=False",
            ]
            if os.geteuid() == 0:  # CI containers run as root; jupyter refuses without this
                cmd.append("--ServerApp.allow_root=True")
            self._log.write(f"$ {' '.join(cmd)}\n")
            self._log.flush()
            self.proc = subprocess.Popen(
                cmd, cwd=self.tmp, env=env, stdin=subprocess.DEVNULL,
                stdout=self._log, stderr=subprocess.STDOUT, preexec_fn=_server_preexec,
            )
            try:
                self._wait_ready(timeout)
                return self
            except RuntimeError as e:
                last_error = e
                if self.proc.poll() is None or "already in use" not in self.log_tail():
                    raise
        raise last_error

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}; log: {self.log_path}\n"
                                   + self.log_tail())
            try:
                self.api("GET", "/api/status", timeout=5)
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.5)
        raise RuntimeError(f"jupyter lab did not answer /api/status within {timeout:.0f}s; "
                           f"log: {self.log_path}\n" + self.log_tail())

    # -- use -----------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}?token={self.token}"

    def api(self, method: str, path: str, token: str | None = "default", timeout: float = 30):
        req = urllib.request.Request(self.base_url + path, method=method)
        if token == "default":
            token = self.token
        if token is not None:
            req.add_header("Authorization", f"token {token}")
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
            return json.loads(body) if body else None

    def listening_addresses(self) -> set[str]:
        return _listening_addresses(self.port)

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    # -- stop ----------------------------------------------------------------
    def _on_signal(self, signum, _frame):
        self.stop()
        raise KeyboardInterrupt(f"signal {signum}")

    def stop(self) -> None:
        """Idempotent. Shuts kernels and server down; raises if anything survives."""
        if self._stopped:
            return
        self._stopped = True
        try:
            self._stop()
        finally:
            for sig, handler in self._old_handlers.items():
                try:
                    signal.signal(sig, handler)
                except (ValueError, TypeError):
                    pass
            atexit.unregister(self.stop)
            if self._log:
                self._log.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _stop(self) -> None:
        if self.proc is None:
            return
        # 1. Ask politely: shut every kernel down through the REST API.
        if self.proc.poll() is None:
            try:
                for k in self.api("GET", "/api/kernels", timeout=5):
                    try:
                        self.api("DELETE", f"/api/kernels/{k['id']}", timeout=20)
                    except (urllib.error.URLError, OSError):
                        pass
            except (urllib.error.URLError, OSError, ValueError):
                pass
        # 2. SIGTERM the server's process group (it shuts remaining kernels down), then SIGKILL.
        for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
            if self.proc.poll() is not None:
                break
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        # 3. Anything still carrying our marker (a kernel, evcxr's child, cargo, rustc): kill
        #    its process group. Never our own group.
        own_pgid = os.getpgid(0)
        deadline = time.monotonic() + 15
        while (pids := _marked_pids(self.marker)) and time.monotonic() < deadline:
            for pid in pids:
                try:
                    pgid = os.getpgid(pid)
                    if pgid != own_pgid:
                        os.killpg(pgid, signal.SIGKILL)
                    else:
                        os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.5)
        # 4. Verify.
        survivors = _marked_pids(self.marker)
        if survivors or (self.port and _port_open(self.port)):
            raise RuntimeError(f"teardown left processes {survivors} / port {self.port} open")

