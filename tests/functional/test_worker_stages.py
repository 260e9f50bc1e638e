"""What a worker decides between batches, without a broker: the idle tick, the raw-progress
words, the watermark announcements, rebalances and per-vessel risk — the faust-free stages of
``streams.worker_state``, ``streams.stages``, ``streams.encounter_stages`` and
``streams.vessel_risk`` that the thin wrappers of ``streams.agents`` call."""

from __future__ import annotations

import copy
import json
import zlib
from typing import Any

import pytest

from models.alerts import Alert
from models.config import Config, EncounterConfig
from models.engine import Engine
from models.records import PositionReport
from models.serialise import record_to_wire
from models.vessel_risk import VesselRisk
from streams.encounter_stages import (
    route,
    store_changes,
    watermark_broadcast,
    watermark_message,
)
from streams.stages import (
    DecodeStage,
    RawProgress,
    RawRecord,
    TrackStage,
    has_reports,
    split_outcomes,
)
from streams.state import VesselStore
from streams.vessel_risk import NotAnAlert, VesselRiskStage
from streams.worker_state import (
    RESEND_TICKS,
    Activity,
    DecoderProgress,
    WorkerStages,
    consumer_lag,
    read_to_end,
)
from tests.factories import HOUR, T0, of_type, run, voyage
from tests.property.test_order_and_isolation import CONFIG, ZONES, scenario
from zones.index import ZoneIndex

PARTITIONS = 4
TICK = 5.0


class Clock:
    """A monotonic wall clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def engine(config: Config = CONFIG) -> Engine:
    return Engine(config, ZoneIndex(ZONES))


def track_stage(config: Config = CONFIG) -> TrackStage:
    eng = engine(config)
    return TrackStage(eng, VesselStore({}, eng))


def wire(records: list[Any], partition: int | None = None) -> list[tuple[int, Any]]:
    """Reports as the track agent receives them: JSON values, from their MMSI's partition."""
    return [
        (r.mmsi % PARTITIONS if partition is None else partition, _roundtrip(record_to_wire(r)))
        for r in records
    ]


def words(progress: list[tuple[int, RawProgress]]) -> list[tuple[int, Any]]:
    """Progress words as the track agent receives them."""
    return [(partition, _roundtrip(word.to_wire())) for partition, word in progress]


def _roundtrip(document: dict[str, Any]) -> Any:
    return json.loads(json.dumps(document))


# -- the idle tick ----------------------------------------------------------------------------


def test_the_idle_tick_waits_for_a_quiet_tick_with_no_batch_in_hand() -> None:
    clock = Clock()
    activity = Activity(("decode", "track"), TICK, clock)
    clock.now += TICK - 0.1
    assert activity.idle() is None  # not quiet for a whole tick yet
    clock.now += 0.1
    assert activity.idle() == TICK
    activity.begin("track")
    assert activity.busy()
    assert activity.busy("track")
    assert not activity.busy("decode")
    assert activity.idle() is None  # a batch in hand
    clock.now += 2.0
    activity.end("track", had_input=False)  # progress words alone are not input
    assert activity.idle() == TICK + 2.0
    activity.begin("decode")
    clock.now += 1.0
    activity.end("decode")
    assert activity.idle() is None  # the decoder just had input
    clock.now += TICK
    assert activity.idle() == TICK


def test_every_input_read_to_its_end() -> None:
    assert read_to_end(10, 10)
    assert read_to_end(11, 10)
    assert not read_to_end(9, 10)
    assert not read_to_end(None, 10)  # no position yet
    assert not read_to_end(10, None)  # no end known
    assert consumer_lag(7, 10) == 3
    assert consumer_lag(12, 10) == 0
    assert consumer_lag(None, 10) is None
    assert consumer_lag(3, -1) is None  # the consumer knows no highwater yet


def falls_silent() -> tuple[TrackStage, list[PositionReport]]:
    """A vessel reporting every minute for 2 h on reports partition 1, then silent."""
    stage = track_stage(Config())
    reports = voyage(367000001, T0, 16.0, -75.0, hours=2, interval_s=60, speed=10.0)
    step, failures = stage.track(wire(reports, partition=1))
    assert failures == []
    assert of_type(step.alerts, "dark_period") == []
    return stage, reports


def test_a_drained_input_moves_event_time_to_the_latest_decoded_anywhere() -> None:
    stage, _ = falls_silent()
    latest = T0 + 8 * HOUR  # the latest report decoded, from another vessel, on any partition
    progress = [(1, RawProgress(raw, True, latest)) for raw in range(PARTITIONS)]
    stage.track(words(progress))
    step = stage.tick(0.0, [1], PARTITIONS)  # no wall-clock time needed at all
    assert stage.monitor.watermark == latest
    assert [a.status.value for a in of_type(step.alerts, "dark_period")] == ["open"]


