"""Dark periods: a regular reporter falls silent for at least ``min_gap_hours``.

A vessel counts as a regular reporter once it has sent ``min_reports`` positions; its expected
interval is the median of its recent intervals, and a gap must also be ``interval_factor`` times
that, so a Class B set reporting every 3 minutes or a satellite-tracked ship seen every hour is
never mistaken for a dark one. The episode opens when event time (the watermark) passes the
threshold and closes when the vessel reappears, with the gap's duration, the distance between
the last and the reappearing position and the implied speed. A gap first noticed at the
reappearance emits the same open finding first, so both paths give the same alerts however
their watermarks advanced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.alerts import AlertType, Finding, Status
from models.config import DarkPeriodConfig
from models.detectors.base import Observation
from models.geo import SECONDS_PER_HOUR, distance_km, knots

_INTERVALS_KEPT = 16


@dataclass(slots=True)
class DarkState:
    last_t: float | None = None
    last_lat: float = 0.0
    last_lon: float = 0.0
    reports: int = 0
    intervals: list[float] = field(default_factory=list)
    open: bool = False
    #: Seconds of silence that make this vessel dark (None: not a regular reporter yet); kept
    #: up to date by ``step`` so that the timer asked for on every report costs nothing.
    threshold: float | None = None


class DarkPeriod:
    name = "dark_period"
    timed = True  # has a timer: silence is found by ``tick``

    def __init__(self, config: DarkPeriodConfig) -> None:
        self.config = config
        self._min_gap = config.min_gap_hours * SECONDS_PER_HOUR

    def initial(self) -> DarkState:
        return DarkState()

    def restore(self, data: dict[str, Any]) -> DarkState:
        """The state back from ``dataclasses.asdict`` of it (as JSON gives it)."""
        return DarkState(**data)

    def threshold(self, state: DarkState) -> float | None:
        """Seconds of silence that make this vessel dark, or ``None`` if it is not regular yet."""
        if state.reports < self.config.min_reports or not state.intervals:
            return None
        usual = _median(state.intervals)
        return max(self._min_gap, self.config.interval_factor * usual)

    def due(self, state: DarkState) -> float | None:
        threshold = state.threshold
        if threshold is None or state.open or state.last_t is None:
            return None
        return state.last_t + threshold

    def tick(
        self, state: DarkState, mmsi: int, watermark: float
    ) -> tuple[DarkState, list[Finding]]:
        due = self.due(state)
        if due is None or watermark < due:
            return state, []
        state.open = True
        return state, [self._opened(state, mmsi)]

    def step(self, state: DarkState, obs: Observation) -> tuple[DarkState, list[Finding]]:
        fix = obs.fix
        findings: list[Finding] = []
        if state.last_t is not None:
            gap = fix.t - state.last_t
            threshold = self.threshold(state)
            if threshold is not None and gap >= threshold:
                if not state.open:
                    findings.append(self._opened(state, obs.mmsi))
                findings.append(self._closed(state, obs, gap, threshold))
            elif gap >= 0:
                state.intervals.append(gap)
                if len(state.intervals) > _INTERVALS_KEPT:
                    del state.intervals[0]
        state.open = False
        state.last_t, state.last_lat, state.last_lon = fix.t, fix.lat, fix.lon
        state.reports += 1
        state.threshold = self.threshold(state)
        return state, findings

    def _opened(self, state: DarkState, mmsi: int) -> Finding:
        threshold = self.threshold(state) or self._min_gap
        assert state.last_t is not None
        return Finding(
            type=AlertType.DARK_PERIOD,
            status=Status.OPEN,
            mmsi=mmsi,
            start=state.last_t,
            end=None,
            lat=state.last_lat,
            lon=state.last_lon,
            evidence={
                "expected_interval_seconds": round(_median(state.intervals), 1),
                "threshold_hours": round(threshold / SECONDS_PER_HOUR, 2),
            },
            summary=(
                f"No AIS report for over {threshold / SECONDS_PER_HOUR:.1f} h from a vessel "
                f"that usually reports every {_interval_text(_median(state.intervals))}"
            ),
        )

    def _closed(self, state: DarkState, obs: Observation, gap: float, threshold: float) -> Finding:
        assert state.last_t is not None
        fix = obs.fix
        km = distance_km(state.last_lat, state.last_lon, fix.lat, fix.lon)
        implied = knots(km, gap)
        hours = gap / SECONDS_PER_HOUR
        return Finding(
            type=AlertType.DARK_PERIOD,
            status=Status.CLOSED,
            mmsi=obs.mmsi,
            start=state.last_t,
            end=fix.t,
            lat=state.last_lat,
            lon=state.last_lon,
            evidence={
                "gap_hours": round(hours, 2),
                "distance_km": round(km, 2),
                "implied_speed_knots": round(implied, 2),
                "expected_interval_seconds": round(_median(state.intervals), 1),
                "threshold_hours": round(threshold / SECONDS_PER_HOUR, 2),
                "reappeared_lat": round(fix.lat, 6),
                "reappeared_lon": round(fix.lon, 6),
            },
            magnitude=gap / threshold,
            summary=(
                f"Dark for {hours:.1f} h, reappeared {km:.1f} km away (implied {implied:.1f} kn)"
            ),
        )


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _interval_text(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * SECONDS_PER_HOUR:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / SECONDS_PER_HOUR:.1f} h"
