"""Replay throughput: Vigilmar against bare pyais decoding of the same ~300k-line NMEA log.

Run from the repository root: ``python -m benchmarks.replay_throughput`` (``make bench``);
``--profile [TOP]`` adds a cProfile of one full replay. Method and results: RESULTS.md here.

Input: the AMSA receiver log repeated to ~300k lines, cached as plain text in
``benchmarks/.cache/``. Every line is kept byte for byte, except that in copy ``k`` the lines
whose time the decoder reads ($GPZDA, $PGHP, trailing epoch columns) are moved ``k`` x (span of
all those times + 60 s) later, checksums recomputed, so event time never goes backwards.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import gzip
import io
import math
import os
import pstats
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pyais.stream import FileReaderStream

from models.config import Config, TrackingConfig
from models.decode import Decoder
from models.engine import Engine
from models.fast_decode import FAST_TYPES, position_report
from models.normalise import MIN_BITS, to_record
from models.records import InputLine, Outcome
from replay.readers import Reader
from replay.runner import ReplayRunner, ReplaySummary
from replay.sinks import make_sink
from zones.catalogue import load_catalogue

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path("/work/shared/data/amsa-risky/ais.txt.gz")
CACHE = ROOT / "benchmarks" / ".cache"
TARGET_LINES = 300_000
FORMAT_VERSION = 1  # bump when the way the input is built changes

_HEX = rb"\*[0-9A-Fa-f]{2}"
_ZDA = re.compile(rb"\$(..ZDA),(\d\d)(\d\d)(\d\d)\.(\d+),(\d\d),(\d\d),(\d{4}),([^*]*)" + _HEX)
_PGHP = re.compile(rb"\$PGHP,1,(\d+),(\d+),(\d+),(\d+),(\d+),(\d+),(\d+),([^*]*)" + _HEX)
_EPOCH = re.compile(rb"(.*" + _HEX + rb",)(\d{10}|\d{13})")

Results = dict[str, tuple[list[float], int]]  # measure -> (wall times, messages it counted)


# -- input --------------------------------------------------------------------------------------


def _sentence(body: str) -> bytes:
    checksum = 0
    for byte in body.encode("ascii"):
        checksum ^= byte
    return f"${body}*{checksum:02X}".encode("ascii")


def shift_line(line: bytes, seconds: int) -> tuple[bytes, float | None]:
    """``line`` with the time it carries moved ``seconds`` later, and that time; a line with no
    time the decoder reads comes back unchanged, with ``None``."""
    text, eol = (line[:-1], b"\r") if line.endswith(b"\r") else (line, b"")
    if match := _ZDA.fullmatch(text):
        talker, hh, mm, ss, frac, day, month, year, rest = (g.decode() for g in match.groups())
        start = datetime(int(year), int(month), int(day), int(hh), int(mm), int(ss), tzinfo=UTC)
        at = start + timedelta(seconds=seconds)
        body = f"{talker},{at:%H%M%S}.{frac},{at:%d},{at:%m},{at:%Y},{rest}"
        return _sentence(body) + eol, at.timestamp() + float(f"0.{frac}")
    if match := _PGHP.fullmatch(text):
        *numbers, rest = match.groups()
        year, month, day, hh, mm, ss, millis = (int(n) for n in numbers)
        at = datetime(year, month, day, hh, mm, ss, tzinfo=UTC) + timedelta(seconds=seconds)
        body = f"PGHP,1,{at.year},{at.month},{at.day},{at.hour},{at.minute},{at.second},{millis},"
        return _sentence(body + rest.decode()) + eol, at.timestamp() + millis / 1000
    if match := _EPOCH.fullmatch(text):
        head, epoch = match.groups()
        scale = 1000 if len(epoch) == 13 else 1
        value = int(epoch) + seconds * scale
        return head + str(value).encode() + eol, value / scale
    return line, None


def build_input(target_lines: int = TARGET_LINES) -> tuple[Path, int]:
    """The cached benchmark file (built on first use) and its number of lines."""
    lines = gzip.decompress(SOURCE.read_bytes()).split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    copies = max(1, round(target_lines / len(lines)))
    path = CACHE / f"amsa-x{copies}-v{FORMAT_VERSION}.nmea"
    if path.exists():
        return path, copies * len(lines)
    times = {i: t for i, line in enumerate(lines) if (t := shift_line(line, 0)[1]) is not None}
    step = math.ceil(max(times.values()) - min(times.values())) + 60
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("wb") as out:
        for k in range(copies):
            copy = list(lines)
            for i in times:
                copy[i] = shift_line(lines[i], k * step)[0]
            out.write(b"\n".join(copy) + b"\n")
    os.replace(partial, path)
    print(f"built {path.name}: {copies} copies, {len(times):,} time lines each moved by k x "
          f"{step} s", file=sys.stderr)  # fmt: skip
    return path, copies * len(lines)


# -- what is measured: each runs once over the file and returns the messages it counted ------


def bare_pyais(path: Path) -> int:
    """pyais's own file reader (skips non-AIS lines, assembles multipart) + ``decode()``."""
    messages = 0
    with FileReaderStream(str(path)) as stream:
        for message in stream:
            messages += 1
            try:
                message.decode()
            except Exception:  # garbage payloads: counted, as Vigilmar counts its failures
                continue
    return messages


