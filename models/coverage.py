"""Coverage: is a silent vessel's neighbourhood still being heard?

A vessel that stops reporting is dark only if it could have been heard. When a receiver, or a
whole feed, goes quiet (an outage, the end of a file, a national feed that thins out), every
vessel it heard falls silent together and none of them is dark: their silences are a *coverage
gap*, counted by source, not alerted.

``Coverage`` remembers, per bucket of event time (an hour), which vessels were heard in each
spatial cell (0.5°) and by each *source* — what a record came from: the input file's name in a
replay, the raw topic's key (the receiver the feeder heard) in the stream. When a silence
reaches the vessel's dark-period threshold, ``judge`` looks at the last complete bucket before
the threshold (``final``) and at the level before it:

* the **neighbourhood** — the cell of the vessel's last fix and the eight around it — decides
  if at least ``min_neighbours`` other vessels were heard there in the bucket of its last report
  or the one before: the silence is dark if in ``final`` at least ``min_share`` of that many
  (and one) were still heard there; otherwise the neighbourhood went quiet with it: a gap;
* otherwise the **source(s)** that heard its last report decide: dark if in ``final`` they
  still delivered at least ``min_share`` of the most other vessels they delivered in any bucket
  since just before the silence (and one); otherwise the receiver or feed went quiet: a gap;
* a vessel alone in its neighbourhood and in its feed gives no evidence either way: dark, as
  without coverage.

So satellite tracks of a few vessels far apart keep their dark periods while the feed delivers
the others, a receiver's outage or a file's end are gaps, and a vessel that falls silent among
neighbours that keep reporting is dark, with ``neighbours_heard`` (the distinct other vessels
heard around it during the silence) in its evidence.

The verdict depends only on which vessels were heard in which buckets — never on when records
arrived or how batches were cut — and is taken once event time has passed ``final``: the
threshold lies after its end, and a record that comes more than the lateness behind the latest
one is late for every stage. Memory is bounded: buckets further than ``window_hours`` behind the
watermark are dropped (``expire``), and a silence longer than the window is judged on its last
``window_hours``.

Memory is also small per vessel, since a worker hears hundreds of thousands of them: a cell is
held by one number (its row and column), and a cell where one vessel was heard in a bucket
holds that vessel's MMSI itself, a set only once a second one is heard there.

In one process the ``Monitor`` hears every record itself. A streaming worker tracks only some
vessels: each decoder announces what it heard to every reports partition and each worker
``merge``s that (``streams/coverage_stages.py``), so every worker judges on the same coverage.
A worker that came up with announcements missing (``complete_from`` later than its first
bucket) judges silences whose window began before what it knows without coverage: dark.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from math import floor
from typing import Any

from models.config import CoverageConfig
from models.records import Decoded, PositionReport

Cell = tuple[int, int]
#: Who was heard in one cell during one bucket: one MMSI, or the set of them once there are two.
Heard = int | set[int]

__all__ = ["Basis", "Cell", "Coverage", "Verdict"]


class Basis(StrEnum):
    """Why a silence was judged dark, or a coverage gap (``evidence["coverage"]``)."""

    NEIGHBOURS = "neighbours"  # its neighbourhood was still heard
    SOURCE = "source"  # no neighbourhood to judge by; its source still delivered others
    ALONE = "alone"  # nothing else was heard around it or from its source: no evidence
    UNKNOWN = "unknown"  # coverage is not known for the silence (a worker that came up late)
    NEIGHBOURHOOD_QUIET = "neighbourhood_quiet"  # a gap: its neighbours fell silent with it
    SOURCE_QUIET = "source_quiet"  # a gap: its receiver or feed went quiet

    @property
    def dark(self) -> bool:
        return self not in (Basis.NEIGHBOURHOOD_QUIET, Basis.SOURCE_QUIET)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What coverage says about one silence."""

    basis: Basis
    #: Distinct other vessels heard in its neighbourhood, and from its source(s), during the
    #: silence (the buckets after the one of its last report, up to ``final``).
    neighbours: int = 0
    source_vessels: int = 0
    #: The source(s) that heard its last report, by name.
    sources: tuple[str, ...] = ()

    @property
    def dark(self) -> bool:
        return self.basis.dark

    def evidence(self) -> dict[str, Any]:
        if self.basis is Basis.UNKNOWN:
            return {"coverage": self.basis.value}
        return {
            "coverage": self.basis.value,
            "neighbours_heard": self.neighbours,
            "source_vessels_heard": self.source_vessels,
        }


