"""Per-vessel risk: what every vessel's alerts add up to (``vigilmar.vessel/1``).

``VesselRisk`` is fed the alerts in the order the engine produced them and keeps, per MMSI, the
vessel's identity, its distinct episodes by alert type, its highest-scoring alert, the start of
its first and last episode, the vessels it met, and a 0..100 risk score:

    risk_score = highest alert score
               + behaviour_weight × min(max_behaviours, other behaviour types)
               + repeat_weight × min(max_repeats, repeated episodes)
    (at most 100)

Only episodes that reached ``min_score`` (25 by default: severity low or above) count as a
behaviour or a repeat, so routine port calls never raise a vessel's risk. An episode is counted
once however many messages (open, update, closed) it has. Every term only grows as alerts come:
more or higher alerts never lower a vessel's score, and the score does not depend on the order
the alerts came in.

An encounter (an alert with ``other_mmsi``) also counts for the other vessel, whose identity
stays unknown until an alert of its own names it. An encounter episode is keyed by the pair and
its start, so it is counted once for each vessel even if both vessels' sides are reported.

Pure and deterministic: no clock, no I/O. ``update`` says which vessels' summaries changed, and
``summary`` is cheap, so a streaming agent can publish each change keyed by MMSI.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from models.alerts import Alert, AlertType, VesselInfo
from models.config import VesselRiskConfig
from models.records import iso_utc
from models.scoring import severity_of

__all__ = ["SCHEMA", "TopAlert", "VesselRisk", "VesselRiskState"]

SCHEMA = "vigilmar.vessel/1"

_UNKNOWN = VesselInfo()


@dataclass(frozen=True, slots=True)
class TopAlert:
    """A vessel's highest-scoring alert: the first to reach that score."""

    score: int
    type: AlertType
    alert_id: str


@dataclass(slots=True)
class VesselRiskState:
    """What one vessel's alerts have shown so far."""

    mmsi: int
    top: TopAlert
    first: float
    last: float
    #: The latest identity from the vessel's own alerts; ``None`` if it has only been met.
    vessel: VesselInfo | None = None
    #: Highest score of each episode so far, by episode key.
    episodes: dict[str, int] = field(default_factory=dict)
    #: Distinct episodes by type.
    counts: Counter[AlertType] = field(default_factory=Counter)
    #: Distinct episodes by type that reached ``min_score``.
    raising: Counter[AlertType] = field(default_factory=Counter)
    met: set[int] = field(default_factory=set)


