"""A vessel's state survives a trip through JSON: a restarted worker resumes exactly."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from models.config import Config
from models.engine import Engine
from models.monitor import Monitor
from models.snapshot import restore, snapshot
from tests.property.test_order_and_isolation import CONFIG, ZONES, key, scenario
from zones.index import ZoneIndex


def run_with_restart(records: list, cut: int, batch: int = 50) -> list:
    engine = Engine(CONFIG, ZoneIndex(ZONES))
    first = Monitor(engine, pair_locally=False)
    alerts = []
    for start in range(0, cut, batch):
        alerts.extend(first.process(records[start : min(start + batch, cut)]).alerts)
    saved = json.loads(json.dumps([snapshot(v) for v in first.fleet.vessels.values()]))
    second = Monitor(Engine(CONFIG, ZoneIndex(ZONES)), pair_locally=False)
    for data in saved:
        second.adopt(restore(data, second.engine))
    for start in range(cut, len(records), batch):
        alerts.extend(second.process(records[start : start + batch]).alerts)
    alerts.extend(second.finish().alerts)
    return alerts


@settings(max_examples=20, deadline=None)
@given(fraction=st.floats(0.0, 1.0))
def test_a_restart_anywhere_gives_the_same_alerts(fraction: float) -> None:
    records = scenario()
    cut = int(len(records) * fraction)
    uninterrupted = key(run_with_restart(records, 0))
    assert key(run_with_restart(records, cut)) == uninterrupted


def test_snapshot_is_plain_json_and_round_trips() -> None:
    engine = Engine(Config(), ZoneIndex(ZONES))
    monitor = Monitor(engine)
    monitor.process(scenario()[:400])
    for vessel in monitor.fleet.vessels.values():
        data = snapshot(vessel)
        again = snapshot(restore(json.loads(json.dumps(data, allow_nan=False)), engine))
        assert again == data
