"""No message kills a worker's agent (issue 11), without a broker: every hostile line of the issue
through the decode stage and agent, hostile ``ais.reports`` values through the track stage, a
decoder and a monitor that raise (faults injected), publishes the broker refuses, and the
rate-limited log and readiness probe a broker outage needs.

``HOSTILE`` and ``mutated_lines`` are also what ``tests/integration/test_faults.py`` feeds a
real worker.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from pathlib import Path
from typing import Any

import pytest
from aiokafka.errors import KafkaTimeoutError, UnknownError
from prometheus_client import CollectorRegistry

from metrics.telemetry import Telemetry
from models.config import Config
from models.decode import Decoder
from models.engine import Engine
from models.records import (
    Failure,
    FailureReason,
    InputLine,
    Outcome,
    PositionReport,
    StaticReport,
)
from models.serialise import record_to_wire
from streams.kafka import broker_reachable
from streams.logs import RateLimit
from streams.outbox import Outbox, WorkerTopics
from streams.settings import Settings
from streams.stages import DecodeStage, RawRecord, TrackStage, split_outcomes
from streams.state import VesselStore
from tests.factories import HOUR, T0, voyage
from tests.functional.test_worker_agents import (
    NAMES,
    FakeTopic,
    Journal,
    Worker,
    event,
    report_events,
)
from tests.property.test_fuzz_decoder import LINES, NASTY
from zones.index import ZoneIndex

#: A real type 1 sentence (AMSA receiver log), as in the issue.
G = "!AIVDM,1,1,,A,13prmQ?P001EOA4OC3h@u?vl20SR,0*7F"
TYPE5_FIRST = "!AIVDM,2,1,6,A,53@o0E000001Q0CG37U8u<Tp4q@D00000000000018330400000000000000,0*63"


def _binary_junk() -> list[bytes]:
    """Lines of an executable, as ``vigilmar feed /usr/bin/ls`` would send them."""
    ls = Path("/usr/bin/ls")
    data = ls.read_bytes()[:20_000] if ls.is_file() else bytes(random.Random(7).randbytes(20_000))
    return [line for line in data.split(b"\n") if line.strip()][:60]


#: Every repro line of issue 11 that can come over ``ais.raw``, and a few more.
HOSTILE: list[bytes] = [
    line.encode() if isinstance(line, str) else line
    for line in [
        G.replace(",0*7F", ",²*70"),  # fill bits '²', checksum valid
        G[:-2] + "²0",  # a checksum that is not hex
        G[:-2] + "٧F",  # int("٧F", 16) == 0x7F
        "\\c:²*00\\" + G,
        "\\g:²-2-1*00\\" + G,
        G + ",²",  # a trailing epoch column '²'
        "\\c:99999999999999999999*00\\" + G,
        "\\c:" + "9" * 400 + "*00\\" + G,
        "$GPZDA,1200nan,01,01,2020,00,00*69",
        G,
        '{"mmsi": 244660000, "timestamp": 1e300, "lat": 52, "lon": 4}',
        '"timestamp","mmsi"\r\n"2020-01-01T00:00:00","12345678901234567890123"',
        'a"b\rc',
        "!AIVDM,2,1,9,A,55NPvo800001L@OCWO@EDLDpTF0br0QDLE:2220q000005OP07T0DhhAkmC0,0*67",
        "!AIVDM,2,1,12,A,55NPvo800001L@OCWO@EDLDpTF0br0QDLE:2220q000005OP07T0DhhAkmC0,0*67",
        "\\g:1-2-7218*00\\" + TYPE5_FIRST + "\\g:2-2-7219*00\\" + TYPE5_FIRST,
        "!AIVDM,1,1,,A," + "1" * 100_000 + ",0*00",
        "\x00\x01\x02\x7f",
        "\ufeff" + G,
        b"!AIVDM,1,1,,B,15NBj\xff\xfeTDTUJOv00<0M,0*09",
        *_binary_junk(),
    ]
]


def mutated_lines(count: int, seed: int = 11) -> list[bytes]:
    """``count`` real NMEA lines with a few characters changed, cut or repeated, seeded: what the
    issue's fuzzing campaign sent (``tests/property/test_fuzz_decoder.py`` has the corpus)."""
    rng = random.Random(seed)
    out: list[bytes] = []
    for _ in range(count):
        chars = list(rng.choice(LINES))
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(chars) + 1)
            action = rng.random()
            if action < 0.5 and chars:
                chars[min(at, len(chars) - 1)] = rng.choice(NASTY)
            elif action < 0.8:
                chars.insert(at, rng.choice(NASTY))
            else:
                del chars[at : at + rng.randint(1, 8)]
        line = "".join(chars).replace("\n", " ")
        out.append(line.encode("utf-8", "surrogatepass"))
    return out


