"""A class on JupyterHub, on this machine: hub/jupyterhub_config.py over `./course install-system`.

`./course test` installs the course under JACOBIAN_COURSE_HUB_BASE/prefix, the hub's Python
environment (hub/requirements.txt) and configurable-http-proxy (npm) first, then runs this.
It needs root (it creates the learners' Unix users, as an instructor would).

- 8 learner accounts are created; each is logged in through the hub's REST API, gets a server,
  and runs notebook 03 on the course kernel over the server's kernel websocket (as JupyterLab
  does), 4 at a time: no error or panic, the heatmaps, the same printed values for everyone.
- Per learner: login to ready kernel, login to first heatmap, peak memory (all their
  processes), disk used in their home; and the totals. Written to JACOBIAN_COURSE_HUB_BASE/
  class.json and printed.
- One learner runs the notebook while another's kernel is killed: the first is unaffected.
- A learner can read or write neither another learner's home nor the shared build.
- Everything stops at the end, users and homes removed; nothing listened off loopback.
"""
from __future__ import annotations

import asyncio
import json
import os
import pwd
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

REPO = Path(__file__).resolve().parents[2]
BASE = Path(os.environ.get("JACOBIAN_COURSE_HUB_BASE", "/nonexistent"))
PREFIX = BASE / "prefix"
HUB_PYTHON = BASE / "venv" / "bin" / "python"
CHP = BASE / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
LEARNERS = [f"jc-learner-{i}" for i in range(1, 9)]
AT_ONCE = 4
KERNEL = "jacobian-course"
TIMEOUT = 900  # 4 kernels starting at once on 2 cores


def prerequisites() -> str | None:
    if os.geteuid() != 0:
        return "this test creates Unix users for the learners: run it as root (CI does)"
    for path, how in [(PREFIX / "share/jupyter/kernels" / KERNEL / "kernel.json", "./course install-system"),
                      (HUB_PYTHON, "python3 -m venv + pip install -r hub/requirements.txt"),
                      (CHP, "npm install configurable-http-proxy")]:
        if not path.exists():
            return (f"{path} is missing: run the class test through `./course test` (it runs {how} into "
                    f"JACOBIAN_COURSE_HUB_BASE={BASE} first)")
    return None


# -- the hub -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listeners() -> set[tuple[str, int]]:
    """(address, port) of every listening TCP socket on the machine."""
    out = set()
    for table, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            if state != "0A":  # LISTEN
                continue
            addr, port = local.split(":")
            if v6:
                raw = bytes.fromhex(addr)
                raw = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                host = socket.inet_ntop(socket.AF_INET6, raw)
            else:
                host = socket.inet_ntoa(bytes.fromhex(addr)[::-1])
            out.add((host, int(port, 16)))
    return out


def is_loopback(host: str) -> bool:
    return host.startswith("127.") or host in ("::1", "::ffff:127.0.0.1")


class Hub:
    def __init__(self, data: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(32)
        config = data / "test_config.py"
        config.write_text(f"""
load_subconfig({str(REPO / 'hub' / 'jupyterhub_config.py')!r})
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allowed_users = {set(LEARNERS)!r}
c.JupyterHub.services = [{{"name": "course-test", "api_token": {self.token!r}}}]
c.JupyterHub.load_roles = [{{"name": "course-test", "services": ["course-test"],
    "scopes": ["admin:users", "admin:servers", "access:servers", "tokens"]}}]
c.JupyterHub.cleanup_servers = True
""")
        env = dict(os.environ, JACOBIAN_COURSE_PREFIX=str(PREFIX), JACOBIAN_COURSE_HUB_PORT=str(self.port),
                   JACOBIAN_COURSE_HUB_DATA=str(data), JACOBIAN_COURSE_CHP=str(CHP),
                   PATH=f"{CHP.parent}:{os.environ['PATH']}")
        self.log = open(data / "jupyterhub.log", "w")
        self.proc = subprocess.Popen([str(HUB_PYTHON), "-m", "jupyterhub", "-f", str(config)], cwd=data, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"JupyterHub exited {self.proc.returncode}: see {data / 'jupyterhub.log'}")
            try:
                self.api("GET", "/hub/api/")
                return
            except OSError:
                time.sleep(0.5)
        raise AssertionError(f"JupyterHub did not answer in 120 s: see {data / 'jupyterhub.log'}")

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=60) as r:
            text = r.read()
        return json.loads(text) if text else {}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # stops the servers (cleanup_servers) and the proxy
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


