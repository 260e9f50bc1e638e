"""The vessel-risk agent's stage, free of faust: ``models.vessel_risk`` over a table.

Every alert reaches the vessel-alerts topic once for each vessel it concerns, keyed by that
vessel's MMSI; each partition owns its vessels' risk states in the changelog-backed table
``vessel-risk`` (the same keys), so the stage keeps nothing in memory between alerts: it restores
the vessel's state from the table, folds the alert in and, if the summary changed, writes the
state back and returns the ``vigilmar.vessel/1`` summary for the agent to publish.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from models.alerts import Alert
from models.config import VesselRiskConfig
from models.serialise import alert_from_dict
from models.vessel_risk import VesselRisk


class NotAnAlert(ValueError):
    """A vessel-alerts message whose key is not an MMSI or whose value is not an alert."""


def vessel_alert(key: bytes | None, document: Any) -> tuple[bytes, int, Alert]:
    """The key of a vessel-alerts message, the MMSI it is for (that key) and the alert it
    carries; raises ``NotAnAlert`` for a message of the wrong shape."""
    try:
        if key is None:
            raise TypeError("no key")
        return key, int(key), alert_from_dict(document)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise NotAnAlert(repr(err)) from err


class VesselRiskStage:
    """Per-vessel risk over ``table`` (MMSI digits -> ``VesselRisk.snapshot``), one alert at a
    time, with the ``weights`` of the configuration."""

    def __init__(self, weights: VesselRiskConfig, table: MutableMapping[bytes, Any]) -> None:
        self.weights = weights
        self.table = table

    def update(self, key: bytes | None, document: Any) -> dict[str, Any] | None:
        """Fold one message of the vessel-alerts topic (``key``: the MMSI it is for, ``document``:
        the alert) into that vessel's state. If its summary changed, the state is written to the
        table and the summary returned; else ``None``. Raises ``NotAnAlert`` for a message of the
        wrong shape."""
        key, mmsi, alert = vessel_alert(key, document)
        risk = VesselRisk(self.weights)
        stored = self.table.get(key)
        if stored is not None:
            risk.restore(stored)
        if not risk.update_for(alert, mmsi):
            return None
        self.table[key] = risk.snapshot(mmsi)
        return risk.summary(mmsi)
