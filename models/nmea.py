"""The NMEA layer: splitting a raw line into its sentences and the times that travel with them.

A line from a receiver log may carry, besides the AIS sentence itself:

* an NMEA 4 tag block before it, ``\\s:station,c:1668046497,g:1-2-7218*hh\\`` (source, receive
  time in Unix seconds or milliseconds, and the group of a multipart message);
* a trailing epoch column after the checksum, ``...,0*51,1327992119173`` (exactEarth, USCG);
* nothing at all, with the time given by a preceding ``$PGHP`` (Gatehouse) or ``$xxZDA`` sentence.

Several sentences may stand on one line. This module only cuts text; it never decodes payloads.

Numbers are ASCII digits only: ``str.isdigit`` also accepts '²' or '٣', which ``int()`` and
``float()`` then refuse or read as something else. Times are parsed here but judged by the
caller against a ``TimeWindow``: a value that is a number but no plausible time (year 2363,
infinity from a 400-digit ``c:``) comes back as that number.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass

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


def clock_claimed(fields: list[str]) -> bool:
    """True when a ``$PGHP``/``ZDA`` sentence has its time fields filled in, whether or not they
    hold a time (a receiver without a fix sends ``$GPZDA,,,,,,``: that claims nothing)."""
    if fields[0] == "PGHP":
        return len(fields) > 2 and fields[1] == "1" and fields[2] != ""
    return len(fields) > 1 and fields[1] != ""


class LineClock:
    """The event time of whole lines, by the decoder's rules, for an edge that must stamp each
    line it forwards (the feeder puts it in the Kafka record timestamp).

    A line's own time (tag block ``c:``, trailing epoch, or the time a ``$PGHP``/``ZDA`` line
    gives) wins; otherwise the latest time seen earlier; ``None`` before any time was seen.
    A time outside ``window`` is not a time: the line gets the latest earlier one.
    """

    def __init__(self, window: TimeWindow = PLAUSIBLE) -> None:
        self.last: float | None = None
        self.window = window

    def time_of(self, line: str) -> float | None:
        sentences, _ = split_line(line.strip())
        for sentence in sentences:
            own = sentence.tag.timestamp if sentence.tag is not None else None
            if own is None:
                own = sentence.trailing_time
            if own is None and sentence.text.startswith("$"):
                fields = sentence.text[1:-3].split(",")
                if fields[0] == "PGHP":
                    own = pghp_time(fields)
                elif fields[0].endswith("ZDA"):
                    own = zda_time(fields)
            if own is not None and own in self.window:
                self.last = own
                return own
        return self.last