def test_an_input_not_drained_everywhere_moves_on_with_the_clock_only() -> None:
    stage, reports = falls_silent()
    latest = T0 + 8 * HOUR
    behind = [(1, RawProgress(raw, raw != 3, latest)) for raw in range(PARTITIONS)]
    stage.track(words(behind))  # raw partition 3's decoder is still reading
    assert of_type(stage.tick(0.0, [1], PARTITIONS).alerts, "dark_period") == []
    step = stage.tick(7 * HOUR, [1], PARTITIONS)  # seven quiet hours of wall clock
    lateness = Config().tracking.lateness_seconds
    assert stage.monitor.watermark == reports[-1].timestamp + 7 * HOUR - lateness
    assert [a.status.value for a in of_type(step.alerts, "dark_period")] == ["open"]


# -- raw progress -----------------------------------------------------------------------------


def decoded(progress: DecoderProgress, latest: dict[int, float], batch: dict[int, int]) -> None:
    """A batch with lines up to ``batch[p]`` of raw partition p, decoded up to event time."""
    progress.decoded(RawRecord("rx", b"", None, offset, p) for p, offset in batch.items())
    for p in batch:
        latest[p] = latest.get(p, T0) + 60.0


def test_after_a_batch_every_reports_partition_hears_how_far_each_raw_partition_is_read() -> None:
    latest: dict[int, float] = {}
    progress = DecoderProgress(latest, PARTITIONS, TICK, Clock())
    records = [RawRecord("rx", b"", None, offset, p) for p, offset in [(2, 4), (0, 8), (2, 3)]]
    assert progress.decoded(records) == [0, 2]
    latest.update({0: T0, 2: T0 + 5})
    said = progress.after_batch({0: 10, 2: 5})  # partition 2 read to the end (offset 4), 0 not
    assert said == [(p, RawProgress(0, False, T0)) for p in range(PARTITIONS)] + [
        (p, RawProgress(2, True, T0 + 5)) for p in range(PARTITIONS)
    ]
    unknown = progress.after_batch({0: None, 2: -1})  # no highwater known: not read to the end
    assert {word.caught_up for _, word in unknown} == {False}


def test_the_periodic_words_say_what_changed_and_everything_again_now_and_then() -> None:
    clock = Clock()
    latest: dict[int, float] = {}
    progress = DecoderProgress(latest, PARTITIONS, TICK, clock)
    decoded(progress, latest, {0: 9, 1: 4})
    ends = {0: 10, 1: 10}
    first = progress.periodic(ends, decoding=False)
    assert [(p, w.partition, w.caught_up) for p, w in first] == [
        *((p, 0, True) for p in range(PARTITIONS)),
        *((p, 1, False) for p in range(PARTITIONS)),
    ]
    clock.now += TICK
    assert progress.periodic(ends, decoding=False) == []  # nothing changed
    decoded(progress, latest, {1: 9})
    clock.now += TICK
    assert progress.periodic(ends, decoding=True) == []  # its own words follow its reports
    changed = progress.periodic(ends, decoding=False)
    assert changed == [(p, RawProgress(1, True, latest[1])) for p in range(PARTITIONS)]
    clock.now = 1000.0 + RESEND_TICKS * TICK - 0.1
    assert progress.periodic(ends, decoding=False) == []
    clock.now += 0.1
    again = progress.periodic(ends, decoding=False)  # for a worker that took a partition over
    assert sorted({w.partition for _, w in again}) == [0, 1]
    assert len(again) == 2 * PARTITIONS


def test_the_track_stage_understands_the_decoders_words() -> None:
    """Both ends of the protocol: what ``DecoderProgress`` says is what ``TrackStage`` waits
    for, from every raw partition."""
    stage = track_stage()
    latest: dict[int, float] = {}
    progress = DecoderProgress(latest, PARTITIONS, TICK, Clock())
    decoded(progress, latest, {0: 9, 1: 9, 2: 9, 3: 8})
    ends = {p: 10 for p in range(PARTITIONS)}
    stage.track(words(progress.after_batch(ends)))
    assert stage.drained([0, 1, 2, 3], PARTITIONS) is None  # raw partition 3 not read yet
    decoded(progress, latest, {3: 9})
    stage.track(words(progress.after_batch({3: 10})))
    assert stage.drained([0, 1, 2, 3], PARTITIONS) == max(latest.values())


# -- watermark announcements ------------------------------------------------------------------


def test_the_watermark_is_announced_once_each_time_it_moves() -> None:
    stage = track_stage()
    assert stage.announcement([0, 2]) == {}  # no event time yet
    records = scenario()
    stage.track(wire(records[:500]))
    watermark = stage.monitor.watermark
    assert stage.announcement([0, 2]) == {0: watermark, 2: watermark}
    assert stage.announcement([0, 2]) == {}  # not moved since
    stage.track(wire(records[500:1000]))
    assert stage.monitor.watermark > watermark
    assert stage.announcement([1]) == {1: stage.monitor.watermark}


