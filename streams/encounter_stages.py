"""The encounter stages of a worker, free of faust: what its cell and pair agents call.

Encounters involve two vessels whose reports may arrive on different partitions, so the track
agent re-keys slow movers by spatial cell (``route``) and announces its watermark to every
partition of the cells topic; the cell agent compares movers per cell and bucket and re-keys
close pairs by pair, announcing its own watermark to every partition of the pairs topic; the
pair agent turns them into alerts. Each partition's stage is the replay's ``CellStage`` or
``PairStage``, advanced by the least watermark its upstream partitions announced, so the
alerts are the ones ``Encounters`` gives in a replay.

Loitering messages take the movers' road (models/encounter/anchorages.py): the track agent
re-keys them by the cell of where their episode began (``hold``), and the cell agent sends them
on to the alerts once its learned anchorages there have decided them.

Messages on both topics are JSON: a mover, a held loitering message (``{"hold": t, ...}``) or a
pair bucket, or ``{"wm": t, "src": p}`` (the watermark of upstream partition ``p``: everything
it has for event times up to ``t`` is sent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any, Generic, TypeVar

from models.alerts import Alert
from models.config import Config
from models.encounter import (
    AnchorageGrid,
    CellStage,
    HeldAlert,
    Mover,
    PairBucket,
    PairStage,
    cells_of,
    hold,
)
from models.encounter.mover import cell_key, parse_cell
from models.encounter.pipeline import EncounterStats
from models.watermark import Watermark
from streams.wire import is_pack, unpacked_keyed


def route(movers: Iterable[Mover], config: Config) -> list[tuple[bytes, dict[str, Any]]]:
    """(cell key, message) for every cell each mover goes to."""
    routed: list[tuple[bytes, dict[str, Any]]] = []
    for mover in movers:
        wire = mover.to_wire()
        for cell in cells_of(mover.lat, mover.lon, config.encounter):
            routed.append((cell_key(cell).encode(), wire))
    return routed


def hold_alerts(
    alerts: Iterable[Alert], config: Config
) -> tuple[list[Alert], list[tuple[bytes, dict[str, Any]]]]:
    """The alerts to publish now, and (cell key, message) for those the learned anchorages
    decide, to the cells topic."""
    now: list[Alert] = []
    held: list[tuple[bytes, dict[str, Any]]] = []
    for alert in alerts:
        found = hold(alert, config)
        if found is None:
            now.append(alert)
        else:
            cell, message = found
            held.append((cell_key(cell).encode(), message.to_wire()))
    return now, held


def watermark_message(source: int, watermark: float) -> dict[str, Any]:
    return {"wm": watermark, "src": source}


def watermark_broadcast(marks: Mapping[int, float], partitions: int) -> list[tuple[int, Any]]:
    """(partition, message) telling every one of a downstream topic's ``partitions`` how far
    each upstream source in ``marks`` has got in event time, source by source."""
    return [
        (partition, watermark_message(source, watermark))
        for source, watermark in marks.items()
        for partition in range(partitions)
    ]


def store_changes(table: MutableMapping[bytes, Any], changes: Iterable[tuple[bytes, Any]]) -> None:
    """Write what a stage's ``flush`` gave to its table: a state, or ``None`` to forget the key."""
    for key, state in changes:
        if state is None:
            table.pop(key, None)
        else:
            table[key] = state


S = TypeVar("S")


class _PerPartition(Generic[S]):
    """One stage and one ``Watermark`` (over the upstream partitions) per partition of a topic
    this worker reads."""

    def __init__(self, sources: int, make: Callable[[], S]) -> None:
        self.sources = sources
        self.stages: dict[int, S] = {}
        self.clocks: dict[int, Watermark] = {}
        self.malformed = 0  # messages of the wrong shape (counted, then skipped)
        self._make = make

    def keep(self, partitions: set[int]) -> None:
        """After a rebalance: drop the partitions that are another worker's now."""
        for gone in set(self.clocks) - partitions:
            self.stages.pop(gone, None)
            self.clocks.pop(gone, None)

    def flush(self) -> list[tuple[bytes, Any]]:
        """(key, state) of every key changed since the last flush, for the table (state None:
        forget the key)."""
        out: list[tuple[bytes, Any]] = []
        for stage in self.stages.values():
            out.extend(self._changes(stage))
        return out

    def recover(
        self,
        table: Mapping[bytes, Any],
        mine: Iterable[int],
        partition_of: Callable[[bytes], int],
    ) -> int:
        """Take the table's keys that live on this worker's partitions (``mine``) back into
        their stages, after a recovery; how many."""
        partitions = set(mine)
        restored = 0
        for key in list(table.keys()):
            partition = partition_of(key)
            if partition in partitions:
                self.restore(partition, key, table[key])
                restored += 1
        return restored

    def restore(self, partition: int, key: bytes, data: Any) -> None:
        raise NotImplementedError

    def _changes(self, stage: S) -> list[tuple[bytes, Any]]:
        raise NotImplementedError

    def _announced(self, partition: int, document: Any) -> bool:
        """Take a watermark announcement; False if ``document`` is something else."""
        if "wm" not in document:
            return False
        self._clock(partition).mark(int(document["src"]), float(document["wm"]))
        return True

    def _ready(self) -> list[tuple[int, S, float]]:
        """Each partition whose upstream has all announced, with its stage and watermark."""
        ready = []
        for partition in sorted(self.clocks):
            watermark = self.clocks[partition].least()
            if watermark is not None:
                ready.append((partition, self._stage(partition), watermark))
        return ready

    def _clock(self, partition: int) -> Watermark:
        clock = self.clocks.get(partition)
        if clock is None:
            clock = self.clocks[partition] = Watermark(self.sources)
        return clock

    def _stage(self, partition: int) -> S:
        self._clock(partition)
        stage = self.stages.get(partition)
        if stage is None:
            stage = self.stages[partition] = self._make()
        return stage


