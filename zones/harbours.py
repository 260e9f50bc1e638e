"""The world harbour layer: every port and anchorage outside the Caribbean pack, loaded beside it.

The shipped pack (``zones/data/default.geojson``) covers lon -120..-30, lat -60..33 with
polygons. Everywhere else, harbours come from this layer — ``zones/data/harbours.json.gz``,
built by ``python -m zones.build_harbours`` from the NGA World Port Index, the Global Fishing
Watch named anchorages and the UN/LOCODE ports of searoute (rules in
``zones.layer_harbours``) — as ``CircleZone`` records of kind ``port`` and ``anchorage``,
matched by a ``CircleIndex`` (``zones.circles``). The layer is silent inside the pack's region,
so there the pack alone answers, exactly as before.

The file is gzip-compressed JSON, one harbour per line::

    {"format":"vigilmar.harbours/1",
    "silent_inside":[-120.0,-60.0,-30.0,33.0],
    "sources":["NGA World Port Index (Pub 150)", ...],
    "harbours":[
    ["wpi-12345","port","Name","CN",0,8000,[lon,lat]],
    ["gfw-chn-zhoushan-3","anchorage","ZHOUSHAN","CN",1,3000,[lon,lat,lon,lat,...]],
    ...
    ]}

Each harbour: id, kind, name, country (ISO 3166-1 alpha-2 or null), source (an index into
``sources``), radius in metres, and its centres as a flat lon, lat list. ``silent_inside`` is
the box (west, south, east, north; bounds included) where the layer matches nothing.

``HarbourApproaches`` answers, for one point, which harbour's *approaches* it lies in: the port
or anchorage (a circle zone of this layer or a polygon of a pack) whose edge is nearest and at
most a given distance away. Ships wait off a port for a berth, a pilot or the tide — roadsteads
and waiting areas that no zone outlines — so detectors that take a stopped ship in a harbour for
routine (loitering) take it so in the approaches too. It is built on first use and asked rarely
(once per loitering episode), so it costs nothing on the per-report path.
"""

from __future__ import annotations

import gzip
import itertools
import json
import math
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from zones.circles import CircleIndex, CircleZone
from zones.errors import ZoneError
from zones.geodesy import EARTH_RADIUS_M
from zones.model import Zone, ZoneKind

__all__ = [
    "FORMAT",
    "HarbourApproaches",
    "harbour_layer_path",
    "load_harbours",
    "parse_harbours",
    "shipped_harbours",
]

FORMAT = "vigilmar.harbours/1"
_KINDS = {"port": ZoneKind.PORT, "anchorage": ZoneKind.ANCHORAGE}


def harbour_layer_path() -> Path:
    """The shipped world harbour layer, built by ``python -m zones.build_harbours``."""
    return Path(__file__).resolve().parent / "data" / "harbours.json.gz"


@cache
def shipped_harbours() -> CircleIndex:
    """The shipped layer, loaded and indexed once per process (it is immutable: its zones are
    frozen and its arrays read-only), so every catalogue shares it."""
    return load_harbours()


def load_harbours(path: Path | str | None = None) -> CircleIndex:
    """The harbour layer at ``path`` (the shipped one by default), indexed.

    Raises ``ZoneError`` when the file cannot be read or is not a harbour layer.
    """
    path = harbour_layer_path() if path is None else Path(path)
    try:
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        return parse_harbours(json.loads(text))
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ZoneError(f"cannot read the harbour layer {path}: {err}") from err
    except (KeyError, IndexError, TypeError, ValueError) as err:
        raise ZoneError(f"{path} is not a {FORMAT} harbour layer: {err!r}") from err


def parse_harbours(document: dict[str, Any]) -> CircleIndex:
    """The layer of a parsed harbour file (see the module's docstring for the form)."""
    if document.get("format") != FORMAT:
        raise ValueError(f"format {document.get('format')!r}, expected {FORMAT!r}")
    sources: Sequence[str] = document["sources"]
    west, south, east, north = (float(value) for value in document["silent_inside"])
    rows = document["harbours"]
    if any(len(row[6]) % 2 or not row[6] for row in rows):
        raise ValueError("a harbour's centres must be a non-empty list of lon, lat pairs")
    flat = np.fromiter(itertools.chain.from_iterable(row[6] for row in rows), dtype=np.float64)
    centres = flat.reshape(-1, 2)
    centres.flags.writeable = False  # every zone's centres are a view of this one array
    ends = np.cumsum([len(row[6]) // 2 for row in rows]).tolist()
    countries: dict[str, str] = {}  # one string per code, not one per harbour
    zones = [
        CircleZone(
            id=zone_id,
            name=name,
            kind=_KINDS[kind],
            centres=centres[end - len(flat_centres) // 2 : end],
            radius_m=radius,
            country=None if country is None else countries.setdefault(country, country),
            source=sources[source],
        )
        for (zone_id, kind, name, country, source, radius, flat_centres), end in zip(
            rows, ends, strict=True
        )
    ]
    return CircleIndex(zones, silent=(west, south, east, north))


_KM_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180_000.0


class HarbourApproaches:
    """The ports and anchorages among ``zones`` (circle zones by their centres and radius, the
    others by their polygons), asked for the one whose edge is nearest a point, within ``km``.

    Distances: to a circle zone, the haversine distance to its nearest centre less its radius;
    to a polygon, the planar distance in a local equirectangular frame centred on the point (at
    tens of km, within a fraction of a percent of the geodesic). Inside a zone the distance
    is 0. Ties go to the lowest zone id, so the answer does not depend on the zones' order.
    """

    def __init__(self, zones: Iterable[Zone], km: float) -> None:
        self.km = float(km)
        self._zones = tuple(zone for zone in zones if zone.is_harbour)
        self._ready = False
        self._circle_owner = np.empty(0, dtype=np.intp)
        self._circle_lon = np.empty(0)
        self._circle_lat = np.empty(0)
        self._circle_tree = shapely.STRtree([])
        self._polygons: tuple[Zone, ...] = ()
        self._polygon_tree = shapely.STRtree([])
        self._reach_deg = 0.0

    def __bool__(self) -> bool:
        return self.km > 0 and bool(self._zones)

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
        """The harbour whose edge is nearest (lat, lon) and within ``km``, with that distance in
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
