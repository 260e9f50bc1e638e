"""``models.voyages`` and the stream's voyage stage, without a broker: voyages do not depend on
when the alerts that the encounter stages hold come, survive a table round trip alert by alert,
are bounded per vessel, count an encounter for both vessels, and a voyage dropped as too short is
a tombstone."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

from models.alerts import Alert, AlertType
from models.config import Config
from models.engine import Engine
from models.monitor import Monitor
from models.voyages import MAX_KEPT, Voyages
from streams.voyage_stage import VoyageStage
from tests.factories import T0, position, run
from tests.voyage_scenes import catalogue, passage
from tests.zone_factories import square_zone
from zones import ZoneIndex
from zones.model import ZoneKind

PORT_A = square_zone("port-a", ZoneKind.PORT, lon=-66.00, lat=18.00, half_size_deg=0.02)
PORT_B = square_zone("port-b", ZoneKind.PORT, lon=-65.50, lat=18.00, half_size_deg=0.02)


@cache
def fleet_alerts() -> tuple[Engine, list[Alert]]:
    """The alerts of three passages Ponce -> Santo Domingo, one stopping at sea on the way."""
    records = [
        r
        for n in range(3)
        for r in passage(367300001 + n, T0 + n * 1800, stop_at_sea=n == 1).records
    ]
    engine = Engine(Config(), catalogue())
    monitor = Monitor(engine)
    ordered = sorted(records, key=lambda r: r.timestamp or 0.0)
    alerts = monitor.process(ordered).alerts + monitor.finish().alerts
    return engine, alerts


def voyages(engine: Engine, alerts: list[Alert]) -> list[dict[str, Any]]:
    log = Voyages.of(engine)
    for alert in alerts:
        log.update(alert)
    return log.records()


def test_alerts_held_by_the_encounter_stages_may_come_at_any_time_after() -> None:
    engine, alerts = fleet_alerts()
    held = [a for a in alerts if a.type is AlertType.STOP_AT_SEA]
    assert len(held) == 1
    rest = [a for a in alerts if a not in held]
    expected = voyages(engine, alerts)
    assert voyages(engine, rest + held) == expected  # after every other alert, arrivals too
    assert voyages(engine, held + rest) != expected  # before its voyage began: too early


def test_the_stage_keeps_nothing_between_alerts_but_its_table() -> None:
    engine, alerts = fleet_alerts()
    table: dict[bytes, Any] = {}
    stage = VoyageStage(engine, table)
    latest: dict[str, Any] = {}
    for alert in alerts:  # as the vessel-alerts topic gives them: JSON, keyed by MMSI
        for key, record in stage.update(str(alert.mmsi).encode(), alert.to_dict()):
            latest[key] = record
    assert sorted(latest.values(), key=lambda v: v["departure"]) == voyages(engine, alerts)
    assert set(table) == {b"367300001", b"367300002", b"367300003"}


def test_a_voyage_too_short_is_dropped_with_a_tombstone() -> None:
    port = square_zone("port-a", ZoneKind.PORT, lon=-66.00, lat=18.00, half_size_deg=0.02)
    anchorage = square_zone("anch-b", ZoneKind.ANCHORAGE, lon=-65.97, lat=18.00, half_size_deg=0.02)
    records, t = [], T0
    for lon, count, speed in ((-66.01, 40, 0.1), (-65.98, 2, 3.0), (-65.96, 40, 0.1)):
        for _ in range(count):
            records.append(position(367300010, t, 18.0, lon, speed=speed))
            t += 180
    engine = Engine(Config(), ZoneIndex([port, anchorage]))
    stage = VoyageStage(engine, {})
    changes = [
        c
        for a in run(records, zones=[port, anchorage])
        for c in stage.update(b"367300010", a.to_dict())
    ]
    assert [record is None for _, record in changes] == [False, True]  # made, then dropped
    assert changes[0][0] == changes[1][0]


def test_a_vessel_keeps_its_newest_voyages() -> None:
    # shuttling between two ports 28 nm apart: seven departures, the last still under way
    records, t, lon = [], T0, -66.0
    for _ in range(7):
        for _moored in range(30):  # an hour and a half
            records.append(position(367300020, t, 18.0, lon, speed=0.1))
            t += 180
        target = -65.5 if lon == -66.0 else -66.0
        for step in range(1, 61):  # 0.5 degrees of longitude in an hour: 28 nm at ~28 kn
            here = lon + (target - lon) * step / 60
            records.append(position(367300020, t, 18.0, here, speed=28.0, course=90.0))
            t += 60
        lon = target
    alerts = run(records, zones=[PORT_A, PORT_B])
    engine = Engine(Config(), ZoneIndex([PORT_A, PORT_B]))
    kept = voyages(engine, alerts)
    assert len(kept) == MAX_KEPT
    assert all(v["to"] is not None for v in kept[:-1])
    assert [v["from"]["id"] for v in kept] == ["port-b", "port-a"] * (MAX_KEPT // 2)
    assert kept[-1]["to"] is None


def test_an_encounter_belongs_to_both_vessels_voyages() -> None:
    engine, alerts = fleet_alerts()
    stop = next(a for a in alerts if a.type is AlertType.STOP_AT_SEA)
    meeting = replace(stop, type=AlertType.ENCOUNTER, alert_id="e" * 20, other_mmsi=367300003)
    found = {v["mmsi"]: v for v in voyages(engine, [*alerts, meeting])}
    assert "e" * 20 in found[367300002]["alert_ids"]
    assert "e" * 20 in found[367300003]["alert_ids"]
    assert "e" * 20 not in found[367300001]["alert_ids"]
