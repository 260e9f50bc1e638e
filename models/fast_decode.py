"""Position reports (types 1, 2, 3, 18, 19, 27) read straight from the armoured payload.

Most of what a receiver hears is position reports, and the engine needs only seven of their
fields. Instead of building a pyais message (a bit vector, an attrs object of 16 to 30 fields,
enum converters) and reading it back, ``position_report`` maps the payload's characters onto
the base64 alphabet with one ``bytes.translate`` (AIS armour is base64 with other letters),
lets ``binascii.a2b_base64`` repack the bits in C, reads them as one integer and shifts out the
fields. The values are exactly what ``models.normalise.to_record`` makes of pyais's decode:

* characters become bits as pyais's armour table does (including its values for characters
  outside the AIS alphabet, so a garbled payload gives pyais's numbers, not a different error);
* only the leading bits that hold the fields read are parsed (137 for Class A, 133 for Class B,
  94 for type 27), so the fill bits and any trailing bits never matter;
* coordinates in 1/10,000 minute (1/10 minute for type 27) become degrees by pyais's own
  integer rounding (``pyais.messages.to_lat_lon``), then pass the same cleaning as every other
  source (``clean_position``); the other fields' sentinels (speed 1023 tenths or 63 knots,
  course 3600 tenths or 360 degrees and above, heading 511 and 360..510) become ``None`` as
  ``clean_speed``, ``clean_course`` and ``clean_heading`` do.

A payload it cannot read this way — not ASCII (pyais fails on it), or too short for the fields —
returns ``None`` and the caller decodes it with pyais. ``tests/unit/test_fast_decode_files.py``
checks every position report of the shared real files field by field against pyais, and
``tests/property/test_fast_decode.py`` random field values encoded by pyais's encoder.

Static reports (type 5, type 24 parts A and B) are read the same way by ``static_report``: the
text fields (six-bit characters, not aligned on payload characters) are cut out of the integer,
turned back into base64 letters by ``binascii.b2a_base64`` and translated to pyais's six-bit
characters, then cleaned by the rule of ``clean_text`` ('@' padding and spaces off both ends,
empty is ``None``); the ship type goes through a table built from pyais's own ``ShipType``
converter and ``clean_ship_type``. Only payloads that hold every field read whole are taken
(422 bits for type 5, 160 for part A, 132 for part B, parts 0 and 1 only); anything else,
or a non-ASCII payload, returns ``None`` and goes to pyais as before.
``tests/unit/test_fast_static_files.py`` and ``tests/property/test_fast_static.py`` check them
as the position reports are checked.
"""

from __future__ import annotations

from binascii import a2b_base64, b2a_base64

from pyais.constants import ShipType

from models.normalise import clean_imo, clean_position, clean_ship_type
from models.records import PositionReport, StaticReport

__all__ = ["FAST_STATIC_TYPES", "FAST_TYPES", "position_report", "static_report"]

FAST_TYPES = frozenset({1, 2, 3, 18, 19, 27})
FAST_STATIC_TYPES = frozenset({5, 24})


def _armour_value(code: int) -> int:
    """The six-bit value pyais gives the character with this code (``pyais.bit_vector``):
    '0'..'W' are 0..39, '`'..'w' are 40..63; other characters of 48..119 follow the same
    formula, and everything else is 0."""
    if not 48 <= code <= 119:
        return 0
    value = code - 48
    return value - 8 if value > 40 else value


_BASE64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
#: Every byte to the base64 letter of the six bits pyais reads from it.
_TO_BASE64 = bytes(_BASE64[_armour_value(code)] for code in range(256))

#: Characters parsed (base64 takes them four at a time): 24 hold bits 0..143 (Class A needs
#: 0..136, Class B 0..132; a 23-character payload gets one '0', six zero bits, added), 16 hold
#: bits 0..95 (type 27 needs 0..93).
_CLASS_CHARS = 24
_LONG_RANGE_CHARS = 16

