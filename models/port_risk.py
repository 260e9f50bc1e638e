"""Port risk (issue 17, ¶18c): a user's file of ports whose voyages deserve a closer look.

A CSV file with a header row and three columns::

    port,risk,reason
    DOSDQ,0.6,cocaine seizures 2025
    wpi-10770,0.8,container transhipment hub under watch
    gfw-col-turbo-1,1.0,informal departures

``port`` is a UN/LOCODE (closed up or with a space: ``DO SDQ``; ``zones.locodes`` gives its
zones) or a zone id of the catalogue; ``risk`` a number 0..1; ``reason`` a short text named in
explanations. ``PortRisks`` answers for a zone id and for a declared AIS destination (a
LOCODE, as ``destination_change`` normalises it). The engine adds
``voyages.port_risk_weight × risk`` to the score of every alert a vessel raises on a voyage
from a listed port or declared for one (``Engine.alert``), and ``models.voyages`` to voyages from
or to one. Every problem is a ``PortRiskError`` naming the file and the line.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from models.textfile import read_text
from zones.locodes import zones_of_locode

__all__ = ["PortRisk", "PortRiskError", "PortRisks", "load_port_risks"]

MAX_FILE_BYTES = 4 << 20
_LOCODE = re.compile(r"^([A-Za-z]{2})[ -]?([A-Za-z2-9]{3})$")
_COLUMNS = ("port", "risk", "reason")


class PortRiskError(ValueError):
    """A port risk file that cannot be used; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class PortRisk:
    """How risky a port is (0..1) and why, as the user's file says."""

    risk: float
    reason: str
    #: The port as the file named it (a LOCODE or a zone id).
    port: str = ""


@dataclass(frozen=True, slots=True)
class PortRisks:
    """Listed ports by zone id and by UN/LOCODE (closed up, upper case)."""

    by_zone: dict[str, PortRisk] = field(default_factory=dict)
    by_locode: dict[str, PortRisk] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.by_zone or self.by_locode)

    def of_zone(self, zone_id: str | None) -> PortRisk | None:
        return None if zone_id is None else self.by_zone.get(zone_id)

    def of_destination(self, destination: str | None) -> PortRisk | None:
        """The listed port a declared (normalised) destination names, if it is a LOCODE."""
        return None if destination is None else self.by_locode.get(destination)


def load_port_risks(path: str | Path, zone_ids: Collection[str]) -> PortRisks:
    """Read a port risk file; ``zone_ids``: the catalogue's, which a ``port`` must name (as a
    zone id, or through its UN/LOCODE). ``PortRiskError`` on any problem."""
    path = Path(path)
    text = read_text(path, "port risk file", PortRiskError, MAX_FILE_BYTES)
    rows = csv.reader(text.splitlines())
    header = [name.strip().lower() for name in next(rows, [])]
    if tuple(header) != _COLUMNS:
        raise PortRiskError(
            f"port risk file {path}: line 1: the header must be {','.join(_COLUMNS)}, "
            f"not {','.join(header) or 'empty'}"
        )
    by_zone: dict[str, PortRisk] = {}
    by_locode: dict[str, PortRisk] = {}
    known = set(zone_ids)
    for number, row in enumerate(rows, 2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"port risk file {path}: line {number}"
        port, risk = _row(row, where)
        zones, locode = _zones(port, known, where)
        for zone_id in zones:
            by_zone[zone_id] = risk
        if locode is not None:
            by_locode[locode] = risk
    return PortRisks(by_zone, by_locode)


def _row(row: list[str], where: str) -> tuple[str, PortRisk]:
    if len(row) != len(_COLUMNS):
        raise PortRiskError(f"{where}: {len(row)} columns, expected port,risk,reason")
    port, value, reason = (cell.strip() for cell in row)
    try:
        risk = float(value)
    except ValueError:
        raise PortRiskError(f"{where}: risk {value!r} is not a number") from None
    if not math.isfinite(risk) or not 0.0 <= risk <= 1.0:
        raise PortRiskError(f"{where}: risk {value!r} must be within 0..1")
    if not port or not reason:
        raise PortRiskError(f"{where}: port and reason must not be empty")
    return port, PortRisk(risk, reason, port)


def _zones(port: str, known: set[str], where: str) -> tuple[list[str], str | None]:
    """The zones ``port`` names and its LOCODE (None for a zone id)."""
    if port in known:
        return [port], None
    code = _LOCODE.match(port)
    if code is not None:
        locode = (code.group(1) + code.group(2)).upper()
        return [z for z in zones_of_locode(locode) if z in known], locode
    raise PortRiskError(
        f"{where}: {port!r} is neither a UN/LOCODE nor a zone id of the catalogue "
        "(`vigilmar zones list` shows the ids)"
    )
