"""Decoding: raw NMEA lines in, typed reports or counted failures out.

``Decoder.feed`` never raises on bad input. Every AIS message it sees ends as exactly one
outcome — a decoded record or a ``Failure`` with a reason — so that
``decoded + failed == messages`` always holds. Lines that carry no AIS message (blank lines,
comments, ``$PGHP``/``ZDA`` time sentences, receiver alarms) are counted under ``ignored``.

Duplicates: with ``duplicate_seconds`` above 0, a payload (single-part, or a multipart message
once assembled) already heard within that many seconds of event time — the same transmission
heard by another receiver (``models.duplicates``) — is counted under ``duplicates`` and not
decoded again; it is neither a message nor a failure. Messages without a time are never
duplicates.

Position reports (types 1, 2, 3, 18, 19, 27) and static reports (5, 24) are read by
``models.fast_decode``, every other type — and any report that reader does not take — by pyais.

Times: a sentence's own time (tag block ``c:``, trailing epoch column, then the line's leading
time column) wins; then the receive time given with the line (Kafka record or feeder clock), which
also wins over a leading time that names no zone (the feeder read it in the zone it was told);
then the latest time seen earlier in the same source (a ``$PGHP``, ``ZDA`` or ``RMC`` line, or a
previous sentence) — counted as ``inherited``; with none of these the report has no time
(``untimed``) and cannot be tracked. ``DecodeStats.clocks`` counts, per source, the sentences
each clock timed.

Text before a line's first sentence must be one leading time column (``1668046497,!AIVDM...``,
``2024-03-01 12:00:00, !AIVDM...``); anything else fails the whole line, once, as
``unknown_prefix``. The first line of a source may be a header (``epoch,AIS_Sentences``): it is
counted under ``ignored`` as ``header``.

Implausible times (outside the decoder's ``TimeWindow``, NaN, infinite):

* a sentence whose own time is not plausible, or whose tag block ``c:`` is not a number, fails as
  ``bad_time`` — it is never decoded with that time, nor with an inherited one; a line whose
  leading time column is not plausible (or no date, as month 13) fails once, whole, likewise;
* a ``$PGHP``, ``ZDA`` or ``RMC`` line whose time fields are filled in but give no plausible time
  does not become its source's clock; it is counted under ``ignored`` as ``bad_clock`` (it is
  not an AIS message, so it is not a failure);
* a receive time given with the line (``InputLine.received``) outside the window is not used.

Multipart messages are assembled per source, in the order the fragments arrive. All parts must
come within ``multipart_window`` AIS sentences of their source, the first part included; a group
expires (``incomplete_multipart``; a later part of it is then an ``orphan_fragment``) at the
sentence after that, or once a
sentence of its source from the same station (tag block ``s:``) is more than
``multipart_seconds`` of event time younger than the first part. Both are checked on every
sentence against the oldest open group, so a source never holds more than ``multipart_window``
open groups.
"""

from __future__ import annotations

import math
import sys
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, tzinfo

from models.config import TrackingConfig
from models.duplicates import DuplicateFilter
from models.fast_decode import FAST_STATIC_TYPES, FAST_TYPES, position_report, static_report
from models.nmea import (
    Clock,
    LeadingTime,
    Sentence,
    TagBlock,
    checksum_ok,
    clock_claimed,
    clock_of,
    is_header,
    leading_time,
    sentence_start,
    split_line,
)
from models.normalise import MIN_BITS, TRACKED_TYPES, other_message, to_record
from models.records import (
    PLAUSIBLE,
    Decoded,
    Failure,
    FailureReason,
    InputLine,
    Outcome,
    TimeWindow,
    iso_utc,
)

#: Message types defined by ITU-R M.1371.
_VALID_TYPES = range(1, 28)
#: Fragment numbers, fill bits and sequence ids are one ASCII digit ('²'.isdigit() is True too).
_DIGITS = frozenset("0123456789")
#: The parts of one multipart message are sent in consecutive slots and arrive within a second or
#: two of each other; a first part this much older (event time) than a later sentence from the
#: same station (tag block ``s:``) of its source will not be completed. Not less: receive times
#: of one station jump back and forth by up to 5 minutes in real feeds (GFW listener sample),
#: and satellite feeds interleave stations 40 minutes apart (libais ORBCOMM sample).
MULTIPART_SECONDS = 600.0
#: A fragment sentence longer than this is malformed: NMEA 0183 allows 82 characters, and an
#: open group must stay small however long the input's lines are.
MAX_FRAGMENT = 200
_NEVER = sys.maxsize