def test_after_a_rebalance_the_watermark_is_announced_afresh() -> None:
    """The partitions taken over may be behind: a lower watermark than the last announced
    must still reach the cells partitions."""
    stage = track_stage()
    records = scenario()
    stage.track(wire(records[:1000]))
    assert stage.announcement([0])
    high = stage.monitor.watermark
    stage.revoke([])
    stage.track(wire(records[:300]))  # a partition taken over, earlier in event time
    low = stage.monitor.watermark
    assert low < high
    assert stage.announcement([0]) == {0: low}


def test_without_encounters_no_mover_or_watermark_goes_to_the_cells() -> None:
    on, off = track_stage(), track_stage(Config(encounter=EncounterConfig(enabled=False)))
    movers = []
    for stage in (on, off):
        step, _ = stage.track(wire(scenario()))
        movers.append(step.movers)
    assert movers[0]  # the meeting pair's slow positions
    assert on.route(movers[0]) == route(movers[0], CONFIG)
    assert on.announcement([0])
    assert off.route(movers[0]) == []
    assert off.monitor.watermark > float("-inf")
    assert off.announcement([0]) == {}


def test_a_watermark_reaches_every_partition_from_each_source() -> None:
    sent = watermark_broadcast({1: 10.0, 3: 12.5}, 2)
    assert sent == [
        (0, watermark_message(1, 10.0)),
        (1, watermark_message(1, 10.0)),
        (0, watermark_message(3, 12.5)),
        (1, watermark_message(3, 12.5)),
    ]
    assert watermark_broadcast({}, 4) == []


# -- rebalances -------------------------------------------------------------------------------


def stages(clock: Clock | None = None) -> tuple[WorkerStages, dict[bytes, Any]]:
    vessels: dict[bytes, Any] = {}
    built = WorkerStages.build(engine(), vessels, {}, PARTITIONS, TICK, clock or Clock())
    return built, vessels


def test_a_revocation_writes_and_forgets_every_vessel_and_clock() -> None:
    worker, table = stages()
    records = scenario()[:2000]
    mmsis = {r.mmsi for r in records}
    worker.track.track(wire(records))  # state not yet flushed: the revocation writes it
    worker.track.track(words([(p, RawProgress(r, True, T0)) for p in range(4) for r in range(4)]))
    assert worker.track.drained(range(PARTITIONS), PARTITIONS) == T0
    assert worker.track.announcement([0])
    worker.revoked()
    assert set(table) == {str(m).encode() for m in mmsis}
    assert len(worker.store) == 0
    assert worker.track.monitor.tracked() == 0
    assert worker.track.drained(range(PARTITIONS), PARTITIONS) is None
    assert worker.track.monitor.watermark == float("-inf")
    # Their timers are gone too: a far later event time wakes none of them here.
    assert worker.track.monitor.advance(T0 + 100 * HOUR).alerts == []
    # The partitions came back: from the table (test_stages.py: each partition's clock too).
    assert worker.recovered(lambda key: int(key) % PARTITIONS) == len(mmsis)
    assert worker.track.monitor.tracked() == len(mmsis)
    assert worker.track.monitor.latest == max(r.timestamp for r in records)


def test_an_assignment_keeps_only_this_workers_encounter_partitions() -> None:
    worker, _ = stages()
    for partition in range(PARTITIONS):
        worker.cells.take(partition, b"wm", watermark_message(0, T0))
        worker.pairs.take(partition, watermark_message(0, T0))
    worker.assigned([0, 1], [2])
    assert set(worker.cells.clocks) == {0, 1}
    assert set(worker.pairs.clocks) == {2}


def test_the_encounter_tables_are_recovered_for_this_workers_partitions_only() -> None:
    def partition_of(key: bytes) -> int:
        return zlib.crc32(key) % PARTITIONS

    before, _ = stages()
    step, _ = before.track.track(wire(scenario()))
    for key, wire_mover in before.track.route(step.movers):
        before.cells.take(partition_of(key), key, _roundtrip(wire_mover))
    table: dict[bytes, Any] = {}
    store_changes(table, before.cells.flush())
    assert len({partition_of(key) for key in table}) > 1  # cells on several partitions
    after, _ = stages()
    mine = {0, 1}
    restored = after.cells.recover(table, mine, partition_of)
    assert restored == sum(1 for key in table if partition_of(key) in mine)
    assert set(after.cells.stages) <= mine
    assert sum(len(stage.cells) for stage in after.cells.stages.values()) == restored


def test_a_state_of_none_removes_the_key() -> None:
    table: dict[bytes, Any] = {b"a": 1, b"b": 2}
    store_changes(table, [(b"a", None), (b"c", 3), (b"b", 4)])
    assert table == {b"b": 4, b"c": 3}


