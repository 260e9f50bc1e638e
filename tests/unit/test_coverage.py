"""Coverage-aware dark periods: a silence is dark only if the vessel could have been heard.

Planted fleets: receivers are sources (``PositionReport.source``, the file or the receiver a
record came from), neighbourhoods are ships reporting near each other."""

from __future__ import annotations

from dataclasses import replace

import pytest

from models.config import Config, ConfigError, CoverageConfig, config_from_dict
from models.coverage import Basis, Coverage
from models.monitor import Monitor
from models.records import PositionReport
from models.snapshot import restore, snapshot
from tests.factories import HOUR, T0, by_time, move, of_type, run, voyage

HARBOUR = (18.0, -66.0)  # a busy stretch of coast, heard by receiver rx-a
ELSEWHERE = (10.0, -80.0)  # far away (> 1,500 km), heard by receiver rx-b


def heard_by(source: str, reports: list[PositionReport]) -> list[PositionReport]:
    return [replace(report, source=source) for report in reports]


def ship(mmsi: int, where: tuple[float, float], start: float, hours: float, km: float = 0.0):
    """A ship near ``where`` (``km`` north of it) reporting every 2 minutes for ``hours``."""
    lat, lon = move(*where, 0.0, km)
    return voyage(mmsi, start, lat, lon, hours, interval_s=120, speed=5.0)


def fleet(first: int, where: tuple[float, float], count: int, start: float, hours: float):
    return [ship(first + n, where, start, hours, km=2.0 * n) for n in range(count)]


def test_a_receiver_and_its_ships_silent_together_are_a_coverage_gap_not_dark() -> None:
    """Receiver rx-a and its 25 ships go silent together for 9 h; rx-b's ships far away keep
    event time moving. Without coverage each of the 25 would be a dark period."""
    before = fleet(366000001, HARBOUR, 25, T0, hours=2)
    back_at = T0 + 2 * HOUR + 9 * HOUR
    after = fleet(366000001, HARBOUR, 25, back_at, hours=1)
    rx_a = heard_by("rx-a", [r for track in before + after for r in track])
    rx_b = heard_by("rx-b", [r for t in fleet(538000001, ELSEWHERE, 5, T0, 14) for r in t])
    records = by_time(rx_a, rx_b)

    monitor = Monitor()
    alerts = monitor.process(records).alerts + monitor.finish().alerts
    assert of_type(alerts, "dark_period") == []
    assert monitor.coverage_gaps == {"rx-a": 25}

    blind = Config(coverage=CoverageConfig(enabled=False))
    dark = of_type(run(records, blind), "dark_period")
    assert {a.mmsi for a in dark} == set(range(366000001, 366000026))


def test_one_ship_silent_among_neighbours_that_keep_reporting_is_dark() -> None:
    silent = 366000005
    neighbours = fleet(366000001, HARBOUR, 10, T0, hours=12)
    tracks = [t for t in neighbours if t[0].mmsi != silent]
    mine = next(t for t in neighbours if t[0].mmsi == silent)
    gone_at = T0 + 2 * HOUR
    mine = [r for r in mine if r.timestamp < gone_at or r.timestamp >= gone_at + 8 * HOUR]
    records = by_time(heard_by("rx-a", [r for t in [*tracks, mine] for r in t]))

    monitor = Monitor()
    alerts = monitor.process(records).alerts + monitor.finish().alerts
    dark = of_type(alerts, "dark_period")
    assert [(a.mmsi, a.status.value) for a in dark] == [(silent, "open"), (silent, "closed")]
    for alert in dark:
        assert alert.evidence["coverage"] == "neighbours"
        assert alert.evidence["neighbours_heard"] == 9  # the other nine, all through the gap
        assert alert.evidence["source_vessels_heard"] == 9
        assert "while 9 vessels around it were heard" in alert.explanation
    assert monitor.coverage_gaps == {}


def test_a_feed_that_ends_leaves_no_dark_period() -> None:
    """Feed a.csv ends after 3 h; feed b.csv (another area) runs on: a's ships are silent
    because their file ended, not dark. The replay's end itself makes no dark period either."""
    ended = heard_by("a.csv", [r for t in fleet(366000001, HARBOUR, 6, T0, 3) for r in t])
    # One of a's ships sailed far from the others: alone in its neighbourhood, its feed decides.
    ended += heard_by("a.csv", ship(366000099, (25.0, -90.0), T0, 3))
    runs_on = heard_by("b.csv", [r for t in fleet(538000001, ELSEWHERE, 4, T0, 12) for r in t])
    monitor = Monitor()
    alerts = monitor.process(by_time(ended, runs_on)).alerts + monitor.finish().alerts
    assert of_type(alerts, "dark_period") == []
    assert monitor.coverage_gaps == {"a.csv": 7}
    # Without coverage: every one of a's ships, but none of b's (the replay ended with them).
    blind = Config(coverage=CoverageConfig(enabled=False))
    dark = of_type(run(by_time(ended, runs_on), blind), "dark_period")
    assert {a.mmsi for a in dark} == {*range(366000001, 366000007), 366000099}


def test_a_neighbourhood_that_falls_silent_together_is_a_gap_even_if_the_feed_runs_on() -> None:
    """One input mixing receivers (one source): the ships off one coast fall silent together
    while the feed keeps delivering others far away."""
    quiet = [r for t in fleet(366000001, HARBOUR, 12, T0, 2) for r in t]
    loud = [r for t in fleet(538000001, ELSEWHERE, 12, T0, 12) for r in t]
    monitor = Monitor()
    alerts = monitor.process(by_time(quiet, loud)).alerts + monitor.finish().alerts
    assert of_type(alerts, "dark_period") == []
    assert monitor.coverage_gaps == {"factory": 12}


