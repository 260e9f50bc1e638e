"""The alerts as the report sees them: one row per episode, and the formatting shared by its parts.

``episodes`` folds the alert messages of a replay (``open``, ``update``, ``closed`` of one
episode share an ``alert_id``) into one ``AlertRow`` per episode, holding its latest state,
sorted by start time. Everything the page shows of an alert is taken from these rows.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "SEVERITIES",
    "SEVERITY_COLOURS",
    "TYPE_LABELS",
    "TYPE_ORDER",
    "AlertRow",
    "duration",
    "episodes",
    "esc",
    "fmt_lat",
    "fmt_lon",
    "fmt_time",
    "parse_time",
    "type_key",
]

SEVERITIES = ("info", "low", "medium", "high", "critical")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
#: Colour-blind-safe sequence from calm to alarming (info is deliberately quiet).
SEVERITY_COLOURS = {
    "info": "#8da0b3",
    "low": "#2c9f8f",
    "medium": "#f2c14e",
    "high": "#f07f2d",
    "critical": "#d7263d",
}
TYPE_ORDER = (
    "distress",
    "dark_period",
    "position_jump",
    "loitering",
    "encounter",
    "stop_at_sea",
    "route_deviation",
    "drift",
    "zone_entry",
    "zone_exit",
    "destination_change",
    "identity_change",
    "identity_conflict",
    "invalid_identity",
    "port_call",
)
TYPE_LABELS = {
    "dark_period": "Dark period",
    "position_jump": "Position jump",
    "loitering": "Loitering",
    "encounter": "Encounter",
    "zone_entry": "Zone entry",
    "zone_exit": "Zone exit",
    "identity_change": "Identity change",
    "invalid_identity": "Invalid identity",
    "identity_conflict": "Identity conflict",
    "distress": "Distress",
    "port_call": "Port call",
    "destination_change": "Destination change",
    "stop_at_sea": "Stop at sea",
    "drift": "Drift",
    "route_deviation": "Route deviation",
}


def type_key(alert_type: str) -> tuple[int, str]:
    """Sort key of alert types: the most telling behaviours first, unknown ones last."""
    return (TYPE_ORDER.index(alert_type) if alert_type in TYPE_ORDER else 99, alert_type)


def esc(text: object) -> str:
    """HTML-escape anything for text or a quoted attribute."""
    return html.escape(str(text), quote=True)


def parse_time(value: object) -> float | None:
    """An alert's ISO 8601 UTC time (``...Z``) to Unix seconds; ``None`` if absent or bad."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def fmt_time(timestamp: float | None, *, seconds: bool = False) -> str:
    """``2018-01-02 00:41`` (UTC), or an en dash for no time."""
    if timestamp is None:
        return "–"
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def duration(seconds: float) -> str:
    """A short human duration: ``45 s``, ``12 min``, ``5.2 h``, ``3.1 d``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _fmt_deg(value: float, positive: str, negative: str, step: float) -> str:
    hemisphere = positive if value > 1e-9 else negative if value < -1e-9 else ""
    value = abs(value)
    if step >= 1 or abs(value - round(value)) < 1e-9:
        return f"{value:.0f}°{hemisphere}"
    degrees = math.floor(value + 1e-9)
    minutes = (value - degrees) * 60
    return f"{degrees}°{minutes:02.0f}′{hemisphere}"


def fmt_lat(lat: float, step: float = 1.0) -> str:
    return _fmt_deg(lat, "N", "S", step)


def fmt_lon(lon: float, step: float = 1.0) -> str:
    lon = (lon + 180.0) % 360.0 - 180.0
    if abs(abs(lon) - 180.0) < 1e-9:
        return "180°"
    return _fmt_deg(lon, "E", "W", step)


@dataclass(frozen=True, slots=True)
class AlertRow:
    """The latest state of one alert episode, flattened for the page."""

    alert_id: str
    type: str
    status: str
    severity: str
    score: int
    mmsi: int
    other_mmsi: int | None
    name: str | None
    flag: str | None
    zone: str | None
    start: float | None
    end: float | None
    lat: float | None
    lon: float | None
    explanation: str
    #: Where a dark vessel reappeared (dark periods), for the gap line on the map.
    reappeared: tuple[float, float] | None = None

    @property
    def rank(self) -> int:
        return SEVERITY_RANK.get(self.severity, 0)

    @property
    def has_position(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def vessel(self) -> str:
        """``NAME (FLAG)``, ``MMSI 123 (FLAG)`` when the name is unknown."""
        who = self.name or f"MMSI {self.mmsi}"
        return f"{who} ({self.flag})" if self.flag else who

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.type, self.type.replace("_", " ").capitalize())


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _row(alert: Mapping[str, Any]) -> AlertRow:
    vessel = alert.get("vessel") or {}
    zone = alert.get("zone") or {}
    evidence = alert.get("evidence") or {}
    lat, lon = _number(alert.get("lat")), _number(alert.get("lon"))
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        lat = lon = None
    back_lat = _number(evidence.get("reappeared_lat"))
    back_lon = _number(evidence.get("reappeared_lon"))
    reappeared = None if back_lat is None or back_lon is None else (back_lat, back_lon)
    other = alert.get("other_mmsi")
    severity = str(alert.get("severity") or "info")
    return AlertRow(
        alert_id=str(alert.get("alert_id", "")),
        type=str(alert.get("type", "unknown")),
        status=str(alert.get("status", "")),
        severity=severity if severity in SEVERITY_RANK else "info",
        score=int(_number(alert.get("score")) or 0),
        mmsi=int(_number(alert.get("mmsi")) or 0),
        other_mmsi=other if isinstance(other, int) else None,
        name=vessel.get("name") or None,
        flag=vessel.get("flag") or None,
        zone=zone.get("name") or zone.get("id") or None,
        start=parse_time(alert.get("start")),
        end=parse_time(alert.get("end")),
        lat=lat,
        lon=lon,
        explanation=str(alert.get("explanation") or ""),
        reappeared=reappeared,
    )


def episodes(alerts: Iterable[Mapping[str, Any]]) -> list[AlertRow]:
    """One row per ``alert_id`` holding its latest message, sorted by start time (then id).
    Alerts without a start time sort last."""
    latest: dict[str, Mapping[str, Any]] = {}
    for alert in alerts:
        latest[str(alert.get("alert_id", ""))] = alert
    rows = [_row(alert) for alert in latest.values()]
    rows.sort(key=lambda r: (r.start is None, r.start or 0.0, r.alert_id))
    return rows
