"""Shared test geometries and zone packs (a small catalogue, in the spirit of shapely's tests)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, box, mapping

from zones.model import Zone, ZoneKind

Feature = dict[str, Any]


def square(lon: float, lat: float, half_size_deg: float) -> Polygon:
    """An axis-aligned square centred on (lon, lat)."""
    return box(lon - half_size_deg, lat - half_size_deg, lon + half_size_deg, lat + half_size_deg)


def square_zone(
    id: str,
    kind: ZoneKind | str = ZoneKind.RESTRICTED,
    lon: float = 0.0,
    lat: float = 0.0,
    half_size_deg: float = 0.5,
    risk: float | None = None,
    *,
    name: str | None = None,
    country: str | None = None,
    source: str | None = None,
) -> Zone:
    """A square zone; the name defaults to the id."""
    return Zone(
        id=id,
        name=name or id,
        kind=ZoneKind(kind),
        geometry=square(lon, lat, half_size_deg),
        risk=risk,
        country=country,
        source=source,
    )


def multi_square_zone(
    id: str, centres: Iterable[tuple[float, float]], half_size_deg: float = 0.5
) -> Zone:
    """A MultiPolygon zone of disjoint squares (e.g. an archipelago's waters)."""
    parts = [square(lon, lat, half_size_deg) for lon, lat in centres]
    return Zone(id=id, name=id, kind=ZoneKind.PROTECTED, geometry=MultiPolygon(parts))


def holed_zone(id: str, lon: float = 0.0, lat: float = 0.0) -> Zone:
    """A 2x2 degree square with a 1x1 degree hole in the middle (an island's exclusion)."""
    outer = square(lon, lat, 1.0)
    hole = square(lon, lat, 0.5)
    geometry = Polygon(outer.exterior.coords, [hole.exterior.coords])
    return Zone(id=id, name=id, kind=ZoneKind.RESTRICTED, geometry=geometry)


def zone_feature(zone: Zone) -> Feature:
    """A zone as a GeoJSON feature, optional properties omitted when unset."""
    properties: dict[str, Any] = {"id": zone.id, "name": zone.name, "kind": zone.kind.value}
    for key in ("risk", "country", "source"):
        value = getattr(zone, key)
        if value is not None:
            properties[key] = value
    return {"type": "Feature", "properties": properties, "geometry": mapping(zone.geometry)}


def feature(
    geometry: shapely.Geometry | Mapping[str, Any] | None = None, **properties: Any
) -> Feature:
    """A raw feature for validation tests: any geometry (or GeoJSON dict), any properties.

    Defaults give a valid port square; pass ``id=...``, ``kind=...`` etc. to override, or a
    property set to ``...`` (Ellipsis) to leave it out.
    """
    base: dict[str, Any] = {"id": "f", "name": "F", "kind": "port"}
    base.update(properties)
    props = {key: value for key, value in base.items() if value is not ...}
    if geometry is None:
        geometry = square(0.0, 0.0, 0.5)
    geometry_json = geometry if isinstance(geometry, Mapping) else mapping(geometry)
    return {"type": "Feature", "properties": props, "geometry": dict(geometry_json)}


def write_pack(
    tmp_path: Path, zones_or_features: Iterable[Zone | Feature], name: str = "pack.geojson"
) -> Path:
    """Write a FeatureCollection of zones and/or raw features; return its path."""
    features = [
        zone_feature(item) if isinstance(item, Zone) else item for item in zones_or_features
    ]
    path = tmp_path / name
    document = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def write_layer(
    path: Path,
    rows: Iterable[Zone | Feature],
    crs: str | None = "EPSG:4326",
    layer: str | None = None,
) -> Path:
    """Write zones and/or raw features through GDAL (GeoPackage, Shapefile, ... by suffix).

    ``crs`` is the CRS to write in: the WGS84 geometries are reprojected to it, and ``None``
    writes none at all (a Shapefile without ``.prj``). Returns ``path``.
    """
    import geopandas as gpd  # only the tests of the GDAL readers need it

    features = [zone_feature(row) if isinstance(row, Zone) else row for row in rows]
    frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    if crs is None:
        frame = frame.set_crs(None, allow_override=True)
    elif crs != "EPSG:4326":
        frame = frame.to_crs(crs)
    with warnings.catch_warnings():  # "'crs' was not provided": that is the point
        warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)
        frame.to_file(path, layer=layer)
    return path
