"""Sharing alerts with partner centres: who gets which alerts, with which fields withheld.

A sharing policy is a TOML file with one table per partner::

    [partners.coast-guard-co]            # NAME: [a-z0-9-]+
    area = ["caribbean-co.geojson"]      # optional: zone packs (paths relative to this file)
    types = ["encounter", "dark_period"] # optional; default: every type
    min_severity = "medium"              # optional; default: info
    redact = ["vessel.name", "vessel.callsign", "evidence"]   # optional: set to null

An alert is in a partner's area when its position (``lat``/``lon``) is inside one of the area's
polygons — an encounter also when the other vessel's position (``evidence.other_lat`` and
``other_lon``, where the alert carries them) is. A partner's view is the same
``vigilmar.alert/1`` object with the redacted fields null; every message shared gives one audit
record naming the partner, the alert, its event time and the policy's SHA-256, so a centre can
show afterwards what went to whom under which policy.

The policy is checked whole when it is read: unknown keys, alert types or severities, a field
that cannot be redacted, an area that cannot be read and a bad partner name are refused with a
``SharingError`` naming the file, the partner and the key.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from models.alerts import Alert, AlertType, Severity
from models.config import MAX_DOTS
from models.records import iso_utc
from zones.errors import ZoneError
from zones.pack import load_pack

__all__ = [
    "AUDIT",
    "REDACTABLE",
    "Partner",
    "Share",
    "SharingError",
    "SharingPolicy",
    "audit_record",
    "load_policy",
    "message_time",
]

#: A policy is a few kilobytes; a larger file is the wrong file.
MAX_FILE_BYTES = 1 << 20
PARTNER_NAME = re.compile(r"[a-z0-9-]+")
#: The name of the audit beside the partners' feeds (``audit.jsonl``, ``vigilmar.share.audit``).
AUDIT = "audit"
_KEYS = ("area", "types", "min_severity", "redact")
_TYPES = {kind.value: kind for kind in AlertType}
_SEVERITIES = {severity.value: severity for severity in Severity}
_RANK = {severity: rank for rank, severity in enumerate(Severity)}
#: Fields a policy may set to null; each is nullable in ``models/alert.schema.json``, so a
#: partner's view stays a valid ``vigilmar.alert/1`` object. ``evidence.KEY`` withholds one
#: figure of the evidence. The alert's identity (id, type, status, MMSI, times, severity, score)
#: cannot be withheld: a partner upserts and filters by it.
REDACTABLE = (
    "other_mmsi",
    "vessel.name",
    "vessel.imo",
    "vessel.callsign",
    "vessel.ship_type",
    "vessel.flag",
    "lat",
    "lon",
    "zone",
    "explanation",
    "evidence",
)
_EVIDENCE_KEY = re.compile(r"evidence\.[a-z0-9_]+")


class SharingError(ValueError):
    """A sharing policy that cannot be used; the message names the file, partner and key."""


@dataclass(frozen=True, slots=True)
class Partner:
    """One partner centre's filter and redaction."""

    name: str
    #: The union of the area's polygons, prepared; ``None``: everywhere.
    area: BaseGeometry | None = None
    #: ``None``: every alert type.
    types: frozenset[AlertType] | None = None
    min_severity: Severity = Severity.INFO
    redact: tuple[str, ...] = ()

    def accepts(self, alert: Alert) -> bool:
        """Whether ``alert`` is for this partner: its type, severity and area."""
        if self.types is not None and alert.type not in self.types:
            return False
        if _RANK[alert.severity] < _RANK[self.min_severity]:
            return False
        return self.area is None or self._in_area(alert)

    def _in_area(self, alert: Alert) -> bool:
        area = self.area
        assert area is not None
        points: list[tuple[object, object]] = [(alert.lon, alert.lat)]
        if alert.type is AlertType.ENCOUNTER:
            points.append((alert.evidence.get("other_lon"), alert.evidence.get("other_lat")))
        for lon, lat in points:
            if _is_number(lon) and _is_number(lat) and shapely.intersects_xy(area, lon, lat):
                return True
        return False

    def view(self, document: dict[str, Any]) -> dict[str, Any]:
        """The partner's copy of an alert object: the redacted fields null (``document`` is not
        changed)."""
        view = dict(document)
        for field in self.redact:
            parent, _, child = field.partition(".")
            if not child:
                view[parent] = None
            elif isinstance(view.get(parent), dict) and child in view[parent]:
                view[parent] = {**view[parent], child: None}
        return view


@dataclass(frozen=True, slots=True)
class Share:
    """One alert message for one partner: the partner's view and its audit record."""

    partner: str
    view: dict[str, Any]
    audit: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SharingPolicy:
    """The partners of one policy file, and the file's SHA-256 (named in every audit record)."""

    partners: tuple[Partner, ...]
    sha256: str
    path: Path | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(partner.name for partner in self.partners)

    def share(self, alert: Alert) -> list[Share]:
        """The shares of ``alert``, in the policy's partner order (empty: for no partner)."""
        shares: list[Share] = []
        document: dict[str, Any] | None = None
        for partner in self.partners:
            if not partner.accepts(alert):
                continue
            if document is None:
                document = alert.to_dict()
            audit = audit_record(partner.name, alert, self.sha256)
            shares.append(Share(partner.name, partner.view(document), audit))
        return shares


