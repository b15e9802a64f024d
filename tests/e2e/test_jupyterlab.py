"""The course notebook in real JupyterLab, in a real (headless) Chromium.

What a learner does after `./course`, driven through the browser's UI:
open notebooks/03_jacobian_backprop.ipynb, check the kernel is ours, Run ->
Run All Cells, read the outputs and heatmaps, then type an answer into
exercise 2, re-run it with Shift+Enter and read the feedback.

Run just this test:   .venv/bin/python -m pytest tests/e2e
(or ./course test, which runs it after `cargo test --workspace`).
Screenshots and logs go to target/e2e/.

Timeouts are generous because the first compile on a cold evcxr cache takes
minutes (./course setup warms it). Override with E2E_TIMEOUT_S (seconds for
kernel start + Run All; default 900). E2E_NOTEBOOKS_DIR points the test at a
stand-in notebooks/ folder (only for developing this harness).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import time
from pathlib import Path

import pytest

from e2e_lab import KERNEL_DISPLAY_NAME, KERNEL_NAME, REPO, TIMINGS

NOTEBOOK = "03_jacobian_backprop.ipynb"
SOURCE_NOTEBOOK = Path(os.environ.get("E2E_NOTEBOOKS_DIR", REPO / "notebooks")) / NOTEBOOK
RUN_ALL_TIMEOUT_S = float(os.environ.get("E2E_TIMEOUT_S", "900"))
CELL_TIMEOUT_S = 300

# Cells whose output is (or contains) a Jacobian heatmap.
JACOBIAN_CELLS = ["s1-jacobian", "s2-linear", "s3-chain", "s4-relu", "s5-layer", "s5-dead", "s6-backprop"]

# What each section prints. Numbers are from the PyTorch notebook run with
# torch.manual_seed(42) (reference/seed_values.json); `numbers` must appear in this
# order, consecutively, among the numbers in the cell's stdout, within `tol`.
EXPECTED = {
    "setup": {"text": ["Rust (Jacobian course) ready"], "numbers": [42], "tol": 0},
    "s1-jacobian": {
        "text": ["Jacobian shape: [3, 2]", "0.5403"],
        "numbers": [2.0, 1.0, 2.0, 1.0, 0.5403023362159729, 0.0], "tol": 6e-5,
    },
    "s2-linear": {
        "text": ["✓ Jacobian = W"],
        "numbers": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "tol": 1e-6,
    },
    "s3-chain": {
        "text": ["✓ Match!"],
        # s3_J_direct: depends on the seeded generator reproducing torch's.
        "numbers": [0.07551906257867813, 0.05146552249789238, -0.6933624744415283, 0.0068373773247003555,
                    1.0880897045135498, -0.06192947179079056, -0.28505590558052063, 0.2756615877151489],
        "tol": 6e-5,
    },
    "s4-relu": {
        "text": ["ReLU(z): [2.0, 0.0, 3.0, 0.0]", "neurons [2, 4]"],
        "numbers": [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0], "tol": 1e-6,
    },
    "s5-layer": {
        "text": ["No row zeroed", "J_σ·W matches autodiff: true"],
        "numbers": [0.4000000059604645, 0.20000004768371582, 1.4000000953674316], "tol": 1e-5,
    },
    "s5-dead": {
        "text": ["Zero rows of J (dead neurons): [2]"],
        "numbers": [1.0, 2.0, 0.0, 0.0, 5.0, 6.0], "tol": 1e-6,
    },
    "s6-backprop": {
        "text": ["∂L/∂x", "✓ backprop vs 2·y·J"],
        # s6_grad_x, printed by {:?} of f32: full precision.
        "numbers": [0.0002755730820354074, 0.000734287197701633], "tol": 2e-8,
    },
}

EX2_CELL = "ex2"
EX2_LINE_BEFORE = "let answer_2: Option<(usize, usize)> = None;"
EX2_LINE_AFTER = "let answer_2: Option<(usize, usize)> = Some((1, 3));"

STDOUT = '[data-mime-type="application/vnd.jupyter.stdout"]'
STDERR = '[data-mime-type="application/vnd.jupyter.stderr"]'  # stderr streams and error outputs
NUMBER = re.compile(r"-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")


def _notebook_cells() -> list[dict]:
    return json.loads(SOURCE_NOTEBOOK.read_text())["cells"]


CELLS = _notebook_cells()
CELL_INDEX = {c["id"]: i for i, c in enumerate(CELLS)}
N_CODE_CELLS = sum(c["cell_type"] == "code" for c in CELLS)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


SOURCE_HASH = _sha256(SOURCE_NOTEBOOK)


# -- page helpers ----------------------------------------------------------------

def notebook_cell(page, cell_id: str):
    """The DOM cell for a notebook cell id (JupyterLab renders cells in file order)."""
    return page.locator(".jp-NotebookPanel .jp-Notebook .jp-Notebook-cell").nth(CELL_INDEX[cell_id])


def notebook_state(page) -> dict:
    return page.evaluate("""() => {
        const panel = document.querySelector('.jp-NotebookPanel');
        if (!panel) return {status: null, prompts: []};
        const ind = panel.querySelector('.jp-Notebook-ExecutionIndicator');
        return {
            status: ind ? ind.getAttribute('data-status') : null,
            prompts: [...panel.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')]
                .map(e => e.textContent.trim()),
        };
    }""")


class KernelDied(AssertionError):
    pass


def wait_for(predicate, timeout: float, what: str, page=None, interval: float = 1.0, lab=None):
    """Polls `predicate` until it is truthy. With `lab`, fails at once if the kernel dies, and
    a failure message ends with the server's log (which holds the kernel's stderr)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        # A kernel that died for good is dropped from the server, and so is its session.
        if lab is not None and (not (states := server_kernel_states(lab)) or "dead" in states):
            raise KernelDied(f"the kernel died while waiting for {what}; server log "
                             f"({lab.log_path}):\n{lab.log_tail()}")
        time.sleep(interval)
    state = notebook_state(page) if page is not None else None
    log = f"\nserver log ({lab.log_path}):\n{lab.log_tail()}" if lab is not None else ""
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last check: {last!r}); "
                         f"notebook state: {state}{log}")


