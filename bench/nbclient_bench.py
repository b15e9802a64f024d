#!/usr/bin/env python3
"""Notebook 03 as a learner meets it, through Jupyter's own executor (nbclient), Rust against Python.

    .venv/bin/python bench/nbclient_bench.py [--rounds 3] [--reruns 10] [--python /tmp/torch-venv/bin/python]
                                             [--pool-size 1] [--cold] [--json bench/results/nbclient.json]

Runs, in alternation round by round, the course notebook on the installed course kernel (through
the kernel spec's provisioner, kernel-config/provisioner: a warm spare kernel is handed over) and
the original Python notebook (bench/python/03_jacobian_backprop.ipynb: PyTorch on ipykernel), and
prints each figure and the ratio Rust / Python:

- open: KernelManager.start_kernel until kernel_info is answered (nbclient's start), then the first
  code cell; "ready" is the kernel_info time, and the target also asks the first cell to take
  <= 0.6 s;
- the whole notebook, kernel start included (wall clock from start_kernel to the last cell's end);
- the median content cell (every code cell but the exercises) and the median of --reruns re-runs
  of exercise 1's cell;
- two restarts (KernelManager.restart_kernel until kernel_info, then the first cell);
- two notebooks opened at the same time (each one's kernel_info time and first cell).

"After set-up": before each round's open and before each restart the benchmark waits until the pool
holds a ready spare (the wait is recorded, not counted): a learner opens a notebook or restarts some
seconds after the previous kernel was handed over, while a spare takes 10-15 s to start. Between
the open and the notebook's cells it does not wait: the replacement spare starts while the cells run,
as it does for a learner.

--cold adds a third variant, the same Rust kernel with the pool off (pool_size 0): a cold start.
Each figure is a median over the rounds; the load average (1 min) before each measurement is kept.

Needs: ./course setup (the installed kernel spec and .venv), and a Python with torch, numpy,
matplotlib and ipykernel for the original notebook (--python). Run it with .venv/bin/python (the
provisioner must be importable in this process). Do not run it while `./course test` runs: both use
the installed kernel's tmpdir slots.
"""
import argparse
import asyncio
import datetime
import json
import os
import pathlib
import statistics
import sys
import time

REPO = pathlib.Path(__file__).resolve().parent.parent
RUST_NB = REPO / "notebooks" / "03_jacobian_backprop.ipynb"
PY_NB = REPO / "bench" / "python" / "03_jacobian_backprop.ipynb"
WORK = REPO / "target" / "bench" / "nbclient"
INSTALLED = "jacobian-course"


