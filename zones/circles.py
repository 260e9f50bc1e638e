"""Zones made of circles, and an index that matches many points against many circles at once.

A ``CircleZone`` is a ``Zone`` whose area is the union of circles of one radius round one or
more centres on the mean sphere (``zones.geodesy.EARTH_RADIUS_M``): a point is inside when
its great-circle distance to some centre is at most the radius, boundary included. Such zones
are compact — a port is one centre and a radius — and exact, where a polygon only approximates
a circle by its chords. Their ``geometry`` (a 16-vertex geodesic circle per centre, unioned)
is only for drawing and reports: it is made on first use and kept, so a layer of 25,000
harbours costs no polygons until someone asks for one.

``CircleIndex`` answers "which circle zones contain each point" for arrays of points:

1. a uniform lon/lat grid of ``cell_deg`` cells (0.02°, about 2.2 km north-south), each cut
   into 4 x 4 subcells; every circle is entered in the cells its bounding box touches (the
   exact longitude extent of a spherical cap, wrapping at the antimeridian) and that it can
   reach;
2. per cell and zone, two 16-bit subcell masks: the subcells inside one of the zone's circles
   — all four corners at least ``_COVER_MARGIN_M`` inside; the farthest point of a lon/lat
   rectangle from any centre is one of its corners — where every point is in the zone with no
   distance to compute, and, for each of the zone's circles, the other subcells it may reach,
   where points are tested against it;
3. a query looks up each point's cell (one ``searchsorted``) and subcell, takes the zones that
   cover the subcell and tests the circles that reach it by haversine, all in numpy arrays.

In a port or a dense anchorage most points fall in a subcell their zone covers, so the cost is
the lookup; only points near a zone's edge need distances (2 tests per point in the densest
harbours, ``benchmarks/zone_matching.py``). The answers are exactly those of a haversine test
against every circle (a test checks that on random points): the masks only skip tests whose
outcome is certain by at least a metre.

Points with a NaN coordinate, latitude outside -90..90 or longitude outside -180..180 are in no
zone, and none is inside the ``silent`` box (bounds included), if one is given: a layer that
must leave a region to other zones.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon

from zones.geodesy import CIRCLE_VERTICES, EARTH_RADIUS_M
from zones.model import Zone, ZoneKind

__all__ = ["CircleIndex", "CircleZone", "circle_rings"]

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]
IntArray = npt.NDArray[np.int32]
Bounds = tuple[float, float, float, float]

_CELL_DEG = 0.02  # about 2.2 km north-south: subcells of 550 m
_COVER_MARGIN_M = 1.0
_SUB = 4  # subcells per cell side: 16 subcells, one bit each in a 16-bit mask
_CHUNK = 1024  # circles (whole zones) registered at once: bounds the temporary arrays


class CircleZone(Zone):
    """A zone that is the union of circles of ``radius_m`` round ``centres`` (an (n, 2) array of
    lon/lat). ``geometry`` is drawn on first use (16-vertex geodesic circles, unioned).

    Compared and hashed without drawing: two circle zones are equal when their fields, centres
    and radius are; the hash is that of the id and kind.
    """

    __slots__ = ("_outline", "centres", "radius_m")

    centres: FloatArray
    radius_m: float
    _outline: Polygon | MultiPolygon | None

    def __init__(
        self,
        id: str,
        name: str,
        kind: ZoneKind,
        centres: npt.ArrayLike,
        radius_m: float,
        risk: float | None = None,
        country: str | None = None,
        source: str | None = None,
    ) -> None:
        points = np.asarray(centres, dtype=np.float64)
        if points.ndim != 2 or points.shape[1:] != (2,):
            points = points.reshape(-1, 2)
        if points.shape[0] == 0 or not radius_m > 0:
            raise ValueError(f"circle zone {id!r} needs a centre and a positive radius")
        if points.flags.writeable:  # the zone's own read-only copy (a loader shares one)
            points = points.copy()
            points.flags.writeable = False
        setter = object.__setattr__
        setter(self, "id", id)
        setter(self, "name", name)
        setter(self, "kind", kind if isinstance(kind, ZoneKind) else ZoneKind(kind))
        setter(self, "risk", risk)
        setter(self, "country", country)
        setter(self, "source", source)
        setter(self, "centres", points)
        setter(self, "radius_m", float(radius_m))
        setter(self, "_outline", None)

    @property
    def geometry(self) -> Polygon | MultiPolygon:
        """The zone's outline: one 16-vertex geodesic circle per centre, unioned."""
        outline = self._outline
        if outline is None:
            circles = shapely.polygons(circle_rings(self.centres, self.radius_m))
            outline = circles[0] if len(circles) == 1 else shapely.union_all(circles)
            object.__setattr__(self, "_outline", outline)
        return outline

    def _key(self) -> tuple[object, ...]:
        return (self.id, self.name, self.kind, self.risk, self.country, self.source, self.radius_m)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CircleZone):
            return NotImplemented
        return self._key() == other._key() and np.array_equal(self.centres, other.centres)

    def __hash__(self) -> int:
        return hash((self.id, self.kind))

    def __repr__(self) -> str:
        return (
            f"CircleZone(id={self.id!r}, name={self.name!r}, kind={self.kind.value!r}, "
            f"{len(self.centres)} circle(s) of {self.radius_m:g} m)"
        )

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return CircleZone, (
            self.id,
            self.name,
            self.kind,
            self.centres,
            self.radius_m,
            self.risk,
            self.country,
            self.source,
        )


