"""Event time of a stage fed by several inputs: one mechanism for every such stage.

A stage that merges inputs, each in event-time order but not in step with the others — a worker
reading several partitions, a partition of the encounter topics hearing every upstream
partition, a worker waiting for every decoder to read its raw partition to the end — may only
move its event time to the *least* of how far its inputs have got: then an input that is behind
never finds its vessels, cells or pairs already moved past what it still has to deliver.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable


class Watermark:
    """How far each input has got in event time. Marks only move forward (a lower one, e.g.
    after a rebalance, is ignored) until the input is dropped.

    ``expected``: how many inputs there are; until that many have marked, ``least()`` is
    ``None``. Without it, the inputs that have marked so far are all there are.
    """

    def __init__(self, expected: int | None = None) -> None:
        self.expected = expected
        self._marks: dict[Hashable, float] = {}

    def mark(self, source: Hashable, t: float) -> None:
        """``source`` has delivered everything up to event time ``t``."""
        marks = self._marks
        if source not in marks or t > marks[source]:
            marks[source] = t

    def drop(self, source: Hashable) -> None:
        """Forget ``source``'s mark (it is no longer known to be that far)."""
        self._marks.pop(source, None)

    def clear(self) -> None:
        self._marks.clear()

    def least(self, among: Iterable[Hashable] | None = None) -> float | None:
        """The event time every input has reached: the least mark of the inputs ``among`` (or of
        all of them), ``None`` while one of those has not marked yet."""
        marks = self._of(among)
        return None if marks is None else min(marks)

    def latest(self, among: Iterable[Hashable] | None = None) -> float | None:
        """The furthest any of those inputs has got, on the same condition as ``least``."""
        marks = self._of(among)
        return None if marks is None else max(marks)

    def describe(self) -> str:
        """For logs: each input's mark, and the result."""
        marks = " ".join(f"{source}:{mark:.0f}" for source, mark in sorted(self._marks.items()))
        return f"{marks or 'nothing heard'} -> {self.least()}"

    def _of(self, among: Iterable[Hashable] | None) -> list[float] | None:
        if among is not None:
            marks = self._marks
            chosen = [marks.get(source) for source in among]
            if not chosen or any(mark is None for mark in chosen):
                return None
            return [mark for mark in chosen if mark is not None]
        if not self._marks or (self.expected is not None and len(self._marks) < self.expected):
            return None
        return list(self._marks.values())
