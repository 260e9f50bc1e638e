"""Factories for planted behaviour: tracks built from kinematics, not recorded outputs.

Every track is generated from a start point, a speed and a course, so a test says what the
vessel does ("drifts at 0.5 kn for 5 h") and the assertion follows from that, not from a file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from models.alerts import Alert
from models.config import Config
from models.engine import Engine
from models.geo import EARTH_RADIUS_KM, KM_PER_NM
from models.monitor import Monitor
from models.records import PositionReport, StaticReport
from zones.index import ZoneIndex
from zones.model import Zone

#: 2023-11-14T22:13:20Z — an arbitrary, round event time.
T0 = 1_700_000_000.0
HOUR = 3600.0
MINUTE = 60.0

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "models" / "alert.schema.json"


def position(
    mmsi: int,
    t: float,
    lat: float,
    lon: float,
    speed: float | None = 10.0,
    course: float | None = 90.0,
    msg_type: int = 1,
) -> PositionReport:
    return PositionReport(mmsi, t, msg_type, lat, lon, speed, course, None, 0, source="factory")


def static(mmsi: int, t: float, name: str = "TEST VESSEL", imo: int | None = None) -> StaticReport:
    return StaticReport(mmsi, t, 5, name=name, callsign="TEST1", imo=imo, ship_type=70)


def move(lat: float, lon: float, course_deg: float, km: float) -> tuple[float, float]:
    """The point ``km`` from (lat, lon) along ``course_deg`` (great circle)."""
    delta = km / EARTH_RADIUS_KM
    theta = math.radians(course_deg)
    phi1, lambda1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta)
    )
    lambda2 = lambda1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    return math.degrees(phi2), (math.degrees(lambda2) + 540.0) % 360.0 - 180.0


def voyage(
    mmsi: int,
    start: float,
    lat: float,
    lon: float,
    hours: float,
    interval_s: float = 60.0,
    speed: float = 12.0,
    course: float = 90.0,
) -> list[PositionReport]:
    """Reports every ``interval_s`` of a vessel holding ``speed`` knots on ``course``."""
    reports = []
    steps = int(hours * HOUR / interval_s)
    for step in range(steps + 1):
        km = speed * KM_PER_NM * (step * interval_s / HOUR)
        here = move(lat, lon, course, km)
        reports.append(position(mmsi, start + step * interval_s, here[0], here[1], speed, course))
    return reports


#: One leg of a planned track: (minutes, knots), or (minutes, knots, course, heading).
Leg = tuple[float, float] | tuple[float, float, float, int | None]


def legs(
    mmsi: int,
    start: float,
    where: tuple[float, float],
    plan: Sequence[Leg],
    interval_s: float = 60.0,
    course: float = 90.0,
) -> list[PositionReport]:
    """A vessel sailing ``plan``, one leg after the other from ``where`` (on ``course`` with no
    heading reported, unless the leg gives both), a report every ``interval_s``."""
    records = []
    t, (lat, lon) = start, where
    for leg in plan:
        minutes, knots = leg[0], leg[1]
        bearing, heading = (leg[2], leg[3]) if len(leg) == 4 else (course, None)
        for _ in range(int(minutes * MINUTE / interval_s)):
            records.append(
                PositionReport(mmsi, t, 1, lat, lon, knots, bearing, heading, 0, source="factory")
            )
            lat, lon = move(lat, lon, bearing, knots * KM_PER_NM * interval_s / HOUR)
            t += interval_s
    return records


def run(
    records: Iterable[PositionReport | StaticReport],
    config: Config | None = None,
    zones: Sequence[Zone] = (),
    batch: int = 500,
) -> list[Alert]:
    """Replay records through the ``Monitor`` in batches, finishing at the end, as replay does."""
    monitor = Monitor(Engine(config or Config(), ZoneIndex(zones)))
    alerts: list[Alert] = []
    items = list(records)
    for start in range(0, len(items), batch):
        alerts.extend(monitor.process(items[start : start + batch]).alerts)
    alerts.extend(monitor.finish().alerts)
    return alerts


def by_time(
    *tracks: Iterable[PositionReport | StaticReport],
) -> list[PositionReport | StaticReport]:
    """Merge tracks into one arrival order by event time (ties keep track order)."""
    merged = [record for track in tracks for record in track]
    merged.sort(key=lambda r: r.timestamp or 0.0)
    return merged


def of_type(alerts: Iterable[Alert], kind: str) -> list[Alert]:
    return [alert for alert in alerts if alert.type.value == kind]


@cache
def alert_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    return schema


def validate_alert(document: dict[str, Any]) -> None:
    """Raise if ``document`` breaks the ``vigilmar.alert/1`` JSON Schema."""
    import jsonschema

    jsonschema.Draft202012Validator(
        alert_schema(), format_checker=jsonschema.FormatChecker()
    ).validate(document)


VOYAGE_SCHEMA_PATH = SCHEMA_PATH.with_name("voyage.schema.json")


@cache
def voyage_schema() -> dict[str, Any]:
    return json.loads(VOYAGE_SCHEMA_PATH.read_text(encoding="utf-8"))


def validate_voyage(document: dict[str, Any]) -> None:
    """Raise if ``document`` breaks the ``vigilmar.voyage/1`` JSON Schema."""
    import jsonschema

    jsonschema.Draft202012Validator(
        voyage_schema(), format_checker=jsonschema.FormatChecker()
    ).validate(document)
