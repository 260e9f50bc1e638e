"""What encounter detection costs a replay: the MarineCadastre day with and without it.

Run from the repository root: ``python -m benchmarks.encounter_cost [--runs N]``. Both variants
replay the same file in-process with the shipped zone pack, alternating, and the medians are
compared (the target: encounters on, at most 2x the replay time with them off). The counts show
how much the encounter stages had to do: slow movers outside harbours, pair buckets compared
and found close, and encounter alerts. Results: RESULTS.md here.
"""

from __future__ import annotations

import argparse
import gc
import io
import statistics
import time
from dataclasses import replace
from pathlib import Path

from models.config import Config, EncounterConfig
from models.engine import Engine
from replay.readers import Reader
from replay.runner import ReplayRunner
from replay.sinks import JsonLinesSink
from zones.catalogue import load_catalogue
from zones.index import ZoneIndex

SOURCE = Path("/work/shared/data/marinecadastre-20220103/AIS_2022_01_03_first99999.csv")


def replay_once(path: Path, config: Config, zones: ZoneIndex) -> tuple[float, ReplayRunner]:
    runner = ReplayRunner(Engine(config, zones), JsonLinesSink(io.StringIO()))
    gc.collect()
    started = time.perf_counter()
    runner.run(iter(Reader([path], sort_records=True)))  # as `vigilmar replay` reads it
    return time.perf_counter() - started, runner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", type=Path, default=SOURCE)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    zones = load_catalogue()
    on = Config()
    off = replace(on, encounter=EncounterConfig(enabled=False))
    times: dict[str, list[float]] = {"off": [], "on": []}
    runner: ReplayRunner | None = None
    replay_once(args.input, off, zones)  # warm the page cache and imports
    for _ in range(args.runs):
        seconds, _ = replay_once(args.input, off, zones)
        times["off"].append(seconds)
        seconds, runner = replay_once(args.input, on, zones)
        times["on"].append(seconds)
    assert runner is not None
    assert runner.monitor.encounters is not None
    summary = runner.summary
    cells, pairs = runner.monitor.encounters.cells.stats, runner.monitor.encounters.pairs.stats
    off_median, on_median = statistics.median(times["off"]), statistics.median(times["on"])
    print(f"input: {args.input.name}: {summary.messages:,} messages, {summary.vessels:,} vessels")
    print(
        f"encounter stages: {cells.movers:,} movers (with copies to neighbouring cells), "
        f"{cells.buckets:,} cell buckets, {cells.pairs:,} close pair buckets, "
        f"{pairs.episodes:,} episodes of 2 h or more, "
        f"{summary.alerts.get('encounter', 0):,} encounter alerts"
    )
    print(f"runs: {args.runs} each, alternating; times in s")
    print(f"  off: median {off_median:.2f}  ({', '.join(f'{t:.2f}' for t in times['off'])})")
    print(f"  on:  median {on_median:.2f}  ({', '.join(f'{t:.2f}' for t in times['on'])})")
    print(f"ratio on/off (medians): {on_median / off_median:.2f}x  (target <= 2x)")


if __name__ == "__main__":
    main()
