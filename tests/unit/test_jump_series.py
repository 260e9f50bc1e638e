"""One incident, one episode: mirrored coordinates are decoding artefacts, repeated jumps a
series, repeated identity changes a series — on planted tracks, in batches and snapshots."""

from __future__ import annotations

import json
from dataclasses import asdict, replace

import pytest

from models.alerts import Alert, Status
from models.config import Config, ConfigError, load_config
from models.detectors.identity import Identity
from models.detectors.position_jump import PositionJump
from models.detectors.series import Repeats, Series
from tests.factories import (
    HOUR,
    MINUTE,
    T0,
    move,
    of_type,
    position,
    run,
    static,
    validate_alert,
    voyage,
)

MMSI = 431704490
#: The mid-Atlantic, where the GFW satellite track of 431704490 mirrors to South Sudan.
ATLANTIC = (9.8, -32.4)


def episodes(alerts: list[Alert]) -> dict[str, list[Alert]]:
    found: dict[str, list[Alert]] = {}
    for alert in alerts:
        found.setdefault(alert.alert_id, []).append(alert)
    return found


def with_bad_fixes(track: list, every: int, where) -> list:
    """``track`` with every ``every``-th report but the last moved to ``where(report, n)``."""
    out = list(track)
    for n, i in enumerate(range(every, len(track) - 1, every)):
        good = track[i]
        out[i] = position(MMSI, good.timestamp, *where(good, n), speed=good.speed)
    return out


class TestMirroredFixes:
    def test_a_lone_mirrored_longitude_is_counted_not_alerted(self) -> None:
        track = voyage(MMSI, T0, *ATLANTIC, hours=2, interval_s=60, speed=10.0)
        bad = track[60]
        # The sign read wrong and the digits garbled a little, as satellite decoders do.
        mirrored = position(MMSI, bad.timestamp, bad.lat, -bad.lon + 0.13)
        far = position(MMSI, track[100].timestamp, *move(track[100].lat, -32.4, 0.0, 400.0))
        alerts = run([*track[:60], mirrored, *track[61:100], far, *track[101:]])
        jumps = of_type(alerts, "position_jump")
        # Only the real bad fix 400 km north is a jump; it carries the artefact seen before.
        assert len(jumps) == 1
        assert jumps[0].lat == pytest.approx(far.lat)
        assert jumps[0].evidence["artefacts"] == 1

    def test_a_mirrored_latitude_is_an_artefact_too(self) -> None:
        track = voyage(MMSI, T0, 25.0, -40.0, hours=2, interval_s=60, speed=10.0)
        bad = track[60]
        flipped = position(MMSI, bad.timestamp, -bad.lat, bad.lon)
        assert of_type(run([*track[:60], flipped, *track[61:]]), "position_jump") == []

    def test_a_run_of_mirrored_fixes_is_no_identity_conflict(self) -> None:
        """A mirror image every fifth report for 6 h: it would be a track of its own, heard in
        turn with the real one — two ships to the conflict rules, one ship to a decoder."""
        track = voyage(MMSI, T0, *ATLANTIC, hours=6, interval_s=60, speed=10.0)
        mirrored = with_bad_fixes(track, 5, lambda good, n: (good.lat, -good.lon))
        alerts = run(mirrored)
        assert of_type(alerts, "identity_conflict") == []
        assert of_type(alerts, "position_jump") == []

    def test_a_second_ship_at_the_same_latitude_elsewhere_is_still_a_conflict(self) -> None:
        """Not every far fix on the same parallel is a mirror: a twin 300 km east of the ship
        (far from its mirror image at +32°) is a second transmitter."""
        ship = voyage(MMSI, T0, *ATLANTIC, hours=4, interval_s=60, speed=10.0)
        twin = voyage(MMSI, T0 + 30, ATLANTIC[0], ATLANTIC[1] + 2.7, hours=4, interval_s=60)
        alerts = run(sorted([*ship, *twin], key=lambda r: r.timestamp))
        assert len(episodes(of_type(alerts, "identity_conflict"))) == 1

    def test_mirror_share_zero_turns_the_rule_off(self) -> None:
        config = Config(position_jump=replace(Config().position_jump, mirror_share=0.0))
        track = voyage(MMSI, T0, *ATLANTIC, hours=2, interval_s=60, speed=10.0)
        bad = track[60]
        mirrored = position(MMSI, bad.timestamp, bad.lat, -bad.lon + 0.13)
        alerts = run([*track[:60], mirrored, *track[61:]], config)
        assert len(of_type(alerts, "position_jump")) == 1


