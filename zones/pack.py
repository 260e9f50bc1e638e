"""Reading and validating zone packs: GeoJSON, and through GDAL GeoPackage, Shapefile and KML.

``validate_pack`` reports every problem it finds, by feature, without raising on content, plus
warnings about what it had to assume or convert (a reprojection, a missing CRS);
``check_pack`` is its short form (zones and problems); ``load_pack`` is the strict form used by
the engine. All raise ``ZonePackError`` when the file cannot be read as a zone pack at all.

Readers turn a file into ``RawFeature`` records; validation is shared. GeoJSON in WGS84 — the
usual case, and the shipped pack — is read with the ``json`` module and
``shapely.geometry.shape`` (fast, no GDAL). GeoPackage, Shapefile (plain or zipped), KML, and
GeoJSON declaring another coordinate reference system go through ``zones.ogr`` (pyogrio/GDAL),
which reprojects to WGS84 lon/lat with a warning. Another format needs only a reader
registered in ``_READERS``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from zones.antimeridian import AntimeridianError, split_at_antimeridian
from zones.coordinates import all_plain, coordinate_problem
from zones.errors import Problem, ZonePackError
from zones.model import Zone, ZoneKind

__all__ = ["PackReport", "RawFeature", "check_pack", "load_pack", "validate_pack"]

_COUNTRY = re.compile(r"[A-Z]{2}")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
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
_OGR_SUFFIXES = (".gpkg", ".shp", ".zip", ".kml")


@dataclass(frozen=True, slots=True)
class RawFeature:
    """One feature as a reader found it, before validation.

    ``geometry`` is ``None`` when the reader could not build one, ``properties`` when the
    feature has no properties object at all; ``problems`` then says why.
    """

    properties: Mapping[str, object] | None
    geometry: BaseGeometry | None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PackReport:
    """What validating a pack found: the usable zones, the problems by feature, and warnings
    about what was assumed or converted on the way (e.g. "reprojected from UTM zone 20N")."""

    zones: list[Zone]
    problems: list[Problem]
    warnings: list[str]


def validate_pack(path: Path | str) -> PackReport:
    """Validate a zone pack: the zones that are fine, every problem found (by feature), and the
    warnings of its reader.

    Raises ``ZonePackError`` only when the file cannot be read as a zone pack at all (missing,
    unreadable, not JSON, not a FeatureCollection, a CRS that cannot be understood, a file GDAL
    cannot open).
    """
    path = Path(path)
    raw_features, warnings = _reader_for(path)(path)
    zones: list[Zone] = []
    problems: list[Problem] = []
    first_use: dict[str, int] = {}
    for index, raw in enumerate(raw_features):
        zone, messages, notes = _validate(raw)
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
            warnings.extend(str(Problem(index, feature_id, note)) for note in notes)
    return PackReport(zones, problems, warnings)


def check_pack(path: Path | str) -> tuple[list[Zone], list[Problem]]:
    """Validate a zone pack: the zones that are fine, and every problem found, by feature.

    ``validate_pack`` without the warnings; raises ``ZonePackError`` as it does.
    """
    report = validate_pack(path)
    return report.zones, report.problems


def load_pack(path: Path | str) -> list[Zone]:
    """Load a zone pack, refusing it whole if any feature has a problem."""
    zones, problems = check_pack(path)
    if problems:
        raise ZonePackError(path, problems)
    return zones


# --- readers -------------------------------------------------------------------------------

_Read = tuple[list[RawFeature], list[str]]  # the features, and the reader's warnings


def _read_geojson(path: Path) -> _Read:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        hint = _CONVERT_HINT.replace("IN", path.name)
        raise ZonePackError(path, detail=f"not UTF-8 text ({err.reason}); {hint}") from err
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
    except RecursionError as err:
        raise ZonePackError(
            path,
            detail="JSON nested too deeply to read (arrays or objects more than about "
            f"{sys.getrecursionlimit()} levels deep); a zone pack's deepest member, a "
            "MultiPolygon's coordinates, is 8 levels deep",
        ) from err
    except ValueError as err:  # an integer of more digits than Python converts
        reason = str(err).split(";")[0]
        raise ZonePackError(
            path, detail=f"not valid JSON for a zone pack: a number that cannot be read ({reason})"
        ) from err
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        found = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise ZonePackError(
            path,
            detail=f"not a GeoJSON FeatureCollection (found {found!r}); put the zones in "
            '{"type": "FeatureCollection", "features": [...]}',
        )
    crs_name = _crs_name(path, document.get("crs"))
    features = document.get("features")
    if not isinstance(features, list):
        raise ZonePackError(path, detail="the FeatureCollection has no 'features' array")
    if crs_name is not None and crs_name not in _WGS84_CRS_NAMES:
        from zones.ogr import read_ogr  # GDAL reads the old-style crs member; we reproject

        # GDAL would read ["-66.1", "18.4"] as no geometry at all: say what is wrong first.
        if problems := _coordinate_problems(features):
            raise ZonePackError(path, problems)
        pack = read_ogr(path, declared_crs=crs_name)
        return pack.features, pack.warnings
    # One check of every coordinate at once; feature by feature only if it finds a culprit.
    plain = all_plain(feature.get("geometry") for feature in features if isinstance(feature, dict))
    with np.errstate(invalid="ignore"):  # NaN coordinates are reported by _checked_geometry
        return [_geojson_feature(feature, plain) for feature in features], []


def _crs_name(path: Path, crs: object) -> str | None:
    """The name of an old-style named ``crs`` member; ``None`` without one (RFC 7946: WGS84).

    A ``crs`` member that names no CRS is an error: it cannot be honoured or ignored safely."""
    if crs is None:
        return None
    name = None
    if isinstance(crs, dict) and isinstance(crs.get("properties"), dict):
        name = crs["properties"].get("name")
    if not isinstance(name, str):
        raise ZonePackError(
            path,
            detail=f"coordinate reference system {crs!r} names no CRS; remove the 'crs' member "
            "(GeoJSON is WGS84 lon/lat) or reproject, e.g. "
            f"`ogr2ogr -f GeoJSON -t_srs EPSG:4326 out.geojson {path.name}`",
        )
    return name


def _geojson_feature(feature: object, plain: bool = False) -> RawFeature:
    """A feature as the JSON gives it; ``plain`` when its coordinates are known to be plain
    numbers (``zones.coordinates.all_plain``)."""
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
    elif not plain and (problem := coordinate_problem(geometry_json)) is not None:
        problems.append(problem)
    else:
        try:
            geometry = shape(geometry_json)
        except (
            GEOSException,
            ValueError,
            TypeError,
            KeyError,
            IndexError,
            AttributeError,
            OverflowError,  # an integer too large for a float
        ) as err:
            problems.append(f"malformed {geometry_json['type']} coordinates: {err}")
    return RawFeature(properties, geometry, tuple(problems))


def _coordinate_problems(features: list[object]) -> list[Problem]:
    """The coordinate problems of a pack's features, by feature, checked on the JSON."""
    problems: list[Problem] = []
    for index, feature in enumerate(features):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in _GEOMETRY_TYPES:
            continue  # not a zone at all: GDAL's reading reports it
        problem = coordinate_problem(geometry)
        if problem is not None:
            properties = feature.get("properties") if isinstance(feature, dict) else None
            feature_id = _usable_id(properties.get("id")) if isinstance(properties, dict) else None
            problems.append(Problem(index, feature_id, problem))
    return problems


