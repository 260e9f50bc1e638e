"""Distress: an AIS-SART, MOB-AIS or EPIRB-AIS transmitting its position (ITU-R M.585: MMSIs
``970XXYYYY``, ``972XXYYYY``, ``974XXYYYY``; IEC 61097-14).

An active beacon sends a burst of position reports every minute with navigational status 14;
one under test uses status 15 ("undefined", ITU-R M.1371) and raises nothing. Any other status,
or none (a CSV without it), counts as active: a distress signal is not dropped for a missing
field. One episode per activation, not one alert per message:

- **open** at the first report: critical, at the beacon's position;
- **update** when it has drifted ``update_km`` (1 km) from the position last announced, with
  the new one — a life raft drifting at 1 kn gives an update about every half hour;
- **closed** once unheard for ``close_minutes`` (30, thirty missed transmissions), on event
  time or at its next report, which then opens a new episode.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from models.alerts import AlertType, Finding, Status
from models.config import DistressConfig
from models.detectors.base import Kind, Observation
from models.geo import distance_km
from models.records import Fix, iso_utc
from models.stations import station_category

#: Navigational status of an AIS-SART, MOB-AIS or EPIRB-AIS under test (ITU-R M.1371).
TEST_STATUS = 15


@dataclass(slots=True)
class DistressState:
    first: Fix | None = None  # first report of the open episode (None: no episode open)
    last: Fix | None = None
    announced: Fix | None = None  # the position the last message gave
    reports: int = 0
    tests: int = 0  # reports under test, never an alert


class Distress:
    name = "distress"
    needs: ClassVar[frozenset[Kind]] = frozenset({Kind.POSITION, Kind.SILENCE})

    def __init__(self, config: DistressConfig) -> None:
        self.config = config
        self._close = config.close_minutes * 60.0

    def initial(self) -> DistressState:
        return DistressState()

    def restore(self, data: dict[str, Any]) -> DistressState:
        """The state back from ``dataclasses.asdict`` of it (as JSON gives it)."""

        def fix(key: str) -> Fix | None:
            value = data.get(key)
            return None if value is None else Fix(*value)

        return DistressState(
            first=fix("first"),
            last=fix("last"),
            announced=fix("announced"),
            reports=int(data.get("reports", 0)),
            tests=int(data.get("tests", 0)),
        )

    def due(self, state: DistressState) -> float | None:
        return None if state.last is None else state.last.t + self._close

    def step(self, state: DistressState, obs: Observation) -> tuple[DistressState, list[Finding]]:
        findings: list[Finding] = []
        due = self.due(state)
        if due is not None and due <= obs.t:
            findings.append(self._finding(state, obs.mmsi, Status.CLOSED))
            state = DistressState(tests=state.tests)
        if obs.kind is Kind.SILENCE:
            return state, findings
        fix = obs.position
        if obs.status == TEST_STATUS:
            state.tests += 1
            return state, findings
        if state.first is None:
            state.first = state.last = state.announced = fix
            state.reports = 1
            findings.append(self._finding(state, obs.mmsi, Status.OPEN))
            return state, findings
        state.last = fix
        state.reports += 1
        announced = state.announced or fix
        if distance_km(announced.lat, announced.lon, fix.lat, fix.lon) >= self.config.update_km:
            state.announced = fix
            findings.append(self._finding(state, obs.mmsi, Status.UPDATE))
        return state, findings

    def _finding(self, state: DistressState, mmsi: int, status: Status) -> Finding:
        first, last = state.first, state.last
        assert first is not None
        assert last is not None
        device = station_category(mmsi).label
        drift = distance_km(first.lat, first.lon, last.lat, last.lon)
        minutes = (last.t - first.t) / 60.0
        closed = status is Status.CLOSED
        summary = f"{device} {mmsi:09d} transmitting: a distress beacon"
        if closed:
            summary += (
                f", heard for {minutes:.0f} min, unheard for {self.config.close_minutes:g} min"
            )
        elif status is Status.UPDATE:
            summary += f", drifted {drift:.1f} km in {minutes:.0f} min"
        return Finding(
            type=AlertType.DISTRESS,
            status=status,
            mmsi=mmsi,
            start=first.t,
            end=last.t if closed else None,
            lat=first.lat,
            lon=first.lon,
            evidence={
                "device": device,
                "reports": state.reports,
                "minutes": round(minutes, 1),
                "last_lat": round(last.lat, 6),
                "last_lon": round(last.lon, 6),
                "last_seen": iso_utc(last.t),
                "drift_km": round(drift, 2),
            },
            summary=summary,
        )
