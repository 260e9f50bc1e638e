"""``vigilmar feed SOURCE``: NMEA from a receiver or a file into the raw topic.

Sources: ``udp://HOST:PORT`` and ``tcp://HOST:PORT`` listen as AIS receivers (AIS-catcher,
rtl-ais, a VHF set's NMEA output) send to them; anything else is a file (plain or gzip), sent as
fast as possible or, with ``--speed X``, at X times its original pace.

Each line goes to the raw topic as it was received (bytes, even when not UTF-8 — the worker
dead-letters what it cannot read), keyed by its source so that one receiver's fragments stay in
order on one partition, with the Kafka timestamp set to its receive time: the line's own time
(tag block, trailing epoch, a leading time column — one without a zone read in ``--timezone`` —
or a ``$PGHP``/``ZDA``/``RMC`` clock line) or the latest earlier one when it has any, else the
clock at reception. The worker's decoder prefers that timestamp to a leading time without a
zone, so a log written in local time is read in the zone the feeder was given.
Nothing is dropped silently: sent and failed lines are counted by reason.

Lines travel packed (issue 14): a source's lines are held until ``PACK_LINES`` of them or
``PACK_SECONDS`` of wall clock, then sent as one record (``streams.wire.pack_lines``: each line
with its own receive time; one line alone is sent as it is). Kafka records cost far more than
their bytes; a worker reads one record of 200 lines about as fast as one of a single line.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path
from typing import IO, cast

from aiokafka import AIOKafkaProducer

from metrics.telemetry import Telemetry
from models.nmea import LineClock
from streams.kafka import client_options, ensure_topics
from streams.settings import Settings
from streams.wire import pack_lines

MAX_LINE = 4096  # an NMEA line is under 100 bytes; far longer is not a line
#: Lines of one source sent in one record, at most, and the longest a line waits to be sent.
PACK_LINES = 200
PACK_SECONDS = 0.02


@dataclass(slots=True)
class FeedStats:
    lines: int = 0
    sent: int = 0
    failed: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        text = f"feed: {self.lines:,} lines read, {self.sent:,} sent"
        if self.failed:
            text += ", not sent: " + ", ".join(f"{k} {v:,}" for k, v in sorted(self.failed.items()))
        return text


Line = tuple[str, bytes, float | None]  # source, raw line, event time


class Feeder:
    def __init__(
        self,
        settings: Settings,
        wall_clock: Callable[[], float] = time.time,
        telemetry: Telemetry | None = None,
        zone: tzinfo = UTC,
    ) -> None:
        self.settings = settings
        self.telemetry = telemetry
        self.zone = zone
        self.stats = FeedStats()
        self._clock = wall_clock
        self._clocks: dict[str, LineClock] = {}
        self._producer: AIOKafkaProducer | None = None
        #: Each source's lines waiting to be sent (receive time, line), and since when.
        self._held: dict[str, list[tuple[float, bytes]]] = {}
        self._since: dict[str, float] = {}
        self._flusher: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Feeder:
        await ensure_topics(self.settings)
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self.settings.bootstrap,
            linger_ms=5,
            **client_options(self.settings.security),
        )
        await self._producer.start()
        self._flusher = asyncio.create_task(self._flush_waiting())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        if self._producer is not None:
            for source in list(self._held):
                await self._flush(source)
            await self._producer.flush()
            await self._producer.stop()

    def stamp(self, source: str, raw: bytes) -> float | None:
        """The event time of a line by the decoder's rules, tracked per source."""
        clock = self._clocks.get(source)
        if clock is None:
            clock = self._clocks[source] = LineClock(zone=self.zone)
        return clock.time_of(raw.decode("ascii", "replace"))

    async def send(self, source: str, raw: bytes, timestamp: float | None) -> None:
        stats = self.stats
        stats.lines += 1
        raw = raw.rstrip(b"\r\n")
        if not raw.strip():
            self._failed("blank")
            return
        if len(raw) > MAX_LINE:
            self._failed("too_long")
            return
        when = timestamp if timestamp is not None else self._clock()
        assert self._producer is not None, "use the feeder as an async context manager"
        held = self._held.get(source)
        if held is None:
            held = self._held[source] = []
            self._since[source] = time.monotonic()
        held.append((when, raw))
        if len(held) >= PACK_LINES:
            await self._flush(source)

    async def _flush(self, source: str) -> None:
        """Send the lines ``source`` holds: one record (a pack, or the line alone)."""
        lines = self._held.pop(source, [])
        self._since.pop(source, None)
        if not lines:
            return
        assert self._producer is not None
        value = lines[0][1] if len(lines) == 1 else pack_lines(lines)
        try:
            await self._producer.send(
                self.settings.topics.raw,
                value=value,
                key=source.encode(),
                timestamp_ms=round(lines[0][0] * 1000),
            )
        except Exception as err:  # any broker error is counted, not fatal
            self._failed(f"produce_error:{type(err).__name__}", len(lines))
            return
        self.stats.sent += len(lines)
        if self.telemetry is not None:
            self.telemetry.count("feed", "sent", len(lines))

    async def _flush_waiting(self) -> None:
        """Send every source's lines that have waited ``PACK_SECONDS`` (a quiet receiver's)."""
        while True:
            await asyncio.sleep(PACK_SECONDS / 2)
            now = time.monotonic()
            for source in [s for s, since in self._since.items() if now - since >= PACK_SECONDS]:
                await self._flush(source)

    def _failed(self, reason: str, lines: int = 1) -> None:
        self.stats.failed[reason] += lines
        if self.telemetry is not None:
            self.telemetry.count("feed", "failed", lines)

    # -- sources --------------------------------------------------------------------------------

    async def feed_file(self, path: Path, speed: float | None = None) -> None:
        """Send a file's lines; with ``speed`` keep their original pacing divided by it."""
        source = path.name
        started_wall: float | None = None
        started_event: float | None = None
        with _open(path) as handle:
            for raw in handle:
                timestamp = self.stamp(source, raw)
                if speed and timestamp is not None:
                    if started_event is None:
                        started_event, started_wall = timestamp, time.monotonic()
                    assert started_wall is not None
                    due = started_wall + (timestamp - started_event) / speed
                    delay = due - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                await self.send(source, raw, timestamp)

    async def feed_lines(self, lines: AsyncIterator[tuple[str, bytes]]) -> None:
        """Send lines from a live source: the line's own time if any, else now."""
        async for source, raw in lines:
            await self.send(source, raw, self.stamp(source, raw))