#: Bits up to the end of the last field read (the heading; type 27's course).
_CLASS_A_BITS = 137
_CLASS_B_BITS = 133
_LONG_RANGE_BITS = 94


def _bits(head: str) -> int:
    """The bits of an ASCII payload whose length is a multiple of four, as one integer."""
    return int.from_bytes(a2b_base64(head.encode("ascii").translate(_TO_BASE64)), "big")


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value >> (bits - 1) else value


def position_report(
    msg_type: int, payload: str, fill: int, timestamp: float | None, source: str
) -> PositionReport | None:
    """The record ``to_record`` would make of this position report (``msg_type`` one of
    ``FAST_TYPES``), or ``None`` when the payload is not one this reader takes (the caller then
    decodes it with pyais)."""
    if not payload.isascii():
        return None
    bits = 6 * len(payload) - fill
    if msg_type == 27:
        if bits < _LONG_RANGE_BITS:
            return None
        return _long_range(payload, timestamp, source)
    if bits < (_CLASS_A_BITS if msg_type <= 3 else _CLASS_B_BITS):
        return None
    head = payload[:_CLASS_CHARS] if len(payload) > _CLASS_CHARS - 1 else payload + "0"
    v = _bits(head)  # 144 bits, bit 0 the highest
    if msg_type <= 3:
        status: int | None = (v >> 102) & 0xF
        speed, lon, lat = (v >> 84) & 0x3FF, (v >> 55) & 0xFFFFFFF, (v >> 28) & 0x7FFFFFF
        course, heading = (v >> 16) & 0xFFF, (v >> 7) & 0x1FF
    else:  # 18, 19: Class B, eight reserved bits where Class A has status and turn
        status = None
        speed, lon, lat = (v >> 88) & 0x3FF, (v >> 59) & 0xFFFFFFF, (v >> 32) & 0x7FFFFFF
        course, heading = (v >> 20) & 0xFFF, (v >> 11) & 0x1FF
    lon, lat = _signed(lon, 28), _signed(lat, 27)
    # pyais.messages.to_lat_lon: round(raw * 5 / 3) / 1e6 in integers; the sentinels (91 and
    # 181 degrees in 1/10,000 minute) come out as exactly 91.0 and 181.0.
    lat_deg, lon_deg, impossible = clean_position(
        ((10 * lat + 3) // 6) / 1e6, ((10 * lon + 3) // 6) / 1e6
    )
    return PositionReport(
        (v >> 106) & 0x3FFFFFFF,
        timestamp,
        msg_type,
        lat_deg,
        lon_deg,
        None if speed == 1023 else speed / 10.0,
        course / 10.0 if course < 3600 else None,
        heading if heading < 360 else None,
        status,
        impossible,
        source,
    )


def _long_range(payload: str, timestamp: float | None, source: str) -> PositionReport:
    v = _bits(payload[:_LONG_RANGE_CHARS])  # 96 bits
    lon, lat = _signed((v >> 34) & 0x3FFFF, 18), _signed((v >> 17) & 0x1FFFF, 17)
    speed, course = (v >> 11) & 0x3F, (v >> 2) & 0x1FF
    # pyais.messages.to_lat_lon_600: round(raw * 5000 / 3) / 1e6 in integers; the sentinels
    # (91 and 181 degrees in 1/10 minute) come out as exactly 91.0 and 181.0.
    lat_deg, lon_deg, impossible = clean_position(
        ((10000 * lat + 3) // 6) / 1e6, ((10000 * lon + 3) // 6) / 1e6
    )
    return PositionReport(
        (v >> 58) & 0x3FFFFFFF,
        timestamp,
        27,
        lat_deg,
        lon_deg,
        float(speed) if speed < 63 else None,
        float(course) if course < 360 else None,
        None,
        (v >> 52) & 0xF,
        impossible,
        source,
    )


# --- static reports --------------------------------------------------------------------------

#: Base64 letters back to the characters pyais's six-bit text gives (``pyais.bit_vector``:
#: values below 32 are '@', 'A'..'Z', '[', '\\', ']', '^', '_'; the rest are ASCII 32..63).
_TO_SIXBIT_TEXT = bytes.maketrans(
    _BASE64, bytes(value + 64 if value < 32 else value for value in range(64))
)
#: Raw type 5 ship type (8 bits) to the value ``to_record`` gives: pyais's ``ShipType``
#: converter maps some unknown values onto others (26 to 25, ...), then ``clean_ship_type``.
_SHIP_TYPE_5 = tuple(clean_ship_type(float(ShipType(raw))) for raw in range(256))
#: Raw type 24 part B ship type (no converter in pyais) to the value ``to_record`` gives.
_SHIP_TYPE_24 = tuple(clean_ship_type(float(raw)) for raw in range(256))

#: Bits up to the end of the last field read: type 5's destination (302..421), part A's name
#: (40..159), part B's callsign (90..131).
_STATIC_BITS = 422
_PART_A_BITS = 160
_PART_B_BITS = 132


def _text(value: int, chars: int) -> str | None:
    """Six-bit text of ``chars`` characters held in the low bits of ``value``, cleaned as
    ``clean_text`` cleans pyais's text."""
    spare = -chars % 4  # base64 takes characters four at a time: pad with zero bits
    raw = b2a_base64(
        (value << (6 * spare)).to_bytes((chars + spare) * 3 // 4, "big"), newline=False
    )
    text = raw[:chars].translate(_TO_SIXBIT_TEXT).decode("ascii").replace("@", " ").strip()
    return text or None


def static_report(
    msg_type: int, payload: str, fill: int, timestamp: float | None, source: str
) -> StaticReport | None:
    """The record ``to_record`` would make of this static report (type 5 or 24), or ``None``
    when the payload is not one this reader takes (the caller then decodes it with pyais)."""
    if not payload.isascii():
        return None
    bits = 6 * len(payload) - fill
    if msg_type == 5:
        if bits < _STATIC_BITS:
            return None
        v = _head(payload, 72)  # 432 bits
        return StaticReport(
            mmsi=(v >> 394) & 0x3FFFFFFF,
            timestamp=timestamp,
            msg_type=5,
            name=_text((v >> 200) & ((1 << 120) - 1), 20),
            callsign=_text((v >> 320) & ((1 << 42) - 1), 7),
            imo=clean_imo((v >> 362) & 0x3FFFFFFF),
            ship_type=_SHIP_TYPE_5[(v >> 192) & 0xFF],
            destination=_text((v >> 10) & ((1 << 120) - 1), 20),
            source=source,
        )
    if bits < _PART_B_BITS:
        return None
    v = _head(payload, 28)  # 168 bits
    part = (v >> 128) & 0x3
    mmsi = (v >> 130) & 0x3FFFFFFF
    if part == 0 and bits >= _PART_A_BITS:
        name = _text((v >> 8) & ((1 << 120) - 1), 20)
        return StaticReport(
            mmsi=mmsi, timestamp=timestamp, msg_type=24, name=name, part="A", source=source
        )
    if part == 1:
        return StaticReport(
            mmsi=mmsi,
            timestamp=timestamp,
            msg_type=24,
            callsign=_text((v >> 36) & ((1 << 42) - 1), 7),
            ship_type=_SHIP_TYPE_24[(v >> 120) & 0xFF],
            part="B",
            source=source,
        )
    return None  # a short part A, or part 2 or 3 (pyais refuses them)


def _head(payload: str, chars: int) -> int:
    """The first ``chars`` characters' bits (``chars`` a multiple of four), a shorter payload
    padded with zero bits."""
    head = payload[:chars]
    return _bits(head + "0" * (chars - len(head)))
