"""Station categories (ITU-R M.585) and what the engine does with each: distress beacons raise
``distress``, aids to navigation and base stations are not vessels, handhelds that move like
ships are invalid identities."""

from __future__ import annotations

import pytest

from models.alerts import Alert, Severity
from models.config import Config, DistressConfig, config_from_dict
from models.engine import Engine
from models.geo import KM_PER_NM
from models.monitor import Monitor
from models.records import PositionReport
from models.stations import DISTRESS, Station, is_vessel, station_category, station_form
from tests.factories import (
    HOUR,
    MINUTE,
    T0,
    by_time,
    move,
    of_type,
    position,
    run,
    validate_alert,
    voyage,
)
from zones.index import ZoneIndex

SEA = (14.0, -67.0)


@pytest.mark.parametrize(
    ("mmsi", "category"),
    [
        (366123456, Station.SHIP),  # United States
        (538004505, Station.SHIP),  # Marshall Islands
        (775999999, Station.SHIP),  # Venezuela
        (23200123, Station.GROUP),  # 023200123: a group of British ships
        (3669884, Station.COAST),  # 003669884: a US coast / base station
        (2320001, Station.COAST),  # 002320001: a British one
        (111232001, Station.SAR_AIRCRAFT),  # 111 232 001: a British SAR aircraft
        (823212345, Station.HANDHELD),  # 8 232 12345
        (872023009, Station.HANDHELD),  # Bolivia (in the demo sample)
        (982321234, Station.CRAFT),  # 98 232 1234: a tender of a British ship
        (992321234, Station.AID_TO_NAVIGATION),  # 99 232 1234
        (993160013, Station.AID_TO_NAVIGATION),  # Canada (in the demo sample)
        (970123456, Station.AIS_SART),  # manufacturer 12, unit 3456
        (972010001, Station.MOB),
        (974990123, Station.EPIRB),
        (979120001, Station.AMRD),
        (200000000, Station.INVALID),  # a ship's form, MID 200 allocated to no state
        (994000312, Station.INVALID),  # an AtoN's form, MID 400 allocated to no state
        (111112638, Station.INVALID),  # 111 then 112: no MID starts with 1
        (123456789, Station.INVALID),  # first digit 1 is no form
        (969955519, Station.INVALID),  # 96: no form
        (800000000, Station.INVALID),  # a handheld's form with MID 000
        (12345, Station.INVALID),  # 000012345
        (0, Station.INVALID),
        (1_000_000_000, Station.INVALID),  # ten digits (AIS carries 30 bits)
        (-1, Station.INVALID),
    ],
)
def test_station_category(mmsi: int, category: Station) -> None:
    assert station_category(mmsi) is category


def test_station_form_gives_the_mid_allocated_or_not() -> None:
    assert station_form(994000312) == (Station.AID_TO_NAVIGATION, 400)
    assert station_form(3669884) == (Station.COAST, 366)
    assert station_form(970123456) == (Station.AIS_SART, None)
    assert station_form(123456789) == (Station.INVALID, None)


def test_which_stations_are_vessels() -> None:
    vessels = {s for s in Station if is_vessel(s)}
    assert vessels == {
        Station.SHIP,
        Station.GROUP,
        Station.HANDHELD,
        Station.CRAFT,
        Station.INVALID,
    }
    assert {Station.AIS_SART, Station.MOB, Station.EPIRB} == DISTRESS


# -- distress ------------------------------------------------------------------------------------

SART = 970123456


def beacon(
    mmsi: int, start: float, minutes: int, status: int = 14, speed: float = 0.5
) -> list[PositionReport]:
    """A beacon drifting at ``speed`` knots, reporting every minute (navigational status 14:
    active; 15: under test)."""
    reports = []
    for i in range(minutes):
        lat, lon = move(*SEA, 45.0, speed * KM_PER_NM * i / 60.0)
        reports.append(
            PositionReport(mmsi, start + i * MINUTE, 1, lat, lon, speed, 45.0, None, status)
        )
    return reports


