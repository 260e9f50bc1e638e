"""The README's sharing section is what the code does: its policy and lists load, its error
message and explanation are the ones given."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from models.alerts import AlertType, Severity
from models.lists import load_lists
from models.sharing import SharingError, load_policy

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
SECTION = README[README.index("## Sharing with partner centres") :]
SECTION = SECTION[: SECTION.index("\n## ", 1)]


def blocks(language: str) -> list[str]:
    fenced = re.findall(r"^```(\w*)\n(.*?)^```$", SECTION, re.DOTALL | re.MULTILINE)
    return [text for tag, text in fenced if tag == language]


def test_the_readme_policy_loads(tmp_path: Path) -> None:
    (policy_text,) = blocks("toml")
    (tmp_path / "areas").mkdir()
    ring = [[-78.0, 8.0], [-70.0, 8.0], [-70.0, 13.0], [-78.0, 13.0], [-78.0, 8.0]]
    feature = {
        "type": "Feature",
        "properties": {"id": "co-caribbean", "name": "Colombian Caribbean", "kind": "eez"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    collection = {"type": "FeatureCollection", "features": [feature]}
    (tmp_path / "areas" / "colombia-caribbean.geojson").write_text(json.dumps(collection))
    (tmp_path / "sharing.toml").write_text(policy_text)
    guard, analysis = load_policy(tmp_path / "sharing.toml").partners
    assert guard.name == "coast-guard-co"
    assert guard.types == {AlertType.ENCOUNTER, AlertType.DARK_PERIOD, AlertType.LOITERING}
    assert guard.area is not None
    assert analysis.min_severity is Severity.HIGH
    assert analysis.redact == ("evidence",)


def test_the_readme_lists_load(tmp_path: Path) -> None:
    interest, allow = blocks("")[1:]
    (tmp_path / "interest.csv").write_text(interest)
    (tmp_path / "allow.csv").write_text(allow)
    lists = load_lists([tmp_path / "interest.csv", tmp_path / "allow.csv"])
    assert [listing.risk for listing in lists.interest] == [0.8, 0.5]
    (allowed,) = lists.allowed
    assert allowed.types == {AlertType.LOITERING, AlertType.ENCOUNTER}


def test_the_readme_error_message_is_the_one_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    quoted = re.search(r"\(`(sharing policy sharing\.toml: .*?)`\)", SECTION, re.DOTALL)
    assert quoted is not None
    monkeypatch.chdir(tmp_path)
    Path("sharing.toml").write_text("[partners.navy]\ncolour = 'red'\n")
    with pytest.raises(SharingError) as caught:
        load_policy("sharing.toml")
    assert str(caught.value) == " ".join(quoted.group(1).split())
