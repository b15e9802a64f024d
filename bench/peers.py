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

Our figures come from criterion: run `cargo bench -p jacobian` first; this script reads
<criterion-dir>/<workload>/<variant>/new/estimates.json (median). The default criterion dir is
$CARGO_TARGET_DIR/criterion, else <repo>/target/criterion.

Usage: python3 bench/peers.py [--threads 2] [--min-time 1.0] [--criterion-dir DIR] [--json OUT]
"""
import argparse
import json
import os
import pathlib
import statistics
import sys
import time

REPO = pathlib.Path(__file__).resolve().parent.parent

# Our variants per workload, as named in benches/jacobian.rs, and the peer each is compared with.
OURS = {
    "seed_f": ["jacobian", "jacrev", "jacfwd"],
    "mlp_256": ["sequential_closed_form", "jacrev_vectorized", "jacrev_vectorized_verified", "jacrev_rows"],
    "mlp_1024": ["sequential_closed_form", "jacrev_vectorized", "jacrev_vectorized_verified"],
    "hessian_tanh_128": ["hessian_vectorized", "hessian_vectorized_verified", "hessian_rows"],
}
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--min-time", type=float, default=1.0, help="seconds of timing per peer measurement")
    ap.add_argument("--criterion-dir", type=pathlib.Path, default=None)
    ap.add_argument("--json", type=pathlib.Path, default=None, help="also write all figures here")
    args = ap.parse_args()
    crit = args.criterion_dir
    if crit is None:
        target = os.environ.get("CARGO_TARGET_DIR")
        crit = pathlib.Path(target) / "criterion" if target else REPO / "target" / "criterion"

    mine = ours(crit)
    if not mine:
        print(f"no criterion results under {crit}; run `cargo bench -p jacobian` first", file=sys.stderr)
    peers = {}
    peers.update(torch_peers(args.threads, args.min_time))
    peers.update(jax_peers(args.threads, args.min_time))

    print("ours (criterion median) and ours ÷ each peer, per workload")
    for workload, variants in OURS.items():
        peer_names = sorted(p for (w, p) in peers if w == workload)
        print(f"\n{workload}: peers " + ", ".join(f"{p} {fmt(peers[(workload, p)])}" for p in peer_names))
        for v in variants:
            t = mine.get((workload, v))
            ratios = "  ".join(
                f"{t / peers[(workload, p)]:.2f}× {p}" for p in peer_names if t is not None
            )
            print(f"  {v:<30} {fmt(t):>10}  {ratios}")
    primary = [
        (w, PRIMARY_PEER[w]) for w in OURS if (w, PRIMARY_PEER[w]) in peers
    ]
    if primary:
        print("\ntargets (best of ours ÷ primary peer; ≤ 1.0 meets the target):")
        for w, p in primary:
            best = min((mine[(w, v)], v) for v in OURS[w] if (w, v) in mine) if any((w, v) in mine for v in OURS[w]) else None
            if best:
                print(f"  {w:<18} {best[1]:<28} {best[0] / peers[(w, p)]:.2f}× {p}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "ours_seconds": {f"{w}/{v}": t for (w, v), t in mine.items()},
                    "peers_seconds": {f"{w}/{p}": t for (w, p), t in peers.items()},
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
