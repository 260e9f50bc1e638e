"""Partners' lists published while a worker runs (`vigilmar lists push`, the lists topic):
a vessels-of-interest list raises the later alerts about its vessel, an allow-list silences
its vessel's alerts on `vigilmar.alerts` and in the partners' feeds, each suppression in the
audit — as the same lists do to the replay's alerts."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from models.lists import load_lists
from models.serialise import alert_from_dict
from tests.integration.conftest import VIGILMAR, Stack
from tests.integration.test_stream import due_after_the_end, replay_alerts
from tests.nmea_tracks import pyseas_as_nmea

pytestmark = pytest.mark.integration


def push(stack: Stack, path: Path) -> None:
    env = {**os.environ, **stack.env}
    done = subprocess.run(
        [VIGILMAR, "lists", "push", str(path)], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert f"list {path.stem} " in done.stderr


def read_alerts(stack: Stack, expected: int) -> list[dict[str, Any]]:
    """The alerts topic once it holds ``expected`` messages (by id and status)."""
    deadline = time.monotonic() + 60
    alerts: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        alerts = stack.read(stack.settings.topics.alerts, settle=3.0, timeout=30)
        if len({(a["alert_id"], a["status"]) for a in alerts}) >= expected:
            break
    return alerts


def wait_for_log(path: Path, text: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text.encode() in path.read_bytes():
            return
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not in {path} after {timeout} s")


def test_lists_pushed_to_a_running_worker_raise_and_silence_its_alerts(
    stack: Stack, tmp_path: Path
) -> None:
    nmea = tmp_path / "north-pacific.nmea"
    pyseas_as_nmea(nmea)
    expected, end = replay_alerts(nmea, Path(stack.env["VIGILMAR_CONFIG"]))
    by_vessel = Counter(a["mmsi"] for a in expected)
    (listed, _), (allowed, _) = by_vessel.most_common(2)
    silenced = sorted({a["type"] for a in expected if a["mmsi"] == allowed})
    interest = tmp_path / "coast-guard.csv"
    interest.write_text(
        f"mmsi,reason,risk,source,expires\n{listed},transhipment,1.0,coast-guard,\n"
    )
    allow = tmp_path / "research.csv"
    allow.write_text(
        f"mmsi,reason,types,source,expires\n{allowed},survey,{';'.join(silenced)},institute,\n"
    )
    # What the same lists make of the replay's alerts.
    lists = load_lists([interest, allow])
    kept, suppressed = lists.apply([alert_from_dict(a) for a in expected])
    assert suppressed
    assert kept
    policy = tmp_path / "sharing.toml"
    policy.write_text("[partners.everyone]\n")
    prefix = f"vigilmar.share.{uuid.uuid4().hex[:8]}"
    stack.env.update(VIGILMAR_SHARING=str(policy), VIGILMAR_SHARE_PREFIX=prefix)

    worker = stack.worker()
    worker.wait_ready()
    push(stack, interest)
    push(stack, allow)
    wait_for_log(worker.log, "list coast-guard applied")
    wait_for_log(worker.log, "list research applied")
    stack.feed(nmea)
    streamed = read_alerts(stack, len({(a.alert_id, a.status) for a in kept}))
    assert worker.alive()

    late = {(a["alert_id"], a["status"]) for a in streamed if due_after_the_end(a, end)}
    on_topic = {(a["alert_id"], a["status"], a["score"], a["explanation"]) for a in streamed}
    wanted = {(a.alert_id, a.status.value, a.score, a.explanation) for a in kept}
    assert {k for k in on_topic if k[:2] not in late} == wanted
    assert not [a for a in streamed if a["mmsi"] == allowed and a["type"] in silenced]
    raised = [a for a in streamed if a["mmsi"] == listed]
    assert raised
    assert all("vessels-of-interest list of coast-guard" in a["explanation"] for a in raised)

    feed: list[dict[str, Any]] = stack.read(f"{prefix}.everyone", settle=2.0, timeout=30)
    assert feed
    assert not [v for v in feed if v["mmsi"] == allowed and v["type"] in silenced]
    audit = stack.read(f"{prefix}.audit", settle=2.0, timeout=30)
    lines = {
        (line["alert_id"], line["status"], line["reason"])
        for line in audit
        if line["action"] == "suppressed"
    }
    assert {(s.alert.alert_id, s.alert.status.value, "survey") for s in suppressed} <= lines
    assert all(
        line["list"].startswith("research@") for line in audit if line["action"] == "suppressed"
    )