def server_kernel_states(lab) -> list[str]:
    return [s["kernel"]["execution_state"] for s in lab.api("GET", "/api/sessions")
            if s["path"].endswith(NOTEBOOK)]


def output_text(cell, selector: str = ".jp-OutputArea-output") -> str:
    # textContent, not innerText: off-screen cells are skipped by the browser's rendering
    # (JupyterLab's content-visibility windowing), and innerText would read them as empty.
    return "\n".join(cell.locator(f".jp-OutputArea {selector}").all_text_contents())


def editor_text(cell) -> str:
    return "\n".join(cell.locator(".cm-content .cm-line").all_text_contents())


def numbers_in(text: str) -> list[float]:
    out = []
    for m in NUMBER.findall(text):
        try:
            out.append(float(m))
        except ValueError:
            pass
    return out


def contains_run(haystack: list[float], needle: list[float], tol: float) -> bool:
    n = len(needle)
    return any(
        all(math.isclose(haystack[i + j], needle[j], rel_tol=0, abs_tol=tol) for j in range(n))
        for i in range(len(haystack) - n + 1)
    )


# -- fixtures --------------------------------------------------------------------

@pytest.fixture(scope="module")
def notebook(lab, page):
    """The notebook open in JupyterLab, its kernel started."""
    page.set_default_timeout(60_000)
    page.goto(lab.url(f"/lab/tree/{NOTEBOOK}"), wait_until="domcontentloaded", timeout=120_000)
    page.locator(".jp-NotebookPanel").first.wait_for(state="visible", timeout=180_000)
    wait_for(lambda: page.locator(".jp-NotebookPanel .jp-Notebook-cell").count() == len(CELLS),
             120, f"{len(CELLS)} cells to render", page)
    yield page
    assert _sha256(SOURCE_NOTEBOOK) == SOURCE_HASH, f"the test modified {SOURCE_NOTEBOOK}"


