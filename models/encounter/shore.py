"""How far a position at sea is from land, on the GLOBE 1 km land mask (``zones.land``).

``shore_km(lat, lon, within_km)`` is the distance to the nearest land cell of the mask, or
``None`` when none lies within ``within_km``. The mask is sampled on a square grid of points
around the position, finer near it (0.4 km, under the mask's 0.84–0.93 km cells, so no land cell
within 20 km is missed) and coarser further out (0.8 km, where an islet of one cell may be
missed): an estimate, to the half kilometre, for context ("60 nm offshore") and for where a
learned anchorage may be, never for navigation. GLOBE counts rivers, canals and most lakes as
land, so a position on inland water is at 0 km.

Results are cached per position: a pure function of its arguments, the same on every path.
"""

from __future__ import annotations

import math
from functools import cache, lru_cache

import numpy as np
import numpy.typing as npt

from zones.land import is_land, well_inland

__all__ = ["SEARCH_KM", "inland", "shore_km"]

#: The farthest ``shore_km`` looks for land when asked for context.
SEARCH_KM = 250.0
_KM_PER_DEGREE = 111.195  # mean sphere
#: (outer radius km, spacing km) of the bands searched, nearest first.
_BANDS = ((5.0, 0.4), (20.0, 0.4), (60.0, 0.8), (SEARCH_KM, 0.8))


@lru_cache(maxsize=8192)
def shore_km(lat: float, lon: float, within_km: float = SEARCH_KM) -> float | None:
    """Kilometres from (lat, lon) to the nearest land cell, if one lies within ``within_km``."""
    if bool(is_land(lat=lat, lon=lon)):
        return 0.0
    inner = 0.0
    for outer, spacing in _BANDS:
        if inner >= within_km:
            break
        outer = min(outer, within_km)
        found = _nearest_in_band(lat, lon, inner, outer, spacing)
        if found is not None:
            return found
        inner = outer
    return None


@lru_cache(maxsize=8192)
def inland(lat: float, lon: float) -> bool:
    """On land with no sea within 5 km (``zones.land.well_inland``): a river, canal or lake."""
    return bool(well_inland(lat=lat, lon=lon))


def _nearest_in_band(
    lat: float, lon: float, inner: float, outer: float, spacing: float
) -> float | None:
    dx, dy, radius = _offsets(inner, outer, spacing)
    lats = np.clip(lat + dy / _KM_PER_DEGREE, -90.0, 90.0)
    shrink = max(math.cos(math.radians(lat)), 0.01)
    lons = (lon + dx / (_KM_PER_DEGREE * shrink) + 180.0) % 360.0 - 180.0
    land = is_land(lat=lats, lon=lons)
    if not land.any():
        return None
    return round(float(radius[land].min()), 1)


@cache
def _offsets(
    inner: float, outer: float, spacing: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """East and north offsets (km) of the grid points with inner < distance <= outer, and
    their distances."""
    steps = math.ceil(outer / spacing)
    axis = np.arange(-steps, steps + 1, dtype=np.float64) * spacing
    dx, dy = np.meshgrid(axis, axis)
    radius = np.hypot(dx, dy)
    keep = (radius > inner) & (radius <= outer)
    return dx[keep], dy[keep], radius[keep]
