"""The receiver-log shapes people have, replayed as a user runs `vigilmar replay`.

Each shape is written from the same real positions (a vessel of the GFW pyseas sample: a month
of January 2018 in the Pearl River estuary, with real gaps and slow spells), encoded as AIS
sentences with pyais, in the way that logger writes them: kplex-style epoch columns with a
header, local-time columns, avnav/OpenCPN logs where the own ship's `$GPRMC` is the only clock,
`$GPZDA` clocks, AIS-catcher JSON and position CSVs under their usual column names. Every shape
must replay with at most 1 % failures and 1 % untimed reports, and find the alerts the
tag-blocked log gives."""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from models.records import Failure
from replay.cli import main
from tests.factories import validate_alert
from tests.nmea_tracks import PYSEAS, position_sentences, tag_block

#: Receivers write their local time; the test's logger sits in Shanghai (UTC+8, no DST) and
#: one in Oslo (DST switches do not fall in January, but the zone is not a fixed offset).
SHANGHAI = ZoneInfo("Asia/Shanghai")
OSLO = ZoneInfo("Europe/Oslo")


@dataclass(frozen=True, slots=True)
class Fix:
    epoch: int
    mmsi: int
    lat: float
    lon: float
    speed: float | None


#: The sample's vessel with dark periods and loitering in 1,033 reports (the others have 10,000).
VESSEL = "413461490"


def fixes() -> list[Fix]:
    with gzip.open(PYSEAS, "rt", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["ssvid"] == VESSEL]
    found = [
        Fix(
            int(datetime.fromisoformat(row["timestamp"]).timestamp()),
            int(row["ssvid"]),
            float(row["lat"]),
            float(row["lon"]),
            float(row["speed"]) if row["speed"] else None,
        )
        for row in rows
    ]
    found.sort(key=lambda fix: fix.epoch)
    return found


FIXES = fixes()


def sentences(fix: Fix) -> list[str]:
    return position_sentences(fix.mmsi, fix.lat, fix.lon, fix.speed, None)


def nmea_checksum(body: str) -> str:
    value = 0
    for char in body.encode():
        value ^= char
    return f"{value:02X}"


def rmc(epoch: int) -> str:
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    body = f"GPRMC,{moment:%H%M%S}.00,A,3552.8134,N,12822.4378,W,12.3,270.1,{moment:%d%m%y},,,A"
    return f"${body}*{nmea_checksum(body)}"


def zda(epoch: int) -> str:
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    body = f"GPZDA,{moment:%H%M%S}.00,{moment:%d},{moment:%m},{moment:%Y},00,00"
    return f"${body}*{nmea_checksum(body)}"


