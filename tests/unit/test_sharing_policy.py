"""Sharing policies (``models.sharing``): parsing and its errors, the area, type and severity
filters, redaction and the audit record."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest

from models.alerts import Alert, AlertType, Severity, Status, VesselInfo
from models.scoring import severity_of
from models.sharing import SharingError, load_policy
from tests.factories import validate_alert

T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z
#: A box around Puerto Rico (lon -67.5..-65.2, lat 17.8..18.6).
PUERTO_RICO = [[-67.5, 17.8], [-65.2, 17.8], [-65.2, 18.6], [-67.5, 18.6], [-67.5, 17.8]]


def alert(
    kind: AlertType = AlertType.LOITERING,
    *,
    score: int = 50,
    lat: float | None = 18.2,
    lon: float | None = -66.5,
    other: int | None = None,
    evidence: dict[str, float | int | str | bool | None] | None = None,
) -> Alert:
    return Alert(
        alert_id="0123456789abcdef0123",
        type=kind,
        status=Status.CLOSED,
        mmsi=367000001,
        other_mmsi=other,
        vessel=VesselInfo(
            name="SEA STAR", imo=9123456, callsign="WDA1234", ship_type=30, flag="US"
        ),
        start=T0,
        end=T0 + 7200.0,
        lat=lat,
        lon=lon,
        zone=None,
        severity=severity_of(score),
        score=score,
        explanation="Loitering for 5.0 h near SEA STAR's usual grounds.",
        evidence=evidence if evidence is not None else {"duration_hours": 5.0, "radius_km": 1.2},
    )


def write_area(path: Path, ring: list[list[float]] = PUERTO_RICO) -> Path:
    feature = {
        "type": "Feature",
        "properties": {"id": "pr", "name": "Puerto Rico", "kind": "eez"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    return path


def policy_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sharing.toml"
    path.write_text(text)
    return path


def test_a_policy_reads_every_key_and_names_its_digest(tmp_path: Path) -> None:
    (tmp_path / "areas").mkdir()
    write_area(tmp_path / "areas" / "pr.geojson")
    path = policy_file(
        tmp_path,
        """
[partners.coast-guard-pr]
area = ["areas/pr.geojson"]
types = ["encounter", "loitering"]
min_severity = "medium"
redact = ["vessel.name", "vessel.callsign", "evidence"]

