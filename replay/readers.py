"""Reading replay inputs: files, directories and globs in, raw lines or reports out.

``Reader`` is the entry point. It expands its inputs, recognises each file's format from its
content (never from its name), opens gzip/bzip2/xz/zip by magic bytes, and yields:

* for NMEA logs, one ``InputLine`` per line (blank lines and comments included; the decoder
  parses tag blocks, leading and trailing time columns, ``$PGHP``/``ZDA``/``RMC`` clocks and
  counts what it cannot use);
* for AIS-catcher JSON lines, one ``InputLine`` per sentence of its ``nmea`` list, with the
  object's receive time;
* for MarineCadastre and position CSVs and for JSON Lines of decoded messages, ready
  ``PositionReport``/``StaticReport``/``OtherMessage`` records;
* ``Failure`` records for lines that cannot be used (not UTF-8, bad rows).

Raises ``InputError`` only for inputs that cannot be read at all.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, tzinfo
from itertools import count, repeat
from pathlib import Path

from models.nmea import leading_time, sentence_start
from models.records import Failure, InputLine, OtherMessage, PositionReport, StaticReport
from replay.errors import InputError
from replay.readers_csv import MARINECADASTRE, POSITIONS_CSV, Identity, read_csv, recognise_header
from replay.readers_jsonl import is_aiscatcher, read_aiscatcher, read_jsonl
from replay.sources import (
    STDIN,
    Block,
    ByteSource,
    InputFile,
    Opened,
    Source,
    expand_inputs,
    find_inputs,
    iter_blocks,
    open_source,
    open_stream,
    read_sample,
    sample_lines,
    sniff_compression,
    zip_members,
)

__all__ = [
    "AISCATCHER",
    "FORMATS",
    "JSONL",
    "MARINECADASTRE",
    "NMEA",
    "POSITIONS_CSV",
    "UNKNOWN",
    "Item",
    "Reader",
    "Skipped",
    "detect_format",
    "expand_inputs",
    "read_inputs",
]

NMEA = "nmea"
JSONL = "jsonl"
AISCATCHER = "aiscatcher_json"
UNKNOWN = "unknown"
FORMATS = (NMEA, MARINECADASTRE, POSITIONS_CSV, JSONL, AISCATCHER)
#: Formats whose lines are streams of sentences, decoded in file order (never sorted).
_STREAMS = (NMEA, AISCATCHER)

Item = InputLine | PositionReport | StaticReport | OtherMessage | Failure

_NOT_AIS = (
    "not a recognised AIS format: expected NMEA, MarineCadastre CSV, positions CSV or JSON Lines"
)
_SAMPLE_LINES = 200  # content lines looked at to recognise a format


# --- format recognition ----------------------------------------------------------------------


def detect_format(sample_lines: list[str]) -> str:
    """The format of a stream from its first lines: one of ``FORMATS``, or ``UNKNOWN``.

    Blank lines and ``#`` comments are ignored. A first line that is a known CSV header makes
    it CSV; at least half the lines looking like NMEA (``!``/``$``/tag block, perhaps after a
    leading time column, or an ``xxVDM`` sentence anywhere in the line) make it NMEA; at least
    half being JSON objects makes it AIS-catcher JSON when one of them has an ``nmea`` list,
    else JSON Lines when one has an ``mmsi`` (or a ``failure``). Nothing left to look at counts
    as NMEA: an empty log is not an error.
    """
    content: list[str] = []
    for line in sample_lines:
        text = line.strip().lstrip("\ufeff")
        if text and not text.startswith("#"):
            content.append(text)
            if len(content) >= _SAMPLE_LINES:
                break
    if not content:
        return NMEA
    header = recognise_header(content[0])
    if header is not None:
        return header[0]
    if 2 * sum(1 for text in content if _looks_nmea(text)) >= len(content):
        return NMEA
    return _json_kind(content)


def _looks_nmea(text: str) -> bool:
    first = text[0]
    if first in "!\\":
        return True
    if first == "$":
        return "," in text[:8]
    if first == "{":
        return False
    if "VDM," in text or "VDO," in text:
        return True
    start = sentence_start(text)
    return start > 0 and leading_time(text[:start]) is not None


def _json_kind(content: list[str]) -> str:
    objects = [text for text in content if text.startswith("{")]
    if 2 * len(objects) < len(content):
        return UNKNOWN
    kind = UNKNOWN
    for text in objects[:20]:
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: nested too deep to be a message
            continue
        if is_aiscatcher(value):
            return AISCATCHER
        if isinstance(value, dict) and ("mmsi" in value or "failure" in value):
            kind = JSONL
    return kind


# --- the reader ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file (or zip member) found by a directory walk or glob and left out, with why."""

    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class _Plan:
    source: Source
    format: str
    size: int  # bytes of the input file this source accounts for in the progress total


