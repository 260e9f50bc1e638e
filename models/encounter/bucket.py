"""A close pair in one bucket of event time: what a cell stage passes on to the pair stage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.alerts import VesselInfo
from models.encounter.mover import History, history_from_wire, vessel_from_wire


@dataclass(frozen=True, slots=True)
class PairBucket:
    """Two vessels (``a`` < ``b``) close together in one bucket of event time."""

    a: int
    b: int
    bucket: int
    first_t: float  # the first and last compared report in the bucket
    last_t: float
    lat: float  # midway between the two at the first comparison
    lon: float
    min_m: float
    median_m: float
    samples: int
    vessel_a: VesselInfo
    vessel_b: VesselInfo
    history: History  # both vessels' recent alerts
    #: The nearest learned anchorage within ``anchorages.near_km``: km and vessels counted.
    anchorage_km: float | None = None
    anchorage_vessels: int = 0
    #: Vessel ``b``'s position at the first comparison (``None`` from older messages).
    other_lat: float | None = None
    other_lon: float | None = None

    @property
    def pair(self) -> tuple[int, int]:
        return self.a, self.b

    def to_wire(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "k": self.bucket,
            "t0": self.first_t,
            "t1": self.last_t,
            "lat": self.lat,
            "lon": self.lon,
            "min": self.min_m,
            "med": self.median_m,
            "n": self.samples,
            "va": self.vessel_a.to_dict(),
            "vb": self.vessel_b.to_dict(),
            "h": [list(item) for item in self.history],
            "ak": self.anchorage_km,
            "an": self.anchorage_vessels,
            "olat": self.other_lat,
            "olon": self.other_lon,
        }

    @staticmethod
    def from_wire(data: dict[str, Any]) -> PairBucket:
        return PairBucket(
            int(data["a"]),
            int(data["b"]),
            int(data["k"]),
            float(data["t0"]),
            float(data["t1"]),
            float(data["lat"]),
            float(data["lon"]),
            float(data["min"]),
            float(data["med"]),
            int(data["n"]),
            vessel_from_wire(data.get("va")),
            vessel_from_wire(data.get("vb")),
            history_from_wire(data.get("h")),
            None if data.get("ak") is None else float(data["ak"]),
            int(data.get("an") or 0),
            _coordinate(data.get("olat")),
            _coordinate(data.get("olon")),
        )


def _coordinate(value: Any) -> float | None:
    return None if value is None else float(value)