def _problem(text: str, fields: list[str]) -> tuple[FailureReason, str] | None:
    """Why an AIS sentence cannot be decoded as it stands, or ``None``."""
    if not checksum_ok(text):
        return FailureReason.BAD_CHECKSUM, "checksum does not match"
    if len(fields) != 7:
        return FailureReason.MALFORMED, f"{len(fields)} fields, not 7"
    _, total, part, seq, _, _, fill = fields
    if not (total in _DIGITS and part in _DIGITS and fill[:1] in _DIGITS):
        return FailureReason.MALFORMED, "fragment count, number or fill bits not one ASCII digit"
    if seq and seq not in _DIGITS:
        return FailureReason.MALFORMED, f"sequence id {seq[:20]!r} is not one of 0-9"
    if not "1" <= part <= total or fill[0] > "5":  # single ASCII digits compare as numbers
        return FailureReason.MALFORMED, "fragment numbers out of range"
    if total != "1" and len(text) > MAX_FRAGMENT:
        return (
            FailureReason.MALFORMED,
            f"a fragment of {len(text):,} characters (at most {MAX_FRAGMENT})",
        )
    return None


_Key = tuple[str, ...]


@dataclass(slots=True)
class _Group:
    """Fragments of one multipart message collected so far."""

    total: int
    parts: list[str]
    raw: list[str]
    timestamp: float | None
    fill: int
    started: int  # the source's sentence count when the first part arrived
    line_no: int
    station: str | None  # tag block s: of the first part


@dataclass(slots=True)
class _Source:
    """What the decoder keeps per source: its AIS sentence count, its clock, and its unfinished
    multipart groups in the order their first parts came, with when the oldest one expires."""

    sentences: int = 0
    last_time: float | None = None
    last_clock: str = Clock.NONE  # which clock gave ``last_time``
    clocks: Counter[str] = field(default_factory=Counter)  # AIS sentences timed, by clock
    fresh: bool = True  # no line of it read yet (its first may be a header)
    groups: OrderedDict[_Key, _Group] = field(default_factory=OrderedDict)
    due_count: int = _NEVER  # a sentence count above this may expire the oldest group
    due_time: float = math.inf  # an event time above this may expire the oldest group


@dataclass(slots=True)
class DecodeStats:
    """Counts kept by a decoder; ``messages == decoded_total + failed_total``, and the copies
    of messages already decoded (``duplicates``) apart."""

    lines: int = 0  # NMEA lines read
    records: int = 0  # CSV rows and JSON Lines objects taken in already decoded (or failed)
    sentences: int = 0
    messages: int = 0
    decoded: Counter[int] = field(default_factory=Counter)  # by message type
    failed: Counter[str] = field(default_factory=Counter)  # by reason
    ignored: Counter[str] = field(default_factory=Counter)  # by kind of line
    inherited: int = 0  # sentences whose time came from an earlier line of their source
    untimed: int = 0  # decoded messages with no time at all
    #: Per source, its AIS sentences by the clock that timed them (``Clock`` values; a leading
    #: local time says the zone it was read in).
    clocks: dict[str, Counter[str]] = field(default_factory=dict)
    duplicates: int = 0  # payloads heard again within duplicate_seconds, not decoded again

    @property
    def decoded_total(self) -> int:
        return sum(self.decoded.values())

    @property
    def failed_total(self) -> int:
        return sum(self.failed.values())


