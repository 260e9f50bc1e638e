"""The file-reading edge of ``vigilmar replay``: finding inputs, opening them, recognising formats,
and turning every supported format into lines or reports."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import shutil
import threading
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest

from models.records import (
    Failure,
    FailureReason,
    InputLine,
    OtherMessage,
    PositionReport,
    StaticReport,
)
from replay.errors import InputError, ReplayError
from replay.readers import (
    JSONL,
    MARINECADASTRE,
    NMEA,
    POSITIONS_CSV,
    UNKNOWN,
    Item,
    Reader,
    detect_format,
    expand_inputs,
    read_inputs,
)
from replay.sources import CHUNK_SIZE

DATA = Path(__file__).parents[1] / "data" / "readers"
SHARED = Path(__file__).parents[2].parent / "shared" / "data"

MC_HEADER = (
    "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,"
    "Length,Width,Draft,Cargo,TransceiverClass"
)
JAN_3_2022 = datetime(2022, 1, 3, tzinfo=UTC).timestamp()

T = TypeVar("T")


def read(*inputs: str | Path) -> list[Item]:
    return list(Reader([str(name) for name in inputs]))


def only(items: list[Item], kind: type[T]) -> list[T]:
    return [item for item in items if isinstance(item, kind)]


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def file_lines(name: str) -> list[str]:
    return (DATA / name).read_text().splitlines()


# --- finding inputs --------------------------------------------------------------------------


def test_directory_gives_every_file_below_it_sorted_without_hidden_ones(tmp_path: Path) -> None:
    for name in ("b.nmea", "a/z.nmea", "a/.hidden.nmea", ".git/config", "c/d/e.csv", "a0.txt"):
        write(tmp_path / name, "x\n")
    assert expand_inputs([str(tmp_path)]) == [
        tmp_path / "a" / "z.nmea",
        tmp_path / "a0.txt",
        tmp_path / "b.nmea",
        tmp_path / "c" / "d" / "e.csv",
    ]


def test_glob_matches_are_sorted_and_files_listed_once(tmp_path: Path) -> None:
    for name in ("x2.nmea", "x10.nmea", "x1.nmea", "y.nmea"):
        write(tmp_path / name, "x\n")
    pattern = str(tmp_path / "x*.nmea")
    found = expand_inputs([pattern, str(tmp_path / "x1.nmea"), str(tmp_path)])
    names = [path.name for path in found]
    assert names == ["x1.nmea", "x10.nmea", "x2.nmea", "y.nmea"]


def test_dash_means_standard_input() -> None:
    assert expand_inputs(["-"]) == [Path("-")]


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("no/such/file.nmea", "no such file or directory"),
        ("no/such/*.nmea", "no file matches this pattern"),
    ],
)
def test_inputs_that_do_not_exist_are_refused_by_name(pattern: str, problem: str) -> None:
    with pytest.raises(InputError) as caught:
        expand_inputs([pattern])
    assert caught.value.path == pattern
    assert problem in str(caught.value)
    assert isinstance(caught.value, ReplayError)


def test_empty_directory_is_refused(tmp_path: Path) -> None:
    write(tmp_path / ".only-hidden", "x")
    with pytest.raises(InputError, match="holds no files"):
        expand_inputs([str(tmp_path)])


# --- format recognition ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gatehouse.nmea", NMEA),
        ("tagblock.nmea", NMEA),
        ("epoch-column.txt", NMEA),
        ("receiver-noise.txt", NMEA),
        ("marinecadastre.csv", MARINECADASTRE),
        ("positions.csv", POSITIONS_CSV),
        ("tracks.jsonl", JSONL),
        ("gpsd-unscaled.json", JSONL),
        ("SOURCES.md", UNKNOWN),
        ("LICENSE.pyais", UNKNOWN),
        ("COPYING.gpsd", UNKNOWN),
    ],
)
def test_format_is_recognised_from_content(name: str, expected: str) -> None:
    assert detect_format(file_lines(name)) == expected


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([], NMEA),
        (["", "# nothing but a comment", "   "], NMEA),
        (["2014-01-01 00:00:00 !AIVDM,1,1,,A,13prmQ?P001EOA4OC3h@u?vl20SR,0*7F"], NMEA),
        (
            [
                "mmsi,base_date_time,longitude,latitude,sog,cog,heading,vessel_name,imo,"
                "call_sign,vessel_type,status,length,width,draft,cargo,transceiver"
            ],
            MARINECADASTRE,
        ),
        (["\ufeffSSVID,Latitude,Longitude,Time"], POSITIONS_CSV),
        (["mmsi,lat,lon"], UNKNOWN),  # no time column
        (['{"type": "FeatureCollection", "features": []}'], UNKNOWN),
        (['{"failure": "bad_checksum", "raw": "!AIVDM,1,1,,A,1,0*00"}'], JSONL),
        (["$ pip install vigilmar", "Then run it."], UNKNOWN),
    ],
)
def test_format_recognition_edge_cases(lines: list[str], expected: str) -> None:
    assert detect_format(lines) == expected


# --- NMEA ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["gatehouse.nmea", "tagblock.nmea", "epoch-column.txt"])
def test_nmea_lines_pass_through_untouched_blank_and_comment_lines_included(name: str) -> None:
    items = read(DATA / name)
    assert items == [
        InputLine(text, str(DATA / name), line_no)
        for line_no, text in enumerate(file_lines(name), 1)
    ]


def test_crlf_is_stripped_and_a_last_line_without_newline_is_kept(tmp_path: Path) -> None:
    path = write(tmp_path / "log", b"!AIVDM,1,1,,A,1,0*00\r\n\r\n# note\r\nlast")
    assert [(item.text, item.line_no) for item in only(read(path), InputLine)] == [
        ("!AIVDM,1,1,,A,1,0*00", 1),
        ("", 2),
        ("# note", 3),
        ("last", 4),
    ]


def test_a_line_that_is_not_utf8_becomes_a_failure_and_the_rest_reads_on(tmp_path: Path) -> None:
    path = write(tmp_path / "log", b"!AIVDM,1,1,,A,1,0*00\n!AI\xff\xfeVDM\n!AIVDM,1,1,,B,2,0*00\n")
    items = read(path)
    assert [type(item) for item in items] == [InputLine, Failure, InputLine]
    failure = items[1]
    assert isinstance(failure, Failure)
    assert failure.reason is FailureReason.NOT_UTF8
    assert (failure.source, failure.line_no) == (str(path), 2)
    assert "\\xff" in failure.raw
    assert isinstance(items[2], InputLine)
    assert items[2].line_no == 3


def test_lines_are_whole_and_numbered_across_read_chunks(tmp_path: Path) -> None:
    lines = file_lines("tagblock.nmea")
    repeats = 2 * CHUNK_SIZE // sum(len(line) + 1 for line in lines) + 1
    path = write(tmp_path / "big.nmea", "\n".join(lines * repeats) + "\n")
    items = only(read(path), InputLine)
    assert len(items) == len(lines) * repeats
    assert [item.line_no for item in items] == list(range(1, len(items) + 1))
    assert all(item.text == lines[(item.line_no - 1) % len(lines)] for item in items)


# --- compression and archives ----------------------------------------------------------------

COMPRESSORS: list[tuple[str, Callable[[bytes], bytes]]] = [
    ("gz", gzip.compress),
    ("bz2", bz2.compress),
    ("xz", lzma.compress),
]


@pytest.mark.parametrize(("suffix", "compress"), COMPRESSORS)
@pytest.mark.parametrize("misleading", [False, True])
def test_compressed_files_are_recognised_by_magic_bytes(
    tmp_path: Path, suffix: str, compress: Callable[[bytes], bytes], misleading: bool
) -> None:
    name = "positions.csv" if misleading else f"log.nmea.{suffix}"
    path = write(tmp_path / name, compress((DATA / "gatehouse.nmea").read_bytes()))
    assert [item.text for item in only(read(path), InputLine)] == file_lines("gatehouse.nmea")


def test_plain_text_named_like_an_archive_is_read_as_text(tmp_path: Path) -> None:
    path = write(tmp_path / "log.gz", (DATA / "gatehouse.nmea").read_bytes())
    assert len(only(read(path), InputLine)) == len(file_lines("gatehouse.nmea"))


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_zip_members_are_read_in_name_order_and_named_after_the_archive(tmp_path: Path) -> None:
    gatehouse = (DATA / "gatehouse.nmea").read_bytes()
    path = make_zip(
        tmp_path / "logs.dat",
        {
            "b.nmea": (DATA / "tagblock.nmea").read_bytes(),
            "a.nmea.gz": gzip.compress(gatehouse),
            "README.md": b"# Logs\n\nReceiver logs from the harbour.\n",
            "__MACOSX/._a.nmea": b"\x00\x05\x16\x07",
        },
    )
    reader = Reader([str(path)])
    assert reader.files == [f"{path}!a.nmea.gz", f"{path}!b.nmea"]
    assert [skipped.name for skipped in reader.skipped] == [f"{path}!README.md"]
    lines = only(list(reader), InputLine)
    sources = [line.source for line in lines]
    assert sources == [f"{path}!a.nmea.gz"] * len(file_lines("gatehouse.nmea")) + [
        f"{path}!b.nmea"
    ] * len(file_lines("tagblock.nmea"))


def test_zip_with_no_ais_inside_is_refused_when_named_and_skipped_in_a_directory(
    tmp_path: Path,
) -> None:
    path = make_zip(tmp_path / "docs" / "shapes.zip", {"README.txt": b"Shapes of things.\n"})
    with pytest.raises(InputError, match="zip archive holds no AIS file"):
        Reader([str(path)])
    shutil.copy(DATA / "gatehouse.nmea", tmp_path / "docs")
    reader = Reader([str(tmp_path / "docs")])
    assert reader.files == [str(tmp_path / "docs" / "gatehouse.nmea")]
    assert [s.name for s in reader.skipped] == [f"{path}!README.txt"]


@pytest.mark.parametrize(
    "content",
    [
        # A truncated archive whose start can be read is replayed up to the break: see
        # tests/functional/test_cli_faults.py.
        b"\x1f\x8b\x08\x00garbage that is not deflate data",
        b"PK\x03\x04 not really a zip archive",
        b"BZh9 not really bzip2",
    ],
)
def test_corrupt_archives_are_refused_with_their_name(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path / "broken.nmea", content)
    with pytest.raises(InputError) as caught:
        read(path)
    assert caught.value.path == str(path)
    assert "truncated or corrupt" in str(caught.value)


# --- directories, skipping and refusing -------------------------------------------------------


def test_files_found_in_a_directory_that_are_not_ais_are_skipped(tmp_path: Path) -> None:
    for name in ("gatehouse.nmea", "SOURCES.md", "LICENSE.pyais", "marinecadastre.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    reader = Reader([str(tmp_path)])
    assert reader.files == [str(tmp_path / "gatehouse.nmea"), str(tmp_path / "marinecadastre.csv")]
    assert reader.formats == {reader.files[0]: NMEA, reader.files[1]: MARINECADASTRE}
    assert sorted(Path(s.name).name for s in reader.skipped) == ["LICENSE.pyais", "SOURCES.md"]
    assert all("not a recognised AIS format" in s.reason for s in reader.skipped)
    assert len(list(reader)) > 0


def test_a_named_file_that_is_not_ais_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        Reader([str(DATA / "SOURCES.md")])
    message = str(caught.value)
    assert str(DATA / "SOURCES.md") in message
    assert "expected NMEA, MarineCadastre CSV, positions CSV or JSON Lines" in message


def test_a_directory_without_any_ais_is_refused(tmp_path: Path) -> None:
    shutil.copy(DATA / "SOURCES.md", tmp_path)
    with pytest.raises(InputError, match="no AIS data found"):
        Reader([str(tmp_path)])


# --- MarineCadastre --------------------------------------------------------------------------


def test_marinecadastre_rows_become_positions_and_first_seen_identities() -> None:
    items = read(DATA / "marinecadastre.csv")
    positions = only(items, PositionReport)
    statics = only(items, StaticReport)
    assert len(positions) == 10
    assert [s.name for s in statics] == [
        "CAZADOR",
        "EAGLE",
        "B-WAY",
        "W E IVANOFF",
        'RAY "CHIEF" TONEY',
        "OCEAN GIANT",
    ]
    cazador = positions[0]
    assert cazador == PositionReport(
        338148873,
        JAN_3_2022,
        18,
        33.60716,
        -117.91483,
        speed=0.0,
        course=280.0,
        heading=None,
        status=None,
        source=str(DATA / "marinecadastre.csv"),
    )
    eagle = statics[1]
    assert (eagle.msg_type, eagle.imo, eagle.callsign, eagle.ship_type) == (
        5,
        8207721,
        "WTD4583",
        31,
    )
    assert items.index(eagle) + 1 == items.index(positions[1])  # static data before its position
    b_way = statics[2]
    assert (b_way.msg_type, b_way.imo, b_way.callsign) == (24, None, None)
    assert positions[4].course is None  # COG 360.0
    assert positions[6].speed is None  # SOG 102.3
    assert positions[7].status == 12
    assert positions[9].heading == 359


def csv_file(tmp_path: Path, *rows: str, name: str = "day.csv") -> Path:
    return write(tmp_path / name, "\n".join([MC_HEADER, *rows]) + "\n")


def test_static_report_only_when_identity_is_first_seen_or_changes(tmp_path: Path) -> None:
    row = "367000001,2022-01-03T00:0{}:00,18.4,-66.1,1.0,90.0,90,{},IMO9000001,{},70,0,,,,,A"
    path = csv_file(
        tmp_path,
        row.format(0, "", ""),  # nothing known yet: no static report
        row.format(1, "SEA STAR", "WXY123"),
        row.format(2, "SEA STAR", "WXY123"),
        row.format(3, "SEA STAR", "ZZZ999"),
        row.format(4, "SEA STAR", "ZZZ999"),
        row.format(5, "SEA STAR", "WXY123"),
    )
    statics = only(read(path), StaticReport)
    assert [(s.callsign, s.timestamp) for s in statics] == [
        (None, JAN_3_2022),  # IMO and ship type are an identity too
        ("WXY123", JAN_3_2022 + 60),
        ("ZZZ999", JAN_3_2022 + 180),
        ("WXY123", JAN_3_2022 + 300),
    ]
    assert statics[1].name == "SEA STAR"
    assert statics[1].imo == 9000001


def test_identity_is_remembered_across_files(tmp_path: Path) -> None:
    row = "367000001,2022-01-0{}T00:00:00,18.4,-66.1,1.0,90.0,90,SEA STAR,,WXY123,70,0,,,,,A"
    first = csv_file(tmp_path, row.format(3), name="a.csv")
    second = csv_file(tmp_path, row.format(4), name="b.csv")
    assert len(only(read(first, second), StaticReport)) == 1


def test_marinecadastre_sentinels_and_empty_fields_become_none(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path,
        "367000002,2022-01-03T00:00:00,91,181,102.3,360.0,511,,0,,0,,,,,,A",
        "367000003,2022-01-03T00:00:00,95.5,-66.1,12.5,400.0,400,,,,,15,,,,,",
        "367000004,2022-01-03T00:00:00,18.4,-200.0,-1.0,-5.0,,,,,,,,,,,A",
    )
    items = read(path)
    assert not only(items, StaticReport)  # no identity at all
    sentinel, impossible, far_west = only(items, PositionReport)
    assert (sentinel.lat, sentinel.lon, sentinel.impossible) == (None, None, False)
    assert (sentinel.speed, sentinel.course, sentinel.heading) == (None, None, None)
    assert (impossible.lat, impossible.lon, impossible.impossible) == (95.5, -66.1, True)
    assert (impossible.speed, impossible.course, impossible.heading) == (12.5, None, None)
    assert (impossible.status, impossible.msg_type) == (15, 1)
    assert (far_west.lat, far_west.impossible, far_west.speed, far_west.course) == (
        18.4,
        True,
        None,
        None,
    )


def test_bad_rows_are_failures_that_name_their_line(tmp_path: Path) -> None:
    good = "367000001,2022-01-03T00:00:00,18.4,-66.1,1.0,90.0,90,,,,,,,,,,A"
    path = csv_file(
        tmp_path,
        good,
        "367000001,2022-01-03T00:00:00,18.4",
        "MMSI?,2022-01-03T00:00:00,18.4,-66.1,1.0,90.0,90,,,,,,,,,,A",
        "367000001,2022-01-03T00:00:00,north,-66.1,1.0,90.0,90,,,,,,,,,,A",
        "367000001,yesterday,18.4,-66.1,1.0,90.0,90,,,,,,,,,,A",
        "",
        good,
    )
    items = read(path)
    failures = only(items, Failure)
    assert [(f.reason, f.line_no) for f in failures] == [
        (FailureReason.BAD_ROW, 3),
        (FailureReason.BAD_ROW, 4),
        (FailureReason.BAD_ROW, 5),
        (FailureReason.BAD_ROW, 6),
    ]
    assert "expected 17 columns, found 3" in failures[0].detail
    assert "MMSI" in failures[1].detail
    assert "latitude" in failures[2].detail
    assert "yesterday" in failures[3].detail
    assert failures[0].raw == "367000001,2022-01-03T00:00:00,18.4"
    assert all(f.source == str(path) for f in failures)
    assert len(only(items, PositionReport)) == 2


def test_csv_row_that_is_not_utf8_fails_alone_and_bom_crlf_are_handled(tmp_path: Path) -> None:
    good = b"367000001,2022-01-03T00:00:00,18.4,-66.1,1.0,90.0,90,SEA STAR,,,,,,,,,A"
    bad = b"367000002,2022-01-03T00:00:00,18.4,-66.1,1.0,90.0,90,CAF\xc9,,,,,,,,,A"
    content = b"\r\n".join([b"\xef\xbb\xbf" + MC_HEADER.encode(), good, bad, good]) + b"\r\n"
    items = read(write(tmp_path / "latin1.csv", content))
    failures = only(items, Failure)
    assert [(f.reason, f.line_no) for f in failures] == [(FailureReason.NOT_UTF8, 3)]
    assert len(only(items, PositionReport)) == 2
    assert only(items, StaticReport)[0].name == "SEA STAR"


def test_marinecadastre_2025_schema_reads_the_same(tmp_path: Path) -> None:
    header = (
        "mmsi,base_date_time,longitude,latitude,sog,cog,heading,vessel_name,imo,call_sign,"
        "vessel_type,status,length,width,draft,cargo,transceiver"
    )
    row = "338353894,2025-01-03 00:00:03,-66.08847,18.4596,0.4,12.0,511,B-WAY,,,37,,20,6,,,B"
    items = read(write(tmp_path / "ais-2025-01-03.csv", f"{header}\n{row}\n"))
    static, position = items
    assert isinstance(static, StaticReport)
    assert isinstance(position, PositionReport)
    assert (static.name, static.msg_type) == ("B-WAY", 24)
    assert (position.lat, position.lon, position.msg_type) == (18.4596, -66.08847, 18)


# --- positions CSV ---------------------------------------------------------------------------


def test_positions_csv_rows_become_position_reports() -> None:
    items = read(DATA / "positions.csv")
    assert len(items) == 15
    first = items[0]
    assert first == PositionReport(
        220413000,
        datetime(2018, 1, 1, 0, 12, 19, tzinfo=UTC).timestamp(),
        1,
        35.8802233333,
        -128.3739633333,
        speed=19.8999996185,
        source=str(DATA / "positions.csv"),
    )


@pytest.mark.parametrize(
    "moment",
    [
        "2018-01-01 00:12:19+00:00",
        "2018-01-01T00:12:19Z",
        "2018-01-01T00:12:19",
        "2018-01-01T02:12:19+02:00",
        "2018-01-01T00:12:19.000000Z",
        "1514765539",
        "1514765539000",
    ],
)
def test_positions_csv_times_in_every_supported_form(tmp_path: Path, moment: str) -> None:
    header = "MMSI,Latitude,Longitude,Time,SOG,COG,Heading"
    text = f"{header}\n220413000,35.9,-128.4,{moment},511,3600,511\n"
    (position,) = read(write(tmp_path / "export.csv", text))
    assert isinstance(position, PositionReport)
    assert position.timestamp == 1514765539.0
    assert (position.speed, position.course, position.heading) == (None, None, None)


# --- JSON Lines ------------------------------------------------------------------------------


def test_jsonl_tracks_become_positions_and_static_reports() -> None:
    items = read(DATA / "tracks.jsonl")
    positions = only(items, PositionReport)
    statics = only(items, StaticReport)
    assert len(positions) == 6
    assert len(statics) == 4
    first = positions[0]
    assert (first.mmsi, first.msg_type, first.status, first.heading) == (204814000, 1, 15, 101)
    assert first.timestamp == datetime(2014, 8, 1, 0, 8, 14, tzinfo=UTC).timestamp()
    assert positions[4].msg_type == 18
    assert positions[4].heading is None  # 511
    type5 = statics[0]
    assert (type5.name, type5.callsign, type5.ship_type, type5.msg_type) == (
        "BALUEIRO SEGUNDO",
        "EHPX",
        30,
        5,
    )
    part_a, part_b = statics[2:]
    assert (part_a.name, part_a.callsign) == ("F/V SAINT THOMAS", None)  # "" is not a call sign
    assert (part_b.name, part_b.callsign, part_b.ship_type) == (None, "FL2743", 30)


def test_gpsd_raw_units_are_scaled() -> None:
    items = read(DATA / "gpsd-unscaled.json")
    first = items[0]
    assert isinstance(first, PositionReport)
    assert first.mmsi == 371798000
    assert first.lat == pytest.approx(48.3816333, abs=1e-6)
    assert first.lon == pytest.approx(-123.3953833, abs=1e-6)
    assert (first.speed, first.course, first.heading) == (12.3, 224.0, 215)
    static = only(items, StaticReport)[0]
    assert (static.name, static.imo, static.callsign) == ("EVER DIADEM", 9134270, "3FOF8")
    assert {item.msg_type for item in only(items, OtherMessage)} == {4, 6}


def test_jsonl_failures_and_odd_lines(tmp_path: Path) -> None:
    lines = [
        '{"failure": "bad_checksum", "raw": "!AIVDM,1,1,,A,13,0*00", "detail": "expected 4F"}',
        '{"failure": "cosmic_rays", "raw": "!AIVDM,1,1,,A,13,0*00"}',
        "[1, 2, 3]",
        '{"mmsi": 2470001, "type": 21, "timestamp": "2024-03-01T12:00:00Z"}',
        "{not json",
        '{"type": 1, "lat": 10.0, "lon": 20.0}',
        '{"mmsi": 367000001, "type": 1, "timestamp": "last tuesday", "lat": 1, "lon": 2}',
        "",
        '{"mmsi": 367000001, "type": 3, "time": "2024-03-01T12:00Z", "lat": 91, "lon": 181}',
    ]
    items = read(write(tmp_path / "decoded.jsonl", "\n".join(lines) + "\n"))
    checksum, unknown, array, other, broken, no_mmsi, bad_time, position = items
    assert checksum == Failure(
        FailureReason.BAD_CHECKSUM,
        "!AIVDM,1,1,,A,13,0*00",
        str(tmp_path / "decoded.jsonl"),
        1,
        "expected 4F",
    )
    assert isinstance(unknown, Failure)
    assert unknown.reason is FailureReason.BAD_ROW
    assert "cosmic_rays" in unknown.detail
    for failure, line_no, detail in [
        (array, 3, "not a JSON object"),
        (broken, 5, "not JSON"),
        (no_mmsi, 6, "mmsi"),
        (bad_time, 7, "last tuesday"),
    ]:
        assert isinstance(failure, Failure)
        assert (failure.reason, failure.line_no) == (FailureReason.BAD_ROW, line_no)
        assert detail in failure.detail
    assert other == OtherMessage(
        2470001,
        datetime(2024, 3, 1, 12, tzinfo=UTC).timestamp(),
        21,
        str(tmp_path / "decoded.jsonl"),
    )
    assert isinstance(position, PositionReport)
    assert (position.lat, position.lon, position.impossible) == (None, None, False)


# --- progress, standard input, the function entry point ---------------------------------------


def test_progress_counts_stored_bytes_up_to_the_total(tmp_path: Path) -> None:
    lines = (DATA / "tagblock.nmea").read_bytes() * 3000  # a few MB, several read chunks
    write(tmp_path / "a.nmea.gz", gzip.compress(lines, compresslevel=1))
    write(tmp_path / "b.nmea", lines)
    make_zip(tmp_path / "c.zip", {"c.nmea": lines})
    reader = Reader([str(tmp_path)])
    assert reader.total_bytes == sum(path.stat().st_size for path in tmp_path.iterdir())
    seen = [reader.bytes_done for _ in reader]
    assert seen == sorted(seen)
    assert 0 < seen[len(seen) // 6] < reader.total_bytes
    assert reader.bytes_done == reader.total_bytes


@pytest.mark.parametrize("compress", [lambda data: data, gzip.compress])
def test_standard_input(compress: Callable[[bytes], bytes]) -> None:
    stdin = io.BytesIO(compress((DATA / "gatehouse.nmea").read_bytes()))
    reader = Reader(["-"], stdin=stdin)
    items = only(list(reader), InputLine)
    assert [item.text for item in items] == file_lines("gatehouse.nmea")
    assert {item.source for item in items} == {"-"}
    assert reader.formats == {"-": NMEA}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_opened_once_when_read(tmp_path: Path) -> None:
    fifo = tmp_path / "feed"
    os.mkfifo(fifo)
    data = gzip.compress((DATA / "gatehouse.nmea").read_bytes())
    writer = threading.Thread(target=fifo.write_bytes, args=(data,), daemon=True)
    writer.start()
    reader = Reader([str(fifo)])
    texts = [item.text for item in only(list(reader), InputLine)]
    writer.join(timeout=5)
    assert texts == file_lines("gatehouse.nmea")
    assert reader.formats == {str(fifo): NMEA}


def test_standard_input_that_is_not_ais_is_refused() -> None:
    reader = Reader(["-"], stdin=io.BytesIO(b"Dear reader,\nthis is a letter.\n"))
    with pytest.raises(InputError, match="not a recognised AIS format"):
        list(reader)


def test_read_inputs_reads_files_in_order() -> None:
    items = list(read_inputs([DATA / "gatehouse.nmea", DATA / "positions.csv"]))
    assert len(only(items, InputLine)) == len(file_lines("gatehouse.nmea"))
    assert len(only(items, PositionReport)) == 15
    assert isinstance(items[0], InputLine)
    assert isinstance(items[-1], PositionReport)


# --- every real file we have -------------------------------------------------------------------

NOT_AIS_NAMES = {"README.md", "LICENSE", "LICENSE.txt", "COPYING", "NOTICE.txt", "SOURCE.txt"}
NOT_AIS_FILES = {"gpsd-conformance/sample.aivdm.chk"}  # gpsd's own pipe-separated check format
RECORDS = (InputLine, Failure, PositionReport, StaticReport, OtherMessage)


def files_named(files: list[Path]) -> set[str]:
    return {path.relative_to(SHARED).as_posix() for path in files}


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared data set not present")
def test_every_shared_data_file_is_read_or_refused_cleanly() -> None:
    files = sorted(
        path
        for path in SHARED.rglob("*")
        if path.is_file() and "zones" not in path.relative_to(SHARED).parts
    )
    formats: dict[str, str] = {}
    counts: dict[str, int] = {}
    refused: dict[str, InputError] = {}
    for path in files:
        name = path.relative_to(SHARED).as_posix()
        try:
            reader = Reader([str(path)])
            items = list(reader)
        except InputError as err:
            refused[name] = err
            continue
        assert all(isinstance(item, RECORDS) for item in items), name
        (formats[name],) = set(reader.formats.values())
        counts[name] = len(items)
    named_not_ais = {name for name in files_named(files) if Path(name).name in NOT_AIS_NAMES}
    assert set(refused) == named_not_ais | NOT_AIS_FILES
    assert all(err.path == str(SHARED / name) for name, err in refused.items())
    assert all(counts.values())
    assert (formats["amsa-risky/ais.txt.gz"], counts["amsa-risky/ais.txt.gz"]) == (NMEA, 44_687)
    assert formats["marinecadastre-20220103/AIS_2022_01_03_first99999.csv"] == MARINECADASTRE
    assert formats["gfw-pyseas-tracks/position_messages.csv.zip"] == POSITIONS_CSV
    assert formats["gfw-gpsdio-segment-tracks/tracks.jsonl"] == JSONL


# --- hostile input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b'a"b\rc\n',  # a stray quote and a carriage return: the csv module refuses the line
        b'MMSI,BaseDateTime\r,LAT,"LON"\n',  # a header, but for a carriage return
        b'{"mmsi": [' + b"[" * 100_000 + b"\n",  # nested too deep for the json module
    ],
)
def test_text_no_module_can_split_is_not_ais_rather_than_a_crash(
    tmp_path: Path, content: bytes
) -> None:
    path = write(tmp_path / "odd" / "export.csv", content)
    shutil.copy(DATA / "positions.csv", tmp_path / "odd")
    reader = Reader([str(tmp_path / "odd")])
    assert [s.name for s in reader.skipped] == [str(path)]
    assert len(only(list(reader), PositionReport)) == 15
    with pytest.raises(InputError, match="not a recognised AIS format"):
        Reader([str(path)])


@pytest.mark.skipif(not Path("/usr/bin/ls").is_file(), reason="no /usr/bin/ls here")
def test_a_binary_file_is_skipped_or_refused_as_not_ais(tmp_path: Path) -> None:
    path = tmp_path / "bin" / "ls"
    path.parent.mkdir()
    shutil.copy("/usr/bin/ls", path)
    shutil.copy(DATA / "positions.csv", path.parent)
    reader = Reader([str(path.parent)])
    assert [s.name for s in reader.skipped] == [str(path)]
    assert len(only(list(reader), PositionReport)) == 15
    with pytest.raises(InputError, match="not a recognised AIS format"):
        Reader([str(path)])


def test_csv_rows_no_module_can_split_are_bad_rows_with_file_line_and_text(
    tmp_path: Path,
) -> None:
    good = "367000001,2022-01-03T00:00:00,18.4,-66.1,1.0,90.0,90,,,,,,,,,,A"
    stray = 'a"b\rc'
    cr = '367000001,"2022-01-03T00:00:00",18.4\r,-66.1,1.0,90.0,90,,,,,,,,,,A'
    path = csv_file(tmp_path, good, stray, cr, good)
    items = read(path)
    failures = only(items, Failure)
    assert [(f.reason, f.source, f.line_no, f.raw) for f in failures] == [
        (FailureReason.BAD_ROW, str(path), 3, stray),
        (FailureReason.BAD_ROW, str(path), 4, cr),
    ]
    assert all("not a CSV row" in f.detail for f in failures)
    assert len(only(items, PositionReport)) == 2


def mc_row(**fields: str) -> str:
    """A MarineCadastre row of a good Class A report, with some fields replaced."""
    row = {
        "MMSI": "367000001",
        "BaseDateTime": "2022-01-03T00:00:00",
        "LAT": "18.4",
        "LON": "-66.1",
        "SOG": "1.0",
        "COG": "90.0",
        "Heading": "90",
        "VesselName": "SEA STAR",
        "IMO": "IMO9000001",
        "CallSign": "WXY123",
        "VesselType": "70",
        "Status": "0",
        "TransceiverClass": "A",
    }
    row.update(fields)
    names = MC_HEADER.split(",")
    return ",".join(row.get(name, "") for name in names)


@pytest.mark.parametrize(
    ("fields", "reason", "detail"),
    [
        ({"MMSI": "١٢٣٤٥٦٧٨٩"}, FailureReason.BAD_ROW, "MMSI"),
        ({"MMSI": "36700000²"}, FailureReason.BAD_ROW, "MMSI"),
        ({"IMO": "IMO²"}, FailureReason.BAD_ROW, "IMO"),
        ({"SOG": "١٢"}, FailureReason.BAD_ROW, "speed"),
        ({"LAT": "1_8.4"}, FailureReason.BAD_ROW, "latitude"),
        ({"BaseDateTime": "١٦٤١١٦٨٠٠٠"}, FailureReason.BAD_ROW, "time"),
        ({"BaseDateTime": "1" * 23}, FailureReason.BAD_TIME, "1111"),
        ({"BaseDateTime": "10000-01-03T00:00:00"}, FailureReason.BAD_TIME, "10000"),
        ({"BaseDateTime": "2022-02-30T00:00:00"}, FailureReason.BAD_TIME, "2022-02-30"),
        ({"BaseDateTime": "1989-12-31T23:59:59"}, FailureReason.BAD_TIME, "outside"),
        ({"BaseDateTime": "nan"}, FailureReason.BAD_TIME, "nan"),
        ({"MMSI": "1073741824"}, FailureReason.BAD_VALUE, "outside 0..1073741823"),
        ({"MMSI": "-1"}, FailureReason.BAD_VALUE, "MMSI"),
        ({"LAT": "nan"}, FailureReason.BAD_VALUE, "latitude"),
        ({"LON": "-inf"}, FailureReason.BAD_VALUE, "longitude"),
        ({"SOG": "NaN"}, FailureReason.BAD_VALUE, "speed"),
        ({"COG": "Infinity"}, FailureReason.BAD_VALUE, "course"),
        ({"Heading": "1e999"}, FailureReason.BAD_VALUE, "heading"),
        ({"VesselType": "inf"}, FailureReason.BAD_VALUE, "ship type"),
        ({"Status": "fast"}, FailureReason.BAD_ROW, "status"),
    ],
)
def test_hostile_csv_fields_fail_their_row_with_a_reason(
    tmp_path: Path, fields: dict[str, str], reason: FailureReason, detail: str
) -> None:
    row = mc_row(**fields)
    path = csv_file(tmp_path, mc_row(), row, mc_row(BaseDateTime="2022-01-03T00:01:00"))
    items = read(path)
    (failure,) = only(items, Failure)
    assert (failure.reason, failure.source, failure.line_no, failure.raw) == (
        reason,
        str(path),
        3,
        row,
    )
    assert detail in failure.detail
    assert [p.timestamp for p in only(items, PositionReport)] == [JAN_3_2022, JAN_3_2022 + 60]


def test_csv_values_outside_what_ais_carries_are_unknown_or_impossible(tmp_path: Path) -> None:
    """As NMEA decoding has them: sentinels and out-of-range speed, course, heading, status and
    ship type are unknown; coordinates off the globe are kept and marked impossible."""
    path = csv_file(
        tmp_path,
        mc_row(LAT="91", LON="181", SOG="102.3", COG="360", Heading="511", VesselType="0"),
        mc_row(MMSI="367000002", LAT="-90.5", SOG="150", COG="-1", Heading="360", Status="16"),
        mc_row(MMSI="367000003", LON="180.01", VesselType="200", IMO="IMO0000000"),
    )
    items = read(path)
    assert not only(items, Failure)
    sentinels, far_south, far_east = only(items, PositionReport)
    assert (sentinels.lat, sentinels.lon, sentinels.impossible) == (None, None, False)
    assert (sentinels.speed, sentinels.course, sentinels.heading) == (None, None, None)
    assert (far_south.lat, far_south.impossible, far_south.speed, far_south.course) == (
        -90.5,
        True,
        None,
        None,
    )
    assert (far_south.heading, far_south.status) == (None, None)
    assert (far_east.lon, far_east.impossible) == (180.01, True)
    assert [(s.mmsi, s.ship_type, s.imo) for s in only(items, StaticReport)] == [
        (367000001, None, 9000001),
        (367000002, 70, 9000001),
        (367000003, None, None),
    ]


def test_a_row_whose_identity_failed_is_not_remembered_as_read(tmp_path: Path) -> None:
    bad = mc_row(IMO="IMO9000001x")
    path = csv_file(tmp_path, bad, bad, mc_row())
    items = read(path)
    assert [(f.reason, f.line_no) for f in only(items, Failure)] == [
        (FailureReason.BAD_ROW, 2),
        (FailureReason.BAD_ROW, 3),
    ]
    assert [s.imo for s in only(items, StaticReport)] == [9000001]


@pytest.mark.parametrize(
    ("line", "reason", "detail"),
    [
        ('{"mmsi": 367000001, "type": 1, "timestamp": 1e300}', FailureReason.BAD_TIME, "1e+300"),
        ('{"mmsi": 367000001, "type": 1, "timestamp": NaN}', FailureReason.BAD_TIME, "nan"),
        ('{"mmsi": 367000001, "type": 1, "timestamp": Infinity}', FailureReason.BAD_TIME, "inf"),
        ('{"mmsi": 367000001, "type": 1, "timestamp": -1}', FailureReason.BAD_TIME, "outside"),
        (
            '{"mmsi": 367000001, "type": 21, "time": "10000-01-01T00:00Z"}',
            FailureReason.BAD_TIME,
            "10000",
        ),
        (
            '{"mmsi": 367000001, "type": 5, "time": "nan", "shipname": "X"}',
            FailureReason.BAD_TIME,
            "nan",
        ),
        ('{"mmsi": 1e10, "type": 1}', FailureReason.BAD_VALUE, "mmsi"),
        ('{"mmsi": 367000001.5, "type": 1}', FailureReason.BAD_VALUE, "mmsi"),
        ('{"mmsi": "١٢٣", "type": 1}', FailureReason.BAD_ROW, "mmsi"),
        ('{"mmsi": NaN, "type": 1}', FailureReason.BAD_VALUE, "mmsi"),
        ('{"mmsi": 367000001, "type": 28}', FailureReason.UNSUPPORTED_TYPE, "28"),
        ('{"mmsi": 367000001, "type": 0}', FailureReason.UNSUPPORTED_TYPE, "0"),
        ('{"mmsi": 367000001, "type": 1.5}', FailureReason.BAD_VALUE, "type"),
        ('{"mmsi": 367000001, "type": 1, "lat": NaN, "lon": 2}', FailureReason.BAD_VALUE, "lat"),
        ('{"mmsi": 367000001, "type": 1, "speed": "inf"}', FailureReason.BAD_VALUE, "speed"),
        ('{"mmsi": 367000001, "type": 1, "heading": "²"}', FailureReason.BAD_ROW, "heading"),
        ('{"mmsi": 367000001, "type": 5, "imo": "IMO١"}', FailureReason.BAD_ROW, "imo"),
    ],
)
def test_hostile_json_values_fail_their_line_with_a_reason(
    tmp_path: Path, line: str, reason: FailureReason, detail: str
) -> None:
    good = '{"mmsi": 367000001, "type": 1, "timestamp": 1641168000, "lat": 18.4, "lon": -66.1}'
    path = write(tmp_path / "decoded.jsonl", f"{good}\n{line}\n{good}\n")
    items = read(path)
    (failure,) = only(items, Failure)
    assert (failure.reason, failure.source, failure.line_no, failure.raw) == (
        reason,
        str(path),
        2,
        line,
    )
    assert detail in failure.detail
    assert len(only(items, PositionReport)) == 2


def test_json_values_outside_what_ais_carries_are_unknown_or_impossible(tmp_path: Path) -> None:
    lines = [
        '{"mmsi": 1, "type": 27, "t": 0, "lat": 18.4, "lon": -66.1, "speed": 63, "course": 360}',
        '{"mmsi": 2, "type": 18, "lat": 95, "lon": -66.1, "speed": -1, "heading": 511}',
        '{"mmsi": 3, "type": 5, "shiptype": 150, "imo": 0, "shipname": "@@SEA@STAR@@"}',
    ]
    long_range, impossible, static = read(write(tmp_path / "odd.jsonl", "\n".join(lines)))
    assert isinstance(long_range, PositionReport)
    assert (long_range.speed, long_range.course) == (None, None)  # 63 kn: not available
    assert isinstance(impossible, PositionReport)
    assert (impossible.lat, impossible.impossible, impossible.speed, impossible.heading) == (
        95.0,
        True,
        None,
        None,
    )
    assert isinstance(static, StaticReport)
    assert (static.ship_type, static.imo, static.name) == (None, None, "SEA STAR")
