"""Normalisation of AIS values, whatever they came from: NMEA payloads, CSV exports, JSON Lines.

AIS encodes "not available" as in-band sentinels (latitude 91, longitude 181, speed 102.3,
course 360, heading 511); they become ``None`` here so that no detector ever measures a ship
sailing to 91° N at 102 knots. Every source goes through the same rules, so that one vessel
gives equal records whether it was read from a receiver log or from an export of it:

* the ``clean_*`` functions take values already read and map sentinels and values outside what
  AIS can carry to ``None`` (coordinates off the globe are kept and flagged ``impossible``);
* the field readers (``number``, ``whole``, ``mmsi``, ``message_type``, ``imo``,
  ``parse_time``) turn CSV text or JSON values into those values, accepting ASCII numbers only,
  and raise ``FieldError`` naming the failure reason a bad one makes;
* ``to_record`` decodes an NMEA payload with pyais and cleans it with the same functions.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from pyais.bit_vector import bit_vector
from pyais.messages import MSG_CLASS

from models.records import (
    PLAUSIBLE,
    FailureReason,
    OtherMessage,
    PositionReport,
    StaticReport,
    TimeWindow,
    iso_utc,
)

__all__ = [
    "MESSAGE_TYPES",
    "MIN_BITS",
    "MMSI_MAX",
    "POSITION_TYPES",
    "STATIC_TYPES",
    "TRACKED_TYPES",
    "FieldError",
    "clean_course",
    "clean_heading",
    "clean_imo",
    "clean_position",
    "clean_ship_type",
    "clean_speed",
    "clean_status",
    "clean_text",
    "epoch_seconds",
    "header_mmsi",
    "imo",
    "message_type",
    "mmsi",
    "number",
    "other_message",
    "parse_time",
    "to_record",
    "whole",
]

POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27})
STATIC_TYPES = frozenset({5, 24})
TRACKED_TYPES = POSITION_TYPES | STATIC_TYPES
MESSAGE_TYPES = range(1, 28)  # defined by ITU-R M.1371
MMSI_MAX = (1 << 30) - 1  # what the 30-bit AIS field can carry, as NMEA decodes it (the schema)
IMO_MAX = (1 << 30) - 1  # the width of the type 5 field

#: Fewest payload bits a message of each type needs to carry the fields we read (up to the
#: heading for positions; up to the destination for type 5). Real transponders send messages a
#: few bits short of the nominal length (163-bit type 1s, 420-bit type 5s); those decode fine.
MIN_BITS: dict[int, int] = {
    1: 137,
    2: 137,
    3: 137,
    5: 420,
    18: 133,
    19: 133,
    24: 160,
    27: 96,
}

#: Above this an epoch time is taken to be in milliseconds (as ``models.nmea`` does).
_MILLISECONDS_ABOVE = 100_000_000_000


# --- sentinels and ranges --------------------------------------------------------------------


def clean_position(lat: float | None, lon: float | None) -> tuple[float | None, float | None, bool]:
    """``(lat, lon, impossible)``: both ``None`` when either is missing or the sentinel (91, 181);
    kept as reported, with ``impossible`` set, when they lie off the globe (the engine reports
    them as evidence of a bad or spoofed position)."""
    if lat is None or lon is None or math.isnan(lat) or math.isnan(lon):
        return None, None, False
    if lat == 91.0 or lon == 181.0:
        return None, None, False
    if -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0:
        return lat, lon, False
    return lat, lon, True


def clean_speed(knots: float | None, *, long_range: bool = False) -> float | None:
    """Speed over ground; ``None`` for "not available" (102.3 kn, or 63 kn in the whole-knot
    field of type 27) and for anything negative or faster."""
    limit = 63.0 if long_range else 102.25
    return knots if knots is not None and 0.0 <= knots < limit else None


def clean_course(degrees: float | None) -> float | None:
    """Course over ground; ``None`` for 360 and above (not available) and for negative values."""
    return degrees if degrees is not None and 0.0 <= degrees < 360.0 else None


def clean_heading(degrees: float | None) -> int | None:
    """True heading as whole degrees; ``None`` for 511 (not available) and anything not 0..359."""
    return int(degrees) if degrees is not None and 0.0 <= degrees < 360.0 else None


def clean_status(value: float | None) -> int | None:
    """Navigational status 0..15 (15 is "undefined", a real value); ``None`` otherwise."""
    return int(value) if value is not None and value.is_integer() and 0 <= value <= 15 else None


def clean_ship_type(value: float | None) -> int | None:
    """Ship and cargo type 1..99; ``None`` for 0 (not available) and the reserved 100..255."""
    return int(value) if value is not None and value.is_integer() and 1 <= value <= 99 else None


def clean_imo(value: int | None) -> int | None:
    """IMO number; ``None`` for 0 (not available) and anything the AIS field cannot hold."""
    return value if value is not None and 0 < value <= IMO_MAX else None


def clean_text(value: object) -> str | None:
    """AIS six-bit text without padding ('@') and spaces; empty becomes ``None``."""
    if not isinstance(value, str):
        return None
    text = value.replace("@", " ").strip()
    return text or None


# --- field values from CSV text and JSON -----------------------------------------------------


class FieldError(ValueError):
    """A field that cannot become part of a record. ``reason`` is the failure it makes:
    ``bad_row`` for text that is not a value at all, ``bad_value`` for a value outside what AIS
    can carry (or not finite), ``bad_time`` for an impossible time, ``unsupported_type`` for a
    message type outside 1..27."""

    def __init__(self, reason: FailureReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_EPOCH = re.compile(r"[0-9]{9,}(?:\.[0-9]*)?")
#: ISO 8601 in shape, whatever its values: a year of five digits, month 13 or hour 25 read so.
_DATE = re.compile(
    r"[+-]?[0-9]{4,}-[0-9]{1,2}-[0-9]{1,2}"
    r"(?:[T ][0-9]{1,2}(?::[0-9]{1,2}(?::[0-9]{1,2}(?:\.[0-9]+)?)?)?)?"
    r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)
_NON_FINITE = frozenset({"nan", "inf", "infinity"})
_BLANK = " \t"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def number(value: object, what: str) -> float | None:
    """A finite number from CSV text or a JSON value; ``None`` when absent or empty.

    Only ASCII numbers count (``"١٢"`` and ``"²"`` are not numbers, nor is ``"1_000"``).
    Raises ``FieldError``: ``bad_row`` when it is not a number, ``bad_value`` when NaN or
    infinite (``"nan"``, ``"inf"``, ``1e999``).
    """
    result: float
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip(_BLANK)
        if not text:
            return None
        if _NUMBER.fullmatch(text):
            result = float(text)
        elif text.lstrip("+-").lower() in _NON_FINITE:
            result = math.nan
        else:
            raise FieldError(FailureReason.BAD_ROW, f"{what} {_shown(value)} is not a number")
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldError(FailureReason.BAD_ROW, f"{what} {_shown(value)} is not a number")
    else:
        try:
            result = float(value)
        except OverflowError:
            result = math.inf
    if not math.isfinite(result):
        raise FieldError(FailureReason.BAD_VALUE, f"{what} {_shown(value)} is not finite")
    return result


def whole(value: object, what: str) -> int | None:
    """A whole number (``"12"``, ``12``, ``"12.0"``); raises ``FieldError`` as ``number`` does,
    and ``bad_value`` for a fraction."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    result = number(value, what)
    if result is None:
        return None
    if not result.is_integer():
        raise FieldError(FailureReason.BAD_VALUE, f"{what} {_shown(value)} is not a whole number")
    return int(result)


