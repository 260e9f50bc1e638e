"""All thresholds in one frozen, self-validating configuration object.

Defaults follow published practice (see DESIGN.md, "Behaviours and their default parameters").
A TOML file overrides any subset::

    [loitering]
    min_hours = 6

    [dark_period]
    min_gap_hours = 12
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A configuration file or value that cannot be used; the message says which and why."""


def _positive(owner: object, *names: str) -> None:
    for name in names:
        value = getattr(owner, name)
        if not value > 0:
            raise ConfigError(f"{type(owner).__name__}.{name} must be > 0, got {value!r}")


@dataclass(frozen=True, slots=True)
class TrackingConfig:
    #: Out-of-order tolerance in event time: each vessel's reports are held this long and
    #: processed in time order; a report arriving later than that is counted as late. It is also
    #: the delay of live alerts. Merged feeds (several receivers, satellite) can be minutes out
    #: of order (up to 290 s in the GFW worldwide sample, where 0.6 % of reports exceed 60 s).
    lateness_seconds: float = 60.0
    multipart_window: int = 100  # sentences a multipart message may take to complete

    def __post_init__(self) -> None:
        if self.lateness_seconds < 0:
            raise ConfigError("tracking.lateness_seconds must be >= 0")
        _positive(self, "multipart_window")


@dataclass(frozen=True, slots=True)
class LoiteringConfig:
    max_speed_knots: float = 2.0
    min_hours: float = 4.0
    max_radius_km: float = 5.0
    #: A silence longer than this ends an episode: loitering is only claimed while observed.
    max_gap_hours: float = 2.0

    def __post_init__(self) -> None:
        _positive(self, "max_speed_knots", "min_hours", "max_radius_km", "max_gap_hours")


@dataclass(frozen=True, slots=True)
class DarkPeriodConfig:
    min_gap_hours: float = 6.0
    #: A gap must also be this many times the vessel's own usual reporting interval.
    interval_factor: float = 4.0
    #: Reports needed before a vessel counts as a regular reporter.
    min_reports: int = 10

    def __post_init__(self) -> None:
        _positive(self, "min_gap_hours", "interval_factor", "min_reports")


@dataclass(frozen=True, slots=True)
class CoverageConfig:
    """When a silence is a coverage gap rather than a dark period (``models.coverage``): who was
    heard around a silent vessel, per spatial cell and bucket of event time."""

    enabled: bool = True
    #: Cells of this many degrees; a vessel's neighbourhood is its cell and the eight around it.
    cell_degrees: float = 0.5
    #: Coverage is counted per bucket of event time of this length: distinct vessels heard.
    bucket_minutes: float = 60.0
    #: The longest stretch of a silence looked at (its last hours before the threshold); also
    #: how long the coverage buckets are kept.
    window_hours: float = 12.0
    #: A neighbourhood where fewer vessels were heard when the vessel was last heard says
    #: nothing about coverage: the vessel's source decides.
    min_neighbours: int = 3
    #: Still heard: the neighbourhood (or source), in the last bucket before the threshold, at
    #: least this share of its earlier level (and at least one vessel).
    min_share: float = 0.1

    def __post_init__(self) -> None:
        _positive(self, "cell_degrees", "bucket_minutes", "window_hours", "min_neighbours")
        cells = 360.0 / self.cell_degrees
        if abs(cells - round(cells)) > 1e-9 or round(cells) % 2:
            raise ConfigError("coverage.cell_degrees must divide 180 (cells wrap at 180° E/W)")
        if not 0 < self.min_share <= 1:
            raise ConfigError(f"coverage.min_share must be within (0, 1], got {self.min_share!r}")
        if self.window_hours * 60 < 2 * self.bucket_minutes:
            raise ConfigError("coverage.window_hours must hold at least two buckets")


@dataclass(frozen=True, slots=True)
class PositionJumpConfig:
    max_speed_knots: float = 50.0
    #: Shorter hops are GPS noise or time jitter, not jumps.
    min_distance_km: float = 1.0
    #: Time differences are floored at this many seconds (receive times carry jitter).
    min_seconds: float = 10.0

    def __post_init__(self) -> None:
        _positive(self, "max_speed_knots", "min_distance_km", "min_seconds")


@dataclass(frozen=True, slots=True)
class PortCallConfig:
    max_speed_knots: float = 0.5  # a stop
    min_gap_hours: float = 1.0  # or silence of at least this long inside the zone
    exit_minutes: float = 15.0  # outside for this long before the call ends (hysteresis)

    def __post_init__(self) -> None:
        _positive(self, "max_speed_knots", "min_gap_hours", "exit_minutes")


@dataclass(frozen=True, slots=True)
class IdentityConfig:
    #: A name, call sign, IMO or ship type that changes from one heard this recently is an alert.
    window_hours: float = 72.0

    def __post_init__(self) -> None:
        _positive(self, "window_hours")