[partners.navy]
""",
    )
    policy = load_policy(path)
    assert policy.names == ("coast-guard-pr", "navy")
    assert policy.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    guard, navy = policy.partners
    assert guard.types == {AlertType.ENCOUNTER, AlertType.LOITERING}
    assert guard.min_severity is Severity.MEDIUM
    assert navy.types is None
    assert navy.min_severity is Severity.INFO
    assert navy.area is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[partners.Navy]\n", "partner 'Navy': a partner name is lower-case"),
        ("[partners.audit]\n", "partner 'audit': 'audit' names the audit"),
        ("[partners.navy]\ncolour = 'red'\n", "unknown key partners.navy.colour"),
        ("[partners.navy]\ntypes = ['smuggling']\n", "partners.navy.types: unknown alert type"),
        ("[partners.navy]\ntypes = 'encounter'\n", "partners.navy.types must be an array"),
        ("[partners.navy]\nmin_severity = 'severe'\n", "partners.navy.min_severity must be one"),
        ("[partners.navy]\nmin_severity = 3\n", "partners.navy.min_severity must be one"),
        ("[partners.navy]\nredact = ['mmsi']\n", "partners.navy.redact: 'mmsi' cannot be"),
        ("[partners.navy]\nredact = ['vessel']\n", "partners.navy.redact: 'vessel' cannot be"),
        ("[partners.navy]\narea = ['nowhere.geojson']\n", "partners.navy.area: "),
        ("[partners.navy]\narea = []\n", "partners.navy.area is empty"),
        ("[partners.navy]\n[other]\n", "unknown key 'other'"),
        ("title = 'x'\n", "unknown key 'title'"),
        ("", "no [partners.NAME] table"),
        ("[partners.navy\n", "not valid TOML"),
        ("[partners]\nnavy = 1\n", "partners.navy must be a table"),
    ],
)
def test_a_bad_policy_is_refused_naming_file_partner_and_key(
    tmp_path: Path, body: str, expected: str
) -> None:
    path = policy_file(tmp_path, body)
    with pytest.raises(SharingError, match="sharing policy") as caught:
        load_policy(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_an_area_that_is_not_a_zone_pack_is_refused(tmp_path: Path) -> None:
    (tmp_path / "area.geojson").write_text('{"type": "FeatureCollection", "features": [1]}')
    path = policy_file(tmp_path, "[partners.navy]\narea = ['area.geojson']\n")
    with pytest.raises(
        SharingError, match=r"partner 'navy': partners\.navy\.area: .*area\.geojson"
    ):
        load_policy(path)


def test_a_missing_policy_is_refused_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(SharingError, match="cannot read it"):
        load_policy(tmp_path / "none.toml")


def test_area_paths_are_relative_to_the_policy_file(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    write_area(tmp_path / "policies" / "pr.geojson")
    path = tmp_path / "policies" / "sharing.toml"
    path.write_text("[partners.navy]\narea = ['pr.geojson']\n")
    (navy,) = load_policy(path).partners
    assert navy.accepts(alert())
    assert not navy.accepts(alert(lat=10.0, lon=-75.0))


def test_type_severity_and_area_filters(tmp_path: Path) -> None:
    write_area(tmp_path / "pr.geojson")
    path = policy_file(
        tmp_path,
        "[partners.guard]\narea = ['pr.geojson']\ntypes = ['loitering']\nmin_severity = 'medium'\n",
    )
    (guard,) = load_policy(path).partners
    assert guard.accepts(alert(score=45))  # medium
    assert not guard.accepts(alert(score=44))  # low
    assert not guard.accepts(alert(AlertType.DARK_PERIOD))
    assert not guard.accepts(alert(lat=25.0, lon=-80.0))  # Florida
    assert not guard.accepts(alert(lat=None, lon=None))  # no position: not known to be inside


def test_an_encounter_is_in_the_area_when_either_vessel_is(tmp_path: Path) -> None:
    write_area(tmp_path / "pr.geojson")
    (guard,) = load_policy(policy_file(tmp_path, "[partners.g]\narea = ['pr.geojson']\n")).partners
    outside = {"lat": 18.7, "lon": -66.5}
    inside = {"other_lat": 18.59, "other_lon": -66.5}
    encounter = alert(AlertType.ENCOUNTER, other=367000002, **outside, evidence=inside)
    assert guard.accepts(encounter)
    assert not guard.accepts(replace(encounter, evidence={}))
    # The other vessel's position counts for encounters only.
    assert not guard.accepts(replace(encounter, type=AlertType.LOITERING))


def test_redaction_sets_the_fields_to_null_and_the_view_is_still_an_alert(tmp_path: Path) -> None:
    path = policy_file(
        tmp_path,
        "[partners.n]\nredact = ['vessel.name', 'vessel.callsign', 'explanation', "
        "'evidence.radius_km', 'lat', 'lon', 'zone']\n"
        "[partners.m]\nredact = ['evidence', 'other_mmsi']\n",
    )
    n, m = load_policy(path).partners
    document = alert().to_dict()
    view = n.view(document)
    assert view["vessel"] == {**document["vessel"], "name": None, "callsign": None}
    assert view["explanation"] is None
    assert view["lat"] is None
    assert view["lon"] is None
    assert view["evidence"] == {"duration_hours": 5.0, "radius_km": None}
    assert document == alert().to_dict()  # the original is untouched
    assert m.view(document)["evidence"] is None
    for partner in (n, m):
        validate_alert(partner.view(document))


def test_share_gives_one_view_and_one_audit_record_per_partner(tmp_path: Path) -> None:
    write_area(tmp_path / "pr.geojson")
    path = policy_file(
        tmp_path,
        "[partners.a]\n[partners.b]\narea = ['pr.geojson']\n[partners.c]\ntypes = ['encounter']\n",
    )
    policy = load_policy(path)
    shares = policy.share(alert())
    assert [share.partner for share in shares] == ["a", "b"]
    assert shares[0].audit == {
        "action": "shared",
        "partner": "a",
        "alert_id": "0123456789abcdef0123",
        "status": "closed",
        "type": "loitering",
        "mmsi": 367000001,
        "shared_at": "2023-11-15T00:13:20Z",  # the message's event time: the episode's end
        "policy_sha256": policy.sha256,
    }
    opened = replace(alert(), status=Status.OPEN, end=None)
    assert policy.share(opened)[0].audit["shared_at"] == "2023-11-14T22:13:20Z"
