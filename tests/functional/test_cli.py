"""`vigilmar replay` and `vigilmar decode` as a user runs them, on real data."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from models.config import Config
from models.engine import Engine
from replay.cli import main
from replay.readers import Reader
from replay.runner import ReplayRunner, ReplaySummary
from replay.sinks import JsonLinesSink
from tests.factories import validate_alert
from zones.catalogue import load_catalogue

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "replay" / "samples"
SHARED = ROOT.parent / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not here")


def shared_ais_files() -> Iterator[Path]:
    if not SHARED.is_dir():
        return
    for path in sorted(SHARED.rglob("*")):
        if path.is_file() and "zones" not in path.relative_to(SHARED).parts:
            try:
                Reader([path])
            except Exception:  # not AIS (licences, READMEs, gpsd's .chk files)
                continue
            yield path


def replay(*inputs: Path) -> tuple[ReplaySummary, list[dict[str, object]]]:
    out = io.StringIO()
    reader = Reader(list(inputs), sort_records=True)
    runner = ReplayRunner(Engine(Config(), load_catalogue()), JsonLinesSink(out))
    summary = runner.run(iter(reader))
    return summary, [json.loads(line) for line in out.getvalue().splitlines()]


@needs_shared
@pytest.mark.parametrize("path", list(shared_ais_files()), ids=lambda p: p.name)
def test_every_shared_file_replays_and_its_counts_add_up(path: Path, tmp_path: Path) -> None:
    assert main(["replay", str(path), "--out", str(tmp_path / "alerts.jsonl")]) == 0
    summary, alerts = replay(path)
    assert summary.messages == summary.decoded_total + summary.failed_total
    assert summary.messages > 0
    for alert in alerts:
        validate_alert(alert)


@needs_shared
def test_broken_messages_come_out_as_reasons_not_crashes() -> None:
    summary, _ = replay(SHARED / "gfw-ais-tools")
    assert summary.failed["bad_checksum"] >= 2
    assert summary.failed["bad_bit_count"] >= 1
    assert summary.failed["malformed"] >= 1
    assert summary.failed["orphan_fragment"] + summary.failed["incomplete_multipart"] >= 1
    assert summary.messages == summary.decoded_total + summary.failed_total


def test_the_demo_finds_alerts_of_several_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's demo command, in process."""
    assert main(["replay", str(SAMPLES)]) == 0
    captured = capsys.readouterr()
    alerts = [json.loads(line) for line in captured.out.splitlines()]
    kinds = {alert["type"] for alert in alerts}
    # No loitering: the demo's slow ships all wait in or off ports (tests/functional/
    # test_harbours_replay.py).
    assert {"port_call", "dark_period", "position_jump"} <= kinds
    for alert in alerts:
        validate_alert(alert)
    assert "replay: 3 file(s)" in captured.err
    assert "failures by reason" in captured.err


def test_same_input_gives_byte_identical_output(tmp_path: Path) -> None:
    outputs = []
    for name in ("first", "second"):
        out = tmp_path / f"{name}.jsonl"
        assert main(["replay", str(SAMPLES), "--out", str(out), "--no-progress"]) == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0]


def test_geojson_and_csv_outputs_hold_the_same_alerts(tmp_path: Path) -> None:
    sample = SAMPLES / "2022-01-03-puerto-rico-usvi.marinecadastre.csv"
    paths = {fmt: tmp_path / f"alerts.{fmt}" for fmt in ("jsonl", "geojson", "csv")}
    for fmt, path in paths.items():
        assert main(["replay", str(sample), "--format", fmt, "--out", str(path)]) == 0
    lines = [json.loads(line) for line in paths["jsonl"].read_text().splitlines()]
    collection = json.loads(paths["geojson"].read_text())
    rows = list(csv.DictReader(paths["csv"].open()))
    assert lines
    assert collection["type"] == "FeatureCollection"
    assert [f["properties"] for f in collection["features"]] == lines
    assert [f["geometry"]["coordinates"] for f in collection["features"]] == [
        [a["lon"], a["lat"]] for a in lines
    ]
    assert [r["alert_id"] for r in rows] == [a["alert_id"] for a in lines]
    assert {r["type"] for r in rows} == {a["type"] for a in lines}


