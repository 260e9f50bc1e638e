"""Prometheus metrics shared by every process (`vigilmar_` prefix, Prometheus naming rules).

The engine never touches these: the edges (replay runner, streaming stages, feeder) record what
the engine's own counters say, in deltas, after each batch. Names and labels are a contract
(dashboards and alert rules use them; see docs/deployment.md).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client import Counter as PromCounter

from models.alerts import Alert

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
BATCH_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Telemetry:
    """All of Vigilmar's metrics in one registry (one per process; tests make their own)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        if registry is None:
            registry = CollectorRegistry()
            ProcessCollector(registry=registry)  # process_cpu_seconds_total, memory, fds
            PlatformCollector(registry=registry)
        self.registry = registry
        r = self.registry
        self.messages = PromCounter(
            "vigilmar_messages", "Messages by stage and outcome.", ["stage", "outcome"], registry=r
        )
        self.decode_failures = PromCounter(
            "vigilmar_decode_failures", "Messages that failed, by reason.", ["reason"], registry=r
        )
        self.deadletter = PromCounter(
            "vigilmar_deadletter", "Messages sent to the dead-letter topic.", ["reason"], registry=r
        )
        self.alerts = PromCounter(
            "vigilmar_alerts",
            "Alerts published, by type and severity.",
            ["type", "severity"],
            registry=r,
        )
        self.coverage_gaps = PromCounter(
            "vigilmar_coverage_gaps",
            "Silences judged coverage gaps (their receiver or feed went quiet), not dark periods, "
            "by the source that last heard the vessel.",
            ["source"],
            registry=r,
        )
        self.vessels = Gauge("vigilmar_vessels_tracked", "Vessels with state here.", registry=r)
        self.evicted = PromCounter(
            "vigilmar_vessels_evicted_total",
            "Vessels unheard for tracking.evict_after_hours of event time, dropped from state.",
            registry=r,
        )
        self.voyages = PromCounter(
            "vigilmar_voyages",
            "Voyage records published to vigilmar.voyages, by kind: under_way (a departure, or "
            "a change before arrival), arrived, dropped (a tombstone: too short to be a voyage).",
            ["kind"],
            registry=r,
        )
        self.watermark_lag = Gauge(
            "vigilmar_watermark_lag_seconds",
            "Wall clock minus the event-time watermark.",
            registry=r,
        )
        self.event_time = Gauge(
            "vigilmar_event_time_seconds", "The event-time watermark (Unix seconds).", registry=r
        )
        self.consumer_lag = Gauge(
            "vigilmar_consumer_lag_messages",
            "Messages not yet read, per input partition.",
            ["topic", "partition"],
            registry=r,
        )
        self.batch_duration = Histogram(
            "vigilmar_batch_duration_seconds",
            "Time to process one batch.",
            ["stage"],
            buckets=BATCH_BUCKETS,
            registry=r,
        )
        self.alert_latency = Histogram(
            "vigilmar_alert_latency_seconds",
            "Wall clock at publication minus the event time that raised the alert (its report, "
            "or when its timer fell due).",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.publish_failures = PromCounter(
            "vigilmar_publish_failures",
            "Messages the broker did not take (each is sent again), by topic and error.",
            ["topic", "error"],
            registry=r,
        )
        self.publish_retries = PromCounter(
            "vigilmar_publish_retries", "Messages sent again after a failed publish.", registry=r
        )
        self.publish_dropped = PromCounter(
            "vigilmar_publish_dropped",
            "Messages no retry can deliver (larger than the broker accepts), by topic.",
            ["topic"],
            registry=r,
        )
        self.broker_up = Gauge(
            "vigilmar_broker_reachable", "1 while the Kafka broker answers.", registry=r
        )
        self.up = Gauge("vigilmar_up", "1 while the process runs.", registry=r)
        self.ready = Gauge(
            "vigilmar_ready",
            "1 while the process is ready for work: started (its state recovered), the broker "
            "reachable and its publishes delivered.",
            registry=r,
        )
        self.up.set(1)
        self.is_ready = False
        #: What readiness needs, each true or false; ready when every one is true.
        self.conditions: dict[str, bool] = {"started": False}
        self._seen: dict[str, Counter[str]] = {}
        self._beat = time.monotonic()

    def beat(self) -> None:
        """The process's main loop is turning (called from it every second or so)."""
        self._beat = time.monotonic()

    def alive(self, max_silence: float = 30.0) -> bool:
        return time.monotonic() - self._beat < max_silence

    def set_ready(self, ready: bool) -> None:
        """The process has started (its state is recovered) or stopped being so."""
        self.set_condition("started", ready)

    def set_condition(self, name: str, ok: bool) -> None:
        """One condition of readiness (``started``, ``broker``, ``publishing``) holds or not;
        ``vigilmar_ready`` is 1 while every condition set so far holds."""
        self.conditions[name] = ok
        if name == "broker":
            self.broker_up.set(1 if ok else 0)
        self.is_ready = all(self.conditions.values())
        self.ready.set(1 if self.is_ready else 0)

    # -- recording ------------------------------------------------------------------------------

    def count(self, stage: str, outcome: str, amount: float = 1) -> None:
        if amount:
            self.messages.labels(stage, outcome).inc(amount)

    def totals(self, key: str, current: Counter[str], record: Callable[[str, int], None]) -> None:
        """Record the growth of a running counter (the engine's own statistics) since last time."""
        seen = self._seen.setdefault(key, Counter())
        for label, value in current.items():
            grown = value - seen[label]
            if grown > 0:
                record(label, grown)
                seen[label] = value

    def decode_stats(self, stats: Any) -> None:
        """From a ``models.decode.DecodeStats``: decoded, failed by reason, ignored lines, and
        copies of messages already decoded (``outcome="duplicate"``, not failures)."""
        current = Counter(
            {
                "decoded": stats.decoded_total,
                "failed": stats.failed_total,
                "ignored": sum(stats.ignored.values()),
                "duplicate": stats.duplicates,
            }
        )
        self.totals("decode", current, lambda outcome, n: self.count("decode", outcome, n))
        self.totals(
            "decode_failures",
            Counter(stats.failed),
            lambda reason, n: self.decode_failures.labels(reason).inc(n),
        )

    def fleet_stats(self, stats: Any, vessels: int, watermark: float, now: float) -> None:
        """From a ``models.fleet.FleetStats`` and the fleet's size and watermark."""
        tracked = stats.positions + stats.statics - stats.untimed - stats.late
        current = Counter({"tracked": tracked, "late": stats.late, "untimed": stats.untimed})
        self.totals("track", current, lambda outcome, n: self.count("track", outcome, n))
        self.totals(
            "late",
            Counter({"late": stats.late}),
            lambda r, n: self.decode_failures.labels(r).inc(n),
        )
        self.totals(
            "evicted", Counter({"evicted": stats.evicted}), lambda _, n: self.evicted.inc(n)
        )
        self.vessels.set(vessels)
        if watermark > float("-inf"):
            self.event_time.set(watermark)
            self.watermark_lag.set(now - watermark)

    def encounter_stats(self, stats: Any) -> None:
        """From a ``models.encounter.EncounterStats``: slow positions taken for comparison, and
        those that came too late for their bucket, (streaming) malformed messages on the
        encounter topics, close pair buckets inside learned anchorages and loitering messages
        suppressed there (``messages_total{stage="encounter"}``)."""
        current = Counter(
            {
                "compared": stats.movers,
                "late": stats.late,
                "malformed": stats.malformed,
                "anchored": stats.anchored,
                "suppressed": stats.suppressed,
            }
        )
        self.totals("encounter", current, lambda outcome, n: self.count("encounter", outcome, n))

    def coverage_stats(self, gaps: Counter[str]) -> None:
        """From ``Monitor.coverage_gaps``: coverage gaps by source, in deltas."""
        self.totals(
            "coverage_gaps", gaps, lambda source, n: self.coverage_gaps.labels(source).inc(n)
        )

    def published(self, alerts: Iterable[Alert]) -> None:
        for alert in alerts:
            self.alerts.labels(alert.type.value, alert.severity.value).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class MetricsServer:
    """``/metrics``, ``/healthz`` and ``/readyz`` on a port, served from a daemon thread."""

    def __init__(
        self,
        telemetry: Telemetry,
        port: int,
        host: str = "0.0.0.0",
        healthy: Callable[[], bool] | None = None,
    ) -> None:
        self.telemetry = telemetry
        self.healthy = healthy or telemetry.alive
        handler = _handler(self)
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> MetricsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(server: MetricsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._send(200, server.telemetry.exposition(), CONTENT_TYPE_LATEST)
            elif path == "/healthz":
                ok = server.healthy()
                self._send(200 if ok else 503, b"ok\n" if ok else b"unhealthy\n")
            elif path == "/readyz":
                ready = server.telemetry.is_ready
                self._send(200 if ready else 503, b"ready\n" if ready else b"not ready\n")
            else:
                self._send(404, b"not found: try /metrics, /healthz or /readyz\n")

        def _send(self, code: int, body: bytes, kind: str = "text/plain; charset=utf-8") -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return  # scrapes every few seconds would drown the logs

    return Handler
