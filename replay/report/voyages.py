"""Voyages in the report (issue 17): port-to-port lines on the maps, and a table.

Each voyage that arrived is drawn as a great-circle line from the centre of the zone it left to
the centre of the zone it reached, coloured by its risk's severity, with its vessel, ends, times
and score in its tooltip — the route as the ports give it, not the track (the tracks of alerting
vessels are drawn beside it). The table lists the riskiest voyages first, under way or not.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from replay.report.data import SEVERITY_COLOURS, esc, parse_time
from replay.report.geo import MapView
from zones.index import ZoneIndex

__all__ = ["MAX_VOYAGE_LINES", "MAX_VOYAGE_ROWS", "VoyageLine", "voyage_lines", "voyages_table"]

MAX_VOYAGE_LINES = 300
MAX_VOYAGE_ROWS = 200
_STEPS = 24  # points on a drawn great circle


@dataclass(frozen=True, slots=True)
class VoyageLine:
    """A voyage as drawn: its ends (lat, lon), severity and tooltip."""

    mmsi: int
    start: tuple[float, float]
    end: tuple[float, float]
    severity: str
    title: str
    risk: int


def voyage_lines(voyages: Sequence[Mapping[str, Any]], zones: ZoneIndex | None) -> list[VoyageLine]:
    """The arrived voyages whose two zones ``zones`` knows, riskiest first (at most
    ``MAX_VOYAGE_LINES``)."""
    if zones is None:
        return []
    by_id = {zone.id: zone for zone in zones.zones}
    lines = []
    for voyage in voyages:
        ends = [voyage.get("from"), voyage.get("to")]
        left, reached = (by_id.get(end["id"]) if end else None for end in ends)
        if left is None or reached is None:
            continue
        a, b = left.geometry.centroid, reached.geometry.centroid
        lines.append(
            VoyageLine(
                mmsi=int(voyage["mmsi"]),
                start=(a.y, a.x),
                end=(b.y, b.x),
                severity=str(voyage["severity"]),
                title=_title(voyage),
                risk=int(voyage["risk_score"]),
            )
        )
    lines.sort(key=lambda line: (-line.risk, line.title))
    return lines[:MAX_VOYAGE_LINES]


def voyage_paths(view: MapView, lines: Sequence[VoyageLine]) -> str:
    """The voyage lines of one map view, as an SVG group (least risky drawn first)."""
    out = ['<g class="voyages">']
    for line in reversed(lines):
        lat, lon = _great_circle(line.start, line.end)
        x, y = view.x_unwrapped(lon), view.y(lat)
        if x.max() < 0 or x.min() > view.width or y.max() < 0 or y.min() > view.height:
            continue
        d = "M" + "L".join(f"{px:.1f} {py:.1f}" for px, py in zip(x, y, strict=True))
        colour = SEVERITY_COLOURS.get(line.severity, "#2f4b6e")
        out.append(
            f'<path class="voy" data-mmsi="{line.mmsi}" d="{d}" stroke="{colour}">'
            f"<title>{esc(line.title)}</title></path>"
        )
    out.append("</g>")
    return "".join(out)


def voyages_table(voyages: Sequence[Mapping[str, Any]]) -> str:
    """The voyages, riskiest first, as an HTML table (at most ``MAX_VOYAGE_ROWS`` rows)."""
    if not voyages:
        return '<p class="sub">No voyage: no vessel left one port call for another.</p>'
    ranked = sorted(
        voyages, key=lambda v: (-int(v["risk_score"]), parse_time(v["departure"]) or 0.0)
    )
    rows = []
    for voyage in ranked[:MAX_VOYAGE_ROWS]:
        cells = [
            _vessel(voyage),
            _port(voyage.get("from")),
            _port(voyage.get("to")) if voyage.get("to") else "under way",
            voyage["departure"].replace("T", " ").removesuffix("Z"),
            (voyage.get("arrival") or "").replace("T", " ").removesuffix("Z"),
            _number(voyage.get("distance_nm")),
            str(voyage.get("stops_at_sea", 0)),
            _number(voyage.get("dark_hours")),
            str(len(voyage.get("alert_ids", ()))),
        ]
        score = int(voyage["risk_score"])
        colour = SEVERITY_COLOURS.get(str(voyage["severity"]), "#2f4b6e")
        rows.append(
            "<tr>"
            + "".join(f"<td>{esc(cell)}</td>" for cell in cells)
            + f'<td class="num"><span class="score" style="background:{colour}">{score}</span>'
            f"</td><td>{esc(voyage.get('explanation', ''))}</td></tr>"
        )
    head = (
        "<tr><th>Vessel</th><th>From</th><th>To</th><th>Departure (UTC)</th>"
        "<th>Arrival (UTC)</th><th>nm</th><th>Stops at sea</th><th>Dark h</th><th>Alerts</th>"
        "<th>Risk</th><th>Why</th></tr>"
    )
    note = ""
    if len(voyages) > MAX_VOYAGE_ROWS:
        note = f'<p class="note">The {MAX_VOYAGE_ROWS} riskiest of {len(voyages):,} voyages.</p>'
    body = "".join(rows)
    return f'{note}<table id="voyages"><thead>{head}</thead><tbody>{body}</tbody></table>'


def _great_circle(a: tuple[float, float], b: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """(lats, lons) of ``_STEPS`` + 1 points from ``a`` to ``b`` on the great circle."""
    (p1, l1), (p2, l2) = (tuple(map(math.radians, a))), (tuple(map(math.radians, b)))
    v1 = np.array([math.cos(p1) * math.cos(l1), math.cos(p1) * math.sin(l1), math.sin(p1)])
    v2 = np.array([math.cos(p2) * math.cos(l2), math.cos(p2) * math.sin(l2), math.sin(p2)])
    omega = math.acos(max(-1.0, min(1.0, float(v1 @ v2))))
    f = np.linspace(0.0, 1.0, _STEPS + 1)
    if omega < 1e-9:
        points = np.outer(1 - f, v1) + np.outer(f, v2)
    else:
        points = (
            np.outer(np.sin((1 - f) * omega), v1) + np.outer(np.sin(f * omega), v2)
        ) / math.sin(omega)
    lat = np.degrees(np.arctan2(points[:, 2], np.hypot(points[:, 0], points[:, 1])))
    lon = np.degrees(np.unwrap(np.arctan2(points[:, 1], points[:, 0])))
    return lat, lon


def _title(voyage: Mapping[str, Any]) -> str:
    return (
        f"{_vessel(voyage)}: {_port(voyage.get('from'))} → {_port(voyage.get('to'))}, "
        f"{voyage['departure']} → {voyage.get('arrival')}, "
        f"{_number(voyage.get('distance_nm'))} nm, risk {voyage['risk_score']}"
    )


def _vessel(voyage: Mapping[str, Any]) -> str:
    name = (voyage.get("vessel") or {}).get("name")
    return f"{name} ({voyage['mmsi']})" if name else f"MMSI {voyage['mmsi']}"


def _port(port: Mapping[str, Any] | None) -> str:
    if not port:
        return "?"
    name = port.get("name") or port["id"]
    return f"{name} ({port['country']})" if port.get("country") else str(name)


def _number(value: object) -> str:
    return "" if not isinstance(value, int | float) else f"{value:,.1f}"
