"""The lists reader without a broker: a message that is not a usable list is dead-lettered in
the shape of every other failure, and the list's previous version stays."""

from __future__ import annotations

import asyncio
import json

from streams.lists_agent import ListsReader
from streams.settings import settings_from_env
from streams.sharing_stage import sharing_stage


def test_a_bad_list_is_dead_lettered_as_a_failure() -> None:
    settings = settings_from_env({})
    sent: list[tuple[bytes, bytes]] = []

    async def dead_letter(key: bytes, value: bytes) -> None:
        sent.append((key, value))

    reader = ListsReader(settings, sharing_stage(settings), dead_letter)
    assert asyncio.run(reader.take(b"coast-guard", b"{not json" + b"x" * 5000, 7)) is None
    ((key, value),) = sent
    assert key == b"coast-guard"
    failure = json.loads(value)
    assert set(failure) == {"failure", "detail", "source", "line", "time", "raw"}
    assert failure["failure"] == "bad_list"
    assert failure["source"] == "vigilmar.lists offset 7"
    assert failure["raw"].startswith("{not json")
    assert len(failure["raw"]) == 2000
    assert failure["detail"]
