"""Vessel tracks for the HTML report, kept with bounded memory however long the replay.

``TrackRecorder.observe`` takes each batch of decoded records as the runner feeds the engine;
``mark`` is told which vessels raised alerts (``ReportingSink`` does it as alerts come out).
The report draws only the tracks of vessels with alerts, but an alert is known only once the
behaviour is seen, so every vessel's track is kept until then, each within fixed bounds:

* **per vessel** at most ``max_points`` positions, spread over the whole track: when a vessel's
  buffer is full every other point is dropped and the vessel's minimum spacing in time doubles
  (so a month-long satellite track and a 20-minute harbour track both keep ~``max_points``
  points); the latest position is always kept besides, so a track ends where the vessel was;
* **vessels without alerts**: at most ``max_vessels``, least recently seen evicted first
  (a vessel seen again after eviction starts a new track);
* **vessels with alerts**: at most ``max_alert_vessels``; beyond that the ones with the lowest
  severity, least recently seen, are dropped first.

Positions are stored as float64 times and float32 latitudes and longitudes (16 bytes a point),
so memory stays under ``(max_vessels + max_alert_vessels) × max_points × 16`` bytes plus a few
hundred bytes per vessel: about 60 MB with the defaults (measured: 12,000 vessels of 169 points
on average take 43 MB), whether the input has 30,000 lines or 300 million. Positions without
an event time, without coordinates, or off the globe are not kept (the engine does not track
them either).

When more than ``max_vessels`` vessels without alerts report in turn, the least recently seen
keep being evicted and start over: their tracks are short, but memory holds. A vessel is
protected from its first alert message on (a dark period opens while the vessel is silent).
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from models.records import Decoded, PositionReport

__all__ = ["Track", "TrackRecorder"]

DEFAULT_MAX_POINTS = 256
DEFAULT_MAX_VESSELS = 10_000
DEFAULT_MAX_ALERT_VESSELS = 2_000


@dataclass(frozen=True, slots=True)
class Track:
    """One vessel's kept positions in time order (times in Unix seconds)."""

    mmsi: int
    times: npt.NDArray[np.float64]
    lats: npt.NDArray[np.float64]
    lons: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.times.size)


class _Buffer:
    """The kept positions of one vessel (see the module docstring for the thinning rule)."""

    __slots__ = ("last", "lats", "lons", "rank", "seen", "step", "times")

    def __init__(self) -> None:
        self.times = array("d")
        self.lats = array("f")
        self.lons = array("f")
        self.step = 0.0  # minimum spacing in time between kept points
        self.last: tuple[float, float, float] | None = None
        self.rank = -1  # highest alert severity rank seen (-1: no alert yet)
        self.seen = 0  # batch number of the latest position, for eviction

    def add(self, t: float, lat: float, lon: float, cap: int) -> None:
        self.last = (t, lat, lon)
        times = self.times
        if times and abs(t - times[-1]) < self.step:
            return
        times.append(t)
        self.lats.append(lat)
        self.lons.append(lon)
        if len(times) >= cap:
            span = max(times) - min(times)
            self.step = max(self.step * 2, 2 * span / len(times))
            self.times = times[::2]
            self.lats = self.lats[::2]
            self.lons = self.lons[::2]

    def track(self, mmsi: int) -> Track:
        times = np.frombuffer(self.times, dtype=np.float64)
        lats = np.frombuffer(self.lats, dtype=np.float32).astype(np.float64)
        lons = np.frombuffer(self.lons, dtype=np.float32).astype(np.float64)
        if self.last is not None and (times.size == 0 or self.last[0] != times[-1]):
            times = np.append(times, self.last[0])
            lats = np.append(lats, np.float32(self.last[1]))
            lons = np.append(lons, np.float32(self.last[2]))
        order = np.argsort(times, kind="stable")
        return Track(mmsi, times[order], lats[order], lons[order])


