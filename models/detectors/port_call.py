"""Port calls: a stop (under ``max_speed_knots``) or a silence of ``min_gap_hours`` inside a port or
anchorage zone (after Global Fishing Watch port visits). The call opens at the first fix inside the
zone and closes once the vessel has been outside it for ``exit_minutes`` — the hysteresis that
keeps a ship swinging on its anchor at the zone's edge from making a dozen calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.alerts import AlertType, Finding, Status, ZoneRef
from models.config import PortCallConfig
from models.detectors.base import Observation, Untimed, harbour_of, zone_ref
from models.geo import SECONDS_PER_HOUR


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


class PortCall(Untimed[PortCallState | None]):
    name = "port_call"

    def __init__(self, config: PortCallConfig) -> None:
        self.config = config

    def initial(self) -> PortCallState | None:
        return None  # in no harbour: nothing to hold

    def restore(self, data: dict[str, Any]) -> PortCallState:
        """The state back from ``dataclasses.asdict`` of it (as JSON gives it)."""
        return PortCallState(**data)

    def step(
        self, state: PortCallState | None, obs: Observation
    ) -> tuple[PortCallState | None, list[Finding]]:
        fix = obs.position
        harbour = harbour_of(obs.zones)
        findings: list[Finding] = []
        if harbour is None:
            if state is None or state.zone_id is None:
                return state, findings
            if state.outside_since is None:
                state.outside_since = fix.t
            if fix.t - state.outside_since >= self.config.exit_minutes * 60:
                if state.open:
                    findings.append(self._finding(state, obs.mmsi, Status.CLOSED))
                return None, findings
            return state, findings
        if state is None or state.zone_id != harbour.id:
            if state is not None and state.open:
                findings.append(self._finding(state, obs.mmsi, Status.CLOSED))
            ref = zone_ref(harbour)
            state = PortCallState(
                zone_id=ref.id,
                zone_name=ref.name,
                zone_kind=ref.kind,
                zone_risk=ref.risk,
                entered=fix.t,
                entered_lat=fix.lat,
                entered_lon=fix.lon,
                last_inside=fix.t,
            )
        gap = fix.t - state.last_inside
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
            findings.append(self._finding(state, obs.mmsi, Status.OPEN))
        return state, findings

    def _finding(self, state: PortCallState, mmsi: int, status: Status) -> Finding:
        assert state.zone_id is not None
        closed = status is Status.CLOSED
        end = state.outside_since if closed and state.outside_since else state.last_inside
        hours = (end - state.entered) / SECONDS_PER_HOUR
        kind = "anchorage" if state.zone_kind == "anchorage" else "port"
        return Finding(
            type=AlertType.PORT_CALL,
            status=status,
            mmsi=mmsi,
            start=state.entered,
            end=end if closed else None,
            lat=state.entered_lat,
            lon=state.entered_lon,
            zone=ZoneRef(state.zone_id, state.zone_name, state.zone_kind, state.zone_risk),
            evidence={
                "duration_hours": round(hours, 2) if closed else None,
                "min_speed_knots": state.min_speed,
            },
            summary=(
                f"Call at {kind} {state.zone_name}"
                + (f" for {hours:.1f} h" if closed else " began")
            ),
        )
