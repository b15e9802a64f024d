#!/usr/bin/env python3
"""Time `grade` on a class of N submissions of notebook 03 (issue 16's figure: 60 in <= 10 min).

    python3 bench/grade_class.py [N] [--jobs J]

Writes N submissions to target/bench-grade/class/ (a realistic mix: untouched, all correct, all
wrong, half done, one compile error), builds `grade` in release mode, grades them, and prints the
wall time, the time per submission, and the load average before and after (other work on the
machine slows grading down). Needs `./course setup`, bubblewrap, and root for the cgroup limits.
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RELEASE = REPO / "notebooks" / "03_jacobian_backprop.ipynb"

CORRECT = {
    "ex1": "let answer_1 = [[2.0, 1.0], [2.0, 1.0], [1f64.exp(), 0.0]];\ncheck_exercise_1(&answer_1)",
    "ex2": "let answer_2 = Some((1, 3));\ncheck_exercise_2(&answer_2)",
    "ex3": "let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;\nlet b3 = tensor(&[0.5, -0.5, 0.0])?;\n"
           "let x3 = [-1.0, -3.0];\nlet jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];\n"
           "check_exercise_3(&w3, &b3, &x3, &jacobian_3)",
    "ex4": "let sigmoid_jacobian_at_10 = 4.5396e-5;\nlet why_4 = \"B\";\ncheck_exercise_4(&sigmoid_jacobian_at_10, &why_4)",
}
WRONG = {
    "ex1": "let answer_1 = [[2.0, 2.0, 1f64.exp()], [1.0, 1.0, 0.0]];\ncheck_exercise_1(&answer_1)",
    "ex2": "let answer_2 = Some((3, 1));\ncheck_exercise_2(&answer_2)",
    "ex3": CORRECT["ex3"].replace("[-1.0, -3.0]", "[1.0, 1.0]"),
    "ex4": "let sigmoid_jacobian_at_10 = 0.25;\nlet why_4 = \"A\";\ncheck_exercise_4(&sigmoid_jacobian_at_10, &why_4)",
}
KINDS = [
    ("untouched", {}),
    ("correct", CORRECT),
    ("wrong", WRONG),
    ("half", {"ex1": CORRECT["ex1"], "ex2": WRONG["ex2"]}),
    ("typo", {"ex1": CORRECT["ex1"], "ex2": "let answer_2 = Some((1, 3);\ncheck_exercise_2(&answer_2)"}),
]


def write_class(n, folder):
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.ipynb"):
        old.unlink()
    base = json.loads(RELEASE.read_text())
    paths = []
    for i in range(n):
        kind, edits = KINDS[i % len(KINDS)]
        nb = json.loads(json.dumps(base))
        for cell in nb["cells"]:
            if cell.get("id") in edits:
                cell["source"] = edits[cell["id"]]
        path = folder / f"learner{i:03d}-{kind}.ipynb"
        path.write_text(json.dumps(nb, indent=1))
        paths.append(path)
    return paths


def main():
    args = sys.argv[1:]
    jobs = None
    if "--jobs" in args:
        at = args.index("--jobs")
        jobs = args[at + 1]
        del args[at : at + 2]
    n = int(args[0]) if args else 60
    out = REPO / "target" / "bench-grade"
    paths = write_class(n, out / "class")
    subprocess.run(["cargo", "build", "--release", "--locked", "-p", "grade"], cwd=REPO, check=True)
    command = [str(REPO / "target" / "release" / "grade"), "--release", str(RELEASE), "--out", str(out / "gradebook.csv")]
    if jobs:
        command += ["--jobs", jobs]
    load_before = os.getloadavg()
    started = time.monotonic()
    subprocess.run(command + [str(p) for p in paths], check=True)
    wall = time.monotonic() - started
    load_after = os.getloadavg()
    print(f"\n{n} submissions in {wall:.0f} s ({wall / 60:.1f} min), {wall / n:.1f} s per submission, "
          f"jobs {jobs or os.cpu_count()}, {os.cpu_count()} cores; "
          f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f} (1 min)")


if __name__ == "__main__":
    main()
