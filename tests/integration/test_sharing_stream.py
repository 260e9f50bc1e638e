"""Partner topics on a real broker: a worker with `VIGILMAR_SHARING` publishes each partner's
view and the audit, and the partner topics hold what `replay --share-dir` writes."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from models.serialise import alert_from_dict
from models.sharing import load_policy
from tests.factories import validate_alert
from tests.integration.conftest import Stack
from tests.integration.test_stream import due_after_the_end, keys, replay_alerts, stream_alerts
from tests.nmea_tracks import pyseas_as_nmea

pytestmark = pytest.mark.integration

POLICY = """
[partners.everyone]
redact = ["vessel.name", "vessel.callsign", "evidence"]

[partners.dark-watch]
types = ["dark_period"]
min_severity = "low"
"""


def partner_view(alerts: list[dict[str, Any]], policy_path: Path, name: str) -> list[Any]:
    (partner,) = [p for p in load_policy(policy_path).partners if p.name == name]
    return [partner.view(a) for a in alerts if partner.accepts(alert_from_dict(a))]


def test_partner_topics_hold_the_replays_partner_views(stack: Stack, tmp_path: Path) -> None:
    nmea = tmp_path / "north-pacific.nmea"
    pyseas_as_nmea(nmea)
    policy = tmp_path / "sharing.toml"
    policy.write_text(POLICY)
    prefix = f"vigilmar.share.{uuid.uuid4().hex[:8]}"
    stack.env.update(VIGILMAR_SHARING=str(policy), VIGILMAR_SHARE_PREFIX=prefix)
    expected, end = replay_alerts(nmea, Path(stack.env["VIGILMAR_CONFIG"]))
    worker = stack.worker()
    worker.wait_ready()
    stack.feed(nmea)
    streamed = stream_alerts(stack, keys(expected))
    assert worker.alive()

    # Dark periods a live worker's idle clock opens after the input's end: stream only.
    late = {(a["alert_id"], a["status"]) for a in streamed if due_after_the_end(a, end)}

    def settled(views: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
        """Each message once (delivery is at least once), without the late ones."""
        return {
            (v["alert_id"], v["status"], v["end"], v["vessel"]["name"], str(v["evidence"]))
            for v in views
            if (v["alert_id"], v["status"]) not in late
        }

    for name in ("everyone", "dark-watch"):
        on_topic = stack.read(f"{prefix}.{name}", settle=3.0, timeout=60)
        for view in on_topic:
            validate_alert(view)
        assert on_topic, name
        assert settled(on_topic) == settled(partner_view(expected, policy, name)), name
        assert settled(on_topic) == settled(partner_view(streamed, policy, name)), name
    audit = stack.read(f"{prefix}.audit", settle=3.0, timeout=60)
    policy_sha = load_policy(policy).sha256
    assert {line["policy_sha256"] for line in audit} == {policy_sha}
    shared = {(line["partner"], line["alert_id"], line["status"]) for line in audit}
    for name in ("everyone", "dark-watch"):
        views = partner_view(streamed, policy, name)
        assert {(name, v["alert_id"], v["status"]) for v in views} <= shared