# -- a learner's notebook over the server's kernel websocket -------------------------------------

class KernelSession:
    """A kernel of a learner's server, driven as JupyterLab drives it (REST + websocket)."""

    def __init__(self, hub: Hub, user: str):
        self.hub, self.user = hub, user
        self.base = f"{hub.url}/user/{user}"
        self.session = uuid.uuid4().hex

    async def start(self):
        kernel = await asyncio.to_thread(self._post, "/api/kernels", {"name": KERNEL})
        self.kernel_id = kernel["id"]
        url = self.base.replace("http", "ws", 1) + f"/api/kernels/{self.kernel_id}/channels?session_id={self.session}"
        # The server answers the websocket once the kernel is up (10-30 s on a busy machine).
        self.ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {self.hub.token}"},
                                                      connect_timeout=TIMEOUT, request_timeout=TIMEOUT),
                                          max_message_size=256 << 20)
        await self.request("kernel_info_request", {}, "shell", until_idle=False)

    def _post(self, path, body):
        req = urllib.request.Request(self.base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"token {self.hub.token}"})
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.loads(r.read())

    async def request(self, msg_type: str, content: dict, channel: str = "shell", until_idle: bool = True):
        """Send one request; return (reply content, outputs) once its reply (and idle) came."""
        msg_id = uuid.uuid4().hex
        await self.ws.write_message(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": msg_type, "username": self.user, "session": self.session,
                       "date": "", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "content": content, "channel": channel, "buffers": []}))
        reply, idle, outputs = None, not until_idle, []
        while reply is None or not idle:
            raw = await asyncio.wait_for(self.ws.read_message(), TIMEOUT)
            if raw is None:
                raise AssertionError(f"{self.user}: the kernel websocket closed")
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if msg["channel"] == "shell" and kind.endswith("_reply"):
                reply = msg["content"]
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                idle = True
            elif kind in ("stream", "execute_result", "display_data", "error"):
                outputs.append({"type": kind, **msg["content"]})
        return reply, outputs

    async def close(self):
        self.ws.close()
        req = urllib.request.Request(f"{self.base}/api/kernels/{self.kernel_id}", method="DELETE",
                                     headers={"Authorization": f"token {self.hub.token}"})
        await asyncio.to_thread(urllib.request.urlopen, req, timeout=60)


