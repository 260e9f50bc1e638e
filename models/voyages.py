"""Voyages (``vigilmar.voyage/1``, issue 17): a vessel's way from one port call to the next.

``Voyages`` is fed the alerts (as ``models.vessel_risk`` is: in the order they were produced,
each once for every vessel it concerns) and makes voyages of them. A port call's close is a
departure: a voyage begins, under way (``to`` null). The next call's open is its arrival: its
evidence (``models.detectors.port_call``) carries the voyage's distance sailed and farthest
distance from the shipping lanes, and names the departure it ends. Every other alert of the
vessel whose episode began during a voyage belongs to it: its ``alert_ids``, stops at sea, hours
dark and declared destinations (the port calls' and ``destination_change``'s), and a risk score
— the highest alert score, plus ``vessel_risk.behaviour_weight`` per other behaviour type that
reached ``vessel_risk.min_score`` (at most ``max_behaviours``), plus the port risk of its ends
(``PortRisks``: a user file, ``vigilmar replay --port-risk``). A voyage shorter than
``voyages.min_distance_nm`` — a shift between two overlapping harbour zones, a move inside a
port — is not a voyage: it is dropped (a tombstone in the stream).

What a voyage holds does not depend on the order its alerts came in (they are placed by their
event times, its lists sorted), so the replay and the stream give the same voyages however the
alert stream interleaves. Memory is bounded: per vessel the newest ``MAX_KEPT`` voyages (an alert
for an older one is too late to count), ``MAX_ALERTS`` alert ids per voyage (the rest counted)
and ``MAX_LOOSE`` recent alerts not yet in a voyage — those raised between leaving a port and
the close of its call (``port_call.exit_minutes`` later), taken in when the voyage begins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from models.alerts import Alert, AlertType, Status, VesselInfo
from models.config import VesselRiskConfig, VoyageConfig
from models.engine import Engine
from models.port_risk import PortRisk, PortRisks
from models.records import iso_utc
from models.scoring import ROUTINE, severity_of
from zones.model import Zone

__all__ = ["MAX_KEPT", "SCHEMA", "Voyages", "voyage_key"]

SCHEMA = "vigilmar.voyage/1"
MAX_KEPT = 4
MAX_ALERTS = 100
MAX_LOOSE = 16

ZoneLookup = Callable[[str], Zone | None]
#: (key, record): a voyage made or changed, or its key and None when it is dropped.
Change = tuple[str, dict[str, Any] | None]

_UNKNOWN = VesselInfo()


@dataclass(slots=True)
class Member:
    """One alert episode of a voyage: its type, start and highest score; hours dark for a
    dark period that closed."""

    type: str
    start: float
    score: int
    dark_hours: float = 0.0
    destination: str | None = None
    #: What listed ports added to the alert's score (its evidence ``listed_port_points``).
    port_points: float = 0.0


@dataclass(slots=True)
class Voyage:
    departure: str  # ISO 8601, as every path gives it
    from_id: str | None
    from_name: str | None = None
    arrival: str | None = None
    to_id: str | None = None
    to_name: str | None = None
    distance_nm: float | None = None
    max_corridor_nm: float | None = None
    #: (event time, destination) declared: at departure, changed at sea, at arrival.
    declared: dict[str, str] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    omitted: int = 0
    short: bool = False

    def holds(self, t: float) -> bool:
        """Whether event time ``t`` lies in the voyage (from departure to arrival)."""
        return _seconds(self.departure) <= t and (
            self.arrival is None or t <= _seconds(self.arrival)
        )


@dataclass(slots=True)
class VesselVoyages:
    mmsi: int
    vessel: VesselInfo | None = None
    voyages: list[Voyage] = field(default_factory=list)  # oldest first
    #: In a port call (its open seen, its close not yet): the alerts since, in no voyage yet,
    #: are kept (alert id, member) for the voyage its close will begin.
    calling: bool = False
    loose: list[tuple[str, Member]] = field(default_factory=list)


def voyage_key(mmsi: int, departure: str) -> str:
    """The voyage's key (``voyage_id``, the stream's record key): MMSI and departure."""
    return f"{mmsi}:{departure}"


class Voyages:
    """Every vessel's voyages, made of its alerts."""

    def __init__(
        self,
        config: VoyageConfig | None = None,
        zone_of: ZoneLookup | None = None,
        weights: VesselRiskConfig | None = None,
        port_risks: PortRisks | None = None,
    ) -> None:
        self.config = config if config is not None else VoyageConfig()
        self.zone_of = zone_of if zone_of is not None else (lambda zone_id: None)
        self.weights = weights if weights is not None else VesselRiskConfig()
        self.port_risks = port_risks if port_risks is not None else PortRisks()
        self._vessels: dict[int, VesselVoyages] = {}

    @classmethod
    def of(cls, engine: Engine) -> Voyages:
        """The voyages of ``engine``'s alerts: its configuration, its zones' names and
        countries, its port risks."""
        config = engine.config
        return cls(config.voyages, engine.zone_by_id.get, config.vessel_risk, engine.port_risks)

    def __len__(self) -> int:
        return sum(len(v.voyages) for v in self._vessels.values())

    def update(self, alert: Alert) -> list[Change]:
        """Fold one alert in (for its vessel, and for the other vessel of an encounter)."""
        changes = self.update_for(alert, alert.mmsi)
        if alert.type is AlertType.ENCOUNTER and alert.other_mmsi not in (None, alert.mmsi):
            assert alert.other_mmsi is not None
            changes += self.update_for(alert, alert.other_mmsi)
        return changes

    def update_for(self, alert: Alert, mmsi: int) -> list[Change]:
        """Fold one alert into one vessel's voyages only: its own alert, or an encounter it was
        the other vessel of; the voyages it made, changed or dropped."""
        own = alert.mmsi == mmsi
        if not own and not (alert.type is AlertType.ENCOUNTER and alert.other_mmsi == mmsi):
            return []
        state = self._vessels.get(mmsi)
        if state is None:
            state = self._vessels[mmsi] = VesselVoyages(mmsi)
        renamed = own and state.vessel != alert.vessel
        if renamed:
            state.vessel = alert.vessel
        if own and alert.type is AlertType.PORT_CALL:
            touched = self._port_call(state, alert)
        else:
            touched = self._member(state, alert)
        if renamed:
            touched = state.voyages
        if not state.voyages and not state.calling:
            del self._vessels[mmsi]  # nothing to remember it by
        return [self._change(state, voyage) for voyage in touched]

    # -- records ------------------------------------------------------------------------------

    def records(self) -> list[dict[str, Any]]:
        """Every voyage kept (not the dropped short ones), by departure, then MMSI."""
        found = [
            (voyage.departure, state.mmsi, self.record(state, voyage))
            for state in self._vessels.values()
            for voyage in state.voyages
            if not voyage.short
        ]
        return [record for _, _, record in sorted(found, key=lambda item: item[:2])]

    def record(self, state: VesselVoyages, voyage: Voyage) -> dict[str, Any]:
        """The ``vigilmar.voyage/1`` object of one voyage."""
        departure, arrival = _seconds(voyage.departure), None
        if voyage.arrival is not None:
            arrival = _seconds(voyage.arrival)
        members = sorted(voyage.members.items(), key=lambda item: (item[1].start, item[0]))
        score, explanation = self._risk(voyage, members)
        return {
            "schema": SCHEMA,
            "voyage_id": voyage_key(state.mmsi, voyage.departure),
            "mmsi": state.mmsi,
            "vessel": (state.vessel or _UNKNOWN).to_dict(),
            "from": self._port(voyage.from_id, voyage.from_name),
            "to": self._port(voyage.to_id, voyage.to_name),
            "departure": voyage.departure,
            "arrival": voyage.arrival,
            "distance_nm": voyage.distance_nm,
            "duration_h": None if arrival is None else round((arrival - departure) / 3600, 2),
            "destinations": _destinations(voyage.declared),
            "stops_at_sea": sum(1 for _, m in members if m.type == AlertType.STOP_AT_SEA),
            "dark_hours": round(sum(m.dark_hours for _, m in members), 2),
            "max_corridor_nm": voyage.max_corridor_nm,
            "alert_ids": [alert_id for alert_id, _ in members],
            "alerts_omitted": voyage.omitted,
            "risk_score": score,
            "severity": severity_of(score).value,
            "explanation": explanation,
        }

    # -- snapshots ----------------------------------------------------------------------------

    def snapshot(self, mmsi: int) -> dict[str, Any] | None:
        """One vessel's voyages as JSON-ready data (None: it holds none)."""
        state = self._vessels.get(mmsi)
        if state is None:
            return None
        return {
            "mmsi": mmsi,
            "vessel": None if state.vessel is None else state.vessel.to_dict(),
            "voyages": [asdict(voyage) for voyage in state.voyages],
            "calling": state.calling,
            "loose": [[alert_id, asdict(m)] for alert_id, m in state.loose],
        }

    def restore(self, data: dict[str, Any]) -> int:
        """Take back one vessel's voyages from ``snapshot``; its MMSI."""
        vessel = data.get("vessel")
        state = VesselVoyages(
            mmsi=int(data["mmsi"]),
            vessel=None if vessel is None else VesselInfo(**vessel),
            voyages=[_voyage_from(item) for item in data.get("voyages", [])],
            calling=bool(data.get("calling", False)),
            loose=[(str(alert_id), Member(**m)) for alert_id, m in data.get("loose", [])],
        )
        self._vessels[state.mmsi] = state
        return state.mmsi

    # -- internals ----------------------------------------------------------------------------

    def _port_call(self, state: VesselVoyages, alert: Alert) -> list[Voyage]:
        zone = alert.zone
        evidence = alert.evidence
        destination = evidence.get("destination")
        if alert.status is Status.CLOSED and alert.end is not None and zone is not None:
            departure = iso_utc(alert.end)
            assert departure is not None
            voyage = self._voyage(state, departure, zone.id)
            voyage.from_name = zone.name
            if isinstance(destination, str):
                voyage.declared.setdefault(departure, destination)
            self._take_loose(state, voyage)
            state.calling = False
            return [voyage]
        if alert.status is not Status.OPEN or zone is None:
            return []
        state.calling, state.loose = True, []
        departed = evidence.get("voyage_departure")
        if not isinstance(departed, str):
            return []
        from_id = evidence.get("voyage_from")
        voyage = self._voyage(state, departed, from_id if isinstance(from_id, str) else None)
        arrival = iso_utc(alert.start)
        assert arrival is not None
        voyage.arrival, voyage.to_id, voyage.to_name = arrival, zone.id, zone.name
        voyage.distance_nm = _number(evidence.get("voyage_distance_nm"))
        voyage.max_corridor_nm = _number(evidence.get("voyage_max_corridor_nm"))
        if isinstance(destination, str):
            voyage.declared.setdefault(arrival, destination)
        voyage.short = (voyage.distance_nm or 0.0) < self.config.min_distance_nm
        return [voyage]

    def _voyage(self, state: VesselVoyages, departure: str, from_id: str | None) -> Voyage:
        """The vessel's voyage that departed at ``departure`` (made if new, newest kept)."""
        for voyage in state.voyages:
            if voyage.departure == departure:
                return voyage
        voyage = Voyage(departure, from_id)
        state.voyages.append(voyage)
        state.voyages.sort(key=lambda v: _seconds(v.departure))
        del state.voyages[:-MAX_KEPT]
        return voyage

    def _member(self, state: VesselVoyages, alert: Alert) -> list[Voyage]:
        points = _number(alert.evidence.get("listed_port_points")) or 0.0
        member = Member(alert.type.value, alert.start, alert.score, port_points=points)
        if alert.type is AlertType.DARK_PERIOD and alert.end is not None:
            member.dark_hours = round((alert.end - alert.start) / 3600, 2)
        if alert.type is AlertType.DESTINATION_CHANGE:
            new = alert.evidence.get("new")
            member.destination = new if isinstance(new, str) else None
        for voyage in reversed(state.voyages):
            if voyage.holds(alert.start):
                return [voyage] if _add(voyage, alert.alert_id, member) else []
        if state.calling:
            _keep_loose(state, alert.alert_id, member)
        return []

    def _take_loose(self, state: VesselVoyages, voyage: Voyage) -> None:
        rest = []
        for alert_id, member in state.loose:
            if voyage.holds(member.start):
                _add(voyage, alert_id, member)
            else:
                rest.append((alert_id, member))
        state.loose = rest

    def _change(self, state: VesselVoyages, voyage: Voyage) -> Change:
        key = voyage_key(state.mmsi, voyage.departure)
        return key, None if voyage.short else self.record(state, voyage)

    def _port(self, zone_id: str | None, name: str | None) -> dict[str, Any] | None:
        if zone_id is None:
            return None
        zone = self.zone_of(zone_id)
        risk = self.port_risks.of_zone(zone_id)
        return {
            "id": zone_id,
            "name": zone.name if zone is not None else name,
            "country": None if zone is None else zone.country,
            "risk": None if risk is None else risk.risk,
        }

    def _listed_ends(self, voyage: Voyage) -> list[tuple[str, PortRisk]]:
        """The voyage's ends the port risk file lists: from, and to — or, under way, the last
        destination declared."""
        risks = self.port_risks
        ends = [("departed", risks.of_zone(voyage.from_id))]
        if voyage.to_id is not None:
            ends.append(("arrived at", risks.of_zone(voyage.to_id)))
        else:
            declared = _destinations(voyage.declared)
            ends.append(("bound for", risks.of_destination(declared[-1] if declared else None)))
        return [(end, risk) for end, risk in ends if risk is not None]

    def _risk(self, voyage: Voyage, members: list[tuple[str, Member]]) -> tuple[int, str]:
        """The voyage's 0..100 risk score, and one sentence: its highest alert, then what
        raised the score beyond it."""
        weights = self.weights
        scored = [m for _, m in members if m.type not in ROUTINE]
        top = max(scored, key=lambda m: (m.score, -m.start), default=None)
        # the ends' port risk is added below, once: not again as part of the top alert's score
        total = 0.0 if top is None else max(0.0, top.score - top.port_points)
        sentence = "No alert during the voyage"
        if top is not None:
            sentence = f"Highest alert: {_words(top.type)} scored {top.score}"
            if top.port_points:
                sentence += f" ({total:g} before the listed ports)"
        raised = []
        kinds = sorted({m.type for m in scored if m.score >= weights.min_score})
        others = [kind for kind in kinds if top is None or kind != top.type]
        points = weights.behaviour_weight * min(weights.max_behaviours, len(others))
        if others and points:
            total += points
            raised.append(f"other behaviours ({', '.join(map(_words, others))}): +{points:g}")
        for end, risk in self._listed_ends(voyage):
            added = round(self.config.port_risk_weight * risk.risk, 1)
            if added > 0:
                total += added
                raised.append(f"{end} {risk.port}, a listed port ({risk.reason}): +{added:g}")
        if raised:
            sentence += "; raised by: " + "; ".join(raised)
        return round(min(100.0, total)), sentence + "."


