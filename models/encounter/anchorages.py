"""Learned anchorages: places where many distinct vessels stop become anchorages.

Global Fishing Watch builds its anchorage list from AIS: a ~0.5 km S2 cell where at least 20
distinct vessels were stationary is an anchorage. Zone packs lack many such places — mooring
fields, roadsteads, waiting areas off small ports — and vessels moored there look like
loitering and encounters. Vigilmar learns them as it goes, on event time, and treats them like
an anchorage zone: loitering and encounters inside one are not alerts, and an alert near one
says so.

**Where they are learned.** State learned across vessels cannot live in the per-vessel engine:
a streaming worker's track stage sees only its partitions' vessels. But every slow position
outside harbours — a ``Mover`` — already reaches one place on both paths: the encounter cell
stage (``CellStage``) of its spatial cell, which receives the movers of its cell and of the
``encounter.margin_km`` around it, and evaluates them bucket by bucket once the watermark has
passed. So each cell learns its own anchorages there, in the same bucket order, from the same
movers, in replay (``Encounters`` inside ``Monitor``) and in the stream (one ``CellStage`` per
partition of ``vigilmar.encounter.cells``, its state in the changelog table
``encounter-cells``): ``CellAnchorages``, one per cell.

**What is learned.** The sea is cut into squares of ``square_km`` (north–south; east–west
× cos(lat)). A mover at most ``max_speed_knots`` is a stop in its square; a vessel's stops in
one square that span ``min_stop_minutes`` (no break over ``max_gap_minutes``) make it a
visitor there. A square becomes a learned anchorage once ``min_vessels`` distinct visitors are
counted in it and its 8 neighbours (so a tight group spread over two squares counts, and the
anchorage reaches about one square beyond the vessels), and only within ``max_shore_km`` of
land on the GLOBE mask: an anchor holds in shallow water, while a fleet gathered far offshore,
perhaps around a carrier, is exactly what must not be learned away. A learned square is kept
with the bucket it was learned in and the vessels counted then, and is never forgotten (their
number is bounded by geography, not time); a visitor is forgotten ``forget_days`` after its
last stop, and a square keeps at most ``4 × min_vessels`` visitors (the longest unseen that
never qualified go first), so memory stays bounded. A cell learns the squares within
``near_km`` + one square of it and counts visitors one square further; the configuration
checks that all of these lie within the margin its movers come from, so every cell sees all
the stops of every square it decides on.

**Encounters** are decided in the cell stage: a close pair whose lower MMSI's first position in
a bucket lies in a square learned by the end of that bucket is not passed on; one within
``near_km`` of one carries its distance and vessel count on to the alert.

**Loitering** is raised per vessel (models/detectors/loitering.py), so its alerts take the
movers' road: each loitering message is *held* (``hold``) — re-keyed by the home cell of where
the episode began, to the cells topic in the stream — and released by that cell once its
watermark has reached ``start + loitering.min_hours``, decided on the anchorages as the cell
knew them at that event time: every bucket that watermark completes (``as_of``). Because
learned squares are kept with the bucket they were learned in and never forgotten, that answer
is the same whenever the message arrives — its open and closed messages are decided alike,
in replay and in the stream, however the partitions interleave. An episode that began inside a
learned anchorage is dropped; one near it is annotated. The time is one the track stage has
always reached when it sends the open message (it opens at that time or after), so in replay a
loitering alert comes out in the same step as before.

**Stops at sea** (models/detectors/stop_at_sea.py) take the same road: a ``stop_at_sea``
message, raised when the ship goes on, is held by the cell of where the stop began until that
cell's watermark reaches the stop's last slow report (its ``end``), and decided the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from models.alerts import Alert, AlertType
from models.config import Config
from models.encounter.mover import Cell, Mover, home_cell
from models.encounter.shore import shore_km
from models.geo import SECONDS_PER_HOUR, distance_km
from models.serialise import alert_from_dict

__all__ = ["AnchorageGrid", "CellAnchorages", "HeldAlert", "Nearby", "hold"]

Square = tuple[int, int]

_KM_PER_DEGREE = 111.32  # as models.encounter.mover


@dataclass(frozen=True, slots=True)
class AnchorageGrid:
    """The learning rules in the units the cell stage works in."""

    square_deg: float
    square_km: float
    max_speed: float
    min_stop: float  # seconds
    max_gap: float  # seconds
    forget: float  # seconds
    min_vessels: int
    max_shore_km: float
    near_km: float
    cell_deg: float
    bucket: float  # seconds
    tolerance: float  # seconds

    @staticmethod
    def of(config: Config) -> AnchorageGrid | None:
        """The grid of ``config``, or None when anchorages are not learned."""
        anchorages, encounter = config.anchorages, config.encounter
        if not (anchorages.enabled and encounter.enabled):
            return None
        return AnchorageGrid(
            square_deg=anchorages.square_km / _KM_PER_DEGREE,
            square_km=anchorages.square_km,
            max_speed=anchorages.max_speed_knots,
            min_stop=anchorages.min_stop_minutes * 60.0,
            max_gap=anchorages.max_gap_minutes * 60.0,
            forget=anchorages.forget_days * 24 * SECONDS_PER_HOUR,
            min_vessels=anchorages.min_vessels,
            max_shore_km=anchorages.max_shore_km,
            near_km=anchorages.near_km,
            cell_deg=encounter.cell_degrees,
            bucket=encounter.bucket_minutes * 60.0,
            tolerance=encounter.tolerance_minutes * 60.0,
        )

    def square(self, lat: float, lon: float) -> Square:
        return math.floor(lat / self.square_deg), math.floor(lon / self.square_deg)

    def centre(self, square: Square) -> tuple[float, float]:
        return (square[0] + 0.5) * self.square_deg, (square[1] + 0.5) * self.square_deg

    def as_of(self, t: float) -> int:
        """The first bucket the cell stage has not evaluated when its watermark is at ``t``:
        what it knows at event time ``t`` was learned in the buckets before this one."""
        return math.floor((t - self.tolerance) / self.bucket)

    @property
    def visitors_per_square(self) -> int:
        return 4 * self.min_vessels


@dataclass(slots=True)
class Stop:
    """One vessel's stops in one square."""

    first: float  # the first stop of the current run (no break over max_gap)
    last: float  # the latest stop
    counted: bool  # a visitor: its stops here have spanned min_stop


