"""An encounter is in a partner's area when either vessel's position is: the encounter's
evidence carries the other vessel's position (``other_lat``, ``other_lon``) at the start, and a
policy area holding only that vessel takes the alert."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from models.geo import distance_km
from models.sharing import load_policy
from tests.factories import by_time, move, run, validate_alert
from tests.unit.test_encounter import HIGH, LOW, SEA, encounters, meeting
from tests.unit.test_sharing_policy import policy_file, write_area


def square(lat: float, lon: float, half: float) -> list[list[float]]:
    return [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]


def test_an_area_holding_only_the_other_vessel_gets_the_encounter(tmp_path: Path) -> None:
    low, high = meeting(hours=4.0, apart_km=0.4)
    found = encounters(run(by_time(low, high)))
    assert found
    high_start = move(*SEA, 0.0, 0.4)  # where HIGH (the other vessel) began
    for alert in found:
        validate_alert(alert.to_dict())
        assert (alert.mmsi, alert.other_mmsi) == (LOW, HIGH)
        other = (alert.evidence["other_lat"], alert.evidence["other_lon"])
        assert isinstance(other[0], float)
        assert isinstance(other[1], float)
        assert distance_km(*other, *high_start) < 0.05
        assert alert.lat is not None
        assert alert.lon is not None
        assert distance_km(alert.lat, alert.lon, *other) > 0.15  # the alert's point is midway

    # About 110 m square around HIGH's position: neither LOW nor the midpoint is inside.
    write_area(tmp_path / "high.geojson", square(*high_start, 0.0005))
    policy = policy_file(tmp_path, "[partners.near-high]\narea = ['high.geojson']\n")
    (partner,) = load_policy(policy).partners
    assert all(partner.accepts(alert) for alert in found)
    # Without the other vessel's position the same alert is outside the area.
    bare = replace(found[0], evidence={**found[0].evidence, "other_lat": None, "other_lon": None})
    assert not partner.accepts(bare)
