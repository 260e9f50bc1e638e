"""Invariants of the engine under reordering, batching and the company of other vessels."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from models.alerts import Alert
from models.config import Config, IdentityConflictConfig, TrackingConfig
from models.geo import KM_PER_NM
from tests.factories import HOUR, T0, by_time, move, position, run, voyage
from tests.zone_factories import square_zone
from zones.model import ZoneKind

ZONES = [
    square_zone("mil-1", ZoneKind.RESTRICTED, lon=-66.6, lat=14.0, half_size_deg=0.1),
    square_zone("port-1", ZoneKind.PORT, lon=-66.0, lat=14.0, half_size_deg=0.05),
]


SART = 970010001
ATON = 992321234


def scenario() -> list:
    """A fleet with every single-vessel behaviour: a transit through a restricted zone into a
    port, a drifting loiterer, a vessel that goes dark, and one whose position jumps — two
    vessels meeting at sea (an encounter) for 3 h, two ships sharing one MMSI 150 nm apart for
    2 h (an identity conflict), an AIS-SART active for an hour (distress) and a buoy (an aid to
    navigation: nothing)."""
    transit = voyage(1001, T0, 14.0, -66.9, hours=5, interval_s=60, speed=10.0)
    arrived = transit[-1].timestamp
    berth = [position(1001, arrived + i * 180, 14.0, -66.0, speed=0.1) for i in range(1, 40)]
    loiter = voyage(1002, T0, 13.0, -68.0, hours=6, interval_s=120, speed=0.4)
    dark = voyage(1003, T0, 12.0, -69.0, hours=2, interval_s=60, speed=8.0)
    last = dark[-1]
    back = position(1003, last.timestamp + 7 * HOUR, *move(last.lat, last.lon, 90.0, 30.0))
    jumpy = voyage(1004, T0, 15.0, -65.0, hours=3, interval_s=60, speed=12.0)
    far = position(1004, T0 + 3 * HOUR + 30, *move(15.0, -65.0, 0.0, 200.0))
    meet_one = voyage(1005, T0, 16.0, -70.0, hours=3, interval_s=180, speed=0.3)
    meet_two = voyage(1006, T0 + 50, *move(16.0, -70.0, 0.0, 0.2), 3, interval_s=120, speed=0.3)
    twin_a = voyage(1007, T0, 11.0, -70.0, hours=5, interval_s=120, speed=12.0)
    north = move(11.0, -70.0, 0.0, 150 * KM_PER_NM)
    twin_b = voyage(1007, T0 + 60, *north, hours=2, interval_s=120, speed=10.0, course=270.0)
    sart = voyage(SART, T0 + HOUR, 12.5, -68.5, hours=1, interval_s=60, speed=0.5)
    buoy = voyage(ATON, T0, 13.5, -67.5, hours=6, interval_s=180, speed=0.0)
    return by_time(
        [*transit, *berth], loiter, [*dark, back], [*jumpy, far], meet_one, meet_two,
        twin_a, twin_b, sart, buoy,
    )  # fmt: skip


def key(alerts: list[Alert]) -> list[tuple[object, ...]]:
    return sorted(
        (a.alert_id, a.type.value, a.status.value, a.mmsi, a.start, a.end) for a in alerts
    )


#: A conflict closes an hour after one twin falls silent, while the other still reports.
CONFIG = Config(
    tracking=TrackingConfig(lateness_seconds=300.0),
    identity_conflict=IdentityConflictConfig(close_hours=1.0),
)
BASELINE = key(run(scenario(), CONFIG, ZONES))


def shuffle_within(records: list, window: float, rng: random.Random) -> list:
    """Reorder records so that none arrives more than ``window`` seconds (event time) after a
    record newer than itself: jitter each arrival key by up to ``window``, then sort."""
    keyed = [(r.timestamp + rng.uniform(0, window), i, r) for i, r in enumerate(records)]
    keyed.sort()
    return [r for _, _, r in keyed]


def test_the_scenario_exercises_every_behaviour() -> None:
    kinds = {k[1] for k in BASELINE}
    assert kinds >= {"zone_entry", "zone_exit", "port_call", "loitering", "dark_period"}
    assert "position_jump" in kinds
    assert "encounter" in kinds
    assert {"identity_conflict", "distress"} <= kinds
    assert ("identity_conflict", "closed") in {(k[1], k[2]) for k in BASELINE}
    assert not [k for k in BASELINE if k[3] == ATON]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), batch=st.sampled_from([1, 7, 100, 5000]))
def test_shuffling_within_the_lateness_window_changes_no_alert(seed: int, batch: int) -> None:
    shuffled = shuffle_within(scenario(), 290.0, random.Random(seed))
    assert key(run(shuffled, CONFIG, ZONES, batch=batch)) == BASELINE


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_each_vessel_gets_the_same_alerts_alone_as_in_company(seed: int) -> None:
    records = scenario()
    rng = random.Random(seed)
    # A vessel on its own, or the two that meet as a pair.
    mmsis = rng.choice([{1001}, {1002}, {1003}, {1004}, {1005, 1006}, {1007}, {SART}, {ATON}])
    alone = key(run([r for r in records if r.mmsi in mmsis], CONFIG, ZONES))
    together = [k for k in BASELINE if k[3] in mmsis]
    # Dark periods open, and encounters and distress close, on the watermark, which other
    # vessels advance (here past the last reports of the pair or the beacon): what company
    # adds is only those; the episodes and their ids are the same either way.
    moved_on = [k for k in together if k not in alone]
    assert {(k[1], k[2]) for k in moved_on} <= {
        ("encounter", "closed"),
        ("dark_period", "open"),
        ("distress", "closed"),
    }
    assert [k for k in together if k not in moved_on] == alone


def test_replaying_twice_gives_identical_alerts() -> None:
    first = [a.to_dict() for a in run(scenario(), CONFIG, ZONES)]
    second = [a.to_dict() for a in run(scenario(), CONFIG, ZONES)]
    assert first == second
