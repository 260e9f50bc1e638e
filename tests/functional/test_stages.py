"""The streaming stages without a broker: what the faust agents call, with a dict as the table."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from models.alerts import Alert
from models.config import Config
from models.engine import Engine
from models.serialise import record_to_wire
from streams.app import create_app
from streams.coverage_stages import CoverageAnnouncer
from streams.settings import Settings, SettingsError, settings_from_env
from streams.stages import DecodeStage, RawProgress, RawRecord, TrackStage
from streams.state import VesselStore
from tests.factories import by_time, run
from tests.property.test_order_and_isolation import CONFIG, ZONES, key, scenario
from zones.index import ZoneIndex


def engine(config: Config = CONFIG) -> Engine:
    return Engine(config, ZoneIndex(ZONES))


def partition_of(mmsi: int, partitions: int = 4) -> int:
    return mmsi % partitions


class Raw:
    """One raw partition's decoder: the offsets it has read, and what it has announced."""

    def __init__(self) -> None:
        self.announcer = CoverageAnnouncer(CONFIG)
        self.read = 0


def wire(records: list[Any], raw: Raw | None = None) -> list[tuple[int, Any]]:
    """Reports as the track agent receives them, as their decoder (``raw``, a fresh one by
    default) sends them: its coverage announcement on every partition, then JSON values from
    their MMSI's partition."""
    raw = raw or Raw()
    first, raw.read = raw.read, raw.read + len(records)
    said = raw.announcer.announce_for(0, (first, raw.read - 1), records)
    announced = [(partition, json.loads(json.dumps(said))) for partition in range(4)]
    return announced + [
        (partition_of(r.mmsi), json.loads(json.dumps(record_to_wire(r)))) for r in records
    ]


def track_in_batches(stage: TrackStage, store: VesselStore, items: list, batch: int) -> list:
    alerts = []
    for start in range(0, len(items), batch):
        produced, failures = stage.track(items[start : start + batch])
        assert failures == []
        alerts.extend(produced.alerts)
        store.flush()
    return alerts


def test_decode_stage_turns_raw_records_into_reports_and_failures() -> None:
    stage = DecodeStage(engine())
    tagged = b"\\s:rx1,c:1668046497*05\\!AIVDM,1,1,,B,15NBj>PP1gG>1PVKTDTUJOv00<0M,0*09"
    plain = b"!AIVDM,1,1,,B,15NBj>PP1gG>1PVKTDTUJOv00<0M,0*09"
    outcomes = stage.decode(
        [
            RawRecord("rx1", tagged, 1_700_000_000.0, 1),
            RawRecord("rx1", plain, 1_700_000_123.0, 2),
            RawRecord("rx1", b"!AIVDM,1,1,,B,15\xff\xfe,0*09", 1_700_000_124.0, 3),
        ]
    )
    report, untagged, failure = outcomes
    assert getattr(report, "timestamp", None) == 1668046497.0  # the tag block wins
    assert getattr(untagged, "timestamp", None) == 1_700_000_123.0  # else the record's time
    assert getattr(failure, "reason", None) == "not_utf8"
    assert getattr(failure, "line_no", None) == 3
    assert stage.decoder.stats.messages == 3


def per_vessel(alerts: list[Alert]) -> list[Alert]:
    """The replay's alerts but encounters: the track stage passes movers on to the encounter
    stages (tests/functional/test_encounter_stages.py) and makes every other alert itself."""
    return [alert for alert in alerts if alert.type.value != "encounter"]


@pytest.mark.parametrize("batch", [1, 37, 500])
def test_track_stage_over_partitions_gives_the_replay_alerts(batch: int) -> None:
    records = scenario()
    table: dict[bytes, Any] = {}
    store = VesselStore(table, engine())
    stage = TrackStage(store._engine, store)
    alerts = track_in_batches(stage, store, wire(records), batch)
    alerts.extend(stage.monitor.finish().alerts)
    assert key(alerts) == key(per_vessel(run(records, CONFIG, ZONES)))
    assert set(table) == {str(r.mmsi).encode() for r in records}


