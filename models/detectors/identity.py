"""Identity: MMSIs that are not a ship's, and names, call signs, IMOs or ship types that change.

``invalid_identity`` (ITU-R M.585): a vessel reporting positions under an MMSI that is no
station's — a number of no form of M.585, a form whose MID no state was allocated, a group call
identity (``0MIDXXXXX``, which calls several ships and is no one transmitter's), or a
well-known placeholder (123456789, 111111111, 0 …, the defaults of unconfigured transponders).
Once per vessel, at its first report. The other forms are stations' (models/stations.py): an
aid to navigation, a base station or a handheld is not reported for its number, only when it
moves like a ship (models/detectors/station_motion.py).

``identity_change``: the name, call sign, IMO number or ship type one MMSI reports takes a new
value while another was reported within ``window_hours`` (US advisory on deceptive shipping
practices: identity tampering). A value going missing is not a change; a rename long after the
old name was last heard is a quiet re-registration, not an alert; and two identities taking
turns under one MMSI raise one alert per new value, not one per turn. Both are instant events.

Repeated changes are one incident: the first is alerted on its own; a static report that
changes the identity within ``repeat_hours`` of the vessel's previous change opens a series,
one ``identity_change`` episode counting the changes (models/detectors/series.py) — several
unconfigured transponders on one placeholder number, or one transmitter flapping between two
configurations, is one alert to follow, not one per static report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from models.alerts import AlertType, Finding, Status
from models.config import IdentityConfig
from models.detectors.base import Kind, Observation
from models.detectors.series import Repeats, Series
from models.geo import SECONDS_PER_HOUR
from models.records import iso_utc
from models.stations import Station, station_form
from zones.flags import mid_allocation

#: Transponder defaults and test numbers seen in the wild, not allocated to any ship.
PLACEHOLDERS = frozenset(
    {0, 1, 123456789, 111111111, 222222222, 333333333, 444444444, 555555555, 666666666,
     777777777, 888888888, 999999999, 987654321, 100000000, 1193046, 12345678}
)  # fmt: skip

FIELDS = ("name", "callsign", "imo", "ship_type")


def invalid_reason(mmsi: int) -> str | None:
    """Why ``mmsi`` is no station's own MMSI, or ``None`` when it is one (of any kind)."""
    if mmsi in PLACEHOLDERS:
        return f"{mmsi} is a placeholder number of unconfigured transponders"
    form, mid = station_form(mmsi)
    if form is Station.INVALID:
        return f"{mmsi:09d} is no station's MMSI (no form of ITU-R M.585)"
    if mid is not None and not mid_allocation(mid):
        return f"MID {mid} of {mmsi:09d} ({form.label}) is allocated to no state"
    if form is Station.GROUP:
        return f"{mmsi:09d} is a group call identity, which no single station transmits under"
    return None


_VALUES_KEPT = 8


@dataclass(slots=True)
class IdentityState:
    checked: bool = False
    #: field -> {str(value): [value, last time it was reported]}, the latest few values
    known: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    last_change: float | None = None  # the latest static report that changed the identity
    series: Series | None = None


