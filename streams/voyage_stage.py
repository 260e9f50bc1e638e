"""The voyage stage of the vessel-risk agent, free of faust: ``models.voyages`` over a table.

It reads what the risk stage reads — every alert once for each vessel it concerns, keyed by
that vessel's MMSI, on the vessel-alerts topic — and keeps each vessel's voyages in the
changelog-backed table ``voyages`` (MMSI digits -> ``Voyages.snapshot``), so it too keeps
nothing in memory between alerts: it restores the vessel's voyages, folds the alert in, writes
them back if anything changed, and returns the voyages made, changed or dropped for the agent
to publish to the compacted ``vigilmar.voyages`` (keyed by ``voyage_id``; a dropped voyage is a
tombstone).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from models.engine import Engine
from models.voyages import Change, Voyages
from streams.vessel_risk import vessel_alert


class VoyageStage:
    """Per-vessel voyages over ``table``, one alert at a time, with ``engine``'s configuration,
    zones and port risks."""

    def __init__(self, engine: Engine, table: MutableMapping[bytes, Any]) -> None:
        self.engine = engine
        self.table = table

    def update(self, key: bytes | None, document: Any) -> list[Change]:
        """Fold one message of the vessel-alerts topic into that vessel's voyages; the changes
        to publish. Raises ``NotAnAlert`` for a message of the wrong shape."""
        key, mmsi, alert = vessel_alert(key, document)
        voyages = Voyages.of(self.engine)
        stored = self.table.get(key)
        if stored is not None:
            voyages.restore(stored)
        changes = voyages.update_for(alert, mmsi)
        kept = voyages.snapshot(mmsi)
        if kept != stored:
            if kept is None:
                self.table.pop(key, None)
            else:
                self.table[key] = kept
        return changes
