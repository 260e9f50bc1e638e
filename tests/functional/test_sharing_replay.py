"""`vigilmar replay --sharing FILE --share-dir DIR` on the demo samples: every alert a partner's
policy matches is in that partner's file, and the audit holds exactly what was shared."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from models.serialise import alert_from_dict
from models.sharing import load_policy
from replay.cli import main
from tests.factories import validate_alert

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "replay" / "samples"
#: Puerto Rico and the US Virgin Islands (lon -67.5..-64.3, lat 17.6..18.8).
AREA = [[-67.5, 17.6], [-64.3, 17.6], [-64.3, 18.8], [-67.5, 18.8], [-67.5, 17.6]]
POLICY = """
[partners.coast-guard-pr]
area = ["areas/pr-usvi.geojson"]

[partners.analysts]
types = ["dark_period", "loitering", "identity_change"]
min_severity = "low"
redact = ["vessel.name", "vessel.callsign", "evidence"]

[partners.nobody]
types = ["encounter"]
min_severity = "critical"
"""


@dataclass(frozen=True)
class Run:
    code: int
    err: str
    alerts: list[dict[str, Any]]
    share_dir: Path
    policy: Path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def write_policy(directory: Path) -> Path:
    (directory / "areas").mkdir(parents=True)
    feature = {
        "type": "Feature",
        "properties": {"id": "pr-usvi", "name": "Puerto Rico and USVI", "kind": "eez"},
        "geometry": {"type": "Polygon", "coordinates": [AREA]},
    }
    collection = {"type": "FeatureCollection", "features": [feature]}
    (directory / "areas" / "pr-usvi.geojson").write_text(json.dumps(collection))
    (directory / "sharing.toml").write_text(POLICY)
    return directory / "sharing.toml"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Run:
    tmp = tmp_path_factory.mktemp("sharing")
    policy = write_policy(tmp / "policy")
    out, share = tmp / "alerts.jsonl", tmp / "share"
    argv = ["replay", str(SAMPLES), "--out", str(out), "--no-progress"]
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main([*argv, "--sharing", str(policy), "--share-dir", str(share)])
    return Run(code, err.getvalue(), read_jsonl(out), share, policy)


def test_every_matching_alert_is_in_the_partner_file_and_nothing_else(demo: Run) -> None:
    assert demo.code == 0, demo.err
    policy = load_policy(demo.policy)
    for partner in policy.partners:
        wanted = [
            partner.view(document)
            for document in demo.alerts
            if partner.accepts(alert_from_dict(document))
        ]
        got = read_jsonl(demo.share_dir / f"{partner.name}.jsonl")
        assert got == wanted, partner.name
        for document in got:
            validate_alert(document)
    guard = read_jsonl(demo.share_dir / "coast-guard-pr.jsonl")
    assert 0 < len(guard) < len(demo.alerts)  # the area keeps Puerto Rico, drops the Pacific
    assert {a["type"] for a in read_jsonl(demo.share_dir / "analysts.jsonl")} >= {"dark_period"}
    assert read_jsonl(demo.share_dir / "nobody.jsonl") == []


def test_redacted_fields_are_null_in_the_partner_view_only(demo: Run) -> None:
    analysts = read_jsonl(demo.share_dir / "analysts.jsonl")
    assert analysts
    originals = {(a["alert_id"], a["status"]): a for a in demo.alerts}
    for view in analysts:
        assert view["vessel"]["name"] is None
        assert view["vessel"]["callsign"] is None
        assert view["evidence"] is None
        original = originals[(view["alert_id"], view["status"])]
        assert {k: v for k, v in view.items() if k not in ("vessel", "evidence")} == {
            k: v for k, v in original.items() if k not in ("vessel", "evidence")
        }
    # The withheld fields were there to withhold.
    withheld = [originals[(view["alert_id"], view["status"])] for view in analysts]
    assert any(original["vessel"]["name"] for original in withheld)
    assert all(original["evidence"] for original in withheld)


def test_the_audit_has_one_line_per_message_shared(demo: Run) -> None:
    policy = load_policy(demo.policy)
    audit = read_jsonl(demo.share_dir / "audit.jsonl")
    shared = {name: read_jsonl(demo.share_dir / f"{name}.jsonl") for name in policy.names}
    assert len(audit) == sum(len(views) for views in shared.values())
    for name, views in shared.items():
        lines = [line for line in audit if line["partner"] == name]
        assert [(line["alert_id"], line["status"], line["type"]) for line in lines] == [
            (view["alert_id"], view["status"], view["type"]) for view in views
        ]
        for line, view in zip(lines, views, strict=True):
            assert line["shared_at"] == (view["end"] or view["start"])
    assert {line["policy_sha256"] for line in audit} == {policy.sha256}
    assert {line["action"] for line in audit} == {"shared"}
    guard = len(shared["coast-guard-pr"])
    assert f"shared with partners: analysts {len(shared['analysts']):,}" in demo.err
    assert f"coast-guard-pr {guard:,}" in demo.err


def test_same_input_gives_identical_partner_files(demo: Run, tmp_path: Path) -> None:
    share = tmp_path / "again"
    policy = str(demo.policy)
    argv = [
        "replay",
        str(SAMPLES / "2022-01-03-puerto-rico-usvi.marinecadastre.csv"),
        "--out",
        str(tmp_path / "a.jsonl"),
        "--sharing",
        policy,
        "--share-dir",
        str(share),
    ]
    assert main(argv) == 0
    first = (share / "coast-guard-pr.jsonl").read_bytes()
    assert main(argv) == 0
    assert (share / "coast-guard-pr.jsonl").read_bytes() == first
    assert first


@pytest.fixture
def no_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the replay starts reading input."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the replay started before the outputs were checked")

    monkeypatch.setattr("replay.cli.Reader", refuse)


@pytest.mark.usefixtures("no_reading")
def test_share_dir_problems_are_refused_before_the_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = str(write_policy(tmp_path / "policy"))
    sample = str(SAMPLES)
    missing = tmp_path / "no" / "such"
    assert main(["replay", sample, "--sharing", policy, "--share-dir", str(missing)]) == 2
    assert f"cannot write {missing} (--share-dir)" in capsys.readouterr().err
    blocked = tmp_path / "share"
    (blocked / "analysts.jsonl").mkdir(parents=True)
    assert main(["replay", sample, "--sharing", policy, "--share-dir", str(blocked)]) == 2
    assert "analysts.jsonl (--share-dir): is a directory" in capsys.readouterr().err
    assert main(["replay", sample, "--sharing", policy]) == 2
    assert "--sharing needs --share-dir" in capsys.readouterr().err
    assert main(["replay", sample, "--share-dir", str(blocked)]) == 2
    assert "--share-dir needs --sharing" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text("[partners.navy]\nredact = ['alert_id']\n")
    assert main(["replay", sample, "--sharing", str(bad), "--share-dir", str(blocked)]) == 2
    err = capsys.readouterr().err
    assert "vigilmar replay: error: sharing policy" in err
    assert "partners.navy.redact" in err
    assert "Traceback" not in err
