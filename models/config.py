"""All thresholds in one frozen, self-validating configuration object.

Defaults follow published practice (see DESIGN.md, "Behaviours and their default parameters").
A TOML file overrides any subset::

    [loitering]
    min_hours = 6

    [dark_period]
    min_gap_hours = 12

Every setting is checked when a section is built, from a file or in code: its type (a bool is
never a number, a whole number is not written ``10.0``, a float setting holds a float however
it was written) and its range. Unknown sections and keys are refused with the known ones; every
``ConfigError`` names the key (``tracking.lateness_seconds``) and, from a file, the file.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from models.alerts import AlertType

#: A configuration is a few kilobytes; a larger file is the wrong file (or an attack on the parser).
MAX_FILE_BYTES = 1 << 20
#: tomllib's memory grows with the square of a dotted key's length (10 000 parts take 400 MB):
#: a file with more dots than this is refused before it is parsed. A real one has a few dozen.
MAX_DOTS = 1000

_ALERT_TYPES = frozenset(kind.value for kind in AlertType)
_KM_PER_DEGREE_LATITUDE = 111.32  # as models.encounter.mover


class ConfigError(ValueError):
    """A configuration file or value that cannot be used; the message says which and why."""


@dataclass(frozen=True, slots=True)
class _Rule:
    """What one setting accepts: ``kind`` (``bool``, ``int`` or ``float``; a float setting
    takes any number and keeps it as a float, a bool is never a number) and a range."""

    kind: type
    minimum: float | None = None  # inclusive
    maximum: float | None = None  # inclusive
    above: float | None = None  # exclusive lower bound

    def check(self, key: str, value: object) -> object:
        """``value`` as the setting holds it; ``ConfigError`` naming ``key`` if it will not do."""
        if self.kind is bool:
            if not isinstance(value, bool):
                raise ConfigError(f"{key} must be true or false, not {_describe(value)}")
            return value
        if self.kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"{key} must be a whole number, not {_describe(value)}")
            number: float = value
        else:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"{key} must be a number, not {_describe(value)}")
            number = float(value)
            if not math.isfinite(number):
                raise ConfigError(f"{key} must be a finite number, not {value!r}")
        if (
            (self.minimum is not None and number < self.minimum)
            or (self.maximum is not None and number > self.maximum)
            or (self.above is not None and number <= self.above)
        ):
            raise ConfigError(f"{key} must be {self._range()}, got {value!r}")
        return number

    def _range(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"within {self.minimum:g}..{self.maximum:g}"
        if self.above is not None:
            return f"> {self.above:g}"
        return f">= {self.minimum:g}"


_FLAG = _Rule(bool)
_POSITIVE = _Rule(float, above=0)
_NON_NEGATIVE = _Rule(float, minimum=0)
_COUNT = _Rule(int, minimum=1)
_LIMIT = _Rule(int, minimum=0)
_POINTS = _Rule(float, minimum=0, maximum=100)  # score points: a weight or a base score
_SCORE = _Rule(int, minimum=0, maximum=100)


def _check(owner: object, section: str, **rules: _Rule) -> None:
    """Check (and normalise: a float setting written as ``60`` holds ``60.0``) each named
    setting of a frozen section. Every field needs a rule (``tests/unit/test_config_strict.py``
    tries a value of the wrong type for each)."""
    for name, rule in rules.items():
        object.__setattr__(owner, name, rule.check(f"{section}.{name}", getattr(owner, name)))


def _describe(value: object) -> str:
    """A TOML value as the user wrote it: its type, and the value when it is short."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f"the string {_short(value)}"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, datetime | date | time):
        return f"the date/time {value.isoformat()}"
    return _short(value)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass(frozen=True, slots=True)
