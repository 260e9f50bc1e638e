"""Who met, and where: encounters scored and filtered by the pair's AIS ship types and their
distance from land."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.alerts import Alert, VesselInfo
from models.config import Config, ConfigError, EncounterContextConfig, load_config
from models.encounter.context import PAIR_RULES, judge, pair_rule
from tests.anchorage_scenes import (
    BAY,
    CARGO,
    FISHING,
    OFFSHORE,
    PLEASURE,
    ROADSTEAD,
    SAILING,
    TANKER,
    TUG,
    offshore_nm,
    side_by_side,
)
from tests.factories import T0, of_type, run, validate_alert

A, B = 367900001, 412900002  # (the lower MMSI is the alert's vessel)
NO_CONTEXT = Config(encounter_context=EncounterContextConfig(enabled=False))
MISSISSIPPI = (29.95, -90.07)  # New Orleans: GLOBE land, no sea within 5 km


def opened(
    types: tuple[int | None, int | None], where: tuple[float, float], **kw: object
) -> list[Alert]:
    config = kw.pop("config", Config())
    assert isinstance(config, Config)
    alerts = run(side_by_side(A, B, T0, where, 3.0, types), config)
    return [a for a in of_type(alerts, "encounter") if a.status.value == "open"]


def test_the_scenes_are_where_they_say() -> None:
    assert 58 < offshore_nm(OFFSHORE) < 62
    assert offshore_nm(ROADSTEAD) < 1
    assert offshore_nm(BAY) < 1


def test_a_reefer_beside_a_fishing_vessel_60_nm_offshore_is_the_textbook_case() -> None:
    (alert,) = opened((CARGO, FISHING), OFFSHORE)
    validate_alert(alert.to_dict())
    assert alert.score >= 80
    assert alert.severity.value in {"high", "critical"}
    text = alert.explanation
    assert "a cargo ship or reefer beside a fishing vessel" in text
    assert "transshipment" in text
    assert "60 nm" in text
    assert "offshore" in text
    assert alert.evidence["pair_rule"] == "transshipment"
    assert 105 < alert.evidence["shore_km"] < 115  # type: ignore[operator]
    # Who they are and where they are is what raised it.
    (unknown,) = opened((None, None), OFFSHORE)
    (plain,) = opened((CARGO, FISHING), OFFSHORE, config=NO_CONTEXT)
    assert plain.score < unknown.score < alert.score
    assert "transshipment" not in plain.explanation


def test_either_order_of_the_pair_is_the_same_rule() -> None:
    reefer, fisher = VesselInfo(ship_type=CARGO), VesselInfo(ship_type=FISHING)
    assert pair_rule(reefer, fisher) == (
        "transshipment",
        "a cargo ship or reefer beside a fishing vessel",
    )
    assert pair_rule(fisher, reefer) == pair_rule(reefer, fisher)
    # A service vessel beside anything is service, whatever the other rules say.
    assert pair_rule(VesselInfo(ship_type=TUG), VesselInfo(ship_type=TANKER))[0] == "service"  # type: ignore[index]
    assert pair_rule(VesselInfo(ship_type=FISHING), VesselInfo(ship_type=FISHING)) is None
    assert pair_rule(VesselInfo(), reefer) is None
    assert next(rule for rule, _, _ in PAIR_RULES) == "service"


@pytest.mark.parametrize(
    "types", [(PLEASURE, SAILING), (PLEASURE, PLEASURE), (TUG, TANKER), (TUG, CARGO), (55, FISHING)]
)
def test_leisure_and_service_pairs_near_the_coast_are_routine(
    types: tuple[int, int],
) -> None:
    assert opened(types, BAY) == []
    assert len(opened(types, BAY, config=NO_CONTEXT)) == 1  # the control


@pytest.mark.parametrize("types", [(PLEASURE, SAILING), (TUG, TANKER)])
def test_the_same_pairs_far_offshore_are_kept_and_named(types: tuple[int, int]) -> None:
    (alert,) = opened(types, OFFSHORE)
    (unknown,) = opened((None, None), OFFSHORE)
    assert alert.score == unknown.score  # named, not raised
    assert "beside" in alert.explanation


def test_a_meeting_on_a_river_is_not_an_encounter_at_sea() -> None:
    assert opened((None, None), MISSISSIPPI) == []
    inland_kept = Config(encounter_context=EncounterContextConfig(inland_routine=False))
    assert len(opened((None, None), MISSISSIPPI, config=inland_kept)) == 1


def test_a_judgement_gives_its_evidence() -> None:
    context = EncounterContextConfig()
    judged = judge(VesselInfo(ship_type=TANKER), VesselInfo(ship_type=FISHING), *OFFSHORE, context)
    assert not judged.routine
    assert [points for _, points in judged.factors] == [15.0, 10.0]
    assert judged.evidence["pair_rule"] == "bunkering"


def test_the_rule_tables_are_configured_by_rule(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        "[encounter_context.points]\ntransshipment = 40\n"
        "[encounter_context.routine_km]\nservice = 0\n"
    )
    context = load_config(path).encounter_context
    assert context.points == {**EncounterContextConfig().points, "transshipment": 40.0}
    assert context.routine_km["service"] == 0.0
    assert context.routine_km["leisure"] == EncounterContextConfig().routine_km["leisure"]
    path.write_text("[encounter_context.points]\nsmuggling = 40\n")
    with pytest.raises(ConfigError, match=r"smuggling.*known: service, leisure"):
        load_config(path)
    path.write_text("[encounter_context.routine_km]\nleisure = -1\n")
    with pytest.raises(ConfigError, match=r"encounter_context\.routine_km\.leisure"):
        load_config(path)
