"""Typed, frozen records that flow through the engine.

Times are event times: Unix seconds (UTC) as floats, ``None`` when a message carries no usable
receive time. ``time`` properties give the same instant as a timezone-aware ``datetime``.
Unknown AIS values (the protocol's "not available" sentinels) are ``None``, never 91/181/102.3.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import NamedTuple


def to_datetime(timestamp: float | None) -> datetime | None:
    """Unix seconds to an aware UTC datetime (``None`` stays ``None``)."""
    return None if timestamp is None else datetime.fromtimestamp(timestamp, tz=UTC)


def iso_utc(timestamp: float | None) -> str | None:
    """Unix seconds to ISO 8601 UTC with a ``Z`` suffix, to the millisecond when needed."""
    if timestamp is None:
        return None
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class FailureReason(StrEnum):
    """Why a line or message could not become a report. Values are metric label values."""

    BAD_CHECKSUM = "bad_checksum"
    MALFORMED = "malformed"  # not an AIS sentence at all, or fields missing
    UNKNOWN_PREFIX = "unknown_prefix"  # text before a line's first sentence that is no time
    ORPHAN_FRAGMENT = "orphan_fragment"  # a later part of a multipart message without its start
    INCOMPLETE_MULTIPART = "incomplete_multipart"  # parts missing when the group expired
    UNSUPPORTED_TYPE = "unsupported_type"  # message type outside 1..27
    EMPTY_PAYLOAD = "empty_payload"
    BAD_BIT_COUNT = "bad_bit_count"  # payload too short for its message type
    DECODE_ERROR = "decode_error"  # pyais could not decode the payload
    NOT_UTF8 = "not_utf8"
    BAD_ROW = "bad_row"  # a CSV row that cannot be read
    LATE = "late"  # arrived after the lateness window for its vessel had passed
    BAD_TIME = "bad_time"  # a receive time that is not a number, or outside the plausible window
    BAD_VALUE = "bad_value"  # a field out of its range (MMSI, lat/lon, speed, type, ...)
    TRUNCATED_INPUT = "truncated_input"  # an input that could not be read to its end
    TRACK_ERROR = "track_error"  # tracking raised on a batch of reports (streams: dead-lettered)
    BAD_LIST = "bad_list"  # a partner's list on the lists topic that cannot be used


#: Receive times outside this window are not data (``bad_time``): 1990-01-01 ... 2100-01-01 UTC.
#: A live edge may narrow the upper end to its clock plus a day (``TimeWindow``).
EARLIEST_TIME = 631_152_000.0
LATEST_TIME = 4_102_444_800.0


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """The receive times an input may plausibly carry (Unix seconds, inclusive)."""

    earliest: float = EARLIEST_TIME
    latest: float = LATEST_TIME

    def __contains__(self, timestamp: float) -> bool:
        # NaN fails both comparisons; infinities fail one.
        return self.earliest <= timestamp <= self.latest


PLAUSIBLE = TimeWindow()


@dataclass(frozen=True, slots=True)
class Failure:
    """A line or message that did not decode, with where it came from."""

    reason: FailureReason
    raw: str
    source: str = ""
    line_no: int = 0
    detail: str = ""
    timestamp: float | None = None


@dataclass(frozen=True, slots=True)
class PositionReport:
    """AIS types 1, 2, 3 (Class A), 18, 19 (Class B) and 27 (long range)."""

    mmsi: int
    timestamp: float | None
    msg_type: int
    lat: float | None
    lon: float | None
    speed: float | None = None  # knots over ground
    course: float | None = None  # degrees over ground
    heading: int | None = None  # true heading, degrees
    status: int | None = None  # navigational status (Class A, type 27)
    impossible: bool = False  # lat/lon hold values off the globe (not the sentinels)
    source: str = ""

    @property
    def time(self) -> datetime | None:
        return to_datetime(self.timestamp)

    @property
    def has_position(self) -> bool:
        return self.lat is not None and self.lon is not None and not self.impossible


@dataclass(frozen=True, slots=True)
class StaticReport:
    """AIS type 5 (Class A static and voyage data) and 24 (Class B static data, part A or B)."""

    mmsi: int
    timestamp: float | None
    msg_type: int
    name: str | None = None
    callsign: str | None = None
    imo: int | None = None
    ship_type: int | None = None
    destination: str | None = None
    part: str | None = None  # "A" or "B" for type 24
    source: str = ""

    @property
    def time(self) -> datetime | None:
        return to_datetime(self.timestamp)


@dataclass(frozen=True, slots=True)
class OtherMessage:
    """A valid AIS message of a type the engine does not track (base stations, aids to navigation,
    binary messages ...). Counted as decoded; carries only its header."""

    mmsi: int
    timestamp: float | None
    msg_type: int
    source: str = ""

    @property
    def time(self) -> datetime | None:
        return to_datetime(self.timestamp)


Report = PositionReport | StaticReport
Decoded = PositionReport | StaticReport | OtherMessage
Outcome = PositionReport | StaticReport | OtherMessage | Failure


class Fix(NamedTuple):
    """A usable position of one vessel with its event time (Unix seconds): what the engine
    remembers of a position report once it has been applied."""

    t: float
    lat: float
    lon: float
    speed: float | None
    course: float | None


@dataclass(frozen=True, slots=True)
class InputLine:
    """One raw line of NMEA text as it arrived, with its origin.

    ``received`` is a receive time known from outside the line itself (a Kafka record timestamp,
    the feeder's clock); a time inside the line (tag block, ``$PGHP``, epoch column) wins over it.
    """

    text: str
    source: str = ""
    line_no: int = 0
    received: float | None = None
