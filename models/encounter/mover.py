"""Slow movers and the spatial cells they are re-keyed by.

A *mover* is one position of a vessel moving slower than the encounter speed limit outside any
port or anchorage: the only positions an encounter can be made of. The per-vessel engine emits
them in event-time order; they are then routed to spatial cells (``cells_of``) so that vessels
that may meet are looked at together, whichever vessel partition their reports came from.

A mover goes to its home cell and to every neighbouring cell whose edge is within
``margin_km``: a pair closer than that is then found in the home cell of either vessel.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import cos, floor, radians
from typing import Any

from models.alerts import VesselInfo
from models.config import EncounterConfig

Cell = tuple[int, int]
History = tuple[tuple[str, float], ...]

_KM_PER_DEGREE = 111.32


@dataclass(frozen=True, slots=True)
class Mover:
    """One slow position outside harbours, with what scoring needs to know of its vessel."""

    mmsi: int
    t: float
    lat: float
    lon: float
    speed: float
    vessel: VesselInfo
    #: The vessel's recent alerts as (type, start), for the encounter's score.
    history: History = ()

    def to_wire(self) -> dict[str, Any]:
        return {
            "m": self.mmsi,
            "t": self.t,
            "lat": self.lat,
            "lon": self.lon,
            "sog": self.speed,
            "v": self.vessel.to_dict(),
            "h": [list(item) for item in self.history],
        }

    @staticmethod
    def from_wire(data: dict[str, Any]) -> Mover:
        return Mover(
            int(data["m"]),
            float(data["t"]),
            float(data["lat"]),
            float(data["lon"]),
            float(data["sog"]),
            vessel_from_wire(data.get("v")),
            history_from_wire(data.get("h")),
        )


def vessel_from_wire(data: dict[str, Any] | None) -> VesselInfo:
    if not data:
        return VesselInfo()
    return VesselInfo(
        name=data.get("name"),
        imo=data.get("imo"),
        callsign=data.get("callsign"),
        ship_type=data.get("ship_type"),
        flag=data.get("flag"),
    )


def history_from_wire(data: Any) -> History:
    """Recent alerts as (type, start) back from JSON's lists."""
    return tuple((str(kind), float(start)) for kind, start in data or ())


def home_cell(lat: float, lon: float, size: float) -> Cell:
    return floor(lat / size), floor(lon / size)


def cells_of(lat: float, lon: float, config: EncounterConfig) -> list[Cell]:
    """The home cell of a position, then the neighbours whose edge is within the margin."""
    size = config.cell_degrees
    row, col = home_cell(lat, lon, size)
    margin_lat = config.margin_km / _KM_PER_DEGREE
    margin_lon = config.margin_km / (_KM_PER_DEGREE * max(cos(radians(lat)), 0.01))
    rows = [row]
    if lat - row * size < margin_lat:
        rows.append(row - 1)
    if (row + 1) * size - lat < margin_lat:
        rows.append(row + 1)
    cols = [col]
    if lon - col * size < margin_lon:
        cols.append(col - 1)
    if (col + 1) * size - lon < margin_lon:
        cols.append(col + 1)
    return [(r, c) for r in rows for c in cols]


def cell_key(cell: Cell) -> str:
    return f"{cell[0]}:{cell[1]}"


def parse_cell(key: str) -> Cell:
    row, col = key.split(":")
    return int(row), int(col)