def scattered(good, n: int) -> tuple[float, float]:
    """A bad fix somewhere else each time (bit errors), 500-2,000 km from the ship."""
    return move(good.lat, good.lon, 37.0 + 83.0 * n, 500.0 + 150.0 * (n % 10))


class TestJumpSeries:
    def test_a_transponder_that_keeps_jumping_is_two_alerts_not_dozens(self) -> None:
        # 12 h with a bad fix every 20 minutes (35 jumps), then 30 h of clean reports.
        bad = with_bad_fixes(
            voyage(MMSI, T0, *ATLANTIC, hours=12, interval_s=60, speed=10.0), 20, scattered
        )
        tail = bad[-1]
        clean = voyage(MMSI, tail.timestamp + 60, tail.lat, tail.lon, hours=30, interval_s=300)
        jumps = of_type(run(bad + clean), "position_jump")
        by_episode = episodes(jumps)
        assert len(by_episode) == 2
        single, series = by_episode.values()
        assert [a.status for a in single] == [Status.CLOSED]
        assert single[0].start == bad[20].timestamp
        statuses = [a.status for a in series]
        assert statuses[0] is Status.OPEN
        assert statuses[-1] is Status.CLOSED
        assert set(statuses[1:-1]) <= {Status.UPDATE}
        assert len(series) <= 2 + 6  # updates only when the count doubles: log2(36)
        closed = series[-1]
        assert closed.start == bad[40].timestamp
        assert closed.end == bad[700].timestamp  # the last jump
        assert closed.evidence["jumps"] == 35
        assert closed.evidence["first_jump"] == single[0].to_dict()["start"]
        assert "35 jumps" in closed.explanation
        for alert in jumps:
            validate_alert(alert.to_dict())

    def test_jumps_a_day_apart_are_separate_incidents(self) -> None:
        """Beyond ``repeat_hours`` after the last one, a jump is alerted on its own again."""
        track = voyage(MMSI, T0, *ATLANTIC, hours=60, interval_s=600, speed=10.0)
        for k, i in enumerate((10, 10 + 6 * 26, 10 + 6 * 52)):  # 26 h apart
            # 4,000 km off, each in another direction: no bad fix reachable from another.
            where = move(track[i].lat, track[i].lon, 120.0 * k, 4000.0)
            track[i] = position(MMSI, track[i].timestamp, *where)
        jumps = of_type(run(track), "position_jump")
        assert [a.status for a in jumps] == [Status.CLOSED] * 3
        assert all("jumps" not in a.evidence for a in jumps)

    def test_the_series_closes_on_the_watermark_in_batches_as_in_one(self) -> None:
        bad = with_bad_fixes(
            voyage(MMSI, T0, *ATLANTIC, hours=3, interval_s=60, speed=10.0), 30, scattered
        )
        # Another vessel keeps event time going for 30 h while this one falls silent.
        other = voyage(312000001, T0, 14.0, -67.0, hours=30, interval_s=600)
        records = sorted([*bad, *other], key=lambda r: r.timestamp)
        keys = [
            sorted(
                (a.alert_id, a.status, a.end or 0.0, str(a.evidence))
                for a in run(records, batch=size)
            )
            for size in (1, 7, 500, len(records))
        ]
        assert all(k == keys[0] for k in keys)
        alerts = run(records, batch=3)
        series = [a for a in of_type(alerts, "position_jump") if "jumps" in a.evidence]
        assert [a.status for a in series] == [Status.OPEN, Status.UPDATE, Status.CLOSED]
        assert series[-1].evidence["jumps"] == 5
        assert series[-1].end == bad[150].timestamp

    def test_jumps_inside_an_identity_conflict_stay_in_it(self) -> None:
        """Two ships on one MMSI: the switches between them are the conflict, not a series."""
        ship = voyage(MMSI, T0, *ATLANTIC, hours=4, interval_s=60, speed=10.0)
        twin = voyage(MMSI, T0 + 30, *move(*ATLANTIC, 30.0, 280.0), hours=4, interval_s=60)
        alerts = run(sorted([*ship, *twin], key=lambda r: r.timestamp))
        assert len(episodes(of_type(alerts, "identity_conflict"))) == 1
        assert len(episodes(of_type(alerts, "position_jump"))) <= 2


