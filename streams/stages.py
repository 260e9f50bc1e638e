"""The two streaming stages, free of faust: what the agents call for each batch.

``DecodeStage`` turns raw Kafka records of ``ais.raw`` into reports and failures with the same
``Decoder`` the replay uses; ``TrackStage`` feeds reports to the same ``Monitor``. The
agents in ``streams/agents.py`` only convert Kafka events to these calls and send what comes
back, so replay and stream cannot disagree about behaviour.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass, replace
from typing import Any

from models.alerts import Alert
from models.decode import Decoder
from models.encounter import Mover
from models.engine import Engine
from models.monitor import Monitor, Step
from models.normalise import FieldError
from models.records import Decoded, Failure, FailureReason, InputLine, Outcome
from models.serialise import record_to_wire
from models.track import VesselState
from models.watermark import Watermark
from streams.coverage_stages import CoverageListener, is_announcement
from streams.encounter_stages import hold_alerts, route
from streams.wire import is_pack, report_from_wire, unpack_lines, unpacked

log = logging.getLogger("vigilmar.worker")

#: The most of one ``ais.reports`` value a failure carries.
RAW_LIMIT = 2000


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
        self.decoder = Decoder.for_tracking(engine.config.tracking)
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
        """One raw record's outcomes onto ``out``: its line, or each line of a raw pack (with
        its own receive time; its failures name the record's offset)."""
        lines = unpack_lines(record.value)
        if lines is None:
            self._line(record, out, feed)
            return
        for when, line in lines:
            timestamp = record.timestamp if when is None else when
            self._line(replace(record, value=line, timestamp=timestamp), out, feed)

    def _line(self, record: RawRecord, out: list[Outcome], feed: Any) -> None:
        """One line's outcomes onto ``out``."""
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
        try:
            feed(InputLine(text, record.source, record.offset, record.timestamp), out)
        except Exception as err:  # one line must never stop the agent
            self._crashed(record, text, err, out)

    def _crashed(self, record: RawRecord, text: str, err: Exception, out: list[Outcome]) -> None:
        """The decoder raised on a line: what it decoded of the line before stands, the line
        becomes one ``decode_error`` failure, and its counts still add up (the message it was
        on, if it had counted one, is the failed one)."""
        log.warning(
            "the decoder raised on %s offset %d: %r",
            record.source,
            record.offset,
            err,
            exc_info=err,
        )
        stats = self.decoder.stats
        if stats.messages <= stats.decoded_total + stats.failed_total:
            stats.messages += 1
        stats.failed[FailureReason.DECODE_ERROR.value] += 1
        out.append(
            Failure(
                FailureReason.DECODE_ERROR,
                raw=text,
                source=record.source,
                line_no=record.offset,
                detail=f"the decoder raised {err!r:.300}",
                timestamp=record.timestamp,
            )
        )


def unprocessed(records: Iterable[RawRecord], err: Exception) -> list[Outcome]:
    """A batch of raw records the decode stage raised on as a whole (past its per-line guard):
    each becomes a ``decode_error`` failure carrying its line, for the dead-letter topic."""
    log.error("the decode stage raised on a batch: %r", err, exc_info=err)
    return [
        Failure(
            FailureReason.DECODE_ERROR,
            raw=line.decode("utf-8", "backslashreplace"),
            source=record.source,
            line_no=record.offset,
            detail=f"the decode stage raised {err!r:.300} on its batch",
            timestamp=record.timestamp if when is None else when,
        )
        for record in records
        for when, line in unpack_lines(record.value) or [(None, record.value)]
    ]


