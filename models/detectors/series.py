"""Series: instant events of one kind that keep coming for one vessel are one incident.

A position jump or an identity change is an instant event: one finding, already closed. But a
vessel whose positions keep jumping (a receiver whose clock scrambles its reports, a transponder
that sends bad fixes) or whose identity keeps changing (several unconfigured transponders on one
placeholder number) is one incident, and an operations centre wants it as one alert it can
follow, not a new alert for every event. So:

- the first event is alerted on its own, as before — an isolated event stays one alert;
- an event within ``window`` seconds of the previous one opens a *series*: one episode
  (``open``, its ``start`` at that event) counting every event of the incident, the first one
  included;
- later events within ``window`` of the previous one join it; an ``update`` goes out when its
  events have doubled since the last message, so a series of *n* events sends about log2(*n*)
  messages;
- ``window`` seconds after its last event with no new one, the series closes (its ``end`` is
  that last event), noticed on event time (the watermark) as well as at the next observation.

So one incident gives at most two alerts: the first event and the series that follows it. The
state is a plain dataclass kept with the detector's (snapshotted with it); ``Repeats`` holds the
rules, and each detector words its own findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.alerts import AlertType, Finding, Status

__all__ = ["Repeats", "Series"]


@dataclass(slots=True)
class Series:
    """An open series of one vessel's events of one kind."""

    start: float  # its second event: where the series episode begins
    lat: float | None
    lon: float | None
    first: float  # the incident's first event (alerted on its own)
    last: float  # its latest event
    events: int = 2  # events of the incident, the first included
    reported: int = 2  # events when the last message went out
    peak: float = 1.0  # the largest magnitude of its events

    @classmethod
    def restore(cls, data: dict[str, Any]) -> Series:
        lat, lon = data.get("lat"), data.get("lon")
        return cls(
            start=float(data["start"]),
            lat=None if lat is None else float(lat),
            lon=None if lon is None else float(lon),
            first=float(data["first"]),
            last=float(data["last"]),
            events=int(data.get("events", 2)),
            reported=int(data.get("reported", 2)),
            peak=float(data.get("peak", 1.0)),
        )

    def finding(
        self,
        kind: AlertType,
        status: Status,
        mmsi: int,
        closed: bool,
        evidence: dict[str, Any],
        summary: str,
        magnitude: float = 1.0,
    ) -> Finding:
        """The episode's message: from the series' start, ended at its last event once closed,
        where it began."""
        return Finding(
            type=kind,
            status=status,
            mmsi=mmsi,
            start=self.start,
            end=self.last if closed else None,
            lat=self.lat,
            lon=self.lon,
            evidence=evidence,
            magnitude=magnitude,
            summary=summary,
        )


class Repeats:
    """The series rules for events that come within ``window`` seconds of the previous one."""

    def __init__(self, window: float) -> None:
        self.window = window

    def due(self, series: Series | None) -> float | None:
        """When an open series closes if no event comes (``None`` without one)."""
        return None if series is None else series.last + self.window

    def expire(self, series: Series | None, t: float) -> tuple[Series | None, Series | None]:
        """(the series still open at ``t``, the series that closed by then)."""
        if series is not None and series.last + self.window <= t:
            return None, series
        return series, None

    def event(
        self,
        series: Series | None,
        previous: float | None,
        t: float,
        where: tuple[float | None, float | None],
        magnitude: float,
    ) -> tuple[Series | None, Status | None]:
        """An event at ``t`` (``previous``: the vessel's latest event of this kind before it,
        ``where``: its lat, lon). Returns the series after it and what to send: ``None`` with
        no series, for an event to alert on its own; ``OPEN`` or ``UPDATE`` for the series'
        message; ``None`` with a series, for an event counted in it with no message."""
        if series is not None and t < series.last + self.window:
            series.events += 1
            series.last = t
            series.peak = max(series.peak, magnitude)
            if series.events < 2 * series.reported:
                return series, None
            series.reported = series.events
            return series, Status.UPDATE
        if previous is not None and t < previous + self.window:
            lat, lon = where
            return Series(t, lat, lon, first=previous, last=t, peak=magnitude), Status.OPEN
        return None, None
