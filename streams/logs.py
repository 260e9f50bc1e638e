"""Logs that stay readable while the broker is away.

A worker that loses its broker hears about it many times a second: every connection attempt of
every client, every metadata refresh, every failed fetch, and asyncio's "Future exception was
never retrieved" for every future nobody awaited. ``RateLimit`` lets the first record of each
kind through, then at most one every ``seconds``, saying how many like it it held back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

#: Seconds between two records of one kind.
LOG_EVERY_SECONDS = 10.0


@dataclass(slots=True)
class _Kind:
    shown_at: float
    held: int = 0


class RateLimit(logging.Filter):
    """A filter for handlers: records at ``level`` or above, of one kind (logger, level and the
    message's first line before its arguments), pass at most once every ``seconds``; the one
    that passes after a pause tells how many were held back. Lower records all pass."""

    def __init__(
        self,
        seconds: float = LOG_EVERY_SECONDS,
        level: int = logging.WARNING,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.seconds = seconds
        self.level = level
        self._clock = clock
        self._kinds: dict[tuple[str, int, str], _Kind] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < self.level:
            return True
        key = (record.name, record.levelno, _first_line(record))
        now = self._clock()
        kind = self._kinds.get(key)
        if kind is None:
            if len(self._kinds) > 10_000:  # kinds are few; a flood of unique texts is not kept
                self._kinds.clear()
            self._kinds[key] = _Kind(now)
            return True
        if now - kind.shown_at < self.seconds:
            kind.held += 1
            return False
        if kind.held:
            record.msg = (
                f"{record.msg} ({kind.held} more like this in the last {now - kind.shown_at:.0f} s)"
            )
        kind.shown_at, kind.held = now, 0
        return True


def _first_line(record: logging.LogRecord) -> str:
    """What makes two records one kind: the message template (its arguments vary: node ids,
    addresses, futures), or its first line when it came formatted (asyncio's handler)."""
    text = str(record.msg)
    return text.split("\n", 1)[0][:200]


def limit_logs(logger: logging.Logger, seconds: float = LOG_EVERY_SECONDS) -> RateLimit:
    """Put one ``RateLimit`` on every handler of ``logger`` (the root, once faust has set it
    up); the filter, for tests."""
    limit = RateLimit(seconds)
    for handler in logger.handlers:
        handler.addFilter(limit)
    return limit