def log(msg):
    print(f"[{datetime.datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def load1():
    return round(os.getloadavg()[0], 2)


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def write_specs(args):
    """Private kernel specs: the installed course spec with this run's pool size (and pool off for
    --cold), and the Python notebook's ipykernel."""
    from jupyter_client.kernelspec import KernelSpecManager

    installed = KernelSpecManager().get_kernel_spec(INSTALLED)
    kernels = WORK / "jupyter" / "kernels"
    variants = {"rust": args.pool_size}
    if args.cold:
        variants["rust-cold"] = 0
    for name, size in variants.items():
        d = kernels / f"course-{name}"
        d.mkdir(parents=True, exist_ok=True)
        spec = installed.to_dict()
        spec["metadata"]["kernel_provisioner"]["config"]["pool_size"] = size
        spec["display_name"] += f" ({name})"
        (d / "kernel.json").write_text(json.dumps(spec, indent=1))
    d = kernels / "python3-torch"
    d.mkdir(parents=True, exist_ok=True)
    (d / "kernel.json").write_text(json.dumps({
        "argv": [args.python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (torch)", "language": "python"}, indent=1))
    os.environ["JUPYTER_PATH"] = str(WORK / "jupyter") + os.pathsep + os.environ.get("JUPYTER_PATH", "")
    return KernelSpecManager()


class Run:
    """One notebook on one kernel spec, driven by nbclient."""

    def __init__(self, ksm, kernel, notebook, timeout):
        import nbformat
        from jupyter_client.manager import AsyncKernelManager
        from nbclient import NotebookClient

        self.nb = nbformat.read(notebook, as_version=4)
        self.km = AsyncKernelManager(kernel_name=kernel, kernel_spec_manager=ksm)
        self.client = NotebookClient(self.nb, km=self.km, kernel_name=kernel, timeout=timeout,
                                     startup_timeout=timeout, resources={"metadata": {"path": str(notebook.parent)}})
        self.code = [(i, c) for i, c in enumerate(self.nb.cells) if c.cell_type == "code"]

    async def open(self):
        """start_kernel .. kernel_info answered, in seconds."""
        t = time.perf_counter()
        await self.client.async_start_new_kernel()
        await self.client.async_start_new_kernel_client()
        return time.perf_counter() - t

    async def cell(self, index, cell):
        t = time.perf_counter()
        await self.client.async_execute_cell(cell, index)
        return time.perf_counter() - t

    def by_id(self, cid):
        return next((i, c) for i, c in self.code if c.get("id") == cid)

    async def restart(self):
        t = time.perf_counter()
        await self.km.restart_kernel()
        self.client.kc.stop_channels()
        self.client.kc = self.km.client()
        self.client.kc.start_channels()
        await self.client.kc.wait_for_ready(timeout=self.client.startup_timeout)
        return time.perf_counter() - t

    async def close(self):
        if self.client.kc:
            self.client.kc.stop_channels()
        if self.km.has_kernel:
            await self.km.shutdown_kernel()


def wait_pool(variant):
    """Until the course pool holds a ready spare (the learner's pause); seconds waited."""
    if not variant.startswith("rust") or variant == "rust-cold":
        return 0.0
    import jacobian_course_pool as pool

    t = time.perf_counter()
    if not pool.wait_ready(timeout=600):
        log(f"pool not ready after 600 s: {pool.pool_status()}")
    return time.perf_counter() - t


def prefill(ksm, variant, kernel, notebook):
    if variant == "rust":
        import jacobian_course_pool as pool

        pool.prefill(kernel, cwd=str(notebook.parent), kernel_spec_manager=ksm)


async def one_round(ksm, variant, kernel, notebook, args):
    out = {"variant": variant}
    prefill(ksm, variant, kernel, notebook)
    out["pool_wait_s"] = wait_pool(variant)
    run = Run(ksm, kernel, notebook, args.timeout)
    try:
        out["load_open"] = load1()
        t0 = time.perf_counter()
        out["open_s"] = await run.open()
        cells = {}
        for i, c in run.code:
            cells[c.get("id") or str(i)] = await run.cell(i, c)
        out["notebook_s"] = time.perf_counter() - t0
        out["cells_s"] = cells
        first = run.code[0][1].get("id")
        out["first_cell_s"] = cells[first]
        out["content_median_s"] = med(v for k, v in cells.items() if not k.startswith("ex"))
        i, c = run.by_id("ex1")
        out["load_rerun"] = load1()
        reruns = [await run.cell(i, c) for _ in range(args.reruns)]
        out["rerun_s"] = reruns
        out["rerun_median_s"] = med(reruns)
        out["restarts"] = []
        for _ in range(2):
            waited = wait_pool(variant)
            r = {"pool_wait_s": waited, "load": load1()}
            r["ready_s"] = await run.restart()
            fi, fc = run.code[0]
            r["first_cell_s"] = await run.cell(fi, fc)
            out["restarts"].append(r)
        # the notebook still runs after two restarts: the whole of it, once more
        for i, c in run.code:
            await run.cell(i, c)
    finally:
        await run.close()
    # two notebooks opened at the same time
    prefill(ksm, variant, kernel, notebook)
    out["pair_pool_wait_s"] = wait_pool(variant)
    out["load_pair"] = load1()
    pair = [Run(ksm, kernel, notebook, args.timeout) for _ in range(2)]
    try:
        async def open_first(r):
            ready = await r.open()
            i, c = r.code[0]
            return ready, await r.cell(i, c)

        res = await asyncio.gather(*(open_first(r) for r in pair))
        out["pair"] = [{"ready_s": a, "first_cell_s": b} for a, b in res]
    finally:
        for r in pair:
            await r.close()
    log(f"[{variant}] open {out['open_s']:.2f} s (first cell {out['first_cell_s']:.3f} s), notebook "
        f"{out['notebook_s']:.2f} s, content median {out['content_median_s']:.3f} s, ex1 re-run median "
        f"{out['rerun_median_s']:.4f} s, restarts "
        + ", ".join(f"{r['ready_s']:.2f}+{r['first_cell_s']:.2f} s" for r in out["restarts"])
        + ", pair " + ", ".join(f"{p['ready_s']:.2f}+{p['first_cell_s']:.2f} s" for p in out["pair"])
        + f" (load {out['load_open']})")
    return out


FIGURES = [
    ("kernel ready on open (kernel_info)", lambda r: r["open_s"]),
    ("first cell after open", lambda r: r["first_cell_s"]),
    ("kernel ready on restart (kernel_info)", lambda r: med(x["ready_s"] for x in r["restarts"])),
    ("first cell after restart", lambda r: med(x["first_cell_s"] for x in r["restarts"])),
    ("whole notebook, kernel start included", lambda r: r["notebook_s"]),
    ("content cell, median", lambda r: r["content_median_s"]),
    ("exercise 1 check re-run, median", lambda r: r["rerun_median_s"]),
    ("two notebooks at once: first ready", lambda r: min(p["ready_s"] for p in r["pair"])),
    ("two notebooks at once: second ready", lambda r: max(p["ready_s"] for p in r["pair"])),
]


def summarise(rounds, variants):
    table = {}
    for name, f in FIGURES:
        table[name] = {v: med(f(r) for r in rounds if r["variant"] == v) for v in variants}
    return table


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reruns", type=int, default=10)
    ap.add_argument("--python", default="/tmp/torch-venv/bin/python",
                    help="a Python with torch, numpy, matplotlib and ipykernel (the original notebook's kernel)")
    ap.add_argument("--pool-size", type=int, default=1, help="spare kernels of the course kernel (the spec says 1)")
    ap.add_argument("--cold", action="store_true", help="also run the course kernel without the pool")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--json", type=pathlib.Path)
    args = ap.parse_args()

    ksm = write_specs(args)
    variants = [("rust", "course-rust", RUST_NB), ("python", "python3-torch", PY_NB)]
    if args.cold:
        variants.append(("rust-cold", "course-rust-cold", RUST_NB))
    log(f"{args.rounds} alternating rounds of {', '.join(v for v, _, _ in variants)} on {os.cpu_count()} cores, "
        f"load {load1()}")
    rounds = []

    async def go():
        for n in range(args.rounds):
            for variant, kernel, nb in variants:
                r = await one_round(ksm, variant, kernel, nb, args)
                r["round"] = n
                rounds.append(r)

    asyncio.run(go())
    names = [v for v, _, _ in variants]
    table = summarise(rounds, names)
    loads = [r[k] for r in rounds for k in ("load_open", "load_rerun", "load_pair")]
    print(f"\nnotebook 03 through nbclient, medians over {args.rounds} alternating rounds "
          f"(load average 1 min: {min(loads):.1f}-{max(loads):.1f}; pool size {args.pool_size})")
    head = f"{'figure':<42}" + "".join(f"{v:>12}" for v in names) + f"{'rust/python':>13}"
    print(head)
    for name, row in table.items():
        ratio = row["rust"] / row["python"] if row.get("rust") and row.get("python") else None
        print(f"{name:<42}" + "".join(f"{row[v]:>11.3f}s" for v in names)
              + (f"{ratio:>12.2f}x" if ratio else f"{'—':>13}"))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "date": datetime.datetime.now().isoformat(timespec="seconds"), "cores": os.cpu_count(),
            "pool_size": args.pool_size, "load_range": [min(loads), max(loads)], "medians": table,
            "rounds": rounds}, indent=1))


if __name__ == "__main__":
    main()
