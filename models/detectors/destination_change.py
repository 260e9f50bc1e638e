"""Destination changes: the declared AIS destination (static report, type 5) changes mid-voyage.

Destinations are normalised before they are compared: trimmed, upper case, runs of spaces made
one, and a UN/LOCODE written with a space (``PA BLB``) closed up (``PABLB``), so a crew retyping
the same port raises nothing. A change is raised only at sea: not while the vessel's last fix
lies in a port or anchorage, nor until it has been outside it for the port call's
``exit_minutes`` (the same hysteresis that ends a port call), and not before a first fix at sea
since the first destination was declared — editing the destination during a port call is routine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from models.alerts import AlertType, Finding, Status
from models.config import PortCallConfig
from models.detectors.base import Kind, Observation, Untimed, harbour_of

#: Two letters of country and three of place, perhaps with a space or dash between them.
_LOCODE = re.compile(r"^([A-Z]{2})[ -]?([A-Z2-9]{3})$")
_SPACES = re.compile(r"\s+")


def normalised(destination: str | None) -> str | None:
    """The destination as compared: trimmed, upper case, a spaced UN/LOCODE closed up; ``None``
    for an empty one (AIS pads with ``@`` and spaces)."""
    if destination is None:
        return None
    text = _SPACES.sub(" ", destination.replace("@", " ")).strip().upper()
    if not text:
        return None
    code = _LOCODE.match(text)
    return code.group(1) + code.group(2) if code else text


@dataclass(slots=True)
class DestinationState:
    destination: str | None = None  # the last declared destination, normalised
    declared_t: float = 0.0
    #: Event time of the last fix in a harbour (None: none seen yet).
    harbour_t: float | None = None
    #: Whether the last fix lay in a harbour; whether any fix lay outside one.
    in_harbour: bool = False
    at_sea: bool = False


class DestinationChange(Untimed[DestinationState | None]):
    name = "destination_change"
    needs: ClassVar[frozenset[Kind]] = frozenset({Kind.POSITION, Kind.STATIC})

    def __init__(self, port_call: PortCallConfig) -> None:
        self._settle = port_call.exit_minutes * 60

    def initial(self) -> DestinationState | None:
        return None

    def restore(self, data: dict[str, Any]) -> DestinationState:
        """The state back from ``dataclasses.asdict`` of it (as JSON gives it)."""
        return DestinationState(**data)

    def step(
        self, state: DestinationState | None, obs: Observation
    ) -> tuple[DestinationState | None, list[Finding]]:
        if obs.kind is Kind.POSITION:
            if state is None:  # no destination declared yet: nothing to follow
                return state, []
            inside = harbour_of(obs.zones) is not None
            state.in_harbour = inside
            if inside:
                state.harbour_t = obs.t
            else:
                state.at_sea = True
            return state, []
        static = obs.static
        new = normalised(static.destination if static is not None else None)
        if new is None:
            return state, []
        if state is None:
            state = DestinationState()
        old, since = state.destination, state.declared_t
        state.destination, state.declared_t = new, obs.t
        if old is None or old == new or not self._at_sea(state, obs.t):
            return state, []
        return state, [self._finding(obs, old, new, since)]

    def _at_sea(self, state: DestinationState, t: float) -> bool:
        """Under way, out of any port call: a fix at sea, and long enough out of the harbour."""
        if not state.at_sea or state.in_harbour:
            return False
        return state.harbour_t is None or t - state.harbour_t >= self._settle

    def _finding(self, obs: Observation, old: str, new: str, since: float) -> Finding:
        where = obs.previous
        hours = (obs.t - since) / 3600
        return Finding(
            type=AlertType.DESTINATION_CHANGE,
            status=Status.CLOSED,
            mmsi=obs.mmsi,
            start=obs.t,
            end=obs.t,
            lat=None if where is None else where.lat,
            lon=None if where is None else where.lon,
            evidence={"old": old, "new": new, "hours_since_old": round(hours, 2)},
            summary=f"Declared destination changed at sea from {old!r} to {new!r}",
        )