class Identity:
    name = "identity"
    needs: ClassVar[frozenset[Kind]] = frozenset({Kind.POSITION, Kind.STATIC, Kind.SILENCE})

    def __init__(self, config: IdentityConfig) -> None:
        self.config = config
        self._window = config.window_hours * 3600.0
        self.repeats = Repeats(config.repeat_hours * SECONDS_PER_HOUR)

    def due(self, state: IdentityState) -> float | None:
        series = state.series
        return None if series is None else series.last + self.repeats.window

    def initial(self) -> IdentityState:
        return IdentityState()

    def restore(self, data: dict[str, Any]) -> IdentityState:
        """The state back from ``dataclasses.asdict`` of it (as JSON gives it)."""
        known = {
            name: {key: [pair[0], float(pair[1])] for key, pair in values.items()}
            for name, values in data.get("known", {}).items()
        }
        series, last = data.get("series"), data.get("last_change")
        return IdentityState(
            checked=bool(data.get("checked")),
            known=known,
            last_change=None if last is None else float(last),
            series=None if series is None else Series.restore(series),
        )

    def step(self, state: IdentityState, obs: Observation) -> tuple[IdentityState, list[Finding]]:
        if obs.kind is Kind.POSITION and state.checked and state.series is None:
            return state, []  # the hot path: a vessel's every report after its first
        ended: list[Finding] = []
        if state.series is not None:
            state.series, closed = self.repeats.expire(state.series, obs.t)
            if closed is not None:
                ended.append(self._series(obs.mmsi, closed, Status.CLOSED, None))
        if obs.kind is Kind.SILENCE:
            return state, ended
        if obs.kind is Kind.STATIC:
            return state, ended + self._changed(state, obs)
        if state.checked:
            return state, ended
        state.checked = True
        reason = invalid_reason(obs.mmsi)
        if reason is None:
            return state, ended
        fix = obs.position
        return state, [
            *ended,
            Finding(
                type=AlertType.INVALID_IDENTITY,
                status=Status.CLOSED,
                mmsi=obs.mmsi,
                start=fix.t,
                end=fix.t,
                lat=fix.lat,
                lon=fix.lon,
                evidence={"reason": reason},
                summary=f"Positions reported under an invalid identity: {reason}",
            ),
        ]

    def _changed(self, state: IdentityState, obs: Observation) -> list[Finding]:
        """A static report: its changes alerted on their own, or counted in a series."""
        findings = self._static(state, obs)
        if not findings:
            return []
        where = obs.previous
        position = (None, None) if where is None else (where.lat, where.lon)
        state.series, status = self.repeats.event(
            state.series, state.last_change, obs.t, position, 1.0
        )
        state.last_change = obs.t
        if state.series is None:
            return findings
        if status is None:
            return []
        return [self._series(obs.mmsi, state.series, status, findings[0])]

    def _series(self, mmsi: int, series: Series, status: Status, latest: Finding | None) -> Finding:
        hours = (series.last - series.first) / SECONDS_PER_HOUR
        repeat = self.config.repeat_hours
        closed = status is Status.CLOSED
        summary = (
            f"Identity kept changing: {series.events} changes in {hours:.1f} h, each within "
            f"{repeat:g} h of the last"
        )
        evidence: dict[str, Any] = {
            "changes": series.events,
            "first_change": iso_utc(series.first),
            "last_change": iso_utc(series.last),
            "repeat_hours": repeat,
        }
        if latest is not None:
            evidence.update(latest.evidence)
            evidence.pop("hours_since_old", None)
            summary += f" (latest: {latest.summary[0].lower()}{latest.summary[1:]})"
        summary += (
            f"; none for {repeat:g} h since"
            if closed
            else ": several transmitters share this MMSI, or one keeps being reconfigured"
        )
        return series.finding(AlertType.IDENTITY_CHANGE, status, mmsi, closed, evidence, summary)

    def _static(self, state: IdentityState, obs: Observation) -> list[Finding]:
        """A static report: compare each field it carries with what the vessel said before."""
        report, t, where = obs.static, obs.t, obs.previous
        assert report is not None
        findings: list[Finding] = []
        for name in FIELDS:
            value = getattr(report, name)
            if value is None:
                continue
            values = state.known.setdefault(name, {})
            key = str(value)
            recent = [
                pair for k, pair in values.items() if k != key and t - pair[1] <= self._window
            ]
            is_new = key not in values or t - values[key][1] > self._window
            values[key] = [value, t]
            if len(values) > _VALUES_KEPT:
                del values[min(values, key=lambda k: values[k][1])]
            if not is_new or not recent:
                continue
            old, seen = max(recent, key=lambda pair: pair[1])
            hours = (t - seen) / 3600.0
            findings.append(
                Finding(
                    type=AlertType.IDENTITY_CHANGE,
                    status=Status.CLOSED,
                    mmsi=obs.mmsi,
                    start=t,
                    end=t,
                    lat=None if where is None else where.lat,
                    lon=None if where is None else where.lon,
                    evidence={
                        "field": name,
                        "old": old,
                        "new": value,
                        "hours_since_old": round(hours, 2),
                    },
                    summary=(
                        f"{name.replace('_', ' ').capitalize()} changed from {old!r} to "
                        f"{value!r} within {hours:.1f} h"
                    ),
                )
            )
        return findings