class TrackRecorder:
    """Keeps vessel tracks for the report from the records a replay decodes.

    ``observe`` has the shape of the runner's per-batch records callback; ``mark`` is called
    with the vessels that raised alerts. ``track(mmsi)`` gives the kept track of a vessel.
    """

    def __init__(
        self,
        max_points: int = DEFAULT_MAX_POINTS,
        max_vessels: int = DEFAULT_MAX_VESSELS,
        max_alert_vessels: int = DEFAULT_MAX_ALERT_VESSELS,
    ) -> None:
        if max_points < 4 or max_vessels < 1 or max_alert_vessels < 1:
            raise ValueError("max_points must be >= 4 and the vessel limits >= 1")
        self.max_points = max_points
        self.max_vessels = max_vessels
        self.max_alert_vessels = max_alert_vessels
        self._idle: OrderedDict[int, _Buffer] = OrderedDict()  # no alert yet, LRU first
        self._flagged: dict[int, _Buffer] = {}  # vessels with alerts
        self._batch = 0
        #: Positions kept or considered, vessels evicted, and the event-time range seen.
        self.positions = 0
        self.evicted = 0
        self.first_time: float | None = None
        self.last_time: float | None = None

    def observe(self, records: Sequence[Decoded]) -> None:
        """Take a batch of decoded records; positions are kept, everything else ignored."""
        self._batch += 1
        batch = self._batch
        idle, flagged, cap = self._idle, self._flagged, self.max_points
        low = self.first_time if self.first_time is not None else float("inf")
        high = self.last_time if self.last_time is not None else float("-inf")
        count = 0
        for record in records:
            if type(record) is not PositionReport:
                continue
            t, lat, lon = record.timestamp, record.lat, record.lon
            if t is None or lat is None or lon is None or record.impossible:
                continue
            count += 1
            if t < low:
                low = t
            if t > high:
                high = t
            mmsi = record.mmsi
            buffer = flagged.get(mmsi)
            if buffer is None:
                buffer = idle.get(mmsi)
                if buffer is None:
                    buffer = idle[mmsi] = _Buffer()
                else:
                    idle.move_to_end(mmsi)
            buffer.seen = batch
            buffer.add(t, lat, lon, cap)
        if count:
            self.positions += count
            self.first_time, self.last_time = low, high
        while len(idle) > self.max_vessels:
            idle.popitem(last=False)
            self.evicted += 1

    def mark(self, mmsi: int, rank: int = 0) -> None:
        """Note that ``mmsi`` raised an alert of severity ``rank`` (0 = info .. 4 = critical):
        its track is kept from now on (subject to ``max_alert_vessels``)."""
        buffer = self._flagged.get(mmsi)
        if buffer is None:
            buffer = self._idle.pop(mmsi, None) or _Buffer()
            buffer.seen = max(buffer.seen, self._batch)
            self._flagged[mmsi] = buffer
        buffer.rank = max(buffer.rank, rank)
        if len(self._flagged) > self.max_alert_vessels:
            self._shed_flagged()

    def _shed_flagged(self) -> None:
        """Drop the lowest-severity, least recently seen tenth of the vessels with alerts."""
        ranked = sorted(self._flagged.items(), key=lambda item: (item[1].rank, item[1].seen))
        for mmsi, _ in ranked[: max(1, len(ranked) // 10)]:
            del self._flagged[mmsi]
            self.evicted += 1

    def track(self, mmsi: int) -> Track | None:
        """The kept track of a vessel, or ``None`` if nothing of it is kept."""
        buffer = self._flagged.get(mmsi) or self._idle.get(mmsi)
        if buffer is None or buffer.last is None:
            return None
        return buffer.track(mmsi)

    def mmsis(self) -> Iterator[int]:
        """Every vessel with a kept track (vessels with alerts first)."""
        yield from self._flagged
        yield from self._idle

    def __len__(self) -> int:
        return len(self._flagged) + len(self._idle)

    @property
    def points(self) -> int:
        """Positions held now (not counting each vessel's latest)."""
        buffers = [*self._flagged.values(), *self._idle.values()]
        return sum(len(buffer.times) for buffer in buffers)
