"""The live path on a real Kafka-protocol broker: feed -> Kafka -> worker(s) -> alerts.

The contract: the stream gives the alerts `vigilmar replay` gives for the same input.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from models.config import load_config
from models.engine import Engine
from replay.readers import Reader
from replay.runner import ReplayRunner
from replay.sinks import JsonLinesSink
from tests.factories import validate_alert
from tests.integration.conftest import Stack, Worker
from tests.nmea_tracks import pyseas_as_nmea
from zones.catalogue import load_catalogue

pytestmark = pytest.mark.integration

Key = tuple[str, str, str, int, str, str | None]


def replay_alerts(path: Path, config: Path) -> tuple[list[dict[str, Any]], float]:
    out = io.StringIO()
    runner = ReplayRunner(Engine(load_config(config), load_catalogue()), JsonLinesSink(out))
    runner.run(iter(Reader([path])))
    return [json.loads(line) for line in out.getvalue().splitlines()], runner.monitor.latest


def keys(alerts: list[dict[str, Any]]) -> set[Key]:
    return {
        (a["alert_id"], a["type"], a["status"], a["mmsi"], a["start"], a["end"]) for a in alerts
    }


def due_after_the_end(alert: dict[str, Any], end: float) -> bool:
    """A dark period that opens on event time later than the input's last report: a live worker
    keeps time moving while idle, a replay stops at the end of its input."""
    if alert["type"] != "dark_period" or alert["status"] != "open":
        return False
    from datetime import datetime

    start = datetime.fromisoformat(alert["start"].replace("Z", "+00:00")).timestamp()
    return start + alert["evidence"]["threshold_hours"] * 3600 > end


def explain(stack: Stack, expected: set[Key], live: set[Key], workers: list[Worker]) -> str:
    """Why the stream's alerts differ from replay's: what each side has alone, per vessel and
    type, the dead letters by reason, and the end of each worker's log."""
    dead = stack.read(stack.settings.topics.deadletter, settle=2.0, timeout=10)
    lines = []
    for name, alone in (("stream only", live - expected), ("replay only", expected - live)):
        counts = Counter((key[3], key[1]) for key in alone)
        lines.append(f"{name}: {len(alone)} {dict(sorted(counts.items()))}")
        lines.extend(f"  {key}" for key in sorted(alone, key=lambda k: (k[3], k[4]))[:15])
    reasons = Counter(d["failure"] for d in dead)
    lines.append(f"dead letters: {dict(reasons)}")
    lines.extend(f"  {d['failure']}: {d['detail']} {d['raw'][:160]}" for d in dead[:10])
    for worker in workers:
        text = worker.log.read_text(errors="replace").splitlines()
        notable = [line for line in text if "WARNING" in line or "ERROR" in line]
        lines.append(f"{worker.name} log, warnings and errors:")
        lines.extend(f"  {line[:300]}" for line in notable[-20:])
        lines.append(f"{worker.name} log, end:")
        lines.extend(f"  {line[:300]}" for line in text[-15:])
    return "\n".join(lines)


def stream_alerts(stack: Stack, expected: int | set[Key]) -> list[dict[str, Any]]:
    """The alerts topic once it holds ``expected`` alerts (a count, or the keys of the alerts
    replay gave: extra ones do not end the wait early), or after two minutes."""
    topic = stack.settings.topics.alerts
    deadline = time.monotonic() + 120
    alerts: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        alerts = stack.read(topic, settle=6.0, timeout=60)
        if isinstance(expected, set) and expected <= keys(alerts):
            break
        if isinstance(expected, int) and len(keys(alerts)) >= expected:
            break
    return alerts