def split_outcomes(outcomes: Iterable[Outcome]) -> tuple[list[Decoded], list[Failure]]:
    """The reports (for ``ais.reports``) and the failures (for the dead-letter topic) of a
    batch, each in the order decoded."""
    reports: list[Decoded] = []
    failures: list[Failure] = []
    for outcome in outcomes:
        if isinstance(outcome, Failure):
            failures.append(outcome)
        else:
            reports.append(outcome)
    return reports, failures


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
    finds its vessels already moved past its reports. The monitor does not compare movers
    here: they come back in each ``Step`` for the worker to re-key by cell.
    """

    def __init__(self, engine: Engine, vessels: MutableMapping[int, VesselState]) -> None:
        self.monitor = Monitor(engine, vessels, pair_locally=False)
        self._config = engine.config
        self._lateness = engine.config.tracking.lateness_seconds
        #: The watermark last announced to the cells topic.
        self._announced = float("-inf")
        #: The latest event time of the reports read from each reports partition.
        self._partitions = Watermark()
        #: (raw partition, reports partition) -> the latest event time its decoder decoded,
        #: for the pairs whose decoder said it had read its raw partition to the end.
        self._drained = Watermark()
        #: The decoders' coverage announcements into the monitor's coverage
        #: (``streams/coverage_stages.py``).
        self.coverage = CoverageListener(self.monitor.coverage)

    def track(self, documents: Iterable[tuple[int, Any]]) -> tuple[Step, list[Failure]]:
        """What a batch of ``(partition, ais.reports value)`` gives, and the values of the
        wrong shape and reports that came too late for their vessel, as failures."""
        records: list[Decoded] = []
        failures: list[Failure] = []
        partitions = self._partitions
        for partition, document in unpack(documents, failures):
            if isinstance(document, dict) and "raw" in document:
                self._progress(partition, document, failures)
                continue
            if is_announcement(document):
                failure = self.coverage.take(partition, document)
                if failure is not None:
                    failures.append(failure)
                continue
            try:
                record = report_from_wire(document)
            except FieldError as err:
                failures.append(Failure(err.reason, raw=_shown(document), detail=str(err)))
                continue
            records.append(record)
            if record.timestamp is not None:
                partitions.mark(partition, record.timestamp)
        least = partitions.least()
        watermark = float("-inf") if least is None else least - self._lateness
        try:
            step = self.monitor.process(records, watermark)
        except Exception as err:  # one batch must never stop the agent
            return Step(), failures + self._crashed(records, err)
        failures.extend(step.late)
        step.late.clear()
        return step, failures

    def _crashed(self, records: list[Decoded], err: Exception) -> list[Failure]:
        """The monitor raised on a batch: each of its reports becomes a ``track_error``
        failure carrying the report, for the dead-letter topic (whence it can be fed again).
        The vessels it had reached before raising keep what it did to them."""
        log.error("tracking raised on a batch of %d reports: %r", len(records), err, exc_info=err)
        detail = f"tracking raised {err!r:.300} on its batch of {len(records)}"
        return [
            Failure(
                FailureReason.TRACK_ERROR,
                raw=json.dumps(record_to_wire(record), allow_nan=True),
                source=record.source,
                detail=detail,
                timestamp=record.timestamp,
            )
            for record in records
        ]

    def _progress(self, partition: int, document: dict[str, Any], failures: list[Failure]) -> None:
        try:
            progress = RawProgress.from_wire(document)
        except (KeyError, TypeError, ValueError) as err:
            failures.append(
                Failure(FailureReason.MALFORMED, raw=_shown(document), detail=repr(err))
            )
            return
        source = (progress.partition, partition)
        if not progress.caught_up:
            self._drained.drop(source)
        else:
            latest = progress.latest
            self._drained.mark(source, float("-inf") if latest is None else latest)

    def route(self, movers: Iterable[Mover]) -> list[tuple[bytes, dict[str, Any]]]:
        """(cell key, message) for the slow movers a step released, for the cells topic; none
        when encounters are off."""
        if not self._config.encounter.enabled:
            return []
        return route(movers, self._config)

    def hold(self, alerts: list[Alert]) -> tuple[list[Alert], list[tuple[bytes, dict[str, Any]]]]:
        """The alerts to publish now, and (cell key, message) for the loitering messages the
        cells' learned anchorages decide (none held when encounters are off)."""
        if not self._config.encounter.enabled:
            return alerts, []
        return hold_alerts(alerts, self._config)

    def announcement(self, sources: Iterable[int]) -> dict[int, float]:
        """The watermark to announce to every cells partition for each of ``sources`` (this
        worker's reports partitions), after the movers sent before it: once each time it moves,
        so nothing when it has not moved since the last announcement (or encounters are off)."""
        watermark = self.monitor.watermark
        if not self._config.encounter.enabled or watermark <= self._announced:
            return {}
        self._announced = watermark
        return dict.fromkeys(sources, watermark)

    def forget_partitions(self) -> None:
        """After a rebalance the partitions may differ: start their clocks afresh. The worker's
        event time starts again too: the partitions it takes over may be behind the ones it had,
        and their vessels must not be moved past reports still to come; the cells partitions
        hear it again from the start."""
        self._partitions.clear()
        self._drained.clear()
        self.coverage.restart()
        self.monitor.restart_clock()
        self._announced = float("-inf")

    def revoke(self, evicted: Iterable[int]) -> None:
        """The partitions were revoked and the vessels ``evicted`` from the cache (their state is
        in the table): stop tracking them here, and forget the partitions' clocks."""
        for mmsi in evicted:
            self.monitor.forget(mmsi)
        self.forget_partitions()

    def adopt(self, vessels: Iterable[VesselState], partition_of: Callable[[int], int]) -> int:
        """Take over the vessels restored from the table after a recovery; how many.

        Each vessel's reports partition (``partition_of`` its MMSI) starts its clock at how far
        its vessels had got: a partition read far ahead of the others in the
        first batches after a takeover then cannot move the vessels of a partition not read
        yet past the reports it still holds (their reports would come too late)."""
        adopted = 0
        for vessel in vessels:
            self.monitor.adopt(vessel)
            if vessel.max_seen > float("-inf"):
                self._partitions.mark(partition_of(vessel.mmsi), vessel.max_seen)
            adopted += 1
        return adopted

    def drained(self, reports_partitions: Iterable[int], raw_partitions: int) -> float | None:
        """The latest event time decoded anywhere, if every decoder has said, after the last
        report it sent to each of this worker's partitions, that it had read its raw partition
        to the end — so every report there is, up to that time, has reached this worker.
        ``None`` while any decoder is behind or has not said."""
        mine = list(reports_partitions)
        sources = [(raw, partition) for raw in range(raw_partitions) for partition in mine]
        latest = self._drained.latest(sources)
        return None if latest is None or latest == float("-inf") else latest

    def advance_drained(self, until: float) -> Step:
        """Everything decoded anywhere has been tracked: event time reaches ``until``, as at the
        end of a replay's input (``Monitor.finish``)."""
        return self.monitor.advance(until)

    def advance_idle(self, idle_seconds: float) -> Step:
        """The input has been idle for ``idle_seconds`` of wall-clock time: let event time move
        on as far from the latest event seen, so that a vessel falling silent is reported
        without waiting for more input."""
        monitor = self.monitor
        if monitor.latest == float("-inf") or idle_seconds <= 0:
            return Step()
        return monitor.advance(monitor.latest + idle_seconds - self._lateness)

    def tick(
        self, idle_seconds: float, reports_partitions: Iterable[int], raw_partitions: int
    ) -> Step:
        """The idle tick of a worker whose input is read to its end and has been quiet for
        ``idle_seconds``: if every decoder has drained, event time first reaches the latest
        decoded anywhere (``advance_drained``), as at the end of a replay; then it moves on with
        the clock (``advance_idle``), so a vessel that fell silent is reported without waiting
        for more input."""
        step = Step()
        drained = self.drained(reports_partitions, raw_partitions)
        if drained is not None:
            step.extend(self.advance_drained(drained))
        return step.extend(self.advance_idle(idle_seconds))


def unpack(
    documents: Iterable[tuple[int, Any]], failures: list[Failure]
) -> Iterator[tuple[int, Any]]:
    """Each ``(partition, value)`` of a batch, packs opened into their reports in order; a pack
    that cannot be read is a failure (``streams.wire``)."""
    for partition, document in documents:
        if not is_pack(document):
            yield partition, document
            continue
        try:
            reports = unpacked(document)
        except FieldError as err:
            failures.append(Failure(err.reason, raw=_shown(document), detail=str(err)))
            continue
        for report in reports:
            yield partition, report


def has_reports(documents: Iterable[tuple[int, Any]]) -> bool:
    """Whether a batch of ``ais.reports`` values held input: progress words alone are not."""
    return any(is_pack(d) or _is_report(d) for _, d in documents)


def _shown(document: Any) -> str:
    """An ``ais.reports`` value as its failure carries it: JSON when it is, else its repr."""
    try:
        text = json.dumps(document, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(document)
    return text[:RAW_LIMIT]


def _is_report(document: Any) -> bool:
    """A report: not a progress word, nor a coverage announcement."""
    return isinstance(document, dict) and "raw" not in document and not is_announcement(document)