class TrackingConfig:
    #: Out-of-order tolerance in event time: each vessel's reports are held this long and
    #: processed in time order; a report arriving later than that is counted as late. It is also
    #: the delay of live alerts. Merged feeds (several receivers, satellite) can be minutes out
    #: of order (up to 290 s in the GFW worldwide sample, where 0.6 % of reports exceed 60 s).
    lateness_seconds: float = 60.0
    multipart_window: int = 100  # sentences a multipart message may take to complete
    #: A payload heard again within this many seconds of event time is the same transmission
    #: from another receiver: counted as a duplicate, not decoded again (0: keep every copy).
    #: Copies in the real feeds come within 10 s of each other; the same bits are sent again
    #: at the soonest a minute later (see ``models.duplicates``).
    duplicate_seconds: float = 10.0
    #: A vessel unheard this long (event time) leaves memory (and a worker's table); heard
    #: again, it starts afresh, as a new vessel would.
    evict_after_hours: float = 168.0

    def __post_init__(self) -> None:
        _check(
            self,
            "tracking",
            lateness_seconds=_NON_NEGATIVE,
            multipart_window=_COUNT,
            duplicate_seconds=_Rule(float, minimum=0, maximum=55),
            evict_after_hours=_POSITIVE,
        )


@dataclass(frozen=True, slots=True)
class LoiteringConfig:
    max_speed_knots: float = 2.0
    min_hours: float = 4.0
    max_radius_km: float = 5.0
    #: A silence longer than this ends an episode: loitering is only claimed while observed.
    max_gap_hours: float = 2.0
    #: A port's approaches: an episode that begins this near a port or anchorage (beyond its
    #: edge) is a ship waiting off a port — for a berth, a pilot, the tide — not an alert, like
    #: one inside it (Global Fishing Watch: encounters >= 10 km from an anchorage, loitering
    #: >= 20 nm from shore). 0 leaves only the harbours themselves.
    approach_km: float = 10.0

    def __post_init__(self) -> None:
        _check(
            self,
            "loitering",
            max_speed_knots=_POSITIVE,
            min_hours=_POSITIVE,
            max_radius_km=_POSITIVE,
            max_gap_hours=_POSITIVE,
            approach_km=_NON_NEGATIVE,
        )


@dataclass(frozen=True, slots=True)
class DarkPeriodConfig:
    min_gap_hours: float = 6.0
    #: A gap must also be this many times the vessel's own usual reporting interval.
    interval_factor: float = 4.0
    #: Reports needed before a vessel counts as a regular reporter.
    min_reports: int = 10

    def __post_init__(self) -> None:
        _check(
            self,
            "dark_period",
            min_gap_hours=_POSITIVE,
            interval_factor=_POSITIVE,
            min_reports=_COUNT,
        )


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
    #: least this share of its earlier level (and at least one vessel, so 0 means "anyone").
    min_share: float = 0.1

    def __post_init__(self) -> None:
        _check(
            self,
            "coverage",
            enabled=_FLAG,
            cell_degrees=_POSITIVE,
            bucket_minutes=_POSITIVE,
            window_hours=_POSITIVE,
            min_neighbours=_COUNT,
            min_share=_Rule(float, minimum=0, maximum=1),
        )
        cells = 360.0 / self.cell_degrees
        if abs(cells - round(cells)) > 1e-9 or round(cells) % 2:
            raise ConfigError("coverage.cell_degrees must divide 180 (cells wrap at 180° E/W)")
        if self.window_hours * 60 < 2 * self.bucket_minutes:
            raise ConfigError("coverage.window_hours must hold at least two buckets")


@dataclass(frozen=True, slots=True)
class PositionJumpConfig:
    max_speed_knots: float = 50.0
    #: Shorter hops are GPS noise or time jitter, not jumps.
    min_distance_km: float = 1.0
    #: Time differences are floored at this many seconds (receive times carry jitter).
    min_seconds: float = 10.0
    #: A jump this soon after the vessel's previous one is part of one incident: the jumps
    #: after the first are one series episode (models/detectors/series.py), closed once this
    #: long passes without a jump (gpsdio-segment breaks segments after 24 h).
    repeat_hours: float = 24.0
    #: A fix whose other coordinate is intact and whose longitude (latitude) lies nearer the
    #: mirror image of the vessel's than this share of its jump is a sign read wrong: a
    #: decoding artefact, counted, not alerted (0: never).
    mirror_share: float = 0.1

    def __post_init__(self) -> None:
        _check(
            self,
            "position_jump",
            max_speed_knots=_POSITIVE,
            min_distance_km=_POSITIVE,
            min_seconds=_POSITIVE,
            repeat_hours=_POSITIVE,
            mirror_share=_Rule(float, minimum=0, maximum=1),
        )


