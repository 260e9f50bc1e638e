"""Planted voyages between two real ports of the shipped pack: Ponce, Puerto Rico and Santo
Domingo, Dominican Republic, with what an independent reading of each passage (the catalogue's
zones, the track's own steps) says its voyage is."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cache

from models.geo import KM_PER_NM, distance_km
from models.records import PositionReport, StaticReport
from tests.factories import HOUR, MINUTE, move, position, static
from zones import ZoneIndex, load_catalogue

PONCE, SANTO_DOMINGO = "wpi-11260", "wpi-11040"
Record = PositionReport | StaticReport


@cache
def catalogue() -> ZoneIndex:
    return load_catalogue()


def centre(zone_id: str) -> tuple[float, float]:
    point = next(z for z in catalogue().zones if z.id == zone_id).geometry.centroid
    return point.y, point.x


def harbours_at(lat: float, lon: float) -> list[str]:
    return [zone.id for zone in catalogue().zones_at(lon, lat) if zone.is_harbour]


def bearing(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, l1, p2, l2 = (math.radians(v) for v in (*a, *b))
    y = math.sin(l2 - l1) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(l2 - l1)
    return math.degrees(math.atan2(y, x)) % 360


@dataclass
class Passage:
    """A planted passage and what an independent reading of it (the catalogue's zones, the
    track's own steps) says the voyage is."""

    records: list[Record]
    departure: float  # the first fix out of every harbour of the port departed
    arrival: float | None  # the first fix in a harbour of the port of arrival
    sailed_km: float  # step by step, from the first to the second


def passage(
    mmsi: int,
    start: float,
    *,
    stop_at_sea: bool = False,
    destinations: tuple[str, ...] = ("DOSDQ",),
    arrive: bool = True,
    via: tuple[float, float] | None = None,
) -> Passage:
    """A cargo ship moored 2 h in Ponce, then 12 kn to Santo Domingo (stopping 40 min at sea
    half way if asked, by way of ``via`` if given), moored 1 h there; each destination declared
    in turn (the first in Ponce, the others at sea, two hours apart)."""
    here, port = centre(PONCE), centre(SANTO_DOMINGO)
    target = via or port
    records: list[Record] = [replace(static(mmsi, start - 60), destination=destinations[0])]
    t = start
    for step in range(40):  # moored, its static data sent every half hour (as AIS does)
        records.append(position(mmsi, t, *here, speed=0.1, course=0.0))
        if step % 10 == 5:
            records.append(replace(static(mmsi, t + 1), destination=destinations[0]))
        t += 180
    departure, arrival, sailed, previous = None, None, 0.0, None
    stop_from = start + 9 * HOUR if stop_at_sea else math.inf
    while True:
        inside = harbours_at(*here)
        speed = 0.4 if stop_from <= t < stop_from + 40 * MINUTE else 12.0
        if departure is None and not inside:
            departure = t
        if departure is not None and previous is not None and t > departure:
            sailed += distance_km(*previous, *here)  # from the first fix out
        if departure is not None and set(inside) & set(harbours_at(*port)):
            arrival = t
            break
        if target != port and distance_km(*here, *target) < 2.0:
            target = port
        records.append(position(mmsi, t, *here, speed=speed, course=bearing(here, target)))
        previous = here
        here = move(*here, bearing(here, target), speed * KM_PER_NM / 60)
        t += MINUTE
        if not arrive and t > start + 10 * HOUR:
            break
    if arrive:
        for _ in range(20):  # moored at Santo Domingo
            records.append(position(mmsi, t, *here, speed=0.1, course=0.0))
            t += 180
    for n, destination in enumerate(destinations[1:], 1):
        when = departure + n * 2 * HOUR
        records.append(replace(static(mmsi, when), destination=destination))
    assert departure is not None
    return Passage(records, departure, arrival, sailed)
