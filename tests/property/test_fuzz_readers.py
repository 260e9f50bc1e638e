"""Hostile input never crashes the CSV and JSON Lines readers and is never silently dropped.

Real rows from ``tests/data/readers`` are mutated (hostile tokens in fields, characters and bytes
inserted or removed) or replaced by random text. Whatever comes in, no exception escapes, every
row ends as reports or as exactly one ``Failure`` naming its file and line, and what does decode
holds only values AIS can carry.
"""

from __future__ import annotations

import io
import json
import math
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from models.records import (
    PLAUSIBLE,
    Failure,
    FailureReason,
    InputLine,
    OtherMessage,
    PositionReport,
    StaticReport,
)
from replay.errors import InputError
from replay.readers import Reader
from replay.readers_csv import read_csv
from replay.readers_jsonl import read_jsonl
from replay.sources import iter_blocks

DATA = Path(__file__).parents[1] / "data" / "readers"
NAME = "fuzz/input"

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def real_lines(name: str) -> list[str]:
    return [line for line in (DATA / name).read_text().splitlines() if line.strip()]


CSV_FILES = {name: real_lines(name) for name in ("marinecadastre.csv", "positions.csv")}
JSON_LINES = [
    line
    for name in ("tracks.jsonl", "gpsd-unscaled.json")
    for line in real_lines(name)
    if line.startswith("{")
]

#: Field values that broke, or could break, a reader: sentinels, out-of-range and non-finite
#: numbers, digits that are not ASCII, impossible times, quotes, line breaks, NUL, padding.
HOSTILE = [
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-Infinity",
    "1e999",
    "1e300",
    "-1",
    "0",
    "91",
    "181",
    "-90.5",
    "102.3",
    "150",
    "360",
    "511",
    "1023",
    "3600",
    "1000000000",
    "1072211352",
    "²",
    "١٢",
    "１２",
    "1_0",
    "1" * 23,
    "10000-01-01T00:00:00",
    "2022-13-01T00:00:00",
    "1989-12-31T23:59:59",
    "1641168000",
    "1641168000000",
    '"',
    'a"b\rc',
    "\r",
    "\x00",
    "@@@@",
    "IMO",
    "IMO²",
    ",",
    "#",
    "{",
    "\ufeff",
]
JSON_HOSTILE: list[object] = [
    None,
    True,
    [],
    {},
    "",
    1e300,
    -1e300,
    10**30,
    -5,
    0.5,
    28,
    0,
    "1e999",
    *HOSTILE,
]


# --- strategies ------------------------------------------------------------------------------


@st.composite
def mutated_text(draw: st.DrawFn, line: str) -> str:
    """A line with a few characters inserted, removed or replaced."""
    chars = list(line)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(chars)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=3)))
        if kind == "insert" or not chars:
            chars[at:at] = list(piece)
        elif kind == "delete":
            del chars[min(at, len(chars) - 1)]
        else:
            chars[min(at, len(chars) - 1)] = piece
    return "".join(chars)


@st.composite
def csv_row(draw: st.DrawFn, rows: list[str]) -> str:
    row = draw(st.sampled_from(rows))
    how = draw(st.sampled_from(["as is", "field", "text", "random"]))
    if how == "field":
        fields = row.split(",")
        for _ in range(draw(st.integers(1, 3))):
            fields[draw(st.integers(0, len(fields) - 1))] = draw(st.sampled_from(HOSTILE))
        return ",".join(fields)
    if how == "text":
        return draw(mutated_text(row))
    if how == "random":
        return draw(st.text(max_size=60))
    return row


@st.composite
def json_line(draw: st.DrawFn) -> str:
    line = draw(st.sampled_from(JSON_LINES))
    how = draw(st.sampled_from(["as is", "value", "text", "random"]))
    if how == "value":
        value = json.loads(line)
        for _ in range(draw(st.integers(1, 3))):
            key = draw(st.sampled_from([*value, "timestamp", "type", "failure", "scaled"]))
            value[key] = draw(st.sampled_from(JSON_HOSTILE))
        return json.dumps(value)  # NaN and Infinity included, as Python writes them
    if how == "text":
        return draw(mutated_text(line))
    if how == "random":
        return draw(st.text(max_size=60))
    return line


