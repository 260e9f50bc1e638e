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

Each cell also learns its anchorages there, bucket by bucket before comparing the bucket's
pairs, drops the pairs inside one and decides the loitering messages held for it
(models/encounter/anchorages.py has the design).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, replace
from math import cos, floor, hypot, radians
from typing import Any

import numpy as np

from models.alerts import Alert
from models.config import EncounterConfig
from models.encounter.anchorages import AnchorageGrid, CellAnchorages, HeldAlert
from models.encounter.bucket import PairBucket
from models.encounter.mover import Cell, Mover, home_cell

__all__ = ["CellStage", "CellStats", "PairBucket"]

#: Metres per degree of a great circle (models.geo's Earth radius).
_M_PER_DEGREE = 111_195.08


class _Track:
    """One vessel's movers in the window around a bucket, in time order."""

    __slots__ = ("movers", "times")

    def __init__(self) -> None:
        self.movers: list[Mover] = []
        self.times: list[float] = []

    def add(self, mover: Mover) -> None:
        self.movers.append(mover)
        self.times.append(mover.t)


@dataclass(slots=True)
class CellStats:
    movers: int = 0
    late: int = 0  # movers that came after their bucket was evaluated
    duplicates: int = 0
    buckets: int = 0  # cell buckets evaluated
    pairs: int = 0  # close pair buckets found
    anchored: int = 0  # close pair buckets inside a learned anchorage, not passed on
    held: int = 0  # loitering and stop-at-sea messages held for the learned anchorages
    suppressed: int = 0  # ... of which began inside one, and were dropped


def _order(mover: Mover) -> tuple[float, int]:
    return mover.t, mover.mmsi


_DAY = 86_400.0