@pytest.fixture(scope="module")
def ran_all(notebook, lab):
    """Run -> Run All Cells from the menu bar; wait until every code cell has run."""
    page = notebook
    t0 = time.monotonic()
    wait_for(lambda: server_kernel_states(lab), 120, "the notebook's kernel session", page)
    # The kernel loads the course crate at start-up (cold cache: minutes). Both the page's
    # indicator and the server must say idle.
    wait_for(lambda: notebook_state(page)["status"] == "idle" and server_kernel_states(lab) == ["idle"],
             RUN_ALL_TIMEOUT_S, "the kernel to start (idle)", page, interval=2, lab=lab)
    started = time.monotonic() - t0
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-item:visible", has_text="Run All Cells").first.click()
    wait_for(lambda: any(p in ("[*]:", "[*]") for p in notebook_state(page)["prompts"])
             or all(re.fullmatch(r"\[\d+\]:?", p) for p in notebook_state(page)["prompts"]),
             60, "Run All to queue the cells", page)

    def finished():
        s = notebook_state(page)
        return s["status"] == "idle" and not any("*" in p for p in s["prompts"])

    wait_for(finished, RUN_ALL_TIMEOUT_S, "Run All Cells to finish", page, interval=2, lab=lab)
    time.sleep(1)  # let the last outputs render
    wait_for(finished, 60, "the kernel to stay idle", page, lab=lab)
    TIMINGS["kernel start (page open to idle)"] = started
    TIMINGS["Run All Cells"] = time.monotonic() - t0 - started
    return page


# -- tests -----------------------------------------------------------------------

def test_served_on_loopback_with_token(lab):
    import urllib.error

    assert lab.listening_addresses() == {"127.0.0.1"}, lab.listening_addresses()
    with pytest.raises(urllib.error.HTTPError) as e:
        lab.api("GET", "/api/sessions", token=None)
    assert e.value.code == 403
    assert lab.api("GET", "/api/status")["started"]


def test_kernel_is_ours(notebook, lab):
    page = notebook
    name = page.locator(".jp-NotebookPanel-toolbar .jp-Toolbar-kernelName")
    wait_for(lambda: name.is_visible() and name.inner_text().strip() == KERNEL_DISPLAY_NAME, 120,
             f"the notebook toolbar to show kernel {KERNEL_DISPLAY_NAME!r} (it shows {name.text_content()!r})",
             page)
    # The server agrees: the notebook's session runs our kernel spec (the session is created
    # while the page loads, so give it a moment).
    def kernels():
        return [s["kernel"]["name"] for s in lab.api("GET", "/api/sessions") if s["path"].endswith(NOTEBOOK)]

    wait_for(lambda: kernels() == [KERNEL_NAME], 120,
             f"the notebook's session to run kernel {KERNEL_NAME!r}", page)


def test_run_all_cells_executes_every_code_cell(ran_all):
    s = notebook_state(ran_all)
    assert len(s["prompts"]) == N_CODE_CELLS
    not_run = [p for p in s["prompts"] if not re.fullmatch(r"\[\d+\]:", p)]
    assert not not_run, f"code cells without an execution count after Run All: {s['prompts']}"


def test_no_error_output(ran_all):
    page = ran_all
    errors = []
    for c in CELLS:
        if c["cell_type"] != "code":
            continue
        cell = notebook_cell(page, c["id"])
        err = output_text(cell, STDERR)
        if err.strip() or "panicked at" in output_text(cell):
            errors.append(f"--- {c['id']}:\n{err}")
    assert not errors, "error output in cells:\n" + "\n".join(errors)


@pytest.mark.parametrize("cell_id", list(EXPECTED))
def test_section_output_values(ran_all, cell_id):
    cell = notebook_cell(ran_all, cell_id)
    cell.scroll_into_view_if_needed()
    text = output_text(cell, STDOUT)
    exp = EXPECTED[cell_id]
    for s in exp.get("text", []):
        assert s in text, f"{cell_id}: expected {s!r} in its output:\n{text}"
    if "numbers" in exp:
        assert contains_run(numbers_in(text), exp["numbers"], exp["tol"]), (
            f"{cell_id}: expected the values {exp['numbers']} (±{exp['tol']}) in its output:\n{text}")


@pytest.mark.parametrize("cell_id", JACOBIAN_CELLS)
def test_heatmap_rendered(ran_all, cell_id, artifacts):
    page = ran_all
    cell = notebook_cell(page, cell_id)
    cell.scroll_into_view_if_needed()
    images = cell.locator(".jp-OutputArea-output svg, .jp-OutputArea-output img")
    assert images.count() >= 1, f"{cell_id}: no <svg> or <img> in the output area"
    sizes = []
    for i in range(images.count()):
        img = images.nth(i)
        img.scroll_into_view_if_needed()
        box = img.bounding_box()
        loaded = img.evaluate("e => e.tagName.toLowerCase() !== 'img' || (e.complete && e.naturalWidth > 0)")
        sizes.append((box, loaded))
    rendered = [b for b, ok in sizes if ok and b and b["width"] > 10 and b["height"] > 10]
    assert rendered, f"{cell_id}: heatmap image(s) of zero size or not loaded: {sizes}"
    if cell_id == "s1-jacobian":
        area = cell.locator(".jp-OutputArea")
        area.scroll_into_view_if_needed()
        area.screenshot(path=str(artifacts / "heatmap.png"))


