"""Lists of vessels that come back from partner centres, and what they do to alerts.

Two kinds of CSV list, told apart by their header:

- **vessels of interest** (a ``risk`` column): ``mmsi`` or ``imo``, ``reason``, ``risk`` (0..1),
  ``source``, ``expires``. An alert about a listed vessel — its MMSI or IMO, or an encounter's
  other MMSI — scores ``LIST_RISK_WEIGHT × risk`` points more (its severity follows the score
  bands, never lower than before), and its explanation names the list.
- **allow-lists** (a ``types`` column): ``mmsi`` or ``imo``, ``reason``, ``types`` (alert types
  separated by spaces or ``;``, e.g. ``loitering;encounter`` for a survey vessel), ``source``,
  ``expires``. Alerts of those types about a listed vessel are silenced, and each silenced
  message is returned as a ``Suppression`` so that it is counted and audited.

``expires`` is an ISO 8601 date (the list holds through that day, UTC) or date-time with a time
zone, or empty for "until withdrawn"; it is compared with the alert message's event time
(``models.sharing.message_time``), never the clock. A list is checked whole when it is read: a
bad row refuses the file with its name and line.

``VesselLists.apply`` is the one step the replay runner and the stream both call on alerts as
they are emitted, after scoring; it does not change how a finding is scored.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from models.alerts import Alert, AlertType, Severity
from models.records import iso_utc
from models.scoring import severity_of
from models.sharing import message_time
from models.textfile import read_text

__all__ = [
    "LIST_RISK_WEIGHT",
    "ListError",
    "Listing",
    "Suppression",
    "VesselLists",
    "check_list_name",
    "list_document",
    "listings_of_document",
    "load_lists",
]

#: Score points a listed vessel of risk 1.0 adds to an alert about it.
LIST_RISK_WEIGHT = 30.0
MAX_FILE_BYTES = 16 << 20
_RANK = {severity: rank for rank, severity in enumerate(Severity)}
_TYPES = {kind.value: kind for kind in AlertType}
_SEPARATOR = re.compile(r"[;\s]+")


class ListError(ValueError):
    """A list file that cannot be used; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Listing:
    """One row of a list: the vessel (MMSI and/or IMO), why, who says so and until when."""

    mmsi: int | None
    imo: int | None
    reason: str
    source: str
    expires: float | None  # Unix seconds (event time); None: until withdrawn
    origin: str  # "file:line"
    risk: float = 0.0  # vessels of interest
    types: frozenset[AlertType] = frozenset()  # allow-lists

    def holds_at(self, t: float) -> bool:
        return self.expires is None or t < self.expires


@dataclass(frozen=True, slots=True)
class Suppression:
    """One alert message an allow-list silenced."""

    alert: Alert
    listing: Listing

    def audit(self) -> dict[str, Any]:
        """Its line in the sharing audit."""
        return {
            "action": "suppressed",
            "partner": None,
            "alert_id": self.alert.alert_id,
            "status": self.alert.status.value,
            "type": self.alert.type.value,
            "mmsi": self.alert.mmsi,
            "suppressed_at": iso_utc(message_time(self.alert)),
            "reason": self.listing.reason,
            "source": self.listing.source,
            "list": self.listing.origin,
        }


