"""Invariants of learned anchorages: what is learned, and what it lets through, depends on the
reports' event times only — not on their arrival order within the lateness window, nor on how
they are batched."""

from __future__ import annotations

import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from models.config import Config, TrackingConfig
from models.engine import Engine
from models.monitor import Monitor
from tests.anchorage_scenes import (
    BAY,
    ROADSTEAD,
    TANKER,
    TUG,
    anchorage_then,
    anchored,
    side_by_side,
)
from tests.factories import HOUR, T0, by_time, move, of_type
from tests.property.test_order_and_isolation import shuffle_within

CONFIG = Config(tracking=TrackingConfig(lateness_seconds=300.0))
DAY = 24 * HOUR


def scenario() -> list:
    visit = by_time(
        side_by_side(367500001, 538500002, T0 + DAY, ROADSTEAD, 3.0, (TUG, TANKER)),
        anchored(367600001, T0 + DAY, *move(*ROADSTEAD, 90.0, 0.1), 6.0),
        anchored(367600002, T0 + DAY, *move(*ROADSTEAD, 180.0, 1.6), 6.0),
        anchored(367600003, T0, *BAY, 6.0),
    )
    return anchorage_then(visit)


def outcome(records: list, batch: int) -> tuple[list[str], dict]:
    monitor = Monitor(Engine(CONFIG))
    alerts = []
    for start in range(0, len(records), batch):
        alerts.extend(monitor.process(records[start : start + batch]).alerts)
    alerts.extend(monitor.finish().alerts)
    kept = of_type(alerts, "loitering") + of_type(alerts, "encounter")
    assert monitor.encounters is not None
    learned = {
        c: dict(a.learned) for c, a in monitor.encounters.cells.anchorages.items() if a.learned
    }
    return sorted(json.dumps(a.to_dict(), sort_keys=True) for a in kept), learned


BASELINE = outcome(scenario(), 500)


def test_the_scenario_learns_an_anchorage_and_lets_some_loitering_through() -> None:
    alerts, learned = BASELINE
    assert learned
    assert {json.loads(a)["mmsi"] for a in alerts} == {367600002, 367600003}


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), batch=st.sampled_from([1, 13, 400, 10_000]))
def test_shuffling_within_the_lateness_window_changes_nothing_learned(
    seed: int, batch: int
) -> None:
    shuffled = shuffle_within(scenario(), 290.0, random.Random(seed))
    assert outcome(shuffled, batch) == BASELINE
