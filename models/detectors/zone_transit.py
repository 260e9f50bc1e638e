"""Zone entry and exit: the first report inside, then the first report outside, a ``restricted``
or ``protected`` zone (EMSA "area entry"). Both are instant events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.alerts import AlertType, Finding, Status, ZoneRef
from models.detectors.base import Observation, Untimed, zone_ref


@dataclass(slots=True)
class TransitState:
    #: zone id -> (name, kind, risk, entered at) for every watched zone the vessel is inside.
    inside: dict[str, tuple[str, str, float | None, float]] = field(default_factory=dict)


class ZoneTransit(Untimed[TransitState | None]):
    name = "zone_transit"

    def initial(self) -> TransitState | None:
        return None  # inside no watched zone: nothing to hold

    def restore(self, data: dict[str, Any]) -> TransitState:
        """The state back from ``dataclasses.asdict`` of it (as JSON gives it)."""
        inside = {key: tuple(value) for key, value in data.get("inside", {}).items()}
        return TransitState(inside=inside)

    def step(
        self, state: TransitState | None, obs: Observation
    ) -> tuple[TransitState | None, list[Finding]]:
        watched = [zone for zone in obs.zones if zone.raises_entry]
        if not watched and (state is None or not state.inside):
            return state, []
        if state is None:
            state = TransitState()
        fix = obs.position
        findings: list[Finding] = []
        now = {zone.id for zone in watched}
        for zone_id in sorted(set(state.inside) - now):
            name, kind, risk, entered = state.inside.pop(zone_id)
            ref = ZoneRef(zone_id, name, kind, risk)
            hours = (fix.t - entered) / 3600.0
            findings.append(
                self._event(
                    AlertType.ZONE_EXIT,
                    obs,
                    ref,
                    {"hours_inside": round(hours, 2)},
                    f"Left {kind.replace('_', ' ')} zone {name} after {hours:.1f} h inside",
                )
            )
        for zone in sorted(watched, key=lambda z: z.id):
            if zone.id in state.inside:
                continue
            state.inside[zone.id] = (zone.name, zone.kind.value, zone.risk, fix.t)
            speed = fix.speed
            findings.append(
                self._event(
                    AlertType.ZONE_ENTRY,
                    obs,
                    zone_ref(zone),
                    {"speed_knots": speed, "course": fix.course},
                    f"Entered {zone.kind.value.replace('_', ' ')} zone {zone.name}",
                )
            )
        return (state if state.inside else None), findings

    @staticmethod
    def _event(
        kind: AlertType,
        obs: Observation,
        ref: ZoneRef,
        evidence: dict[str, float | None],
        text: str,
    ) -> Finding:
        fix = obs.position
        return Finding(
            type=kind,
            status=Status.CLOSED,
            mmsi=obs.mmsi,
            start=fix.t,
            end=fix.t,
            lat=fix.lat,
            lon=fix.lon,
            zone=ref,
            evidence=dict(evidence),
            summary=text,
        )
