"""invalid_identity and identity_change on planted reports, and on the real shared-MMSI case."""

from __future__ import annotations

import pytest

from models.records import StaticReport
from tests.factories import HOUR, T0, of_type, position, run, validate_alert
from tests.functional.test_cli import SHARED, replay

SHIP = 311000001


def named(
    mmsi: int, t: float, name: str | None = None, callsign: str | None = None
) -> StaticReport:
    return StaticReport(mmsi, t, 5, name=name, callsign=callsign)


@pytest.mark.parametrize(
    ("mmsi", "why"),
    [
        (123456789, "placeholder"),
        (0, "placeholder"),
        (994000312, "allocated to no state"),  # an aid to navigation's form, MID 400 unallocated
        (12345, "no station's MMSI"),  # 000012345: no form of ITU-R M.585
        (200000001, "allocated to no state"),
        (23200123, "group call identity"),  # 023200123 calls a group of British ships
        (111400123, "allocated to no state"),  # a SAR aircraft's form, MID 400 unallocated
        (111112638, "no station's MMSI"),  # 111 then MID 112: no MID starts with 1
        (1_000_000_000, "no station's MMSI"),  # 30 bits allow ten digits
    ],
)
def test_invalid_identities_are_reported_once(mmsi: int, why: str) -> None:
    reports = [position(mmsi, T0 + i * 60, 14.0, -67.0 + i * 0.001) for i in range(30)]
    alerts = of_type(run(reports), "invalid_identity")
    assert len(alerts) == 1
    assert why in alerts[0].explanation
    assert alerts[0].start == T0
    validate_alert(alerts[0].to_dict())


@pytest.mark.parametrize("mmsi", [SHIP, 366999999, 538001234, 232001234])
def test_ship_identities_are_not(mmsi: int) -> None:
    reports = [position(mmsi, T0 + i * 60, 14.0, -67.0) for i in range(3)]
    assert of_type(run(reports), "invalid_identity") == []


def test_a_name_changed_within_the_window_is_reported() -> None:
    reports = [
        position(SHIP, T0, 14.0, -67.0),
        named(SHIP, T0 + 60, name="SEA STAR", callsign="ABC1"),
        named(SHIP, T0 + 2 * HOUR, name="OCEAN QUEEN", callsign="ABC1"),
    ]
    alerts = of_type(run(reports), "identity_change")
    assert len(alerts) == 1
    change = alerts[0]
    assert change.evidence == {
        "field": "name",
        "old": "SEA STAR",
        "new": "OCEAN QUEEN",
        "hours_since_old": pytest.approx((2 * HOUR - 60) / HOUR, abs=0.01),
    }
    assert change.vessel.name == "OCEAN QUEEN"
    assert (change.lat, change.lon) == (14.0, -67.0)
    validate_alert(change.to_dict())


def test_two_identities_taking_turns_raise_one_alert_per_new_value() -> None:
    names = ["SEA STAR", "OCEAN QUEEN"] * 10
    reports = [named(SHIP, T0 + i * 600, name=name) for i, name in enumerate(names)]
    alerts = of_type(run(reports), "identity_change")
    assert [a.evidence["new"] for a in alerts] == ["OCEAN QUEEN"]


def test_missing_values_and_old_renames_are_not_changes() -> None:
    reports = [
        named(SHIP, T0, name="SEA STAR", callsign="ABC1"),
        named(SHIP, T0 + HOUR, name=None, callsign="ABC1"),  # the name went missing
        named(SHIP, T0 + 200 * HOUR, name="NEW NAME"),  # renamed long after: re-registration
    ]
    assert of_type(run(reports), "identity_change") == []


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not here")
def test_the_real_shared_mmsi_is_reported() -> None:
    """GFW's gpsdio-segment tracks: MMSI 240000000 is used by two different ships."""
    _, alerts = replay(SHARED / "gfw-gpsdio-segment-tracks")
    shared = [a for a in alerts if a["mmsi"] == 240000000]
    changes = {
        (a["evidence"]["old"], a["evidence"]["new"])
        for a in shared
        if a["type"] == "identity_change" and a["evidence"]["field"] == "name"
    }
    assert ("IMPALA MAGDALENA", "WARSHIP M71") in changes
    # Two ships half a world apart (off Colombia and off India) under one number: identity
    # conflict episodes (one per stretch the Indian ship is heard in, it goes unheard for up to
    # a week), not a position jump per switch (85 before).
    conflicts = [a for a in shared if a["type"] == "identity_conflict"]
    assert conflicts
    assert all(a["evidence"]["distance_km"] > 15_000 for a in conflicts)
    assert len({a["alert_id"] for a in conflicts}) <= 8
    assert len([a for a in shared if a["type"] == "position_jump"]) <= 2
