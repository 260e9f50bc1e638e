"""The stream's encounter stages, without a broker: vessels split over two track workers, movers
re-keyed by cell over four partitions, pairs over four more, messages delivered in arbitrary
interleavings and batches — and the alerts are exactly the replay's."""

from __future__ import annotations

import json
import random
import zlib
from collections import deque
from typing import Any

import pytest

from models.alerts import Alert
from models.config import Config
from models.engine import Engine
from models.monitor import Monitor, Step
from models.records import PositionReport
from streams.encounter_stages import CellAgentStage, PairAgentStage, route, watermark_message
from tests.factories import HOUR, T0, by_time, move, of_type, run, voyage
from zones.index import ZoneIndex

PARTITIONS = 4
WORKERS = ({0, 1}, {2, 3})  # the partitions each of two workers owns, on every topic

Message = tuple[bytes, dict[str, Any]]


def scenario() -> list[PositionReport]:
    """Three meeting pairs (one on a cell edge, one drifting across cells), a loner, a passer."""
    sea = (16.0, -75.0)
    edge = (16.9995, -74.5)
    drifting = (15.95, -74.0)
    tracks = []
    for n, (where, hours, speed, course) in enumerate(
        [(sea, 4.0, 0.3, 90.0), (edge, 3.0, 0.2, 45.0), (drifting, 6.0, 1.5, 0.0)]
    ):
        low, high = 311000010 + n, 538000020 + n
        other = move(*where, 90.0, 0.25)
        tracks.append(voyage(low, T0 + n * 600, *where, hours, 180, speed, course))
        tracks.append(voyage(high, T0 + n * 600 + 50, *other, hours, 120, speed, course))
    tracks.append(voyage(367000001, T0, *move(*sea, 0.0, 5.0), 5.0, 180, 0.5, 90.0))
    tracks.append(voyage(367000002, T0, *move(*sea, 270.0, 20.0), 3.0, 10, 12.0, 90.0))
    return by_time(*tracks)


def partition_of(key: bytes) -> int:
    return zlib.crc32(key) % PARTITIONS


def owner(partition: int) -> int:
    return 0 if partition in WORKERS[0] else 1


def track_workers(records: list[PositionReport], config: Config, batch: int) -> list[deque[Any]]:
    """Two workers track the vessels of their report partitions; what they send to each cells
    partition, in the order sent: movers by cell, then their watermark for each partition."""
    fleets = [Monitor(Engine(config, ZoneIndex()), pair_locally=False) for _ in WORKERS]
    queues: list[deque[Any]] = [deque() for _ in range(PARTITIONS)]
    mine = [[r for r in records if owner(r.mmsi % PARTITIONS) == w] for w in range(2)]

    def publish(w: int, step: Step) -> None:
        fleet = fleets[w]
        for key, wire in route(step.movers, config):
            queues[partition_of(key)].append((key, json.loads(json.dumps(wire))))
        if fleet.watermark > float("-inf"):
            for source in sorted(WORKERS[w]):
                for q in range(PARTITIONS):
                    queues[q].append((b"wm", watermark_message(source, fleet.watermark)))

    for start in range(0, max(map(len, mine)), batch):
        for w in (0, 1):
            publish(w, fleets[w].process(mine[w][start : start + batch]))
    # Read to the end, everywhere: each worker's event time moves on to the latest decoded.
    end = max(r.timestamp or 0.0 for r in records)
    for w in (0, 1):
        publish(w, fleets[w].advance(end))
    return queues


def deliver(queues: list[deque[Any]], rng: random.Random, take: Any, advance: Any) -> None:
    """Drain the partitions in a random interleaving and random batches, advancing each owner
    after each of its batches."""
    while any(queues):
        p = rng.choice([i for i, q in enumerate(queues) if q])
        for _ in range(rng.randint(1, 40)):
            if not queues[p]:
                break
            take(p, *queues[p].popleft())
        advance(owner(p))


def stream(records: list[PositionReport], config: Config, seed: int) -> list[Alert]:
    rng = random.Random(seed)
    cell_queues = track_workers(records, config, batch=rng.choice([50, 400, 3000]))
    cells = [CellAgentStage(config, PARTITIONS) for _ in WORKERS]
    pair_queues: list[deque[Any]] = [deque() for _ in range(PARTITIONS)]

    def cell_advance(w: int) -> None:
        found, _, moved = cells[w].advance()
        for key, wire in found:
            pair_queues[partition_of(key)].append((key, json.loads(json.dumps(wire))))
        for source, watermark in moved.items():
            for r in range(PARTITIONS):
                pair_queues[r].append((b"wm", watermark_message(source, watermark)))

    deliver(
        cell_queues,
        rng,
        lambda p, key, doc: cells[owner(p)].take(p, key, doc),
        cell_advance,
    )
    pairs = [PairAgentStage(config, PARTITIONS) for _ in WORKERS]
    alerts: list[Alert] = []
    deliver(
        pair_queues,
        rng,
        lambda p, key, doc: pairs[owner(p)].take(p, doc),
        lambda w: alerts.extend(pairs[w].advance()),
    )
    assert not any(stage.stats().late for stage in cells)
    return alerts


