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
from models.fleet import Fleet
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
    fleets = [Fleet(Engine(config, ZoneIndex())) for _ in WORKERS]
    queues: list[deque[Any]] = [deque() for _ in range(PARTITIONS)]
    mine = [[r for r in records if owner(r.mmsi % PARTITIONS) == w] for w in range(2)]

    def publish(w: int) -> None:
        fleet = fleets[w]
        assert fleet.movers is not None
        for key, wire in route(fleet.movers, config):
            queues[partition_of(key)].append((key, json.loads(json.dumps(wire))))
        fleet.movers.clear()
        if fleet.watermark > float("-inf"):
            for source in sorted(WORKERS[w]):
                for q in range(PARTITIONS):
                    queues[q].append((b"wm", watermark_message(source, fleet.watermark)))

    for start in range(0, max(map(len, mine)), batch):
        for w in (0, 1):
            fleets[w].process(mine[w][start : start + batch], advance=True)
            publish(w)
    # Read to the end, everywhere: each worker's event time moves on to the latest decoded.
    end = max(r.timestamp or 0.0 for r in records)
    for w in (0, 1):
        fleets[w].advance(end)
        publish(w)
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
        found, moved = cells[w].advance()
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
