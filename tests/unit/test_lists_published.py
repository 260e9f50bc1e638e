"""Lists published on the lists topic (``vigilmar lists push``): the message a list file becomes
(``models.lists.list_document``), and the sharing stage taking messages (``apply_list``) — the
latest version of each list applies, an empty value withdraws it, a bad one is refused and
counted while the previous version stays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.alerts import AlertType
from models.lists import LIST_SCHEMA, ListError, list_document, listings_of_document, load_lists
from streams.sharing_stage import SharingStage
from tests.unit.test_lists import ALLOW, INTEREST, T0, A, B, alert


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.csv"
    path.write_text(text)
    return path


def message(tmp_path: Path, name: str, text: str) -> bytes:
    return json.dumps(list_document(write(tmp_path, name, text))).encode()


def test_a_list_file_becomes_a_message_with_its_kind_source_and_sha256(tmp_path: Path) -> None:
    path = write(tmp_path, "coast-guard", INTEREST)
    document = list_document(path)
    assert document["schema"] == LIST_SCHEMA
    assert document["name"] == "coast-guard"
    assert document["kind"] == "interest"
    assert document["source"] == "coast-guard.csv"
    assert len(document["sha256"]) == 64
    assert [row["line"] for row in document["rows"]] == [2, 3]
    assert document["rows"][0]["mmsi"] == str(A)
    assert list_document(path, name="other")["name"] == "other"
    # What the worker rebuilds from the message is what the file gives.
    kind, listings = listings_of_document("coast-guard", json.loads(json.dumps(document)))
    from_file = load_lists([path]).interest
    assert kind == "interest"
    assert [(x.mmsi, x.imo, x.risk, x.expires, x.reason) for x in listings] == [
        (x.mmsi, x.imo, x.risk, x.expires, x.reason) for x in from_file
    ]
    assert listings[0].origin == f"coast-guard@{document['sha256'][:12]}:2"


def test_a_bad_file_or_name_is_refused_before_anything_is_published(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad", "mmsi,reason,risk,source,expires\n123,x,2.0,navy,\n")
    with pytest.raises(ListError, match=r"bad\.csv, line 2: risk '2\.0' must be within 0\.\.1"):
        list_document(bad)
    with pytest.raises(ListError, match=r"list name 'no spaces'"):
        list_document(write(tmp_path, "ok", INTEREST), name="no spaces")


def test_published_lists_raise_and_silence_later_alerts_and_can_be_withdrawn(
    tmp_path: Path,
) -> None:
    stage = SharingStage(None)
    survey, interest = alert(mmsi=B), alert(mmsi=A)
    assert stage.process([survey, interest]).alerts == [survey, interest]

    assert stage.apply_list("interest", message(tmp_path, "interest", INTEREST)) == "applied"
    assert stage.apply_list("allow", message(tmp_path, "allow", ALLOW)) == "applied"
    step = stage.process([survey, interest])
    assert [a.mmsi for a in step.alerts] == [A]
    assert step.alerts[0].score > interest.score
    assert "coast-guard-co" in step.alerts[0].explanation
    (audit,) = [json.loads(value) for topic, _, value in step.sends]
    assert audit["action"] == "suppressed"
    assert audit["mmsi"] == B
    assert audit["list"].startswith("allow@")
    assert stage.lists is not None
    assert stage.lists.suppressed == {"loitering": 1}

    # A new version replaces the old one whole: B no longer silenced for loitering.
    encounter_only = ALLOW.replace("loitering;encounter", "encounter")
    stage.apply_list("allow", message(tmp_path, "allow", encounter_only))
    assert [a.mmsi for a in stage.process([survey]).alerts] == [B]
    assert stage.process([alert(AlertType.ENCOUNTER, B)]).alerts == []

    assert stage.apply_list("allow", b"") == "withdrawn"
    assert stage.apply_list("interest", None) == "withdrawn"
    assert stage.process([survey, interest]).alerts == [survey, interest]
    # Every suppression stays counted across the versions.
    assert stage.lists.suppressed == {"loitering": 1, "encounter": 1}
    assert stage.list_updates == {"applied": 3, "withdrawn": 2}


def test_published_lists_add_to_the_files_lists(tmp_path: Path) -> None:
    files = load_lists([write(tmp_path, "from-file", INTEREST)])
    stage = SharingStage(None, files)
    stage.apply_list("allow", message(tmp_path, "allow", ALLOW))
    step = stage.process([alert(mmsi=A), alert(mmsi=B, start=T0)])
    assert [a.mmsi for a in step.alerts] == [A]
    assert "coast-guard-co" in step.alerts[0].explanation
    stage.apply_list("allow", None)
    assert [a.mmsi for a in stage.process([alert(mmsi=B)]).alerts] == [B]
    assert stage.lists is not None
    assert len(stage.lists.interest) == 2  # the file's list stays


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("allow", b"{not json", "not JSON"),
        ("allow", b"[1, 2]", "not a JSON object"),
        ("bad name!", b"", "list name"),
        ("allow", json.dumps({"schema": "x/1"}).encode(), "schema 'x/1'"),
        ("other", None, None),  # named otherwise inside: replaced below
    ],
)
def test_a_bad_message_is_refused_and_counted_and_the_list_stays(
    tmp_path: Path, name: str, value: bytes | None, reason: str | None
) -> None:
    stage = SharingStage(None)
    good = message(tmp_path, "allow", ALLOW)
    stage.apply_list("allow", good)
    if reason is None:  # a message keyed "allow" whose document names another list
        name, value, reason = "allow", message(tmp_path, "other", ALLOW), "names itself 'other'"
    with pytest.raises(ListError, match=reason):
        stage.apply_list(name, value)
    assert stage.list_updates["refused"] == 1
    assert stage.process([alert(mmsi=B)]).alerts == []  # the allow-list still holds


def test_a_row_that_does_not_check_is_refused_with_its_line(tmp_path: Path) -> None:
    document = list_document(write(tmp_path, "allow", ALLOW))
    document["rows"][0]["types"] = "sunbathing"
    with pytest.raises(ListError, match=r"list allow \(published\), line 2: unknown alert type"):
        listings_of_document("allow", document)
    document["rows"][0]["risk"] = "0.5"
    with pytest.raises(ListError, match=r"line 2: both risk and types"):
        listings_of_document("allow", document)
