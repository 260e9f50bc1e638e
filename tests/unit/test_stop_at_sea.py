"""Stops at sea (issue 17): planted merchant voyages that stop for a short while and go on, with
the negative controls — a ship slowing for a pilot off a port, a stop too short, a ship that
never goes on, a silence during the stop, a fishing vessel, a stop in a learned anchorage."""

from __future__ import annotations

from dataclasses import replace

import pytest

from models.alerts import Alert
from models.config import Config, ConfigError, StopAtSeaConfig
from models.geo import KM_PER_NM
from models.records import PositionReport, StaticReport
from tests.anchorage_scenes import CARGO, FISHING, OFFSHORE, ROADSTEAD, anchorage_then, identity
from tests.factories import HOUR, MINUTE, T0, Leg, move, of_type, run, validate_alert
from tests.factories import legs as sail
from tests.zone_factories import square_zone
from zones.model import ZoneKind

MMSI = 367005555


def legs(
    mmsi: int,
    start: float,
    where: tuple[float, float],
    plan: list[Leg],
    ship_type: int | None = CARGO,
) -> list[PositionReport | StaticReport]:
    """A vessel sailing ``plan`` (``tests.factories.legs``) after a static report declaring its
    ship type."""
    declared = [] if ship_type is None else [identity(mmsi, start - 60, ship_type)]
    return [*declared, *sail(mmsi, start, where, plan)]


def stops(records: list[PositionReport | StaticReport], **kwargs: object) -> list[Alert]:
    return of_type(run(records, **kwargs), "stop_at_sea")  # type: ignore[arg-type]


#: Under way for an hour, stopped at 0.4 kn for 40 minutes, under way again.
STOP = [(60, 12.0), (40, 0.4), (60, 12.0)]


def test_a_cargo_ship_stopping_at_sea_and_going_on_is_raised_once() -> None:
    records = legs(MMSI, T0, OFFSHORE, STOP)
    (alert,) = stops(records)
    assert alert.status.value == "closed"
    assert alert.start == T0 + 60 * MINUTE
    assert alert.end == T0 + 99 * MINUTE  # the last slow report
    evidence = alert.evidence
    assert evidence["duration_minutes"] == pytest.approx(39.0)
    assert evidence["min_speed_knots"] == pytest.approx(0.4)
    assert evidence["speed_before_knots"] == evidence["speed_after_knots"] == 12.0
    assert evidence["reports"] == 40
    assert evidence["shore_km"] == pytest.approx(111, abs=8)  # about 60 nm south of Puerto Rico
    assert evidence["corridor_km"] is None  # no corridors planted
    assert "Stopped at sea for 39 min" in alert.explanation
    assert "from the coast" in alert.explanation
    validate_alert(alert.to_dict())


def test_the_distance_to_the_nearest_shipping_lane_is_given() -> None:
    lane = square_zone(
        "lane-test", ZoneKind.CORRIDOR, lon=OFFSHORE[1] + 0.5, lat=OFFSHORE[0], half_size_deg=0.1
    )
    (alert,) = stops(legs(MMSI, T0, OFFSHORE, STOP), zones=[lane])
    # the stop began about 12 nm (1 h at 12 kn) east of OFFSHORE, the lane's edge 0.4° east
    assert alert.evidence["corridor_km"] == pytest.approx(20.0, abs=2.0)
    assert "nm from a shipping lane" in alert.explanation


@pytest.mark.parametrize(
    ("plan", "why"),
    [
        ([(60, 12.0), (15, 0.4), (60, 12.0)], "a stop shorter than 20 minutes"),
        ([(60, 12.0), (40, 0.4)], "a ship that never goes on"),
        ([(60, 12.0), (40, 0.4), (60, 5.0)], "a ship that goes on slowly"),
        ([(60, 2.0), (40, 0.4), (60, 12.0)], "a ship that was not under way before"),
    ],
)
def test_what_is_not_a_stop_that_went_on(plan: list[Leg], why: str) -> None:
    assert stops(legs(MMSI, T0, OFFSHORE, plan)) == [], why


def test_only_merchant_vessels_are_followed() -> None:
    assert stops(legs(MMSI, T0, OFFSHORE, STOP, ship_type=FISHING)) == []
    assert stops(legs(MMSI, T0, OFFSHORE, STOP, ship_type=None)) == []  # type never declared
    tanker = stops(legs(MMSI, T0, OFFSHORE, STOP, ship_type=85))
    assert len(tanker) == 1


def test_a_silence_during_the_stop_is_not_claimed() -> None:
    records = legs(MMSI, T0, OFFSHORE, STOP)
    stop_middle = T0 + 70 * MINUTE
    gapped = [r for r in records if not stop_middle <= (r.timestamp or 0) < stop_middle + 35 * 60]
    assert stops(gapped) == []


def test_a_ship_slowing_for_a_pilot_off_a_port_is_not_raised() -> None:
    # the stop begins 12 nm (22 km) east of the start; a port planted 8 km beyond it
    stop_at = move(*OFFSHORE, 90.0, 12.0 * KM_PER_NM)
    port_lat, port_lon = move(*stop_at, 90.0, 8.0 + 3.3)  # its edge ~8 km from the stop
    port = square_zone("port-x", ZoneKind.PORT, lon=port_lon, lat=port_lat, half_size_deg=0.03)
    records = legs(MMSI, T0, OFFSHORE, STOP)
    assert stops(records, zones=[port]) == []
    # the same port 40 km away: a stop at sea
    far_lat, far_lon = move(*stop_at, 90.0, 40.0 + 3.3)
    far = square_zone("port-x", ZoneKind.PORT, lon=far_lon, lat=far_lat, half_size_deg=0.03)
    assert len(stops(records, zones=[far])) == 1
    # and with the approaches configured away, the near port's pilot stop is raised too
    config = replace(Config(), stop_at_sea=StopAtSeaConfig(approach_km=0.0))
    assert len(stops(records, zones=[port], config=config)) == 1


def test_a_stop_inside_a_harbour_is_a_port_call_not_a_stop_at_sea() -> None:
    stop_at = move(*OFFSHORE, 90.0, 12.0 * KM_PER_NM + 1.0)
    port = square_zone("port-y", ZoneKind.PORT, lon=stop_at[1], lat=stop_at[0], half_size_deg=0.05)
    assert stops(legs(MMSI, T0, OFFSHORE, STOP), zones=[port]) == []


def test_a_stop_in_a_learned_anchorage_is_dropped() -> None:
    # arrive at the roadstead off Ponce a day after twelve ships anchored there, stop, go on
    approach = move(*ROADSTEAD, 270.0, 12.0 * KM_PER_NM)
    visit = legs(MMSI, T0 + 24 * HOUR, approach, STOP)
    assert stops(anchorage_then(visit)) == []
    alone = stops(visit)
    assert len(alone) == 1  # without the anchored ships, the same stop is raised


def test_the_thresholds_are_configurable_and_checked() -> None:
    config = replace(Config(), stop_at_sea=StopAtSeaConfig(min_minutes=10.0))
    short = legs(MMSI, T0, OFFSHORE, [(60, 12.0), (15, 0.4), (60, 12.0)])
    assert len(stops(short, config=config)) == 1
    with pytest.raises(ConfigError, match="stop_knots"):
        StopAtSeaConfig(stop_knots=9.0)
    with pytest.raises(ConfigError, match="first_ship_type"):
        StopAtSeaConfig(first_ship_type=90)
