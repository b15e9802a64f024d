#!/usr/bin/env python3
"""One per-cell lever, measured: the installed course kernel against the same kernel with extra
environment variables, through nbclient, alternating kernel by kernel.

    .venv/bin/python bench/cell_lever.py --env CARGO_INCREMENTAL=0 [--rounds 3] [--reruns 8]

Each round starts one kernel of each variant (pool off: the lever is about cells, not starts),
runs notebook 03's cells up to exercise 1 once, then re-runs exercise 1's check cell and the
first heatmap cell (s1-jacobian) --reruns times each. Prints the medians per variant and B / A,
with the load average. Do not run it next to `./course test` (same tmpdir slots).
"""
import argparse
import asyncio
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nbclient_bench as nb  # noqa: E402


def write_variants(env):
    from jupyter_client.kernelspec import KernelSpecManager

    installed = KernelSpecManager().get_kernel_spec(nb.INSTALLED)
    for name, extra in (("lever-a", {}), ("lever-b", env)):
        d = nb.WORK / "jupyter" / "kernels" / name
        d.mkdir(parents=True, exist_ok=True)
        spec = installed.to_dict()
        spec["metadata"]["kernel_provisioner"]["config"]["pool_size"] = 0
        spec["env"].update(extra)
        (d / "kernel.json").write_text(json.dumps(spec, indent=1))
    os.environ["JUPYTER_PATH"] = str(nb.WORK / "jupyter") + os.pathsep + os.environ.get("JUPYTER_PATH", "")
    return KernelSpecManager()


async def one(ksm, kernel, reruns):
    run = nb.Run(ksm, kernel, nb.RUST_NB, 600)
    out = {"load": nb.load1()}
    try:
        await run.open()
        for i, c in run.code:
            await run.cell(i, c)
            if c.get("id") == "ex1":
                break
        for cid in ("ex1", "s1-jacobian"):
            i, c = run.by_id(cid)
            out[cid] = [await run.cell(i, c) for _ in range(reruns)]
    finally:
        await run.close()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--env", action="append", required=True, metavar="K=V")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reruns", type=int, default=8)
    args = ap.parse_args()
    env = dict(kv.split("=", 1) for kv in args.env)
    ksm = write_variants(env)
    res = {"lever-a": [], "lever-b": []}

    async def go():
        for r in range(args.rounds):
            for k in res:
                out = await one(ksm, k, args.reruns)
                res[k].append(out)
                nb.log(f"round {r + 1} {k}: ex1 {statistics.median(out['ex1']):.3f} s, s1-jacobian "
                       f"{statistics.median(out['s1-jacobian']):.3f} s (load {out['load']})")

    asyncio.run(go())
    loads = [o["load"] for v in res.values() for o in v]
    print(f"lever {env}: medians over {args.rounds} rounds x {args.reruns} re-runs "
          f"(load {min(loads):.1f}-{max(loads):.1f})")
    for cid in ("ex1", "s1-jacobian"):
        a = statistics.median(t for o in res["lever-a"] for t in o[cid])
        b = statistics.median(t for o in res["lever-b"] for t in o[cid])
        print(f"  {cid:<12} without {a:.3f} s, with {b:.3f} s: {b / a:.2f}x")


if __name__ == "__main__":
    main()
