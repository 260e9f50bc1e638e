"""Metric geometry on lon/lat data, for building zone packs: circles and buffers in metres.

Zone packs are WGS84 lon/lat, but their outlines are defined in metres (a 3 km circle round a
port, a corridor 5 nm either side of a lane). Degrees are not metres — a degree of longitude is
111 km at the equator and 94 km at 32° N — so buffering in degrees would squash every zone east
to west. Two tools do it properly:

``geodesic_circle``
    a polygon whose vertices lie a given distance from a point on the mean sphere (exact
    spherical destination points; within 0.5 % of the ellipsoidal distance).
``buffer_m``
    buffers any geometry by metres in an azimuthal equidistant projection centred on the
    geometry (pyproj), then projects back. Distances from the centre are exact and other
    distances are within 0.1 % up to 500 km from it, so callers keep each piece of a large
    geometry within a few hundred km (``zones.layer_lanes`` cuts lanes into tiles).

The builders use both. At run time only ``geodesic_circle`` is used, to draw circle zones
(``zones.circles``), so pyproj is imported only when ``buffer_m`` first runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

__all__ = ["CIRCLE_VERTICES", "EARTH_RADIUS_M", "NAUTICAL_MILE_M", "buffer_m", "geodesic_circle"]

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)
NAUTICAL_MILE_M = 1852.0
CIRCLE_VERTICES = 16  # a 4 km circle loses at most 77 m of radius to its chords


def geodesic_circle(
    lon: float, lat: float, radius_m: float, vertices: int = CIRCLE_VERTICES
) -> Polygon:
    """A polygon whose vertices lie ``radius_m`` from (lon, lat) on a spherical Earth.

    Spherical destination points: within 0.5 % of the ellipsoidal distance, far below the
    uncertainty of a port's single WPI position. Not meant for circles crossing a pole or the
    antimeridian.
    """
    phi1 = math.radians(lat)
    lam1 = math.radians(lon)
    delta = radius_m / EARTH_RADIUS_M
    ring = []
    for step in range(vertices):
        theta = 2 * math.pi * step / vertices
        sin_phi2 = math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(
            theta
        )
        phi2 = math.asin(sin_phi2)
        lam2 = lam1 + math.atan2(
            math.sin(theta) * math.sin(delta) * math.cos(phi1),
            math.cos(delta) - math.sin(phi1) * sin_phi2,
        )
        ring.append((math.degrees(lam2), math.degrees(phi2)))
    return Polygon(ring)


def buffer_m(
    geometry: BaseGeometry,
    distance_m: float,
    centre: tuple[float, float] | None = None,
    quad_segs: int = 4,
) -> BaseGeometry:
    """``geometry`` (lon/lat) grown by ``distance_m`` metres, back in lon/lat.

    The buffer is computed in an azimuthal equidistant projection centred on ``centre`` (lon,
    lat; the centre of the geometry's bounds by default) on the WGS84 ellipsoid. Keep the
    geometry within a few hundred km of the centre: the projection's scale error grows with
    the square of the distance (0.1 % at 500 km). ``quad_segs`` is the number of segments per
    quarter circle at round ends and joins.
    """
    if centre is None:
        min_lon, min_lat, max_lon, max_lat = geometry.bounds
        centre = ((min_lon + max_lon) / 2, (min_lat + max_lat) / 2)
    forward, backward = _aeqd(round(centre[0], 6), round(centre[1], 6))
    projected = shapely.transform(geometry, forward)
    grown = shapely.buffer(projected, distance_m, quad_segs=quad_segs)
    result: BaseGeometry = shapely.transform(grown, backward)
    return result


Coordinates = npt.NDArray[np.float64]
_Transform = Callable[[Coordinates], Coordinates]


def _aeqd(lon: float, lat: float) -> tuple[_Transform, _Transform]:
    """Functions from lon/lat to metres in the azimuthal equidistant projection at (lon, lat),
    and back, in the array form ``shapely.transform`` calls."""
    from pyproj import CRS, Transformer  # here: the engine needs no projection, only builders

    local = CRS.from_proj4(f"+proj=aeqd +lon_0={lon} +lat_0={lat} +datum=WGS84 +units=m")
    to_local = Transformer.from_crs("EPSG:4326", local, always_xy=True)
    to_wgs84 = Transformer.from_crs(local, "EPSG:4326", always_xy=True)

    def forward(xy: Coordinates) -> Coordinates:
        x, y = to_local.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    def backward(xy: Coordinates) -> Coordinates:
        x, y = to_wgs84.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return forward, backward