def local(epoch: int, zone: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return datetime.fromtimestamp(epoch, tz=zone).strftime(fmt)


# --- the shapes: each writes the fixes as one logger would --------------------------------------


def tag_blocked(fix: Fix) -> list[str]:
    return [tag_block("pyseas", fix.epoch) + sentence for sentence in sentences(fix)]


def iso_offset(epoch: int) -> str:
    stamp = local(epoch, SHANGHAI, "%Y-%m-%dT%H:%M:%S.000%z")
    return stamp[:-2] + ":" + stamp[-2:]  # +0800 -> +08:00


#: What each logger writes before a sentence received at ``epoch``.
PREFIXES: dict[str, Callable[[int], str]] = {
    "kplex-epoch": lambda epoch: f"{epoch},",
    "epoch-ms-semicolon": lambda epoch: f"{epoch * 1000};",
    "epoch-tab": lambda epoch: f"{epoch}\t",
    "epoch-space": lambda epoch: f"{epoch} ",
    "shanghai-local": lambda epoch: f"{local(epoch, SHANGHAI)}, ",
    "oslo-local-millis": lambda epoch: f"{local(epoch, OSLO)}.000 ",
    "iso-offset": lambda epoch: f"{iso_offset(epoch)}\t",
    "iso-zulu": lambda epoch: f"{local(epoch, ZoneInfo('UTC'), '%Y-%m-%dT%H:%M:%SZ')},",
}


def prefixed(name: str) -> Callable[[Fix], list[str]]:
    prefix = PREFIXES[name]
    return lambda fix: [prefix(fix.epoch) + sentence for sentence in sentences(fix)]


def avnav_rmc(fix: Fix) -> list[str]:
    """The own ship's GPS fix, once a second in a real log: here before each AIS sentence."""
    return [rmc(fix.epoch), *sentences(fix)]


def zda_clock(fix: Fix) -> list[str]:
    return [zda(fix.epoch), *sentences(fix)]


def aiscatcher(fix: Fix) -> list[str]:
    moment = datetime.fromtimestamp(fix.epoch, tz=UTC)
    document = {
        "class": "AIS",
        "device": "AIS-catcher",
        "rxtime": f"{moment:%Y%m%d%H%M%S}",
        "channel": "A",
        "nmea": sentences(fix),
        "signalpower": -42.3,
        "ppm": 0.4,
        "mmsi": fix.mmsi,
        "type": 1,
    }
    return [json.dumps(document, separators=(",", ":"))]


@dataclass(frozen=True, slots=True)
class Shape:
    name: str
    write: Callable[[Fix], list[str]]
    header: str = ""
    args: tuple[str, ...] = ()
    clock: str = ""  # what the summary must say timed its sentences


SHAPES = [
    Shape(
        "kplex-epoch", prefixed("kplex-epoch"), "epoch,AIS_Sentences", clock="leading epoch column"
    ),
    Shape("epoch-ms-semicolon", prefixed("epoch-ms-semicolon"), clock="leading epoch column"),
    Shape("epoch-tab", prefixed("epoch-tab"), "epoch\tAIS_Sentences", clock="leading epoch column"),
    Shape("epoch-space", prefixed("epoch-space"), clock="leading epoch column"),
    Shape(
        "shanghai-local",
        prefixed("shanghai-local"),
        args=("--timezone", "Asia/Shanghai"),
        clock="leading local date-time (read as Asia/Shanghai)",
    ),
    Shape(
        "oslo-local-millis",
        prefixed("oslo-local-millis"),
        args=("--timezone", "Europe/Oslo"),
        clock="leading local date-time (read as Europe/Oslo)",
    ),
    Shape("iso-offset", prefixed("iso-offset"), clock="leading date-time with its zone"),
    Shape("iso-zulu", prefixed("iso-zulu"), clock="leading date-time with its zone"),
    Shape("avnav-rmc", avnav_rmc, clock="$xxRMC lines (own-ship GPS)"),
    Shape("zda-clock", zda_clock, clock="$xxZDA lines"),
    Shape("aiscatcher-json", aiscatcher, clock="AIS-catcher rxtime"),
]


@dataclass(frozen=True, slots=True)
class Replayed:
    code: int
    alerts: list[dict[str, object]]
    err: str


def write_log(path: Path, shape: Shape) -> None:
    lines = [shape.header] if shape.header else []
    for fix in FIXES:
        lines.extend(shape.write(fix))
    path.write_text("\n".join(lines) + "\n")


def replay(path: Path, tmp: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> Replayed:
    out = tmp / f"{path.name}.alerts.jsonl"
    code = main(["replay", str(path), "--no-default-zones", "--out", str(out), *args])
    err = capsys.readouterr().err
    alerts = [json.loads(line) for line in out.read_text().splitlines()]
    return Replayed(code, alerts, err)


def figures(err: str) -> dict[str, int]:
    """Messages, failures and untimed reports as the summary prints them."""
    found = re.search(r"messages: ([\d,]+)  decoded: ([\d,]+)  failed: ([\d,]+)", err)
    assert found is not None, err
    messages, _, failed = (int(group.replace(",", "")) for group in found.groups())
    untimed = re.search(r"([\d,]+) reports had no receive time at all", err)
    return {
        "messages": messages,
        "failed": failed,
        "untimed": int(untimed.group(1).replace(",", "")) if untimed else 0,
    }


def episodes(alerts: list[dict[str, object]]) -> set[tuple[object, ...]]:
    return {(a["type"], a["mmsi"], a["start"], a["status"]) for a in alerts}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[object, ...]]:
    """The alerts of the tag-blocked log: what every other shape must find too."""
    tmp = tmp_path_factory.mktemp("baseline")
    path = tmp / "tagged.nmea"
    write_log(path, Shape("tagged", tag_blocked))
    out = tmp / "alerts.jsonl"
    assert main(["replay", str(path), "--no-default-zones", "--out", str(out)]) == 0
    found = episodes([json.loads(line) for line in out.read_text().splitlines()])
    assert {kind for kind, *_ in found} >= {"dark_period", "loitering"}
    return found


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.name)
def test_each_log_shape_replays_timed_and_finds_the_alerts(
    shape: Shape,
    baseline: set[tuple[object, ...]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / f"{shape.name}.log"
    write_log(path, shape)
    run = replay(path, tmp_path, *shape.args, capsys=capsys)
    assert run.code == 0, run.err
    counts = figures(run.err)
    assert counts["messages"] >= len(FIXES)
    assert counts["failed"] <= 0.01 * counts["messages"], run.err
    assert counts["untimed"] <= 0.01 * counts["messages"], run.err
    # The summary says, for this file, which clock timed its sentences: all of them.
    assert f"{path}: {shape.clock} {len(FIXES):,}\n" in run.err, run.err
    for alert in run.alerts:
        validate_alert(alert)
    assert episodes(run.alerts) == baseline


def test_a_local_time_log_read_in_the_wrong_zone_is_shifted_by_its_offset(
    baseline: set[tuple[object, ...]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --timezone a naive time is UTC, and the summary says so: the same episodes,
    eight hours late (Shanghai is UTC+8)."""
    shape = next(shape for shape in SHAPES if shape.name == "shanghai-local")
    path = tmp_path / "shanghai.log"
    write_log(path, shape)
    run = replay(path, tmp_path, capsys=capsys)
    assert "leading local date-time (read as UTC)" in run.err
    starts = {start for _, _, start, _ in episodes(run.alerts)}
    expected = {start for _, _, start, _ in baseline}
    shifted = {
        datetime.fromisoformat(str(start).replace("Z", "+00:00")).timestamp() - 8 * 3600
        for start in starts
    }
    assert shifted == {
        datetime.fromisoformat(str(start).replace("Z", "+00:00")).timestamp() for start in expected
    }


@pytest.mark.parametrize(
    ("header", "row"),
    [
        ("epoch,mmsi,lat,lon", "{epoch},{mmsi},{lat},{lon}"),
        ("unix_time,MMSI,LAT,LON,SOG", "{epoch},{mmsi},{lat},{lon},{speed}"),
        ("timestamp,ssvid,latitude,longitude,speed", "{iso},{mmsi},{lat},{lon},{speed}"),
        ("datetime,mmsi,lat,lng", "{iso},{mmsi},{lat},{lon}"),
        ("time,MMSI,Latitude,Longitude", "{epoch_ms},{mmsi},{lat},{lon}"),
        ("BaseDateTime,mmsi,lat,long", "{iso},{mmsi},{lat},{lon}"),
    ],
)
def test_position_csvs_under_their_usual_column_names_replay(
    header: str, row: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "positions.csv"
    lines = [header]
    for fix in FIXES:
        iso = datetime.fromtimestamp(fix.epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        speed = "" if fix.speed is None else f"{fix.speed:.1f}"
        lines.append(
            row.format(
                epoch=fix.epoch,
                epoch_ms=fix.epoch * 1000,
                iso=iso,
                mmsi=fix.mmsi,
                lat=fix.lat,
                lon=fix.lon,
                speed=speed,
            )
        )
    path.write_text("\n".join(lines) + "\n")
    run = replay(path, tmp_path, capsys=capsys)
    assert run.code == 0, run.err
    counts = figures(run.err)
    assert counts["messages"] == len(FIXES)
    assert counts["failed"] == 0
    assert counts["untimed"] == 0
    assert f"{path}: time column {len(FIXES):,}\n" in run.err
    assert {alert["type"] for alert in run.alerts} >= {"dark_period", "loitering"}


# --- a real receiver's 10,000 lines in every shape ---------------------------------------------

LISTENER = Path(__file__).resolve().parents[2] / "replay" / "samples"
LISTENER = LISTENER / "2022-11-10-worldwide.gfw-ais-listener.nmea"


def listener_lines() -> list[tuple[int, str]]:
    """The GFW listener sample's sentences with their receive times (a fragment without a
    ``c:`` of its own takes its first part's), its tag blocks taken off."""
    found: list[tuple[int, str]] = []
    last = 0
    for line in LISTENER.read_text().splitlines():
        tag, _, sentence = line[1:].partition("\\")
        for field in tag.split("*")[0].split(","):
            if field.startswith("c:"):
                last = int(field[2:])
        found.append((last, sentence))
    return found


def as_shape(lines: list[tuple[int, str]], name: str) -> list[str]:
    """The listener's lines as another logger would have written them."""
    out: list[str] = []
    pending: list[str] = []
    clock = 0
    for epoch, sentence in lines:
        if name == "aiscatcher-json":
            pending.append(sentence)
            fields = sentence.split(",")
            if fields[1] == fields[2]:  # the last part: one object per message
                out.extend(aiscatcher_object(epoch, pending))
                pending = []
        elif name in ("avnav-rmc", "zda-clock"):
            if epoch != clock:
                out.append(rmc(epoch) if name == "avnav-rmc" else zda(epoch))
                clock = epoch
            out.append(sentence)
        else:
            out.append(PREFIXES[name](epoch) + sentence)
    return out


def aiscatcher_object(epoch: int, sentences_: list[str]) -> list[str]:
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    document = {"class": "AIS", "rxtime": f"{moment:%Y%m%d%H%M%S}", "nmea": sentences_}
    return [json.dumps(document, separators=(",", ":"))]


@pytest.fixture(scope="module")
def listener_baseline() -> dict[str, int]:
    from replay.cli import decode_items
    from replay.readers import Reader

    outcomes = list(decode_items(iter(Reader([LISTENER]))))
    failed = sum(1 for outcome in outcomes if isinstance(outcome, Failure))
    return {"decoded": len(outcomes) - failed, "failed": failed}


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.name)
def test_a_real_receivers_log_in_each_shape_decodes_as_its_tag_blocked_original(
    shape: Shape, listener_baseline: dict[str, int], tmp_path: Path
) -> None:
    from replay.cli import decode_items
    from replay.readers import Reader

    path = tmp_path / f"{shape.name}.log"
    lines = as_shape(listener_lines(), shape.name)
    path.write_text("\n".join([shape.header, *lines] if shape.header else lines) + "\n")
    zone = ZoneInfo(shape.args[1]) if shape.args else ZoneInfo("UTC")
    outcomes = list(decode_items(iter(Reader([path], timezone=zone)), zone))
    failed = [outcome for outcome in outcomes if isinstance(outcome, Failure)]
    decoded = [outcome for outcome in outcomes if not isinstance(outcome, Failure)]
    messages = len(outcomes)
    assert len(failed) <= listener_baseline["failed"] + 0.01 * messages, failed[:5]
    assert len(decoded) >= 0.99 * listener_baseline["decoded"]
    untimed = [outcome for outcome in decoded if outcome.timestamp is None]
    assert len(untimed) <= 0.01 * messages
