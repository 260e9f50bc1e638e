"""Server-side SVG maps for the report: land, zones, graticule, tracks and alert markers.

Each map is one inline ``<svg>`` in pixel coordinates of its ``MapView`` (equirectangular, see
``geo``), readable without JavaScript: markers carry a ``<title>`` (the browser's own
tooltip) and link to their row of the alert table. Layers, bottom to top: sea, land (contoured
from the GLOBE land mask, ``land``), zones of the loaded packs, graticule, vessel tracks
(solid while reporting, dashed across silences, broken — not drawn — across implausible
jumps), the gap of each dark period (dashed, from where the vessel went dark to where it
reappeared), and the markers, the most severe on top. Tracks and polygons are unwrapped
across the antimeridian and clipped to the frame, so nothing is ever drawn across the map.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from replay.report.data import AlertRow, esc, fmt_lat, fmt_lon, fmt_time
from replay.report.geo import MapView, nice_step
from replay.report.tracks import Track
from replay.report.voyages import VoyageLine, voyage_paths
from zones.index import ZoneIndex

__all__ = ["MARKER_SHAPES", "ZoneLayer", "render_map", "symbol_defs"]

FloatArray = npt.NDArray[np.float64]

MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 50.0, 10.0, 8.0, 22.0
_CIRCLE = "M5 0A5 5 0 1 1-5 0A5 5 0 1 1 5 0Z"
MARKER_SHAPES = {
    "loitering": _CIRCLE,
    "dark_period": "M-4.4-4.4H4.4V4.4H-4.4Z",
    "position_jump": "M0-6L5.5 4H-5.5Z",
    "zone_entry": "M0-6L6 0 0 6-6 0Z",
    "zone_exit": "M0 6L5.5-4H-5.5Z",
    "port_call": "M4 0L2-3.5H-2L-4 0-2 3.5H2Z",
    "encounter": "M0-6L1.8-1.9 6-1.9 2.6 .8 3.8 5.2 0 2.5-3.8 5.2-2.6 .8-6-1.9-1.8-1.9Z",
    "identity_change": "M-1.8-5.5H1.8V-1.8H5.5V1.8H1.8V5.5H-1.8V1.8H-5.5V-1.8H-1.8Z",
    "invalid_identity": "M-4.4-2 -2-4.4 0-2 2-4.4 4.4-2 2 0 4.4 2 2 4.4 0 2-2 4.4-4.4 2-2 0Z",
    "identity_conflict": "M-5.5-4.5L0 0-5.5 4.5ZM5.5-4.5L0 0 5.5 4.5Z",
    "distress": "M-2.3-5.5H2.3L5.5-2.3V2.3L2.3 5.5H-2.3L-5.5 2.3V-2.3Z",
    "destination_change": "M-5.5-1.5H1.5V-5L5.5 0 1.5 5V1.5H-5.5Z",
    "stop_at_sea": "M-4.4-5H-1.2V5H-4.4ZM1.2-5H4.4V5H1.2Z",
    "drift": "M-5.5 1.5Q-2.8-3.5 0 1.5T5.5 1.5V4Q2.8-1 0 4T-5.5 4Z",
    "route_deviation": "M-5.5 4L-1.5-4 1.5 1 5.5-5 5.5-1.5 1.5 5-1.5 0-3 4Z",
}
_ZONE_KINDS = (
    "port",
    "anchorage",
    "restricted",
    "protected",
    "eez",
    "territorial_sea",
    "high_risk",
)
_MAX_ZONES_PER_MAP = 600
_KM_PER_DEG = 111.195
_JUMP_KNOTS = 60.0  # a faster step between kept points is a bad fix: not joined by a line
_GAP_SECONDS = 3 * 3600.0
_MAX_GAP_SECONDS = 7 * 86400.0


def symbol_defs() -> str:
    """The marker shapes, once per page (maps refer to them with ``<use>``)."""
    paths = "".join(f'<path id="s-{name}" d="{d}"/>' for name, d in sorted(MARKER_SHAPES.items()))
    return f'<svg class="defs" width="0" height="0" aria-hidden="true"><defs>{paths}</defs></svg>'


def shape_of(alert_type: str) -> str:
    return alert_type if alert_type in MARKER_SHAPES else "loitering"


@dataclass(frozen=True, slots=True)
class ZoneLayer:
    """The zones worth drawing (not corridors: lanes would hide everything), indexed by box."""

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    geometries: npt.NDArray[np.object_]
    bounds: FloatArray

    @classmethod
    def from_index(cls, index: ZoneIndex) -> ZoneLayer:
        zones = [zone for zone in index.zones if zone.kind.value in _ZONE_KINDS]
        geometries = np.array([zone.geometry for zone in zones], dtype=object)
        bounds = shapely.bounds(geometries) if zones else np.empty((0, 4))
        return cls(
            tuple(zone.name for zone in zones),
            tuple(zone.kind.value for zone in zones),
            geometries,
            np.asarray(bounds, dtype=np.float64),
        )


def render_map(
    map_id: str,
    view: MapView,
    rows: Sequence[AlertRow],
    tracks: Sequence[Track],
    labels: Mapping[int, str],
    *,
    land: str | None,
    zones: ZoneLayer | None,
    max_markers: int,
    label: str,
    insets: Sequence[MapView] = (),
    voyages: Sequence[VoyageLine] = (),
) -> tuple[str, int]:
    """One map as an ``<svg>`` element, and how many alerts in view were left undrawn.
    ``insets`` are the detail maps' views, outlined and numbered (linking to ``#region-N``)."""
    w, h = view.width, view.height
    placed = [r for r in rows if r.has_position]
    lon = np.array([r.lon for r in placed], dtype=np.float64)
    lat = np.array([r.lat for r in placed], dtype=np.float64)
    inside = view.contains(lon, lat) if placed else np.zeros(0, dtype=np.bool_)
    shown = [r for r, ok in zip(placed, inside.tolist(), strict=True) if ok]
    dropped = max(0, len(shown) - max_markers)
    if dropped:
        shown = sorted(shown, key=lambda r: (-r.rank, -r.score, r.start or 0.0))[:max_markers]
    shown.sort(key=lambda r: (r.rank, r.start or 0.0, r.alert_id))
    clip = f"clip-{map_id}"
    parts = [
        f'<svg class="map" id="{map_id}" viewBox="0 0 {_n(w + MARGIN_LEFT + MARGIN_RIGHT)} '
        f'{_n(h + MARGIN_TOP + MARGIN_BOTTOM)}" aria-label="{esc(label)}">',
        f'<clipPath id="{clip}"><rect width="{_n(w)}" height="{_n(h)}"/></clipPath>',
        f'<g transform="translate({_n(MARGIN_LEFT)} {_n(MARGIN_TOP)})">',
        f'<rect class="sea" width="{_n(w)}" height="{_n(h)}"/>',
        f'<g clip-path="url(#{clip})">',
    ]
    if land:
        parts.append(f'<path class="land" d="{land}"/>')
    if zones is not None:
        parts.append(_zones(view, zones))
    parts.append(_graticule_lines(view))
    if voyages:
        parts.append(voyage_paths(view, voyages))
    parts.append(_tracks(view, tracks, labels))
    parts.append(_dark_gaps(view, shown))
    parts.append(_markers(view, shown))
    parts.append(_insets(view, insets))
    parts.append("</g>")
    parts.append(f'<rect class="frame" width="{_n(w)}" height="{_n(h)}"/>')
    parts.append(_graticule_labels(view))
    parts.append(_scale_bar(view))
    parts.append("</g></svg>")
    return "".join(parts), dropped


