"""The NMEA layer: splitting a raw line into its sentences and the times that travel with them.

A line from a receiver log may carry, besides the AIS sentence itself:

* an NMEA 4 tag block before it, ``\\s:station,c:1668046497,g:1-2-7218*hh\\`` (source, receive
  time in Unix seconds or milliseconds, and the group of a multipart message);
* a trailing epoch column after the checksum, ``...,0*51,1327992119173`` (exactEarth, USCG);
* a leading time column before the first sentence, ``1668046497,!AIVDM...`` (kplex and shore
  loggers: Unix seconds or milliseconds) or ``2024-03-01 12:00:00.250, !AIVDM...`` (ISO 8601, with
  or without a zone; a naive time is local to the zone the caller names), separated by ``,``,
  ``;``, a tab or spaces;
* nothing at all, with the time given by a preceding ``$PGHP`` (Gatehouse), ``$xxZDA`` or
  ``$xxRMC`` (the own ship's GPS, as avnav and OpenCPN log it) sentence.

Several sentences may stand on one line. This module only cuts text; it never decodes payloads.

Numbers are ASCII digits only: ``str.isdigit`` also accepts '²' or '٣', which ``int()`` and
``float()`` then refuse or read as something else. Times are parsed here but judged by the
caller against a ``TimeWindow``: a value that is a number but no plausible time (year 2363,
infinity from a 400-digit ``c:``) comes back as that number.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.records import PLAUSIBLE, TimeWindow

#: Above this a time value is taken to be in milliseconds (Unix seconds pass it in 5138).
_MILLISECONDS_ABOVE = 100_000_000_000
#: The longest tag-block group id kept (real ones have 1 to 5 digits); a longer one is ignored.
_MAX_GROUP_ID = 10


#: Two hex digits (either case) to their value; ``int(text, 16)`` also takes '١٢' or ' 7'.
_HEX_PAIRS = {
    f"{high}{low}": int(high + low, 16)
    for high in "0123456789ABCDEFabcdef"
    for low in "0123456789ABCDEFabcdef"
}


class Clock(StrEnum):
    """Where a sentence's receive time came from: what the replay summary counts per file."""

    TAG_BLOCK = "tag block c:"
    TRAILING = "trailing epoch column"
    LEADING_EPOCH = "leading epoch column"
    LEADING_ZONED = "leading date-time with its zone"
    LEADING_LOCAL = "leading local date-time"  # the summary names the zone assumed
    PGHP = "$PGHP lines"
    ZDA = "$xxZDA lines"
    RMC = "$xxRMC lines (own-ship GPS)"
    RECEIVED = "receive time given with the line"
    NONE = "no time"


#: Where an NMEA sentence or a tag block can start: text before the first of these is a prefix.
SENTENCE_STARTS = "!$\\"

_LEADING_EPOCH = re.compile(r"[0-9]{9,13}(?:\.[0-9]{1,6})?")
_LEADING_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:[.,]([0-9]{1,9}))?"
    r" ?(Z|UTC|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)
#: A header row of a logger's CSV (``epoch,AIS_Sentences``): two or more names, no sentence.
_HEADER = re.compile(r"[A-Za-z_][A-Za-z0-9_ ]*(?:[,;\t][A-Za-z_][A-Za-z0-9_ ]*)+")


def ascii_digits(text: str) -> bool:
    """True when ``text`` is one or more ASCII digits ``0``-``9`` and nothing else."""
    return text.isascii() and text.isdigit()


