"""Zone catalogue: loading and validating zone packs, the spatial index, flag state by MMSI.

Pure: no Kafka, no CLI, no wall clock. Typical use::

    index = load_catalogue(extra=[Path("my-zones.geojson")])
    hits = index.match(lons, lats)            # per point: indices into index.zones
    zones = index.zones_at(-66.11, 18.46)     # one point: the Zone records
"""

from zones.catalogue import default_pack_path, load_catalogue
from zones.errors import Problem, ZoneError, ZonePackError
from zones.flags import flag_for_mmsi, mid_allocation, mid_of
from zones.index import ZoneIndex
from zones.model import Zone, ZoneKind, ZoneRef
from zones.pack import check_pack, load_pack

__all__ = [
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
]