def test_exercise_feedback_after_typing_answer(ran_all, lab, artifacts):
    page = ran_all
    cell = notebook_cell(page, EX2_CELL)
    cell.scroll_into_view_if_needed()
    assert EX2_LINE_BEFORE in editor_text(cell), editor_text(cell)
    before = output_text(cell)
    assert "not attempted" in before.lower(), f"feedback before answering: {before!r}"
    prompt = cell.locator(".jp-InputArea-prompt")
    count_before = prompt.text_content().strip()

    # As a learner would: click the line, select `None`, type the answer.
    cell.locator(".cm-line", has_text="let answer_2").click()
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")  # before the `;`
    page.keyboard.press("Control+Shift+ArrowLeft")  # selects `None`
    page.keyboard.type("Some((1, 3))", delay=30)
    assert EX2_LINE_AFTER in editor_text(cell), f"editor after typing:\n{editor_text(cell)}"
    page.keyboard.press("Shift+Enter")

    def rerun_done():
        p = prompt.text_content().strip()
        return (re.fullmatch(r"\[\d+\]:", p) and p != count_before
                and notebook_state(page)["status"] == "idle")

    t0 = time.monotonic()
    wait_for(rerun_done, CELL_TIMEOUT_S, "exercise 2 to re-run", page, interval=0.5, lab=lab)
    TIMINGS["exercise 2 re-run"] = time.monotonic() - t0
    time.sleep(0.5)
    after = output_text(cell)
    cell.scroll_into_view_if_needed()
    cell.screenshot(path=str(artifacts / "exercise.png"))
    assert not output_text(cell, STDERR).strip(), f"error output: {output_text(cell, STDERR)}"
    low = after.lower()
    assert "not attempted" not in low, f"feedback still says not attempted:\n{after}"
    assert re.search(r"(?<!in)correct", low) and "incorrect" not in low, f"feedback is not 'correct':\n{after}"


def test_restart_hands_over_a_warm_kernel_and_the_notebook_still_runs(ran_all, lab, artifacts):
    """Kernel -> Restart Kernel… in the menu: the kernel pool (kernel-config/provisioner) hands over
    its spare, which listens on other ports than the kernel before it; JupyterLab reconnects and
    the whole notebook runs again."""
    page = ran_all
    kernel_id = lab.api("GET", "/api/sessions")[0]["kernel"]["id"]
    handed_over = f"kernel {kernel_id} is the spare"
    before = lab.log_path.read_text(errors="replace").count(handed_over)
    t0 = time.monotonic()
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Kernel$")).click()
    page.locator(".lm-Menu-item:visible", has_text="Restart Kernel…").first.click()
    page.locator(".jp-Dialog .jp-mod-accept").click()
    wait_for(lambda: lab.log_path.read_text(errors="replace").count(handed_over) > before
             and notebook_state(page)["status"] == "idle" and server_kernel_states(lab) == ["idle"],
             RUN_ALL_TIMEOUT_S, "the restarted kernel to be idle (a spare from the pool)", page, interval=0.5,
             lab=lab)
    TIMINGS["restart (menu to idle)"] = time.monotonic() - t0
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-item:visible", has_text="Run All Cells").first.click()
    # The prompts keep their numbers from before the restart until a cell runs: wait for the queue.
    wait_for(lambda: any(p in ("[*]:", "[*]") for p in notebook_state(page)["prompts"]),
             60, "Run All to queue the cells after the restart", page, interval=0.2)

    def finished():
        s = notebook_state(page)
        return s["status"] == "idle" and not any("*" in p for p in s["prompts"])

    wait_for(finished, RUN_ALL_TIMEOUT_S, "Run All Cells after the restart", page, interval=1, lab=lab)
    time.sleep(1)
    for cid in JACOBIAN_CELLS:
        cell = notebook_cell(page, cid)
        assert not output_text(cell, STDERR).strip(), f"{cid} after restart: {output_text(cell, STDERR)}"
        images = cell.locator(".jp-OutputArea-output svg, .jp-OutputArea-output img")
        assert images.count() >= 1, f"{cid}: no heatmap after the restart"
