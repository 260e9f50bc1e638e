"""Coastlines for the report's maps, contoured from the land mask the engine already ships.

Nothing is fetched and no coastline file is shipped: the land is the GLOBE 30″ land mask of the
``global-land-mask`` package, read through ``zones.land.is_land`` (the same mask the position
plausibility check uses). For each map the mask is sampled on a grid of about two pixels, each
node averaging a block of mask cells (so a node holds the *share* of land around it), and the
0.5 level of that field is traced by marching squares into closed rings, which are simplified
to half a pixel and drawn as one SVG path with the even-odd rule. Where a node stands for
fewer than a few mask cells (harbour-scale maps) the field is blurred a little first, so the
coast does not follow the cells' staircase. The resolution therefore
follows the zoom: a whole-ocean overview samples every 0.5°, a harbour map every 30″ (the
mask's own cells, 0.93 km).

Limits: GLOBE counts rivers and most lakes as land, and its 1 km cells close narrow harbours —
good enough to see where the sea is, not a chart. The mask takes about 2 s and 117 MB to load
on first use (``zones.land`` keeps it for the process).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import shapely

from replay.report.geo import MapView

__all__ = ["MASK_CELL_DEG", "land_path"]

MASK_CELL_DEG = 1 / 120  # GLOBE's 30 arc-seconds
_MAX_SUPERSAMPLE = 6
_MAX_SAMPLES = 6_000_000

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

# Marching squares: for each corner case (tl=8, tr=4, br=2, bl=1 set where land), the segments
# as (from edge, to edge), oriented with land on the left. Saddles (5, 10) depend on the centre.
_T, _R, _B, _L = range(4)
_SEGMENTS: dict[int, tuple[tuple[int, int], ...]] = {
    1: ((_B, _L),),
    2: ((_R, _B),),
    3: ((_R, _L),),
    4: ((_T, _R),),
    6: ((_T, _B),),
    7: ((_T, _L),),
    8: ((_L, _T),),
    9: ((_B, _T),),
    11: ((_R, _T),),
    12: ((_L, _R),),
    13: ((_B, _R),),
    14: ((_L, _B),),
}
_SADDLES: dict[tuple[int, bool], tuple[tuple[int, int], ...]] = {
    (5, True): ((_T, _L), (_B, _R)),
    (5, False): ((_B, _L), (_T, _R)),
    (10, True): ((_R, _T), (_L, _B)),
    (10, False): ((_L, _T), (_R, _B)),
}


def land_path(
    view: MapView, *, cell_px: float = 2.0, tolerance_px: float = 0.5, min_area_px: float = 4.0
) -> str:
    """SVG path data (pixel coordinates of ``view``) of the land in the view, for
    ``fill-rule: evenodd``. Land touching the frame is closed just outside it: clip the path to
    the frame. Raises ``ModuleNotFoundError`` when global-land-mask is not installed."""
    field, x0, y0, dx, dy = _land_share(view, cell_px)
    if not field.any():
        return ""
    rings = _contour(field, x0, y0, dx, dy)
    return _path(rings, tolerance_px, min_area_px)


def _land_share(view: MapView, cell_px: float) -> tuple[FloatArray, float, float, float, float]:
    """The share of land at grid nodes over the view, padded with a ring of sea, and the pixel
    position of the first (padding) node and the node spacing."""
    from zones.land import is_land  # loads the mask on first use: only when a map is drawn

    d_lon = max(cell_px / view.px_per_deg_lon, MASK_CELL_DEG)
    d_lat = max(cell_px / view.px_per_deg_lat, MASK_CELL_DEG)
    nx = math.ceil(view.span / d_lon) + 1
    ny = math.ceil((view.north - view.south) / d_lat) + 1
    sx = min(max(round(d_lon / MASK_CELL_DEG), 1), _MAX_SUPERSAMPLE)
    sy = min(max(round(d_lat / MASK_CELL_DEG), 1), _MAX_SUPERSAMPLE)
    while nx * ny * sx * sy > _MAX_SAMPLES and (sx > 1 or sy > 1):
        sx, sy = max(sx - 1, 1), max(sy - 1, 1)
    lon = view.west + np.arange(nx) * d_lon
    lat = view.north - np.arange(ny) * d_lat
    share = np.zeros((ny + 2, nx + 2), dtype=np.float64)
    inner = share[1:-1, 1:-1]
    for a in range(sx):
        lon_at = (lon + ((a + 0.5) / sx - 0.5) * d_lon + 180.0) % 360.0 - 180.0
        for b in range(sy):
            lat_at = np.clip(lat + ((b + 0.5) / sy - 0.5) * d_lat, -90.0, 90.0)
            grid_lat, grid_lon = np.meshgrid(lat_at, lon_at, indexing="ij")
            inner += is_land(lat=grid_lat, lon=grid_lon)
    inner /= sx * sy
    if sx * sy <= 4:
        # Few mask cells per node: the share is nearly 0 or 1 and the contour would follow the
        # cells' staircase. A [1 2 1] binomial blur rounds it to the coast it stands for.
        share[1:-1, 1:-1] = _blur(share)[1:-1, 1:-1]
    dx = d_lon * view.px_per_deg_lon
    dy = d_lat * view.px_per_deg_lat
    return share, -dx, -dy, dx, dy


def _blur(field: FloatArray) -> FloatArray:
    """A separable [1, 2, 1] / 4 blur (edges kept as they are)."""
    out = field.copy()
    out[:, 1:-1] = (field[:, :-2] + 2 * field[:, 1:-1] + field[:, 2:]) / 4
    result = out.copy()
    result[1:-1, :] = (out[:-2, :] + 2 * out[1:-1, :] + out[2:, :]) / 4
    return result


def _contour(field: FloatArray, x0: float, y0: float, dx: float, dy: float) -> list[FloatArray]:
    """Closed rings (pixel coordinates) of the 0.5 level of ``field``, whose border is sea."""
    rows, cols = field.shape
    land = field > 0.5
    case = (
        land[:-1, :-1].astype(np.intp) * 8
        + land[:-1, 1:] * 4
        + land[1:, 1:] * 2
        + land[1:, :-1] * 1
    )
    centre = (field[:-1, :-1] + field[:-1, 1:] + field[1:, 1:] + field[1:, :-1]) / 4 > 0.5
    horizontal = rows * (cols - 1)  # edge ids: horizontal edges first, then vertical ones

    def edges(i: IntArray, j: IntArray) -> tuple[IntArray, ...]:
        top = i * (cols - 1) + j
        left = horizontal + i * cols + j
        return top, left + 1, top + (cols - 1), left  # T, R, B, L

    starts: list[IntArray] = []
    ends: list[IntArray] = []
    for key, segments in [*_SEGMENTS.items(), *_SADDLES.items()]:
        chosen = (case == key[0]) & (centre == key[1]) if isinstance(key, tuple) else case == key
        i, j = np.nonzero(chosen)
        if i.size == 0:
            continue
        sides = edges(i.astype(np.intp), j.astype(np.intp))
        for start, end in segments:
            starts.append(sides[start])
            ends.append(sides[end])
    if not starts:
        return []
    begin = np.concatenate(starts)
    finish = np.concatenate(ends)
    xy = _crossings(field, np.concatenate((begin, finish)), horizontal, x0, y0, dx, dy)
    points = dict(zip(begin.tolist(), xy[: begin.size].tolist(), strict=True))
    order = np.argsort(begin)
    following = order[np.searchsorted(begin[order], finish)]  # the segment starting where
    successor = following.tolist()  # each one ends: every crossing starts and ends one segment
    seen = bytearray(begin.size)
    starts_list = begin.tolist()
    rings: list[FloatArray] = []
    for first in range(begin.size):
        if seen[first]:
            continue
        ring: list[list[float]] = []
        at = first
        while not seen[at]:
            seen[at] = 1
            ring.append(points[starts_list[at]])
            at = successor[at]
        rings.append(np.asarray(ring, dtype=np.float64))
    return rings


def _crossings(
    field: FloatArray, ids: IntArray, horizontal: int, x0: float, y0: float, dx: float, dy: float
) -> FloatArray:
    """Where the 0.5 level crosses each edge, by linear interpolation between its two nodes."""
    cols = field.shape[1]
    out = np.empty((ids.size, 2), dtype=np.float64)
    flat = field.ravel()
    is_h = ids < horizontal
    h = ids[is_h]
    i, j = np.divmod(h, cols - 1)
    a, b = flat[i * cols + j], flat[i * cols + j + 1]
    out[is_h, 0] = x0 + (j + (0.5 - a) / (b - a)) * dx
    out[is_h, 1] = y0 + i * dy
    v = ids[~is_h] - horizontal
    i, j = np.divmod(v, cols)
    a, b = flat[i * cols + j], flat[(i + 1) * cols + j]
    out[~is_h, 0] = x0 + j * dx
    out[~is_h, 1] = y0 + (i + (0.5 - a) / (b - a)) * dy
    return out


def _path(rings: list[FloatArray], tolerance_px: float, min_area_px: float) -> str:
    """Simplified rings as SVG path data, dropping rings smaller than ``min_area_px``."""
    rings = [ring for ring in rings if len(ring) >= 3]
    if not rings:
        return ""
    coords = np.concatenate(rings)
    index = np.repeat(np.arange(len(rings)), [len(ring) for ring in rings])
    shapes = shapely.linearrings(coords, indices=index)
    shapes = shapely.simplify(shapes, tolerance_px, preserve_topology=False)
    keep = shapely.get_num_coordinates(shapes) >= 4
    shapes = shapes[keep]
    area = shapely.area(shapely.polygons(shapes))
    shapes = shapes[area >= min_area_px]
    parts: list[str] = []
    for ring in shapes:
        xy = np.round(shapely.get_coordinates(ring)[:-1], 1)
        numbers = " ".join(_num(v) for v in xy.ravel().tolist())
        parts.append(f"M{numbers}Z")
    return "".join(parts)


def _num(value: float) -> str:
    """A coordinate with at most one decimal and no trailing ``.0``."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text
