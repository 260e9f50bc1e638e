"""What a worker sends, and how: keys, JSON values and partitions on each topic, and the metrics
of what went out. The topics are faust topics in a worker (anything with ``as_future_message``
and ``publish_message`` in tests); nothing here decides what to send.

Nothing sent is lost unnoticed: every message is published in the order sent, and its delivery
is awaited before the agent takes its next batch (``Outbox.settle``), so the offsets behind it
are not committed before it is on the broker. A publish the broker refuses (a rejoin's
``UnknownError``, a timeout while it is away) is counted (``vigilmar_publish_failures_total``)
and sent again, in order, until it is delivered; faust's own buffer is not used, since a
failure there is only logged ("Future exception was never retrieved").
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aiokafka.errors import MessageSizeTooLargeError, RecordListTooLargeError, RecordTooLargeError

from metrics.telemetry import Telemetry
from models.alerts import Alert
from models.records import Decoded, Failure
from models.serialise import failure_to_dict, record_to_wire
from streams.encounter_stages import watermark_broadcast
from streams.kafka import partition_of
from streams.sharing_stage import SharingStage
from streams.stages import RawProgress
from streams.wire import MAX_PACK, pack, pack_keyed

log = logging.getLogger("vigilmar.worker")

#: Refusals no retry can overcome: the message is larger than the broker accepts.
UNDELIVERABLE = (MessageSizeTooLargeError, RecordTooLargeError, RecordListTooLargeError)

#: Seconds between attempts to deliver what the broker refused: doubling up to the last.
RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)


def dumps(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class WorkerTopics:
    """The topics of one worker (their names are ``Settings.topics``)."""

    raw: Any
    reports: Any
    alerts: Any
    deadletter: Any
    cells: Any
    pairs: Any
    vessel_alerts: Any
    vessels: Any
    voyages: Any


@dataclass(slots=True)
class Sent:
    """One message on its way: what to send again if the broker refuses it."""

    topic: Any
    key: bytes
    value: bytes | None  # None: a tombstone
    partition: int | None
    delivered: Awaitable[Any]


class Outbox:
    """Sends to the worker's ``topics``, each of which has ``partitions``; ``ready`` is told
    whether publishing works (``Telemetry.set_condition``)."""

    def __init__(
        self,
        topics: WorkerTopics,
        partitions: int,
        telemetry: Telemetry,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        sharing: SharingStage | None = None,
        share_topics: Mapping[str, Any] | None = None,
    ) -> None:
        self.topics = topics
        self.partitions = partitions
        self.telemetry = telemetry
        #: Partners' lists and feeds (``streams.sharing_stage``), and their topics by name.
        self.sharing = sharing
        self.share_topics = dict(share_topics or {})
        self._sleep = sleep
        #: What each task (an agent, a timer) sent since its last ``settle``: each settles
        #: its own, so a timer never takes an agent's deliveries for its own, nor back.
        self._pending: dict[asyncio.Task[Any] | None, list[Sent]] = {}
        #: The tasks sending refused messages again: publishing works when there are none.
        self._retrying: set[asyncio.Task[Any] | None] = set()

    async def settle(self) -> None:
        """Wait until everything sent since the last call is delivered; what the broker refused
        is counted and sent again, in its order, until it is. Call before committing to what
        was sent (writing state behind alerts, taking the next batch)."""
        attempt = 0
        task = asyncio.current_task()
        while pending := self._pending.pop(task, []):
            results = await asyncio.gather(*(s.delivered for s in pending), return_exceptions=True)
            refused = [
                n
                for n, (sent, result) in enumerate(zip(pending, results, strict=True))
                if _failed(result) and not self._undeliverable(sent, result)
            ]
            if not refused:
                break
            self._retrying.add(task)
            self.telemetry.set_condition("publishing", False)
            for n in refused:
                error = results[n]
                self.telemetry.publish_failures.labels(_name(pending[n].topic), _kind(error)).inc()
            first = results[refused[0]]
            # From the first refused message on, everything again, in order: the last copy of
            # each message then comes after the last copy of every message sent before it
            # (the ones delivered meanwhile come twice; consumers take duplicates).
            again = pending[refused[0] :]
            log.warning(
                "%d of %d messages not delivered (%s: %s); sending %d again",
                len(refused),
                len(pending),
                _kind(first),
                first,
                len(again),
            )
            await self._sleep(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])
            attempt += 1
            for sent in again:
                await self._send(sent.topic, sent.key, sent.value, sent.partition)
            self.telemetry.publish_retries.inc(len(again))
        if task in self._retrying:
            self._retrying.discard(task)
            self.telemetry.set_condition("publishing", not self._retrying)

    def _undeliverable(self, sent: Sent, error: BaseException) -> bool:
        """A message no attempt can deliver (larger than the broker takes): counted as
        dropped and logged with its key and size, not retried."""
        if not isinstance(error, UNDELIVERABLE):
            return False
        topic = _name(sent.topic)
        self.telemetry.publish_failures.labels(topic, _kind(error)).inc()
        self.telemetry.publish_dropped.labels(topic).inc()
        log.error(
            "a message of %d bytes (key %r) to %s cannot be delivered: %s",
            len(sent.value or b""),
            sent.key[:80],
            topic,
            error,
        )
        return True

    async def reports(self, reports: Iterable[Decoded]) -> None:
        """Decoded reports, packed (``streams.wire``): one record per reports partition their
        MMSIs hash to, in the order decoded."""
        topic, partitions = self.topics.reports, self.partitions
        by_partition: dict[int, list[dict[str, Any]]] = {}
        for report in reports:
            partition = partition_of(str(report.mmsi).encode(), partitions)
            by_partition.setdefault(partition, []).append(record_to_wire(report))
        for partition in sorted(by_partition):
            documents = by_partition[partition]
            for start in range(0, len(documents), MAX_PACK):
                value = dumps(pack(documents[start : start + MAX_PACK]))
                await self._send(topic, b"pack", value, partition)

    async def announcements(self, announcements: Iterable[dict[str, Any]]) -> None:
        """Coverage announcements (``streams.coverage_stages``) to every reports partition:
        sent before a batch's reports, a worker reading one of them has heard who its decoder
        heard up to it."""
        topic = self.topics.reports
        for announcement in announcements:
            value = dumps(announcement)
            for partition in range(self.partitions):
                await self._send(topic, b"cov", value, partition)

    async def progress(self, words: Iterable[tuple[int, RawProgress]]) -> None:
        """Raw-progress words to the reports partitions given, behind the reports."""
        topic = self.topics.reports
        for partition, word in words:
            await self._send(topic, b"raw", dumps(word.to_wire()), partition)

    async def failures(self, failures: Iterable[Failure]) -> None:
        for failure in failures:
            value = dumps(failure_to_dict(failure))
            await self._send(self.topics.deadletter, failure.source.encode(), value)
            self.telemetry.deadletter.labels(failure.reason.value).inc()

    async def alerts(self, alerts: list[Alert]) -> None:
        """Alerts keyed by MMSI, and to the vessel-alerts topic once for each vessel they
        concern, each observed in the alert latency (now minus the event time that raised it,
        ``Alert.at``). With a sharing stage, the alerts its allow-lists keep, then the
        partners' feeds."""
        shared = None
        if self.sharing is not None:
            shared = self.sharing.process(alerts)
            alerts = shared.alerts
        topics = self.topics
        for alert in alerts:
            value = dumps(alert.to_dict())
            await self._send(topics.alerts, str(alert.mmsi).encode(), value)
            for mmsi in (alert.mmsi, alert.other_mmsi):
                if mmsi is not None:
                    await self._send(topics.vessel_alerts, str(mmsi).encode(), value)
        if shared is not None:
            for name, key, value in shared.sends:
                await self._send(self.share_topics[name], key, value)
        self.telemetry.published(alerts)
        now = time.time()
        latency = self.telemetry.alert_latency
        for alert in alerts:
            if alert.at is not None:
                latency.observe(max(0.0, now - alert.at))

    async def movers(self, routed: Iterable[tuple[bytes, dict[str, Any]]]) -> None:
        """Slow movers (and held alerts) to their cells, packed (``streams.wire.pack_keyed``):
        one record per cells partition, in order, so the watermark announced after them never
        overtakes them."""
        by_partition: dict[int, list[tuple[bytes, dict[str, Any]]]] = {}
        for key, wire in routed:
            by_partition.setdefault(partition_of(key, self.partitions), []).append((key, wire))
        for partition in sorted(by_partition):
            items = by_partition[partition]
            for start in range(0, len(items), MAX_PACK):
                value = dumps(pack_keyed(items[start : start + MAX_PACK]))
                await self._send(self.topics.cells, b"pack", value, partition)

    async def cell_watermarks(self, marks: Mapping[int, float]) -> None:
        """Tell every cells partition how far each reports partition in ``marks`` has got."""
        await self._broadcast(self.topics.cells, marks)

    async def pairs(self, found: Iterable[tuple[bytes, dict[str, Any]]]) -> None:
        for key, wire in found:
            await self._send(self.topics.pairs, key, dumps(wire))

    async def pair_watermarks(self, marks: Mapping[int, float]) -> None:
        """Tell every pairs partition how far each cells partition in ``marks`` has got."""
        await self._broadcast(self.topics.pairs, marks)

    async def vessel(self, key: bytes, summary: dict[str, Any]) -> None:
        """A vessel's risk summary, keyed by its MMSI, to the compacted vessels topic."""
        await self._send(self.topics.vessels, key, dumps(summary))

    async def voyage(self, key: str, record: dict[str, Any] | None) -> None:
        """A voyage, keyed by its ``voyage_id``, to the compacted voyages topic; ``None``: a
        tombstone (the voyage was dropped)."""
        await self._send(
            self.topics.voyages, key.encode(), None if record is None else dumps(record)
        )

    async def _broadcast(self, topic: Any, marks: Mapping[int, float]) -> None:
        for partition, message in watermark_broadcast(marks, self.partitions):
            await self._send(topic, b"wm", dumps(message), partition)

    async def _send(
        self, topic: Any, key: bytes, value: bytes | None, partition: int | None = None
    ) -> None:
        """Hand one message to the producer now, keeping its delivery to be awaited by
        ``settle``. A producer that refuses it at once counts as a failed delivery."""
        future = topic.as_future_message(key=key, value=value, partition=partition)
        try:
            await topic.publish_message(future)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # the broker is away: counted and sent again by settle
            if not future.done():
                future.set_exception(err)
        sent = Sent(topic, key, value, partition, future)
        self._pending.setdefault(asyncio.current_task(), []).append(sent)


def _failed(result: object) -> bool:
    return isinstance(result, BaseException)


def _kind(error: object) -> str:
    return type(error).__name__


def _name(topic: Any) -> str:
    name = getattr(topic, "get_topic_name", None)
    return str(name()) if callable(name) else str(getattr(topic, "name", topic))
