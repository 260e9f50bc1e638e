"""A trivial faust worker for ``benchmarks.stream_throughput``: faust's own ceiling on this broker.

One agent reads the raw topic and counts events, nothing else, with the same faust options as
``vigilmar worker`` (``streams.app._faust_options``: short group timeouts, at-least-once,
earliest). Settings come from the same ``VIGILMAR_*`` variables. ``BENCH_MODE`` is ``events``
(one event at a time), ``take`` (batches, as the worker's agents take them) or ``take+send``
(batches, and every event sent on to the reports topic with ``Topic.send_soon``, as the decode
agent sends its reports). When
``BENCH_EXPECT`` events have been counted it writes the monotonic times at which the first event
and the 10 %, 90 % and 100 % marks were reached to ``BENCH_OUT`` (JSON); the parent then stops it.

Run by the benchmark as ``python -m benchmarks.faust_ceiling``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import faust

from streams.app import _faust_options
from streams.settings import settings_from_env


def main() -> None:
    settings = settings_from_env(os.environ)
    expect = int(os.environ["BENCH_EXPECT"])
    out = Path(os.environ["BENCH_OUT"])
    mode = os.environ.get("BENCH_MODE", "events")
    app = faust.App(settings.app_id, **_faust_options(settings))
    raw, reports = (
        app.topic(
            name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
        )
        for name in (settings.topics.raw, settings.topics.reports)
    )
    marks: dict[str, float] = {}
    count = 0

    def counted(n: int) -> None:
        nonlocal count
        if not count:
            marks["first"] = time.monotonic()
        before, count = count, count + n
        for name, fraction in (("p10", 0.1), ("p90", 0.9), ("end", 1.0)):
            if before < fraction * expect <= count:
                marks[name] = time.monotonic()
        if before < expect <= count:  # written whole, then renamed: the parent polls for it
            out.with_suffix(".partial").write_text(json.dumps({"count": count, **marks}))
            os.replace(out.with_suffix(".partial"), out)

    @app.agent(raw, name="count")
    async def count_events(stream: Any) -> None:
        if mode == "events":
            async for _ in stream.events():
                counted(1)
            return
        async for events in stream.take_events(settings.batch_size, settings.batch_seconds):
            if mode == "take+send":  # as the decode agent sends its reports
                for event in events:
                    reports.send_soon(key=event.key, value=event.value)
            counted(len(events))

    faust.Worker(app, loglevel="info", redirect_stdouts=False).execute_from_commandline()


if __name__ == "__main__":
    main()
