"""Partners' vessel lists (``models.lists``): vessels of interest raise scores and are named in the
explanation; allow-lists silence chosen alert types until they expire (event time)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from models.alerts import Alert, AlertType, Severity, Status, VesselInfo
from models.lists import LIST_RISK_WEIGHT, ListError, load_lists
from models.scoring import severity_of

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
DAY = 86_400.0
A, B = 367000001, 367000002

INTEREST = """mmsi,imo,reason,risk,source,expires
367000001,,suspected transhipment,0.8,coast-guard-co,2026-01-10
,9123456,sanctions listing,0.5,navy,
"""
ALLOW = """mmsi,reason,types,source,expires
367000002,survey vessel,loitering;encounter,research-institute,2026-01-05T12:00:00Z
"""


def alert(
    kind: AlertType = AlertType.LOITERING,
    mmsi: int = A,
    *,
    score: int = 40,
    start: float = T0,
    other: int | None = None,
    imo: int | None = None,
) -> Alert:
    return Alert(
        alert_id=f"{kind.value}{mmsi}"[:20].ljust(20, "0"),
        type=kind,
        status=Status.OPEN,
        mmsi=mmsi,
        other_mmsi=other,
        vessel=VesselInfo(name="SEA STAR", imo=imo),
        start=start,
        end=None,
        lat=12.0,
        lon=-75.0,
        zone=None,
        severity=severity_of(score),
        score=score,
        explanation="Loitering for 5.0 h; raised by recent dark period.",
        evidence={},
    )


def lists(tmp_path: Path, **files: str) -> list[Path]:
    paths = []
    for name, text in files.items():
        path = tmp_path / f"{name}.csv"
        path.write_text(text)
        paths.append(path)
    return paths


def test_a_listed_vessel_scores_higher_and_the_list_is_named(tmp_path: Path) -> None:
    loaded = load_lists(lists(tmp_path, interest=INTEREST))
    raised = loaded.raise_score(alert(score=40))
    assert raised.score == 40 + round(LIST_RISK_WEIGHT * 0.8)
    assert raised.severity is severity_of(raised.score)
    assert raised.explanation == (
        "Loitering for 5.0 h; raised by recent dark period; on the vessels-of-interest list of "
        "coast-guard-co (suspected transhipment, risk 0.8)."
    )
    other = alert(AlertType.ENCOUNTER, B, other=A, score=50)
    assert "MMSI 367000001 on the vessels-of-interest list" in loaded.raise_score(other).explanation
    by_imo = loaded.raise_score(alert(mmsi=B, imo=9123456))
    assert by_imo.score == 40 + round(LIST_RISK_WEIGHT * 0.5)
    unlisted = alert(mmsi=B)
    assert loaded.raise_score(unlisted) is unlisted


def test_the_raise_is_capped_and_never_lowers_severity(tmp_path: Path) -> None:
    loaded = load_lists(lists(tmp_path, interest=INTEREST))
    assert loaded.raise_score(alert(score=95)).score == 100
    odd = replace(alert(score=40), severity=Severity.CRITICAL)
    assert loaded.raise_score(odd).severity is Severity.CRITICAL


def test_a_listing_holds_until_it_expires_in_event_time(tmp_path: Path) -> None:
    loaded = load_lists(lists(tmp_path, interest=INTEREST))
    # Expires 2026-01-10: it holds through that day (UTC), not after.
    assert loaded.raise_score(alert(start=T0 + 9.9 * DAY)).score > 40
    assert loaded.raise_score(alert(start=T0 + 10 * DAY)).score == 40


def test_an_allow_list_silences_chosen_types_until_expiry_and_counts_them(tmp_path: Path) -> None:
    loaded = load_lists(lists(tmp_path, allow=ALLOW))
    silenced = [
        alert(AlertType.LOITERING, B),
        alert(AlertType.ENCOUNTER, B, other=A),
    ]
    kept = [
        alert(AlertType.DARK_PERIOD, B),  # not a silenced type
        alert(AlertType.LOITERING, A),  # not listed
        alert(AlertType.LOITERING, B, start=T0 + 4.5 * DAY),  # after 2026-01-05T12:00Z
        alert(AlertType.ENCOUNTER, A, other=B),  # listed as the other vessel: still reported
    ]
    out, suppressions = loaded.apply([*silenced, *kept])
    assert out == kept
    assert [s.alert for s in suppressions] == silenced
    assert loaded.suppressed == {"loitering": 1, "encounter": 1}
    assert suppressions[0].audit() == {
        "action": "suppressed",
        "partner": None,
        "alert_id": silenced[0].alert_id,
        "status": "open",
        "type": "loitering",
        "mmsi": B,
        "suppressed_at": "2026-01-01T00:00:00Z",
        "reason": "survey vessel",
        "source": "research-institute",
        "list": "allow.csv:2",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name,reason,risk,source,expires\n", "line 1: the header needs an mmsi or imo"),
        ("mmsi,reason,source,expires\n", "line 1: neither a risk column"),
        ("mmsi,reason,risk,types,source,expires\n", "line 1: both risk and types"),
        ("mmsi,reason,risk,source\n", "line 1: missing column(s) expires"),
        ("mmsi,reason,risk,source,expires,colour\n", "line 1: unknown column(s) colour"),
        ("mmsi,reason,risk,source,expires\n1,x,1.5,s,\n", "line 2: risk '1.5' must be within"),
        ("mmsi,reason,risk,source,expires\n1,x,high,s,\n", "line 2: risk 'high' is not a number"),
        ("mmsi,reason,risk,source,expires\n1,x,nan,s,\n", "line 2: risk 'nan' must be within"),
        ("mmsi,reason,risk,source,expires\nabc,x,1,s,\n", "line 2: mmsi 'abc' is not a number"),
        ("mmsi,reason,risk,source,expires\n,x,1,s,\n", "line 2: neither an mmsi nor an imo"),
        ("mmsi,reason,risk,source,expires\n1,x,1,s,soon\n", "line 2: expires 'soon' is not"),
        (
            "mmsi,reason,risk,source,expires\n1,x,1,s,2026-01-01T00:00:00\n",
            "line 2: expires '2026-01-01T00:00:00' has no time zone",
        ),
        (
            "mmsi,reason,types,source,expires\n1,x,piracy,s,\n",
            "line 2: unknown alert type 'piracy'",
        ),
        ("mmsi,reason,types,source,expires\n1,x,,s,\n", "line 2: no alert types"),
        ("mmsi,reason,risk,source,expires\n1,x,1,s,,extra\n", "line 2: more fields than"),
    ],
)
def test_a_bad_list_is_refused_naming_file_and_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    (path,) = lists(tmp_path, bad=text)
    with pytest.raises(ListError) as caught:
        load_lists([path])
    assert f"list {path}, {expected}" in str(caught.value)


def test_an_unreadable_list_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ListError, match="cannot read it"):
        load_lists([tmp_path / "none.csv"])
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ListError, match="not UTF-8"):
        load_lists([tmp_path / "binary.csv"])
