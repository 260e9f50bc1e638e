"""``vigilmar_alert_latency_seconds``: per alert, the wall clock at publication minus the event
time that raised it (``Alert.at``) — the report a detector took, or the time its timer fell due.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from prometheus_client import CollectorRegistry

from metrics.telemetry import Telemetry
from models.alerts import AlertType, Status
from models.encounter.anchorages import HeldAlert
from models.serialise import alert_from_dict
from streams.outbox import Outbox, WorkerTopics
from tests.factories import HOUR, T0, position, run, voyage
from tests.functional.test_worker_agents import FakeTopic, Journal
from tests.property.test_order_and_isolation import CONFIG, ZONES, scenario


def test_every_alert_knows_the_event_time_that_raised_it() -> None:
    alerts = run(scenario(), CONFIG, ZONES)
    assert {a.type for a in alerts} >= {AlertType.DARK_PERIOD, AlertType.ENCOUNTER}
    for alert in alerts:
        assert alert.at is not None, alert
        assert alert.at >= alert.start, alert
        if alert.end is not None:
            assert alert.at >= alert.end, alert


def test_a_dark_period_opens_when_its_timer_fell_due_and_closes_on_the_report_that_ends_it() -> (
    None
):
    track = voyage(367000001, T0, 16.0, -75.0, hours=2, interval_s=60, speed=8.0)
    last = track[-1]
    back = position(367000001, last.timestamp + 9 * HOUR, 16.0, -74.0)
    alerts = [a for a in run([*track, back]) if a.type is AlertType.DARK_PERIOD]
    opened, closed = alerts
    assert opened.status is Status.OPEN
    threshold = opened.evidence["threshold_hours"] * 3600
    assert opened.at == last.timestamp + threshold
    assert closed.status is Status.CLOSED
    assert closed.at == back.timestamp


def test_the_raising_time_is_not_part_of_the_contract_but_crosses_the_cells_topic() -> None:
    alert = next(a for a in run(scenario(), CONFIG, ZONES) if a.type is AlertType.LOITERING)
    assert "at" not in alert.to_dict()
    assert alert_from_dict(alert.to_dict()).at is None
    assert alert_from_dict(alert.to_dict()) == alert  # equal all the same
    held = HeldAlert(alert.start, 13.0, -68.0, alert)
    assert HeldAlert.from_wire(held.to_wire()).alert.at == alert.at


def published(alerts: list) -> str:
    journal: Journal = []
    topics = {name: FakeTopic(name, journal) for name in WorkerTopics.__dataclass_fields__}
    telemetry = Telemetry(CollectorRegistry())
    out = Outbox(WorkerTopics(**topics), 4, telemetry)

    async def send() -> None:
        await out.alerts(alerts)
        await out.settle()

    asyncio.run(send())
    return telemetry.exposition().decode()


def test_the_latency_is_observed_per_alert_from_its_own_event_time() -> None:
    alert = next(a for a in run(scenario(), CONFIG, ZONES) if a.type is AlertType.DARK_PERIOD)
    now = time.time()
    text = published(
        [
            replace(alert, at=now - 3.0),
            replace(alert, at=now - 40.0),
            replace(alert, at=None),  # read back from JSON: not observed
        ]
    )
    assert "vigilmar_alert_latency_seconds_count 2.0" in text
    assert 'vigilmar_alert_latency_seconds_bucket{le="2.5"} 0.0' in text
    assert 'vigilmar_alert_latency_seconds_bucket{le="5.0"} 1.0' in text
    assert 'vigilmar_alert_latency_seconds_bucket{le="60.0"} 2.0' in text