def company(hours: float) -> list[PositionReport]:
    """Another vessel, reporting every minute, that moves event time on."""
    return voyage(311000001, T0, 12.0, -69.0, hours=hours, interval_s=60, speed=8.0)


def test_an_ais_sart_is_one_critical_distress_episode() -> None:
    sart = beacon(SART, T0, 120)
    alerts = run(by_time(sart, company(4)))
    distress = of_type(alerts, "distress")
    assert len({a.alert_id for a in distress}) == 1
    statuses = [a.status.value for a in distress]
    # 120 reports: open, one update when it has drifted 1 km (0.5 kn: ~65 min), closed once
    # unheard for 30 minutes.
    assert statuses == ["open", "update", "closed"]
    opened, closed = distress[0], distress[-1]
    assert opened.severity is Severity.CRITICAL
    assert opened.score >= 85
    assert (opened.lat, opened.lon) == pytest.approx(SEA)
    assert opened.start == T0
    assert closed.end == sart[-1].timestamp
    assert closed.evidence["device"] == "AIS-SART"
    assert closed.evidence["reports"] == 120
    assert closed.evidence["drift_km"] == pytest.approx(0.5 * KM_PER_NM * 119 / 60, abs=0.01)
    assert "AIS-SART 970123456" in opened.explanation
    for alert in distress:
        validate_alert(alert.to_dict())
    # A beacon is not a vessel: no other alert from it, and it is counted as a station.
    assert {a.type.value for a in alerts if a.mmsi == SART} == {"distress"}


def test_a_beacon_under_test_raises_nothing() -> None:
    assert of_type(run(beacon(SART, T0, 30, status=15)), "distress") == []


def test_a_beacon_heard_again_after_its_silence_is_a_new_episode() -> None:
    first, again = beacon(SART, T0, 10), beacon(SART, T0 + HOUR, 10)
    distress = of_type(run(by_time(first, again, company(2))), "distress")
    assert [a.status.value for a in distress] == ["open", "closed", "open", "closed"]
    assert len({a.alert_id for a in distress}) == 2


def test_the_silence_that_closes_a_distress_is_configurable() -> None:
    config = Config(distress=DistressConfig(close_minutes=90.0))
    first, again = beacon(SART, T0, 10), beacon(SART, T0 + HOUR, 10)
    distress = of_type(run(by_time(first, again, company(3)), config), "distress")
    assert [a.status.value for a in distress] == ["open", "closed"]


@pytest.mark.parametrize(("mmsi", "device"), [(972010001, "MOB-AIS"), (974990123, "EPIRB-AIS")])
def test_mob_and_epirb_beacons_are_distress_too(mmsi: int, device: str) -> None:
    distress = of_type(run(beacon(mmsi, T0, 5)), "distress")
    assert [a.status.value for a in distress] == ["open"]
    assert distress[0].evidence["device"] == device


# -- stations that are not vessels -----------------------------------------------------------


ATON = 992321234


def monitor_of(reports: list[PositionReport]) -> tuple[Monitor, list[Alert]]:
    monitor = Monitor(Engine(Config(), ZoneIndex()))
    alerts = monitor.process(reports).alerts
    alerts.extend(monitor.finish().alerts)
    return monitor, alerts


def test_an_aid_to_navigation_sending_positions_is_not_a_vessel() -> None:
    """A buoy moored for a day, its position jittering, with a gap and a bad fix: nothing."""
    buoy = [
        position(ATON, T0 + i * 180, SEA[0] + 0.0001 * (i % 3), SEA[1], speed=0.0, msg_type=18)
        for i in range(480)
    ]
    del buoy[100:300]  # silent for 10 hours: no dark period either
    buoy[50] = position(ATON, buoy[50].timestamp, 20.0, -60.0, msg_type=18)  # one bad fix
    # A ship drifting 100 m from the buoy for 4 hours: no encounter with it.
    ship = voyage(311000001, T0, *move(*SEA, 90.0, 0.1), hours=4, interval_s=120, speed=0.05)
    monitor, alerts = monitor_of(by_time(buoy, ship))
    assert [a for a in alerts if a.mmsi == ATON] == []
    assert [a for a in alerts if a.type.value == "encounter"] == []  # a buoy meets no ship
    assert monitor.tracked() == 1
    assert monitor.stats.stations == {"aid_to_navigation": 1}


