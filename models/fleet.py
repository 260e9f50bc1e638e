"""Many vessels: reordering within the lateness window, the watermark, and timers.

``Fleet.process`` takes a batch of decoded records (in arrival order), matches their positions
against the zones in one query, holds each in its vessel's reorder buffer and releases, in event
time order, what is older than the vessel's latest report minus the lateness. The watermark —
the latest event time seen minus the lateness — then wakes vessels whose held reports or
silence timers fell due. ``finish`` at the end of input brings every vessel up to the last event
time. No wall clock anywhere: a live worker advances the watermark itself when its input is idle.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field

from models.alerts import Alert
from models.encounter.mover import Mover
from models.engine import Engine
from models.records import Decoded, Failure, FailureReason, PositionReport, StaticReport
from models.timers import TimerWheel
from models.track import Pending, VesselState


@dataclass(slots=True)
class FleetStats:
    positions: int = 0
    statics: int = 0
    other: int = 0  # decoded messages of untracked types
    untimed: int = 0  # reports with no event time: identity kept, position not tracked
    late: int = 0
    alerts: Counter[str] = field(default_factory=Counter)


class Fleet:
    def __init__(
        self,
        engine: Engine,
        vessels: MutableMapping[int, VesselState] | None = None,
    ) -> None:
        self.engine = engine
        self.vessels: MutableMapping[int, VesselState] = {} if vessels is None else vessels
        self.stats = FleetStats()
        self.late: list[Failure] = []  # reports that came after their vessel's window closed
        #: Slow positions outside harbours, for the encounter stages (None: encounters are off).
        self.movers: list[Mover] | None = [] if engine.config.encounter.enabled else None
        self.max_time = float("-inf")
        self.watermark = float("-inf")
        self._timers = TimerWheel()
        self._lateness = engine.config.tracking.lateness_seconds

    def process(self, records: Sequence[Decoded], advance: bool = True) -> list[Alert]:
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
        alerts: list[Alert] = []
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
                    vessel.learn(record, None)
                continue
            if timestamp < vessel.released:
                self._late(record, vessel)
                continue
            vessel.seq += 1
            vessel.hold(Pending(timestamp, vessel.seq, record, zones.get(id(record), ())))
            self._release(vessel, vessel.max_seen - self._lateness, alerts)
            if timestamp > self.max_time:
                self.max_time = timestamp
        self._count(alerts)
        if advance:
            alerts.extend(self.advance(self.max_time - self._lateness))
        return alerts

    def advance(self, watermark: float) -> list[Alert]:
        """Event time has reached ``watermark``: wake the vessels that fell due."""
        if watermark <= self.watermark:
            return []
        self.watermark = watermark
        alerts: list[Alert] = []
        for mmsi in self._timers.pop_due(watermark):
            vessel = self.vessels[mmsi]
            self._release(vessel, watermark, alerts, reschedule=False)
            vessel.released = max(vessel.released, watermark)
            alerts.extend(self.engine.tick(vessel, watermark))
            self._timers.set(mmsi, self.engine.due(vessel))
        self._count(alerts)
        return alerts

    def finish(self) -> list[Alert]:
        """End of input: process everything held and bring every vessel to the last event time."""
        return self.advance(self.max_time) if self.max_time > float("-inf") else []

    def tracked(self) -> int:
        return len(self.vessels)

    def adopt(self, vessel: VesselState) -> None:
        """Take over a vessel restored from a snapshot (a worker taking over a partition), with
        its timers, so its silence is noticed without waiting for its next report."""
        self.vessels[vessel.mmsi] = vessel
        self._timers.set(vessel.mmsi, self.engine.due(vessel))
        self.max_time = max(self.max_time, vessel.max_seen)

    def restart_clock(self) -> None:
        """Forget the event time reached: it is set afresh by the next reports (or adoptions)."""
        self.max_time = float("-inf")
        self.watermark = float("-inf")

    def forget(self, mmsi: int) -> None:
        """Stop tracking a vessel here (its partition went to another worker)."""
        self._timers.set(mmsi, None)

    # -- internals ------------------------------------------------------------------------------

    def _vessel(self, mmsi: int) -> VesselState:
        vessel = self.vessels.get(mmsi)
        if vessel is None:
            vessel = self.vessels[mmsi] = self.engine.new_vessel(mmsi)
        return vessel

    def _release(
        self, vessel: VesselState, until: float, alerts: list[Alert], reschedule: bool = True
    ) -> None:
        observe = self.engine.observe
        movers = self.movers
        for entry in vessel.release(until):
            alerts.extend(observe(vessel, entry, movers))
        if reschedule:
            self._timers.set(vessel.mmsi, self.engine.due(vessel))
        # Storing back matters when ``vessels`` is a persistent table, not a dict.
        self.vessels[vessel.mmsi] = vessel

    def _late(self, record: PositionReport | StaticReport, vessel: VesselState) -> None:
        self.stats.late += 1
        behind = vessel.released - (record.timestamp or 0.0)
        self.late.append(
            Failure(
                FailureReason.LATE,
                raw=repr(record),
                source=record.source,
                detail=f"{behind:.0f} s behind what was already processed for this vessel",
                timestamp=record.timestamp,
            )
        )

    def _count(self, alerts: Iterable[Alert]) -> None:
        for alert in alerts:
            self.stats.alerts[alert.type.value] += 1
