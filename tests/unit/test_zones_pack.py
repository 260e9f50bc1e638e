"""Zone records and zone pack validation: every problem is found and named by feature."""

from __future__ import annotations

import json
import math
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import Point, Polygon

from tests.zone_factories import feature, holed_zone, multi_square_zone, square_zone, write_pack
from zones import Problem, ZoneError, ZoneKind, ZonePackError, check_pack, load_pack

ALL_KINDS = "port, anchorage, restricted, protected, eez, territorial_sea, high_risk, corridor"
BOWTIE = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])


# --- model ---------------------------------------------------------------------------------


def test_zone_kinds_are_the_contract_values() -> None:
    assert ", ".join(ZoneKind) == ALL_KINDS


@pytest.mark.parametrize(
    ("kind", "harbour", "entry"),
    [
        ("port", True, False),
        ("anchorage", True, False),
        ("restricted", False, True),
        ("protected", False, True),
        ("eez", False, False),
        ("territorial_sea", False, False),
        ("high_risk", False, False),
        ("corridor", False, False),
    ],
)
def test_kind_decides_suppression_and_entry_alerts(kind: str, harbour: bool, entry: bool) -> None:
    zone = square_zone("z", kind)
    assert (zone.is_harbour, zone.raises_entry) == (harbour, entry)


def test_ref_is_what_an_alert_carries() -> None:
    zone = square_zone("kgn-port", "port", name="Kingston", risk=0.2, country="JM")
    assert zone.ref() == {"id": "kgn-port", "name": "Kingston", "kind": "port"}
    assert json.dumps(zone.ref())  # plain JSON, no enum objects


# --- valid packs ---------------------------------------------------------------------------


def test_round_trip(tmp_path: Path) -> None:
    zones = [
        square_zone("a", "restricted", 1, 2, 0.5, risk=0.75, country="PR", source="test"),
        multi_square_zone("b", [(10, 10), (12, 10)]),
        holed_zone("c", lon=-60, lat=15),
    ]
    loaded = load_pack(write_pack(tmp_path, zones))
    assert [zone.id for zone in loaded] == ["a", "b", "c"]
    for original, again in zip(zones, loaded, strict=True):
        assert (again.name, again.kind, again.risk, again.country, again.source) == (
            original.name,
            original.kind,
            original.risk,
            original.country,
            original.source,
        )
        assert shapely.equals(again.geometry, original.geometry)
    assert isinstance(loaded[0].kind, ZoneKind)


def test_empty_collection_is_a_valid_empty_pack(tmp_path: Path) -> None:
    assert check_pack(write_pack(tmp_path, [])) == ([], [])


def test_optional_properties_may_be_null_and_extra_properties_are_ignored(tmp_path: Path) -> None:
    path = write_pack(tmp_path, [feature(risk=None, country=None, source=None, note="x", size=3)])
    (zone,) = load_pack(path)
    assert (zone.risk, zone.country, zone.source) == (None, None, None)


def test_integer_risk_is_accepted_as_float(tmp_path: Path) -> None:
    (zone,) = load_pack(write_pack(tmp_path, [feature(risk=1)]))
    assert zone.risk == 1.0
    assert isinstance(zone.risk, float)


def test_third_dimension_is_dropped(tmp_path: Path) -> None:
    geometry = {"type": "Polygon", "coordinates": [[[0, 0, 5], [1, 0, 5], [1, 1, 5], [0, 0, 5]]]}
    (zone,) = load_pack(write_pack(tmp_path, [feature(geometry)]))
    assert not zone.geometry.has_z


def test_wgs84_crs_member_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "old.geojson"
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    document = {"type": "FeatureCollection", "crs": crs, "features": [feature()]}
    path.write_text(json.dumps(document), encoding="utf-8")
    assert len(load_pack(path)) == 1


# --- problems, by feature ------------------------------------------------------------------

