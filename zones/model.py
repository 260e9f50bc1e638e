"""Zone records: what a zone is, independent of where it was loaded from."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shapely.geometry import MultiPolygon, Polygon

__all__ = ["Zone", "ZoneKind", "ZoneRef"]

ZoneRef = dict[str, str]
"""The ``{"id", "name", "kind"}`` object an alert carries in its ``zone`` field."""


class ZoneKind(StrEnum):
    """The kinds of zone a pack may declare (the ``kind`` property of a feature)."""

    PORT = "port"
    ANCHORAGE = "anchorage"
    RESTRICTED = "restricted"
    PROTECTED = "protected"
    EEZ = "eez"
    TERRITORIAL_SEA = "territorial_sea"
    HIGH_RISK = "high_risk"
    CORRIDOR = "corridor"


_HARBOUR_KINDS = frozenset({ZoneKind.PORT, ZoneKind.ANCHORAGE})
_ENTRY_KINDS = frozenset({ZoneKind.RESTRICTED, ZoneKind.PROTECTED})


@dataclass(frozen=True, slots=True)
class Zone:
    """One named area in WGS84 lon/lat.

    ``risk`` (0..1) raises the score of behaviour seen inside the zone; ``country`` is an
    ISO 3166 alpha-2 code; ``source`` says where the geometry comes from.
    """

    id: str
    name: str
    kind: ZoneKind
    geometry: Polygon | MultiPolygon
    risk: float | None = None
    country: str | None = None
    source: str | None = None

    @property
    def is_harbour(self) -> bool:
        """Ports and anchorages: loitering and encounters are expected here, not alerted."""
        return self.kind in _HARBOUR_KINDS

    @property
    def raises_entry(self) -> bool:
        """Restricted and protected zones: entering or leaving one raises an alert."""
        return self.kind in _ENTRY_KINDS

    def ref(self) -> ZoneRef:
        """The zone as an alert refers to it."""
        return {"id": self.id, "name": self.name, "kind": self.kind.value}