def _event_time(item: Item) -> float:
    """Sort key: event time, with untimed items first (they are not tracked by time anyway)."""
    timestamp = getattr(item, "timestamp", None)
    return float("-inf") if timestamp is None else float(timestamp)


class Reader:
    """Reads replay inputs in order; iterate it for ``Item``s.

    ``inputs`` are files, directories, globs or ``"-"`` (standard input), as on the command
    line. Construction expands them and recognises every file's format, so a missing path or an
    explicitly named non-AIS file fails at once (``InputError``); files found by a directory walk
    or a glob that are not AIS are listed in ``skipped`` instead.

    Progress: ``bytes_done`` grows towards ``total_bytes`` (sizes of the files as stored, so
    compressed) while iterating; standard input counts in neither.

    ``sort_records``: CSV and JSON Lines files are exports, not streams, and are often not in
    time order (the MarineCadastre sample interleaves hours); with this set each such file is
    read whole and its records given in event-time order (stable), as a live feed would have
    delivered them. NMEA logs are streams and always keep their order.
    """

    def __init__(
        self,
        inputs: Sequence[str | os.PathLike[str]],
        *,
        stdin: ByteSource | None = None,
        sort_records: bool = False,
        timezone: tzinfo = UTC,
    ) -> None:
        self.sort_records = sort_records
        self.timezone = timezone
        self.files: list[str] = []  # every source that will be read, in order
        self.skipped: list[Skipped] = []
        self.formats: dict[str, str] = {}  # source name -> format
        self.total_bytes = 0
        self.bytes_done = 0
        self._stdin = stdin
        self._plans: list[_Plan | Path] = []  # a Path: stdin or a pipe, recognised when read
        for found in find_inputs(inputs):
            self._plan(found)
        if not self._plans:
            names = ", ".join(os.fspath(name) for name in inputs)
            raise InputError(
                names,
                f"no AIS data found ({len(self.skipped)} files skipped as not AIS)",
                "point at NMEA logs, MarineCadastre or positions CSV, or JSON Lines",
            )

    def __iter__(self) -> Iterator[Item]:
        self.bytes_done = 0
        identities: dict[int, Identity] = {}
        done = 0
        for plan in self._plans:
            if isinstance(plan, Path):
                yield from self._read_stream(plan, identities)
                continue
            with open_source(plan.source) as opened:
                on_chunk = self._tracker(done, plan.size, opened)
                blocks = iter_blocks(opened.read, plan.source.name, on_chunk=on_chunk)
                items = _items(plan.format, blocks, plan.source.name, identities, self.timezone)
                if self.sort_records and plan.format not in _STREAMS:
                    items = iter(sorted(items, key=_event_time))
                yield from items
            done += plan.size
            self.bytes_done = done

    def _tracker(self, base: int, size: int, opened: Opened) -> Callable[[], None]:
        def track() -> None:
            self.bytes_done = base + min(size, int(size * opened.progress()))

        return track

    def _plan(self, found: InputFile) -> None:
        if found.is_stdin or not stat.S_ISREG(_stat(found.path).st_mode):
            self._plans.append(found.path)  # stdin, a pipe or a device: it can be read only once
            self.files.append(str(found.path))
            return
        size = _stat(found.path).st_size
        try:
            with found.path.open("rb") as file:
                compression = sniff_compression(file.read(8))
        except OSError as err:
            raise _cannot_open(found.path, err) from err
        if compression == "zip":
            self._plan_zip(found, size)
            return
        source = Source(found.path)
        fmt = _probe(source)
        if fmt != UNKNOWN:
            self._accept(_Plan(source, fmt, size))
        elif found.explicit:
            raise InputError(found.path, _NOT_AIS, "convert it, or leave it out")
        else:
            self.skipped.append(Skipped(source.name, _NOT_AIS))

    def _plan_zip(self, found: InputFile, size: int) -> None:
        plans: list[_Plan] = []
        members = zip_members(found.path)
        for info in members:
            source = Source(found.path, info.filename)
            fmt = _probe(source)
            if fmt == UNKNOWN:
                self.skipped.append(Skipped(source.name, _NOT_AIS))
            else:
                plans.append(_Plan(source, fmt, info.compress_size))
        if not plans:
            if found.explicit:
                advice = "extract the AIS files from it, or leave it out"
                raise InputError(found.path, "zip archive holds no AIS file", advice)
            if not members:
                self.skipped.append(Skipped(str(found.path), "empty zip archive"))
            return
        rest = max(0, size - sum(plan.size for plan in plans))  # headers and directory
        last = plans[-1]
        plans[-1] = _Plan(last.source, last.format, last.size + rest)
        for plan in plans:
            self._accept(plan)

    def _accept(self, plan: _Plan) -> None:
        self._plans.append(plan)
        self.files.append(plan.source.name)
        self.formats[plan.source.name] = plan.format
        self.total_bytes += plan.size

    def _read_stream(self, path: Path, identities: dict[int, Identity]) -> Iterator[Item]:
        name = str(path)
        with ExitStack() as stack:
            if name != STDIN:
                try:
                    stream: ByteSource = stack.enter_context(path.open("rb"))
                except OSError as err:
                    raise _cannot_open(path, err) from err
            else:
                stream = sys.stdin.buffer if self._stdin is None else self._stdin
            opened, head = open_stream(stream, stack, name)
            fmt = detect_format(sample_lines(head))
            if fmt == UNKNOWN:
                raise InputError(name, _NOT_AIS, "convert it before piping it in")
            self.formats[name] = fmt
            blocks = iter_blocks(opened.read, name, head=head)
            yield from _items(fmt, blocks, name, identities, self.timezone)