@dataclass(frozen=True, slots=True)
class TagBlock:
    """What an NMEA 4 tag block says about the sentence after it."""

    timestamp: float | None = None
    station: str | None = None
    group: tuple[int, int, str] | None = None  # (part, total, group id)
    time_text: str = ""  # the ``c:`` value as written ("" without one), for failure details


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence cut from a line, with the tag block and trailing time that came with it."""

    text: str  # from '!' or '$' up to and including the two checksum digits
    tag: TagBlock | None = None
    trailing_time: float | None = None


def parse_epoch(text: str) -> float | None:
    """A Unix time in seconds or milliseconds, or ``None`` when ``text`` is not one."""
    text = text.strip()
    if not ascii_digits(text.replace(".", "", 1)):
        return None
    value = float(text)  # ASCII digits and at most one dot: a float, perhaps inf
    if value > _MILLISECONDS_ABOVE:
        value /= 1000.0
    return value


def time_zone(name: str) -> tzinfo:
    """The IANA time zone ``name`` (``Europe/Oslo``, ``America/Puerto_Rico``, ``UTC``).

    Raises ``ValueError`` naming it when the system's zone database does not know it."""
    if name.upper() in ("UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(
            f"unknown time zone {name!r}: give an IANA name such as UTC, Europe/Oslo or "
            "America/Puerto_Rico"
        ) from err


@dataclass(frozen=True, slots=True)
class LeadingTime:
    """The time column in front of a line's first sentence.

    ``timestamp`` is ``None`` when the column is shaped like a time but is none (month 13, an
    offset of 30 hours); ``naive`` when it named no zone and was read in the caller's."""

    timestamp: float | None
    clock: Clock
    text: str
    naive: bool = False


def sentence_start(line: str) -> int:
    """Index of the first ``!``, ``$`` or ``\\`` in ``line``, or -1."""
    best = -1
    for marker in SENTENCE_STARTS:
        found = line.find(marker, 0, best if best >= 0 else len(line))
        if found >= 0:
            best = found
    return best


def leading_time(prefix: str, zone: tzinfo = UTC) -> LeadingTime | None:
    """The time a line's ``prefix`` (its text before the first sentence) gives, or ``None``
    when the prefix is not one time column (``time_column``) followed by its separator (``,``,
    ``;``, a tab or spaces)."""
    stripped = prefix.rstrip(" \t")
    if not stripped:
        return None
    if stripped[-1] in ",;":
        text = stripped[:-1].rstrip(" \t")
    elif len(stripped) < len(prefix):  # the column ended in whitespace
        text = stripped
    else:
        return None  # no separator between the column and the sentence
    return time_column(text.lstrip(" \t"), zone)


def time_column(text: str, zone: tzinfo = UTC) -> LeadingTime | None:
    """The time one column gives — Unix seconds or milliseconds (9 to 13 digits), or ISO 8601 /
    ``YYYY-MM-DD HH:MM:SS[.fff]`` with an optional ``Z``, ``UTC`` or ``+hh:mm``, a time without
    a zone read in ``zone`` — or ``None`` when ``text`` is neither."""
    if _LEADING_EPOCH.fullmatch(text):
        value = float(text)
        return LeadingTime(
            value / 1000.0 if value > _MILLISECONDS_ABOVE else value, Clock.LEADING_EPOCH, text
        )
    match = _LEADING_TIME.fullmatch(text)
    if match is None:
        return None
    *fields, fraction, offset = match.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    naive = offset is None
    try:
        moment_zone = zone if naive else _offset(offset)
        year, month, day, hour, minute, second = (int(f) for f in fields)
        moment = datetime(year, month, day, hour, minute, second, micros, tzinfo=moment_zone)
        timestamp: float | None = moment.timestamp()
    except (ValueError, OverflowError):
        timestamp = None
    clock = Clock.LEADING_LOCAL if naive else Clock.LEADING_ZONED
    return LeadingTime(timestamp, clock, text, naive)


def _offset(text: str) -> tzinfo:
    if text in ("Z", "UTC"):
        return UTC
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or "0")
    if hours > 23 or minutes > 59:
        raise ValueError(f"UTC offset {text} out of range")
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if text[0] == "-" else delta)


def is_header(line: str) -> bool:
    """True when ``line`` looks like the header row of a logger's CSV (``epoch,AIS_Sentences``)."""
    return line.isascii() and _HEADER.fullmatch(line.strip()) is not None


