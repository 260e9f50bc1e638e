"""Destination changes (issue 17): planted voyages with the declared destination edited at sea
and, as the negative control, during a port call."""

from __future__ import annotations

from dataclasses import replace

import pytest

from models.detectors.destination_change import normalised
from models.records import StaticReport
from tests.factories import HOUR, MINUTE, T0, of_type, position, run, static, voyage
from tests.zone_factories import square_zone
from zones.model import ZoneKind

MMSI = 367001234
PORT = square_zone("port-sj", ZoneKind.PORT, lon=-66.10, lat=18.46, half_size_deg=0.03)


def declared(t: float, destination: str) -> StaticReport:
    return replace(static(MMSI, t), destination=destination)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("PA BLB", "PABLB"),
        ("  pa-blb@@@", "PABLB"),
        ("PABLB", "PABLB"),
        ("SAN JUAN  PR ", "SAN JUAN PR"),
        ("@@@@", None),
        ("", None),
    ],
)
def test_destinations_are_normalised(raw: str, expected: str | None) -> None:
    assert normalised(raw) == expected


def test_a_destination_changed_at_sea_is_raised_with_old_and_new() -> None:
    track = voyage(MMSI, T0, 14.0, -66.5, hours=4, interval_s=120, speed=12.0)
    changed_at = T0 + 2 * HOUR + 30
    records = sorted(
        [*track, declared(T0 + 30, "PA BLB"), declared(changed_at, "NLRTM")],
        key=lambda r: r.timestamp,
    )
    alerts = of_type(run(records), "destination_change")
    assert len(alerts) == 1
    (alert,) = alerts
    assert alert.start == alert.end == changed_at
    assert alert.evidence["old"] == "PABLB"
    assert alert.evidence["new"] == "NLRTM"
    assert alert.evidence["hours_since_old"] == pytest.approx(2.0)


def test_retyping_the_same_port_is_not_a_change() -> None:
    track = voyage(MMSI, T0, 14.0, -66.5, hours=2, interval_s=120, speed=12.0)
    records = sorted(
        [*track, declared(T0 + 30, "PA BLB"), declared(T0 + HOUR + 30, "pablb")],
        key=lambda r: r.timestamp,
    )
    assert of_type(run(records), "destination_change") == []


def test_a_destination_edited_during_a_port_call_is_not_raised() -> None:
    approach = voyage(MMSI, T0, 18.46, -66.30, hours=1, interval_s=60, speed=10.0)
    stay_start = approach[-1].timestamp + 60
    stay = [position(MMSI, stay_start + i * 180, 18.46, -66.10, speed=0.1) for i in range(80)]
    leave_at = stay[-1].timestamp + 60
    leave = voyage(MMSI, leave_at, 18.46, -66.10, hours=2, interval_s=60, speed=10.0, course=270.0)
    edits = [
        declared(T0 + 30, "SAN JUAN"),
        declared(stay_start + 2 * HOUR, "PA BLB"),  # at the berth
        declared(leave_at + 5 * MINUTE, "PA BLB"),  # leaving, same value
    ]
    records = sorted([*approach, *stay, *leave, *edits], key=lambda r: r.timestamp)
    assert of_type(run(records, zones=[PORT]), "destination_change") == []
    # the same edit after the call has ended (two hours out) is raised
    late = sorted(
        [*approach, *stay, *leave, edits[0], declared(leave_at + 1.5 * HOUR, "PA BLB")],
        key=lambda r: r.timestamp,
    )
    (alert,) = of_type(run(late, zones=[PORT]), "destination_change")
    assert (alert.evidence["old"], alert.evidence["new"]) == ("SAN JUAN", "PABLB")
