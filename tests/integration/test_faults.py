"""Hostile input through a real worker on a real broker (issue 11): every repro line of the issue
and a few thousand mutated real lines go onto ``ais.raw``; each ends decoded (on ``ais.reports``),
as a failure on ``ais.deadletter`` naming its line, or as a counted ignored line — what the same
decoder gives them without a broker — and the decode agent never restarts."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from typing import Any

import pytest

from models.config import load_config
from models.records import Failure
from models.serialise import record_to_wire
from streams.stages import DecodeStage, RawRecord
from streams.wire import is_pack, unpacked
from tests.functional.test_stream_guard import HOSTILE, mutated_lines
from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration

T0 = 1668046497.0


async def produce(bootstrap: str, topic: str, lines: list[bytes]) -> None:
    """Every line to partition 0 of ``topic``, in order, one second of receive time apart."""
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_request_size=4_000_000)
    await producer.start()
    try:
        for n, line in enumerate(lines):
            await producer.send(
                topic, line, key=b"rx1", partition=0, timestamp_ms=int((T0 + n) * 1000)
            )
        await producer.flush()
    finally:
        await producer.stop()


def expected(stack: Stack, lines: list[bytes]) -> tuple[Counter[Any], Counter[Any], Any]:
    """What the worker's decoder gives the lines (offsets 0.. on partition 0): the reports and
    the failures, as the topics carry them, and its counts."""
    config = load_config(stack.env["VIGILMAR_CONFIG"])
    from models.engine import Engine
    from zones.index import ZoneIndex

    stage = DecodeStage(Engine(config, ZoneIndex([])))
    records = [RawRecord("rx1", line, T0 + n, n, 0) for n, line in enumerate(lines)]
    outcomes = stage.decode(records)
    reports = Counter(
        _report_key(record_to_wire(o)) for o in outcomes if not isinstance(o, Failure)
    )
    failures = Counter(
        (o.reason.value, o.line_no, o.raw) for o in outcomes if isinstance(o, Failure)
    )
    return reports, failures, stage.decoder.stats


def _report_key(document: dict[str, Any]) -> tuple[Any, ...]:
    return (document["type"], document["mmsi"], document["t"], document.get("lat"))


def metric(text: str, name: str) -> float:
    return sum(float(value) for value in re.findall(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M))


def test_every_hostile_line_is_decoded_or_dead_lettered_and_the_agent_never_restarts(
    stack: Stack,
) -> None:
    lines = HOSTILE + mutated_lines(2000)
    reports, failures, stats = expected(stack, lines)
    assert failures
    assert reports
    worker = stack.worker()
    worker.wait_ready()
    names = stack.settings.topics
    asyncio.run(produce(stack.broker.bootstrap, names.raw, lines))

    dead = stack.read(names.deadletter, settle=5.0)
    streamed = stack.read(names.reports, settle=2.0)
    # The decode agent's failures; the track agent's are reports that came too late for their
    # vessel (the mutated lines' times jump about), and nothing else.
    late = [d for d in dead if d["failure"] == "late"]
    assert all(d["line"] is None for d in late)
    got_failures = Counter((d["failure"], d["line"], d["raw"]) for d in dead if d not in late)
    assert got_failures == failures, (
        f"missing: {list((failures - got_failures).items())[:5]}\n"
        f"extra: {list((got_failures - failures).items())[:5]}"
    )
    # (reports travel packed, one record per partition and batch: streams/wire.py)
    got_reports = Counter(_report_key(d) for d in unpack_all(streamed))
    assert got_reports == reports
    # Every message is decoded or failed; the rest of the lines are counted ignored ones.
    assert stats.messages == sum(reports.values()) + sum(failures.values())

    assert worker.alive()
    log = worker.log.read_text(errors="replace")
    for sign in ("Traceback", "Crashed", "crashed", "Restarting"):
        assert sign not in log, log[-3000:]
    status, text = worker.scrape()
    assert status == 200
    assert metric(text, "vigilmar_deadletter_total") == sum(failures.values()) + len(late)
    assert worker.scrape("/readyz")[0] == 200
    assert metric(text, "vigilmar_ready") == 1


def unpack_all(values: list[Any]) -> list[dict[str, Any]]:
    """The reports among the values read from ``ais.reports``, packs opened."""
    found: list[dict[str, Any]] = []
    for value in values:
        if is_pack(value):
            found.extend(unpacked(value))
        elif isinstance(value, dict) and "mmsi" in value and "raw" not in value:
            found.append(value)
    return found