def read_inputs(paths: Sequence[str | os.PathLike[str]]) -> Iterator[Item]:
    """Every item of every input, in order (see ``Reader``, which also reports progress)."""
    return iter(Reader(paths))


def _stat(path: Path) -> os.stat_result:
    try:
        return path.stat()
    except OSError as err:
        raise _cannot_open(path, err) from err


def _cannot_open(path: Path, err: OSError) -> InputError:
    return InputError(path, f"cannot open ({err.strerror})", "check the path and its permissions")


def _probe(source: Source) -> str:
    with open_source(source) as opened:
        head = read_sample(opened.read, source.name)
    return detect_format(sample_lines(head))


def _items(
    fmt: str,
    blocks: Iterator[Block],
    source: str,
    identities: dict[int, Identity],
    zone: tzinfo = UTC,
) -> Iterator[Item]:
    if fmt == NMEA:
        return _read_nmea(blocks, source)
    if fmt == JSONL:
        return read_jsonl(blocks, source)
    if fmt == AISCATCHER:
        return read_aiscatcher(blocks, source)
    if fmt in (MARINECADASTRE, POSITIONS_CSV):
        return read_csv(blocks, source, identities, zone=zone)
    raise ValueError(f"no reader for format {fmt!r}")


# --- NMEA: lines pass through untouched (the hot path) ---------------------------------------


def _read_nmea(blocks: Iterator[Block], source: str) -> Iterator[InputLine | Failure]:
    for first, lines, failures in blocks:
        if not failures:
            yield from map(InputLine, lines, repeat(source), count(first))
            continue
        for line_no, text in enumerate(lines, first):
            yield failures.get(line_no) or InputLine(text, source, line_no)