def test_failures_file_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.nmea"
    bad.write_text(
        "!AIVDM,1,1,,B,15NBj>PP1gG>1PVKTDTUJOv00<0M,0*09\n"
        "this is not AIS\n"
        "!AIVDM,1,1,,B,15NBj>PP1gG>1PVKTDTUJOv00<0M,0*00\n"
    )
    failures = tmp_path / "failures.jsonl"
    assert (
        main(["replay", str(bad), "--out", str(tmp_path / "a.jsonl"), "--failures", str(failures)])
        == 0
    )
    found = [json.loads(line) for line in failures.read_text().splitlines()]
    assert [(f["failure"], f["line"]) for f in found] == [("malformed", 2), ("bad_checksum", 3)]
    assert all(f["source"] == str(bad) for f in found)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["replay", "/no/such/file.nmea"], r"/no/such/file\.nmea: no such file"),
        (["replay", "{samples}", "--zones", "/no/such/pack.geojson"], r"pack\.geojson"),
        (["replay", "{samples}", "--config", "/no/such/config.toml"], r"config\.toml"),
    ],
)
def test_unreadable_inputs_fail_with_a_message_naming_them(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [arg.format(samples=SAMPLES) for arg in args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert re.search(message, err), err
    assert "Traceback" not in err


def test_config_file_overrides_thresholds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "strict.toml"
    config.write_text("[position_jump]\nmax_speed_knots = 1000\n")
    sample = str(SAMPLES / "2018-01-north-pacific.gfw-pyseas.csv.gz")
    assert main(["replay", sample]) == 0
    default = capsys.readouterr().out.count('"position_jump"')
    assert main(["replay", sample, "--config", str(config)]) == 0
    relaxed = capsys.readouterr().out.count('"position_jump"')
    assert relaxed < default
    config.write_text("[position_jump]\nno_such_key = 1\n")
    assert main(["replay", sample, "--config", str(config)]) == 2
    assert "no_such_key" in capsys.readouterr().err


def test_decode_prints_normalised_messages(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = tmp_path / "log.nmea"
    log.write_text(
        "\\s:rMT1,c:1668046497*00\\!AIVDM,1,1,,B,15NBj>PP1gG>1PVKTDTUJOv00<0M,0*09\n"
        "!AIVDM,2,1,1,A,55NPvo800001L@OCWO@EDLDpTF0br0QDLE:2220q000005OP07T0DhhAkmC0,0*65\n"
        "!AIVDM,2,2,1,A,K83Dp888880,2*69\n"
        "garbage\n"
    )
    assert main(["decode", str(log)]) == 0
    position, static, failure = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert position["type"] == 1
    assert position["mmsi"] == 367309370
    assert position["time"] == "2022-11-10T02:14:57Z"
    assert position["heading"] is None  # 511: not available
    assert set(position) >= {"lat", "lon", "speed", "course", "heading", "status"}
    assert static["name"] == "EUGENIE J. HUGER"
    assert static["callsign"] == "WDG4974"
    assert static["imo"] is None
    assert static["time"] == position["time"]  # inherited from the tag block before it
    assert failure["failure"] == "malformed"
    assert failure["raw"] == "garbage"


def test_decode_output_replays_as_json_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`vigilmar decode | vigilmar replay -` style round trip, through a file."""
    sample = SAMPLES / "2022-11-10-worldwide.gfw-ais-listener.nmea"
    assert main(["decode", str(sample)]) == 0
    decoded = tmp_path / "decoded.jsonl"
    decoded.write_text(capsys.readouterr().out)
    direct, _ = replay(sample)
    via_json, _ = replay(decoded)
    assert via_json.decoded_total == direct.decoded_total
    assert via_json.alerts == direct.alerts
