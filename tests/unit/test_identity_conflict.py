"""identity_conflict: one MMSI on two ships far apart is one episode, not a jump per switch."""

from __future__ import annotations

import json
import math

import pytest

from models.alerts import Alert
from models.config import Config, IdentityConflictConfig
from models.detectors.position_jump import JumpState, PositionJump
from models.engine import Engine
from models.geo import KM_PER_NM
from models.monitor import Monitor
from models.records import PositionReport
from models.snapshot import restore, snapshot
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

SHARED = 311000123  # two ships, one number
OTHER = 311000456
SEA = (14.0, -67.0)  # open sea north of Venezuela
AWAY = move(*SEA, 0.0, 150 * KM_PER_NM)  # 150 nm north


def two_ships(hours: float = 4.0, interval_s: float = 120.0) -> list[PositionReport]:
    """Ship A sails east at 12 kn, ship B 150 nm north sails west at 10 kn; each reports every
    ``interval_s``, B half an interval after A, so the MMSI alternates between them."""
    a = voyage(SHARED, T0, *SEA, hours=hours, interval_s=interval_s, speed=12.0, course=90.0)
    b = voyage(
        SHARED, T0 + interval_s / 2, *AWAY, hours=hours, interval_s=interval_s, speed=10.0,
        course=270.0,
    )  # fmt: skip
    return by_time(a, b)


def episodes(alerts: list[Alert]) -> dict[str, list[Alert]]:
    found: dict[str, list[Alert]] = {}
    for alert in alerts:
        found.setdefault(alert.alert_id, []).append(alert)
    return found


def test_two_ships_on_one_mmsi_are_one_conflict_episode() -> None:
    reports = two_ships()
    alerts = [a for a in run(reports) if a.mmsi == SHARED]
    # Today's 180-odd position jumps become at most three episodes: here one jump (the first
    # report of ship B) and one conflict.
    assert len(episodes(alerts)) <= 3
    assert len(of_type(alerts, "position_jump")) <= 1
    conflicts = of_type(alerts, "identity_conflict")
    assert len(episodes(conflicts)) == 1
    statuses = [a.status.value for a in conflicts]
    assert statuses[0] == "open"
    assert set(statuses[1:]) <= {"update"}  # both ships still heard at the end: not closed
    # Updates only when the evidence doubles: about log2(fixes), not one per report.
    assert len(conflicts) <= 1 + math.ceil(math.log2(len(reports)))
    opened = conflicts[0]
    first_b = reports[1]
    assert opened.start == first_b.timestamp
    assert (opened.lat, opened.lon) == pytest.approx((first_b.lat, first_b.lon))
    # Opened once both tracks had 3 fixes and 30 minutes together, not after hours.
    assert opened.evidence["tracks"] == 2
    last = conflicts[-1].evidence
    assert last["distance_km"] == pytest.approx(150 * KM_PER_NM, rel=0.1)
    assert last["track1_first_seen"] == "2023-11-14T22:13:20Z"
    assert last["track1_fixes"] + last["track2_fixes"] == last["fixes"] <= len(reports)
    assert last["track2_lat"] == pytest.approx(AWAY[0], abs=0.01)
    for alert in conflicts:
        validate_alert(alert.to_dict())


def test_the_conflict_closes_when_one_ship_is_unheard_for_a_day() -> None:
    reports = two_ships(hours=2.0)
    last_b = [r for r in reports if r.lat > 15.0][-1]
    last_a = reports[-1] if reports[-1].lat < 15.0 else reports[-2]
    on = voyage(
        SHARED, last_a.timestamp + 600, last_a.lat, last_a.lon, hours=30, interval_s=600,
        speed=12.0,
    )  # fmt: skip
    conflicts = of_type(run([*reports, *on]), "identity_conflict")
    assert len(episodes(conflicts)) == 1
    closed = conflicts[-1]
    assert closed.status.value == "closed"
    assert [a.status.value for a in conflicts].count("closed") == 1
    assert closed.end == last_b.timestamp  # when ship B was last heard
    assert closed.evidence["track2_last_seen"] == "2023-11-15T00:14:20Z"
    validate_alert(closed.to_dict())


