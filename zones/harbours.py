"""The world harbour layer: every port and anchorage outside the Caribbean pack, loaded beside it.

The shipped pack (``zones/data/default.geojson``) covers lon -120..-30, lat -60..33 with
polygons. Everywhere else, harbours come from this layer — ``zones/data/harbours.json.gz``,
built by ``python -m zones.build_harbours`` from the NGA World Port Index, the Global Fishing
Watch named anchorages and the UN/LOCODE ports of searoute (rules in
``zones.layer_harbours``) — as ``CircleZone`` records of kind ``port`` and ``anchorage``,
matched by a ``CircleIndex`` (``zones.circles``). The layer is silent inside the pack's region,
so there the pack alone answers, exactly as before.

The file is gzip-compressed JSON, one harbour per line::

    {"format":"vigilmar.harbours/1",
    "silent_inside":[-120.0,-60.0,-30.0,33.0],
    "sources":["NGA World Port Index (Pub 150)", ...],
    "harbours":[
    ["wpi-12345","port","Name","CN",0,8000,[lon,lat]],
    ["gfw-chn-zhoushan-3","anchorage","ZHOUSHAN","CN",1,3000,[lon,lat,lon,lat,...]],
    ...
    ]}

Each harbour: id, kind, name, country (ISO 3166-1 alpha-2 or null), source (an index into
``sources``), radius in metres, and its centres as a flat lon, lat list. ``silent_inside`` is
the box (west, south, east, north; bounds included) where the layer matches nothing.

``HarbourApproaches`` answers, for one point, which harbour's *approaches* it lies in: the port
or anchorage (a circle zone of this layer or a polygon of a pack) whose edge is nearest and at
most a given distance away. Ships wait off a port for a berth, a pilot or the tide — roadsteads
and waiting areas that no zone outlines — so detectors that take a stopped ship in a harbour for
routine (loitering) take it so in the approaches too. It is built on first use and asked rarely
(once per loitering episode), so it costs nothing on the per-report path.
"""

from __future__ import annotations

import gzip
import itertools
import json
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from zones.circles import CircleIndex, CircleZone
from zones.errors import ZoneError
from zones.model import Zone, ZoneKind
from zones.nearest import NearestZones

__all__ = [
    "FORMAT",
    "HarbourApproaches",
    "harbour_layer_path",
    "load_harbours",
    "parse_harbours",
    "shipped_harbours",
]

FORMAT = "vigilmar.harbours/1"
_KINDS = {"port": ZoneKind.PORT, "anchorage": ZoneKind.ANCHORAGE}


def harbour_layer_path() -> Path:
    """The shipped world harbour layer, built by ``python -m zones.build_harbours``."""
    return Path(__file__).resolve().parent / "data" / "harbours.json.gz"


@cache
def shipped_harbours() -> CircleIndex:
    """The shipped layer, loaded and indexed once per process (it is immutable: its zones are
    frozen and its arrays read-only), so every catalogue shares it."""
    return load_harbours()


def load_harbours(path: Path | str | None = None) -> CircleIndex:
    """The harbour layer at ``path`` (the shipped one by default), indexed.

    Raises ``ZoneError`` when the file cannot be read or is not a harbour layer.
    """
    path = harbour_layer_path() if path is None else Path(path)
    try:
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        return parse_harbours(json.loads(text))
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ZoneError(f"cannot read the harbour layer {path}: {err}") from err
    except (KeyError, IndexError, TypeError, ValueError) as err:
        raise ZoneError(f"{path} is not a {FORMAT} harbour layer: {err!r}") from err


def parse_harbours(document: dict[str, Any]) -> CircleIndex:
    """The layer of a parsed harbour file (see the module's docstring for the form)."""
    if document.get("format") != FORMAT:
        raise ValueError(f"format {document.get('format')!r}, expected {FORMAT!r}")
    sources: Sequence[str] = document["sources"]
    west, south, east, north = (float(value) for value in document["silent_inside"])
    rows = document["harbours"]
    if any(len(row[6]) % 2 or not row[6] for row in rows):
        raise ValueError("a harbour's centres must be a non-empty list of lon, lat pairs")
    flat = np.fromiter(itertools.chain.from_iterable(row[6] for row in rows), dtype=np.float64)
    centres = flat.reshape(-1, 2)
    centres.flags.writeable = False  # every zone's centres are a view of this one array
    ends = np.cumsum([len(row[6]) // 2 for row in rows]).tolist()
    countries: dict[str, str] = {}  # one string per code, not one per harbour
    zones = [
        CircleZone(
            id=zone_id,
            name=name,
            kind=_KINDS[kind],
            centres=centres[end - len(flat_centres) // 2 : end],
            radius_m=radius,
            country=None if country is None else countries.setdefault(country, country),
            source=sources[source],
        )
        for (zone_id, kind, name, country, source, radius, flat_centres), end in zip(
            rows, ends, strict=True
        )
    ]
    return CircleIndex(zones, silent=(west, south, east, north))


class HarbourApproaches(NearestZones):
    """The ports and anchorages among ``zones``, asked for the one whose edge is nearest a point
    and within ``km``: the harbour whose approaches the point lies in (module docstring)."""

    def __init__(self, zones: Iterable[Zone], km: float) -> None:
        super().__init__(zones, km, lambda zone: zone.is_harbour)