class CircleIndex:
    """Circle zones indexed once on a grid, queried with arrays of points.

    Indices returned are positions in ``zones``. ``silent`` is a lon/lat box (min lon, min lat,
    max lon, max lat) in which the index reports nothing.
    """

    __slots__ = (
        "_c_cos",
        "_c_hav",
        "_c_lat",
        "_c_lon",
        "_c_zone",
        "_cell",
        "_cell_start",
        "_columns",
        "_entries",
        "_keys",
        "_masks",
        "_rows",
        "silent",
        "zones",
    )

    def __init__(
        self,
        zones: Iterable[CircleZone],
        silent: Bounds | None = None,
        cell_deg: float = _CELL_DEG,
    ) -> None:
        self.zones: tuple[CircleZone, ...] = tuple(zones)
        self.silent = silent
        # Columns wrap at the antimeridian: a whole number of cells must make 360 degrees.
        self._columns = round(360.0 / cell_deg)
        if self._columns < 1 or abs(self._columns * cell_deg - 360.0) > 1e-9:
            raise ValueError(f"cells of {cell_deg} degrees do not divide 360 degrees")
        self._cell = 360.0 / self._columns
        self._rows = math.ceil(180.0 / self._cell - 1e-9)
        if self._rows * self._columns >= 2**31:
            raise ValueError(f"cells of {cell_deg} degrees are too small")
        counts = np.array([len(zone.centres) for zone in self.zones], dtype=np.intp)
        if self.zones:
            centres = np.concatenate([zone.centres for zone in self.zones])
        else:
            centres = np.empty((0, 2), dtype=np.float64)
        radius = np.repeat([zone.radius_m for zone in self.zones], counts).astype(np.float64)
        self._c_zone = np.repeat(np.arange(len(self.zones), dtype=np.int32), counts)
        self._c_lon = np.radians(centres[:, 0])
        self._c_lat = np.radians(centres[:, 1])
        self._c_cos = np.cos(self._c_lat)
        self._c_hav = np.sin(radius / EARTH_RADIUS_M / 2) ** 2
        self._keys, self._cell_start, self._entries, self._masks = self._grid(centres, radius)
        for array in (self._c_zone, self._c_lon, self._c_lat, self._c_cos, self._c_hav):
            array.flags.writeable = False
        for array in (self._keys, self._cell_start, self._entries, self._masks):
            array.flags.writeable = False

    def __len__(self) -> int:
        return len(self.zones)

    def __repr__(self) -> str:
        return f"CircleIndex({len(self.zones)} zones, {self._c_zone.size} circles)"

    @property
    def circle_count(self) -> int:
        return int(self._c_zone.size)

    def pairs(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[IndexArray, IndexArray]:
        """Every (point index, zone index) pair where the zone contains the point, sorted by
        point, then zone."""
        lon_array = np.asarray(lon, dtype=np.float64)
        lat_array = np.asarray(lat, dtype=np.float64)
        if lon_array.shape != lat_array.shape or lon_array.ndim != 1:
            raise ValueError(
                "lon and lat must be 1-d arrays of one length, "
                f"not of shapes {lon_array.shape} and {lat_array.shape}"
            )
        points, cells, subcell = self._cells_of(lon_array, lat_array)
        start = self._cell_start[cells]
        count = self._cell_start[cells + 1] - start
        entry = np.arange(int(count.sum()), dtype=np.int64)
        entry += np.repeat(start - (np.cumsum(count) - count), count)
        # Only the entries that speak for the point's subcell: a zone covering it, a circle
        # reaching it.
        relevant = (self._masks[entry] >> np.repeat(subcell, count)) & 1 == 1
        point_at = np.repeat(points, count)[relevant]
        entries = self._entries[entry[relevant]]
        circle = entries >= 0
        tested = entries[circle]
        tested_point = point_at[circle]
        inside = self._within(lon_array[tested_point], lat_array[tested_point], tested)
        zone_at = np.where(circle, self._c_zone[np.maximum(entries, 0)], ~entries)
        keep = ~circle
        keep[np.flatnonzero(circle)[inside]] = True
        point_at, zone_at = point_at[keep], zone_at[keep]
        # Entries of a cell are in zone order and points in index order, so the pairs come out
        # sorted; a point inside two circles of one zone gives two equal pairs, side by side.
        if point_at.size > 1:
            new = np.ones(point_at.size, dtype=np.bool_)
            new[1:] = (point_at[1:] != point_at[:-1]) | (zone_at[1:] != zone_at[:-1])
            point_at, zone_at = point_at[new], zone_at[new]
        return point_at.astype(np.intp), zone_at.astype(np.intp)

    def _cells_of(
        self, lon: FloatArray, lat: FloatArray
    ) -> tuple[IndexArray, IndexArray, npt.NDArray[np.uint16]]:
        """The points in an occupied cell, the position of that cell in ``_keys``, and the
        point's subcell in it (row * ``_SUB`` + column)."""
        with np.errstate(invalid="ignore"):
            valid = (lat >= -90.0) & (lat <= 90.0) & (lon >= -180.0) & (lon <= 180.0)
            if self.silent is not None:
                west, south, east, north = self.silent
                valid &= ~((lon >= west) & (lon <= east) & (lat >= south) & (lat <= north))
        points = np.flatnonzero(valid)
        if self._keys.size == 0 or points.size == 0:
            empty = points[:0]
            return empty, empty, np.empty(0, dtype=np.uint16)
        y = np.minimum((lat[points] + 90.0) / self._cell, self._rows - 1e-9)
        x = (lon[points] + 180.0) / self._cell
        row, column = y.astype(np.int64), x.astype(np.int64)
        sub_row = np.minimum(((y - row) * _SUB).astype(np.int64), _SUB - 1)
        sub_column = np.minimum(((x - column) * _SUB).astype(np.int64), _SUB - 1)
        key = (row * self._columns + column % self._columns).astype(np.int32)
        at = np.minimum(np.searchsorted(self._keys, key), self._keys.size - 1)
        found = self._keys[at] == key
        subcell = (sub_row * _SUB + sub_column)[found].astype(np.uint16)
        return points[found], at[found], subcell

    def _within(
        self, lon: FloatArray, lat: FloatArray, circle: npt.NDArray[np.int32]
    ) -> npt.NDArray[np.bool_]:
        """Whether each point is within its circle: haversine, on the mean sphere."""
        phi = np.radians(lat)
        half_dlat = (phi - self._c_lat[circle]) / 2
        half_dlon = (np.radians(lon) - self._c_lon[circle]) / 2
        hav = np.sin(half_dlat) ** 2 + np.cos(phi) * self._c_cos[circle] * np.sin(half_dlon) ** 2
        inside: npt.NDArray[np.bool_] = hav <= self._c_hav[circle]
        return inside

    def _grid(
        self, centres: FloatArray, radius: FloatArray
    ) -> tuple[IntArray, npt.NDArray[np.int64], IntArray, npt.NDArray[np.uint16]]:
        """The occupied cells (sorted keys), where each cell's entries start, the entries and
        their subcell masks. An entry is ``~zone`` for the subcells the zone covers, or a
        circle index for the subcells where the circle is to be tested; in each cell sorted
        by zone, the zone's own entry first, then its circles.

        Built in chunks of whole zones (so that no (cell, zone) group spans two chunks), to
        keep the temporary arrays small."""
        lattice = _Lattice(self._rows, self._columns, self._cell)
        ends = np.cumsum([len(zone.centres) for zone in self.zones], dtype=np.int64)
        cuts = np.unique(ends[np.searchsorted(ends, np.arange(_CHUNK, len(centres), _CHUNK))])
        bounds = [0, *cuts.tolist(), len(centres)] if len(centres) else []
        parts = [
            self._entries_of(centres[a:b], radius[a:b], a, lattice)
            for a, b in itertools.pairwise(bounds)
            if b > a
        ]
        if not parts:
            empty = np.empty(0, dtype=np.int32)
            return empty, np.zeros(1, dtype=np.int64), empty, np.empty(0, dtype=np.uint16)
        # Chunks are in zone order: a stable sort by cell keeps each cell's entries in order.
        entry_cell = np.concatenate([part[0] for part in parts])
        order = np.argsort(entry_cell, kind="stable")
        entry_cell = entry_cell[order]
        entries = np.concatenate([part[1] for part in parts])[order]
        masks = np.concatenate([part[2] for part in parts])[order]
        new_cell = np.ones(entry_cell.size, dtype=np.bool_)
        new_cell[1:] = entry_cell[1:] != entry_cell[:-1]
        cell_first = np.flatnonzero(new_cell)
        cell_start = np.append(cell_first, entry_cell.size).astype(np.int64)
        return entry_cell[cell_first], cell_start, entries, masks

    def _entries_of(
        self, centres: FloatArray, radius: FloatArray, offset: int, lattice: _Lattice
    ) -> tuple[IntArray, IntArray, npt.NDArray[np.uint16]]:
        """The entries (cell, entry, mask) of circles ``offset...``, whole zones, sorted by
        cell, zone, the zone's own entry first, then circle."""
        key, inside, touch = self._register(centres, radius, offset, lattice)
        order = np.argsort(key)
        key, inside, touch = key[order], inside[order], touch[order]
        circles = max(self.circle_count, 1)
        circle, cell = (key % circles).astype(np.int32), (key // circles).astype(np.int32)
        zone = self._c_zone[circle]
        # (cell, zone) groups, in order (circles are in zone order); a group's subcells covered
        # by one of its circles need no test, the others only the circles that reach them.
        first = np.ones(key.size, dtype=np.bool_)
        first[1:] = (cell[1:] != cell[:-1]) | (zone[1:] != zone[:-1])
        starts = np.flatnonzero(first)
        group = np.cumsum(first, dtype=np.int64) - 1
        covered = np.bitwise_or.reduceat(inside, starts)
        need = touch & ~covered[group]
        sure = starts[covered != 0]
        tested = np.flatnonzero(need)
        # Ordered by (group, zone entry before circles, circle): stable on group * 2 (+ 1).
        rank = np.concatenate([group[sure] * 2, group[tested] * 2 + 1])
        order = np.argsort(rank, kind="stable")
        entries = np.concatenate([~zone[sure], circle[tested]])[order]
        masks = np.concatenate([covered[group[sure]], need[tested]])[order]
        return np.concatenate([cell[sure], cell[tested]])[order], entries, masks

    def _register(
        self, centres: FloatArray, radius: FloatArray, offset: int, lattice: _Lattice
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint16], npt.NDArray[np.uint16]]:
        """For circles ``offset...`` (lon/lat ``centres``, metres ``radius``): the cells they
        reach, as ``cell * circles + circle``, with two subcell masks — the subcells inside
        the circle (every corner at least ``_COVER_MARGIN_M`` inside) and those it may reach
        (a point within the radius plus the subcell's half-size plus the margin of its
        centre). Cells it cannot reach are left out."""
        cell, rows, columns = self._cell, self._rows, self._columns
        rho = radius / EARTH_RADIUS_M
        lat = centres[:, 1]
        reach = np.degrees(rho) * (1 + 1e-9) + 1e-9
        first_row = np.clip(np.floor((lat - reach + 90.0) / cell), 0, rows - 1).astype(np.int64)
        last_row = np.clip(np.floor((lat + reach + 90.0) / cell), 0, rows - 1).astype(np.int64)
        polar = np.abs(lat) + reach >= 90.0
        ratio = np.sin(rho) / np.cos(np.radians(np.where(polar, 0.0, lat)))
        half_width = np.degrees(np.arcsin(np.minimum(ratio, 1.0))) * (1 + 1e-9) + 1e-9
        first_column = np.floor((centres[:, 0] - half_width + 180.0) / cell).astype(np.int64)
        last_column = np.floor((centres[:, 0] + half_width + 180.0) / cell).astype(np.int64)
        first_column[polar], last_column[polar] = 0, columns - 1
        width = np.minimum(last_column - first_column + 1, columns)
        height = last_row - first_row + 1
        local, step = _expand(np.zeros(len(centres), dtype=np.int64), height * width)
        row = first_row[local] + step // width[local]
        column = (first_column[local] + step % width[local]) % columns
        # Unit vectors: a point is within an angle of the centre when its dot product with
        # the centre is at least that angle's cosine.
        phi, lam = np.radians(lat), np.radians(centres[:, 0])
        margin = _COVER_MARGIN_M / EARTH_RADIUS_M
        inner = np.cos(np.maximum(rho - margin, 0.0))
        outer = np.cos(np.minimum(rho + lattice.half_size + margin, np.pi))
        reach_cell = np.cos(np.minimum(rho + _SUB * lattice.half_size + margin, np.pi))
        x, y, z = np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)
        # First the cells the circle cannot reach at all (its box's corners): left out.
        base_row, base_column = row * _SUB, column * _SUB
        middle = _SUB // 2
        cos_lon, sin_lon = lattice.node_lon
        cos_lat, sin_lat = lattice.node_lat
        x, y, z = x[local], y[local], z[local]
        centre_dot = (
            cos_lat[base_row + middle]
            * (cos_lon[base_column + middle] * x + sin_lon[base_column + middle] * y)
            + sin_lat[base_row + middle] * z
        )
        near_cell = centre_dot >= reach_cell[local]
        local, row, column = local[near_cell], row[near_cell], column[near_cell]
        base_row, base_column = base_row[near_cell], base_column[near_cell]
        x, y, z = x[near_cell], y[near_cell], z[near_cell]
        inner, outer = inner[local], outer[local]
        along = [
            cos_lon[base_column + j] * x + sin_lon[base_column + j] * y for j in range(_SUB + 1)
        ]
        node = [
            [cos_lat[base_row + i] * along[j] + sin_lat[base_row + i] * z >= inner
             for j in range(_SUB + 1)]
            for i in range(_SUB + 1)
        ]  # fmt: skip
        mid_cos_lon, mid_sin_lon = lattice.mid_lon
        mid_cos_lat, mid_sin_lat = lattice.mid_lat
        along = [
            mid_cos_lon[base_column + j] * x + mid_sin_lon[base_column + j] * y for j in range(_SUB)
        ]
        inside = np.zeros(row.size, dtype=np.uint16)
        touch = np.zeros(row.size, dtype=np.uint16)
        for i in range(_SUB):
            cos_mid, sin_mid = mid_cos_lat[base_row + i], mid_sin_lat[base_row + i]
            for j in range(_SUB):
                bit = np.uint16(i * _SUB + j)
                corners = node[i][j] & node[i + 1][j] & node[i][j + 1] & node[i + 1][j + 1]
                near = cos_mid * along[j] + sin_mid * z >= outer
                inside |= corners.astype(np.uint16) << bit
                touch |= (corners | near).astype(np.uint16) << bit
        reached = touch != 0
        key = (row * columns + column) * self.circle_count + local + offset
        return key[reached], inside[reached], touch[reached]


