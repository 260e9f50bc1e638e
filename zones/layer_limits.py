"""Layers ``territorial_sea`` and ``eez``: US waters round Puerto Rico and the US Virgin Islands.

Source: NOAA Office of Coast Survey, *U.S. Maritime Limits and Boundaries*, a zipped shapefile
of **lines** — the 12 nm territorial sea limit (``TS = 1``), the 24 nm contiguous zone limit
(``CZ = 1``), the 200 nm EEZ limit (``EEZ = 1``) and the treaty boundaries with the British
Virgin Islands, Anguilla and Venezuela — in WGS84. Only the lines of the region "Puerto Rico and
U.S. Virgin Islands" are used.

Lines become polygons with shapely's ``polygonize``, after joining line ends that the source
leaves up to ``SNAP_DEG`` (about 1 m) apart (``snap``) and splitting lines where they cross
(``node``). No line is added: every edge of every polygon is a NOAA line. The faces are then
simplified together (``coverage_simplify``, ``SIMPLIFY_DEG``, about 11 m), which keeps the
edges two faces share identical.

``territorial_sea``
    The faces closed by the territorial-sea limit lines and the territorial-sea boundary with
    the BVI: three rings (Puerto Rico with Vieques, Culebra, St Thomas and St John; St Croix;
    Mona). The source has no baseline or coastline, so each polygon is everything *inside*
    the 12 nm limit — sea, internal waters and the islands themselves — rather than the band
    between the baseline and the limit. For vessels, which are not on land, that is the same
    thing; a position on land inside it is a matter for the land check (``zones.land``).
``eez``
    The union of all faces: everything inside the 200 nm limit and the maritime boundaries.
    Like the EEZ polygons of Marine Regions it includes the territorial sea (and the islands);
    the two zones overlap by design, and a vessel there is in both.

The contiguous zone is not shipped (no zone kind for it). Both zones carry country ``US``:
the coastal state is the United States, and no line in the source separates Puerto Rico's
waters from the Virgin Islands'.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyogrio.raw
import shapely
from shapely.geometry import MultiLineString, MultiPolygon, Polygon

from zones.pack_writer import Feature, make_feature

__all__ = ["NOAA_LIMITS_SOURCE", "REGION_NAME", "us_caribbean_waters"]

NOAA_LIMITS_SOURCE = "NOAA Office of Coast Survey, U.S. Maritime Limits and Boundaries"
REGION_NAME = "Puerto Rico and U.S. Virgin Islands"
SNAP_DEG = 1e-5
SIMPLIFY_DEG = 0.0001  # about 11 m: the lines' vertices are 0.3-1 km apart
_SHAPEFILE = "USMaritimeLimitsAndBoundariesSHP.zip/USMaritimeLimitsNBoundaries.shp"


def us_caribbean_waters(source_dir: Path) -> list[Feature]:
    """The ``territorial_sea`` and ``eez`` zones round Puerto Rico and the US Virgin Islands."""
    lines, territorial = _region_lines(source_dir / "noaa-us-maritime-limits")
    faces = _faces(lines)
    sea_faces = _faces(lines[territorial])
    if not faces or not sea_faces:
        raise ValueError(f"the NOAA limit lines of {REGION_NAME!r} do not close into polygons")
    # The territorial-sea rings are faces of the whole arrangement too. Simplifying the faces
    # as one coverage keeps shared edges shared, so the territorial sea stays inside the EEZ.
    in_sea = [any(face.equals(sea) for sea in sea_faces) for face in faces]
    simple = shapely.coverage_simplify(np.array(faces, dtype=object), SIMPLIFY_DEG).tolist()
    sea = [face for face, is_sea in zip(simple, in_sea, strict=True) if is_sea]
    if len(sea) != len(sea_faces):
        raise ValueError("territorial-sea rings are not faces of the full set of limit lines")
    common = {"country": "US", "source": NOAA_LIMITS_SOURCE}
    return [
        make_feature(
            {
                "id": "noaa-territorial-sea-pr-vi",
                "name": "US territorial sea, Puerto Rico and US Virgin Islands",
                "kind": "territorial_sea",
                **common,
            },
            MultiPolygon(sea),
        ),
        make_feature(
            {
                "id": "noaa-eez-pr-vi",
                "name": "US exclusive economic zone, Puerto Rico and US Virgin Islands",
                "kind": "eez",
                **common,
            },
            shapely.union_all(simple),
        ),
    ]


def _region_lines(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """The region's lines (as single-part LineStrings) and which are territorial-sea lines."""
    path = f"/vsizip/{folder / _SHAPEFILE}"
    meta, _, wkb, fields = pyogrio.raw.read(path, columns=["REGION", "TS"])
    columns = dict(zip(meta["fields"], fields, strict=True))
    if str(meta["crs"]) != "EPSG:4326":
        raise ValueError(f"{path}: expected EPSG:4326, found {meta['crs']}")
    chosen = columns["REGION"] == REGION_NAME
    geometries = shapely.from_wkb(wkb[chosen])
    parts, owner = shapely.get_parts(geometries, return_index=True)
    territorial = columns["TS"][chosen][owner] == 1
    return parts, territorial


def _faces(lines: np.ndarray) -> list[Polygon]:
    """The polygons the lines enclose, after snapping near-touching ends and noding."""
    starts = shapely.get_coordinates(shapely.get_point(lines, 0))
    ends = shapely.get_coordinates(shapely.get_point(lines, -1))
    anchors = shapely.multipoints(np.concatenate([starts, ends]))
    snapped = [shapely.snap(line, anchors, SNAP_DEG) for line in lines.tolist()]
    noded = shapely.node(MultiLineString(snapped))
    faces = shapely.polygonize(shapely.get_parts(noded).tolist())
    return sorted(shapely.get_parts(faces).tolist(), key=lambda face: face.bounds)
