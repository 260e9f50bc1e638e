"""Polygons drawn across the antimeridian, split at ±180° so they mean what their author meant.

GeoJSON (RFC 7946, 3.1.9) joins consecutive positions by straight lines in lon/lat, so a ring
from 170°E to 170°W spans 340° of longitude the long way round — a band over the whole world —
while its author meant the 20° across the date line. No maritime zone has an edge longer than
180° of longitude, so such an edge is taken as crossing the antimeridian, and the polygon is
split there (as RFC 7946 asks writers to do): its negative longitudes are shifted by +360°,
the shifted polygon is cut by the boxes [-180, 180] and [180, 540], and the eastern piece is
shifted back by -360°. The result is a MultiPolygon in plain lon/lat that ``ZoneIndex``
queries like any other.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

__all__ = ["AntimeridianError", "split_at_antimeridian"]

# In shifted longitudes (0..360): the piece up to 180°E, and the piece past it (west longitudes).
_UP_TO_180 = box(-180.0, -90.0, 180.0, 90.0)
_PAST_180 = box(180.0, -90.0, 540.0, 90.0)


class AntimeridianError(ValueError):
    """A polygon that crosses the antimeridian but is not a valid polygon once unwrapped."""


def split_at_antimeridian(
    geometry: Polygon | MultiPolygon,
) -> tuple[Polygon | MultiPolygon, int]:
    """``geometry`` with each polygon that crosses the antimeridian split at ±180°, and the
    number of polygons it is made of when any was split (0 when it is returned unchanged).

    Raises ``AntimeridianError`` when a crossing polygon is invalid once unwrapped.
    """
    min_lon, _, max_lon, _ = geometry.bounds
    if max_lon - min_lon <= 180.0:  # no edge can be longer than the geometry is wide
        return geometry, 0
    parts: list[Polygon] = (
        list(geometry.geoms) if isinstance(geometry, MultiPolygon) else [geometry]
    )
    crossing = [_crosses(part) for part in parts]
    if not any(crossing):
        return geometry, 0
    pieces: list[Polygon] = []
    for part, crosses in zip(parts, crossing, strict=True):
        pieces.extend(_split(part) if crosses else [part])
    return MultiPolygon(pieces), len(pieces)


def _crosses(polygon: Polygon) -> bool:
    """Whether an edge of any ring of ``polygon`` spans more than 180° of longitude."""
    for ring in (polygon.exterior, *polygon.interiors):
        lon = shapely.get_coordinates(ring)[:, 0]
        if np.any(np.abs(np.diff(lon)) > 180.0):
            return True
    return False


def _split(polygon: Polygon) -> list[Polygon]:
    unwrapped = shapely.transform(polygon, _shift_east)
    if not unwrapped.is_valid:
        raise AntimeridianError(
            "crosses the antimeridian (an edge spans more than 180° of longitude) but is "
            f"invalid once unwrapped: {shapely.is_valid_reason(unwrapped)}; split it at ±180° "
            "into a MultiPolygon"
        )
    east = shapely.intersection(unwrapped, _UP_TO_180)
    west = shapely.transform(shapely.intersection(unwrapped, _PAST_180), _shift_back)
    return [
        piece
        for piece in shapely.get_parts([east, west]).tolist()
        if isinstance(piece, Polygon) and piece.area > 0
    ]


def _shift_east(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    shifted = xy.copy()
    shifted[:, 0] = np.where(xy[:, 0] < 0, xy[:, 0] + 360.0, xy[:, 0])
    return shifted


def _shift_back(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    shifted = xy.copy()
    shifted[:, 0] -= 360.0
    return shifted