def canonical(alerts: list[Alert]) -> list[str]:
    return sorted(json.dumps(a.to_dict(), sort_keys=True) for a in of_type(alerts, "encounter"))


@pytest.mark.parametrize("seed", range(6))
def test_the_stream_stages_give_the_replay_encounters(seed: int) -> None:
    config = Config()
    records = scenario()
    expected = canonical(run(records, config))
    assert len({json.loads(a)["alert_id"] for a in expected}) == 3
    assert canonical(stream(records, config, seed)) == expected


def test_the_pair_drifting_across_cells_is_compared_in_more_than_one_cell() -> None:
    drifting = voyage(311000012, T0, 15.95, -74.0, 6.0, 180, 1.5, 0.0)
    first, last = drifting[0], drifting[-1]
    assert first.lat is not None
    assert last.lat is not None
    assert int(first.lat * 10) != int(last.lat * 10)
    assert last.timestamp == pytest.approx(T0 + 6 * HOUR)


class Partitions:
    """A topic's partitions as lists, with each reader's position and committed offset."""

    def __init__(self, queues: list[deque[Any]]) -> None:
        self.messages = [list(q) for q in queues]
        self.position = [0] * PARTITIONS
        self.committed = [0] * PARTITIONS

    def left(self) -> list[int]:
        return [p for p in range(PARTITIONS) if self.position[p] < len(self.messages[p])]

    def take(self, p: int, count: int) -> list[Any]:
        batch = self.messages[p][self.position[p] : self.position[p] + count]
        self.position[p] += len(batch)
        return batch


def crash_and_resume(
    topic: Partitions,
    rng: random.Random,
    make: Any,
    take: Any,
    advance: Any,
) -> None:
    """Drain ``topic`` in random batches; after each batch the owner writes its changed state
    to the table and sometimes commits. Once, half-way, worker 0 dies: a new one restores its
    partitions' keys from the table and reads again from the committed offsets."""
    stages = [make() for _ in WORKERS]
    table: dict[bytes, Any] = {}
    total = sum(len(m) for m in topic.messages)
    crashed = False
    while topic.left():
        p = rng.choice(topic.left())
        w = owner(p)
        for key, document in topic.take(p, rng.randint(1, 40)):
            take(stages[w], p, key, document)
        advance(stages[w])
        for key, state in stages[w].flush():
            if state is None:
                table.pop(key, None)
            else:
                table[key] = json.loads(json.dumps(state))
        if rng.random() < 0.3:
            topic.committed[p] = topic.position[p]
        if not crashed and sum(topic.position) > total // 2:
            crashed = True
            stages[0] = make()
            for p0 in WORKERS[0]:
                topic.position[p0] = topic.committed[p0]
            for key, state in table.items():
                if partition_of(key) in WORKERS[0]:
                    stages[0].restore(partition_of(key), key, state)
    assert crashed


@pytest.mark.parametrize("seed", range(5))
def test_a_worker_resuming_from_the_tables_loses_no_encounter(seed: int) -> None:
    """At least once: every alert of the replay comes, repeats carry the same id and content."""
    config = Config()
    records = scenario()
    expected = canonical(run(records, config))
    rng = random.Random(seed)
    cells = Partitions(track_workers(records, config, batch=rng.choice([50, 400])))
    pair_queues: list[deque[Any]] = [deque() for _ in range(PARTITIONS)]

    def cell_advance(stage: CellAgentStage) -> None:
        found, _, moved = stage.advance()
        for key, wire in found:
            pair_queues[partition_of(key)].append((key, json.loads(json.dumps(wire))))
        for source, watermark in moved.items():
            for r in range(PARTITIONS):
                pair_queues[r].append((b"wm", watermark_message(source, watermark)))

    crash_and_resume(
        cells,
        rng,
        lambda: CellAgentStage(config, PARTITIONS),
        lambda stage, p, key, doc: stage.take(p, key, doc),
        cell_advance,
    )
    alerts: list[Alert] = []
    crash_and_resume(
        Partitions(pair_queues),
        rng,
        lambda: PairAgentStage(config, PARTITIONS),
        lambda stage, p, key, doc: stage.take(p, doc),
        lambda stage: alerts.extend(stage.advance()),
    )
    assert sorted(set(canonical(alerts))) == sorted(set(expected))
