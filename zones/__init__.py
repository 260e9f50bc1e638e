"""Zone catalogue: loading and validating zone packs, the spatial index, flag state by MMSI.

Pure: no Kafka, no CLI, no wall clock. Typical use::

    index = load_catalogue(extra=[Path("my-zones.geojson")])
    hits = index.match(lons, lats)            # per point: indices into index.zones
    zones = index.zones_at(-66.11, 18.46)     # one point: the Zone records

The shipped pack is built by ``python -m zones.build`` (``zones/data/SOURCES.md``); the land
check for position plausibility is ``zones.land`` (imported on its own: it loads a land mask).
"""

from zones.catalogue import default_pack_path, load_catalogue
from zones.errors import Problem, ZoneError, ZonePackError
from zones.flags import flag_for_mmsi, mid_allocation, mid_of
from zones.index import ZoneIndex
from zones.model import Zone, ZoneKind, ZoneRef
from zones.pack import PackReport, check_pack, load_pack, validate_pack

__all__ = [
    "PackReport",
    "Problem",
    "Zone",
    "ZoneError",
    "ZoneIndex",
    "ZoneKind",
    "ZonePackError",
    "ZoneRef",
    "check_pack",
    "default_pack_path",
    "flag_for_mmsi",
    "load_catalogue",
    "load_pack",
    "mid_allocation",
    "mid_of",
    "validate_pack",
]
