"""Encounters on planted pairs: two vessels meeting slowly at sea, and the look-alikes that are
not encounters (moored side by side in port, passing each other under way)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.alerts import Alert, VesselInfo
from models.config import Config, ConfigError, EncounterConfig
from models.encounter import Encounters, Mover, cells_of
from models.geo import distance_km
from models.records import PositionReport
from tests.factories import (
    HOUR,
    MINUTE,
    T0,
    by_time,
    move,
    of_type,
    run,
    static,
    validate_alert,
    voyage,
)
from tests.zone_factories import square_zone
from zones.model import ZoneKind

LOW, HIGH = 311000001, 538000002  # MMSIs (Bahamas, Marshall Islands)
SEA = (16.0, -75.0)  # the Caribbean between Jamaica and Colombia, no zone planted


def at(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def meeting(
    hours: float = 4.0,
    apart_km: float = 0.2,
    speed: float = 0.3,
    where: tuple[float, float] = SEA,
    high_first: bool = False,
) -> tuple[list[PositionReport], list[PositionReport]]:
    """Two vessels drifting side by side ``apart_km`` apart for ``hours``: LOW every 3 min,
    HIGH every 2 min starting 40 s later (reports never at the same instants)."""
    other = move(*where, 0.0, apart_km)
    low_start, high_start = (T0 + 40, T0) if high_first else (T0, T0 + 40)
    low = voyage(LOW, low_start, *where, hours, interval_s=180, speed=speed, course=90)
    high = voyage(HIGH, high_start, *other, hours, interval_s=120, speed=speed, course=90)
    return low, high


def carry_on(
    track: list[PositionReport], hours: float, speed: float, interval_s: float, course: float
) -> list[PositionReport]:
    """The same vessel going on from its last report at ``speed`` knots on ``course``."""
    last = track[-1]
    assert last.timestamp is not None
    assert last.lat is not None
    assert last.lon is not None
    start = last.timestamp + interval_s
    return voyage(last.mmsi, start, last.lat, last.lon, hours, interval_s, speed, course)


def encounters(alerts: list[Alert]) -> list[Alert]:
    return of_type(alerts, "encounter")


def test_an_encounter_at_sea_is_found_with_the_right_pair_and_times() -> None:
    low, high = meeting(hours=4.0)
    # After four hours HIGH sails off at 12 kn; LOW drifts on alone.
    alerts = run(by_time(low, high, carry_on(high, 2, 12.0, 60, 0), carry_on(low, 2, 0.3, 180, 90)))
    found = encounters(alerts)
    assert [a.status.value for a in found] == ["open", "closed"]
    assert len({a.alert_id for a in found}) == 1
    opened, closed = found
    assert (closed.mmsi, closed.other_mmsi) == (LOW, HIGH)
    # It starts with the first comparison and ends with HIGH's last slow report (or LOW's
    # reports compared with it within the 10 min tolerance).
    assert T0 <= closed.start <= T0 + 3 * MINUTE
    last_slow = high[-1].timestamp
    assert last_slow is not None
    assert closed.end is not None
    assert last_slow <= closed.end <= last_slow + 10 * MINUTE
    assert opened.end is None
    assert opened.evidence["duration_hours"] >= 2.0
    assert closed.evidence["duration_hours"] == pytest.approx(4.05, abs=0.15)
    assert closed.evidence["min_distance_m"] == pytest.approx(200, abs=5)
    assert closed.evidence["median_distance_m"] == pytest.approx(200, abs=5)
    assert closed.lat is not None
    assert closed.lon is not None
    assert distance_km(closed.lat, closed.lon, *SEA) < 0.5
    for alert in found:
        validate_alert(alert.to_dict())
    assert "Encounter with MMSI 538000002" in closed.explanation


def test_the_alert_names_the_other_vessel_and_is_the_same_whichever_reported_first() -> None:
    low, high = meeting(hours=3.0)
    names = [static(LOW, T0, "LOW ONE"), static(HIGH, T0 + 1, "HIGH TWO")]
    first = encounters(run(by_time(names, low, high)))
    assert first
    assert first[0].vessel.name == "LOW ONE"
    assert first[0].evidence["other_name"] == "HIGH TWO"
    assert "Encounter with HIGH TWO (MMSI 538000002)" in first[0].explanation
    # The same reports arriving in another order, in other batches: the same alerts.
    reversed_arrival = by_time(names, high, low)
    again = encounters(run(reversed_arrival, batch=7))
    assert [a.to_dict() for a in again] == [a.to_dict() for a in first]


def test_two_ships_moored_side_by_side_in_a_port_are_not_an_encounter() -> None:
    low, high = meeting(hours=6.0, apart_km=0.03, speed=0.0)
    port = square_zone("port-test", ZoneKind.PORT, lon=SEA[1], lat=SEA[0], half_size_deg=0.05)
    assert not encounters(run(by_time(low, high), zones=[port]))
    # The same two ships outside the port: an encounter (so the port is what suppresses it).
    assert encounters(run(by_time(low, high)))
    anchorage = square_zone("anch", ZoneKind.ANCHORAGE, lon=SEA[1], lat=SEA[0], half_size_deg=0.05)
    assert not encounters(run(by_time(low, high), zones=[anchorage]))


def test_two_ships_passing_each_other_at_12_knots_are_not_an_encounter() -> None:
    west = move(*SEA, 270.0, 20.0)
    east = move(*move(*SEA, 0.0, 0.1), 90.0, 20.0)
    eastbound = voyage(LOW, T0, *west, hours=2.0, interval_s=10, speed=12, course=90)
    westbound = voyage(HIGH, T0 + 5, *east, hours=2.0, interval_s=10, speed=12, course=270)
    assert not encounters(run(by_time(eastbound, westbound)))
    # Nor two ships in convoy, 200 m apart for four hours, under way.
    low, high = meeting(hours=4.0, speed=12.0)
    assert not encounters(run(by_time(low, high)))


def test_slow_ships_too_far_apart_or_together_too_briefly_are_not_an_encounter() -> None:
    assert not encounters(run(by_time(*meeting(hours=4.0, apart_km=1.0))))
    assert not encounters(run(by_time(*meeting(hours=1.5))))
    assert encounters(run(by_time(*meeting(hours=2.5))))


def test_a_pair_on_a_cell_edge_is_found_once() -> None:
    edge = (17.0 - 0.0005, -75.0 + 0.0003)  # the lower vessel just south of a cell row edge
    config = Config()
    assert len(cells_of(*edge, config.encounter)) > 1
    found = encounters(run(by_time(*meeting(hours=3.0, where=edge))))
    assert [a.status.value for a in found] == ["open"]
    # Each bucket of the pair is compared in one cell only, though both vessels' movers went
    # to several.
    stage = Encounters(config)
    stage.feed(
        Mover(r.mmsi, r.timestamp or 0.0, r.lat or 0.0, r.lon or 0.0, 0.3, VesselInfo())
        for r in by_time(*meeting(hours=3.0, where=edge))
    )
    buckets = [(b.pair, b.bucket) for b in stage.cells.advance(T0 + 4 * HOUR)]
    assert len(buckets) >= 17
    assert len(buckets) == len(set(buckets))
    assert found[0].to_dict()["start"] == at(found[0].start)


def test_a_short_silence_does_not_split_an_episode_but_a_long_one_does() -> None:
    low, high = meeting(hours=7.0)

    def silent(track: list[PositionReport], minutes: float) -> list[PositionReport]:
        lo, hi = T0 + 3 * HOUR, T0 + 3 * HOUR + minutes * MINUTE
        return [r for r in track if not lo <= (r.timestamp or 0.0) < hi]

    short = encounters(run(by_time(silent(low, 40), silent(high, 40))))
    assert len({a.alert_id for a in short}) == 1
    long = encounters(run(by_time(silent(low, 90), silent(high, 90))))
    assert len({a.alert_id for a in long}) == 2
    first, second = sorted({(a.start, a.alert_id) for a in long})
    assert second[0] - first[0] > 3 * HOUR


def test_a_history_of_going_dark_raises_the_encounter_score() -> None:
    plain = encounters(run(by_time(*meeting(hours=3.0))))
    low, high = meeting(hours=3.0)
    # LOW reported regularly for a day before, then went dark for 12 h before the meeting.
    before = voyage(LOW, T0 - 36 * HOUR, *move(*SEA, 180.0, 2.0), 24, interval_s=300, speed=0.1)
    dark = encounters(run(by_time(before, low, high)))
    assert plain
    assert dark
    assert dark[0].score > plain[0].score
    assert "dark period" in dark[0].explanation


def test_encounters_can_be_switched_off() -> None:
    config = Config(encounter=EncounterConfig(enabled=False))
    assert not encounters(run(by_time(*meeting(hours=4.0)), config=config))


def test_a_margin_too_small_for_the_distance_is_refused() -> None:
    with pytest.raises(ConfigError, match="margin_km"):
        EncounterConfig(max_distance_m=2000.0, margin_km=1.0)
