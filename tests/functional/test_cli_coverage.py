"""`vigilmar replay` over feeds that end: coverage gaps in the summary, not dark periods."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.records import iso_utc
from replay.cli import main
from tests.factories import T0, move, voyage


def write_positions(path: Path, first_mmsi: int, where: tuple[float, float], hours: float) -> None:
    """A positions CSV (``mmsi,lat,lon,timestamp,speed``) of 6 ships near ``where``."""
    rows = ["mmsi,lat,lon,timestamp,speed"]
    for n in range(6):
        lat, lon = move(*where, 0.0, 2.0 * n)
        for r in voyage(first_mmsi + n, T0, lat, lon, hours, interval_s=120, speed=5.0):
            rows.append(f"{r.mmsi},{r.lat:.6f},{r.lon:.6f},{iso_utc(r.timestamp)},{r.speed}")
    path.write_text("\n".join(rows) + "\n")


def test_a_feed_that_ends_is_counted_as_coverage_gaps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """a.csv ends after 3 h, b.csv (another coast) runs for 12: a's ships are no dark periods."""
    write_positions(tmp_path / "a.csv", 366000001, (18.0, -66.0), 3)
    write_positions(tmp_path / "b.csv", 538000001, (10.0, -80.0), 12)
    out = tmp_path / "alerts.jsonl"
    code = main(["replay", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "--out", str(out)])
    assert code == 0
    err = capsys.readouterr().err
    assert "6 silences were coverage gaps, not dark periods" in err
    assert f"{tmp_path / 'a.csv'} 6" in err
    types = [json.loads(line)["type"] for line in out.read_text().splitlines()]
    assert "dark_period" not in types

    config = tmp_path / "blind.toml"
    config.write_text("[coverage]\nenabled = false\n")
    args = ["replay", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "--out", str(out)]
    assert main([*args, "--config", str(config)]) == 0
    assert "coverage gaps" not in capsys.readouterr().err
    dark = [json.loads(line) for line in out.read_text().splitlines()]
    assert {a["mmsi"] for a in dark if a["type"] == "dark_period"} == set(
        range(366000001, 366000007)
    )
