"""`vigilmar replay --vessels FILE` on the demo samples: per-vessel risk summaries that agree with
the alerts the same replay wrote."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from models.alerts import AlertType
from models.scoring import severity_of
from replay.cli import main
from replay.sinks import VESSEL_CSV_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "replay" / "samples"
README = (ROOT / "README.md").read_text()


@dataclass(frozen=True)
class Run:
    code: int
    err: str
    alerts: list[dict[str, Any]]
    vessels: list[dict[str, Any]]
    path: Path


def replay(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["replay", str(SAMPLES), "--no-progress", *args])
    return code, out.getvalue(), err.getvalue()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Run:
    folder = tmp_path_factory.mktemp("vessels")
    alerts, vessels = folder / "alerts.jsonl", folder / "out.jsonl"
    code, _, err = replay("--out", str(alerts), "--vessels", str(vessels))
    return Run(code, err, read_jsonl(alerts), read_jsonl(vessels), vessels)


def by_vessel(alerts: list[dict[str, Any]]) -> dict[int, list[tuple[dict[str, Any], int | None]]]:
    """Each vessel's alert messages, with the vessel met (encounters count for both)."""
    seen: dict[int, list[tuple[dict[str, Any], int | None]]] = defaultdict(list)
    for alert in alerts:
        other = alert["other_mmsi"] if alert["type"] == AlertType.ENCOUNTER.value else None
        seen[alert["mmsi"]].append((alert, other))
        if other is not None:
            seen[other].append((alert, alert["mmsi"]))
    return seen


def moment(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def test_the_replay_succeeds_and_says_what_it_wrote(demo: Run) -> None:
    assert demo.code == 0
    assert f"vessels: {len(demo.vessels):,} written to {demo.path}" in demo.err
    assert demo.alerts
    assert demo.vessels


def test_every_alerting_vessel_has_one_summary_and_no_other(demo: Run) -> None:
    mmsis = [vessel["mmsi"] for vessel in demo.vessels]
    assert len(mmsis) == len(set(mmsis))
    assert set(mmsis) == set(by_vessel(demo.alerts))


def test_the_counts_are_distinct_episodes_per_type(demo: Run) -> None:
    seen = by_vessel(demo.alerts)
    for vessel in demo.vessels:
        episodes: dict[str, set[Any]] = defaultdict(set)
        for alert, other in seen[vessel["mmsi"]]:
            key = (other, alert["start"]) if other is not None else alert["alert_id"]
            episodes[alert["type"]].add(key)
        assert vessel["alerts"] == {kind: len(keys) for kind, keys in episodes.items()}, vessel
    # Several messages per episode in the demo, so counting messages would not pass.
    assert len(demo.alerts) > len({alert["alert_id"] for alert in demo.alerts})


def test_each_summary_agrees_with_the_vessels_alerts(demo: Run) -> None:
    seen = by_vessel(demo.alerts)
    for vessel in demo.vessels:
        messages = [alert for alert, _ in seen[vessel["mmsi"]]]
        top = vessel["top_alert"]
        assert top["score"] == max(alert["score"] for alert in messages)
        assert any(
            (a["alert_id"], a["type"], a["score"]) == (top["alert_id"], top["type"], top["score"])
            for a in messages
        )
        starts = sorted((moment(alert["start"]), alert["start"]) for alert in messages)
        assert (vessel["first"], vessel["last"]) == (starts[0][1], starts[-1][1])
        own = [alert for alert in messages if alert["mmsi"] == vessel["mmsi"]]
        if own:
            assert vessel["vessel"] == own[-1]["vessel"]
        assert top["score"] <= vessel["risk_score"] <= 100
        assert vessel["severity"] == severity_of(vessel["risk_score"]).value
        assert vessel["schema"] == "vigilmar.vessel/1"
        assert vessel["explanation"].startswith("Highest alert: ")


def test_summaries_come_highest_risk_first_then_by_mmsi(demo: Run) -> None:
    order = [(-vessel["risk_score"], vessel["mmsi"]) for vessel in demo.vessels]
    assert order == sorted(order)


def test_the_alerts_are_the_same_with_or_without_vessels(demo: Run, tmp_path: Path) -> None:
    plain = tmp_path / "alerts.jsonl"
    assert replay("--out", str(plain))[0] == 0
    assert read_jsonl(plain) == demo.alerts


def test_a_csv_file_gets_one_row_per_vessel_in_the_same_order(demo: Run, tmp_path: Path) -> None:
    path = tmp_path / "vessels.csv"
    code, _, err = replay("--out", str(tmp_path / "alerts.jsonl"), "--vessels", str(path))
    assert code == 0
    assert f"written to {path}" in err
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert tuple(rows[0]) == VESSEL_CSV_COLUMNS
    assert [int(row["mmsi"]) for row in rows] == [vessel["mmsi"] for vessel in demo.vessels]
    first, summary = rows[0], demo.vessels[0]
    assert int(first["risk_score"]) == summary["risk_score"]
    assert first["top_alert_id"] == summary["top_alert"]["alert_id"]
    for kind in AlertType:
        assert int(first[kind.value]) == summary["alerts"].get(kind.value, 0)


def test_an_unwritable_vessels_file_is_a_clear_error(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "vessels.jsonl"
    code, _, err = replay("--out", str(tmp_path / "alerts.jsonl"), "--vessels", str(target))
    assert code == 2
    assert f"vigilmar replay: error: cannot write {target}" in err


def test_the_readme_example_is_a_summary_the_demo_produces(demo: Run) -> None:
    block = re.search(
        r'^ *```\n *(\{"schema":"vigilmar\.vessel/1".*?)^ *```', README, re.MULTILINE | re.DOTALL
    )
    assert block is not None
    assert json.loads(block.group(1)) in demo.vessels
