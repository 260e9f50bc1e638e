"""Real-broker fixtures: a Tansu broker per module on a free loopback port, worker processes
started as users start them (`vigilmar worker`), and plain aiokafka consumers to read topics.

No Kafka mocks here. Faust on Tansu needs short group timeouts (the settings' defaults) and, for
table recovery, single-record producer batches (KAFKA-TESTING.md).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from streams.broker import LocalBroker, free_port
from streams.feeder import run_feed
from streams.settings import Settings, settings_from_env, suffixed_topics

VIGILMAR = str(Path(sys.executable).parent / "vigilmar")
READY = b"Worker ready"


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    log = tmp_path_factory.mktemp("tansu") / "tansu.log"
    with LocalBroker(log=log) as running:
        yield running


@dataclass
class Stack:
    """One isolated pipeline on the shared broker: its own topics and consumer group."""

    broker: LocalBroker
    workdir: Path
    env: dict[str, str]
    workers: list[Worker] = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        return settings_from_env(self.env)

    def worker(self, name: str = "w1") -> Worker:
        env = {**os.environ, **self.env, "VIGILMAR_WEB_PORT": str(free_port())}
        env["VIGILMAR_METRICS_PORT"] = str(free_port())
        env["VIGILMAR_METRICS_HOST"] = "127.0.0.1"
        env["VIGILMAR_DATA_DIR"] = str(self.workdir / f"data-{name}")
        log = (self.workdir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [VIGILMAR, "worker", "--loglevel", "info"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
            start_new_session=True,
        )
        worker = Worker(
            name, process, self.workdir / f"{name}.log", int(env["VIGILMAR_METRICS_PORT"])
        )
        self.workers.append(worker)
        return worker

    def feed(self, path: Path, speed: float | None = None) -> None:
        stats = asyncio.run(run_feed(self.settings, str(path), speed))
        assert stats.sent > 0, stats.summary()

    def read(self, topic: str, settle: float = 4.0, timeout: float = 90.0) -> list[Any]:
        """Every message on ``topic`` (JSON values) once nothing new came for ``settle`` s."""
        return asyncio.run(read_topic(self.broker.bootstrap, topic, settle, timeout))

    def latest(self, topic: str, settle: float = 4.0, timeout: float = 90.0) -> dict[str, Any]:
        """The latest value of each key of ``topic`` (JSON; ``None`` for a tombstone), as a
        compacted topic keeps them, once nothing new came for ``settle`` s."""
        keyed = asyncio.run(read_topic(self.broker.bootstrap, topic, settle, timeout, keys=True))
        return dict(keyed)


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    metrics_port: int = 0

    def scrape(self, path: str = "/metrics") -> tuple[int, str]:
        """Status and body of a GET on the worker's metrics server."""
        url = f"http://127.0.0.1:{self.metrics_port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def wait_ready(self, timeout: float = 60.0, count: int = 1) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log.read_bytes().count(READY) >= count:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        tail = self.log.read_bytes()[-3000:].decode(errors="replace")
        raise AssertionError(f"worker {self.name} not ready in {timeout} s:\n{tail}")

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout: float = 20.0) -> None:
        if not self.alive():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture
def stack(broker: LocalBroker, tmp_path: Path) -> Iterator[Stack]:
    run = uuid.uuid4().hex[:8]
    env = {
        "VIGILMAR_BROKER": broker.bootstrap,
        "VIGILMAR_APP_ID": f"vigilmar-{run}",
        **suffixed_topics(run),
        "VIGILMAR_PRODUCER_MAX_BATCH_SIZE": "1",
        "VIGILMAR_IDLE_TICK_SECONDS": "1",
        "VIGILMAR_BATCH_SECONDS": "0.2",
        "VIGILMAR_CONFIG": str(tmp_path / "vigilmar.toml"),
    }
    # Lateness 5 s: an idle worker catches up with the end of the input 5 s after it stops.
    # approach_km = 0: the North Pacific tracks' loitering is all off ports, and the stream
    # tests need some to compare with replay.
    (tmp_path / "vigilmar.toml").write_text(
        "[tracking]\nlateness_seconds = 5\n\n[loitering]\napproach_km = 0\n"
    )
    running = Stack(broker, tmp_path, env)
    yield running
    for worker in running.workers:
        worker.stop(timeout=10)


async def read_topic(
    bootstrap: str, topic: str, settle: float, timeout: float, keys: bool = False
) -> list[Any]:
    """The JSON values of ``topic`` (with ``keys``: (key, value or None) pairs, in order)."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    values: list[Any] = []
    try:
        deadline = time.monotonic() + timeout
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            fresh = [_message(m, keys) for msgs in batch.values() for m in msgs]
            if fresh:
                values.extend(fresh)
                quiet_since = time.monotonic()
            elif values and time.monotonic() - quiet_since >= settle:
                break
    finally:
        await consumer.stop()
    return values


def _message(message: Any, keys: bool) -> Any:
    value = None if message.value is None else json.loads(message.value)
    return (message.key.decode(), value) if keys else value
