"""The pack builder's rules, layer by layer, on small source folders written here (and on the
real NOAA lines when the shared data is present)."""

from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, shape

from zones.build import DEFAULT_SOURCES, build, main
from zones.geodesy import EARTH_RADIUS_M, NAUTICAL_MILE_M, buffer_m, geodesic_circle
from zones.layer_anchorages import anchorages
from zones.layer_lanes import shipping_lanes
from zones.layer_ports import wpi_ports
from zones.pack_writer import make_feature, pack_text

SHARED_SOURCES = Path(os.environ.get("VIGILMAR_ZONE_SOURCES", DEFAULT_SOURCES))
M_PER_DEG_LAT = EARTH_RADIUS_M * math.pi / 180
WGS84 = Geod(ellps="WGS84")


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lon, lat) points on the mean sphere."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def east_of(lon: float, lat: float, metres: float) -> tuple[float, float]:
    return lon + metres / (M_PER_DEG_LAT * math.cos(math.radians(lat))), lat


def geometries(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {feature["properties"]["id"]: shape(feature["geometry"]) for feature in features}


# --- geodesy -------------------------------------------------------------------------------


def test_circles_have_the_documented_radius() -> None:
    circle = geodesic_circle(-66.116667, 18.466667, 3000.0)
    coords = shapely.get_coordinates(circle)
    half_height = (coords[:, 1].max() - coords[:, 1].min()) / 2 * M_PER_DEG_LAT
    assert half_height == pytest.approx(3000.0, rel=1e-3)
    for vertex in coords.tolist():
        assert metres_between((-66.116667, 18.466667), vertex) == pytest.approx(3000, rel=1e-6)
    assert circle.is_valid


@pytest.mark.parametrize("lat", [0.0, 18.0, 32.0, -55.0])
def test_metric_buffers_are_as_wide_east_west_as_north_south(lat: float) -> None:
    band = buffer_m(Point(-70.0, lat), 10_000.0, quad_segs=16)
    west, south, east, north = band.bounds
    for lon_lat in [(east, lat), (west, lat), (-70.0, north), (-70.0, south)]:
        _, _, metres = WGS84.inv(-70.0, lat, *lon_lat)
        assert metres == pytest.approx(10_000, rel=1e-4)


# --- ports ---------------------------------------------------------------------------------

WPI_COLUMNS = [
    "World Port Index Number",
    "Main Port Name",
    "Country Code",
    "Harbor Size",
    "Latitude",
    "Longitude",
]


def write_wpi(source: Path, rows: list[list[str]]) -> None:
    (source / "nga-wpi").mkdir(parents=True)
    with (source / "nga-wpi" / "UpdatedPub150.csv").open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(WPI_COLUMNS)
        writer.writerows(rows)


def test_ports_are_circles_by_harbour_size_inside_the_region(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_wpi(
        tmp_path,
        [
            ["11110", "San Juan", "Puerto Rico", "Small", "18.466667", "-66.116667"],
            ["10770", "Kingston", "Jamaica", "Medium", "17.966667", "-76.783333"],
            ["1", "Nowhere Port", "Atlantis", " ", "-10", "-40"],
            ["2", "Lisbon", "Portugal", "Large", "38.7", "-9.1"],  # outside the region
        ],
    )
    features = wpi_ports(tmp_path)
    found = geometries(features)
    assert sorted(found) == ["wpi-1", "wpi-10770", "wpi-11110"]
    properties = {f["properties"]["id"]: f["properties"] for f in features}
    assert properties["wpi-11110"] == {
        "id": "wpi-11110",
        "name": "San Juan",
        "kind": "port",
        "country": "PR",
        "source": "NGA World Port Index (Pub 150)",
    }
    assert properties["wpi-1"]["country"] is None
    assert "no ISO code for WPI country 'Atlantis'" in capsys.readouterr().err
    for port_id, centre, radius in [
        ("wpi-11110", (-66.116667, 18.466667), 6000),
        ("wpi-10770", (-76.783333, 17.966667), 8000),
        ("wpi-1", (-40.0, -10.0), 4000),  # no size: as Very Small
    ]:
        assert found[port_id].contains(Point(east_of(*centre, radius - 100)))
        assert not found[port_id].contains(Point(east_of(*centre, radius + 100)))


# --- anchorages ----------------------------------------------------------------------------


def write_anchorages(source: Path, rows: list[tuple[float, float, str, str, str]]) -> None:
    (source / "gfw-anchorages").mkdir(parents=True)
    path = source / "gfw-anchorages" / "anchorage_overrides.csv"
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["s2id", "latitude", "longitude", "label", "sublabel", "iso3"])
        for lon, lat, label, sublabel, iso3 in rows:
            writer.writerow(["8.62E+12", lat, lon, label, sublabel, iso3])


def test_named_anchorage_points_within_4_km_become_one_zone(tmp_path: Path) -> None:
    west = (-79.9, 9.35)
    near = east_of(*west, 3500)  # same anchorage: within 4 km
    far = east_of(*west, 30_000)  # same name, another place
    write_anchorages(
        tmp_path,
        [
            (*far, "COLON", "PANAMA CANAL", "PAN"),
            (*west, "COLON", "PANAMA CANAL", "PAN"),
            (*near, "COLON", "PANAMA CANAL", "PAN"),
            (-66.1, 18.45, "SAN JUAN", "SAN JUAN", "PRI"),  # sublabel = label: none
            (-66.1, 18.47, "SAN JUAN", "", "PRI"),
            (-9.1, 38.7, "LISBOA", "", "PRT"),  # outside the region
        ],
    )
    features = anchorages(tmp_path)
    found = geometries(features)
    assert sorted(found) == [
        "gfw-pan-colon-panama-canal-1",
        "gfw-pan-colon-panama-canal-2",
        "gfw-pri-san-juan",
    ]
    names = {f["properties"]["id"]: f["properties"]["name"] for f in features}
    assert names["gfw-pan-colon-panama-canal-1"] == "COLON (PANAMA CANAL)"
    assert names["gfw-pri-san-juan"] == "SAN JUAN"
    assert {f["properties"]["country"] for f in features} == {"PA", "PR"}
    first, second = found["gfw-pan-colon-panama-canal-1"], found["gfw-pan-colon-panama-canal-2"]
    assert isinstance(first, Polygon)  # the two near points make one outline
    assert first.contains(shapely.MultiPoint([west, near]))
    assert first.contains(Point(east_of(*near, 2900)))  # 3 km round each point
    assert not first.contains(Point(east_of(*near, 3100)))
    assert second.contains(Point(far))
    assert not second.intersects(first)
    assert found["gfw-pri-san-juan"].contains(Point(-66.1, 18.45))


# --- shipping lanes ------------------------------------------------------------------------


def test_lanes_become_5_nm_bands_cut_into_2_degree_tiles(tmp_path: Path) -> None:
    (tmp_path / "shipping-lanes").mkdir()
    lane = LineString([(-79.5, 11.0), (-76.5, 11.0)])  # crosses from tile w080 into w078
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"Type": "Major"},
                "geometry": shapely.geometry.mapping(shapely.MultiLineString([lane])),
            }
        ],
    }
    (tmp_path / "shipping-lanes" / "Shipping_Lanes_v1.geojson").write_text(json.dumps(document))
    features = shipping_lanes(tmp_path)
    found = geometries(features)
    assert sorted(found) == ["lane-major-w078n10", "lane-major-w080n10"]
    assert features[0]["properties"]["name"] == "Major shipping lane"
    assert features[0]["properties"]["country"] is None
    assert found["lane-major-w080n10"].bounds[2] == pytest.approx(-78.0)
    union = shapely.union_all(list(found.values()))
    assert isinstance(union, Polygon)  # the tiles fit edge to edge
    half_width = 5 * NAUTICAL_MILE_M
    south, north = union.bounds[1], union.bounds[3]
    assert (11.0 - south) * M_PER_DEG_LAT == pytest.approx(half_width, rel=0.01)
    assert (north - 11.0) * M_PER_DEG_LAT == pytest.approx(half_width, rel=0.01)


