"""A warm course kernel, ready before the learner asks for it.

A course kernel takes 10-15 s to answer kernel_info: evcxr's rust-analyzer resolves std, candle
and ~180 crates before it can type the first `let` (bench/README.md). A learner pays that on every
open and every restart. `PooledProvisioner`, named in the kernel spec's
`metadata.kernel_provisioner`, pays it ahead of time:

- it keeps ``pool_size`` (default 1) spare kernels per kernel spec and working folder, started by
  a thread of the process that runs kernels (JupyterLab's server, nbclient's process) exactly as a
  normal start would, through the spec's argv (``launch-kernel.sh``: its own tmpdir slot, its own
  watcher), each with connection info of its own;
- ``launch_kernel`` hands a spare over, alive, and returns *its* connection info, which the
  KernelManager then loads and writes to its own connection file (jupyter_client's
  ``_reconcile_connection_info``); a spare still starting is handed over too (it is further along
  than a new one);
- the pool refills in the background (after ``replenish_delay`` seconds);
- when the pool is empty, or the spare died, the kernel starts cold, as with LocalProvisioner.

Lifetime: spares are children of the process that holds the pool, so ``kernel-watch.sh`` kills
them when that process dies, however it dies; at a normal exit an ``atexit`` hook kills them at
once. A spare that dies is replaced; three that die before answering in a row stop the refilling
(the next open starts cold and says why in the log). No spare is started while the machine has
less than ``min_available_mb`` of memory available.

The server extension (``_load_jupyter_server_extension``, enabled in .venv by ``./course setup``)
fills the pool when JupyterLab starts, so the first notebook opened gets a warm kernel too.
"""
from __future__ import annotations

import atexit
import logging
import os
import signal
import sys
import threading
import time
import uuid
from typing import Any

from jupyter_client.connect import write_connection_file
from jupyter_client.launcher import launch_kernel
from jupyter_client.provisioning import LocalProvisioner
from jupyter_core.paths import jupyter_runtime_dir
from traitlets import Float, Int

__all__ = ["PooledProvisioner", "prefill", "pool_status", "wait_ready", "shutdown_pools"]

PROVISIONER_NAME = "jacobian-course-pool"
_log = logging.getLogger(__name__)


class Spare:
    """One pooled kernel: its process and its own connection file and info."""

    def __init__(self, popen, info: dict, connection_file: str):
        self.popen = popen
        self.pid = popen.pid
        try:
            self.pgid = os.getpgid(popen.pid)
        except OSError:
            self.pgid = None
        self.info = info
        self.connection_file = connection_file
        self.started = time.monotonic()
        self.ready = threading.Event()  # kernel_info answered

    def alive(self) -> bool:
        """False once the kernel is killed, even before it can be reaped.

        A killed evcxr_jupyter (multi-threaded, ~1 GB) is a zombie in /proc/PID/stat for a while
        before waitpid can reap it: Linux reaps a thread group's leader only after its last thread
        has exited. `Popen.poll()` alone then says "running", and a spare killed a moment before
        an open was handed over dead (the notebook's kernel "died before replying to
        kernel_info"). Popen.poll() also answers None while another thread is in waitpid.
        """
        if self.popen.poll() is not None:
            return False
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
        except (OSError, IndexError):
            return os.name != "posix" or not os.path.isdir("/proc/self")  # no procfs: trust poll()

    def kill(self) -> None:
        """The kernel's process group (evcxr, its subprocess, cargo), then its connection file."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if not self.alive():
                break
            try:
                if self.pgid:
                    os.killpg(self.pgid, sig)
                else:
                    self.popen.send_signal(sig)
            except OSError:
                pass
            deadline = time.monotonic() + 2
            while self.alive() and time.monotonic() < deadline:
                time.sleep(0.05)
        remove_file(self.connection_file)


def remove_file(path: str | None) -> None:
    if path:
        try:
            os.remove(path)
        except OSError:
            pass


def available_mb() -> float | None:
    """MemAvailable from /proc/meminfo, in MiB (None where there is none)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class Recipe:
    """How a spare is started: the spec's argv, the kernel's environment and working folder."""

    def __init__(self, argv: list[str], resource_dir: str, env: dict[str, str], cwd: str | None):
        self.argv = list(argv)
        self.resource_dir = resource_dir
        # Per-notebook variables do not belong to a spare that any notebook may get.
        self.env = {k: v for k, v in env.items() if k not in ("JPY_SESSION_NAME", "JPY_PARENT_PID")}
        self.cwd = cwd

    def command(self, connection_file: str) -> list[str]:
        ns = {"connection_file": connection_file, "resource_dir": self.resource_dir, "prefix": sys.prefix}
        out = []
        for arg in self.argv:
            for k, v in ns.items():
                arg = arg.replace("{%s}" % k, v)
            out.append(arg)
        return out


