"""One watermark mechanism for every stage fed by several inputs."""

from __future__ import annotations

from models.watermark import Watermark


def test_the_least_mark_once_every_expected_input_has_marked() -> None:
    clock = Watermark(expected=3)
    clock.mark(0, 100.0)
    clock.mark(1, 50.0)
    assert clock.least() is None  # input 2 has not said anything yet
    clock.mark(2, 70.0)
    assert clock.least() == 50.0
    assert clock.latest() == 100.0


def test_marks_only_move_forward_until_dropped() -> None:
    clock = Watermark()
    clock.mark("a", 100.0)
    clock.mark("a", 40.0)  # e.g. a repeat after a rebalance
    assert clock.least() == 100.0
    clock.drop("a")
    assert clock.least() is None
    clock.mark("a", 40.0)
    assert clock.least() == 40.0


def test_without_expected_inputs_the_marked_ones_are_all_there_are() -> None:
    clock = Watermark()
    assert clock.least() is None
    clock.mark(3, 10.0)
    assert clock.least() == 10.0
    clock.mark(1, 5.0)
    assert clock.least() == 5.0


def test_among_chosen_inputs_a_missing_one_means_not_yet() -> None:
    clock = Watermark()
    clock.mark((0, 1), float("-inf"))  # said "done", with nothing decoded
    clock.mark((1, 1), 500.0)
    assert clock.latest([(0, 1), (1, 1)]) == 500.0
    assert clock.latest([(0, 1), (1, 1), (2, 1)]) is None
    assert clock.least([]) is None
    clock.clear()
    assert clock.latest([(1, 1)]) is None
