"""Encounters end to end, in one process.

``Encounters`` is what ``Monitor`` runs in one process: movers in, routed to cells
(``CellStage``), close pair buckets on to ``PairStage``, alerts out, every stage advanced by the
same watermark. Loitering messages are held in the cell of where their episode began and come
out when the learned anchorages there have decided them (models/encounter/anchorages.py). A
streaming worker runs the same two stages, one per partition of their topics, each advanced by a
``Watermark`` over what its upstream partitions announced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from models.alerts import Alert
from models.config import Config
from models.encounter.anchorages import AnchorageGrid, hold
from models.encounter.cells import CellStage
from models.encounter.mover import Mover, cells_of
from models.encounter.pairs import PairStage


@dataclass(slots=True)
class EncounterStats:
    movers: int = 0
    late: int = 0
    pair_buckets: int = 0
    episodes: int = 0
    malformed: int = 0  # (streaming) messages of the wrong shape on the encounter topics
    anchored: int = 0  # close pair buckets inside learned anchorages
    suppressed: int = 0  # loitering and stop-at-sea messages begun inside learned anchorages


class Encounters:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.cells = CellStage(config.encounter, AnchorageGrid.of(config))
        self.pairs = PairStage(config)

    def hold(self, alerts: list[Alert]) -> list[Alert]:
        """Keep the messages the learned anchorages decide (loitering) in their cells; the
        others back, in order."""
        rest: list[Alert] = []
        for alert in alerts:
            held = hold(alert, self.config)
            if held is None:
                rest.append(alert)
            else:
                self.cells.hold(*held)
        return rest

    def feed(self, movers: Iterable[Mover]) -> None:
        """Route movers (each vessel's in event time order) to their cells."""
        add = self.cells.add
        encounter = self.config.encounter
        for mover in movers:
            for cell in cells_of(mover.lat, mover.lon, encounter):
                add(cell, mover)

    def advance(self, watermark: float) -> list[Alert]:
        for bucket in self.cells.advance(watermark):
            self.pairs.add(bucket)
        return self.cells.release() + self.pairs.advance(watermark)

    @property
    def stats(self) -> EncounterStats:
        cells, pairs = self.cells.stats, self.pairs.stats
        return EncounterStats(
            movers=cells.movers,
            late=cells.late + pairs.late,
            pair_buckets=cells.pairs,
            episodes=pairs.episodes,
            anchored=cells.anchored,
            suppressed=cells.suppressed,
        )
