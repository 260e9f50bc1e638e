"""The world harbour layer: circle zones, their index, the shipped layer and its builder.

Harbour positions are real: vessels stopped (< 0.5 kn) in the demo samples — the worldwide
receiver sample ``replay/samples/2022-11-10-worldwide.gfw-ais-listener.nmea`` and the North
Pacific tracks ``replay/samples/2018-01-north-pacific.gfw-pyseas.csv.gz`` — by MMSI.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import os
import pickle
import re
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import shapely
from pyproj import Geod

from zones import ZoneError, ZoneIndex, ZoneKind, default_pack_path, load_catalogue, load_pack
from zones.build import DEFAULT_SOURCES
from zones.build_harbours import build_harbours, harbours_bytes, harbours_text, main
from zones.circles import CircleIndex, CircleZone
from zones.geodesy import EARTH_RADIUS_M, geodesic_circle
from zones.harbours import harbour_layer_path, load_harbours, parse_harbours, shipped_harbours
from zones.layer_harbours import LOCODE_SOURCE, Harbour, world_harbours
from zones.pack_writer import REGION

SHARED_SOURCES = Path(os.environ.get("VIGILMAR_ZONE_SOURCES", DEFAULT_SOURCES))
needs_sources = pytest.mark.skipif(
    not (SHARED_SOURCES / "searoute").is_dir(), reason="source datasets not available"
)
GEOD = Geod(ellps="WGS84")
FloatArray = npt.NDArray[np.float64]


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance on the mean sphere (an implementation of its own, for checks)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def brute_force(index: CircleIndex, lon: FloatArray, lat: FloatArray) -> set[tuple[int, int]]:
    """Every (point, zone) with the point within the radius of one of the zone's centres —
    every centre within 0.2° of latitude (a circle of 12 km reaches 0.11°) — outside
    ``silent``."""
    centres = np.concatenate([zone.centres for zone in index.zones])
    counts = [len(zone.centres) for zone in index.zones]
    radius = np.repeat([zone.radius_m for zone in index.zones], counts)
    owner = np.repeat(np.arange(len(index.zones)), counts)
    by_lat = np.argsort(centres[:, 1])
    sorted_lat = centres[by_lat, 1]
    found: set[tuple[int, int]] = set()
    for point, (x, y) in enumerate(zip(lon.tolist(), lat.tolist(), strict=True)):
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            continue
        if index.silent is not None:
            west, south, east, north = index.silent
            if west <= x <= east and south <= y <= north:
                continue
        near = by_lat[np.searchsorted(sorted_lat, y - 0.2) : np.searchsorted(sorted_lat, y + 0.2)]
        for circle in near.tolist():
            if metres(x, y, *centres[circle]) <= radius[circle]:
                found.add((point, int(owner[circle])))
    return found


def as_set(pairs: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]) -> set[tuple[int, int]]:
    return set(zip(pairs[0].tolist(), pairs[1].tolist(), strict=True))


def around(
    lon: FloatArray, lat: FloatArray, reach_m: FloatArray, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """A random point within ``reach_m`` of each (lon, lat), uniform over the disc."""
    azimuth = rng.uniform(0, 360, lon.size)
    distance = reach_m * np.sqrt(rng.uniform(0, 1, lon.size))
    x, y, _ = GEOD.fwd(lon, lat, azimuth, distance)
    return (np.asarray(x) + 180.0) % 360.0 - 180.0, np.asarray(y)


# --- circle zones --------------------------------------------------------------------------


def test_a_circle_zone_is_a_harbour_zone_with_an_outline_drawn_once() -> None:
    zone = CircleZone("a", "A", ZoneKind.ANCHORAGE, [(10.0, 50.0), (10.03, 50.0)], 3000.0)
    assert zone.is_harbour
    assert not zone.raises_entry
    assert zone.ref() == {"id": "a", "name": "A", "kind": "anchorage"}
    expected = shapely.union_all(
        [geodesic_circle(10.0, 50.0, 3000.0), geodesic_circle(10.03, 50.0, 3000.0)]
    )
    assert zone.geometry.equals_exact(expected, 1e-9) or zone.geometry.equals(expected)
    assert zone.geometry is zone.geometry  # drawn on first use, then kept
    single = CircleZone("p", "P", ZoneKind.PORT, [10.0, 50.0], 4000.0)
    assert single.geometry.equals(geodesic_circle(10.0, 50.0, 4000.0))


def test_circle_zones_compare_hash_and_pickle_without_drawing() -> None:
    zone = CircleZone("a", "A", ZoneKind.PORT, [(1.0, 2.0)], 4000.0, country="XX", source="s")
    same = CircleZone("a", "A", ZoneKind.PORT, [(1.0, 2.0)], 4000.0, country="XX", source="s")
    moved = CircleZone("a", "A", ZoneKind.PORT, [(1.0, 2.5)], 4000.0, country="XX", source="s")
    assert zone == same
    assert hash(zone) == hash(same)
    assert zone != moved
    copy = pickle.loads(pickle.dumps(zone))
    assert copy == zone
    assert copy.centres.tolist() == [[1.0, 2.0]]
    assert zone._outline is None  # none of this drew the outline
    assert "1 circle(s) of 4000 m" in repr(zone)
    with pytest.raises(ValueError, match="needs a centre"):
        CircleZone("b", "B", ZoneKind.PORT, [], 4000.0)
    assert not zone.centres.flags.writeable


# --- the index against brute force --------------------------------------------------------


def synthetic_index() -> CircleIndex:
    """Zones where grids go wrong: across the antimeridian, at the poles' edge, overlapping,
    large and small, several circles per zone, and a silent box."""
    rng = np.random.default_rng(7)
    zones = [
        CircleZone("dateline", "D", ZoneKind.PORT, [(179.99, -16.5), (-179.98, -16.52)], 8000.0),
        CircleZone("north", "N", ZoneKind.ANCHORAGE, [(15.6, 78.2), (16.0, 78.22)], 3000.0),
        CircleZone("polar", "P", ZoneKind.PORT, [(0.0, 89.95)], 12000.0),
        CircleZone("south", "S", ZoneKind.PORT, [(166.67, -77.85)], 6000.0),
        CircleZone("big", "B", ZoneKind.PORT, [(4.0, 52.0)], 12000.0),
        CircleZone("edge", "E", ZoneKind.PORT, [(-30.02, 10.0)], 4000.0),
    ]
    cluster = np.column_stack([103.8 + rng.normal(0, 0.03, 60), 1.25 + rng.normal(0, 0.03, 60)])
    zones.append(CircleZone("cluster", "C", ZoneKind.ANCHORAGE, cluster, 3000.0))
    for number in range(40):
        lon, lat = rng.uniform(-170, 170), rng.uniform(-70, 70)
        zones.append(CircleZone(f"z{number}", "Z", ZoneKind.PORT, [(lon, lat)], 4000.0))
    return CircleIndex(zones, silent=(-120.0, -60.0, -30.0, 33.0))


def test_batched_matching_equals_a_haversine_test_against_every_circle() -> None:
    index = synthetic_index()
    rng = np.random.default_rng(8)
    centres = np.concatenate([zone.centres for zone in index.zones])
    pick = centres[rng.integers(0, len(centres), 20_000)]
    lon, lat = around(pick[:, 0], pick[:, 1], np.full(len(pick), 15_000.0), rng)
    special_lon = [180.0, -180.0, 179.995, 0.0, 0.0, np.nan, 181.0, -30.0, -30.01, 4.0]
    special_lat = [-16.51, -16.51, -16.5, 90.0, 89.9, 0.0, 0.0, 10.0, 10.0, 91.0]
    lon = np.concatenate([lon, special_lon, rng.uniform(-180, 180, 5000)])
    lat = np.concatenate([lat, special_lat, rng.uniform(-90, 90, 5000)])
    expected = brute_force(index, lon, lat)
    assert as_set(index.pairs(lon, lat)) == expected
    assert len(expected) > 3000  # many points near a zone really are in it
    found = {zone for _, zone in expected}
    names = [index.zones[zone].id for zone in sorted(found)]
    assert {"dateline", "north", "polar", "south", "big", "edge", "cluster"} <= set(names)


def test_matching_is_the_same_whatever_the_cell_size() -> None:
    zones = synthetic_index().zones
    rng = np.random.default_rng(9)
    centres = np.concatenate([zone.centres for zone in zones])
    pick = centres[rng.integers(0, len(centres), 5000)]
    lon, lat = around(pick[:, 0], pick[:, 1], np.full(len(pick), 10_000.0), rng)
    cells = (0.01, 0.03, 0.05, 0.5)
    answers = [as_set(CircleIndex(zones, cell_deg=cell).pairs(lon, lat)) for cell in cells]
    assert answers[0] == brute_force(CircleIndex(zones), lon, lat)
    assert all(answer == answers[0] for answer in answers)
    with pytest.raises(ValueError, match="do not divide 360"):
        CircleIndex(zones, cell_deg=0.07)


def test_pairs_are_sorted_by_point_then_zone_with_no_repeats() -> None:
    index = synthetic_index()
    cluster = index.zones[6].centres
    lon = np.repeat(cluster[:, 0], 3)  # each point inside several circles of one zone
    lat = np.repeat(cluster[:, 1], 3)
    point_at, zone_at = index.pairs(lon, lat)
    keys = point_at * len(index.zones) + zone_at
    assert (np.diff(keys) > 0).all()
    assert set(point_at.tolist()) == set(range(lon.size))


def test_shipped_layer_matches_like_brute_force_near_its_harbours() -> None:
    index = shipped_harbours()
    rng = np.random.default_rng(10)
    centres = np.concatenate([zone.centres for zone in index.zones])
    pick = rng.integers(0, len(centres), 3000)
    lon, lat = around(centres[pick, 0], centres[pick, 1], np.full(pick.size, 14_000.0), rng)
    lon = np.concatenate([lon, rng.uniform(-180, 180, 2000)])
    lat = np.concatenate([lat, np.degrees(np.arcsin(rng.uniform(-1, 1, 2000)))])
    expected = brute_force(index, lon, lat)
    assert as_set(index.pairs(lon, lat)) == expected
    assert len({point for point, _ in expected}) > 1000


def test_an_empty_layer_matches_nothing() -> None:
    empty = CircleIndex([])
    point_at, zone_at = empty.pairs([0.0, 10.0], [0.0, 50.0])
    assert point_at.size == zone_at.size == 0
    with pytest.raises(ValueError, match="1-d arrays"):
        empty.pairs([0.0], [0.0, 1.0])


# --- the shipped layer ---------------------------------------------------------------------

ID_PATTERNS = {
    "NGA World Port Index (Pub 150)": r"wpi-\d+(\.\d+)?",  # WPI has 49454.5
    "Global Fishing Watch named anchorages (pipe-anchorages)": r"gfw-[a-z]{3}(-[a-z0-9]+)+",
    LOCODE_SOURCE: r"unlocode-[a-z]{2}[a-z0-9]{3}|unlocode-eg-ras-budran",
}


def test_shipped_layer_has_every_source_outside_the_region() -> None:
    index = shipped_harbours()
    by_source = {source: [z for z in index.zones if z.source == source] for source in ID_PATTERNS}
    assert {source: len(zones) for source, zones in by_source.items()} == {
        # 3,768 WPI rows, 489 in the pack's region, two numbers on two rows each
        "NGA World Port Index (Pub 150)": 3277,
        # 60,410 GFW points less 4 bad rows, clustered; the region's are the pack's
        "Global Fishing Watch named anchorages (pipe-anchorages)": 20108,
        # 3,962 searoute rows, 593 in the region, those inside their WPI port's circle left out
        LOCODE_SOURCE: 1943,
    }
    assert len(index) == 25_328
    assert index.circle_count == 58_688
    assert index.silent == (REGION.lon_min, REGION.lat_min, REGION.lon_max, REGION.lat_max)
    for source, zones in by_source.items():
        kind = ZoneKind.ANCHORAGE if source.startswith("Global") else ZoneKind.PORT
        for zone in zones:
            assert zone.kind is kind
            assert re.fullmatch(ID_PATTERNS[source], zone.id), zone.id
            assert re.fullmatch("[A-Z]{2}", zone.country or ""), zone.id
            assert all((lon, lat) not in REGION for lon, lat in zone.centres.tolist())
    radii = {zone.radius_m for zone in index.zones}
    assert radii == {3000.0, 4000.0, 6000.0, 8000.0, 12000.0}
    assert harbour_layer_path().stat().st_size < 1_000_000


def test_no_harbour_id_is_a_pack_id_and_wpi_ports_are_each_loaded_once() -> None:
    pack = load_pack(default_pack_path())
    layer_ids = {zone.id for zone in shipped_harbours().zones}
    assert not layer_ids & {zone.id for zone in pack}
    wpi = [zone for zone in load_catalogue().zones if zone.id.startswith("wpi-")]
    assert len(wpi) == len({zone.id for zone in wpi}) == 489 + 3277


# Real berths: (lon, lat), vessel, the harbour, a bearing to the open sea 100 km off.
KNOWN_HARBOURS = [
    ("Busan", (129.026887, 35.095213), "MMSI 440120860, stopped", 90),
    ("Busan", (129.095, 35.094), "MMSI 249014000, loitered here before the layer", 120),
    ("Tianjin", (117.72, 38.985), "MMSI 412303760, moored", 90),
    ("Oakland", (-122.307, 37.793), "MMSI 220413000, loitered here before the layer", 250),
    ("Nansha", (113.572547, 22.864757), "MMSI 413592260, stopped", 180),
    ("Rotterdam", (4.289518, 51.895778), "MMSI 209974000, moored", 290),
    ("Singapore", (103.68281, 1.304035), "MMSI 636016737, moored", 60),
]


@pytest.mark.parametrize(
    ("place", "berth", "vessel", "seaward"), KNOWN_HARBOURS, ids=[h[0] for h in KNOWN_HARBOURS]
)
def test_known_harbours_match_and_the_sea_100_km_off_does_not(
    place: str, berth: tuple[float, float], vessel: str, seaward: float
) -> None:
    catalogue = load_catalogue()
    harbours = [zone for zone in catalogue.zones_at(*berth) if zone.is_harbour]
    assert harbours, (place, vessel)
    assert all(isinstance(zone, CircleZone) for zone in harbours)  # outside the pack's region
    (hits,) = catalogue.match([berth[0]], [berth[1]])
    assert {catalogue.zones[i].id for i in hits} >= {zone.id for zone in harbours}
    lon, lat, _ = GEOD.fwd(*berth, seaward, 100_000)
    assert not [zone.id for zone in catalogue.zones_at(lon, lat) if zone.is_harbour]


def test_inside_the_pack_region_the_layer_is_silent() -> None:
    layer = shipped_harbours()
    # GFW's USA-1935 (CHARLESTON SC) anchorage has a point 0.0078° north of the region's
    # edge: its 3 km circle reaches 2 km into the region, where the layer says nothing.
    (zone,) = [z for z in layer.zones if z.id == "gfw-usa-usa-1935-charleston-sc"]
    assert [-79.9107, 33.0078] in zone.centres.tolist()
    inside_circle = [(-79.9107, 33.0078 - offset) for offset in (0.0079, 0.0089, 0.012)]
    assert all(metres(-79.9107, 33.0078, *point) < 3000 for point in inside_circle)
    lon, lat = np.array(inside_circle).T
    point_at, _ = layer.pairs(lon, lat)
    assert point_at.size == 0
    _, north_of_edge = layer.pairs([-79.9107], [33.0078])
    assert layer.zones.index(zone) in north_of_edge.tolist()
    # In the region the catalogue answers as the pack alone does: San Diego, Charleston.
    pack_only = ZoneIndex(load_pack(default_pack_path()))
    with_layer = load_catalogue()
    for point in [(-117.17, 32.71), *inside_circle]:
        assert [z.id for z in with_layer.zones_at(*point)] == [
            z.id for z in pack_only.zones_at(*point)
        ]


def test_without_the_default_zones_the_layer_is_dropped_too() -> None:
    assert len(load_catalogue(include_default=False)) == 0
    assert not any(
        isinstance(zone, CircleZone) for zone in load_catalogue(include_default=False).zones
    )
    assert sum(isinstance(zone, CircleZone) for zone in load_catalogue().zones) == 25_328


def test_the_layer_file_is_what_its_format_says() -> None:
    document = json.loads(gzip.decompress(harbour_layer_path().read_bytes()))
    assert document["format"] == "vigilmar.harbours/1"
    first = document["harbours"][0]
    assert [type(value).__name__ for value in first] == [
        "str",
        "str",
        "str",
        "str",
        "int",
        "int",
        "list",
    ]
    with pytest.raises(ValueError, match="format"):
        parse_harbours({**document, "format": "other/1"})


def test_a_broken_layer_file_is_a_zone_error(tmp_path: Path) -> None:
    (tmp_path / "bad.json.gz").write_bytes(b"not gzip")
    with pytest.raises(ZoneError, match="cannot read the harbour layer"):
        load_harbours(tmp_path / "bad.json.gz")
    (tmp_path / "odd.json.gz").write_bytes(gzip.compress(b'{"format":"vigilmar.harbours/1"}'))
    with pytest.raises(ZoneError, match=r"is not a vigilmar\.harbours/1 harbour layer"):
        load_harbours(tmp_path / "odd.json.gz")


# --- the builder's rules, on small source folders ------------------------------------------

WPI_HEADER = ["World Port Index Number", "Main Port Name", "UN/LOCODE", "Country Code",
              "Harbor Size", "Latitude", "Longitude"]  # fmt: skip


def write_sources(
    source: Path,
    wpi: list[list[str]],
    anchorages: list[tuple[float, float, str, str, str]],
    ports: list[tuple[float, float, str, str]],
) -> Path:
    (source / "nga-wpi").mkdir(parents=True)
    with (source / "nga-wpi" / "UpdatedPub150.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([WPI_HEADER, *wpi])
    (source / "gfw-anchorages").mkdir()
    path = source / "gfw-anchorages" / "anchorage_overrides.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["s2id", "latitude", "longitude", "label", "sublabel", "iso3"])
        for lon, lat, label, sublabel, iso3 in anchorages:
            writer.writerow(["1", lat, lon, label, sublabel, iso3])
    (source / "searoute").mkdir()
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": {"port": code, "name": name, "cty": "", "t": None}}
        for lon, lat, code, name in ports
    ]  # fmt: skip
    (source / "searoute" / "ports.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    return source


def east(lon: float, lat: float, metres_east: float) -> tuple[float, float]:
    x, y, _ = GEOD.fwd(lon, lat, 90, metres_east)
    return x, y


def small_sources(tmp_path: Path) -> Path:
    rotterdam = (4.1, 51.9)
    return write_sources(
        tmp_path,
        wpi=[
            ["31080", "Rotterdam", "NL RTM", "Netherlands", "Large", "51.9", "4.1"],
            ["31090", "Vlaardingen", "NL VLA", "Netherlands", "Small", "51.9", "4.35"],
            ["31095", "Schiedam", "GB XXX", "Netherlands", "Small", "51.91", "4.4"],  # a typo
            ["400", "Seydisfjordur", "IS SEY", "Iceland", "Small", "65.26", "-14.0"],
            ["400", "Seydisfjordur", "ISSEY", "Iceland", " ", "65.27", "-14.01"],
            ["50", "Koror", " ", "Palau", "Small", "7.33", "134.48"],
            ["11110", "San Juan", "PR SJU", "Puerto Rico", "Small", "18.47", "-66.12"],
        ],
        anchorages=[
            (4.0, 51.95, "ROTTERDAM", "", "NLD"),
            (*east(4.0, 51.95, 3500), "ROTTERDAM", "ROTTERDAM", "NLD"),  # same name, 3.5 km
            (*east(4.0, 51.95, 30_000), "ROTTERDAM", "", "NLD"),  # same name, far: another
            (-66.1, 18.45, "SAN JUAN", "", "PRI"),  # in the region: the pack's
            (179.03, 90.0, "OU", "", ""),  # GFW placeholders and a broken row
            (0.0, 0.0, "REMOVE", "", "NA"),
            (1001.0, 11.84, "POINTE NOIRE", "", "COG"),
        ],
        ports=[
            (*east(*rotterdam, 2000), "NLRTM", "Rotterdam"),  # inside its WPI port: left out
            (*east(*rotterdam, 40_000), "NLRTM", "Rotterdam Maasvlakte"),  # same code, far
            (6.0, 53.0, "NLXYZ", "Somewhere"),
            (6.1, 53.0, "NLXYZ", "Somewhere Terminal"),
            (33.2047, 28.9141, "EG", "Ras Budran"),
            (-66.0, 18.4, "PRXXX", "In the region"),
        ],
    )


def test_the_builder_takes_every_source_outside_the_region(tmp_path: Path) -> None:
    harbours = {harbour.id: harbour for harbour in world_harbours(small_sources(tmp_path))}
    assert sorted(harbours) == [
        "gfw-nld-rotterdam-1",
        "gfw-nld-rotterdam-2",
        "unlocode-eg-ras-budran",
        "unlocode-nlrtm",
        "unlocode-nlxyz",
        "wpi-31080",
        "wpi-31090",
        "wpi-31095",
        "wpi-400",
        "wpi-50",
    ]
    assert harbours["wpi-31080"] == Harbour(
        "wpi-31080", "port", "Rotterdam", "NL", "NGA World Port Index (Pub 150)", 12000.0,
        ((4.1, 51.9),),
    )  # fmt: skip
    assert harbours["wpi-31095"].country == "NL"  # by its country's LOCODEs, not its typo
    assert harbours["wpi-50"].country == "PW"  # no LOCODE at all: zones.countries
    seydisfjordur = harbours["wpi-400"]  # one port on two rows: both positions, larger radius
    assert (seydisfjordur.points, seydisfjordur.radius_m) == (
        ((-14.01, 65.27), (-14.0, 65.26)),
        6000.0,
    )
    west, far = harbours["gfw-nld-rotterdam-1"], harbours["gfw-nld-rotterdam-2"]
    assert (len(west.points), west.name, west.radius_m) == (2, "ROTTERDAM", 3000.0)
    assert len(far.points) == 1
    assert far.points[0][0] > west.points[1][0]
    maasvlakte = harbours["unlocode-nlrtm"]  # the one inside the WPI circle was left out
    assert (maasvlakte.name, len(maasvlakte.points)) == ("Rotterdam Maasvlakte", 1)
    assert harbours["unlocode-nlxyz"].points == ((6.0, 53.0), (6.1, 53.0))
    assert harbours["unlocode-nlxyz"].name == "Somewhere"
    assert harbours["unlocode-eg-ras-budran"].country == "EG"


def test_a_wpi_country_with_no_code_is_an_error(tmp_path: Path) -> None:
    write_sources(tmp_path, [["1", "X", " ", "Atlantis", "Small", "10", "10"]], [], [])
    with pytest.raises(ValueError, match="no ISO code for WPI country 'Atlantis'"):
        world_harbours(tmp_path)


def test_the_layer_text_reads_back_to_the_same_zones(tmp_path: Path) -> None:
    harbours = world_harbours(small_sources(tmp_path))
    text = harbours_text(harbours)
    assert text == harbours_text(harbours)
    assert harbours_bytes(text) == harbours_bytes(text)  # no time stamp in the gzip header
    index = parse_harbours(json.loads(text))
    for harbour, zone in zip(harbours, index.zones, strict=True):
        assert (zone.id, zone.kind.value, zone.name, zone.country, zone.source) == (
            harbour.id, harbour.kind, harbour.name, harbour.country, harbour.source,
        )  # fmt: skip
        assert zone.centres.tolist() == [list(point) for point in harbour.points]
        assert zone.radius_m == harbour.radius_m
    assert len(text.splitlines()) == 4 + len(harbours) + 1  # header, one line each, end


def test_the_builder_writes_the_file_it_was_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sources = small_sources(tmp_path / "sources")
    output = tmp_path / "harbours.json.gz"
    assert main([str(sources), str(output)]) == 0
    assert output.read_bytes() == build_harbours(sources)
    assert "10 harbours, 13 circles" in capsys.readouterr().err
    assert main(["--help"]) == 2


@needs_sources
def test_the_build_is_byte_identical_and_is_the_shipped_layer() -> None:
    first = build_harbours(SHARED_SOURCES)
    assert build_harbours(SHARED_SOURCES) == first
    shipped = harbour_layer_path().read_bytes()
    # The same text; the same bytes too where zlib is the same as where it was built.
    assert gzip.decompress(first) == gzip.decompress(shipped)


@needs_sources
def test_country_codes_agree_with_the_wpi_ports_locodes() -> None:
    """zones.countries.ISO3_ALPHA2 against the data: for each GFW iso3 that labels WPI ports
    in GFW's own port list, the LOCODE prefix most of those NGA WPI ports carry."""
    from collections import Counter, defaultdict

    from zones.countries import ISO3_ALPHA2

    with (SHARED_SOURCES / "nga-wpi" / "UpdatedPub150.csv").open(encoding="utf-8") as file:
        wpi = [
            (round(float(r["Longitude"]), 2), round(float(r["Latitude"]), 2), r["UN/LOCODE"])
            for r in csv.DictReader(file)
        ]
    locode_at = {(lon, lat): code.strip()[:2] for lon, lat, code in wpi if code.strip()}
    prefixes: dict[str, Counter[str]] = defaultdict(Counter)
    with (SHARED_SOURCES / "gfw-anchorages" / "WPI_ports.csv").open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            key = (round(float(row["longitude"]), 2), round(float(row["latitude"]), 2))
            if key in locode_at:
                prefixes[row["iso3"].strip()][locode_at[key]] += 1
    checked = [iso3 for iso3 in ISO3_ALPHA2 if iso3 in prefixes]
    assert len(checked) > 140
    for iso3 in checked:
        most = max(prefixes[iso3].values())  # Western Sahara: one port each for EH and MA
        assert prefixes[iso3][ISO3_ALPHA2[iso3]] == most, (iso3, prefixes[iso3])
