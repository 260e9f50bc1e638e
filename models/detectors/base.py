"""What every detector sees and returns.

A detector is a small object with no mutable attributes of its own: its per-vessel state is a
plain dataclass the engine keeps in the vessel's ``VesselState``, so the replay dict and the
faust table hold the same thing. Every detector has the same two methods:

- ``step(state, event) -> (state, findings)``, called in event-time order with each
  ``Observation`` of a kind the detector ``needs``: a usable position, a static report, a
  report with coordinates off the globe, or silence (event time passed ``due`` with no report);
- ``due(state)``: the event time at which the detector wants a ``SILENCE`` observation even if
  no report comes, or ``None`` (detectors that do not need silence always say ``None``).

The engine loops over its detectors uniformly and never calls one by name. A state may be
``None`` when it holds nothing (``initial`` may return it, and ``step`` then takes it), so that a
vessel at sea costs little memory; the engine makes a state with ``initial`` when a detector
first steps, and asks no timer of a detector that has none yet: an initial state asks for none.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Generic, NamedTuple, Protocol, TypeVar

from models.alerts import Finding, ZoneRef
from models.coverage import Coverage
from models.geo import distance_km, knots
from models.records import Fix, StaticReport
from zones.model import Zone

S = TypeVar("S")


class Kind(StrEnum):
    """What an observation is about."""

    POSITION = "position"  # a usable fix, after its vessel's previous one
    STATIC = "static"  # static and voyage data (name, call sign, IMO, ship type ...)
    IMPOSSIBLE = "impossible"  # coordinates off the globe (not the 91/181 sentinels)
    SILENCE = "silence"  # event time reached a detector's ``due`` with no new report


class Observation(NamedTuple):
    """One event in a vessel's life, as every detector receives it (immutable).

    ``t`` is its event time (the watermark for ``SILENCE``); ``previous`` the vessel's last
    usable fix before it. ``fix`` is the new fix of a ``POSITION`` and the reported, off-globe
    coordinates of an ``IMPOSSIBLE``; ``static`` the report of a ``STATIC``; ``zones`` the zones
    a ``POSITION`` lies in; ``status`` and ``heading`` what it reported, ``ship_type`` what the
    vessel last declared. ``coverage``, on ``POSITION`` and ``SILENCE``, is who the monitor
    heard around every vessel (read-only for detectors but for counting the gaps they judge).
    (A named tuple: one is made for every report, on the hot path.)
    """

    kind: Kind
    mmsi: int
    t: float
    previous: Fix | None = None
    fix: Fix | None = None
    zones: tuple[Zone, ...] = ()
    static: StaticReport | None = None
    #: The navigational status a ``POSITION`` reported (ITU-R M.1371; ``None`` if unknown).
    status: int | None = None
    coverage: Coverage | None = None
    #: The true heading a ``POSITION`` reported (whole degrees; ``None`` if not available).
    heading: int | None = None
    #: The vessel's ship type as last declared, on a ``POSITION`` (``None`` if never declared).
    ship_type: int | None = None

    @property
    def position(self) -> Fix:
        """The new fix of a ``POSITION`` observation."""
        assert self.fix is not None, f"a {self.kind} observation has no fix"
        return self.fix


POSITIONS = frozenset({Kind.POSITION})


class Detector(Protocol[S]):
    """The shape every behaviour detector has."""

    name: str
    #: The kinds of observation ``step`` is called with.
    needs: ClassVar[frozenset[Kind]]

    def initial(self) -> S: ...

    def restore(self, data: dict[str, Any]) -> S: ...

    def step(self, state: S, obs: Observation) -> tuple[S, list[Finding]]: ...

    def due(self, state: S) -> float | None: ...


class Untimed(Generic[S]):
    """For detectors that only react to reports: they never ask for silence."""

    needs: ClassVar[frozenset[Kind]] = POSITIONS

    def due(self, state: S) -> float | None:
        return None


#: How far the distance to the nearest shipping-lane corridor is looked for (a stop at sea's
#: evidence, a voyage's farthest from the lanes).
CORRIDOR_SEARCH_KM = 200.0


class Approaches(Protocol):
    """Which zone's edge is nearest a point, within ``km`` (``zones.nearest.NearestZones``, and
    ``zones.harbours.HarbourApproaches`` for the harbour a point lies off)."""

    km: float

    def nearest(self, lat: float, lon: float) -> tuple[Zone, float] | None: ...


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
