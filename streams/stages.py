"""The two streaming stages, free of faust: what the agents call for each batch.

``DecodeStage`` turns raw Kafka records of ``ais.raw`` into reports and failures with the same
``Decoder`` the replay uses; ``TrackStage`` feeds reports to the same ``Fleet``/``Engine``. The
agents in ``streams/app.py`` only convert Kafka events to these calls and send what comes back,
so replay and stream cannot disagree about behaviour.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

from models.alerts import Alert
from models.decode import Decoder
from models.engine import Engine
from models.fleet import Fleet
from models.records import Decoded, Failure, FailureReason, InputLine, Outcome
from models.serialise import record_from_wire
from models.track import VesselState


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record of the raw topic: the receiver (key), the line (value) and its receive time."""

    source: str
    value: bytes
    timestamp: float | None
    offset: int = 0
    partition: int = 0


class DecodeStage:
    def __init__(self, engine: Engine) -> None:
        self.decoder = Decoder(engine.config.tracking.multipart_window)
        #: The latest event time decoded from each raw partition.
        self.latest: dict[int, float] = {}

    def decode(self, records: Iterable[RawRecord]) -> list[Outcome]:
        """Decode a batch of raw records, in order. Never raises on bad input."""
        out: list[Outcome] = []
        feed = self.decoder.feed
        latest = self.latest
        for record in records:
            done = len(out)
            self._decode(record, out, feed)
            for outcome in out[done:]:
                t = outcome.timestamp
                if (
                    t is not None
                    and not isinstance(outcome, Failure)
                    and t > latest.get(record.partition, float("-inf"))
                ):
                    latest[record.partition] = t
        return out

    def _decode(self, record: RawRecord, out: list[Outcome], feed: Any) -> None:
        """One raw record's outcomes onto ``out``."""
        try:
            text = record.value.decode("utf-8")
        except UnicodeDecodeError as err:
            self.decoder.stats.lines += 1
            self.decoder.stats.messages += 1
            self.decoder.stats.failed[FailureReason.NOT_UTF8.value] += 1
            out.append(
                Failure(
                    FailureReason.NOT_UTF8,
                    raw=record.value.decode("utf-8", "backslashreplace"),
                    source=record.source,
                    line_no=record.offset,
                    detail=str(err),
                    timestamp=record.timestamp,
                )
            )
            return
        feed(InputLine(text, record.source, record.offset, record.timestamp), out)


@dataclass(frozen=True, slots=True)
class RawProgress:
    """A decoder's word, sent to every reports partition after the reports it decoded: how far
    it has read one raw partition, and the latest event time it decoded from it."""

    partition: int
    caught_up: bool
    latest: float | None

    def to_wire(self) -> dict[str, Any]:
        return {"raw": self.partition, "caught_up": self.caught_up, "t": self.latest}

    @staticmethod
    def from_wire(document: dict[str, Any]) -> RawProgress:
        latest = document.get("t")
        return RawProgress(
            int(document["raw"]),
            bool(document["caught_up"]),
            None if latest is None else float(latest),
        )


class TrackStage:
    """Per-vessel tracking over batches of decoded reports; ``vessels`` may be a table.

    A worker reads several partitions, each in event-time order per vessel but not in step
    with the others. Event time (the watermark) therefore advances to the *least* of the
    partitions' latest event times, minus the lateness, so a partition that is behind never
    finds its vessels already moved past its reports.
    """

    def __init__(self, engine: Engine, vessels: MutableMapping[int, VesselState]) -> None:
        self.fleet = Fleet(engine, vessels)
        self._lateness = engine.config.tracking.lateness_seconds
        self._partition_time: dict[int, float] = {}
        #: (raw partition, reports partition) -> the decoder's latest progress marker seen there.
        self._raw_marks: dict[tuple[int, int], RawProgress] = {}

    def track(self, documents: Iterable[tuple[int, Any]]) -> tuple[list[Alert], list[Failure]]:
        """Alerts for a batch of ``(partition, ais.reports value)``; values of the wrong shape
        and reports that came too late for their vessel come back as failures."""
        records: list[Decoded] = []
        failures: list[Failure] = []
        latest = self._partition_time
        for partition, document in documents:
            if isinstance(document, dict) and "raw" in document:
                try:
                    progress = RawProgress.from_wire(document)
                except (KeyError, TypeError, ValueError) as err:
                    raw = repr(document)[:2000]
                    failures.append(Failure(FailureReason.MALFORMED, raw=raw, detail=repr(err)))
                else:
                    self._raw_marks[progress.partition, partition] = progress
                continue
            try:
                record = record_from_wire(document)
            except (KeyError, TypeError, ValueError, AttributeError) as err:
                failures.append(
                    Failure(FailureReason.MALFORMED, raw=repr(document)[:2000], detail=repr(err))
                )
                continue
            records.append(record)
            if record.timestamp is not None and record.timestamp > latest.get(partition, -1e300):
                latest[partition] = record.timestamp
        fleet = self.fleet
        alerts = fleet.process(records, advance=False)
        if latest:
            alerts.extend(fleet.advance(min(latest.values()) - self._lateness))
        failures.extend(fleet.late)
        fleet.late.clear()
        return alerts, failures

    def forget_partitions(self) -> None:
        """After a rebalance the partitions may differ: start their clocks afresh. The worker's
        event time starts again too: the partitions it takes over may be behind the ones it had,
        and their vessels must not be moved past reports still to come."""
        self._partition_time.clear()
        self._raw_marks.clear()
        self.fleet.restart_clock()

    def drained(self, reports_partitions: Iterable[int], raw_partitions: int) -> float | None:
        """The latest event time decoded anywhere, if every decoder has said, after the last
        report it sent to each of this worker's partitions, that it had read its raw partition
        to the end — so every report there is, up to that time, has reached this worker.
        ``None`` while any decoder is behind or has not said."""
        mine = list(reports_partitions)
        if not mine:
            return None
        latest = float("-inf")
        for raw in range(raw_partitions):
            for partition in mine:
                progress = self._raw_marks.get((raw, partition))
                if progress is None or not progress.caught_up:
                    return None
                if progress.latest is not None:
                    latest = max(latest, progress.latest)
        return latest if latest > float("-inf") else None

    def advance_drained(self, until: float) -> list[Alert]:
        """Everything decoded anywhere has been tracked: event time reaches ``until``, as at the
        end of a replay's input (``Fleet.finish``)."""
        return self.fleet.advance(until)

    def advance_idle(self, idle_seconds: float) -> list[Alert]:
        """The input has been idle for ``idle_seconds`` of wall-clock time: let event time move
        on as far from the latest event seen, so that a vessel falling silent is reported
        without waiting for more input."""
        fleet = self.fleet
        if fleet.max_time == float("-inf") or idle_seconds <= 0:
            return []
        return fleet.advance(fleet.max_time + idle_seconds - self._lateness)
