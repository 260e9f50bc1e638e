"""Zone packs are hostile input: what cannot be a zone is refused, naming the file and the
feature, and nothing is silently misread (a 340° band, a speck at 0,0, numbers from strings)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box, shape

from tests.zone_factories import feature, square_zone, write_layer, write_pack
from zones import (
    ZoneIndex,
    ZonePackError,
    check_pack,
    default_pack_path,
    load_catalogue,
    load_pack,
    validate_pack,
)

# 170°E to 170°W across the antimeridian, 10°S to 10°N, as an author would write it.
ACROSS = [[170, -10], [-170, -10], [-170, 10], [170, 10], [170, -10]]
ACROSS_NORTH = [[170, 20], [-170, 20], [-170, 30], [170, 30], [170, 20]]
HOLE = [[178, -2], [-178, -2], [-178, 2], [178, 2], [178, -2]]  # 4° wide, on the antimeridian


def polygon(*rings: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [list(ring) for ring in rings]}


def named_crs(name: str) -> dict[str, Any]:
    return {"type": "name", "properties": {"name": name}}


def write_document(tmp_path: Path, document: object, name: str = "pack.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def refused(path: Path) -> str:
    """The message of the ``ZonePackError`` the strict loader raises; it names the file."""
    with pytest.raises(ZonePackError) as caught:
        load_pack(path)
    message = str(caught.value)
    assert message.startswith(f"zone pack {path}: ")
    return message


# --- deep nesting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"type": "FeatureCollection", "features": [' + "[" * 100_000 + "]" * 100_000 + "]}",
        '{"a": ' * 100_000 + "1" + "}" * 100_000,
    ],
    ids=["arrays", "inside-features", "objects"],
)
def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.geojson"
    path.write_text(text, encoding="utf-8")
    message = refused(path)
    assert "nested too deeply" in message
    with pytest.raises(ZonePackError):
        validate_pack(path)  # what `zones check` calls


def test_an_integer_longer_than_python_reads_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "digits.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [' + "1" * 5000 + "]}")
    assert "not valid JSON" in refused(path)


def test_an_integer_too_large_for_a_float_is_a_problem_of_its_feature(tmp_path: Path) -> None:
    huge = 10**400
    geometry = polygon([[huge, 0], [1, 0], [1, 1], [huge, 0]])
    message = refused(write_pack(tmp_path, [feature(geometry, id="big")]))
    assert "feature 0 (id 'big'): malformed Polygon coordinates" in message


# --- coordinates must be JSON numbers -------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        (["-66.1", "18.4"], "not the string '-66.1'"),
        ([True, 18.4], "not the boolean true"),
        ([-66.1, None], "not null"),
        ([[-66.1, 18.4]], "not an array"),
        ({"lon": -66.1, "lat": 18.4}, "must be an array of numbers"),
        ("-66.1,18.4", "must be an array of numbers"),
        (-66.1, "must be an array of numbers"),
    ],
    ids=["strings", "boolean", "null", "too-deep", "object", "string", "number"],
)
def test_coordinates_must_be_numbers(tmp_path: Path, first: object, expected: str) -> None:
    ring: list[object] = [first, [-66.0, 18.4], [-66.0, 18.5], [-66.1, 18.5], first]
    bad = feature({"type": "Polygon", "coordinates": [ring]}, id="sju")
    path = write_pack(tmp_path, [feature(id="ok"), bad])
    zones, problems = check_pack(path)
    assert [zone.id for zone in zones] == ["ok"]
    assert [(p.feature, p.feature_id) for p in problems] == [(1, "sju")]
    assert problems[0].message.startswith("malformed Polygon coordinates: ")
    assert expected in problems[0].message
    assert "feature 1 (id 'sju'): malformed Polygon coordinates" in refused(path)


@pytest.mark.parametrize(
    "coordinates",
    [
        [[["a", 0], [1, 0], [1, 1], [0, 0]]],  # a ring of a polygon, not a polygon
        [[[[0, 0], [1, 0], [1, 1], [0, "1"]]]],
        "[[[[0, 0], [1, 0], [1, 1], [0, 0]]]]",
    ],
    ids=["ring-level", "string-in-polygon", "string"],
)
def test_multipolygon_coordinates_must_be_numbers(tmp_path: Path, coordinates: object) -> None:
    bad = feature({"type": "MultiPolygon", "coordinates": coordinates}, id="m")
    _, problems = check_pack(write_pack(tmp_path, [bad]))
    assert [p.message.split(":")[0] for p in problems] == ["malformed MultiPolygon coordinates"]


def test_whole_numbers_and_a_third_dimension_are_still_coordinates(tmp_path: Path) -> None:
    geometry = polygon([[0, 0, 5], [1, 0, 5], [1, 1, 5], [0, 0, 5]])
    (zone,) = load_pack(write_pack(tmp_path, [feature(geometry)]))
    assert zone.geometry.bounds == (0.0, 0.0, 1.0, 1.0)


# --- text ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["id", "name", "source"])
def test_text_no_utf8_output_can_carry_is_a_problem(tmp_path: Path, key: str) -> None:
    # "\ud800" is valid JSON and a Python str, but a lone surrogate: writing an alert naming
    # the zone would fail with UnicodeEncodeError in the middle of a replay.
    path = write_pack(tmp_path, [feature(id="ok"), feature(**{"id": "z", key: "Bad \ud800 text"})])
    assert "\\ud800" in path.read_text()  # as json.dumps escapes it
    zones, problems = check_pack(path)
    assert [zone.id for zone in zones] == ["ok"]
    assert [p.feature for p in problems] == [1]
    assert f"{key} 'Bad \\ud800 text' is not valid Unicode" in problems[0].message
    str(refused(path)).encode("utf-8")  # the error itself prints


# --- the antimeridian -----------------------------------------------------------------------


def test_a_polygon_across_the_antimeridian_is_split_not_a_340_degree_band(
    tmp_path: Path,
) -> None:
    path = write_pack(tmp_path, [feature(polygon(ACROSS), id="fiji", kind="restricted")])
    report = validate_pack(path)
    assert report.problems == []
    (zone,) = report.zones
    assert isinstance(zone.geometry, MultiPolygon)
    assert zone.geometry.is_valid
    assert zone.geometry.area == pytest.approx(20 * 20)
    index = ZoneIndex(report.zones)
    for lon in (175.0, -175.0, 179.999, -179.999, 180.0, -180.0):
        assert [z.id for z in index.zones_at(lon, 0.0)] == ["fiji"], lon
    for lon in (0.0, 165.0, -165.0, 100.0, -100.0):
        assert index.zones_at(lon, 0.0) == (), lon
    assert [len(hits) for hits in index.match([0.0, 175.0, -175.0], [0.0, 5.0, -5.0])] == [0, 1, 1]
    assert report.warnings == [
        "feature 0 (id 'fiji'): crosses the antimeridian; split at 180° into 2 polygons"
    ]


def test_holes_and_multipolygon_parts_across_the_antimeridian_are_split(tmp_path: Path) -> None:
    holed = feature(polygon(ACROSS, HOLE), id="holed")
    parts = {
        "type": "MultiPolygon",
        "coordinates": [[ACROSS_NORTH], [[[10, 0], [11, 0], [11, 1], [10, 1], [10, 0]]]],
    }
    (ring_zone, multi_zone) = load_pack(write_pack(tmp_path, [holed, feature(parts, id="multi")]))
    assert ring_zone.geometry.area == pytest.approx(20 * 20 - 4 * 4)
    index = ZoneIndex([ring_zone, multi_zone])
    assert index.zones_at(179.0, 0.0) == ()  # in the hole
    assert index.zones_at(-179.0, 0.0) == ()
    assert [z.id for z in index.zones_at(-175.0, 5.0)] == ["holed"]
    assert [z.id for z in index.zones_at(175.0, 25.0)] == ["multi"]
    assert [z.id for z in index.zones_at(-175.0, 25.0)] == ["multi"]
    assert [z.id for z in index.zones_at(10.5, 0.5)] == ["multi"]
    assert index.zones_at(0.0, 25.0) == ()
    assert len(shapely.get_parts(multi_zone.geometry)) == 3


def test_a_pack_already_split_at_the_antimeridian_is_left_as_it_is(tmp_path: Path) -> None:
    split = MultiPolygon([box(170, -10, 180, 10), box(-180, -10, -170, 10)])
    report = validate_pack(write_pack(tmp_path, [feature(split, id="split")]))
    assert report.warnings == []
    (zone,) = report.zones
    assert shapely.equals_exact(zone.geometry, split, tolerance=0)


def test_wide_polygons_with_short_edges_are_not_split(tmp_path: Path) -> None:
    # 200° of longitude in steps of 10°: a real band, no edge crosses the antimeridian.
    south = [[lon, -1] for lon in range(-100, 101, 10)]
    band = Polygon([*south, *[[lon, 1] for lon, _ in reversed(south)]])
    report = validate_pack(write_pack(tmp_path, [feature(band, id="band")]))
    assert report.warnings == []
    (zone,) = report.zones
    assert isinstance(zone.geometry, Polygon)
    assert zone.geometry.area == pytest.approx(400)


def test_an_antimeridian_polygon_invalid_once_unwrapped_is_a_problem(tmp_path: Path) -> None:
    bowtie = [[170, -10], [-170, 10], [-170, -10], [170, 10], [170, -10]]
    message = refused(write_pack(tmp_path, [feature(polygon(bowtie), id="bow")]))
    assert "feature 0 (id 'bow'): crosses the antimeridian" in message
    assert "invalid" in message


def test_the_antimeridian_pack_raises_no_zone_entry_at_longitude_zero(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, [feature(polygon(ACROSS), id="fiji", kind="restricted")])
    index = load_catalogue([pack], include_default=False)
    lons = [-179.5, -90.0, 0.0, 45.0, 90.0, 179.5]
    assert [bool(hits) for hits in index.match(lons, [0.0] * len(lons))] == [
        True,
        False,
        False,
        False,
        False,
        True,
    ]


# --- declared CRS against the coordinates ---------------------------------------------------


def test_degrees_in_a_pack_declaring_web_mercator_are_refused(tmp_path: Path) -> None:
    document = {
        "type": "FeatureCollection",
        "crs": named_crs("urn:ogc:def:crs:EPSG::3857"),
        "features": [feature(square_zone("sju", "port", -66.11, 18.46, 0.02).geometry, id="sju")],
    }
    path = write_document(tmp_path, document)
    for load in (load_pack, validate_pack, lambda p: load_catalogue([p])):
        with pytest.raises(ZonePackError) as caught:
            load(path)
        message = str(caught.value)
        assert message.startswith(f"zone pack {path}: ")
        assert "look like degrees" in message
        assert "EPSG:3857" in message
        assert "remove the 'crs' member" in message


def test_degrees_in_a_geopackage_declaring_utm_are_refused(tmp_path: Path) -> None:
    import geopandas as gpd

    frame = gpd.GeoDataFrame(
        {"id": ["sju"], "name": ["San Juan"], "kind": ["port"]},
        geometry=[box(-66.13, 18.44, -66.09, 18.48)],
        crs="EPSG:32620",  # declared, not reprojected: the coordinates stay degrees
    )
    path = tmp_path / "mislabelled.gpkg"
    frame.to_file(path)
    message = refused(path)
    assert "look like degrees" in message
    assert "EPSG:32620" in message
    assert "-a_srs" in message


def test_metres_in_a_projected_pack_are_still_reprojected(tmp_path: Path) -> None:
    path = write_layer(
        tmp_path / "utm.gpkg", [square_zone("sju", "port", -66.11, 18.46)], crs="EPSG:32620"
    )
    (zone,) = load_pack(path)
    assert zone.geometry.centroid.x == pytest.approx(-66.11, abs=1e-3)


@pytest.mark.parametrize(
    ("crs", "ring"),
    [
        # Far east of UTM 20N's reach: pyproj gives infinity.
        ("EPSG:32620", [[1e8, 2e6], [1.0001e8, 2e6], [1.0001e8, 2.001e6], [1e8, 2e6]]),
        # 1e9 m east in Web Mercator is 25 times round the world: pyproj wraps it to -16.8°.
        ("EPSG:3857", [[1e9, 1e6], [1.00001e9, 1e6], [1.00001e9, 1.00001e6], [1e9, 1e6]]),
        # Beyond the pole: pyproj clamps it to 90°N.
        ("EPSG:3857", [[1e6, 1e9], [1.1e6, 1e9], [1.1e6, 1.1e9], [1e6, 1e9]]),
    ],
    ids=["infinite", "wrapped", "clamped"],
)
def test_coordinates_that_do_not_reproject_to_lon_lat_are_refused(
    tmp_path: Path, crs: str, ring: list[list[float]]
) -> None:
    good = [[4e5, 2e6], [4.1e5, 2e6], [4.1e5, 2.01e6], [4e5, 2e6]]
    document = {
        "type": "FeatureCollection",
        "crs": named_crs(crs),
        "features": [feature(polygon(good), id="ok"), feature(polygon(ring), id="far")],
    }
    path = write_document(tmp_path, document)
    report = validate_pack(path)
    assert [zone.id for zone in report.zones] == ["ok"]
    assert [(p.feature, p.feature_id) for p in report.problems] == [(1, "far")]
    assert "do not reproject" in report.problems[0].message
    assert crs in report.problems[0].message
    assert "feature 1 (id 'far'): " in refused(path)


def test_string_coordinates_in_a_reprojected_geojson_name_the_feature(tmp_path: Path) -> None:
    ring: list[list[object]] = [["4e5", 2e6], [4.1e5, 2e6], [4.1e5, 2.01e6], ["4e5", 2e6]]
    document = {
        "type": "FeatureCollection",
        "crs": named_crs("EPSG:32620"),
        "features": [feature(polygon(ring), id="text")],
    }
    message = refused(write_document(tmp_path, document))
    assert "feature 0 (id 'text'): malformed Polygon coordinates" in message
    assert "not the string '4e5'" in message


def test_the_shipped_pack_loads_unchanged() -> None:
    document = json.loads(default_pack_path().read_text(encoding="utf-8"))
    report = validate_pack(default_pack_path())
    assert (report.problems, report.warnings) == ([], [])
    assert len(report.zones) == len(document["features"])
    for zone, raw in zip(report.zones, document["features"], strict=True):
        assert shapely.equals_exact(zone.geometry, shape(raw["geometry"]), tolerance=0)
