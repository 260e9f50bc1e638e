"""Streaming throughput and latency on a local Tansu broker: faust's own ceiling, one and two
``vigilmar worker`` processes, and raw-to-alert latency at a paced input rate.

Run from the repository root: ``python -m benchmarks.stream_throughput`` (about 9 minutes on
2 cores; ``--only NAME`` for one measure, ``--help`` for the knobs). Method and results:
RESULTS.md here. Every run gets a fresh broker (``streams.broker.LocalBroker``), topics and
group; every process it starts is stopped by its pid, also on errors, Ctrl-C and SIGTERM.
Helpers: ``benchmarks/stream_harness.py`` (broker, children, metrics), ``faust_ceiling.py``.

Throughput input: the first ``--lines`` lines of the replay benchmark's file (AMSA log repeated
with shifted clocks, ``benchmarks.replay_throughput.build_input``), stamped as ``vigilmar feed``
stamps a file and preloaded with ``streams.feeder.Feeder``. The feeder keys a line by its source
and a file is one source: one raw partition, nothing for a second worker's decoder. So the lines
go out as four sources whose keys hash to the four partitions, in turns of 64 lines (never
inside a multipart message): every partition holds data spanning the same event time.

- faust ceiling (``benchmarks.faust_ceiling``, the worker's faust options): an agent that only
  counts raw events in ``take`` batches as our agents take them (``--only events``: one by one,
  within 5 % of it here), and one that also sends each event on (``take+send``:
  ``Topic.send_soon``, as the decode agent sends its reports).
- one / two workers (``vigilmar worker``, env as in the integration tests, started together):
  ``/metrics`` scraped every second until ``vigilmar_messages_total`` of ``stage="decode"`` and
  ``"track"`` reach what an in-process ``Decoder`` says. decode/s, track/s: 80 % of the total
  over the time between its 10 % and 90 % marks. e2e/s, lines/s: tracked messages and input lines
  over first decoded to last tracked. cores: the workers' CPU s/s in the decode window.
- latency: one worker with ``lateness_seconds = --lateness`` (0: the pipeline's own delay; the
  reorder window adds to it one for one). A paced feeder (``streams.feeder.Feeder``, lines
  packed as ``vigilmar feed`` packs them) sends the GFW worldwide sample (tag blocks stripped,
  repeated) at each rate, stamped with the wall clock, so event time is the
  wall clock. An instant alert (``start == end``) carries its trigger's event time: latency =
  the alert's Kafka timestamp (set as the worker sends it) minus it. drift: median latency of
  the last fifth of alerts minus the first fifth (> 0: falling behind). hist: the worker's
  ``vigilmar_alert_latency_seconds`` p50/p99, interpolated in buckets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from aiokafka.partitioner import murmur2

from benchmarks.replay_throughput import build_input
from benchmarks.stream_harness import VIGILMAR, Record, Sample, Stack, follow, scrape, totals
from models.config import Config
from models.decode import Decoder
from models.nmea import LineClock
from models.records import InputLine, Outcome, PositionReport, StaticReport
from streams.feeder import Feeder

ROOT = Path(__file__).resolve().parent.parent
GFW = ROOT / "replay" / "samples" / "2022-11-10-worldwide.gfw-ais-listener.nmea"
PARTITIONS, BLOCK = 4, 64
_PART = re.compile(r"!\w\wVD[MO],\d,[2-9],")  # a second or later part of a multipart message
_TAG = re.compile(rb"^\\[^\\]*\\")  # a leading tag block
_BUCKET = re.compile(r'^vigilmar_alert_latency_seconds_bucket\{le="([^"]+)"\} (\S+)$', re.M)

Row = dict[str, float]


def keys_by_partition() -> list[str]:
    """The first ``rx-N`` names that aiokafka's default partitioner puts on each partition."""
    found: dict[int, str] = {}
    n = 0
    while len(found) < PARTITIONS:
        found.setdefault((murmur2(f"rx-{n}".encode()) & 0x7FFFFFFF) % PARTITIONS, f"rx-{n}")
        n += 1
    return [found[p] for p in range(PARTITIONS)]


