"""A/B replay cost of two source trees on one input: CPU time, the trees alternated.

On a shared, noisy machine wall times move with the load; the CPU time a replay takes moves much
less, and alternating the trees spreads what drift remains over both. Each run is
``vigilmar replay --no-progress --out /dev/null INPUT`` in a fresh process whose imports come from
the tree (``PYTHONPATH``), measured as the child's user + system time.

    python -m benchmarks.ab_replay BEFORE_TREE AFTER_TREE INPUT [--rounds 5]

A tree is a checkout of the repository (e.g. ``git worktree add --detach /tmp/before REV``).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

_CODE = (
    "import sys; from replay.cli import main; "
    "raise SystemExit(main(['replay', '--no-progress', '--out', '/dev/null', sys.argv[1]]))"
)


def run_once(tree: Path, path: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one replay of ``path`` by the code in ``tree``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", _CODE, str(path)],
        cwd=tree,
        check=True,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(tree)},
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("input", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    path = args.input.resolve()
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
    for round_no in range(args.rounds):
        for name, tree in trees.items():
            runs[name].append(run_once(tree, path))
        print(f"round {round_no + 1}/{args.rounds} done", file=sys.stderr)
    for name, results in runs.items():
        cpus = [cpu for _, cpu in results]
        walls = [wall for wall, _ in results]
        print(
            f"{name:6} {trees[name]}: CPU s {', '.join(f'{c:.2f}' for c in cpus)}; "
            f"median CPU {statistics.median(cpus):.2f} s, "
            f"median wall {statistics.median(walls):.2f} s"
        )
    ratio = statistics.median(c for _, c in runs["after"]) / statistics.median(
        c for _, c in runs["before"]
    )
    print(f"after/before CPU time {ratio:.3f} (throughput {1 / ratio:.3f}x)")


if __name__ == "__main__":
    main()