CASES: list[tuple[str, Callable[[], dict[str, Any]], str]] = [
    ("self-intersection", lambda: feature(BOWTIE, id="kgn-port"), "invalid geometry: Self-inter"),
    ("point geometry", lambda: feature(Point(0, 0), id="kgn-port"), "geometry type 'Point'"),
    ("no geometry", lambda: {**feature(id="kgn-port"), "geometry": None}, "missing geometry"),
    (
        "empty polygon",
        lambda: feature({"type": "Polygon", "coordinates": []}, id="kgn-port"),
        "empty geometry",
    ),
    (
        "ring too short",
        lambda: feature(
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]}, id="kgn-port"
        ),
        "invalid geometry: Too few points in geometry component",
    ),
    (
        "coordinates not numbers",
        lambda: feature(
            {"type": "Polygon", "coordinates": [[["a", 0], [1, 0], [1, 1], ["a", 0]]]},
            id="kgn-port",
        ),
        "malformed Polygon coordinates",
    ),
    (
        "longitude out of range",
        lambda: feature(shapely.box(179, 0, 181, 1), id="kgn-port"),
        "out of range (lon -180..180, lat -90..90)",
    ),
    (
        "latitude first",
        lambda: feature(shapely.box(21, -158, 22, -157), id="kgn-port"),
        "longitude first",
    ),
    (
        "NaN coordinate",
        lambda: feature(
            {"type": "Polygon", "coordinates": [[[0, 0], [1, math.nan], [1, 1], [0, 0]]]},
            id="kgn-port",
        ),
        "not all finite",
    ),
    ("missing name", lambda: feature(id="kgn-port", name=...), "missing 'name' property"),
    ("blank name", lambda: feature(id="kgn-port", name="  "), "name must be a non-empty string"),
    ("missing kind", lambda: feature(id="kgn-port", kind=...), f"one of: {ALL_KINDS}"),
    (
        "unknown kind",
        lambda: feature(id="kgn-port", kind="harbour"),
        f"'harbour' is not one of: {ALL_KINDS}",
    ),
    ("kind in capitals", lambda: feature(id="kgn-port", kind="Port"), "is not one of"),
    ("risk above 1", lambda: feature(id="kgn-port", risk=1.5), "risk 1.5 is outside 0..1"),
    ("risk negative", lambda: feature(id="kgn-port", risk=-0.1), "outside 0..1"),
    ("risk as text", lambda: feature(id="kgn-port", risk="high"), "risk must be a number"),
    ("risk as boolean", lambda: feature(id="kgn-port", risk=True), "risk must be a number"),
    ("country alpha-3", lambda: feature(id="kgn-port", country="JAM"), "ISO 3166 alpha-2"),
    ("country lower case", lambda: feature(id="kgn-port", country="jm"), "ISO 3166 alpha-2"),
    ("source not text", lambda: feature(id="kgn-port", source=5), "source must be a string"),
    ("no properties", lambda: {**feature(id="kgn-port"), "properties": None}, "missing properties"),
]


