"""Spatial index over zones: which zones contain each of many points, answered in batches.

Semantics: a point *on* a zone's boundary is inside the zone (shapely ``intersects``: zones
are closed sets), so a vessel exactly on the line between two adjacent zones is in both.
Points with a NaN or infinite coordinate are in no zone. Coordinates are WGS84 lon/lat and are
not wrapped: a zone crossing the antimeridian must be split into a MultiPolygon by its author.

How, in three steps, each one vectorised:

1. a coarse occupancy grid (cells touched by any zone's bounding box) drops the points that
   cannot be in any zone — building a shapely point costs more than the rest — so only the
   rest become points; the grid is conservative, so it changes speed, never answers;
2. an STRtree over the zones' bounding boxes gives the candidate (point, zone) pairs;
3. ``shapely.intersects_xy`` tests each pair against the zone's *prepared* geometry.

Step 3 is not left to ``STRtree.query(points, predicate="intersects")``: that form prepares
the query geometries (here, points) and walks every vertex of the zone for each test, so a
point in a port next to an EEZ outline of a thousand vertices costs a thousand edge checks.
The prepared zone answers from its own edge index; on harbour traffic that is 8 times faster
(see ``benchmarks/zone_matching.py``).

Zones made of circles (``zones.circles.CircleZone``: the world harbour layer, 25,000 ports and
anchorages) are given apart, as a ``CircleIndex``, and matched by distance on its own grid,
never as polygons; their indices follow the polygon zones' in ``zones``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import shapely
from shapely import STRtree

from zones.circles import CircleIndex
from zones.errors import ZoneError
from zones.model import Zone

__all__ = ["ZoneIndex"]

IndexArray = npt.NDArray[np.intp]

_NO_ZONES: tuple[int, ...] = ()
_MAX_GRID_CELLS = 1 << 21  # 2 MiB of booleans at most
_FINEST_CELL_DEG = 0.01


class ZoneIndex:
    """Zones indexed once, queried with arrays of points.

    ``zones`` are matched by their polygons; ``circles``, if given, by distance
    (``zones.circles``). Indices returned by ``match`` and ``pairs`` are positions in
    ``zones``: the polygon zones, then the circle zones. Zone ids must be unique across both
    (``ZoneError`` otherwise).
    """

    __slots__ = ("_cell", "_circles", "_geometries", "_grid", "_origin", "_tree", "zones")

    def __init__(self, zones: Iterable[Zone] = (), circles: CircleIndex | None = None) -> None:
        polygons = tuple(zones)
        self._circles = circles
        self.zones: tuple[Zone, ...] = polygons + (circles.zones if circles is not None else ())
        _reject_duplicate_ids(self.zones)
        self._geometries = np.array([zone.geometry for zone in polygons], dtype=object)
        shapely.prepare(self._geometries)
        self._tree = STRtree(self._geometries)
        self._origin, self._cell, self._grid = _occupancy_grid(shapely.bounds(self._geometries))

    def __len__(self) -> int:
        return len(self.zones)

    def __repr__(self) -> str:
        return f"ZoneIndex({len(self.zones)} zones)"

    def pairs(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[IndexArray, IndexArray]:
        """Every (point index, zone index) pair where the zone contains the point.

        Sorted by point, then zone: the array form of ``match``, for callers that stay in numpy.
        """
        lon_array, lat_array = _coordinates(lon, lat)
        point_at, zone_at = self._polygon_pairs(lon_array, lat_array)
        if self._circles is None:
            return point_at, zone_at
        circle_point, circle_zone = self._circles.pairs(lon_array, lat_array)
        if circle_point.size == 0:
            return point_at, zone_at
        if point_at.size == 0:
            return circle_point, circle_zone + len(self._geometries)
        # Both runs are sorted by (point, zone) and every circle zone follows every polygon
        # zone: a stable sort by point merges them in order.
        point_at = np.concatenate([point_at, circle_point])
        zone_at = np.concatenate([zone_at, circle_zone + len(self._geometries)])
        order = np.argsort(point_at, kind="stable")
        return point_at[order], zone_at[order]

    def match(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> list[tuple[int, ...]]:
        """For each point, the sorted indices (into ``zones``) of the zones containing it."""
        point_at, zone_at = self.pairs(lon, lat)
        result = [_NO_ZONES] * np.shape(lon)[0]
        if point_at.size == 0:
            return result
        starts = np.flatnonzero(np.r_[True, point_at[1:] != point_at[:-1]])
        ends = np.r_[starts[1:], point_at.size].tolist()
        zones = zone_at.tolist()
        for point, start, end in zip(point_at[starts].tolist(), starts.tolist(), ends, strict=True):
            result[point] = tuple(zones[start:end])
        return result

    def zones_at(self, lon: float, lat: float) -> tuple[Zone, ...]:
        """The zones containing one point, in index order."""
        hits: list[int] = []
        if self._occupied(lon, lat):
            boxes = self._tree.query(shapely.Point(lon, lat))
            hits = sorted(boxes[shapely.intersects_xy(self._geometries[boxes], lon, lat)].tolist())
        if self._circles is not None:
            _, circle_zone = self._circles.pairs(np.array([lon]), np.array([lat]))
            hits.extend((circle_zone + len(self._geometries)).tolist())
        return tuple(self.zones[i] for i in hits)

    def _polygon_pairs(
        self, lon_array: npt.NDArray[np.float64], lat_array: npt.NDArray[np.float64]
    ) -> tuple[IndexArray, IndexArray]:
        candidates = self._candidates(lon_array, lat_array)
        if candidates.size == 0:
            empty = np.empty(0, dtype=np.intp)
            return empty, empty
        lon_array, lat_array = lon_array[candidates], lat_array[candidates]
        point_at, zone_at = self._tree.query(shapely.points(lon_array, lat_array))
        inside = shapely.intersects_xy(
            self._geometries[zone_at], lon_array[point_at], lat_array[point_at]
        )
        point_at, zone_at = candidates[point_at[inside]], zone_at[inside]
        order = np.lexsort((zone_at, point_at))
        return point_at[order].astype(np.intp), zone_at[order].astype(np.intp)

    def _occupied(self, lon: float, lat: float) -> bool:
        """Whether one point falls in an occupied grid cell: the scalar ``_candidates``."""
        if not (math.isfinite(lon) and math.isfinite(lat)) or self._grid.size == 0:
            return False
        column = math.floor((lon - self._origin[0]) / self._cell)
        row = math.floor((lat - self._origin[1]) / self._cell)
        rows, columns = self._grid.shape
        return 0 <= row < rows and 0 <= column < columns and bool(self._grid[row, column])

    def _candidates(self, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> IndexArray:
        """Indices of the points that fall in an occupied grid cell (NaN never does)."""
        if self._grid.size == 0:
            return np.empty(0, dtype=np.intp)
        with np.errstate(invalid="ignore"):
            column = np.floor((lon - self._origin[0]) / self._cell)
            row = np.floor((lat - self._origin[1]) / self._cell)
            rows, columns = self._grid.shape
            inside = (column >= 0) & (column < columns) & (row >= 0) & (row < rows)
        candidates = np.flatnonzero(inside)
        occupied = self._grid[row[candidates].astype(np.intp), column[candidates].astype(np.intp)]
        return candidates[occupied]


def _coordinates(
    lon: npt.ArrayLike, lat: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    lon_array = np.asarray(lon, dtype=np.float64)
    lat_array = np.asarray(lat, dtype=np.float64)
    if lon_array.shape != lat_array.shape or lon_array.ndim != 1:
        raise ValueError(
            "lon and lat must be 1-d arrays of one length, "
            f"not of shapes {lon_array.shape} and {lat_array.shape}"
        )
    return lon_array, lat_array


def _occupancy_grid(
    bounds: npt.NDArray[np.float64],
) -> tuple[tuple[float, float], float, npt.NDArray[np.bool_]]:
    """A boolean raster over the zones' extent, true where some zone's bounding box reaches.

    A point's cell is computed with the same floor((x - origin) / cell) as the boxes' cells,
    which is monotone in x, so a point inside a box always lands in one of the box's cells.
    """
    if bounds.shape[0] == 0:
        return (0.0, 0.0), 1.0, np.zeros((0, 0), dtype=np.bool_)
    min_lon, min_lat = bounds[:, 0].min(), bounds[:, 1].min()
    width = bounds[:, 2].max() - min_lon
    height = bounds[:, 3].max() - min_lat
    cell = max(_FINEST_CELL_DEG, float(np.sqrt(width * height / _MAX_GRID_CELLS)))
    first_col = np.floor((bounds[:, 0] - min_lon) / cell).astype(np.intp)
    last_col = np.floor((bounds[:, 2] - min_lon) / cell).astype(np.intp)
    first_row = np.floor((bounds[:, 1] - min_lat) / cell).astype(np.intp)
    last_row = np.floor((bounds[:, 3] - min_lat) / cell).astype(np.intp)
    # Sized from the same formula as the cells, so the largest bound always has a cell.
    grid = np.zeros((int(last_row.max()) + 1, int(last_col.max()) + 1), dtype=np.bool_)
    for r0, r1, c0, c1 in zip(first_row, last_row, first_col, last_col, strict=True):
        grid[r0 : r1 + 1, c0 : c1 + 1] = True
    return (float(min_lon), float(min_lat)), cell, grid


def _reject_duplicate_ids(zones: tuple[Zone, ...]) -> None:
    seen: dict[str, Zone] = {}
    for zone in zones:
        first = seen.setdefault(zone.id, zone)
        if first is not zone:
            raise ZoneError(
                f"duplicate zone id {zone.id!r}: {_describe(first)} and {_describe(zone)}; "
                "zone ids must be unique across packs"
            )


def _describe(zone: Zone) -> str:
    return f"{zone.name!r} (source: {zone.source or 'not given'})"
