"""Raw lines travel packed (issue 14): the feeder sends a source's lines a few at a time as one
``ais.raw`` record, each line with its own receive time, and the decode stage reads a pack as
it reads the same lines one record each — bytes that are not UTF-8 and lines of no time too."""

from __future__ import annotations

import asyncio
from typing import Any

from models.config import Config
from models.engine import Engine
from streams.feeder import PACK_LINES, PACK_SECONDS, Feeder
from streams.settings import Settings
from streams.stages import DecodeStage, RawRecord, unprocessed
from streams.wire import RAW_PACK, pack_lines, unpack_lines
from zones.index import ZoneIndex

G = b"!AIVDM,1,1,,A,13prmQ?P001EOA4OC3h@u?vl20SR,0*7F"
T = 1_668_046_497.0
LINES = [
    (T, b"\\s:rx1,c:1668046497*05\\" + G),
    (T + 1.5, G),  # no time of its own; another receiver's copy: a duplicate
    (T + 2, b"\xff\xfe garbage"),  # not UTF-8
    (T + 3, b"!AIVDM,1,1,,A,13prmQ?P001EOA4OC3h@u?vl20SR,0*00"),  # bad checksum
    (T + 4, b"!AIVDM,2,1,7,A,55NBj>P2>MN8=HTl0010I8U@DHu8T@E8,0*0C"),  # another bad checksum
]


def test_lines_round_trip_through_a_pack_with_their_times_and_bytes() -> None:
    value = pack_lines(LINES)
    assert value.startswith(RAW_PACK)
    assert unpack_lines(value) == LINES
    assert unpack_lines(G) is None  # one line, as any other producer writes it
    # a row without a readable time keeps the record's time
    assert unpack_lines(RAW_PACK + b"soon\t" + G + b"\n" + G + b"\n") == [
        (None, b"soon\t" + G),
        (None, G),
    ]


def decoded(records: list[RawRecord]) -> list[Any]:
    stage = DecodeStage(Engine(Config(), ZoneIndex([])))
    return stage.decode(records)


def test_the_decode_stage_reads_a_pack_as_the_same_lines_one_record_each() -> None:
    one_by_one = [RawRecord("rx1", line, when, offset=7) for when, line in LINES]
    packed = [RawRecord("rx1", pack_lines(LINES), T, offset=7)]
    assert decoded(packed) == decoded(one_by_one)
    kinds = sorted(type(o).__name__ for o in decoded(packed))
    assert kinds == ["Failure", "Failure", "Failure", "PositionReport"]  # not UTF-8, 2 checksums
    failed = unprocessed(packed, RuntimeError("bug"))
    assert [f.raw for f in failed] == [
        line.decode("utf-8", "backslashreplace") for _, line in LINES
    ]
    assert [f.timestamp for f in failed] == [when for when, _ in LINES]


class Recording:
    """A producer that keeps what it is given."""

    def __init__(self) -> None:
        self.sent: list[tuple[bytes, bytes, int]] = []

    async def send(self, topic: str, value: bytes, key: bytes, timestamp_ms: int) -> None:
        self.sent.append((key, value, timestamp_ms))


def test_the_feeder_packs_each_sources_lines_and_counts_every_line() -> None:
    async def feed() -> tuple[Feeder, Recording]:
        feeder = Feeder(Settings())
        producer = Recording()
        feeder._producer = producer  # type: ignore[assignment]  # no broker: what it sends
        for n in range(PACK_LINES + 3):
            await feeder.send("rx1", G, T + n)
        await feeder.send("rx2", G, T)
        for source in list(feeder._held):  # the end of the input (as __aexit__ does)
            await feeder._flush(source)
        return feeder, producer

    feeder, producer = asyncio.run(feed())
    assert feeder.stats.sent == PACK_LINES + 4
    by_key = [(key, unpack_lines(value)) for key, value, _ in producer.sent]
    assert [key for key, _ in by_key] == [b"rx1", b"rx1", b"rx2"]
    first, rest, alone = (lines for _, lines in by_key)
    assert first is not None
    assert len(first) == PACK_LINES
    assert rest is not None
    assert [when for when, _ in rest] == [T + PACK_LINES + k for k in range(3)]
    assert alone is None  # one line: sent as it is
    assert producer.sent[1][2] == round((T + PACK_LINES) * 1000)  # the first line's time


def test_a_quiet_sources_lines_wait_no_longer_than_the_linger() -> None:
    async def feed() -> Recording:
        feeder = Feeder(Settings())
        producer = Recording()
        feeder._producer = producer  # type: ignore[assignment]
        flusher = asyncio.create_task(feeder._flush_waiting())
        await feeder.send("udp:10.0.0.1", G, T)
        await asyncio.sleep(PACK_SECONDS * 3)
        flusher.cancel()
        return producer

    assert [key for key, _, _ in asyncio.run(feed()).sent] == [b"udp:10.0.0.1"]
