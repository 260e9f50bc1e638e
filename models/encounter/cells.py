"""Pairs of slow movers close to each other, per spatial cell and bucket of event time.

``CellStage`` holds the movers routed to its cells. Once the watermark has passed the end of a
bucket plus the tolerance, every mover that bucket needs has arrived, and each pair of vessels
present in it is compared: every report of one vessel with the other's position at that instant
(interpolated between its reports, or its nearest report, within the tolerance). A pair whose
median distance in the bucket is within the limit comes out as a ``PairBucket``.

A pair is compared only in the home cell of its lower MMSI's first report in the bucket, so a
pair seen by several cells (movers near an edge go to the neighbours too) comes out once. The
result for a cell and bucket depends only on the movers routed there, never on when they
arrived: the in-process replay and the stream's cell agents give the same pairs.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from math import floor
from statistics import median
from typing import Any

import numpy as np

from models.alerts import VesselInfo
from models.config import EncounterConfig
from models.encounter.mover import Cell, History, Mover, home_cell, vessel_from_wire
from models.geo import distance_km

_M_PER_DEGREE = 111_320.0


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
            tuple((str(kind), float(start)) for kind, start in data.get("h") or ()),
        )


class _Track:
    """One vessel's movers in the window around a bucket, in time order."""

    __slots__ = ("movers", "times")

    def __init__(self) -> None:
        self.movers: list[Mover] = []
        self.times: list[float] = []

    def add(self, mover: Mover) -> None:
        self.movers.append(mover)
        self.times.append(mover.t)

    def position_at(self, t: float, tolerance: float) -> tuple[float, float] | None:
        """Where the vessel was at ``t``: interpolated between the reports either side when both
        are within the tolerance, else its nearest report within it, else unknown."""
        times = self.times
        i = bisect.bisect_left(times, t)
        after = self.movers[i] if i < len(times) else None
        before = self.movers[i - 1] if i > 0 else None
        if after is not None and (after.t == t or after.t - t > tolerance):
            if after.t == t:
                return after.lat, after.lon
            after = None
        if before is not None and t - before.t > tolerance:
            before = None
        if before is not None and after is not None:
            share = (t - before.t) / (after.t - before.t)
            return (
                before.lat + (after.lat - before.lat) * share,
                before.lon + (after.lon - before.lon) * share,
            )
        nearest = before or after
        if nearest is not None:
            return nearest.lat, nearest.lon
        return None


@dataclass(slots=True)
class CellStats:
    movers: int = 0
    late: int = 0  # movers that came after their bucket was evaluated
    duplicates: int = 0
    buckets: int = 0  # cell buckets evaluated
    pairs: int = 0  # close pair buckets found


