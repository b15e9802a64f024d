#!/usr/bin/env python3
"""Kernel-side benchmarks of the course notebook, run on the real evcxr kernel through nbrun.

    python3 bench/nbbench.py kernel-start [--runs 5]     fresh kernel -> first heatmap of notebook 03
    python3 bench/nbbench.py warm-rerun  [--repeats 15]  an exercise check (--cell ex1) re-run on a warm kernel,
                                                        after every cell above it (--context notebook)
    python3 bench/nbbench.py notebook    [--runs 3]      the whole of notebook 03, headless
    python3 bench/nbbench.py cold-warmup                 `./course setup`'s warm-up with empty state and cache

(bench/kernel_start.sh, bench/warm_rerun.sh and bench/notebook.sh are these three commands.)

Every figure is a median over several runs; min and max are printed next to it, with the load
average before and after (the machine is shared: compare figures taken in the same session).

Isolation. The benchmark does NOT use the installed kernel spec: its tmpdir slots are shared with
the tests. It has the course tool render this checkout's kernel files (`./course kernel-files`: the
same templates, rendered the same way as `./course setup` does) into target/bench/<label>/, with a
private state dir (default target/bench/state, one slot), and points nbrun at it with --jupyter-path. So it measures exactly what a learner's
kernel does after set-up, without racing other kernels for slots. A private state is seeded by
copying a built slot (target/bench/state's, else the set-up one in target/kernel/) when one is free,
else built like `./course setup` builds it; then one untimed run of kernel-config/warmup.ipynb brings
it up to date (the course crates may have changed).

--compare runs the same benchmark on the set-up from before issue 7 as well (the old init.evcxr,
bench/variants/before.init.evcxr.in, and evcxr's default opt-level 2 for cells), interleaved run by
run, and prints now / before: the machine is shared, so only figures taken side by side compare.

Cell times are nbrun's per-cell durations minus the 150 ms nbrun waits for late output after a
cell's reply (a learner does not wait for it); kernel start is nbrun's spawn -> kernel_info time.

Variants (to measure a lever without touching the installed kernel): --init FILE (another
init.evcxr template), --kernel-env K=V (extra env for the kernel), --state DIR (another state,
e.g. when the lever changes how dependencies are compiled), --label NAME (where its files go).
"""
import argparse
import datetime
import fcntl
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import time

REPO = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "notebooks" / "03_jacobian_backprop.ipynb"
NBRUN = REPO / "target" / "release" / "nbrun"
KERNEL = "jacobian-course"
# nbrun waits this long after a cell's reply for late output (nbrun::options::DEFAULT_LATE_OUTPUT_QUIET)
# and counts it in the cell's duration; a learner does not wait for it, so it is subtracted.
QUIET = 0.150