def mmsi(value: object, what: str = "MMSI") -> int:
    """An MMSI, 0..2**30-1 (what NMEA can carry); ``FieldError`` when absent (``bad_row``) or
    out of range."""
    result = whole(value, what)
    if result is None:
        raise FieldError(FailureReason.BAD_ROW, f"no {what}")
    if not 0 <= result <= MMSI_MAX:
        raise FieldError(
            FailureReason.BAD_VALUE, f"{what} {_shown(result)} is outside 0..{MMSI_MAX}"
        )
    return result


def message_type(value: object, what: str = "type") -> int | None:
    """An AIS message type 1..27 (``None`` when absent); ``unsupported_type`` outside it."""
    result = whole(value, what)
    if result is not None and result not in MESSAGE_TYPES:
        detail = f"message type {result} is outside 1..27"
        raise FieldError(FailureReason.UNSUPPORTED_TYPE, detail)
    return result


def imo(value: object, what: str = "IMO") -> int | None:
    """IMO number from ``8207721``, ``"8207721"`` or ``"IMO8207721"``; ``None`` for 0 or
    absent; ``FieldError`` for anything else."""
    if isinstance(value, str):
        value = value.strip(_BLANK).upper().removeprefix("IMO")
    return clean_imo(whole(value, what))


def epoch_seconds(value: float) -> float:
    """Unix seconds from an epoch time in seconds or milliseconds."""
    return value / 1000.0 if value > _MILLISECONDS_ABOVE else value


