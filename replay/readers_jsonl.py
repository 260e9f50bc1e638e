"""JSON Lines of decoded AIS messages: gpsd style (``gpsdecode -j``, scaled or ``-u`` raw units),
Global Fishing Watch exports, or ``vigilmar decode`` output.

One JSON object a line: ``mmsi``, ``type``, a time (``timestamp`` or ``time``: ISO 8601 or epoch),
``lat``/``lon``/``speed``/``course``/``heading``/``status`` for positions (types 1, 2, 3, 18, 19,
27), ``shipname``/``name``, ``callsign``, ``imo``, ``shiptype``/``ship_type``, ``destination``
for static data (5, 24); other types become ``OtherMessage``. A line with a ``failure`` key (as
``vigilmar decode`` writes them) comes back as that ``Failure``. Blank lines and ``#`` comments
are skipped; anything else that cannot be read is ``Failure(BAD_ROW)``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from models.normalise import (
    POSITION_TYPES,
    STATIC_TYPES,
    as_float,
    clean_course,
    clean_heading,
    clean_position,
    clean_ship_type,
    clean_speed,
    clean_status,
    clean_text,
    epoch_seconds,
    parse_imo,
    parse_time,
)
from models.records import Failure, FailureReason, OtherMessage, PositionReport, StaticReport
from replay.sources import Block

__all__ = ["read_jsonl"]

Item = PositionReport | StaticReport | OtherMessage | Failure

_REASONS = {reason.value: reason for reason in FailureReason}


class _BadMessage(ValueError):
    """A JSON object that cannot become a record; the message says why."""


def read_jsonl(blocks: Iterator[Block], source: str) -> Iterator[Item]:
    for first, lines, failures in blocks:
        for line_no, line in enumerate(lines, first):
            if failures and line_no in failures:
                yield failures[line_no]
                continue
            text = line.strip()
            if text and not text.startswith("#"):
                yield _json_item(text, source, line_no)


def _json_item(text: str, source: str, line_no: int) -> Item:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as err:
        return Failure(FailureReason.BAD_ROW, text, source, line_no, f"not JSON: {err}")
    if not isinstance(value, dict):
        return Failure(FailureReason.BAD_ROW, text, source, line_no, "not a JSON object")
    try:
        if "failure" in value:
            return _json_failure(value, text, source, line_no)
        return _json_message(value, source)
    except _BadMessage as err:
        return Failure(FailureReason.BAD_ROW, text, source, line_no, str(err))


def _json_failure(value: dict[str, object], text: str, source: str, line_no: int) -> Failure:
    """A failure written by ``vigilmar decode``, re-emitted with the reason it names."""
    named = value["failure"]
    detail = value.get("detail")
    detail = detail if isinstance(detail, str) else ""
    reason = _REASONS.get(named) if isinstance(named, str) else None
    if reason is None:
        reason = FailureReason.BAD_ROW
        detail = f"unknown failure reason {named!r}" + (f": {detail}" if detail else "")
    raw = value.get("raw")
    return Failure(
        reason,
        raw if isinstance(raw, str) else text,
        source,
        line_no,
        detail,
        _json_time(value, strict=False),
    )


def _json_message(
    value: dict[str, object], source: str
) -> PositionReport | StaticReport | OtherMessage:
    mmsi = as_float(value.get("mmsi"))
    if mmsi is None or not mmsi.is_integer():
        raise _BadMessage("no usable mmsi")
    msg_type = _json_type(value)
    if msg_type in POSITION_TYPES:
        return _json_position(value, int(mmsi), msg_type, source)
    if msg_type in STATIC_TYPES:
        return _json_static(value, int(mmsi), msg_type, source)
    return OtherMessage(int(mmsi), _json_time(value, strict=False), msg_type, source)


def _json_type(value: dict[str, object]) -> int:
    msg_type = as_float(value.get("type"))
    if msg_type is not None and msg_type.is_integer():
        return int(msg_type)
    if "lat" in value and "lon" in value:
        return 1
    if any(key in value for key in ("shipname", "name", "callsign", "imo")):
        return 5
    raise _BadMessage("no message type")


def _json_time(value: dict[str, object], *, strict: bool) -> float | None:
    """``timestamp`` or ``time`` as Unix seconds; a bad one raises only when ``strict``."""
    moment = value.get("timestamp")
    if moment is None:
        moment = value.get("time")
    if moment is None:
        return None
    try:
        if isinstance(moment, str):
            return parse_time(moment)
        number = as_float(moment)
        if number is not None and number >= 0:
            return epoch_seconds(number)
    except (ValueError, OverflowError):
        pass
    if strict:
        raise _BadMessage(f"bad time {moment!r}")
    return None


def _json_position(
    value: dict[str, object], mmsi: int, msg_type: int, source: str
) -> PositionReport:
    lat, lon = as_float(value.get("lat")), as_float(value.get("lon"))
    speed, course = as_float(value.get("speed")), as_float(value.get("course"))
    if value.get("scaled") is False:  # gpsd -u: raw AIS units
        minutes = 600.0 if msg_type == 27 else 600_000.0
        lat = None if lat is None else lat / minutes
        lon = None if lon is None else lon / minutes
        if msg_type != 27:
            speed = None if speed is None else speed / 10.0
            course = None if course is None else course / 10.0
    lat, lon, impossible = clean_position(lat, lon)
    return PositionReport(
        mmsi,
        _json_time(value, strict=True),
        msg_type,
        lat,
        lon,
        speed=clean_speed(speed, long_range=msg_type == 27),
        course=clean_course(course),
        heading=clean_heading(as_float(value.get("heading"))),
        status=clean_status(as_float(value.get("status"))),
        impossible=impossible or value.get("impossible") is True,  # as ``vigilmar decode`` says
        source=source,
    )


def _json_static(value: dict[str, object], mmsi: int, msg_type: int, source: str) -> StaticReport:
    ship_type = value.get("shiptype", value.get("ship_type"))
    return StaticReport(
        mmsi,
        _json_time(value, strict=True),
        msg_type,
        name=clean_text(value.get("shipname") or value.get("name")),
        callsign=clean_text(value.get("callsign")),
        imo=parse_imo(value.get("imo")),
        ship_type=clean_ship_type(as_float(ship_type)),
        destination=clean_text(value.get("destination")),
        part=_json_part(value) if msg_type == 24 else None,
        source=source,
    )


def _json_part(value: dict[str, object]) -> str | None:
    part = value.get("part")
    if part in ("A", "B"):
        return str(part)
    number = value.get("partno", value.get("part_num"))
    return {0: "A", 1: "B"}.get(number) if isinstance(number, int) else None
