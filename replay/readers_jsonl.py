"""JSON Lines of decoded AIS messages: gpsd style (``gpsdecode -j``, scaled or ``-u`` raw units),
Global Fishing Watch exports, or ``vigilmar decode`` output.

One JSON object a line: ``mmsi``, ``type``, a time (``timestamp`` or ``time``: ISO 8601 or epoch),
``lat``/``lon``/``speed``/``course``/``heading``/``status`` for positions (types 1, 2, 3, 18, 19,
27), ``shipname``/``name``, ``callsign``, ``imo``, ``shiptype``/``ship_type``, ``destination``
for static data (5, 24); other types become ``OtherMessage``. A line with a ``failure`` key (as
``vigilmar decode`` writes them) comes back as that ``Failure``. Blank lines and ``#`` comments
are skipped; every other line becomes one record or one ``Failure`` naming the file and line.

AIS-catcher's JSON lines (``-o 3`` to ``-o 5``: ``{"class":"AIS","rxtime":"20220729191502",
"nmea":["!AIVDM,..."],...}``) are read for their ``nmea`` sentences instead (``read_aiscatcher``),
which go through the decoder like a log's lines, with the object's receive time (``rxuxtime``
Unix seconds, else ``rxtime`` ``YYYYMMDDHHMMSS`` UTC) as the time given with the line; what
AIS-catcher decoded itself is not used, so every input is decoded by the same rules.

Values are read and cleaned by ``models.normalise``, as NMEA payloads and CSV rows are: a line that
is not a JSON object or lacks what a message needs is ``bad_row``, a value AIS cannot carry (an
MMSI of ten digits, NaN) ``bad_value``, a type outside 1..27 ``unsupported_type``, and a time
that cannot be or lies outside the plausible window ``bad_time``.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterator

from models import normalise as norm
from models.normalise import POSITION_TYPES, STATIC_TYPES, FieldError
from models.records import (
    PLAUSIBLE,
    Failure,
    FailureReason,
    InputLine,
    OtherMessage,
    PositionReport,
    StaticReport,
    TimeWindow,
)
from replay.sources import Block

__all__ = ["is_aiscatcher", "read_aiscatcher", "read_jsonl"]

Item = PositionReport | StaticReport | OtherMessage | Failure

_REASONS = {reason.value: reason for reason in FailureReason}
_RXTIME = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})")


def is_aiscatcher(value: object) -> bool:
    """True for an object AIS-catcher wrote: its ``nmea`` field is a list of sentences."""
    return isinstance(value, dict) and isinstance(value.get("nmea"), list)


def read_aiscatcher(
    blocks: Iterator[Block], source: str, *, window: TimeWindow = PLAUSIBLE
) -> Iterator[InputLine | Failure]:
    """One ``InputLine`` per sentence of each object's ``nmea`` list, numbered by the object's
    line and carrying its receive time; one ``Failure`` for a line that is not such an object
    (``bad_row``) or whose receive time is not one (``bad_time``)."""
    for row in _rows(blocks):
        if isinstance(row, Failure):
            yield row
        else:
            text, line, line_no = row
            yield from _catcher_lines(text, line, source, line_no, window)


def _catcher_lines(
    text: str, line: str, source: str, line_no: int, window: TimeWindow
) -> Iterator[InputLine | Failure]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as err:
        yield Failure(FailureReason.BAD_ROW, line, source, line_no, f"not JSON: {err}")
        return
    if not is_aiscatcher(value):
        detail = "not an AIS-catcher object with an nmea list"
        yield Failure(FailureReason.BAD_ROW, line, source, line_no, detail)
        return
    try:
        received = _rx_time(value, window)
    except FieldError as err:
        yield Failure(err.reason, line, source, line_no, str(err))
        return
    sentences = value["nmea"]
    if not sentences or not all(isinstance(sentence, str) for sentence in sentences):
        yield Failure(FailureReason.BAD_ROW, line, source, line_no, "nmea is not a list of text")
        return
    for sentence in sentences:
        yield InputLine(sentence, source, line_no, received)


def _rx_time(value: dict[str, object], window: TimeWindow) -> float | None:
    """``rxuxtime`` (Unix seconds) or ``rxtime`` (``YYYYMMDDHHMMSS`` UTC, or any time
    ``parse_time`` reads); ``None`` without either."""
    if value.get("rxuxtime") is not None:
        return norm.parse_time(value["rxuxtime"], "rxuxtime", window)
    rxtime = value.get("rxtime")
    match = _RXTIME.fullmatch(rxtime) if isinstance(rxtime, str) else None
    if match is None:
        return norm.parse_time(rxtime, "rxtime", window)
    year, month, day, hour, minute, second = (int(field) for field in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61):
        raise FieldError(FailureReason.BAD_TIME, f"rxtime {rxtime!r} is no date and time")
    return norm.parse_time(
        calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)), "rxtime", window
    )


def read_jsonl(
    blocks: Iterator[Block], source: str, *, window: TimeWindow = PLAUSIBLE
) -> Iterator[Item]:
    """One record or one ``Failure`` for every line that is not blank or a comment; times
    outside ``window`` are ``bad_time``."""
    for row in _rows(blocks):
        if isinstance(row, Failure):
            yield row
        else:
            text, line, line_no = row
            yield _json_item(text, line, source, line_no, window)


def _rows(blocks: Iterator[Block]) -> Iterator[Failure | tuple[str, str, int]]:
    """Each line that is not blank or a comment as (text, line, line number), or the failure
    its block already holds for it (a line that is not text)."""
    for first, lines, failures in blocks:
        for line_no, line in enumerate(lines, first):
            if failures and line_no in failures:
                yield failures[line_no]
                continue
            text = line.strip()
            if text and not text.startswith("#"):
                yield text, line, line_no


def _json_item(text: str, line: str, source: str, line_no: int, window: TimeWindow) -> Item:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as err:
        return Failure(FailureReason.BAD_ROW, line, source, line_no, f"not JSON: {err}")
    if not isinstance(value, dict):
        return Failure(FailureReason.BAD_ROW, line, source, line_no, "not a JSON object")
    if "failure" in value:
        return _json_failure(value, line, source, line_no, window)
    try:
        return _json_message(value, source, window)
    except FieldError as err:
        return Failure(err.reason, line, source, line_no, str(err))


def _json_failure(
    value: dict[str, object], line: str, source: str, line_no: int, window: TimeWindow
) -> Failure:
    """A failure written by ``vigilmar decode``, re-emitted with the reason it names."""
    named = value["failure"]
    detail = value.get("detail")
    detail = detail if isinstance(detail, str) else ""
    reason = _REASONS.get(named) if isinstance(named, str) else None
    if reason is None:
        reason = FailureReason.BAD_ROW
        detail = f"unknown failure reason {named!r}" + (f": {detail}" if detail else "")
    raw = value.get("raw")
    try:
        timestamp = _json_time(value, window)
    except FieldError:
        timestamp = None  # it failed already; its time is only a hint
    return Failure(
        reason, raw if isinstance(raw, str) else line, source, line_no, detail, timestamp
    )


def _json_message(
    value: dict[str, object], source: str, window: TimeWindow
) -> PositionReport | StaticReport | OtherMessage:
    if value.get("mmsi") is None:
        raise FieldError(FailureReason.BAD_ROW, "no mmsi")
    mmsi = norm.mmsi(value["mmsi"], "mmsi")
    msg_type = _json_type(value)
    timestamp = _json_time(value, window)
    if msg_type in POSITION_TYPES:
        return _json_position(value, mmsi, msg_type, timestamp, source)
    if msg_type in STATIC_TYPES:
        return _json_static(value, mmsi, msg_type, timestamp, source)
    return OtherMessage(mmsi, timestamp, msg_type, source)


def _json_type(value: dict[str, object]) -> int:
    msg_type = norm.message_type(value.get("type"), "type")
    if msg_type is not None:
        return msg_type
    if "lat" in value and "lon" in value:
        return 1
    if any(key in value for key in ("shipname", "name", "callsign", "imo")):
        return 5
    raise FieldError(FailureReason.BAD_ROW, "no message type")


def _json_time(value: dict[str, object], window: TimeWindow) -> float | None:
    """``timestamp`` or ``time`` as Unix seconds (``None`` when neither is given)."""
    if value.get("timestamp") is not None:
        return norm.parse_time(value["timestamp"], "timestamp", window)
    return norm.parse_time(value.get("time"), "time", window)


def _json_position(
    value: dict[str, object], mmsi: int, msg_type: int, timestamp: float | None, source: str
) -> PositionReport:
    lat, lon = norm.number(value.get("lat"), "lat"), norm.number(value.get("lon"), "lon")
    speed = norm.number(value.get("speed"), "speed")
    course = norm.number(value.get("course"), "course")
    long_range = msg_type == 27
    if value.get("scaled") is False:  # gpsd -u: raw AIS units
        minutes = 600.0 if long_range else 600_000.0
        lat = None if lat is None else lat / minutes
        lon = None if lon is None else lon / minutes
        if not long_range:
            speed = None if speed is None else speed / 10.0
            course = None if course is None else course / 10.0
    lat, lon, impossible = norm.clean_position(lat, lon)
    return PositionReport(
        mmsi,
        timestamp,
        msg_type,
        lat,
        lon,
        speed=norm.clean_speed(speed, long_range=long_range),
        course=norm.clean_course(course),
        heading=norm.clean_heading(norm.number(value.get("heading"), "heading")),
        status=norm.clean_status(norm.number(value.get("status"), "status")),
        impossible=impossible or value.get("impossible") is True,  # as ``vigilmar decode`` says
        source=source,
    )


def _json_static(
    value: dict[str, object], mmsi: int, msg_type: int, timestamp: float | None, source: str
) -> StaticReport:
    ship_type = value.get("shiptype", value.get("ship_type"))
    return StaticReport(
        mmsi,
        timestamp,
        msg_type,
        name=norm.clean_text(value.get("shipname") or value.get("name")),
        callsign=norm.clean_text(value.get("callsign")),
        imo=norm.imo(value.get("imo"), "imo"),
        ship_type=norm.clean_ship_type(norm.number(ship_type, "shiptype")),
        destination=norm.clean_text(value.get("destination")),
        part=_json_part(value) if msg_type == 24 else None,
        source=source,
    )


def _json_part(value: dict[str, object]) -> str | None:
    part = value.get("part")
    if part in ("A", "B"):
        return str(part)
    number = value.get("partno", value.get("part_num"))
    return {0: "A", 1: "B"}.get(number) if isinstance(number, int) else None
