"""The world harbour layer in replay: the demo's moored ships make port calls, not loitering,
and inside the Caribbean pack's region every alert is what the pack alone gave.

Each replay runs twice through the CLI, as ``make demo`` does: with the shipped zones (pack and
harbour layer), and with the pack alone (``--no-default-zones --zones default.geojson``), which
is the catalogue as it was before the layer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.config import Config
from replay.cli import main
from zones import ZoneIndex, default_pack_path, load_catalogue
from zones.circles import CircleZone
from zones.harbours import HarbourApproaches

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "replay" / "samples"
PR_USVI = SAMPLES / "2022-01-03-puerto-rico-usvi.marinecadastre.csv"

Alert = dict[str, object]


def replay(tmp_path: Path, inputs: Path, *, pack_only: bool) -> list[Alert]:
    out = tmp_path / ("pack.jsonl" if pack_only else "shipped.jsonl")
    zones = ["--no-default-zones", "--zones", str(default_pack_path())] if pack_only else []
    assert main(["replay", str(inputs), *zones, "--out", str(out), "--no-progress"]) == 0
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def episodes(alerts: list[Alert], kind: str) -> dict[object, Alert]:
    """The first alert of each episode of one type, by alert id."""
    found: dict[object, Alert] = {}
    for alert in alerts:
        if alert["type"] == kind:
            found.setdefault(alert["alert_id"], alert)
    return found


def harbours_at(catalogue: ZoneIndex, alert: Alert) -> list[str]:
    lon, lat = float(alert["lon"]), float(alert["lat"])  # type: ignore[arg-type]
    return [zone.id for zone in catalogue.zones_at(lon, lat) if zone.is_harbour]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Alert], list[Alert]]:
    tmp_path = tmp_path_factory.mktemp("demo")
    return replay(tmp_path, SAMPLES, pack_only=True), replay(tmp_path, SAMPLES, pack_only=False)


def test_the_demo_loiters_far_less_and_never_in_a_harbour(
    demo: tuple[list[Alert], list[Alert]],
) -> None:
    before, after = (episodes(alerts, "loitering") for alerts in demo)
    catalogue = load_catalogue()
    approaches = HarbourApproaches(catalogue.zones, Config().loitering.approach_km)
    # Busan, the Pearl River, Tianjin, San Francisco Bay ... were open sea to the pack alone:
    # 51 episodes then; the harbour layer takes those in its harbours and their approaches.
    assert len(before) >= 40
    assert len(after) < len(before) / 4
    assert set(after) <= set(before)
    assert [alert_id for alert_id, a in after.items() if harbours_at(catalogue, a)] == []
    in_harbours = 0
    for alert_id in set(before) - set(after):
        lat, lon = float(before[alert_id]["lat"]), float(before[alert_id]["lon"])  # type: ignore[arg-type]
        harbours = [zone for zone in catalogue.zones_at(lon, lat) if zone.is_harbour]
        in_harbours += bool(harbours)
        assert all(isinstance(zone, CircleZone) for zone in harbours)  # of the new layer
        # every episode that went was in a harbour of the layer or in its approaches
        near = approaches.nearest(lat, lon)
        assert harbours or (near is not None and isinstance(near[0], CircleZone)), alert_id
    assert in_harbours > len(before) / 2


def test_the_demo_calls_at_the_world_s_ports(demo: tuple[list[Alert], list[Alert]]) -> None:
    before, after = (episodes(alerts, "port_call") for alerts in demo)
    assert set(before) <= set(after)
    new_zones = {str(alert["zone"]["id"]) for alert in after.values()} - {  # type: ignore[index]
        str(alert["zone"]["id"])
        for alert in before.values()  # type: ignore[index]
    }
    assert len(new_zones) > 100
    assert {zone.split("-")[0] for zone in new_zones} == {"wpi", "gfw", "unlocode"}


def test_caribbean_alerts_are_unchanged_by_the_layer(tmp_path: Path) -> None:
    pack_only = replay(tmp_path, PR_USVI, pack_only=True)
    shipped = replay(tmp_path, PR_USVI, pack_only=False)
    assert len(episodes(shipped, "port_call")) > 100
    assert shipped == pack_only  # same alerts, ids, zone refs, scores, in the same order
