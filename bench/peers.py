#!/usr/bin/env python3
"""Time the `jacobian` crate's benchmark workloads in PyTorch and JAX and print ours ÷ theirs.

The workloads are those of `crates/jacobian/benches/jacobian.rs` (f32, CPU):

  seed_f            f(x, y) = (x² + y, xy, sin x) at (1, 2), Jacobian (3, 2)
  mlp_256           Linear(256,256) ReLU Linear(256,256) ReLU Linear(256,256), Jacobian (256, 256)
  mlp_1024          Linear(1024,1024) ReLU Linear(1024,1024), Jacobian (1024, 1024)
  hessian_tanh_128  Hessian of sum(tanh(W x)^2), W (128, 128)

Peers: torch.func.jacrev / torch.func.hessian (and torch.autograd.functional.jacobian for
seed_f) if torch is importable, jax.jit(jax.jacrev) / jax.jit(jax.hessian) if jax is. A missing
library is reported and skipped.

Our figures come from criterion (<criterion-dir>/<workload>/<variant>/new/estimates.json,
median; default dir $CARGO_TARGET_DIR/criterion, else <repo>/target/criterion).

With --rounds N (the honest mode, used for the README's figures) the script runs
`cargo bench -p jacobian` (filtered, RAYON_NUM_THREADS=--threads) and then the peers, N times in
alternation, and reports the median over rounds of ours ÷ peer measured seconds apart: this
machine is shared, and a ratio taken minutes apart means little. Without --rounds it only reads
the criterion results already on disk.

The peers run in an interpreter that can import torch: this one, $PEERS_PYTHON, or
/tmp/torch-venv/bin/python (the first that works). Both sides get --threads threads.

Usage: python3 bench/peers.py [--rounds 3] [--threads 2] [--min-time 1.0] [--json OUT]
"""
import argparse
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import time

REPO = pathlib.Path(__file__).resolve().parent.parent

# Our variants per workload, as named in benches/jacobian.rs, and the peer each is compared with.
OURS = {
    "seed_f": ["jacobian", "jacrev", "jacfwd"],
    "mlp_256": ["sequential_closed_form", "jacobian_default", "jacobian_default_ops", "jacobian_default_plus_b",
                "jacrev_vectorized", "jacrev_vectorized_verified", "jacrev_rows"],
    "mlp_1024": ["sequential_closed_form", "jacobian_default", "jacobian_default_ops", "jacobian_default_plus_b",
                 "jacrev_vectorized", "jacrev_vectorized_verified"],
    "hessian_tanh_128": ["hessian_default", "hessian_vectorized", "hessian_vectorized_verified", "hessian_rows"],
}
# What `--rounds` runs: every variant above but the slow per-row ones.
DEFAULT_FILTER = "^(seed_f/|mlp_(256|1024)/(sequential_closed_form|jacobian_default|jacobian_default_ops|jacobian_default_plus_b|jacrev_vectorized$)|hessian_tanh_128/(hessian_default|hessian_vectorized$))"
PRIMARY_PEER = {
    "seed_f": "torch.func.jacrev",
    "mlp_256": "torch.func.jacrev",
    "mlp_1024": "torch.func.jacrev",
    "hessian_tanh_128": "torch.func.hessian",
}


def measure(fn, min_time, warmup=3):
    """Median seconds per call over batches of calls lasting at least min_time in total."""
    for _ in range(warmup):
        fn()
    # calibrate a batch of ~50 ms
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    batch = max(1, int(0.05 / one))
    samples = []
    start = time.perf_counter()
    while time.perf_counter() - start < min_time or len(samples) < 5:
        t0 = time.perf_counter()
        for _ in range(batch):
            fn()
        samples.append((time.perf_counter() - t0) / batch)
    return statistics.median(samples)


def torch_peers(threads, min_time):
    try:
        import torch
    except ImportError:
        print("torch: not installed, skipped", file=sys.stderr)
        return {}
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    from torch.func import hessian, jacrev
    from torch.autograd.functional import jacobian

    out = {}

    def f(x):
        return torch.stack([x[0] ** 2 + x[1], x[0] * x[1], torch.sin(x[0])])

    x = torch.tensor([1.0, 2.0])
    out[("seed_f", "torch.func.jacrev")] = measure(lambda: jacrev(f)(x), min_time)
    out[("seed_f", "torch.autograd.functional.jacobian")] = measure(lambda: jacobian(f, x), min_time)

    def mlp(sizes):
        layers = []
        for k, (i, o) in enumerate(zip(sizes, sizes[1:])):
            if k > 0:
                layers.append(torch.nn.ReLU())
            layers.append(torch.nn.Linear(i, o))
        return torch.nn.Sequential(*layers)

    for name, sizes in (("mlp_256", [256] * 4), ("mlp_1024", [1024] * 3)):
        net = mlp(sizes)
        x = torch.randn(sizes[0])
        out[(name, "torch.func.jacrev")] = measure(lambda: jacrev(net)(x), min_time)

    n = 128
    w = torch.randn(n, n) / n ** 0.5
    x = torch.randn(n)
    g = lambda x: torch.tanh(w @ x).pow(2).sum()
    out[("hessian_tanh_128", "torch.func.hessian")] = measure(lambda: hessian(g)(x), min_time)
    out[("hessian_tanh_128", "torch.autograd.functional.hessian")] = measure(
        lambda: torch.autograd.functional.hessian(g, x), min_time
    )
    return out