@pytest.mark.parametrize(
    ("make", "expected"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_each_problem_is_reported_with_its_feature(
    tmp_path: Path, make: Callable[[], dict[str, Any]], expected: str
) -> None:
    good = feature(id="good")
    zones, problems = check_pack(write_pack(tmp_path, [good, make()]))
    assert [zone.id for zone in zones] == ["good"]  # the good feature still loads
    assert problems, "the bad feature should be reported"
    assert all(problem.feature == 1 for problem in problems)
    messages = "\n".join(str(problem) for problem in problems)
    assert expected in messages
    if problems[0].feature_id is not None:
        assert messages.startswith("feature 1 (id 'kgn-port'): ")


@pytest.mark.parametrize(
    ("bad_id", "expected"),
    [(..., "missing 'id' property"), ("", "id must be a non-empty string"), (7, "not 7")],
)
def test_unusable_ids_are_reported_by_position(tmp_path: Path, bad_id: Any, expected: str) -> None:
    _, problems = check_pack(write_pack(tmp_path, [feature(id="ok"), feature(id=bad_id)]))
    assert [(p.feature, p.feature_id) for p in problems] == [(1, None)]
    assert expected in problems[0].message
    assert str(problems[0]).startswith("feature 1: ")


def test_duplicate_ids_name_the_first_use(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, [feature(id="a"), feature(id="b"), feature(id="a")])
    zones, problems = check_pack(pack)
    assert [zone.id for zone in zones] == ["a", "b"]
    assert problems == [Problem(2, "a", "duplicate id, first used by feature 0")]


def test_not_a_feature_object(tmp_path: Path) -> None:
    _, problems = check_pack(write_pack(tmp_path, [feature(), "oops"]))  # type: ignore[list-item]
    assert problems == [Problem(1, None, "not a GeoJSON Feature object")]


def test_all_problems_of_a_feature_are_reported(tmp_path: Path) -> None:
    bad = feature(BOWTIE, id="x", kind="harbour", risk=2, country="xx")
    _, problems = check_pack(write_pack(tmp_path, [bad]))
    assert len(problems) == 4
    assert {problem.feature_id for problem in problems} == {"x"}


def test_load_pack_refuses_a_pack_with_problems(tmp_path: Path) -> None:
    path = write_pack(tmp_path, [feature(id="ok"), feature(BOWTIE, id="kgn-port")])
    with pytest.raises(ZonePackError) as caught:
        load_pack(path)
    error = caught.value
    assert isinstance(error, ZoneError)
    assert error.path == path
    assert [problem.feature for problem in error.problems] == [1]
    text = str(error)
    assert text.splitlines()[0] == f"zone pack {path}: 1 problem"
    assert "  feature 1 (id 'kgn-port'): invalid geometry: Self-intersection[" in text


def test_pack_error_survives_pickling(tmp_path: Path) -> None:
    error = ZonePackError(tmp_path / "p.geojson", [Problem(0, "a", "bad")])
    again = pickle.loads(pickle.dumps(error))
    assert (str(again), again.path, again.problems) == (str(error), error.path, error.problems)


# --- files that are not zone packs at all --------------------------------------------------


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("broken.geojson", '{"type": "FeatureCollection", "features": [', "not valid JSON (line 1"),
        ("latin1.geojson", b'{"name": "Pe\xf1uelas"}', "not UTF-8 text"),
        (
            "feature.geojson",
            json.dumps(feature()),
            "not a GeoJSON FeatureCollection (found 'Feature')",
        ),
        ("list.json", "[]", "not a GeoJSON FeatureCollection (found 'list')"),
        ("nofeatures.geojson", '{"type": "FeatureCollection"}', "no 'features' array"),
        (
            "nameless-crs.geojson",
            json.dumps({"type": "FeatureCollection", "crs": {"type": "EPSG"}, "features": []}),
            "names no CRS; remove the 'crs' member",
        ),
        (
            "unknown-crs.geojson",
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "crs": {"type": "name", "properties": {"name": "EPSG:999999"}},
                    "features": [],
                }
            ),
            "cannot understand its coordinate reference system 'EPSG:999999'",
        ),
        ("zones.gpkg", b"SQLite format 3\x00", "GDAL cannot open it"),
        ("zones.shp", b"not a shapefile", "GDAL cannot open it"),
    ],
)
def test_unreadable_packs_raise_with_the_file_and_what_to_do(
    tmp_path: Path, name: str, content: str | bytes, expected: str
) -> None:
    path = _write(tmp_path, name, content)
    with pytest.raises(ZonePackError) as caught:
        check_pack(path)
    assert str(caught.value).startswith(f"zone pack {path}: ")
    assert expected in str(caught.value)
    assert caught.value.problems == []


def test_missing_file_keeps_the_os_error_as_cause(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.geojson"
    with pytest.raises(ZonePackError, match="cannot read the file") as caught:
        load_pack(path)
    assert isinstance(caught.value.__cause__, FileNotFoundError)
    assert str(path) in str(caught.value)


def test_json_error_keeps_its_cause(tmp_path: Path) -> None:
    with pytest.raises(ZonePackError) as caught:
        check_pack(_write(tmp_path, "x.geojson", "{"))
    assert isinstance(caught.value.__cause__, json.JSONDecodeError)
