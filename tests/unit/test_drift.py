"""Drift (issue 17), after DMA AisAbnormal: planted vessels set sideways by the current, with the
negative controls — a ship at anchor swinging its heading, one steaming slowly where its bow
points, one without a heading, one in a harbour, one drifting too briefly."""

from __future__ import annotations

from dataclasses import replace

import pytest

from models.alerts import Alert
from models.config import Config, ConfigError, DriftConfig
from models.detectors.drift import angle_between
from models.geo import KM_PER_NM
from models.records import PositionReport
from tests.anchorage_scenes import OFFSHORE
from tests.factories import HOUR, MINUTE, T0, move, of_type, run, validate_alert
from tests.zone_factories import square_zone
from zones.model import ZoneKind

MMSI = 367006666


def report(t: float, where: tuple[float, float], knots: float, course: float, heading: int | None):
    return PositionReport(MMSI, t, 1, where[0], where[1], knots, course, heading, 0, source="t")


def drifting(
    minutes: float,
    knots: float = 2.0,
    course: float = 90.0,
    heading: int | None = 180,
    start: float = T0,
    where: tuple[float, float] = OFFSHORE,
    interval_s: float = 60.0,
) -> list[PositionReport]:
    """Reports every ``interval_s`` of a vessel going ``course`` at ``knots`` with its bow on
    ``heading``."""
    records = []
    for step in range(int(minutes * MINUTE / interval_s) + 1):
        km = knots * KM_PER_NM * step * interval_s / HOUR
        records.append(
            report(start + step * interval_s, move(*where, course, km), knots, course, heading)
        )
    return records


def then_steaming(records: list[PositionReport], minutes: float = 30.0) -> list[PositionReport]:
    """``records`` followed by the vessel steaming at 10 kn where its bow points."""
    last = records[-1]
    assert last.timestamp is not None
    assert last.lat is not None
    assert last.lon is not None
    steaming = drifting(minutes, 10.0, 0.0, 0, last.timestamp + 60, (last.lat, last.lon))
    return records + steaming


def drifts(records: list[PositionReport], **kwargs: object) -> list[Alert]:
    return of_type(run(records, **kwargs), "drift")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("a", "b", "angle"), [(10, 350, 20), (90, 180, 90), (0, 180, 180), (359, 1, 2), (45, 45, 0)]
)
def test_the_angle_between_two_bearings_is_the_smaller_one(a: float, b: float, angle: float):
    assert angle_between(a, b) == angle


def test_a_vessel_set_sideways_by_the_current_opens_and_closes_one_drift() -> None:
    alerts = drifts(then_steaming(drifting(30)))
    assert [a.status.value for a in alerts] == ["open", "closed"]
    opened, closed = alerts
    assert opened.alert_id == closed.alert_id
    assert opened.start == T0
    assert opened.at == T0 + 10 * MINUTE  # 10 minutes and 617 m at 2 kn: both reached
    assert closed.end == T0 + 30 * MINUTE
    evidence = closed.evidence
    assert evidence["duration_minutes"] == 30.0
    assert evidence["distance_m"] == pytest.approx(1852, rel=0.01)  # 2 kn for half an hour
    assert evidence["mean_speed_knots"] == 2.0
    assert evidence["max_heading_course_degrees"] == 90
    assert "Drifting for 30 min at 2.0 kn" in closed.explanation
    validate_alert(closed.to_dict())


def test_the_distance_is_needed_as_well_as_the_time() -> None:
    # at 1 kn, 10 minutes cover 309 m: the drift opens once 500 m are covered, at 16.2 min
    (opened, _closed) = drifts(then_steaming(drifting(30, knots=1.0)))
    assert opened.at == T0 + 17 * MINUTE


def test_a_ship_at_anchor_swinging_its_heading_is_not_drifting() -> None:
    anchor = OFFSHORE
    records = []
    for step in range(180):  # three hours, swinging 40 m round the anchor, heading all round
        where = move(*anchor, (step * 37) % 360, 0.04)
        speed = 0.3 if step % 5 else 1.2  # a jerk on the chain now and then
        records.append(report(T0 + step * 60, where, speed, (step * 53) % 360, (step * 11) % 360))
    assert drifts(records) == []


@pytest.mark.parametrize(
    ("records", "why"),
    [
        (drifting(60, heading=95), "bow where it goes (5 degrees off)"),
        (drifting(60, heading=None), "no heading reported"),
        (drifting(60, knots=0.6), "slower than 1 kn"),
        (drifting(60, knots=6.0), "faster than 5 kn"),
        (drifting(8, knots=4.0), "8 minutes only (988 m)"),
        (drifting(60, interval_s=20 * 60), "reports 20 minutes apart: not observed throughout"),
    ],
)
def test_what_is_not_drift(records: list[PositionReport], why: str) -> None:
    assert drifts(then_steaming(records)) == [], why


def test_drift_inside_a_harbour_is_not_raised() -> None:
    port = square_zone("port-z", ZoneKind.PORT, lon=OFFSHORE[1], lat=OFFSHORE[0], half_size_deg=0.1)
    assert drifts(then_steaming(drifting(30)), zones=[port]) == []


def test_the_thresholds_are_configurable_and_checked() -> None:
    config = replace(Config(), drift=DriftConfig(min_angle_degrees=3.0))
    assert len(drifts(then_steaming(drifting(30, heading=95)), config=config)) == 2
    with pytest.raises(ConfigError, match="min_speed_knots"):
        DriftConfig(min_speed_knots=6.0)
    with pytest.raises(ConfigError, match="min_angle_degrees"):
        DriftConfig(min_angle_degrees=200.0)


def test_a_tow_crabbing_on_a_river_is_not_drift() -> None:
    # the Mississippi at New Orleans: inland water on the GLOBE mask
    river = (29.92, -89.93)
    assert drifts(then_steaming(drifting(30, where=river))) == []
