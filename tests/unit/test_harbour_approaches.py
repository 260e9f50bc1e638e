"""A port's approaches: ships stopped off a port wait for a berth, a pilot or the tide; they are
not loitering. Planted harbours (a pack polygon, a circle of the world layer) and drifting
vessels at chosen distances from them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from models.config import Config, ConfigError, load_config
from models.geo import distance_km
from tests.factories import T0, move, of_type, run, voyage
from tests.zone_factories import square_zone
from zones.circles import CircleZone
from zones.harbours import HarbourApproaches
from zones.model import ZoneKind

MMSI = 312000001
#: Open sea north of Venezuela, far from any zone the tests do not plant.
SEA = (14.0, -67.0)


def drift_from(lat: float, lon: float, hours: float = 6.0) -> list:
    """A vessel drifting at 0.5 kn for ``hours`` from (lat, lon), reporting every 2 minutes."""
    return voyage(MMSI, T0, lat, lon, hours=hours, interval_s=120, speed=0.5, course=45.0)


def port_circle(lat: float, lon: float, radius_m: float = 3000.0) -> CircleZone:
    return CircleZone("wpi-1", "PLANTED PORT", ZoneKind.PORT, [(lon, lat)], radius_m)


class TestLoiteringOffAPort:
    def test_a_ship_drifting_in_a_ports_approaches_is_not_loitering(self) -> None:
        # 8 km beyond the edge of a 3 km port circle: outside the port, in its approaches.
        start = move(*SEA, 225.0, 3.0 + 8.0)
        alerts = run(drift_from(*start), zones=[port_circle(*SEA)])
        assert of_type(alerts, "loitering") == []

    def test_beyond_the_approaches_it_is_loitering_and_says_so(self) -> None:
        start = move(*SEA, 225.0, 3.0 + 12.0)
        loitering = of_type(run(drift_from(*start), zones=[port_circle(*SEA)]), "loitering")
        assert [a.status.value for a in loitering] == ["open", "closed"]
        where = "outside any port or anchorage and its approaches (10 km)"
        assert where in loitering[0].explanation

    def test_the_approaches_of_a_pack_polygon_count_from_its_edge(self) -> None:
        # A square port 0.1° (11 km) either side of SEA; the drift begins 6 km south of its
        # southern edge and drifts away from it (course 225).
        port = square_zone("port-1", ZoneKind.PORT, lon=SEA[1], lat=SEA[0], half_size_deg=0.1)
        start = move(SEA[0] - 0.1, SEA[1], 180.0, 6.0)
        assert of_type(run(drift_from(*start), zones=[port]), "loitering") == []
        far = move(SEA[0] - 0.1, SEA[1], 180.0, 14.0)
        assert len(of_type(run(drift_from(*far), zones=[port]), "loitering")) == 2

    def test_an_approach_radius_of_zero_leaves_only_the_harbour(self) -> None:
        config = Config(loitering=replace(Config().loitering, approach_km=0.0))
        start = move(*SEA, 225.0, 3.0 + 8.0)
        alerts = run(drift_from(*start), config=config, zones=[port_circle(*SEA)])
        loitering = of_type(alerts, "loitering")
        assert len(loitering) == 2
        assert "outside any port or anchorage," not in loitering[0].explanation
        assert loitering[0].explanation.count("approaches") == 0

    def test_waiting_off_a_port_does_not_open_later_in_the_same_stay(self) -> None:
        # 10 h off the port: the episode is decided once (at 4 h) and followed to its end.
        start = move(*SEA, 225.0, 3.0 + 8.0)
        alerts = run(drift_from(*start, hours=10.0), zones=[port_circle(*SEA)])
        assert of_type(alerts, "loitering") == []

    def test_other_zone_kinds_have_no_approaches(self) -> None:
        restricted = square_zone(
            "r-1", ZoneKind.RESTRICTED, lon=SEA[1], lat=SEA[0], half_size_deg=0.01
        )
        start = move(*SEA, 225.0, 5.0)
        loitering = of_type(run(drift_from(*start), zones=[restricted]), "loitering")
        assert len(loitering) == 2


class TestHarbourApproaches:
    def test_the_nearest_edge_wins_and_inside_is_zero(self) -> None:
        small = port_circle(0.0, 0.0, 1000.0)
        big = CircleZone("gfw-1", "BIG", ZoneKind.ANCHORAGE, [(0.2, 0.0)], 12000.0)
        approaches = HarbourApproaches([small, big], km=10.0)
        # 10 km east of the small port's centre: 9 km from its edge; the big one's centre is
        # 22.24 km east of it, so its edge is 22.24 - 10 - 12 = 0.24 km away.
        here = move(0.0, 0.0, 90.0, 10.0)
        zone, km = approaches.nearest(*here) or (None, None)
        assert zone is big
        assert km == pytest.approx(22.24 - 10.0 - 12.0, abs=0.05)
        inside = approaches.nearest(0.0, 0.0)
        assert inside is not None
        assert inside[0] is small
        assert inside[1] == 0.0

    def test_none_beyond_the_radius_and_none_without_harbours(self) -> None:
        approaches = HarbourApproaches([port_circle(0.0, 0.0, 1000.0)], km=5.0)
        assert approaches.nearest(*move(0.0, 0.0, 0.0, 6.5)) is None
        assert approaches.nearest(*move(0.0, 0.0, 0.0, 5.5)) is not None
        assert HarbourApproaches([], km=10.0).nearest(0.0, 0.0) is None
        assert not HarbourApproaches([port_circle(0.0, 0.0)], km=0.0)

    def test_across_the_antimeridian(self) -> None:
        fiji = port_circle(-16.5, 179.99, 3000.0)
        approaches = HarbourApproaches([fiji], km=10.0)
        found = approaches.nearest(-16.5, -179.95)  # 0.06° (6.4 km) east, across 180°
        assert found is not None
        assert found[1] == pytest.approx(distance_km(-16.5, 179.99, -16.5, -179.95) - 3.0)

    def test_ties_go_to_the_lowest_id_whatever_the_order(self) -> None:
        one = CircleZone("b", "B", ZoneKind.PORT, [(0.0, 0.1)], 3000.0)
        two = CircleZone("a", "A", ZoneKind.PORT, [(0.0, -0.1)], 3000.0)
        for zones in ([one, two], [two, one]):
            found = HarbourApproaches(zones, km=10.0).nearest(0.0, 0.0)
            assert found is not None
            assert found[0].id == "a"


def test_approach_km_is_a_strict_setting(tmp_path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[loitering]\napproach_km = 4\n")
    config = load_config(path)
    assert config.loitering.approach_km == 4.0
    assert type(config.loitering.approach_km) is float
    path.write_text("[loitering]\napproach_km = -1\n")
    with pytest.raises(ConfigError, match=r"loitering\.approach_km"):
        load_config(path)