@dataclass(frozen=True, slots=True)
class Nearby:
    """A learned anchorage at a position (``inside``) or within ``near_km`` of it."""

    inside: bool
    km: float
    vessels: int


class CellAnchorages:
    """What one encounter cell has learned: the visitors of the squares around it and the
    squares that became anchorages, each with the bucket it was learned in and the vessels
    counted then."""

    __slots__ = ("cell", "grid", "learned", "stops")

    def __init__(self, cell: Cell, grid: AnchorageGrid) -> None:
        self.cell = cell
        self.grid = grid
        self.stops: dict[Square, dict[int, Stop]] = {}
        self.learned: dict[Square, tuple[int, int]] = {}

    def __bool__(self) -> bool:
        return bool(self.stops or self.learned)

    # -- learning, bucket by bucket -------------------------------------------------------------

    def learn(self, movers: list[Mover], k: int) -> None:
        """Take the stops of bucket ``k`` (its movers in (time, MMSI) order), then learn every
        square their new visitors complete."""
        grid = self.grid
        horizon = k * grid.bucket - grid.forget
        track_km = grid.near_km + 2 * grid.square_km
        fresh: set[Square] = set()
        for mover in movers:
            if mover.speed > grid.max_speed:
                continue
            square = grid.square(mover.lat, mover.lon)
            if self._within(square, track_km) and self._stop(square, mover, horizon):
                fresh.add(square)
        learn_km = grid.near_km + grid.square_km
        for square in sorted(fresh):
            for near in _block(square):
                if near in self.learned or not self._within(near, learn_km):
                    continue
                count = self._visitors(near, horizon)
                if count >= grid.min_vessels and self._near_land(near):
                    self.learned[near] = (k, count)

    def _stop(self, square: Square, mover: Mover, horizon: float) -> bool:
        """Note one stop; True if it made the vessel a visitor of the square."""
        grid = self.grid
        visits = self.stops.setdefault(square, {})
        stop = visits.get(mover.mmsi)
        if stop is None or stop.last < horizon:
            if stop is None and len(visits) >= grid.visitors_per_square:
                del visits[min(visits, key=lambda m: (visits[m].counted, visits[m].last, m))]
            stop = visits[mover.mmsi] = Stop(mover.t, mover.t, False)
        elif mover.t - stop.last > grid.max_gap:
            stop.first = mover.t
        stop.last = max(stop.last, mover.t)
        if not stop.counted and stop.last - stop.first >= grid.min_stop:
            stop.counted = True
            return True
        return False

    def _visitors(self, square: Square, horizon: float) -> int:
        """Distinct visitors, not yet forgotten, of a square and its 8 neighbours."""
        seen: set[int] = set()
        for near in _block(square):
            for mmsi, stop in self.stops.get(near, {}).items():
                if stop.counted and stop.last >= horizon:
                    seen.add(mmsi)
        return len(seen)

    def _near_land(self, square: Square) -> bool:
        lat, lon = self.grid.centre(square)
        return shore_km(lat, lon, self.grid.max_shore_km) is not None

    def _within(self, square: Square, km: float) -> bool:
        """Whether a square's centre lies within ``km`` of this cell."""
        lat, lon = self.grid.centre(square)
        size = self.grid.cell_deg
        row, col = self.cell
        dlat = km / _KM_PER_DEGREE
        dlon = km / (_KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
        return (
            row * size - dlat <= lat <= (row + 1) * size + dlat
            and col * size - dlon <= lon <= (col + 1) * size + dlon
        )

    def expire(self, k: int) -> None:
        """Drop the visitors forgotten by bucket ``k`` (they count for no later bucket)."""
        horizon = k * self.grid.bucket - self.grid.forget
        for square in list(self.stops):
            visits = self.stops[square]
            for mmsi in [m for m, stop in visits.items() if stop.last < horizon]:
                del visits[mmsi]
            if not visits:
                del self.stops[square]

    # -- questions --------------------------------------------------------------------------

    def near(self, lat: float, lon: float, before: int) -> Nearby | None:
        """The learned anchorage (learned before bucket ``before``) at (lat, lon), else the
        nearest within ``near_km`` of it, else None."""
        grid = self.grid
        here = self.learned.get(grid.square(lat, lon))
        if here is not None and here[0] < before:
            return Nearby(True, 0.0, here[1])
        best: tuple[float, Square, int] | None = None
        for square, (k, vessels) in self.learned.items():
            if k >= before:
                continue
            km = distance_km(lat, lon, *grid.centre(square))
            if km <= grid.near_km and (best is None or (km, square) < best[:2]):
                best = (km, square, vessels)
        return None if best is None else Nearby(False, best[0], best[2])

    # -- state --------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {
            "stops": [
                [row, col, mmsi, stop.first, stop.last, int(stop.counted)]
                for (row, col), visits in sorted(self.stops.items())
                for mmsi, stop in sorted(visits.items())
            ],
            "learned": [[row, col, k, n] for (row, col), (k, n) in sorted(self.learned.items())],
        }

    def restore(self, data: dict[str, Any]) -> None:
        for row, col, mmsi, first, last, counted in data.get("stops") or ():
            visits = self.stops.setdefault((int(row), int(col)), {})
            visits[int(mmsi)] = Stop(float(first), float(last), bool(counted))
        for row, col, k, n in data.get("learned") or ():
            self.learned[(int(row), int(col))] = (int(k), int(n))


