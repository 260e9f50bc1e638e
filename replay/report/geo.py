"""Map geometry for the HTML report: the view a map shows, its projection, and where to look.

A ``MapView`` is an equirectangular projection (plate carrée stretched by the cosine of its
centre latitude, so shapes are right at the centre of the map) onto a frame of ``width`` ×
``height`` pixels. Longitudes are measured from the view's western edge *modulo 360*, so a view
may straddle the antimeridian (the North Pacific from 150° E to 140° W is one 70° wide view)
and nothing in this module ever needs a longitude in −180..180.

``fit_view`` chooses the smallest view holding a set of points (the shortest arc of longitude,
which may cross 180°); ``find_regions`` picks the few places where the alerts concentrate, for
detail maps beside the overview.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["MapView", "Region", "find_regions", "fit_view", "nice_step", "wrap_lon"]

FloatArray = npt.NDArray[np.float64]

_MAX_LAT = 84.0  # beyond this an equirectangular map is mostly stretched ice
_NICE_STEPS = (
    1 / 60,
    2 / 60,
    5 / 60,
    10 / 60,
    0.25,
    0.5,
    1.0,
    2.0,
    5.0,
    10.0,
    15.0,
    20.0,
    30.0,
    45.0,
    60.0,
)


def wrap_lon(lon: float) -> float:
    """A longitude in [−180, 180)."""
    return (lon + 180.0) % 360.0 - 180.0


@dataclass(frozen=True, slots=True)
class MapView:
    """What one map shows: ``span`` degrees of longitude east of ``west``, ``south`` to
    ``north`` in latitude, drawn ``width`` pixels wide (the height follows)."""

    west: float
    span: float
    south: float
    north: float
    width: float

    @property
    def centre_lat(self) -> float:
        return (self.south + self.north) / 2

    @property
    def px_per_deg_lon(self) -> float:
        return self.width / self.span

    @property
    def px_per_deg_lat(self) -> float:
        cos = max(math.cos(math.radians(self.centre_lat)), 0.2)
        return self.px_per_deg_lon / cos

    @property
    def height(self) -> float:
        return (self.north - self.south) * self.px_per_deg_lat

    def u(self, lon: FloatArray) -> FloatArray:
        """Degrees east of the western edge, wrapped to the 360° window centred on the view."""
        half = self.span / 2
        offset: FloatArray = (lon - self.west - half + 180.0) % 360.0 - 180.0 + half
        return offset

    def x(self, lon: FloatArray) -> FloatArray:
        """Pixel x of each longitude (any range; points outside the view fall outside 0..width)."""
        return self.u(lon) * self.px_per_deg_lon

    def y(self, lat: FloatArray) -> FloatArray:
        return (self.north - lat) * self.px_per_deg_lat

    def x_unwrapped(self, lon: FloatArray) -> FloatArray:
        """Pixel x of a *continuous* run of longitudes (a track, a polygon ring): the run is
        unwrapped so that it never jumps by 360°, then placed by its first point. A track that
        crosses the antimeridian therefore continues off the edge of the map instead of being
        drawn straight across it."""
        if lon.size == 0:
            return lon.copy()
        steps = np.diff(lon)
        steps = (steps + 180.0) % 360.0 - 180.0
        continuous = lon[0] + np.concatenate(([0.0], np.cumsum(steps)))
        first = float(self.u(lon[:1])[0])
        x: FloatArray = (continuous - continuous[0] + first) * self.px_per_deg_lon
        return x

    def contains(self, lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
        u = self.u(lon)
        inside: npt.NDArray[np.bool_] = (
            (u >= 0) & (u <= self.span) & (lat >= self.south) & (lat <= self.north)
        )
        return inside


def fit_view(
    lon: Sequence[float] | FloatArray,
    lat: Sequence[float] | FloatArray,
    width: float,
    *,
    min_span: float = 0.3,
    max_aspect: float = 0.75,
    min_aspect: float = 0.42,
    pad: float = 0.08,
) -> MapView:
    """The smallest view holding every point, padded, with a height between ``min_aspect`` and
    ``max_aspect`` of its width. No points: the whole world."""
    lons = np.asarray(lon, dtype=np.float64)
    lats = np.asarray(lat, dtype=np.float64)
    ok = np.isfinite(lons) & np.isfinite(lats)
    lons, lats = lons[ok], lats[ok]
    if lons.size == 0:
        return MapView(-180.0, 360.0, -60.0, 75.0, width)
    west, arc = _shortest_arc(lons)
    south, north = float(lats.min()), float(lats.max())
    span = max(arc, min_span)
    height = max(north - south, min_span)
    west -= (span - arc) / 2 + span * pad  # centre a minimal view on its points, then pad
    span *= 1 + 2 * pad
    mid = (south + north) / 2
    south, north = mid - height * (0.5 + pad), mid + height * (0.5 + pad)
    view = _clamped(west, span, south, north, width)
    # Keep the frame reasonably shaped: widen a tall view, heighten a flat one.
    if view.height > width * max_aspect:
        wanted = view.span * view.height / (width * max_aspect)
        view = _clamped(view.west - (wanted - view.span) / 2, wanted, south, north, width)
    if view.height < width * min_aspect:
        lat_needed = width * min_aspect / view.px_per_deg_lat
        extra = (lat_needed - (view.north - view.south)) / 2
        view = _clamped(view.west, view.span, view.south - extra, view.north + extra, width)
    return view


def _clamped(west: float, span: float, south: float, north: float, width: float) -> MapView:
    span = min(span, 360.0)
    if span >= 360.0:
        west = -180.0
    south, north = max(south, -_MAX_LAT), min(north, _MAX_LAT)
    return MapView(wrap_lon(west), span, south, north, width)


def _shortest_arc(lons: FloatArray) -> tuple[float, float]:
    """(west, span) of the shortest arc of longitude holding every value: the complement of the
    widest gap between neighbours around the circle (which may be the one across 180°)."""
    ordered = np.unique((lons + 180.0) % 360.0 - 180.0)
    if ordered.size == 1:
        return float(ordered[0]), 0.0
    gaps = np.diff(np.concatenate((ordered, ordered[:1] + 360.0)))
    widest = int(np.argmax(gaps))
    west = float(ordered[(widest + 1) % ordered.size])
    return west, float(360.0 - gaps[widest])


def nice_step(span: float, target: int = 6) -> float:
    """A graticule spacing giving about ``target`` lines over ``span`` degrees."""
    for step in _NICE_STEPS:
        if span / step <= target:
            return step
    return _NICE_STEPS[-1]


@dataclass(frozen=True, slots=True)
class Region:
    """A place where alerts concentrate: the indices of its points and the view framing them."""

    members: tuple[int, ...]
    view: MapView


def find_regions(
    lon: FloatArray,
    lat: FloatArray,
    weight: FloatArray,
    width: float,
    *,
    limit: int = 4,
    radius_deg: float = 4.0,
    min_share: float = 0.015,
) -> list[Region]:
    """Up to ``limit`` regions, heaviest first, found greedily: the heaviest cell of a
    ``radius_deg`` grid seeds a region, which takes every remaining point within ``radius_deg``
    of the seed's weighted centre; repeat on what is left. Regions lighter than ``min_share``
    of the total weight (and lighter than three info alerts) are not worth a map, nor are
    those whose points all fall on the map of a heavier region."""
    remaining = np.isfinite(lon) & np.isfinite(lat)
    total = float(weight[remaining].sum())
    regions: list[Region] = []
    while len(regions) < limit and remaining.any():
        idx = np.flatnonzero(remaining)
        cells = np.floor(lat[idx] / radius_deg) * 1000 + np.floor(
            ((lon[idx] + 180.0) % 360.0) / radius_deg
        )
        keys, inverse = np.unique(cells, return_inverse=True)
        sums = np.bincount(inverse, weights=weight[idx], minlength=keys.size)
        best = int(np.argmax(sums))
        if sums[best] < max(3.0, min_share * total):
            break
        seed = idx[inverse == best]
        w = weight[seed]
        c_lat = float(np.average(lat[seed], weights=w))
        c_lon = float(
            np.degrees(
                np.arctan2(
                    np.average(np.sin(np.radians(lon[seed])), weights=w),
                    np.average(np.cos(np.radians(lon[seed])), weights=w),
                )
            )
        )
        d_lon = ((lon[idx] - c_lon + 180.0) % 360.0 - 180.0) * math.cos(math.radians(c_lat))
        near = idx[np.hypot(d_lon, lat[idx] - c_lat) <= radius_deg]
        remaining[near] = False
        if any(r.view.contains(lon[near], lat[near]).all() for r in regions):
            continue  # already on the map of a heavier region
        view = fit_view(
            lon[near], lat[near], width, min_span=0.25, pad=0.15, min_aspect=0.6, max_aspect=0.6
        )
        regions.append(Region(tuple(int(i) for i in near), view))
    return regions
