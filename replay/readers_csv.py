"""CSV inputs.

Two kinds of CSV are recognised by their header (names compared case-insensitively, ignoring
``_`` and spaces, in any column order):

* ``marinecadastre`` — the US MarineCadastre / USCG NAIS daily files,
  ``MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,...``
  (the 2025 snake_case schema ``mmsi,base_date_time,longitude,latitude,...`` reads the same);
* ``positions_csv`` — any export with an id (``mmsi``/``ssvid``), ``lat``/``latitude``,
  ``lon``/``longitude`` and a time (``timestamp``/``time``/``basedatetime``/``datetime``), and
  optionally ``sog``/``speed``, ``cog``/``course``, ``heading``, ``status``.

One record per line: a quoted field may hold commas but not line breaks (AIS exports have none,
and a stray quote must not swallow the rest of a file). Values are read and cleaned by
``models.normalise``, as NMEA payloads are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass

from models import normalise as norm
from models.records import Failure, FailureReason, PositionReport, StaticReport
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
    "time": ("basedatetime", "timestamp", "time", "datetime"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "longitude"),
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


class _BadRow(ValueError):
    """A row that cannot become a report; the message says why."""


def split_row(line: str) -> list[str]:
    """The fields of one CSV line (the csv module only when the line holds quotes).

    Raises ``_BadRow`` for a line the csv module cannot split (a carriage return outside
    quotes)."""
    if '"' not in line:
        return line.split(",")
    try:
        return next(csv.reader((line,)))
    except csv.Error as err:
        raise _BadRow(f"not a CSV row: {err}") from None


def recognise_header(line: str) -> tuple[str, Columns] | None:
    """``(format, columns)`` when ``line`` is a header this module reads, else ``None``."""
    try:
        fields = split_row(line)
    except _BadRow:
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
    blocks: Iterator[Block], source: str, identities: dict[int, Identity]
) -> Iterator[Item]:
    """Reports from a recognised CSV stream, ``Failure(BAD_ROW)`` for rows that cannot be read.

    ``identities`` (MMSI -> last identity emitted) is shared across files so that a
    ``StaticReport`` is emitted only when a vessel's identity is first seen or changes.
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
                parser = _RowParser(source, recognised[1], identities)
            else:
                try:
                    yield from parser.items(split_row(line))
                except _BadRow as err:
                    yield Failure(FailureReason.BAD_ROW, line, source, line_no, str(err))


class _RowParser:
    """Turns the rows of one CSV file into reports."""

    def __init__(self, source: str, columns: Columns, identities: dict[int, Identity]) -> None:
        self.source = source
        self.columns = columns
        self.identities = identities
        self._has_identity = columns.has_identity
        self._times: dict[str, float] = {}  # time text -> Unix seconds (rows share times)
        self._raw_identity: dict[int, tuple[str, ...]] = {}  # MMSI -> identity fields as read

    def items(self, row: list[str]) -> tuple[Item, ...]:
        cols = self.columns
        if len(row) != cols.width:
            raise _BadRow(f"expected {cols.width} columns, found {len(row)}")
        mmsi = _required_int(row[cols.mmsi], "MMSI")
        timestamp = self._time(row[cols.time])
        lat, lon, impossible = norm.clean_position(
            _required_float(row[cols.lat], "latitude"), _required_float(row[cols.lon], "longitude")
        )
        class_b = cols.transceiver is not None and row[cols.transceiver].strip().upper() == "B"
        position = PositionReport(
            mmsi,
            timestamp,
            18 if class_b else 1,
            lat,
            lon,
            speed=norm.clean_speed(_field(row, cols.speed)),
            course=norm.clean_course(_field(row, cols.course)),
            heading=norm.clean_heading(_field(row, cols.heading)),
            status=norm.clean_status(_field(row, cols.status)),
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
            try:
                timestamp = norm.parse_time(text)
            except (ValueError, OverflowError) as err:
                raise _BadRow(f"bad time {text!r}") from err
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
        self._raw_identity[mmsi] = raw
        identity: Identity = (
            None if cols.name is None else norm.clean_text(row[cols.name]),
            None if cols.callsign is None else norm.clean_text(row[cols.callsign]),
            None if cols.imo is None else norm.parse_imo(row[cols.imo]),
            norm.clean_ship_type(_field(row, cols.ship_type)),
        )
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


def _field(row: list[str], index: int | None) -> float | None:
    if index is None:
        return None
    text = row[index]
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _required_int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _BadRow(f"{what} {text!r} is not a whole number") from None


def _required_float(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise _BadRow(f"{what} {text!r} is not a number") from None
