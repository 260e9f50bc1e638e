"""``vigilmar worker``: create the topics if they are missing, then run the faust worker."""

from __future__ import annotations

import asyncio
import logging

import faust

from metrics.telemetry import MetricsServer, Telemetry
from streams.app import create_app
from streams.kafka import ensure_topics
from streams.logs import LOG_EVERY_SECONDS, limit_logs
from streams.settings import Settings

log = logging.getLogger("vigilmar.worker")


class WorkerError(RuntimeError):
    """The worker cannot start; the message says why and what to do."""


class Worker(faust.Worker):
    """faust's worker, whose log holds each kind of warning at most once every
    ``log_every_seconds`` (``streams.logs``): a broker that is away is one line, not a flood."""

    log_every_seconds = LOG_EVERY_SECONDS

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        super().on_setup_root_logger(logger, level)
        limit_logs(logger, self.log_every_seconds)


def run_worker(settings: Settings, loglevel: str = "info") -> None:
    """Run until SIGINT/SIGTERM. Blocks; exits the process when the worker stops."""
    created = asyncio.run(ensure_topics(settings))
    if created:
        log.info("created topics: %s", ", ".join(created))
    telemetry = Telemetry()
    app = create_app(settings, telemetry=telemetry)
    try:
        server = MetricsServer(telemetry, settings.metrics_port, settings.metrics_host).start()
    except OSError as err:
        raise WorkerError(
            f"cannot serve metrics on {settings.metrics_host}:{settings.metrics_port}: "
            f"{err.strerror}; set VIGILMAR_METRICS_PORT to a free port"
        ) from err
    log.info("metrics on http://%s:%d/metrics", settings.metrics_host, server.port)
    worker = Worker(app, loglevel=loglevel, redirect_stdouts=False)
    worker.log_every_seconds = settings.log_every_seconds
    try:
        worker.execute_from_commandline()
    finally:
        server.stop()
