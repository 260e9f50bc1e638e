"""Coverage in the stream, free of faust: decoders announce who they heard, workers merge it.

A worker tracks only the vessels of its partitions, but whether a silent vessel could have been
heard depends on every vessel (``models.coverage``). So each decoder, after each batch and
*before* the batch's reports, announces to every partition of the reports topic — as it does its
progress (``RawProgress``) — which vessels it heard in which cell and from which source per bucket
of event time: only what it had not announced before. Every worker hears every announcement, in
order with the reports of the decoder that made it, and merges it into its monitor's
``Coverage``, so all workers hold the coverage a replay builds in one process and judge every
silence as the replay does. Announcements are unions of sets: hearing one twice (it arrives on
every partition a worker reads, and again after a decoder restarts) changes nothing.

An announcement also says which offsets of its raw partition it covers. A worker that first hears
a raw partition past offset 0, or finds offsets missing (it came up, or took partitions over,
while the decoder ran on), has missed announcements: it knows coverage only from the bucket after
the earliest one announced next (``Coverage.complete_from``), and judges silences that reach
back before it without coverage — as dark periods, never as gaps on partial counts.

An announcement on the reports topic (key ``cov``), JSON::

    {"cov": raw partition, "o": [first offset, last offset] | null,
     "t": least event time announced | null,
     "cells": [[bucket, row, column, [mmsi, ...]], ...],
     "src": [[bucket, source, [mmsi, ...]], ...]}
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from models.config import Config
from models.coverage import Cell, Coverage
from models.records import Failure, FailureReason, Outcome, PositionReport

if TYPE_CHECKING:
    from streams.stages import RawRecord

__all__ = ["CoverageAnnouncer", "CoverageListener", "is_announcement"]

#: Buckets a decoder remembers what it announced for (older ones are rarely heard again, and
#: announcing one twice is harmless).
_REMEMBERED_BUCKETS = 3


def is_announcement(document: Any) -> bool:
    return isinstance(document, dict) and "cov" in document


class CoverageAnnouncer:
    """A decoder's side: what its batches heard that it has not announced yet."""

    def __init__(self, config: Config) -> None:
        self.enabled = config.coverage.enabled
        self._grid = Coverage(config.coverage)  # for its buckets and cells only
        self._said: dict[int, set[tuple[Any, ...]]] = {}  # bucket -> what was announced
        self._partition_of: dict[str, int] = {}  # source -> its raw partition (the key's)

    def announce(
        self, records: Sequence[RawRecord], outcomes: Iterable[Outcome]
    ) -> list[dict[str, Any]]:
        """One announcement per raw partition of the batch ``records`` decoded to ``outcomes``
        (sent even when it heard nobody, so that workers can tell nothing was missed)."""
        if not self.enabled:
            return []
        read: dict[int, list[int]] = {}
        for record in records:
            self._partition_of[record.source] = record.partition
            span = read.get(record.partition)
            if span is None:
                read[record.partition] = [record.offset, record.offset]
            else:
                span[0], span[1] = min(span[0], record.offset), max(span[1], record.offset)
        heard: dict[int, list[PositionReport]] = {partition: [] for partition in read}
        for outcome in outcomes:
            if isinstance(outcome, PositionReport):
                partition = self._partition_of.get(outcome.source)
                if partition is not None:
                    heard.setdefault(partition, []).append(outcome)
        return [
            self.announce_for(partition, read.get(partition), reports)
            for partition, reports in sorted(heard.items())
        ]

    def announce_for(
        self, partition: int, offsets: Sequence[int] | None, reports: Iterable[PositionReport]
    ) -> dict[str, Any]:
        """The announcement of raw ``partition``'s offsets ``offsets`` (first, last), which
        decoded to ``reports``."""
        grid, said = self._grid, self._said
        cells: dict[tuple[int, Cell], list[int]] = {}
        sources: dict[tuple[int, str], list[int]] = {}
        least: float | None = None
        for report in reports:
            t, lat, lon = report.timestamp, report.lat, report.lon
            if t is None or lat is None or lon is None or report.impossible:
                continue
            least = t if least is None else min(least, t)
            bucket = grid.bucket_of(t)
            known = said.get(bucket)
            if known is None:
                known = said[bucket] = set()
            cell = grid.cell_of(lat, lon)
            if (cell, report.mmsi) not in known:
                known.add((cell, report.mmsi))
                cells.setdefault((bucket, cell), []).append(report.mmsi)
            if (report.source, report.mmsi) not in known:
                known.add((report.source, report.mmsi))
                sources.setdefault((bucket, report.source), []).append(report.mmsi)
        if said:
            newest = max(said)
            for bucket in [b for b in said if b <= newest - _REMEMBERED_BUCKETS]:
                del said[bucket]
        return {
            "cov": partition,
            "o": None if offsets is None else [int(offsets[0]), int(offsets[1])],
            "t": least,
            "cells": [[b, row, col, sorted(m)] for (b, (row, col)), m in sorted(cells.items())],
            "src": [[b, source, sorted(m)] for (b, source), m in sorted(sources.items())],
        }


