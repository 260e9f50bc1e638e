"""The world harbour layer's records: ports and anchorages outside the pack's region, as circles.

The Caribbean pack (``zones.build``) holds the harbours inside ``REGION`` as polygons; this
layer holds the rest of the world as circles (a centre and a radius; an anchorage is several
circles), built by ``python -m zones.build_harbours`` into ``zones/data/harbours.json.gz``
(format: ``zones.harbours``), from the source positions that lie outside ``REGION``. The
layer is also silent inside ``REGION`` (a circle round a port just outside it may reach in):
there the pack alone answers, as before. Three sources:

``port`` — NGA World Port Index (``nga-wpi/UpdatedPub150.csv``)
    every WPI port outside the region, with the pack's radii by harbour size
    (``zones.layer_ports.WPI_RADIUS_M``: 4 / 6 / 8 / 12 km, 4 km without a size). Two WPI
    numbers appear on two rows each (Machilipatnam, Seydisfjordur: the same port, positions
    1-2 km apart): one port with both positions and the larger radius. Id ``wpi-<number>``,
    name the WPI main port name; country the UN/LOCODE prefix most of the WPI country name's
    ports carry (so a port with a mistyped LOCODE still gets its country's code), or
    ``zones.countries.WPI_NAME_ALPHA2`` for the names none of whose ports has a LOCODE.

``anchorage`` — Global Fishing Watch named anchorages (``gfw-anchorages/anchorage_overrides.csv``)
    the pack's rules (``zones.layer_anchorages``): points of one name within 4 km of each other
    are one anchorage, its zone everything within 3 km (``RADIUS_M``) of its points — here the
    circles themselves, not a simplified outline. Same ids and names; country from
    ``zones.countries.ISO3_ALPHA2``.

``port`` — UN/LOCODE ports of searoute (``searoute/ports.geojson``)
    every port outside the region, a circle of ``LOCODE_RADIUS_M`` (4 km: the pack's radius for
    a WPI port of unknown size; the two sources' positions of the 2,063 ports both list are
    2.0 km apart at the median and within 4.2 km for three in four). A port whose UN/LOCODE is
    a WPI port's and whose position lies inside that WPI port's circle is that port, already
    in the layer under its WPI name, and is left out. Rows sharing a LOCODE (38 codes: mostly a
    port and one of its terminals, a few far apart) are one port with all their positions,
    named as the first row. Id
    ``unlocode-<locode>``; country the LOCODE's first two letters (ISO 3166-1 alpha-2 by the
    definition of UN/LOCODE). One row carries only a country ("EG", Ras Budran): id
    ``unlocode-eg-ras-budran``.

Coordinates are rounded to 4 decimals (about 11 m), as in the pack.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from zones.countries import ISO3_ALPHA2, WPI_NAME_ALPHA2
from zones.geodesy import EARTH_RADIUS_M
from zones.layer_anchorages import GFW_ANCHORAGE_SOURCE, RADIUS_M, named_anchorages
from zones.layer_ports import WPI_DEFAULT_RADIUS_M, WPI_RADIUS_M, WPI_SOURCE
from zones.pack_writer import DECIMALS, REGION, Box

__all__ = [
    "LOCODE_RADIUS_M",
    "LOCODE_SOURCE",
    "Harbour",
    "gfw_anchorages",
    "locode_ports",
    "world_harbours",
    "wpi_ports",
]

LOCODE_SOURCE = "UN/LOCODE ports of searoute (genthalili/searoute-py)"
LOCODE_RADIUS_M = 4000.0

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Harbour:
    """One port or anchorage of the layer: circles of ``radius_m`` round ``points`` (lon, lat)."""

    id: str
    kind: str
    name: str
    country: str | None
    source: str
    radius_m: float
    points: tuple[Point, ...]


def world_harbours(source_dir: Path, region: Box = REGION) -> list[Harbour]:
    """Every harbour of the three sources outside ``region``, sorted by id.

    Raises ``ValueError`` on an id used twice, or used by the pack for a harbour inside
    ``region`` (a WPI number or an anchorage name with positions on both sides).
    """
    outside = _outside(region)
    ports = wpi_ports(source_dir, region)
    found = ports + gfw_anchorages(source_dir, region) + locode_ports(source_dir, ports, region)
    found.sort(key=lambda harbour: harbour.id)
    for first, second in itertools.pairwise(found):
        if first.id == second.id:
            raise ValueError(f"duplicate harbour id {first.id!r}")
    in_pack = sorted({harbour.id for harbour in found} & _pack_harbour_ids(source_dir, region))
    if in_pack:
        raise ValueError(f"harbour ids also used inside the region, by the pack: {in_pack[:10]}")
    assert all(outside(*point) for harbour in found for point in harbour.points)
    return found


def wpi_ports(source_dir: Path, region: Box = REGION) -> list[Harbour]:
    """The WPI ports outside ``region``; rows sharing a WPI number are one port."""
    path = source_dir / "nga-wpi" / "UpdatedPub150.csv"
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    country_of = _wpi_countries(rows)
    by_number: dict[str, list[dict[str, str]]] = defaultdict(list)
    outside = _outside(region)
    for row in rows:
        if outside(float(row["Longitude"]), float(row["Latitude"])):
            by_number[row["World Port Index Number"].strip()].append(row)
    ports = []
    for number, same in by_number.items():
        radius = max(WPI_RADIUS_M.get(r["Harbor Size"].strip(), WPI_DEFAULT_RADIUS_M) for r in same)
        first = same[0]
        points = [(float(r["Longitude"]), float(r["Latitude"])) for r in same]
        ports.append(
            Harbour(
                id=f"wpi-{number}",
                kind="port",
                name=first["Main Port Name"].strip(),
                country=country_of[first["Country Code"].strip()],
                source=WPI_SOURCE,
                radius_m=radius,
                points=_rounded(points),
            )
        )
    return ports


def gfw_anchorages(source_dir: Path, region: Box = REGION) -> list[Harbour]:
    """The GFW named anchorages outside ``region``, clustered as the pack clusters them."""
    return [
        Harbour(
            id=anchorage.id,
            kind="anchorage",
            name=anchorage.name,
            country=ISO3_ALPHA2[anchorage.iso3],
            source=GFW_ANCHORAGE_SOURCE,
            radius_m=RADIUS_M,
            points=_rounded(anchorage.points.tolist()),
        )
        for anchorage in named_anchorages(source_dir, _outside(region))
    ]


def locode_ports(source_dir: Path, wpi: Iterable[Harbour], region: Box = REGION) -> list[Harbour]:
    """The searoute UN/LOCODE ports outside ``region`` that are not a WPI port of ``wpi``."""
    path = source_dir / "searoute" / "ports.geojson"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    wpi_circles = _wpi_circles_by_locode(source_dir, wpi)
    by_code: dict[str, list[tuple[str, Point]]] = defaultdict(list)
    outside = _outside(region)
    for feature in features:
        lon, lat = (float(value) for value in feature["geometry"]["coordinates"])
        code = str(feature["properties"]["port"]).strip().upper()
        name = str(feature["properties"]["name"]).strip()
        if not outside(lon, lat):
            continue
        if any(_metres((lon, lat), centre) <= radius for centre, radius in wpi_circles[code]):
            continue
        key = code if len(code) == 5 else f"{code}-{_slug(name)}"
        by_code[key].append((name, (lon, lat)))
    return [
        Harbour(
            id=f"unlocode-{_slug(key)}",
            kind="port",
            name=same[0][0],
            country=key[:2],
            source=LOCODE_SOURCE,
            radius_m=LOCODE_RADIUS_M,
            points=_rounded(point for _, point in same),
        )
        for key, same in by_code.items()
    ]


def _pack_harbour_ids(source_dir: Path, region: Box) -> set[str]:
    """The ids the pack gives its WPI ports and GFW anchorages inside ``region``."""
    with (source_dir / "nga-wpi" / "UpdatedPub150.csv").open(encoding="utf-8", newline="") as file:
        ids = {
            f"wpi-{row['World Port Index Number'].strip()}"
            for row in csv.DictReader(file)
            if (float(row["Longitude"]), float(row["Latitude"])) in region
        }
    inside = named_anchorages(source_dir, lambda lon, lat: (lon, lat) in region)
    return ids | {anchorage.id for anchorage in inside}


def _wpi_countries(rows: list[dict[str, str]]) -> dict[str, str]:
    """WPI country name -> alpha-2: the LOCODE prefix most of its ports carry (more than half),
    else ``WPI_NAME_ALPHA2``; a name with neither is an error, never a guess."""
    prefixes: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        locode = _locode(row["UN/LOCODE"])
        prefixes[row["Country Code"].strip()].update([locode[:2]] if locode else [])
    countries = {}
    for name, counts in prefixes.items():
        top = counts.most_common(1)
        if name in WPI_NAME_ALPHA2:
            countries[name] = WPI_NAME_ALPHA2[name]
        elif top and 2 * top[0][1] > counts.total():
            countries[name] = top[0][0]
        else:
            raise ValueError(f"no ISO code for WPI country {name!r} (its LOCODEs: {dict(counts)})")
    return countries


def _wpi_circles_by_locode(
    source_dir: Path, wpi: Iterable[Harbour]
) -> dict[str, list[tuple[Point, float]]]:
    """The circles of the WPI ports of ``wpi``, by the UN/LOCODE their WPI rows carry."""
    path = source_dir / "nga-wpi" / "UpdatedPub150.csv"
    by_id = {port.id: port for port in wpi}
    circles: dict[str, list[tuple[Point, float]]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            port = by_id.get(f"wpi-{row['World Port Index Number'].strip()}")
            locode = _locode(row["UN/LOCODE"])
            if port is not None and locode:
                circles[locode].extend((point, port.radius_m) for point in port.points)
    return circles


def _outside(region: Box) -> Callable[[float, float], bool]:
    return lambda lon, lat: (lon, lat) not in region


def _locode(text: str) -> str:
    """A UN/LOCODE as WPI writes it ("US EYW", once with stray quotes) without its spaces."""
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def _rounded(points: Iterable[Point] | Iterable[list[float]]) -> tuple[Point, ...]:
    """Points rounded to the pack's 4 decimals, without repeats, sorted."""
    return tuple(sorted({(round(lon, DECIMALS), round(lat, DECIMALS)) for lon, lat in points}))


def _metres(a: Point, b: Point) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