class Pool:
    """The spares of one kernel spec and working folder, kept at ``size`` by a daemon thread."""

    MAX_FAILURES = 3

    def __init__(self, key, recipe: Recipe, size: int, replenish_delay: float, ready_timeout: float,
                 min_available_mb: float, log, nice: int = 0):
        self.key = key
        self.recipe = recipe
        self.size = size
        self.replenish_delay = replenish_delay
        self.ready_timeout = ready_timeout
        self.min_available_mb = min_available_mb
        self.nice = nice
        self.log = log
        self.spares: list[Spare] = []
        self.cond = threading.Condition()
        self.closed = False
        self.failures = 0  # spares in a row that died before answering kernel_info
        self.handed_over = 0
        self.cold_starts = 0
        self.refill_after = time.monotonic()  # no new spare before this (replenish_delay)
        self.thread = threading.Thread(target=self._run, name=f"kernel-pool {key[0]}", daemon=True)
        self.thread.start()

    # -- used by the provisioner (any thread) ------------------------------------------------------

    def take(self) -> Spare | None:
        """A live spare, the longest-started first; None when there is none (start cold)."""
        with self.cond:
            self._drop_dead()
            spare = None
            ready = [s for s in self.spares if s.ready.is_set()]
            if ready or self.spares:
                spare = (ready or self.spares)[0]
                self.spares.remove(spare)
                self.handed_over += 1
                self.refill_after = time.monotonic() + self.replenish_delay
            else:
                self.cold_starts += 1
            self.cond.notify_all()
            return spare

    def close(self) -> None:
        with self.cond:
            self.closed = True
            spares, self.spares = self.spares, []
            self.cond.notify_all()
        for s in spares:
            s.kill()

    def status(self) -> dict:
        with self.cond:
            return {
                "spares": [{"pid": s.pid, "ready": s.ready.is_set(), "age_s": time.monotonic() - s.started}
                           for s in self.spares],
                "handed_over": self.handed_over,
                "cold_starts": self.cold_starts,
                "failures": self.failures,
                "refilling": not self.closed and self.failures < self.MAX_FAILURES,
            }

    # -- the pool's thread -------------------------------------------------------------------------

    def _drop_dead(self) -> None:
        for s in [s for s in self.spares if not s.alive()]:
            self.spares.remove(s)
            if not s.ready.is_set():
                self.failures += 1
            self.log.warning("kernel pool: spare kernel %s died (exit %s)%s", s.pid, s.popen.returncode,
                             "" if s.ready.is_set() else " before answering kernel_info")
            s.kill()

    def _want_one(self) -> bool:
        return (not self.closed and len(self.spares) < self.size and self.failures < self.MAX_FAILURES
                and time.monotonic() >= self.refill_after)

    def _run(self) -> None:
        while True:
            with self.cond:
                while not self._want_one():
                    if self.closed:
                        return
                    self._drop_dead()
                    if self.failures >= self.MAX_FAILURES:
                        self.log.error("kernel pool: %d spare kernels died before answering; no more spares "
                                       "(kernels start cold; see the kernel's log above)", self.failures)
                        self.failures += 1  # say it once
                    self.cond.wait(timeout=0.5)
                recipe = self.recipe
            free = available_mb()
            if free is not None and free < self.min_available_mb:
                self.log.warning("kernel pool: only %.0f MiB of memory available (< %.0f): no spare kernel for now",
                                 free, self.min_available_mb)
                with self.cond:
                    self.refill_after = time.monotonic() + 30
                continue
            try:
                spare = self._start(recipe)
            except Exception as e:  # a launcher that cannot even start: no pool, cold starts
                self.log.error("kernel pool: cannot start a spare kernel: %s", e)
                with self.cond:
                    self.failures = self.MAX_FAILURES
                continue
            with self.cond:
                if self.closed:
                    closed = True
                else:
                    closed = False
                    self.spares.append(spare)
            if closed:
                spare.kill()
                return
            self._wait_ready(spare)

    def _start(self, recipe: Recipe) -> Spare:
        fname = os.path.join(jupyter_runtime_dir(), f"kernel-pool-{uuid.uuid4()}.json")
        os.makedirs(os.path.dirname(fname), exist_ok=True)
        fname, info = write_connection_file(fname, ip="127.0.0.1", key=uuid.uuid4().hex.encode(),
                                            transport="tcp", signature_scheme="hmac-sha256")
        info = dict(info)
        info["key"] = info["key"].encode() if isinstance(info["key"], str) else info["key"]
        cmd = recipe.command(fname)
        if self.nice:  # a spare starting must not slow the learner's cells (2 cores)
            cmd = ["nice", "-n", str(self.nice), *cmd]
        popen = launch_kernel(cmd, env=dict(recipe.env), cwd=recipe.cwd)
        self.log.info("kernel pool: started spare kernel %s", popen.pid)
        return Spare(popen, info, fname)

    def _wait_ready(self, spare: Spare) -> None:
        """Mark the spare ready once it answers kernel_info (its init.evcxr has run)."""
        # Not KernelClient.wait_for_ready: without a KernelManager it judges life by heartbeats, and
        # a kernel busy starting on a loaded machine misses some. Life is the process's, here.
        from queue import Empty

        from jupyter_client.blocking import BlockingKernelClient

        kc = BlockingKernelClient()
        kc.load_connection_info(spare.info)
        kc.start_channels(iopub=False, stdin=False, hb=False, control=False)
        deadline = time.monotonic() + self.ready_timeout
        sent = 0.0
        try:
            while not self.closed and spare.alive() and time.monotonic() < deadline:
                if time.monotonic() - sent > 10:  # zmq queues it until the kernel binds; resend now and then
                    msg_id = kc.kernel_info()
                    sent = time.monotonic()
                try:
                    reply = kc.get_shell_msg(timeout=0.5)
                except Empty:
                    continue
                if reply["msg_type"] == "kernel_info_reply" and reply["parent_header"].get("msg_id") == msg_id:
                    spare.ready.set()
                    with self.cond:
                        self.failures = 0
                    self.log.info("kernel pool: spare kernel %s ready after %.1f s", spare.pid,
                                  time.monotonic() - spare.started)
                    return
            if spare.alive() and not self.closed:
                self.log.warning("kernel pool: spare kernel %s did not answer kernel_info in %.0f s",
                                 spare.pid, self.ready_timeout)
        finally:
            kc.stop_channels()


