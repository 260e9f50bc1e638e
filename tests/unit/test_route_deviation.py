"""Route deviation (issue 17): planted merchant voyages between two planted ports joined by a
shipping lane — a detour far from both the lane and the route is raised; the negative controls
are a ship following the lane 10 nm off its centre line, ships without a destination the zones
can place, a fishing vessel, and a detour not observed throughout."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from shapely.geometry import box

from models.alerts import Alert
from models.geo import KM_PER_NM, distance_km
from models.records import PositionReport, StaticReport
from tests.anchorage_scenes import CARGO, FISHING, identity
from tests.factories import MINUTE, T0, move, of_type, position, run, validate_alert
from tests.zone_factories import square_zone
from zones.model import Zone, ZoneKind

MMSI = 367007777
ALPHA = square_zone(
    "port-alpha", ZoneKind.PORT, lon=-66.0, lat=18.0, half_size_deg=0.03, name="Port Alpha"
)
BRAVO = square_zone(
    "port-bravo", ZoneKind.PORT, lon=-64.0, lat=18.0, half_size_deg=0.03, name="Port Bravo"
)
CHARLIE = square_zone(
    "port-charlie", ZoneKind.PORT, lon=-63.0, lat=16.5, half_size_deg=0.03, name="Port Charlie"
)
#: The lane Alpha - Bravo: 5 nm either side of latitude 18 N.
LANE = Zone(
    "lane-test", "Test lane", ZoneKind.CORRIDOR, box(-65.97, 18.0 - 5 / 60, -64.03, 18.0 + 5 / 60)
)
ZONES = [ALPHA, BRAVO, CHARLIE, LANE]

Record = PositionReport | StaticReport


def bearing(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, l1, p2, l2 = (math.radians(v) for v in (*a, *b))
    y = math.sin(l2 - l1) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(l2 - l1)
    return math.degrees(math.atan2(y, x)) % 360


def sail(
    waypoints: list[tuple[float, float]],
    destination: str | None = "PORT BRAVO",
    ship_type: int = CARGO,
    knots: float = 12.0,
) -> list[Record]:
    """Moored an hour in Port Alpha, then under way through ``waypoints`` at ``knots`` (a report
    a minute), then moored an hour where the last one is."""
    here: tuple[float, float] = (18.0, -66.0)
    declared = identity(MMSI, T0 - 60, ship_type)
    records: list[Record] = [replace(declared, destination=destination)]
    t = T0
    for _ in range(20):
        records.append(position(MMSI, t, *here, speed=0.1))
        t += 180
    step_km = knots * KM_PER_NM / 60
    for target in waypoints:
        while distance_km(*here, *target) > step_km:
            course = bearing(here, target)
            records.append(position(MMSI, t, *here, speed=knots, course=course))
            here = move(*here, course, step_km)
            t += MINUTE
    for _ in range(20):
        records.append(position(MMSI, t, *here, speed=0.1))
        t += 180
    return records


def deviations(records: list[Record]) -> list[Alert]:
    return of_type(run(records, zones=ZONES), "route_deviation")


ALONG_THE_LANE = [(18.0, -65.6), (18.0, -64.0)]
DETOUR = [(18.0, -65.8), (17.0, -65.5), (17.0, -64.5), (18.0, -64.0)]


def test_a_detour_far_from_the_lane_and_the_route_opens_and_closes_once() -> None:
    alerts = deviations(sail(DETOUR))
    assert [a.status.value for a in alerts] == ["open", "closed"]
    opened, closed = alerts
    assert opened.alert_id == closed.alert_id
    evidence = closed.evidence
    assert evidence["destination"] == "PORT BRAVO"
    assert evidence["max_offset_nm"] == pytest.approx(55, abs=1)  # 17 N: 55 nm off the lane
    assert evidence["route_offset_nm"] == pytest.approx(60, abs=2)  # and 60 off the route
    assert evidence["hours"] >= 2.0
    assert evidence["rejoined_lat"] is not None
    assert closed.lat is not None
    assert closed.lat < 17.6  # it began once 30 nm south of both
    assert "Off the shipping lanes" in closed.explanation
    validate_alert(closed.to_dict())


@pytest.mark.parametrize(
    ("records", "why"),
    [
        (sail(ALONG_THE_LANE), "along the lane to its destination"),
        (
            sail([(18.0 + 10 / 60, -65.6), (18.0 + 10 / 60, -64.2)], destination="PORT CHARLIE"),
            "10 nm off the lane's centre line, though far from its route to Port Charlie",
        ),
        (sail(DETOUR, destination=None), "no destination declared"),
        (sail(DETOUR, destination="SOMEWHERE"), "a destination no zone is named"),
        (sail(DETOUR, ship_type=FISHING), "a fishing vessel"),
    ],
)
def test_what_is_not_a_route_deviation(records: list[Record], why: str) -> None:
    assert deviations(records) == [], why


def test_a_detour_not_observed_throughout_is_not_claimed() -> None:
    # far from lane and route, heard only once every 70 minutes (a satellite pass)
    records = sail(DETOUR)
    far = [r for r in records if isinstance(r, PositionReport) and (r.lat or 90.0) < 17.45]
    assert (far[-1].timestamp or 0.0) - (far[0].timestamp or 0.0) > 4 * 3600
    heard = {id(r) for r in far[::70]}
    sparse = [r for r in records if r not in far or id(r) in heard]
    assert deviations(sparse) == []
