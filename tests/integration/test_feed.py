"""`vigilmar feed` as a receiver's listener: UDP and TCP lines into the raw topic, counted."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from streams.broker import LocalBroker, free_port
from streams.wire import unpack_lines

pytestmark = pytest.mark.integration

VIGILMAR = str(Path(sys.executable).parent / "vigilmar")
TAGGED = b"\\s:rx1,c:1668046497*05\\!AIVDM,1,1,,B,15NBj>PP1gG>1PVKTDTUJOv00<0M,0*09"
PLAIN = b"!AIVDM,1,1,,B,15NBj>PP1gG>1PVKTDTUJOv00<0M,0*09"


async def raw_records(bootstrap: str, topic: str, count: int) -> list[tuple[bytes, bytes, int]]:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    found: list[tuple[bytes, bytes, int]] = []
    try:
        deadline = time.monotonic() + 30
        while len(found) < count and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for messages in batch.values():
                for m in messages:  # a pack of lines: each line with its own time
                    packed = unpack_lines(m.value)
                    if packed is None:
                        found.append((m.key, m.value, m.timestamp))
                    else:
                        found.extend(
                            (m.key, line, m.timestamp if t is None else round(t * 1000))
                            for t, line in packed
                        )
    finally:
        await consumer.stop()
    return found


@pytest.mark.parametrize("scheme", ["udp", "tcp"])
def test_feed_listens_stamps_and_counts(scheme: str, broker: LocalBroker, tmp_path: Path) -> None:
    port = free_port()
    topic = f"ais.raw.feed-{scheme}-{port}"
    env = {**os.environ, "VIGILMAR_BROKER": broker.bootstrap, "VIGILMAR_TOPIC_RAW": topic}
    feed = subprocess.Popen(
        [VIGILMAR, "feed", f"{scheme}://127.0.0.1:{port}"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(3)  # topics created, listener bound
        payload = TAGGED + b"\r\n" + PLAIN + b"\n\n"
        if scheme == "udp":
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
                sender.sendto(payload, ("127.0.0.1", port))
        else:
            with socket.create_connection(("127.0.0.1", port)) as sender:
                sender.sendall(payload)
        records = asyncio.run(raw_records(broker.bootstrap, topic, 2))
    finally:
        feed.send_signal(signal.SIGINT)
        _, err = feed.communicate(timeout=30)
    assert feed.returncode == 0, err
    assert [value for _, value, _ in records] == [TAGGED, PLAIN]
    assert {key for key, _, _ in records} == {f"{scheme}:127.0.0.1".encode()}
    tagged_time, plain_time = (stamp for _, _, stamp in records)
    assert tagged_time == 1668046497000  # the tag block's own time
    assert plain_time == 1668046497000  # a line without one takes its source's latest time
    assert "2 sent" in err


def test_feed_names_a_missing_file() -> None:
    result = subprocess.run(
        [VIGILMAR, "feed", "/no/such/file.nmea"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "/no/such/file.nmea: no such file" in result.stderr
