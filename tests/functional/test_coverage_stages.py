"""Coverage in the stream, without a broker: three receivers' NMEA on three raw partitions,
decoded by the stream's decode stage in step, their coverage announcements and reports on four
reports partitions, read by two track workers in random interleavings and batches — and the
workers hold the replay's coverage, and give its alerts and coverage gaps exactly."""

from __future__ import annotations

import json
import random
from collections import Counter, deque
from dataclasses import replace
from typing import Any

import pytest
from pyais import encode_dict

from models.alerts import Alert
from models.config import CoverageConfig
from models.coverage import Coverage
from models.engine import Engine
from models.monitor import Monitor
from models.records import Failure, PositionReport
from models.serialise import record_to_wire
from streams.coverage_stages import CoverageAnnouncer, CoverageListener
from streams.stages import DecodeStage, RawRecord, TrackStage
from streams.state import VesselStore
from tests.nmea_tracks import tag_block
from tests.property.test_coverage import CONFIG, scenario

PARTITIONS = 4
WORKERS = ({0, 1}, {2, 3})  # the reports partitions each track worker owns
RAW = {"rx-a": 0, "rx-b": 1, "sat": 2}  # a receiver's lines are keyed by it: one raw partition
DECODERS = ({0, 1}, {2})  # the raw partitions each decode worker reads


def nmea(report: PositionReport) -> bytes:
    """A report as the receiver that heard it sent it: a tag-blocked AIS sentence."""
    assert report.timestamp is not None
    message = {
        "type": 1,
        "mmsi": report.mmsi,
        "lat": report.lat,
        "lon": report.lon,
        "speed": report.speed,
        "course": report.course,
        "heading": 511,
        "status": 0,
    }
    (sentence,) = encode_dict(message, talker_id="AI", radio_channel="A")
    return (tag_block(report.source, int(report.timestamp)) + sentence).encode()


def raw_records() -> list[RawRecord]:
    """Every line in arrival order, keyed (partitioned) by its receiver, with its offset."""
    offsets = Counter[int]()
    records = []
    for report in scenario():
        partition = RAW[report.source]
        records.append(RawRecord(report.source, nmea(report), None, offsets[partition], partition))
        offsets[partition] += 1
    return records


def decoded_in_one_process() -> tuple[list[Alert], Monitor]:
    """The replay: one decoder and one monitor over every line."""
    engine = Engine(CONFIG)
    outcomes = DecodeStage(engine).decode(raw_records())
    monitor = Monitor(engine)
    step = monitor.process([o for o in outcomes if not isinstance(o, Failure)])
    step.extend(monitor.finish())
    return step.alerts, monitor


def decode_workers(rng: random.Random) -> list[deque[tuple[int, Any]]]:
    """Two decode workers in step (each flushes its batch every few lines of the merged input):
    what they send to each reports partition, in order — coverage announcements to every
    partition first, then the batch's reports to their MMSI's partition."""
    engine = Engine(CONFIG)
    stages = [DecodeStage(engine) for _ in DECODERS]
    announcers = [CoverageAnnouncer(CONFIG) for _ in DECODERS]
    batches: list[list[RawRecord]] = [[] for _ in DECODERS]
    queues: list[deque[tuple[int, Any]]] = [deque() for _ in range(PARTITIONS)]

    def flush(d: int) -> None:
        outcomes = stages[d].decode(batches[d])
        for message in announcers[d].announce(batches[d], outcomes):
            for queue in queues:
                queue.append(json.loads(json.dumps(message)))
        for outcome in outcomes:
            assert isinstance(outcome, PositionReport)
            queues[outcome.mmsi % PARTITIONS].append(
                json.loads(json.dumps(record_to_wire(outcome)))
            )
        batches[d] = []

    every = rng.randint(1, 8)
    for n, record in enumerate(raw_records(), 1):
        batches[next(d for d, raw in enumerate(DECODERS) if record.partition in raw)].append(record)
        if n % every == 0:
            for d in rng.sample(range(len(DECODERS)), len(DECODERS)):
                flush(d)
            every = rng.randint(1, 8)
    for d in range(len(DECODERS)):
        flush(d)
    return queues