def build_records(limit: int) -> list[Record]:
    """Lines stamped as ``vigilmar feed`` stamps a file, one key per partition in turn (the
    few lines before the log's first clock line are left out: they would get the clock)."""
    keys, clock, records = keys_by_partition(), LineClock(), list[Record]()
    with build_input()[0].open("rb") as handle:
        for raw in handle:
            line = raw.rstrip(b"\r\n")
            text = line.decode("ascii", "replace")
            when = clock.time_of(text)
            if when is None or not line.strip():
                continue
            key = records[-1][0] if records else keys[0]
            if len(records) % BLOCK == 0 and not _PART.search(text):
                key = keys[len(records) // BLOCK % PARTITIONS]
            records.append((key, line, when))
            if len(records) >= limit:
                break
    return records


def expected_totals(records: list[Record]) -> tuple[int, int]:
    """Where ``vigilmar_messages_total`` will end for decode (messages + ignored lines) and
    track (position and static reports), by the decoder the worker uses (its configuration's:
    copies of a payload heard by several receivers are counted as duplicates, not tracked)."""
    decoder, out = Decoder.for_tracking(Config().tracking), list[Outcome]()
    for offset, (key, line, when) in enumerate(records):
        decoder.feed(InputLine(line.decode(), key, offset, when), out)
    stats = decoder.stats
    tracked = sum(isinstance(o, PositionReport | StaticReport) for o in out)
    decoded = stats.decoded_total + stats.failed_total + sum(stats.ignored.values())
    return decoded + stats.duplicates, tracked


def crossing(samples: list[Sample], column: int, level: float) -> float:
    """When ``column`` first reached ``level``, interpolated between scrapes."""
    before = samples[0]
    for sample in samples:
        if sample[column] >= level:
            span = sample[column] - before[column]
            share = (level - before[column]) / span if span else 1.0
            return before[0] + share * (sample[0] - before[0])
        before = sample
    raise ValueError(f"never reached {level}")


def window(samples: list[Sample], column: int, total: int) -> tuple[float, float]:
    return crossing(samples, column, 0.1 * total), crossing(samples, column, 0.9 * total)


def ceiling(records: list[Record], mode: str) -> Row:
    with Stack() as stack:
        asyncio.run(stack.preload(records))
        out = stack.dir / "ceiling.json"
        extra = {"BENCH_EXPECT": str(len(records)), "BENCH_OUT": str(out), "BENCH_MODE": mode}
        child = stack.start("ceiling", [sys.executable, "-m", "benchmarks.faust_ceiling"], extra)
        deadline = time.monotonic() + 180
        while not out.exists():
            child.check()
            if time.monotonic() > deadline:
                raise RuntimeError("the faust ceiling run did not finish in 180 s")
            time.sleep(0.2)
        marks = json.loads(out.read_text())
        return {"msg/s": 0.8 * len(records) / (marks["p90"] - marks["p10"])}


def pipeline(records: list[Record], expect: tuple[int, int], count: int) -> Row:
    with Stack() as stack:
        asyncio.run(stack.preload(records))
        samples = follow(stack.workers(count), expect)
    (low, high), (t10, t90) = window(samples, 1, expect[0]), window(samples, 2, expect[1])
    inside = [s for s in samples if low <= s[0] <= high] or samples[-2:]
    makespan = samples[-1][0] - crossing(samples, 1, 1)
    return {
        "decode/s": 0.8 * expect[0] / (high - low),
        "track/s": 0.8 * expect[1] / (t90 - t10),
        "e2e/s": expect[1] / makespan,
        "lines/s": len(records) / makespan,
        "cores": (inside[-1][3] - inside[0][3]) / max(inside[-1][0] - inside[0][0], 1e-9),
        "cpu us/line": 1e6 * (samples[-1][3] - samples[0][3]) / len(records),
    }


def replay(records: list[Record]) -> Row:
    """``vigilmar replay`` of the same lines (their own clock lines give the same event times
    the feeder stamped), start-up included: wall and CPU time of the child process."""
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "lines.nmea"
        path.write_bytes(b"".join(line + b"\n" for _, line, _ in records))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        subprocess.run(
            [VIGILMAR, "replay", str(path), "--out", os.devnull, "--no-progress"],
            check=True,
            stderr=subprocess.DEVNULL,
        )
        wall = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"lines/s": len(records) / wall, "cpu us/line": 1e6 * cpu / len(records)}


async def paced(
    stack: Stack, lines: list[bytes], rate: float, port: int
) -> list[tuple[float, float]]:
    """Send ``lines`` at ``rate``/s stamped with the wall clock, through the feeder as
    ``vigilmar feed`` sends a receiver's lines (packed: ``streams.feeder``); (trigger time,
    latency) of each instant alert, read until the worker on ``port`` and the alerts have been
    still for 3 s."""
    topics, bootstrap = stack.settings.topics, stack.broker.bootstrap
    consumer = AIOKafkaConsumer(
        topics.alerts,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",  # see KAFKA-TESTING
    )
    await consumer.start()
    found: list[tuple[float, float]] = []
    feeder = Feeder(stack.settings)
    try:
        async with feeder:
            start, sent = time.monotonic(), 0
            while sent < len(lines):
                due = min(len(lines), int((time.monotonic() - start) * rate))
                for line in lines[sent:due]:
                    await feeder.send("rx-paced", line, time.time())
                sent = max(sent, due)
                await asyncio.sleep(0.005)
        quiet, progress = time.monotonic(), totals(port)[:2]
        while time.monotonic() - quiet < 3:
            batch = await consumer.getmany(timeout_ms=500)
            if (now := totals(port)[:2]) != progress:
                quiet, progress = time.monotonic(), now
            for message in (m for ms in batch.values() for m in ms):
                quiet, alert = time.monotonic(), json.loads(message.value)
                if alert["start"] == alert["end"]:
                    trigger = datetime.fromisoformat(alert["end"]).timestamp()
                    found.append((trigger, message.timestamp / 1000 - trigger))
    finally:
        await consumer.stop()
    return found