class CellStage:
    def __init__(self, config: EncounterConfig) -> None:
        self.config = config
        self.cells: dict[Cell, list[Mover]] = {}
        self.watermark = float("-inf")
        self.stats = CellStats()
        self._bucket = config.bucket_minutes * 60.0
        self._tolerance = config.tolerance_minutes * 60.0
        self._next_bucket: int | None = None  # buckets before it are evaluated

    def add(self, cell: Cell, mover: Mover) -> bool:
        """Hold a mover for its cell; False (and counted) when its bucket was already evaluated."""
        if mover.t < self.watermark:
            self.stats.late += 1
            return False
        movers = self.cells.setdefault(cell, [])
        key = (mover.t, mover.mmsi)
        i = bisect.bisect_left(movers, key, key=lambda m: (m.t, m.mmsi))
        if i < len(movers) and movers[i].t == mover.t and movers[i].mmsi == mover.mmsi:
            self.stats.duplicates += 1  # a report repeated (a restarted producer)
            return True
        movers.insert(i, mover)
        self.stats.movers += 1
        return True

    def advance(self, watermark: float) -> list[PairBucket]:
        """Event time reached ``watermark``: evaluate every bucket it completed."""
        if watermark <= self.watermark:
            return []
        self.watermark = watermark
        size, tolerance = self._bucket, self._tolerance
        end = floor((watermark - tolerance) / size)  # buckets before ``end`` are complete
        start = self._next_bucket
        if start is not None and end <= start:
            return []
        self._next_bucket = end
        found: list[PairBucket] = []
        for cell in sorted(self.cells):
            movers = self.cells[cell]
            buckets = sorted({floor(m.t / size) for m in movers if m.t < end * size})
            for k in buckets:
                if start is not None and k < start:
                    continue
                self.stats.buckets += 1
                found.extend(self._evaluate(cell, movers, k))
            keep = bisect.bisect_left(movers, end * size - tolerance, key=lambda m: m.t)
            if keep:
                del movers[:keep]
            if not movers:
                del self.cells[cell]
        self.stats.pairs += len(found)
        return found

    # -- one cell, one bucket -------------------------------------------------------------------

    def _evaluate(self, cell: Cell, movers: list[Mover], k: int) -> list[PairBucket]:
        size, tolerance = self._bucket, self._tolerance
        start, stop = k * size, (k + 1) * size
        lo = bisect.bisect_left(movers, start - tolerance, key=lambda m: m.t)
        hi = bisect.bisect_left(movers, stop + tolerance, key=lambda m: m.t)
        tracks: dict[int, _Track] = defaultdict(_Track)
        for mover in movers[lo:hi]:
            tracks[mover.mmsi].add(mover)
        present: list[tuple[int, list[Mover]]] = []
        for mmsi in sorted(tracks):
            inside = [m for m in tracks[mmsi].movers if start <= m.t < stop]
            if inside:
                present.append((mmsi, inside))
        if len(present) < 2:
            return []
        owned = [
            home_cell(inside[0].lat, inside[0].lon, self.config.cell_degrees) == cell
            for _, inside in present
        ]
        if not any(owned[:-1]):
            return []
        found: list[PairBucket] = []
        for i, j in self._candidates(present, owned):
            a, inside_a = present[i]
            b, inside_b = present[j]
            pair = self._compare(a, b, inside_a, inside_b, tracks[a], tracks[b], k)
            if pair is not None:
                found.append(pair)
        return found

    def _candidates(
        self, present: list[tuple[int, list[Mover]]], owned: list[bool]
    ) -> list[tuple[int, int]]:
        """Index pairs (i < j) whose reports in the bucket may come within the distance."""
        lat = np.array([np.mean([m.lat for m in inside]) for _, inside in present])
        lon = np.array([np.mean([m.lon for m in inside]) for _, inside in present])
        spread = np.array(
            [
                max(abs(m.lat - y) + abs(m.lon - x) for m in inside)
                for (_, inside), y, x in zip(present, lat, lon, strict=True)
            ]
        )
        # Reach in metres: the distance, each vessel's spread, and a slow mover's drift within
        # the tolerance, over-estimated (degrees of longitude counted as of latitude).
        drift = self.config.max_speed_knots * 1852.0 * (2 * self._tolerance / 3600.0)
        reach = self.config.max_distance_m + drift + spread * _M_PER_DEGREE
        cos_lat = np.cos(np.radians(lat))
        pairs: list[tuple[int, int]] = []
        for i in range(len(present) - 1):
            if not owned[i]:
                continue
            dy = (lat[i + 1 :] - lat[i]) * _M_PER_DEGREE
            dx = (lon[i + 1 :] - lon[i]) * _M_PER_DEGREE * min(cos_lat[i], 1.0)
            near = np.hypot(dx, dy) * 0.99 <= reach[i] + reach[i + 1 :]
            pairs.extend((i, i + 1 + int(n)) for n in np.flatnonzero(near))
        return pairs

    def _compare(
        self,
        a: int,
        b: int,
        inside_a: list[Mover],
        inside_b: list[Mover],
        track_a: _Track,
        track_b: _Track,
        k: int,
    ) -> PairBucket | None:
        tolerance = self._tolerance
        samples: list[tuple[float, float, float, float]] = []  # t, metres, mid lat, mid lon
        for mine, other in ((inside_a, track_b), (inside_b, track_a)):
            for mover in mine:
                there = other.position_at(mover.t, tolerance)
                if there is None:
                    continue
                metres = distance_km(mover.lat, mover.lon, there[0], there[1]) * 1000.0
                samples.append(
                    (mover.t, metres, (mover.lat + there[0]) / 2, (mover.lon + there[1]) / 2)
                )
        if not samples:
            return None
        distances = [s[1] for s in samples]
        middle = median(distances)
        if middle > self.config.max_distance_m:
            return None
        samples.sort()
        first = samples[0]
        return PairBucket(
            a,
            b,
            k,
            first_t=first[0],
            last_t=samples[-1][0],
            lat=first[2],
            lon=first[3],
            min_m=min(distances),
            median_m=middle,
            samples=len(samples),
            vessel_a=inside_a[-1].vessel,
            vessel_b=inside_b[-1].vessel,
            history=tuple(sorted(set(inside_a[-1].history) | set(inside_b[-1].history))),
        )