def _block(square: Square) -> list[Square]:
    row, col = square
    return [(row + dr, col + dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)]


# -- loitering, decided where the anchorages are learned -----------------------------------------


@dataclass(frozen=True, slots=True)
class HeldAlert:
    """A loitering or stop-at-sea message on its way through the cell of where its episode
    began: decided as the cell's anchorages were at event time ``t``, for the position (``lat``,
    ``lon``)."""

    t: float
    lat: float
    lon: float
    alert: Alert

    def to_wire(self) -> dict[str, Any]:
        return {
            "hold": self.t,
            "lat": self.lat,
            "lon": self.lon,
            "at": self.alert.at,
            "alert": self.alert.to_dict(),
        }

    @staticmethod
    def from_wire(data: dict[str, Any]) -> HeldAlert:
        at = data.get("at")
        alert = replace(alert_from_dict(data["alert"]), at=None if at is None else float(at))
        return HeldAlert(float(data["hold"]), float(data["lat"]), float(data["lon"]), alert)

    def key(self) -> tuple[float, str, str]:
        return self.t, self.alert.alert_id, self.alert.status.value

    def decided(self, nearby: Nearby | None) -> Alert | None:
        """The alert as it goes out: none inside a learned anchorage, annotated near one."""
        if nearby is None:
            return self.alert
        if nearby.inside:
            return None
        return annotated(self.alert, nearby)


def hold(alert: Alert, config: Config) -> tuple[Cell, HeldAlert] | None:
    """The cell a message goes through and the message held, if it is one the learned
    anchorages decide (loitering and stops at sea, with anchorages learned); None for any
    other."""
    if alert.lat is None or alert.lon is None or AnchorageGrid.of(config) is None:
        return None
    if alert.type is AlertType.LOITERING:
        t = alert.start + config.loitering.min_hours * SECONDS_PER_HOUR
    elif alert.type is AlertType.STOP_AT_SEA and alert.end is not None:
        t = alert.end  # raised when the ship goes on, after its last slow report
    else:
        return None
    cell = home_cell(alert.lat, alert.lon, config.encounter.cell_degrees)
    return cell, HeldAlert(t, alert.lat, alert.lon, alert)


def annotated(alert: Alert, nearby: Nearby) -> Alert:
    """``alert`` saying how near a learned anchorage it is."""
    return replace(
        alert,
        explanation=alert.explanation.removesuffix(".") + "; " + near_clause(nearby) + ".",
        evidence={**alert.evidence, **near_evidence(nearby)},
    )


def near_clause(nearby: Nearby) -> str:
    return (
        f"{nearby.km:.1f} km from a learned anchorage "
        f"(learned from {nearby.vessels} vessels stopped there)"
    )


def near_evidence(nearby: Nearby) -> dict[str, float | int]:
    return {
        "learned_anchorage_km": round(nearby.km, 2),
        "learned_anchorage_vessels": nearby.vessels,
    }