_pools: dict[tuple, Pool] = {}
_pools_lock = threading.Lock()


def _pool(key, recipe: Recipe, log, size=1, replenish_delay=0.0, ready_timeout=300.0, min_available_mb=1500.0,
          nice=10):
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None or pool.closed:
            pool = _pools[key] = Pool(key, recipe, size, replenish_delay, ready_timeout, min_available_mb, log,
                                      nice)
        else:
            with pool.cond:
                pool.recipe = recipe
                pool.size = size
                pool.cond.notify_all()
        return pool


def _key(resource_dir: str, cwd: str | None) -> tuple:
    return (os.path.realpath(resource_dir), os.path.realpath(cwd or os.getcwd()))


@atexit.register
def shutdown_pools() -> None:
    """Kill every spare (handed-over kernels belong to their KernelManagers)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for p in pools:
        p.close()


def pool_status() -> dict:
    """For tests and benchmarks: each pool's spares and counters."""
    with _pools_lock:
        return {f"{k[0]} @ {k[1]}": p.status() for k, p in _pools.items()}


def wait_ready(timeout: float = 300.0) -> bool:
    """Until every pool holds ``size`` ready spares (True), or ``timeout`` seconds (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with _pools_lock:
            pools = list(_pools.values())
        if pools and all(sum(s.ready.is_set() for s in p.spares) >= p.size for p in pools):
            return True
        time.sleep(0.1)
    return False


def _config(spec) -> dict:
    kp = (spec.metadata or {}).get("kernel_provisioner") or {}
    return kp.get("config") or {} if kp.get("provisioner_name") == PROVISIONER_NAME else {}


def prefill(kernel_name: str, cwd: str | None = None, kernel_spec_manager=None, log=None) -> bool:
    """Start the pool of a kernel spec that names this provisioner before any kernel is asked for
    (JupyterLab's start, a benchmark's set-up). False when the spec does not use the pool."""
    from jupyter_client.kernelspec import KernelSpecManager

    ksm = kernel_spec_manager or KernelSpecManager()
    spec = ksm.get_kernel_spec(kernel_name)
    kp = (spec.metadata or {}).get("kernel_provisioner") or {}
    if kp.get("provisioner_name") != PROVISIONER_NAME:
        return False
    env = dict(os.environ)
    env.update(spec.env or {})
    cfg = _config(spec)
    _pool(_key(spec.resource_dir, cwd), Recipe(spec.argv, spec.resource_dir, env, cwd), log or _log,
          size=int(cfg.get("pool_size", 1)), replenish_delay=float(cfg.get("replenish_delay", 0.0)),
          ready_timeout=float(cfg.get("ready_timeout", 300.0)),
          min_available_mb=float(cfg.get("min_available_mb", 1500.0)), nice=int(cfg.get("spare_nice", 10)))
    return True


class PooledProvisioner(LocalProvisioner):
    """LocalProvisioner that hands over a spare kernel started ahead of time (see the module doc)."""

    pool_size = Int(1, config=True, help="Spare kernels kept ready per kernel spec and working folder (0: none).")
    replenish_delay = Float(0.0, config=True, help="Seconds after a hand-over before a new spare starts.")
    ready_timeout = Float(300.0, config=True, help="Seconds a spare may take to answer kernel_info.")
    min_available_mb = Float(1500.0, config=True, help="Start no spare while less memory than this is available.")
    spare_nice = Int(10, config=True, help="Niceness of a spare while it starts; reset to 0 at hand-over where "
                     "permitted (root, or RLIMIT_NICE), else the kernel keeps it.")

    _pool_connection_file: str | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        cwd = kwargs.get("cwd")
        pool = None
        if self.pool_size > 0:
            recipe = Recipe(self.kernel_spec.argv, self.kernel_spec.resource_dir, kwargs.get("env") or os.environ, cwd)
            pool = _pool(_key(self.kernel_spec.resource_dir, cwd), recipe, self.log, self.pool_size,
                         self.replenish_delay, self.ready_timeout, self.min_available_mb, self.spare_nice)
        spare = pool.take() if pool else None
        if spare is None:
            self.log.info("kernel pool: no spare kernel for %s; starting one cold", self.kernel_id)
            return await super().launch_kernel(cmd, **kwargs)
        self.log.info("kernel pool: kernel %s is the spare %s (%s)", self.kernel_id, spare.pid,
                      "ready" if spare.ready.is_set() else "still starting")
        if spare.pgid and self.spare_nice:
            try:  # the learner's kernel runs at normal priority again (evcxr, its subprocess, cargo)
                os.setpriority(os.PRIO_PGRP, spare.pgid, 0)
            except OSError as e:
                self.log.info("kernel pool: the kernel keeps niceness %d (%s)", self.spare_nice, e)
        self.process = spare.popen
        self.pid = spare.pid
        self.pgid = spare.pgid
        self.cwd = cwd
        self._pool_connection_file = spare.connection_file
        # The kernel listens where its own connection file says: the KernelManager takes this info,
        # replacing the ports it had reserved (jupyter_client's _reconcile_connection_info).
        self.connection_info = dict(spare.info)
        return self.connection_info

    async def cleanup(self, restart: bool = False) -> None:
        await super().cleanup(restart=restart)
        remove_file(self._pool_connection_file)
        self._pool_connection_file = None


# -- JupyterLab: fill the pool when the server starts -----------------------------------------------

def _jupyter_server_extension_points():
    return [{"module": "jacobian_course_pool"}]


def _load_jupyter_server_extension(serverapp) -> None:
    ksm = serverapp.kernel_spec_manager
    root = getattr(serverapp, "root_dir", None) or os.getcwd()
    for name in ksm.find_kernel_specs():
        try:
            if prefill(name, cwd=root, kernel_spec_manager=ksm, log=serverapp.log):
                serverapp.log.info("kernel pool: starting a spare '%s' kernel for notebooks in %s", name, root)
        except Exception as e:  # a broken spec elsewhere must not stop the server
            serverapp.log.warning("kernel pool: cannot prefill '%s': %s", name, e)
