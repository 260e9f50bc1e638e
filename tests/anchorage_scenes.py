"""Planted scenes for learned anchorages and encounter context: vessels at anchor, meetings of
known ship types, near a real coast (the GLOBE land mask) or far offshore. No zones are
planted: every place here is outside any port or anchorage zone."""

from __future__ import annotations

import math

from models.encounter.shore import shore_km
from models.records import PositionReport, StaticReport
from tests.factories import HOUR, T0, by_time, move, position, voyage

#: Off Ponce, Puerto Rico: 0.9 km from land on the mask, no zone planted.
ROADSTEAD = (17.96, -66.62)
#: Off Virgin Gorda (BVI): 0.6 km from land.
BAY = (18.46, -64.60)
#: The Caribbean south of Puerto Rico, about 60 nm (111 km) from the nearest land.
OFFSHORE = (16.88, -66.5)

FISHING, TUG, PLEASURE, SAILING, CARGO, TANKER = 30, 52, 37, 36, 70, 80


def identity(mmsi: int, t: float, ship_type: int | None, name: str | None = None) -> StaticReport:
    """A static report giving a vessel its AIS ship type."""
    return StaticReport(mmsi, t, 5, name=name or f"V{mmsi}", ship_type=ship_type)


def anchored(
    mmsi: int,
    start: float,
    lat: float,
    lon: float,
    hours: float,
    interval_s: float = 180.0,
    ship_type: int | None = None,
    speed: float = 0.1,
) -> list[PositionReport | StaticReport]:
    """A vessel at anchor: a static report (its ship type), then a report every
    ``interval_s`` swinging 30 m around its anchor at a reported ``speed``."""
    reports: list[PositionReport | StaticReport] = [identity(mmsi, start - 60, ship_type)]
    steps = int(hours * HOUR / interval_s)
    for step in range(steps + 1):
        t = start + step * interval_s
        here = move(lat, lon, (step * 37 + mmsi) % 360, 0.03)
        reports.append(position(mmsi, t, *here, speed=speed, course=0.0))
    return reports


def cluster(
    first_mmsi: int,
    count: int,
    start: float,
    centre: tuple[float, float],
    hours: float,
    radius_km: float = 0.2,
    ship_type: int | None = None,
    stagger_s: float = 37.0,
) -> list[list[PositionReport | StaticReport]]:
    """``count`` vessels at anchor on a circle of ``radius_km`` around ``centre`` (every two
    within 2 × radius of each other), arriving ``stagger_s`` apart."""
    tracks = []
    for n in range(count):
        where = move(*centre, 360.0 * n / count, radius_km)
        mmsi = first_mmsi + n
        tracks.append(anchored(mmsi, start + n * stagger_s, *where, hours, ship_type=ship_type))
    return tracks


def side_by_side(
    a: int,
    b: int,
    start: float,
    where: tuple[float, float],
    hours: float,
    types: tuple[int | None, int | None],
    apart_km: float = 0.15,
) -> list[PositionReport | StaticReport]:
    """Two vessels stopped ``apart_km`` apart, drifting together at 0.3 kn, with their types."""
    other = move(*where, 0.0, apart_km)
    first = [identity(a, start - 60, types[0]), *voyage(a, start, *where, hours, 180, 0.3, 90.0)]
    second = [
        identity(b, start - 50, types[1]),
        *voyage(b, start + 40, *other, hours, 120, 0.3, 90.0),
    ]
    return by_time(first, second)


def anchorage_then(
    visit: list[PositionReport | StaticReport], centre: tuple[float, float] = ROADSTEAD
) -> list[PositionReport | StaticReport]:
    """Twelve cargo ships at anchor around ``centre`` for 2 h on the first day (the anchorage
    is learned from them), then ``visit`` (which should start a day later)."""
    return by_time(*cluster(367200001, 12, T0, centre, 2.0, ship_type=CARGO), visit)


def offshore_nm(where: tuple[float, float]) -> float:
    distance = shore_km(*where)
    return math.inf if distance is None else distance / 1.852