# --- NOAA limits (real data) ---------------------------------------------------------------


@pytest.mark.skipif(
    not (SHARED_SOURCES / "noaa-us-maritime-limits").is_dir(), reason="NOAA limits not here"
)
def test_noaa_lines_close_into_territorial_sea_and_eez() -> None:
    from zones.layer_limits import us_caribbean_waters

    sea_feature, eez_feature = us_caribbean_waters(SHARED_SOURCES)
    sea, eez = shape(sea_feature["geometry"]), shape(eez_feature["geometry"])
    assert sea_feature["properties"]["kind"] == "territorial_sea"
    assert eez_feature["properties"]["kind"] == "eez"
    assert isinstance(sea, MultiPolygon)
    assert len(sea.geoms) == 3  # PR with St Thomas and St John; St Croix; Mona
    assert shapely.is_valid([sea, eez]).all()
    assert eez.contains(sea)
    inside_both = [(-66.11, 18.46), (-64.93, 18.34), (-64.70, 17.75), (-67.90, 18.08)]
    for point in inside_both:  # San Juan, Charlotte Amalie, St Croix south, Mona
        assert shapely.contains([sea, eez], Point(point)).all(), point
    assert eez.contains(Point(-66.0, 20.0))
    assert not sea.contains(Point(-66.0, 20.0))
    for point in [(-64.62, 18.42), (-66.0, 23.0), (-70.0, 18.5)]:  # Road Town BVI, beyond, DR
        assert not eez.contains(Point(point)), point