def with_stray_bytes(draw: st.DrawFn, lines: list[str]) -> bytes:
    """The lines as a file, with a few raw bytes (not always UTF-8) dropped into it."""
    data = bytearray("\n".join(lines).encode() + draw(st.sampled_from([b"", b"\n", b"\r\n"])))
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(data)))
        data[at:at] = draw(st.binary(min_size=1, max_size=3))
    return bytes(data)


# --- accounting ------------------------------------------------------------------------------


def split_lines(data: bytes) -> list[tuple[int, str, bool]]:
    """``(line number, text, is UTF-8)`` for every line of a file, as the readers number them."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    raws = data.split(b"\n")
    if raws and raws[-1] == b"":
        raws.pop()
    found = []
    for number, raw in enumerate(raws, 1):
        raw = raw.rstrip(b"\r")
        try:
            found.append((number, raw.decode("utf-8"), True))
        except UnicodeDecodeError:
            found.append((number, raw.decode("utf-8", "replace"), False))
    return found


def check_failure(failure: Failure, lines: dict[int, tuple[str, bool]]) -> None:
    event(f"failure: {failure.reason.value}")
    assert failure.source == NAME
    assert failure.line_no in lines, failure
    text, utf8 = lines[failure.line_no]
    if utf8:
        assert failure.raw == text, failure
        assert failure.detail, failure
    else:
        assert failure.reason is FailureReason.NOT_UTF8, failure


def check_position(report: PositionReport, *, may_claim_impossible: bool = False) -> None:
    """Only values AIS can carry; ``impossible`` exactly when off the globe (JSON Lines written
    by ``vigilmar decode`` may also say so itself)."""
    assert report.source == NAME
    assert 0 <= report.mmsi < 1 << 30
    assert report.timestamp is None or report.timestamp in PLAUSIBLE
    assert 1 <= report.msg_type <= 27
    if report.lat is None or report.lon is None:
        assert report.lat is report.lon is None
        assert not report.impossible
    else:
        assert math.isfinite(report.lat)
        assert math.isfinite(report.lon)
        assert report.lat != 91.0
        assert report.lon != 181.0
        on_globe = -90 <= report.lat <= 90 and -180 <= report.lon <= 180
        if may_claim_impossible:
            assert on_globe or report.impossible
        else:
            assert report.impossible is not on_globe
    limit = 63 if report.msg_type == 27 else 102.3
    assert report.speed is None or 0 <= report.speed < limit
    assert report.course is None or 0 <= report.course < 360
    assert report.heading is None or 0 <= report.heading <= 359
    assert report.status is None or 0 <= report.status <= 15


def check_static(report: StaticReport) -> None:
    assert report.source == NAME
    assert 0 <= report.mmsi < 1 << 30
    assert report.timestamp is None or report.timestamp in PLAUSIBLE
    assert report.ship_type is None or 1 <= report.ship_type <= 99
    assert report.imo is None or report.imo > 0
    for text in (report.name, report.callsign, report.destination):
        assert text is None or (text == text.strip() and "@" not in text)


# --- the readers -----------------------------------------------------------------------------


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(CSV_FILES)))
def test_csv_rows_end_as_reports_or_one_failure_each(data: st.DataObject, name: str) -> None:
    header, *rows = CSV_FILES[name]
    mutated = data.draw(st.lists(csv_row(rows), min_size=1, max_size=12))
    content = with_stray_bytes(data.draw, mutated)
    blob = header.encode() + b"\n" + content
    items = list(read_csv(iter_blocks(io.BytesIO(blob).read, NAME), NAME, {}))

    lines = split_lines(blob)
    assert lines[0] == (1, header, True)
    by_number = {number: (text, utf8) for number, text, utf8 in lines}
    rows_read = [n for n, text, utf8 in lines[1:] if not utf8 or (text and not text.isspace())]
    positions = [item for item in items if isinstance(item, PositionReport)]
    failures = [item for item in items if isinstance(item, Failure)]
    assert len(positions) + len(failures) == len(rows_read)
    assert sorted(f.line_no for f in failures) == sorted({f.line_no for f in failures})
    for failure in failures:
        check_failure(failure, by_number)
    for index, item in enumerate(items):
        if isinstance(item, StaticReport):
            check_static(item)
            following = items[index + 1]  # a row's static data comes just before its position
            assert isinstance(following, PositionReport)
            assert (following.mmsi, following.timestamp) == (item.mmsi, item.timestamp)
        elif isinstance(item, PositionReport):
            check_position(item)
        else:
            assert isinstance(item, Failure), item


@FUZZ
@given(data=st.data())
def test_json_lines_end_as_one_record_or_failure_each(data: st.DataObject) -> None:
    mutated = data.draw(st.lists(json_line(), min_size=1, max_size=12))
    blob = with_stray_bytes(data.draw, mutated)
    items = list(read_jsonl(iter_blocks(io.BytesIO(blob).read, NAME), NAME))

    lines = split_lines(blob)
    by_number = {number: (text, utf8) for number, text, utf8 in lines}
    content = [
        (number, text)
        for number, text, utf8 in lines
        if not utf8 or (text.strip() and not text.strip().startswith("#"))
    ]
    assert len(items) == len(content)
    for item, (number, text) in zip(items, content, strict=True):
        if isinstance(item, Failure):
            assert item.line_no == number
            if _is_echoed_failure(text):
                assert item.source == NAME  # ``vigilmar decode`` output: its own raw text
            else:
                check_failure(item, by_number)
        elif isinstance(item, PositionReport):
            check_position(item, may_claim_impossible=True)
        elif isinstance(item, StaticReport):
            check_static(item)
        else:
            assert isinstance(item, OtherMessage), item
            assert item.source == NAME
            assert 0 <= item.mmsi < 1 << 30
            assert item.timestamp is None or item.timestamp in PLAUSIBLE


def _is_echoed_failure(text: str) -> bool:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return False
    return isinstance(value, dict) and "failure" in value


# --- the whole reader, on anything -------------------------------------------------------------


@st.composite
def any_file(draw: st.DrawFn) -> bytes:
    how = draw(st.sampled_from(["csv", "jsonl", "tokens", "text", "binary"]))
    if how == "csv":
        header, *rows = CSV_FILES[draw(st.sampled_from(sorted(CSV_FILES)))]
        header = draw(st.one_of(st.just(header), mutated_text(header)))
        return with_stray_bytes(draw, [header, *draw(st.lists(csv_row(rows), max_size=8))])
    if how == "jsonl":
        return with_stray_bytes(draw, draw(st.lists(json_line(), max_size=8)))
    if how == "tokens":  # lines of hostile field values, the first one read as a header
        line = st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=6).map(",".join)
        return with_stray_bytes(draw, draw(st.lists(line, min_size=1, max_size=4)))
    if how == "text":
        return draw(st.text(max_size=300)).encode()
    return draw(st.binary(max_size=300))


def read_or_refuse(path: Path) -> tuple[list[object], str] | InputError:
    try:
        reader = Reader([str(path)])
        items: list[object] = list(reader)
    except InputError as err:  # not AIS, or compressed and corrupt: refused by name
        return err
    (fmt,) = reader.formats.values()
    return items, fmt


@FUZZ
@given(content=any_file())
def test_the_reader_refuses_or_reads_anything_and_every_failure_says_where(
    content: bytes,
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "input")
        path.write_bytes(content)
        outcome = read_or_refuse(path)
    if isinstance(outcome, InputError):
        assert outcome.path == str(path)
        return
    items, fmt = outcome
    for item in items:
        assert isinstance(item, InputLine | Failure | PositionReport | StaticReport | OtherMessage)
        if isinstance(item, Failure):
            assert item.source == str(path)
            assert item.line_no > 0
    if fmt == "nmea":  # a line each, passed on to the decoder
        assert len(items) == len(split_lines(content))