def engine() -> Engine:
    return Engine(Config(), ZoneIndex([]))


def raw(lines: list[bytes], source: str = "rx1") -> list[RawRecord]:
    return [RawRecord(source, line, 1668046497.0, offset, 0) for offset, line in enumerate(lines)]


def accounted(stage: DecodeStage, outcomes: list[Outcome]) -> None:
    """The decoder's counts add up, and every failure names its source and line."""
    stats = stage.decoder.stats
    assert stats.messages == stats.decoded_total + stats.failed_total
    failures = [o for o in outcomes if isinstance(o, Failure)]
    assert len(outcomes) - len(failures) == stats.decoded_total
    assert len(failures) == stats.failed_total
    assert all(f.source == "rx1" and f.raw for f in failures)


# --- the decode stage ------------------------------------------------------------------------


def test_every_hostile_line_is_decoded_ignored_or_a_failure_naming_its_offset() -> None:
    stage = DecodeStage(engine())
    lines = HOSTILE + mutated_lines(3000)
    outcomes = stage.decode(raw(lines))
    outcomes += flushed(stage)
    accounted(stage, outcomes)
    failures = [o for o in outcomes if isinstance(o, Failure)]
    assert {f.line_no for f in failures} <= set(range(len(lines)))
    reasons = {f.reason.value for f in failures}
    assert {"malformed", "bad_checksum", "bad_time", "not_utf8"} <= reasons
    # The decoder itself takes every one of them: the stage's guard had nothing to catch.
    assert not [f for f in failures if f.detail.startswith("the decoder raised")]
    assert stage.decoder.stats.decoded_total > 0  # (a changed character breaks the checksum)


def flushed(stage: DecodeStage) -> list[Outcome]:
    out: list[Outcome] = []
    stage.decoder.flush(out)
    return out


class FaultyDecoder(Decoder):
    """A fault injected into the real decoder: it raises on lines holding ``marker``, after
    counting the line's message, as a bug deep in a parser would."""

    marker = "BOOM"

    def feed(self, line: InputLine, out: list[Outcome]) -> None:
        if self.marker in line.text:
            self.stats.lines += 1
            self.stats.messages += 1
            raise IndexError("a bug deep in a parser")
        super().feed(line, out)


def test_a_decoder_that_raises_on_a_line_gives_one_decode_error_and_decodes_the_rest() -> None:
    stage = DecodeStage(engine())
    stage.decoder = FaultyDecoder()
    outcomes = stage.decode(raw([G.encode(), b"!AIVDM,BOOM", G.encode()]))
    assert [type(o).__name__ for o in outcomes] == ["PositionReport", "Failure", "PositionReport"]
    failure = outcomes[1]
    assert isinstance(failure, Failure)
    assert failure.reason is FailureReason.DECODE_ERROR
    assert (failure.raw, failure.source, failure.line_no) == ("!AIVDM,BOOM", "rx1", 1)
    assert "IndexError('a bug deep in a parser')" in failure.detail
    accounted(stage, outcomes)


def test_the_decode_agent_dead_letters_the_line_that_raised_and_takes_the_next_batch() -> None:
    worker = Worker()
    worker.stages.decode.decoder = FaultyDecoder()
    good = b"\\s:rx1,c:1668046497*05\\!AIVDM,1,1,,B,15NBj>PP1gG>1PVKTDTUJOv00<0M,0*09"
    first = [event(good, b"rx1", 0, 1), event(b"BOOM", b"rx1", 0, 2)]
    second = [
        event(good, b"rx1", 0, 3),
        *[event(line, b"rx1", 1, n) for n, line in enumerate(HOSTILE)],
    ]
    worker.run(worker.agents.decode, [first, second])
    dead = [value for _, value in worker.sent("deadletter")]
    boom = [d for d in dead if d["failure"] == "decode_error"]
    assert [(d["raw"], d["line"]) for d in boom] == [("BOOM", 2)]
    reports = [v for (key, _), v in worker.sent("reports") if key not in (b"raw", b"cov")]
    assert len(reports) >= 2  # the good line of each batch, and what the hostile ones gave
    assert len(dead) >= len(HOSTILE) // 2