def test_closing_on_silence_or_on_the_next_report_gives_the_same_alert() -> None:
    """Alone, the conflict closes at ship A's next report (every 10 minutes) after the day has
    passed; in company the watermark (another vessel reporting every minute) closes it first,
    on event time, between two of A's reports."""
    reports = two_ships(hours=2.0)
    last_a = reports[-1] if reports[-1].lat < 15.0 else reports[-2]
    on = voyage(
        SHARED, last_a.timestamp + 600, last_a.lat, last_a.lon, hours=26, interval_s=600,
        speed=12.0,
    )  # fmt: skip
    alone = of_type(run([*reports, *on]), "identity_conflict")
    company = voyage(OTHER, T0, 12.0, -69.0, hours=28, interval_s=60, speed=8.0)
    # One record per batch: the watermark moves with every report, as on a live stream.
    together = of_type(run(by_time([*reports, *on], company), batch=1), "identity_conflict")
    assert alone[-1].status.value == "closed"
    assert [a.to_dict() for a in alone] == [a.to_dict() for a in together]


def test_jumps_during_a_conflict_are_counted_in_it_not_raised() -> None:
    reports = two_ships(hours=4.0)
    strays = [
        position(SHARED, T0 + 1.2 * HOUR + k * 300 + 30, *move(*SEA, 200.0, 900.0 + 100 * k))
        for k in range(3)
    ]
    alerts = [a for a in run(by_time(reports, strays)) if a.mmsi == SHARED]
    assert len(of_type(alerts, "position_jump")) == 1  # only ship B's first report
    conflicts = of_type(alerts, "identity_conflict")
    assert len(episodes(conflicts)) == 1
    assert conflicts[-1].evidence["other_jumps"] == 3


def test_a_single_bad_fix_is_one_jump_and_no_conflict() -> None:
    track = voyage(SHARED, T0, *SEA, hours=3, interval_s=60, speed=12.0)
    bad = track[90]
    far = position(SHARED, bad.timestamp, *move(bad.lat, bad.lon, 200.0, 400.0))
    alerts = run([*track[:90], far, *track[91:]])
    assert len(of_type(alerts, "position_jump")) == 1
    assert of_type(alerts, "identity_conflict") == []


def test_scattered_bad_fixes_are_jumps_not_a_conflict() -> None:
    """Bad fixes each somewhere else (bit errors): five jumps, no track of three to conflict.
    They are one incident: the first jump alone, then one series counting all five
    (tests/unit/test_jump_series.py)."""
    track = voyage(SHARED, T0, *SEA, hours=6, interval_s=60, speed=12.0)
    bad = [50, 110, 111, 170, 230]  # two in a row
    for n, i in enumerate(bad):
        lat, lon = move(*SEA, 40.0 + 70.0 * n, 800.0 + 300.0 * n)
        track[i] = position(SHARED, track[i].timestamp, lat, lon)
    alerts = run(track)
    jumps = of_type(alerts, "position_jump")
    assert len(episodes(jumps)) == 2
    assert of_type(alerts, "identity_conflict") == []
    # The first is measured from the ship's last good fix; the series opens at the second
    # and updates when its count doubles (the fifth goes out when it next updates or closes).
    assert jumps[0].evidence["from_lat"] == pytest.approx(track[49].lat, abs=1e-6)
    assert [j.status.value for j in jumps] == ["closed", "open", "update"]
    assert jumps[-1].evidence["jumps"] == 4


def test_a_relocation_is_one_jump_and_no_conflict() -> None:
    first = voyage(SHARED, T0, *SEA, hours=2, interval_s=60, speed=10.0)
    second = voyage(SHARED, T0 + 2 * HOUR + 60, *AWAY, hours=3, interval_s=60, speed=10.0)
    alerts = run(first + second)
    assert len(of_type(alerts, "position_jump")) == 1
    assert of_type(alerts, "identity_conflict") == []


