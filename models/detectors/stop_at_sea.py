"""Stops at sea: a merchant vessel under way that stops for a short while and goes on (issue 17).

Drugs leave ports on ordinary merchant voyages and are dropped or picked up at sea in under an
hour — far below the hours loitering needs. A cargo ship or tanker (``first_ship_type`` ..
``last_ship_type``, 70-89: the type it last declared) under way at ``under_way_knots`` or more
that slows below ``stop_knots`` for at least ``min_minutes`` and then is under way again raises
one closed ``stop_at_sea`` alert when it goes on, from its first slow report to its last.

What is not a stop at sea:

- one inside a port or anchorage (a report in one ends the episode unraised: it arrived), or
  one that began within ``approach_km`` of one (``zones.harbours.HarbourApproaches``, asked
  once, when the stop would be raised): a ship slowing for a pilot, a berth or the tide;
- one inside an anchorage the encounter cells learned from traffic: like loitering, the alert
  is held by the cell of where the stop began and dropped there if it lies in one
  (``models.encounter.anchorages.hold``);
- one not observed throughout: a silence over ``max_gap_minutes`` in it, before it (since the
  ship was last under way) or between its end and the ship going on ends the episode unraised;
- a ship that slows and never goes on within ``max_gap_minutes`` (it is arriving somewhere,
  or stays, which loitering judges).

The evidence says how long, how slow, the speeds before and after, how far from the coast
(``models.encounter.shore``, GLOBE land mask) and from the nearest shipping-lane corridor of
the zone pack (``None`` where none lies within ``CORRIDOR_SEARCH_KM``) the stop began.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.alerts import AlertType, Finding, Status
from models.config import StopAtSeaConfig
from models.detectors.base import (
    Approaches,
    Observation,
    Untimed,
    harbour_of,
    speed_over_ground,
)
from models.encounter.shore import shore_km
from models.geo import KM_PER_NM
from models.records import Fix


@dataclass(slots=True)
class StopState:
    #: Event time and speed of the last report under way (before the stop, if one began).
    under_way_t: float
    speed_before: float
    #: The stop: its first slow report (None: none yet), its last, and the last report of all.
    start_t: float | None = None
    start_lat: float = 0.0
    start_lon: float = 0.0
    last_t: float = 0.0
    seen_t: float = 0.0
    min_speed: float = 0.0
    reports: int = 0


class StopAtSea(Untimed[StopState | None]):
    name = "stop_at_sea"

    def __init__(
        self,
        config: StopAtSeaConfig,
        approaches: Approaches | None = None,
        corridors: Approaches | None = None,
    ) -> None:
        self.config = config
        self.approaches = approaches if approaches is not None and approaches.km > 0 else None
        self.corridors = corridors
        self._types = range(config.first_ship_type, config.last_ship_type + 1)
        self._min_seconds = config.min_minutes * 60
        self._max_gap = config.max_gap_minutes * 60

    def initial(self) -> StopState | None:
        return None  # not under way: nothing to hold

    def restore(self, data: dict[str, Any]) -> StopState:
        """The state back from ``dataclasses.asdict`` of it (as JSON gives it)."""
        return StopState(**data)

    def step(
        self, state: StopState | None, obs: Observation
    ) -> tuple[StopState | None, list[Finding]]:
        if obs.ship_type not in self._types or harbour_of(obs.zones) is not None:
            return None, []
        fix = obs.position
        speed = speed_over_ground(fix, obs.previous)
        if speed is None:
            return state, []
        if state is None:
            return (StopState(fix.t, speed) if self._under_way(speed) else None), []
        if state.start_t is None:
            return self._before(state, fix, speed), []
        return self._stopped(state, fix, speed, obs.mmsi)

    def _under_way(self, speed: float) -> bool:
        return speed >= self.config.under_way_knots

    def _before(self, state: StopState, fix: Fix, speed: float) -> StopState | None:
        """Under way, not stopped yet: still under way, slowing, or the stop's first report."""
        if self._under_way(speed):
            state.under_way_t, state.speed_before = fix.t, speed
        elif fix.t - state.under_way_t > self._max_gap:
            return None  # slowed unobserved, or long ago
        elif speed < self.config.stop_knots:
            state.start_t, state.start_lat, state.start_lon = fix.t, fix.lat, fix.lon
            state.last_t = state.seen_t = fix.t
            state.min_speed, state.reports = speed, 1
        return state

    def _stopped(
        self, state: StopState, fix: Fix, speed: float, mmsi: int
    ) -> tuple[StopState | None, list[Finding]]:
        """In a stop: it goes on slow, goes on under way (raised if long enough and not off a
        port), or ends unraised."""
        assert state.start_t is not None
        if fix.t - state.seen_t > self._max_gap:  # not observed throughout
            return (StopState(fix.t, speed) if self._under_way(speed) else None), []
        state.seen_t = fix.t
        if speed < self.config.stop_knots:
            state.last_t = fix.t
            state.min_speed = min(state.min_speed, speed)
            state.reports += 1
            return state, []
        if self._under_way(speed):
            findings = []
            if state.last_t - state.start_t >= self._min_seconds and not self._off_a_port(state):
                findings.append(self._finding(state, mmsi, speed))
            return StopState(fix.t, speed), findings
        if fix.t - state.last_t > self._max_gap:
            return None, []  # slowly on, or slowly in: not a stop that went on
        return state, []

    def _off_a_port(self, state: StopState) -> bool:
        """Did the stop begin in the approaches of a port or anchorage?"""
        return self.approaches is not None and (
            self.approaches.nearest(state.start_lat, state.start_lon) is not None
        )

    def _finding(self, state: StopState, mmsi: int, speed_after: float) -> Finding:
        assert state.start_t is not None
        lat, lon = state.start_lat, state.start_lon
        minutes = (state.last_t - state.start_t) / 60
        coast = shore_km(lat, lon)
        lane = None if self.corridors is None else self.corridors.nearest(lat, lon)
        lane_km = None if lane is None else lane[1]
        where = [
            "more than 250 km from the coast" if coast is None else f"{_nm(coast)} from the coast"
        ]
        if lane_km is not None:
            where.append(
                "in a shipping lane" if lane_km == 0 else f"{_nm(lane_km)} from a shipping lane"
            )
        return Finding(
            type=AlertType.STOP_AT_SEA,
            status=Status.CLOSED,
            mmsi=mmsi,
            start=state.start_t,
            end=state.last_t,
            lat=lat,
            lon=lon,
            evidence={
                "duration_minutes": round(minutes, 1),
                "min_speed_knots": round(state.min_speed, 2),
                "speed_before_knots": round(state.speed_before, 2),
                "speed_after_knots": round(speed_after, 2),
                "reports": state.reports,
                "shore_km": None if coast is None else round(coast, 1),
                "corridor_km": None if lane_km is None else round(lane_km, 1),
            },
            summary=(
                f"Stopped at sea for {minutes:.0f} min (down to {state.min_speed:.1f} kn) "
                f"under way at {state.speed_before:.1f} kn before and {speed_after:.1f} kn after, "
                + ", ".join(where)
            ),
        )


def _nm(km: float) -> str:
    return f"{km / KM_PER_NM:.0f} nm"