class _Run:
    """What one reports partition has delivered of one raw partition's announcements since this
    worker started reading it: contiguously from ``since`` (the first bucket it knows fully)."""

    __slots__ = ("first", "next", "since")

    def __init__(self, since: float, first: int, next_offset: int) -> None:
        self.since = since
        self.first = first  # the offsets delivered: first .. next - 1
        self.next = next_offset


class CoverageListener:
    """A worker's side: announcements into its monitor's ``Coverage``, noting what it missed.

    Every reports partition carries every announcement, in order; partitions a worker reads are
    at different places in that sequence, so what it knows of a raw partition is tracked per
    reports partition (a *run*). Coverage of a raw partition is complete from the earliest run
    of the partitions read: that partition has delivered, by the time event time gets there,
    everything announced since its run began. A run begins at offset 0 (complete from the
    start), where the worker's knowledge from before a rebalance ends, or after a hole (then
    it is complete from the bucket after the earliest one it announces, or — a hole followed by
    announcements of nothing timed — unknown until one announces something).
    """

    def __init__(self, coverage: Coverage | None) -> None:
        self.coverage = coverage
        self._runs: dict[tuple[int, int], _Run] = {}  # (reports, raw partition) -> its run
        self._carried: dict[int, _Run] = {}  # raw partition -> what was known at a rebalance

    def take(self, partition: int, document: dict[str, Any]) -> Failure | None:
        """Merge one announcement read from reports ``partition``; a failure (to count and
        dead-letter) if it is malformed."""
        try:
            raw = int(document["cov"])
            offsets = document.get("o")
            least = document.get("t")
            least = None if least is None else float(least)
            span = None if offsets is None else (int(offsets[0]), int(offsets[1]))
            cells = [
                (int(b), (int(row), int(col)), [int(m) for m in mmsis])
                for b, row, col, mmsis in document.get("cells", [])
            ]
            sources = [
                (int(b), str(source), [int(m) for m in mmsis])
                for b, source, mmsis in document.get("src", [])
            ]
        except (KeyError, TypeError, ValueError, IndexError) as err:
            return Failure(FailureReason.MALFORMED, raw=repr(document)[:2000], detail=repr(err))
        coverage = self.coverage
        if coverage is None:
            return None
        if span is not None:
            self._follow(partition, raw, span, least, coverage)
        coverage.merge(cells, sources)
        return None

    def restart(self) -> None:
        """After a rebalance: the partitions read may change, and where they are read from.
        What was known stays known (the earliest run, with the runs overlapping it, and what
        was carried over before); new runs that continue it keep it complete."""
        by_raw: dict[int, list[_Run]] = {}
        for (_, raw), run in self._runs.items():
            by_raw.setdefault(raw, []).append(run)
        for raw, carried in self._carried.items():
            by_raw.setdefault(raw, []).append(carried)
        for raw, runs in by_raw.items():
            runs.sort(key=lambda run: (run.since, run.first))
            known = _Run(runs[0].since, runs[0].first, runs[0].next)
            for run in sorted(runs[1:], key=lambda run: run.first):
                if run.first <= known.next:
                    known.next = max(known.next, run.next)
            self._carried[raw] = known
        self._runs.clear()

    def _follow(
        self,
        partition: int,
        raw: int,
        span: tuple[int, int],
        least: float | None,
        coverage: Coverage,
    ) -> None:
        first, last = span
        run = self._runs.get((partition, raw))
        if run is None or first > run.next:
            carried = self._carried.get(raw) if run is None else None
            if first == 0 and run is None:
                since = float("-inf")
            elif carried is not None and first <= carried.next:
                since = carried.since
            else:
                since = _AFTER_A_HOLE
            run = self._runs[(partition, raw)] = _Run(since, first, last + 1)
        else:
            run.next = max(run.next, last + 1)
        if run.since == _AFTER_A_HOLE and least is not None:
            run.since = coverage.bucket_of(least) + 1
        complete: dict[int, float] = {}
        for (_, of), each in self._runs.items():
            complete[of] = min(complete.get(of, float("inf")), each.since)
        coverage.complete_from = max(complete.values())


#: The start of a run after a hole, until an announcement on it says when that was.
_AFTER_A_HOLE = float("inf")
