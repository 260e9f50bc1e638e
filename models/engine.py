"""The engine: per-vessel steps from ordered reports to scored alerts.

``Engine`` holds configuration, zones and detectors, and no mutable state: every call takes the
``VesselState`` it works on. ``Fleet`` (models/fleet.py) drives it over many vessels with
reordering and a watermark; the replay runner and the streaming agents both go through them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from models.alerts import Alert, Finding, Status, VesselInfo
from models.config import Config
from models.detectors.base import Detector, Fix, Observation, harbour_of, speed_over_ground
from models.detectors.dark_period import DarkPeriod
from models.detectors.identity import Identity
from models.detectors.loitering import Loitering
from models.detectors.port_call import PortCall
from models.detectors.position_jump import PositionJump
from models.detectors.zone_transit import ZoneTransit
from models.encounter.mover import Mover
from models.geo import SECONDS_PER_HOUR
from models.records import PositionReport, StaticReport
from models.scoring import scored_alert
from models.track import Pending, VesselState
from zones.flags import flag_for_mmsi
from zones.index import ZoneIndex
from zones.model import Zone

FlagLookup = Callable[[int], str | None]

_RECENT_KEPT = 32


class Engine:
    def __init__(
        self,
        config: Config | None = None,
        zones: ZoneIndex | None = None,
        flag_of: FlagLookup = flag_for_mmsi,
    ) -> None:
        self.config = config or Config()
        self.zones = zones if zones is not None else ZoneIndex()
        self.flag_of = flag_of
        self.jump = PositionJump(self.config.position_jump)
        self.dark = DarkPeriod(self.config.dark_period)
        self.identity = Identity(self.config.identity)
        self.detectors: tuple[Detector[Any], ...] = (
            self.identity,
            self.jump,
            self.dark,
            Loitering(self.config.loitering),
            ZoneTransit(),
            PortCall(self.config.port_call),
        )
        #: The detectors that keep a timer (silence is a behaviour too).
        self._timed = tuple(d for d in self.detectors if getattr(d, "timed", False))
        self._zone_tuples: dict[tuple[int, ...], tuple[Zone, ...]] = {(): ()}
        self.zone_by_id: dict[str, Zone] = {zone.id: zone for zone in self.zones.zones}

    # -- vessels ------------------------------------------------------------------------------

    def new_vessel(self, mmsi: int) -> VesselState:
        state = VesselState(mmsi)
        state.identity = VesselInfo(flag=self.flag_of(mmsi))
        state.detectors = {detector.name: detector.initial() for detector in self.detectors}
        return state

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
        self, vessel: VesselState, entry: Pending, movers: list[Mover] | None = None
    ) -> list[Alert]:
        """Apply one report, in event-time order, to its vessel. A slow position outside
        harbours is also appended to ``movers`` (when given), for the encounter stages."""
        report = entry.report
        if isinstance(report, StaticReport):
            states = vessel.detectors
            name = self.identity.name
            states[name], findings = self.identity.static(
                states[name], vessel.mmsi, report, entry.timestamp, vessel.last_fix
            )
            vessel.learn(report, None)
            return [self.alert(vessel, finding) for finding in findings]
        if report.impossible:
            assert report.lat is not None
            assert report.lon is not None
            finding = self.jump.impossible(
                vessel.mmsi, entry.timestamp, report.lat, report.lon, vessel.last_fix
            )
            return [self.alert(vessel, finding)]
        if report.lat is None or report.lon is None:
            return []
        last = vessel.last_fix
        if last is not None and last.t == entry.timestamp and last.lat == report.lat:
            return []  # the same report heard by a second receiver
        fix = Fix(entry.timestamp, report.lat, report.lon, report.speed, report.course)
        obs = Observation(vessel.mmsi, fix, last, entry.zones)
        alerts: list[Alert] = []
        states = vessel.detectors
        for detector in self.detectors:
            states[detector.name], findings = detector.step(states[detector.name], obs)
            for finding in findings:
                alerts.append(self.alert(vessel, finding))
        if movers is not None:
            mover = self._mover(vessel, fix, last, entry.zones)
            if mover is not None:
                movers.append(mover)
        vessel.remember(fix)
        return alerts

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

    def tick(self, vessel: VesselState, watermark: float) -> list[Alert]:
        """Event time has reached ``watermark`` with no new report from this vessel."""
        alerts: list[Alert] = []
        states = vessel.detectors
        for detector in self._timed:
            due = detector.due(states[detector.name])
            if due is None or due > watermark:
                continue
            states[detector.name], findings = detector.tick(
                states[detector.name], vessel.mmsi, watermark
            )
            alerts.extend(self.alert(vessel, finding) for finding in findings)
        return alerts

    def due(self, vessel: VesselState) -> float | None:
        """When this vessel next needs a tick: its earliest detector timer or held report."""
        states = vessel.detectors
        soonest = vessel.pending[0].timestamp if vessel.pending else None
        for detector in self._timed:
            due = detector.due(states[detector.name])
            if due is not None and (soonest is None or due < soonest):
                soonest = due
        return soonest

    # -- alerts ---------------------------------------------------------------------------------

    def alert(self, vessel: VesselState, finding: Finding) -> Alert:
        scoring = self.config.scoring
        window = finding.start - scoring.history_hours * 3600.0
        recent = tuple(kind for kind, start in vessel.recent if start >= window)
        marker = (finding.type.value, finding.start)
        if finding.status is not Status.UPDATE and marker not in vessel.recent:
            vessel.recent.append(marker)
            if len(vessel.recent) > _RECENT_KEPT:
                del vessel.recent[0]
        return scored_alert(finding, vessel.identity, recent, scoring)
