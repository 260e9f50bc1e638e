"""Findings (what a detector saw) and alerts (what operations centres receive).

A detector returns ``Finding``s; the engine scores them and adds what it knows of the vessel to
make ``Alert``s in the ``vigilmar.alert/1`` contract (DESIGN.md, ``models/alert.schema.json``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from models.records import iso_utc

SCHEMA = "vigilmar.alert/1"

Evidence = dict[str, float | int | str | bool | None]


class AlertType(StrEnum):
    LOITERING = "loitering"
    DARK_PERIOD = "dark_period"
    ENCOUNTER = "encounter"
    POSITION_JUMP = "position_jump"
    ZONE_ENTRY = "zone_entry"
    ZONE_EXIT = "zone_exit"
    PORT_CALL = "port_call"
    IDENTITY_CHANGE = "identity_change"
    INVALID_IDENTITY = "invalid_identity"
    IDENTITY_CONFLICT = "identity_conflict"
    DISTRESS = "distress"
    DESTINATION_CHANGE = "destination_change"
    STOP_AT_SEA = "stop_at_sea"
    DRIFT = "drift"
    ROUTE_DEVIATION = "route_deviation"


class Status(StrEnum):
    OPEN = "open"
    UPDATE = "update"
    CLOSED = "closed"


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class ZoneRef:
    """The part of a zone an alert carries."""

    id: str
    name: str
    kind: str
    risk: float | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One step of one episode of one behaviour, as a detector saw it.

    ``start`` identifies the episode: every finding of an episode carries the same ``start``,
    so open, update and closed messages share one ``alert_id``. Instant events (a jump, a zone
    entry) are a single finding that is already closed, with ``end == start``.
    """

    type: AlertType
    status: Status
    mmsi: int
    start: float
    end: float | None
    lat: float | None
    lon: float | None
    zone: ZoneRef | None = None
    other_mmsi: int | None = None
    evidence: Evidence = field(default_factory=dict)
    #: The size of the behaviour against its threshold (1.0 = just at the threshold).
    magnitude: float = 1.0
    #: The sentence stem the explanation starts with.
    summary: str = ""

    def episode_key(self) -> str:
        zone = self.zone.id if self.zone is not None else ""
        other = "" if self.other_mmsi is None else str(self.other_mmsi)
        where = "" if self.lat is None or self.lon is None else f"{self.lat:.5f},{self.lon:.5f}"
        return f"{self.type.value}|{self.mmsi}|{other}|{self.start:.3f}|{zone}|{where}"


def alert_id(finding: Finding) -> str:
    """Stable for one episode: the same input always gives the same id."""
    return hashlib.blake2b(finding.episode_key().encode(), digest_size=10).hexdigest()


@dataclass(frozen=True, slots=True)
class VesselInfo:
    """What is known of a vessel's identity (``None`` where unknown)."""

    name: str | None = None
    imo: int | None = None
    callsign: str | None = None
    ship_type: int | None = None
    flag: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "imo": self.imo,
            "callsign": self.callsign,
            "ship_type": self.ship_type,
            "flag": self.flag,
        }


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert in the ``vigilmar.alert/1`` contract."""

    alert_id: str
    type: AlertType
    status: Status
    mmsi: int
    other_mmsi: int | None
    vessel: VesselInfo
    start: float
    end: float | None
    lat: float | None
    lon: float | None
    zone: ZoneRef | None
    severity: Severity
    score: int
    explanation: str
    evidence: Evidence
    #: The event time that raised this message — the report a detector took, or the time its
    #: timer fell due — for the alert latency (``vigilmar_alert_latency_seconds``); not part of
    #: the contract, and unknown (None) for an alert read back from its JSON.
    at: float | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of the contract, keys in contract order."""
        zone = None
        if self.zone is not None:
            zone = {"id": self.zone.id, "name": self.zone.name, "kind": self.zone.kind}
        return {
            "schema": SCHEMA,
            "alert_id": self.alert_id,
            "type": self.type.value,
            "status": self.status.value,
            "mmsi": self.mmsi,
            "other_mmsi": self.other_mmsi,
            "vessel": self.vessel.to_dict(),
            "start": iso_utc(self.start),
            "end": iso_utc(self.end),
            "lat": None if self.lat is None else round(self.lat, 6),
            "lon": None if self.lon is None else round(self.lon, 6),
            "zone": zone,
            "severity": self.severity.value,
            "score": self.score,
            "explanation": self.explanation,
            "evidence": self.evidence,
        }
