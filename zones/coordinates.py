"""GeoJSON coordinates as ``json.loads`` gives them: arrays nested as the geometry type needs,
down to plain numbers — not strings (``"-66.1"``, which shapely would quietly convert), not
booleans (``true`` is 1 to numpy), not ``null``.

Checked level by level, never recursively (a hostile pack cannot make it nest deeper), and at
C speed: ``set(map(type, level))`` looks at a whole level at once. ``all_plain`` does that for
every geometry of a pack together, the fast path taken by every valid pack (the shipped one is
40 000 positions); ``coordinate_problem`` checks one geometry and names the culprit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain
from typing import cast

__all__ = ["all_plain", "coordinate_problem", "json_value"]

#: What each geometry type's ``coordinates`` nest, outermost first, down to the numbers.
_NESTING = {
    "Polygon": ("coordinates", "ring", "position"),
    "MultiPolygon": ("coordinates", "polygon", "ring", "position"),
}
_HOLDS = {"coordinates": "arrays", "polygon": "rings", "ring": "positions", "position": "numbers"}
_NUMBER_TYPES = frozenset({int, float})  # as json.loads makes them: bool is not a number
_LIST_TYPE = frozenset({list})


def all_plain(geometries: Iterable[object]) -> bool:
    """Whether the ``coordinates`` of every Polygon and MultiPolygon among ``geometries`` (GeoJSON
    geometry objects; anything else is skipped) are plain: ``coordinate_problem`` would find
    nothing in any of them."""
    polygons: list[object] = []
    multipolygons: list[object] = []
    for geometry in geometries:
        if isinstance(geometry, dict):
            kind = geometry.get("type")
            if kind == "Polygon":
                polygons.append(geometry.get("coordinates"))
            elif kind == "MultiPolygon":
                multipolygons.append(geometry.get("coordinates"))
    if not _lists(multipolygons):
        return False
    level = _flatten(multipolygons)  # their polygons,
    level.extend(polygons)  # and the polygons: arrays of rings
    for _ in ("polygon", "ring"):
        if not _lists(level):
            return False
        level = _flatten(level)
    if not _lists(level):  # the positions
        return False
    numbers = chain.from_iterable(cast("Sequence[list[object]]", level))
    return set(map(type, numbers)) <= _NUMBER_TYPES


def coordinate_problem(geometry_json: dict[str, object]) -> str | None:
    """Why a Polygon's or MultiPolygon's ``coordinates`` are not arrays nested as its type needs,
    down to plain numbers; ``None`` if they are."""
    kind = str(geometry_json["type"])
    level: list[object] = [geometry_json.get("coordinates")]
    for name in _NESTING[kind]:
        if not _lists(level):
            culprit = next(item for item in level if type(item) is not list)
            article = "" if name == "coordinates" else "a "
            return (
                f"malformed {kind} coordinates: {article}{name} must be an array of "
                f"{_HOLDS[name]}, not {json_value(culprit)}"
            )
        level = _flatten(level)
    if not set(map(type, level)) <= _NUMBER_TYPES:
        culprit = next(item for item in level if type(item) not in _NUMBER_TYPES)
        what = json_value(culprit)
        return f"malformed {kind} coordinates: a coordinate must be a number, not {what}"
    return None


def json_value(value: object) -> str:
    """A JSON value as its author wrote it: ``the string '-66.1'``, ``null``, ``an array``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {_short(repr(value))}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return _short(repr(value))


def _lists(level: Sequence[object]) -> bool:
    return set(map(type, level)) <= _LIST_TYPE


def _flatten(level: Sequence[object]) -> list[object]:
    """One level down; every item of ``level`` is a list (``_lists``)."""
    return list(chain.from_iterable(cast("Sequence[list[object]]", level)))


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."
