"""A table's changelog writes are awaited before an agent takes its next batch
(``streams/tables.py``): faust's own wait before a commit gives up after 0.1 s, and a worker
killed then resumed from offsets past state it never wrote (the killed-worker stream test lost
alerts that way). The changelog topic here records what it is given and the test delivers or
refuses each record, as a broker would."""

from __future__ import annotations

import asyncio
from typing import Any

import faust
import pytest
from faust.types import FutureMessage
from faust.types.tuples import PendingMessage

from streams import tables
from streams.tables import DurableTable, all_written


class Changelog:
    """Stands for the changelog topic: keeps each record's future for the test to settle."""

    def __init__(self) -> None:
        self.sent: list[FutureMessage] = []

    def send_soon(self, **fields: Any) -> FutureMessage:
        message = PendingMessage(
            channel=self,  # type: ignore[arg-type]
            key=fields["key"],
            value=fields["value"],
            partition=fields["partition"],
            timestamp=None,
            headers=None,
            key_serializer=fields["key_serializer"],
            value_serializer=fields["value_serializer"],
            callback=None,
        )
        future = FutureMessage(message)
        self.sent.append(future)
        return future


def durable_table() -> tuple[faust.App, DurableTable, Changelog]:
    app = faust.App("durable-test", broker="kafka://127.0.0.1:1", Table=DurableTable)
    table = app.Table("vessels", default=None, key_type=bytes, partitions=4)
    assert isinstance(table, DurableTable)
    changelog = Changelog()
    table.changelog_topic = changelog  # type: ignore[assignment]
    return app, table, changelog


async def deliver(changelog: Changelog, outcomes: list[BaseException | None]) -> list[float]:
    """The broker's side: settle the records one by one, in order, as they come (waiting for
    each), with ``outcomes`` (an error: refused); when each was settled (loop time)."""
    loop = asyncio.get_running_loop()
    settled = []
    for n, outcome in enumerate(outcomes):
        while len(changelog.sent) <= n:
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.02)
        if outcome is None:
            changelog.sent[n].set_result(None)  # type: ignore[arg-type]
        else:
            changelog.sent[n].set_exception(outcome)
        settled.append(loop.time())
    return settled


def test_written_waits_for_every_record_written() -> None:
    async def run() -> tuple[list[float], float]:
        app, table, changelog = durable_table()
        broker = asyncio.ensure_future(deliver(changelog, [None, None]))
        table.send_changelog(0, b"1", b"a")
        table.send_changelog(1, b"2", b"b")
        await all_written(app)
        done = asyncio.get_running_loop().time()
        await table.written()  # nothing more to wait for
        return await broker, done

    settled, done = asyncio.run(run())
    assert done >= max(settled)  # not before the last record was delivered


def test_a_refused_key_is_written_again_with_its_value_now_until_delivered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tables, "RETRY_SECONDS", (0.01,))

    async def run() -> tuple[list[float], float, Changelog]:
        _, table, changelog = durable_table()
        broker = asyncio.ensure_future(deliver(changelog, [TimeoutError("away"), None, None]))
        table.data[b"7"] = b"old"
        table.send_changelog(2, b"7", b"old")
        table.data[b"7"] = b"new"  # written again since (its record still on the way)
        table.send_changelog(2, b"7", b"new")
        await table.written()
        return await broker, asyncio.get_running_loop().time(), changelog

    settled, done, changelog = asyncio.run(run())
    written = [(s.message.partition, s.message.key, s.message.value) for s in changelog.sent]
    # the refused record's key again, with the value it has now: never the older state after
    # the newer one
    assert written == [(2, b"7", b"old"), (2, b"7", b"new"), (2, b"7", b"new")]
    assert done >= settled[2]


def test_a_writer_that_never_waits_holds_only_what_is_not_yet_delivered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tables, "MAX_HELD", 10)

    async def run() -> DurableTable:
        _, table, changelog = durable_table()
        for n in range(25):
            table.send_changelog(0, str(n).encode(), b"x")
            if n < 20:
                changelog.sent[n].set_result(None)  # type: ignore[arg-type]
        return table

    table = asyncio.run(run())
    assert len(table._unsettled) <= 11