def log(msg):
    print(f"[{datetime.datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def rel(path):
    """A path inside the checkout, relative to it (results must not embed this machine's folders)."""
    p = pathlib.Path(path).resolve()
    return str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(p)


def loadavg():
    return os.getloadavg()[0]


def stats(xs):
    xs = list(xs)
    if not xs:
        return {"n": 0}
    return {"n": len(xs), "median": statistics.median(xs), "min": min(xs), "max": max(xs)}


def fmt_stats(s, unit="s"):
    if not s.get("n"):
        return "—"
    return f"median {s['median']:.2f} {unit} (min {s['min']:.2f}, max {s['max']:.2f}, n={s['n']})"


class Kernel:
    """A private rendering of this checkout's kernel spec."""

    def __init__(self, args):
        self.label = args.label
        self.root = REPO / "target" / "bench" / self.label
        self.state = (REPO / args.state).resolve() if not os.path.isabs(args.state) else pathlib.Path(args.state)
        self.init = pathlib.Path(args.init)
        self.extra_env = dict(kv.split("=", 1) for kv in args.kernel_env)
        self.seed = args.seed
        self.jupyter = self.root / "jupyter"

    def write(self):
        """This checkout's kernel spec, init.evcxr and warm-up files, rendered by the course tool."""
        cmd = [str(REPO / "course"), "kernel-files", "--state", str(self.state),
               "--jupyter-dir", str(self.jupyter), "--evcxr-config", str(self.root / "evcxr-config"),
               "--init", str(self.init), "--warmup-build", str(self.root / "warmup-build.ipynb"),
               "--env", "JACOBIAN_COURSE_SLOTS=1"]
        for kv in self.extra_env.items():
            cmd += ["--env", "=".join(kv)]
        subprocess.run(cmd, cwd=REPO, check=True)

    @property
    def slot(self):
        return self.state / "evcxr-tmp" / "slot-0"

    def slot_free(self):
        lock = pathlib.Path(str(self.slot) + ".lock")
        lock.touch()
        with open(lock, "w") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(f, fcntl.LOCK_UN)
                return True
            except OSError:
                return False

    def nbrun(self, notebook, out, summary, env=None, timeout_per_cell=1800, startup_timeout=900, quiet=True):
        cmd = [
            str(NBRUN), "run", str(notebook), "--kernel", KERNEL,
            "--jupyter-path", str(self.jupyter),
            "--out", str(out), "--json-summary", str(summary),
            "--timeout-per-cell", str(timeout_per_cell), "--startup-timeout", str(startup_timeout),
        ]
        if quiet:
            cmd.append("-q")
        e = dict(os.environ)
        e.update(env or {})
        r = subprocess.run(cmd, env=e, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            data = json.loads(pathlib.Path(summary).read_text())
        except (OSError, ValueError):
            data = None
        if r.returncode != 0 or data is None or data.get("status") != "ok":
            sys.stderr.write(r.stdout[-4000:])
            raise SystemExit(f"nbrun failed on {notebook} (exit {r.returncode}); see {out}")
        return data

    def ensure_warm(self, skip_catch_up=False):
        self.write()
        if not (self.slot / "target").is_dir():
            copied = False
            sources = [REPO / "target" / "bench" / "state" / "evcxr-tmp" / "slot-0",
                       REPO / "target" / "kernel" / "evcxr-tmp" / "slot-0"]
            for src in sources if self.seed == "copy" else []:
                if src == self.slot or not (src / "target").is_dir():
                    continue
                with open(str(src) + ".lock", "a") as f:
                    try:
                        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except OSError:
                        log(f"{src} is in use")
                        continue
                    log(f"seeding {self.slot} from {src}")
                    self.slot.mkdir(parents=True, exist_ok=True)
                    subprocess.run(["cp", "-a", "--reflink=auto", f"{src}/.", str(self.slot)], check=True)
                    copied = True
                    break
            if not copied:
                log(f"building {self.slot} (cold: minutes; progress in the kernel log)")
                nb = self.root / "warmup-build.ipynb"
                self.nbrun(nb, self.root / "warmup-build.out.ipynb", self.root / "warmup-build.json",
                           env={"JACOBIAN_COURSE_WARMUP": "1"}, quiet=False)
        if not skip_catch_up:
            t = time.monotonic()
            self.nbrun(REPO / "kernel-config" / "warmup.ipynb", self.root / "catch-up.out.ipynb",
                       self.root / "catch-up.json")
            log(f"catch-up run (untimed) took {time.monotonic() - t:.1f} s")
        if not self.slot_free():
            raise SystemExit(f"{self.slot} is in use by another kernel")


def code_cells():
    nb = json.loads(NOTEBOOK.read_text())
    return nb, [c for c in nb["cells"] if c["cell_type"] == "code"]


def write_notebook(path, nb, cells):
    out = dict(nb)
    out["cells"] = []
    for i, c in enumerate(cells):
        c = dict(c)
        c["id"] = f"{c.get('id', 'cell')}-{i}"
        c["outputs"] = []
        c["execution_count"] = None
        out["cells"].append(c)
    path.write_text(json.dumps(out, indent=1))
    return path


def one_kernel_start(args, k, i):
    nb, cells = code_cells()
    ids = [c.get("id") for c in cells]
    if args.until_cell not in ids:
        raise SystemExit(f"no code cell {args.until_cell!r} in {NOTEBOOK}")
    upto = cells[: ids.index(args.until_cell) + 1]
    path = write_notebook(k.root / "kernel-start.ipynb", nb, upto)
    l0 = loadavg()
    d = k.nbrun(path, k.root / "kernel-start.out.ipynb", k.root / f"kernel-start-{i}.json")
    cells_s = [c["duration_s"] - QUIET for c in d["cells"]]
    last = d["cells"][-1]
    if not any(m in ("image/svg+xml", "image/png", "text/html") for m in last.get("mime_types", [])):
        raise SystemExit(f"cell {args.until_cell} drew no picture: {last.get('mime_types')}")
    run = {"startup_s": d["startup_s"], "cells_s": cells_s, "total_s": d["startup_s"] + sum(cells_s),
           "load": [l0, loadavg()], "cells": [c.get("id") for c in upto]}
    log(f"[{k.label}] run {i + 1}: kernel_info {run['startup_s']:.2f} s + cells "
        + " + ".join(f"{s:.2f}" for s in cells_s) + f" = {run['total_s']:.2f} s (load {l0:.1f})")
    return run


def sum_kernel_start(runs):
    cells = runs[0]["cells"]
    res = {
        "figure": "fresh kernel start -> first heatmap",
        "cells": cells,
        "total": stats(r["total_s"] for r in runs),
        "startup": stats(r["startup_s"] for r in runs),
        "per_cell": [stats(r["cells_s"][j] for r in runs) for j in range(len(cells))],
        "runs": runs,
    }
    lines = [f"kernel start -> first heatmap ({', '.join(cells)}): {fmt_stats(res['total'])}",
             f"  kernel_info (init.evcxr):      {fmt_stats(res['startup'])}"]
    lines += [f"  cell {cid:<26} {fmt_stats(s)}" for cid, s in zip(cells, res["per_cell"])]
    return res, lines


def one_warm_rerun(args, k, i):
    nb, cells = code_cells()
    by_id = {c.get("id"): c for c in cells}
    if args.cell not in by_id:
        raise SystemExit(f"no code cell {args.cell!r} in {NOTEBOOK}")
    cell = dict(by_id[args.cell])
    if args.source:
        cell["source"] = args.source
    # What a learner has done before re-running the cell: by default every cell above it.
    ids = [c.get("id") for c in cells]
    before = cells[: ids.index(args.cell)] if args.context == "notebook" else [by_id["setup"]]
    seq = before + [cell] * (args.repeats + 1)
    path = write_notebook(k.root / "warm-rerun.ipynb", nb, seq)
    l0 = loadavg()
    d = k.nbrun(path, k.root / "warm-rerun.out.ipynb", k.root / f"warm-rerun-{i}.json")
    times = [c["duration_s"] - QUIET for c in d["cells"][len(before):]]
    log(f"[{k.label}] run {i + 1}: first {times[0]:.2f} s, re-runs median {statistics.median(times[1:]):.2f} s "
        f"(load {l0:.1f})")
    return {"first_s": times[0], "reruns_s": times[1:], "load": [l0, loadavg()]}


def sum_warm_rerun(runs):
    allr = [t for r in runs for t in r["reruns_s"]]
    res = {"figure": "warm cell re-run", "rerun": stats(allr), "first": stats(r["first_s"] for r in runs),
           "runs": runs}
    return res, [f"warm re-run ({len(runs)} kernel(s) x {len(runs[0]['reruns_s'])} re-runs): {fmt_stats(res['rerun'])}",
                 f"  first run of the cell: {fmt_stats(res['first'])}"]


def one_notebook(args, k, i):
    nb, cells = code_cells()
    path = write_notebook(k.root / "notebook.ipynb", nb, cells)
    l0 = loadavg()
    d = k.nbrun(path, k.root / "notebook.out.ipynb", k.root / f"notebook-{i}.json")
    cells_s = [c["duration_s"] - QUIET for c in d["cells"]]
    total = d["startup_s"] + sum(cells_s)
    log(f"[{k.label}] run {i + 1}: {total:.2f} s (kernel_info {d['startup_s']:.2f} s, cells {sum(cells_s):.2f} s; "
        f"load {l0:.1f})")
    return {"total_s": total, "startup_s": d["startup_s"], "cells_s": cells_s, "load": [l0, loadavg()],
            "ids": [c.get("id") for c in cells]}


def sum_notebook(runs):
    ids = runs[0]["ids"]
    per_cell = [stats(r["cells_s"][j] for r in runs) for j in range(len(ids))]
    res = {
        "figure": "whole notebook headless, warm",
        "total": stats(r["total_s"] for r in runs),
        "startup": stats(r["startup_s"] for r in runs),
        "cells_sum": stats(sum(r["cells_s"]) for r in runs),
        "per_cell": dict(zip(ids, per_cell)),
        "runs": runs,
    }
    return res, [f"whole notebook 03 headless (kernel start included): {fmt_stats(res['total'])}",
                 f"  kernel_info: {fmt_stats(res['startup'])}; cells: {fmt_stats(res['cells_sum'])}",
                 "  per cell (median): " + ", ".join(f"{i} {s['median']:.2f}" for i, s in zip(ids, per_cell))]


def cold_warmup(args):
    """A fresh machine's kernel warm-up (`./course setup` step 4) without touching this one's:
    an empty state and an empty evcxr cache (XDG_CACHE_HOME) under --state."""
    root = pathlib.Path(args.state).resolve()
    if root.exists():
        shutil.rmtree(root)
    (root / "xdg-cache").mkdir(parents=True)
    os.environ["XDG_CACHE_HOME"] = str(root / "xdg-cache")
    args.state = str(root / "state")
    args.seed = "build"
    k = Kernel(args)
    t = time.monotonic()
    k.ensure_warm(skip_catch_up=True)
    build_s = time.monotonic() - t
    t = time.monotonic()
    k.nbrun(REPO / "kernel-config" / "warmup.ipynb", k.root / "catch-up.out.ipynb", k.root / "catch-up.json")
    start_s = time.monotonic() - t
    res = {"figure": "cold kernel warm-up (fresh machine)", "build_s": build_s, "first_start_s": start_s,
           "total_s": build_s + start_s}
    print(f"cold warm-up: build {build_s:.0f} s + first normal start {start_s:.0f} s = {build_s + start_s:.0f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(res, indent=1))
    shutil.rmtree(root, ignore_errors=True)


COMMANDS = {
    "kernel-start": (one_kernel_start, sum_kernel_start, "runs"),
    "warm-rerun": (one_warm_rerun, sum_warm_rerun, "kernels"),
    "notebook": (one_notebook, sum_notebook, "runs"),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p):
        p.add_argument("--label", default="default", help="variant name; files go to target/bench/LABEL")
        p.add_argument("--state", default="target/bench/state", help="kernel state dir (tmpdir slots)")
        p.add_argument("--init", default=str(REPO / "kernel-config" / "init.evcxr.in"), help="init.evcxr template")
        p.add_argument("--kernel-env", action="append", default=[], metavar="K=V", help="extra kernel env")
        p.add_argument("--json", type=pathlib.Path, help="also write the figures here")
        p.add_argument("--no-catch-up", action="store_true", help="skip the untimed catch-up run")
        p.add_argument("--compare", action="store_true",
                       help="also run the set-up from before issue 7 (bench/variants/before.init.evcxr.in, "
                            "evcxr's default opt-level for cells), interleaved, and print now / before")
        p.add_argument("--seed", choices=["copy", "build"], default="copy",
                       help="how an empty private state is filled: copy the set-up slot, or build it")

    p = sub.add_parser("kernel-start", help="fresh kernel -> first heatmap")
    common(p)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--until-cell", default="s1-jacobian", help="id of the first heatmap cell")
    p = sub.add_parser("warm-rerun", help="one cell re-run on a warm kernel")
    common(p)
    p.add_argument("--repeats", type=int, default=15)
    p.add_argument("--kernels", type=int, default=1, help="fresh kernels, each re-running the cell --repeats times")
    p.add_argument("--context", choices=["notebook", "setup"], default="notebook",
                   help="run every cell above the re-run cell first (notebook), or only the setup cell")
    p.add_argument("--cell", default="ex1", help="id of the notebook cell to re-run")
    p.add_argument("--source", help="run this source instead of the cell's")
    p = sub.add_parser("cold-warmup", help="`./course setup`'s warm-up on an empty state and evcxr cache")
    common(p)
    p = sub.add_parser("notebook", help="whole notebook, headless")
    common(p)
    p.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    if not NBRUN.exists() or os.environ.get("NBBENCH_BUILD", "1") == "1":
        subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "nbrun"], cwd=REPO, check=True)
    if args.cmd == "cold-warmup":
        return cold_warmup(args)
    kernels = [Kernel(args)]
    if args.compare:
        before = argparse.Namespace(**vars(args))
        before.label, before.state = "before", "target/bench/state-before"
        before.init = str(REPO / "bench" / "variants" / "before.init.evcxr.in")
        before.kernel_env = list(args.kernel_env) + ["JACOBIAN_COURSE_CARGO_CONFIG="]
        kernels.insert(0, Kernel(before))
    for k in kernels:
        k.ensure_warm(skip_catch_up=args.no_catch_up)
    one, summarise, count_attr = COMMANDS[args.cmd]
    n = getattr(args, count_attr)
    log(f"{args.cmd} [{', '.join(k.label for k in kernels)}] x {n} on {os.cpu_count()} cores, load {loadavg():.1f}")
    runs = {k.label: [] for k in kernels}
    for i in range(n):  # interleaved, so that both variants see the same machine
        for k in kernels:
            runs[k.label].append(one(args, k, i))
    out = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "command": args.cmd, "variants": {}}
    for k in kernels:
        res, lines = summarise(runs[k.label])
        # Paths relative to the checkout: results are committed, and must not name this machine's folders.
        res.update({"init": rel(k.init), "kernel_env": k.extra_env, "state": rel(k.state)})
        out["variants"][k.label] = res
        print(f"[{k.label}] " + "\n".join(lines))
    if args.compare:
        key = {"kernel-start": "total", "warm-rerun": "rerun", "notebook": "total"}[args.cmd]
        b, a = out["variants"]["before"][key]["median"], out["variants"][args.label][key]["median"]
        print(f"now / before: {a:.2f} s / {b:.2f} s = {a / b:.2f}x")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
