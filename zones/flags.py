"""Flag state from an MMSI, by its Maritime Identification Digits (ITU-R M.585).

A ship station's MMSI has nine digits, ``MIDXXXXXX``, with a MID from 201 to 775 (first digit
2-7). Other forms carry no flag here: group (``0MIDXXXXX``) and coast (``00MIDXXXX``) station
identities are eight- or seven-digit integers once their leading zeros are gone, and SAR
aircraft (``111MID``), aids to navigation (``99MID``), craft of a parent ship (``98MID``) and
distress devices (``970``/``972``/``974``) are not ship stations.

Flags are ISO 3166-1 alpha-2 codes. ITU allocates some MIDs to territories (358 Puerto Rico,
329 Guadeloupe, 319 Cayman Islands): the flag is the territory's own ISO code where ISO 3166-1
has one (PR, GP, KY), and the state's code where it has none (Azores and Madeira: PT; Alaska:
US). One MID allocated to several territories of a state (306: Bonaire/Sint Eustatius/Saba,
Curaçao, Sint Maarten) gives the state's code (NL). Every MID in the ITU table maps to a code,
so ``None`` means "no ship MID" or "MID not allocated", never "unknown country".

Data: ``data/mid.csv`` is the ITU table as published (see ``data/SOURCES.md``);
``data/mid_alpha2.csv`` maps its "Allocated to" names to alpha-2 codes, checked in by hand and
cross-checked against the UN/LOCODE prefixes of the NGA World Port Index.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["flag_for_mmsi", "mid_allocation", "mid_of"]

_SHIP_MMSI_MIN = 200_000_000
_SHIP_MMSI_MAX = 799_999_999


def mid_of(mmsi: int) -> int | None:
    """The MID of a ship station MMSI (first three of nine digits), or ``None`` for other forms.

    The MID need not be allocated: ``mid_of(200000000)`` is 200.
    """
    if _SHIP_MMSI_MIN <= mmsi <= _SHIP_MMSI_MAX:
        return mmsi // 1_000_000
    return None


def flag_for_mmsi(mmsi: int) -> str | None:
    """The ISO 3166 alpha-2 flag of a ship station MMSI; ``None`` without an allocated MID."""
    mid = mid_of(mmsi)
    return None if mid is None else _table().alpha2.get(mid)


def mid_allocation(mid: int) -> tuple[str, ...]:
    """The ITU "Allocated to" entries for a MID (several for a shared MID, none if unallocated)."""
    return _table().allocated_to.get(mid, ())


@dataclass(frozen=True, slots=True)
class _MidTable:
    alpha2: dict[int, str]
    allocated_to: dict[int, tuple[str, ...]]


@cache
def _table() -> _MidTable:
    """Read the two data files once, on first use."""
    codes = {row["Allocated_to"]: row["alpha2"] for row in _rows("mid_alpha2.csv")}
    allocated_to: dict[int, tuple[str, ...]] = {}
    for row in _rows("mid.csv"):
        mid = int(row["MID"])
        allocated_to[mid] = (*allocated_to.get(mid, ()), row["Allocated_to"])
    alpha2: dict[int, str] = {}
    for mid, names in allocated_to.items():
        found = {codes[name] for name in names if name in codes}
        if len(found) > 1:  # territories of one state sharing a MID: the state's code
            found = {codes[name.split(" - ")[0]] for name in names}
        if len(found) == 1:
            alpha2[mid] = found.pop()
    return _MidTable(alpha2, allocated_to)


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("zones").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))
