"""Changelog-backed tables whose writes an agent waits for before it takes its next batch.

faust sends a table's changelog records from a buffer in the background and, before it commits
a batch's offsets, waits for that buffer only while it keeps draining: its flush gives up after
0.1 s without a send (``ProducerBuffer.flush_atmost``). A worker killed then has committed
offsets past state it never wrote: its replacement restores the older state, reads on from the
later offsets, and the reports in between never reach their vessels (the copies its decoder
sends again come too late for them). Packed records make batches large enough for that window
to open on a loaded machine.

``DurableTable`` keeps the changelog records written; ``written`` waits until those written so
far are on the broker, writing again what the broker refused. An agent calls it after writing
its state and before taking its next batch, so faust never commits offsets ahead of the state
behind them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import faust
from faust.types import FutureMessage
from faust.types.tuples import PendingMessage

log = logging.getLogger("vigilmar.worker")

#: Seconds between attempts to write what the broker refused: growing up to the last.
RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)
#: Records held unawaited before the delivered ones are let go.
MAX_HELD = 10_000


class DurableTable(faust.Table[Any, Any]):
    """A faust table (``app.Table`` makes these: the app's ``Table`` setting) whose changelog
    writes can be awaited: ``written``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The changelog records written and not yet known to be on the broker.
        self._unsettled: list[FutureMessage] = []

    def send_changelog(self, *args: Any, **kwargs: Any) -> FutureMessage:
        sent = super().send_changelog(*args, **kwargs)
        unsettled = self._unsettled
        unsettled.append(sent)
        if len(unsettled) > MAX_HELD:  # written by a task that never asks: let go what is in
            self._unsettled = [s for s in unsettled if not s.done() or _failed(s.exception())]
        return sent

    async def written(self) -> None:
        """Wait until every changelog record written so far (by any task) is on the broker.
        A key whose record the broker refused is written again, with its value now (a later
        write may have changed it), until it is."""
        waiting = list(self._unsettled)
        attempt = 0
        while waiting:
            results = await asyncio.gather(*waiting, return_exceptions=True)
            settled = {id(s) for s in waiting}
            self._unsettled = [s for s in self._unsettled if id(s) not in settled]
            refused = {
                s.message.key: s.message
                for s, result in zip(waiting, results, strict=True)
                if _failed(result)
            }
            if not refused:
                return
            log.warning(
                "%d of %d %s changelog records not written (%r); writing them again",
                len(refused),
                len(waiting),
                self.name,
                next(r for r in results if _failed(r)),
            )
            await asyncio.sleep(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])
            attempt += 1
            waiting = [self._write_again(message) for message in refused.values()]

    def _write_again(self, message: PendingMessage) -> FutureMessage:
        """The key of a refused record, with its value now (``None``: gone, a tombstone)."""
        return self.send_changelog(
            message.partition,
            message.key,
            self.data.get(message.key),
            message.key_serializer,
            message.value_serializer,
        )


def _failed(result: object) -> bool:
    return isinstance(result, BaseException)


async def all_written(app: Any) -> None:
    """Wait for the changelog records written so far to any of ``app``'s tables."""
    for table in app.tables.values():
        if isinstance(table, DurableTable):
            await table.written()
