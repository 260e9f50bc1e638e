"""The in-process replay: files in, the alerts a live run would have produced out.

The runner only converts and calls the engine: readers give lines or records, the ``Decoder``
turns lines into records, the ``Monitor`` turns records into alerts, a sink writes them. Batches
keep the per-message overhead low and let zone matching run vectorised.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import IO, Protocol

from metrics.telemetry import Telemetry
from models.alerts import Alert
from models.decode import Decoder, DecodeStats
from models.engine import Engine
from models.monitor import Monitor, Step
from models.nmea import Clock
from models.records import Decoded, Failure, FailureReason, InputLine, Outcome
from replay.readers import AISCATCHER, NMEA

#: The clock of a CSV row or JSON Lines record: its own time column.
TIME_COLUMN = "time column"
#: Files named one by one in the summary's clocks; the rest are summed on one line.
CLOCK_FILES_SHOWN = 8

BATCH_SIZE = 4096


class AlertWriter(Protocol):
    def write(self, alerts: list[Alert]) -> None: ...


class Progress(Protocol):
    def update(self, done: int) -> None: ...


@dataclass(slots=True)
class ReplaySummary:
    """What a replay saw and found: the counts the CLI prints and tests check.

    ``decode`` is the decoder's own ``DecodeStats`` (messages, decoded by type, failed by reason,
    other lines), which also counts the records CSV and JSON Lines inputs gave already decoded.
    """

    files: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)  # "source: why", inputs not read to the end
    decode: DecodeStats = field(default_factory=DecodeStats)
    untimed: int = 0
    late: int = 0
    late_movers: int = 0  # slow positions that reached the encounter stage too late
    #: Silences judged coverage gaps (their receiver or feed went quiet), not dark periods.
    coverage_gaps: Counter[str] = field(default_factory=Counter)
    vessels: int = 0  # vessels with state at the end (the evicted ones are not)
    evicted: int = 0  # vessels unheard for tracking.evict_after_hours, dropped from memory
    vessel_hours: float = 0.0  # time vessels were followed (FleetStats.vessel_seconds)
    alerts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    formats: Mapping[str, str] = field(default_factory=dict)  # source name -> format
    #: Alert messages shared, by partner, and silenced by allow-lists, by type (models/lists.py).
    shared: Counter[str] = field(default_factory=Counter)
    suppressed: Counter[str] = field(default_factory=Counter)

    @property
    def lines(self) -> int:
        """NMEA lines read."""
        return self.decode.lines

    @property
    def records(self) -> int:
        """CSV rows and JSON Lines objects read (already decoded)."""
        return self.decode.records

    @property
    def messages(self) -> int:
        return self.decode.messages

    @property
    def decoded(self) -> Counter[int]:
        return self.decode.decoded

    @property
    def failed(self) -> Counter[str]:
        return self.decode.failed

    @property
    def ignored(self) -> Counter[str]:
        return self.decode.ignored

    @property
    def inherited_time(self) -> int:
        return self.decode.inherited

    @property
    def decoded_total(self) -> int:
        return self.decode.decoded_total

    @property
    def failed_total(self) -> int:
        return self.decode.failed_total


class ReplayRunner:
    """One replay over one stream of input items (lines and/or already-decoded records).

    ``formats`` (``Reader.formats``: source name -> format) lets a failure the reader gives for a
    line of an NMEA log (not UTF-8, too long) count as an NMEA line rather than a CSV/JSON
    record; a ``truncated_input`` failure counts as neither, and names its input in
    ``summary.incomplete``.
    """

    def __init__(
        self,
        engine: Engine,
        sink: AlertWriter,
        on_failure: Callable[[Failure], None] | None = None,
        batch_size: int = BATCH_SIZE,
        telemetry: Telemetry | None = None,
        on_records: Callable[[list[Decoded]], None] | None = None,
        formats: Mapping[str, str] | None = None,
        timezone: tzinfo = UTC,
    ) -> None:
        self.engine = engine
        self.formats = formats
        self.telemetry = telemetry
        self.on_records = on_records
        self.sink = sink
        self.on_failure = on_failure
        self.batch_size = batch_size
        self.decoder = Decoder.for_tracking(engine.config.tracking, timezone)
        self.monitor = Monitor(engine)
        self.summary = ReplaySummary(decode=self.decoder.stats, formats=formats or {})
        self._records: list[Decoded] = []
        self._outcomes: list[Outcome] = []

    def run(
        self,
        items: Iterable[InputLine | Outcome],
        progress: Progress | None = None,
        position: Callable[[], int] | None = None,
    ) -> ReplaySummary:
        """Replay ``items`` to the end. ``position`` tells ``progress`` how far along we are."""
        started = time.perf_counter()
        feed = self.decoder.feed
        outcomes = self._outcomes
        summary = self.summary
        size = self.batch_size
        for item in items:
            if isinstance(item, InputLine):
                feed(item, outcomes)
            else:
                outcomes.append(item)
                self._count_record(item)
            if len(outcomes) >= size:
                self._flush_batch()
                if progress is not None and position is not None:
                    progress.update(position())
        self.decoder.flush(outcomes)
        self._flush_batch()
        self._emit(self.monitor.finish())
        if progress is not None and position is not None:
            progress.update(position())
        monitor = self.monitor
        summary.untimed = monitor.stats.untimed
        summary.late = monitor.stats.late
        summary.evicted = monitor.stats.evicted
        summary.vessels = monitor.tracked()
        summary.vessel_hours = monitor.stats.vessel_seconds / 3600.0
        summary.alerts = Counter(monitor.alerts)
        summary.late_movers = monitor.encounter_stats.late
        summary.coverage_gaps = Counter(monitor.coverage_gaps)
        summary.seconds = time.perf_counter() - started
        return summary

    def _count_record(self, item: Outcome) -> None:
        """Records that came decoded (CSV, JSON Lines) count as messages here, in the decoder's
        stats; the decoder counts the NMEA ones itself."""
        stats = self.summary.decode
        stats.messages += 1
        if isinstance(item, Failure):
            if item.reason is FailureReason.TRUNCATED_INPUT:
                self.summary.incomplete.append(f"{item.source}: {item.detail}")
            elif self.formats is not None and self.formats.get(item.source) == NMEA:
                stats.lines += 1
            else:
                stats.records += 1
            stats.failed[item.reason.value] += 1
        else:
            stats.records += 1
            stats.decoded[item.msg_type] += 1
            clocks = stats.clocks.get(item.source)
            if clocks is None:
                clocks = stats.clocks[item.source] = Counter()
            clocks[Clock.NONE if item.timestamp is None else TIME_COLUMN] += 1

    def _flush_batch(self) -> None:
        outcomes = self._outcomes
        if not outcomes:
            return
        records = self._records
        for outcome in outcomes:
            if isinstance(outcome, Failure):
                if self.on_failure is not None:
                    self.on_failure(outcome)
            else:
                records.append(outcome)
        outcomes.clear()
        if self.on_records is not None:
            self.on_records(records)
        step = self.monitor.process(records)
        records.clear()
        self._emit(step)

    def _emit(self, step: Step) -> None:
        """Alerts to the sink, late reports to the failures, and the counts to the metrics."""
        self.sink.write(step.alerts)
        if self.on_failure is not None:
            for failure in step.late:
                self.on_failure(failure)
        self._record(step.alerts)

    def _record(self, alerts: list[Alert]) -> None:
        telemetry = self.telemetry
        if telemetry is None:
            return
        telemetry.beat()
        monitor = self.monitor
        telemetry.decode_stats(self.decoder.stats)
        telemetry.fleet_stats(monitor.stats, monitor.tracked(), monitor.watermark, time.time())
        telemetry.published(alerts)
        telemetry.coverage_stats(monitor.coverage_gaps)


def write_summary(summary: ReplaySummary, stream: IO[str]) -> None:
    """The human summary printed on stderr after a replay."""
    out = stream.write
    rate = summary.messages / summary.seconds if summary.seconds > 0 else 0.0
    out(f"replay: {len(summary.files)} file(s)")
    if summary.skipped:
        out(f", {len(summary.skipped)} skipped (not AIS)")
    read = [f"{summary.lines:,} NMEA lines"] if summary.lines or not summary.records else []
    if summary.records:
        read.append(f"{summary.records:,} CSV/JSON records")
    out(f", {' + '.join(read)} in {summary.seconds:.1f} s ({rate:,.0f} messages/s)\n")
    _write_messages(summary, out)
    _write_clocks(summary, out)
    if summary.inherited_time:
        out(
            f"  {summary.inherited_time:,} sentences had no time of their own and took the "
            "latest earlier time in their file\n"
        )
    if summary.untimed:
        out(
            f"  {summary.untimed:,} reports had no receive time at all: identities kept, "
            "positions not tracked\n"
        )
    if summary.late:
        out(
            f"  {summary.late:,} reports came more than the lateness window behind what was "
            "already processed and were not tracked (inputs out of time order? give files in "
            "time order, or raise tracking.lateness_seconds)\n"
        )
    if summary.late_movers:
        out(
            f"  {summary.late_movers:,} slow positions came too late to be compared for "
            "encounters (a vessel's report far behind the others')\n"
        )
    if summary.coverage_gaps:
        gaps = summary.coverage_gaps
        by_source = ", ".join(f"{k or '(no source)'} {v:,}" for k, v in sorted(gaps.items()))
        out(
            f"  {sum(gaps.values()):,} silences were coverage gaps, not dark periods (their "
            f"receiver or feed went quiet with them): {by_source}\n"
        )
    if summary.evicted:
        out(
            f"  {summary.evicted:,} vessels were unheard for the eviction horizon "
            "(tracking.evict_after_hours) and left memory; heard again, they start afresh\n"
        )
    alerts = ", ".join(f"{k} {v:,}" for k, v in sorted(summary.alerts.items())) or "none"
    out(f"  vessels: {summary.vessels:,}  alerts: {sum(summary.alerts.values()):,} ({alerts})\n")
    _write_sharing(summary, out)
    _write_rates(summary, out)


def _write_messages(summary: ReplaySummary, out: Callable[[str], object]) -> None:
    """Messages, what failed and why, the copies not decoded again, the other lines."""
    out(
        f"  messages: {summary.messages:,}  decoded: {summary.decoded_total:,}  "
        f"failed: {summary.failed_total:,}\n"
    )
    if summary.failed:
        reasons = ", ".join(f"{k} {v:,}" for k, v in sorted(summary.failed.items()))
        out(f"  failures by reason: {reasons}\n")
    if summary.decode.duplicates:
        out(
            f"  {summary.decode.duplicates:,} copies of messages already heard (other receivers, "
            "within tracking.duplicate_seconds) were not decoded again\n"
        )
    for incomplete in summary.incomplete:
        out(f"  not read to the end: {incomplete}\n")
    if summary.ignored:
        kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(summary.ignored.items()))
        out(f"  other lines (not AIS messages): {kinds}\n")


def _write_clocks(summary: ReplaySummary, out: Callable[[str], object]) -> None:
    """Per file, which clocks timed its sentences (NMEA, AIS-catcher) or records (CSV, JSON
    Lines) and how many each: the first files by name, the rest summed."""
    clocks = {name: counts for name, counts in summary.decode.clocks.items() if counts}
    if not clocks:
        return
    out("  times by file (sentences or records per clock):\n")
    names = sorted(clocks)
    rest: Counter[str] = Counter()
    for name in names[CLOCK_FILES_SHOWN:]:
        rest.update(clocks[name])
    for name in names[:CLOCK_FILES_SHOWN]:
        out(f"    {name}: {_clock_counts(clocks[name], summary.formats.get(name))}\n")
    if rest:
        more = len(names) - CLOCK_FILES_SHOWN
        out(f"    {more:,} more file(s): {_clock_counts(rest, None)}\n")


def _clock_counts(counts: Counter[str], fmt: str | None) -> str:
    def label(clock: str) -> str:
        if clock == Clock.RECEIVED and fmt == AISCATCHER:
            return "AIS-catcher rxtime"
        return clock

    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{label(clock)} {count:,}" for clock, count in ranked)


def _write_sharing(summary: ReplaySummary, out: Callable[[str], object]) -> None:
    if summary.suppressed:
        kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(summary.suppressed.items()))
        out(f"  silenced by allow-lists: {sum(summary.suppressed.values()):,} ({kinds})\n")
    if summary.shared:
        partners = ", ".join(f"{k} {v:,}" for k, v in sorted(summary.shared.items()))
        out(f"  shared with partners: {partners}\n")


def _write_rates(summary: ReplaySummary, out: Callable[[str], object]) -> None:
    """Alert messages per 1,000 vessel-hours, by type: the alert budget an operations centre
    reads a feed by."""
    hours = summary.vessel_hours
    if hours <= 0 or not summary.alerts:
        return
    rates = ", ".join(
        f"{kind} {count * 1000.0 / hours:,.1f}" for kind, count in sorted(summary.alerts.items())
    )
    out(f"  alerts per 1,000 vessel-hours ({hours:,.0f} h followed): {rates}\n")
