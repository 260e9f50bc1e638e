"""UN/LOCODEs of ports: which zones a code such as ``DOSDQ`` names.

``zones/data/locodes.csv`` (built by ``python -m zones.build_locodes`` from the NGA World Port
Index) maps each code to the ``wpi-…`` zone of its port; the harbour layer's ports from searoute
are named by their code already (``unlocode-dosdq``). ``zones_of_locode`` gives both.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

__all__ = ["locodes_path", "shipped_locodes", "zones_of_locode"]


def locodes_path() -> Path:
    return Path(__file__).resolve().parent / "data" / "locodes.csv"


@cache
def shipped_locodes() -> dict[str, tuple[str, ...]]:
    """Zone ids by UN/LOCODE, from the shipped table (read once per process)."""
    found: dict[str, list[str]] = {}
    with locodes_path().open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            found.setdefault(row["locode"], []).append(row["zone_id"])
    return {code: tuple(ids) for code, ids in found.items()}


def zones_of_locode(code: str) -> tuple[str, ...]:
    """The zone ids a closed-up UN/LOCODE may name: its WPI ports and its searoute port."""
    code = code.upper()
    return (*shipped_locodes().get(code, ()), f"unlocode-{code.lower()}")
