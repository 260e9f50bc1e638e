"""Learned anchorages in the stream's stages, without a broker: vessels split over two track
workers, movers and held loitering messages re-keyed by cell over four partitions, pairs over
four more, delivered in random interleavings and batches, one worker killed and resumed from
the ``encounter-cells`` table — and the anchorages learned, the loitering and the encounters
are exactly the replay's."""

from __future__ import annotations

import json
import random
from collections import deque
from typing import Any

import pytest

from models.alerts import Alert
from models.config import Config
from models.engine import Engine
from models.monitor import Monitor, Step
from streams.encounter_stages import (
    CellAgentStage,
    PairAgentStage,
    hold_alerts,
    route,
    watermark_message,
)
from tests.anchorage_scenes import (
    BAY,
    CARGO,
    FISHING,
    OFFSHORE,
    PLEASURE,
    ROADSTEAD,
    TANKER,
    TUG,
    anchorage_then,
    anchored,
    cluster,
    side_by_side,
)
from tests.factories import HOUR, T0, by_time, move, of_type, run
from tests.functional.test_encounter_stages import (
    PARTITIONS,
    WORKERS,
    Partitions,
    crash_and_resume,
    deliver,
    owner,
    partition_of,
)
from zones.index import ZoneIndex

DAY = 24 * HOUR
Learned = dict[tuple[int, int], dict[tuple[int, int], tuple[int, int]]]


def scenario() -> list[Any]:
    """Pleasure craft at anchor in a bay; a roadstead learned on day one, where on day two a
    tug meets a tanker, one vessel loiters inside and one near it, and a pair meets near it; a
    reefer beside a fishing vessel offshore; a vessel that loitered before its place was
    learned."""
    visit = by_time(
        side_by_side(367500001, 538500002, T0 + DAY, ROADSTEAD, 3.0, (TUG, TANKER)),
        anchored(367600001, T0 + DAY, *move(*ROADSTEAD, 90.0, 0.1), 6.0),
        anchored(367600002, T0 + DAY, *move(*ROADSTEAD, 180.0, 1.6), 6.0),
        side_by_side(367500003, 538500004, T0 + DAY, move(*ROADSTEAD, 0.0, 1.6), 3.0, (None, None)),
    )
    return by_time(
        *cluster(367300001, 14, T0, BAY, 10.0, ship_type=PLEASURE),
        anchorage_then(visit),
        side_by_side(367900001, 412900002, T0 + HOUR, OFFSHORE, 3.0, (CARGO, FISHING)),
        anchored(367700001, T0 + DAY, *move(*BAY, 45.0, 6.0), 8.0),
        *cluster(367400001, 12, T0 + DAY + 5 * HOUR, move(*BAY, 45.0, 6.0), 5.0),
    )


