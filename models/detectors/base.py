"""What every detector sees and returns.

A detector is a small object with no mutable attributes of its own: its per-vessel state is a
plain dataclass the engine keeps in the vessel's ``VesselState``, so the replay dict and the
faust table hold the same thing. ``step(state, observation) -> (state, findings)`` runs on every
position, in event-time order; ``tick(state, watermark) -> (state, findings)`` runs when event time
passes ``due(state)`` without a new position (silence is a behaviour too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

from models.alerts import Finding, ZoneRef
from models.geo import distance_km, knots
from zones.model import Zone

S = TypeVar("S")


class Fix(NamedTuple):
    """A usable position with its event time (Unix seconds)."""

    t: float
    lat: float
    lon: float
    speed: float | None
    course: float | None


@dataclass(frozen=True, slots=True)
class Observation:
    """A vessel's new fix, with the fix before it and the zones it lies in."""

    mmsi: int
    fix: Fix
    previous: Fix | None
    zones: tuple[Zone, ...]


class Detector(Protocol[S]):
    """The shape every behaviour detector has."""

    name: str

    def initial(self) -> S: ...

    def restore(self, data: dict[str, Any]) -> S: ...

    def step(self, state: S, obs: Observation) -> tuple[S, list[Finding]]: ...

    def tick(self, state: S, mmsi: int, watermark: float) -> tuple[S, list[Finding]]: ...

    def due(self, state: S) -> float | None: ...


class Untimed(Generic[S]):
    """For detectors that only react to reports: no timer, nothing to do on a tick."""

    def due(self, state: S) -> float | None:
        return None

    def tick(self, state: S, mmsi: int, watermark: float) -> tuple[S, list[Finding]]:
        return state, []


def speed_over_ground(fix: Fix, previous: Fix | None) -> float | None:
    """The reported speed, else the speed implied from the previous fix (None with neither)."""
    if fix.speed is not None:
        return fix.speed
    if previous is None:
        return None
    return knots(distance_km(previous.lat, previous.lon, fix.lat, fix.lon), fix.t - previous.t)


def zone_ref(zone: Zone) -> ZoneRef:
    return ZoneRef(zone.id, zone.name, zone.kind.value, zone.risk)


def harbour_of(zones: tuple[Zone, ...]) -> Zone | None:
    """The port or anchorage a fix lies in: a port before an anchorage, then the lowest id."""
    best: Zone | None = None
    for zone in zones:
        if not zone.is_harbour:
            continue
        if (
            best is None
            or (zone.kind != best.kind and zone.kind == "port")
            or (zone.kind == best.kind and zone.id < best.id)
        ):
            best = zone
    return best
