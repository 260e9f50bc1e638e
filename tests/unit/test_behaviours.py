"""Loitering, position jumps, zone entry/exit and port calls on planted tracks."""

from __future__ import annotations

import pytest

from models.geo import distance_km
from tests.factories import (
    HOUR,
    MINUTE,
    T0,
    move,
    of_type,
    position,
    run,
    validate_alert,
    voyage,
)
from tests.zone_factories import square_zone
from zones.model import ZoneKind

MMSI = 312000001

# Open sea north of Venezuela, far from any zone the tests do not plant.
SEA = (14.0, -67.0)


def drift(start: float, hours: float, speed: float = 0.5, course: float = 45.0) -> list:
    return voyage(MMSI, start, *SEA, hours=hours, interval_s=120, speed=speed, course=course)


class TestLoitering:
    def test_five_hours_drifting_opens_at_four_and_closes_when_it_leaves(self) -> None:
        slow = drift(T0, hours=5)
        last = slow[-1]
        fast = voyage(MMSI, last.timestamp + 120, last.lat, last.lon, hours=1, speed=14.0)
        alerts = of_type(run(slow + fast), "loitering")
        assert [a.status.value for a in alerts] == ["open", "closed"]
        opened, closed = alerts
        assert opened.alert_id == closed.alert_id
        assert opened.start == T0
        assert closed.end == last.timestamp
        assert closed.evidence["duration_hours"] == pytest.approx(5.0, abs=0.05)
        assert closed.evidence["mean_speed_knots"] == pytest.approx(0.5)
        assert closed.evidence["max_drift_km"] == pytest.approx(0.5 * 1.852 * 5, abs=0.05)
        # The open alert comes out once four hours have passed, not before.
        assert "at least 4.0 h" in opened.explanation

    def test_three_hours_is_not_loitering(self) -> None:
        assert of_type(run(drift(T0, hours=3)), "loitering") == []

    def test_transit_is_not_loitering(self) -> None:
        track = voyage(MMSI, T0, *SEA, hours=8, speed=12.0)
        assert of_type(run(track), "loitering") == []

    def test_moored_in_port_is_not_loitering(self) -> None:
        port = square_zone("port-1", ZoneKind.PORT, lon=SEA[1], lat=SEA[0], half_size_deg=0.1)
        assert of_type(run(drift(T0, hours=8), zones=[port]), "loitering") == []

    def test_drifting_far_is_not_loitering(self) -> None:
        # 1.9 kn for 6 h is 21 km from where it began: slow, but not staying in one place.
        assert of_type(run(drift(T0, hours=6, speed=1.9)), "loitering") == []


class TestPositionJump:
    def test_a_hundred_km_in_a_minute_is_one_jump(self) -> None:
        track = voyage(MMSI, T0, *SEA, hours=1, speed=12.0)
        last = track[-1]
        lat, lon = move(last.lat, last.lon, 0.0, 100.0)
        jumped = position(MMSI, last.timestamp + 60, lat, lon)
        alerts = of_type(run([*track, jumped]), "position_jump")
        assert len(alerts) == 1
        jump = alerts[0]
        assert jump.start == jump.end == jumped.timestamp
        assert jump.status.value == "closed"
        assert jump.evidence["distance_km"] == pytest.approx(100.0, abs=0.1)
        assert jump.evidence["implied_speed_knots"] == pytest.approx(100 / 1.852 * 60, rel=0.01)
        assert (jump.lat, jump.lon) == pytest.approx((lat, lon))

    def test_fast_but_possible_traffic_is_not_a_jump(self) -> None:
        track = voyage(MMSI, T0, *SEA, hours=3, interval_s=10, speed=35.0)
        assert of_type(run(track), "position_jump") == []

    def test_impossible_coordinates_are_reported(self) -> None:
        track = voyage(MMSI, T0, *SEA, hours=0.5)
        broken = position(MMSI, T0 + HOUR, 95.0, -67.0)
        broken = type(broken)(**{**_fields(broken), "impossible": True})
        alerts = of_type(run([*track, broken]), "position_jump")
        assert len(alerts) == 1
        assert alerts[0].evidence["impossible_coordinates"] is True
        assert alerts[0].evidence["reported_lat"] == 95.0


class TestZoneTransit:
    def test_crossing_a_restricted_zone_enters_then_exits(self) -> None:
        zone = square_zone("mil-1", ZoneKind.RESTRICTED, lon=-66.5, lat=14.0, half_size_deg=0.1)
        track = voyage(MMSI, T0, *SEA, hours=6, interval_s=60, speed=10.0, course=90.0)
        alerts = run(track, zones=[zone])
        entries, exits = of_type(alerts, "zone_entry"), of_type(alerts, "zone_exit")
        assert len(entries) == len(exits) == 1
        inside = [r for r in track if zone.geometry.contains(_point(r))]
        assert entries[0].start == inside[0].timestamp
        first_out = next(r for r in track if r.timestamp > inside[-1].timestamp)
        assert exits[0].start == first_out.timestamp
        assert entries[0].zone is not None
        assert entries[0].zone.id == "mil-1"
        assert entries[0].alert_id != exits[0].alert_id

    def test_zone_risk_raises_the_score(self) -> None:
        track = voyage(MMSI, T0, *SEA, hours=6, interval_s=60, speed=10.0, course=90.0)
        plain = square_zone("p-1", ZoneKind.PROTECTED, lon=-66.5, lat=14.0, half_size_deg=0.1)
        risky = square_zone(
            "p-1", ZoneKind.PROTECTED, lon=-66.5, lat=14.0, half_size_deg=0.1, risk=1.0
        )
        low = of_type(run(track, zones=[plain]), "zone_entry")[0]
        high = of_type(run(track, zones=[risky]), "zone_entry")[0]
        assert high.score > low.score
        assert "zone risk 1.0" in high.explanation

    def test_ports_and_eez_do_not_raise_entry_alerts(self) -> None:
        zones = [
            square_zone("eez-1", ZoneKind.EEZ, lon=-66.5, lat=14.0, half_size_deg=0.3),
            square_zone("port-1", ZoneKind.PORT, lon=-66.5, lat=14.0, half_size_deg=0.05),
        ]
        track = voyage(MMSI, T0, *SEA, hours=6, interval_s=60, speed=10.0, course=90.0)
        alerts = run(track, zones=zones)
        assert of_type(alerts, "zone_entry") == of_type(alerts, "zone_exit") == []


