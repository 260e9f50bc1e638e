"""Learned anchorages on real traffic: the Puerto Rico / US Virgin Islands sample's stopped
vessels (MarineCadastre), held in place for 6 h, replayed without any zone pack."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from models.alerts import Alert
from models.config import AnchorageConfig, Config
from models.records import PositionReport, StaticReport
from replay.readers import Reader
from streams.encounter_stages import CellAgentStage, PairAgentStage
from tests.functional.test_encounter_stages import PARTITIONS, WORKERS, deliver, owner
from tests.functional.test_learned_anchorages_stream import (
    Cells,
    canonical,
    learned_by,
    replayed,
    track_workers,
)
from tests.functional.test_zone_pack import held_in_place, replay
from zones import load_catalogue


@pytest.fixture(scope="module")
def held(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return held_in_place(tmp_path_factory.mktemp("held"))


def loiterers(alerts: list) -> set[int]:
    return {int(a["mmsi"]) for a in alerts if a["type"] == "loitering"}


def test_mooring_fields_no_zone_lists_are_learned(held: Path) -> None:
    bare = load_catalogue(include_default=False)
    learning = replay(held, bare)
    control = replay(held, bare, Config(anchorages=AnchorageConfig(enabled=False)))
    # Without learning all these moored ships loiter; learning takes away a quarter or more
    # (where ten or more of them lie together), and nothing else.
    assert len(loiterers(control)) > 200
    assert loiterers(learning) < loiterers(control)
    assert len(loiterers(learning)) < 0.75 * len(loiterers(control))
    encounters = {a["alert_id"] for a in learning if a["type"] == "encounter"}
    assert len(encounters) < 0.5 * len({a["alert_id"] for a in control if a["type"] == "encounter"})
    # Those left that lie near a learned anchorage say so.
    assert any(
        "learned anchorage" in a["explanation"] for a in learning if a["type"] == "loitering"
    )


def test_the_stream_stages_learn_the_same_from_real_traffic(held: Path) -> None:
    config = Config()
    records = [
        r
        for r in Reader([held], sort_records=True)
        if isinstance(r, PositionReport | StaticReport) and r.timestamp is not None
    ]
    expected, learned = replayed(records, config)
    assert learned
    rng = random.Random(7)
    queues, published = track_workers(records, config, batch=900)
    cells = [CellAgentStage(config, PARTITIONS) for _ in WORKERS]
    out = Cells()
    deliver(
        queues, rng, lambda p, k, d: cells[owner(p)].take(p, k, d), lambda w: out.advance(cells[w])
    )
    pairs = [PairAgentStage(config, PARTITIONS) for _ in WORKERS]
    alerts: list[Alert] = []
    deliver(
        out.pairs,
        rng,
        lambda p, k, d: pairs[owner(p)].take(p, d),
        lambda w: alerts.extend(pairs[w].advance()),
    )
    assert learned_by(cells) == learned
    assert canonical(published + out.released + alerts) == expected