def parse_tag_block(body: str) -> TagBlock:
    """Parse the inside of ``\\...\\`` (without the backslashes). Unknown fields are ignored.

    The tag block's own checksum is not enforced: real logs carry placeholders such as ``*00``.
    A ``c:`` that is not a number leaves ``timestamp`` None with ``time_text`` set (the decoder
    fails the sentence as a bad time); a ``g:`` that is not three ASCII numbers is ignored (the
    sentence's own fields then group its fragments).
    """
    star = body.rfind("*")
    if star >= 0:
        body = body[:star]
    timestamp: float | None = None
    station: str | None = None
    group: tuple[int, int, str] | None = None
    time_text = ""
    for field in body.split(","):
        key, _, value = field.partition(":")
        if key == "c":
            timestamp = parse_epoch(value)
            time_text = value
        elif key == "s":
            station = value or None
        elif key == "g":
            parts = value.split("-")
            if (
                len(parts) == 3
                and len(parts[2]) <= _MAX_GROUP_ID
                and all(ascii_digits(part) for part in parts)
            ):
                group = (int(parts[0]), int(parts[1]), parts[2])
    return TagBlock(timestamp, station, group, time_text)


def split_line(line: str) -> tuple[list[Sentence], str]:
    """Cut ``line`` into sentences. Returns the sentences and any text that belonged to none.

    The leftover text is what a decoder reports as malformed (for example a bare payload or a
    sentence without a checksum). An empty leftover means the whole line was understood.
    """
    sentences: list[Sentence] = []
    leftover: list[str] = []
    tag: TagBlock | None = None
    size = len(line)
    pos = 0
    while pos < size:
        char = line[pos]
        if char == "\\":
            end = line.find("\\", pos + 1)
            if end < 0:
                leftover.append(line[pos:])
                break
            tag = parse_tag_block(line[pos + 1 : end])
            pos = end + 1
            continue
        if char == "!" or char == "$":
            star = line.find("*", pos)
            if star < 0 or star + 3 > size:
                leftover.append(line[pos:])
                break
            text = line[pos : star + 3]
            pos = star + 3
            trailing: float | None = None
            if pos < size and line[pos] == ",":
                end = _next_start(line, pos + 1)
                trailing = _trailing_time(line[pos + 1 : end])
                pos = end
            sentences.append(Sentence(text, tag, trailing))
            tag = None
            continue
        end = _next_start(line, pos)
        chunk = line[pos:end].strip()
        if chunk:
            leftover.append(chunk)
        pos = end
    return sentences, " ".join(leftover)


def _trailing_time(columns: str) -> float | None:
    """The receive time in the columns after a checksum: a lone epoch (exactEarth) or the last
    epoch-like column of a USCG-style trailer (``,d-080,S2118,...,1325394060``)."""
    for column in reversed(columns.split(",")):
        value = parse_epoch(column)
        if value is not None and value > 100_000_000:
            return value
    return None


def _next_start(line: str, pos: int) -> int:
    """Index of the next '!', '$' or '\\' at or after ``pos`` (or the end of the line)."""
    best = len(line)
    for marker in ("!", "$", "\\"):
        found = line.find(marker, pos, best)
        if found >= 0:
            best = found
    return best


def checksum_ok(sentence: str) -> bool:
    """True when the two hex digits after '*' are the XOR of the characters between the leading
    '!'/'$' and the '*'."""
    star = len(sentence) - 3
    expected = _HEX_PAIRS.get(sentence[star + 1 :])
    if expected is None:
        return False
    value = 0
    for byte in sentence[1:star].encode("ascii", "replace"):
        value ^= byte
    return value == expected


def pghp_time(fields: list[str]) -> float | None:
    """Receive time of a Gatehouse ``$PGHP,1,year,month,day,hour,minute,second,ms,...`` sentence,
    or ``None`` when it gives none that reads as a date and time (a plausible year is the
    caller's judgement)."""
    if len(fields) < 9 or fields[1] != "1" or not all(ascii_digits(f) for f in fields[2:9]):
        return None
    year, month, day, hour, minute, second, millis = (int(f) for f in fields[2:9])
    if not (
        1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61
    ) or not (1 <= year <= 9999 and millis < 1000):
        return None
    return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) + millis / 1000.0