def message_time(alert: Alert) -> float:
    """The event time an alert message speaks for: its end when it has one, else its start."""
    return alert.start if alert.end is None else alert.end


def audit_record(partner: str, alert: Alert, policy_sha256: str) -> dict[str, Any]:
    """One line of the audit: which message of which alert went to ``partner``, when (event
    time) and under which policy."""
    return {
        "action": "shared",
        "partner": partner,
        "alert_id": alert.alert_id,
        "status": alert.status.value,
        "type": alert.type.value,
        "mmsi": alert.mmsi,
        "shared_at": iso_utc(message_time(alert)),
        "policy_sha256": policy_sha256,
    }


def load_policy(path: str | Path) -> SharingPolicy:
    """Read and check a sharing policy. Raises ``SharingError`` naming the file (and the partner
    and key) when it cannot be read, is not TOML, or has anything it does not understand."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise SharingError(f"sharing policy {path}: cannot read it ({err.strerror})") from err
    if len(raw) > MAX_FILE_BYTES:
        raise SharingError(f"sharing policy {path}: larger than {MAX_FILE_BYTES} bytes")
    if raw.count(b".") > MAX_DOTS:  # tomllib is quadratic in a dotted key's length
        raise SharingError(f"sharing policy {path}: more than {MAX_DOTS} '.' characters")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise SharingError(f"sharing policy {path}: not UTF-8 text ({err.reason})") from err
    except tomllib.TOMLDecodeError as err:
        raise SharingError(f"sharing policy {path}: not valid TOML: {err}") from err
    unknown = sorted(set(data) - {"partners"})
    if unknown:
        raise SharingError(
            f"sharing policy {path}: unknown key {unknown[0]!r}; a policy has only [partners.NAME] "
            "tables"
        )
    partners = data.get("partners", {})
    if not isinstance(partners, dict) or not partners:
        raise SharingError(f"sharing policy {path}: no [partners.NAME] table")
    parsed = tuple(_partner(path, name, table) for name, table in partners.items())
    return SharingPolicy(parsed, hashlib.sha256(raw).hexdigest(), path)


def _partner(path: Path, name: str, table: object) -> Partner:
    where = f"sharing policy {path}: partner {name!r}"
    if not PARTNER_NAME.fullmatch(name):
        raise SharingError(f"{where}: a partner name is lower-case letters, digits and '-'")
    if name == AUDIT:
        raise SharingError(f"{where}: {AUDIT!r} names the audit (file and topic); rename it")
    if not isinstance(table, dict):
        raise SharingError(f"{where}: partners.{name} must be a table")
    for unknown in table:
        if unknown not in _KEYS:
            raise SharingError(
                f"{where}: unknown key partners.{name}.{unknown}; known keys: {', '.join(_KEYS)}"
            )

    def key(name_of_key: str) -> str:
        return f"{where}: partners.{name}.{name_of_key}"

    types = None
    if "types" in table:
        types = frozenset(_choices(key("types"), table["types"], _TYPES))
    severity = Severity.INFO
    if "min_severity" in table:
        value = table["min_severity"]
        if not isinstance(value, str) or value not in _SEVERITIES:
            raise SharingError(
                f"{key('min_severity')} must be one of {', '.join(_SEVERITIES)}, not {value!r}"
            )
        severity = _SEVERITIES[value]
    redact: tuple[str, ...] = ()
    if "redact" in table:
        redact = tuple(_redactions(key("redact"), table["redact"]))
    area = None
    if "area" in table:
        area = _area(key("area"), path.parent, table["area"])
    return Partner(name, area, types, severity, redact)


def _strings(where: str, value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SharingError(f"{where} must be an array of strings, not {value!r}")
    return list(value)


def _choices(where: str, value: object, known: Mapping[str, AlertType]) -> list[AlertType]:
    chosen = []
    for item in _strings(where, value):
        if item not in known:
            raise SharingError(f"{where}: unknown alert type {item!r}; known: {', '.join(known)}")
        chosen.append(known[item])
    return chosen


def _redactions(where: str, value: object) -> list[str]:
    fields = _strings(where, value)
    for field in fields:
        if field not in REDACTABLE and not _EVIDENCE_KEY.fullmatch(field):
            raise SharingError(
                f"{where}: {field!r} cannot be redacted; choose from {', '.join(REDACTABLE)} "
                "or evidence.KEY"
            )
    return fields


def _area(where: str, base: Path, value: object) -> BaseGeometry:
    files = _strings(where, value)
    if not files:
        raise SharingError(f"{where} is empty: give at least one zone pack, or leave it out")
    geometries: list[BaseGeometry] = []
    for name in files:
        file = base / name
        try:
            zones = load_pack(file)
        except ZoneError as err:
            raise SharingError(f"{where}: {err}") from err
        if not zones:
            raise SharingError(f"{where}: {file} has no polygons")
        geometries.extend(zone.geometry for zone in zones)
    area = shapely.union_all(geometries)
    shapely.prepare(area)
    return area


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
