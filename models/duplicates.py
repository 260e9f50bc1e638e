"""Multi-receiver duplicates: one AIS transmission heard again by another receiver (or fed twice).

Receivers that cover the same water each hear every transmission there, and merged feeds carry
every copy — 31 % of the AIS messages in the AMSA receiver log, 9.5 % in the GFW worldwide
sample are a payload already heard. The copies are the same message, bit for bit, with receive
times a few seconds apart (the receivers' clocks differ). ``DuplicateFilter`` tells the decoder
which payloads it has already decoded, so the copies are counted as duplicates and never decoded
again.

A payload counts as a copy when it was first heard at most ``seconds`` of event time before or
after (receive times of merged feeds are not in order). The window must stay below the
shortest time after which a transmitter can send the very same bits again. Position reports
carry the UTC second of the fix, so an identical payload recurs only a whole minute later (a
moored Class B unit with a fixed communication state does: 56 to 65 s apart in the AMSA log);
static reports recur every six minutes. Copies from different receivers of the real feeds lie
within 10 s of each other (AMSA: 87 % of repeats at most 5 s apart, then a tail to 12 s; GFW:
every repeat of a position report within 10 s). So the default (``TrackingConfig.
duplicate_seconds``) is 10 s, and 0 turns the filter off.

Memory is bounded: payloads are forgotten in the order they were heard, as soon as the first one
left is more than ``seconds`` older than the message now heard, and at most ``capacity`` are
remembered. (Judging by the message now heard rather than by the latest time ever seen, one
message with a clock far in the future cannot make every later one look too old to remember.)
Messages without a receive time are never taken for copies: there is no time to compare.
"""

from __future__ import annotations

__all__ = ["DUPLICATE_CAPACITY", "DuplicateFilter"]

#: Payloads remembered at most (some 150 bytes each). Ten seconds of the busiest feed here (the
#: AMSA log: about 75 messages per second of event time) are some 750; the bound matters for
#: inputs whose times jump back, where forgetting by time cannot keep up.
DUPLICATE_CAPACITY = 50_000


class DuplicateFilter:
    """Remembers the payloads heard in the last ``seconds`` of event time."""

    __slots__ = ("_capacity", "_seconds", "_seen")

    def __init__(self, seconds: float, capacity: int = DUPLICATE_CAPACITY) -> None:
        if seconds < 0 or capacity < 1:
            raise ValueError("seconds must be >= 0 and capacity >= 1")
        self._seconds = seconds
        self._capacity = capacity
        #: payload -> event time it was first heard, in the order heard
        self._seen: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._seen)

    def is_copy(self, payload: str, timestamp: float) -> bool:
        """Whether ``payload`` was first heard within ``seconds`` of ``timestamp``; if not, it
        is remembered as heard at ``timestamp``."""
        seen = self._seen
        first = seen.get(payload)
        if first is not None:
            if -self._seconds <= timestamp - first <= self._seconds:
                return True
            del seen[payload]  # heard again later: a new transmission, remembered anew
        seen[payload] = timestamp
        self._forget(timestamp - self._seconds)
        return False

    def _forget(self, horizon: float) -> None:
        """Forget, from the first heard on, what is older than ``horizon``, and the overflow."""
        seen = self._seen
        while seen:
            oldest = next(iter(seen))
            if seen[oldest] >= horizon and len(seen) <= self._capacity:
                return
            del seen[oldest]
