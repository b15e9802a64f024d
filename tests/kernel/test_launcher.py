"""launch-kernel.sh's slots, with a stand-in for evcxr_jupyter (no kernel starts: seconds).

A new slot is copied from a built one, an idle one first, and never with the files a kernel's
cell builds write (the cell crate "ctx", evcxr's cell libraries, cargo's locks): a copy that
kept them broke the new slot's first build once (the kernel died before answering
kernel_info). `--seed-slots` (run by `./course setup`) drops the other slots' old builds and
seeds slot-1, leaving a slot in use alone.
"""
from __future__ import annotations

import fcntl
import os
import subprocess
from contextlib import ExitStack
from pathlib import Path

from conftest import REPO

LAUNCHER = REPO / "kernel-config" / "launch-kernel.sh"
TRIPLE = "x86_64-unknown-linux-gnu"  # evcxr builds for an explicit target: target/TRIPLE/debug


def make_slot(state: Path, i: int, marker: str | None) -> Path:
    slot = state / "evcxr-tmp" / f"slot-{i}"
    slot.mkdir(parents=True, exist_ok=True)
    if marker is not None:
        debug = slot / "target" / TRIPLE / "debug"
        for d in ("incremental/ctx-1", ".fingerprint/ctx-0123", ".fingerprint/candle-core-4567", "deps"):
            (debug / d).mkdir(parents=True, exist_ok=True)
        for f in ("built-from", ".cargo-lock", "libctx.so", "libcode_3.so", "deps/ctx-0123.d",
                  "deps/libcandle_core-4567.rlib"):
            (debug / f).write_text(marker)
    return slot


CELL_FILES = ("incremental", ".fingerprint/ctx-0123", ".cargo-lock", "libctx.so", "libcode_3.so", "deps/ctx-0123.d")


def cell_files_in(slot: Path) -> list[str]:
    debug = slot / "target" / TRIPLE / "debug"
    return [f for f in CELL_FILES if (debug / f).exists()]


def hold(stack: ExitStack, state: Path, i: int) -> None:
    """Take slot i's lock as a running kernel holds it."""
    f = stack.enter_context(open(state / "evcxr-tmp" / f"slot-{i}.lock", "w"))
    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)


def launch(state: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, JACOBIAN_COURSE_STATE=str(state), JACOBIAN_COURSE_EVCXR="true")
    return subprocess.run([str(LAUNCHER), *args], env=env, capture_output=True, text=True, timeout=60)


def built_from(slot: Path) -> str | None:
    f = slot / "target" / TRIPLE / "debug" / "built-from"
    return f.read_text() if f.exists() else None


def test_a_new_slot_is_copied_from_an_idle_slot_first(tmp_path):
    make_slot(tmp_path, 0, "slot-0")
    new = make_slot(tmp_path, 1, None)
    make_slot(tmp_path, 2, "slot-2")
    with ExitStack() as stack:
        hold(stack, tmp_path, 0)  # a learner's kernel, maybe building a cell
        r = launch(tmp_path, str(tmp_path / "kernel-x.json"))
    assert r.returncode == 0, r.stderr
    assert built_from(new) == "slot-2", r.stderr
    assert not cell_files_in(new), cell_files_in(new)
    assert (new / "target" / TRIPLE / "debug" / "deps/libcandle_core-4567.rlib").exists()
    assert (new / "target" / TRIPLE / "debug" / ".fingerprint/candle-core-4567").exists()


def test_a_slot_in_use_is_copied_without_what_its_cell_builds_write(tmp_path):
    make_slot(tmp_path, 0, "slot-0")
    new = make_slot(tmp_path, 1, None)
    with ExitStack() as stack:
        hold(stack, tmp_path, 0)
        r = launch(tmp_path, str(tmp_path / "kernel-x.json"))
    assert r.returncode == 0, r.stderr
    assert built_from(new) == "slot-0", r.stderr
    assert "(in use)" in r.stderr, r.stderr
    assert not cell_files_in(new), f"copied what a cell build writes: {cell_files_in(new)}"


def test_seed_slots_refreshes_old_slots_and_leaves_one_in_use_alone(tmp_path):
    make_slot(tmp_path, 0, "new build")
    for i in (1, 2, 3):
        make_slot(tmp_path, i, "old build")
    with ExitStack() as stack:
        hold(stack, tmp_path, 2)
        r = launch(tmp_path, "--seed-slots")
    assert r.returncode == 0, r.stderr
    slots = tmp_path / "evcxr-tmp"
    assert built_from(slots / "slot-1") == "new build", r.stderr
    assert built_from(slots / "slot-2") == "old build", "a slot in use was touched"
    assert "slot-2 is in use" in r.stderr
    assert not (slots / "slot-3" / "target").exists(), "an old build was kept"
    assert built_from(slots / "slot-0") == "new build"


def test_a_state_path_with_a_space_deletes_nothing_else(tmp_path):
    # Every slot busy (none configured): a throw-away tmpdir, which the watcher deletes when the
    # kernel is gone. With the path split at the space it deleted the folder "…/my".
    sentinel = tmp_path / "my"
    sentinel.mkdir()
    (sentinel / "keep").write_text("x")
    state = tmp_path / "my dir" / "state"
    state.mkdir(parents=True)
    kernel = tmp_path / "kernel-for-2s"  # the watcher needs a kernel that lives a moment
    kernel.write_text("#!/bin/sh\nsleep 2\n")
    kernel.chmod(0o755)
    env = dict(os.environ, JACOBIAN_COURSE_STATE=str(state), JACOBIAN_COURSE_EVCXR=str(kernel),
               JACOBIAN_COURSE_SLOTS="0")
    r = subprocess.run([str(LAUNCHER), str(tmp_path / "kernel-x.json")], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    import time
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and list((state / "evcxr-tmp").glob("fresh-*")):
        time.sleep(0.2)
    assert not list((state / "evcxr-tmp").glob("fresh-*")), "the throw-away tmpdir was left"
    assert (sentinel / "keep").exists(), "the watcher deleted a folder outside the state"


def test_a_missing_state_folder_is_a_checkout_not_a_shared_install(tmp_path):
    state = tmp_path / "state"  # e.g. after `cargo clean`
    r = launch(state, str(tmp_path / "kernel-x.json"))
    assert r.returncode == 0, r.stderr
    assert (state / "evcxr-tmp" / "slot-0").is_dir(), r.stderr
    assert "install-system" not in r.stderr, r.stderr