class Decoder:
    """Stateful decoder for one or more interleaved sources.

    State per source is its last known time and its unfinished multipart groups; a group that has
    not completed within ``multipart_window`` sentences (or ``multipart_seconds`` of event time)
    of its first part fails as ``incomplete_multipart``. Receive times outside ``time_window``
    are not data (see the module's docstring). With ``duplicate_seconds`` above 0, copies of a
    payload heard within that many seconds are counted as ``duplicates`` and not decoded
    (``TrackingConfig.duplicate_seconds``; 0, the default here, keeps every copy). Call
    ``flush`` at the end of input to fail what is still pending.
    """

    def __init__(
        self,
        multipart_window: int = 100,
        *,
        time_window: TimeWindow = PLAUSIBLE,
        multipart_seconds: float = MULTIPART_SECONDS,
        timezone: tzinfo = UTC,
        duplicate_seconds: float = 0.0,
    ) -> None:
        self.stats = DecodeStats()
        self.timezone = timezone
        self._local_clock = f"{Clock.LEADING_LOCAL} (read as {timezone})"
        self._copies = DuplicateFilter(duplicate_seconds) if duplicate_seconds > 0 else None
        self.time_window = time_window
        self._window = multipart_window
        self._max_age = multipart_seconds
        self._earliest = time_window.earliest
        self._latest = time_window.latest
        self._sources: dict[str, _Source] = {}

    @classmethod
    def for_tracking(cls, tracking: TrackingConfig, timezone: tzinfo = UTC) -> Decoder:
        """The decoder both edges use: ``tracking``'s multipart window and duplicate window;
        naive leading times read in ``timezone``."""
        return cls(
            tracking.multipart_window,
            timezone=timezone,
            duplicate_seconds=tracking.duplicate_seconds,
        )

    @property
    def open_groups(self) -> int:
        """Multipart messages waiting for more parts, over all sources."""
        return sum(len(source.groups) for source in self._sources.values())

    # -- public -----------------------------------------------------------------------------

    def feed(self, line: InputLine, out: list[Outcome]) -> None:
        """Decode one raw line, appending its outcomes (possibly none) to ``out``."""
        stats = self.stats
        stats.lines += 1
        text = line.text.strip()
        if not text:
            stats.ignored["blank"] += 1
            return
        if text[0] == "#":
            stats.ignored["comment"] += 1
            return
        source = self._sources.get(line.source)
        if source is None:
            source = self._sources[line.source] = _Source()
            stats.clocks[line.source] = source.clocks
        fresh, source.fresh = source.fresh, False
        lead: tuple[float, str] | None = None
        if text[0] not in "!$\\":
            start = sentence_start(text)
            if start < 0:
                if fresh and is_header(text):
                    stats.ignored["header"] += 1
                    return
            else:
                found = leading_time(text[:start], self.timezone)
                if (
                    found is None
                    or found.timestamp is None
                    or found.timestamp not in self.time_window
                ):
                    self._bad_prefix(out, found, text, line, start)
                    return
                text = text[start:]
                if not (found.naive and line.received is not None):
                    lead = found.timestamp, self._local_clock if found.naive else found.clock
        sentences, leftover = split_line(text)
        if leftover:
            self._fail(out, FailureReason.MALFORMED, leftover, line, "no NMEA sentence here")
        for sentence in sentences:
            self._sentence(sentence, line, source, out, lead)

    def _bad_prefix(
        self, out: list[Outcome], found: LeadingTime | None, text: str, line: InputLine, start: int
    ) -> None:
        """A line whose text before its first sentence is no time column, or no plausible time:
        one failure for the whole line."""
        if found is None:
            shown = text[:start].strip()[:40]
            detail = f"text {shown!r} before the first sentence is not a time column"
            self._fail(out, FailureReason.UNKNOWN_PREFIX, text, line, detail)
            return
        window = self.time_window
        detail = f"leading time {found.text!r} is " + (
            "no date and time"
            if found.timestamp is None
            else f"not a receive time between {iso_utc(window.earliest)} and "
            f"{iso_utc(window.latest)}"
        )
        self._fail(out, FailureReason.BAD_TIME, text, line, detail)

    def flush(self, out: list[Outcome]) -> None:
        """End of input: every unfinished multipart message fails as incomplete."""
        for name, source in self._sources.items():
            for key, group in list(source.groups.items()):
                self._fail_group(out, source, key, group, name, "the remaining parts never arrived")
            source.due_count, source.due_time = _NEVER, math.inf

    def decode_all(self, lines: list[InputLine]) -> list[Outcome]:
        """Convenience: decode ``lines`` and flush."""
        out: list[Outcome] = []
        for line in lines:
            self.feed(line, out)
        self.flush(out)
        return out

    # -- sentences ----------------------------------------------------------------------------

    def _sentence(
        self,
        sentence: Sentence,
        line: InputLine,
        source: _Source,
        out: list[Outcome],
        lead: tuple[float, str] | None = None,
    ) -> None:
        text = sentence.text
        fields = text[1:-3].split(",")
        kind = fields[0][2:] if len(fields[0]) == 5 else ""
        if kind not in ("VDM", "VDO"):
            self._other_sentence(fields, source)
            return
        self.stats.sentences += 1
        source.sentences += 1
        if source.sentences > source.due_count:
            self._expire(out, source, line.source)
        problem = _problem(text, fields)
        if problem is not None:
            self._fail(out, problem[0], text, line, problem[1])
            return
        # The sentence's own time must be plausible; without one, the line's or the source's.
        tag = sentence.tag
        own = None if tag is None else tag.timestamp
        clock: str = Clock.TAG_BLOCK
        if own is None:
            own, clock = sentence.trailing_time, Clock.TRAILING
        if own is None:
            if tag is not None and tag.time_text:  # a c: that is not a number
                self._bad_time(out, sentence, None, line)
                return
            if lead is not None:
                own, clock = lead
        elif not self._earliest <= own <= self._latest:
            self._bad_time(out, sentence, own, line)
            return
        timestamp = self._time_of(own, clock, line, source)
        if timestamp is not None and timestamp > source.due_time:
            self._expire(out, source, line.source, timestamp, tag)
        _, total_s, part_s, seq, channel, payload, fill_s = fields
        total, fill = int(total_s), int(fill_s[0])
        if total == 1:
            self._message(payload, fill, timestamp, text, line, out)
            return
        key: _Key = (
            ("g", tag.group[2]) if tag is not None and tag.group else (channel, seq, total_s)
        )
        self._fragment(
            source, key, tag, total, int(part_s), payload, fill, timestamp, text, line, out
        )

    def _time_of(
        self, own: float | None, clock: str, line: InputLine, source: _Source
    ) -> float | None:
        if own is not None:
            source.last_time, source.last_clock = own, clock
            source.clocks[clock] += 1
            return own
        received = line.received
        if received is not None and self._earliest <= received <= self._latest:
            source.clocks[Clock.RECEIVED] += 1
            return received
        inherited = source.last_time
        if inherited is not None:
            self.stats.inherited += 1
        source.clocks[source.last_clock] += 1  # Clock.NONE while it has none
        return inherited

    def _bad_time(
        self, out: list[Outcome], sentence: Sentence, value: float | None, line: InputLine
    ) -> None:
        tag = sentence.tag
        if value is None or (tag is not None and tag.timestamp is not None):
            written = tag.time_text[:40] if tag is not None else ""
            what = f"tag block time c:{written}" + ("" if value is None else f" ({value!r} s)")
        else:
            what = f"trailing time {value!r} s"
        window = self.time_window
        detail = (
            f"{what} is not a receive time between {iso_utc(window.earliest)} "
            f"and {iso_utc(window.latest)}"
        )
        self._fail(out, FailureReason.BAD_TIME, sentence.text, line, detail)

    def _other_sentence(self, fields: list[str], source: _Source) -> None:
        """A non-AIS sentence: take the plausible time it gives, if any, and count it."""
        ignored = self.stats.ignored
        found = clock_of(fields)
        if found is None:
            ignored["other_nmea"] += 1
            return
        timestamp, clock = found
        kind = fields[0].lower() if clock is Clock.PGHP else fields[0][2:].lower()
        if timestamp is not None and self._earliest <= timestamp <= self._latest:
            source.last_time, source.last_clock = timestamp, clock
        elif clock_claimed(fields):
            kind = "bad_clock"  # a clock line that gives no plausible time: not the clock
        ignored[kind] += 1

    # -- multipart ------------------------------------------------------------------------------

    def _fragment(
        self,
        source: _Source,
        key: _Key,
        tag: TagBlock | None,
        total: int,
        part: int,
        payload: str,
        fill: int,
        timestamp: float | None,
        text: str,
        line: InputLine,
        out: list[Outcome],
    ) -> None:
        groups = source.groups
        group = groups.get(key)
        if part == 1:
            if group is not None:
                self._fail_group(out, source, key, group, line.source, "a new first part arrived")
            if not groups:  # the new group is the oldest
                source.due_count = source.sentences + self._window - 1
                source.due_time = math.inf if timestamp is None else timestamp + self._max_age
            station = tag.station if tag is not None else None
            groups[key] = _Group(
                total, [payload], [text], timestamp, fill, source.sentences, line.line_no, station
            )
            return
        if group is None:
            self._fail(out, FailureReason.ORPHAN_FRAGMENT, text, line, f"part {part} of {total}")
            return
        if part != len(group.parts) + 1 or total != group.total:
            self._fail_group(out, source, key, group, line.source, f"part {part} out of order")
            self._fail(out, FailureReason.ORPHAN_FRAGMENT, text, line, f"part {part} of {total}")
            return
        group.parts.append(payload)
        group.raw.append(text)
        group.fill = fill
        if part == total:
            del groups[key]  # if it was the oldest, the next _expire finds the new oldest
            self._message(
                "".join(group.parts),
                fill,
                group.timestamp if group.timestamp is not None else timestamp,
                "\n".join(group.raw),
                InputLine("", line.source, group.line_no, line.received),
                out,
            )

    def _expire(
        self,
        out: list[Outcome],
        source: _Source,
        name: str,
        now: float | None = None,
        tag: TagBlock | None = None,
    ) -> None:
        """Fail the oldest groups of ``source`` while they are past the sentence window or, with
        ``now`` (the event time of a sentence with tag block ``tag``), more than
        ``multipart_seconds`` older than a sentence from their own station."""
        station = tag.station if tag is not None else None
        groups = source.groups
        window, max_age = self._window, self._max_age
        while groups:
            key, group = next(iter(groups.items()))
            due_time = math.inf if group.timestamp is None else group.timestamp + max_age
            if source.sentences >= group.started + window:
                why = f"the rest did not come within {window} sentences"
            elif now is not None and now > due_time and group.station == station:
                why = f"the rest did not come within {max_age:g} s of event time"
            else:
                source.due_count, source.due_time = group.started + window - 1, due_time
                return
            self._fail_group(out, source, key, group, name, why)
        source.due_count, source.due_time = _NEVER, math.inf

    def _fail_group(
        self,
        out: list[Outcome],
        source: _Source,
        key: _Key,
        group: _Group,
        name: str,
        why: str,
    ) -> None:
        del source.groups[key]
        detail = f"{len(group.parts)} of {group.total} parts: {why}"
        line = InputLine("", name, group.line_no)
        self._fail(out, FailureReason.INCOMPLETE_MULTIPART, "\n".join(group.raw), line, detail)

    # -- messages -------------------------------------------------------------------------------

    def _message(
        self,
        payload: str,
        fill: int,
        timestamp: float | None,
        raw: str,
        line: InputLine,
        out: list[Outcome],
    ) -> None:
        if not payload:
            self._fail(out, FailureReason.EMPTY_PAYLOAD, raw, line, "no payload")
            return
        copies = self._copies
        if (
            copies is not None
            and timestamp is not None
            and copies.is_copy(f"{payload},{fill}" if fill else payload, timestamp)
        ):
            self.stats.duplicates += 1
            return
        code = ord(payload[0]) - 48
        msg_type = code - 8 if code > 40 else code
        if msg_type not in _VALID_TYPES:
            self._fail(out, FailureReason.UNSUPPORTED_TYPE, raw, line, f"type {msg_type}")
            return
        bits = 6 * len(payload) - fill
        if bits < MIN_BITS.get(msg_type, 38):
            detail = f"type {msg_type} with {bits} bits"
            self._fail(out, FailureReason.BAD_BIT_COUNT, raw, line, detail)
            return
        record: Decoded
        try:
            fast: Decoded | None = None
            if msg_type in FAST_TYPES:
                fast = position_report(msg_type, payload, fill, timestamp, line.source)
            elif msg_type in FAST_STATIC_TYPES:
                fast = static_report(msg_type, payload, fill, timestamp, line.source)
            if fast is not None:
                record = fast
            elif msg_type in TRACKED_TYPES:
                record = to_record(msg_type, payload, fill, timestamp, line.source)
            else:
                record = other_message(msg_type, payload, timestamp, line.source)
        except Exception as err:  # pyais raises many kinds on garbage payloads
            self._fail(out, FailureReason.DECODE_ERROR, raw, line, f"{type(err).__name__}: {err}")
            return
        stats = self.stats
        stats.messages += 1
        stats.decoded[msg_type] += 1
        if timestamp is None:
            stats.untimed += 1
        out.append(record)

    def _fail(
        self,
        out: list[Outcome],
        reason: FailureReason,
        raw: str,
        line: InputLine,
        detail: str,
    ) -> None:
        self.stats.messages += 1
        self.stats.failed[reason.value] += 1
        out.append(Failure(reason, raw, line.source, line.line_no, detail))
