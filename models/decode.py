"""Decoding: raw NMEA lines in, typed reports or counted failures out.

``Decoder.feed`` never raises on bad input. Every AIS message it sees ends as exactly one
outcome — a decoded record or a ``Failure`` with a reason — so that
``decoded + failed == messages`` always holds. Lines that carry no AIS message (blank lines,
comments, ``$PGHP``/``ZDA`` time sentences, receiver alarms) are counted under ``ignored``.

Times: a sentence's own time (tag block ``c:``, trailing epoch column) wins; then the receive
time given with the line (Kafka record or feeder clock); then the latest time seen earlier in the
same source (a ``$PGHP`` or ``ZDA`` line, or a previous sentence) — counted as ``inherited``; with
none of these the report has no time (``untimed``) and cannot be tracked.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from models.nmea import Sentence, checksum_ok, pghp_time, split_line, zda_time
from models.normalise import MIN_BITS, TRACKED_TYPES, other_message, to_record
from models.records import Decoded, Failure, FailureReason, InputLine, Outcome

#: Message types defined by ITU-R M.1371.
_VALID_TYPES = range(1, 28)


@dataclass(slots=True)
class _Group:
    """Fragments of one multipart message collected so far."""

    total: int
    parts: list[str]
    raw: list[str]
    timestamp: float | None
    fill: int
    started: int  # sentence counter when the first part arrived
    line_no: int


@dataclass(slots=True)
class DecodeStats:
    """Counts kept by a decoder; ``messages == decoded_total + failed_total``."""

    lines: int = 0
    sentences: int = 0
    messages: int = 0
    decoded: Counter[int] = field(default_factory=Counter)  # by message type
    failed: Counter[str] = field(default_factory=Counter)  # by reason
    ignored: Counter[str] = field(default_factory=Counter)  # by kind of line
    inherited: int = 0  # sentences whose time came from an earlier line of their source
    untimed: int = 0  # decoded messages with no time at all

    @property
    def decoded_total(self) -> int:
        return sum(self.decoded.values())

    @property
    def failed_total(self) -> int:
        return sum(self.failed.values())


class Decoder:
    """Stateful decoder for one or more interleaved sources.

    State is the last known time per source and the unfinished multipart groups; a group that has
    not completed within ``multipart_window`` sentences of its first part fails as
    ``incomplete_multipart``. Call ``flush`` at the end of input to fail what is still pending.
    """

    def __init__(self, multipart_window: int = 100) -> None:
        self.stats = DecodeStats()
        self._window = multipart_window
        self._last_time: dict[str, float] = {}
        self._groups: dict[tuple[object, ...], _Group] = {}
        self._sentence_count = 0

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
        sentences, leftover = split_line(text)
        if leftover:
            self._fail(out, FailureReason.MALFORMED, leftover, line, "no NMEA sentence here")
        for sentence in sentences:
            self._sentence(sentence, line, out)
        if self._groups and self._sentence_count % 32 == 0:
            self._expire(out, self._sentence_count - self._window)

    def flush(self, out: list[Outcome]) -> None:
        """End of input: every unfinished multipart message fails as incomplete."""
        self._expire(out, None)

    def decode_all(self, lines: list[InputLine]) -> list[Outcome]:
        """Convenience: decode ``lines`` and flush."""
        out: list[Outcome] = []
        for line in lines:
            self.feed(line, out)
        self.flush(out)
        return out

    # -- sentences ----------------------------------------------------------------------------

    def _sentence(self, sentence: Sentence, line: InputLine, out: list[Outcome]) -> None:
        text = sentence.text
        fields = text[1:-3].split(",")
        kind = fields[0][2:] if len(fields[0]) == 5 else ""
        if kind not in ("VDM", "VDO"):
            self._other_sentence(text, fields, line.source)
            return
        self.stats.sentences += 1
        self._sentence_count += 1
        if not checksum_ok(text):
            self._fail(out, FailureReason.BAD_CHECKSUM, text, line, "checksum does not match")
            return
        if len(fields) != 7:
            self._fail(out, FailureReason.MALFORMED, text, line, f"{len(fields)} fields, not 7")
            return
        _, total_s, part_s, seq, channel, payload, fill_s = fields
        if not (total_s.isdigit() and part_s.isdigit() and fill_s[:1].isdigit()):
            self._fail(out, FailureReason.MALFORMED, text, line, "fragment fields not numeric")
            return
        total, part, fill = int(total_s), int(part_s), int(fill_s[:1])
        if not (1 <= part <= total <= 9) or fill > 5:
            self._fail(out, FailureReason.MALFORMED, text, line, "fragment numbers out of range")
            return
        timestamp = self._time_of(sentence, line)
        if total == 1:
            self._message(payload, fill, timestamp, text, line, out)
            return
        tag = sentence.tag
        if tag is not None and tag.group is not None:
            key: tuple[object, ...] = (line.source, "g", tag.group[2])
        else:
            key = (line.source, channel, seq, total)
        self._fragment(key, total, part, payload, fill, timestamp, text, line, out)

    def _time_of(self, sentence: Sentence, line: InputLine) -> float | None:
        own = sentence.tag.timestamp if sentence.tag is not None else None
        if own is None:
            own = sentence.trailing_time
        if own is not None:
            self._last_time[line.source] = own
            return own
        if line.received is not None:
            return line.received
        inherited = self._last_time.get(line.source)
        if inherited is not None:
            self.stats.inherited += 1
        return inherited

    def _other_sentence(self, text: str, fields: list[str], source: str) -> None:
        """A non-AIS sentence: take the time it gives, if any, and count it."""
        name = fields[0]
        timestamp: float | None = None
        if name == "PGHP":
            timestamp = pghp_time(fields)
            self.stats.ignored["pghp"] += 1
        elif name.endswith("ZDA"):
            timestamp = zda_time(fields)
            self.stats.ignored["zda"] += 1
        else:
            self.stats.ignored["other_nmea"] += 1
        if timestamp is not None:
            self._last_time[source] = timestamp

    # -- multipart ------------------------------------------------------------------------------

    def _fragment(
        self,
        key: tuple[object, ...],
        total: int,
        part: int,
        payload: str,
        fill: int,
        timestamp: float | None,
        text: str,
        line: InputLine,
        out: list[Outcome],
    ) -> None:
        group = self._groups.get(key)
        if part == 1:
            if group is not None:
                self._fail_group(out, key, group, line.source, "a new first part arrived")
            self._groups[key] = _Group(
                total, [payload], [text], timestamp, fill, self._sentence_count, line.line_no
            )
            return
        if group is None:
            self._fail(out, FailureReason.ORPHAN_FRAGMENT, text, line, f"part {part} of {total}")
            return
        if part != len(group.parts) + 1 or total != group.total:
            self._fail_group(out, key, group, line.source, f"part {part} out of order")
            self._fail(out, FailureReason.ORPHAN_FRAGMENT, text, line, f"part {part} of {total}")
            return
        group.parts.append(payload)
        group.raw.append(text)
        group.fill = fill
        if part == total:
            del self._groups[key]
            self._message(
                "".join(group.parts),
                fill,
                group.timestamp if group.timestamp is not None else timestamp,
                "\n".join(group.raw),
                InputLine("", line.source, group.line_no, line.received),
                out,
            )

    def _expire(self, out: list[Outcome], started_before: int | None) -> None:
        stale = [
            key
            for key, group in self._groups.items()
            if started_before is None or group.started < started_before
        ]
        for key in stale:
            group = self._groups[key]
            source = str(key[0])
            self._fail_group(out, key, group, source, "the remaining parts never arrived")

    def _fail_group(
        self,
        out: list[Outcome],
        key: tuple[object, ...],
        group: _Group,
        source: str,
        why: str,
    ) -> None:
        del self._groups[key]
        detail = f"{len(group.parts)} of {group.total} parts: {why}"
        line = InputLine("", source, group.line_no)
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
            if msg_type in TRACKED_TYPES:
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
