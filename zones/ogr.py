"""Reading zone packs through GDAL/OGR (pyogrio): GeoPackage, Shapefile, zipped Shapefile, KML,
and GeoJSON that declares a coordinate reference system other than WGS84.

The result is the same ``RawFeature`` records the GeoJSON reader makes, so validation is shared
(``zones.pack``). What differs is the coordinate reference system, which these formats carry:

* WGS84 (EPSG:4326 or OGC:CRS84, in either axis order) is used as it is;
* no CRS at all (a Shapefile without ``.prj``) is taken as WGS84 lon/lat, with a warning;
* any other CRS is reprojected to WGS84 lon/lat with pyproj, with a warning naming it —
  unless the coordinates plainly are not in it: a projected CRS (metres, feet) whose
  coordinates all look like degrees refuses the file (reprojected, they would shrink to a
  speck near 0°, 0°), and a feature whose coordinates do not reproject to lon/lat (infinite,
  wrapped round the world, clamped at a pole: pyproj does all three without complaint) is a
  problem of that feature.

Warnings are returned, never printed: the caller (the CLI) decides how to show them. Every
layer of the file is read, in order; feature positions count on across layers. pyogrio is
imported here only, and this module only when such a file is read, so loading GeoJSON packs
never starts GDAL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyogrio
import pyogrio.errors
import pyogrio.raw
import shapely
from pyproj import CRS, Transformer
from pyproj.enums import TransformDirection
from pyproj.exceptions import CRSError

from zones.errors import ZonePackError
from zones.pack import RawFeature

__all__ = ["OgrPack", "read_ogr"]

_WGS84 = CRS.from_epsg(4326)
#: A coordinate reprojected to lon/lat and back lands this close (in the CRS's units, metres or
#: feet) to where it started when the CRS can express it; far off when pyproj wrapped or clamped.
_ROUND_TRIP_TOLERANCE = 1.0


@dataclass(slots=True)
class OgrPack:
    """The features of every layer of a file, and the warnings raised while reading them."""

    features: list[RawFeature] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_ogr(path: Path, declared_crs: str | None = None) -> OgrPack:
    """Read every layer of ``path`` into raw features in WGS84 lon/lat.

    ``declared_crs`` is the CRS a GeoJSON file names in its ``crs`` member: GDAL silently
    reads a name it does not know as WGS84, so it is checked here first. Raises
    ``ZonePackError`` when GDAL cannot open the file or a layer, or when a CRS cannot be
    understood.
    """
    if declared_crs is not None:
        _crs(path, declared_crs, "")
    if not path.exists():
        raise ZonePackError(path, detail="cannot read the file (no such file); check the path")
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except (pyogrio.errors.DataSourceError, OSError) as err:
        raise ZonePackError(path, detail=f"GDAL cannot open it: {err}") from err
    pack = OgrPack()
    if len(layers) > 1:
        pack.warnings.append(f"read {len(layers)} layers in this order: {', '.join(layers)}")
    for layer in layers:
        _read_layer(path, layer, len(layers) > 1, pack, declared_crs is not None)
    return pack


def _read_layer(path: Path, layer: str, named: bool, pack: OgrPack, crs_member: bool) -> None:
    where = f"layer {layer!r}: " if named else ""
    try:
        meta, _, wkb, columns = pyogrio.raw.read(path, layer=layer)
    except (pyogrio.errors.DataLayerError, pyogrio.errors.DataSourceError, OSError) as err:
        raise ZonePackError(path, detail=f"GDAL cannot read {where or 'it'}: {err}") from err
    geometries = np.array(
        [None if item is None else shapely.from_wkb(item) for item in wkb], dtype=object
    )
    hint = _CRS_MEMBER_HINT if crs_member else _LAYER_CRS_HINT.format(name=path.name)
    reprojected = _to_wgs84(path, meta.get("crs"), geometries, where, hint, pack.warnings)
    names = [str(name) for name in meta["fields"]]
    for row, geometry in enumerate(reprojected.geometries.tolist()):
        properties = {
            name: _plain(column[row]) for name, column in zip(names, columns, strict=True)
        }
        if row in reprojected.problems:
            raw = RawFeature(properties, None, (reprojected.problems[row],))
        else:
            raw = RawFeature(
                properties, geometry, () if geometry is not None else ("missing geometry",)
            )
        pack.features.append(raw)


_CRS_MEMBER_HINT = (
    "remove the 'crs' member (GeoJSON coordinates are WGS84 lon/lat) or reproject the "
    "coordinates to the CRS it names"
)
_LAYER_CRS_HINT = (
    "give the layer the CRS its coordinates are in, e.g. "
    "`ogr2ogr -a_srs EPSG:4326 fixed.gpkg {name}`, or reproject them to the one it declares"
)


@dataclass(slots=True)
class _Reprojected:
    """A layer's geometries in WGS84 lon/lat, and the problems of the rows that would not go."""

    geometries: npt.NDArray[np.object_]
    problems: dict[int, str] = field(default_factory=dict)