def test_state_is_written_once_per_vessel_per_batch() -> None:
    records = scenario()[:1000]
    store = VesselStore({}, engine())
    stage = TrackStage(store._engine, store)
    stage.track(wire(records))
    assert store.flush() == len({r.mmsi for r in records})
    assert store.flush() == 0


def half_tracked(
    records: list[Any],
) -> tuple[list[tuple[int, Any]], dict[bytes, Any], TrackStage, VesselStore, list[Alert]]:
    """``records`` on the wire, and a track stage that has taken the first half of them:
    (what is left, its table, the stage, its store, the alerts so far)."""
    items = wire(records)
    table: dict[bytes, Any] = {}
    store = VesselStore(table, engine())
    stage = TrackStage(store._engine, store)
    half = len(items) // 2
    alerts = track_in_batches(stage, store, items[:half], 100)
    return items[half:], table, stage, store, alerts


def test_a_rebalance_mid_stream_changes_no_alert() -> None:
    """Partitions revoked (state flushed, cache dropped) and recovered from the table."""
    records = scenario()
    rest, _, stage, store, alerts = half_tracked(records)
    for mmsi in store.evict():
        stage.monitor.forget(mmsi)
    stage.forget_partitions()
    for vessel in store.stored():
        stage.monitor.adopt(vessel)
    alerts.extend(track_in_batches(stage, store, rest, 100))
    alerts.extend(stage.monitor.finish().alerts)
    assert key(alerts) == key(per_vessel(run(records, CONFIG, ZONES)))


def test_a_partition_read_far_ahead_after_a_takeover_loses_nothing() -> None:
    """A worker takes the partitions over with a backlog, and its first batches all come from
    one partition, days of event time ahead of the others': the vessels of the others must not
    be moved past the reports they still have to read (as the killed-worker stream test saw)."""
    records = scenario()
    rest, table, _, _, alerts = half_tracked(records)
    # The worker dies; another recovers the table and reads the backlog, one partition first.
    store = VesselStore(table, engine())
    stage = TrackStage(store._engine, store)
    adopted = stage.adopt(store.stored(), partition_of)
    assert adopted == len(table)
    first = partition_of(1003)
    ahead = [item for item in rest if item[0] == first]
    alerts.extend(track_in_batches(stage, store, ahead, 500))
    alerts.extend(track_in_batches(stage, store, [i for i in rest if i[0] != first], 500))
    alerts.extend(stage.monitor.finish().alerts)
    # The coverage heard before the takeover is not carried over: a silence that began before
    # it is judged without coverage, and says so; every other alert is replay's.
    expected = key(per_vessel(run(records, CONFIG, ZONES)))
    unknown = [a for a in alerts if a.evidence.get("coverage") == "unknown"]
    extra = set(key(unknown)) - set(expected)
    assert {k[1] for k in extra} <= {"dark_period"}
    assert [k for k in key(alerts) if k not in extra] == expected


def test_a_partition_behind_the_others_loses_nothing() -> None:
    """One partition's reports arrive an hour of event time behind the rest."""
    records = scenario()
    behind = [r for r in records if partition_of(r.mmsi) == partition_of(1003)]
    ahead = [r for r in records if partition_of(r.mmsi) != partition_of(1003)]
    shifted = by_time(ahead, [])  # ahead goes first by an hour of event time
    items: list[tuple[int, Any]] = []
    lag = 3600.0
    pending = list(behind)
    raw = Raw()
    for record in shifted:
        while pending and pending[0].timestamp + lag <= record.timestamp:
            items.extend(wire([pending.pop(0)], raw))
        items.extend(wire([record], raw))
    items.extend(wire(pending, raw))
    store = VesselStore({}, engine())
    stage = TrackStage(store._engine, store)
    alerts = track_in_batches(stage, store, items, 50)
    alerts.extend(stage.monitor.finish().alerts)
    assert key(alerts) == key(per_vessel(run(records, CONFIG, ZONES)))


