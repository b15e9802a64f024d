"""The kernel pool (kernel-config/provisioner) on the real course kernel, through nbclient.

- the notebook still runs after two restarts, each restart a new kernel process (handed over
  from the pool), the old one gone;
- a spare that is killed is noticed: the next open still works (cold), and the pool refills;
- spares die with the process that holds the pool, whether it exits or is killed.

Kernels listen on 127.0.0.1 only (the KernelManager's and the pool's connection info), and every
kernel and spare is shut down whatever happens (finally blocks, and the conftest's fixture).
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import nbformat
import pytest
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

from conftest import KERNEL, REPO

import jacobian_course_pool as pool

NOTEBOOKS = REPO / "notebooks"
NOTEBOOK = NOTEBOOKS / "03_jacobian_backprop.ipynb"
TIMEOUT = 600  # a loaded 2-core machine; a cold start is 10-30 s


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


def spare_pids() -> list[int]:
    return [s["pid"] for p in pool.pool_status().values() for s in p["spares"]]


def counters() -> dict:
    (status,) = pool.pool_status().values()
    return status


class Notebook:
    """Notebook 03 on a course kernel, driven the way JupyterLab and nbclient drive it."""

    def __init__(self, ksm):
        self.nb = nbformat.read(NOTEBOOK, as_version=4)
        self.km = AsyncKernelManager(kernel_name=KERNEL, kernel_spec_manager=ksm)
        self.client = NotebookClient(self.nb, km=self.km, kernel_name=KERNEL, timeout=TIMEOUT,
                                     startup_timeout=TIMEOUT, resources={"metadata": {"path": str(NOTEBOOKS)}})
        self.code = [(i, c) for i, c in enumerate(self.nb.cells) if c.cell_type == "code"]

    @property
    def pid(self) -> int:
        return self.km.provisioner.pid

    async def open(self):
        await self.client.async_start_new_kernel()
        await self.client.async_start_new_kernel_client()
        assert self.km.ip == "127.0.0.1"

    async def run(self, upto: str | None = None):
        """Every code cell (or those up to the cell with id `upto`); fails on any error output or
        panic (evcxr reports a panic as status "ok" with the text on stderr)."""
        for i, c in self.code:
            await self.client.async_execute_cell(c, i)
            for out in c.outputs:
                assert out.output_type != "error", f"cell {c.id}: {out}"
                if out.output_type == "stream":
                    assert "panicked at" not in out.text, f"cell {c.id}: {out.text}"
            if c.id == upto:
                break

    def outputs(self, cid: str) -> list:
        return next(c for _, c in self.code if c.id == cid).outputs

    async def restart(self):
        await self.km.restart_kernel()
        self.client.kc.stop_channels()
        self.client.kc = self.km.client()
        self.client.kc.start_channels()
        await self.client.kc.wait_for_ready(timeout=TIMEOUT)

    async def close(self):
        if self.client.kc:
            self.client.kc.stop_channels()
        if self.km.has_kernel:
            await self.km.shutdown_kernel(now=True)


def has_heatmap(outputs) -> bool:
    return any(o.output_type == "execute_result" and ({"text/html", "image/png", "image/svg+xml"} & set(o.data))
               for o in outputs)


def test_notebook_runs_after_two_restarts(ksm):
    async def go():
        assert pool.prefill(KERNEL, cwd=str(NOTEBOOKS), kernel_spec_manager=ksm)
        assert pool.wait_ready(TIMEOUT), pool.pool_status()
        nb = Notebook(ksm)
        try:
            await nb.open()
            assert counters()["handed_over"] == 1, pool.pool_status()
            # The kernel the client talks to is the spare: its connection file is the
            # KernelManager's, the ports it listens on those of the spare.
            info = json.loads(open(nb.km.connection_file).read())
            assert info["shell_port"] == nb.km.shell_port
            await nb.run(upto="s1-jacobian")
            assert has_heatmap(nb.outputs("s1-jacobian"))
            pids = [nb.pid]
            for n in range(2):
                assert pool.wait_ready(TIMEOUT), pool.pool_status()
                await nb.restart()
                pids.append(nb.pid)
                assert pids[-1] != pids[-2], "a restart must start another kernel process"
                assert wait_gone(pids[-2], 10), f"the kernel before restart {n + 1} ({pids[-2]}) still runs"
            assert counters()["handed_over"] == 3, pool.pool_status()
            # evcxr lost every variable: the whole notebook runs again, from the top.
            await nb.run()
            assert has_heatmap(nb.outputs("s1-jacobian"))
            assert any("Exercise 1" in (o.get("text") or json.dumps(o.get("data", {})))
                       for o in nb.outputs("ex1")), nb.outputs("ex1")
        finally:
            await nb.close()
        assert wait_gone(pids[-1], 10)

    asyncio.run(go())


def test_a_killed_spare_is_replaced_and_the_next_open_still_works(ksm):
    async def go():
        pool.prefill(KERNEL, cwd=str(NOTEBOOKS), kernel_spec_manager=ksm)
        assert pool.wait_ready(TIMEOUT), pool.pool_status()
        (spare,) = spare_pids()
        files_before = set(os.listdir(pool.jupyter_runtime_dir()))
        os.killpg(spare, signal.SIGKILL)
        assert wait_gone(spare, 10)
        nb = Notebook(ksm)
        try:
            await nb.open()  # the dead spare is dropped: a cold start, or the replacement
            assert nb.pid != spare
            await nb.run(upto="setup")
            status = counters()
            assert status["handed_over"] + status["cold_starts"] == 1, status
            # the pool refills, and the dead spare's connection file is gone
            assert pool.wait_ready(TIMEOUT), pool.pool_status()
            assert spare not in spare_pids()
            gone = {f for f in files_before if f.startswith("kernel-pool-")} - set(
                os.listdir(pool.jupyter_runtime_dir()))
            assert gone, "the killed spare's connection file was left behind"
        finally:
            await nb.close()

    asyncio.run(go())


HOLDER = textwrap.dedent("""
    import pathlib, sys, time
    import jacobian_course_pool as pool
    pool.prefill(sys.argv[1], cwd=sys.argv[2])
    assert pool.wait_ready(600), pool.pool_status()
    pids = [s["pid"] for p in pool.pool_status().values() for s in p["spares"]]
    pathlib.Path(sys.argv[4]).write_text(" ".join(map(str, pids)))
    if sys.argv[3] == "exit":  # a normal exit when the test closes our stdin
        sys.stdin.read()
        sys.exit(0)
    time.sleep(600)
