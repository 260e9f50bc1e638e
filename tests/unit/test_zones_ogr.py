"""Zone packs in GeoPackage, Shapefile and reprojected GeoJSON: read by GDAL, validated alike."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import shapely
from shapely.geometry import Polygon, box

from tests.zone_factories import feature, square_zone, write_layer
from zones import ZoneKind, load_catalogue, load_pack
from zones.pack import validate_pack

BOWTIE = Polygon([(-66, 18), (-65, 19), (-65, 18), (-66, 19), (-66, 18)])
SAN_JUAN_BAY = square_zone("sju", "port", -66.11, 18.46, 0.02, name="San Juan", country="PR")
UTM_20N = "EPSG:32620"


def test_geopackage_in_wgs84_loads_without_warnings(tmp_path: Path) -> None:
    path = write_layer(tmp_path / "zones.gpkg", [SAN_JUAN_BAY])
    report = validate_pack(path)
    assert (report.problems, report.warnings) == ([], [])
    (zone,) = report.zones
    assert (zone.id, zone.name, zone.kind, zone.country) == ("sju", "San Juan", ZoneKind.PORT, "PR")
    assert shapely.equals_exact(zone.geometry, SAN_JUAN_BAY.geometry, tolerance=1e-9)


def test_projected_geopackage_is_reprojected_with_a_warning(tmp_path: Path) -> None:
    path = write_layer(tmp_path / "utm.gpkg", [SAN_JUAN_BAY], crs=UTM_20N)
    report = validate_pack(path)
    assert report.problems == []
    assert report.warnings == [
        "reprojected from WGS 84 / UTM zone 20N (EPSG:32620) to WGS84 lon/lat (EPSG:4326)"
    ]
    (zone,) = report.zones
    assert shapely.equals_exact(zone.geometry, SAN_JUAN_BAY.geometry, tolerance=1e-7)


def test_shapefile_without_prj_is_read_as_wgs84_with_a_warning(tmp_path: Path) -> None:
    path = write_layer(tmp_path / "zones.shp", [SAN_JUAN_BAY], crs=None)
    assert not path.with_suffix(".prj").exists()
    report = validate_pack(path)
    assert [zone.id for zone in report.zones] == ["sju"]
    assert report.warnings == ["no coordinate reference system given; read as WGS84 lon/lat"]


def test_zipped_shapefile_is_read(tmp_path: Path) -> None:
    shp = write_layer(tmp_path / "ports.shp", [SAN_JUAN_BAY], crs=UTM_20N)
    archive = tmp_path / "ports.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in sorted(tmp_path.glob("ports.*")):
            if part != archive:
                zipped.write(part, part.name)
    report = validate_pack(archive)
    assert [zone.id for zone in report.zones] == ["sju"]
    assert "reprojected from WGS 84 / UTM zone 20N" in report.warnings[0]
    assert shp.exists()


def test_geojson_naming_another_crs_is_reprojected(tmp_path: Path) -> None:
    path = write_layer(tmp_path / "utm.geojson", [SAN_JUAN_BAY], crs=UTM_20N)
    assert json.loads(path.read_text())["crs"]["properties"]["name"].endswith("32620")
    report = validate_pack(path)
    assert [zone.id for zone in report.zones] == ["sju"]
    assert report.warnings[0].startswith("reprojected from WGS 84 / UTM zone 20N")


def test_problems_are_reported_by_feature_and_id(tmp_path: Path) -> None:
    rows = [
        SAN_JUAN_BAY,
        feature(BOWTIE, id="bow"),
        feature(box(-65, 18, -64.9, 18.1), id="sju"),
        feature(box(-64, 17, -63.9, 17.1), id="k", kind="harbour"),
        feature(box(-63, 17, -62.9, 17.1), id="n", name=None),
    ]
    report = validate_pack(write_layer(tmp_path / "bad.gpkg", rows, crs=UTM_20N))
    assert [zone.id for zone in report.zones] == ["sju"]
    messages = [str(problem) for problem in report.problems]
    assert messages[0].startswith("feature 1 (id 'bow'): invalid geometry: Self-intersection[")
    assert messages[1:] == [
        "feature 2 (id 'sju'): duplicate id, first used by feature 0",
        "feature 3 (id 'k'): kind 'harbour' is not one of: port, anchorage, restricted, "
        "protected, eez, territorial_sea, high_risk, corridor",
        "feature 4 (id 'n'): missing 'name' property",
    ]


def test_every_layer_is_read_in_order(tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    write_layer(path, [SAN_JUAN_BAY], layer="ports")
    write_layer(path, [square_zone("box", "restricted", -65, 18, 0.1)], layer="restricted")
    report = validate_pack(path)
    assert [zone.id for zone in report.zones] == ["sju", "box"]
    assert report.warnings == ["read 2 layers in this order: ports, restricted"]


def test_a_feature_without_geometry_is_a_problem(tmp_path: Path) -> None:
    rows = [SAN_JUAN_BAY, {**feature(id="empty"), "geometry": None}]
    report = validate_pack(write_layer(tmp_path / "null.gpkg", rows))
    assert [str(problem) for problem in report.problems] == [
        "feature 1 (id 'empty'): missing geometry"
    ]


def test_catalogue_and_strict_loader_take_geopackages(tmp_path: Path) -> None:
    path = write_layer(tmp_path / "mine.gpkg", [square_zone("mine", "restricted", 10, 10, 0.1)])
    assert [zone.id for zone in load_pack(path)] == ["mine"]
    index = load_catalogue([path], include_default=False)
    assert [zone.id for zone in index.zones_at(10.0, 10.0)] == ["mine"]


@pytest.mark.parametrize("suffix", [".gpkg", ".shp", ".zip", ".kml"])
def test_missing_files_of_gdal_formats_say_so(tmp_path: Path, suffix: str) -> None:
    from zones import ZonePackError

    with pytest.raises(ZonePackError, match="no such file"):
        validate_pack(tmp_path / f"missing{suffix}")
