"""``vigilmar worker``: create the topics if they are missing, then run the faust worker."""

from __future__ import annotations

import asyncio
import logging

import faust

from streams.app import create_app
from streams.kafka import ensure_topics
from streams.settings import Settings

log = logging.getLogger("vigilmar.worker")


def run_worker(settings: Settings, loglevel: str = "info") -> None:
    """Run until SIGINT/SIGTERM. Blocks; exits the process when the worker stops."""
    created = asyncio.run(ensure_topics(settings))
    if created:
        log.info("created topics: %s", ", ".join(created))
    app = create_app(settings)
    worker = faust.Worker(app, loglevel=loglevel, redirect_stdouts=False)
    worker.execute_from_commandline()
