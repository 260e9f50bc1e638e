"""The stream's sharing stage over the engine's alerts gives exactly what the replay writes:
the alerts (after the lists), each partner's file and the audit."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from models.alerts import Alert
from models.config import Config
from models.engine import Engine
from models.lists import ListError, load_lists
from models.sharing import SharingError, load_policy
from replay.cli import main
from replay.readers import Reader
from replay.runner import ReplayRunner
from streams.settings import settings_from_env
from streams.sharing_stage import SharingStage, sharing_stage
from zones.catalogue import load_catalogue

SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "replay"
    / "samples"
    / "2022-01-03-puerto-rico-usvi.marinecadastre.csv"
)
#: St. Thomas and St. John (US Virgin Islands).
USVI = [[-65.1, 18.2], [-64.6, 18.2], [-64.6, 18.45], [-65.1, 18.45], [-65.1, 18.2]]
POLICY = """
[partners.usvi]
area = ["usvi.geojson"]

[partners.port-state]
types = ["port_call"]
redact = ["vessel.name", "vessel.callsign", "explanation"]

[partners.analysts]
min_severity = "low"
"""


class Batches:
    """An alert writer that keeps each batch the runner writes."""

    def __init__(self) -> None:
        self.batches: list[list[Alert]] = []

    def write(self, alerts: list[Alert]) -> None:
        self.batches.append(list(alerts))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def write_inputs(tmp_path: Path, vessels: list[int]) -> tuple[Path, list[Path]]:
    feature = {
        "type": "Feature",
        "properties": {"id": "usvi", "name": "USVI", "kind": "territorial_sea"},
        "geometry": {"type": "Polygon", "coordinates": [USVI]},
    }
    (tmp_path / "usvi.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature]})
    )
    (tmp_path / "sharing.toml").write_text(POLICY)
    (tmp_path / "interest.csv").write_text(
        f"mmsi,imo,reason,risk,source,expires\n{vessels[0]},,smuggling,0.9,navy,\n"
        f"{vessels[1]},,smuggling,0.9,navy,\n"
    )
    (tmp_path / "allow.csv").write_text(
        f"mmsi,reason,types,source,expires\n{vessels[2]},tug,port_call,port-authority,\n"
    )
    return tmp_path / "sharing.toml", [tmp_path / "interest.csv", tmp_path / "allow.csv"]


def test_the_stage_gives_the_replays_partner_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine_alerts = Batches()
    runner = ReplayRunner(Engine(Config(), load_catalogue()), engine_alerts)
    runner.run(iter(Reader([SAMPLE], sort_records=True)))
    vessels = sorted({a.mmsi for batch in engine_alerts.batches for a in batch})
    policy_path, list_paths = write_inputs(tmp_path, vessels)

    share = tmp_path / "share"
    lists = [str(path) for path in list_paths]
    out = tmp_path / "alerts.jsonl"
    argv = ["replay", str(SAMPLE), "--out", str(out), "--sharing", str(policy_path)]
    assert main([*argv, "--share-dir", str(share), "--lists", *lists]) == 0
    capsys.readouterr()

    stage = SharingStage(load_policy(policy_path), load_lists(list_paths))
    topics: dict[str, list[dict[str, Any]]] = defaultdict(list)
    passed: list[dict[str, Any]] = []
    for batch in engine_alerts.batches:
        step = stage.process(batch)
        passed.extend(alert.to_dict() for alert in step.alerts)
        for topic, key, value in step.sends:
            document = json.loads(value)
            mmsi = document["mmsi"]
            assert key == str(mmsi).encode()
            topics[topic].append(document)

    assert passed == read_jsonl(out)
    assert stage.topics == [
        "vigilmar.share.usvi",
        "vigilmar.share.port-state",
        "vigilmar.share.analysts",
        "vigilmar.share.audit",
    ]
    for name in ("usvi", "port-state", "analysts"):
        on_file = read_jsonl(share / f"{name}.jsonl")
        assert topics[f"vigilmar.share.{name}"] == on_file, name
        assert on_file, name  # every partner gets something from this input
    assert sorted(topics["vigilmar.share.audit"], key=json.dumps) == sorted(
        read_jsonl(share / "audit.jsonl"), key=json.dumps
    )
    actions = {line["action"] for line in topics["vigilmar.share.audit"]}
    assert actions == {"shared", "suppressed"}


def test_the_stage_comes_from_the_settings(tmp_path: Path) -> None:
    policy, lists = write_inputs(tmp_path, [1, 2, 3])
    env = {
        "VIGILMAR_SHARING": str(policy),
        "VIGILMAR_LISTS": ",".join(str(path) for path in lists),
        "VIGILMAR_SHARE_PREFIX": "centre.share",
    }
    stage = sharing_stage(settings_from_env(env))
    assert stage is not None
    assert stage.audit_topic == "centre.share.audit"
    assert stage.policy is not None
    assert stage.policy.names == ("usvi", "port-state", "analysts")
    assert stage.lists is not None
    assert len(stage.lists.interest) == 2
    bare = sharing_stage(settings_from_env({}))  # lists may be published to it later
    assert bare.policy is None
    assert bare.lists is None
    assert bare.topics == ["vigilmar.share.audit"]
    (tmp_path / "bad.toml").write_text("[partners.x]\ncolour = 1\n")
    with pytest.raises(
        SharingError, match=r"VIGILMAR_SHARING: sharing policy .*partners\.x\.colour"
    ):
        sharing_stage(settings_from_env({"VIGILMAR_SHARING": str(tmp_path / "bad.toml")}))
    with pytest.raises(ListError, match=r"VIGILMAR_LISTS: list .*none\.csv: cannot read"):
        sharing_stage(settings_from_env({"VIGILMAR_LISTS": str(tmp_path / "none.csv")}))
