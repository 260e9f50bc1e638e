"""One scoring module for every alert: severity, a 0..100 score and the factors that raised it.

score = base[type]
      + magnitude_weight × min(1, (magnitude − 1) / 3)    (4× the threshold gives the full weight)
      + zone_risk_weight × zone.risk
      + history_weight × (other behaviours of the vessel within history_hours, at most 3)
      + context points (encounters: who met and how far from land, models/encounter/context.py)

Every term is monotone: a longer gap, a riskier zone or a busier history never lowers a score.

Routine behaviours (``ROUTINE``: a port call) are records of what a vessel did, not risks: they
score their base and their zone's risk only — a long stay in port is not suspicious, nor is a port
call after a dark period — and they never count among the vessel's recent behaviours that raise
its other alerts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.alerts import Alert, Finding, Severity, VesselInfo, alert_id
from models.config import ScoringConfig

_BANDS: tuple[tuple[float, Severity], ...] = (
    (85.0, Severity.CRITICAL),
    (65.0, Severity.HIGH),
    (45.0, Severity.MEDIUM),
    (25.0, Severity.LOW),
)


@dataclass(frozen=True, slots=True)
class Score:
    value: int
    severity: Severity
    factors: tuple[str, ...]


def severity_of(score: float) -> Severity:
    for floor, severity in _BANDS:
        if score >= floor:
            return severity
    return Severity.INFO


#: Behaviour types that are routine records: raised by their zone only, and raising nothing.
ROUTINE = frozenset({"port_call"})

#: (factor, points ≥ 0) a behaviour's context adds to its score.
Context = Sequence[tuple[str, float]]


def score_finding(
    finding: Finding,
    recent_behaviours: tuple[str, ...],
    config: ScoringConfig,
    context: Context = (),
) -> Score:
    """Score ``finding``; ``recent_behaviours`` are the vessel's other alert types in the window,
    ``context`` what else raises it (named as factors)."""
    factors: list[str] = []
    kind = finding.type.value
    routine = kind in ROUTINE
    total = config.base.get(kind, 20.0)
    size = 0.0 if routine else min(1.0, max(0.0, (finding.magnitude - 1.0) / 3.0))
    added = config.magnitude_weight * size
    total += added
    if added >= 2.0:
        factors.append(f"its size ({finding.magnitude:.1f}× the threshold)")
    zone = finding.zone
    if zone is not None and zone.risk:
        total += config.zone_risk_weight * zone.risk
        factors.append(f"inside {zone.name} (zone risk {zone.risk:.1f})")
    others = [] if routine else sorted(set(recent_behaviours) - {kind} - ROUTINE)
    if others:
        total += config.history_weight * min(3, len(others))
        factors.append("recent " + ", ".join(b.replace("_", " ") for b in others))
    for factor, points in context:
        total += max(0.0, points)
        factors.append(factor)
    value = round(min(100.0, max(0.0, total)))
    return Score(value, severity_of(value), tuple(factors))


def explain(finding: Finding, score: Score) -> str:
    """One human sentence: what happened, then what raised the score."""
    sentence = finding.summary or finding.type.value.replace("_", " ")
    if score.factors:
        sentence += "; raised by " + "; ".join(score.factors)
    return sentence + "."


def scored_alert(
    finding: Finding,
    vessel: VesselInfo,
    recent_behaviours: tuple[str, ...],
    config: ScoringConfig,
    context: Context = (),
    at: float | None = None,
) -> Alert:
    """The alert of ``finding``: scored, explained, with what is known of the vessel; ``at``:
    the event time that raised it (``Alert.at``)."""
    score = score_finding(finding, recent_behaviours, config, context)
    return Alert(
        alert_id=alert_id(finding),
        type=finding.type,
        status=finding.status,
        mmsi=finding.mmsi,
        other_mmsi=finding.other_mmsi,
        vessel=vessel,
        start=finding.start,
        end=finding.end,
        lat=finding.lat,
        lon=finding.lon,
        zone=finding.zone,
        severity=score.severity,
        score=score.value,
        explanation=explain(finding, score),
        evidence=finding.evidence,
        at=at,
    )
