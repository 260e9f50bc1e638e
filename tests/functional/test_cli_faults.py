"""`vigilmar replay` and `vigilmar decode` on hostile files (issue 11): broken archives, endless
lines, impossible times and unwritable outputs end in counted failures and documented exit
statuses, never in a traceback or a replay that stops half way without its summary."""

from __future__ import annotations

import bz2
import functools
import gzip
import json
import lzma
import os
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from replay import cli
from replay.cli import EXIT_INCOMPLETE, EXIT_USAGE, main
from replay.sources import MAX_LINE

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "replay" / "samples" / "2022-11-10-worldwide.gfw-ais-listener.nmea"
DATA = ROOT / "tests" / "data" / "readers"
G = "!AIVDM,1,1,,A,13prmQ?P001EOA4OC3h@u?vl20SR,0*7F"


def failures_of(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def summary_counts(err: str) -> tuple[int, int, int]:
    """messages, decoded, failed from the printed summary."""
    line = next(line for line in err.splitlines() if line.strip().startswith("messages:"))
    words = line.replace(",", "").split()
    return int(words[1]), int(words[3]), int(words[5])


def readable_prefix(broken: bytes, wbits: int) -> bytes:
    """What zlib itself can decompress of a broken deflate stream."""
    return zlib.decompressobj(wbits).decompress(broken)


# --- 5. a truncated archive among good files -----------------------------------------------------


def _truncated(compress: Callable[[bytes], bytes]) -> bytes:
    packed = compress(SAMPLE.read_bytes())
    return packed[: len(packed) * 3 // 5]


@pytest.mark.parametrize(
    ("name", "compress"),
    [
        ("b.nmea.gz", gzip.compress),
        # bzip2 decompresses whole blocks: 100 kB ones, so that some come before the break.
        ("b.nmea.bz2", functools.partial(bz2.compress, compresslevel=1)),
        ("b.nmea.xz", lzma.compress),
    ],
)
def test_a_truncated_file_is_replayed_to_its_break_and_the_others_still_run(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    compress: Callable[[bytes], bytes],
) -> None:
    inputs = tmp_path / "logs"
    inputs.mkdir()
    (inputs / "a.nmea").write_bytes((DATA / "tagblock.nmea").read_bytes())
    (inputs / name).write_bytes(_truncated(compress))
    (inputs / "c.nmea").write_text((DATA / "gatehouse.nmea").read_text() + "not AIS\n")
    failures = tmp_path / "failures.jsonl"
    out = tmp_path / "alerts.jsonl"
    code = main(["replay", str(inputs), "--out", str(out), "--failures", str(failures)])
    err = capsys.readouterr().err
    assert code == EXIT_INCOMPLETE == 3
    assert "replay: 3 file(s)" in err
    messages, decoded, failed = summary_counts(err)
    assert messages == decoded + failed
    assert f"not read to the end: {inputs / name}: the data breaks off after byte" in err
    (broken,) = [f for f in failures_of(failures) if f["failure"] == "truncated_input"]
    assert broken["source"] == str(inputs / name)
    # The file after it was read: its malformed lines are there.
    assert any(f["source"] == str(inputs / "c.nmea") for f in failures_of(failures))
    # and the readable part of the broken one: more messages than the two good files give.
    capsys.readouterr()
    assert main(["replay", str(inputs / "a.nmea"), str(inputs / "c.nmea"), "--out", str(out)]) == 0
    assert summary_counts(capsys.readouterr().err)[0] + 1000 < messages


def test_the_break_is_given_as_a_line_and_a_decompressed_byte_offset(tmp_path: Path) -> None:
    broken = _truncated(gzip.compress)
    path = tmp_path / "log.nmea.gz"
    path.write_bytes(broken)
    failures = tmp_path / "failures.jsonl"
    code = main(
        ["replay", str(path), "--out", str(tmp_path / "a.jsonl"), "--failures", str(failures)]
    )
    assert code == EXIT_INCOMPLETE
    prefix = readable_prefix(broken, 16 + zlib.MAX_WBITS)
    (failure,) = [f for f in failures_of(failures) if f["failure"] == "truncated_input"]
    assert f"after byte {len(prefix):,} (counted after decompression)" in str(failure["detail"])
    assert failure["line"] == prefix.count(b"\n") + 1  # the line that was being read
    assert failure["raw"] == prefix[prefix.rfind(b"\n") + 1 :][:120].decode()


def test_a_corrupt_zip_member_is_replayed_to_its_break(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "logs.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.nmea", SAMPLE.read_bytes())
        archive.writestr("b.nmea", (DATA / "gatehouse.nmea").read_bytes())
    data = bytearray(path.read_bytes())
    middle = len(data) // 3  # inside a.nmea's deflate stream, well after its first 64 KiB
    data[middle : middle + 64] = bytes(64)
    path.write_bytes(bytes(data))
    code = main(["replay", str(path), "--out", str(tmp_path / "a.jsonl")])
    err = capsys.readouterr().err
    assert code == EXIT_INCOMPLETE
    assert f"not read to the end: {path}!a.nmea: the data breaks off" in err
    assert "replay: 2 file(s)" in err
    messages, decoded, failed = summary_counts(err)
    assert messages == decoded + failed > 1000


def test_decode_prints_the_lines_before_the_break_and_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.nmea.gz"
    path.write_bytes(_truncated(gzip.compress))
    assert main(["decode", str(path)]) == EXIT_INCOMPLETE
    captured = capsys.readouterr()
    outcomes = [json.loads(line) for line in captured.out.splitlines()]
    assert len(outcomes) > 1000
    assert outcomes[-1]["failure"] == "truncated_input"
    assert f"{path}: the data breaks off after byte" in captured.err


def test_an_archive_that_cannot_be_read_at_all_is_still_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.nmea.gz"
    path.write_bytes(gzip.compress(SAMPLE.read_bytes())[:30])  # not even a first line
    assert main(["replay", str(path)]) == EXIT_USAGE
    assert "truncated or corrupt" in capsys.readouterr().err


# --- 4. a line longer than any line may be -------------------------------------------------------


def test_an_endless_line_is_one_failure_and_line_numbers_stay_true(tmp_path: Path) -> None:
    path = tmp_path / "log.nmea"
    junk = "x" * (3 * MAX_LINE + 5)
    path.write_text(f"{G}\n{junk}\n{G}\nthis is not AIS\n{G[:-2]}00\n")
    failures = tmp_path / "failures.jsonl"
    out = tmp_path / "a.jsonl"
    assert main(["replay", str(path), "--out", str(out), "--failures", str(failures)]) == 0
    found = failures_of(failures)
    assert [(f["failure"], f["line"]) for f in found] == [
        ("malformed", 2),
        ("malformed", 4),
        ("bad_checksum", 5),
    ]
    assert (
        found[0]["detail"] == f"a line of {len(junk):,} bytes, longer than {MAX_LINE:,}: not read"
    )


def test_decode_numbers_the_lines_after_an_endless_one_truly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.nmea"
    path.write_text(f"{G}\n{'y' * (2 * MAX_LINE + 1)}\n{G[:-2]}00\n")
    assert main(["decode", str(path)]) == 0
    outcomes = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o.get("failure") for o in outcomes] == [None, "malformed", "bad_checksum"]
    assert [o.get("line") for o in outcomes[1:]] == [2, 3]
    assert str(outcomes[1]["detail"]).startswith(f"a line of {2 * MAX_LINE + 1:,} bytes")


# --- 2. impossible times do not reach the engine -------------------------------------------------


HOSTILE_TIMES = [
    "\\c:99999999999999999999*00\\" + G,
    "\\c:" + "9" * 400 + "*00\\" + G,  # inf: crashed the encounter cells
    "$GPZDA,1200nan,01,01,2020,00,00*69",  # NaN clock: crashed the timers
    G,
    "$PGHP,1,99999,1,1,0,0,0,0,,,,*07",
    G,
    G + ",99999999999999",
]


def test_decode_and_replay_take_impossible_times_as_failures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "times.nmea"
    good = (DATA / "tagblock.nmea").read_text()
    path.write_text(good + "\n".join(HOSTILE_TIMES) + "\n" + good)
    assert main(["decode", str(path)]) == 0
    outcomes = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    bad = [o for o in outcomes if o.get("failure") == "bad_time"]
    assert len(bad) == 3
    assert all(o["time"] is None or o["time"].startswith(("19", "20")) for o in outcomes)
    failures = tmp_path / "failures.jsonl"
    code = main(["replay", str(path), "--failures", str(failures), "--out", str(tmp_path / "a")])
    assert code == 0
    err = capsys.readouterr().err
    assert "bad_time 3" in err
    assert "bad_clock 2" in err


# --- 6. outputs are checked before anything is read ----------------------------------------------


@pytest.fixture
def no_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an input was opened before the outputs were checked")

    monkeypatch.setattr(cli, "Reader", refuse)


@pytest.mark.parametrize("option", ["--out", "--failures", "--report", "--vessels"])
@pytest.mark.usefixtures("no_reading")
def test_an_output_that_is_a_directory_is_refused_before_the_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    assert main(["replay", str(SAMPLE), option, str(tmp_path)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"error: cannot write {tmp_path} ({option}): is a directory" in err


@pytest.mark.parametrize("option", ["--out", "--failures", "--report", "--vessels"])
@pytest.mark.usefixtures("no_reading")
def test_an_output_in_a_missing_directory_is_refused_before_the_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    target = tmp_path / "nowhere" / "out.jsonl"
    assert main(["replay", str(SAMPLE), option, str(target)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"error: cannot write {target} ({option}): no directory {tmp_path / 'nowhere'}" in err


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write anywhere")
@pytest.mark.usefixtures("no_reading")
def test_an_output_in_a_read_only_directory_is_refused_before_the_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert main(["replay", str(SAMPLE), "--report", str(locked / "r.html")]) == EXIT_USAGE
    finally:
        locked.chmod(0o700)
    assert "permission denied" in capsys.readouterr().err


# --- 7. what the summary counts ------------------------------------------------------------------


def test_a_line_that_is_not_utf8_counts_as_an_nmea_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.nmea"
    path.write_bytes(f"{G}\n".encode() + b"!AIVDM,1,1,,A,\xff\xfe,0*00\n" + f"{G}\n".encode())
    assert main(["replay", str(path), "--out", str(tmp_path / "a.jsonl")]) == 0
    err = capsys.readouterr().err
    assert "3 NMEA lines in" in err
    assert "CSV/JSON" not in err
    assert summary_counts(err) == (3, 2, 1)


def test_the_summary_of_a_csv_with_a_bad_row_still_counts_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The other side of the fix above: a CSV row that is not UTF-8 is a CSV record."""
    header, *rows = (DATA / "positions.csv").read_bytes().splitlines(keepends=True)
    path = tmp_path / "positions.csv"
    path.write_bytes(header + b"".join(rows[:2]) + b"\xff\xfe,not,utf8\n" + b"".join(rows[2:]))
    assert main(["replay", str(path), "--out", str(tmp_path / "a.jsonl")]) == 0
    err = capsys.readouterr().err
    assert f"{len(rows) + 1:,} CSV/JSON records" in err
    assert "NMEA lines" not in err


def test_the_summary_is_printed_with_the_report_even_when_the_run_breaks_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.nmea.gz"
    path.write_bytes(_truncated(gzip.compress))
    report = tmp_path / "report.html"
    code = main(["replay", str(path), "--out", str(tmp_path / "a"), "--report", str(report)])
    assert code == EXIT_INCOMPLETE
    assert report.stat().st_size > 0
    assert "not read to the end" in capsys.readouterr().err
