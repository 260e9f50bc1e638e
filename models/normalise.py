"""Normalisation of AIS values, whatever they came from: NMEA payloads, CSV exports, JSON Lines.

AIS encodes "not available" as in-band sentinels (latitude 91, longitude 181, speed 102.3,
course 360, heading 511); they become ``None`` here so that no detector ever measures a ship
sailing to 91° N at 102 knots. Every source goes through the same rules, so that one vessel
gives equal records whether it was read from a receiver log or from an export of it:

* the ``clean_*`` functions take values already read and map sentinels and values outside what
  AIS can carry to ``None`` (coordinates off the globe are kept and flagged ``impossible``);
* ``as_float``, ``parse_imo`` and ``parse_time`` read CSV text and JSON values;
* ``to_record`` decodes an NMEA payload with pyais and cleans it with the same functions.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from pyais.bit_vector import bit_vector
from pyais.messages import MSG_CLASS

from models.records import OtherMessage, PositionReport, StaticReport

__all__ = [
    "MIN_BITS",
    "POSITION_TYPES",
    "STATIC_TYPES",
    "TRACKED_TYPES",
    "as_float",
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
    "other_message",
    "parse_imo",
    "parse_time",
    "to_record",
]

POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27})
STATIC_TYPES = frozenset({5, 24})
TRACKED_TYPES = POSITION_TYPES | STATIC_TYPES
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


# --- values from CSV text and JSON ---------------------------------------------------------


def as_float(value: object) -> float | None:
    """A number from a CSV field or JSON value; ``None`` when empty or not a number."""
    if isinstance(value, str):
        try:
            return float(value) if value else None
        except ValueError:
            return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def parse_imo(value: object) -> int | None:
    """IMO number from ``8207721``, ``"8207721"`` or ``"IMO8207721"``; ``None`` for 0 or junk."""
    if isinstance(value, str):
        text = value.strip().upper().removeprefix("IMO").strip()
        number = int(text) if text.isdigit() else 0
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        number = 0
    return clean_imo(number)


def epoch_seconds(value: float) -> float:
    """Unix seconds from an epoch time in seconds or milliseconds."""
    return value / 1000.0 if value > _MILLISECONDS_ABOVE else value


def parse_time(text: str) -> float:
    """Unix seconds from ISO 8601 (naive means UTC; ``Z`` and offsets honoured) or from epoch
    seconds/milliseconds. Raises ``ValueError`` when it is neither."""
    text = text.strip()
    if len(text) >= 9 and text.replace(".", "", 1).isdigit():
        return epoch_seconds(float(text))
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


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