def parse_time(value: object, what: str = "time", window: TimeWindow = PLAUSIBLE) -> float | None:
    """Unix seconds from ISO 8601 text (naive means UTC; ``Z`` and offsets honoured) or from
    epoch seconds/milliseconds (a number as text or JSON; nine digits or more in text, since
    ``20220103`` is an ISO date); ``None`` when absent or empty.

    Raises ``FieldError``: ``bad_row`` for text that is no time at all, ``bad_time`` for a time
    that cannot be (NaN, infinite, a date like year 10000 or month 13) or lies outside
    ``window``.
    """
    if isinstance(value, str):
        text = value.strip(_BLANK)
        if not text:
            return None
        timestamp = _text_time(text, what)
    else:
        try:
            seconds = number(value, what)
        except FieldError as err:
            if err.reason is FailureReason.BAD_VALUE:
                raise FieldError(FailureReason.BAD_TIME, str(err)) from None
            raise
        if seconds is None:
            return None
        timestamp = epoch_seconds(seconds)
    if timestamp not in window:
        earliest, latest = iso_utc(window.earliest), iso_utc(window.latest)
        raise FieldError(
            FailureReason.BAD_TIME, f"{what} {_shown(value)} is outside {earliest} .. {latest}"
        )
    return timestamp


def _text_time(text: str, what: str) -> float:
    if _EPOCH.fullmatch(text):
        return epoch_seconds(float(text))
    if text.isascii():
        try:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment.timestamp()
        except (ValueError, OverflowError, OSError):
            pass
    if _NUMBER.fullmatch(text):  # a number, but too short for a time: judged by the window
        return epoch_seconds(float(text))
    if text.lstrip("+-").lower() in _NON_FINITE:
        raise FieldError(FailureReason.BAD_TIME, f"{what} {_shown(text)} is not finite")
    if _DATE.fullmatch(text):
        raise FieldError(FailureReason.BAD_TIME, f"{what} {_shown(text)} cannot be")
    raise FieldError(FailureReason.BAD_ROW, f"{what} {_shown(text)} is not a time")


# --- NMEA payloads ---------------------------------------------------------------------------


def _sixbit(char: str) -> int:
    code = ord(char) - 48
    return code - 8 if code > 40 else code


def header_mmsi(payload: str) -> int:
    """The MMSI (bits 8–37) of any AIS payload of at least 38 bits, without a full decode."""
    value = 0
    for char in payload[:7]:
        value = (value << 6) | (_sixbit(char) & 0x3F)
    value <<= 6 * (7 - min(len(payload), 7))
    return (value >> 4) & 0x3FFFFFFF


def other_message(
    msg_type: int, payload: str, timestamp: float | None, source: str
) -> OtherMessage:
    return OtherMessage(header_mmsi(payload), timestamp, msg_type, source)


def to_record(
    msg_type: int, payload: str, fill: int, timestamp: float | None, source: str
) -> PositionReport | StaticReport:
    """Decode a tracked message type (see ``TRACKED_TYPES``) into its record."""
    message: Any = MSG_CLASS[msg_type].from_vector(bit_vector(payload.encode("ascii"), fill))
    if msg_type in POSITION_TYPES:
        return _position(message, msg_type, timestamp, source)
    return _static(message, msg_type, timestamp, source)


def _position(message: Any, msg_type: int, timestamp: float | None, source: str) -> PositionReport:
    lat, lon, impossible = clean_position(message.lat, message.lon)
    long_range = msg_type == 27
    status = getattr(message, "status", None)
    return PositionReport(
        mmsi=int(message.mmsi),
        timestamp=timestamp,
        msg_type=msg_type,
        lat=lat,
        lon=lon,
        speed=clean_speed(float(message.speed), long_range=long_range),
        course=clean_course(float(message.course)),
        heading=None if long_range else clean_heading(float(message.heading)),
        status=None if status is None else clean_status(float(status)),
        impossible=impossible,
        source=source,
    )


def _static(message: Any, msg_type: int, timestamp: float | None, source: str) -> StaticReport:
    if msg_type == 5:
        return StaticReport(
            mmsi=int(message.mmsi),
            timestamp=timestamp,
            msg_type=5,
            name=clean_text(message.shipname),
            callsign=clean_text(message.callsign),
            imo=clean_imo(int(message.imo)),
            ship_type=clean_ship_type(float(message.ship_type)),
            destination=clean_text(message.destination),
            source=source,
        )
    part = "A" if int(message.partno) == 0 else "B"
    if part == "A":
        return StaticReport(
            mmsi=int(message.mmsi),
            timestamp=timestamp,
            msg_type=24,
            name=clean_text(message.shipname),
            part="A",
            source=source,
        )
    return StaticReport(
        mmsi=int(message.mmsi),
        timestamp=timestamp,
        msg_type=24,
        callsign=clean_text(message.callsign),
        ship_type=clean_ship_type(float(message.ship_type)),
        part="B",
        source=source,
    )