class VesselRisk:
    """Per-vessel risk summaries, accumulated from alerts in the order they were produced."""

    def __init__(self, weights: VesselRiskConfig | None = None) -> None:
        self.weights = weights if weights is not None else VesselRiskConfig()
        self._vessels: dict[int, VesselRiskState] = {}

    def __len__(self) -> int:
        return len(self._vessels)

    def __contains__(self, mmsi: object) -> bool:
        return mmsi in self._vessels

    def update(self, alert: Alert) -> list[int]:
        """Fold one alert in; return the MMSIs whose summary changed (its vessel first)."""
        changed = []
        if self._fold(alert, alert.mmsi, alert.other_mmsi, own=True):
            changed.append(alert.mmsi)
        other = alert.other_mmsi
        if (
            alert.type is AlertType.ENCOUNTER
            and other is not None
            and other != alert.mmsi
            and self._fold(alert, other, alert.mmsi, own=False)
        ):
            changed.append(other)
        return changed

    def update_for(self, alert: Alert, mmsi: int) -> bool:
        """Fold one alert into one vessel's summary only — its own alert, or an encounter it was
        the other vessel of (a streaming partition owns one side of a pair); True if changed."""
        if mmsi == alert.mmsi:
            return self._fold(alert, mmsi, alert.other_mmsi, own=True)
        if alert.type is AlertType.ENCOUNTER and alert.other_mmsi == mmsi:
            return self._fold(alert, mmsi, alert.mmsi, own=False)
        return False

    def snapshot(self, mmsi: int) -> dict[str, Any]:
        """One vessel's state as plain JSON-ready data (``restore`` takes it back)."""
        state = self._vessels[mmsi]
        return {
            "mmsi": state.mmsi,
            "top": [state.top.score, state.top.type.value, state.top.alert_id],
            "first": state.first,
            "last": state.last,
            "vessel": None if state.vessel is None else state.vessel.to_dict(),
            "episodes": dict(state.episodes),
            "counts": {kind.value: n for kind, n in state.counts.items()},
            "raising": {kind.value: n for kind, n in state.raising.items()},
            "met": sorted(state.met),
        }

    def restore(self, data: dict[str, Any]) -> int:
        """Take back a vessel's state from ``snapshot``; returns its MMSI."""
        score, kind, alert_id = data["top"]
        vessel = data.get("vessel")
        state = VesselRiskState(
            mmsi=int(data["mmsi"]),
            top=TopAlert(int(score), AlertType(kind), str(alert_id)),
            first=float(data["first"]),
            last=float(data["last"]),
            vessel=None if vessel is None else VesselInfo(**vessel),
            episodes={str(k): int(v) for k, v in data["episodes"].items()},
            counts=Counter({AlertType(k): int(v) for k, v in data["counts"].items()}),
            raising=Counter({AlertType(k): int(v) for k, v in data["raising"].items()}),
            met={int(m) for m in data["met"]},
        )
        self._vessels[state.mmsi] = state
        return state.mmsi

    def risk_score(self, mmsi: int) -> int:
        """The vessel's 0..100 risk score; ``KeyError`` if it has had no alert."""
        return self._score(self._vessels[mmsi])[0]

    def summary(self, mmsi: int) -> dict[str, Any]:
        """The vessel's ``vigilmar.vessel/1`` object; ``KeyError`` if it has had no alert."""
        state = self._vessels[mmsi]
        score, others, repeats = self._score(state)
        return {
            "schema": SCHEMA,
            "mmsi": state.mmsi,
            "vessel": (state.vessel or _UNKNOWN).to_dict(),
            "risk_score": score,
            "severity": severity_of(score).value,
            "alerts": {kind.value: state.counts[kind] for kind in AlertType if state.counts[kind]},
            "top_alert": {
                "alert_id": state.top.alert_id,
                "type": state.top.type.value,
                "score": state.top.score,
            },
            "first": iso_utc(state.first),
            "last": iso_utc(state.last),
            "met": sorted(state.met),
            "explanation": self._explain(state, others, repeats),
        }

    def summaries(self) -> list[dict[str, Any]]:
        """Every vessel's summary, highest risk score first, then by MMSI."""
        ranked = sorted(self._vessels, key=lambda mmsi: (-self.risk_score(mmsi), mmsi))
        return [self.summary(mmsi) for mmsi in ranked]

    # -- internals ----------------------------------------------------------------------------

    def _fold(self, alert: Alert, mmsi: int, counterpart: int | None, *, own: bool) -> bool:
        """Fold ``alert`` into vessel ``mmsi``'s state; ``True`` if its summary changed."""
        score = alert.score
        state = self._vessels.get(mmsi)
        if state is None:
            top = TopAlert(score, alert.type, alert.alert_id)
            state = VesselRiskState(mmsi, top, alert.start, alert.start)
            self._vessels[mmsi] = state
            changed = True
        else:
            changed = False
            if score > state.top.score:
                state.top = TopAlert(score, alert.type, alert.alert_id)
                changed = True
            if alert.start < state.first:
                state.first = alert.start
                changed = True
            if alert.start > state.last:
                state.last = alert.start
                changed = True
        if own and state.vessel != alert.vessel:
            state.vessel = alert.vessel
            changed = True
        key = _episode_key(alert, counterpart)
        before = state.episodes.get(key)
        if before is None:
            state.counts[alert.type] += 1
            changed = True
        if before is None or score > before:
            state.episodes[key] = score
            floor = self.weights.min_score
            if score >= floor and (before is None or before < floor):
                state.raising[alert.type] += 1
                changed = True
        if (
            alert.type is AlertType.ENCOUNTER
            and counterpart is not None
            and counterpart != mmsi
            and counterpart not in state.met
        ):
            state.met.add(counterpart)
            changed = True
        return changed

    def _score(self, state: VesselRiskState) -> tuple[int, int, int]:
        """The risk score, and the other behaviour types and repeated episodes that raised it."""
        weights = self.weights
        others = max(0, len(state.raising) - 1)
        repeats = sum(state.raising.values()) - len(state.raising)
        total = (
            state.top.score
            + weights.behaviour_weight * min(weights.max_behaviours, others)
            + weights.repeat_weight * min(weights.max_repeats, repeats)
        )
        return round(min(100.0, total)), others, repeats

    def _explain(self, state: VesselRiskState, others: int, repeats: int) -> str:
        weights = self.weights
        top = state.top
        sentence = f"Highest alert: {_words(top.type)} scored {top.score}"
        raised = []
        behaviour_points = weights.behaviour_weight * min(weights.max_behaviours, others)
        if others and behaviour_points:
            names = ", ".join(
                _words(kind) for kind in AlertType if kind in state.raising and kind is not top.type
            )
            raised.append(f"other behaviours ({names}: +{behaviour_points:g})")
        repeat_points = weights.repeat_weight * min(weights.max_repeats, repeats)
        if repeats and repeat_points:
            episodes = "episode" if repeats == 1 else "episodes"
            raised.append(f"{repeats} repeated {episodes} (+{repeat_points:g})")
        if raised:
            sentence += "; raised by " + " and ".join(raised)
        if state.met:
            vessels = "vessel" if len(state.met) == 1 else "vessels"
            sentence += f"; met {len(state.met)} {vessels}"
        return sentence + "."


def _episode_key(alert: Alert, counterpart: int | None) -> str:
    """One key per episode of one vessel: the alert id, or for an encounter the vessel met and
    the start (the same for whichever side of the pair reports it)."""
    if alert.type is AlertType.ENCOUNTER and counterpart is not None:
        return f"encounter|{counterpart}|{alert.start!r}"
    return alert.alert_id


def _words(kind: AlertType) -> str:
    return kind.value.replace("_", " ")