def _read_ogr(path: Path) -> _Read:
    """GeoPackage, Shapefile, KML, or GeoJSON in another CRS, through GDAL (``zones.ogr``).

    Imported on use, so that reading GeoJSON packs never loads GDAL."""
    from zones.ogr import read_ogr

    pack = read_ogr(path)
    return pack.features, pack.warnings


_Reader = Callable[[Path], _Read]
_READERS: dict[str, _Reader] = dict.fromkeys(_OGR_SUFFIXES, _read_ogr)


def _reader_for(path: Path) -> _Reader:
    """GeoJSON unless the suffix names another registered format."""
    return _READERS.get(path.suffix.lower(), _read_geojson)


# --- validation ----------------------------------------------------------------------------


def _validate(raw: RawFeature) -> tuple[Zone | None, list[str], list[str]]:
    """A zone when the feature is fine; the messages describing what is wrong otherwise; and
    notes on what was changed to make it usable (a split at the antimeridian)."""
    messages = list(raw.problems)
    notes: list[str] = []
    geometry = None if raw.geometry is None else _checked_geometry(raw.geometry, messages, notes)
    if raw.properties is None:
        return None, messages, notes
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
    elif source is not None and not _is_unicode(source):
        messages.append(f"source {_show(source)} is not valid Unicode (a lone surrogate)")
        source = None

    if messages or geometry is None or zone_id is None or name is None or kind is None:
        return None, messages, notes
    return Zone(zone_id, name, kind, geometry, risk, country, source), messages, notes


def _checked_geometry(
    geometry: BaseGeometry, messages: list[str], notes: list[str]
) -> Polygon | MultiPolygon | None:
    """The geometry (in 2D, split at the antimeridian if it crosses it) when it is a usable zone
    outline; a message in ``messages`` if not, a note in ``notes`` if it was split."""
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
    if max_lon - min_lon > 180:  # only then can an edge cross the antimeridian
        try:
            geometry, parts = split_at_antimeridian(geometry)
        except AntimeridianError as err:
            messages.append(str(err))
            return None
        if parts:
            notes.append(f"crosses the antimeridian; split at 180° into {parts} polygons")
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
    if not _is_unicode(value):  # "\ud800" in JSON: no UTF-8 output could carry it
        messages.append(f"{key} {_show(value)} is not valid Unicode (a lone surrogate)")
        return None
    return value


def _is_unicode(text: str) -> bool:
    return text.isascii() or not _SURROGATE.search(text)


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