@dataclass(frozen=True, slots=True)
class EncounterConfig:
    """Two vessels within ``max_distance_m``, both under ``max_speed_knots``, for ``min_hours``,
    outside ports and anchorages (after Global Fishing Watch encounters: 500 m, < 2 kn, 2 h)."""

    enabled: bool = True
    max_distance_m: float = 500.0
    max_speed_knots: float = 2.0
    min_hours: float = 2.0
    #: The other vessel's position is interpolated between its reports, or taken from its
    #: nearest report, at most this far in time from the report it is compared with.
    tolerance_minutes: float = 10.0
    #: Pairs are evaluated per bucket of event time of this length.
    bucket_minutes: float = 10.0
    #: Close buckets further apart than this are two episodes (what was not seen is not claimed).
    max_gap_minutes: float = 60.0
    #: Spatial cells slow movers are re-keyed by (degrees of latitude and longitude) ...
    cell_degrees: float = 0.1
    #: ... and a mover this near a cell's edge is also sent to the neighbouring cell.
    margin_km: float = 3.0

    def __post_init__(self) -> None:
        _positive(
            self,
            "max_distance_m",
            "max_speed_knots",
            "min_hours",
            "tolerance_minutes",
            "bucket_minutes",
            "max_gap_minutes",
            "cell_degrees",
            "margin_km",
        )
        # A partner must reach the cell a pair is evaluated in: the distance itself plus what a
        # slow mover can drift within a bucket and the tolerance either side of it.
        minutes = self.bucket_minutes + 2 * self.tolerance_minutes
        reach_km = (self.max_distance_m + self.max_speed_knots * 1852.0 * minutes / 60) / 1000
        if self.margin_km < reach_km:
            raise ConfigError(
                f"encounter.margin_km must be at least {reach_km:.2f} (max_distance_m plus the "
                "drift of a slow mover over a bucket and its tolerance)"
            )


@dataclass(frozen=True, slots=True)
class ScoringConfig:
    """Weights of the 0..100 score: base per alert type, plus magnitude, zone and history."""

    base: dict[str, float] = field(
        default_factory=lambda: {
            "loitering": 35.0,
            "dark_period": 40.0,
            "encounter": 50.0,
            "position_jump": 30.0,
            "zone_entry": 45.0,
            "zone_exit": 15.0,
            "port_call": 5.0,
            "identity_change": 30.0,
            "invalid_identity": 25.0,
        }
    )
    magnitude_weight: float = 30.0  # most a behaviour's size can add
    zone_risk_weight: float = 20.0  # a zone with risk 1.0 adds this much
    history_weight: float = 10.0  # added per other behaviour of the vessel in the window
    history_hours: float = 72.0

    def __post_init__(self) -> None:
        for name, value in self.base.items():
            if not 0 <= value <= 100:
                raise ConfigError(f"scoring.base.{name} must be within 0..100, got {value!r}")


@dataclass(frozen=True, slots=True)
class VesselRiskConfig:
    """How a vessel's alerts add up to its risk score (``models.vessel_risk``): the highest
    alert score, plus these for other behaviours and repeated episodes."""

    #: Added per other behaviour type beyond the highest alert's (loitering and a dark period).
    behaviour_weight: float = 5.0
    #: Other behaviour types that can raise the score (3 × 5 = at most +15).
    max_behaviours: int = 3
    #: Added per repeated episode: one more of a type already counted.
    repeat_weight: float = 2.0
    #: Repeated episodes that can raise the score (5 × 2 = at most +10).
    max_repeats: int = 5
    #: An episode counts as a behaviour or a repeat once one of its messages scored this much.
    min_score: int = 25

    def __post_init__(self) -> None:
        for name in ("behaviour_weight", "max_behaviours", "repeat_weight", "max_repeats"):
            value = getattr(self, name)
            if not value >= 0:
                raise ConfigError(f"vessel_risk.{name} must be >= 0, got {value!r}")
        if not 0 <= self.min_score <= 100:
            raise ConfigError(
                f"vessel_risk.min_score must be within 0..100, got {self.min_score!r}"
            )


@dataclass(frozen=True, slots=True)
class Config:
    """Every threshold the engine uses. Build with ``Config()`` or ``load_config(path)``."""

    tracking: TrackingConfig = field(default_factory=TrackingConfig)
    loitering: LoiteringConfig = field(default_factory=LoiteringConfig)
    dark_period: DarkPeriodConfig = field(default_factory=DarkPeriodConfig)
    coverage: CoverageConfig = field(default_factory=CoverageConfig)
    position_jump: PositionJumpConfig = field(default_factory=PositionJumpConfig)
    port_call: PortCallConfig = field(default_factory=PortCallConfig)
    identity: IdentityConfig = field(default_factory=IdentityConfig)
    encounter: EncounterConfig = field(default_factory=EncounterConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    vessel_risk: VesselRiskConfig = field(default_factory=VesselRiskConfig)


def config_from_dict(data: dict[str, Any], origin: str = "configuration") -> Config:
    """Overlay a nested mapping (as read from TOML) on the defaults, rejecting unknown keys."""
    config = Config()
    sections = {f.name for f in fields(Config)}
    changes: dict[str, Any] = {}
    for section, values in data.items():
        if section not in sections:
            raise ConfigError(
                f"{origin}: unknown section [{section}]; known: {', '.join(sorted(sections))}"
            )
        if not isinstance(values, dict):
            raise ConfigError(f"{origin}: [{section}] must be a table")
        current = getattr(config, section)
        known = {f.name for f in fields(current)}
        unknown = set(values) - known
        if unknown:
            raise ConfigError(
                f"{origin}: unknown key(s) {', '.join(sorted(unknown))} in [{section}]; "
                f"known: {', '.join(sorted(known))}"
            )
        if section == "scoring" and "base" in values:
            values = {**values, "base": {**current.base, **values["base"]}}
        try:
            changes[section] = replace(current, **values)
        except TypeError as err:
            raise ConfigError(f"{origin}: [{section}]: {err}") from err
    return replace(config, **changes)


def load_config(path: str | Path) -> Config:
    """Read a TOML file of overrides. Raises ``ConfigError`` naming the file on any problem."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as err:
        raise ConfigError(f"cannot read config file {path}: {err.strerror}") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"config file {path} is not valid TOML: {err}") from err
    return config_from_dict(data, str(path))