def track_workers(
    queues: list[deque[tuple[int, Any]]], rng: random.Random
) -> tuple[list[Alert], list[TrackStage]]:
    """Two track workers read their partitions in a random interleaving and random batches;
    once everything is read, event time moves to the latest decoded (the drained worker)."""
    engine = Engine(CONFIG)
    stages = [TrackStage(engine, VesselStore({}, engine)) for _ in WORKERS]
    alerts: list[Alert] = []
    latest = max(float(d["t"]) for q in queues for d in q if "mmsi" in d)
    while any(queues):
        p = rng.choice([i for i, q in enumerate(queues) if q])
        batch = [(p, queues[p].popleft()) for _ in range(min(rng.randint(1, 60), len(queues[p])))]
        step, failures = stages[0 if p in WORKERS[0] else 1].track(batch)
        assert failures == []
        alerts.extend(step.alerts)
    for stage in stages:
        alerts.extend(stage.advance_drained(latest).alerts)
    return alerts, stages


def canonical(alerts: list[Alert]) -> list[str]:
    return sorted(json.dumps(a.to_dict(), sort_keys=True) for a in alerts)


def held(coverage: Coverage | None, since: float) -> dict[str, Any]:
    assert coverage is not None
    return {
        "cells": {k: v for k, v in coverage.cells.items() if k >= since},
        "sources": {k: v for k, v in coverage.sources.items() if k >= since},
    }


@pytest.mark.parametrize("seed", range(5))
def test_the_track_workers_hold_the_replay_coverage_and_give_its_alerts(seed: int) -> None:
    rng = random.Random(seed)
    expected, replay = decoded_in_one_process()
    assert replay.coverage_gaps == {"rx-a": 8}  # the scenario has a receiver outage ...
    assert {a.mmsi for a in expected if a.type.value == "dark_period"} == {367000003, 413000001}
    alerts, workers = track_workers(decode_workers(rng), rng)
    assert canonical(alerts) == canonical(expected)
    assert sum((Counter(w.monitor.coverage_gaps) for w in workers), Counter()) == Counter(
        replay.coverage_gaps
    )
    assert replay.coverage is not None
    since = replay.coverage.known_from or float("-inf")
    for worker in workers:
        assert worker.monitor.watermark == replay.watermark
        assert held(worker.monitor.coverage, since) == held(replay.coverage, since)


def crash_and_take_over(crash_hours: float) -> tuple[list[Alert], TrackStage]:
    """One track worker reads every partition until ``crash_hours`` into the input and dies;
    its replacement restores the vessels from the table and reads on from there, having missed
    the announcements before. The alerts after the takeover, and the replacement."""
    engine = Engine(CONFIG)
    table: dict[bytes, Any] = {}
    queues = decode_workers(random.Random(0))
    crash_at = scenario()[0].timestamp + crash_hours * 3600

    def before_the_crash(p: int) -> bool:
        head = queues[p][0] if queues[p] else None
        return head is not None and not ("mmsi" in head and head["t"] >= crash_at)

    store = VesselStore(table, engine)
    first = TrackStage(engine, store)
    while any(before_the_crash(p) for p in range(PARTITIONS)):
        for p in filter(before_the_crash, range(PARTITIONS)):
            first.track([(p, queues[p].popleft())])
    store.flush()
    store = VesselStore(table, engine)
    second = TrackStage(engine, store)
    for vessel in store.stored():
        second.monitor.adopt(vessel)
    alerts = read_round_robin(second, queues)
    alerts.extend(second.advance_drained(second.monitor.latest).alerts)
    return alerts, second


def test_a_worker_that_missed_announcements_judges_the_window_without_coverage() -> None:
    """Taken over 5 h in, after the outage began: for silences reaching back before what it
    heard the new worker cannot tell a gap from a dark period, and reports dark periods (marked
    ``unknown``) rather than count gaps on partial coverage."""
    alerts, worker = crash_and_take_over(5.0)
    outage = set(range(366000001, 366000009))
    opened = {
        a.mmsi: a for a in alerts if a.type.value == "dark_period" and a.status.value == "open"
    }
    assert set(opened) == outage | {367000003, 413000001}
    assert {a.evidence["coverage"] for a in opened.values()} == {"unknown"}
    assert worker.monitor.coverage_gaps == {}


def test_a_worker_taking_over_before_the_silences_judges_them_as_the_replay() -> None:
    expected, replay = decoded_in_one_process()
    alerts, worker = crash_and_take_over(0.5)
    dark = [a for a in expected if a.type.value == "dark_period"]
    assert canonical([a for a in alerts if a.type.value == "dark_period"]) == canonical(dark)
    assert worker.monitor.coverage_gaps == replay.coverage_gaps