class _Lattice:
    """Cosines and sines of the subcell grid: of its lines (``node_*``, ``_SUB`` per cell) and
    of the subcells' middles (``mid_*``); ``half_size``, in radians, bounds the distance from a
    subcell's middle to any point of it (half its height plus half its width at the equator)."""

    __slots__ = ("half_size", "mid_lat", "mid_lon", "node_lat", "node_lon")

    def __init__(self, rows: int, columns: int, cell: float) -> None:
        step = cell / _SUB

        def table(count: int, first: float, limit: float) -> tuple[FloatArray, FloatArray]:
            degrees = np.minimum(first + np.arange(count, dtype=np.float64) * step, limit)
            radians = np.radians(degrees)
            return np.cos(radians), np.sin(radians)

        self.node_lat = table(rows * _SUB + 1, -90.0, 90.0)
        self.node_lon = table(columns * _SUB + 1, -180.0, 180.0)
        self.mid_lat = table(rows * _SUB, -90.0 + step / 2, 90.0)
        self.mid_lon = table(columns * _SUB, -180.0 + step / 2, 180.0)
        self.half_size = math.radians(step)


def circle_rings(
    centres: FloatArray, radius_m: float, vertices: int = CIRCLE_VERTICES
) -> FloatArray:
    """Closed rings, (n, vertices + 1, 2) lon/lat, of the polygons ``geodesic_circle`` draws
    round each of ``centres``: the same spherical destination points, for many at once."""
    phi1 = np.radians(centres[:, 1])[:, None]
    lam1 = np.radians(centres[:, 0])[:, None]
    delta = radius_m / EARTH_RADIUS_M
    theta = 2 * np.pi * np.arange(vertices + 1) / vertices
    theta[-1] = 0.0  # close each ring on its first vertex exactly
    sin_phi2 = np.sin(phi1) * np.cos(delta) + np.cos(phi1) * np.sin(delta) * np.cos(theta)
    phi2 = np.arcsin(sin_phi2)
    lam2 = lam1 + np.arctan2(
        np.sin(theta) * np.sin(delta) * np.cos(phi1), np.cos(delta) - np.sin(phi1) * sin_phi2
    )
    return np.stack([np.degrees(lam2), np.degrees(phi2)], axis=-1)


def _expand(
    start: npt.NDArray[np.int64], count: npt.NDArray[np.int64]
) -> tuple[IndexArray, npt.NDArray[np.int64]]:
    """For ranges ``start[i] : start[i] + count[i]``: the range each element is from, and the
    element, for all ranges at once (in order)."""
    total = int(count.sum())
    owner = np.repeat(np.arange(count.size), count)
    first = np.cumsum(count) - count
    element = np.arange(total, dtype=np.int64) - first[owner] + start[owner]
    return owner, element
