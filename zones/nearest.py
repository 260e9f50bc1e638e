"""The zone nearest a point: which port or anchorage a ship lies off, how far a shipping lane is.

``NearestZones`` answers, for one point, which of some zones has its edge nearest and how far
it is, up to a given distance. It is built on first use and meant to be asked rarely (once per
episode of a behaviour, not per report): each question costs a spatial query and a few
distance computations. ``zones.harbours.HarbourApproaches`` is the harbour case.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np
import shapely

from zones.circles import CircleZone
from zones.geodesy import EARTH_RADIUS_M
from zones.model import Zone

__all__ = ["NearestZones"]

_KM_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180_000.0


def _every(zone: Zone) -> bool:
    return True


class NearestZones:
    """The zones among ``zones`` that ``select`` keeps (circle zones by their centres and radius,
    the others by their polygons), asked for the one whose edge is nearest a point, within ``km``.

    Distances: to a circle zone, the haversine distance to its nearest centre less its radius;
    to a polygon, the planar distance in a local equirectangular frame centred on the point (at
    tens of km, within a fraction of a percent of the geodesic). Inside a zone the distance
    is 0. Ties go to the lowest zone id, so the answer does not depend on the zones' order.
    """

    def __init__(
        self, zones: Iterable[Zone], km: float, select: Callable[[Zone], bool] = _every
    ) -> None:
        self.km = float(km)
        self._zones = tuple(zone for zone in zones if select(zone))
        self._ready = False
        self._circle_owner = np.empty(0, dtype=np.intp)
        self._circle_lon = np.empty(0)
        self._circle_lat = np.empty(0)
        self._circle_tree = shapely.STRtree([])
        self._polygons: tuple[Zone, ...] = ()
        self._polygon_tree = shapely.STRtree([])
        self._reach_deg = 0.0
        self._covered: tuple[float, float, float, float] | None = None

    def __bool__(self) -> bool:
        return self.km > 0 and bool(self._zones)

    def covers(self, lat: float, lon: float) -> bool:
        """Whether (lat, lon) lies in the box round all the zones, ``km`` beyond it: where an
        answer of None means "none that near" rather than "no zones of this kind here"."""
        if not self._zones:
            return False
        if self._covered is None:
            self._covered = self._box()
        west, south, east, north = self._covered
        return south <= lat <= north and west <= lon <= east

    def _box(self) -> tuple[float, float, float, float]:
        """The box round every zone, ``km`` (and the largest circle's radius) beyond it."""
        if not self._ready:
            self._build()
        boxes = [shapely.bounds(np.array([z.geometry for z in self._polygons])).reshape(-1, 4)]
        circles = [z for z in self._zones if isinstance(z, CircleZone)]
        if circles:
            centres = np.concatenate([z.centres for z in circles])
            boxes.append(np.hstack([centres, centres]))
        box = np.concatenate(boxes)
        margin = self._reach_deg
        return (
            float(box[:, 0].min()) - margin,
            float(box[:, 1].min()) - margin,
            float(box[:, 2].max()) + margin,
            float(box[:, 3].max()) + margin,
        )

    def _build(self) -> None:
        circles = [(i, z) for i, z in enumerate(self._zones) if isinstance(z, CircleZone)]
        if circles:
            counts = [len(z.centres) for _, z in circles]
            self._circle_owner = np.repeat(np.array([i for i, _ in circles], dtype=np.intp), counts)
            stacked = np.concatenate([z.centres for _, z in circles])
            self._circle_lon, self._circle_lat = stacked[:, 0], stacked[:, 1]
            self._circle_tree = shapely.STRtree(shapely.points(stacked))
        largest = max((z.radius_m for _, z in circles), default=0.0) / 1000.0
        self._reach_deg = (self.km + largest) / _KM_PER_DEGREE
        self._polygons = tuple(z for z in self._zones if not isinstance(z, CircleZone))
        self._polygon_tree = shapely.STRtree([z.geometry for z in self._polygons])
        self._ready = True

    def nearest(self, lat: float, lon: float) -> tuple[Zone, float] | None:
        """The zone whose edge is nearest (lat, lon) and within ``km``, with that distance in
        km (0 inside it); ``None`` when there is none that near."""
        if not self:
            return None
        if not self._ready:
            self._build()
        boxes = self._boxes(lat, lon)
        found = [
            *self._circle_distances(boxes, lat, lon),
            *self._polygon_distances(boxes, lat, lon),
        ]
        near = [(km, zone.id, zone) for km, zone in found if km <= self.km]
        if not near:
            return None
        km, _, zone = min(near, key=lambda item: (item[0], item[1]))
        return zone, km

    def _boxes(self, lat: float, lon: float) -> list[shapely.Geometry]:
        """Lon/lat boxes round the point reaching ``km`` beyond the largest circle's radius,
        shifted by 360 degrees where they cross the antimeridian."""
        dlat = self._reach_deg
        dlon = min(180.0, dlat / max(math.cos(math.radians(lat)), 1e-6))
        south, north = max(-90.0, lat - dlat), min(90.0, lat + dlat)
        boxes = [shapely.box(lon - dlon, south, lon + dlon, north)]
        if lon - dlon < -180.0:
            boxes.append(shapely.box(lon - dlon + 360.0, south, 180.0, north))
        if lon + dlon > 180.0:
            boxes.append(shapely.box(-180.0, south, lon + dlon - 360.0, north))
        return boxes

    def _circle_distances(
        self, boxes: list[shapely.Geometry], lat: float, lon: float
    ) -> list[tuple[float, Zone]]:
        hits = np.unique(np.concatenate([self._circle_tree.query(box) for box in boxes]))
        if not len(hits):
            return []
        p1, p2 = math.radians(lat), np.radians(self._circle_lat[hits])
        dp, dl = p2 - p1, np.radians(self._circle_lon[hits] - lon)
        a = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
        km = 2 * EARTH_RADIUS_M / 1000.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
        result: list[tuple[float, Zone]] = []
        for owner, distance in zip(self._circle_owner[hits], km, strict=True):
            zone = self._zones[owner]
            assert isinstance(zone, CircleZone)
            result.append((max(0.0, float(distance) - zone.radius_m / 1000.0), zone))
        return result

    def _polygon_distances(
        self, boxes: list[shapely.Geometry], lat: float, lon: float
    ) -> list[tuple[float, Zone]]:
        hits = sorted({int(i) for box in boxes for i in self._polygon_tree.query(box)})
        if not hits:
            return []
        shrink = math.cos(math.radians(lat))

        def local(xy: np.ndarray) -> np.ndarray:  # degrees to km east and north of the point
            east = ((xy[:, 0] - lon + 540.0) % 360.0 - 180.0) * shrink
            return np.column_stack([east, xy[:, 1] - lat]) * _KM_PER_DEGREE

        origin = shapely.Point(0.0, 0.0)
        return [
            (float(shapely.distance(shapely.transform(self._polygons[i].geometry, local), origin)),
             self._polygons[i])
            for i in hits
        ]  # fmt: skip