def full_replay(path: Path) -> int:
    summary = _replay(path)
    return summary.messages + summary.decode.duplicates  # every AIS message, as pyais counts


def full_replay_every_copy(path: Path) -> int:
    """The full replay with ``tracking.duplicate_seconds = 0``: every copy decoded and tracked."""
    return _replay(path, Config(tracking=TrackingConfig(duplicate_seconds=0.0))).messages


def _replay(path: Path, config: Config | None = None) -> ReplaySummary:
    """What ``vigilmar replay PATH --out /dev/null`` does in-process, without the progress bar."""
    engine = Engine(config or Config(), load_catalogue())
    with open(os.devnull, "w", encoding="utf-8") as devnull:
        sink = make_sink("jsonl", devnull)
        summary = ReplayRunner(engine, sink).run(iter(Reader([path])))
        sink.close()
    return summary


def decode_only(path: Path) -> int:
    """The replay's decoder (duplicates dropped) over the file, nothing after it."""
    decoder, out = Decoder.for_tracking(Config().tracking), list[Outcome]()
    for item in Reader([path]):
        if isinstance(item, InputLine):
            decoder.feed(item, out)
            out.clear()
    decoder.flush(out)
    return decoder.stats.messages + decoder.stats.duplicates


def position_payloads(path: Path) -> list[tuple[int, str, int]]:
    """(type, payload, fill bits) of the single-part position reports in ``path``."""
    found = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        fields = line.split("*")[0].split(",")
        if len(fields) == 7 and fields[0][-3:] in ("VDM", "VDO") and fields[1] == "1":
            payload, fill = fields[5], fields[6][:1]
            if payload and fill.isdigit():
                code = ord(payload[0]) - 48
                msg_type = code - 8 if code > 40 else code
                if msg_type in FAST_TYPES and 6 * len(payload) - int(fill) >= MIN_BITS[msg_type]:
                    found.append((msg_type, payload, int(fill)))
    return found


def payload_rates(path: Path, rounds: int) -> None:
    """Position payloads alone: ``models.fast_decode`` against pyais (``to_record``), CPU time,
    alternated, on the same payloads in the same run."""
    payloads = position_payloads(path)
    readers = {
        "pyais (to_record)": to_record,
        "fast_decode.position_report": position_report,
    }
    cpu: dict[str, list[float]] = {name: [] for name in readers}
    for _ in range(rounds):
        for name, read in readers.items():
            gc.collect()
            start = time.process_time()
            for msg_type, payload, fill in payloads:
                read(msg_type, payload, fill, 1.0, "bench")
            cpu[name].append(time.process_time() - start)
    base = statistics.median(cpu["pyais (to_record)"])
    print(f"\ne. {len(payloads):,} position payloads of the input, to records (CPU time, median "
          f"of {rounds}):")  # fmt: skip
    for name, times in cpu.items():
        mid = statistics.median(times)
        rate = len(payloads) / mid
        print(f"   {name:30}{mid:7.2f} s {rate:11,.0f}/s {base / mid:6.2f} x pyais")


def read_only(path: Path) -> int:
    return sum(1 for _ in Reader([path]))


