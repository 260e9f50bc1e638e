"""Is a reported position on land? Evidence for position plausibility (spoofing, bad fixes).

A vessel reporting from well inland is either misreporting its position or spoofed. This
module answers it from the land mask of the ``global-land-mask`` package: the GLOBE 1 km
elevation grid (NOAA NGDC), 30 arc-seconds per cell (0.93 km north-south), land wherever GLOBE
has an elevation.

``is_land(lat=, lon=)``
    True where the mask cell holding the point is land — the same answer as
    ``global_land_mask.globe.is_land``, cell for cell.
``well_inland(lat=, lon=, margin_km=5.0)``
    True where the point is on land *and* no sea cell of the mask lies within ``margin_km``
    of it (centre to centre, on the mean sphere). The margin absorbs what is not spoofing: the
    mask's 1 km cells and coastline, GNSS error, a berth at the head of a narrow dock.

Both take keyword-only arrays (any shape, returned in the same shape) because this package's
index takes (lon, lat) while land masks conventionally take (lat, lon): naming them rules out
a silent swap. NaN and out-of-range coordinates are not on land (they are invalid, which is
for the caller to flag).

Limits, measured on real positions (``/work/shared/data``): GLOBE treats inland water —
rivers, canals, most lakes — as land, and its 1 km cells swallow narrow harbours. So:

* ``is_land`` alone is no evidence: 48 % of the Puerto Rico / USVI sample's positions (ships
  at berths and in marinas) fall in land cells;
* ``well_inland`` flags none of them, but flags ships on inland waterways: 40 % of the
  MarineCadastre day's 56,377 positions inside the pack's region (the Mississippi, the Houston
  Ship Channel, the Intracoastal Waterway; 29 % outside every port and anchorage zone), and
  16 % of the GFW listener sample's 1,856 (the Paraná and Paraguay, the Amazon, the
  Magdalena, the Essequibo, the Panama Canal and Gatun Lake).

Callers must therefore not alert on ``well_inland`` alone: use it as evidence beside an
implausible jump, and leave out positions inside port and anchorage zones.

The mask is loaded on first use (about 2 s) and kept bit-packed: 117 MB, against the 930 MB of
booleans that importing ``global_land_mask`` itself allocates — which this module therefore
never does; it reads the package's data file directly.
"""

from __future__ import annotations

import importlib.util
import math
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = ["DEFAULT_MARGIN_KM", "is_land", "well_inland"]

DEFAULT_MARGIN_KM = 5.0
_KM_PER_DEGREE = 6_371.0088 * math.pi / 180  # mean sphere
_CHUNK_ROWS = 900
_CHUNK_POINTS = 20_000
_MASK_FILE = "globe_combined_mask_compressed.npz"

BoolArray = npt.NDArray[np.bool_]


def is_land(*, lat: npt.ArrayLike, lon: npt.ArrayLike) -> BoolArray:
    """True where the land mask has land at (lat, lon); false at sea and for invalid input."""
    lat_array, lon_array, valid = _inputs(lat, lon)
    mask = _mask()
    result = np.zeros(lat_array.size, dtype=np.bool_)
    rows, cols = mask.cells(lat_array.ravel()[valid], lon_array.ravel()[valid])
    result[valid] = ~mask.sea(rows, cols)
    return result.reshape(lat_array.shape)


def well_inland(
    *, lat: npt.ArrayLike, lon: npt.ArrayLike, margin_km: float = DEFAULT_MARGIN_KM
) -> BoolArray:
    """True where (lat, lon) is land and no sea cell lies within ``margin_km`` of it."""
    if not margin_km >= 0:
        raise ValueError(f"margin_km must be >= 0, not {margin_km!r}")
    lat_array, lon_array, valid = _inputs(lat, lon)
    mask = _mask()
    result = np.zeros(lat_array.size, dtype=np.bool_)
    flat = np.flatnonzero(valid)
    rows, cols = mask.cells(lat_array.ravel()[flat], lon_array.ravel()[flat])
    on_land = ~mask.sea(rows, cols)
    flat, rows, cols = flat[on_land], rows[on_land], cols[on_land]
    # One latitude band (1°) at a time: the cells within the margin depend on latitude.
    bands = np.floor(np.abs(lat_array.ravel()[flat])).astype(np.intp)
    for band in np.unique(bands).tolist():
        chosen = np.flatnonzero(bands == band)
        d_row, d_col = _disc(mask.cell_km, band, margin_km)
        for start in range(0, chosen.size, _CHUNK_POINTS):
            part = chosen[start : start + _CHUNK_POINTS]
            near_rows = np.clip(rows[part, None] + d_row[None, :], 0, mask.rows - 1)
            near_cols = (cols[part, None] + d_col[None, :]) % mask.cols
            coastal = mask.sea(near_rows, near_cols).any(axis=1)
            result[flat[part[~coastal]]] = True
    return result.reshape(lat_array.shape)