""")


@pytest.mark.parametrize("how", ["exit", "sigkill"])
def test_spares_die_with_the_process_that_holds_the_pool(how, tmp_path):
    # The spare's output goes where the holder's goes (as a kernel's goes to JupyterLab's terminal).
    pid_file = tmp_path / "spare.pid"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, KERNEL, str(NOTEBOOKS), how, str(pid_file)],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    spare = None
    try:
        deadline = time.monotonic() + TIMEOUT
        while not pid_file.exists() and holder.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert pid_file.exists(), f"the holder wrote no spare (exit {holder.poll()})"
        spare = int(pid_file.read_text().split()[0])
        assert alive(spare)
        if how == "sigkill":  # nothing in the holder runs: kernel-watch.sh must notice
            holder.kill()
        holder.stdin.close()
        holder.wait(timeout=30)
        assert wait_gone(spare, 15), f"spare {spare} outlived the process that held it ({how})"
    finally:
        if holder.poll() is None:
            holder.kill()
        if spare and alive(spare):
            os.killpg(spare, signal.SIGKILL)


def test_a_spare_that_is_a_zombie_is_not_handed_over():
    """A killed kernel can be a zombie that waitpid cannot reap yet (a thread group's leader is
    reaped only after its last thread exits), so Popen.poll() still says "running". The pool
    must see it dead anyway; handing it over made an open fail ("Kernel died before replying to
    kernel_info"), one run in three."""

    class NotYetReaped:  # what Popen.poll() answers in that window
        def __init__(self, pid):
            self.pid = pid
            self.returncode = None

        def poll(self):
            return None

    child = subprocess.Popen(["true"])
    try:
        assert wait_gone(child.pid, 10)  # a zombie: exited, not reaped
        spare = pool.Spare(NotYetReaped(child.pid), {}, None)
        assert not spare.alive()
        live = subprocess.Popen(["sleep", "30"])
        try:
            assert pool.Spare(live, {}, None).alive()
        finally:
            live.kill()
            live.wait()
    finally:
        child.wait()