def _n(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _steps(view: MapView) -> tuple[float, float]:
    lon_step = nice_step(view.span, max(3, int(view.width / 110)))
    lat_step = nice_step(view.north - view.south, max(2, int(view.height / 70)))
    return lon_step, lat_step


def _graticule_values(view: MapView) -> tuple[list[float], list[float]]:
    lon_step, lat_step = _steps(view)
    lons = []
    k = math.ceil(view.west / lon_step - 1e-9)
    while k * lon_step <= view.west + view.span + 1e-9:
        lons.append(k * lon_step)
        k += 1
    lats = []
    k = math.ceil(view.south / lat_step - 1e-9)
    while k * lat_step <= view.north + 1e-9:
        lats.append(k * lat_step)
        k += 1
    return lons, lats


def _graticule_lines(view: MapView) -> str:
    lons, lats = _graticule_values(view)
    d = []
    for value in lons:
        x = (value - view.west) * view.px_per_deg_lon
        d.append(f"M{_n(x)} 0V{_n(view.height)}")
    for value in lats:
        y = (view.north - value) * view.px_per_deg_lat
        d.append(f"M0 {_n(y)}H{_n(view.width)}")
    return f'<path class="grat" d="{"".join(d)}"/>'


def _graticule_labels(view: MapView) -> str:
    lons, lats = _graticule_values(view)
    lon_step, lat_step = _steps(view)
    out = ['<g class="gl">']
    for value in lons:
        x = (value - view.west) * view.px_per_deg_lon
        anchor = "start" if x < 12 else "end" if x > view.width - 12 else "middle"
        out.append(
            f'<text x="{_n(x)}" y="{_n(view.height + 15)}" text-anchor="{anchor}">'
            f"{esc(fmt_lon(value, lon_step))}</text>"
        )
    for value in lats:
        y = (view.north - value) * view.px_per_deg_lat
        out.append(
            f'<text x="-5" y="{_n(y + 4)}" text-anchor="end">{esc(fmt_lat(value, lat_step))}</text>'
        )
    out.append("</g>")
    return "".join(out)


def _scale_bar(view: MapView) -> str:
    """A distance bar at the frame's lower left (only where distances hardly vary)."""
    if view.span > 40:
        return ""
    px_per_km = view.px_per_deg_lat / _KM_PER_DEG
    km = next((k for k in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if k * px_per_km >= 60), 0)
    if not km:
        return ""
    length = km * px_per_km
    y = view.height - 12
    return (
        f'<g class="scale"><rect x="6" y="{_n(y - 13)}" width="{_n(length + 12)}" height="21"/>'
        f'<path d="M12 {_n(y - 3)}V{_n(y)}H{_n(12 + length)}V{_n(y - 3)}"/>'
        f'<text x="{_n(12 + length / 2)}" y="{_n(y - 4)}" text-anchor="middle">{km} km</text></g>'
    )


def _zones(view: MapView, layer: ZoneLayer) -> str:
    """Zone outlines in view, at least a few pixels across (small ports vanish on an ocean)."""
    if layer.bounds.shape[0] == 0:
        return ""
    b = layer.bounds
    centre = (b[:, 0] + b[:, 2]) / 2
    u = view.u(centre)
    half = (b[:, 2] - b[:, 0]) / 2
    size_px = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) * view.px_per_deg_lon
    near = (
        (u + half >= 0)
        & (u - half <= view.span)
        & (b[:, 3] >= view.south)
        & (b[:, 1] <= view.north)
        & (size_px >= 3.0)
    )
    chosen = np.flatnonzero(near)
    if chosen.size > _MAX_ZONES_PER_MAP:
        chosen = chosen[np.argsort(-size_px[chosen], kind="stable")[:_MAX_ZONES_PER_MAP]]
        chosen.sort()
    out = ['<g class="zones">']
    for i in chosen.tolist():
        d = _polygon_path(view, layer.geometries[i])
        if d:
            kind = layer.kinds[i]
            title = f"{layer.names[i]} ({kind.replace('_', ' ')})"
            out.append(f'<path class="z z-{kind}" d="{d}"><title>{esc(title)}</title></path>')
    out.append("</g>")
    return "".join(out)