def zda_time(fields: list[str]) -> float | None:
    """UTC time of a ``$xxZDA,hhmmss.ss,dd,mm,yyyy,...`` sentence, or ``None`` when it gives
    none that reads as a date and time."""
    if len(fields) < 5 or len(fields[1]) < 6:
        return None
    clock = fields[1]
    date = fields[2:5]
    if not (ascii_digits(clock[:6]) and all(ascii_digits(f) for f in date)):
        return None
    if not (len(clock) == 6 or (clock[6] == "." and ascii_digits(clock[7:] or "0"))):
        return None
    hour, minute, second = int(clock[0:2]), int(clock[2:4]), float(clock[4:])
    day, month, year = (int(f) for f in date)
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61):
        return None
    if not 1 <= year <= 9999:
        return None
    return calendar.timegm((year, month, day, hour, minute, 0, 0, 0, 0)) + second


def rmc_time(fields: list[str]) -> float | None:
    """UTC time of a ``$xxRMC,hhmmss.ss,A,lat,N,lon,W,sog,cog,ddmmyy,...`` sentence (the own
    ship's GPS), or ``None`` when its time and date fields do not read as one. Two-digit years
    are 1980-2079 (GPS time begins in 1980)."""
    if len(fields) < 10 or len(fields[9]) != 6 or not ascii_digits(fields[9]):
        return None
    date = fields[9]
    day, month, short = int(date[0:2]), int(date[2:4]), int(date[4:6])
    year = short + (1900 if short >= 80 else 2000)
    return zda_time([fields[0], fields[1], f"{day:02d}", f"{month:02d}", str(year)])


def clock_claimed(fields: list[str]) -> bool:
    """True when a ``$PGHP``/``ZDA``/``RMC`` sentence has its time fields filled in, whether or
    not they hold a time (a receiver without a fix sends ``$GPZDA,,,,,,``: that claims
    nothing)."""
    if fields[0] == "PGHP":
        return len(fields) > 2 and fields[1] == "1" and fields[2] != ""
    if fields[0].endswith("RMC"):
        return len(fields) > 9 and (fields[1] != "" or fields[9] != "")
    return len(fields) > 1 and fields[1] != ""


def clock_of(fields: list[str]) -> tuple[float | None, Clock] | None:
    """The time a non-AIS sentence gives and which clock it is, or ``None`` for a sentence that
    is no clock (``fields``: the sentence between ``$`` and ``*`` split on commas)."""
    name = fields[0]
    if name == "PGHP":
        return pghp_time(fields), Clock.PGHP
    if len(name) == 5 and name.endswith("ZDA"):
        return zda_time(fields), Clock.ZDA
    if len(name) == 5 and name.endswith("RMC"):
        return rmc_time(fields), Clock.RMC
    return None


class LineClock:
    """The event time of whole lines, by the decoder's rules, for an edge that must stamp each
    line it forwards (the feeder puts it in the Kafka record timestamp).

    A line's own time (tag block ``c:``, trailing epoch, its leading time column — a naive one
    read in ``zone`` — or the time a ``$PGHP``/``ZDA``/``RMC`` line gives) wins; otherwise the
    latest time seen earlier; ``None`` before any time was seen. A time outside ``window`` is
    not a time: the line gets the latest earlier one.
    """

    def __init__(self, window: TimeWindow = PLAUSIBLE, zone: tzinfo = UTC) -> None:
        self.last: float | None = None
        self.window = window
        self.zone = zone

    def time_of(self, line: str) -> float | None:
        line = line.strip()
        start = sentence_start(line)
        lead: float | None = None
        if start > 0:
            found = leading_time(line[:start], self.zone)
            lead = None if found is None else found.timestamp
            line = line[start:]
        sentences, _ = split_line(line)
        for sentence in sentences:
            own = sentence.tag.timestamp if sentence.tag is not None else None
            if own is None:
                own = sentence.trailing_time
            if own is None:
                own = lead
            if own is None and sentence.text.startswith("$"):
                clock = clock_of(sentence.text[1:-3].split(","))
                own = None if clock is None else clock[0]
            if own is not None and own in self.window:
                self.last = own
                return own
        return self.last