def test_announcements_say_each_vessel_once_per_bucket_and_place() -> None:
    announcer = CoverageAnnouncer(CONFIG)
    reports = [r for r in scenario() if r.source == "rx-b"][:200]
    first = announcer.announce_for(1, (0, 99), reports[:100])
    second = announcer.announce_for(1, (100, 199), reports[100:])
    said = [
        (b, row, col, m)
        for message in (first, second)
        for b, row, col, ms in message["cells"]
        for m in ms
    ]
    assert len(said) == len(set(said))
    coverage = Coverage(CONFIG.coverage)
    coverage.hear(reports)
    assert {
        (b, row, col, m)
        for b, cells in coverage.cells.items()
        for (row, col), ms in cells.items()
        for m in ms
    } == set(said)
    assert first["o"] == [0, 99]
    assert first["t"] == reports[0].timestamp


def test_a_malformed_announcement_is_a_failure_and_changes_nothing() -> None:
    listener = CoverageListener(Coverage(CONFIG.coverage, heard_from_start=False))
    failure = listener.take(0, {"cov": 0, "o": [0, "x"], "cells": []})
    assert failure is not None
    assert failure.reason.value == "malformed"
    assert listener.coverage is not None
    assert listener.coverage.known_from is None
    engine = Engine(CONFIG)
    stage = TrackStage(engine, VesselStore({}, engine))
    _, failures = stage.track([(0, {"cov": "zero"})])
    assert [f.reason.value for f in failures] == ["malformed"]


def read_round_robin(stage: TrackStage, queues: list[deque[tuple[int, Any]]]) -> list[Alert]:
    alerts: list[Alert] = []
    while any(queues):
        for p in [i for i, q in enumerate(queues) if q]:
            step, failures = stage.track([(p, queues[p].popleft())])
            assert failures == []
            alerts.extend(step.alerts)
    return alerts


def test_a_live_feed_that_stops_leaves_no_dark_period_when_the_clock_moves_on() -> None:
    """Everything is read and the input stays idle for 8 h of wall clock: a worker lets event
    time move on with the clock. Its vessels fell silent because the feed did, not dark."""
    engine = Engine(CONFIG)
    stage = TrackStage(engine, VesselStore({}, engine))
    read_round_robin(stage, decode_workers(random.Random(0)))
    gaps = sum(stage.monitor.coverage_gaps.values())
    idle = stage.advance_idle(8 * 3600.0).alerts
    assert [a for a in idle if a.type.value == "dark_period"] == []
    assert sum(stage.monitor.coverage_gaps.values()) > gaps  # every vessel still tracked

    blind = Engine(replace(CONFIG, coverage=CoverageConfig(enabled=False)))
    stage = TrackStage(blind, VesselStore({}, blind))
    read_round_robin(stage, decode_workers(random.Random(0)))
    assert [a for a in stage.advance_idle(8 * 3600.0).alerts if a.type.value == "dark_period"]


def test_a_worker_knows_coverage_from_the_earliest_run_of_the_partitions_it_reads() -> None:
    """The same announcements reach every reports partition; a worker reads its partitions from
    different places of that sequence (where the last owner committed each)."""
    announcer = CoverageAnnouncer(CONFIG)
    reports = [r for r in scenario() if r.source == "rx-b"]
    said = [
        json.loads(json.dumps(announcer.announce_for(1, (n, n + 9), reports[n : n + 10])))
        for n in range(0, 200, 10)
    ]
    coverage = Coverage(CONFIG.coverage, heard_from_start=False)
    listener = CoverageListener(coverage)
    for message in said[2:8]:  # partition 3 from the third announcement on
        listener.take(3, message)
    assert coverage.complete_from == coverage.bucket_of(said[2]["t"]) + 1
    for message in said[:3]:  # partition 2 from the start: everything will be heard
        listener.take(2, message)
    assert coverage.complete_from == float("-inf")
    listener.restart()  # a rebalance: partition 1 now, read on from where 3 had got
    for message in said[8:10]:
        listener.take(1, message)
    assert coverage.complete_from == float("-inf")
    listener.restart()  # ... then partition 0, from further on: a hole
    untimed = {**said[15], "t": None, "cells": [], "src": []}
    listener.take(0, untimed)
    assert coverage.known_from == float("inf")  # not known where the hole ends, yet
    listener.take(0, said[16])
    assert coverage.complete_from == coverage.bucket_of(said[16]["t"]) + 1
