"""The NMEA layer: splitting a raw line into its sentences and the times that travel with them.

A line from a receiver log may carry, besides the AIS sentence itself:

* an NMEA 4 tag block before it, ``\\s:station,c:1668046497,g:1-2-7218*hh\\`` (source, receive
  time in Unix seconds or milliseconds, and the group of a multipart message);
* a trailing epoch column after the checksum, ``...,0*51,1327992119173`` (exactEarth, USCG);
* nothing at all, with the time given by a preceding ``$PGHP`` (Gatehouse) or ``$xxZDA`` sentence.

Several sentences may stand on one line. This module only cuts text; it never decodes payloads.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass

#: Above this a time value is taken to be in milliseconds (Unix seconds pass it in 5138).
_MILLISECONDS_ABOVE = 100_000_000_000


@dataclass(frozen=True, slots=True)
class TagBlock:
    """What an NMEA 4 tag block says about the sentence after it."""

    timestamp: float | None = None
    station: str | None = None
    group: tuple[int, int, str] | None = None  # (part, total, group id)


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence cut from a line, with the tag block and trailing time that came with it."""

    text: str  # from '!' or '$' up to and including the two checksum digits
    tag: TagBlock | None = None
    trailing_time: float | None = None


def parse_epoch(text: str) -> float | None:
    """A Unix time in seconds or milliseconds, or ``None`` when ``text`` is not one."""
    text = text.strip()
    if not text or not text.replace(".", "", 1).isdigit():
        return None
    value = float(text)
    if value > _MILLISECONDS_ABOVE:
        value /= 1000.0
    return value


def parse_tag_block(body: str) -> TagBlock:
    """Parse the inside of ``\\...\\`` (without the backslashes). Unknown fields are ignored.

    The tag block's own checksum is not enforced: real logs carry placeholders such as ``*00``.
    """
    star = body.rfind("*")
    if star >= 0:
        body = body[:star]
    timestamp: float | None = None
    station: str | None = None
    group: tuple[int, int, str] | None = None
    for field in body.split(","):
        key, _, value = field.partition(":")
        if key == "c":
            timestamp = parse_epoch(value)
        elif key == "s":
            station = value or None
        elif key == "g":
            parts = value.split("-")
            if len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit():
                group = (int(parts[0]), int(parts[1]), parts[2])
    return TagBlock(timestamp, station, group)


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
    try:
        expected = int(sentence[star + 1 :], 16)
    except ValueError:
        return False
    value = 0
    for byte in sentence[1:star].encode("ascii", "replace"):
        value ^= byte
    return value == expected


def pghp_time(fields: list[str]) -> float | None:
    """Receive time of a Gatehouse ``$PGHP,1,year,month,day,hour,minute,second,ms,...`` sentence."""
    if len(fields) < 9 or fields[1] != "1":
        return None
    try:
        year, month, day, hour, minute, second, millis = (int(f) for f in fields[2:9])
        whole = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    except (ValueError, OverflowError):
        return None
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61):
        return None
    return whole + millis / 1000.0


def zda_time(fields: list[str]) -> float | None:
    """UTC time of a ``$xxZDA,hhmmss.ss,dd,mm,yyyy,...`` sentence."""
    if len(fields) < 5 or len(fields[1]) < 6:
        return None
    try:
        clock = fields[1]
        hour, minute = int(clock[0:2]), int(clock[2:4])
        second = float(clock[4:])
        day, month, year = int(fields[2]), int(fields[3]), int(fields[4])
        whole = calendar.timegm((year, month, day, hour, minute, 0, 0, 0, 0))
    except (ValueError, OverflowError):
        return None
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60):
        return None
    return whole + second


class LineClock:
    """The event time of whole lines, by the decoder's rules, for an edge that must stamp each
    line it forwards (the feeder puts it in the Kafka record timestamp).

    A line's own time (tag block ``c:``, trailing epoch, or the time a ``$PGHP``/``ZDA`` line
    gives) wins; otherwise the latest time seen earlier; ``None`` before any time was seen.
    """

    def __init__(self) -> None:
        self.last: float | None = None

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
            if own is not None:
                self.last = own
                return own
        return self.last
