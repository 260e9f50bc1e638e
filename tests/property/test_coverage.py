"""Coverage verdicts depend on what was heard, never on arrival order within the lateness or on
how batches were cut: the same dark periods, and the same coverage gaps by source."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from models.config import Config, TrackingConfig
from models.engine import Engine
from models.monitor import Monitor
from models.records import PositionReport
from tests.factories import HOUR, T0, by_time, move, voyage
from tests.property.test_order_and_isolation import key, shuffle_within

CONFIG = Config(tracking=TrackingConfig(lateness_seconds=300.0))


def ships(first: int, where: tuple[float, float], count: int, start: float, hours: float):
    tracks = []
    for n in range(count):
        lat, lon = move(*where, 0.0, 2.0 * n)
        tracks.append(voyage(first + n, start, lat, lon, hours, interval_s=240, speed=4.0))
    return tracks


def scenario() -> list[PositionReport]:
    """rx-a and its 8 ships fall silent for 8 h; off another coast (rx-b) one of 6 ships falls
    silent for 7 h among the others; a satellite feed (sat) of 2 ships far apart, one silent."""
    outage = [
        replace(r, source="rx-a")
        for track in ships(366000001, (18.0, -66.0), 8, T0, 2)
        + ships(366000001, (18.0, -66.0), 8, T0 + 10 * HOUR, 1)
        for r in track
    ]
    coast = ships(367000001, (25.0, -80.0), 6, T0, 12)
    coast[2] = [r for r in coast[2] if not T0 + 3 * HOUR <= r.timestamp < T0 + 10 * HOUR]
    sat = [
        *voyage(413000001, T0, 22.5, 113.5, hours=2, interval_s=600),
        *voyage(413000001, T0 + 12 * HOUR, 22.6, 113.6, hours=1, interval_s=600),
        *voyage(220000001, T0, 40.0, 139.0, hours=13, interval_s=900),
    ]
    return by_time(
        outage,
        [replace(r, source="rx-b") for track in coast for r in track],
        [replace(r, source="sat") for r in sat],
    )


def replay(records: list[PositionReport], batch: int) -> tuple[list[tuple[object, ...]], Counter]:
    monitor = Monitor(Engine(CONFIG))
    alerts = []
    for start in range(0, len(records), batch):
        alerts.extend(monitor.process(records[start : start + batch]).alerts)
    alerts.extend(monitor.finish().alerts)
    dark = [k for k in key(alerts) if k[1] == "dark_period"]
    return dark, Counter(monitor.coverage_gaps)


BASELINE = replay(scenario(), 500)


def test_the_scenario_has_dark_periods_of_both_kinds_and_a_gap() -> None:
    dark, gaps = BASELINE
    assert {(k[3], k[2]) for k in dark} == {
        (367000003, "open"),
        (367000003, "closed"),
        (413000001, "open"),
        (413000001, "closed"),
    }
    assert gaps == {"rx-a": 8}


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), batch=st.sampled_from([1, 13, 400, 100_000]))
def test_order_within_the_lateness_and_batching_change_no_verdict(seed: int, batch: int) -> None:
    shuffled = shuffle_within(scenario(), 290.0, random.Random(seed))
    assert replay(shuffled, batch) == BASELINE