@dataclass(frozen=True, slots=True)
class PortCallConfig:
    max_speed_knots: float = 0.5  # a stop
    min_gap_hours: float = 1.0  # or silence of at least this long inside the zone
    exit_minutes: float = 15.0  # outside for this long before the call ends (hysteresis)

    def __post_init__(self) -> None:
        _check(
            self,
            "port_call",
            max_speed_knots=_POSITIVE,
            min_gap_hours=_POSITIVE,
            exit_minutes=_POSITIVE,
        )


@dataclass(frozen=True, slots=True)
class StopAtSeaConfig:
    """A merchant vessel that stops at sea for a short while and goes on (issue 17): drops and
    pick-ups at sea take less than an hour, far under loitering's hours."""

    #: The ship types followed (ITU-R M.1371 table 53): 70-79 cargo, 80-89 tanker.
    first_ship_type: int = 70
    last_ship_type: int = 89
    #: Under way at this speed or more before the stop, and again after it.
    under_way_knots: float = 8.0
    #: Slower than this is stopped ...
    stop_knots: float = 3.0
    #: ... for at least this long (first to last slow report).
    min_minutes: float = 20.0
    #: A silence longer than this during the stop, or between its end and the ship going on,
    #: ends the episode unraised: a stop is only claimed while observed.
    max_gap_minutes: float = 30.0
    #: A stop this near a port or anchorage (beyond its edge) is a ship waiting for a pilot,
    #: a berth or the tide, not an alert; 0 leaves only the harbours themselves.
    approach_km: float = 15.0

    def __post_init__(self) -> None:
        _check(
            self,
            "stop_at_sea",
            first_ship_type=_Rule(int, minimum=0, maximum=255),
            last_ship_type=_Rule(int, minimum=0, maximum=255),
            under_way_knots=_POSITIVE,
            stop_knots=_POSITIVE,
            min_minutes=_POSITIVE,
            max_gap_minutes=_POSITIVE,
            approach_km=_NON_NEGATIVE,
        )
        if self.first_ship_type > self.last_ship_type:
            raise ConfigError(
                f"stop_at_sea.first_ship_type ({self.first_ship_type}) must not exceed "
                f"stop_at_sea.last_ship_type ({self.last_ship_type})"
            )
        if self.stop_knots >= self.under_way_knots:
            raise ConfigError(
                f"stop_at_sea.stop_knots ({self.stop_knots:g}) must be under "
                f"stop_at_sea.under_way_knots ({self.under_way_knots:g})"
            )


@dataclass(frozen=True, slots=True)
class RouteDeviationConfig:
    """A merchant vessel far from every shipping lane and from its own route (its last port to
    its declared destination) for hours (``models.detectors.route_deviation``)."""

    first_ship_type: int = 70
    last_ship_type: int = 89
    #: Farther than this from both the lanes and the route ...
    max_offset_nm: float = 30.0
    #: ... for at least this long.
    min_hours: float = 2.0
    #: How often (event time) a vessel at sea is placed against lanes and route.
    sample_minutes: float = 10.0
    #: Samples further apart end the episode unraised.
    max_gap_hours: float = 1.0

    def __post_init__(self) -> None:
        _check(
            self,
            "route_deviation",
            first_ship_type=_Rule(int, minimum=0, maximum=255),
            last_ship_type=_Rule(int, minimum=0, maximum=255),
            max_offset_nm=_POSITIVE,
            min_hours=_POSITIVE,
            sample_minutes=_POSITIVE,
            max_gap_hours=_POSITIVE,
        )
        if self.first_ship_type > self.last_ship_type:
            raise ConfigError(
                f"route_deviation.first_ship_type ({self.first_ship_type}) must not exceed "
                f"route_deviation.last_ship_type ({self.last_ship_type})"
            )