def test_a_decode_stage_that_raises_on_a_whole_batch_fails_each_of_its_lines() -> None:
    """Past the per-line guard (here the coverage announcer breaks): every line of the batch
    goes to the dead-letter topic, and the agent goes on with the next batch."""
    worker = Worker()

    def broken(records: Any, outcomes: Any) -> Any:
        raise RuntimeError("announcer bug")

    worker.stages.coverage.announce = broken  # type: ignore[method-assign]
    lines = [G.encode(), b"junk", G.encode()]
    worker.run(worker.agents.decode, [[event(line, b"rx1", 0, n) for n, line in enumerate(lines)]])
    dead = [value for _, value in worker.sent("deadletter")]
    assert [(d["failure"], d["raw"], d["line"]) for d in dead] == [
        ("decode_error", G, 0),
        ("decode_error", "junk", 1),
        ("decode_error", G, 2),
    ]


# --- the track stage -------------------------------------------------------------------------


def position(mmsi: int = 244660000, t: float = 1668046497.0) -> dict[str, Any]:
    report = PositionReport(mmsi, t, 1, 52.0, 4.0, speed=10.0, course=90.0, heading=90, status=0)
    return record_to_wire(report)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"lat": float("nan")}, "bad_value"),
        ({"lon": float("inf")}, "bad_value"),
        ({"lat": "fifty"}, "malformed"),
        ({"lon": None}, "bad_value"),  # a latitude without its longitude
        ({"t": 1e300}, "bad_time"),
        ({"t": float("nan")}, "bad_value"),
        ({"t": "²"}, "malformed"),
        ({"mmsi": 2**40}, "bad_value"),
        ({"mmsi": True}, "malformed"),
        ({"type": 99}, "unsupported_type"),
        ({"heading": 1.5}, "bad_value"),
        ({"source": ["a"]}, "bad_value"),
        ({"impossible": "yes"}, "bad_value"),
    ],
)
def test_a_report_value_the_engine_cannot_take_is_a_failure_not_a_crash(
    change: dict[str, Any], reason: str
) -> None:
    stage = TrackStage(engine(), VesselStore({}, engine()))
    bad = {**position(), **change}
    _, failures = stage.track([(0, bad), (0, position(t=1668046500.0))])
    assert [f.reason.value for f in failures] == [reason]
    assert failures[0].raw  # what came, for the dead-letter topic
    assert stage.monitor.stats.positions == 1


def test_type_24_parts_are_text() -> None:
    stage = TrackStage(engine(), VesselStore({}, engine()))
    static = StaticReport(244660000, 1668046497.0, 24, name="OLISE", part="A")
    _, failures = stage.track([(0, record_to_wire(static))])
    assert failures == []
    assert stage.monitor.stats.statics == 1


@pytest.mark.parametrize("document", [None, [], "text", 12, {"raw": "x"}, {"cov": 1}])
def test_values_of_another_shape_are_malformed(document: Any) -> None:
    stage = TrackStage(engine(), VesselStore({}, engine()))
    _, failures = stage.track([(0, document)])
    assert [f.reason.value for f in failures] in (["malformed"], [])


def test_a_monitor_that_raises_dead_letters_its_batch_and_tracks_the_next() -> None:
    stage = TrackStage(engine(), VesselStore({}, engine()))
    process = stage.monitor.process

    def faulty(records: Any, watermark: Any = None) -> Any:
        if any(r.mmsi == 999 for r in records):
            raise ZeroDivisionError("a bug deep in a detector")
        return process(records, watermark)

    stage.monitor.process = faulty  # type: ignore[method-assign]
    step, failures = stage.track([(0, position()), (0, position(999))])
    assert [f.reason for f in failures] == [FailureReason.TRACK_ERROR] * 2
    assert [json.loads(f.raw)["mmsi"] for f in failures] == [244660000, 999]
    assert "ZeroDivisionError" in failures[0].detail
    assert step.alerts == []
    _, failures = stage.track([(0, position(t=1668046600.0))])
    assert failures == []
    assert stage.monitor.stats.positions == 1