class CellAgentStage(_PerPartition[CellStage]):
    """The cells topic's partitions this worker reads, each with its ``CellStage``."""

    def __init__(self, config: Config, sources: int) -> None:
        grid = AnchorageGrid.of(config)
        super().__init__(sources, lambda: CellStage(config.encounter, grid))
        self.announced: dict[int, float] = {}

    def take(self, partition: int, key: bytes | None, document: Any) -> None:
        """One message of the cells topic (a pack of them: each in turn)."""
        if is_pack(document):
            try:
                items = unpacked_keyed(document)
            except ValueError:
                self.malformed += 1
                return
            for item_key, item in items:
                self.take(partition, item_key, item)
            return
        try:
            if self._announced(partition, document):
                return
            cell = parse_cell((key or b"").decode())
            if "hold" in document:
                self._stage(partition).hold(cell, HeldAlert.from_wire(document))
                return
            mover = Mover.from_wire(document)
        except (KeyError, TypeError, ValueError, AttributeError):
            self.malformed += 1
            return
        self._stage(partition).add(cell, mover)

    def advance(
        self,
    ) -> tuple[list[tuple[bytes, dict[str, Any]]], list[Alert], dict[int, float]]:
        """Evaluate what every partition's watermark completed: (pair key, message) to send,
        the loitering alerts the learned anchorages let through, then the watermarks to
        announce downstream, per partition, that moved."""
        out: list[tuple[bytes, dict[str, Any]]] = []
        released: list[Alert] = []
        moved: dict[int, float] = {}
        for partition, stage, watermark in self._ready():
            for bucket in stage.advance(watermark):
                out.append((f"{bucket.a}:{bucket.b}".encode(), bucket.to_wire()))
            released.extend(stage.release())
            if watermark > self.announced.get(partition, float("-inf")):
                self.announced[partition] = moved[partition] = watermark
        return out, released, moved

    def keep(self, partitions: set[int]) -> None:
        super().keep(partitions)
        for gone in set(self.announced) - partitions:
            del self.announced[gone]

    def restore(self, partition: int, key: bytes, data: dict[str, Any]) -> None:
        """A cell from the table, unless this worker already holds it."""
        cell = parse_cell(key.decode())
        stage = self._stage(partition)
        if not stage.holds(cell):
            stage.restore(cell, data)

    def _changes(self, stage: CellStage) -> list[tuple[bytes, Any]]:
        changed = [(cell_key(cell).encode(), stage.snapshot(cell)) for cell in stage.changed]
        stage.changed.clear()
        return changed

    def stats(self) -> EncounterStats:
        return EncounterStats(
            movers=sum(s.stats.movers for s in self.stages.values()),
            late=sum(s.stats.late for s in self.stages.values()),
            pair_buckets=sum(s.stats.pairs for s in self.stages.values()),
            malformed=self.malformed,
            anchored=sum(s.stats.anchored for s in self.stages.values()),
            suppressed=sum(s.stats.suppressed for s in self.stages.values()),
        )


class PairAgentStage(_PerPartition[PairStage]):
    """The pairs topic's partitions this worker reads, each with its ``PairStage``."""

    def __init__(self, config: Config, sources: int) -> None:
        super().__init__(sources, lambda: PairStage(config))

    def take(self, partition: int, document: Any) -> None:
        """One message of the pairs topic."""
        try:
            if self._announced(partition, document):
                return
            bucket = PairBucket.from_wire(document)
        except (KeyError, TypeError, ValueError, AttributeError):
            self.malformed += 1
            return
        self._stage(partition).add(bucket)

    def restore(self, partition: int, key: bytes, data: dict[str, Any]) -> None:
        """A pair from the table, unless this worker already holds it."""
        a, b = key.decode().split(":")
        pair = (int(a), int(b))
        stage = self._stage(partition)
        if pair not in stage.applied and pair not in stage.pending:
            stage.restore(pair, data)

    def _changes(self, stage: PairStage) -> list[tuple[bytes, Any]]:
        changed = [(f"{a}:{b}".encode(), stage.snapshot((a, b))) for a, b in stage.changed]
        stage.changed.clear()
        return changed

    def advance(self) -> list[Alert]:
        alerts: list[Alert] = []
        for _, stage, watermark in self._ready():
            alerts.extend(stage.advance(watermark))
        return alerts

    def stats(self) -> EncounterStats:
        return EncounterStats(
            late=sum(s.stats.late for s in self.stages.values()),
            episodes=sum(s.stats.episodes for s in self.stages.values()),
            malformed=self.malformed,
        )
