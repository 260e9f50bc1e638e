"""Memory of many tracked vessels: what the engine holds per vessel, and what eviction gives back.

Issue 11/15 goal: 300k tracked vessels in at most 400 MB of process memory. Each vessel here is
what a real feed gives a worker: a few Class A position reports under way (so the dark-period,
loitering and position-jump detectors all hold state) and, for one in three, a static report
(name, call sign, ship type). Positions are spread over the open sea (no zones are loaded, as a
worker with ``VIGILMAR_DEFAULT_ZONES=0``), encounters and coverage run as in a replay.

Measured in a fresh interpreter per run, so the figures are this workload's alone:

- ``rss``: the process's resident memory after the vessels are in (``/proc/self/statm``), minus
  the interpreter with the engine imported and built — the cost of the vessels;
- ``peak``: the process's peak resident memory (``getrusage``), everything included;
- ``per vessel``: ``tracemalloc``'s count of bytes still allocated, divided by the vessels;
- then event time moves on past the eviction horizon (``tracking.evict_after_hours``) and the
  same figures are read again, with the number of vessels evicted.

``--profile`` instead prints where the bytes still allocated after the vessels are in were
allocated, per vessel, grouped by the innermost line of the engine's own code (``models/``,
``zones/``) on the allocating stack — the per-vessel breakdown.

Usage: ``python -m benchmarks.vessel_memory [--vessels 300000] [--reports 4] [--profile]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import subprocess
import sys
import tracemalloc
from typing import Any

from benchmarks.replay_throughput import code_revision

START = 1_700_000_000.0
PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 1024 * 1024


def resident() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def measure(
    vessels: int, reports: int, trace: bool, profile: list[tuple[str, int]] | None = None
) -> dict[str, Any]:
    """One run, in this process: build the monitor, feed the vessels, evict them. With
    ``profile``, the allocation sites of what the vessels hold are appended to it."""
    from models.engine import Engine
    from models.monitor import Monitor
    from models.records import PositionReport, StaticReport
    from zones.index import ZoneIndex

    monitor = Monitor(Engine(zones=ZoneIndex([])))
    rng = random.Random(7)
    gc.collect()
    base = resident()
    if trace:
        tracemalloc.start(_FRAMES if profile is not None else 1)
    start = tracemalloc.take_snapshot() if profile is not None else None
    batch: list[PositionReport | StaticReport] = []
    horizon = monitor.config.tracking.evict_after_hours * 3600.0
    for i in range(vessels):
        mmsi = 200_000_000 + i * 37 % 500_000_000
        lat = rng.uniform(-50.0, 50.0)
        lon = rng.uniform(-170.0, 170.0)
        t = START + rng.uniform(0.0, 3600.0)
        for k in range(reports):
            batch.append(
                PositionReport(
                    mmsi, t + 60.0 * k, 1, lat + 0.002 * k, lon, 11.5, 90.0, 91, 0, source="bench"
                )
            )
        if i % 3 == 0:
            batch.append(
                StaticReport(
                    mmsi,
                    t + 30.0,
                    5,
                    name=f"VESSEL {i}",
                    callsign=f"C{i:06d}",
                    ship_type=70,
                    source="bench",
                )
            )
        if len(batch) >= 20_000:
            monitor.process(batch)
            batch = []
    monitor.process(batch, watermark=START + 7200.0)
    del batch  # only what the engine holds is counted
    gc.collect()
    tracked = monitor.tracked()
    held = tracemalloc.get_traced_memory()[0] if trace else 0
    if profile is not None and start is not None:
        profile.extend(_sites(start, tracemalloc.take_snapshot()))
    filled = resident()
    monitor.advance(START + 7200.0 + horizon + 3600.0)
    gc.collect()
    return {
        "vessels": tracked,
        "rss_mb": (filled - base) / MB,
        "per_vessel_bytes": held / max(tracked, 1) if trace else None,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "after_eviction": {
            "vessels": monitor.tracked(),
            "evicted": monitor.stats.evicted,
            "rss_mb": (resident() - base) / MB,
            "held_bytes": tracemalloc.get_traced_memory()[0] if trace else None,
        },
    }


_FRAMES = 8
_OWN = (os.sep + "models" + os.sep, os.sep + "zones" + os.sep)


def _sites(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot) -> list[tuple[str, int]]:
    """Bytes allocated between the snapshots and still held, by the innermost line of the
    engine's own code on each allocating stack, largest first."""
    by_site: dict[str, int] = {}
    for diff in after.compare_to(before, "traceback"):
        if diff.size_diff <= 0:
            continue
        frame = next(
            (f for f in reversed(diff.traceback) if any(own in f.filename for own in _OWN)),
            diff.traceback[-1],
        )
        where = frame.filename.split(os.sep + "wt-", 1)[-1].split(os.sep, 1)[-1]
        site = f"{where}:{frame.lineno}"
        by_site[site] = by_site.get(site, 0) + diff.size_diff
    return sorted(by_site.items(), key=lambda item: -item[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vessels", type=int, default=300_000)
    parser.add_argument("--reports", type=int, default=4, help="position reports per vessel")
    parser.add_argument(
        "--profile", action="store_true", help="print the per-vessel allocation sites instead"
    )
    parser.add_argument("--child", choices=("rss", "trace"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.profile:
        sites: list[tuple[str, int]] = []
        result = measure(args.vessels, args.reports, True, sites)
        count = max(result["vessels"], 1)
        print(f"commit {code_revision()}: {result['vessels']:,} vessels, bytes per vessel by site")
        for site, size in sites[:30]:
            print(f"  {size / count:8.1f} B  {site}")
        rest = sum(size for _, size in sites[30:])
        print(f"  {rest / count:8.1f} B  (other sites)")
        print(f"  {result['per_vessel_bytes']:8.1f} B  in all")
        return 0
    if args.child:
        print(json.dumps(measure(args.vessels, args.reports, args.child == "trace")))
        return 0

    def run(kind: str) -> dict[str, Any]:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.vessel_memory",
                "--vessels",
                str(args.vessels),
                "--reports",
                str(args.reports),
                "--child",
                kind,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result: dict[str, Any] = json.loads(out)
        return result

    plain = run("rss")  # resident memory without tracemalloc's own overhead
    traced = run("trace")
    after = plain["after_eviction"]
    print(f"commit {code_revision()}: {plain['vessels']:,} vessels, {args.reports} reports each")
    print(f"  memory held by the vessels   {plain['rss_mb']:8.1f} MB  (goal <= 400 MB)")
    print(f"  peak resident, whole process {plain['peak_mb']:8.1f} MB")
    print(f"  allocated per vessel         {traced['per_vessel_bytes']:8.0f} B  (tracemalloc)")
    print(
        f"  after eviction: {after['vessels']:,} tracked, {after['evicted']:,} evicted, "
        f"{after['rss_mb']:.1f} MB resident above the start, "
        f"{traced['after_eviction']['held_bytes'] / MB:.1f} MB still allocated"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