def test_a_few_ships_silent_together_in_a_feed_that_runs_on_are_dark() -> None:
    """Three ships together are too few to tell a receiver's outage: their feed decides, and it
    keeps delivering."""
    few = [r for t in fleet(366000001, HARBOUR, 3, T0, 2) for r in t]
    few += [r for t in fleet(366000001, HARBOUR, 3, T0 + 10 * HOUR, 1) for r in t]
    loud = [r for t in fleet(538000001, ELSEWHERE, 12, T0, 12) for r in t]
    dark = of_type(run(by_time(few, loud)), "dark_period")
    assert {(a.mmsi, a.status.value) for a in dark} == {
        (mmsi, status) for mmsi in range(366000001, 366000004) for status in ("open", "closed")
    }
    assert {a.evidence["coverage"] for a in dark} == {"source"}
    assert {a.evidence["source_vessels_heard"] for a in dark} == {12}


def test_a_vessel_far_from_others_is_dark_while_its_feed_delivers_others() -> None:
    """Satellite tracks: a few vessels an ocean apart, no neighbours; the feed still delivers."""
    lone = voyage(413000001, T0, 22.5, 113.5, hours=3, interval_s=900, speed=8.0)
    last = lone[-1].timestamp
    lone.append(replace(lone[-1], timestamp=last + 20 * HOUR, lat=22.6))
    far = voyage(220000001, T0, 40.0, 139.0, hours=26, interval_s=1800, speed=10.0)
    alerts = of_type(run(by_time(lone, far)), "dark_period")
    assert [a.status.value for a in alerts] == ["open", "closed"]
    assert {a.evidence["coverage"] for a in alerts} == {"source"}
    assert alerts[0].evidence["neighbours_heard"] == 0
    assert alerts[0].evidence["source_vessels_heard"] == 1


def test_a_vessel_alone_in_its_feed_gives_no_evidence_and_stays_dark() -> None:
    lone = voyage(413000001, T0, 22.5, 113.5, hours=3, interval_s=900, speed=8.0)
    last = lone[-1].timestamp
    lone.append(replace(lone[-1], timestamp=last + 20 * HOUR, lat=22.6))
    alerts = of_type(run(lone), "dark_period")
    assert [a.status.value for a in alerts] == ["open", "closed"]
    assert alerts[0].evidence["coverage"] == "alone"


def test_coverage_is_dropped_as_event_time_leaves_it() -> None:
    config = Config()
    monitor = Monitor()
    for hour in range(48):
        monitor.process(heard_by("rx-a", ship(366000001, HARBOUR, T0 + hour * HOUR, 1)))
    coverage = monitor.coverage
    assert coverage is not None
    kept = config.coverage.window_hours * 60 / config.coverage.bucket_minutes
    assert coverage.buckets() <= kept + 3
    assert coverage.known_from is not None
    assert coverage.known_from > T0 // HOUR


def test_a_silence_reaching_back_before_what_is_known_is_judged_without_coverage() -> None:
    coverage = Coverage(CoverageConfig(), heard_from_start=False)
    assert coverage.judge(1, T0, 18.0, -66.0, T0 + 6 * HOUR).basis is Basis.UNKNOWN
    coverage.complete_from = coverage.bucket_of(T0) + 3
    assert coverage.judge(1, T0, 18.0, -66.0, T0 + 6 * HOUR).basis is Basis.UNKNOWN
    assert coverage.gaps == {}
    assert coverage.judge(1, T0 + 5 * HOUR, 18.0, -66.0, T0 + 11 * HOUR).basis is Basis.ALONE


def test_neighbourhoods_wrap_at_the_antimeridian() -> None:
    coverage = Coverage(CoverageConfig())
    west, east = coverage.cell_of(50.0, 179.9), coverage.cell_of(50.0, -179.9)
    assert west != east
    assert east in coverage._neighbourhood(west)
    assert coverage.cell_of(50.0, 180.0) == coverage.cell_of(50.0, -180.0)


def test_the_configuration_is_checked() -> None:
    with pytest.raises(ConfigError, match="cell_degrees"):
        CoverageConfig(cell_degrees=0.7)
    with pytest.raises(ConfigError, match="min_share"):
        CoverageConfig(min_share=1.5)
    with pytest.raises(ConfigError, match="two buckets"):
        CoverageConfig(window_hours=1.0, bucket_minutes=60.0)
    config = config_from_dict({"coverage": {"enabled": False, "min_neighbours": 5}})
    assert config.coverage == CoverageConfig(enabled=False, min_neighbours=5)


def test_a_silence_judged_a_gap_survives_a_snapshot() -> None:
    """A worker handing the vessel over mid-gap: the next one neither alerts nor judges again."""
    before = fleet(366000001, HARBOUR, 25, T0, hours=2)
    rx_a = heard_by("rx-a", [r for track in before for r in track])
    rx_b = heard_by("rx-b", [r for t in fleet(538000001, ELSEWHERE, 5, T0, 9) for r in t])
    monitor = Monitor()
    monitor.process(by_time(rx_a, rx_b))
    vessel = monitor.fleet.vessels[366000001]
    state = monitor.engine.state_of(vessel, "dark_period")
    assert state.gap
    assert state.coverage == {
        "coverage": "neighbourhood_quiet",
        "neighbours_heard": 0,
        "source_vessels_heard": 0,
    }
    back = restore(snapshot(vessel), monitor.engine)
    assert monitor.engine.state_of(back, "dark_period") == state
    assert monitor.engine.due(back) is None  # no timer while in the gap