def _open(path: Path) -> IO[bytes]:
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


async def udp_lines(host: str, port: int) -> AsyncIterator[tuple[str, bytes]]:
    """Lines from UDP datagrams (one datagram may hold several lines)."""
    queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()

    class Receiver(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            source = f"udp:{addr[0]}"
            for line in data.splitlines():
                queue.put_nowait((source, line))

    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(Receiver, local_addr=(host, port))
    try:
        while True:
            yield await queue.get()
    finally:
        transport.close()


async def tcp_lines(host: str, port: int) -> AsyncIterator[tuple[str, bytes]]:
    """Lines from every client that connects to a TCP listener."""
    queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        source = f"tcp:{peer[0]}" if peer else "tcp"
        try:
            while line := await reader.readline():
                await queue.put((source, line))
        finally:
            writer.close()

    server = await asyncio.start_server(client, host, port, limit=MAX_LINE * 4)
    try:
        while True:
            yield await queue.get()
    finally:
        server.close()
        await server.wait_closed()


def parse_endpoint(source: str) -> tuple[str, str, int] | None:
    """``udp://HOST:PORT`` or ``tcp://HOST:PORT`` as (scheme, host, port); ``None`` for a file."""
    for scheme in ("udp", "tcp"):
        prefix = f"{scheme}://"
        if source.startswith(prefix):
            host, _, port = source.removeprefix(prefix).rpartition(":")
            if not port.isdigit():
                raise ValueError(f"{source}: expected {prefix}HOST:PORT")
            return scheme, host or "0.0.0.0", int(port)
    return None


async def run_feed(
    settings: Settings,
    source: str,
    speed: float | None = None,
    telemetry: Telemetry | None = None,
    *,
    zone: tzinfo = UTC,
) -> FeedStats:
    """Feed until the source ends, or until SIGINT/SIGTERM (then flush and return the counts).
    Leading times without a zone are read in ``zone``."""
    endpoint = parse_endpoint(source)
    loop = asyncio.get_running_loop()
    current = asyncio.current_task()
    for signum in (signal.SIGINT, signal.SIGTERM):
        if current is not None:
            loop.add_signal_handler(signum, current.cancel)
    beating = asyncio.create_task(_heartbeat(telemetry))
    try:
        async with Feeder(settings, telemetry=telemetry, zone=zone) as feeder:
            try:
                if endpoint is None:
                    await feeder.feed_file(Path(source), speed)
                else:
                    scheme, host, port = endpoint
                    lines = udp_lines(host, port) if scheme == "udp" else tcp_lines(host, port)
                    await feeder.feed_lines(lines)
            except asyncio.CancelledError:
                pass
    finally:
        beating.cancel()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    return feeder.stats


async def _heartbeat(telemetry: Telemetry | None) -> None:
    """Tell /healthz the feeder's loop is turning, also while no line comes in."""
    while telemetry is not None:
        telemetry.beat()
        await asyncio.sleep(5.0)
