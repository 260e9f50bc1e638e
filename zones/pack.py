"""Reading and validating zone packs (GeoJSON FeatureCollections in WGS84 lon/lat).

``check_pack`` reports every problem it finds, by feature, without raising on content;
``load_pack`` is the strict form used by the engine. Both raise ``ZonePackError`` when the file
cannot be read as a zone pack at all.

Readers turn a file into ``RawFeature`` records; validation is shared. GeoJSON is read with the
``json`` module and ``shapely.geometry.shape`` (fast, no GDAL). Another format (GeoPackage,
Shapefile through geopandas/pyogrio) needs only a reader registered in ``_READERS``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from zones.errors import Problem, ZonePackError
from zones.model import Zone, ZoneKind

__all__ = ["RawFeature", "check_pack", "load_pack"]

_COUNTRY = re.compile(r"[A-Z]{2}")
_KIND_VALUES = frozenset(kind.value for kind in ZoneKind)
_KINDS = ", ".join(kind.value for kind in ZoneKind)
_GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
_WGS84_CRS_NAMES = frozenset(
    {
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:OGC::CRS84",
        "urn:ogc:def:crs:EPSG::4326",
        "EPSG:4326",
    }
)
_CONVERT_HINT = "convert it to GeoJSON, e.g. `ogr2ogr -f GeoJSON -t_srs EPSG:4326 out.geojson IN`"


@dataclass(frozen=True, slots=True)
class RawFeature:
    """One feature as a reader found it, before validation.

    ``geometry`` is ``None`` when the reader could not build one, ``properties`` when the
    feature has no properties object at all; ``problems`` then says why.
    """

    properties: Mapping[str, object] | None
    geometry: BaseGeometry | None
    problems: tuple[str, ...] = ()


def check_pack(path: Path | str) -> tuple[list[Zone], list[Problem]]:
    """Validate a zone pack: the zones that are fine, and every problem found, by feature.

    Raises ``ZonePackError`` only when the file cannot be read as a zone pack at all (missing,
    unreadable, not JSON, not a FeatureCollection, not WGS84).
    """
    path = Path(path)
    raw_features = _reader_for(path)(path)
    zones: list[Zone] = []
    problems: list[Problem] = []
    first_use: dict[str, int] = {}
    for index, raw in enumerate(raw_features):
        zone, messages = _validate(raw)
        feature_id = None if raw.properties is None else _usable_id(raw.properties.get("id"))
        if feature_id is not None:
            if feature_id in first_use:
                messages.append(f"duplicate id, first used by feature {first_use[feature_id]}")
            else:
                first_use[feature_id] = index
        if messages:
            problems.extend(Problem(index, feature_id, message) for message in messages)
        elif zone is not None:
            zones.append(zone)
    return zones, problems


def load_pack(path: Path | str) -> list[Zone]:
    """Load a zone pack, refusing it whole if any feature has a problem."""
    zones, problems = check_pack(path)
    if problems:
        raise ZonePackError(path, problems)
    return zones


# --- readers -------------------------------------------------------------------------------


def _read_geojson(path: Path) -> list[RawFeature]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise ZonePackError(path, detail=f"not UTF-8 text ({err.reason}); {_CONVERT_HINT}") from err
    except OSError as err:
        reason = err.strerror or str(err)
        detail = f"cannot read the file ({reason}); check the path"
        raise ZonePackError(path, detail=detail) from err
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise ZonePackError(
            path,
            detail=f"not valid JSON (line {err.lineno}, column {err.colno}: {err.msg}); "
            "a zone pack is a GeoJSON FeatureCollection",
        ) from err
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        found = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise ZonePackError(
            path,
            detail=f"not a GeoJSON FeatureCollection (found {found!r}); put the zones in "
            '{"type": "FeatureCollection", "features": [...]}',
        )
    _check_crs(path, document.get("crs"))
    features = document.get("features")
    if not isinstance(features, list):
        raise ZonePackError(path, detail="the FeatureCollection has no 'features' array")
    return [_geojson_feature(feature) for feature in features]


def _check_crs(path: Path, crs: object) -> None:
    """Accept RFC 7946 (no ``crs``) and the old-style named CRS when it means WGS84 lon/lat."""
    if crs is None:
        return
    name = None
    if isinstance(crs, dict) and isinstance(crs.get("properties"), dict):
        name = crs["properties"].get("name")
    if name not in _WGS84_CRS_NAMES:
        raise ZonePackError(
            path,
            detail=f"coordinate reference system {name or crs!r} is not WGS84 lon/lat; "
            f"reproject it, e.g. `ogr2ogr -f GeoJSON -t_srs EPSG:4326 out.geojson {path.name}`",
        )


def _geojson_feature(feature: object) -> RawFeature:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return RawFeature(None, None, ("not a GeoJSON Feature object",))
    properties = feature.get("properties")
    problems: list[str] = []
    if not isinstance(properties, dict):
        problems.append("missing properties object")
        properties = None
    geometry_json = feature.get("geometry")
    geometry: BaseGeometry | None = None
    if not isinstance(geometry_json, dict):
        problems.append("missing geometry")
    elif geometry_json.get("type") not in _GEOMETRY_TYPES:
        problems.append(_wrong_type(geometry_json.get("type")))
    else:
        try:
            with np.errstate(invalid="ignore"):  # NaN coordinates are reported below
                geometry = shape(geometry_json)
        except (GEOSException, ValueError, TypeError, KeyError, IndexError, AttributeError) as err:
            problems.append(f"malformed {geometry_json['type']} coordinates: {err}")
    return RawFeature(properties, geometry, tuple(problems))


def _unsupported(path: Path) -> list[RawFeature]:
    hint = _CONVERT_HINT.replace("IN", path.name)
    raise ZonePackError(path, detail=f"{path.suffix} files are not supported yet; {hint}")


_Reader = Callable[[Path], list[RawFeature]]
_READERS: dict[str, _Reader] = {
    ".gpkg": _unsupported,
    ".shp": _unsupported,
    ".zip": _unsupported,
    ".kml": _unsupported,
}


def _reader_for(path: Path) -> _Reader:
    """GeoJSON unless the suffix names another registered format."""
    return _READERS.get(path.suffix.lower(), _read_geojson)


# --- validation ----------------------------------------------------------------------------


def _validate(raw: RawFeature) -> tuple[Zone | None, list[str]]:
    """A zone when the feature is fine; the messages describing what is wrong otherwise."""
    messages = list(raw.problems)
    geometry = None if raw.geometry is None else _checked_geometry(raw.geometry, messages)
    if raw.properties is None:
        return None, messages
    props = raw.properties

    zone_id = _required_text(props, "id", messages)
    name = _required_text(props, "name", messages)
    kind = _kind(props.get("kind"), messages)
    risk = _risk(props.get("risk"), messages)
    country = _country(props.get("country"), messages)
    source = props.get("source")
    if source is not None and not isinstance(source, str):
        messages.append(f"source must be a string, not {_show(source)}")
        source = None

    if messages or geometry is None or zone_id is None or name is None or kind is None:
        return None, messages
    return Zone(zone_id, name, kind, geometry, risk, country, source), messages


def _checked_geometry(geometry: BaseGeometry, messages: list[str]) -> Polygon | MultiPolygon | None:
    """The geometry (in 2D) when it is a usable zone outline; a message in ``messages`` if not."""
    if not isinstance(geometry, Polygon | MultiPolygon):
        messages.append(_wrong_type(geometry.geom_type))
        return None
    if geometry.is_empty:
        messages.append("empty geometry")
        return None
    if not np.isfinite(shapely.get_coordinates(geometry)).all():
        messages.append("coordinates are not all finite numbers")
        return None
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if min_lon < -180 or max_lon > 180 or min_lat < -90 or max_lat > 90:
        messages.append(
            "coordinates out of range (lon -180..180, lat -90..90): bounds "
            f"({min_lon:g}, {min_lat:g}, {max_lon:g}, {max_lat:g}); "
            "is the pack in WGS84 with longitude first?"
        )
        return None
    if not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry)
        messages.append(f"invalid geometry: {reason}")
        return None
    if shapely.get_coordinate_dimension(geometry) > 2:
        geometry = shapely.force_2d(geometry)
    return geometry


def _wrong_type(found: object) -> str:
    return f"geometry type {found!r} is not allowed; use Polygon or MultiPolygon"


def _usable_id(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _required_text(props: Mapping[str, object], key: str, messages: list[str]) -> str | None:
    value = props.get(key)
    if value is None:
        messages.append(f"missing {key!r} property")
        return None
    if not isinstance(value, str) or not value.strip():
        messages.append(f"{key} must be a non-empty string, not {_show(value)}")
        return None
    return value


def _kind(value: object, messages: list[str]) -> ZoneKind | None:
    if value is None:
        messages.append(f"missing 'kind' property (one of: {_KINDS})")
        return None
    if isinstance(value, str) and value in _KIND_VALUES:
        return ZoneKind(value)
    messages.append(f"kind {_show(value)} is not one of: {_KINDS}")
    return None


def _risk(value: object, messages: list[str]) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        messages.append(f"risk must be a number from 0 to 1, not {_show(value)}")
        return None
    if not 0 <= value <= 1:  # also rejects NaN
        messages.append(f"risk {value!r} is outside 0..1")
        return None
    return float(value)


def _country(value: object, messages: list[str]) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and _COUNTRY.fullmatch(value):
        return value
    messages.append(
        f"country {_show(value)} is not an ISO 3166 alpha-2 code "
        "(two upper-case letters, e.g. 'PR')"
    )
    return None


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