class TestPortCall:
    PORT = square_zone("port-sj", ZoneKind.PORT, lon=-66.10, lat=18.46, half_size_deg=0.03)

    def visit(self, stay_hours: float) -> list:
        approach = voyage(MMSI, T0, 18.46, -66.30, hours=1, interval_s=60, speed=10.0)
        last = approach[-1]
        berth = (18.46, -66.10)
        stay_start = last.timestamp + 60
        stay = [
            position(MMSI, stay_start + i * 180, *berth, speed=0.1)
            for i in range(int(stay_hours * HOUR / 180))
        ]
        leave_at = stay[-1].timestamp + 60
        leave = voyage(MMSI, leave_at, *berth, hours=1, interval_s=60, speed=10.0, course=270.0)
        return approach + stay + leave

    def test_stop_in_port_is_one_call_with_entry_and_departure(self) -> None:
        track = self.visit(stay_hours=6)
        alerts = of_type(run(track, zones=[self.PORT]), "port_call")
        assert [a.status.value for a in alerts] == ["open", "closed"]
        opened, closed = alerts
        first_inside = next(r for r in track if self.PORT.geometry.contains(_point(r)))
        assert opened.start == closed.start == first_inside.timestamp
        last_inside = [r for r in track if self.PORT.geometry.contains(_point(r))][-1]
        first_outside = next(r for r in track if r.timestamp > last_inside.timestamp)
        assert closed.end == first_outside.timestamp
        assert closed.zone is not None
        assert closed.zone.name == "port-sj"

    def test_passing_through_without_stopping_is_not_a_call(self) -> None:
        track = voyage(MMSI, T0, 18.46, -66.30, hours=3, interval_s=60, speed=10.0)
        assert of_type(run(track, zones=[self.PORT]), "port_call") == []

    def test_swinging_at_the_zone_edge_is_one_call(self) -> None:
        edge = -66.10 + 0.03
        records = []
        for i in range(120):
            lon = edge - 0.001 if i % 4 else edge + 0.001  # every fourth report just outside
            records.append(position(MMSI, T0 + i * 120, 18.46, lon, speed=0.2))
        alerts = of_type(run(records, zones=[self.PORT]), "port_call")
        assert [a.status.value for a in alerts] == ["open"]


def test_every_alert_matches_the_schema() -> None:
    zone = square_zone("mil-1", ZoneKind.RESTRICTED, lon=-66.5, lat=14.0, half_size_deg=0.1)
    track = voyage(MMSI, T0, *SEA, hours=6, interval_s=60, speed=10.0)
    last = track[-1]
    lat, lon = move(last.lat, last.lon, 0.0, 100.0)
    records = [*drift(T0 - 10 * HOUR, 5), *track, position(MMSI, last.timestamp + 60, lat, lon)]
    alerts = run(records, zones=[zone])
    assert {a.type.value for a in alerts} >= {"loitering", "zone_entry", "position_jump"}
    for alert in alerts:
        validate_alert(alert.to_dict())


def _point(report):  # type: ignore[no-untyped-def]
    from shapely import Point

    return Point(report.lon, report.lat)


def _fields(report) -> dict:  # type: ignore[no-untyped-def]
    return {name: getattr(report, name) for name in report.__slots__}


def test_distance_helper_is_consistent_with_move() -> None:
    lat, lon = move(14.0, -67.0, 33.0, 25.0)
    assert distance_km(14.0, -67.0, lat, lon) == pytest.approx(25.0, rel=1e-6)
    assert MINUTE == 60.0


def test_loitering_is_not_claimed_across_an_unobserved_gap() -> None:
    before = drift(T0, hours=2)
    after = drift(T0 + 10 * HOUR, hours=2)
    assert of_type(run(before + after), "loitering") == []


def test_a_single_bad_fix_is_one_jump_not_two() -> None:
    """One bad report 300 km off a normal track. (A sign-flipped longitude is a decoding
    artefact, not a jump: tests/unit/test_jump_series.py.)"""
    track = voyage(MMSI, T0, 9.8, -31.74, hours=2, interval_s=60, speed=10.0)
    bad = track[60]
    far = position(MMSI, bad.timestamp, *move(bad.lat, bad.lon, 0.0, 300.0))
    alerts = of_type(run([*track[:60], far, *track[61:]]), "position_jump")
    assert len(alerts) == 1
    assert alerts[0].lat == pytest.approx(far.lat)


def test_a_real_relocation_is_one_jump() -> None:
    first = voyage(MMSI, T0, *SEA, hours=1, interval_s=60, speed=10.0)
    lat, lon = move(*SEA, 0.0, 300.0)
    second = voyage(MMSI, T0 + 2 * HOUR, lat, lon, hours=1, interval_s=60, speed=10.0)
    assert len(of_type(run(first + second), "position_jump")) == 1
