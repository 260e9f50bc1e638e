"""Dark periods: a regular reporter falls silent for at least ``min_gap_hours``.

A vessel counts as a regular reporter once it has sent ``min_reports`` positions; its expected
interval is the median of its recent intervals, and a gap must also be ``interval_factor`` times
that, so a Class B set reporting every 3 minutes or a satellite-tracked ship seen every hour is
never mistaken for a dark one. The episode opens when event time (the watermark) passes the
threshold and closes when the vessel reappears, with the gap's duration, the distance between
the last and the reappearing position and the implied speed. A gap first noticed at the
reappearance emits the same open finding first, so both paths give the same alerts however
their watermarks advanced.

A silence is only dark if the vessel could have been heard: when the threshold is reached, the
observation's ``coverage`` (``models.coverage``) judges whether its neighbourhood or its source
was still heard. If they went quiet with it the silence is a coverage gap: no alert, no timer
until the vessel reports again (counted by source in ``Coverage.gaps``). The verdict, with the
number of neighbours heard during the silence, goes into the evidence of the open and the
closing alert. Without coverage (``coverage.enabled = false``) every such silence is dark.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from models.alerts import AlertType, Finding, Status
from models.config import DarkPeriodConfig
from models.coverage import Basis
from models.detectors.base import Kind, Observation
from models.geo import SECONDS_PER_HOUR, distance_km, knots

_INTERVALS_KEPT = 16


@dataclass(slots=True)
class DarkState:
    reports: int = 0
    #: The latest intervals between reports, seconds (plain doubles: 8 bytes each, not a float
    #: object each, since a worker holds them for every vessel it follows).
    intervals: array[float] = field(default_factory=lambda: array("d"))
    open: bool = False
    #: Seconds of silence that make this vessel dark (None: not a regular reporter yet); kept
    #: up to date by ``step`` so that the timer asked for on every report costs nothing.
    threshold: float | None = None
    #: When silence since the last report becomes a dark period (None: never, as things stand).
    due_at: float | None = None
    #: The current silence was judged a coverage gap: nothing to report until the vessel is back.
    gap: bool = False
    #: What coverage said of the current silence (evidence for its open and closing alerts).
    coverage: dict[str, Any] | None = None


class DarkPeriod:
    name = "dark_period"
    needs: ClassVar[frozenset[Kind]] = frozenset({Kind.POSITION, Kind.SILENCE})

    def __init__(self, config: DarkPeriodConfig) -> None:
        self.config = config
        self._min_gap = config.min_gap_hours * SECONDS_PER_HOUR

    def initial(self) -> DarkState:
        return DarkState()

    def restore(self, data: dict[str, Any]) -> DarkState:
        """The state back from ``dataclasses.asdict`` of it (as JSON gives it). A snapshot from
        before ``due_at`` existed kept the last report's time as ``last_t``."""
        state = DarkState(
            reports=int(data.get("reports", 0)),
            intervals=array("d", (float(i) for i in data.get("intervals", []))),
            open=bool(data.get("open", False)),
            threshold=data.get("threshold"),
            due_at=data.get("due_at"),
            gap=bool(data.get("gap", False)),
            coverage=data.get("coverage"),
        )
        last_t = data.get("last_t")
        if "due_at" not in data and last_t is not None and state.threshold is not None:
            state.due_at = float(last_t) + state.threshold
        return state

    def threshold(self, state: DarkState) -> float | None:
        """Seconds of silence that make this vessel dark, or ``None`` if it is not regular yet."""
        if state.reports < self.config.min_reports or not state.intervals:
            return None
        usual = _median(state.intervals)
        return max(self._min_gap, self.config.interval_factor * usual)

    def due(self, state: DarkState) -> float | None:
        return None if state.open or state.gap else state.due_at

    def step(self, state: DarkState, obs: Observation) -> tuple[DarkState, list[Finding]]:
        if obs.kind is Kind.SILENCE:
            due = self.due(state)
            if due is None or obs.t < due or not self._heard(state, obs, due):
                return state, []
            state.open = True
            return state, [self._opened(state, obs)]
        fix, last = obs.position, obs.previous
        findings: list[Finding] = []
        if last is not None:
            gap = fix.t - last.t
            threshold = self.threshold(state)
            if threshold is not None and gap >= threshold:
                if state.open:
                    findings.append(self._closed(state, obs, gap, threshold))
                elif not state.gap and self._heard(state, obs, last.t + threshold):
                    findings.append(self._opened(state, obs))
                    findings.append(self._closed(state, obs, gap, threshold))
            elif gap >= 0:
                state.intervals.append(gap)
                if len(state.intervals) > _INTERVALS_KEPT:
                    del state.intervals[0]
        state.open = state.gap = False
        state.coverage = None
        state.reports += 1
        state.threshold = threshold = self.threshold(state)
        state.due_at = None if threshold is None else fix.t + threshold
        return state, findings

    def _heard(self, state: DarkState, obs: Observation, due: float) -> bool:
        """Could the vessel have been heard during its silence, which reached its threshold at
        ``due``? (Else the silence is a coverage gap.) Without coverage: yes."""
        coverage, last = obs.coverage, obs.previous
        if coverage is None or last is None:
            state.coverage = None
            return True
        verdict = coverage.judge(obs.mmsi, last.t, last.lat, last.lon, due)
        state.coverage = verdict.evidence()
        state.gap = not verdict.dark
        return verdict.dark

    def _opened(self, state: DarkState, obs: Observation) -> Finding:
        """The silence since the vessel's last fix (``obs.previous``) is a dark period."""
        threshold = self.threshold(state) or self._min_gap
        last = obs.previous
        assert last is not None
        return Finding(
            type=AlertType.DARK_PERIOD,
            status=Status.OPEN,
            mmsi=obs.mmsi,
            start=last.t,
            end=None,
            lat=last.lat,
            lon=last.lon,
            evidence={
                "expected_interval_seconds": round(_median(state.intervals), 1),
                "threshold_hours": round(threshold / SECONDS_PER_HOUR, 2),
                **(state.coverage or {}),
            },
            summary=(
                f"No AIS report for over {threshold / SECONDS_PER_HOUR:.1f} h from a vessel "
                f"that usually reports every {_interval_text(_median(state.intervals))}"
                f"{_heard_text(state.coverage)}"
            ),
        )

    def _closed(self, state: DarkState, obs: Observation, gap: float, threshold: float) -> Finding:
        last, fix = obs.previous, obs.position
        assert last is not None
        km = distance_km(last.lat, last.lon, fix.lat, fix.lon)
        implied = knots(km, gap)
        hours = gap / SECONDS_PER_HOUR
        return Finding(
            type=AlertType.DARK_PERIOD,
            status=Status.CLOSED,
            mmsi=obs.mmsi,
            start=last.t,
            end=fix.t,
            lat=last.lat,
            lon=last.lon,
            evidence={
                "gap_hours": round(hours, 2),
                "distance_km": round(km, 2),
                "implied_speed_knots": round(implied, 2),
                "expected_interval_seconds": round(_median(state.intervals), 1),
                "threshold_hours": round(threshold / SECONDS_PER_HOUR, 2),
                "reappeared_lat": round(fix.lat, 6),
                "reappeared_lon": round(fix.lon, 6),
                **(state.coverage or {}),
            },
            magnitude=gap / threshold,
            summary=(
                f"Dark for {hours:.1f} h{_heard_text(state.coverage)}, reappeared {km:.1f} km "
                f"away (implied {implied:.1f} kn)"
            ),
        )


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _heard_text(coverage: dict[str, Any] | None) -> str:
    """What was heard meanwhile, for the explanation ("" when coverage says nothing)."""
    if coverage is None:
        return ""
    if coverage["coverage"] == Basis.NEIGHBOURS:
        return f" while {coverage['neighbours_heard']} vessels around it were heard"
    if coverage["coverage"] == Basis.SOURCE:
        others = coverage["source_vessels_heard"]
        return f" while its source kept delivering {others} other vessel{'s' * (others != 1)}"
    return ""


def _interval_text(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * SECONDS_PER_HOUR:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / SECONDS_PER_HOUR:.1f} h"