@pytest.fixture(scope="module")
def north_pacific(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("nmea") / "north-pacific.nmea"
    pyseas_as_nmea(path)
    return path


def test_stream_gives_the_alerts_replay_gives(stack: Stack, north_pacific: Path) -> None:
    expected, end = replay_alerts(north_pacific, Path(stack.env["VIGILMAR_CONFIG"]))
    assert {a["type"] for a in expected} >= {"dark_period", "loitering", "position_jump"}
    worker = stack.worker()
    worker.wait_ready()
    stack.feed(north_pacific)
    streamed = stream_alerts(stack, keys(expected))
    assert worker.alive()
    for alert in streamed:
        validate_alert(alert)
    live = keys([a for a in streamed if not due_after_the_end(a, end)])
    if live != keys(expected):
        pytest.fail(explain(stack, keys(expected), live, [worker]))


def test_bad_lines_go_to_the_dead_letter_topic_and_the_worker_goes_on(
    stack: Stack, tmp_path: Path
) -> None:
    good = "\\s:rx1,c:1668046497*05\\!AIVDM,1,1,,B,15NBj>PP1gG>1PVKTDTUJOv00<0M,0*09"
    lines = [
        b"this is no NMEA at all",
        b"!AIVDM,2,1,3,A,55NPvo800001L@OCWO@EDLDpTF0br0QDLE:2220q000005OP07T0DhhAkmC0,0*67",
        b"!AIVDM,1,1,,B,15NBj\xff\xfeTDTUJOv00<0M,0*09",
        b"!AIVDM,1,1,,B,15NBj>PP1gG>1PVKTDTUJOv00<0M,0*00",
        good.encode(),
    ]
    # The truncated multipart message expires once later sentences pass its window.
    window = load_config(stack.env["VIGILMAR_CONFIG"]).tracking.multipart_window
    filler = [good.encode()] * (window + 40)
    path = tmp_path / "bad.nmea"
    path.write_bytes(b"\n".join(lines + filler) + b"\n")
    worker = stack.worker()
    worker.wait_ready()
    stack.feed(path)
    dead = stack.read(stack.settings.topics.deadletter, settle=5.0)
    reasons = {d["failure"] for d in dead}
    assert {"malformed", "not_utf8", "bad_checksum", "incomplete_multipart"} <= reasons
    utf8 = next(d for d in dead if d["failure"] == "not_utf8")
    assert "\\xff\\xfe" in utf8["raw"]
    assert all(d["source"] == "bad.nmea" for d in dead)
    assert worker.alive()
    # The operator's view of the same: a live scrape that promtool accepts.
    status, metrics = worker.scrape()
    assert status == 200
    assert worker.scrape("/readyz")[0] == 200
    assert worker.scrape("/healthz")[0] == 200
    assert 'vigilmar_deadletter_total{reason="not_utf8"} 1.0' in metrics
    assert 'vigilmar_messages_total{outcome="decoded",stage="decode"}' in metrics
    if shutil.which("promtool"):
        check = subprocess.run(
            ["promtool", "check", "metrics"], input=metrics.encode(), capture_output=True
        )
        assert check.returncode == 0, check.stdout + check.stderr


def kcat_talks_to(bootstrap: str) -> str | None:
    """Why kcat cannot list the broker's metadata, or None when it can."""
    if shutil.which("kcat") is None:
        return "kcat (Debian package kcat) is not installed"
    probe = subprocess.run(
        ["kcat", "-L", "-b", bootstrap, "-m", "5"], capture_output=True, text=True, timeout=30
    )
    if probe.returncode == 0:
        return None
    # Debian 12's librdkafka 2.0.2 misreads Tansu 0.6's ApiVersions v3 response ("Read
    # underflow ... ApiVersion v3"); against Apache Kafka (docker-compose) kcat works.
    return f"kcat cannot talk to this broker: {probe.stderr.strip().splitlines()[-1:]}"


def test_kcat_reads_alerts_that_match_the_schema(stack: Stack, north_pacific: Path) -> None:
    why = kcat_talks_to(stack.broker.bootstrap)
    if why is not None:
        pytest.skip(why)
    worker = stack.worker()
    worker.wait_ready()
    stack.feed(north_pacific)
    assert stream_alerts(stack, 50)
    result = subprocess.run(
        [
            "kcat",
            "-C",
            "-b",
            stack.broker.bootstrap,
            "-t",
            stack.settings.topics.alerts,
            "-o",
            "beginning",
            "-e",
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    alerts = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(alerts) >= 50
    for alert in alerts:
        validate_alert(alert)


def assigned_partitions(worker_log: Path, topic: str) -> set[int]:
    """The partitions of ``topic`` in the worker's latest assignment (faust logs a table)."""
    text = worker_log.read_text(errors="replace")
    rows = [line for line in text.splitlines() if line.startswith(f"| {topic} ")]
    if not rows:
        return set()
    cell = rows[-1].split("|")[2].strip().strip("{}")
    found: set[int] = set()
    for part in cell.split(","):
        low, _, high = part.strip().partition("-")
        found.update(range(int(low), int(high or low) + 1))
    return found


def split_between(stack: Stack, first: Worker, second: Worker) -> tuple[set[int], set[int]]:
    """Wait for both workers, and for the group to settle with the four report partitions
    split between them; their partitions."""
    first.wait_ready()
    second.wait_ready()
    topic = stack.settings.topics.reports
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the group settles once both have joined
        mine, theirs = (assigned_partitions(w.log, topic) for w in (first, second))
        if mine and theirs and not mine & theirs and len(mine | theirs) == 4:
            break
        time.sleep(0.5)
    assert mine, (mine, theirs)
    assert theirs, (mine, theirs)
    assert not mine & theirs
    return mine, theirs


def test_two_workers_split_the_partitions_and_give_the_same_alerts(
    stack: Stack, north_pacific: Path
) -> None:
    expected, end = replay_alerts(north_pacific, Path(stack.env["VIGILMAR_CONFIG"]))
    first, second = stack.worker("w1"), stack.worker("w2")
    split_between(stack, first, second)
    stack.feed(north_pacific)
    streamed = stream_alerts(stack, keys(expected))
    live = keys([a for a in streamed if not due_after_the_end(a, end)])
    if live != keys(expected):
        pytest.fail(explain(stack, keys(expected), live, [first, second]))


def test_a_killed_worker_loses_no_alert_and_repeats_carry_the_same_id(
    stack: Stack, north_pacific: Path
) -> None:
    expected, end = replay_alerts(north_pacific, Path(stack.env["VIGILMAR_CONFIG"]))
    first = stack.worker("w1")
    first.wait_ready()
    feeder = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "vigilmar"),
            "feed",
            str(north_pacific),
            "--speed",
            "200000",
        ],
        env={**os.environ, **stack.env},
    )
    topic = stack.settings.topics.alerts
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill it once it is visibly mid-stream
        if len(stack.read(topic, settle=0.5, timeout=2)) >= 20:
            break
    first.kill()
    second = stack.worker("w2")
    second.wait_ready()
    assert feeder.wait(timeout=120) == 0
    streamed = stream_alerts(stack, keys(expected))
    # The one difference a takeover may make: the coverage its predecessor had heard is not
    # carried over (models/coverage.py), so a silence that began before the new worker's
    # coverage does is judged without it — dark, saying so — where replay may find a gap.
    unknown = keys([a for a in streamed if a["evidence"].get("coverage") == "unknown"]) - keys(
        expected
    )
    live = keys([a for a in streamed if not due_after_the_end(a, end)]) - unknown
    if live != keys(expected):
        pytest.fail(explain(stack, keys(expected), live, [first, second]))
    assert all(key[1] == "dark_period" for key in unknown), unknown
    by_id: dict[str, set[tuple[str, int, str]]] = {}
    for alert in streamed:
        by_id.setdefault(alert["alert_id"], set()).add(
            (alert["type"], alert["mmsi"], alert["start"])
        )
    assert all(len(episodes) == 1 for episodes in by_id.values())
