"""Voyages (issue 17) on a planted fleet sailing between two real ports of the shipped pack —
Ponce, Puerto Rico and Santo Domingo, Dominican Republic — through the engine and the command
line: the right ends and times, the distance sailed, the alerts raised on the way, the declared
destinations; a ship still under way at the end; and a move between two overlapping harbour
zones that is no voyage."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from models.config import Config, VoyageConfig
from models.engine import Engine
from models.geo import KM_PER_NM
from models.monitor import Monitor
from models.port_risk import PortRiskError
from models.records import iso_utc
from models.voyages import Voyages
from replay.cli import main
from streams.app import create_app
from streams.settings import settings_from_env
from tests.factories import HOUR, T0, position, run, validate_voyage
from tests.nmea_tracks import reports_as_nmea
from tests.voyage_scenes import (
    PONCE,
    SANTO_DOMINGO,
    Passage,
    Record,
    catalogue,
    centre,
    harbours_at,
    passage,
)
from tests.zone_factories import square_zone
from zones import ZoneIndex
from zones.model import ZoneKind


def voyages_of(
    records: list[Record], zones: ZoneIndex | None = None, config: Config | None = None
) -> list[dict[str, Any]]:
    engine = Engine(config or Config(), zones or catalogue())
    monitor = Monitor(engine)
    voyages = Voyages.of(engine)
    ordered = sorted(records, key=lambda r: r.timestamp or 0.0)
    for begin in range(0, len(ordered), 500):
        for alert in monitor.process(ordered[begin : begin + 500]).alerts:
            voyages.update(alert)
    for alert in monitor.finish().alerts:
        voyages.update(alert)
    return voyages.records()


FLEET = {
    367300001: {},
    367300002: {"stop_at_sea": True},
    367300003: {"destinations": ("PA BLB", "DOSDQ")},
}


@pytest.fixture(scope="module")
def fleet() -> dict[int, Passage]:
    return {m: passage(m, T0 + n * 1800, **kw) for n, (m, kw) in enumerate(FLEET.items())}


@pytest.fixture(scope="module")
def fleet_voyages(fleet: dict[int, Passage]) -> list[dict[str, Any]]:
    return voyages_of([r for p in fleet.values() for r in p.records])


def test_each_ship_makes_one_voyage_from_ponce_to_santo_domingo(
    fleet: dict[int, Passage], fleet_voyages: list[dict[str, Any]]
) -> None:
    assert [v["mmsi"] for v in fleet_voyages] == list(FLEET)  # by departure
    for voyage in fleet_voyages:
        planted = fleet[voyage["mmsi"]]
        validate_voyage(voyage)
        assert voyage["from"] == {
            "id": PONCE,
            "name": "Playa De Ponce",
            "country": "PR",
            "risk": None,
        }
        assert voyage["to"]["id"] in harbours_at(*centre(SANTO_DOMINGO))
        assert voyage["to"]["country"] == "DO"
        assert voyage["departure"] == iso(planted.departure)
        assert planted.arrival is not None
        assert voyage["arrival"] == iso(planted.arrival)
        assert voyage["duration_h"] == pytest.approx(
            (planted.arrival - planted.departure) / HOUR, abs=0.01
        )
        assert voyage["distance_nm"] == pytest.approx(planted.sailed_km / KM_PER_NM, abs=0.1)
        assert voyage["distance_nm"] == pytest.approx(voyage["duration_h"] * 12, rel=0.08)


def test_alerts_on_the_way_and_destinations_belong_to_the_voyage(
    fleet_voyages: list[dict[str, Any]],
) -> None:
    by_mmsi = {v["mmsi"]: v for v in fleet_voyages}
    plain, stopped, retyped = (by_mmsi[m] for m in FLEET)
    assert plain["alert_ids"] == []
    assert plain["risk_score"] == 0
    assert plain["destinations"] == ["DOSDQ"]
    assert stopped["stops_at_sea"] == 1
    assert len(stopped["alert_ids"]) == 1
    assert stopped["risk_score"] == 45
    assert "stop at sea scored 45" in stopped["explanation"]
    assert retyped["destinations"] == ["PABLB", "DOSDQ"]
    assert len(retyped["alert_ids"]) == 1  # the destination change at sea


def test_a_ship_still_at_sea_has_a_voyage_under_way() -> None:
    (voyage,) = voyages_of(passage(367300009, T0, arrive=False).records)
    validate_voyage(voyage)
    assert voyage["to"] is None
    assert voyage["arrival"] is None
    assert voyage["distance_nm"] is None
    assert voyage["duration_h"] is None


def test_a_move_between_overlapping_harbour_zones_is_no_voyage() -> None:
    # a port and an anchorage overlapping by 1 km: moored in one, then in the other, 3 km on
    port = square_zone("port-a", ZoneKind.PORT, lon=-66.00, lat=18.00, half_size_deg=0.02)
    anchorage = square_zone("anch-b", ZoneKind.ANCHORAGE, lon=-65.97, lat=18.00, half_size_deg=0.02)
    mmsi, t, records = 367300010, T0, []
    for lon, minutes in ((-66.01, 120), (-65.98, 6), (-65.96, 120)):
        for _ in range(int(minutes / 3)):
            speed = 0.1 if minutes > 6 else 3.0
            records.append(position(mmsi, t, 18.0, lon, speed=speed, course=90.0))
            t += 180
    zones = ZoneIndex([port, anchorage])
    calls = [a for a in run(records, zones=[port, anchorage]) if a.type.value == "port_call"]
    assert [(a.zone.id if a.zone else None, a.status.value) for a in calls] == [
        ("port-a", "open"),
        ("port-a", "closed"),
        ("anch-b", "open"),
    ]
    assert voyages_of(records, zones) == []
    shifts = voyages_of(records, zones, replace(Config(), voyages=VoyageConfig(min_distance_nm=0)))
    assert [(v["from"]["id"], v["to"]["id"]) for v in shifts] == [("port-a", "anch-b")]


def test_replay_writes_the_voyages_as_json_lines_and_csv(
    fleet: dict[int, Passage], tmp_path: Path
) -> None:
    path = tmp_path / "fleet.nmea"
    reports_as_nmea(path, sorted((r for p in fleet.values() for r in p.records), key=_time))
    out, jsonl, table = tmp_path / "alerts.jsonl", tmp_path / "v.jsonl", tmp_path / "v.csv"
    for target in (jsonl, table):
        code = main(
            ["replay", str(path), "--out", str(out), "--voyages", str(target), "--no-progress"]
        )
        assert code == 0
    written = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert [v["mmsi"] for v in written] == list(FLEET)
    for voyage in written:
        validate_voyage(voyage)
    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    assert [int(row["mmsi"]) for row in rows] == list(FLEET)
    assert rows[2]["destinations"] == "PABLB | DOSDQ"
    assert {row["from_id"] for row in rows} == {PONCE}
    assert all(row["to_country"] == "DO" for row in rows)


def iso(t: float) -> str:
    text = iso_utc(t)
    assert text is not None
    return text


def _time(record: Record) -> float:
    return record.timestamp or 0.0


def test_listed_ports_raise_the_voyages_and_the_alerts_on_them(
    fleet: dict[int, Passage], tmp_path: Path
) -> None:
    path = tmp_path / "fleet.nmea"
    reports_as_nmea(path, sorted((r for p in fleet.values() for r in p.records), key=_time))
    ports = tmp_path / "ports.csv"
    ports.write_text("port,risk,reason\nwpi-11260,0.5,under watch\nDO SDQ,1.0,seizures\n")
    out, table = tmp_path / "alerts.jsonl", tmp_path / "v.jsonl"
    args = ["replay", str(path), "--out", str(out), "--voyages", str(table), "--no-progress"]
    assert main([*args, "--port-risk", str(ports)]) == 0
    voyages = {v["mmsi"]: v for v in map(json.loads, table.read_text().splitlines())}
    plain, stopped = voyages[367300001], voyages[367300002]
    assert plain["from"]["risk"] == 0.5
    assert plain["to"]["risk"] == 1.0
    assert plain["risk_score"] == 30  # no alert: 0.5 x 20 + 1.0 x 20
    assert plain["explanation"] == (
        "No alert during the voyage; raised by: departed wpi-11260, a listed port (under "
        "watch): +10; arrived at DO SDQ, a listed port (seizures): +20."
    )
    assert stopped["risk_score"] == 75  # the stop (45), from (+10), to (+20)
    assert stopped["explanation"].startswith(
        "Highest alert: stop at sea scored 75 (45 before the listed ports); raised by: departed"
    )
    (stop,) = [
        a for a in map(json.loads, out.read_text().splitlines()) if a["type"] == "stop_at_sea"
    ]
    assert stop["score"] == 75  # 45, on a voyage from Ponce (+10), bound for DOSDQ (+20)
    assert "on a voyage from wpi-11260, a listed port (under watch)" in stop["explanation"]
    assert "on a voyage bound for DO SDQ, a listed port (seizures)" in stop["explanation"]


def test_a_bad_port_risk_file_stops_the_replay_before_it_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ports = tmp_path / "ports.csv"
    ports.write_text("port,risk,reason\nthe docks,0.5,x\n")
    code = main(["replay", str(tmp_path / "none.nmea"), "--port-risk", str(ports)])
    assert code == 2
    assert f"port risk file {ports}: line 2: 'the docks' is neither" in capsys.readouterr().err


def test_a_worker_takes_its_port_risks_from_the_environment(tmp_path: Path) -> None:
    ports = tmp_path / "ports.csv"
    ports.write_text("port,risk,reason\nDO SDQ,0.5,seizures\n")
    app = create_app(settings_from_env({"VIGILMAR_PORT_RISK": str(ports)}))
    engine = app.vigilmar["engine"]  # type: ignore[attr-defined]
    assert engine.port_risks.of_zone(SANTO_DOMINGO).risk == 0.5
    ports.write_text("port,risk,reason\nDO SDQ,5,seizures\n")
    with pytest.raises(PortRiskError, match=r"^VIGILMAR_PORT_RISK: port risk file .* line 2"):
        create_app(settings_from_env({"VIGILMAR_PORT_RISK": str(ports)}))
