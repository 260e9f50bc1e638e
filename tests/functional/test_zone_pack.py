"""The shipped zone pack as operations use it: it opens in GDAL, it knows the region's ports, and
replaying real Puerto Rico / US Virgin Islands traffic gives port calls, not loitering, in them.

Harbour positions are real: berths of vessels reporting "moored" or stopped in the demo sample
``replay/samples/2022-11-10-worldwide.gfw-ais-listener.nmea`` (MMSI given), or Global Fishing
Watch anchorage points where none was there that day.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import unicodedata
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyogrio
import pyogrio.raw
import pytest
import shapely
from pyproj import Geod

from models.config import AnchorageConfig, Config, LoiteringConfig
from models.engine import Engine
from replay.cli import main
from replay.readers import Reader
from replay.runner import ReplayRunner
from replay.sinks import JsonLinesSink
from tests.zone_factories import feature, square_zone, write_layer
from zones import ZoneIndex, ZoneKind, default_pack_path, load_catalogue

ROOT = Path(__file__).resolve().parents[2]
PR_USVI = ROOT / "replay" / "samples" / "2022-01-03-puerto-rico-usvi.marinecadastre.csv"
NM = 1852.0
GEOD = Geod(ellps="WGS84")

Alert = dict[str, object]

# name, a real harbour position (lon, lat), where it comes from, azimuth of the open sea
KNOWN_PORTS = [
    ("Kingston", (-76.80347, 17.965038), "MMSI 339301280, moored", 180),
    ("Cartagena", (-75.541667, 10.405), "MMSI 730070000, stopped", 270),
    ("Colon", (-79.88739, 9.367985), "MMSI 351263000, stopped", 0),
    ("Balboa", (-79.565, 8.956667), "MMSI 636017153, moored", 180),
    ("Santo Domingo", (-69.884782, 18.459315), "GFW anchorage point", 180),
    ("Port of Spain", (-61.514741, 10.647530), "GFW anchorage point", 0),
    ("Bridgetown", (-59.628333, 13.103333), "MMSI 563587000, moored", 270),
    ("Santa Marta", (-74.218333, 11.25), "MMSI 538006602, moored", 0),
]


def plain(text: str) -> str:
    """Case- and accent-free, for matching "Colón" with the WPI's "Puerto Colon"."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


@pytest.fixture(scope="module")
def catalogue() -> ZoneIndex:
    return load_catalogue()


# --- the pack in GDAL ----------------------------------------------------------------------


def test_gdal_opens_the_pack_and_every_geometry_is_valid() -> None:
    path = default_pack_path()
    info = pyogrio.read_info(path)
    assert (info["driver"], info["crs"]) == ("GeoJSON", "EPSG:4326")
    meta, _, wkb, fields = pyogrio.raw.read(path)
    geometries = shapely.from_wkb(wkb)
    assert len(geometries) == info["features"] > 2000
    reasons = shapely.is_valid_reason(geometries)
    assert set(reasons.tolist()) == {"Valid Geometry"}
    assert set(shapely.get_type_id(geometries).tolist()) <= {3, 6}  # Polygon, MultiPolygon
    columns = dict(zip(meta["fields"].tolist(), fields, strict=True))
    assert len(set(columns["id"].tolist())) == len(geometries)
    assert {kind.value for kind in ZoneKind} >= set(columns["kind"].tolist())


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="ogrinfo (gdal-bin) not installed")
def test_ogrinfo_finds_no_invalid_geometry() -> None:
    sql = (
        "SELECT COUNT(*) AS n, SUM(CASE WHEN ST_IsValid(geometry) THEN 0 ELSE 1 END) AS bad "
        'FROM "default"'
    )
    result = subprocess.run(
        ["ogrinfo", "-ro", "-q", "-dialect", "SQLite", "-sql", sql, str(default_pack_path())],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "bad (Integer) = 0" in result.stdout, result.stdout + result.stderr


# --- known ports ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "harbour", "origin", "seaward"), KNOWN_PORTS, ids=[port[0] for port in KNOWN_PORTS]
)
def test_known_port_matches_its_harbour_and_not_the_sea_50_nm_off(
    catalogue: ZoneIndex, name: str, harbour: tuple[float, float], origin: str, seaward: float
) -> None:
    ports = [zone for zone in catalogue.zones_at(*harbour) if zone.kind is ZoneKind.PORT]
    assert any(plain(name) in plain(zone.name) for zone in ports), (origin, ports)
    lon, lat, _ = GEOD.fwd(*harbour, seaward, 50 * NM)
    offshore = catalogue.zones_at(lon, lat)
    assert not any(zone.is_harbour for zone in offshore), [zone.id for zone in offshore]


# --- replaying Puerto Rico and the US Virgin Islands ---------------------------------------


def replay(path: Path, catalogue: ZoneIndex, config: Config | None = None) -> list[Alert]:
    out = io.StringIO()
    runner = ReplayRunner(Engine(config or Config(), catalogue), JsonLinesSink(out))
    runner.run(iter(Reader([path], sort_records=True)))
    return [json.loads(line) for line in out.getvalue().splitlines()]


def harbour_at(catalogue: ZoneIndex, alert: Alert) -> list[str]:
    lon, lat = float(alert["lon"]), float(alert["lat"])  # type: ignore[arg-type]
    return [zone.id for zone in catalogue.zones_at(lon, lat) if zone.is_harbour]