def test_a_base_station_and_a_sar_aircraft_are_not_vessels() -> None:
    base = [position(3669884, T0 + i * 10, *SEA, speed=0.0) for i in range(100)]
    # A SAR aircraft at 140 kn: no position jump, loitering or dark period.
    aircraft = voyage(111232001, T0, 13.0, -66.0, hours=2, interval_s=10, speed=140.0)
    monitor, alerts = monitor_of(by_time(base, aircraft))
    assert alerts == []
    assert monitor.tracked() == 0
    assert monitor.stats.stations == {"coast_station": 1, "sar_aircraft": 1}


def test_an_aid_to_navigation_towed_like_a_ship_is_an_invalid_identity() -> None:
    towed = voyage(ATON, T0, *SEA, hours=3, interval_s=60, speed=10.0)
    alerts = of_type(run(towed), "invalid_identity")
    assert len(alerts) == 1
    assert alerts[0].evidence["station"] == "aid_to_navigation"


def test_a_drifting_aid_to_navigation_is_not() -> None:
    adrift = voyage(ATON, T0, *SEA, hours=12, interval_s=180, speed=2.5)
    assert run(adrift) == []


# -- handhelds ---------------------------------------------------------------------------------

HANDHELD = 823212345


def test_a_handheld_moving_like_a_ship_for_hours_is_an_invalid_identity() -> None:
    track = voyage(HANDHELD, T0, *SEA, hours=4, interval_s=60, speed=12.0)
    monitor, alerts = monitor_of(track)
    invalid = of_type(alerts, "invalid_identity")
    assert len(invalid) == 1  # once, not once per hour
    alert = invalid[0]
    assert alert.start == T0
    assert alert.end == T0 + HOUR  # flagged once it had kept 12 kn for an hour
    assert alert.evidence["station"] == "handheld"
    assert alert.evidence["mean_speed_knots"] == pytest.approx(12.0, abs=0.1)
    assert "handheld VHF transceiver" in alert.explanation
    validate_alert(alert.to_dict())
    assert monitor.tracked() == 1  # a handheld rides in a craft: followed as a vessel


@pytest.mark.parametrize(
    "track",
    [
        voyage(HANDHELD, T0, *SEA, hours=6, interval_s=60, speed=3.0),  # rowing, drifting
        voyage(HANDHELD, T0, *SEA, hours=0.75, interval_s=60, speed=20.0),  # a short ride
    ],
    ids=["slow", "short"],
)
def test_a_handheld_in_a_small_boat_is_not(track: list[PositionReport]) -> None:
    assert of_type(run(track), "invalid_identity") == []


def test_a_false_speed_field_alone_does_not_make_a_station_a_ship() -> None:
    """A moored buoy whose speed field says 12 kn: its positions do not move."""
    buoy = [position(ATON, T0 + i * 60, *SEA, speed=12.0) for i in range(240)]
    assert run(buoy) == []


def test_the_ship_like_rule_is_configurable() -> None:
    config = config_from_dict({"stations": {"ship_like_knots": 2.0, "ship_like_hours": 2.0}})
    slow = voyage(HANDHELD, T0, *SEA, hours=3, interval_s=60, speed=3.0)
    assert len(of_type(run(slow, config), "invalid_identity")) == 1


def test_new_config_sections_are_validated() -> None:
    config = config_from_dict(
        {"identity_conflict": {"close_hours": 6.0}, "distress": {"close_minutes": 10.0}}
    )
    assert config.identity_conflict.close_hours == 6.0
    assert config.distress.close_minutes == 10.0
    with pytest.raises(ValueError, match="close_minutes"):
        config_from_dict({"distress": {"close_minutes": 0.0}})
    with pytest.raises(ValueError, match="max_tracks"):
        config_from_dict({"identity_conflict": {"max_tracks": 1}})
    assert Config().scoring.base["distress"] >= 85
