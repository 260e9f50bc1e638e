"""Route deviation (issue 17, after EMSA's "deviation from the usual route"): a merchant vessel on
a voyage that stays far from every shipping lane and from its own route for hours.

A cargo ship or tanker (``first_ship_type`` .. ``last_ship_type``, the type it declared) that
has been in a port or anchorage and declared where it is bound — a UN/LOCODE or a port name the
catalogue knows (``zones.places``) — has a route: the great-circle segment from the centre of
the last harbour it was in to the centre of that port. Every ``sample_minutes`` of event time at
sea it is placed against that route (``models.geo.off_route_km``) and against the shipping-lane
corridors of the zone pack (``zones.nearest``); when it is more than ``max_offset_nm`` from both
for ``min_hours`` the episode opens, and it closes at the first sample back within reach of
either (where it rejoined) or when the vessel reaches a harbour. Samples more than
``max_gap_hours`` apart end the episode unraised: a deviation is only claimed while observed.

Nothing is judged where the pack has no corridors (outside the box round them, 200 km beyond:
there "far from every lane" would say nothing), nor for a vessel whose destination the
catalogue cannot place. A ship following a lane off its centre line stays within the corridor's
reach; a ship on the direct line between its ports stays on its route.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from models.alerts import AlertType, Finding, Status
from models.config import RouteDeviationConfig
from models.detectors.base import Approaches, Kind, Observation, Untimed, harbour_of
from models.detectors.destination_change import normalised
from models.geo import KM_PER_NM, SECONDS_PER_HOUR, off_route_km
from models.records import Fix
from zones.circles import CircleZone
from zones.model import Zone


class Corridors(Approaches, Protocol):
    """The lanes: the nearest within ``km``, and where that answer means something."""

    def covers(self, lat: float, lon: float) -> bool: ...


class Places(Protocol):
    """Where a declared destination is (``zones.places.PortPlaces``)."""

    def place_of(self, destination: str | None) -> tuple[float, float] | None: ...


@dataclass(slots=True)
class RouteState:
    #: Centre of the last harbour the vessel was in (None: none yet) and the declared
    #: destination (normalised).
    port_lat: float | None = None
    port_lon: float = 0.0
    destination: str | None = None
    sample_t: float = 0.0
    #: The episode: first and last far sample, the largest offset and where it was.
    start_t: float | None = None
    start_lat: float = 0.0
    start_lon: float = 0.0
    last_t: float = 0.0
    max_offset_km: float = 0.0
    route_km: float = 0.0
    lane_km: float | None = None
    samples: int = 0
    open: bool = False


class RouteDeviation(Untimed[RouteState | None]):
    name = "route_deviation"
    needs: ClassVar[frozenset[Kind]] = frozenset({Kind.POSITION, Kind.STATIC})

    def __init__(
        self,
        config: RouteDeviationConfig,
        corridors: Corridors | None = None,
        places: Places | None = None,
    ) -> None:
        self.config = config
        self.corridors = corridors
        self.places = places
        self._types = range(config.first_ship_type, config.last_ship_type + 1)
        self._offset = config.max_offset_nm * KM_PER_NM
        self._sample = config.sample_minutes * 60
        self._min_seconds = config.min_hours * SECONDS_PER_HOUR
        self._max_gap = config.max_gap_hours * SECONDS_PER_HOUR
        self._centres: dict[str, tuple[float, float]] = {}

    def initial(self) -> RouteState | None:
        return None

    def restore(self, data: dict[str, Any]) -> RouteState:
        """The state back from ``dataclasses.asdict`` of it (as JSON gives it)."""
        return RouteState(**data)

    def step(
        self, state: RouteState | None, obs: Observation
    ) -> tuple[RouteState | None, list[Finding]]:
        if self.corridors is None or self.places is None:
            return None, []
        if obs.kind is Kind.STATIC:
            return self._declared(state, obs), []
        if obs.ship_type not in self._types:
            return None, []
        fix = obs.position
        harbour = harbour_of(obs.zones)
        if harbour is not None:
            findings = self._close(state, obs.mmsi, fix) if state is not None else []
            state = state if state is not None else RouteState()
            state.port_lat, state.port_lon = self._centre(harbour)
            state.sample_t = fix.t
            return state, findings
        if state is None or state.port_lat is None or fix.t - state.sample_t < self._sample:
            return state, []
        state.sample_t = fix.t
        return state, self._sampled(state, obs.mmsi, fix)

    def _declared(self, state: RouteState | None, obs: Observation) -> RouteState | None:
        static = obs.static
        if static is None or static.ship_type not in self._types:
            return state
        destination = normalised(static.destination)
        if destination is None:
            return state
        state = state if state is not None else RouteState()
        state.destination = destination
        return state

    def _centre(self, zone: Zone) -> tuple[float, float]:
        """(lat, lon) of a harbour's centre: its first centre for a circle zone (drawing its
        polygon would cost more), its centroid otherwise; cached."""
        centre = self._centres.get(zone.id)
        if centre is None:
            if isinstance(zone, CircleZone):
                lon, lat = zone.centres[0]
                centre = (float(lat), float(lon))
            else:
                point = zone.geometry.centroid
                centre = (point.y, point.x)
            self._centres[zone.id] = centre
        return centre

    def _sampled(self, state: RouteState, mmsi: int, fix: Fix) -> list[Finding]:
        """One sample at sea: the episode grows, opens, closes or starts."""
        assert self.corridors is not None
        assert self.places is not None
        assert state.port_lat is not None
        far = None
        covered = self.corridors.covers(fix.lat, fix.lon)
        target = self.places.place_of(state.destination) if covered else None
        if target is not None:
            route = off_route_km(fix.lat, fix.lon, (state.port_lat, state.port_lon), target)
            lane = self.corridors.nearest(fix.lat, fix.lon)
            lane_km = None if lane is None else lane[1]
            if route > self._offset and (lane_km is None or lane_km > self._offset):
                far = (route, lane_km)
        if far is None:
            return self._close(state, mmsi, fix)
        findings: list[Finding] = []
        if state.start_t is not None and fix.t - state.last_t > self._max_gap:
            findings = self._close(state, mmsi, None)  # not observed throughout
        route, lane_km = far
        offset = route if lane_km is None else min(route, lane_km)
        if state.start_t is None:
            state.start_t, state.start_lat, state.start_lon = fix.t, fix.lat, fix.lon
            state.max_offset_km, state.samples = 0.0, 0
        state.last_t = fix.t
        state.samples += 1
        if offset > state.max_offset_km:
            state.max_offset_km, state.route_km, state.lane_km = offset, route, lane_km
        if not state.open and fix.t - state.start_t >= self._min_seconds:
            state.open = True
            findings.append(self._finding(state, mmsi, Status.OPEN, None))
        return findings

    def _close(self, state: RouteState, mmsi: int, rejoined: Fix | None) -> list[Finding]:
        """End the episode: closed (where it rejoined) if it had opened."""
        findings = []
        if state.start_t is not None and state.open:
            findings.append(self._finding(state, mmsi, Status.CLOSED, rejoined))
        state.start_t, state.open = None, False
        return findings

    def _finding(
        self, state: RouteState, mmsi: int, status: Status, rejoined: Fix | None
    ) -> Finding:
        assert state.start_t is not None
        hours = (state.last_t - state.start_t) / SECONDS_PER_HOUR
        closed = status is Status.CLOSED
        lane = (
            "more than 108 nm" if state.lane_km is None else f"{state.lane_km / KM_PER_NM:.0f} nm"
        )
        return Finding(
            type=AlertType.ROUTE_DEVIATION,
            status=status,
            mmsi=mmsi,
            start=state.start_t,
            end=state.last_t if closed else None,
            lat=state.start_lat,
            lon=state.start_lon,
            evidence={
                "max_offset_nm": round(state.max_offset_km / KM_PER_NM, 1),
                "route_offset_nm": round(state.route_km / KM_PER_NM, 1),
                "corridor_nm": None
                if state.lane_km is None
                else round(state.lane_km / KM_PER_NM, 1),
                "hours": round(hours, 2),
                "destination": state.destination,
                "rejoined_lat": None if rejoined is None else round(rejoined.lat, 6),
                "rejoined_lon": None if rejoined is None else round(rejoined.lon, 6),
            },
            magnitude=hours / self.config.min_hours,
            summary=(
                f"Off the shipping lanes ({lane}) and its route to {state.destination} "
                f"({state.route_km / KM_PER_NM:.0f} nm) "
                + ("for" if closed else "for at least")
                + f" {hours:.1f} h"
            ),
        )
