"""The worker's thin async wrappers (``streams.agents``) without a broker: fake topics, tables
and consumer write every send and every state write into one journal, so the at-least-once
ordering is checked as it happens — alerts before the state behind them, a batch's reports
before its progress words, movers before the watermark that follows them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from faust.types import TP
from prometheus_client import CollectorRegistry

from metrics.telemetry import Telemetry
from models.config import Config
from models.engine import Engine
from models.serialise import record_to_wire
from streams.agents import WorkerAgents
from streams.encounter_stages import CellAgentStage
from streams.kafka import partition_of
from streams.outbox import Outbox, WorkerTopics
from streams.settings import Settings
from streams.worker_state import WorkerStages
from tests.factories import HOUR, T0, of_type, run, voyage
from tests.nmea_tracks import reports_as_nmea
from tests.property.test_order_and_isolation import CONFIG, ZONES, scenario
from zones.index import ZoneIndex

PARTITIONS = 4
SETTINGS = Settings(partitions=PARTITIONS)
NAMES = SETTINGS.topics

Journal = list[tuple[str, Any, Any]]  # (topic or table, key, value)


class FakeTopic:
    """Takes every message at once, as a broker that is always there."""

    def __init__(self, name: str, journal: Journal) -> None:
        self.name, self.journal = name, journal

    def as_future_message(
        self, key: bytes, value: bytes, partition: int | None = None
    ) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.message = (key, value, partition)  # type: ignore[attr-defined]
        return future

    async def publish_message(self, future: asyncio.Future[Any]) -> None:
        key, value, partition = future.message  # type: ignore[attr-defined]
        self.journal.append((self.name, (key, partition), json.loads(value)))
        future.set_result(None)


class FakeTable(dict[bytes, Any]):
    def __init__(self, name: str, journal: Journal) -> None:
        super().__init__()
        self.name, self.journal = name, journal

    def __setitem__(self, key: bytes, value: Any) -> None:
        self.journal.append((self.name, key, value))
        super().__setitem__(key, value)


class FakeConsumer:
    def __init__(self) -> None:
        self.ends: dict[TP, int] = {}
        self.positions: dict[TP, int] = {}

    def assignment(self) -> set[TP]:
        topics = (NAMES.raw, NAMES.reports, NAMES.encounter_cells, NAMES.encounter_pairs)
        return {TP(topic, p) for topic in topics for p in range(PARTITIONS)}

    def highwater(self, tp: TP) -> int | None:
        return self.ends.get(tp)

    async def highwaters(self, *partitions: TP) -> dict[TP, int | None]:
        return {tp: self.ends.get(tp) for tp in partitions}

    async def position(self, tp: TP) -> int | None:
        return self.positions.get(tp)


class FakeProducer:
    async def flush(self) -> None:
        return None


class Worker:
    """A worker's wrappers over fakes; ``clock`` is its monotonic wall clock."""

    def __init__(self, config: Config = CONFIG) -> None:
        self.journal: Journal = []
        self.now = 1000.0
        self.consumer = FakeConsumer()
        topic = {
            field: FakeTopic(field, self.journal) for field in WorkerTopics.__dataclass_fields__
        }
        self.tables = {
            name: FakeTable(name, self.journal)
            for name in ("vessels", "vessel-risk", "encounter-cells", "encounter-pairs")
        }
        # Writes to these tables are at once where they go: nothing for ``all_written``.
        app = SimpleNamespace(consumer=self.consumer, producer=FakeProducer(), tables=self.tables)
        self.stages = WorkerStages.build(
            Engine(config, ZoneIndex(ZONES)),
            self.tables["vessels"],
            self.tables["vessel-risk"],
            PARTITIONS,
            SETTINGS.idle_tick_seconds,
            lambda: self.now,
        )
        self.agents = WorkerAgents(
            app,
            SETTINGS,
            self.stages,
            Outbox(WorkerTopics(**topic), PARTITIONS, Telemetry(CollectorRegistry())),
            (self.tables["encounter-cells"], self.tables["encounter-pairs"]),
            lambda key: sum(key) % PARTITIONS,
            Telemetry(CollectorRegistry()),
        )

    def run(self, agent: Any, batches: list[list[Any]]) -> None:
        asyncio.run(agent(Stream(batches)))

    def sent(self, name: str) -> list[tuple[Any, Any]]:
        return [(key, value) for topic, key, value in self.journal if topic == name]


