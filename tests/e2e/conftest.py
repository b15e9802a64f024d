"""Fixtures for the browser test: prerequisites, the JupyterLab server, Chromium."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from e2e_lab import CHROMIUM, REPO, TIMINGS, LabServer, PrerequisiteMissing, check_prerequisites

ARTIFACTS = REPO / "target" / "e2e"
# The flags that work on this machine (no GPU, no sandbox as root, nothing to phone home to).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def pytest_report_header(config):
    return [f"e2e artifacts (screenshots, server log): {ARTIFACTS}"]


def pytest_terminal_summary(terminalreporter):
    if TIMINGS:
        terminalreporter.write_sep("-", "e2e timings")
        for what, secs in TIMINGS.items():
            terminalreporter.write_line(f"{what}: {secs:.0f}s")


@pytest.fixture(scope="session")
def prerequisites():
    """Never skips: a missing prerequisite stops the whole run, non-zero, with an install hint."""
    try:
        return check_prerequisites()
    except PrerequisiteMissing as e:
        message = str(e)
    pytest.exit(message, returncode=1)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):  # never show a stale screenshot as this run's
        old.unlink()
    return ARTIFACTS


@pytest.fixture(scope="session")
def lab(prerequisites, artifacts):
    # E2E_NOTEBOOKS_DIR only exists to develop this harness against a stand-in notebook.
    src = Path(os.environ.get("E2E_NOTEBOOKS_DIR", REPO / "notebooks"))
    server = LabServer(src, artifacts / "jupyterlab.log")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser_context(lab, artifacts):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="jacobian-e2e-chromium-") as profile:
        # A fresh --user-data-dir (Playwright passes it from user_data_dir) and Debian's
        # Chromium: Playwright's own browser download does not work here.
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="session")
def page(browser_context, artifacts):
    page = browser_context.pages[0] if browser_context.pages else browser_context.new_page()
    console = []
    page.on("console", lambda m: console.append(f"[{m.type}] {m.text}"))
    page.on("pageerror", lambda e: console.append(f"[pageerror] {e}"))
    yield page
    (artifacts / "browser-console.log").write_text("\n".join(console) + "\n")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, save a screenshot of the whole page for diagnosis."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and "page" in getattr(item, "funcargs", {}):
        try:
            path = ARTIFACTS / f"failure-{item.name}-{int(time.time())}.png"
            item.funcargs["page"].screenshot(path=str(path), full_page=False)
            report.sections.append(("e2e", f"screenshot of the page: {path}"))
        except Exception as e:  # noqa: BLE001 - best effort only
            report.sections.append(("e2e", f"could not take a failure screenshot: {e}"))
