"""The engine: per-vessel steps from ordered reports to scored alerts.

``Engine`` holds configuration, zones and detectors, and no mutable state: every call takes the
``VesselState`` it works on. It turns each report into one ``Observation`` and hands it to every
detector that ``needs`` that kind, in a fixed order, then scores what they found. Which
detectors see a vessel's observations depends on the kind of station its MMSI is
(models/stations.py): ships, their craft, handhelds, group identities and invalid numbers get
every vessel behaviour (handhelds also the ship-like motion check); aids to navigation, base
stations and AMRDs only that check; distress beacons only ``distress``; SAR aircraft none.
``Fleet``
(models/fleet.py) drives it over many vessels with reordering and a watermark, and ``Monitor``
(models/monitor.py) — the one entry point of the replay runner, the streaming stages and the
tests — runs the fleet and the encounter stages together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from models.alerts import Alert, Finding, Status, VesselInfo
from models.config import Config
from models.coverage import Coverage
from models.detectors.base import (
    CORRIDOR_SEARCH_KM,
    Detector,
    Kind,
    Observation,
    harbour_of,
    speed_over_ground,
)
from models.detectors.dark_period import DarkPeriod
from models.detectors.destination_change import DestinationChange
from models.detectors.distress import Distress
from models.detectors.drift import Drift
from models.detectors.identity import Identity
from models.detectors.loitering import Loitering
from models.detectors.port_call import PortCall
from models.detectors.position_jump import PositionJump
from models.detectors.route_deviation import RouteDeviation
from models.detectors.station_motion import StationMotion
from models.detectors.stop_at_sea import StopAtSea
from models.detectors.zone_transit import ZoneTransit
from models.encounter.mover import Mover
from models.geo import SECONDS_PER_HOUR
from models.port_risk import PortRisks
from models.records import Fix, PositionReport, StaticReport
from models.scoring import ROUTINE, scored_alert
from models.stations import DISTRESS, MOVING_CHECKED, Station, is_vessel, station_category
from models.track import NOTHING, Pending, VesselState
from zones.flags import flag_for_mmsi
from zones.harbours import HarbourApproaches
from zones.index import ZoneIndex
from zones.model import Zone, ZoneKind
from zones.nearest import NearestZones
from zones.places import PortPlaces

FlagLookup = Callable[[int], str | None]

_RECENT_KEPT = 32

#: The detectors' names in the order ``Engine.detectors`` holds them, which is the order of the
#: states in every ``VesselState.detectors`` (and how ``models.snapshot`` names them).
DETECTOR_NAMES = (
    Identity.name,
    PositionJump.name,
    DarkPeriod.name,
    Loitering.name,
    ZoneTransit.name,
    PortCall.name,
    DestinationChange.name,
    StopAtSea.name,
    Drift.name,
    RouteDeviation.name,
    StationMotion.name,
    Distress.name,
)


def _is_corridor(zone: Zone) -> bool:
    return zone.kind is ZoneKind.CORRIDOR


class Engine:
    def __init__(
        self,
        config: Config | None = None,
        zones: ZoneIndex | None = None,
        flag_of: FlagLookup = flag_for_mmsi,
        port_risks: PortRisks | None = None,
    ) -> None:
        self.config = config or Config()
        #: Ports the user listed as risky (``models.port_risk``): alerts on voyages from or
        #: bound for one score higher.
        self.port_risks = port_risks if port_risks is not None else PortRisks()
        self.zones = zones if zones is not None else ZoneIndex()
        self.flag_of = flag_of
        self._movers = self.config.encounter.enabled
        self._evict_after = self.config.tracking.evict_after_hours * SECONDS_PER_HOUR
        corridors = NearestZones(self.zones.zones, CORRIDOR_SEARCH_KM, _is_corridor)
        #: In the order they see each observation (and so the order of their alerts).
        vessel: tuple[Detector[Any], ...] = (
            Identity(self.config.identity),
            PositionJump(self.config.position_jump, self.config.identity_conflict),
            DarkPeriod(self.config.dark_period),
            Loitering(
                self.config.loitering,
                HarbourApproaches(self.zones.zones, self.config.loitering.approach_km),
            ),
            ZoneTransit(),
            PortCall(self.config.port_call, corridors, self.config.position_jump.max_speed_knots),
            DestinationChange(self.config.port_call),
            StopAtSea(
                self.config.stop_at_sea,
                HarbourApproaches(self.zones.zones, self.config.stop_at_sea.approach_km),
                corridors,
            ),
            Drift(self.config.drift),
            RouteDeviation(self.config.route_deviation, corridors, PortPlaces(self.zones.zones)),
        )
        motion = StationMotion(self.config.stations, self.config.position_jump)
        distress = Distress(self.config.distress)
        self.detectors: tuple[Detector[Any], ...] = (*vessel, motion, distress)
        assert tuple(d.name for d in self.detectors) == DETECTOR_NAMES, "see DETECTOR_NAMES"

        def serving(station: Station) -> tuple[Detector[Any], ...]:
            return (
                (vessel if is_vessel(station) else ())
                + ((motion,) if station in MOVING_CHECKED else ())
                + ((distress,) if station in DISTRESS else ())
            )

        #: The detectors of each kind of station, by the kind of observation they need, with
        #: their place in ``detectors`` (and in a vessel's list of states); those that need
        #: ``SILENCE`` ask for a timer (silence is a behaviour too).
        place = {detector.name: i for i, detector in enumerate(self.detectors)}
        self._place = place
        self._needing: dict[Station, dict[Kind, tuple[tuple[int, Detector[Any]], ...]]] = {
            station: {
                kind: tuple((place[d.name], d) for d in serving(station) if kind in d.needs)
                for kind in Kind
            }
            for station in Station
        }
        #: What is known of a vessel before its static data: one shared record per flag.
        self._unnamed: dict[str | None, VesselInfo] = {}
        self._zone_tuples: dict[tuple[int, ...], tuple[Zone, ...]] = {(): ()}
        self.zone_by_id: dict[str, Zone] = {zone.id: zone for zone in self.zones.zones}

    # -- vessels ------------------------------------------------------------------------------

    def new_vessel(self, mmsi: int) -> VesselState:
        state = VesselState(mmsi)
        self.renew(state)
        return state

    def renew(self, vessel: VesselState) -> None:
        """Forget what is known of a vessel (unheard longer than the eviction horizon): it
        goes on as a new vessel would. Its reorder buffer and clocks stay."""
        flag = self.flag_of(vessel.mmsi)
        identity = self._unnamed.get(flag)
        if identity is None:
            identity = self._unnamed[flag] = VesselInfo(flag=flag)
        vessel.identity = identity
        # Every state blank, made by the detector when it first steps (``_step``).
        vessel.detectors = [None] * len(self.detectors)
        vessel.last_fix = None
        vessel.recent = NOTHING

    def state_of(self, vessel: VesselState, name: str) -> Any:
        """The state the detector called ``name`` holds for ``vessel`` (``None``: blank)."""
        return vessel.detectors[self._place[name]]

    def zones_of(self, reports: Sequence[PositionReport]) -> list[tuple[Zone, ...]]:
        """The zones each report's position lies in, matched in one batch."""
        if not reports or not len(self.zones):
            return [()] * len(reports)
        lon = np.fromiter((r.lon for r in reports), dtype=np.float64, count=len(reports))
        lat = np.fromiter((r.lat for r in reports), dtype=np.float64, count=len(reports))
        cache = self._zone_tuples
        every = self.zones.zones
        result: list[tuple[Zone, ...]] = []
        for hit in self.zones.match(lon, lat):
            zones = cache.get(hit)
            if zones is None:
                zones = cache[hit] = tuple(every[i] for i in hit)
            result.append(zones)
        return result

    # -- steps ----------------------------------------------------------------------------------

    def observe(
        self, vessel: VesselState, entry: Pending, coverage: Coverage | None = None
    ) -> tuple[list[Alert], Mover | None]:
        """Apply one report, in event-time order, to its vessel: the alerts it raises, and the
        report as a slow mover outside harbours (for the encounter stages), if it is one.
        ``coverage``: who was heard around it (``models.coverage``), for silences it ends."""
        t = entry.timestamp
        if t - vessel.heard > self._evict_after and vessel.heard > float("-inf"):
            # Unheard for longer than the eviction horizon: what its silence raised by then
            # (as a worker that evicted it would have), then it starts afresh.
            forgotten = self.tick(vessel, vessel.heard + self._evict_after, coverage)
            self.renew(vessel)
            alerts, mover = self._observe(vessel, entry, coverage)
            return forgotten + alerts, mover
        return self._observe(vessel, entry, coverage)

    def _observe(
        self, vessel: VesselState, entry: Pending, coverage: Coverage | None
    ) -> tuple[list[Alert], Mover | None]:
        report = entry.report
        t = vessel.heard = entry.timestamp
        station = station_category(vessel.mmsi)
        needing = self._needing[station]
        if isinstance(report, StaticReport):
            obs = Observation(Kind.STATIC, vessel.mmsi, t, vessel.last_fix, static=report)
            findings = self._step(vessel, obs, needing)
            vessel.learn(report)
            return [self.alert(vessel, finding, t) for finding in findings], None
        lat, lon = report.lat, report.lon
        if lat is None or lon is None:
            return [], None
        if report.impossible:
            reported = Fix(t, lat, lon, report.speed, report.course)
            obs = Observation(Kind.IMPOSSIBLE, vessel.mmsi, t, vessel.last_fix, reported)
            found = self._step(vessel, obs, needing)
            return [self.alert(vessel, finding, t) for finding in found], None
        last = vessel.last_fix
        if last is not None and last.t == t and last.lat == lat:
            return [], None  # the same report heard by a second receiver
        fix = Fix(t, lat, lon, report.speed, report.course)
        obs = Observation(
            Kind.POSITION,
            vessel.mmsi,
            t,
            last,
            fix,
            entry.zones,
            status=report.status,
            coverage=coverage,
            heading=report.heading,
            ship_type=vessel.identity.ship_type,
        )
        alerts = [self.alert(vessel, finding, t) for finding in self._step(vessel, obs, needing)]
        mover = None
        if self._movers and is_vessel(station):
            mover = self._mover(vessel, fix, last, entry.zones)
        vessel.last_fix = fix
        return alerts, mover

    def _step(
        self,
        vessel: VesselState,
        obs: Observation,
        needing: dict[Kind, tuple[tuple[int, Detector[Any]], ...]],
    ) -> Sequence[Finding]:
        """Every detector of this station that needs this kind of observation takes one step
        (from its initial state if it held nothing yet)."""
        states = vessel.detectors
        found: list[Finding] | None = None
        for i, detector in needing[obs.kind]:
            state = states[i]
            if state is None:
                state = detector.initial()
            states[i], findings = detector.step(state, obs)
            if findings:
                if found is None:
                    found = list(findings)
                else:
                    found.extend(findings)
        return () if found is None else found

    def _mover(
        self, vessel: VesselState, fix: Fix, last: Fix | None, zones: tuple[Zone, ...]
    ) -> Mover | None:
        """The fix as a slow mover, if it is one: under the encounter speed, outside harbours."""
        speed = speed_over_ground(fix, last)
        if (
            speed is None
            or speed >= self.config.encounter.max_speed_knots
            or harbour_of(zones) is not None
        ):
            return None
        window = fix.t - self.config.scoring.history_hours * SECONDS_PER_HOUR
        history = tuple((kind, start) for kind, start in vessel.recent if start >= window)
        return Mover(vessel.mmsi, fix.t, fix.lat, fix.lon, speed, vessel.identity, history)

    def tick(
        self, vessel: VesselState, watermark: float, coverage: Coverage | None = None
    ) -> list[Alert]:
        """Event time has reached ``watermark`` with no new report from this vessel: a
        ``SILENCE`` observation for each detector whose timer fell due (with ``coverage``)."""
        states = vessel.detectors
        obs: Observation | None = None
        alerts: list[Alert] = []
        for i, detector in self._needing[station_category(vessel.mmsi)][Kind.SILENCE]:
            state = states[i]
            due = None if state is None else detector.due(state)  # blank: no timer
            if due is None or due > watermark:
                continue
            if obs is None:
                obs = Observation(
                    Kind.SILENCE, vessel.mmsi, watermark, vessel.last_fix, coverage=coverage
                )
            states[i], findings = detector.step(state, obs)
            alerts.extend(self.alert(vessel, finding, due) for finding in findings)
        return alerts

    def due(self, vessel: VesselState) -> float | None:
        """When this vessel next needs a tick: its earliest detector timer or held report."""
        states = vessel.detectors
        soonest = vessel.pending[0].timestamp if vessel.pending else None
        for i, detector in self._needing[station_category(vessel.mmsi)][Kind.SILENCE]:
            state = states[i]
            if state is None:
                continue  # a blank state asks for no timer
            due = detector.due(state)
            if due is not None and (soonest is None or due < soonest):
                soonest = due
        return soonest

    # -- alerts ---------------------------------------------------------------------------------

    def alert(self, vessel: VesselState, finding: Finding, at: float | None = None) -> Alert:
        """The scored alert of ``finding``, raised at event time ``at`` (``Alert.at``)."""
        scoring = self.config.scoring
        window = finding.start - scoring.history_hours * 3600.0
        recent = tuple(kind for kind, start in vessel.recent if start >= window)
        marker = (finding.type.value, finding.start)
        if finding.status is not Status.UPDATE and marker not in vessel.recent:
            vessel.remember(marker, _RECENT_KEPT)
        context = self._voyage_context(vessel, finding) if self.port_risks else []
        if context:  # said in the evidence too, so a voyage does not count its ports twice
            points = round(sum(p for _, p in context), 1)
            finding = replace(finding, evidence={**finding.evidence, "listed_port_points": points})
        return scored_alert(finding, vessel.identity, recent, scoring, context, at=at)

    def _voyage_context(self, vessel: VesselState, finding: Finding) -> list[tuple[str, float]]:
        """What a listed port adds to an alert raised on a voyage from it or bound for it."""
        if finding.type.value in ROUTINE:
            return []
        voyage = vessel.detectors[self._place[PortCall.name]]
        if voyage is None or voyage.departed is None:
            return []  # not on a voyage (in a call, or none followed)
        weight = self.config.voyages.port_risk_weight
        context = []
        for what, risk in (
            ("on a voyage from", self.port_risks.of_zone(voyage.from_id)),
            ("on a voyage bound for", self.port_risks.of_destination(voyage.destination)),
        ):
            if risk is not None and weight * risk.risk > 0:
                points = round(weight * risk.risk, 1)
                context.append((f"{what} {risk.port}, a listed port ({risk.reason})", points))
        return context
