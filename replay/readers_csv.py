"""CSV inputs.

Two kinds of CSV are recognised by their header (names compared case-insensitively, ignoring
``_`` and spaces, in any column order):

* ``marinecadastre`` — the US MarineCadastre / USCG NAIS daily files,
  ``MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,...``
  (the 2025 snake_case schema ``mmsi,base_date_time,longitude,latitude,...`` reads the same);
* ``positions_csv`` — any export with an id (``mmsi``/``ssvid``), ``lat``/``latitude``,
  ``lon``/``long``/``lng``/``longitude`` and a time (``epoch``/``unix_time``/``timestamp``/
  ``time``/``datetime``/``basedatetime``: Unix seconds or milliseconds, or ISO 8601 — a time
  without a zone is read in the zone the caller names, UTC by default), and optionally
  ``sog``/``speed``, ``cog``/``course``, ``heading``, ``status``. ``epoch,mmsi,lat,lon`` is one.

One record per line: a quoted field may hold commas but not line breaks (AIS exports have none,
and a stray quote must not swallow the rest of a file). Values are read and cleaned by
``models.normalise``, as NMEA payloads are: a row becomes reports, or one ``Failure`` naming the
file and line — ``bad_row`` when it cannot be read, ``bad_value`` for a field AIS cannot carry
(an MMSI of ten digits, ``nan``), ``bad_time`` for a time outside the plausible window.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, tzinfo

from models import normalise as norm
from models.nmea import time_column
from models.normalise import FieldError
from models.records import (
    PLAUSIBLE,
    Failure,
    FailureReason,
    PositionReport,
    StaticReport,
    TimeWindow,
)
from replay.sources import Block

__all__ = [
    "MARINECADASTRE",
    "POSITIONS_CSV",
    "Columns",
    "Identity",
    "read_csv",
    "recognise_header",
]

MARINECADASTRE = "marinecadastre"
POSITIONS_CSV = "positions_csv"

_ALIASES: dict[str, tuple[str, ...]] = {
    "mmsi": ("mmsi", "ssvid"),
    "time": ("basedatetime", "timestamp", "time", "datetime", "epoch", "unixtime"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "long", "lng", "longitude"),
    "speed": ("sog", "speed"),
    "course": ("cog", "course"),
    "heading": ("heading",),
    "status": ("status", "navstatus"),
    "name": ("vesselname", "shipname"),
    "callsign": ("callsign",),
    "imo": ("imo",),
    "ship_type": ("vesseltype", "shiptype"),
    "transceiver": ("transceiverclass", "transceiver"),
}

#: What identifies a vessel in static data: name, call sign, IMO number, ship type.
Identity = tuple[str | None, str | None, int | None, int | None]
Item = PositionReport | StaticReport | Failure


# --- header ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Columns:
    """Where the known fields are in a header (``None`` when absent) and how wide rows are."""

    width: int
    mmsi: int
    time: int
    lat: int
    lon: int
    speed: int | None = None
    course: int | None = None
    heading: int | None = None
    status: int | None = None
    name: int | None = None
    callsign: int | None = None
    imo: int | None = None
    ship_type: int | None = None
    transceiver: int | None = None

    @property
    def has_identity(self) -> bool:
        return any(c is not None for c in (self.name, self.callsign, self.imo, self.ship_type))


def split_row(line: str) -> list[str]:
    """The fields of one CSV line (the csv module only when the line holds quotes).

    Raises ``FieldError`` (``bad_row``) for a line the csv module cannot split (a carriage
    return or NUL outside quotes)."""
    if '"' not in line:
        return line.split(",")
    try:
        return next(csv.reader((line,)))
    except csv.Error as err:
        raise FieldError(FailureReason.BAD_ROW, f"not a CSV row: {err}") from None


def recognise_header(line: str) -> tuple[str, Columns] | None:
    """``(format, columns)`` when ``line`` is a header this module reads, else ``None``."""
    try:
        fields = split_row(line)
    except FieldError:
        return None
    names = [name.strip().lower().replace("_", "").replace(" ", "") for name in fields]
    where: dict[str, int] = {}
    for field, aliases in _ALIASES.items():
        for index, name in enumerate(names):
            if name in aliases:
                where[field] = index
                break
    if not all(key in where for key in ("mmsi", "time", "lat", "lon")):
        return None
    columns = Columns(width=len(names), **where)
    is_cadastre = names[columns.time] == "basedatetime" and "vesselname" in names
    return (MARINECADASTRE if is_cadastre else POSITIONS_CSV), columns


# --- rows ------------------------------------------------------------------------------------


def read_csv(
    blocks: Iterator[Block],
    source: str,
    identities: dict[int, Identity],
    *,
    window: TimeWindow = PLAUSIBLE,
    zone: tzinfo = UTC,
) -> Iterator[Item]:
    """Reports from a recognised CSV stream; exactly one ``Failure`` for each row that cannot
    become reports (every line before the header that is not the header included). A
    positions CSV's times without a zone are read in ``zone`` (MarineCadastre's are UTC).

    ``identities`` (MMSI -> last identity emitted) is shared across files so that a
    ``StaticReport`` is emitted only when a vessel's identity is first seen or changes. Times
    outside ``window`` are ``bad_time``.
    """
    parser: _RowParser | None = None
    for first, lines, failures in blocks:
        for line_no, line in enumerate(lines, first):
            if failures and line_no in failures:
                yield failures[line_no]
            elif not line or line.isspace():
                continue
            elif parser is None:
                if line.startswith("#"):
                    continue
                recognised = recognise_header(line)
                if recognised is None:
                    detail = "not a recognised CSV header"
                    yield Failure(FailureReason.BAD_ROW, line, source, line_no, detail)
                    continue
                fmt, columns = recognised
                local = UTC if fmt == MARINECADASTRE else zone
                parser = _RowParser(source, columns, identities, window, local)
            else:
                try:
                    yield from parser.items(split_row(line))
                except FieldError as err:
                    yield Failure(err.reason, line, source, line_no, str(err))


class _RowParser:
    """Turns the rows of one CSV file into reports."""

    def __init__(
        self,
        source: str,
        columns: Columns,
        identities: dict[int, Identity],
        window: TimeWindow,
        zone: tzinfo = UTC,
    ) -> None:
        self.source = source
        self.zone = zone
        self.columns = columns
        self.identities = identities
        self.window = window
        self._has_identity = columns.has_identity
        self._times: dict[str, float] = {}  # time text -> Unix seconds (rows share times)
        self._raw_identity: dict[int, tuple[str, ...]] = {}  # MMSI -> identity fields as read

    def items(self, row: list[str]) -> tuple[Item, ...]:
        cols = self.columns
        if len(row) != cols.width:
            raise FieldError(
                FailureReason.BAD_ROW, f"expected {cols.width} columns, found {len(row)}"
            )
        mmsi = norm.mmsi(row[cols.mmsi], "MMSI")
        timestamp = self._time(row[cols.time])
        lat, lon, impossible = norm.clean_position(
            _required(row[cols.lat], "latitude"), _required(row[cols.lon], "longitude")
        )
        class_b = cols.transceiver is not None and row[cols.transceiver].strip().upper() == "B"
        position = PositionReport(
            mmsi,
            timestamp,
            18 if class_b else 1,
            lat,
            lon,
            speed=norm.clean_speed(_field(row, cols.speed, "speed")),
            course=norm.clean_course(_field(row, cols.course, "course")),
            heading=norm.clean_heading(_field(row, cols.heading, "heading")),
            status=norm.clean_status(_field(row, cols.status, "status")),
            impossible=impossible,
            source=self.source,
        )
        if not self._has_identity:
            return (position,)
        static = self._static(row, mmsi, timestamp, class_b)
        return (position,) if static is None else (static, position)

    def _time(self, text: str) -> float:
        timestamp = self._times.get(text)
        if timestamp is None:
            local = None if self.zone is UTC else time_column(text.strip(), self.zone)
            value: object = text
            if local is not None and local.naive and local.timestamp is not None:
                value = local.timestamp  # read in its zone; judged against the window below
            timestamp = norm.parse_time(value, "time", self.window)
            if timestamp is None:
                raise FieldError(FailureReason.BAD_ROW, "no time")
            if len(self._times) >= 100_000:
                self._times.clear()
            self._times[text] = timestamp
        return timestamp

    def _static(
        self, row: list[str], mmsi: int, timestamp: float, class_b: bool
    ) -> StaticReport | None:
        cols = self.columns
        raw = tuple(
            row[i] for i in (cols.name, cols.callsign, cols.imo, cols.ship_type) if i is not None
        )
        if self._raw_identity.get(mmsi) == raw:
            return None  # as on this vessel's previous row
        identity: Identity = (
            None if cols.name is None else norm.clean_text(row[cols.name]),
            None if cols.callsign is None else norm.clean_text(row[cols.callsign]),
            None if cols.imo is None else norm.imo(row[cols.imo], "IMO"),
            norm.clean_ship_type(_field(row, cols.ship_type, "ship type")),
        )
        self._raw_identity[mmsi] = raw  # only once it has been read without a failure
        if identity == (None, None, None, None) or self.identities.get(mmsi) == identity:
            return None
        self.identities[mmsi] = identity
        name, callsign, imo, ship_type = identity
        return StaticReport(
            mmsi,
            timestamp,
            24 if class_b else 5,
            name=name,
            callsign=callsign,
            imo=imo,
            ship_type=ship_type,
            source=self.source,
        )


def _field(row: list[str], index: int | None, what: str) -> float | None:
    return None if index is None else norm.number(row[index], what)


def _required(text: str, what: str) -> float:
    value = norm.number(text, what)
    if value is None:
        raise FieldError(FailureReason.BAD_ROW, f"no {what}")
    return value
