"""The broker goes away mid-stream and comes back (issue 11): readiness follows it, the log stays
short, and no alert is lost against the replay of the same input (duplicates allowed: alerts
are idempotent by ``alert_id``).

Tansu keeps its topics, messages and committed offsets across a restart only on ``s3://``
storage (``memory://`` loses everything), here on a local S3: ``moto_server`` (PyPI
``moto[server]``), as ``../shared/KAFKA-TESTING.md`` describes.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from streams.broker import LocalBroker, free_port
from tests.integration.conftest import Stack, Worker
from tests.integration.test_stream import due_after_the_end, keys, replay_alerts, stream_alerts
from tests.nmea_tracks import pyseas_as_nmea

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent
#: Vessel reports kept per vessel of the pyseas sample: enough for every kind of alert it gives,
#: few enough for the broker's S3 writes to keep the test short.
PER_VESSEL = 1000


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A local S3 (moto_server) with a bucket ``tansu``; the environment Tansu needs for it."""
    boto3 = pytest.importorskip("boto3")
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("ab")
    server = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    endpoint = f"http://127.0.0.1:{port}"
    env = {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "eu-west-2",
        "AWS_ENDPOINT": endpoint,
        "AWS_ALLOW_HTTP": "true",
    }
    try:
        wait_for(lambda: _answers(endpoint), 30, "moto_server did not start")
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            region_name="eu-west-2",
        )
        client.create_bucket(
            Bucket="tansu", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
        )
        yield env
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)


@pytest.fixture(scope="module")
def broker(s3: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """This module's broker (the ``stack`` fixture's): Tansu on the local S3."""
    log = tmp_path_factory.mktemp("tansu") / "tansu.log"
    with LocalBroker(log=log, storage="s3://tansu/", env=s3) as running:
        yield running


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except OSError:
        return False


def wait_for(condition: Callable[[], bool], timeout: float, message: str) -> float:
    """Seconds until ``condition`` holds; fails with ``message`` after ``timeout``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(0.2)
    pytest.fail(message)


def ready(worker: Worker) -> float | None:
    """``vigilmar_ready`` as the worker's metrics say it (None if not scraped)."""
    try:
        status, text = worker.scrape()
    except OSError:
        return None
    found = re.search(r"^vigilmar_ready (\S+)$", text, re.M)
    return float(found.group(1)) if status == 200 and found else None


def halves(path: Path) -> tuple[Path, Path]:
    lines = path.read_text().splitlines(keepends=True)
    first, second = path.with_suffix(".1.nmea"), path.with_suffix(".2.nmea")
    first.write_text("".join(lines[: len(lines) // 2]))
    second.write_text("".join(lines[len(lines) // 2 :]))
    return first, second


def diagnosis(stack: Stack, path: Path, lost: list[Any]) -> str:
    """Where the lost alerts went missing: the lines on the raw topic, the reports decoded from
    them and what was dead-lettered, against what was fed."""
    names = stack.settings.topics
    raw = asyncio.run(values(stack.broker.bootstrap, names.raw))
    reports = [json.loads(v) for v in asyncio.run(values(stack.broker.bootstrap, names.reports))]
    dead = [json.loads(v) for v in asyncio.run(values(stack.broker.bootstrap, names.deadletter))]
    decoded = [r for r in reports if isinstance(r, dict) and "mmsi" in r]
    distinct = {json.dumps(r, sort_keys=True) for r in decoded}
    fed = path.read_text().splitlines()
    return (
        f"{len(lost)} lost, e.g. {lost[:5]}\nfed {len(fed)} lines, raw topic {len(raw)} "
        f"({len(set(raw))} distinct); reports {len(decoded)} ({len(distinct)} distinct, by "
        f"vessel {dict(Counter(r['mmsi'] for r in decoded))}); "
        f"dead letters {Counter(d['failure'] for d in dead)}"
    )


async def values(bootstrap: str, topic: str) -> list[bytes]:
    """Every value on ``topic``, as bytes."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    out: list[bytes] = []
    try:
        while batch := await consumer.getmany(timeout_ms=3000):
            out.extend(m.value for messages in batch.values() for m in messages)
    finally:
        await consumer.stop()
    return out


def test_a_broker_restart_mid_stream_loses_no_alert_and_readiness_follows_it(
    stack: Stack, tmp_path: Path
) -> None:
    path = tmp_path / "north-pacific.nmea"
    pyseas_as_nmea(path, limit_per_vessel=PER_VESSEL)
    expected, end = replay_alerts(path, Path(stack.env["VIGILMAR_CONFIG"]))
    assert {a["type"] for a in expected} >= {"dark_period", "loitering"}
    first, second = halves(path)
    stack.env["VIGILMAR_PROBE_SECONDS"] = "0.5"
    # Every write is an S3 request here: single-record batches (needed only when a worker
    # recovers its tables after a clean restart, which this worker does not) would make it slow.
    stack.env.pop("VIGILMAR_PRODUCER_MAX_BATCH_SIZE")
    # Without them Tansu's ListOffsets answers short of a partition's end (KAFKA-TESTING.md),
    # so "every input read to its end" can hold a moment too early; an idle tick as long as
    # the lateness leaves the consumer time to fetch every partition once the broker is back.
    stack.env["VIGILMAR_IDLE_TICK_SECONDS"] = "5"
    worker = stack.worker()
    worker.wait_ready(timeout=90)
    wait_for(lambda: ready(worker) == 1, 30, "the worker never became ready")

    # Mid-stream: the first half is on the broker, the worker busy with it, when the broker
    # goes away; readiness drops, the worker waits and stays up.
    stack.feed(first)
    before = worker.log.stat().st_size
    stack.broker.stop()
    dropped = wait_for(lambda: ready(worker) == 0, 15, "vigilmar_ready stayed 1 without broker")
    time.sleep(12)
    assert worker.alive()
    assert ready(worker) == 0
    outage = worker.log.read_bytes()[before:].decode(errors="replace").splitlines()
    stack.broker.start()
    back = wait_for(lambda: ready(worker) == 1, 60, "vigilmar_ready did not come back")

    stack.feed(second)
    streamed = stream_alerts(stack, keys(expected))
    assert worker.alive()
    live = keys([a for a in streamed if not due_after_the_end(a, end)])
    lost = keys(expected) - live
    assert not lost, diagnosis(stack, path, sorted(lost))
    assert live == keys(expected), sorted(live - keys(expected))[:10]

    # About 13 s without a broker: a few lines of each kind, not ~100 a second, and those
    # say how many like them were held back.
    assert len(outage) < 40, "\n".join(outage[-40:])
    assert any("more like this in the last" in line for line in outage), "\n".join(outage)
    never_retrieved = [line for line in outage if "exception was never retrieved" in line]
    assert len(never_retrieved) <= 2, never_retrieved
    status, text = worker.scrape()
    assert status == 200
    dropped_messages = re.findall(r"^vigilmar_publish_dropped_total\{.*\} (\S+)$", text, re.M)
    assert all(float(n) == 0 for n in dropped_messages)
    print(
        f"ready 0 after {dropped:.1f} s, 1 again {back:.1f} s after the restart; "
        f"{len(outage)} log lines in the outage; {len(streamed)} alerts streamed "
        f"({len(keys(expected))} distinct expected); publish failures: "
        f"{re.findall(r'^vigilmar_publish_failures_total.*$', text, re.M)}"
    )