def bucket_quantile(text: str, q: float) -> float:
    """Prometheus ``histogram_quantile`` over the worker's alert-latency buckets."""
    buckets = [(float(le), float(n)) for le, n in _BUCKET.findall(text)]
    total, lower, below = (buckets[-1][1] if buckets else 0.0), 0.0, 0.0
    for bound, cumulative in buckets:
        if total and cumulative >= q * total:
            if bound == float("inf"):
                return lower
            return lower + (bound - lower) * (q * total - below) / ((cumulative - below) or 1)
        lower, below = bound, cumulative
    return float("nan")


def latency(rate: float, seconds: float, lateness: float) -> Row:
    sample = [_TAG.sub(b"", line) for line in GFW.read_bytes().splitlines() if line.strip()]
    count = int(rate * seconds)
    lines = (sample * (1 + count // len(sample)))[:count]
    with Stack(lateness) as stack:
        asyncio.run(stack.preload([]))  # creates the topics
        (worker,) = stack.workers(1)
        while not scrape(worker.port, "/readyz"):
            worker.check()
            time.sleep(0.25)
        alerts = sorted(asyncio.run(paced(stack, lines, rate, worker.port)))
        text = scrape(worker.port)
    if len(alerts) < 10:
        raise RuntimeError(f"{len(alerts)} instant alerts: too few to measure")
    fifth, measured = len(alerts) // 5, sorted(a[1] for a in alerts)
    return {
        "p50 s": statistics.median(measured),
        "p99 s": measured[min(len(measured) - 1, int(0.99 * len(measured)))],
        "max s": measured[-1],
        "drift s": statistics.median(a[1] for a in alerts[-fifth:])
        - statistics.median(a[1] for a in alerts[:fifth]),
        "hist p50": bucket_quantile(text, 0.5),
        "hist p99": bucket_quantile(text, 0.99),
        "alerts": float(len(measured)),
    }


def number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"


def report(results: dict[str, list[Row]]) -> None:
    print("\nmedian [min-max] of each measure")
    for name, rows in results.items():
        cells = [
            f"{key} {number(statistics.median(r[key] for r in rows))} "
            f"[{number(min(r[key] for r in rows))}-{number(max(r[key] for r in rows))}]"
            for key in rows[0]
        ]
        print(f"{name:<16} n={len(rows)}  " + "  ".join(cells))

    def mid(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name])

    if "one worker" in results and "replay" in results:
        ratio = mid("one worker", "lines/s") / mid("replay", "lines/s")
        cpu = mid("one worker", "cpu us/line") / mid("replay", "cpu us/line")
        print(f"one worker / replay: lines/s {ratio:.2f}x, CPU per line {cpu:.1f}x")
    if "one worker" in results and "two workers" in results:
        keys = ("decode/s", "track/s", "e2e/s")
        ratios = [f"{k} {mid('two workers', k) / mid('one worker', k):.2f}x" for k in keys]
        print("two / one workers: " + ", ".join(ratios))
    for ceiling_name in ("faust take", "faust take+send"):
        if "one worker" in results and ceiling_name in results:
            ratio = mid("one worker", "decode/s") / mid(ceiling_name, "msg/s")
            print(f"one worker's decode / {ceiling_name}: {ratio:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=60_000, help="input lines (60,000)")
    parser.add_argument("--reps", type=int, default=3, help="runs of each measure (3)")
    parser.add_argument("--rates", default="2000,500", help="paced lines/s (2000,500)")
    parser.add_argument("--seconds", type=float, default=20, help="length of a paced feed (20)")
    parser.add_argument("--lateness", type=float, default=0, help="for the latency runs (0)")
    groups = ["ceiling", "one", "two", "latency", "events"]
    parser.add_argument("--only", action="append", choices=groups, help="repeatable")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up as on Ctrl-C
    started, only = time.monotonic(), set(args.only or groups[:4])
    records = build_records(args.lines)
    expect = expected_totals(records)
    print(f"{len(records):,} lines, keys {keys_by_partition()}; expected decode {expect[0]:,}, "
          f"track {expect[1]:,}; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")  # fmt: skip
    measures: dict[str, tuple[str, Callable[[], Row]]] = {
        "faust events": ("events", lambda: ceiling(records, "events")),  # only if asked
        "faust take": ("ceiling", lambda: ceiling(records, "take")),
        "faust take+send": ("ceiling", lambda: ceiling(records, "take+send")),
        "replay": ("one", lambda: replay(records)),
        "one worker": ("one", lambda: pipeline(records, expect, 1)),
        "two workers": ("two", lambda: pipeline(records, expect, 2)),
    }
    for rate in (float(r) for r in args.rates.split(",")):
        measures[f"latency {rate:g}/s"] = (
            "latency",
            partial(latency, rate, args.seconds, args.lateness),
        )
    results: dict[str, list[Row]] = {}
    for rep in range(1, args.reps + 1):
        for name, (group, run) in measures.items():
            if group in only:
                row = run()
                results.setdefault(name, []).append(row)
                cells = "  ".join(f"{k} {number(v)}" for k, v in row.items())
                print(f"rep {rep} {name:<16} {cells}  (load {os.getloadavg()[0]:.2f})", flush=True)
    report(results)
    print(f"\ntotal {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
