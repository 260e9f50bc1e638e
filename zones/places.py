"""Where a declared AIS destination is: a port of the catalogue named by UN/LOCODE or by name.

``PortPlaces(zones)`` answers ``place_of("DOSDQ")`` (its World Port Index or searoute port,
``zones.locodes``) and ``place_of("SANTO DOMINGO")`` (the one port zone of that name, upper
case; none when several ports share it) with the centre of the zone, or ``None``. Destinations
come normalised (``models.detectors.destination_change.normalised``). Answers are cached; the
name index is built on first use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from zones.locodes import zones_of_locode
from zones.model import Zone, ZoneKind

__all__ = ["PortPlaces"]

_LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
_MAX_CACHED = 20_000


class PortPlaces:
    def __init__(self, zones: Iterable[Zone]) -> None:
        self._ports = {zone.id: zone for zone in zones if zone.kind is ZoneKind.PORT}
        self._names: dict[str, list[Zone]] | None = None
        self._cache: dict[str, tuple[float, float] | None] = {}

    def place_of(self, destination: str | None) -> tuple[float, float] | None:
        """(lat, lon) of the port a normalised destination names, if it names one."""
        if not destination:
            return None
        if destination in self._cache:
            return self._cache[destination]
        zone = self._port(destination)
        place = None
        if zone is not None:
            centre = zone.geometry.centroid
            place = (centre.y, centre.x)
        if len(self._cache) >= _MAX_CACHED:
            self._cache.clear()
        self._cache[destination] = place
        return place

    def _port(self, destination: str) -> Zone | None:
        if _LOCODE.match(destination):
            for zone_id in zones_of_locode(destination):
                if zone_id in self._ports:
                    return self._ports[zone_id]
        if self._names is None:
            self._names = {}
            for zone in self._ports.values():
                self._names.setdefault(zone.name.upper(), []).append(zone)
        named = self._names.get(destination, [])
        return named[0] if len(named) == 1 else None
