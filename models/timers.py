"""A timer wheel keyed by vessel: "wake vessel K when event time passes T".

Setting a timer is two dictionary operations, so it can be done on every report; a watermark
advance touches only the buckets that fell due.
"""

from __future__ import annotations

import heapq


class TimerWheel:
    def __init__(self, resolution: float = 60.0) -> None:
        self._resolution = resolution
        self._due: dict[int, float] = {}
        self._buckets: dict[int, set[int]] = {}
        self._heap: list[int] = []

    def __len__(self) -> int:
        return len(self._due)

    def set(self, key: int, due: float | None) -> None:
        """Wake ``key`` at ``due`` (replacing any earlier timer); ``None`` cancels."""
        if self._due.get(key) == due:
            return
        old = self._due.pop(key, None)
        if old is not None:
            bucket = self._buckets.get(self._bucket(old))
            if bucket is not None:
                bucket.discard(key)
        if due is None:
            return
        self._due[key] = due
        index = self._bucket(due)
        bucket = self._buckets.get(index)
        if bucket is None:
            bucket = self._buckets[index] = set()
            heapq.heappush(self._heap, index)
        bucket.add(key)

    def pop_due(self, now: float) -> list[int]:
        """Keys whose time is at or before ``now``, in due order (ties by key); their timers end."""
        fired: list[tuple[float, int]] = []
        heap = self._heap
        while heap and heap[0] * self._resolution <= now:
            index = heap[0]
            bucket = self._buckets[index]
            for key in list(bucket):
                due = self._due[key]
                if due <= now:
                    bucket.discard(key)
                    del self._due[key]
                    fired.append((due, key))
            if bucket:
                break  # the rest of this bucket is due later than now
            heapq.heappop(heap)
            del self._buckets[index]
        fired.sort()
        return [key for _, key in fired]

    def _bucket(self, due: float) -> int:
        return int(due // self._resolution)
