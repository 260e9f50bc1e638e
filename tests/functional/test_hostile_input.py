"""Hostile configuration files and zone packs on the command line: exit 2 with one message
naming the file, never a traceback; and a zone across the antimeridian is not a world band."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replay.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "replay" / "samples"


@pytest.mark.parametrize(
    "text",
    [b"\xff\xfe[tracking]\n", b"[scoring]\nbase = 5\n", b'[encounter]\nenabled = "no"\n'],
    ids=["not-utf8", "base-not-a-table", "string-for-bool"],
)
def test_replay_exits_2_with_one_line_naming_the_config_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: bytes
) -> None:
    config = tmp_path / "vigilmar.toml"
    config.write_bytes(text)
    log = tmp_path / "empty.nmea"
    log.write_text("")
    assert main(["replay", "--no-progress", "--config", str(config), str(log)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"vigilmar replay: error: config file {config}: ")


def test_zones_check_refuses_degrees_declared_as_web_mercator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ring = [[-66.13, 18.44], [-66.09, 18.44], [-66.09, 18.48], [-66.13, 18.48], [-66.13, 18.44]]
    document = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "sju", "name": "San Juan", "kind": "port"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }
    path = tmp_path / "mercator.geojson"
    path.write_text(json.dumps(document))
    assert main(["zones", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"vigilmar zones: error: zone pack {path}: coordinates look like degrees")
    assert main(["replay", "--no-progress", "--zones", str(path), str(SAMPLES)]) == 2
    assert "look like degrees" in capsys.readouterr().err


def test_zones_check_refuses_deep_nesting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deep.geojson"
    path.write_text("[" * 100_000 + "]" * 100_000)
    assert main(["zones", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"zone pack {path}: " in err
    assert "nested too deeply" in err
    assert "Traceback" not in err


def test_a_restricted_zone_across_the_antimeridian_alerts_only_near_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 170°E to 170°W: read as written, a band from 170°W east to 170°E over the whole world.
    ring = [[170, -60], [-170, -60], [-170, 60], [170, 60], [170, -60]]
    pack = tmp_path / "antimeridian.geojson"
    zone = {"id": "dateline", "name": "Date line", "kind": "restricted"}
    feature = {
        "type": "Feature",
        "properties": zone,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    pack.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    assert main(["replay", "--no-progress", "--zones", str(pack), str(SAMPLES)]) == 0
    alerts = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    entries = [a for a in alerts if a["type"] == "zone_entry" and a["zone"]["id"] == "dateline"]
    assert all(abs(a["lon"]) >= 170 for a in entries), [a["lon"] for a in entries][:10]
    assert len(alerts) > 1000  # the samples did replay


def test_a_zone_name_no_utf8_output_can_carry_is_refused_before_the_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ring = [[-67, 17], [-65, 17], [-65, 19], [-67, 19], [-67, 17]]
    zone = {"id": "pr", "name": "Bad \ud800 name", "kind": "restricted"}
    feature = {
        "type": "Feature",
        "properties": zone,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    pack = tmp_path / "surrogate.geojson"
    pack.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    sample = SAMPLES / "2022-01-03-puerto-rico-usvi.marinecadastre.csv"
    assert main(["replay", "--no-progress", "--zones", str(pack), str(sample)]) == 2
    err = capsys.readouterr().err
    assert "feature 0 (id 'pr'): name 'Bad \\ud800 name' is not valid Unicode" in err