def jax_peers(threads, min_time):
    os.environ.setdefault(
        "XLA_FLAGS", f"--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={threads}"
    )
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        print("jax: not installed, skipped", file=sys.stderr)
        return {}
    key = jax.random.PRNGKey(0)
    out = {}

    def f(x):
        return jnp.stack([x[0] ** 2 + x[1], x[0] * x[1], jnp.sin(x[0])])

    x = jnp.array([1.0, 2.0], dtype=jnp.float32)
    jf = jax.jit(jax.jacrev(f))
    out[("seed_f", "jax.jit(jacrev)")] = measure(lambda: jf(x).block_until_ready(), min_time)

    def init(key, sizes):
        params = []
        for i, o in zip(sizes, sizes[1:]):
            key, k1, k2 = jax.random.split(key, 3)
            bound = 1.0 / i ** 0.5
            params.append(
                (
                    jax.random.uniform(k1, (o, i), jnp.float32, -bound, bound),
                    jax.random.uniform(k2, (o,), jnp.float32, -bound, bound),
                )
            )
        return params

    def net(params, x):
        for k, (w, b) in enumerate(params):
            if k > 0:
                x = jax.nn.relu(x)
            x = w @ x + b
        return x

    for name, sizes in (("mlp_256", [256] * 4), ("mlp_1024", [1024] * 3)):
        params = init(key, sizes)
        x = jax.random.normal(key, (sizes[0],), jnp.float32)
        jf = jax.jit(jax.jacrev(lambda x: net(params, x)))
        out[(name, "jax.jit(jacrev)")] = measure(lambda: jf(x).block_until_ready(), min_time)

    n = 128
    w = jax.random.normal(key, (n, n), jnp.float32) / n ** 0.5
    x = jax.random.normal(jax.random.PRNGKey(1), (n,), jnp.float32)
    jh = jax.jit(jax.hessian(lambda x: jnp.sum(jnp.tanh(w @ x) ** 2)))
    out[("hessian_tanh_128", "jax.jit(hessian)")] = measure(lambda: jh(x).block_until_ready(), min_time)
    return out


def ours(criterion_dir):
    out = {}
    for workload, variants in OURS.items():
        for v in variants:
            p = criterion_dir / workload / v / "new" / "estimates.json"
            if p.exists():
                est = json.loads(p.read_text())
                out[(workload, v)] = est["median"]["point_estimate"] * 1e-9
    return out


def fmt(seconds):
    if seconds is None:
        return "—"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def peer_python():
    """An interpreter that can import torch: this one, $PEERS_PYTHON, or /tmp/torch-venv."""
    for cand in (os.environ.get("PEERS_PYTHON"), sys.executable, "/tmp/torch-venv/bin/python"):
        if cand and pathlib.Path(cand).exists():
            r = subprocess.run([cand, "-c", "import torch"], capture_output=True)
            if r.returncode == 0:
                return cand
    return sys.executable


def run_peers_subprocess(python, threads, min_time, out):
    cmd = [python, __file__, "--peers-only", "--threads", str(threads), "--min-time", str(min_time),
           "--json", str(out)]
    subprocess.run(cmd, check=True)
    data = json.loads(pathlib.Path(out).read_text())
    return {tuple(k.split("/", 1)): v for k, v in data["peers_seconds"].items()}


def run_criterion(threads, filt, measurement_time):
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    cmd = ["cargo", "bench", "--quiet", "-p", "jacobian", "--bench", "jacobian", "--", filt,
           "--warm-up-time", "1", "--measurement-time", str(measurement_time), "--noplot"]
    subprocess.run(cmd, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)


