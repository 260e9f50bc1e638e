"""Per-vessel state: everything the engine remembers about one MMSI, in one serialisable object.

The replay runner keeps these in a dict, a streaming worker in a changelog-backed table; both
hold the same thing. Memory per vessel is bounded: the last fix, a reorder
buffer no deeper than the lateness window (and ``MAX_PENDING``), and small detector states.

Memory per vessel is also small, since a worker follows hundreds of thousands of them: the
detector states are a list in the engine's order of its detectors (``Engine.detectors``), with
``None`` for a detector that holds nothing for this vessel (one that does not serve its kind of
station, or whose state is blank); an empty reorder buffer and an empty list of recent alerts
are the one shared empty tuple, a list again once something is held.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from models.alerts import VesselInfo
from models.records import Fix, PositionReport, StaticReport
from zones.model import Zone

#: Reports held for reordering per vessel, at most; beyond it the oldest is released early.
MAX_PENDING = 512


@dataclass(slots=True)
class Pending:
    """A report waiting in the reorder buffer, with the zones its position lies in."""

    timestamp: float
    seq: int
    report: PositionReport | StaticReport
    zones: tuple[Zone, ...] = ()

    def __lt__(self, other: Pending) -> bool:
        return (self.timestamp, self.seq) < (other.timestamp, other.seq)


#: What an empty reorder buffer or list of recent alerts is: one shared, immutable object.
NOTHING: tuple[()] = ()


@dataclass(slots=True)
class VesselState:
    mmsi: int
    identity: VesselInfo = field(default_factory=VesselInfo)
    last_fix: Fix | None = None
    pending: list[Pending] | tuple[()] = NOTHING
    max_seen: float = float("-inf")  # latest event time received for this vessel
    released: float = float("-inf")  # event time up to which reports have been processed
    seq: int = 0
    heard: float = float("-inf")  # event time of the latest report applied
    #: Each detector's state, in the order of ``Engine.detectors`` (``None``: nothing held).
    detectors: list[Any] = field(default_factory=list)
    #: (alert type, start) of this vessel's recent alerts, newest last — for scoring.
    recent: list[tuple[str, float]] | tuple[()] = NOTHING

    def hold(self, entry: Pending) -> None:
        if self.pending:
            bisect.insort(self.pending, entry)
        else:
            self.pending = [entry]
        self.max_seen = max(self.max_seen, entry.timestamp)

    def release(self, until: float) -> list[Pending]:
        """Take the held reports with event time up to ``until`` (and any over the cap)."""
        pending = self.pending
        cut = len(pending) - MAX_PENDING if len(pending) > MAX_PENDING else 0
        while cut < len(pending) and pending[cut].timestamp <= until:
            cut += 1
        if not cut:
            return []
        if cut == len(pending):
            taken = list(pending)
            self.pending = NOTHING
        else:
            taken = list(pending[:cut])
            del pending[:cut]  # type: ignore[union-attr]
        self.released = max(self.released, taken[-1].timestamp)
        return taken

    def remember(self, marker: tuple[str, float], kept: int) -> None:
        """Add an alert to ``recent``, keeping the newest ``kept``."""
        if not self.recent:
            self.recent = [marker]
            return
        recent = self.recent
        assert isinstance(recent, list)
        recent.append(marker)
        if len(recent) > kept:
            del recent[0]

    def learn(self, report: StaticReport) -> bool:
        """Merge static data into the identity; True when something changed."""
        old = self.identity
        new = VesselInfo(
            name=report.name or old.name,
            imo=report.imo or old.imo,
            callsign=report.callsign or old.callsign,
            ship_type=report.ship_type or old.ship_type,
            flag=old.flag,
        )
        if new != old:
            self.identity = new
            return True
        return False
