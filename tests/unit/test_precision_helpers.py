"""The pure helpers of the precision benchmark (benchmarks/precision.py): storm counting,
near-harbour share, vessel-hours, the nearest-harbour index and the episode sink."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import numpy as np
import pytest

from benchmarks.precision import (
    Episode,
    EpisodeSink,
    HarbourIndex,
    SpanTracker,
    haversine_km,
    near_share,
    storm_counts,
    storm_flags,
    vessel_hours,
)
from models.alerts import Alert, AlertType, Severity, Status, VesselInfo
from models.records import PositionReport, StaticReport

JUMP, LOITER = AlertType.POSITION_JUMP, AlertType.LOITERING


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def episode(kind: AlertType, mmsi: int, when: str, name: str = "") -> Episode:
    start = at(when)
    return Episode(name or f"{kind}-{mmsi}-{start}", kind, mmsi, start, 10.0, 20.0)


# -- storms -------------------------------------------------------------------------------------


def test_five_jumps_of_one_vessel_on_one_day_are_three_storm_episodes() -> None:
    episodes = [episode(JUMP, 1, f"2018-01-03T{h:02}:00:00") for h in (1, 5, 9, 13, 17)]
    assert storm_counts(episodes) == {JUMP: 3}
    assert storm_flags(episodes) == [False, False, True, True, True]


def test_storms_count_per_type_vessel_and_utc_day() -> None:
    episodes = [
        episode(JUMP, 1, "2018-01-03T01:00:00"),
        episode(JUMP, 1, "2018-01-03T23:59:59"),
        episode(JUMP, 1, "2018-01-04T00:00:00"),  # the next UTC day starts afresh
        episode(JUMP, 2, "2018-01-03T02:00:00"),  # another vessel
        episode(LOITER, 1, "2018-01-03T03:00:00"),  # another type
        episode(LOITER, 1, "2018-01-03T04:00:00"),
    ]
    assert storm_counts(episodes) == {}
    third = [*episodes, episode(LOITER, 1, "2018-01-03T05:00:00")]
    assert storm_counts(third) == {LOITER: 1}


def test_the_storm_episodes_are_the_later_ones_whatever_the_input_order() -> None:
    episodes = [episode(JUMP, 7, f"2018-01-03T{h:02}:00:00") for h in range(6)]
    shuffled = episodes[:]
    random.Random(3).shuffle(shuffled)
    flags = dict(zip(shuffled, storm_flags(shuffled), strict=True))
    assert [flags[e] for e in episodes] == [False, False, True, True, True, True]
    assert storm_counts(shuffled) == {JUMP: 4}
    assert storm_counts(episodes, free=5) == {JUMP: 1}


# -- near-harbour share, vessel-hours -------------------------------------------------------------


def test_near_share_counts_within_the_radius_and_skips_unknown_positions() -> None:
    distances = np.array([0.0, 9.99, 10.0, 10.01, np.inf, np.nan])
    assert near_share(distances) == (3, 5)
    assert near_share(distances, radius_km=5.0) == (1, 5)
    assert near_share(np.array([], dtype=np.float64)) == (0, 0)


def test_vessel_hours_sum_each_vessels_span() -> None:
    assert vessel_hours({}) == 0.0
    assert vessel_hours({1: (0.0, 7200.0), 2: (100.0, 100.0), 3: (3600.0, 5400.0)}) == 2.5


def test_span_tracker_keeps_earliest_and_latest_timed_position() -> None:
    tracker = SpanTracker()
    tracker.observe(
        [
            PositionReport(1, 5000.0, 1, 10.0, 20.0),
            PositionReport(1, 1000.0, 1, 10.0, 20.0),  # out of order: still the earliest
            PositionReport(1, None, 1, 10.0, 20.0),  # untimed: not tracked
            PositionReport(2, 300.0, 18, 10.0, 20.0),
            StaticReport(3, 100.0, 5),
        ]
    )
    tracker.observe([PositionReport(1, 9000.0, 1, 10.0, 20.0)])
    assert tracker.spans == {1: (1000.0, 9000.0), 2: (300.0, 300.0)}
    assert vessel_hours(tracker.spans) == pytest.approx(8000 / 3600)


# -- nearest harbour ------------------------------------------------------------------------------


def test_haversine_one_degree_of_latitude() -> None:
    one = haversine_km(np.array([0.0]), np.array([0.0]), np.array([1.0]), np.array([0.0]))
    assert one[0] == pytest.approx(111.195, abs=0.01)


def test_nearest_harbour_within_the_radius() -> None:
    harbours = HarbourIndex([10.0, 10.05, -33.0], [20.0, 20.0, 151.0], ["a", "b", "c"])
    lats = np.array([10.0, 10.04, 10.0, 50.0, np.nan])
    lons = np.array([20.0, 20.0, 20.2, 0.0, 0.0])
    distance, index = harbours.nearest(lats, lons)
    assert index.tolist() == [0, 1, -1, -1, -1]
    assert distance[0] == 0.0
    assert distance[1] == pytest.approx(1.112, abs=0.01)  # 0.01 degree of latitude
    assert math.isinf(distance[2])  # 21.9 km from "a": beyond 10 km
    assert math.isinf(distance[3])
    assert math.isnan(distance[4])
    assert near_share(distance) == (2, 4)
    wider = harbours.nearest(lats, lons, radius_km=25.0)[0]
    assert wider[2] == pytest.approx(21.9, abs=0.1)


def test_nearest_harbour_across_the_antimeridian_and_at_high_latitude() -> None:
    harbours = HarbourIndex([0.0, 70.0], [179.98, -179.9], ["east", "north"])
    lats, lons = np.array([0.0, 70.0]), np.array([-179.98, 179.9])
    distance, index = harbours.nearest(lats, lons)
    assert index.tolist() == [0, 1]
    assert distance[0] == pytest.approx(4.45, abs=0.01)  # 0.04 degree of longitude
    assert distance[1] == pytest.approx(7.61, abs=0.01)  # 0.2 degree at 70 N


def test_nearest_harbour_agrees_with_brute_force() -> None:
    rng = np.random.default_rng(12)
    h_lat, h_lon = rng.uniform(-60, 60, 300), rng.uniform(-180, 180, 300)
    harbours = HarbourIndex(h_lat.tolist(), h_lon.tolist(), [str(i) for i in range(300)])
    pick = rng.integers(0, 300, 200)
    lats, lons = h_lat[pick] + rng.normal(0, 0.08, 200), h_lon[pick] + rng.normal(0, 0.08, 200)
    distance, index = harbours.nearest(lats, lons)
    for i in range(200):
        every = haversine_km(np.full(300, lats[i]), np.full(300, lons[i]), h_lat, h_lon)
        best = int(np.argmin(every))
        if every[best] <= 10.0:
            assert (index[i], distance[i]) == (best, pytest.approx(every[best]))
        else:
            assert (index[i], distance[i]) == (-1, math.inf)
    assert 0 < np.count_nonzero(index >= 0) < 200


# -- episodes -------------------------------------------------------------------------------------


def alert(alert_id: str, status: Status, lat: float) -> Alert:
    return Alert(alert_id, LOITER, status, 9, None, VesselInfo(), 100.0, None, lat, 20.0, None,
                 Severity.LOW, 30, "", {})  # fmt: skip


def test_episode_sink_keeps_the_first_message_of_each_episode() -> None:
    sink = EpisodeSink()
    sink.write([alert("a", Status.OPEN, 1.0), alert("b", Status.OPEN, 2.0)])
    sink.write([alert("a", Status.CLOSED, 3.0)])
    assert list(sink.episodes) == ["a", "b"]
    assert sink.episodes["a"] == Episode("a", LOITER, 9, 100.0, 1.0, 20.0)