def report(mine, peers, rounds_ratios=None):
    print("ours (criterion median) and ours ÷ each peer, per workload")
    for workload, variants in OURS.items():
        peer_names = sorted(p for (w, p) in peers if w == workload)
        if not peer_names and not any((workload, v) in mine for v in variants):
            continue
        print(f"\n{workload}: peers " + ", ".join(f"{p} {fmt(peers[(workload, p)])}" for p in peer_names))
        for v in variants:
            t = mine.get((workload, v))
            if t is None:
                continue
            ratios = "  ".join(f"{t / peers[(workload, p)]:.2f}× {p}" for p in peer_names)
            print(f"  {v:<30} {fmt(t):>10}  {ratios}")
    primary = [(w, PRIMARY_PEER[w]) for w in OURS if (w, PRIMARY_PEER[w]) in peers]
    if primary:
        print("\ntargets (ours ÷ primary peer; ≤ 1.0 meets the target):")
        for w, p in primary:
            for v in OURS[w]:
                if (w, v) not in mine:
                    continue
                extra = ""
                if rounds_ratios and (w, v) in rounds_ratios:
                    rr = rounds_ratios[(w, v)]
                    extra = f"   per round: {', '.join(f'{r:.2f}' for r in rr)}; median {statistics.median(rr):.2f}×"
                print(f"  {w:<18} {v:<28} {mine[(w, v)] / peers[(w, p)]:.2f}× {p}{extra}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2, help="threads for both sides (RAYON_NUM_THREADS, torch)")
    ap.add_argument("--min-time", type=float, default=1.0, help="seconds of timing per peer measurement")
    ap.add_argument("--criterion-dir", type=pathlib.Path, default=None)
    ap.add_argument("--json", type=pathlib.Path, default=None, help="also write all figures here")
    ap.add_argument("--rounds", type=int, default=0,
                    help="run `cargo bench` and the peers alternately this many times and report the median "
                         "of the per-round ratios (0: only read existing criterion results)")
    ap.add_argument("--filter", default=DEFAULT_FILTER, help="criterion filter for --rounds")
    ap.add_argument("--measurement-time", type=float, default=3, help="criterion seconds per variant (--rounds)")
    ap.add_argument("--peers-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    crit = args.criterion_dir
    if crit is None:
        target = os.environ.get("CARGO_TARGET_DIR")
        crit = pathlib.Path(target) / "criterion" if target else REPO / "target" / "criterion"

    if args.peers_only:
        peers = {}
        peers.update(torch_peers(args.threads, args.min_time))
        peers.update(jax_peers(args.threads, args.min_time))
        args.json.write_text(json.dumps({"peers_seconds": {f"{w}/{p}": t for (w, p), t in peers.items()}}))
        return

    python = peer_python()
    print(f"peers run with {python}; {args.threads} thread(s) on each side; load {os.getloadavg()[0]:.1f}",
          file=sys.stderr)
    if args.rounds > 0:
        rounds = []
        loads = []
        for r in range(args.rounds):
            run_criterion(args.threads, args.filter, args.measurement_time)
            # Only what this round measured: older results may lie next to them on disk.
            mine_r = {k: t for k, t in ours(crit).items() if re.search(args.filter, f"{k[0]}/{k[1]}")}
            peers_r = run_peers_subprocess(python, args.threads, args.min_time, crit.parent / "peers-round.json")
            rounds.append((mine_r, peers_r))
            loads.append(os.getloadavg()[0])
            print(f"round {r + 1}/{args.rounds} done (load {loads[-1]:.1f})", file=sys.stderr)
        keys_m = set.intersection(*(set(m) for m, _ in rounds))
        keys_p = set.intersection(*(set(p) for _, p in rounds))
        mine = {k: statistics.median(m[k] for m, _ in rounds) for k in keys_m}
        peers = {k: statistics.median(p[k] for _, p in rounds) for k in keys_p}
        rounds_ratios = {}
        for (w, v) in keys_m:
            key = (w, PRIMARY_PEER.get(w))
            if key in keys_p:
                rounds_ratios[(w, v)] = [m[(w, v)] / p[key] for m, p in rounds]
    else:
        mine = ours(crit)
        if not mine:
            print(f"no criterion results under {crit}; run `cargo bench -p jacobian` first", file=sys.stderr)
        peers = run_peers_subprocess(python, args.threads, args.min_time, crit.parent / "peers-round.json")
        rounds_ratios = None
        loads = [os.getloadavg()[0]]
    report(mine, peers, rounds_ratios)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "threads": args.threads,
                    "load_average_1min_per_round": loads,
                    "ours_seconds": {f"{w}/{v}": t for (w, v), t in mine.items()},
                    "peers_seconds": {f"{w}/{p}": t for (w, p), t in peers.items()},
                    "ratios_per_round": {f"{w}/{v}": r for (w, v), r in (rounds_ratios or {}).items()},
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