def _inputs(
    lat: npt.ArrayLike, lon: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], BoolArray]:
    lat_array = np.asarray(lat, dtype=np.float64)
    lon_array = np.asarray(lon, dtype=np.float64)
    if lat_array.shape != lon_array.shape:
        raise ValueError(f"lat and lon differ in shape: {lat_array.shape} and {lon_array.shape}")
    with np.errstate(invalid="ignore"):
        valid = (np.abs(lat_array) <= 90) & (np.abs(lon_array) <= 180)
    return lat_array, lon_array, valid.ravel()


@dataclass(frozen=True, slots=True)
class _Mask:
    """The GLOBE sea mask as bits (1 = sea), rows from north to south, columns from 180° W."""

    bits: npt.NDArray[np.uint8]
    rows: int
    cols: int
    lat0: float
    dlat: float
    lat_min: float
    lat_max: float
    lon0: float
    dlon: float
    lon_min: float
    lon_max: float

    @property
    def cell_km(self) -> float:
        return abs(self.dlat) * _KM_PER_DEGREE

    def cells(
        self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        """Row and column of the cell of each (valid) point, as ``globe.is_land`` finds them."""
        lat = np.clip(lat, self.lat_min, self.lat_max)
        lon = np.clip(lon, self.lon_min, self.lon_max)
        rows = ((lat - self.lat0) / self.dlat).astype(np.intp)
        cols = ((lon - self.lon0) / self.dlon).astype(np.intp)
        return rows, cols

    def sea(self, rows: npt.NDArray[np.intp], cols: npt.NDArray[np.intp]) -> BoolArray:
        byte = self.bits[rows, cols >> 3]
        shift = (7 - (cols & 7)).astype(np.uint8)  # np.packbits puts the first column high
        sea: BoolArray = ((byte >> shift) & 1).astype(np.bool_)
        return sea


@cache
def _disc(
    cell_km: float, band: int, margin_km: float
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Cell offsets within ``margin_km`` for points in the latitude band [band, band + 1)°.

    Columns are narrowest at the band's pole-ward edge; sizing them there includes every cell
    within the margin anywhere in the band (and a few just beyond it: a point is called
    coastal a little early, never late)."""
    col_km = cell_km * max(math.cos(math.radians(min(band + 1, 90))), 1e-3)
    reach_rows = math.ceil(margin_km / cell_km)
    reach_cols = min(math.ceil(margin_km / col_km), 21_600)
    d_row, d_col = np.meshgrid(
        np.arange(-reach_rows, reach_rows + 1), np.arange(-reach_cols, reach_cols + 1)
    )
    inside = (d_row * cell_km) ** 2 + (d_col * col_km) ** 2 <= margin_km**2
    return d_row[inside].astype(np.intp), d_col[inside].astype(np.intp)


@cache
def _mask() -> _Mask:
    """Read the package's mask once, bit-packing it chunk by chunk (never all booleans at once)."""
    with zipfile.ZipFile(_mask_path()) as archive:
        with archive.open("lat.npy") as file:
            lat = np.lib.format.read_array(file)
        with archive.open("lon.npy") as file:
            lon = np.lib.format.read_array(file)
        with archive.open("mask.npy") as file:
            if np.lib.format.read_magic(file) != (1, 0):
                raise ValueError("unexpected land mask file: not a version 1.0 .npy array")
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(file)
            if fortran or dtype != np.bool_ or len(shape) != 2:
                raise ValueError(f"unexpected land mask layout: {shape}, {dtype}, {fortran}")
            rows, cols = shape
            packed = np.empty((rows, (cols + 7) // 8), dtype=np.uint8)
            for start in range(0, rows, _CHUNK_ROWS):
                count = min(_CHUNK_ROWS, rows - start)
                data = file.read(count * cols)
                if len(data) != count * cols:
                    raise ValueError("land mask file ends early")
                chunk = np.frombuffer(data, dtype=np.bool_)
                packed[start : start + count] = np.packbits(chunk.reshape(count, cols), axis=1)
    return _Mask(
        bits=packed,
        rows=rows,
        cols=cols,
        lat0=float(lat[0]),
        dlat=float(lat[1] - lat[0]),
        lat_min=float(lat.min()),
        lat_max=float(lat.max()),
        lon0=float(lon[0]),
        dlon=float(lon[1] - lon[0]),
        lon_min=float(lon.min()),
        lon_max=float(lon.max()),
    )


def _mask_path() -> Path:
    """The package's data file, found without importing the package (which loads it whole)."""
    spec = importlib.util.find_spec("global_land_mask")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "global-land-mask is not installed (pip install global-land-mask)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / _MASK_FILE
