"""Drifting: a vessel moved by wind and current, not by its engine (issue 17).

After the Danish Maritime Authority's open AisAbnormal ("drift" analysis): speed over ground
between ``min_speed_knots`` and ``max_speed_knots`` (1-5 kn) while the true heading and the
course over ground differ by at least ``min_angle_degrees`` (45°) — the bow does not point where
the ship goes — for ``min_minutes`` (10) and over ``min_distance_m`` (500 m) from where it
began, outside ports and anchorages and off inland waters. Both angles are as reported: a
report without a heading (511) or a course (360) does not qualify, nor does a speed implied
from positions.

An episode grows report by report while each qualifies and none is more than
``max_gap_minutes`` after the last (what was not observed is not claimed); it opens once it has
lasted ``min_minutes`` and drifted ``min_distance_m``, and closes at the first report that does
not qualify, with its duration, distance, mean speed and largest heading/course difference.
A ship at anchor swings its heading but stays within its swinging circle (and mostly under
1 kn): not drift. Nor is a tow on a river or canal (``models.encounter.shore.inland``, asked
once, when the episode would open): a tug pushing barges against the current crabs, its
heading far off its course; such an episode is followed to its end but raises nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.alerts import AlertType, Finding, Status
from models.config import DriftConfig
from models.detectors.base import Observation, Untimed, harbour_of
from models.encounter.shore import inland
from models.geo import distance_km


@dataclass(slots=True)
class DriftState:
    start_t: float
    start_lat: float
    start_lon: float
    last_t: float
    speed_sum: float
    max_angle: float
    max_distance_m: float = 0.0
    reports: int = 1
    open: bool = False
    #: The episode began on inland water (a river, a canal): followed, never raised.
    inland: bool = False


def angle_between(a: float, b: float) -> float:
    """The smaller angle between two bearings, in degrees (0..180)."""
    difference = abs(a - b) % 360.0
    return 360.0 - difference if difference > 180.0 else difference


class Drift(Untimed[DriftState | None]):
    name = "drift"

    def __init__(self, config: DriftConfig) -> None:
        self.config = config
        self._min_seconds = config.min_minutes * 60
        self._max_gap = config.max_gap_minutes * 60

    def initial(self) -> DriftState | None:
        return None  # not drifting: nothing to hold

    def restore(self, data: dict[str, Any]) -> DriftState:
        """The state back from ``dataclasses.asdict`` of it (as JSON gives it)."""
        return DriftState(**data)

    def step(
        self, state: DriftState | None, obs: Observation
    ) -> tuple[DriftState | None, list[Finding]]:
        fix = obs.position
        drifting = self._drifting(fix.speed, fix.course, obs.heading)
        if drifting is not None and harbour_of(obs.zones) is not None:
            drifting = None
        findings: list[Finding] = []
        if state is not None:
            if drifting is not None and fix.t - state.last_t <= self._max_gap:
                speed, angle = drifting
                metres = 1000 * distance_km(state.start_lat, state.start_lon, fix.lat, fix.lon)
                state.last_t = fix.t
                state.speed_sum += speed
                state.reports += 1
                state.max_angle = max(state.max_angle, angle)
                state.max_distance_m = max(state.max_distance_m, metres)
                if (
                    not state.open
                    and not state.inland
                    and fix.t - state.start_t >= self._min_seconds
                    and state.max_distance_m >= self.config.min_distance_m
                ):
                    if inland(state.start_lat, state.start_lon):
                        state.inland = True
                    else:
                        state.open = True
                        findings.append(self._finding(state, obs.mmsi, Status.OPEN))
                return state, findings
            if state.open:
                findings.append(self._finding(state, obs.mmsi, Status.CLOSED))
        if drifting is None:
            return None, findings
        speed, angle = drifting
        return DriftState(fix.t, fix.lat, fix.lon, fix.t, speed, angle), findings

    def _drifting(
        self, speed: float | None, course: float | None, heading: int | None
    ) -> tuple[float, float] | None:
        """(speed, heading/course difference) of a report that qualifies by both; else None."""
        config = self.config
        if speed is None or course is None or heading is None:
            return None
        if not config.min_speed_knots <= speed <= config.max_speed_knots:
            return None
        angle = angle_between(course, heading)
        return (speed, angle) if angle >= config.min_angle_degrees else None

    def _finding(self, state: DriftState, mmsi: int, status: Status) -> Finding:
        minutes = (state.last_t - state.start_t) / 60
        mean = state.speed_sum / state.reports
        closed = status is Status.CLOSED
        return Finding(
            type=AlertType.DRIFT,
            status=status,
            mmsi=mmsi,
            start=state.start_t,
            end=state.last_t if closed else None,
            lat=state.start_lat,
            lon=state.start_lon,
            evidence={
                "duration_minutes": round(minutes, 1),
                "distance_m": round(state.max_distance_m),
                "mean_speed_knots": round(mean, 2),
                "max_heading_course_degrees": round(state.max_angle),
                "reports": state.reports,
            },
            magnitude=minutes / self.config.min_minutes,
            summary=(
                f"Drifting {'for' if closed else 'for at least'} {minutes:.0f} min at "
                f"{mean:.1f} kn with heading and course {state.max_angle:.0f}° apart, "
                f"{state.max_distance_m:.0f} m from where it began"
            ),
        )
