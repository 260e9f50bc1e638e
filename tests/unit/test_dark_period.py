"""Dark periods on planted tracks: a regular reporter falls silent; ordinary reporters do not."""

from __future__ import annotations

import pytest

from models.config import Config, DarkPeriodConfig
from tests.factories import HOUR, MINUTE, T0, by_time, move, of_type, position, run, voyage

MMSI = 311000001
OTHER = 311000002


def silent_then_back(gap_hours: float, interval_s: float = 60.0) -> list:
    """Two hours of reports, then ``gap_hours`` of silence, then two more reports."""
    before = voyage(MMSI, T0, 15.0, -70.0, hours=2, interval_s=interval_s, speed=10.0)
    last = before[-1]
    assert last.timestamp is not None
    assert last.lat is not None
    assert last.lon is not None
    back_at = last.timestamp + gap_hours * HOUR
    lat, lon = move(last.lat, last.lon, 90.0, 20.0)
    after = [position(MMSI, back_at, lat, lon), position(MMSI, back_at + 60, lat, lon + 0.003)]
    return before + after


def test_gap_opens_and_closes_with_times_and_evidence() -> None:
    records = silent_then_back(gap_hours=8)
    last_before = records[-3].timestamp
    alerts = of_type(run(records), "dark_period")
    assert [a.status.value for a in alerts] == ["open", "closed"]
    opened, closed = alerts
    assert opened.alert_id == closed.alert_id
    assert opened.start == closed.start == last_before
    assert opened.end is None
    assert closed.end == records[-2].timestamp
    assert closed.evidence["gap_hours"] == pytest.approx(8.0, abs=0.01)
    assert closed.evidence["distance_km"] == pytest.approx(20.0, abs=0.1)
    assert closed.evidence["implied_speed_knots"] == pytest.approx(20 / 1.852 / 8, abs=0.05)
    assert "Dark for 8.0 h" in closed.explanation


def test_opens_on_the_watermark_before_the_vessel_reappears() -> None:
    """Another vessel's reports advance event time; the silence is reported while it lasts."""
    dark = silent_then_back(gap_hours=10)
    other = voyage(OTHER, T0, 10.0, -60.0, hours=12, interval_s=300, speed=12.0)
    alerts = run(by_time(dark, other), batch=50)
    dark_alerts = of_type(alerts, "dark_period")
    assert [a.status.value for a in dark_alerts] == ["open", "closed"]
    opened_at = alerts.index(dark_alerts[0])
    # Before the reappearance was processed, the other vessel's traffic kept flowing: the open
    # alert must come out well before the closing one, not together with it.
    assert alerts.index(dark_alerts[1]) > opened_at
    silence_start = dark_alerts[0].start
    assert silence_start == dark[-3].timestamp


def test_still_silent_at_end_of_input_stays_open() -> None:
    dark = voyage(MMSI, T0, 15.0, -70.0, hours=2, interval_s=60)
    other = voyage(OTHER, T0, 10.0, -60.0, hours=9, interval_s=600)
    alerts = of_type(run(by_time(dark, other)), "dark_period")
    assert [(a.mmsi, a.status.value) for a in alerts] == [(MMSI, "open")]


@pytest.mark.parametrize("gap_hours", [0.5, 3, 5.9])
def test_short_gaps_are_not_dark(gap_hours: float) -> None:
    assert of_type(run(silent_then_back(gap_hours)), "dark_period") == []


def test_class_b_every_three_minutes_with_half_hour_gaps_is_not_dark() -> None:
    records = []
    t = T0
    lat, lon = 18.0, -66.0
    for step in range(200):
        records.append(position(MMSI, t, lat, lon + step * 0.001, speed=6.0, msg_type=18))
        t += 30 * MINUTE if step % 20 == 19 else 3 * MINUTE
    assert of_type(run(records), "dark_period") == []


def test_slow_reporter_needs_a_gap_of_several_of_its_own_intervals() -> None:
    """A ship seen every 2 h (satellite) is dark only after 4 × 2 h = 8 h, not after 6 h."""
    records = [position(MMSI, T0 + i * 2 * HOUR, 15.0, -70.0 + i * 0.2) for i in range(12)]
    last = records[-1].timestamp
    assert last is not None
    seven = [*records, position(MMSI, last + 7 * HOUR, 15.0, -67.0)]
    assert of_type(run(seven), "dark_period") == []
    nine = [*records, position(MMSI, last + 9 * HOUR, 15.0, -67.0)]
    assert [a.status.value for a in of_type(run(nine), "dark_period")] == ["open", "closed"]


def test_a_vessel_seen_a_few_times_only_is_not_a_regular_reporter() -> None:
    records = [position(MMSI, T0 + i * 60, 15.0, -70.0) for i in range(5)]
    records.append(position(MMSI, T0 + 12 * HOUR, 15.0, -70.0))
    assert of_type(run(records), "dark_period") == []


def test_threshold_comes_from_configuration() -> None:
    config = Config(dark_period=DarkPeriodConfig(min_gap_hours=2.0))
    alerts = of_type(run(silent_then_back(gap_hours=3), config), "dark_period")
    assert [a.status.value for a in alerts] == ["open", "closed"]
