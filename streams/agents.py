"""The bodies of a worker's agents, timers and rebalance handlers: thin async wrappers.

Each converts Kafka events (or reads the consumer: assignment, positions, highwaters) into plain
values, calls a stage of ``WorkerStages`` and sends what comes back through the ``Outbox``;
``streams/app.py`` declares which topic, table, interval or signal each one serves. Delivery is
at least once: every batch's messages are delivered (``Outbox.settle``, which sends again what
the broker refused) before the agent takes its next batch, so before faust commits the
batch's offsets, and alerts before the state behind them is written; that state's changelog
records are awaited too (``streams.tables.all_written``), since faust's own wait for them
before a commit gives up after 0.1 s.

No message kills an agent: the stages turn what they cannot take into failures for the
dead-letter topic (``DecodeStage`` line by line, ``TrackStage`` report by report and, should
the monitor itself raise, its batch as ``track_error``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from faust.types import TP

from metrics.telemetry import Telemetry
from models.encounter.pipeline import EncounterStats
from models.monitor import Step
from streams.encounter_stages import store_changes
from streams.kafka import broker_reachable
from streams.outbox import Outbox
from streams.settings import Settings
from streams.stages import (
    RawRecord,
    has_reports,
    split_outcomes,
    unprocessed,
)
from streams.tables import all_written
from streams.vessel_risk import NotAnAlert
from streams.worker_state import WorkerStages, consumer_lag, read_to_end

log = logging.getLogger("vigilmar.worker")


class WorkerAgents:
    """One worker's agents over its ``stages``: ``app`` gives the consumer and producer,
    ``partition_of`` the partition of a table key (for the encounter tables' recovery)."""

    def __init__(
        self,
        app: Any,
        settings: Settings,
        stages: WorkerStages,
        out: Outbox,
        encounter_tables: tuple[Any, Any],
        partition_of: Callable[[bytes], int],
        telemetry: Telemetry,
    ) -> None:
        self.app = app
        self.settings = settings
        self.names = settings.topics
        self.stages = stages
        self.out = out
        self.cells_table, self.pairs_table = encounter_tables
        self.partition_of = partition_of
        self.telemetry = telemetry
        self.inputs = {self.names.raw, self.names.reports}
        #: Broker probes that found it unreachable, so far.
        self._outages = 0

    # -- agents -----------------------------------------------------------------------------

    async def decode(self, stream: Any) -> None:
        """ais.raw -> coverage announcements, reports, failures, then the raw-progress words;
        delivered before the next batch (so before faust commits the batch's offsets)."""
        stages = self.stages
        async for events in self._batches(stream):
            with self._timed("decode"):
                stages.activity.begin("decode")
                records = [_raw_record(event) for event in events]
                partitions = stages.progress.decoded(records)
                try:
                    outcomes = stages.decode.decode(records)
                    announcements = stages.coverage.announce(records, outcomes)
                except Exception as err:  # a bug past the per-line guard: the batch is failed
                    announcements, outcomes = [], unprocessed(records, err)
                reports, failures = split_outcomes(outcomes)
                await self.out.announcements(announcements)
                await self.out.reports(reports)
                await self.out.failures(failures)
                await self.out.progress(stages.progress.after_batch(self._raw_ends(partitions)))
                await self.out.settle()
                self.telemetry.decode_stats(stages.decode.decoder.stats)
            stages.activity.end("decode")

    async def track(self, stream: Any) -> None:
        """ais.reports -> alerts, movers and watermarks, delivered; then the vessels' state is
        written."""
        stages = self.stages
        async for events in self._batches(stream):
            with self._timed("track"):
                stages.activity.begin("track")
                documents = [(event.message.partition, _document(event.value)) for event in events]
                step, failures = stages.track.track(documents)
                await self._publish(step)
                await self.out.failures(failures)
                await self.out.settle()
                stages.store.flush()
                await all_written(self.app)
                self._record_track()
            stages.activity.end("track", had_input=has_reports(documents))

    async def encounter_cells(self, stream: Any) -> None:
        cells = self.stages.cells
        async for events in self._batches(stream):
            with self._timed("encounter-cells"):
                for event in events:
                    cells.take(event.message.partition, event.key, _json(event.value))
                found, released, moved = cells.advance()
                await self.out.pairs(found)
                await self.out.alerts(released)
                await self.out.pair_watermarks(moved)
                await self.out.settle()
                store_changes(self.cells_table, cells.flush())
                await all_written(self.app)
                self._record_encounters()

    async def encounter_pairs(self, stream: Any) -> None:
        pairs = self.stages.pairs
        async for events in self._batches(stream):
            with self._timed("encounter-pairs"):
                for event in events:
                    pairs.take(event.message.partition, _json(event.value))
                await self.out.alerts(pairs.advance())
                await self.out.settle()
                store_changes(self.pairs_table, pairs.flush())
                await all_written(self.app)
                self._record_encounters()

    async def vessel_risk(self, stream: Any) -> None:
        async for event in stream.events():
            document = _json(event.value)
            try:
                summary = self.stages.risk.update(event.key, document)
                voyages = self.stages.voyages.update(event.key, document)
            except NotAnAlert:
                log.warning("not an alert on %s: %r", self.names.vessel_alerts, event.value[:200])
                continue
            if summary is not None:
                await self.out.vessel(event.key, summary)
            for key, record in voyages:
                await self.out.voyage(key, record)
                self.telemetry.voyages.labels(_voyage_kind(record)).inc()
            if summary is not None or voyages:
                await self.out.settle()
            await all_written(self.app)

    # -- timers -----------------------------------------------------------------------------

    async def idle(self) -> None:
        """Every input read to its end and nothing came for a tick: event time moves on.

        Not while the broker is away: input that cannot come is not idle input. An outage
        during the checks (the producer's flush waits for the broker) calls the tick off, and
        the quiet is counted afresh from the broker's return (``broker_check``)."""
        activity = self.stages.activity
        if not self.telemetry.conditions.get("broker", True):
            return
        outages = self._outages
        if activity.idle() is None or not await self._read_to_end():
            return
        quiet = activity.idle()
        if quiet is None or outages != self._outages:
            return
        step = self.stages.track.tick(
            quiet, self._assigned(self.names.reports), self.settings.partitions
        )
        await self._publish(step)
        await self.out.settle()
        self.stages.store.flush()
        await all_written(self.app)
        self._record_track()

    async def raw_progress(self) -> None:
        stages = self.stages
        ends = self._raw_ends(self._assigned(self.names.raw))
        await self.out.progress(
            stages.progress.periodic(ends, decoding=stages.activity.busy("decode"))
        )
        await self.out.settle()

    async def heartbeat(self) -> None:
        self.telemetry.beat()

    async def broker_check(self) -> None:
        """Readiness follows the broker: 0 while no bootstrap server answers, 1 again (if the
        rest holds) once one does."""
        reachable = await broker_reachable(self.settings.bootstrap, self.settings.probe_seconds)
        if not reachable:
            self._outages += 1
        elif self.telemetry.conditions.get("broker") is False:
            self.stages.activity.restart()  # the quiet of an outage is no idle input
        if reachable != self.telemetry.conditions.get("broker"):
            log.log(
                logging.INFO if reachable else logging.WARNING,
                "broker %s %s",
                self.settings.bootstrap,
                "reachable" if reachable else "unreachable: not ready",
            )
        self.telemetry.set_condition("broker", reachable)

    async def encounter_clocks(self) -> None:
        for name, stage in (("cells", self.stages.cells), ("pairs", self.stages.pairs)):
            for partition, clock in sorted(stage.clocks.items()):
                log.debug("encounter %s partition %d: %s", name, partition, clock.describe())

    async def lag(self) -> None:
        consumer = self.app.consumer
        for tp in self._inputs():
            lag = consumer_lag(await consumer.position(tp), consumer.highwater(tp))
            if lag is not None:
                self.telemetry.consumer_lag.labels(tp.topic, str(tp.partition)).set(lag)

    # -- recovery and rebalancing -------------------------------------------------------------

    async def vessels_recovered(self) -> None:
        log.info("vessel table recovered: %d vessels", self.stages.recovered(self.partition_of))
        self.telemetry.set_ready(True)
        self._record_track()

    async def cells_recovered(self) -> None:
        mine = self._assigned(self.names.encounter_cells)
        count = self.stages.cells.recover(self.cells_table, mine, self.partition_of)
        log.info("encounter cells recovered: %d", count)

    async def pairs_recovered(self) -> None:
        mine = self._assigned(self.names.encounter_pairs)
        count = self.stages.pairs.recover(self.pairs_table, mine, self.partition_of)
        log.info("encounter pairs recovered: %d", count)

    async def revoked(self, sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        self.telemetry.set_ready(False)
        self.telemetry.consumer_lag.clear()  # the partitions may be another worker's now
        self.stages.revoked()
        await all_written(self.app)

    async def assigned(self, sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        names = self.names
        self.stages.assigned(
            self._assigned(names.encounter_cells), self._assigned(names.encounter_pairs)
        )

    # -- helpers ------------------------------------------------------------------------------

    async def _publish(self, step: Step) -> None:
        """A track step: alerts first, then the slow movers and held loitering messages to their
        cells, then the watermark to every cells partition if it moved (after the movers on
        each partition). The caller writes the vessels' state after this: a crash repeats
        alerts, never loses them."""
        track = self.stages.track
        alerts, held = track.hold(step.alerts)  # loitering: decided by the cells
        await self.out.alerts(alerts)
        await self.out.movers(track.route(step.movers) + held)
        await self.out.cell_watermarks(track.announcement(self._assigned(self.names.reports)))

    async def _read_to_end(self) -> bool:
        """Everything this worker's decode agent produced is on the broker (so no report of its
        own is still on the way), and its raw and report partitions are read to their ends."""
        await self.app.producer.flush()
        partitions = self._inputs()
        if not partitions:
            return False
        consumer = self.app.consumer
        ends = await consumer.highwaters(*partitions)
        for tp in partitions:
            # The end is the later of the broker's answer (ListOffsets, behind the truth on
            # Tansu when a batch holds several records) and the highwater of the last fetch.
            end = _later(ends.get(tp), consumer.highwater(tp))
            if not read_to_end(await consumer.position(tp), end):
                return False
        return True

    def _batches(self, stream: Any) -> Any:
        return stream.take_events(self.settings.batch_size, self.settings.batch_seconds)

    def _timed(self, stage: str) -> Any:
        return self.telemetry.batch_duration.labels(stage).time()

    def _assigned(self, topic: str) -> list[int]:
        return sorted(tp.partition for tp in self.app.consumer.assignment() if tp.topic == topic)

    def _inputs(self) -> list[Any]:
        return [tp for tp in self.app.consumer.assignment() if tp.topic in self.inputs]

    def _raw_ends(self, partitions: list[int]) -> dict[int, int | None]:
        """The consumer's highwater of each raw partition (from fetch responses)."""
        consumer = self.app.consumer
        return {p: consumer.highwater(TP(self.names.raw, p)) for p in partitions}

    def _record_track(self) -> None:
        monitor = self.stages.track.monitor
        self.telemetry.fleet_stats(
            monitor.stats, len(self.stages.store), monitor.watermark, time.time()
        )
        self.telemetry.coverage_stats(monitor.coverage_gaps)

    def _record_encounters(self) -> None:
        cell, pair = self.stages.cells.stats(), self.stages.pairs.stats()
        self.telemetry.encounter_stats(
            EncounterStats(
                movers=cell.movers,
                late=cell.late + pair.late,
                malformed=cell.malformed + pair.malformed,
            )
        )


def _later(first: int | None, second: int | None) -> int | None:
    known = [offset for offset in (first, second) if offset is not None and offset >= 0]
    return max(known, default=None)


def _json(value: Any) -> Any:
    try:
        return json.loads(value)
    except (ValueError, TypeError):
        return None  # counted as malformed by the stage


def _document(value: Any) -> Any:
    """An ``ais.reports`` value: its JSON, or its text when it is none (the stage fails it
    as ``malformed``, carrying the text)."""
    try:
        return json.loads(value)
    except (ValueError, TypeError):
        if isinstance(value, bytes):
            return value.decode("utf-8", "backslashreplace")
        return repr(value)


def _raw_record(event: Any) -> RawRecord:
    message = event.message
    key = event.key or b""
    source = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)
    value = event.value if isinstance(event.value, bytes) else str(event.value).encode()
    return RawRecord(source, value, message.timestamp, message.offset, message.partition)


def _voyage_kind(record: dict[str, Any] | None) -> str:
    """The ``vigilmar_voyages_total`` label of a voyage record published."""
    if record is None:
        return "dropped"
    return "under_way" if record["arrival"] is None else "arrived"
