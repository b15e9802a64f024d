"""The course kernel's execution process, driven as JupyterLab drives it (jupyter_client).

- an interrupt (JupyterLab's ■, an `interrupt_request` on the control channel: evcxr kills the
  process that runs the cells) says, in course terms, that every variable is gone and what to
  re-run; the kernel goes on, and a restarted process is watched again (course::kernel);
- a cell that writes bytes that are not UTF-8 to stderr does not silence stderr for the rest of
  the session, nor on stdout shift every later cell's output one cell late (evcxr alone does).
"""
from __future__ import annotations

import time

import pytest
from jupyter_client.manager import KernelManager

from conftest import KERNEL, REPO

TIMEOUT = 600  # a loaded 2-core machine
STATE_LOST = "every variable is gone"


class Cell:
    """What one execute_request produced: stream text per name, and the error, if any."""

    def __init__(self):
        self.streams: dict[str, str] = {"stdout": "", "stderr": ""}
        self.error = ""
        self.rich = []

    @property
    def text(self) -> str:
        return self.streams["stdout"] + self.streams["stderr"] + self.error


def collect(kc, msg_id: str, until: float, on_stream=None, grace: float = 0.0) -> Cell:
    """The cell's messages until its idle status, and `grace` seconds more (evcxr passes stderr
    on from a thread of its own: it may follow the idle, docs/DESIGN.md)."""
    cell = Cell()
    idle_at = None
    while time.monotonic() < until and (idle_at is None or time.monotonic() < idle_at + grace):
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except Exception:  # queue.Empty
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            cell.streams[content["name"]] += content["text"]
            if on_stream:
                on_stream(cell)
        elif kind == "error":
            cell.error += content["evalue"] + "\n" + "\n".join(content.get("traceback", []))
        elif kind in ("execute_result", "display_data"):
            cell.rich.append(content["data"])
        elif kind == "status" and content["execution_state"] == "idle":
            if grace == 0.0:
                return cell
            idle_at = time.monotonic()
    if idle_at is not None:
        return cell
    raise AssertionError(f"no idle after {msg_id}: {cell.text}")


@pytest.fixture
def kernel(ksm):
    km = KernelManager(kernel_name=KERNEL, kernel_spec_manager=ksm)
    km.start_kernel(cwd=str(REPO / "notebooks"))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=TIMEOUT)
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def run(kc, code: str, grace: float = 0.0) -> Cell:
    return collect(kc, kc.execute(code), time.monotonic() + TIMEOUT, grace=grace)


def interrupted(km, kc, code: str) -> Cell:
    """Runs `code`, which prints "spinning" and then never ends, and interrupts it as
    JupyterLab's ■ does once it spins."""
    asked = []

    def on_stream(cell):
        if "spinning" in cell.streams["stdout"] and not asked:
            asked.append(True)
            km.interrupt_kernel()

    return collect(kc, kc.execute(code), time.monotonic() + TIMEOUT, on_stream)


SPIN = 'println!("spinning");\nloop { std::hint::spin_loop(); }'


def test_an_interrupt_says_the_variables_are_gone_and_the_kernel_goes_on(kernel):
    km, kc = kernel
    assert "41" in run(kc, 'let x = 41;\nprintln!("{x}");').streams["stdout"]
    cell = interrupted(km, kc, SPIN)
    assert STATE_LOST in cell.text, f"the interrupt did not say what it cost: {cell.text!r}"
    assert "Run All Above" in cell.text, cell.text
    # What it said is true: x is gone; the kernel runs the next cell.
    assert "cannot find value `x`" in run(kc, 'println!("{}", x + 1);').text
    assert "3" in run(kc, 'let y = 3;\nprintln!("{y}");').streams["stdout"]
    # The restarted process is watched from its first rich display on.
    shown = run(kc, "tensor(&[1.0, 2.0])?")
    assert shown.rich, f"no display: {shown.text}"
    again = interrupted(km, kc, SPIN)
    assert STATE_LOST in again.text, f"the second interrupt: {again.text!r}"


def test_stderr_that_is_not_utf8_does_not_silence_later_cells(kernel):
    _, kc = kernel
    bad = run(kc, 'use std::io::Write;\nstd::io::stderr().write_all(b"bad \\xff byte\\n").unwrap();\n'
                  'eprintln!("same cell");', grace=2)
    assert "bad \ufffd byte" in bad.streams["stderr"], bad.text
    assert "same cell" in bad.streams["stderr"], bad.text
    later = run(kc, 'eprintln!("a later cell");\nprintln!("out");', grace=2)
    assert "a later cell" in later.streams["stderr"], f"stderr went silent: {later.text!r}"
    panic = run(kc, 'panic!("a panic after the bad bytes");', grace=2)
    assert "a panic after the bad bytes" in panic.text, panic.text
    # ... and says where, without evcxr's 20-40 lines of backtrace
    assert "stack backtrace" not in panic.text and len(panic.streams["stderr"].splitlines()) <= 4, panic.text


def test_stdout_that_is_not_utf8_does_not_shift_later_outputs(kernel):
    _, kc = kernel
    bad = run(kc, 'use std::io::Write;\nstd::io::stdout().write_all(b"bad \\xff\\xfe bytes\\n").unwrap();\n'
                  'println!("still cell 1");')
    assert bad.streams["stdout"] == "bad \ufffd\ufffd bytes\nstill cell 1\n", bad.text
    for n in (2, 3):
        assert run(kc, f'println!("cell {n}");').streams["stdout"] == f"cell {n}\n"


def test_cell_libraries_do_not_pile_up_in_the_slot(kernel):
    """evcxr leaves each cell's 10-15 MB library in the slot; kernel-watch.sh deletes those
    already loaded, so a long session does not fill the disk (a class's homes: ≤ 100 MB)."""
    km, kc = kernel
    env = open(f"/proc/{km.provisioner.pid}/environ", "rb").read().split(b"\0")
    slot = next(v.split(b"=", 1)[1].decode() for v in env if v.startswith(b"EVCXR_TMPDIR="))
    for n in range(8):
        assert f"cell {n}" in run(kc, f'println!("cell {n}");').streams["stdout"]
    import glob
    deadline = time.monotonic() + 30
    libs = []
    while time.monotonic() < deadline:
        libs = glob.glob(f"{slot}/target/*/debug/libcode_*.so")
        if len(libs) <= 1:
            break
        time.sleep(1)
    assert len(libs) <= 1, f"{len(libs)} cell libraries left in {slot}: {sorted(libs)}"
    # and the kernel still runs cells
    assert "after" in run(kc, 'println!("after");').streams["stdout"]
