"""`--timezone`, `--top` and `make demo` as a user meets them (issue 13)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from models.decode import Decoder
from models.records import InputLine, PositionReport
from replay.cli import main
from streams.feeder import Feeder
from streams.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
G = "!AIVDM,1,1,,A,13prmQ?P001EOA4OC3h@u?vl20SR,0*7F"
T = 1_668_046_497  # 2022-11-10T02:14:57Z
#: A screen: rows of this many columns (long lines wrap).
SCREEN_COLUMNS, SCREEN_ROWS = 120, 40


def test_an_unknown_time_zone_is_refused_before_anything_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "log.nmea"
    log.write_text(f"{T},{G}\n")
    for command in ("replay", "decode"):
        with pytest.raises(SystemExit) as exited:
            main([command, str(log), "--timezone", "Atlantis/Capital"])
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert "unknown time zone 'Atlantis/Capital'" in err
        assert "Traceback" not in err


def test_decode_reads_local_times_in_the_zone_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "log.txt"
    log.write_text(f"2022-11-09 22:14:57, {G}\nrubbish {G}\n")
    assert main(["decode", str(log), "--timezone", "America/Puerto_Rico"]) == 0
    position, failure = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert position["time"] == "2022-11-10T02:14:57Z"  # Puerto Rico is UTC-4
    assert failure["failure"] == "unknown_prefix"
    assert failure["line"] == 2
    assert failure["raw"] == f"rubbish {G}"


def test_the_feeder_stamps_local_times_in_its_zone_and_the_worker_keeps_that_stamp() -> None:
    """`vigilmar feed --timezone Asia/Shanghai`: the Kafka timestamp is the true instant, and
    the worker's decoder (it knows no zone) takes it over the line's naive time."""
    feeder = Feeder(Settings(), zone=ZoneInfo("Asia/Shanghai"))
    line = f"2022-11-10 10:14:57,{G}"
    stamped = feeder.stamp("receiver", line.encode())
    assert stamped == T
    assert feeder.stamp("receiver", b"$GPRMC,021500.00,A,,,,,,,101122,,,A*00") == T + 3
    worker = Decoder()
    out = worker.decode_all([InputLine(line, "receiver", 1, received=stamped)])
    assert isinstance(out[0], PositionReport)
    assert out[0].timestamp == T


def demo_command(out_dir: Path) -> list[str]:
    makefile = (ROOT / "Makefile").read_text()
    found = re.search(r"^demo:.*\n\t\$\(BIN\)/vigilmar (.*)$", makefile, re.MULTILINE)
    assert found is not None
    return [arg.replace("demo-out/", f"{out_dir}/") for arg in found.group(1).split()]


def test_make_demo_fits_one_screen_and_names_what_it_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = demo_command(tmp_path)
    assert "--top" in args
    assert main(args) == 0
    captured = capsys.readouterr()
    assert captured.out == ""  # everything went to the files
    lines = captured.err.splitlines()
    rows = sum(max(1, math.ceil(len(line) / SCREEN_COLUMNS)) for line in lines)
    assert rows <= SCREEN_ROWS, captured.err
    alerts = tmp_path / "alerts.jsonl"
    report = tmp_path / "report.html"
    assert f"alerts: {len(alerts.read_text().splitlines()):,} written to {alerts}" in lines
    assert f"report: {report}" in lines
    assert report.read_text().lstrip().lower().startswith("<!doctype html")
    # The table: ranked by score, one row per vessel and behaviour, within the screen's width.
    table = lines[2 : lines.index(next(line for line in lines if line.startswith("replay:")))]
    assert len(table) == 10
    assert all(len(line) <= SCREEN_COLUMNS for line in lines[:12])
    scores = [int(line.split()[1]) for line in table]
    assert scores == sorted(scores, reverse=True)
    documents = [json.loads(line) for line in alerts.read_text().splitlines()]
    assert scores[0] == max(document["score"] for document in documents)
    shown = "\n".join(table)
    # The demo raises no loitering: every episode in it lies in a port or its approaches.
    for kind in ("dark period", "position jump", "identity conflict"):
        assert kind in shown


def test_replay_keeps_json_lines_on_stdout_and_the_table_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    sample = ROOT / "replay" / "samples" / "2022-11-10-worldwide.gfw-ais-listener.nmea"
    assert main(["replay", str(sample), "--top", "3", "--no-default-zones"]) == 0
    captured = capsys.readouterr()
    for line in captured.out.splitlines():
        json.loads(line)
    assert captured.err.startswith("top alerts (")
