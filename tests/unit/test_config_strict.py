"""Configuration files are hostile input: every mistake is a ``ConfigError`` naming the file and
the key, never a traceback and never a silently ignored or misread value."""

from __future__ import annotations

import math
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from models.alerts import AlertType
from models.config import (
    Config,
    ConfigError,
    EncounterConfig,
    ScoringConfig,
    TrackingConfig,
    config_from_dict,
    load_config,
)


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "vigilmar.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path: Path, text: str | bytes) -> str:
    """The message of the ``ConfigError`` loading ``text`` raises; it always names the file."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"config file {path}: ")
    assert "\n" not in message
    return message


# --- the file itself ------------------------------------------------------------------------


def test_invalid_utf8_names_the_file_and_the_line(tmp_path: Path) -> None:
    message = refused(tmp_path, b"[tracking]\nlateness_seconds = 60  # caf\xe9\n")
    assert "UTF-8" in message
    assert "line 2" in message


def test_a_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    message = refused(tmp_path, "[tracking]\nlateness_seconds = = 60\n")
    assert "not valid TOML" in message
    assert "line 2" in message


@pytest.mark.parametrize(
    "text",
    ["a = " + "[" * 100_000 + "]" * 100_000, "a = " + "{b = " * 100_000 + "1" + "}" * 100_000],
    ids=["arrays", "inline-tables"],
)
def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path: Path, text: str) -> None:
    assert "nested too deeply" in refused(tmp_path, text)


def test_a_dotted_key_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    # tomllib's memory grows with the square of a dotted key's length: 100 000 parts is ~40 GB.
    message = refused(tmp_path, "a" + ".a" * 100_000 + " = 1\n")
    assert "'.'" in message


def test_a_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    message = refused(tmp_path, "# " + "x" * (2 << 20) + "\n")
    assert "bytes" in message


def test_a_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing\.toml: cannot read it"):
        load_config(tmp_path / "missing.toml")


# --- the reported cases ---------------------------------------------------------------------


def test_a_number_where_a_table_belongs_is_a_config_error(tmp_path: Path) -> None:
    message = refused(tmp_path, "[scoring]\nbase = 5\n")
    assert "scoring.base" in message
    assert "table" in message


def test_a_string_is_not_a_boolean(tmp_path: Path) -> None:
    message = refused(tmp_path, '[encounter]\nenabled = "false"\n')
    assert "encounter.enabled" in message
    assert "true or false" in message


def test_a_boolean_is_not_a_number(tmp_path: Path) -> None:
    message = refused(tmp_path, "[tracking]\nlateness_seconds = true\n")
    assert "tracking.lateness_seconds must be a number" in message


def test_a_misspelt_alert_type_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    message = refused(tmp_path, "[scoring.base]\ndark_perod = 50\n")
    assert "dark_perod" in message
    assert "scoring.base" in message
    for kind in AlertType:
        assert kind.value in message


@pytest.mark.parametrize("key", ["magnitude_weight", "zone_risk_weight", "history_weight"])
def test_negative_score_weights_are_refused(tmp_path: Path, key: str) -> None:
    message = refused(tmp_path, f"[scoring]\n{key} = -30\n")
    assert f"scoring.{key}" in message


# --- every key, every level -----------------------------------------------------------------


SECTIONS = {f.name: f for f in fields(Config)}


def every_key() -> list[tuple[str, str]]:
    config = Config()
    return [(section, f.name) for section in SECTIONS for f in fields(getattr(config, section))]


@pytest.mark.parametrize(("section", "key"), every_key())
@pytest.mark.parametrize("value", ['"1"', "[1]", "1979-05-27T07:32:00Z"])
def test_every_key_refuses_a_value_of_the_wrong_type(
    tmp_path: Path, section: str, key: str, value: str
) -> None:
    message = refused(tmp_path, f"[{section}]\n{key} = {value}\n")
    assert f"{section}.{key}" in message


@pytest.mark.parametrize(("section", "key"), every_key())
def test_every_key_of_the_defaults_round_trips(tmp_path: Path, section: str, key: str) -> None:
    default = getattr(getattr(Config(), section), key)
    if isinstance(default, dict):
        text = f"[{section}.{key}]\n" + "".join(f"{k} = {v}\n" for k, v in default.items())
    elif isinstance(default, bool):
        text = f"[{section}]\n{key} = {str(default).lower()}\n"
    else:
        text = f"[{section}]\n{key} = {default}\n"
    assert load_config(write(tmp_path, text)) == Config()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[tracking]\nlateness_seconds = -1", "tracking.lateness_seconds"),
        ("[tracking]\nlateness_seconds = nan", "tracking.lateness_seconds"),
        ("[tracking]\nlateness_seconds = inf", "tracking.lateness_seconds"),
        ("[tracking]\nmultipart_window = 0", "tracking.multipart_window"),
        ("[tracking]\nmultipart_window = 10.5", "tracking.multipart_window"),
        ("[tracking]\nmultipart_window = 10.0", "tracking.multipart_window"),
        ("[loitering]\nmin_hours = 0", "loitering.min_hours"),
        ("[loitering]\nmax_speed_knots = -2", "loitering.max_speed_knots"),
        ("[dark_period]\nmin_reports = 0", "dark_period.min_reports"),
        ("[dark_period]\ninterval_factor = -inf", "dark_period.interval_factor"),
        ("[position_jump]\nmin_seconds = 0", "position_jump.min_seconds"),
        ("[port_call]\nexit_minutes = -15", "port_call.exit_minutes"),
        ("[identity]\nwindow_hours = 0", "identity.window_hours"),
        ("[encounter]\nenabled = 1", "encounter.enabled"),
        ("[encounter]\ncell_degrees = 0", "encounter.cell_degrees"),
        ("[encounter]\ncell_degrees = 0.01", "encounter.cell_degrees"),
        ("[encounter]\nmax_distance_m = 2000", "encounter.margin_km"),
        ("[scoring.base]\nloitering = -5", "scoring.base.loitering"),
        ("[scoring.base]\nloitering = 101", "scoring.base.loitering"),
        ("[scoring.base]\nloitering = true", "scoring.base.loitering"),
        ("[scoring.base]\nloitering = '35'", "scoring.base.loitering"),
        ("[scoring]\nmagnitude_weight = 101", "scoring.magnitude_weight"),
        ("[scoring]\nhistory_hours = -1", "scoring.history_hours"),
        ("[vessel_risk]\nmin_score = 101", "vessel_risk.min_score"),
        ("[vessel_risk]\nmin_score = 25.5", "vessel_risk.min_score"),
        ("[vessel_risk]\nmax_repeats = -1", "vessel_risk.max_repeats"),
        ("[vessel_risk]\nmax_behaviours = true", "vessel_risk.max_behaviours"),
        ("[vessel_risk]\nrepeat_weight = -2", "vessel_risk.repeat_weight"),
    ],
)
def test_values_out_of_range_are_refused_naming_the_key(
    tmp_path: Path, text: str, key: str
) -> None:
    assert key in refused(tmp_path, text + "\n")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("lateness_seconds = 60", "[lateness_seconds]"),
        ("[tracking]\nlateness = 60", "[tracking]"),
        ("[tracking.extra]\nx = 1", "[tracking]"),
        ("[scoring.base]\nspoofing = 50", "scoring.base"),
        ("tracking = 5", "[tracking]"),
        ("[[tracking]]\nlateness_seconds = 60", "[tracking]"),
    ],
)
def test_unknown_keys_and_misplaced_values_are_refused_at_every_level(
    tmp_path: Path, text: str, where: str
) -> None:
    assert where in refused(tmp_path, text + "\n")


def test_whole_numbers_are_read_as_floats_where_floats_belong(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[tracking]\nlateness_seconds = 60\n"))
    assert type(config.tracking.lateness_seconds) is float
    config = load_config(write(tmp_path, "[scoring.base]\nloitering = 40\n"))
    assert type(config.scoring.base["loitering"]) is float
    assert config.scoring.base["dark_period"] == 40.0  # the other defaults are kept


def test_a_partial_scoring_base_keeps_the_other_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[scoring.base]\nzone_entry = 60\n"))
    assert config.scoring.base == {**ScoringConfig().base, "zone_entry": 60.0}


def test_the_default_base_scores_cover_every_alert_type() -> None:
    assert set(ScoringConfig().base) == {kind.value for kind in AlertType}


# --- constructing the objects directly is just as strict ------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: TrackingConfig(lateness_seconds=True),
        lambda: TrackingConfig(lateness_seconds=math.nan),
        lambda: EncounterConfig(enabled="false"),  # type: ignore[arg-type]
        lambda: ScoringConfig(base=5),  # type: ignore[arg-type]
        lambda: ScoringConfig(base={"dark_perod": 50.0}),
        lambda: Config(tracking=5),  # type: ignore[arg-type]
    ],
)
def test_direct_construction_is_validated(build: Any) -> None:
    with pytest.raises(ConfigError):
        build()


def test_a_mapping_that_is_not_a_table_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^origin\.toml: \[tracking\] must be a table"):
        config_from_dict({"tracking": [1]}, "origin.toml")