class CellStage:
    """The movers of some cells, compared bucket by bucket as the watermark completes them;
    with a ``grid``, each cell also learns its anchorages from them (models/encounter/
    anchorages.py) and decides the loitering messages held for it.

    Its state is kept per cell (the movers still needed, the buckets already compared, the
    anchorages learned, the messages held), so a streaming worker can store each cell apart and
    another worker resume it: ``changed`` names the cells to store again,
    ``snapshot``/``restore`` convert one.
    """

    def __init__(self, config: EncounterConfig, grid: AnchorageGrid | None = None) -> None:
        self.config = config
        self.grid = grid
        self.cells: dict[Cell, list[Mover]] = {}
        self.done: dict[Cell, int] = {}  # per cell: the buckets before this one are compared
        self.anchorages: dict[Cell, CellAnchorages] = {}
        self.held: dict[Cell, list[HeldAlert]] = {}
        self.watermark = float("-inf")
        self.stats = CellStats()
        self.changed: set[Cell] = set()  # cells changed since the caller last stored them
        self._bucket = config.bucket_minutes * 60.0
        self._tolerance = config.tolerance_minutes * 60.0
        self._unsorted: set[Cell] = set()  # cells with movers added since they were last sorted
        self._swept = float("-inf")  # the day forgotten visitors were last dropped

    def add(self, cell: Cell, mover: Mover) -> bool:
        """Hold a mover for its cell; False (and counted) when its bucket was already evaluated."""
        if mover.t < self.watermark:
            self.stats.late += 1
            return False
        movers = self.cells.get(cell)
        if movers is None:
            movers = self.cells[cell] = []
        movers.append(mover)
        self._unsorted.add(cell)
        self.changed.add(cell)
        self.stats.movers += 1
        return True

    def hold(self, cell: Cell, held: HeldAlert) -> None:
        """Keep a loitering message until the watermark reaches its time (once: a restarted
        producer may send it again)."""
        waiting = self.held.setdefault(cell, [])
        if all(h.key() != held.key() for h in waiting):
            waiting.append(held)
            self.changed.add(cell)
            self.stats.held += 1

    def holds(self, cell: Cell) -> bool:
        """Whether this stage has any state of ``cell``."""
        return cell in self.cells or cell in self.anchorages or cell in self.held

    def snapshot(self, cell: Cell) -> dict[str, Any] | None:
        """One cell's state as JSON-ready data; None when the cell holds nothing any more."""
        movers = self.cells.get(cell)
        anchorages, held = self.anchorages.get(cell), self.held.get(cell)
        if movers is None and not anchorages and not held:
            return None
        if cell in self._unsorted and movers is not None:
            self._sort(cell)
            self._unsorted.discard(cell)
        data: dict[str, Any] = {
            "movers": [m.to_wire() for m in self.cells.get(cell, ())],
            "done": self.done.get(cell),
        }
        if anchorages:
            data["anchorages"] = anchorages.snapshot()
        if held:
            data["held"] = [h.to_wire() for h in held]
        return data

    def restore(self, cell: Cell, data: dict[str, Any]) -> None:
        """Take a cell back from ``snapshot`` (a worker resuming another's partition)."""
        movers = [Mover.from_wire(m) for m in data["movers"]]
        if movers:
            self.cells[cell] = movers
            self._unsorted.add(cell)
        if data.get("done") is not None:
            self.done[cell] = int(data["done"])
        if data.get("anchorages") is not None and self.grid is not None:
            self._anchorages(cell).restore(data["anchorages"])
        held = [HeldAlert.from_wire(h) for h in data.get("held") or ()]
        if held:
            self.held[cell] = held

    def _anchorages(self, cell: Cell) -> CellAnchorages:
        assert self.grid is not None
        found = self.anchorages.get(cell)
        if found is None:
            found = self.anchorages[cell] = CellAnchorages(cell, self.grid)
        return found

    def _sort(self, cell: Cell) -> None:
        """Put a cell's movers in (time, MMSI) order, each report once (a restarted producer
        may send some again)."""
        movers = self.cells[cell]
        movers.sort(key=_order)
        unique = [movers[0]]
        for mover in movers[1:]:
            last = unique[-1]
            if mover.t == last.t and mover.mmsi == last.mmsi:
                self.stats.duplicates += 1
                self.stats.movers -= 1
            else:
                unique.append(mover)
        self.cells[cell] = unique

    def advance(self, watermark: float) -> list[PairBucket]:
        """Event time reached ``watermark``: evaluate every bucket it completed."""
        if watermark <= self.watermark:
            return []
        self.watermark = watermark
        size, tolerance = self._bucket, self._tolerance
        end = floor((watermark - tolerance) / size)  # buckets before ``end`` are complete
        found: list[PairBucket] = []
        unsorted = self._unsorted
        for cell in sorted(self.cells):
            start = self.done.get(cell)
            if start is not None and end <= start:
                continue  # nothing new to compare here yet (its movers may wait unsorted)
            if cell in unsorted:
                self._sort(cell)
                unsorted.discard(cell)
            movers = self.cells[cell]
            buckets = sorted({floor(m.t / size) for m in movers if m.t < end * size})
            for k in buckets:
                if start is not None and k < start:
                    continue
                self.stats.buckets += 1
                found.extend(self._evaluate(cell, movers, k))
            self.done[cell] = end
            self.changed.add(cell)
            keep = bisect.bisect_left(movers, end * size - tolerance, key=lambda m: m.t)
            if keep:
                del movers[:keep]
            if not movers:
                del self.cells[cell]
                del self.done[cell]
        self._sweep(end)
        self.stats.pairs += len(found)
        return found

    def _sweep(self, end: int) -> None:
        """Once a day of event time, drop the visitors no later bucket counts (bounded memory;
        what is learned is unchanged)."""
        day = floor(end * self._bucket / _DAY)
        if day <= self._swept:
            return
        self._swept = day
        for cell in list(self.anchorages):
            anchorages = self.anchorages[cell]
            before = len(anchorages.stops)
            anchorages.expire(end)
            if len(anchorages.stops) != before:
                self.changed.add(cell)
            if not anchorages:
                del self.anchorages[cell]

    def release(self) -> list[Alert]:
        """The held loitering messages the watermark has reached, decided on the anchorages as
        each cell knew them at the message's time: dropped inside one, annotated near one."""
        grid = self.grid
        released: list[Alert] = []
        for cell in sorted(self.held):
            waiting = self.held[cell]
            if all(h.t > self.watermark for h in waiting):
                continue
            anchorages = self.anchorages.get(cell)
            for held in waiting:
                if held.t > self.watermark:
                    continue
                nearby = None
                if anchorages is not None and grid is not None:
                    nearby = anchorages.near(held.lat, held.lon, grid.as_of(held.t))
                alert = held.decided(nearby)
                if alert is None:
                    self.stats.suppressed += 1
                else:
                    released.append(alert)
            rest = [h for h in waiting if h.t > self.watermark]
            if rest:
                self.held[cell] = rest
            else:
                del self.held[cell]
            self.changed.add(cell)
        return released

    # -- one cell, one bucket -------------------------------------------------------------------

    def _evaluate(self, cell: Cell, movers: list[Mover], k: int) -> list[PairBucket]:
        size, tolerance = self._bucket, self._tolerance
        start, stop = k * size, (k + 1) * size
        lo = bisect.bisect_left(movers, start - tolerance, key=lambda m: m.t)
        hi = bisect.bisect_left(movers, stop + tolerance, key=lambda m: m.t)
        tracks: dict[int, _Track] = defaultdict(_Track)
        for mover in movers[lo:hi]:
            tracks[mover.mmsi].add(mover)
        anchorages = self._learn(cell, movers, k)
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
        for i, j in self._candidates(present, tracks, owned):
            a, inside_a = present[i]
            b, inside_b = present[j]
            pair = self._compare(a, b, inside_a, inside_b, tracks[a], tracks[b], k)
            if pair is not None and anchorages is not None:
                pair = self._anchored(pair, anchorages, inside_a[0], k)
            if pair is not None:
                found.append(pair)
        return found

    def _learn(self, cell: Cell, movers: list[Mover], k: int) -> CellAnchorages | None:
        """The cell's anchorages, having learned the stops of bucket ``k`` (None: nothing)."""
        if self.grid is None:
            return None
        size = self._bucket
        lo = bisect.bisect_left(movers, k * size, key=lambda m: m.t)
        hi = bisect.bisect_left(movers, (k + 1) * size, key=lambda m: m.t)
        anchorages = self._anchorages(cell)
        anchorages.learn(movers[lo:hi], k)
        if anchorages:
            return anchorages
        del self.anchorages[cell]
        return None

    def _anchored(
        self, pair: PairBucket, anchorages: CellAnchorages, where: Mover, k: int
    ) -> PairBucket | None:
        """None if the pair (where its lower MMSI first was in the bucket) lies in an anchorage
        learned by the end of bucket ``k``; the nearest one within ``near_km`` noted on it."""
        nearby = anchorages.near(where.lat, where.lon, k + 1)
        if nearby is None:
            return pair
        if nearby.inside:
            self.stats.anchored += 1
            return None
        return replace(pair, anchorage_km=nearby.km, anchorage_vessels=nearby.vessels)

    def _candidates(
        self, present: list[tuple[int, list[Mover]]], tracks: dict[int, _Track], owned: list[bool]
    ) -> list[tuple[int, int]]:
        """Index pairs (i < j) that may have a comparison within the distance: every position a
        report is compared with lies in the box around the other vessel's reports in the window
        (interpolation never leaves it), so boxes further apart than the distance never are."""
        boxes = np.array(
            [
                (
                    min(m.lat for m in tracks[mmsi].movers),
                    max(m.lat for m in tracks[mmsi].movers),
                    min(m.lon for m in tracks[mmsi].movers),
                    max(m.lon for m in tracks[mmsi].movers),
                )
                for mmsi, _ in present
            ]
        )
        lat_lo, lat_hi, lon_lo, lon_hi = boxes.T
        # A lower bound of the great-circle distance between two boxes (metres per degree of
        # the sphere, longitude shrunk at the pole-most latitude of the pair), a little low.
        per_degree = _M_PER_DEGREE * 0.999
        limit = self.config.max_distance_m
        pairs: list[tuple[int, int]] = []
        for i in range(len(present) - 1):
            if not owned[i]:
                continue
            rest = slice(i + 1, None)
            dlat = np.maximum(0.0, np.maximum(lat_lo[rest] - lat_hi[i], lat_lo[i] - lat_hi[rest]))
            dlon = np.maximum(0.0, np.maximum(lon_lo[rest] - lon_hi[i], lon_lo[i] - lon_hi[rest]))
            polar = np.maximum(
                np.maximum(np.abs(lat_lo[rest]), np.abs(lat_hi[rest])),
                max(abs(lat_lo[i]), abs(lat_hi[i])),
            )
            shrink = np.cos(np.radians(np.minimum(polar, 90.0)))
            near = np.hypot(dlat * per_degree, dlon * per_degree * shrink) <= limit
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
        # Metres between nearby points: flat-Earth at this latitude (under 1 ppm off the
        # great circle at these distances, and the same on every path).
        shrink = cos(radians(inside_a[0].lat))
        # t, metres, mid lat, mid lon, and b's lat, lon (the other vessel's, in the evidence)
        samples: list[tuple[float, float, float, float, float, float]] = []
        bisect_left = bisect.bisect_left
        for mine, other in ((inside_a, track_b), (inside_b, track_a)):
            mine_is_a = mine is inside_a
            times, theirs = other.times, other.movers
            count = len(times)
            for mover in mine:
                # The other vessel at this instant: interpolated between its reports either
                # side when both are within the tolerance, else its nearest report within it.
                t = mover.t
                i = bisect_left(times, t)
                after = theirs[i] if i < count and times[i] - t <= tolerance else None
                before = theirs[i - 1] if i and t - times[i - 1] <= tolerance else None
                if after is not None and (before is None or after.t == t):
                    lat, lon = after.lat, after.lon
                elif before is not None and after is not None:
                    share = (t - before.t) / (after.t - before.t)
                    lat = before.lat + (after.lat - before.lat) * share
                    lon = before.lon + (after.lon - before.lon) * share
                elif before is not None:
                    lat, lon = before.lat, before.lon
                else:
                    continue
                metres = hypot(lat - mover.lat, (lon - mover.lon) * shrink) * _M_PER_DEGREE
                b_lat, b_lon = (lat, lon) if mine_is_a else (mover.lat, mover.lon)
                mid_lat, mid_lon = (mover.lat + lat) / 2, (mover.lon + lon) / 2
                samples.append((t, metres, mid_lat, mid_lon, b_lat, b_lon))
        if not samples:
            return None
        distances = sorted(s[1] for s in samples)
        n = len(distances)
        middle = distances[n // 2] if n % 2 else (distances[n // 2 - 1] + distances[n // 2]) / 2
        if middle > self.config.max_distance_m:
            return None
        first = min(samples)
        last_t = max(s[0] for s in samples)
        return PairBucket(
            a,
            b,
            k,
            first_t=first[0],
            last_t=last_t,
            lat=first[2],
            lon=first[3],
            min_m=distances[0],
            median_m=middle,
            samples=len(samples),
            vessel_a=inside_a[-1].vessel,
            vessel_b=inside_b[-1].vessel,
            history=tuple(sorted(set(inside_a[-1].history) | set(inside_b[-1].history))),
            other_lat=first[4],
            other_lon=first[5],
        )
