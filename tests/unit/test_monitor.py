"""The engine's one entry point: the step order lives in ``Monitor``, results are returned."""

from __future__ import annotations

from models.config import Config
from models.detectors.base import Kind
from models.engine import Engine
from models.monitor import Monitor
from tests.factories import HOUR, T0, by_time, move, of_type, voyage

SEA = (14.0, -70.0)


def meeting() -> list:
    """Two slow vessels 200 m apart at sea for 3 h: an encounter."""
    a = voyage(367100001, T0, *SEA, 3.0, 60, 0.5, 90.0)
    b = voyage(367100002, T0 + 20, *move(*SEA, 0.0, 0.2), 3.0, 60, 0.5, 90.0)
    return by_time(a, b)


def test_in_one_process_the_monitor_compares_movers_itself() -> None:
    monitor = Monitor(Engine(Config()))
    step = monitor.process(meeting())
    step.extend(monitor.finish())
    assert step.movers == []  # taken by the encounter stages
    assert len({a.alert_id for a in of_type(step.alerts, "encounter")}) == 1
    assert monitor.alerts["encounter"] == len(of_type(step.alerts, "encounter"))


def test_a_streaming_worker_gets_the_movers_back_and_finds_no_encounter_itself() -> None:
    monitor = Monitor(Engine(Config()), pair_locally=False)
    step = monitor.process(meeting())
    step.extend(monitor.finish())
    assert of_type(step.alerts, "encounter") == []
    assert {m.mmsi for m in step.movers} == {367100001, 367100002}
    times = [m.t for m in step.movers if m.mmsi == 367100001]
    assert times == sorted(times)  # each vessel's movers in event-time order


def test_a_given_watermark_is_where_event_time_goes() -> None:
    monitor = Monitor(Engine(Config()), pair_locally=False)
    records = meeting()
    monitor.process(records, watermark=T0 + HOUR)
    assert monitor.watermark == T0 + HOUR
    monitor.process([], watermark=T0)  # never backwards
    assert monitor.watermark == T0 + HOUR
    assert monitor.latest == max(r.timestamp for r in records)


def test_late_reports_come_back_as_failures() -> None:
    monitor = Monitor(Engine(Config()))
    records = voyage(367100003, T0, *SEA, 1.0, 60)
    monitor.process(records)
    step = monitor.process([records[0]])  # an hour behind its vessel
    assert [f.reason.value for f in step.late] == ["late"]
    assert monitor.stats.late == 1


def test_every_detector_declares_what_it_needs() -> None:
    engine = Engine(Config())
    for detector in engine.detectors:
        assert detector.needs, detector.name
        assert detector.needs <= set(Kind)
    timed = {d.name for d in engine.detectors if Kind.SILENCE in d.needs}
    # identity: its series of changes closes on the watermark (models/detectors/series.py)
    assert timed == {"dark_period", "position_jump", "distress", "identity"}
    # A detector that never asks for silence has no timer.
    untimed = [d for d in engine.detectors if Kind.SILENCE not in d.needs]
    assert all(d.due(d.initial()) is None for d in untimed)


def test_a_late_report_fails_with_its_record_as_json_and_no_line() -> None:
    import json

    from models.serialise import failure_to_dict

    monitor = Monitor(Engine(Config()))
    records = voyage(367100004, T0, *SEA, 1.0, 60)
    monitor.process(records)
    (late,) = monitor.process([records[0]]).late
    document = failure_to_dict(late)
    assert document["line"] is None
    assert json.loads(document["raw"])["mmsi"] == 367100004