def _polygon_path(view: MapView, geometry: object) -> str:
    rings = shapely.get_rings(shapely.get_parts(geometry))
    parts = []
    for ring in rings.tolist():
        xy = shapely.get_coordinates(ring)
        if xy.shape[0] < 4:
            continue
        x = view.x_unwrapped(xy[:, 0])
        y = view.y(xy[:, 1])
        parts.append(_polyline(x, y, 0.7) + "Z")
    return "".join(parts)


def _polyline(x: FloatArray, y: FloatArray, min_px: float) -> str:
    """``M`` and implicit line-tos through the points, skipping those within ``min_px`` of the
    previous kept point (the last point is always kept)."""
    kept_x, kept_y = [float(x[0])], [float(y[0])]
    xs, ys = x.tolist(), y.tolist()
    last = len(xs) - 1
    for i in range(1, len(xs)):
        if abs(xs[i] - kept_x[-1]) + abs(ys[i] - kept_y[-1]) >= min_px or i == last:
            kept_x.append(xs[i])
            kept_y.append(ys[i])
    numbers = " ".join(f"{_n(a)} {_n(b)}" for a, b in zip(kept_x, kept_y, strict=True))
    return f"M{numbers}"


def _tracks(view: MapView, tracks: Sequence[Track], labels: Mapping[int, str]) -> str:
    out = ['<g class="tracks">']
    for track in tracks:
        if len(track) < 2:
            continue
        x = view.x_unwrapped(track.lons)
        y = view.y(track.lats)
        if x.max() < 0 or x.min() > view.width or y.max() < 0 or y.min() > view.height:
            continue
        solid, dashed = _track_segments(track, x, y)
        if not solid and not dashed:
            continue
        title = f"{labels.get(track.mmsi, f'MMSI {track.mmsi}')}: track " + (
            f"{fmt_time(float(track.times[0]))} → {fmt_time(float(track.times[-1]))}"
        )
        out.append(f'<g class="trk" data-mmsi="{track.mmsi}"><title>{esc(title)}</title>')
        if dashed:
            out.append(f'<path class="gap" d="{dashed}"/>')
        if solid:
            out.append(f'<path class="run" d="{solid}"/>')
        out.append("</g>")
    out.append("</g>")
    return "".join(out)


