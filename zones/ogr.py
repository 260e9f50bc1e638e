"""Reading zone packs through GDAL/OGR (pyogrio): GeoPackage, Shapefile, zipped Shapefile, KML,
and GeoJSON that declares a coordinate reference system other than WGS84.

The result is the same ``RawFeature`` records the GeoJSON reader makes, so validation is shared
(``zones.pack``). What differs is the coordinate reference system, which these formats carry:

* WGS84 (EPSG:4326 or OGC:CRS84, in either axis order) is used as it is;
* no CRS at all (a Shapefile without ``.prj``) is taken as WGS84 lon/lat, with a warning;
* any other CRS is reprojected to WGS84 lon/lat with pyproj, with a warning naming it.

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
from pyproj.exceptions import CRSError

from zones.errors import ZonePackError
from zones.pack import RawFeature

__all__ = ["OgrPack", "read_ogr"]

_WGS84 = CRS.from_epsg(4326)


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
        _read_layer(path, layer, len(layers) > 1, pack)
    return pack


def _read_layer(path: Path, layer: str, named: bool, pack: OgrPack) -> None:
    where = f"layer {layer!r}: " if named else ""
    try:
        meta, _, wkb, columns = pyogrio.raw.read(path, layer=layer)
    except (pyogrio.errors.DataLayerError, pyogrio.errors.DataSourceError, OSError) as err:
        raise ZonePackError(path, detail=f"GDAL cannot read {where or 'it'}: {err}") from err
    geometries = np.array(
        [None if item is None else shapely.from_wkb(item) for item in wkb], dtype=object
    )
    geometries = _to_wgs84(path, meta.get("crs"), geometries, where, pack.warnings)
    names = [str(name) for name in meta["fields"]]
    for row, geometry in enumerate(geometries.tolist()):
        properties = {
            name: _plain(column[row]) for name, column in zip(names, columns, strict=True)
        }
        problems = () if geometry is not None else ("missing geometry",)
        pack.features.append(RawFeature(properties, geometry, problems))


def _to_wgs84(
    path: Path,
    crs_text: object,
    geometries: npt.NDArray[np.object_],
    where: str,
    warnings: list[str],
) -> npt.NDArray[np.object_]:
    if crs_text is None:
        warnings.append(f"{where}no coordinate reference system given; read as WGS84 lon/lat")
        return geometries
    crs = _crs(path, crs_text, where)
    if crs.equals(_WGS84, ignore_axis_order=True):
        return geometries
    transformer = Transformer.from_crs(crs, _WGS84, always_xy=True)

    def to_lon_lat(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        lon, lat = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    present = np.array([g is not None for g in geometries.tolist()], dtype=bool)
    geometries[present] = shapely.transform(geometries[present], to_lon_lat)
    warnings.append(f"{where}reprojected from {_describe(crs)} to WGS84 lon/lat (EPSG:4326)")
    return geometries


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
