"""Vessel state leaves memory once a vessel is unheard for the eviction horizon (event time)."""

from __future__ import annotations

from typing import Any

from models.config import Config, TrackingConfig
from models.engine import Engine
from models.monitor import Monitor
from models.records import StaticReport
from streams.state import VesselStore
from tests.factories import HOUR, T0, by_time, of_type, run, voyage
from zones.index import ZoneIndex

DAY = 24 * HOUR
CONFIG = Config(tracking=TrackingConfig(evict_after_hours=48.0))


def test_a_vessel_unheard_for_the_horizon_leaves_memory_and_the_others_stay() -> None:
    gone = voyage(367200001, T0, 14.0, -70.0, 2.0, 60)
    stays = voyage(367200002, T0, 15.0, -71.0, 3 * 24.0, 600)
    monitor = Monitor(Engine(CONFIG), pair_locally=False)
    monitor.process(by_time(gone, stays))
    monitor.finish()
    assert set(monitor.fleet.vessels) == {367200002}
    assert monitor.stats.evicted == 1


def test_heard_again_after_the_horizon_it_starts_afresh_whatever_the_batches() -> None:
    """A 3-day silence with a 2-day horizon: the dark period is never closed by the return (the
    vessel's history is gone), and batching does not change when it was forgotten."""
    before = voyage(367200003, T0, 14.0, -70.0, 4.0, 60)
    after = voyage(367200003, T0 + 3 * DAY, 14.1, -70.0, 4.0, 60)
    other = voyage(367200004, T0, 16.0, -72.0, 3 * 24.0 + 5.0, 300)
    records = by_time(before, after, other)
    results = [run(records, CONFIG, batch=batch) for batch in (7, 100, 5000)]
    assert all(
        sorted(a.alert_id for a in r) == sorted(a.alert_id for a in results[0]) for r in results
    )
    dark = of_type(results[0], "dark_period")
    ours = [a for a in dark if a.mmsi == 367200003]
    assert [a.status.value for a in ours] == ["open"]  # opened at 6 h, never closed
    # With the default horizon (7 days) the same return closes it.
    default = [a for a in of_type(run(records), "dark_period") if a.mmsi == 367200003]
    assert [a.status.value for a in default] == ["open", "closed"]


def test_a_worker_deletes_the_evicted_vessel_from_its_table() -> None:
    table: dict[bytes, Any] = {}
    store = VesselStore(table, Engine(CONFIG, ZoneIndex()))
    monitor = Monitor(store._engine, store, pair_locally=False)
    gone = voyage(367200005, T0, 14.0, -70.0, 1.0, 60)
    stays = voyage(367200006, T0, 15.0, -71.0, 3 * 24.0, 600)
    records = by_time(gone, stays)
    half = len(records) // 10
    monitor.process(records[:half])
    store.flush()
    assert b"367200005" in table
    monitor.process(records[half:])
    store.flush()
    assert b"367200005" not in table
    assert b"367200006" in table


def test_identity_is_forgotten_too() -> None:
    static = StaticReport(367200007, T0, 5, name="OLD NAME", ship_type=70)
    first = voyage(367200007, T0 + 60, 14.0, -70.0, 1.0, 60)
    later = voyage(367200007, T0 + 3 * DAY, 14.0, -70.0, 1.0, 60)
    other = voyage(367200008, T0, 16.0, -72.0, 3 * 24.0 + 2.0, 600)
    monitor = Monitor(Engine(CONFIG), pair_locally=False)
    monitor.process(by_time([static], first, later, other))
    monitor.finish()
    assert monitor.fleet.vessels[367200007].identity.name is None