# -- batches ----------------------------------------------------------------------------------


def test_a_decoded_batch_splits_into_reports_and_failures_in_order() -> None:
    stage = DecodeStage(engine())
    good = b"!AIVDM,1,1,,B,15NBj>PP1gG>1PVKTDTUJOv00<0M,0*09"
    records = [
        RawRecord("rx", good, T0, 1),
        RawRecord("rx", b"\xff", T0, 2),
        RawRecord("rx", good, T0 + 60, 3),  # the same bits a minute on: not a duplicate
        RawRecord("rx", b"!AIVDM,1,1,,B,15NBj,0*00", T0, 4),
    ]
    reports, failures = split_outcomes(stage.decode(records))
    assert [r.timestamp for r in reports] == [T0, T0 + 60]
    assert [(f.reason.value, f.line_no) for f in failures] == [("not_utf8", 2), ("bad_checksum", 4)]


def test_progress_words_are_not_input() -> None:
    report = wire(voyage(367000001, T0, 16.0, -75.0, hours=0.05, interval_s=60))
    word = words([(0, RawProgress(0, True, T0 + HOUR))])
    assert has_reports(report + word)
    assert not has_reports(word)
    assert not has_reports([])


# -- vessel risk ------------------------------------------------------------------------------


def as_messages(alerts: list[Alert]) -> list[tuple[bytes, Any]]:
    """The vessel-alerts topic: every alert once for each vessel it concerns, keyed by it."""
    return [
        (str(mmsi).encode(), _roundtrip(alert.to_dict()))
        for alert in alerts
        for mmsi in (alert.mmsi, alert.other_mmsi)
        if mmsi is not None
    ]


def replay_summaries(alerts: list[Alert], config: Config = CONFIG) -> dict[int, Any]:
    """What ``replay --vessels`` writes: ``VesselRisk`` over the replay's alerts."""
    risk = VesselRisk(config.vessel_risk)
    for alert in alerts:
        risk.update(alert)
    return {summary["mmsi"]: summary for summary in risk.summaries()}


@pytest.fixture(scope="module")
def replay_alerts() -> list[Alert]:
    alerts = run(scenario(), CONFIG, ZONES)
    assert of_type(alerts, "encounter")  # one vessel's alert counts for another
    return alerts


def test_the_vessel_risk_stage_publishes_the_replay_summaries(replay_alerts: list[Alert]) -> None:
    table: dict[bytes, Any] = {}
    stage = VesselRiskStage(CONFIG.vessel_risk, table)
    latest: dict[int, Any] = {}
    for key, document in as_messages(replay_alerts):
        summary = stage.update(key, document)
        if summary is not None:
            latest[int(key)] = summary
    expected = replay_summaries(replay_alerts)
    assert len(expected) > 2
    assert latest == expected
    assert set(table) == {str(mmsi).encode() for mmsi in expected}


def test_the_vessel_risk_state_is_all_in_the_table(replay_alerts: list[Alert]) -> None:
    """A worker that takes a partition over resumes from the table alone."""
    table: dict[bytes, Any] = {}
    messages = as_messages(replay_alerts)
    half = len(messages) // 2
    latest: dict[int, Any] = {}
    for part, stage in (
        (messages[:half], VesselRiskStage(CONFIG.vessel_risk, table)),
        (messages[half:], VesselRiskStage(CONFIG.vessel_risk, table)),
    ):
        for key, document in part:
            summary = stage.update(key, document)
            if summary is not None:
                latest[int(key)] = summary
    assert latest == replay_summaries(replay_alerts)


def test_an_alert_that_changes_nothing_publishes_nothing(replay_alerts: list[Alert]) -> None:
    table: dict[bytes, Any] = {}
    stage = VesselRiskStage(CONFIG.vessel_risk, table)
    key, document = as_messages(replay_alerts)[0]
    assert stage.update(key, document) is not None
    written = copy.deepcopy(table)
    assert stage.update(key, document) is None  # the same episode again (at least once)
    assert table == written
    assert stage.update(b"999999999", document) is None  # not this vessel's alert
    assert b"999999999" not in table


@pytest.mark.parametrize(
    ("key", "document"),
    [(None, "alert"), (b"not-an-mmsi", "alert"), (b"367000001", {"type": "loitering"})],
)
def test_a_message_that_is_not_an_alert_is_refused(
    replay_alerts: list[Alert], key: bytes | None, document: Any
) -> None:
    if document == "alert":
        document = _roundtrip(replay_alerts[0].to_dict())
    table: dict[bytes, Any] = {}
    with pytest.raises(NotAnAlert):
        VesselRiskStage(CONFIG.vessel_risk, table).update(key, document)
    assert table == {}
