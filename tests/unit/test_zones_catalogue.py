"""The shipped pack, the catalogue, flag states, and the purity of the zones package.

The builder's rules are tested in ``test_zones_build.py``; known ports in
``tests/functional/test_zone_pack.py``."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import shapely

from tests.zone_factories import square_zone, write_pack
from zones import (
    ZoneError,
    ZoneKind,
    ZonePackError,
    check_pack,
    default_pack_path,
    flag_for_mmsi,
    load_catalogue,
    mid_allocation,
    mid_of,
)
from zones.pack_writer import REGION

DATA = default_pack_path().parent
SHARED_SOURCES = Path("/work/shared/data/zones")
NM = 1852.0

# --- the shipped pack ----------------------------------------------------------------------

SOURCES_BY_KIND = {
    "port": "NGA World Port Index (Pub 150)",
    "anchorage": "Global Fishing Watch named anchorages (pipe-anchorages)",
    "territorial_sea": "NOAA Office of Coast Survey, U.S. Maritime Limits and Boundaries",
    "eez": "NOAA Office of Coast Survey, U.S. Maritime Limits and Boundaries",
    "corridor": "Benden (2022), Global Shipping Lanes v1, after the CIA Map of the World's "
    "Oceans; CC BY 4.0",
}
ID_PATTERNS = {
    "port": r"wpi-\d+",
    "anchorage": r"gfw-[a-z]{3}(-[a-z0-9]+)+",
    "territorial_sea": r"noaa-territorial-sea-pr-vi",
    "eez": r"noaa-eez-pr-vi",
    "corridor": r"lane-(major|middle|minor)-w\d{3}[ns]\d{2}",
}


def test_shipped_pack_is_valid_small_and_has_unique_ids() -> None:
    zones, problems = check_pack(default_pack_path())
    assert problems == []
    assert len({zone.id for zone in zones}) == len(zones)
    assert default_pack_path().stat().st_size < 2_000_000
    counts = Counter(zone.kind.value for zone in zones)
    assert counts["port"] == 489  # every WPI port in the region box
    assert counts["territorial_sea"] == counts["eez"] == 1
    assert counts["anchorage"] > 1000
    assert counts["corridor"] > 500
    assert set(counts) == set(SOURCES_BY_KIND)
    for zone in zones:
        assert re.fullmatch(ID_PATTERNS[zone.kind.value], zone.id), zone.id
        assert zone.source == SOURCES_BY_KIND[zone.kind.value]
        assert zone.country is None or re.fullmatch("[A-Z]{2}", zone.country)
        assert (zone.country is None) == (zone.kind is ZoneKind.CORRIDOR), zone.id


def test_every_shipped_feature_carries_the_five_properties() -> None:
    document = json.loads(default_pack_path().read_text(encoding="utf-8"))
    for feature in document["features"]:
        assert list(feature["properties"]) == ["id", "name", "kind", "country", "source"]


def test_shipped_pack_stays_in_its_region() -> None:
    zones, _ = check_pack(default_pack_path())  # the world beyond is the harbour layer's
    bounds = shapely.total_bounds([zone.geometry for zone in zones])
    # port and anchorage circles round points on the region's edge reach a little beyond it
    region = shapely.box(REGION.lon_min, REGION.lat_min, REGION.lon_max, REGION.lat_max)
    assert region.buffer(0.15, join_style="mitre").contains(shapely.box(*bounds))


def test_san_juan_harbour_is_a_port_and_open_sea_is_not() -> None:
    index = load_catalogue()
    in_harbour = index.zones_at(-66.11, 18.46)
    ports = [(zone.name, zone.country) for zone in in_harbour if zone.kind is ZoneKind.PORT]
    assert ports == [("San Juan", "PR")]
    assert {zone.kind for zone in in_harbour} >= {ZoneKind.TERRITORIAL_SEA, ZoneKind.EEZ}
    fifty_nm_north = 18.46 + 50 * NM / 111_195.0  # 1 degree of latitude on the mean sphere
    offshore = index.zones_at(-66.11, fifty_nm_north)
    assert not any(zone.is_harbour for zone in offshore)
    assert ZoneKind.TERRITORIAL_SEA not in {zone.kind for zone in offshore}
    assert ZoneKind.EEZ in {zone.kind for zone in offshore}


def test_shipped_pack_has_ports_across_the_region() -> None:
    zones, _ = check_pack(default_pack_path())
    countries = {zone.country for zone in zones if zone.kind is ZoneKind.PORT}
    caribbean = {"PR", "VI", "JM", "CU", "DO", "VE", "TT", "BB", "PA", "CO"}
    latin_america = {"MX", "BR", "AR", "CL", "PE", "EC", "UY"}
    assert countries >= caribbean | latin_america


@pytest.mark.skipif(
    not (SHARED_SOURCES / "nga-wpi").is_dir(), reason="source datasets not available"
)
def test_shipped_pack_is_what_the_builder_makes() -> None:
    from zones.build import build

    assert build(SHARED_SOURCES) == default_pack_path().read_text(encoding="utf-8")


# --- the catalogue -------------------------------------------------------------------------


def test_catalogue_adds_user_packs_to_the_shipped_one(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, [square_zone("sanctuary", "protected", -65.0, 18.0, 0.1)])
    index = load_catalogue([pack])
    assert len(index) == len(load_catalogue()) + 1
    assert "sanctuary" in [zone.id for zone in index.zones_at(-65.0, 18.0)]


def test_catalogue_without_the_shipped_pack(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, [square_zone("a")])
    assert [zone.id for zone in load_catalogue([pack], include_default=False).zones] == ["a"]
    assert len(load_catalogue(include_default=False)) == 0


def test_duplicate_ids_across_packs_name_both_files(tmp_path: Path) -> None:
    first = write_pack(tmp_path, [square_zone("box")], name="first.geojson")
    second = write_pack(tmp_path, [square_zone("box", lon=5)], name="second.geojson")
    with pytest.raises(ZoneError, match=r"'box' is used in both .*first\.geojson and .*second"):
        load_catalogue([first, second], include_default=False)


def test_the_same_pack_twice_is_loaded_once(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, [square_zone("a")])
    assert len(load_catalogue([pack, tmp_path / "." / pack.name], include_default=False)) == 1


def test_a_bad_user_pack_stops_the_catalogue(tmp_path: Path) -> None:
    with pytest.raises(ZonePackError, match="cannot read the file"):
        load_catalogue([tmp_path / "missing.geojson"])


# --- flag state ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mmsi", "flag"),
    [
        (538001234, "MH"),
        (232001234, "GB"),
        (366123456, "US"),
        (358000001, "PR"),  # ITU allocates 358 to Puerto Rico; ISO 3166 has PR
        (379000001, "VI"),
        (319000001, "KY"),
        (307000001, "AW"),
        (306000001, "NL"),  # shared by Bonaire/St Eustatius/Saba, Curacao, Sint Maarten
        (204000001, "PT"),  # Azores: no ISO code of its own
        (303000001, "US"),  # Alaska
        (775999999, "VE"),
    ],
)
def test_flag_for_mmsi(mmsi: int, flag: str) -> None:
    assert flag_for_mmsi(mmsi) == flag


@pytest.mark.parametrize(
    ("mmsi", "mid"),
    [
        (538001234, 538),
        (200000000, 200),  # well formed, not allocated
        (799999999, 799),
        (199999999, None),
        (800000000, None),
        (23200123, None),  # group call 023200123 without its leading zero
        (3661234, None),  # coast station 003661234
        (111232001, None),  # SAR aircraft
        (970123456, None),  # AIS-SART
        (992321234, None),  # aid to navigation
        (0, None),
        (-538001234, None),
    ],
)
def test_mid_of(mmsi: int, mid: int | None) -> None:
    assert mid_of(mmsi) == mid


def test_unallocated_or_non_ship_mmsi_has_no_flag() -> None:
    assert flag_for_mmsi(200000000) is None
    assert flag_for_mmsi(23200123) is None
    assert flag_for_mmsi(992321234) is None


def test_every_allocated_mid_has_a_flag() -> None:
    with (DATA / "mid.csv").open(encoding="utf-8", newline="") as file:
        mids = {int(row["MID"]) for row in csv.DictReader(file)}
    assert len(mids) == 292
    missing = [mid for mid in sorted(mids) if flag_for_mmsi(mid * 1_000_000 + 1) is None]
    assert missing == []


def test_alpha2_table_covers_every_itu_name_exactly() -> None:
    with (DATA / "mid.csv").open(encoding="utf-8", newline="") as file:
        names = {row["Allocated_to"] for row in csv.DictReader(file)}
    with (DATA / "mid_alpha2.csv").open(encoding="utf-8", newline="") as file:
        table = {row["Allocated_to"]: row["alpha2"] for row in csv.DictReader(file)}
    assert set(table) == names
    assert all(re.fullmatch("[A-Z]{2}", code) for code in table.values())


def test_mid_allocation_gives_the_itu_names() -> None:
    assert mid_allocation(538) == ("Marshall Islands (Republic of the)",)
    assert len(mid_allocation(306)) == 3
    assert mid_allocation(200) == ()


def test_licences_and_sources_ship_beside_the_data() -> None:
    names = ("mid.LICENSE.txt", "wpi.LICENSE.txt", "gfw-anchorages.LICENSE.txt")
    for name in (*names, "shipping-lanes.LICENSE.txt", "SOURCES.md"):
        assert (DATA / name).is_file()


# --- purity --------------------------------------------------------------------------------

FORBIDDEN = ("faust", "aiokafka", "tqdm", "argparse", "click", "models", "streams", "replay")


def test_zones_imports_no_edge_code() -> None:
    code = (
        "import sys, zones, zones.build, zones.land, zones.ogr; "
        f"print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_zones_reads_no_wall_clock() -> None:
    clock = re.compile(r"time\.time\(|datetime\.now\(|date\.today\(|utcnow\(|time\.monotonic\(")
    package = default_pack_path().parent.parent
    offenders = [p.name for p in package.glob("*.py") if clock.search(p.read_text("utf-8"))]
    assert offenders == []