# --- writing the pack ----------------------------------------------------------------------


def test_features_have_fixed_properties_rounded_coordinates_and_rfc7946_winding() -> None:
    clockwise = Polygon([(0, 0), (0, 1.0000049), (1.123456789, 1), (1, 0)])
    written = make_feature(
        {"source": "s", "zeta": 1, "kind": "port", "id": "a", "country": None, "name": "A"},
        clockwise,
    )
    assert list(written["properties"]) == ["id", "name", "kind", "country", "source", "zeta"]
    ring = written["geometry"]["coordinates"][0]
    assert Polygon(ring).exterior.is_ccw
    assert all(round(value, 5) == value for vertex in ring for value in vertex)
    with pytest.raises(ValueError, match="lacks"):
        make_feature({"id": "b", "name": "B", "kind": "port"}, clockwise)


def test_pack_text_sorts_by_id_one_feature_a_line_and_refuses_duplicates() -> None:
    square = shapely.box(0, 0, 1, 1)
    common = {"kind": "port", "country": None, "source": None}
    b, a = (make_feature({"id": i, "name": i, **common}, square) for i in ("b", "a"))
    text = pack_text([b, a])
    lines = text.splitlines()
    assert len(lines) == 4
    assert lines[1].startswith('{"type":"Feature","properties":{"id":"a"')
    assert json.loads(text)["features"][1]["properties"]["id"] == "b"
    with pytest.raises(ValueError, match="duplicate zone ids: \\['a'\\]"):
        pack_text([a, b, a])


def test_build_is_deterministic(tmp_path: Path) -> None:
    write_anchorages(tmp_path, [(-66.1, 18.45, "SAN JUAN", "", "PRI")])
    write_wpi(tmp_path, [["11110", "San Juan", "Puerto Rico", "Small", "18.466667", "-66.11"]])
    layers = (wpi_ports, anchorages)
    assert build(tmp_path, layers) == build(tmp_path, layers)
    assert [f["properties"]["id"] for f in json.loads(build(tmp_path, layers))["features"]] == [
        "gfw-pri-san-juan",
        "wpi-11110",
    ]


def test_builder_usage_errors_print_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 2
    assert "python -m zones.build [SOURCE_DIR [OUTPUT]]" in capsys.readouterr().err
