"""A vessel's state as a JSON-ready dict and back: what a streaming worker keeps in its
changelog-backed table, so that a restarted worker resumes where the last one stopped.

``restore(snapshot(state))`` gives a state that behaves exactly like ``state``: same alerts for
the same following reports (tested). Zones travel as their ids and are looked up again in the
engine's index, so a snapshot stays small. A detector whose state is blank (``None`` in the
vessel's list) is left out, and starts blank again when restored — as a snapshot from before
states could be blank reads too, each of its detectors restored as it was saved.
"""

from __future__ import annotations

import dataclasses
from array import array
from typing import Any

from models.alerts import VesselInfo
from models.engine import DETECTOR_NAMES, Engine
from models.records import Fix
from models.serialise import record_from_wire, record_to_wire
from models.track import NOTHING, Pending, VesselState

VERSION = 1


def snapshot(state: VesselState) -> dict[str, Any]:
    detectors = {
        name: dataclasses.asdict(held, dict_factory=_plain)
        for name, held in zip(DETECTOR_NAMES, state.detectors, strict=True)
        if held is not None
    }
    return {
        "v": VERSION,
        "mmsi": state.mmsi,
        "identity": state.identity.to_dict(),
        "last_fix": None if state.last_fix is None else list(state.last_fix),
        "pending": [_pending(entry) for entry in state.pending],
        "max_seen": _finite(state.max_seen),
        "released": _finite(state.released),
        "seq": state.seq,
        "heard": _finite(state.heard),
        "detectors": detectors,
        "recent": [list(marker) for marker in state.recent],
    }


def restore(data: dict[str, Any], engine: Engine) -> VesselState:
    """The state ``snapshot`` captured. Detectors the snapshot lacks start blank."""
    if data.get("v") != VERSION:
        raise ValueError(f"vessel snapshot version {data.get('v')!r}, expected {VERSION}")
    zones = engine.zone_by_id
    saved = data.get("detectors", {})
    detectors: list[Any] = []
    for detector in engine.detectors:
        stored = saved.get(detector.name)
        detectors.append(None if stored is None else detector.restore(stored))
    last = data.get("last_fix")
    pending = [
        Pending(
            timestamp=float(entry["t"]),
            seq=int(entry["seq"]),
            report=_report(entry["report"]),
            zones=tuple(zones[z] for z in entry["zones"] if z in zones),
        )
        for entry in data.get("pending", [])
    ]
    recent = [(str(kind), float(start)) for kind, start in data.get("recent", [])]
    return VesselState(
        mmsi=int(data["mmsi"]),
        identity=VesselInfo(**data["identity"]),
        last_fix=None if last is None else Fix(*last),
        pending=pending or NOTHING,
        max_seen=_infinite(data.get("max_seen")),
        released=_infinite(data.get("released")),
        seq=int(data.get("seq", 0)),
        heard=_infinite(data.get("heard", data.get("max_seen"))),
        detectors=detectors,
        recent=recent or NOTHING,
    )


def _plain(fields: list[tuple[str, Any]]) -> dict[str, Any]:
    """A detector state's fields as JSON takes them: arrays of numbers as lists."""
    return {key: value.tolist() if isinstance(value, array) else value for key, value in fields}


def _pending(entry: Pending) -> dict[str, Any]:
    return {
        "t": entry.timestamp,
        "seq": entry.seq,
        "report": record_to_wire(entry.report),
        "zones": [zone.id for zone in entry.zones],
    }


def _report(document: dict[str, Any]) -> Any:
    record = record_from_wire(document)
    if not hasattr(record, "lat") and not hasattr(record, "name"):
        raise ValueError("a held report must be a position or static report")
    return record


def _finite(value: float) -> float | None:
    return None if value == float("-inf") else value


def _infinite(value: float | None) -> float:
    return float("-inf") if value is None else float(value)