def _add(voyage: Voyage, alert_id: str, member: Member) -> bool:
    """Put an alert's message in the voyage; True if the voyage changed."""
    held = voyage.members.get(alert_id)
    if held is not None:
        changed = member.score > held.score or member.dark_hours > held.dark_hours
        if member.score > held.score:
            held.score, held.port_points = member.score, member.port_points
        held.dark_hours = max(held.dark_hours, member.dark_hours)
        return changed
    if len(voyage.members) >= MAX_ALERTS:
        voyage.omitted += 1
        return True
    voyage.members[alert_id] = member
    if member.destination is not None:
        iso = iso_utc(member.start)
        assert iso is not None
        voyage.declared[iso] = member.destination
    return True


def _keep_loose(state: VesselVoyages, alert_id: str, member: Member) -> None:
    if all(alert_id != held for held, _ in state.loose):
        state.loose.append((alert_id, member))
        del state.loose[:-MAX_LOOSE]  # the newest: those after the departure


def _destinations(declared: dict[str, str]) -> list[str]:
    """The destinations declared, in event-time order, each once."""
    seen: list[str] = []
    for _, destination in sorted(declared.items(), key=lambda item: _seconds(item[0])):
        if destination not in seen:
            seen.append(destination)
    return seen


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _seconds(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _words(kind: str) -> str:
    return kind.replace("_", " ")


def _voyage_from(data: dict[str, Any]) -> Voyage:
    members = {str(k): Member(**m) for k, m in data.get("members", {}).items()}
    fields = {k: v for k, v in data.items() if k != "members"}
    return Voyage(**fields, members=members)