class Stream:
    """What faust gives an agent: batches of events (``take_events``) or events one by one."""

    def __init__(self, batches: list[list[Any]]) -> None:
        self.batches = batches

    async def take_events(self, size: int, within: float) -> AsyncIterator[list[Any]]:
        for batch in self.batches:
            yield batch

    async def events(self) -> AsyncIterator[Any]:
        for batch in self.batches:
            for event in batch:
                yield event


def event(value: bytes, key: bytes | None, partition: int, offset: int = 0) -> Any:
    message = SimpleNamespace(partition=partition, offset=offset, timestamp=T0)
    return SimpleNamespace(key=key, value=value, message=message)


def report_events(records: list[Any]) -> list[Any]:
    return [
        event(json.dumps(record_to_wire(r)).encode(), str(r.mmsi).encode(), r.mmsi % PARTITIONS)
        for r in records
    ]


def test_the_track_agent_sends_alerts_movers_and_watermarks_before_it_writes_state() -> None:
    worker = Worker()
    records = scenario()
    for start in range(0, len(records), 500):
        before = len(worker.journal)
        worker.run(worker.agents.track, [report_events(records[start : start + 500])])
        kinds = [topic for topic, _, _ in worker.journal[before:]]
        assert "vessels" in kinds  # the batch's state is written ...
        written = kinds.index("vessels")
        assert set(kinds[written:]) == {"vessels"}  # ... after everything it sent
        assert not worker.stages.activity.busy()
    kinds = {topic for topic, _, _ in worker.journal}
    assert {"alerts", "vessel_alerts", "cells", "vessels"} <= kinds
    # The cells agent, reading what was sent in order, finds no mover behind its watermark.
    cells = CellAgentStage(CONFIG, PARTITIONS)
    for (key, partition), value in worker.sent("cells"):
        cells.take(sum(key) % PARTITIONS if partition is None else partition, key, value)
        cells.advance()
    stats = cells.stats()
    assert stats.movers > 0
    assert stats.late == 0


def test_the_decode_agent_sends_a_batchs_reports_before_its_progress_words() -> None:
    worker = Worker()
    line = b"\\s:rx1,c:1668046497*05\\!AIVDM,1,1,,B,15NBj>PP1gG>1PVKTDTUJOv00<0M,0*09"
    worker.consumer.ends = {TP(NAMES.raw, 0): 3, TP(NAMES.raw, 2): 9}
    batch = [
        event(line, b"rx1", 0, offset=1),
        event(b"\xff", b"rx1", 2, offset=5),
        event(line, b"rx1", 0, offset=2),
    ]
    worker.run(worker.agents.decode, [batch])
    order = [(topic, key[0]) for topic, key, _ in worker.journal]
    mmsi = order[2 * PARTITIONS][1]
    assert order == [
        # Who the decoder heard, per raw partition read, to every reports partition first.
        *[("reports", b"cov")] * (2 * PARTITIONS),
        ("reports", mmsi),  # the line at offset 2 is a copy of it: a duplicate, not sent
        ("deadletter", b"rx1"),
        *[("reports", b"raw")] * (2 * PARTITIONS),
    ]
    progress = [(key[1], value) for topic, key, value in worker.journal if key[0] == b"raw"]
    assert progress == [
        *((p, {"raw": 0, "caught_up": True, "t": 1668046497.0}) for p in range(PARTITIONS)),
        *((p, {"raw": 2, "caught_up": False, "t": None}) for p in range(PARTITIONS)),
    ]
    assert not worker.stages.activity.busy()


def test_the_idle_timer_moves_event_time_only_when_every_input_is_read() -> None:
    config = Config()
    worker = Worker(config)
    silent = voyage(367000001, T0, 16.0, -75.0, hours=2, interval_s=60, speed=10.0)
    worker.run(worker.agents.track, [report_events(silent)])
    consumer = worker.consumer
    inputs = [tp for tp in consumer.assignment() if tp.topic in (NAMES.raw, NAMES.reports)]
    consumer.ends = dict.fromkeys(inputs, 10)
    consumer.positions = dict.fromkeys(inputs, 10)
    consumer.positions[TP(NAMES.reports, 3)] = 9  # one message still to read
    worker.now += 7 * HOUR  # seven quiet hours of wall clock
    before = len(worker.journal)
    asyncio.run(worker.agents.idle())
    assert worker.journal[before:] == []
    consumer.positions[TP(NAMES.reports, 3)] = 10
    asyncio.run(worker.agents.idle())
    dark = [value for _, value in worker.sent("alerts") if value["type"] == "dark_period"]
    assert [alert["status"] for alert in dark] == ["open"]


