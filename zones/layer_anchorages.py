"""Layer ``anchorage``: Global Fishing Watch named anchorages of the region, one polygon each.

Source: ``gfw-anchorages/anchorage_overrides.csv`` from GlobalFishingWatch/pipe-anchorages —
one row per anchorage point: an S2 level-14 cell (about 0.5 km across) where many vessels
stayed still, with ``label`` (the anchorage or port name), ``sublabel`` (a part of it, often
empty), ``iso3`` and the cell's ``latitude``/``longitude``. (The ``s2id`` column was mangled by
a spreadsheet for some rows — ``8.62E+12`` — so it is not used.)

How points become zones:

1. Points are grouped by (``iso3``, ``label``, ``sublabel``): GFW's own name for the place
   (a sublabel equal to the label counts as none). Four rows are not anchorages and are
   dropped (none lies in the region): the three without a country code — GFW's placeholder
   cells at the North Pole and at 0°, 0°, and a row whose latitude was copied into its
   longitude — and one off the globe (POINTE NOIRE at longitude 1001).
2. Within a group, points closer than ``GROUP_DISTANCE_M`` (4 km, GFW's port-visit exit
   distance) are one anchorage, by single linkage: a vessel moving between two such points
   never leaves the anchorage in GFW's sense. A name used far apart (``SANTOS BASIN`` oil
   fields, ``HOUSTON`` from Galveston to Corpus Christi) gives several anchorages.
3. An anchorage's zone is every place within ``RADIUS_M`` (3 km, GFW's port-visit entry
   distance) of one of its points: the union of 3 km circles, simplified by
   ``SIMPLIFY_DEG`` (about 30 m).

Zone id ``gfw-<iso3>-<label>[-<sublabel>][-<n>]`` (slugs; ``n`` numbers the anchorages of one
name from west to east), name ``LABEL`` or ``LABEL (SUBLABEL)`` as GFW spells them, country
from ``iso3``. Labels like ``USA-1930`` are GFW's names for anchorages with no gazetteer match;
they are kept, with the sublabel naming the nearby port.
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely

from zones.geodesy import EARTH_RADIUS_M, geodesic_circle
from zones.pack_writer import REGION, Box, Feature, make_feature

__all__ = [
    "GFW_ANCHORAGE_SOURCE",
    "GROUP_DISTANCE_M",
    "ISO3_ALPHA2",
    "RADIUS_M",
    "NamedAnchorage",
    "anchorages",
    "named_anchorages",
]

GFW_ANCHORAGE_SOURCE = "Global Fishing Watch named anchorages (pipe-anchorages)"
GROUP_DISTANCE_M = 4000.0
RADIUS_M = 3000.0
SIMPLIFY_DEG = 0.0015  # about 160 m, small against 3 km circles; keeps the pack small

# GFW iso3 codes of the region -> ISO 3166-1 alpha-2. As with the WPI, the source's code is
# kept even where a territory has its own alpha-2 (GFW's FRA points are Saint-Martin).
ISO3_ALPHA2 = {
    "ABW": "AW", "AIA": "AI", "ARG": "AR", "ATG": "AG", "BES": "BQ", "BHS": "BS", "BLM": "BL",
    "BLZ": "BZ", "BMU": "BM", "BOL": "BO", "BRA": "BR", "BRB": "BB", "CHL": "CL", "COL": "CO",
    "CRI": "CR", "CUB": "CU", "CUW": "CW", "CYM": "KY", "DMA": "DM", "DOM": "DO", "ECU": "EC",
    "FLK": "FK", "FRA": "FR", "GBR": "GB", "GLP": "GP", "GRD": "GD", "GTM": "GT", "GUF": "GF",
    "GUY": "GY", "HND": "HN", "HTI": "HT", "JAM": "JM", "KNA": "KN", "LCA": "LC", "MAF": "MF",
    "MEX": "MX", "MSR": "MS", "MTQ": "MQ", "NIC": "NI", "NLD": "NL", "PAN": "PA", "PER": "PE",
    "PRI": "PR", "PRY": "PY", "SGS": "GS", "SLV": "SV", "SUR": "SR", "SXM": "SX", "TCA": "TC",
    "TTO": "TT", "URY": "UY", "USA": "US", "VCT": "VC", "VEN": "VE", "VGB": "VG", "VIR": "VI",
}  # fmt: skip

_Key = tuple[str, str, str]
# iso3 values of rows that are not anchorages: GFW's placeholder cells (an "OU" point at the
# North Pole, a "REMOVE" point at 0°, 0°) and one mangled row (TAICHUNG CITY with its latitude
# copied into the longitude) carry no country code, or "NA".
_NO_COUNTRY = frozenset({"", "NA"})


@dataclass(frozen=True, slots=True)
class NamedAnchorage:
    """One anchorage: the points of one GFW name within ``GROUP_DISTANCE_M`` of each other.

    ``points`` is an (n, 2) array of lon/lat, sorted; ``iso3`` the source's country code.
    """

    id: str
    name: str
    iso3: str
    points: npt.NDArray[np.float64]


def named_anchorages(
    source_dir: Path, keep: Callable[[float, float], bool]
) -> list[NamedAnchorage]:
    """The GFW named anchorages made of the points (lon, lat) that ``keep`` accepts, sorted by
    name key and, within one name, numbered from west to east (rules 1-2 above)."""
    groups: dict[_Key, list[tuple[float, float]]] = defaultdict(list)
    path = source_dir / "gfw-anchorages" / "anchorage_overrides.csv"
    with path.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            lon, lat = float(row["longitude"]), float(row["latitude"])
            iso3 = row["iso3"].strip()
            on_globe = -180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0
            if iso3 not in _NO_COUNTRY and on_globe and keep(lon, lat):
                label, sublabel = row["label"].strip(), row["sublabel"].strip()
                if sublabel == label:  # "BELEM / BELEM" is the same place as "BELEM"
                    sublabel = ""
                groups[(iso3, label, sublabel)].append((lon, lat))
    found = []
    for key in sorted(groups):
        iso3, label, sublabel = key
        slug = "-".join(_slug(part) for part in key if part)
        name = f"{label} ({sublabel})" if sublabel else label
        points = np.array(sorted(groups[key]), dtype=np.float64)
        clusters = sorted(_clusters(points), key=lambda c: (c[:, 0].min(), c[:, 1].min()))
        for number, cluster in enumerate(clusters, start=1):
            suffix = f"-{number}" if len(clusters) > 1 else ""
            found.append(NamedAnchorage(f"gfw-{slug}{suffix}", name, iso3, cluster))
    return found


def anchorages(source_dir: Path, region: Box = REGION) -> list[Feature]:
    """``anchorage`` zones for the GFW named anchorages in ``region``."""
    inside = named_anchorages(source_dir, lambda lon, lat: (lon, lat) in region)
    return [_feature(anchorage) for anchorage in inside]


def _feature(anchorage: NamedAnchorage) -> Feature:
    country = ISO3_ALPHA2.get(anchorage.iso3)
    if country is None:
        print(f"warning: no ISO code for GFW iso3 {anchorage.iso3!r}", file=sys.stderr)
    circles = [geodesic_circle(lon, lat, RADIUS_M) for lon, lat in anchorage.points.tolist()]
    outline = shapely.simplify(shapely.union_all(circles), SIMPLIFY_DEG)
    properties = {
        "id": anchorage.id,
        "name": anchorage.name,
        "kind": "anchorage",
        "country": country,
        "source": GFW_ANCHORAGE_SOURCE,
    }
    return make_feature(properties, outline)


def _clusters(points: npt.NDArray[np.float64]) -> list[npt.NDArray[np.float64]]:
    """Single-linkage clusters of lon/lat points at ``GROUP_DISTANCE_M`` (great circle)."""
    lon, lat = np.radians(points[:, 0]), np.radians(points[:, 1])
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    near = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))) <= GROUP_DISTANCE_M
    label = np.full(len(points), -1)
    for start in range(len(points)):
        if label[start] >= 0:
            continue
        label[start] = start
        frontier = [start]
        while frontier:
            linked = np.flatnonzero(near[frontier].any(axis=0) & (label < 0))
            label[linked] = start
            frontier = linked.tolist()
    return [points[label == value] for value in np.unique(label)]


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