def _track_segments(track: Track, x: FloatArray, y: FloatArray) -> tuple[str, str]:
    """Path data of the reporting runs and of the silences of one projected track."""
    lat = np.radians(track.lats)
    d_lat = np.diff(lat)
    d_lon = np.radians((np.diff(track.lons) + 180.0) % 360.0 - 180.0)
    a = np.sin(d_lat / 2) ** 2 + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(d_lon / 2) ** 2
    km = 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    seconds = np.diff(track.times)
    knots = km / 1.852 / np.maximum(seconds, 1.0) * 3600.0
    bad = (km > 5.0) & (knots > _JUMP_KNOTS)
    usual = float(np.median(seconds)) if seconds.size else 0.0
    long_silence = seconds > max(_GAP_SECONDS, 4 * usual)
    bad |= long_silence & (seconds > _MAX_GAP_SECONDS)  # two voyages, not one silence
    silent = ~bad & long_silence
    solid_parts, dashed_parts = [], []
    start = 0
    for i in np.flatnonzero(bad | silent).tolist():
        if i + 1 - start >= 2:
            solid_parts.append(_polyline(x[start : i + 1], y[start : i + 1], 0.8))
        if silent[i]:
            dashed_parts.append(_polyline(x[i : i + 2], y[i : i + 2], 0.0))
        start = i + 1
    if x.size - start >= 2:
        solid_parts.append(_polyline(x[start:], y[start:], 0.8))
    return "".join(solid_parts), "".join(dashed_parts)


def _dark_gaps(view: MapView, rows: Sequence[AlertRow]) -> str:
    """A dashed line from where each dark period began to where the vessel reappeared."""
    out = []
    for row in rows:
        if row.reappeared is None or row.lat is None or row.lon is None:
            continue
        lon = np.array([row.lon, row.reappeared[1]])
        lat = np.array([row.lat, row.reappeared[0]])
        x, y = view.x_unwrapped(lon), view.y(lat)
        if abs(x[1] - x[0]) + abs(y[1] - y[0]) < 2:
            continue
        out.append(
            f'<path class="dg" data-id="{esc(row.alert_id)}" '
            f'd="M{_n(x[0])} {_n(y[0])}L{_n(x[1])} {_n(y[1])}"/>'
        )
    return f'<g class="dgs">{"".join(out)}</g>' if out else ""


def _insets(view: MapView, insets: Sequence[MapView]) -> str:
    out = []
    for n, inset in enumerate(insets, start=1):
        x = float(view.x(np.array([inset.west]))[0])
        y = float(view.y(np.array([inset.north]))[0])
        w = inset.span * view.px_per_deg_lon
        h = (inset.north - inset.south) * view.px_per_deg_lat
        out.append(
            f'<a href="#region-{n}" class="inset"><title>Detail map {n}</title>'
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}"/>'
            f'<rect class="badge" x="{_n(x - 1)}" y="{_n(y - 15)}" width="14" height="15"/>'
            f'<text x="{_n(x + 6)}" y="{_n(y - 3.5)}" text-anchor="middle">{n}</text></a>'
        )
    return f'<g class="insets">{"".join(out)}</g>' if out else ""


def _markers(view: MapView, rows: Sequence[AlertRow]) -> str:
    if not rows:
        return ""
    lon = np.array([r.lon for r in rows], dtype=np.float64)
    lat = np.array([r.lat for r in rows], dtype=np.float64)
    xs, ys = view.x(lon).tolist(), view.y(lat).tolist()
    out = ['<g class="mks">']
    for row, x, y in zip(rows, xs, ys, strict=True):
        title = (
            f"{row.severity.upper()} · {row.type_label} · {row.vessel} · MMSI {row.mmsi}\n"
            f"{fmt_time(row.start)} → {fmt_time(row.end) if row.end else 'ongoing'}"
        )
        ident = esc(row.alert_id)
        out.append(
            f'<a href="#a-{ident}" class="mk t-{esc(row.type)} s-{row.severity}" '
            f'data-id="{ident}" data-mmsi="{row.mmsi}"><title>{esc(title)}</title>'
            f'<use href="#s-{shape_of(row.type)}" x="{_n(x)}" y="{_n(y)}"/></a>'
        )
    out.append("</g>")
    return "".join(out)