def test_the_vessel_risk_agent_skips_what_is_not_an_alert_and_publishes_changes() -> None:
    worker = Worker()
    worker.run(worker.agents.track, [report_events(scenario())])
    alerts = worker.sent("vessel_alerts")
    events = [event(b"{", b"1001", 0), event(b"{}", b"1001", 0)]
    events += [event(json.dumps(value).encode(), key[0], 0) for key, value in alerts]
    before = len(worker.journal)
    worker.run(worker.agents.vessel_risk, [events])
    risk = [(topic, key) for topic, key, _ in worker.journal[before:]]
    assert risk
    assert {topic for topic, _ in risk} == {"vessel-risk", "vessels"}
    for (topic, key), (next_topic, next_key) in zip(risk[::2], risk[1::2], strict=True):
        assert (topic, next_topic) == ("vessel-risk", "vessels")  # state, then its summary
        assert next_key == (key, None)


def test_a_revocation_resets_readiness_and_what_the_worker_holds() -> None:
    worker = Worker()
    worker.run(worker.agents.track, [report_events(scenario()[:500])])
    telemetry = worker.agents.telemetry
    asyncio.run(worker.agents.vessels_recovered())
    assert telemetry.is_ready
    asyncio.run(worker.agents.revoked(None, signal=None))
    assert not telemetry.is_ready
    assert len(worker.stages.store) == 0
    assert worker.stages.track.monitor.watermark == float("-inf")


def test_an_alert_goes_out_once_and_once_to_each_vessel_it_concerns() -> None:
    worker = Worker()
    meeting = of_type(run(scenario(), CONFIG, ZONES), "encounter")[0]
    asyncio.run(worker.agents.out.alerts([meeting]))
    assert meeting.other_mmsi is not None
    assert [key for key, _ in worker.sent("alerts")] == [(str(meeting.mmsi).encode(), None)]
    assert [key[0] for key, _ in worker.sent("vessel_alerts")] == [
        str(meeting.mmsi).encode(),
        str(meeting.other_mmsi).encode(),
    ]
    assert {value["alert_id"] for _, _, value in worker.journal} == {meeting.alert_id}


def test_the_decode_agent_packs_a_batchs_reports_one_record_per_partition(
    tmp_path: Path,
) -> None:
    worker = Worker()
    path = tmp_path / "scenario.nmea"
    reports_as_nmea(path, scenario()[:300], source="rx1")
    lines = [
        event(line.encode(), b"rx1", 0, offset=n)
        for n, line in enumerate(path.read_text().splitlines())
    ]
    worker.run(worker.agents.decode, [lines])
    packs = [(key, value) for (key, value) in worker.sent("reports") if key[0] == b"pack"]
    partitions = [partition for (_, partition), _ in packs]
    assert partitions == sorted(set(partitions))  # one record per partition, in order
    sent = 0
    for (_, partition), value in packs:
        assert value["pack"] == 1
        for report in value["reports"]:
            assert partition_of(str(report["mmsi"]).encode(), PARTITIONS) == partition
        sent += len(value["reports"])
    assert sent == worker.stages.decode.decoder.stats.decoded_total  # every report, once
    # Read back, the packs give what the reports one by one give.
    unpacked = [
        event(json.dumps(value).encode(), b"pack", partition) for (_, partition), value in packs
    ]
    one_by_one = [
        event(json.dumps(report).encode(), str(report["mmsi"]).encode(), partition)
        for (_, partition), value in packs
        for report in value["reports"]
    ]
    first, second = Worker(), Worker()
    first.run(first.agents.track, [unpacked])
    second.run(second.agents.track, [one_by_one])
    assert first.sent("alerts") == second.sent("alerts")
    assert first.sent("cells") == second.sent("cells")


def test_a_pack_the_worker_cannot_read_is_dead_lettered() -> None:
    worker = Worker()
    bad = [
        event(json.dumps({"pack": 2, "reports": []}).encode(), b"pack", 0),
        event(json.dumps({"pack": 1, "reports": "all"}).encode(), b"pack", 1),
    ]
    worker.run(worker.agents.track, [bad])
    dead = [value for _, value in worker.sent("deadletter")]
    assert [d["failure"] for d in dead] == ["malformed", "malformed"]
    assert "this worker reads version 1" in dead[0]["detail"]


def test_a_cells_pack_the_worker_cannot_read_is_counted_malformed() -> None:
    cells = CellAgentStage(CONFIG, PARTITIONS)
    cells.take(0, b"pack", {"pack": 2, "items": []})
    cells.take(0, b"pack", {"pack": 1, "items": [["no message"]]})
    assert cells.malformed == 2
