"""What a worker sends, and how: keys, JSON values and partitions on each topic, and the metrics
of what went out. The topics are faust topics in a worker (anything with ``send`` and
``send_soon`` in tests); nothing here decides what to send.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from metrics.telemetry import Telemetry
from models.alerts import Alert
from models.records import Decoded, Failure
from models.serialise import failure_to_dict, record_to_wire
from streams.encounter_stages import watermark_broadcast
from streams.sharing_stage import SharingStage
from streams.stages import RawProgress


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


class Outbox:
    """Sends to the worker's ``topics``, each of which has ``partitions``."""

    def __init__(
        self,
        topics: WorkerTopics,
        partitions: int,
        telemetry: Telemetry,
        sharing: SharingStage | None = None,
        share_topics: Mapping[str, Any] | None = None,
    ) -> None:
        self.topics = topics
        self.partitions = partitions
        self.telemetry = telemetry
        #: Partners' lists and feeds (``streams.sharing_stage``), and their topics by name.
        self.sharing = sharing
        self.share_topics = dict(share_topics or {})

    def reports_soon(self, reports: Iterable[Decoded]) -> None:
        """Decoded reports, keyed by MMSI. Buffered: faust flushes the producer before it commits
        the input offsets, so a crash re-reads these lines rather than losing their reports."""
        topic = self.topics.reports
        for report in reports:
            topic.send_soon(key=str(report.mmsi).encode(), value=dumps(record_to_wire(report)))

    def announcements_soon(self, announcements: Iterable[dict[str, Any]]) -> None:
        """Coverage announcements (``streams.coverage_stages``) to every reports partition,
        buffered: sent before a batch's reports, a worker reading one of them has heard who its
        decoder heard up to it."""
        topic = self.topics.reports
        for announcement in announcements:
            value = dumps(announcement)
            for partition in range(self.partitions):
                topic.send_soon(key=b"cov", value=value, partition=partition)

    def progress_soon(self, words: Iterable[tuple[int, RawProgress]]) -> None:
        """Raw-progress words to the reports partitions given, buffered behind the reports."""
        topic = self.topics.reports
        for partition, word in words:
            topic.send_soon(key=b"raw", value=dumps(word.to_wire()), partition=partition)

    async def failures(self, failures: Iterable[Failure]) -> None:
        for failure in failures:
            await self.topics.deadletter.send(
                key=failure.source.encode(), value=dumps(failure_to_dict(failure))
            )
            self.telemetry.deadletter.labels(failure.reason.value).inc()

    async def alerts(self, alerts: list[Alert], reported: float | None = None) -> None:
        """Alerts keyed by MMSI, and to the vessel-alerts topic once for each vessel they
        concern; ``reported``: the latest receive time behind them, for the alert latency.
        With a sharing stage, the alerts its allow-lists keep, then the partners' feeds."""
        shared = None
        if self.sharing is not None:
            shared = self.sharing.process(alerts)
            alerts = shared.alerts
        topics = self.topics
        for alert in alerts:
            value = dumps(alert.to_dict())
            await topics.alerts.send(key=str(alert.mmsi).encode(), value=value)
            for mmsi in (alert.mmsi, alert.other_mmsi):
                if mmsi is not None:
                    await topics.vessel_alerts.send(key=str(mmsi).encode(), value=value)
        if shared is not None:
            for name, key, value in shared.sends:
                await self.share_topics[name].send(key=key, value=value)
        self.telemetry.published(alerts)
        if reported is not None:
            now = time.time()
            for _ in alerts:
                self.telemetry.alert_latency.observe(max(0.0, now - reported))

    async def movers(self, routed: Iterable[tuple[bytes, dict[str, Any]]]) -> None:
        """Slow movers to their cells. ``send`` keeps them in order on each partition, so the
        watermark announced after them never overtakes them."""
        for key, wire in routed:
            await self.topics.cells.send(key=key, value=dumps(wire))

    async def cell_watermarks(self, marks: Mapping[int, float]) -> None:
        """Tell every cells partition how far each reports partition in ``marks`` has got."""
        await self._broadcast(self.topics.cells, marks)

    async def pairs(self, found: Iterable[tuple[bytes, dict[str, Any]]]) -> None:
        for key, wire in found:
            await self.topics.pairs.send(key=key, value=dumps(wire))

    async def pair_watermarks(self, marks: Mapping[int, float]) -> None:
        """Tell every pairs partition how far each cells partition in ``marks`` has got."""
        await self._broadcast(self.topics.pairs, marks)

    async def vessel(self, key: bytes, summary: dict[str, Any]) -> None:
        """A vessel's risk summary, keyed by its MMSI, to the compacted vessels topic."""
        await self.topics.vessels.send(key=key, value=dumps(summary))

    async def _broadcast(self, topic: Any, marks: Mapping[int, float]) -> None:
        for partition, message in watermark_broadcast(marks, self.partitions):
            await topic.send(key=b"wm", value=dumps(message), partition=partition)