def notebook_cells(user: str) -> list[tuple[str, str]]:
    """The code cells of the learner's own copy of notebook 03 (made by the spawner's hook)."""
    home = Path(pwd.getpwnam(user).pw_dir)
    nb = json.loads((home / "jacobian-course" / "03_jacobian_backprop.ipynb").read_text())
    return [(c.get("id", ""), "".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "code"]


def text_of(outputs: list[dict]) -> str:
    parts = []
    for o in outputs:
        if o["type"] == "stream":
            parts.append(o["text"])
        elif o["type"] == "error":
            parts.append(o.get("evalue", "") + "\n".join(o.get("traceback", [])))
        elif "data" in o:
            parts.append(o["data"].get("text/plain", ""))
    return "".join(parts)


def has_heatmap(outputs: list[dict]) -> bool:
    return any("data" in o and ({"image/svg+xml", "image/png"} & set(o["data"])
                                or "<svg" in o["data"].get("text/html", "")
                                or "<img" in o["data"].get("text/html", "")) for o in outputs)


async def run_notebook(hub: Hub, user: str, t0: float, during=None) -> dict:
    """Notebook 03, cell by cell; `during(cell_id)` runs after each cell (fault injection)."""
    k = KernelSession(hub, user)
    await k.start()
    record = {"ready_s": time.monotonic() - t0, "first_heatmap_s": None, "cells": {}}
    try:
        for cid, source in notebook_cells(user):
            reply, outputs = await k.request("execute_request", {
                "code": source, "silent": False, "store_history": True, "user_expressions": {},
                "allow_stdin": False, "stop_on_error": True})
            text = text_of(outputs)
            assert reply.get("status") == "ok" and not any(o["type"] == "error" for o in outputs), \
                f"{user}, cell {cid}: {text[-2000:]}"
            assert "panicked at" not in text, f"{user}, cell {cid}: {text[-2000:]}"
            if record["first_heatmap_s"] is None and has_heatmap(outputs):
                record["first_heatmap_s"] = time.monotonic() - t0
            record["cells"][cid] = {"text": text, "heatmap": has_heatmap(outputs)}
            if during:
                during(cid)
    finally:
        await k.close()
    return record


# -- measuring -----------------------------------------------------------------------------------

class MemorySampler(threading.Thread):
    """Peak resident memory of each learner's processes, summed per learner and over all."""

    def __init__(self, uids: dict[int, str]):
        super().__init__(daemon=True)
        self.uids, self.peak, self.peak_total = uids, {u: 0 for u in uids.values()}, 0
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.wait(0.5):
            now = {u: 0 for u in self.uids.values()}
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
                uid = int(fields.get("Uid", "0").split()[0])
                if uid in self.uids and "VmRSS" in fields:
                    now[self.uids[uid]] += int(fields["VmRSS"].split()[0]) * 1024
            for u, b in now.items():
                self.peak[u] = max(self.peak[u], b)
            self.peak_total = max(self.peak_total, sum(now.values()))


def processes_of(uid: int) -> list[int]:
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat(f"/proc/{pid}").st_uid == uid:
                pids.append(int(pid))
        except OSError:
            pass
    return pids


def kernel_pids_of(uid: int) -> list[int]:
    out = []
    for pid in processes_of(uid):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"evcxr_jupyter" in cmd or b"launch-kernel.sh" in cmd:
            out.append(pid)
    return out


def as_user(user: str, command: str) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", user, "--", "sh", "-c", command], capture_output=True, text=True,
                          timeout=60)


# -- the test ------------------------------------------------------------------------------------