MEASURES: dict[str, Callable[[Path], int]] = {
    "a. bare pyais": bare_pyais,
    "b. vigilmar full replay": full_replay,
    "   full replay, every copy": full_replay_every_copy,
    "c. vigilmar decode only": decode_only,
    "   vigilmar reader only": read_only,
}


def run_rounds(path: Path, rounds: int) -> Results:
    """Every measure once per round, starting one further along each round."""
    results: Results = {name: ([], 0) for name in MEASURES}
    names = list(MEASURES)
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            gc.collect()
            start = time.perf_counter()
            messages = MEASURES[name](path)
            results[name][0].append(time.perf_counter() - start)
            results[name] = (results[name][0], messages)
        print(f"round {r + 1}/{rounds} done", file=sys.stderr)
    return results


def print_table(results: Results, lines: int) -> None:
    base = statistics.median(results["a. bare pyais"][0])
    print(f"\n{'measure':26}{'median s':>9}{'min s':>7}{'max s':>7}{'lines/s':>11}"
          f"{'messages/s':>11}{'x pyais':>8}")  # fmt: skip
    for name, (times, messages) in results.items():
        mid = statistics.median(times)
        print(f"{name:26}{mid:9.2f}{min(times):7.2f}{max(times):7.2f}{lines / mid:11,.0f}"
              f"{messages / mid:11,.0f}{base / mid:8.2f}")  # fmt: skip


def cli_once(path: Path, pyais_seconds: float) -> None:
    """The console script as a subprocess, once: interpreter start and zone loading included."""
    exe = Path(sys.executable).with_name("vigilmar")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "replay.cli"]
    start = time.perf_counter()
    done = subprocess.run(
        [*command, "replay", str(path), "--out", os.devnull, "--no-progress"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - start
    print(f"\nd. CLI subprocess: {wall:.2f} s wall (exit {done.returncode}), "
          f"{pyais_seconds / wall:.2f} x bare pyais (median a.); its summary:")  # fmt: skip
    print(done.stderr)


def _proc_status_mib(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process. Not ``ru_maxrss``: on Linux a child
    inherits its parent's peak through fork + exec, which would report this runner's size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def memory_probe(path: Path) -> None:
    """In a fresh interpreter: resident memory before and after one full replay."""
    before = _proc_status_mib("VmRSS")
    summary = _replay(path)
    print(f"RSS after imports {before:.0f} MiB, peak (VmHWM) {_proc_status_mib('VmHWM'):.0f} "
          f"MiB, at end {_proc_status_mib('VmRSS'):.0f} MiB; summary: {summary.vessels:,} "
          f"vessels, {summary.late:,} late, {sum(summary.alerts.values()):,} alerts")  # fmt: skip


def profile_once(path: Path, top: int) -> None:
    profiler = cProfile.Profile()
    profiler.runcall(_replay, path)
    for key in ("tottime", "cumulative"):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).strip_dirs().sort_stats(key).print_stats(top)
        print(f"\n--- cProfile of one full replay, by {key} ---\n{text.getvalue()}")


def code_revision() -> str:
    """The commit the benchmark ran on, and whether engine code was uncommitted."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run([*git, "status", "--porcelain", "--", "models", "replay", "zones"],
                           capture_output=True, text=True).stdout.strip()  # fmt: skip
    return head.stdout.strip() + (" + uncommitted engine changes" if dirty else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", type=int, nargs="?", const=25, metavar="TOP")
    parser.add_argument("--memory-probe", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_probe:
        memory_probe(args.memory_probe)
        return
    path, lines = build_input()
    print(f"input: {path.relative_to(ROOT)} ({lines:,} lines, {path.stat().st_size / 1e6:.1f} "
          f"MB); Python {sys.version.split()[0]}; {os.cpu_count()} CPUs; code {code_revision()}; "
          f"{args.rounds} rounds, wall times")  # fmt: skip
    results = run_rounds(path, args.rounds)
    print_table(results, lines)
    probe = subprocess.run(
        [sys.executable, "-m", "benchmarks.replay_throughput", "--memory-probe", str(path)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    print(f"\nb. memory of one full replay in a fresh process: {probe.stdout.strip()}")
    cli_once(path, statistics.median(results["a. bare pyais"][0]))
    payload_rates(path, args.rounds)
    if args.profile:
        profile_once(path, args.profile)


if __name__ == "__main__":
    main()