@dataclass(frozen=True, slots=True)
class DriftConfig:
    """Drifting, after the Danish Maritime Authority's AisAbnormal: a vessel moving at 1-5 kn
    whose heading and course over ground differ by 45 degrees or more, for 10 minutes and
    500 metres, outside ports and anchorages — moved by wind and current, not by its engine."""

    min_speed_knots: float = 1.0
    max_speed_knots: float = 5.0
    min_angle_degrees: float = 45.0
    min_minutes: float = 10.0
    min_distance_m: float = 500.0
    #: A silence longer than this ends an episode (drift is only claimed while observed).
    max_gap_minutes: float = 15.0

    def __post_init__(self) -> None:
        _check(
            self,
            "drift",
            min_speed_knots=_NON_NEGATIVE,
            max_speed_knots=_POSITIVE,
            min_angle_degrees=_Rule(float, above=0, maximum=180),
            min_minutes=_POSITIVE,
            min_distance_m=_NON_NEGATIVE,
            max_gap_minutes=_POSITIVE,
        )
        if self.min_speed_knots >= self.max_speed_knots:
            raise ConfigError(
                f"drift.min_speed_knots ({self.min_speed_knots:g}) must be under "
                f"drift.max_speed_knots ({self.max_speed_knots:g})"
            )


@dataclass(frozen=True, slots=True)
class VoyageConfig:
    """Voyages between port calls (``models.voyages``)."""

    #: Shorter is not a voyage: a shift between overlapping harbour zones, a move in a port.
    min_distance_nm: float = 5.0
    #: Points a listed port of risk 1.0 adds to the score of a voyage from or to it (and to the
    #: alerts during it), in proportion to its risk.
    port_risk_weight: float = 20.0

    def __post_init__(self) -> None:
        _check(self, "voyages", min_distance_nm=_NON_NEGATIVE, port_risk_weight=_POINTS)


@dataclass(frozen=True, slots=True)
class IdentityConfig:
    #: A name, call sign, IMO or ship type that changes from one heard this recently is an alert.
    window_hours: float = 72.0
    #: A change this soon after the vessel's previous one is part of one incident: the changes
    #: after the first are one series episode (models/detectors/series.py), closed once this
    #: long passes without a change.
    repeat_hours: float = 24.0

    def __post_init__(self) -> None:
        _check(self, "identity", window_hours=_POSITIVE, repeat_hours=_POSITIVE)


@dataclass(frozen=True, slots=True)
class IdentityConflictConfig:
    """One MMSI heard on tracks no ship could connect (the ``position_jump`` speed gate): kept
    as up to ``max_tracks`` candidate tracks, after Global Fishing Watch's gpsdio-segment."""

    max_tracks: int = 4
    #: Fixes each of two interleaved tracks needs before they are a conflict ...
    min_fixes: int = 3
    #: ... and the time both have been heard since the second began (receive-time noise from
    #: merged receivers makes a ship look doubled, a few km apart, for minutes).
    min_overlap_minutes: float = 30.0
    #: A track unheard this long is no longer alive: a conflict with one track left closes
    #: (gpsdio-segment breaks segments after 24 h).
    close_hours: float = 24.0

    def __post_init__(self) -> None:
        _check(
            self,
            "identity_conflict",
            max_tracks=_Rule(int, minimum=2),
            min_fixes=_COUNT,
            min_overlap_minutes=_POSITIVE,
            close_hours=_POSITIVE,
        )


@dataclass(frozen=True, slots=True)
class DistressConfig:
    """AIS-SART, MOB-AIS and EPIRB-AIS: one ``distress`` episode per activation."""

    #: A beacon sends every minute when active: unheard this long, the episode closes.
    close_minutes: float = 30.0
    #: Drifted this far from the position last announced, an update gives the new one.
    update_km: float = 1.0

    def __post_init__(self) -> None:
        _check(self, "distress", close_minutes=_POSITIVE, update_km=_POSITIVE)


