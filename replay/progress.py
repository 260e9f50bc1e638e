"""A progress bar on stderr for long replays, shown only on a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm


class _Bar:
    def __init__(self, bar: tqdm | None) -> None:
        self._bar = bar

    def update(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(done - self._bar.n)


@contextmanager
def progress_bar(total_bytes: int, enabled: bool) -> Iterator[_Bar]:
    """Bytes of input read so far against the total; a no-op when not ``enabled``."""
    if not enabled:
        yield _Bar(None)
        return
    bar = tqdm(
        total=total_bytes or None,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc="replay",
        file=sys.stderr,
        leave=False,
        dynamic_ncols=True,
    )
    try:
        yield _Bar(bar)
    finally:
        bar.close()