@pytest.fixture
def learners():
    why = prerequisites()
    if why:
        pytest.fail(why)
    for u in LEARNERS:  # a previous run that was killed
        subprocess.run(["userdel", "-r", "-f", u], capture_output=True)
    for u in LEARNERS:
        subprocess.run(["useradd", "--create-home", "-K", "HOME_MODE=0700", "--shell", "/bin/bash", u],
                       check=True, capture_output=True)
    try:
        yield {pwd.getpwnam(u).pw_uid: u for u in LEARNERS}
    finally:
        for uid in [pwd.getpwnam(u).pw_uid for u in LEARNERS]:
            for pid in processes_of(uid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        for u in LEARNERS:
            subprocess.run(["userdel", "-r", "-f", u], capture_output=True)


def test_a_class_of_eight_on_jupyterhub(learners, tmp_path):
    before = listeners()
    hub = Hub(tmp_path)
    sampler = MemorySampler(learners)
    sampler.start()
    opened_listeners: set = set()
    try:
        records = asyncio.run(class_session(hub, learners, opened_listeners))
    finally:
        sampler.stopping.set()
        hub.stop()
    # Everything stopped: no learner process left (kernels die with their server, or within
    # seconds through kernel-watch.sh), nothing listened off loopback.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(processes_of(uid) for uid in learners):
        time.sleep(0.5)
    for uid, u in learners.items():
        left = processes_of(uid)
        assert not left, f"{u} still has processes after the hub stopped: {left}"
    off_loopback = {(h, p) for h, p in opened_listeners - before if not is_loopback(h)}
    assert not off_loopback, f"listened off loopback: {off_loopback}"
    report(records, sampler, learners)


async def class_session(hub: Hub, learners: dict[int, str], opened_listeners: set) -> dict:
    records: dict[str, dict] = {}
    gate = asyncio.Semaphore(AT_ONCE)

    async def one(user: str):
        async with gate:
            t0 = time.monotonic()
            await asyncio.to_thread(login_and_spawn, hub, user)
            records[user] = await run_notebook(hub, user, t0)
            opened_listeners.update(listeners())

    await asyncio.gather(*(one(u) for u in LEARNERS))
    # Everyone printed the same values (the notebook is seeded), with the heatmaps.
    first = records[LEARNERS[0]]["cells"]
    assert first["s1-jacobian"]["heatmap"], "no heatmap for J_f"
    assert "0.5403" in first["s1-jacobian"]["text"], first["s1-jacobian"]["text"]
    for u in LEARNERS[1:]:
        for cid, cell in first.items():
            assert records[u]["cells"][cid] == cell, f"{u}'s cell {cid} differs from {LEARNERS[0]}'s"
    for u in LEARNERS:
        home = Path(pwd.getpwnam(u).pw_dir)
        # Nothing of the course crates was compiled in the learner's slots: their libraries are
        # the shared build's, through symbolic links.
        own = [p for p in home.glob(".local/share/jacobian-course/evcxr-tmp/*/target/*/debug/deps/*")
               if p.name.startswith(("libcourse-", "libjacobian-", "libheatmap-", "libcandle_core-"))
               and not p.is_symlink()]
        assert not own, f"{u}'s kernel compiled course crates itself: {own[:4]}"
        records[u]["home_bytes"] = int(subprocess.run(["du", "-sb", str(home)], capture_output=True,
                                                      text=True).stdout.split()[0])

    # One learner runs while another's kernel is killed.
    runner, victim = LEARNERS[0], LEARNERS[1]
    victim_kernel = KernelSession(hub, victim)
    await victim_kernel.start()
    victim_uid = pwd.getpwnam(victim).pw_uid
    killed = []

    def kill_victim(cid):
        if cid == "s2-linear" and not killed:
            killed.extend(kernel_pids_of(victim_uid))
            for pid in killed:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass

    again = await run_notebook(hub, runner, time.monotonic(), during=kill_victim)
    assert killed, f"{victim} had no kernel process to kill"
    assert again["cells"] == records[runner]["cells"], "the run next to a killed kernel differed"
    try:
        await victim_kernel.close()
    except Exception:
        pass  # its kernel is dead; the server may already have removed it

    # Homes are private; the shared build is read-only.
    a, b = LEARNERS[2], LEARNERS[3]
    home_b = pwd.getpwnam(b).pw_dir
    for what, command in [
        ("list another learner's home", f"ls {home_b}"),
        ("read another learner's notebook", f"cat {home_b}/jacobian-course/03_jacobian_backprop.ipynb"),
        ("write into another learner's home", f"touch {home_b}/x"),
        ("write into the shared build", f"touch {PREFIX}/state/evcxr-tmp/slot-0/x"),
        ("change the course crates", f"echo >> {PREFIX}/src/crates/course/src/lib.rs"),
    ]:
        r = as_user(a, command)
        assert r.returncode != 0, f"{a} could {what}: {command}"
    return records


def login_and_spawn(hub: Hub, user: str):
    """Log the learner in through the REST API (the service acts for them) and start their
    server; wait until the hub says it is ready."""
    hub.api("POST", f"/hub/api/users/{user}/tokens", {"note": "course test login", "expires_in": 3600})
    try:
        hub.api("POST", f"/hub/api/users/{user}/server")
    except urllib.error.HTTPError as e:
        if e.code != 202:  # 201 started, 202 starting; both fine
            raise
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        server = hub.api("GET", f"/hub/api/users/{user}").get("servers", {}).get("", {})
        if server.get("ready"):
            return
        time.sleep(0.5)
    raise AssertionError(f"{user}'s server was not ready in {TIMEOUT} s")


def report(records: dict, sampler: MemorySampler, learners: dict):
    rows = {u: {"ready_s": round(r["ready_s"], 1), "first_heatmap_s": round(r["first_heatmap_s"] or -1, 1),
                "peak_memory_mb": round(sampler.peak[u] / 2**20), "home_mb": round(r["home_bytes"] / 2**20, 1)}
            for u, r in records.items()}
    totals = {"learners": len(rows), "at_once": AT_ONCE, "peak_memory_all_mb": round(sampler.peak_total / 2**20),
              "home_all_mb": round(sum(r["home_mb"] for r in rows.values()), 1),
              "load_average": os.getloadavg(), "cpus": os.cpu_count()}
    out = {"learners": rows, "totals": totals}
    (BASE / "class.json").write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1), file=sys.stderr)
    assert all(r["home_mb"] <= 100 for r in rows.values()), f"a learner's home holds over 100 MB: {rows}"