@dataclass(frozen=True, slots=True)
class StationConfig:
    """Aids to navigation, base stations, handhelds and AMRDs moving like ships: at least
    ``ship_like_knots`` over ground (straight-line progress) for ``ship_like_hours``."""

    ship_like_knots: float = 8.0
    ship_like_hours: float = 1.0

    def __post_init__(self) -> None:
        _check(self, "stations", ship_like_knots=_POSITIVE, ship_like_hours=_POSITIVE)


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
        _check(
            self,
            "encounter",
            enabled=_FLAG,
            max_distance_m=_POSITIVE,
            max_speed_knots=_POSITIVE,
            min_hours=_POSITIVE,
            tolerance_minutes=_POSITIVE,
            bucket_minutes=_POSITIVE,
            max_gap_minutes=_POSITIVE,
            cell_degrees=_POSITIVE,
            margin_km=_POSITIVE,
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
        # A mover is sent to its home cell and the neighbours within the margin, never further.
        cell_km = self.cell_degrees * _KM_PER_DEGREE_LATITUDE
        if cell_km < self.margin_km:
            least = self.margin_km / _KM_PER_DEGREE_LATITUDE
            raise ConfigError(
                f"encounter.cell_degrees must be at least {least:.4f} (a cell must be taller "
                f"than margin_km, {self.margin_km:g} km), got {self.cell_degrees!r}"
            )


@dataclass(frozen=True, slots=True)
class AnchorageConfig:
    """Learned anchorages: places outside every known harbour where many distinct vessels have
    stopped (after Global Fishing Watch's anchorages: >= 20 distinct vessels stationary in a
    ~0.5 km cell). Loitering and encounters inside one are not alerts, as in a port
    (models/encounter/anchorages.py)."""

    enabled: bool = True
    #: The grid the stops are counted on: squares this many km north-south (E-W: × cos(lat)).
    square_km: float = 0.5
    #: A slow position at most this fast is a stop ...
    max_speed_knots: float = 1.0
    #: ... and a vessel counts once its stops in one square span this long ...
    min_stop_minutes: float = 20.0
    #: ... with no break longer than this between them.
    max_gap_minutes: float = 60.0
    #: Distinct vessels counted in a square and its 8 neighbours that make the square an anchorage.
    min_vessels: int = 10
    #: Only this near land (GLOBE mask): an anchor holds in shallow water, and a gathering far
    #: offshore is a fleet, perhaps around a carrier, not an anchorage.
    max_shore_km: float = 20.0
    #: A vessel's stops count for this long (event time) after its last one.
    forget_days: float = 30.0
    #: An alert this near a learned anchorage says so in its explanation.
    near_km: float = 1.5

    def __post_init__(self) -> None:
        _check(
            self,
            "anchorages",
            enabled=_FLAG,
            square_km=_POSITIVE,
            max_speed_knots=_POSITIVE,
            min_stop_minutes=_NON_NEGATIVE,
            max_gap_minutes=_POSITIVE,
            min_vessels=_Rule(int, minimum=2),
            max_shore_km=_POSITIVE,
            forget_days=_POSITIVE,
            near_km=_NON_NEGATIVE,
        )


#: The pair rules of encounters, in the order they are tried (which AIS ship types each covers:
#: models/encounter/context.py): a service vessel (tug, pilot, SAR, law enforcement, dredger,
#: port tender, anti-pollution, medical) beside any vessel; two pleasure or sailing craft; a
#: carrier (cargo ship or reefer) beside a fishing vessel; a tanker beside a fishing vessel; a
#: tanker beside a tanker or a carrier.
ENCOUNTER_RULES = ("service", "leisure", "transshipment", "bunkering", "ship_to_ship")


_NM_20 = 20 * 1.852  # km

#: Score points each pair rule adds (defaults of ``[encounter_context.points]``).
_RULE_POINTS = {
    "service": 0.0,
    "leisure": 0.0,
    "transshipment": 25.0,
    "bunkering": 15.0,
    "ship_to_ship": 5.0,
}
#: Within this distance of land a pair rule's meeting is routine
#: (defaults of ``[encounter_context.routine_km]``).
_RULE_ROUTINE_KM = {
    "service": _NM_20,
    "leisure": _NM_20,
    "transshipment": 0.0,
    "bunkering": 0.0,
    "ship_to_ship": 0.0,
}


def _rule_table(
    name: str, value: object, default: Mapping[str, float], rule: _Rule
) -> dict[str, float]:
    """A table of numbers by encounter pair rule, checked like ``scoring.base``; the rules it
    leaves out keep their defaults."""
    if not isinstance(value, Mapping):
        raise ConfigError(f"{name} must be a table of pair rule = number, not {_describe(value)}")
    unknown = set(value) - set(ENCOUNTER_RULES)
    if unknown:
        raise ConfigError(
            f"unknown key(s) {', '.join(sorted(map(str, unknown)))} in [{name}]; "
            f"known: {', '.join(ENCOUNTER_RULES)}"
        )
    merged = {**default, **value}
    table: dict[str, float] = {}
    for key in ENCOUNTER_RULES:
        number = rule.check(f"{name}.{key}", merged[key])
        assert isinstance(number, float)
        table[key] = number
    return table


@dataclass(frozen=True, slots=True)
class EncounterContextConfig:
    """Who met, and where: an encounter's score, and whether it is an alert at all, by the
    pair's AIS ship types (the rules of ``ENCOUNTER_RULES``) and its distance from land."""

    enabled: bool = True
    #: At least this far from the nearest land (GLOBE mask) an encounter is offshore (GFW
    #: loitering events: 20 nm) ...
    offshore_km: float = _NM_20
    #: ... and its score rises by this much.
    offshore_points: float = 10.0
    #: Score points a pair rule adds.
    points: dict[str, float] = field(default_factory=lambda: dict(_RULE_POINTS))
    #: Within this distance of land a pair rule's meeting is routine, not an alert (0: never).
    routine_km: dict[str, float] = field(default_factory=lambda: dict(_RULE_ROUTINE_KM))
    #: A meeting well inland (GLOBE land with no sea within 5 km: rivers, canals, lakes) is
    #: not an encounter at sea.
    inland_routine: bool = True

    def __post_init__(self) -> None:
        _check(
            self,
            "encounter_context",
            enabled=_FLAG,
            offshore_km=_POSITIVE,
            offshore_points=_POINTS,
            inland_routine=_FLAG,
        )
        for key, default, rule in (
            ("points", _RULE_POINTS, _POINTS),
            ("routine_km", _RULE_ROUTINE_KM, _NON_NEGATIVE),
        ):
            table = _rule_table(f"encounter_context.{key}", getattr(self, key), default, rule)
            object.__setattr__(self, key, table)


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
            "identity_conflict": 45.0,
            "distress": 90.0,
            "destination_change": 20.0,
            "stop_at_sea": 45.0,
            "drift": 30.0,
            "route_deviation": 40.0,
        }
    )
    magnitude_weight: float = 30.0  # most a behaviour's size can add
    zone_risk_weight: float = 20.0  # a zone with risk 1.0 adds this much
    history_weight: float = 10.0  # added per other behaviour of the vessel in the window
    history_hours: float = 72.0

    def __post_init__(self) -> None:
        if not isinstance(self.base, Mapping):
            raise ConfigError(
                f"scoring.base must be a table of alert type = score, not {_describe(self.base)}"
            )
        unknown = set(self.base) - _ALERT_TYPES
        if unknown:
            raise ConfigError(
                f"unknown key(s) {', '.join(sorted(map(str, unknown)))} in [scoring.base]; "
                f"known: {', '.join(sorted(_ALERT_TYPES))}"
            )
        base = {name: _POINTS.check(f"scoring.base.{name}", v) for name, v in self.base.items()}
        object.__setattr__(self, "base", base)
        _check(
            self,
            "scoring",
            magnitude_weight=_POINTS,
            zone_risk_weight=_POINTS,
            history_weight=_POINTS,
            history_hours=_NON_NEGATIVE,
        )


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
        _check(
            self,
            "vessel_risk",
            behaviour_weight=_POINTS,
            max_behaviours=_LIMIT,
            repeat_weight=_POINTS,
            max_repeats=_LIMIT,
            min_score=_SCORE,
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
    stop_at_sea: StopAtSeaConfig = field(default_factory=StopAtSeaConfig)
    drift: DriftConfig = field(default_factory=DriftConfig)
    route_deviation: RouteDeviationConfig = field(default_factory=RouteDeviationConfig)
    voyages: VoyageConfig = field(default_factory=VoyageConfig)
    identity: IdentityConfig = field(default_factory=IdentityConfig)
    identity_conflict: IdentityConflictConfig = field(default_factory=IdentityConflictConfig)
    distress: DistressConfig = field(default_factory=DistressConfig)
    stations: StationConfig = field(default_factory=StationConfig)
    encounter: EncounterConfig = field(default_factory=EncounterConfig)
    anchorages: AnchorageConfig = field(default_factory=AnchorageConfig)
    encounter_context: EncounterContextConfig = field(default_factory=EncounterContextConfig)
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    vessel_risk: VesselRiskConfig = field(default_factory=VesselRiskConfig)

    def __post_init__(self) -> None:
        for section in fields(self):
            value = getattr(self, section.name)
            expected = section.default_factory  # the section's class
            if isinstance(expected, type) and not isinstance(value, expected):
                raise ConfigError(
                    f"[{section.name}] must be a {expected.__name__}, not {_describe(value)}"
                )
        # Learned anchorages are learned by the encounter cells from the movers routed to them:
        # every square an alert near a cell may be looked up in must lie within its margin.
        reach = self.anchorages.near_km + 2.5 * self.anchorages.square_km
        if self.anchorages.enabled and self.encounter.margin_km < reach:
            raise ConfigError(
                f"anchorages.near_km + 2.5 × anchorages.square_km ({reach:g} km) must not exceed "
                f"encounter.margin_km ({self.encounter.margin_km:g} km)"
            )


def config_from_dict(data: Mapping[str, Any], origin: str = "configuration") -> Config:
    """Overlay a nested mapping (as read from TOML) on the defaults, rejecting unknown keys and
    values of the wrong type or out of range. Every ``ConfigError`` starts with ``origin``."""
    try:
        return _overlay(data)
    except ConfigError as err:
        raise ConfigError(f"{origin}: {err}") from err


def _overlay(data: Mapping[str, Any]) -> Config:
    config = Config()
    sections = {f.name for f in fields(Config)}
    changes: dict[str, Any] = {}
    for section, values in data.items():
        if section not in sections:
            raise ConfigError(f"unknown section [{section}]; known: {', '.join(sorted(sections))}")
        if not isinstance(values, Mapping):
            raise ConfigError(f"[{section}] must be a table, not {_describe(values)}")
        current = getattr(config, section)
        known = {f.name for f in fields(current)}
        unknown = set(values) - known
        if unknown:
            raise ConfigError(
                f"unknown key(s) {', '.join(sorted(unknown))} in [{section}]; "
                f"known: {', '.join(sorted(known))}"
            )
        if section == "scoring" and isinstance(values.get("base"), Mapping):
            values = {**values, "base": {**current.base, **values["base"]}}
        # (the encounter_context tables keep their defaults for the rules a file leaves out)
        changes[section] = replace(current, **values)
    return replace(config, **changes)


def load_config(path: str | Path) -> Config:
    """Read a TOML file of overrides. Raises ``ConfigError`` naming the file on any problem:
    unreadable, not UTF-8, not TOML (with the line), an unknown key, a value of the wrong type
    or out of range (with its key, e.g. ``tracking.lateness_seconds``)."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise ConfigError(f"config file {path}: cannot read it ({err.strerror})") from err
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(
            f"config file {path}: larger than {MAX_FILE_BYTES} bytes; a configuration is a "
            "few kilobytes of TOML (is this the right file?)"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise ConfigError(
            f"config file {path}: not UTF-8 text (line {line}: {err.reason}); save it as UTF-8"
        ) from err
    if text.count(".") > MAX_DOTS:
        raise ConfigError(
            f"config file {path}: more than {MAX_DOTS} '.' characters; a configuration has "
            "a few dozen (is this the right file?)"
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"config file {path}: not valid TOML: {err}") from err
    except RecursionError as err:
        raise ConfigError(
            f"config file {path}: arrays or tables nested too deeply to read; a "
            "configuration is a few flat tables"
        ) from err
    return config_from_dict(data, f"config file {path}")