def test_malformed_report_values_come_back_as_failures() -> None:
    store = VesselStore({}, engine())
    stage = TrackStage(store._engine, store)
    step, failures = stage.track([(0, None), (1, {"type": 1})])
    assert step.alerts == []
    assert [f.reason.value for f in failures] == ["malformed", "malformed"]


def test_settings_come_from_the_environment() -> None:
    assert settings_from_env({}) == Settings()
    settings = settings_from_env(
        {
            "VIGILMAR_BROKER": "kafka://k1:9092,k2:9092",
            "VIGILMAR_ZONES": "a.geojson, b.geojson",
            "VIGILMAR_DEFAULT_ZONES": "0",
            "VIGILMAR_TOPIC_ALERTS": "ops.alerts",
            "VIGILMAR_PARTITIONS": "8",
        }
    )
    assert settings.bootstrap == "k1:9092,k2:9092"
    assert settings.broker_url == "kafka://k1:9092;kafka://k2:9092"
    assert [p.name for p in settings.zones] == ["a.geojson", "b.geojson"]
    assert settings.default_zones is False
    assert settings.topics.alerts == "ops.alerts"
    assert settings.topics.raw == "ais.raw"
    assert settings.partitions == 8
    with pytest.raises(SettingsError, match="VIGILMAR_PARTITIONS"):
        settings_from_env({"VIGILMAR_PARTITIONS": "many"})
    with pytest.raises(SettingsError, match="SASL_SSL"):
        settings_from_env({"VIGILMAR_SECURITY_PROTOCOL": "TLS"})
    assert settings.fetch_wait_ms == 100
    assert settings_from_env({"VIGILMAR_FETCH_WAIT_MS": "250"}).fetch_wait_ms == 250
    with pytest.raises(SettingsError, match="VIGILMAR_FETCH_WAIT_MS=0"):
        settings_from_env({"VIGILMAR_FETCH_WAIT_MS": "0"})


def test_the_workers_consumer_holds_an_empty_fetch_as_long_as_it_is_told(tmp_path: Path) -> None:
    async def consumer_wait() -> int:  # no broker: the consumer is made, not started
        settings = Settings(fetch_wait_ms=250, data_dir=tmp_path)
        app = create_app(settings, Config(), ZoneIndex([]))
        thread = app.consumer._thread  # type: ignore[attr-defined]
        consumer = thread._create_worker_consumer(app.transport)
        try:
            return int(consumer._fetch_max_wait_ms)
        finally:
            await consumer.stop()

    assert asyncio.run(consumer_wait()) == 250


def test_a_worker_knows_when_every_decoder_has_read_its_raw_partition_to_the_end() -> None:
    store = VesselStore({}, engine())
    stage = TrackStage(store._engine, store)
    mine = [1, 3]  # this worker's reports partitions; four raw partitions upstream

    def word(raw: int, caught_up: bool, latest: float | None) -> dict[str, Any]:
        return RawProgress(raw, caught_up, latest).to_wire()

    stage.track([(q, word(p, True, 100.0 + p)) for p in range(4) for q in mine if p != 2])
    assert stage.drained(mine, 4) is None  # raw partition 2 has not said anything
    stage.track([(1, word(2, True, None)), (3, word(2, False, 500.0))])
    assert stage.drained(mine, 4) is None  # ... and its decoder is behind on partition 3
    _, failures = stage.track([(3, word(2, True, 500.0)), (1, {"raw": "x"})])
    assert stage.drained(mine, 4) == 500.0  # the latest decoded anywhere
    assert [f.reason for f in failures] == ["malformed"]
    assert stage.monitor.stats.positions == 0  # progress words are not reports
    stage.forget_partitions()
    assert stage.drained(mine, 4) is None