@dataclass(slots=True)
class VesselLists:
    """Vessels of interest and allow-lists, by MMSI and IMO; ``suppressed`` counts silenced
    alert messages by type."""

    interest: list[Listing] = field(default_factory=list)
    allowed: list[Listing] = field(default_factory=list)
    weight: float = LIST_RISK_WEIGHT
    suppressed: Counter[str] = field(default_factory=Counter)
    _interest_mmsi: dict[int, list[Listing]] = field(default_factory=dict)
    _interest_imo: dict[int, list[Listing]] = field(default_factory=dict)
    _allowed_mmsi: dict[int, list[Listing]] = field(default_factory=dict)
    _allowed_imo: dict[int, list[Listing]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for listing in self.interest:
            _index(listing, self._interest_mmsi, self._interest_imo)
        for listing in self.allowed:
            _index(listing, self._allowed_mmsi, self._allowed_imo)

    def __bool__(self) -> bool:
        return bool(self.interest or self.allowed)

    @classmethod
    def combined(
        cls, parts: Iterable[VesselLists], suppressed: Counter[str] | None = None
    ) -> VesselLists:
        """One set of lists holding every listing of ``parts``, counting into ``suppressed``."""
        parts = list(parts)
        return cls(
            [listing for part in parts for listing in part.interest],
            [listing for part in parts for listing in part.allowed],
            suppressed=Counter() if suppressed is None else suppressed,
        )

    def apply(self, alerts: Iterable[Alert]) -> tuple[list[Alert], list[Suppression]]:
        """The alerts as they go out (raised where a vessel of interest is involved) and the
        messages silenced by an allow-list (counted in ``suppressed``)."""
        kept: list[Alert] = []
        silenced: list[Suppression] = []
        for alert in alerts:
            allow = self._allowing(alert)
            if allow is not None:
                silenced.append(Suppression(alert, allow))
                self.suppressed[alert.type.value] += 1
            else:
                kept.append(self.raise_score(alert))
        return kept, silenced

    def raise_score(self, alert: Alert) -> Alert:
        """``alert`` with the points of the riskiest listing that holds for a vessel in it."""
        t = message_time(alert)
        best: tuple[Listing, int | None] | None = None
        for listing, other in self._interest_of(alert):
            if listing.holds_at(t) and (best is None or listing.risk > best[0].risk):
                best = (listing, other)
        if best is None:
            return alert
        listing, other = best
        score = min(100, alert.score + round(self.weight * listing.risk))
        banded = severity_of(score)
        severity = banded if _RANK[banded] > _RANK[alert.severity] else alert.severity
        who = "" if other is None else f"MMSI {other} "
        factor = (
            f"{who}on the vessels-of-interest list of {listing.source} "
            f"({listing.reason}, risk {listing.risk:g})"
        )
        return replace(
            alert,
            score=score,
            severity=severity,
            explanation=_with_factor(alert.explanation, factor),
        )

    def _interest_of(self, alert: Alert) -> Iterable[tuple[Listing, int | None]]:
        for listing in self._interest_mmsi.get(alert.mmsi, ()):
            yield listing, None
        if alert.vessel.imo is not None:
            for listing in self._interest_imo.get(alert.vessel.imo, ()):
                yield listing, None
        if alert.other_mmsi is not None:
            for listing in self._interest_mmsi.get(alert.other_mmsi, ()):
                yield listing, alert.other_mmsi

    def _allowing(self, alert: Alert) -> Listing | None:
        t = message_time(alert)
        candidates = list(self._allowed_mmsi.get(alert.mmsi, ()))
        if alert.vessel.imo is not None:
            candidates.extend(self._allowed_imo.get(alert.vessel.imo, ()))
        for listing in candidates:
            if alert.type in listing.types and listing.holds_at(t):
                return listing
        return None


def _index(
    listing: Listing, by_mmsi: dict[int, list[Listing]], by_imo: dict[int, list[Listing]]
) -> None:
    if listing.mmsi is not None:
        by_mmsi.setdefault(listing.mmsi, []).append(listing)
    if listing.imo is not None:
        by_imo.setdefault(listing.imo, []).append(listing)


def _with_factor(explanation: str, factor: str) -> str:
    sentence = explanation[:-1] if explanation.endswith(".") else explanation
    joiner = "; " if "; raised by " in sentence else "; raised by "
    return f"{sentence}{joiner}{factor}."


# -- reading ----------------------------------------------------------------------------------


def load_lists(paths: Sequence[str | Path]) -> VesselLists:
    """Read list files (each a vessels-of-interest list or an allow-list, by its header).
    Raises ``ListError`` naming the file and line of the first problem."""
    interest: list[Listing] = []
    allowed: list[Listing] = []
    for path in paths:
        kind, rows = _read(Path(path))
        (interest if kind == "interest" else allowed).extend(rows)
    return VesselLists(interest, allowed)


def _read(path: Path) -> tuple[str, list[Listing]]:
    kind, rows = _rows(str(path), _text(path))
    listings = [
        _listing(f"list {path}, line {line}", f"{path.name}:{line}", kind, row)
        for line, row in rows
    ]
    return kind, listings


def _text(path: Path) -> str:
    return read_text(path, "list", ListError, MAX_FILE_BYTES)


def _rows(label: str, text: str) -> tuple[str, list[tuple[int, dict[str, str | None]]]]:
    """The list's kind and its rows (line number, cells by column), the header checked."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or ()]
    kind = _kind(label, header)
    reader.fieldnames = header
    rows = []
    for row in reader:
        if None in row:
            raise ListError(
                f"list {label}, line {reader.line_num}: more fields than the header has"
            )
        rows.append((reader.line_num, row))
    return kind, rows


# -- lists as messages (the worker's ``vigilmar.lists`` topic) ----------------------------------

LIST_SCHEMA = "vigilmar.list/1"
KINDS = ("interest", "allow")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def check_list_name(name: str) -> str:
    """``name`` if it can name a published list (letters, digits, ``.``, ``_``, ``-``)."""
    if not _NAME.fullmatch(name):
        raise ListError(
            f"list name {name!r}: use 1 to 100 letters, digits, '.', '_' or '-' "
            "(starting with a letter or digit)"
        )
    return name


def list_document(path: str | Path, name: str | None = None) -> dict[str, Any]:
    """The message ``vigilmar lists push`` publishes for a list file (checked whole first):
    ``{schema, name, kind, source, sha256, rows}``, each row its line number and its cells.
    ``name`` defaults to the file's name without its suffix."""
    path = Path(path)
    name = check_list_name(name if name is not None else path.stem)
    text = _text(path)
    kind, rows = _rows(str(path), text)
    for line, row in rows:
        _listing(f"list {path}, line {line}", f"{path.name}:{line}", kind, row)
    return {
        "schema": LIST_SCHEMA,
        "name": name,
        "kind": kind,
        "source": path.name,
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
        "rows": [
            {"line": line, **{column: (cell or "").strip() for column, cell in row.items()}}
            for line, row in rows
        ],
    }


def listings_of_document(name: str, document: object) -> tuple[str, list[Listing]]:
    """The kind and rows of a published list (a ``list_document``, as decoded JSON) under the
    key ``name``. Raises ``ListError`` naming the list and, for a bad row, its line."""
    label = f"list {name} (published)"
    if not isinstance(document, dict):
        raise ListError(f"{label}: not a JSON object")
    if document.get("schema") != LIST_SCHEMA:
        raise ListError(f"{label}: schema {document.get('schema')!r}, not {LIST_SCHEMA!r}")
    if document.get("name") != name:
        raise ListError(f"{label}: it names itself {document.get('name')!r}")
    kind, rows, sha = document.get("kind"), document.get("rows"), document.get("sha256")
    if kind not in KINDS:
        raise ListError(f"{label}: kind {kind!r}; one of {', '.join(KINDS)}")
    if not isinstance(rows, list) or not isinstance(sha, str):
        raise ListError(f"{label}: rows must be a list and sha256 a string")
    listings = []
    for n, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not all(
            isinstance(v, str) for k, v in row.items() if k != "line"
        ):
            raise ListError(f"{label}, row {n}: not an object of text cells")
        line = row.get("line", n)
        cells = {column: cell for column, cell in row.items() if column != "line"}
        where = f"{label}, line {line}"
        if _columns(where, list(cells)) != kind:
            raise ListError(f"{where}: its columns are not those of a {kind} list")
        listings.append(_listing(where, f"{name}@{sha[:12]}:{line}", str(kind), cells))
    return str(kind), listings


def _kind(path: str, header: list[str]) -> str:
    return _columns(f"list {path}, line 1", header)


def _columns(where: str, header: list[str]) -> str:
    """The kind of list ``header`` (its columns) makes; ``where`` begins a refusal."""
    if not {"mmsi", "imo"} & set(header):
        raise ListError(f"{where}: the header needs an mmsi or imo column")
    if "risk" in header and "types" in header:
        raise ListError(
            f"{where}: both risk and types columns; a vessels-of-interest list "
            "has risk, an allow-list has types"
        )
    if "risk" not in header and "types" not in header:
        raise ListError(
            f"{where}: neither a risk column (vessels of interest) nor a types column (allow-list)"
        )
    kind = "interest" if "risk" in header else "allow"
    wanted = {"reason", "source", "expires", "risk" if kind == "interest" else "types"}
    missing = sorted(wanted - set(header))
    if missing:
        raise ListError(f"{where}: missing column(s) {', '.join(missing)}")
    unknown = sorted(set(header) - wanted - {"mmsi", "imo"})
    if unknown:
        raise ListError(f"{where}: unknown column(s) {', '.join(unknown)}")
    return kind


def _listing(where: str, origin: str, kind: str, row: dict[str, str | None]) -> Listing:
    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    mmsi = _identifier(where, "mmsi", cell("mmsi"), 999_999_999)
    imo = _identifier(where, "imo", cell("imo"), 9_999_999)
    if mmsi is None and imo is None:
        raise ListError(f"{where}: neither an mmsi nor an imo")
    risk = 0.0
    types: frozenset[AlertType] = frozenset()
    if kind == "interest":
        risk = _risk(where, cell("risk"))
    else:
        types = _types(where, cell("types"))
    return Listing(
        mmsi=mmsi,
        imo=imo,
        reason=cell("reason") or "no reason given",
        source=cell("source") or "an unnamed source",
        expires=_expiry(where, cell("expires")),
        origin=origin,
        risk=risk,
        types=types,
    )


def _identifier(where: str, name: str, text: str, largest: int) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) <= largest:
        raise ListError(f"{where}: {name} {text!r} is not a number from 1 to {largest}")
    return int(text)


def _risk(where: str, text: str) -> float:
    try:
        risk = float(text)
    except ValueError:
        raise ListError(f"{where}: risk {text!r} is not a number (0..1)") from None
    if not math.isfinite(risk) or not 0.0 <= risk <= 1.0:
        raise ListError(f"{where}: risk {text!r} must be within 0..1")
    return risk


def _types(where: str, text: str) -> frozenset[AlertType]:
    names = [name for name in _SEPARATOR.split(text) if name]
    if not names:
        raise ListError(f"{where}: no alert types to silence")
    unknown = [name for name in names if name not in _TYPES]
    if unknown:
        raise ListError(f"{where}: unknown alert type {unknown[0]!r}; known: {', '.join(_TYPES)}")
    return frozenset(_TYPES[name] for name in names)


def _expiry(where: str, text: str) -> float | None:
    """Unix seconds at which a listing ends: the end of a date's day (UTC), or a time."""
    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() + 86_400.0
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ListError(f"{where}: expires {text!r} is not an ISO 8601 date or date-time") from None
    if moment.tzinfo is None:
        raise ListError(f"{where}: expires {text!r} has no time zone; add Z for UTC")
    return moment.timestamp()
