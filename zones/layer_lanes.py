"""Layer ``corridor``: the world's main shipping lanes within the region, as bands round the lines.

Source: Benden (2022), *Global Shipping Lanes* v1 (``Shipping_Lanes_v1.geojson``): three
MultiLineStrings, ``Type`` Major, Middle and Minor, georeferenced from the CIA *Map of the
World's Oceans* (2012). The lines are schematic — a lane drawn on a world map, not a traffic
separation scheme — so a corridor is a band ``HALF_WIDTH_M`` (5 nm) either side of the line:
wide enough to hold the traffic the line stands for, without claiming more precision than a
world map has.

Each lane type is clipped to ``REGION`` and cut into ``TILE_DEG`` (2°) tiles. Tiling keeps each
zone's bounding box small (the zone index pre-filters points by bounding boxes, and a lane
running the length of the continent would cover everything) and keeps the metric buffer of
each piece within a few hundred km of its projection centre (see ``zones.geodesy``). Each
tile's band is built from the lines within reach of the tile and then clipped to the tile, so
the tiles of one lane fit edge to edge. Zone id ``lane-<type>-<tile>`` where the tile is named
by its south-west corner (``lane-major-w080n08``), name ``<Type> shipping lane``, no country.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import shapely
from shapely.geometry import box, shape

from zones.geodesy import NAUTICAL_MILE_M, buffer_m
from zones.pack_writer import REGION, Box, Feature, make_feature, polygonal

__all__ = ["HALF_WIDTH_M", "LANES_SOURCE", "TILE_DEG", "shipping_lanes"]

LANES_SOURCE = (
    "Benden (2022), Global Shipping Lanes v1, after the CIA Map of the World's Oceans; CC BY 4.0"
)
HALF_WIDTH_M = 5 * NAUTICAL_MILE_M
TILE_DEG = 2.0
SIMPLIFY_DEG = 0.002  # about 200 m, small against a band 18.5 km wide
_REACH_DEG = 0.25  # lines this close to a tile can put band into it (5 nm is < 0.11° here)


def shipping_lanes(source_dir: Path, region: Box = REGION) -> list[Feature]:
    """``corridor`` zones: 5 nm either side of each shipping lane, tile by tile."""
    path = source_dir / "shipping-lanes" / "Shipping_Lanes_v1.geojson"
    document = json.loads(path.read_text(encoding="utf-8"))
    features = []
    area = region.polygon()
    for source_feature in document["features"]:
        lane_type = str(source_feature["properties"]["Type"])
        lines = shapely.intersection(shape(source_feature["geometry"]), area)
        if lines.is_empty:
            continue
        shapely.prepare(lines)
        for tile in _tiles(region):
            west, south, east, north = tile.bounds
            reach = box(
                west - _REACH_DEG, south - _REACH_DEG, east + _REACH_DEG, north + _REACH_DEG
            )
            if not lines.intersects(reach):
                continue
            nearby = shapely.intersection(lines, reach)
            centre = tile.centroid
            band = buffer_m(nearby, HALF_WIDTH_M, centre=(centre.x, centre.y))
            piece = polygonal(shapely.intersection(shapely.simplify(band, SIMPLIFY_DEG), tile))
            if piece is None:
                continue
            properties = {
                "id": f"lane-{lane_type.lower()}-{_tile_name(west, south)}",
                "name": f"{lane_type} shipping lane",
                "kind": "corridor",
                "country": None,
                "source": LANES_SOURCE,
            }
            features.append(make_feature(properties, piece))
    return features


def _tiles(region: Box) -> list[shapely.Polygon]:
    """The region cut into ``TILE_DEG`` squares from its south-west corner (edge tiles clipped)."""
    columns = math.ceil((region.lon_max - region.lon_min) / TILE_DEG)
    rows = math.ceil((region.lat_max - region.lat_min) / TILE_DEG)
    tiles = []
    for row in range(rows):
        for column in range(columns):
            west = region.lon_min + column * TILE_DEG
            south = region.lat_min + row * TILE_DEG
            east = min(west + TILE_DEG, region.lon_max)
            north = min(south + TILE_DEG, region.lat_max)
            tiles.append(box(west, south, east, north))
    return tiles


def _tile_name(west: float, south: float) -> str:
    ew = "w" if west < 0 else "e"
    ns = "s" if south < 0 else "n"
    return f"{ew}{abs(round(west)):03d}{ns}{abs(round(south)):02d}"
