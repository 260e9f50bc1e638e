"""The zone catalogue the engine uses: the shipped pack plus the user's packs, indexed once."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from zones.errors import ZoneError
from zones.harbours import shipped_harbours
from zones.index import ZoneIndex
from zones.model import Zone
from zones.pack import load_pack

__all__ = ["default_pack_path", "load_catalogue"]


def default_pack_path() -> Path:
    """The shipped Caribbean and Latin-American pack, built by ``python -m zones.build``."""
    return Path(__file__).resolve().parent / "data" / "default.geojson"


def load_catalogue(extra: Sequence[Path | str] = (), include_default: bool = True) -> ZoneIndex:
    """Load the shipped pack and world harbour layer (unless ``include_default`` is false) and
    ``extra`` packs, in order.

    Raises ``ZonePackError`` for a pack that cannot be read or has problems, and ``ZoneError``
    when two packs use the same zone id.
    """
    paths = [default_pack_path()] if include_default else []
    paths.extend(Path(path) for path in extra)
    zones: list[Zone] = []
    origin: dict[str, Path] = {}
    loaded: set[Path] = set()
    for path in paths:
        if path.resolve() in loaded:  # the same file named twice is loaded once
            continue
        loaded.add(path.resolve())
        for zone in load_pack(path):
            if zone.id in origin:
                raise ZoneError(
                    f"zone id {zone.id!r} is used in both {origin[zone.id]} and {path}; "
                    "zone ids must be unique across packs — rename one of them"
                )
            origin[zone.id] = path
            zones.append(zone)
    return ZoneIndex(zones, circles=shipped_harbours() if include_default else None)
