"""Harness for ``benchmarks.stream_throughput``: a fresh local broker with unique topic names,
child processes in their own sessions (``vigilmar worker``, the faust ceiling) stopped by their
pid on exit, and the workers' ``/metrics`` read as they run.

The environment is the one the integration tests give a worker (tests/integration/conftest.py):
broker, app id and topics unique to the run, a free metrics and web port, metrics on 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import ExitStack
from pathlib import Path

from streams.broker import LocalBroker, free_port
from streams.feeder import Feeder
from streams.settings import settings_from_env, suffixed_topics

VIGILMAR = str(Path(sys.executable).parent / "vigilmar")
_METRIC = re.compile(r'^vigilmar_messages_total\{outcome="\w+",stage="(\w+)"\} (\S+)$', re.M)
_CPU = re.compile(r"^process_cpu_seconds_total (\S+)$", re.M)

Record = tuple[str, bytes, float]  # source key, line, event time
Sample = tuple[float, float, float, float]  # monotonic time, decoded, tracked, CPU seconds


class Child:
    """A subprocess in its own session, stopped by its pid (TERM, then KILL)."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path, port: int) -> None:
        self.log, self.port = log, port
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def check(self) -> None:
        if self.process.poll() is not None:
            tail = self.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{self.log.stem} exited ({self.process.returncode}):\n{tail}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class Stack(ExitStack):
    """A fresh broker and topic names in a temporary directory; children stopped on exit."""

    def __init__(self, lateness: float | None = None) -> None:
        super().__init__()
        self.dir = Path(self.enter_context(tempfile.TemporaryDirectory(prefix="vm-bench-")))
        self.broker = self.enter_context(LocalBroker(log=self.dir / "tansu.log"))
        run = uuid.uuid4().hex[:8]
        self.env = {
            "VIGILMAR_BROKER": self.broker.bootstrap,
            "VIGILMAR_APP_ID": f"bench-{run}",
            **suffixed_topics(run),
            "VIGILMAR_METRICS_HOST": "127.0.0.1",
        }
        if lateness is not None:
            config = self.dir / "vigilmar.toml"
            config.write_text(f"[tracking]\nlateness_seconds = {lateness}\n")
            self.env["VIGILMAR_CONFIG"] = str(config)
        self.settings = settings_from_env(self.env)

    def start(self, name: str, args: list[str], extra: dict[str, str] | None = None) -> Child:
        port = free_port()
        env = {**os.environ, **self.env, **(extra or {}), "VIGILMAR_METRICS_PORT": str(port)}
        env |= {"VIGILMAR_WEB_PORT": str(free_port()), "VIGILMAR_DATA_DIR": str(self.dir / name)}
        child = Child(args, env, self.dir / f"{name}.log", port)
        self.callback(child.stop)
        return child

    def workers(self, count: int) -> list[Child]:
        args = [VIGILMAR, "worker", "--loglevel", "info"]  # the default; see RESULTS.md
        return [self.start(f"worker{i}", args) for i in range(count)]

    async def preload(self, records: list[Record]) -> None:
        async with Feeder(self.settings) as feeder:  # also creates the topics
            for key, line, when in records:
                await feeder.send(key, line, when)
        assert feeder.stats.sent == len(records), feeder.stats.summary()


def scrape(port: int, path: str = "/metrics") -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return str(response.read().decode())
    except OSError:
        return ""  # not serving (or not ready) yet


def totals(port: int) -> tuple[float, float, float]:
    """decode and track ``vigilmar_messages_total`` (all outcomes), CPU seconds."""
    text, by_stage = scrape(port), {"decode": 0.0, "track": 0.0}
    for stage, value in _METRIC.findall(text):
        by_stage[stage] = by_stage.get(stage, 0.0) + float(value)
    cpu = _CPU.search(text)
    return by_stage["decode"], by_stage["track"], float(cpu.group(1)) if cpu else 0.0


def follow(workers: list[Child], expect: tuple[int, int], timeout: float = 300) -> list[Sample]:
    """Scrape every second until decode and track reach ``expect``; a stall of 30 s fails."""
    samples: list[Sample] = []
    start = changed = time.monotonic()
    while True:
        time.sleep(1.0)
        for worker in workers:
            worker.check()
        parts = [totals(worker.port) for worker in workers]
        decoded, tracked, cpu = (sum(p[i] for p in parts) for i in range(3))
        now = time.monotonic()
        if samples and (decoded, tracked) != samples[-1][1:3]:
            changed = now
        samples.append((now, decoded, tracked, cpu))
        if decoded >= expect[0] and tracked >= expect[1]:
            return samples
        if (decoded and now - changed > 30) or now - start > timeout:
            raise RuntimeError(f"stalled at decode {decoded:.0f}, track {tracked:.0f}")