UNKNOWN = Verdict(Basis.UNKNOWN)


class Coverage:
    """Who was heard where, per bucket of event time; ``judge`` rules on silences.

    ``heard_from_start``: every record from the beginning of input is heard here (one process).
    A streaming worker starts with nothing known until its announcements say from which bucket
    on they are complete (``complete_from``, set by ``streams.coverage_stages``).
    """

    def __init__(self, config: CoverageConfig, *, heard_from_start: bool = True) -> None:
        self.config = config
        self._size = config.bucket_minutes * 60.0
        self._degrees = config.cell_degrees
        self._columns = round(360.0 / config.cell_degrees)
        self._window = max(2, floor(config.window_hours * 60.0 / config.bucket_minutes))
        #: bucket -> cell (its ``_code``) -> MMSIs heard there; bucket -> source -> MMSIs it
        #: delivered.
        self._cells: dict[int, dict[int, Heard]] = {}
        self.sources: dict[int, dict[str, set[int]]] = {}
        #: Buckets from this one on have been heard completely (None: nothing is known yet).
        self.complete_from: float | None = float("-inf") if heard_from_start else None
        #: Buckets before this one have been dropped (``expire``), and are not taken again.
        self.dropped_before: float = float("-inf")
        #: Silences judged coverage gaps, by the (first by name) source that last heard them.
        self.gaps: Counter[str] = Counter()

    # -- hearing ------------------------------------------------------------------------------

    def bucket_of(self, t: float) -> int:
        return floor(t / self._size)

    def cell_of(self, lat: float, lon: float) -> Cell:
        half = self._columns // 2
        column = floor(lon / self._degrees)
        return floor(lat / self._degrees), (column + half) % self._columns - half

    def hear(self, records: Iterable[Decoded]) -> None:
        """Count every timed position among ``records`` (in any order)."""
        for record in records:
            if type(record) is PositionReport and record.timestamp is not None:
                lat, lon = record.lat, record.lon
                if lat is not None and lon is not None and not record.impossible:
                    self.add(
                        self.bucket_of(record.timestamp),
                        self.cell_of(lat, lon),
                        record.source,
                        record.mmsi,
                    )

    def add(self, bucket: int, cell: Cell, source: str, mmsi: int) -> None:
        """``mmsi`` was heard in ``cell`` by ``source`` during ``bucket``."""
        self._add_cell(bucket, cell, mmsi)
        self._add_source(bucket, source, mmsi)

    def merge(
        self,
        cells: Iterable[tuple[int, Cell, Iterable[int]]],
        sources: Iterable[tuple[int, str, Iterable[int]]],
    ) -> None:
        """Take what a decoder announced: (bucket, cell, MMSIs) and (bucket, source, MMSIs).
        Merging is a union: the same announcement twice changes nothing."""
        for bucket, cell, mmsis in cells:
            for mmsi in mmsis:
                self._add_cell(bucket, cell, mmsi)
        for bucket, source, mmsis in sources:
            for mmsi in mmsis:
                self._add_source(bucket, source, mmsi)

    @property
    def known_from(self) -> float | None:
        """Buckets from this one on are known here, and still held (None: none is)."""
        complete = self.complete_from
        return None if complete is None else max(complete, self.dropped_before)

    def expire(self, watermark: float) -> None:
        """Event time reached ``watermark``: drop buckets no silence still to be judged needs
        (a silence judged from now on reaches its threshold after ``watermark``)."""
        if watermark == float("-inf"):
            return
        keep = self.bucket_of(watermark) - self._window - 1
        old = [bucket for bucket in self._cells if bucket < keep]
        for bucket in old:
            del self._cells[bucket]
            self.sources.pop(bucket, None)
        self.dropped_before = max(self.dropped_before, keep)

    @property
    def cells(self) -> dict[int, dict[Cell, set[int]]]:
        """Who was heard where: bucket -> cell -> MMSIs (a copy, for inspection)."""
        columns, half = self._columns, self._columns // 2
        return {
            bucket: {
                (code // columns, code % columns - columns * (code % columns >= half)): (
                    {heard} if type(heard) is int else set(heard)  # type: ignore[arg-type]
                )
                for code, heard in cells.items()
            }
            for bucket, cells in self._cells.items()
        }

    def buckets(self) -> int:
        return len(self._cells)

    # -- judging ------------------------------------------------------------------------------

    def judge(self, mmsi: int, last_t: float, lat: float, lon: float, due: float) -> Verdict:
        """Rule on the silence of ``mmsi`` since its last fix (``last_t``, at ``lat``/``lon``)
        that reached its threshold at ``due``. A gap is counted in ``gaps``."""
        first = self.bucket_of(last_t)
        final = self.bucket_of(due) - 1
        start = max(first - 1, final - self._window + 1)
        known = self.known_from
        if final <= first or known is None or start < known:
            return UNKNOWN
        block = [self._code(cell) for cell in self._neighbourhood(self.cell_of(lat, lon))]
        sources = tuple(
            sorted(name for name, heard in self.sources.get(first, {}).items() if mmsi in heard)
        )
        around: list[set[int]] = []
        delivered: list[set[int]] = []
        for bucket in range(start, final + 1):
            cells = self._cells.get(bucket, {})
            by = self.sources.get(bucket, {})
            near: set[int] = set()
            for cell in block:
                heard = cells.get(cell)
                if heard is None:
                    continue
                if type(heard) is int:
                    near.add(heard)
                else:
                    near.update(heard)  # type: ignore[arg-type]
            near.discard(mmsi)
            theirs: set[int] = set()
            for name in sources:
                theirs.update(by.get(name, ()))
            theirs.discard(mmsi)
            around.append(near)
            delivered.append(theirs)
        during = slice(max(start, first + 1) - start, None)
        verdict = Verdict(
            self._basis(around, delivered),
            neighbours=len(set().union(*around[during])),
            source_vessels=len(set().union(*delivered[during])),
            sources=sources,
        )
        if not verdict.dark:
            self.gaps[sources[0] if sources else ""] += 1
        return verdict

    def _basis(self, around: list[set[int]], delivered: list[set[int]]) -> Basis:
        config = self.config
        before = max(len(around[0]), len(around[1]))
        if before >= config.min_neighbours:
            still = len(around[-1]) >= max(1.0, config.min_share * before)
            return Basis.NEIGHBOURS if still else Basis.NEIGHBOURHOOD_QUIET
        level = max(len(heard) for heard in delivered)
        if level:
            still = len(delivered[-1]) >= max(1.0, config.min_share * level)
            return Basis.SOURCE if still else Basis.SOURCE_QUIET
        return Basis.ALONE

    def _neighbourhood(self, cell: Cell) -> list[Cell]:
        row, column = cell
        half, columns = self._columns // 2, self._columns
        return [
            (row + dr, (column + dc + half) % columns - half)
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
        ]

    def _code(self, cell: Cell) -> int:
        """A cell as one number, its row and its column (a column is the same around the
        globe: ``cell_of`` puts it in ``[-columns/2, columns/2)``)."""
        row, column = cell
        return row * self._columns + column % self._columns

    def _add_cell(self, bucket: int, cell: Cell, mmsi: int) -> None:
        if bucket < self.dropped_before:
            return
        cells = self._cells.get(bucket)
        if cells is None:
            cells = self._cells[bucket] = {}
            self.sources.setdefault(bucket, {})
        code = self._code(cell)
        heard = cells.get(code)
        if heard is None:
            cells[code] = mmsi
        elif type(heard) is int:
            if heard != mmsi:
                cells[code] = {heard, mmsi}
        else:
            heard.add(mmsi)  # type: ignore[union-attr]

    def _add_source(self, bucket: int, source: str, mmsi: int) -> None:
        if bucket < self.dropped_before:
            return
        self._cells.setdefault(bucket, {})
        self.sources.setdefault(bucket, {}).setdefault(source, set()).add(mmsi)
