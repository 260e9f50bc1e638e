"""Errors raised by the zone catalogue. ``ZoneError`` is the root of all of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Problem", "ZoneError", "ZonePackError"]


class ZoneError(Exception):
    """Root of every error raised by ``zones``."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one feature of a zone pack.

    ``feature`` is the 0-based position of the feature in the pack's ``features`` array (as in
    ``jq '.features[3]'``), or in reading order for GeoPackage, Shapefile and KML (layers in
    order); ``feature_id`` is its ``id`` property when it has a usable one.
    """

    feature: int
    feature_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"feature {self.feature}"
        if self.feature_id is not None:
            where += f" (id {self.feature_id!r})"
        return f"{where}: {self.message}"


class ZonePackError(ZoneError):
    """A zone pack that cannot be used: unreadable, not a pack at all, or with bad features."""

    def __init__(
        self, path: Path | str, problems: Sequence[Problem] = (), detail: str | None = None
    ) -> None:
        self.path = Path(path)
        self.problems: list[Problem] = list(problems)
        self.detail = detail
        super().__init__(self._message())

    def __reduce__(self) -> tuple[type[ZonePackError], tuple[Path, list[Problem], str | None]]:
        return (type(self), (self.path, self.problems, self.detail))

    def _message(self) -> str:
        if self.detail is not None:
            head = f"zone pack {self.path}: {self.detail}"
        else:
            count = len(self.problems)
            head = f"zone pack {self.path}: {count} problem{'s' if count != 1 else ''}"
        lines = [head, *(f"  {problem}" for problem in self.problems)]
        return "\n".join(lines)
