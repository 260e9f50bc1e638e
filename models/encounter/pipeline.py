"""Encounters end to end, in one process, and the watermark of a stage with several inputs.

``Encounters`` is what the replay runs: movers in, routed to cells (``CellStage``), close pair
buckets on to ``PairStage``, alerts out, every stage advanced by the same watermark. A streaming
worker runs the same two stages, one per partition of their topics, with ``SourceClock`` taking
the watermark of a partition as the least of what its upstream partitions announced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.alerts import Alert
from models.config import Config
from models.encounter.cells import CellStage
from models.encounter.mover import Mover, cells_of
from models.encounter.pairs import PairStage

if TYPE_CHECKING:  # the fleet imports the movers of this package
    from models.fleet import Fleet


@dataclass(slots=True)
class EncounterStats:
    movers: int = 0
    late: int = 0
    pair_buckets: int = 0
    episodes: int = 0
    malformed: int = 0  # (streaming) messages of the wrong shape on the encounter topics


class Encounters:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.cells = CellStage(config.encounter)
        self.pairs = PairStage(config)

    def feed(self, movers: Iterable[Mover]) -> None:
        """Route movers (each vessel's in event time order) to their cells."""
        add = self.cells.add
        encounter = self.config.encounter
        for mover in movers:
            for cell in cells_of(mover.lat, mover.lon, encounter):
                add(cell, mover)

    def follow(self, fleet: Fleet) -> list[Alert]:
        """Take the slow movers ``fleet`` released, then move on to its watermark (what the
        replay does after each batch and at the end)."""
        if fleet.movers is None:
            return []
        self.feed(fleet.movers)
        fleet.movers.clear()
        return self.advance(fleet.watermark)

    def advance(self, watermark: float) -> list[Alert]:
        for bucket in self.cells.advance(watermark):
            self.pairs.add(bucket)
        return self.pairs.advance(watermark)

    @property
    def stats(self) -> EncounterStats:
        cells, pairs = self.cells.stats, self.pairs.stats
        return EncounterStats(
            movers=cells.movers,
            late=cells.late + pairs.late,
            pair_buckets=cells.pairs,
            episodes=pairs.episodes,
        )


class SourceClock:
    """The watermark of a partition fed by ``sources`` upstream partitions: the least they have
    announced, once every one has (announcements are monotone: a lower one after a rebalance is
    ignored)."""

    def __init__(self, sources: int) -> None:
        self.sources = sources
        self._marks: dict[int, float] = {}

    def announce(self, source: int, watermark: float) -> None:
        if watermark > self._marks.get(source, float("-inf")):
            self._marks[source] = watermark

    def watermark(self) -> float | None:
        if len(self._marks) < self.sources:
            return None
        return min(self._marks.values())

    def describe(self) -> str:
        """For logs: each source's watermark, and the result."""
        marks = " ".join(f"{source}:{mark:.0f}" for source, mark in sorted(self._marks.items()))
        return f"{marks or 'nothing heard'} -> {self.watermark()}"