def _to_wgs84(
    path: Path,
    crs_text: object,
    geometries: npt.NDArray[np.object_],
    where: str,
    hint: str,
    warnings: list[str],
) -> _Reprojected:
    if crs_text is None:
        warnings.append(f"{where}no coordinate reference system given; read as WGS84 lon/lat")
        return _Reprojected(geometries)
    crs = _crs(path, crs_text, where)
    if crs.equals(_WGS84, ignore_axis_order=True):
        return _Reprojected(geometries)
    transformer = Transformer.from_crs(crs, _WGS84, always_xy=True)
    present = np.flatnonzero([g is not None for g in geometries.tolist()])
    xy, owner = shapely.get_coordinates(geometries[present], return_index=True)
    if not crs.is_geographic and _look_like_degrees(xy):
        unit = crs.axis_info[0].unit_name if crs.axis_info else "its own units"
        raise ZonePackError(
            path,
            detail=f"{where}coordinates look like degrees (all within lon -180..180, lat "
            f"-90..90) but the pack declares {_describe(crs)}, in {unit}s: reprojected, they "
            f"would shrink to a speck near 0°, 0°; {hint}",
        )
    result = _Reprojected(geometries)
    for row in _not_reprojectable(transformer, xy, owner, present):
        result.problems[int(row)] = (
            f"coordinates in {_describe(crs)} do not reproject to WGS84 lon/lat (they lie "
            "outside what that CRS describes); check the CRS the pack declares"
        )

    def to_lon_lat(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        lon, lat = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    geometries[present] = shapely.transform(geometries[present], to_lon_lat)
    warnings.append(f"{where}reprojected from {_describe(crs)} to WGS84 lon/lat (EPSG:4326)")
    return result


def _look_like_degrees(xy: npt.NDArray[np.float64]) -> bool:
    """Whether every coordinate is within lon/lat range: in metres or feet, that is a layer
    of zones all within 180 units of the CRS's origin, which no real pack is."""
    return bool(xy.size) and bool(
        np.all(np.abs(xy[:, 0]) <= 180.0) and np.all(np.abs(xy[:, 1]) <= 90.0)
    )


def _not_reprojectable(
    transformer: Transformer,
    xy: npt.NDArray[np.float64],
    owner: npt.NDArray[np.intp],
    present: npt.NDArray[np.intp],
) -> list[int]:
    """The rows whose coordinates do not reproject: not finite or out of range in lon/lat, or
    not back where they started when reprojected back (pyproj wraps and clamps silently)."""
    if not xy.size:
        return []
    lon, lat = transformer.transform(xy[:, 0], xy[:, 1])
    x, y = transformer.transform(lon, lat, direction=TransformDirection.INVERSE)
    with np.errstate(invalid="ignore"):
        good = (
            np.isfinite(lon)
            & np.isfinite(lat)
            & (np.abs(lon) <= 180.0)
            & (np.abs(lat) <= 90.0)
            & (np.abs(x - xy[:, 0]) <= _ROUND_TRIP_TOLERANCE)
            & (np.abs(y - xy[:, 1]) <= _ROUND_TRIP_TOLERANCE)
        )
    good |= ~(np.isfinite(xy[:, 0]) & np.isfinite(xy[:, 1]))  # NaN input: reported as such later
    return sorted(set(present[owner[~good]].tolist()))


def _crs(path: Path, text: object, where: str) -> CRS:
    try:
        return CRS.from_user_input(text)
    except CRSError as err:
        detail = f"{where}cannot understand its coordinate reference system {text!r} ({err})"
        raise ZonePackError(path, detail=detail) from err


def _describe(crs: CRS) -> str:
    code = crs.to_authority()
    return f"{crs.name} ({code[0]}:{code[1]})" if code else str(crs.name)


def _plain(value: object) -> object:
    """A field value as the JSON reader would give it: Python scalars, NaN as missing."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
