"""Per-vessel state in a changelog-backed faust table, written once per vessel per batch.

``VesselStore`` is the mapping a ``Fleet`` works on: a cache of live ``VesselState`` objects in
front of the table, which holds their JSON snapshots (``models.snapshot``). ``flush`` writes
every vessel touched since the last flush, once, however many reports it had in the batch.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from models.engine import Engine
from models.snapshot import restore, snapshot
from models.track import VesselState


class VesselStore(MutableMapping[int, VesselState]):
    def __init__(self, table: MutableMapping[bytes, Any], engine: Engine) -> None:
        self._table = table
        self._engine = engine
        self._cache: dict[int, VesselState] = {}
        self._dirty: set[int] = set()
        self.writes = 0

    def __getitem__(self, mmsi: int) -> VesselState:
        state = self._cache.get(mmsi)
        if state is None:
            data = self._table.get(_key(mmsi))
            if data is None:
                raise KeyError(mmsi)
            state = self._cache[mmsi] = restore(data, self._engine)
        return state

    def __setitem__(self, mmsi: int, state: VesselState) -> None:
        self._cache[mmsi] = state
        self._dirty.add(mmsi)

    def __delitem__(self, mmsi: int) -> None:
        self._cache.pop(mmsi, None)
        self._dirty.discard(mmsi)
        self._table.pop(_key(mmsi), None)

    def __iter__(self) -> Iterator[int]:
        return iter(self._cache)

    def __len__(self) -> int:
        return len(self._cache)

    def flush(self) -> int:
        """Write the vessels changed since the last flush; returns how many."""
        table = self._table
        for mmsi in self._dirty:
            table[_key(mmsi)] = snapshot(self._cache[mmsi])
        written = len(self._dirty)
        self.writes += written
        self._dirty.clear()
        return written

    def stored(self) -> Iterator[VesselState]:
        """Every vessel in the table's local partitions (after a recovery), into the cache."""
        for key in list(self._table.keys()):
            yield self[int(key)]

    def evict(self) -> list[int]:
        """Flush, then drop the cache (the partitions may belong to another worker now)."""
        self.flush()
        gone = list(self._cache)
        self._cache.clear()
        return gone


def _key(mmsi: int) -> bytes:
    """The table key: the MMSI as ASCII digits, exactly as ``ais.reports`` keys it."""
    return str(mmsi).encode()
