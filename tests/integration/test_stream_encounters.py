"""Encounters on a real broker: pairs whose vessels hash to different partitions, read by two
workers — or by a worker killed mid-stream and its replacement — give the single alerts per pair
and episode the replay gives."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from models.config import load_config
from models.engine import Engine
from models.records import PositionReport, StaticReport
from models.serialise import alert_from_dict
from models.vessel_risk import VesselRisk
from models.voyages import Voyages
from replay.readers import Reader
from replay.runner import ReplayRunner
from replay.sinks import JsonLinesSink, VoyageSink
from tests.factories import HOUR, T0, Leg, by_time, legs, move, static, voyage
from tests.integration.conftest import Stack
from tests.integration.test_stream import keys, replay_alerts, split_between, stream_alerts
from tests.nmea_tracks import reports_as_nmea
from tests.voyage_scenes import SANTO_DOMINGO, passage
from zones import load_catalogue

pytestmark = pytest.mark.integration

#: Four cargo ships, one per report partition.
VOYAGERS = (311000003, 311000005, 311000001, 311000002)

#: Pairs covering every two of the four report partitions (Kafka's default partitioner of the
#: MMSI as ASCII): whatever the split between two workers, some pair spans both.
PAIRS = [
    (311000003, 311000005),  # partitions 0, 1
    (311000006, 311000001),  # 0, 2
    (538000006, 311000002),  # 0, 3
    (311000009, 311000010),  # 1, 2
    (538000009, 311000004),  # 1, 3
    (311000011, 538000001),  # 2, 3
]
PARTITION = {
    311000003: 0, 311000006: 0, 538000006: 0,
    311000005: 1, 311000009: 1, 538000009: 1,
    311000001: 2, 311000010: 2, 311000011: 2,
    311000002: 3, 311000004: 3, 538000001: 3,
}  # fmt: skip


def planted_pairs() -> list[PositionReport]:
    """Each pair drifts 200 m apart at 0.3 kn for 3 h somewhere in the Caribbean; the first
    pair straddles a cell edge, and in the last one a vessel leaves at 12 kn after 2.5 h while
    the other drifts on alone (so the episode closes before the input ends)."""
    tracks = []
    for n, (one, two) in enumerate(PAIRS):
        where = (16.9998, -75.0) if n == 0 else (14.0 + n * 0.37, -78.0 + n * 1.1)
        hours = 2.5 if n == len(PAIRS) - 1 else 3.0
        start = T0 + n * 420
        tracks.append(voyage(one, start, *where, 3.0 if hours == 3.0 else 4.5, 180, 0.3, 90.0))
        two_track = voyage(two, start + 50, *move(*where, 0.0, 0.2), hours, 120, 0.3, 90.0)
        tracks.append(two_track)
        if hours < 3.0:
            last = two_track[-1]
            assert last.timestamp is not None
            assert last.lat is not None
            assert last.lon is not None
            tracks.append(voyage(two, last.timestamp + 60, last.lat, last.lon, 0.5, 30, 12.0, 0))
    return by_time(*tracks)


def test_pairs_across_partitions_and_workers_give_the_replay_encounters(
    stack: Stack, tmp_path: Path
) -> None:
    path = tmp_path / "pairs.nmea"
    reports_as_nmea(path, planted_pairs())
    expected, _ = replay_alerts(path, Path(stack.env["VIGILMAR_CONFIG"]))
    found = [a for a in expected if a["type"] == "encounter"]
    assert {(a["mmsi"], a["other_mmsi"]) for a in found} == {tuple(sorted(p)) for p in PAIRS}
    assert len({a["alert_id"] for a in found}) == len(PAIRS)
    assert "closed" in {a["status"] for a in found}

    first, second = stack.worker("w1"), stack.worker("w2")
    mine, _ = split_between(stack, first, second)
    spanning = [p for p in PAIRS if (PARTITION[p[0]] in mine) != (PARTITION[p[1]] in mine)]
    assert spanning  # some pair's vessels are tracked by different workers

    stack.feed(path)
    streamed = stream_alerts(stack, keys(expected))
    assert keys(streamed) == keys(expected)
    encounters = [a for a in streamed if a["type"] == "encounter"]
    assert keys(encounters) == keys(found)

    # The compacted vessels topic: the latest summary of each vessel is the replay's.
    risk = VesselRisk()
    for alert in expected:
        risk.update(alert_from_dict(alert))
    latest = {}
    for summary in stack.read(stack.settings.topics.vessels, settle=3.0, timeout=30):
        latest[summary["mmsi"]] = summary
    assert set(latest) == {m for pair in PAIRS for m in pair}
    for mmsi, summary in latest.items():
        assert summary == risk.summary(mmsi), mmsi
    assert first.alive()
    assert second.alive()


def test_a_killed_worker_loses_no_encounter(stack: Stack, tmp_path: Path) -> None:
    """Mid-stream SIGKILL; the replacement resumes the cells and pairs from their tables."""
    path = tmp_path / "pairs.nmea"
    reports_as_nmea(path, planted_pairs())
    expected, _ = replay_alerts(path, Path(stack.env["VIGILMAR_CONFIG"]))
    first = stack.worker("w1")
    first.wait_ready()
    # 5 h of event time at 1,800x: 10 s of feeding.
    feeder = subprocess.Popen(
        [str(Path(sys.executable).parent / "vigilmar"), "feed", str(path), "--speed", "1800"],
        env={**os.environ, **stack.env},
    )
    topic = stack.settings.topics.alerts
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill it once some pair has met for 2 h
        if any(a["type"] == "encounter" for a in stack.read(topic, settle=0.5, timeout=2)):
            break
    first.kill()
    second = stack.worker("w2")
    second.wait_ready()
    assert feeder.wait(timeout=120) == 0
    streamed = stream_alerts(stack, keys(expected))
    assert keys(streamed) == keys(expected)
    log = second.log.read_text(errors="replace")
    assert "encounter cells recovered" in log


def planted_destinations() -> list[PositionReport | StaticReport]:
    """Four vessels on the four partitions, each declaring a destination (type 5, two
    sentences) at the start of a 4 h voyage: two change it at sea, one retypes the same port
    (no change), one keeps it."""
    changes = {311000003: "NLRTM", 311000005: "USHOU", 311000001: "pa-blb", 311000002: None}
    records: list[PositionReport | StaticReport] = []
    for n, (mmsi, later) in enumerate(changes.items()):
        start = T0 + n * 300
        records.extend(voyage(mmsi, start, 14.0 + n * 0.5, -70.0 + n, 4.0, 120, 12.0, 90.0))
        records.append(replace(static(mmsi, start + 30), destination="PA BLB"))
        if later is not None:
            records.append(replace(static(mmsi, start + 2 * HOUR + 30), destination=later))
    return by_time(records)


def test_destination_changes_in_the_stream_are_the_replay_s(stack: Stack, tmp_path: Path) -> None:
    path = tmp_path / "destinations.nmea"
    reports_as_nmea(path, planted_destinations())
    expected, _ = replay_alerts(path, Path(stack.env["VIGILMAR_CONFIG"]))
    changed = [a for a in expected if a["type"] == "destination_change"]
    assert {a["mmsi"] for a in changed} == {311000003, 311000005}
    worker = stack.worker()
    worker.wait_ready()
    stack.feed(path)
    streamed = stream_alerts(stack, keys(expected))
    assert keys(streamed) == keys(expected)
    by_id = {a["alert_id"]: a for a in streamed}
    for alert in changed:
        assert by_id[alert["alert_id"]]["evidence"] == alert["evidence"]


def planted_stops_and_drifts() -> list[PositionReport | StaticReport]:
    """Four vessels on the four partitions: two cargo ships stopping 40 min at sea and going on,
    a fishing vessel set sideways by the current for 30 min, and a cargo ship stopping 15 min
    only."""
    stop = [(60, 12.0), (40, 0.4), (60, 12.0)]
    plans: dict[int, list[Leg]] = {
        311000003: stop,
        311000005: stop,
        311000001: [(30, 10.0, 90.0, 90), (30, 2.0, 90.0, 180), (30, 10.0, 0.0, 0)],
        311000002: [(60, 12.0), (15, 0.4), (60, 12.0)],
    }
    records: list[PositionReport | StaticReport] = []
    for n, (mmsi, plan) in enumerate(plans.items()):
        start = T0 + n * 300
        ship_type = 30 if mmsi == 311000001 else 70
        records.append(replace(static(mmsi, start - 60), name=f"SHIP {n}", ship_type=ship_type))
        records.extend(legs(mmsi, start, (14.0 + n * 0.5, -70.0 + n), plan))
    return by_time(records)


def test_stops_at_sea_and_drifts_in_the_stream_are_the_replay_s(
    stack: Stack, tmp_path: Path
) -> None:
    path = tmp_path / "stops.nmea"
    reports_as_nmea(path, planted_stops_and_drifts())
    expected, _ = replay_alerts(path, Path(stack.env["VIGILMAR_CONFIG"]))
    raised = [a for a in expected if a["type"] in ("stop_at_sea", "drift")]
    assert sorted((a["type"], a["status"], a["mmsi"]) for a in raised) == [
        ("drift", "closed", 311000001),
        ("drift", "open", 311000001),
        ("stop_at_sea", "closed", 311000003),
        ("stop_at_sea", "closed", 311000005),
    ]
    worker = stack.worker()
    worker.wait_ready()
    stack.feed(path)
    streamed = stream_alerts(stack, keys(expected))
    assert keys(streamed) == keys(expected)
    by_id = {(a["alert_id"], a["status"]): a for a in streamed}
    for alert in raised:
        assert by_id[(alert["alert_id"], alert["status"])]["evidence"] == alert["evidence"]


def test_voyages_in_the_stream_are_the_replay_s(stack: Stack, tmp_path: Path) -> None:
    """Four cargo ships Ponce -> Santo Domingo, one per report partition: one stops at sea,
    one sails 80 nm south of its route and the lanes (a route deviation)."""
    fleet = [
        passage(mmsi, T0 + n * 1800, stop_at_sea=n == 1, via=(17.0, -68.0) if n == 3 else None)
        for n, mmsi in enumerate(VOYAGERS)
    ]
    path = tmp_path / "fleet.nmea"
    reports_as_nmea(path, by_time(*(p.records for p in fleet)))
    config = load_config(Path(stack.env["VIGILMAR_CONFIG"]))
    engine = Engine(config, load_catalogue())
    out = io.StringIO()
    voyages = VoyageSink(JsonLinesSink(out), Voyages.of(engine))
    ReplayRunner(engine, voyages).run(iter(Reader([path])))
    alerts = [json.loads(line) for line in out.getvalue().splitlines()]
    assert {a["type"] for a in alerts} == {"port_call", "stop_at_sea", "route_deviation"}
    expected = {v["voyage_id"]: v for v in voyages.voyages.records()}
    assert sorted(v["mmsi"] for v in expected.values()) == sorted(VOYAGERS)
    assert {v["to"]["id"] for v in expected.values()} <= {SANTO_DOMINGO, "gfw-dom-santo-domingo"}
    worker = stack.worker()
    worker.wait_ready()
    stack.feed(path)
    assert keys(stream_alerts(stack, keys(alerts))) == keys(alerts)
    deadline, streamed = time.monotonic() + 120, {}
    while time.monotonic() < deadline:
        streamed = stack.latest(stack.settings.topics.voyages, settle=6.0, timeout=60)
        if streamed == expected:
            break
    assert streamed == expected
