"""Loitering: a mean speed under ``max_speed_knots`` for ``min_hours``, within ``max_radius_km``
of where it began, outside ports and anchorages and their approaches (after Global Fishing
Watch: < 2 kn, ≥ 4 h, away from shore and anchorages).

An episode grows fix by fix while the vessel stays near its first fix, its running mean speed
stays under the limit, it is not in a harbour and it is not silent for more than
``max_gap_hours`` (what was not observed is not claimed). It opens once it has lasted
``min_hours`` and closes at the first fix that breaks it, with duration, mean speed and the
farthest drift.

A port's approaches count as the port: an episode that begins within ``approach_km`` of a port
or anchorage (``zones.harbours.HarbourApproaches``, asked once, when the episode would open) is
a ship waiting for a berth, a pilot or the tide. It is followed to its end like any other, so it
cannot open later in the same stay, but raises nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.alerts import AlertType, Finding, Status
from models.config import LoiteringConfig
from models.detectors.base import (
    Approaches,
    Observation,
    Untimed,
    harbour_of,
    speed_over_ground,
)
from models.geo import SECONDS_PER_HOUR, distance_km


@dataclass(slots=True)
class LoiterState:
    start_t: float | None = None  # first fix of the candidate episode
    start_lat: float = 0.0
    start_lon: float = 0.0
    last_t: float = 0.0
    speed_sum: float = 0.0
    count: int = 0
    max_drift_km: float = 0.0
    open: bool = False
    #: The episode began in a port's approaches: followed, never raised.
    waiting: bool = False


class Loitering(Untimed[LoiterState | None]):
    name = "loitering"

    def __init__(self, config: LoiteringConfig, approaches: Approaches | None = None) -> None:
        self.config = config
        self.approaches = approaches if approaches is not None and approaches.km > 0 else None
        self._min_seconds = config.min_hours * SECONDS_PER_HOUR
        self._max_gap = config.max_gap_hours * SECONDS_PER_HOUR
        self._where = (
            "outside any port or anchorage"
            if self.approaches is None
            else f"outside any port or anchorage and its approaches ({config.approach_km:g} km)"
        )

    def initial(self) -> LoiterState | None:
        return None  # no candidate episode: nothing to hold

    def restore(self, data: dict[str, Any]) -> LoiterState:
        """The state back from ``dataclasses.asdict`` of it (as JSON gives it)."""
        return LoiterState(**data)

    def step(
        self, state: LoiterState | None, obs: Observation
    ) -> tuple[LoiterState | None, list[Finding]]:
        fix = obs.position
        speed = speed_over_ground(fix, obs.previous)
        if speed is None:
            return state, []
        limit = self.config.max_speed_knots
        qualifies = speed < limit and harbour_of(obs.zones) is None
        findings: list[Finding] = []
        if state is not None and state.start_t is not None:
            drift = distance_km(state.start_lat, state.start_lon, fix.lat, fix.lon)
            mean = (state.speed_sum + speed) / (state.count + 1)
            watched = fix.t - state.last_t <= self._max_gap
            if qualifies and watched and drift <= self.config.max_radius_km and mean < limit:
                state.speed_sum += speed
                state.count += 1
                state.last_t = fix.t
                state.max_drift_km = max(state.max_drift_km, drift)
                if (
                    not state.open
                    and not state.waiting
                    and fix.t - state.start_t >= self._min_seconds
                ):
                    if self._off_a_port(state):
                        state.waiting = True
                    else:
                        state.open = True
                        findings.append(self._finding(state, obs.mmsi, Status.OPEN))
                return state, findings
            if state.open:
                findings.append(self._finding(state, obs.mmsi, Status.CLOSED))
        if not qualifies:
            return None, findings
        state = LoiterState()
        state.start_t, state.start_lat, state.start_lon = fix.t, fix.lat, fix.lon
        state.last_t, state.speed_sum, state.count = fix.t, speed, 1
        return state, findings

    def _off_a_port(self, state: LoiterState) -> bool:
        """Did the episode begin in the approaches of a port or anchorage?"""
        return self.approaches is not None and (
            self.approaches.nearest(state.start_lat, state.start_lon) is not None
        )

    def _finding(self, state: LoiterState, mmsi: int, status: Status) -> Finding:
        assert state.start_t is not None
        hours = (state.last_t - state.start_t) / SECONDS_PER_HOUR
        mean = state.speed_sum / max(state.count, 1)
        closed = status is Status.CLOSED
        return Finding(
            type=AlertType.LOITERING,
            status=status,
            mmsi=mmsi,
            start=state.start_t,
            end=state.last_t if closed else None,
            lat=state.start_lat,
            lon=state.start_lon,
            evidence={
                "duration_hours": round(hours, 2),
                "mean_speed_knots": round(mean, 2),
                "max_drift_km": round(state.max_drift_km, 2),
                "reports": state.count,
            },
            magnitude=hours / self.config.min_hours,
            summary=(
                f"Loitering {'for' if closed else 'for at least'} {hours:.1f} h at "
                f"{mean:.1f} kn mean speed within {state.max_drift_km:.1f} km, "
                f"{self._where}"
            ),
        )