def test_replay_gives_port_calls_at_real_ports_and_no_loitering_in_them(
    catalogue: ZoneIndex,
) -> None:
    alerts = replay(PR_USVI, catalogue)
    calls = [alert for alert in alerts if alert["type"] == "port_call"]
    zones = {zone.id: zone for zone in catalogue.zones}
    by_name = Counter(str(call["zone"]["name"]) for call in calls)  # type: ignore[index]
    for port in ("San Juan", "Charlotte Amalie", "Cruz Bay", "Ensenada Honda", "Road Harbor"):
        assert by_name[port] >= 5, by_name  # WPI ports of PR, the USVI and the BVI
    assert sum(by_name.values()) > 150
    for call in calls:
        zone = zones[call["zone"]["id"]]  # type: ignore[index]
        assert zone.is_harbour
        assert zone.id in harbour_at(catalogue, call)  # the call is where the zone is
    loitering = [alert for alert in alerts if alert["type"] == "loitering"]
    assert [alert for alert in loitering if harbour_at(catalogue, alert)] == []


def held_in_place(tmp_path: Path, hours: float = 6.0) -> Path:
    """The sample's vessels that are stopped (< 0.5 kn), each kept at its first real position
    and speed with a report every 10 minutes for ``hours``: the sample itself spans only 25
    minutes, too short for loitering (4 h) to be possible at all."""
    with PR_USVI.open(newline="") as file:
        reader = csv.DictReader(file)
        header = list(reader.fieldnames or [])
        first: dict[str, dict[str, str]] = {}
        for row in reader:
            if row["MMSI"] not in first and row["SOG"] and float(row["SOG"]) < 0.5:
                first[row["MMSI"]] = row
    path = tmp_path / "held.csv"
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, header)
        writer.writeheader()
        for row in first.values():
            start = datetime.fromisoformat(row["BaseDateTime"])
            for step in range(int(hours * 6) + 1):
                when = start + timedelta(minutes=10 * step)
                writer.writerow({**row, "BaseDateTime": when.strftime("%Y-%m-%dT%H:%M:%S")})
    return path


def test_ships_moored_for_hours_in_ports_make_port_calls_not_loitering(
    tmp_path: Path, catalogue: ZoneIndex
) -> None:
    path = held_in_place(tmp_path)
    # The pack alone: anchorages learned from the ships themselves are
    # tests/functional/test_learned_anchorages.py's, the ports' approaches
    # tests/unit/test_harbour_approaches.py's.
    config = Config(
        anchorages=AnchorageConfig(enabled=False), loitering=LoiteringConfig(approach_km=0.0)
    )
    with_pack = replay(path, catalogue, config)
    without_pack = replay(path, load_catalogue(include_default=False), config)

    def loiterers(alerts: list[Alert]) -> set[object]:
        return {alert["mmsi"] for alert in alerts if alert["type"] == "loitering"}

    # The control: without zones every one of these stopped ships loiters after 4 h ...
    assert len(loiterers(without_pack)) > 200
    # ... with the pack, those in a port or anchorage make a port call instead,
    assert {alert["mmsi"] for alert in with_pack if alert["type"] == "port_call"} == (
        loiterers(without_pack) - loiterers(with_pack)
    )
    assert not [a for a in with_pack if a["type"] == "loitering" and harbour_at(catalogue, a)]
    # ... and the few left are at marinas and bays no source lists (Palmas del Mar, Boquerón,
    # Culebra, Vieques, the BVI's anchorages): under a fifth.
    assert len(loiterers(with_pack)) < 0.2 * len(loiterers(without_pack))


# --- zones check and list on the command line ----------------------------------------------


def test_zones_check_reports_problems_and_the_reprojection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bowtie = shapely.Polygon([(-66, 18), (-65, 19), (-65, 18), (-66, 19), (-66, 18)])
    rows = [square_zone("sju", "port", -66.11, 18.46, 0.02), feature(bowtie, id="bow")]
    path = write_layer(tmp_path / "mine.gpkg", rows, crs="EPSG:32620")
    assert main(["zones", "check", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{path}: 1 problem(s); 1 zone(s) usable"
    assert out[1].startswith("  feature 1 (id 'bow'): invalid geometry: Self-intersection[")
    assert out[2] == (
        "  warning: reprojected from WGS 84 / UTM zone 20N (EPSG:32620) to WGS84 lon/lat "
        "(EPSG:4326)"
    )
    good = write_layer(tmp_path / "good.shp", rows[:1], crs="EPSG:32620")
    assert main(["zones", "check", str(good)]) == 0  # a warning alone does not fail a pack


def test_zones_list_counts_the_shipped_pack_by_kind_and_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = write_layer(tmp_path / "extra.gpkg", [square_zone("mine", "restricted", 10, 10)])
    assert main(["zones", "list", "--zones", str(extra)]) == 0
    lines = capsys.readouterr().out.splitlines()
    counts = {(line[:16].strip(), line[25:]): int(line[16:23]) for line in lines}
    # the pack's 489 WPI ports and the harbour layer's 3,277: one row per kind and source
    assert counts[("port", "NGA World Port Index (Pub 150)")] == 489 + 3277
    assert counts[("restricted", "(no source given)")] == 1
    assert counts[("total", "")] == len(load_catalogue()) + 1
    assert np.isclose(sum(v for k, v in counts.items() if k[0] != "total"), counts[("total", "")])
