"""From an AIS payload to a normalised record: pyais decodes, this module cleans up.

AIS encodes "not available" as in-band sentinels (latitude 91, longitude 181, speed 102.3,
course 360, heading 511); they become ``None`` here so that no detector ever measures a ship
sailing to 91° N at 102 knots.
"""

from __future__ import annotations

from typing import Any

from pyais.bit_vector import bit_vector
from pyais.messages import MSG_CLASS

from models.records import OtherMessage, PositionReport, StaticReport

POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27})
STATIC_TYPES = frozenset({5, 24})
TRACKED_TYPES = POSITION_TYPES | STATIC_TYPES

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
    lat: float | None = message.lat
    lon: float | None = message.lon
    impossible = False
    if lat is not None and lon is not None:
        if lat == 91.0 or lon == 181.0:
            lat = lon = None
        elif not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            impossible = True
    if msg_type == 27:
        speed = None if message.speed >= 63 else float(message.speed)
        course = None if message.course >= 360 else float(message.course)
        heading = None
    else:
        speed = None if message.speed >= 102.3 else float(message.speed)
        course = None if message.course >= 360.0 else float(message.course)
        heading = None if message.heading >= 360 else int(message.heading)
    status = getattr(message, "status", None)
    return PositionReport(
        mmsi=int(message.mmsi),
        timestamp=timestamp,
        msg_type=msg_type,
        lat=lat,
        lon=lon,
        speed=speed,
        course=course,
        heading=heading,
        status=None if status is None else int(status),
        impossible=impossible,
        source=source,
    )


def clean_text(value: object) -> str | None:
    """AIS six-bit text without padding ('@') and spaces; empty becomes ``None``."""
    if not isinstance(value, str):
        return None
    text = value.replace("@", " ").strip()
    return text or None


def _static(message: Any, msg_type: int, timestamp: float | None, source: str) -> StaticReport:
    if msg_type == 5:
        imo = int(message.imo) or None
        return StaticReport(
            mmsi=int(message.mmsi),
            timestamp=timestamp,
            msg_type=5,
            name=clean_text(message.shipname),
            callsign=clean_text(message.callsign),
            imo=imo,
            ship_type=int(message.ship_type) or None,
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
        ship_type=int(message.ship_type) or None,
        part="B",
        source=source,
    )
