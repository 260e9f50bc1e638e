"""Many vessels: reordering within the lateness window, the watermark, and timers.

``Fleet.process`` takes a batch of decoded records (in arrival order), matches their positions
against the zones in one query, holds each in its vessel's reorder buffer and releases, in event
time order, what is older than the vessel's latest report minus the lateness. The watermark —
the latest event time seen minus the lateness — then wakes vessels whose held reports or
silence timers fell due. ``finish`` at the end of input brings every vessel up to the last event
time. No wall clock anywhere: a live worker advances the watermark itself when its input is idle.
Every call returns a ``Step``: what it produced, nothing left behind in attributes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field

from models.alerts import Alert
from models.coverage import Coverage
from models.encounter.mover import Mover
from models.engine import Engine
from models.records import Decoded, Failure, FailureReason, PositionReport, StaticReport
from models.serialise import outcome_to_dict
from models.stations import is_vessel, station_category
from models.timers import TimerWheel
from models.track import Pending, VesselState


@dataclass(slots=True)
class Step:
    """What one call into the fleet (or the ``Monitor``) produced."""

    alerts: list[Alert] = field(default_factory=list)
    #: Slow positions outside harbours, released in event-time order per vessel, for the
    #: encounter stages (a stream re-keys them by cell; in one process the monitor takes them).
    movers: list[Mover] = field(default_factory=list)
    #: Reports that came after their vessel's window had closed, as failures.
    late: list[Failure] = field(default_factory=list)

    def extend(self, other: Step) -> Step:
        self.alerts.extend(other.alerts)
        self.movers.extend(other.movers)
        self.late.extend(other.late)
        return self


@dataclass(slots=True)
class FleetStats:
    positions: int = 0
    statics: int = 0
    other: int = 0  # decoded messages of untracked types
    untimed: int = 0  # reports with no event time: identity kept, position not tracked
    late: int = 0
    evicted: int = 0  # vessels unheard for the eviction horizon, dropped from memory
    #: Time vessels were followed: between consecutive reports of each (gaps beyond the
    #: eviction horizon not counted), summed — the denominator of alert rates.
    vessel_seconds: float = 0.0
    alerts: Counter[str] = field(default_factory=Counter)
    #: Stations that are not vessels (aids to navigation, base stations, distress beacons,
    #: SAR aircraft, AMRDs — models/stations.py) that sent reports here, by kind: followed,
    #: but not counted among the vessels tracked.
    stations: Counter[str] = field(default_factory=Counter)


class Fleet:
    def __init__(
        self,
        engine: Engine,
        vessels: MutableMapping[int, VesselState] | None = None,
        coverage: Coverage | None = None,
    ) -> None:
        self.engine = engine
        #: Who was heard around every vessel: handed to the detectors with each position and
        #: silence, so that a silence is judged a dark period or a coverage gap.
        self.coverage = coverage
        self.vessels: MutableMapping[int, VesselState] = {} if vessels is None else vessels
        self.stats = FleetStats()
        self.max_time = float("-inf")
        self.watermark = float("-inf")
        self._timers = TimerWheel()
        self._lateness = engine.config.tracking.lateness_seconds
        self._evict_after = engine.config.tracking.evict_after_hours * 3600.0
        #: The MMSIs held here that are stations, not vessels (not counted as tracked).
        self._stations: set[int] = set()

    def process(self, records: Sequence[Decoded], advance: bool = True) -> Step:
        """Feed a batch of decoded records (failures are the caller's to count).

        With ``advance`` the watermark then moves to the latest event time seen minus the
        lateness. A caller that merges several ordered inputs (a worker reading partitions)
        passes ``False`` and calls ``advance`` with the least of its inputs' watermarks.
        """
        stats = self.stats
        positions = [
            r
            for r in records
            if isinstance(r, PositionReport) and r.timestamp is not None and r.has_position
        ]
        zones = dict(zip(map(id, positions), self.engine.zones_of(positions), strict=True))
        step = Step()
        for record in records:
            if isinstance(record, PositionReport):
                stats.positions += 1
            elif isinstance(record, StaticReport):
                stats.statics += 1
            else:
                stats.other += 1
                continue
            timestamp = record.timestamp
            vessel = self._vessel(record.mmsi)
            if timestamp is None:
                stats.untimed += 1
                if isinstance(record, StaticReport):
                    vessel.learn(record)
                continue
            if timestamp < vessel.released:
                step.late.append(self._late(record, vessel))
                continue
            vessel.seq += 1
            vessel.hold(Pending(timestamp, vessel.seq, record, zones.get(id(record), ())))
            self._release(vessel, vessel.max_seen - self._lateness, step)
            if timestamp > self.max_time:
                self.max_time = timestamp
        self._count(step.alerts)
        if advance:
            step.extend(self.advance(self.max_time - self._lateness))
        return step

    def advance(self, watermark: float) -> Step:
        """Event time has reached ``watermark``: wake the vessels that fell due."""
        step = Step()
        if watermark <= self.watermark:
            return step
        self.watermark = watermark
        for mmsi in self._timers.pop_due(watermark):
            vessel = self.vessels[mmsi]
            self._release(vessel, watermark, step, reschedule=False)
            vessel.released = max(vessel.released, watermark)
            step.alerts.extend(self.engine.tick(vessel, watermark, self.coverage))
            if not vessel.pending and vessel.max_seen + self._evict_after <= watermark:
                del self.vessels[mmsi]  # a table deletes the key: a tombstone in its changelog
                self._stations.discard(mmsi)
                self.stats.evicted += 1
                continue
            self._timers.set(mmsi, self._due(vessel))
        self._count(step.alerts)
        return step

    def finish(self) -> Step:
        """End of input: process everything held and bring every vessel to the last event time."""
        return self.advance(self.max_time) if self.max_time > float("-inf") else Step()

    def tracked(self) -> int:
        """Vessels followed here: every MMSI with state but the stations that are not vessels."""
        return len(self.vessels) - len(self._stations)

    def adopt(self, vessel: VesselState) -> None:
        """Take over a vessel restored from a snapshot (a worker taking over a partition), with
        its timers, so its silence is noticed without waiting for its next report."""
        if vessel.mmsi not in self.vessels:
            self._count_station(vessel.mmsi)
        self.vessels[vessel.mmsi] = vessel
        self._timers.set(vessel.mmsi, self._due(vessel))
        self.max_time = max(self.max_time, vessel.max_seen)

    def restart_clock(self) -> None:
        """Forget the event time reached: it is set afresh by the next reports (or adoptions)."""
        self.max_time = float("-inf")
        self.watermark = float("-inf")

    def forget(self, mmsi: int) -> None:
        """Stop tracking a vessel here (its partition went to another worker)."""
        self._timers.set(mmsi, None)
        self._stations.discard(mmsi)

    # -- internals ------------------------------------------------------------------------------

    def _vessel(self, mmsi: int) -> VesselState:
        vessel = self.vessels.get(mmsi)
        if vessel is None:
            vessel = self.vessels[mmsi] = self.engine.new_vessel(mmsi)
            self._count_station(mmsi)
        return vessel

    def _count_station(self, mmsi: int) -> None:
        station = station_category(mmsi)
        if not is_vessel(station):
            self.stats.stations[station.value] += 1
            self._stations.add(mmsi)

    def _release(
        self, vessel: VesselState, until: float, step: Step, reschedule: bool = True
    ) -> None:
        observe, coverage = self.engine.observe, self.coverage
        alerts, movers = step.alerts, step.movers
        horizon = self._evict_after
        for entry in vessel.release(until):
            heard = vessel.heard
            raised, mover = observe(vessel, entry, coverage)
            if 0.0 < vessel.heard - heard <= horizon:
                self.stats.vessel_seconds += vessel.heard - heard
            if raised:
                alerts.extend(raised)
            if mover is not None:
                movers.append(mover)
        if reschedule:
            self._timers.set(vessel.mmsi, self._due(vessel))
        # Storing back matters when ``vessels`` is a persistent table, not a dict.
        self.vessels[vessel.mmsi] = vessel

    def _due(self, vessel: VesselState) -> float:
        """When the vessel next needs waking: a held report or a detector's timer, and at the
        latest when it has been unheard for the eviction horizon."""
        evict = vessel.max_seen + self._evict_after
        due = self.engine.due(vessel)
        return evict if due is None or due > evict else due

    def _late(self, record: PositionReport | StaticReport, vessel: VesselState) -> Failure:
        self.stats.late += 1
        behind = vessel.released - (record.timestamp or 0.0)
        return Failure(
            FailureReason.LATE,
            raw=json.dumps(outcome_to_dict(record), ensure_ascii=False, separators=(",", ":")),
            source=record.source,
            detail=f"{behind:.0f} s behind what was already processed for this vessel",
            timestamp=record.timestamp,
        )

    def _count(self, alerts: Iterable[Alert]) -> None:
        for alert in alerts:
            self.stats.alerts[alert.type.value] += 1