# --- publishing ------------------------------------------------------------------------------


class RefusingTopic(FakeTopic):
    """A topic whose broker refuses the first ``refusals`` deliveries (as Tansu does while a
    group rejoins) and takes the rest."""

    def __init__(self, name: str, journal: Journal, refusals: int, error: Exception) -> None:
        super().__init__(name, journal)
        self.refusals = refusals
        self.error = error

    async def publish_message(self, future: asyncio.Future[Any]) -> None:
        if self.refusals > 0:
            self.refusals -= 1
            future.set_exception(self.error)
            return
        await super().publish_message(future)


def outbox(refusals: int, error: Exception) -> tuple[Outbox, Journal, Telemetry, list[float]]:
    journal: Journal = []
    topics = {name: FakeTopic(name, journal) for name in WorkerTopics.__dataclass_fields__}
    topics["alerts"] = RefusingTopic("alerts", journal, refusals, error)
    telemetry = Telemetry(CollectorRegistry())
    telemetry.set_ready(True)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        assert not telemetry.is_ready  # not ready while publishes fail

    return Outbox(WorkerTopics(**topics), 4, telemetry, sleep), journal, telemetry, waits


@pytest.mark.parametrize("error", [UnknownError(), KafkaTimeoutError()])
def test_publishes_the_broker_refuses_are_counted_and_sent_again_in_order(
    error: Exception,
) -> None:
    out, journal, telemetry, waits = outbox(7, error)
    alerts = [{"n": n} for n in range(5)]

    async def send() -> None:
        for alert in alerts:
            await out._send(out.topics.alerts, b"k", json.dumps(alert).encode())
        await out.settle()

    asyncio.run(send())
    # All 5 refused; sent again, the first 2 refused and the last 3 delivered; all 5 again.
    delivered = [value for _, _, value in journal]
    assert delivered == alerts[2:] + alerts
    # Each message's last copy comes after the last copies of those sent before it.
    last = {value["n"]: at for at, value in enumerate(delivered)}
    assert sorted(last, key=last.__getitem__) == [0, 1, 2, 3, 4]
    assert len(waits) == 2
    name = type(error).__name__
    assert telemetry.publish_failures.labels("alerts", name)._value.get() == 7
    assert telemetry.publish_retries._value.get() == 10
    assert telemetry.is_ready


def test_a_producer_that_refuses_at_once_counts_as_a_failed_delivery() -> None:
    out, journal, telemetry, _ = outbox(0, UnknownError())

    class Closed(FakeTopic):
        calls = 0

        async def publish_message(self, future: asyncio.Future[Any]) -> None:
            Closed.calls += 1
            if Closed.calls == 1:
                raise KafkaTimeoutError("no metadata")
            await super().publish_message(future)

    topic = Closed("deadletter", journal)

    async def send() -> None:
        await out._send(topic, b"k", b'{"x": 1}')
        await out.settle()

    asyncio.run(send())
    assert [value for _, _, value in journal] == [{"x": 1}]
    assert telemetry.publish_failures.labels("deadletter", "KafkaTimeoutError")._value.get() == 1


# --- readiness and the log during an outage ---------------------------------------------------


def test_readiness_needs_every_condition() -> None:
    telemetry = Telemetry(CollectorRegistry())
    assert not telemetry.is_ready
    telemetry.set_ready(True)
    assert telemetry.is_ready
    telemetry.set_condition("broker", False)
    assert not telemetry.is_ready
    assert telemetry.ready._value.get() == 0
    assert telemetry.broker_up._value.get() == 0
    telemetry.set_condition("broker", True)
    assert telemetry.is_ready
    assert telemetry.ready._value.get() == 1


