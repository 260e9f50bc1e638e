"""A big fuzz of the command line: a million mutated real NMEA lines through ``vigilmar replay``
and ``vigilmar decode``, counting tracebacks and checking that the counts add up (issue 11).

Run from the repository root: ``python -m benchmarks.fuzz_cli [--lines N] [--seed S]``. Results
and the exact command: RESULTS.md here. Not a test; CI does not run it (the bounded version is
``tests/property/test_fuzz_decoder.py``).

Input: every line of the real NMEA logs in ``/work/shared/data`` (and the reader fixtures), each
output line drawn at random from them and, after the first 200 (left whole so that the file is
recognised as NMEA), mutated 0 to 4 times: bytes changed, inserted or deleted (invalid UTF-8 and
non-ASCII digits among them), a tag block or trailing epoch of random values added, another line
joined on, the line cut. One line in 200,000 is made 2-3 MB long. The same seed gives the same
file, cached in ``benchmarks/.cache/``.

Checks: both commands exit 0 with no traceback; replay's summary has ``messages == decoded +
failed`` and its ``--failures`` file one entry per failure (plus the ``late`` ones the summary
counts); every line ``decode`` prints is a JSON object, one per message, as many as replay's
messages, its failures by reason the same as replay's.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path("/work/shared/data")
CACHE = ROOT / "benchmarks" / ".cache"
HEAD_LINES = 200  # left unmutated: format recognition looks at the first 200 lines
LONG_EVERY = 200_000

#: What a fuzzer puts in: NMEA punctuation, ASCII and non-ASCII digits, bytes that are not UTF-8.
NASTY = [bytes([b]) for b in b",*!$\\:-.0123456789AFaf \x00\r\t\x7f"] + [
    "²".encode(),
    "٣".encode(),
    "१".encode(),
    "\ufeff".encode(),
    b"\xff",
    b"\xfe",
    b"\x80",
    b"\xc3",
]
NUMBERS = [
    "nan",
    "inf",
    "-inf",
    "1e309",
    "9" * 400,
    "99999999999999999999",
    "0",
    "-1",
    "²",
    "1668046497",
    "1668046497000",
    "12415440354",
    "1.5",
    "",
]


def corpus() -> list[bytes]:
    """Every non-blank line of the real NMEA logs here."""
    paths = sorted(p for p in SHARED.rglob("*") if p.is_file() and "zones" not in p.parts)
    paths += sorted((ROOT / "tests" / "data" / "readers").glob("*"))
    paths += sorted((ROOT / "replay" / "samples").glob("*.nmea"))
    lines: list[bytes] = []
    for path in paths:
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        kept = [line for line in data.splitlines() if line.strip()]
        if kept and sum(line[:1] in (b"!", b"$", b"\\") for line in kept) * 2 >= len(kept):
            lines.extend(kept)
    return lines


def number(rng: random.Random) -> bytes:
    if rng.random() < 0.5:
        return rng.choice(NUMBERS).encode()
    if rng.random() < 0.5:
        return str(rng.randint(-(10**20), 10**20)).encode()
    return str(rng.random() * 10 ** rng.randint(0, 30)).encode()


def tag_block(rng: random.Random) -> bytes:
    fields = []
    for _ in range(rng.randint(0, 4)):
        kind = rng.randrange(4)
        if kind == 0:
            fields.append(b"c:" + number(rng))
        elif kind == 1:
            fields.append(b"g:" + b"-".join(number(rng) for _ in range(3)))
        elif kind == 2:
            fields.append(b"s:" + b"".join(rng.choices(NASTY, k=rng.randint(0, 6))))
        else:
            fields.append(b"".join(rng.choices(NASTY, k=rng.randint(0, 8))))
    return b"\\" + b",".join(fields) + rng.choice([b"*00", b"*7F", b"", b"*"]) + b"\\"


def mutate(line: bytes, lines: list[bytes], rng: random.Random) -> bytes:
    for _ in range(rng.randint(0, 4)):
        at = rng.randint(0, len(line))
        kind = rng.randrange(8)
        if kind == 0:
            line = line[:at] + rng.choice(NASTY) + line[at + 1 :]
        elif kind == 1:
            line = line[:at] + b"".join(rng.choices(NASTY, k=rng.randint(1, 8))) + line[at:]
        elif kind == 2:
            line = line[:at] + line[at + rng.randint(1, 20) :]
        elif kind == 3:
            line = line[:at] + tag_block(rng) + line[at:]
        elif kind == 4:
            line = line + b"," + number(rng)
        elif kind == 5:
            line = line + rng.choice([b"", b" ", b","]) + rng.choice(lines)
        elif kind == 6:
            line = line[:at]
        else:
            line = line[at:]
    return line.replace(b"\n", b" ")


def build(lines_wanted: int, seed: int) -> Path:
    path = CACHE / f"fuzz-s{seed}-n{lines_wanted}.nmea"
    if path.exists():
        return path
    rng = random.Random(seed)
    lines = corpus()
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("wb") as out:
        for n in range(lines_wanted):
            line = rng.choice(lines)
            if n >= HEAD_LINES:
                line = mutate(line, lines, rng)
                if rng.randrange(LONG_EVERY) == 0:
                    line = line + b"x" * rng.randint(2_000_000, 3_000_000)
            out.write(line + b"\n")
    os.replace(partial, path)
    print(f"built {path.name} from {len(lines):,} real lines", file=sys.stderr)
    return path


def _vigilmar() -> list[str]:
    exe = Path(sys.executable).with_name("vigilmar")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "replay.cli"]


def _summary(err: str) -> tuple[dict[str, int], Counter[str]]:
    match = re.search(r"messages: ([\d,]+)\s+decoded: ([\d,]+)\s+failed: ([\d,]+)", err)
    if match is None:
        raise SystemExit(f"no summary in replay's stderr:\n{err}")
    messages, decoded, failed = (int(g.replace(",", "")) for g in match.groups())
    late = re.search(r"([\d,]+) reports came more than the lateness window", err)
    figures = {
        "messages": messages,
        "decoded": decoded,
        "failed": failed,
        "late": int(late.group(1).replace(",", "")) if late else 0,
    }
    reasons: Counter[str] = Counter()
    by_reason = re.search(r"failures by reason: (.*)", err)
    if by_reason:
        for part in by_reason.group(1).split(", "):
            name, count = part.rsplit(" ", 1)
            reasons[name] = int(count.replace(",", ""))
    return figures, reasons


def run_replay(path: Path) -> tuple[dict[str, int], Counter[str], list[str]]:
    failures = path.with_suffix(".failures.jsonl")
    command = [*_vigilmar(), "replay", str(path), "--out", os.devnull, "--no-progress"]
    start = time.perf_counter()
    done = subprocess.run(
        [*command, "--failures", str(failures)], capture_output=True, text=True, cwd=ROOT
    )
    wall = time.perf_counter() - start
    problems = []
    if done.returncode != 0:
        problems.append(f"replay exit {done.returncode}")
    if "Traceback" in done.stderr:
        problems.append(f"replay traceback:\n{done.stderr[-3000:]}")
    figures, reasons = _summary(done.stderr)
    if figures["messages"] != figures["decoded"] + figures["failed"]:
        problems.append(f"replay: messages != decoded + failed: {figures}")
    with failures.open(encoding="utf-8") as handle:
        entries = sum(1 for _ in handle)
    if entries != figures["failed"] + figures["late"]:
        problems.append(f"--failures holds {entries:,} entries, summary says {figures}")
    failures.unlink()
    figures["seconds"] = round(wall)
    print(f"replay: exit {done.returncode} in {wall:.0f} s; summary:\n{done.stderr}")
    return figures, reasons, problems


def run_decode(path: Path) -> tuple[dict[str, int], Counter[str], list[str]]:
    start = time.perf_counter()
    process = subprocess.Popen(
        [*_vigilmar(), "decode", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    outcomes = decoded = not_json = 0
    reasons: Counter[str] = Counter()
    for raw in process.stdout:
        outcomes += 1
        try:
            value = json.loads(raw)
        except ValueError:
            not_json += 1
            continue
        if not isinstance(value, dict):
            not_json += 1
        elif "failure" in value:
            reasons[value["failure"]] += 1
        else:
            decoded += 1
    err = process.stderr.read().decode("utf-8", "replace")
    code = process.wait()
    wall = time.perf_counter() - start
    problems = []
    if code != 0:
        problems.append(f"decode exit {code}")
    if "Traceback" in err:
        problems.append(f"decode traceback:\n{err[-3000:]}")
    if not_json:
        problems.append(f"decode printed {not_json:,} lines that are not JSON objects")
    figures = {"outcomes": outcomes, "decoded": decoded, "seconds": round(wall)}
    print(f"decode: exit {code} in {wall:.0f} s; {outcomes:,} outcomes, {decoded:,} decoded")
    return figures, reasons, problems


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    path = build(args.lines, args.seed)
    print(f"input: {path.relative_to(ROOT)} ({args.lines:,} lines, "
          f"{path.stat().st_size / 1e6:.1f} MB, seed {args.seed})\n")  # fmt: skip
    replayed, replay_reasons, problems = run_replay(path)
    decoded, decode_reasons, decode_problems = run_decode(path)
    problems += decode_problems
    if decoded["outcomes"] != replayed["messages"]:
        problems.append(f"decode gave {decoded['outcomes']:,} outcomes, replay {replayed}")
    if decode_reasons != replay_reasons:
        problems.append(
            f"failures by reason differ: decode {decode_reasons}, replay {replay_reasons}"
        )
    print(f"\nfailures by reason: {dict(sorted(replay_reasons.items()))}")
    print("OK: no traceback, every count adds up" if not problems else "\n".join(problems))
    raise SystemExit(1 if problems else 0)


if __name__ == "__main__":
    main()
