"""`vigilmar replay --lists FILE...`: partners' lists change the replay's alerts — raised scores
named in the explanation, silenced messages counted in the summary and written to the audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from models.lists import LIST_RISK_WEIGHT
from replay.cli import main

SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "replay"
    / "samples"
    / "2022-01-03-puerto-rico-usvi.marinecadastre.csv"
)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_lists_raise_silence_count_and_audit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", str(SAMPLE), "--out", str(tmp_path / "plain.jsonl")]) == 0
    capsys.readouterr()
    plain = read_jsonl(tmp_path / "plain.jsonl")
    vessels = sorted({alert["mmsi"] for alert in plain})
    assert len(vessels) >= 2
    interesting, allowed = vessels[0], vessels[1]
    (tmp_path / "interest.csv").write_text(
        f"mmsi,imo,reason,risk,source,expires\n{interesting},,transhipment,1.0,navy,\n"
    )
    (tmp_path / "allow.csv").write_text(
        f"mmsi,reason,types,source,expires\n{allowed},pilot boat,port_call,port-authority,\n"
    )
    share = tmp_path / "share"
    lists = [str(tmp_path / "interest.csv"), str(tmp_path / "allow.csv")]
    out = tmp_path / "listed.jsonl"
    assert (
        main(
            ["replay", str(SAMPLE), "--out", str(out), "--lists", *lists, "--share-dir", str(share)]
        )
        == 0
    )
    err = capsys.readouterr().err
    listed = read_jsonl(out)

    silenced = [a for a in plain if a["mmsi"] == allowed and a["type"] == "port_call"]
    assert silenced
    assert [a for a in plain if a not in silenced and a["mmsi"] != interesting] == [
        a for a in listed if a["mmsi"] != interesting
    ]
    raised = [a for a in listed if a["mmsi"] == interesting]
    before = [a for a in plain if a["mmsi"] == interesting]
    assert len(raised) == len(before)
    for old, new in zip(before, raised, strict=True):
        assert new["score"] == min(100, old["score"] + round(LIST_RISK_WEIGHT))
        assert (
            "on the vessels-of-interest list of navy (transhipment, risk 1)" in new["explanation"]
        )
    audit = read_jsonl(share / "audit.jsonl")
    assert [(line["alert_id"], line["status"]) for line in audit] == [
        (a["alert_id"], a["status"]) for a in silenced
    ]
    assert {line["action"] for line in audit} == {"suppressed"}
    assert f"silenced by allow-lists: {len(silenced):,} (port_call {len(silenced):,})" in err
    assert f"alerts: {len(listed):,} " in err


def test_a_bad_list_stops_the_replay_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("mmsi,reason,risk,source,expires\n1,x,2,s,\n")
    assert main(["replay", str(SAMPLE), "--lists", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"vigilmar replay: error: list {bad}, line 2: risk '2' must be within 0..1" in err