def test_minutes_of_late_receive_times_are_no_conflict() -> None:
    """A second receiver stamps its reports 5 minutes late for 20 minutes: the ship looks
    doubled 3 km behind itself — a few jumps' worth of noise, not two ships."""
    track = voyage(SHARED, T0, *SEA, hours=2, interval_s=30, speed=20.0)
    late = [
        position(SHARED, r.timestamp + 5 * MINUTE + 15, r.lat, r.lon, r.speed, r.course)
        for r in track[100:140:2]
    ]
    alerts = run(by_time(track, late))
    assert of_type(alerts, "identity_conflict") == []
    assert len(of_type(alerts, "position_jump")) <= 2


def test_an_old_outlier_on_the_route_does_not_capture_the_track() -> None:
    """An outlier lies where the ship will be 15 h later: when the ship gets there, the outlier
    is nearer its last fix than the ship's own track — but not nearer where the ship was going."""
    track = voyage(SHARED, T0, *SEA, hours=30, interval_s=600, speed=12.0)
    ahead = track[6 * 15]  # where it is after 15 h
    outlier = position(SHARED, T0 + HOUR + 30, ahead.lat + 0.01, ahead.lon)
    alerts = run(by_time(track, [outlier]))
    assert len(of_type(alerts, "position_jump")) == 1
    assert of_type(alerts, "identity_conflict") == []


def test_tracks_are_bounded() -> None:
    """Ten ships' worth of positions under one MMSI: never more than four tracks kept."""
    places = [move(*SEA, 36.0 * k, 500.0) for k in range(10)]
    reports = [
        position(SHARED, T0 + i * 60, *places[i % 10], speed=0.0, course=0.0) for i in range(600)
    ]
    monitor = Monitor(Engine())
    for start in range(0, len(reports), 50):
        monitor.process(reports[start : start + 50])
        state: JumpState = monitor.engine.state_of(monitor.fleet.vessels[SHARED], "position_jump")
        assert len(state.tracks) <= 4
    conflicts = of_type(monitor.finish().alerts, "identity_conflict")
    assert len({a.alert_id for a in conflicts}) <= 1


def test_a_shorter_close_is_configurable() -> None:
    reports = two_ships(hours=2.0)
    last_a = reports[-1] if reports[-1].lat < 15.0 else reports[-2]
    on = voyage(SHARED, last_a.timestamp + 600, last_a.lat, last_a.lon, hours=3, interval_s=600)
    config = Config(identity_conflict=IdentityConflictConfig(close_hours=1.0))
    conflicts = of_type(run([*reports, *on], config), "identity_conflict")
    assert conflicts[-1].status.value == "closed"
    assert "unheard for 1 h" in conflicts[-1].explanation
    assert of_type(run([*reports, *on]), "identity_conflict")[-1].status.value != "closed"


def test_a_restart_mid_episode_resumes_it() -> None:
    reports = two_ships(hours=3.0)
    cut = len(reports) // 2
    config = Config(identity_conflict=IdentityConflictConfig(close_hours=0.5))
    after = voyage(SHARED, reports[-1].timestamp + 60, *SEA, hours=2, interval_s=300)

    def alerts_with_restart(at: int) -> list[dict[str, object]]:
        first = Monitor(Engine(config, ZoneIndex()))
        out = [a.to_dict() for a in first.process(reports[:at]).alerts]
        saved = json.loads(json.dumps([snapshot(v) for v in first.fleet.vessels.values()]))
        second = Monitor(Engine(config, ZoneIndex()))
        for data in saved:
            second.adopt(restore(data, second.engine))
        out += [a.to_dict() for a in second.process([*reports[at:], *after]).alerts]
        out += [a.to_dict() for a in second.finish().alerts]
        return out

    uninterrupted = alerts_with_restart(0)
    assert [a for a in uninterrupted if a["type"] == "identity_conflict"][-1]["status"] == "closed"
    assert alerts_with_restart(cut) == uninterrupted


def test_an_old_snapshot_of_anchor_and_candidate_is_read() -> None:
    detector = PositionJump(Config().position_jump)
    state = detector.restore(
        {"anchor": [T0, 14.0, -67.0, 10.0, 90.0], "candidate": [T0 + 60, 16.0, -67.0, None, None],
         "jumps": 3}
    )  # fmt: skip
    assert [track.last.lat for track in state.tracks] == [14.0, 16.0]
    assert state.jumps == 3
    assert state.conflict is None
