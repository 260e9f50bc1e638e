"""Errors raised by the replay edge. ``ReplayError`` is the root of all of them.

Bad *lines* never raise: they become ``Failure`` records that are counted and reported. An error
is raised only when an input cannot be read at all.
"""

from __future__ import annotations

import os

__all__ = ["InputError", "ReplayError"]


class ReplayError(Exception):
    """Root of every error raised by ``replay``."""


class InputError(ReplayError):
    """An input that cannot be read at all: a missing path, a glob that matches nothing, an
    unreadable or corrupt archive, or content in no recognised AIS format.

    The message names the input and says what to do about it; ``path``, ``problem`` and
    ``advice`` hold its parts for callers that format their own messages.
    """

    def __init__(self, path: str | os.PathLike[str], problem: str, advice: str) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        self.advice = advice
        super().__init__(f"{self.path}: {problem}; {advice}")

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str, str]]:
        return (type(self), (self.path, self.problem, self.advice))