def test_the_probe_tells_a_listening_broker_from_a_closed_port() -> None:
    async def probe() -> tuple[bool, bool]:
        server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        up = await broker_reachable(f"127.0.0.1:1,127.0.0.1:{port}", 1.0)
        server.close()
        await server.wait_closed()
        down = await broker_reachable(f"127.0.0.1:{port}", 1.0)
        return up, down

    assert asyncio.run(probe()) == (True, False)


def test_a_flood_of_one_warning_is_one_line_every_interval_with_a_count() -> None:
    now = [0.0]
    limit = RateLimit(10.0, clock=lambda: now[0])
    logger = logging.getLogger("aiokafka.test-guard")
    records = []
    for n in range(300):
        now[0] = n * 0.1  # 10 a second for 30 s
        record = logger.makeRecord(
            logger.name, logging.ERROR, __file__, 1, "Unable connect to node %s: %s", (n, "x"), None
        )
        if limit.filter(record):
            records.append(record.getMessage())
    assert len(records) == 3
    assert records[0] == "Unable connect to node 0: x"
    assert records[1].endswith("(99 more like this in the last 10 s)")
    info = logger.makeRecord(logger.name, logging.INFO, __file__, 1, "rebalancing", (), None)
    assert all(limit.filter(info) for _ in range(5))  # below WARNING nothing is held


def test_asyncio_reports_of_unretrieved_futures_are_one_kind() -> None:
    now = [0.0]
    limit = RateLimit(10.0, clock=lambda: now[0])
    logger = logging.getLogger("asyncio")
    shown = 0
    for n in range(50):
        text = f"Future exception was never retrieved\nfuture: <FutureMessage {n}>"
        record = logger.makeRecord("asyncio", logging.ERROR, __file__, 1, text, (), None)
        shown += limit.filter(record)
    assert shown == 1


def test_split_outcomes_keeps_failures_apart() -> None:
    stage = DecodeStage(engine())
    reports, failures = split_outcomes(stage.decode(raw([G.encode(), b"junk"])))
    assert len(reports) == 1
    assert [f.reason.value for f in failures] == ["malformed"]


def test_the_idle_timer_waits_out_a_broker_outage_and_counts_its_quiet_afresh() -> None:
    """Input that cannot come while the broker is away is not idle input: no tick during the
    outage, and after it the quiet starts again from the broker's return."""
    worker = Worker(Config())
    silent = voyage(367000001, T0, 16.0, -75.0, hours=2, interval_s=60, speed=10.0)
    worker.run(worker.agents.track, [report_events(silent)])
    consumer = worker.consumer
    inputs = [tp for tp in consumer.assignment() if tp.topic in (NAMES.raw, NAMES.reports)]
    consumer.ends = dict.fromkeys(inputs, 10)
    consumer.positions = dict.fromkeys(inputs, 10)
    telemetry = worker.agents.telemetry
    telemetry.set_condition("broker", False)  # what broker_check finds while it is away
    worker.now += 7 * HOUR
    before = len(worker.journal)
    asyncio.run(worker.agents.idle())
    assert worker.journal[before:] == []
    # Back: broker_check restarts the quiet, so seven hours of outage give no dark period.
    worker.agents.stages.activity.restart()
    telemetry.set_condition("broker", True)
    asyncio.run(worker.agents.idle())
    assert worker.journal[before:] == []
    worker.now += 7 * HOUR  # now seven quiet hours with the broker there
    asyncio.run(worker.agents.idle())
    dark = [value for _, value in worker.sent("alerts") if value["type"] == "dark_period"]
    assert [alert["status"] for alert in dark] == ["open"]


def test_broker_check_sets_readiness_and_restarts_the_quiet() -> None:
    worker = Worker(Config())
    agents = worker.agents
    agents.settings = Settings(broker="127.0.0.1:1", probe_seconds=0.5)
    agents.telemetry.set_ready(True)
    asyncio.run(agents.broker_check())
    assert not agents.telemetry.is_ready
    assert agents.telemetry.conditions["broker"] is False

    async def with_a_broker() -> None:
        server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        agents.settings = Settings(broker=f"127.0.0.1:{port}", probe_seconds=0.5)
        worker.now += 100
        await agents.broker_check()
        server.close()
        await server.wait_closed()

    asyncio.run(with_a_broker())
    assert agents.telemetry.is_ready
    assert agents.stages.activity.quiet() == 0