def roundtrip(document: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(json.dumps(document))
    return value


def track_workers(
    records: list[Any], config: Config, batch: int
) -> tuple[list[deque[Any]], list[Alert]]:
    """Two workers track the vessels of their partitions: what they send to each cells
    partition in order (movers and held loitering messages by cell, then their watermark), and
    the alerts they publish themselves."""
    fleets = [Monitor(Engine(config, ZoneIndex()), pair_locally=False) for _ in WORKERS]
    queues: list[deque[Any]] = [deque() for _ in range(PARTITIONS)]
    published: list[Alert] = []
    mine = [[r for r in records if owner(r.mmsi % PARTITIONS) == w] for w in range(2)]

    def publish(w: int, step: Step) -> None:
        now, held = hold_alerts(step.alerts, config)
        published.extend(now)
        for key, wire in route(step.movers, config) + held:
            queues[partition_of(key)].append((key, roundtrip(wire)))
        watermark = fleets[w].watermark
        if watermark > float("-inf"):
            for source in sorted(WORKERS[w]):
                for q in range(PARTITIONS):
                    queues[q].append((b"wm", watermark_message(source, watermark)))

    for start in range(0, max(map(len, mine)), batch):
        for w in (0, 1):
            publish(w, fleets[w].process(mine[w][start : start + batch]))
    end = max(r.timestamp or 0.0 for r in records)
    for w in (0, 1):
        publish(w, fleets[w].advance(end))
    return queues, published


class Cells:
    """What the cell stages send on: pair messages by partition, and loitering released."""

    def __init__(self) -> None:
        self.pairs: list[deque[Any]] = [deque() for _ in range(PARTITIONS)]
        self.released: list[Alert] = []

    def advance(self, stage: CellAgentStage) -> None:
        found, released, moved = stage.advance()
        self.released.extend(released)
        for key, wire in found:
            self.pairs[partition_of(key)].append((key, roundtrip(wire)))
        for source, watermark in moved.items():
            for r in range(PARTITIONS):
                self.pairs[r].append((b"wm", watermark_message(source, watermark)))


def learned_by(stages: list[CellAgentStage]) -> Learned:
    found: Learned = {}
    for worker in stages:
        for stage in worker.stages.values():
            for cell, anchorages in stage.anchorages.items():
                assert cell not in found  # each cell lives on one partition
                if anchorages.learned:
                    found[cell] = dict(anchorages.learned)
    return found


def replayed(records: list[Any], config: Config) -> tuple[list[str], Learned]:
    monitor = Monitor(Engine(config, ZoneIndex()))
    alerts = [*monitor.process(records).alerts, *monitor.finish().alerts]
    assert monitor.encounters is not None
    cells = monitor.encounters.cells.anchorages.items()
    learned = {cell: dict(a.learned) for cell, a in cells if a.learned}
    return canonical(alerts), learned


def canonical(alerts: list[Alert]) -> list[str]:
    kept = of_type(alerts, "loitering") + of_type(alerts, "encounter")
    return sorted(json.dumps(a.to_dict(), sort_keys=True) for a in kept)


RECORDS = scenario()
CONFIG = Config()
EXPECTED, LEARNED = replayed(RECORDS, CONFIG)


def test_the_scene_learns_places_and_still_raises_what_it_should() -> None:
    assert len(LEARNED) >= 2  # the bay, the roadstead, the late cluster's place
    kinds = {(json.loads(a)["type"], json.loads(a)["mmsi"]) for a in EXPECTED}
    assert ("encounter", 367900001) in kinds  # the reefer and the fishing vessel
    assert ("encounter", 367500003) in kinds  # the pair near the roadstead
    assert ("loitering", 367600002) in kinds  # near the roadstead
    assert ("loitering", 367700001) in kinds  # before its place was learned
    assert not {367500001, 367600001} & {m for _, m in kinds}  # inside the roadstead
    assert not [m for _, m in kinds if 367300001 <= m < 367300100]  # the pleasure craft
    assert canonical(run(RECORDS, CONFIG)) == EXPECTED  # batches of 500 as one batch


@pytest.mark.parametrize("seed", range(4))
def test_the_stream_stages_learn_and_decide_as_the_replay(seed: int) -> None:
    rng = random.Random(seed)
    queues, published = track_workers(RECORDS, CONFIG, batch=rng.choice([70, 600, 5000]))
    cells = [CellAgentStage(CONFIG, PARTITIONS) for _ in WORKERS]
    out = Cells()
    deliver(queues, rng, lambda p, key, doc: cells[owner(p)].take(p, key, doc),
            lambda w: out.advance(cells[w]))  # fmt: skip
    pairs = [PairAgentStage(CONFIG, PARTITIONS) for _ in WORKERS]
    alerts: list[Alert] = []
    deliver(out.pairs, rng, lambda p, key, doc: pairs[owner(p)].take(p, doc),
            lambda w: alerts.extend(pairs[w].advance()))  # fmt: skip
    assert not any(stage.stats().late or stage.stats().malformed for stage in cells)
    assert learned_by(cells) == LEARNED
    assert canonical(published + out.released + alerts) == EXPECTED


@pytest.mark.parametrize("seed", range(3))
def test_a_worker_resuming_from_the_cells_table_keeps_what_was_learned(seed: int) -> None:
    """At least once: every alert of the replay comes (repeats carry the same id and content),
    and the anchorages restored from the table end where the replay's do."""
    rng = random.Random(seed)
    queues, published = track_workers(RECORDS, CONFIG, batch=rng.choice([70, 600]))
    out = Cells()
    final: list[CellAgentStage] = []

    def make() -> CellAgentStage:
        stage = CellAgentStage(CONFIG, PARTITIONS)
        final.append(stage)
        return stage

    crash_and_resume(Partitions(queues), rng, make,
                     lambda stage, p, key, doc: stage.take(p, key, doc), out.advance)  # fmt: skip
    alerts: list[Alert] = []
    crash_and_resume(
        Partitions(out.pairs),
        rng,
        lambda: PairAgentStage(CONFIG, PARTITIONS),
        lambda stage, p, key, doc: stage.take(p, doc),
        lambda stage: alerts.extend(stage.advance()),
    )
    # The two stages alive at the end: the restored worker 0 and worker 1.
    assert learned_by([final[1], final[2]]) == LEARNED
    assert sorted(set(canonical(published + out.released + alerts))) == sorted(set(EXPECTED))


def test_a_held_loitering_message_survives_in_the_cells_table() -> None:
    """A loitering message whose time the cell has not reached is in the cell's state: a worker
    that takes the partition over releases it."""
    records = by_time(anchored(367800001, T0, *BAY, 5.0))
    monitor = Monitor(Engine(CONFIG, ZoneIndex()), pair_locally=False)
    step = monitor.process(records)
    step.extend(monitor.finish())
    now, held = hold_alerts(step.alerts, CONFIG)
    assert [json.loads(json.dumps(w))["alert"]["type"] for _, w in held] == ["loitering"]
    assert of_type(now, "loitering") == []
    before = CellAgentStage(CONFIG, PARTITIONS)
    for key, wire in held:
        before.take(partition_of(key), key, roundtrip(wire))
    table = {key: roundtrip(state) for key, state in before.flush() if state is not None}
    after = CellAgentStage(CONFIG, PARTITIONS)
    assert after.recover(table, range(PARTITIONS), partition_of) == len(table) == 1
    (partition,) = {partition_of(key) for key in table}
    for source in range(PARTITIONS):  # every track partition has passed its time
        after.take(partition, b"wm", watermark_message(source, T0 + 6 * HOUR))
    _, released, _ = after.advance()
    assert [a.to_dict() for a in released] == [
        a.to_dict() for a in of_type(step.alerts, "loitering")
    ]


def test_the_agents_send_loitering_through_the_cells_and_publish_it_from_there() -> None:
    """The track agent sends a loitering message to the cell where its episode began, not to
    the alerts; the encounter-cells agent publishes it to the alerts and to the vessel, before
    it writes the cell's state."""
    from streams.wire import is_pack, unpacked_keyed
    from tests.functional.test_worker_agents import Worker, event, report_events

    worker = Worker(CONFIG)
    records = [r for r in anchored(367800001, T0, *BAY, 5.0) if not hasattr(r, "ship_type")]
    worker.run(worker.agents.track, [report_events(records)])
    assert not [v for _, v in worker.sent("alerts") if v["type"] == "loitering"]
    cells = [
        item
        for (key, _), value in worker.sent("cells")
        for item in (unpacked_keyed(value) if is_pack(value) else [(key, value)])
    ]
    held = [(key, v) for key, v in cells if "hold" in v]  # (the track agent packs them)
    assert [v["alert"]["type"] for _, v in held] == ["loitering"]
    sent = [
        event(json.dumps(value).encode(), key, sum(key) % PARTITIONS if part is None else part)
        for (key, part), value in worker.sent("cells")
    ]
    # Every track partition announces the end (the worker's own announcement covers its own).
    sent += [
        event(json.dumps(watermark_message(s, T0 + 6 * HOUR)).encode(), b"wm", p)
        for s in range(PARTITIONS)
        for p in range(PARTITIONS)
    ]
    before = len(worker.journal)
    worker.run(worker.agents.encounter_cells, [sent])
    after = worker.journal[before:]
    published = [i for i, (topic, _, v) in enumerate(after) if topic == "alerts"]
    assert [after[i][2]["type"] for i in published] == ["loitering"]
    assert [v["type"] for t, _, v in after if t == "vessel_alerts"] == ["loitering"]
    assert max(published) < min(i for i, (t, _, _) in enumerate(after) if t == "encounter-cells")
    assert after[published[0]][2] == held[0][1]["alert"]
