"""Reports on ``ais.reports``: packed by the decode agent, read back and checked as strictly as
any other input.

**Raw packs.** The feeder sends a source's lines a few at a time as one ``ais.raw`` record
(``RAW_PACK`` then, per line, its receive time in milliseconds, a tab and the line as it came,
bytes and all, then a newline): ``pack_lines``, read back by ``unpack_lines``. A record without
the marker is one line, as a console producer or a receiver's own Kafka output writes it.

**Packs.** The decode agent sends a batch's reports as one record per reports partition (key
``pack``, the partition the reports' MMSIs hash to, as Kafka's default partitioner would put
them one by one): ``{"pack": 1, "reports": [report, ...]}``, at most ``MAX_PACK`` reports, in
the order decoded — Kafka records cost far more than their bytes (issue 14). A single report
as its own record (another producer's, a hand-typed line) is read as before. ``unpacked``
gives the reports of a pack; a pack of another version or shape is ``malformed``. The track
agent packs its slow movers (and held alerts) for the cells topic the same way, each item with
its cell key: ``{"pack": 1, "items": [[cell key, message], ...]}`` (``pack_keyed``).

Anything may be written to a Kafka topic: another producer, an older worker, a hand-typed
``kafka-console-producer`` line. ``models.serialise.record_from_wire`` only reshapes a
document; here every field is checked with the same ``models.normalise`` rules the CSV and JSON
readers use (ASCII numbers only, finite, in range, a plausible receive time), so that a value
the engine cannot take becomes a failure with a reason before it reaches the ``Monitor``.
"""

from __future__ import annotations

from typing import Any

from models.normalise import FieldError, imo, message_type, mmsi, number, whole
from models.records import PLAUSIBLE, Decoded, FailureReason
from models.serialise import record_from_wire

PACK_VERSION = 1
#: The first bytes of a raw record holding several lines (no NMEA line starts with \x1e).
RAW_PACK = b"\x1evigilmar-lines/1\n"
#: Reports in one packed record, at most (about 250 bytes each: well under a broker's 1 MB).
MAX_PACK = 1000

_NUMBERS = ("lat", "lon", "speed", "course")
_WHOLE = ("heading", "status", "ship_type")
_TEXT = ("name", "callsign", "destination", "source", "part")


def pack_lines(lines: list[tuple[float, bytes]]) -> bytes:
    """One raw record of (receive time, line) pairs; lines hold no newline."""
    return RAW_PACK + b"".join(b"%d\t%b\n" % (round(when * 1000), line) for when, line in lines)


def unpack_lines(value: bytes) -> list[tuple[float | None, bytes]] | None:
    """The (receive time or None, line) pairs of a raw pack; ``None`` for a single line. A line
    whose time cannot be read keeps the record's time (None here)."""
    if not value.startswith(RAW_PACK):
        return None
    lines: list[tuple[float | None, bytes]] = []
    for row in value[len(RAW_PACK) :].split(b"\n"):
        if not row:
            continue
        stamp, tab, line = row.partition(b"\t")
        if tab and stamp.isdigit() and len(stamp) <= 15:
            lines.append((int(stamp) / 1000, line))
        else:
            lines.append((None, row))
    return lines


def pack(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """One packed record of reports (``record_to_wire`` documents)."""
    return {"pack": PACK_VERSION, "reports": documents}


def pack_keyed(items: list[tuple[bytes, dict[str, Any]]]) -> dict[str, Any]:
    """One packed record of keyed messages (the cells topic's: each with its cell key)."""
    return {"pack": PACK_VERSION, "items": [[key.decode(), value] for key, value in items]}


def unpacked_keyed(document: dict[str, Any]) -> list[tuple[bytes, Any]]:
    """The (key, message) items of a keyed pack. Raises ``ValueError`` for another version or
    shape."""
    version, items = document.get("pack"), document.get("items")
    if version != PACK_VERSION or not isinstance(items, list):
        raise ValueError(f"a pack of version {version!r}; this worker reads {PACK_VERSION}")
    found = []
    for item in items:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
            raise ValueError(f"a pack item {str(item)[:80]!r}, not [key, message]")
        found.append((item[0].encode(), item[1]))
    return found


def is_pack(document: Any) -> bool:
    return isinstance(document, dict) and "pack" in document


def unpacked(document: dict[str, Any]) -> list[Any]:
    """The reports of a pack. Raises ``FieldError`` (``malformed``) for another version or
    shape."""
    version, reports = document.get("pack"), document.get("reports")
    if version != PACK_VERSION or not isinstance(reports, list):
        raise FieldError(
            FailureReason.MALFORMED,
            f"a pack of version {version!r} with {type(reports).__name__} reports; this worker "
            f"reads version {PACK_VERSION} with a list",
        )
    return reports


def report_from_wire(document: Any) -> Decoded:
    """The report an ``ais.reports`` value holds. Raises ``FieldError`` (with its reason:
    ``malformed`` for another shape or a field that is not a value at all, ``bad_value`` for
    one the engine cannot take, ``bad_time`` for an impossible receive time,
    ``unsupported_type``)."""
    try:
        return _checked(document)
    except FieldError as err:
        if err.reason is FailureReason.BAD_ROW:  # a CSV's word; on a topic it is malformed
            raise FieldError(FailureReason.MALFORMED, str(err)) from err
        raise


def _checked(document: Any) -> Decoded:
    if not isinstance(document, dict):
        raise FieldError(FailureReason.MALFORMED, f"a {type(document).__name__}, not an object")
    clean: dict[str, Any] = dict(document)
    msg_type = message_type(document.get("type"))
    if msg_type is None:
        raise FieldError(FailureReason.MALFORMED, "no message type")
    clean["type"] = msg_type
    clean["mmsi"] = mmsi(document.get("mmsi"))
    clean["t"] = _time(document.get("t"))
    for name in _NUMBERS:
        if name in document:
            clean[name] = number(document[name], name)
    for name in _WHOLE:
        if name in document:
            clean[name] = whole(document[name], name)
    if "imo" in document:
        clean["imo"] = imo(document["imo"])
    for name in _TEXT:
        value = document.get(name)
        if value is not None and not isinstance(value, str):
            raise FieldError(FailureReason.BAD_VALUE, f"{name} {value!r:.40} is not text")
    if not isinstance(document.get("impossible", False), bool):
        raise FieldError(FailureReason.BAD_VALUE, "impossible is not true or false")
    if "lat" in clean and (clean["lat"] is None) != (clean.get("lon") is None):
        raise FieldError(FailureReason.BAD_VALUE, "a latitude without a longitude, or back")
    return record_from_wire(clean)


def _time(value: Any) -> float | None:
    seconds = number(value, "t")
    if seconds is not None and seconds not in PLAUSIBLE:
        raise FieldError(
            FailureReason.BAD_TIME, f"t {seconds!r} is not a receive time between 1990 and 2100"
        )
    return seconds
