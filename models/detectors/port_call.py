"""Port calls: a stop (under ``max_speed_knots``) or a silence of ``min_gap_hours`` inside a port or
anchorage zone (after Global Fishing Watch port visits). The call opens at the first fix inside the
zone and closes once the vessel has been outside it for ``exit_minutes`` — the hysteresis that
keeps a ship swinging on its anchor at the zone's edge from making a dozen calls.

**The voyage between two calls** (issue 17) is followed here too, since a voyage is what lies
between a call's close and the next call's open: from a call's close, the state stays with the
vessel at sea and adds up the distance it sails (fix to fix, leaving out steps no ship could make,
over ``position_jump.max_speed_knots``) and, every ``CORRIDOR_SAMPLE_S`` of event time, how far it
is from the nearest shipping-lane corridor of the zone pack. The next call's open message carries
the voyage in its evidence — ``voyage_from`` (the zone departed), ``voyage_departure``,
``voyage_distance_nm`` and ``voyage_max_corridor_nm`` — and ``models.voyages`` makes voyages of the
alerts. The last destination the vessel declared (static reports, normalised as
``destination_change`` does) goes into the evidence of every call's open and close as
``destination``, once the vessel has a call to remember it by. Passing through a port without
stopping is no call: the voyage goes on. A vessel that has never called holds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from models.alerts import AlertType, Evidence, Finding, Status, ZoneRef
from models.config import PortCallConfig
from models.detectors.base import Approaches, Kind, Observation, Untimed, harbour_of, zone_ref
from models.detectors.destination_change import normalised
from models.geo import KM_PER_NM, SECONDS_PER_HOUR, distance_km, knots
from models.records import Fix, iso_utc
from zones.model import Zone

#: How often (event time) a vessel on a voyage is placed against the shipping lanes.
CORRIDOR_SAMPLE_S = 600.0


@dataclass(slots=True)
class PortCallState:
    zone_id: str | None = None
    zone_name: str = ""
    zone_kind: str = ""
    zone_risk: float | None = None
    entered: float = 0.0
    entered_lat: float = 0.0
    entered_lon: float = 0.0
    last_inside: float = 0.0
    outside_since: float | None = None
    min_speed: float | None = None
    open: bool = False
    #: The voyage since the last call closed (``departed`` None: none followed).
    departed: float | None = None
    from_id: str | None = None
    sailed_km: float = 0.0
    #: The farthest from a corridor a sample found (None: none near any sample), whether a
    #: sample found none within the search, and when the last sample was taken.
    corridor_km: float | None = None
    corridor_far: bool = False
    corridor_t: float = 0.0
    #: Sailed inside a zone entered on the way, not (yet) a call: the voyage's if it leaves.
    passing_km: float = 0.0
    #: The last destination declared since the vessel's first call, normalised.
    destination: str | None = None


class PortCall(Untimed[PortCallState | None]):
    name = "port_call"
    needs: ClassVar[frozenset[Kind]] = frozenset({Kind.POSITION, Kind.STATIC})

    def __init__(
        self,
        config: PortCallConfig,
        corridors: Approaches | None = None,
        max_speed_knots: float = 50.0,
    ) -> None:
        self.config = config
        self.corridors = corridors
        self._max_speed = max_speed_knots

    def initial(self) -> PortCallState | None:
        return None  # in no harbour, on no voyage: nothing to hold

    def restore(self, data: dict[str, Any]) -> PortCallState:
        """The state back from ``dataclasses.asdict`` of it (as JSON gives it)."""
        return PortCallState(**data)

    def step(
        self, state: PortCallState | None, obs: Observation
    ) -> tuple[PortCallState | None, list[Finding]]:
        if obs.kind is Kind.STATIC:
            declared = normalised(obs.static.destination if obs.static is not None else None)
            if state is not None and declared is not None:
                state.destination = declared
            return state, []
        fix = obs.position
        if state is not None:
            self._sail(state, fix, obs.previous)
        harbour = harbour_of(obs.zones)
        if harbour is None:
            return self._outside(state, fix, obs.mmsi)
        return self._inside(state, harbour, fix, obs.mmsi)

    def _outside(
        self, state: PortCallState | None, fix: Fix, mmsi: int
    ) -> tuple[PortCallState | None, list[Finding]]:
        if state is None or state.zone_id is None:
            return state, []
        if state.outside_since is None:
            state.outside_since = fix.t
        if fix.t - state.outside_since < self.config.exit_minutes * 60:
            return state, []
        if not state.open:  # passed through without a call: the voyage (if any) goes on
            return _going_on(state), []
        closed = self._finding(state, mmsi, Status.CLOSED)
        assert closed.end is not None
        return _departed(state, closed.end), [closed]

    def _inside(
        self, state: PortCallState | None, harbour: Zone, fix: Fix, mmsi: int
    ) -> tuple[PortCallState | None, list[Finding]]:
        findings: list[Finding] = []
        if state is None or state.zone_id != harbour.id:
            if state is not None and state.open:  # straight on from one zone to the next
                closed = self._finding(state, mmsi, Status.CLOSED)
                findings.append(closed)
                assert closed.end is not None
                state = _departed(state, closed.end)
            ref = zone_ref(harbour)
            state = PortCallState() if state is None else _going_on(state) or PortCallState()
            state.zone_id, state.zone_name, state.zone_kind = ref.id, ref.name, ref.kind
            state.zone_risk, state.entered = ref.risk, fix.t
            state.entered_lat, state.entered_lon, state.last_inside = fix.lat, fix.lon, fix.t
        gap = fix.t - state.last_inside
        if state.open and state.outside_since is not None:
            state.sailed_km = 0.0  # back in before the call closed: not left yet
        state.outside_since = None
        state.last_inside = fix.t
        if fix.speed is not None:
            state.min_speed = (
                fix.speed if state.min_speed is None else min(state.min_speed, fix.speed)
            )
        stopped = fix.speed is not None and fix.speed < self.config.max_speed_knots
        silent = gap >= self.config.min_gap_hours * SECONDS_PER_HOUR
        if not state.open and (stopped or silent):
            state.open = True
            findings.append(self._finding(state, mmsi, Status.OPEN))
            state.departed, state.from_id, state.sailed_km = None, None, 0.0  # it ended here
            state.corridor_km, state.corridor_far, state.passing_km = None, False, 0.0
        return state, findings

    def _sail(self, state: PortCallState, fix: Fix, previous: Fix | None) -> None:
        """Add the step from the previous fix to the voyage — from the first fix out of the
        harbour departed to the first in the next; steps inside a zone on the way count once
        the vessel leaves it without a call — and sample the lanes when due."""
        at_sea = state.zone_id is None
        leaving = state.open and state.outside_since is not None
        passing = not at_sea and not state.open and state.departed is not None
        if not (at_sea or leaving or passing):
            return  # in a call, or in a harbour with no voyage behind it
        if previous is not None and fix.t > previous.t:
            km = distance_km(previous.lat, previous.lon, fix.lat, fix.lon)
            if knots(km, fix.t - previous.t) <= self._max_speed:
                if passing:
                    state.passing_km += km
                else:
                    state.sailed_km += km
        if not at_sea or self.corridors is None or fix.t - state.corridor_t < CORRIDOR_SAMPLE_S:
            return
        state.corridor_t = fix.t
        nearest = self.corridors.nearest(fix.lat, fix.lon)
        if nearest is None:
            state.corridor_far = True
        elif state.corridor_km is None or nearest[1] > state.corridor_km:
            state.corridor_km = nearest[1]

    def _finding(self, state: PortCallState, mmsi: int, status: Status) -> Finding:
        assert state.zone_id is not None
        closed = status is Status.CLOSED
        end = state.outside_since if closed and state.outside_since else state.last_inside
        hours = (end - state.entered) / SECONDS_PER_HOUR
        kind = "anchorage" if state.zone_kind == "anchorage" else "port"
        evidence: Evidence = {
            "duration_hours": round(hours, 2) if closed else None,
            "min_speed_knots": state.min_speed,
        }
        if not closed and state.departed is not None:
            evidence.update(self._voyage(state))
        if state.destination is not None:
            evidence["destination"] = state.destination
        return Finding(
            type=AlertType.PORT_CALL,
            status=status,
            mmsi=mmsi,
            start=state.entered,
            end=end if closed else None,
            lat=state.entered_lat,
            lon=state.entered_lon,
            zone=ZoneRef(state.zone_id, state.zone_name, state.zone_kind, state.zone_risk),
            evidence=evidence,
            summary=(
                f"Call at {kind} {state.zone_name}"
                + (f" for {hours:.1f} h" if closed else " began")
            ),
        )

    def _voyage(self, state: PortCallState) -> Evidence:
        """The voyage that ends at this call's open, as evidence."""
        lanes = state.corridor_km
        if lanes is not None and state.corridor_far and self.corridors is not None:
            lanes = max(lanes, self.corridors.km)  # a sample found none within the search
        return {
            "voyage_from": state.from_id,
            "voyage_departure": iso_utc(state.departed),
            "voyage_distance_nm": round(state.sailed_km / KM_PER_NM, 1),
            "voyage_max_corridor_nm": None if lanes is None else round(lanes / KM_PER_NM, 1),
        }


def _departed(state: PortCallState, departed: float) -> PortCallState:
    """A new voyage from the call ``state`` holds, departed at ``departed``: the lanes first
    sampled ``CORRIDOR_SAMPLE_S`` after it (a shift between two harbour zones is never
    sampled), the destination kept."""
    return PortCallState(
        departed=departed,
        from_id=state.zone_id,
        sailed_km=state.sailed_km,  # since the first fix out (the call closes later)
        corridor_t=departed,
        destination=state.destination,
    )


def _going_on(state: PortCallState) -> PortCallState | None:
    """The state out of any call, the voyage it followed going on (with what it sailed in a
    zone it passed through); ``None`` (nothing to hold) when it followed none."""
    if state.departed is None:
        return None
    return PortCallState(
        departed=state.departed,
        from_id=state.from_id,
        sailed_km=state.sailed_km + state.passing_km,
        corridor_km=state.corridor_km,
        corridor_far=state.corridor_far,
        corridor_t=state.corridor_t,
        destination=state.destination,
    )
