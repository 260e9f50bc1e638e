"""Writing zone packs the builder makes: the region, the feature form and the file's text.

Shared by the layers (``zones.layer_*``) and the builder (``zones.build``). The text is
deterministic so that a rebuild is byte-identical and diffs stay readable: features sorted by
id, one feature per line, properties in a fixed order, coordinates snapped to a 10⁻⁴ degree
grid and rounded to 4 decimals (about 11 m), exterior rings counter-clockwise (RFC 7946).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, box, mapping
from shapely.geometry.base import BaseGeometry

__all__ = ["DECIMALS", "REGION", "Box", "Feature", "make_feature", "pack_text", "polygonal"]

Feature = dict[str, Any]

DECIMALS = 4  # about 11 m
_PROPERTY_ORDER = ("id", "name", "kind", "country", "source")


@dataclass(frozen=True, slots=True)
class Box:
    """A lon/lat rectangle, bounds included."""

    lon_min: float
    lat_min: float
    lon_max: float
    lat_max: float

    def __contains__(self, lon_lat: tuple[float, float]) -> bool:
        lon, lat = lon_lat
        return self.lon_min <= lon <= self.lon_max and self.lat_min <= lat <= self.lat_max

    def polygon(self) -> Polygon:
        return box(self.lon_min, self.lat_min, self.lon_max, self.lat_max)


REGION = Box(lon_min=-120.0, lat_min=-60.0, lon_max=-30.0, lat_max=33.0)
"""The shipped pack's region: the Gulf of Mexico, the Caribbean, Central America and both coasts
of South America, from the Mexican Pacific (120° W) to the Brazilian bulge (30° W) and from
the Drake Passage (60° S) to the northern Gulf of Mexico (33° N). A plain box keeps the rule
reproducible; it also takes in a few places beyond the intent (Bermuda, the US coast from
Florida to South Carolina, San Diego), which do no harm."""


def make_feature(properties: dict[str, Any], geometry: BaseGeometry) -> Feature:
    """A GeoJSON feature in the pack's fixed form.

    ``id``, ``name``, ``kind``, ``country`` and ``source`` always appear, in that order
    (``country`` may be null where no single state applies); other properties follow sorted.
    The geometry is snapped to the 5-decimal grid (GEOS keeps it valid while snapping) and
    oriented counter-clockwise.
    """
    missing = [key for key in _PROPERTY_ORDER if key not in properties]
    if missing:
        raise ValueError(f"feature {properties.get('id')!r} lacks {missing}")
    ordered = {key: properties[key] for key in _PROPERTY_ORDER}
    ordered.update(sorted((k, v) for k, v in properties.items() if k not in ordered))
    snapped = shapely.orient_polygons(shapely.set_precision(geometry, 10.0**-DECIMALS))
    return {"type": "Feature", "properties": ordered, "geometry": _rounded(mapping(snapped))}


def polygonal(geometry: BaseGeometry) -> Polygon | MultiPolygon | None:
    """The polygonal part of a geometry (as clipping may leave lines or points), or ``None``."""
    if isinstance(geometry, Polygon | MultiPolygon):
        return None if geometry.is_empty else geometry
    parts = [
        part
        for part in shapely.get_parts(geometry).tolist()
        if isinstance(part, Polygon) and not part.is_empty
    ]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def pack_text(features: Iterable[Feature]) -> str:
    """The pack file's text: features sorted by id, one per line. Raises on a duplicate id."""
    ordered = sorted(features, key=lambda feature: str(feature["properties"]["id"]))
    ids = [feature["properties"]["id"] for feature in ordered]
    duplicates = sorted({i for i, j in itertools.pairwise(ids) if i == j})
    if duplicates:
        raise ValueError(f"duplicate zone ids: {duplicates[:10]}")
    lines = [json.dumps(feature, ensure_ascii=False, separators=(",", ":")) for feature in ordered]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, DECIMALS)
    if isinstance(value, list | tuple):
        return [_rounded(item) for item in value]
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return value
