"""Per-vessel risk summaries (``models.vessel_risk``): episodes, encounters, the score."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.alerts import Alert, AlertType, Severity, Status, VesselInfo
from models.config import ConfigError, VesselRiskConfig, config_from_dict
from models.scoring import severity_of
from models.vessel_risk import SCHEMA, VesselRisk

T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z
HOUR = 3600.0
A, B, C = 311000001, 311000002, 311000003


def alert(
    kind: AlertType,
    mmsi: int = A,
    *,
    score: int = 40,
    status: Status = Status.CLOSED,
    start: float = T0,
    other: int | None = None,
    alert_id: str | None = None,
    vessel: VesselInfo | None = None,
) -> Alert:
    """An alert as the engine makes them; one episode per (type, vessel, other, start)."""
    return Alert(
        alert_id=alert_id or f"{kind.value}-{mmsi}-{other}-{start:.0f}",
        type=kind,
        status=status,
        mmsi=mmsi,
        other_mmsi=other,
        vessel=vessel or VesselInfo(name=f"SHIP {mmsi}", flag="BS"),
        start=start,
        end=None if status is Status.OPEN else start + HOUR,
        lat=18.4,
        lon=-66.1,
        zone=None,
        severity=severity_of(score),
        score=score,
        explanation="test",
        evidence={},
    )


def fed(*alerts: Alert, weights: VesselRiskConfig | None = None) -> VesselRisk:
    risk = VesselRisk(weights)
    for one in alerts:
        risk.update(one)
    return risk


# -- episodes ---------------------------------------------------------------------------------


def test_an_episode_counts_once_across_its_open_update_and_closed_messages() -> None:
    risk = VesselRisk()
    opened = alert(AlertType.DARK_PERIOD, score=40, status=Status.OPEN)
    assert risk.update(opened) == [A]
    assert risk.update(replace(opened, status=Status.UPDATE, score=55)) == [A]
    assert risk.update(replace(opened, status=Status.CLOSED, score=55)) == []
    summary = risk.summary(A)
    assert summary["alerts"] == {"dark_period": 1}
    assert summary["top_alert"] == {"alert_id": opened.alert_id, "type": "dark_period", "score": 55}
    assert summary["risk_score"] == 55


def test_distinct_episodes_count_per_type_and_set_first_and_last() -> None:
    risk = fed(
        alert(AlertType.LOITERING, start=T0 + 5 * HOUR, status=Status.OPEN),
        alert(AlertType.LOITERING, start=T0 + 5 * HOUR),
        alert(AlertType.LOITERING, start=T0 + 9 * HOUR),
        alert(AlertType.POSITION_JUMP, start=T0),
    )
    summary = risk.summary(A)
    assert summary["alerts"] == {"loitering": 2, "position_jump": 1}
    assert summary["first"] == "2023-11-14T22:13:20Z"
    assert summary["last"] == "2023-11-15T07:13:20Z"
    assert summary["met"] == []


def test_the_summary_is_a_json_ready_vessel_object() -> None:
    risk = fed(alert(AlertType.ZONE_ENTRY, score=70))
    summary = risk.summary(A)
    assert json.loads(json.dumps(summary)) == summary
    assert list(summary) == [
        "schema",
        "mmsi",
        "vessel",
        "risk_score",
        "severity",
        "alerts",
        "top_alert",
        "first",
        "last",
        "met",
        "explanation",
    ]
    assert summary["schema"] == SCHEMA == "vigilmar.vessel/1"
    assert summary["vessel"] == {
        "name": f"SHIP {A}",
        "imo": None,
        "callsign": None,
        "ship_type": None,
        "flag": "BS",
    }
    assert summary["severity"] == Severity.HIGH.value


def test_the_identity_is_the_latest_of_the_vessels_own_alerts() -> None:
    renamed = VesselInfo(name="NEW NAME", imo=9074729, flag="PA")
    risk = VesselRisk()
    risk.update(alert(AlertType.LOITERING))
    assert risk.update(alert(AlertType.LOITERING, vessel=renamed)) == [A]
    assert risk.summary(A)["vessel"]["name"] == "NEW NAME"
    assert risk.summary(A)["vessel"]["imo"] == 9074729


def test_an_unknown_vessel_has_no_summary() -> None:
    risk = fed(alert(AlertType.LOITERING))
    assert A in risk
    assert B not in risk
    assert len(risk) == 1
    with pytest.raises(KeyError):
        risk.summary(B)


# -- encounters -------------------------------------------------------------------------------


def test_an_encounter_counts_for_both_vessels_and_lists_whom_each_met() -> None:
    opened = alert(AlertType.ENCOUNTER, A, other=B, score=50, status=Status.OPEN)
    risk = VesselRisk()
    assert risk.update(opened) == [A, B]
    assert risk.update(replace(opened, status=Status.CLOSED)) == []
    risk.update(alert(AlertType.ENCOUNTER, A, other=C, score=60, start=T0 + 10 * HOUR))
    mine, theirs = risk.summary(A), risk.summary(B)
    assert mine["alerts"] == {"encounter": 2}
    assert mine["met"] == [B, C]
    assert theirs["alerts"] == {"encounter": 1}
    assert theirs["met"] == [A]
    assert theirs["top_alert"] == {"alert_id": opened.alert_id, "type": "encounter", "score": 50}
    assert theirs["vessel"] == {
        "name": None,
        "imo": None,
        "callsign": None,
        "ship_type": None,
        "flag": None,
    }
    assert "met 2 vessels" in mine["explanation"]


def test_an_encounter_reported_by_both_sides_is_one_episode_for_each() -> None:
    risk = fed(
        alert(AlertType.ENCOUNTER, A, other=B, score=50),
        alert(AlertType.ENCOUNTER, B, other=A, score=50),
    )
    assert risk.summary(A)["alerts"] == {"encounter": 1}
    assert risk.summary(B)["alerts"] == {"encounter": 1}
    assert risk.summary(B)["vessel"]["name"] == f"SHIP {B}"


def test_other_mmsi_only_counts_for_encounters() -> None:
    risk = fed(alert(AlertType.IDENTITY_CHANGE, A, other=B))
    assert B not in risk
    assert risk.summary(A)["met"] == []


# -- the score --------------------------------------------------------------------------------


def test_other_behaviours_and_repeats_raise_the_highest_score() -> None:
    risk = fed(
        alert(AlertType.DARK_PERIOD, score=60),
        alert(AlertType.DARK_PERIOD, score=40, start=T0 + HOUR),
        alert(AlertType.DARK_PERIOD, score=40, start=T0 + 2 * HOUR),
        alert(AlertType.LOITERING, score=35),
        alert(AlertType.POSITION_JUMP, score=30),
    )
    summary = risk.summary(A)
    # 60 + 5 × 2 other behaviours + 2 × 2 repeated dark periods
    assert summary["risk_score"] == 74
    assert summary["severity"] == "high"
    assert summary["explanation"] == (
        "Highest alert: dark period scored 60; raised by other behaviours "
        "(loitering, position jump: +10) and 2 repeated episodes (+4)."
    )


def test_routine_episodes_below_min_score_raise_nothing() -> None:
    risk = fed(
        alert(AlertType.LOITERING, score=35),
        alert(AlertType.PORT_CALL, score=5),
        alert(AlertType.PORT_CALL, score=5, start=T0 + HOUR),
    )
    summary = risk.summary(A)
    assert summary["alerts"] == {"loitering": 1, "port_call": 2}
    assert summary["risk_score"] == 35
    assert summary["explanation"] == "Highest alert: loitering scored 35."


def test_an_episode_raises_once_any_of_its_messages_reaches_min_score() -> None:
    opened = alert(AlertType.POSITION_JUMP, score=20, status=Status.OPEN)
    risk = fed(alert(AlertType.LOITERING, score=50), opened)
    assert risk.risk_score(A) == 50
    assert risk.update(replace(opened, status=Status.CLOSED, score=30)) == [A]
    assert risk.risk_score(A) == 55


def test_the_score_is_capped_and_the_weights_are_arguments() -> None:
    kinds = (AlertType.DARK_PERIOD, AlertType.LOITERING, AlertType.ENCOUNTER)
    batch = [alert(kind, score=90, other=B) for kind in kinds]
    assert fed(*batch).risk_score(A) == 100
    quiet = fed(*batch, weights=VesselRiskConfig(behaviour_weight=0.0, repeat_weight=0.0))
    assert quiet.risk_score(A) == 90
    assert quiet.summary(A)["explanation"] == "Highest alert: dark period scored 90; met 1 vessel."


@pytest.mark.parametrize(
    "weights",
    [{"behaviour_weight": -1.0}, {"max_repeats": -1}, {"min_score": 101}, {"min_score": -5}],
)
def test_weights_are_validated(weights: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="vessel_risk"):
        VesselRiskConfig(**weights)


def test_summaries_come_highest_risk_first_then_by_mmsi() -> None:
    risk = fed(
        alert(AlertType.LOITERING, C, score=40),
        alert(AlertType.DARK_PERIOD, B, score=80),
        alert(AlertType.POSITION_JUMP, A, score=40),
    )
    assert [s["mmsi"] for s in risk.summaries()] == [B, A, C]


# -- invariants (hypothesis) ------------------------------------------------------------------

FLEET = (A, B, C)


@st.composite
def alerts(draw: st.DrawFn) -> Alert:
    """Messages of a few overlapping episodes among three vessels."""
    kind = draw(st.sampled_from([*AlertType]))
    mmsi = draw(st.sampled_from(FLEET))
    other = draw(st.sampled_from([m for m in FLEET if m != mmsi]))
    identity = draw(st.sampled_from([None, VesselInfo(name="RENAMED", flag="LR")]))
    return alert(
        kind,
        mmsi,
        score=draw(st.integers(0, 100)),
        status=draw(st.sampled_from([*Status])),
        start=T0 + HOUR * draw(st.integers(0, 3)),
        other=other if kind is AlertType.ENCOUNTER else None,
        vessel=identity,
    )


def scores(risk: VesselRisk) -> dict[int, int]:
    return {mmsi: risk.risk_score(mmsi) for mmsi in FLEET if mmsi in risk}


@settings(max_examples=200, deadline=None)
@given(st.lists(alerts(), max_size=30))
def test_an_alert_never_lowers_any_vessels_risk_score(sequence: list[Alert]) -> None:
    risk = VesselRisk()
    for one in sequence:
        before = scores(risk)
        risk.update(one)
        after = scores(risk)
        assert all(after[mmsi] >= score for mmsi, score in before.items())
        assert all(0 <= score <= 100 for score in after.values())


@settings(max_examples=200, deadline=None)
@given(st.lists(alerts(), max_size=30), alerts(), st.integers(0, 30))
def test_inserting_an_alert_anywhere_never_lowers_a_score(
    sequence: list[Alert], extra: Alert, where: int
) -> None:
    longer = [*sequence[:where], extra, *sequence[where:]]
    base, more = scores(fed(*sequence)), scores(fed(*longer))
    assert all(more[mmsi] >= score for mmsi, score in base.items())


@settings(max_examples=200, deadline=None)
@given(st.lists(alerts(), max_size=30))
def test_update_names_exactly_the_vessels_whose_summary_changed(sequence: list[Alert]) -> None:
    risk = VesselRisk()
    for one in sequence:
        before = {mmsi: risk.summary(mmsi) for mmsi in FLEET if mmsi in risk}
        changed = risk.update(one)
        after = {mmsi: risk.summary(mmsi) for mmsi in FLEET if mmsi in risk}
        assert sorted(changed) == sorted(m for m in after if before.get(m) != after[m])


@settings(max_examples=100, deadline=None)
@given(st.lists(alerts(), max_size=30), st.randoms(use_true_random=False))
def test_the_score_and_counts_do_not_depend_on_the_order(sequence: list[Alert], rng: Any) -> None:
    shuffled = list(sequence)
    rng.shuffle(shuffled)
    one, two = fed(*sequence), fed(*shuffled)
    assert scores(one) == scores(two)
    for mmsi in scores(one):
        assert one.summary(mmsi)["alerts"] == two.summary(mmsi)["alerts"]
        assert one.summary(mmsi)["met"] == two.summary(mmsi)["met"]


def test_each_side_of_an_encounter_folded_apart_and_restored_gives_the_replay_summaries() -> None:
    """What a streaming worker does: one vessel per partition, its state snapshotted between
    alerts — the summaries are those of one accumulator fed every alert."""
    alerts = [
        alert(AlertType.DARK_PERIOD, A, score=60, start=T0),
        alert(AlertType.ENCOUNTER, A, other=B, score=70, start=T0 + HOUR, status=Status.OPEN),
        alert(AlertType.LOITERING, B, score=40, start=T0 + 2 * HOUR),
        alert(AlertType.ENCOUNTER, A, other=B, score=75, start=T0 + HOUR),
    ]
    whole = VesselRisk()
    for one in alerts:
        whole.update(one)
    stored: dict[int, Any] = {}
    for one in alerts:
        for mmsi in (one.mmsi, one.other_mmsi):
            if mmsi is None:
                continue
            side = VesselRisk()
            if mmsi in stored:
                side.restore(json.loads(json.dumps(stored[mmsi])))
            assert side.update_for(one, mmsi)
            stored[mmsi] = side.snapshot(mmsi)
    assert set(stored) == {A, B}
    for mmsi, data in stored.items():
        again = VesselRisk()
        again.restore(data)
        assert again.summary(mmsi) == whole.summary(mmsi)
    assert whole.summary(B)["met"] == [A]


def test_the_weights_come_from_the_configuration_file_section() -> None:
    config = config_from_dict({"vessel_risk": {"behaviour_weight": 0.0, "min_score": 50}})
    assert config.vessel_risk == VesselRiskConfig(behaviour_weight=0.0, min_score=50)
    with pytest.raises(ConfigError, match="unknown key"):
        config_from_dict({"vessel_risk": {"weight": 1.0}})
