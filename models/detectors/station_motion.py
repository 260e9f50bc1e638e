"""Stations that move like ships: an aid to navigation, a coast or base station, an autonomous
maritime radio device or a handheld whose positions show a ship under way.

A buoy drifts with the current (a few knots at most), a fishing-net marker is towed slowly, a
base station stays put, a handheld rides in a small boat: none keeps a ship's speed for long.
So ``invalid_identity`` is raised, once per MMSI, when such a station has kept at least
``stations.ship_like_knots`` (8 kn) for ``stations.ship_like_hours`` (1 h): every report of the
run says so (its speed over ground, else the speed implied from the report before), each step
is one a vessel could sail (within the position-jump gate, no silence longer than the run
must last), and the straight-line progress from the run's first fix averages that speed too —
so neither a false speed field nor a single wild position makes a station a ship. The alert
spans the run, from where it began.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.alerts import AlertType, Finding, Status
from models.config import PositionJumpConfig, StationConfig
from models.detectors.base import Observation, Untimed
from models.geo import KM_PER_NM, SECONDS_PER_HOUR, distance_km, knots
from models.records import Fix
from models.stations import station_category


@dataclass(slots=True)
class StationMotionState:
    run: Fix | None = None  # first fix of the current ship-like run
    last: Fix | None = None
    flagged: bool = False


class StationMotion(Untimed[StationMotionState]):
    name = "station_motion"

    def __init__(self, config: StationConfig, jumps: PositionJumpConfig) -> None:
        self.config = config
        self._max_knots = jumps.max_speed_knots
        self._floor = jumps.min_seconds
        self._hours = config.ship_like_hours * SECONDS_PER_HOUR

    def initial(self) -> StationMotionState:
        return StationMotionState()

    def restore(self, data: dict[str, Any]) -> StationMotionState:
        """The state back from ``dataclasses.asdict`` of it (as JSON gives it)."""
        run, last = data.get("run"), data.get("last")
        return StationMotionState(
            run=None if run is None else Fix(*run),
            last=None if last is None else Fix(*last),
            flagged=bool(data.get("flagged", False)),
        )

    def step(
        self, state: StationMotionState, obs: Observation
    ) -> tuple[StationMotionState, list[Finding]]:
        if state.flagged:
            return state, []
        fix, before = obs.position, state.last
        state.last = fix
        if before is None or fix.t - before.t > self._hours:
            state.run = None
            return state, []
        implied = knots(
            distance_km(before.lat, before.lon, fix.lat, fix.lon),
            max(fix.t - before.t, self._floor),
        )
        speed = fix.speed if fix.speed is not None else implied
        if implied > self._max_knots or speed < self.config.ship_like_knots:
            state.run = None
            return state, []
        if state.run is None:
            state.run = before
        run = state.run
        hours = (fix.t - run.t) / SECONDS_PER_HOUR
        km = distance_km(run.lat, run.lon, fix.lat, fix.lon)
        if fix.t - run.t < self._hours or knots(km, fix.t - run.t) < self.config.ship_like_knots:
            return state, []
        state.flagged = True
        mean = km / KM_PER_NM / hours
        label = station_category(obs.mmsi).label
        reason = (
            f"{obs.mmsi:09d} is the MMSI of a {label} (ITU-R M.585), yet it moved like a ship: "
            f"{km:.1f} km in {hours:.1f} h ({mean:.1f} kn)"
        )
        return state, [
            Finding(
                type=AlertType.INVALID_IDENTITY,
                status=Status.CLOSED,
                mmsi=obs.mmsi,
                start=run.t,
                end=fix.t,
                lat=run.lat,
                lon=run.lon,
                evidence={
                    "reason": reason,
                    "station": station_category(obs.mmsi).value,
                    "hours": round(hours, 2),
                    "distance_km": round(km, 2),
                    "mean_speed_knots": round(mean, 1),
                },
                magnitude=mean / self.config.ship_like_knots,
                summary=f"Positions reported under an invalid identity: {reason}",
            )
        ]