class TestRepeats:
    def test_the_rules(self) -> None:
        repeats = Repeats(window=100.0)
        series, status = repeats.event(None, None, 0.0, (1.0, 2.0), 1.0)
        assert (series, status) == (None, None)  # a first event: alerted on its own
        series, status = repeats.event(None, 0.0, 150.0, (1.0, 2.0), 1.0)
        assert (series, status) == (None, None)  # too long after the previous one
        series, status = repeats.event(None, 150.0, 200.0, (1.0, 2.0), 3.0)
        assert status is Status.OPEN
        assert series == Series(200.0, 1.0, 2.0, first=150.0, last=200.0, peak=3.0)
        assert repeats.event(series, 200.0, 250.0, (0.0, 0.0), 2.0)[1] is None  # 3 events
        assert repeats.event(series, 250.0, 260.0, (0.0, 0.0), 2.0)[1] is Status.UPDATE  # 4
        assert series.peak == 3.0
        assert repeats.due(series) == 360.0
        assert repeats.expire(series, 359.0) == (series, None)
        assert repeats.expire(series, 360.0) == (None, series)

    def test_a_series_survives_a_snapshot(self) -> None:
        detector = PositionJump(Config().position_jump, Config().identity_conflict)
        state = detector.initial()
        state.series = Series(10.0, None, None, first=1.0, last=10.0, events=3, peak=4.5)
        state.last_jump, state.artefacts = 10.0, 2
        restored = detector.restore(json.loads(json.dumps(asdict(state))))
        assert restored == state
        identity = Identity(Config().identity)
        istate = identity.initial()
        istate.series = Series(5.0, 1.0, 2.0, first=0.0, last=5.0)
        istate.last_change = 5.0
        assert identity.restore(json.loads(json.dumps(asdict(istate)))) == istate


class TestIdentitySeries:
    def test_transponders_sharing_a_placeholder_are_one_incident(self) -> None:
        """Four unconfigured transponders on one number take turns for an hour (as 1193046
        does in the exactEarth logs): the first change alone, then one series."""
        names = ["THALIA", "NYIE DJEU", "NAUTICAST", "GAOXING8"]
        mmsi = 1193046
        track = voyage(mmsi, T0, -36.84, 174.76, hours=2, interval_s=60, speed=0.1)
        statics = [
            static(mmsi, T0 + 30 + k * 6 * MINUTE, name=names[k % 4], imo=None) for k in range(12)
        ]
        changes = of_type(
            run(sorted([*track, *statics], key=lambda r: r.timestamp)), "identity_change"
        )
        # Three new names (each old one is heard again within the window, not new): the
        # first change alone, then one series of the other two.
        assert len(episodes(changes)) == 2
        first, series = episodes(changes).values()
        assert [a.status for a in first] == [Status.CLOSED]
        assert first[0].evidence["old"] == "THALIA"
        assert [a.status for a in series] == [Status.OPEN]
        assert series[0].evidence["changes"] == 2
        assert series[0].evidence["new"] == "NAUTICAST"

    def test_the_series_closes_a_day_after_the_last_change_on_event_time(self) -> None:
        """The vessel keeps reporting positions, not static data: the series closes on the
        watermark 24 h after its last change, in batches as in one."""
        names = ["ALPHA", "BRAVO", "CHARLIE", "DELTA"]
        track = voyage(MMSI, T0, *ATLANTIC, hours=30, interval_s=600)
        statics = [static(MMSI, T0 + 60 + k * HOUR, name=names[k]) for k in range(4)]
        records = sorted([*track, *statics], key=lambda r: r.timestamp)
        runs = [of_type(run(records, batch=size), "identity_change") for size in (5, 10_000)]
        assert [(a.alert_id, a.status) for a in runs[0]] == [
            (a.alert_id, a.status) for a in runs[1]
        ]
        series = [a for a in runs[0] if "changes" in a.evidence]
        assert [a.status for a in series] == [Status.OPEN, Status.CLOSED]
        assert series[-1].end == statics[-1].timestamp
        assert series[-1].evidence["changes"] == 3
        for alert in runs[0]:
            validate_alert(alert.to_dict())

    def test_a_single_rename_stays_one_alert(self) -> None:
        track = voyage(MMSI, T0, *ATLANTIC, hours=3, interval_s=60)
        statics = [static(MMSI, T0 + 60, "OLD NAME"), static(MMSI, T0 + HOUR, "NEW NAME")]
        changes = of_type(
            run(sorted([*track, *statics], key=lambda r: r.timestamp)), "identity_change"
        )
        assert [a.status for a in changes] == [Status.CLOSED]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[position_jump]\nrepeat_hours = 0", "position_jump.repeat_hours"),
        ("[position_jump]\nmirror_share = 1.5", "position_jump.mirror_share"),
        ("[identity]\nrepeat_hours = -1", "identity.repeat_hours"),
    ],
)
def test_the_new_settings_are_strict(tmp_path, text: str, key: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text + "\n")
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config(path)
