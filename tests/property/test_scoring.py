"""The score only ever rises with what should raise it: size, zone risk and history."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from models.alerts import AlertType, Finding, Status, ZoneRef
from models.config import ScoringConfig
from models.scoring import score_finding, severity_of

CONFIG = ScoringConfig()
KINDS = st.sampled_from(list(AlertType))
BEHAVIOURS = st.lists(st.sampled_from([k.value for k in AlertType]), max_size=6).map(tuple)


def finding(kind: AlertType, magnitude: float, risk: float | None) -> Finding:
    zone = None if risk is None else ZoneRef("z", "Zone", "high_risk", risk)
    return Finding(kind, Status.CLOSED, 311000001, 0.0, 1.0, 14.0, -67.0, zone, None, {}, magnitude)


@given(KINDS, st.floats(0, 50), st.floats(0, 50), BEHAVIOURS)
def test_a_bigger_behaviour_never_scores_lower(
    kind: AlertType, a: float, b: float, history: tuple[str, ...]
) -> None:
    low, high = sorted((a, b))
    assert (
        score_finding(finding(kind, low, None), history, CONFIG).value
        <= score_finding(finding(kind, high, None), history, CONFIG).value
    )


@given(KINDS, st.floats(0, 1), st.floats(0, 1), st.floats(0, 10))
def test_a_riskier_zone_never_scores_lower(
    kind: AlertType, a: float, b: float, size: float
) -> None:
    low, high = sorted((a, b))
    assert (
        score_finding(finding(kind, size, low), (), CONFIG).value
        <= score_finding(finding(kind, size, high), (), CONFIG).value
    )


@given(KINDS, BEHAVIOURS, BEHAVIOURS, st.floats(0, 10))
def test_more_history_never_scores_lower(
    kind: AlertType, some: tuple[str, ...], more: tuple[str, ...], size: float
) -> None:
    base = score_finding(finding(kind, size, None), some, CONFIG).value
    assert base <= score_finding(finding(kind, size, None), some + more, CONFIG).value


def test_a_dark_period_then_an_encounter_ranks_above_either_alone() -> None:
    encounter = finding(AlertType.ENCOUNTER, 1.0, None)
    alone = score_finding(encounter, (), CONFIG).value
    after_dark = score_finding(encounter, ("dark_period",), CONFIG).value
    dark_alone = score_finding(finding(AlertType.DARK_PERIOD, 1.0, None), (), CONFIG).value
    assert after_dark > alone
    assert after_dark > dark_alone


@given(st.floats(0, 100), st.floats(0, 100))
def test_severity_follows_the_score(a: float, b: float) -> None:
    order = ["info", "low", "medium", "high", "critical"]
    low, high = sorted((a, b))
    assert order.index(severity_of(low)) <= order.index(severity_of(high))


@given(st.floats(0, 50), BEHAVIOURS)
def test_a_port_call_is_routine_however_long_and_whatever_came_before(
    size: float, history: tuple[str, ...]
) -> None:
    score = score_finding(finding(AlertType.PORT_CALL, size, None), history, CONFIG)
    assert score.value == CONFIG.base["port_call"]
    assert score.severity.value == "info"
    assert score.factors == ()


def test_a_port_call_raises_no_other_alert_but_a_risky_port_raises_the_call() -> None:
    dark = finding(AlertType.DARK_PERIOD, 1.0, None)
    assert (
        score_finding(dark, ("port_call",), CONFIG).value == score_finding(dark, (), CONFIG).value
    )
    assert score_finding(dark, ("port_call", "loitering"), CONFIG).factors == ("recent loitering",)
    risky = score_finding(finding(AlertType.PORT_CALL, 5.0, 1.0), ("loitering",), CONFIG)
    assert risky.value == CONFIG.base["port_call"] + CONFIG.zone_risk_weight
