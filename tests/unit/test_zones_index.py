"""ZoneIndex: batched matches equal a brute-force shapely check, boundaries included."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon

from tests.zone_factories import holed_zone, multi_square_zone, square, square_zone
from zones import Zone, ZoneError, ZoneIndex, ZoneKind


def brute_force(zones: list[Zone], lon: np.ndarray, lat: np.ndarray) -> list[tuple[int, ...]]:
    """The reference answer: test every point against every zone (boundary counts)."""
    result = []
    for x, y in zip(lon.tolist(), lat.tolist(), strict=True):
        point = shapely.Point(x, y)
        result.append(
            tuple(i for i, zone in enumerate(zones) if shapely.intersects(zone.geometry, point))
        )
    return result


def boundary_points(zones: list[Zone]) -> tuple[np.ndarray, np.ndarray]:
    """Every vertex of every zone, and the midpoint of every edge."""
    coords = [shapely.get_coordinates(zone.geometry.boundary) for zone in zones]
    vertices = np.concatenate(coords) if coords else np.empty((0, 2))
    mids = np.concatenate([(c[:-1] + c[1:]) / 2 for c in coords]) if coords else np.empty((0, 2))
    points = np.concatenate([vertices, mids])
    return points[:, 0], points[:, 1]


# Squares with dyadic centres and sizes, so edges, vertices and midpoints are exact floats.
dyadic = st.integers(-64, 64).map(lambda n: n / 8)
half_sizes = st.integers(1, 32).map(lambda n: n / 16)


@st.composite
def zone_sets(draw: st.DrawFn) -> list[Zone]:
    count = draw(st.integers(0, 8))
    zones: list[Zone] = []
    for i in range(count):
        lon, lat, half = draw(dyadic), draw(dyadic), draw(half_sizes)
        shape = draw(st.sampled_from(["square", "multi", "holed"]))
        if shape == "multi":  # two disjoint parts
            zones.append(multi_square_zone(f"z{i}", [(lon, lat), (lon + 4 * half, lat)], half))
        elif shape == "holed":
            zones.append(holed_zone(f"z{i}", lon, lat))
        else:
            zones.append(square_zone(f"z{i}", "restricted", lon, lat, half))
    return zones


coordinates = st.floats(-10, 10, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(
    zones=zone_sets(), xs=st.lists(coordinates, max_size=60), ys=st.lists(coordinates, max_size=60)
)
def test_match_equals_brute_force(zones: list[Zone], xs: list[float], ys: list[float]) -> None:
    n = min(len(xs), len(ys))
    edge_lon, edge_lat = boundary_points(zones)
    lon = np.concatenate([np.array(xs[:n]), edge_lon])
    lat = np.concatenate([np.array(ys[:n]), edge_lat])
    index = ZoneIndex(zones)
    expected = brute_force(zones, lon, lat)
    assert index.match(lon, lat) == expected
    for i in range(len(lon)):
        assert index.zones_at(lon[i], lat[i]) == tuple(zones[j] for j in expected[i])


def test_boundaries_are_inside() -> None:
    index = ZoneIndex([square_zone("a", lon=0, lat=0, half_size_deg=1)])
    on_edge, on_vertex, just_out = (1.0, 0.0), (1.0, 1.0), (math.nextafter(1.0, 2.0), 0.0)
    lon, lat = zip(on_edge, on_vertex, just_out, strict=True)
    assert index.match(np.array(lon), np.array(lat)) == [(0,), (0,), ()]


def test_adjacent_zones_share_their_edge() -> None:
    west = square_zone("west", lon=-1, lat=0, half_size_deg=1)
    east = square_zone("east", lon=1, lat=0, half_size_deg=1)
    index = ZoneIndex([west, east])
    assert index.match([-1.5, 0.0, 1.5], [0.0, 0.5, 0.0]) == [(0,), (0, 1), (1,)]


def test_overlapping_zones_are_all_returned_in_index_order() -> None:
    zones = [square_zone(f"z{i}", lon=0.1 * i, half_size_deg=1) for i in range(5)]
    index = ZoneIndex(reversed(zones))
    assert index.match([0.2], [0.0]) == [(0, 1, 2, 3, 4)]
    assert [zone.id for zone in index.zones_at(0.2, 0.0)] == ["z4", "z3", "z2", "z1", "z0"]


def test_holes_and_multipolygon_parts() -> None:
    holed = holed_zone("holed", lon=0, lat=0)
    islands = multi_square_zone("islands", [(10, 0), (14, 0)], 1.0)
    assert isinstance(islands.geometry, MultiPolygon)
    index = ZoneIndex([holed, islands])
    lon = [0.0, 0.75, 0.5, 10.0, 12.0, 14.0]
    lat = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    # in the hole, in the ring, on the hole's edge, part 1, between parts, part 2
    assert index.match(lon, lat) == [(), (0,), (0,), (1,), (), (1,)]


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(math.nan, 0.0), (0.0, math.nan), (math.inf, 0.0), (-math.inf, math.inf), (181.0, 91.0)],
)
def test_unusable_coordinates_match_nothing(lon: float, lat: float) -> None:
    world = Zone("w", "World", ZoneKind.EEZ, shapely.box(-180, -90, 180, 90))
    index = ZoneIndex([world])
    assert index.match([lon, 0.0], [lat, 0.0]) == [(), (0,)]
    assert index.zones_at(lon, lat) == ()


def test_world_sized_and_tiny_zones_together() -> None:
    """A zone much larger than a grid cell next to zones much smaller than one."""
    zones = [
        Zone("w", "World", ZoneKind.HIGH_RISK, shapely.box(-180, -80, 180, 80)),
        square_zone("tiny", lon=-66.1, lat=18.4, half_size_deg=1e-4),
        square_zone("corner", lon=179.9, lat=79.9, half_size_deg=0.1),
    ]
    index = ZoneIndex(zones)
    rng = np.random.default_rng(3)
    lon = np.concatenate([rng.uniform(-180, 180, 2000), rng.uniform(-66.1002, -66.0998, 200)])
    lat = np.concatenate([rng.uniform(-90, 90, 2000), rng.uniform(18.3998, 18.4002, 200)])
    edge_lon, edge_lat = boundary_points(zones)
    lon, lat = np.concatenate([lon, edge_lon]), np.concatenate([lat, edge_lat])
    assert index.match(lon, lat) == brute_force(zones, lon, lat)


def test_pairs_are_sorted_by_point_then_zone() -> None:
    zones = [square_zone(f"z{i}", lon=0.0, half_size_deg=1 + i) for i in range(3)]
    point_at, zone_at = ZoneIndex(zones).pairs([2.5, 0.0, 50.0, 1.5], [0.0, 0.0, 0.0, 0.0])
    assert list(zip(point_at.tolist(), zone_at.tolist(), strict=True)) == [
        (0, 2),
        (1, 0),
        (1, 1),
        (1, 2),
        (3, 1),
        (3, 2),
    ]


def test_empty_index_and_empty_batches() -> None:
    empty = ZoneIndex()
    assert len(empty) == 0
    assert empty.match([1.0, 2.0], [3.0, 4.0]) == [(), ()]
    assert empty.zones_at(1.0, 3.0) == ()
    assert ZoneIndex([square_zone("a")]).match(np.array([]), np.array([])) == []


def test_points_must_be_matching_1d_arrays() -> None:
    index = ZoneIndex([square_zone("a")])
    with pytest.raises(ValueError, match="1-d arrays of one length"):
        index.match([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="1-d arrays"):
        index.match([[1.0]], [[1.0]])


def test_duplicate_ids_name_both_zones() -> None:
    first = square_zone("dup", name="Old Harbour", source="pack A")
    second = square_zone("dup", name="New Harbour", source="pack B")
    with pytest.raises(ZoneError, match=r"'dup'.*'Old Harbour' \(source: pack A\).*'New Harbour'"):
        ZoneIndex([first, second])


def test_index_keeps_zone_order_and_geometry_identity() -> None:
    zones = [square_zone("b"), square_zone("a", lon=5)]
    index = ZoneIndex(zones)
    assert index.zones == tuple(zones)
    assert index.zones[0].geometry is zones[0].geometry
    assert repr(index) == "ZoneIndex(2 zones)"


def test_square_factory_geometry() -> None:
    assert square(1, 2, 0.5).bounds == (0.5, 1.5, 1.5, 2.5)
