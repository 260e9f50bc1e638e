"""Regenerate the shipped demo pack, ``zones/data/default.geojson``, from real public sources.

    python -m zones.build_demo [SOURCE_DIR [OUTPUT]]

``SOURCE_DIR`` holds the source datasets in the layout of the project's shared data folder
(``nga-wpi/UpdatedPub150.csv``, ...); it defaults to ``$VIGILMAR_ZONE_SOURCES`` or
``/work/shared/data/zones``. The output is deterministic: features sorted by id, coordinates
rounded to 5 decimals (about 1 m), one feature per line so that changes diff well.

The pack is the union of *layers*. A layer is a function from the source folder to GeoJSON
features of one kind from one dataset; to extend the pack (anchorages, EEZ, corridors), write
another layer and add it to ``LAYERS``. Every boundary must come from a real source: no
invented outlines. See ``zones/data/SOURCES.md`` for datasets and licences.

Layers so far:

``wpi_ports``
    Every NGA World Port Index port inside the Caribbean box (lon -90..-58, lat 7..28) as a
    ``port`` zone: a circle around the WPI position with a radius by WPI harbour size — Very
    Small 2 km, Small 3 km, Medium 4 km, Large 6 km; ports without a size get 2 km. The WPI
    gives a single point per port, so the circle is a stand-in for the harbour area, sized in
    the spirit of Global Fishing Watch port visits (3-4 km around an anchorage).
"""

from __future__ import annotations

import csv
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Polygon, mapping

from zones.catalogue import default_pack_path
from zones.pack import check_pack

__all__ = ["CARIBBEAN", "LAYERS", "Box", "build", "geodesic_circle", "main", "wpi_ports"]

Feature = dict[str, Any]
Layer = Callable[[Path], list[Feature]]

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)
DECIMALS = 5
CIRCLE_VERTICES = 24  # a 2 km circle loses at most 17 m of radius to its chords


@dataclass(frozen=True, slots=True)
class Box:
    """A lon/lat rectangle, bounds included."""

    lon_min: float
    lat_min: float
    lon_max: float
    lat_max: float

    def __contains__(self, lon_lat: tuple[float, float]) -> bool:
        lon, lat = lon_lat
        return self.lon_min <= lon <= self.lon_max and self.lat_min <= lat <= self.lat_max


CARIBBEAN = Box(lon_min=-90.0, lat_min=7.0, lon_max=-58.0, lat_max=28.0)


def geodesic_circle(
    lon: float, lat: float, radius_m: float, vertices: int = CIRCLE_VERTICES
) -> Polygon:
    """A polygon whose vertices lie ``radius_m`` from (lon, lat) on a spherical Earth.

    Spherical destination points: within 0.5 % of the ellipsoidal distance, far below the
    uncertainty of a port's single WPI position. Not meant for circles crossing a pole or the
    antimeridian.
    """
    phi1 = math.radians(lat)
    lam1 = math.radians(lon)
    delta = radius_m / EARTH_RADIUS_M
    ring = []
    for step in range(vertices):
        theta = 2 * math.pi * step / vertices
        sin_phi2 = math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(
            theta
        )
        phi2 = math.asin(sin_phi2)
        lam2 = lam1 + math.atan2(
            math.sin(theta) * math.sin(delta) * math.cos(phi1),
            math.cos(delta) - math.sin(phi1) * sin_phi2,
        )
        ring.append((math.degrees(lam2), math.degrees(phi2)))
    return Polygon(ring)


# --- layer: NGA World Port Index ports -----------------------------------------------------

WPI_SOURCE = "NGA World Port Index (Pub 150)"
WPI_RADIUS_M = {"Very Small": 2000.0, "Small": 3000.0, "Medium": 4000.0, "Large": 6000.0}
WPI_DEFAULT_RADIUS_M = 2000.0

# WPI country names (US GENC short names) -> ISO 3166-1 alpha-2, for the names in CARIBBEAN.
# Checked against the UN/LOCODE prefixes of the same WPI rows. A name missing here gets no
# ``country`` (and a warning), never a guess. "France" is Baie du Marigot, Saint-Martin
# (ISO MF), but the WPI names the country, so FR is what the source supports.
WPI_COUNTRY_ALPHA2 = {
    "Antigua and Barbuda": "AG",
    "Aruba": "AW",
    "Barbados": "BB",
    "Belize": "BZ",
    "British Virgin Islands": "VG",
    "Caribbean Netherlands": "BQ",
    "Cayman Islands": "KY",
    "Colombia": "CO",
    "Costa Rica": "CR",
    "Cuba": "CU",
    "Curacao": "CW",
    "Dominica": "DM",
    "Dominican Republic": "DO",
    "El Salvador": "SV",
    "France": "FR",
    "Grenada": "GD",
    "Guadeloupe": "GP",
    "Guatemala": "GT",
    "Haiti": "HT",
    "Honduras": "HN",
    "Jamaica": "JM",
    "Martinique": "MQ",
    "Mexico": "MX",
    "Nicaragua": "NI",
    "Panama": "PA",
    "Puerto Rico": "PR",
    "Saint Kitts and Nevis": "KN",
    "Saint Lucia": "LC",
    "Saint Vincent and the Grenadines (Windward Islands)": "VC",
    "Sint Maarten": "SX",
    "The Bahamas": "BS",
    "Trinidad and Tobago": "TT",
    "Turks and Caicos Islands": "TC",
    "U.S. Virgin Islands": "VI",
    "United States": "US",
    "Venezuela": "VE",
}


def wpi_ports(source_dir: Path, box: Box = CARIBBEAN) -> list[Feature]:
    """``port`` zones for every WPI port in ``box``: circles sized by harbour size."""
    path = source_dir / "nga-wpi" / "UpdatedPub150.csv"
    features = []
    with path.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            lon, lat = float(row["Longitude"]), float(row["Latitude"])
            if (lon, lat) not in box:
                continue
            size = row["Harbor Size"].strip()
            radius = WPI_RADIUS_M.get(size, WPI_DEFAULT_RADIUS_M)
            country = WPI_COUNTRY_ALPHA2.get(row["Country Code"].strip())
            if country is None:
                warning = f"warning: no ISO code for WPI country {row['Country Code']!r}"
                print(warning, file=sys.stderr)
            properties = {
                "id": f"wpi-{row['World Port Index Number'].strip()}",
                "name": row["Main Port Name"].strip(),
                "kind": "port",
                "country": country,
                "source": WPI_SOURCE,
            }
            features.append(_feature(properties, geodesic_circle(lon, lat, radius)))
    return features


# --- assembling the pack -------------------------------------------------------------------

LAYERS: tuple[Layer, ...] = (wpi_ports,)


def build(source_dir: Path, layers: Sequence[Layer] = LAYERS) -> str:
    """The pack's text: every layer's features, sorted by id, one per line."""
    features = [feature for layer in layers for feature in layer(source_dir)]
    features.sort(key=lambda feature: str(feature["properties"]["id"]))
    lines = [json.dumps(feature, ensure_ascii=False, separators=(",", ":")) for feature in features]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def _feature(properties: dict[str, Any], geometry: shapely.Geometry) -> Feature:
    """A GeoJSON feature: ``None`` properties dropped, coordinates rounded, RFC 7946 winding."""
    snapped = shapely.orient_polygons(shapely.set_precision(geometry, 10.0**-DECIMALS))
    return {
        "type": "Feature",
        "properties": {key: value for key, value in properties.items() if value is not None},
        "geometry": _rounded(mapping(snapped)),
    }


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, DECIMALS)
    if isinstance(value, list | tuple):
        return [_rounded(item) for item in value]
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 2 or any(arg.startswith("-") for arg in args):
        print(__doc__, file=sys.stderr)
        return 2
    default_sources = os.environ.get("VIGILMAR_ZONE_SOURCES", "/work/shared/data/zones")
    source_dir = Path(args[0] if args else default_sources)
    output = Path(args[1]) if len(args) > 1 else default_pack_path()
    text = build(source_dir)
    output.write_text(text, encoding="utf-8")
    zones, problems = check_pack(output)
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    print(f"{output}: {len(zones)} zones, {len(text.encode()) / 1024:.0f} KiB", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
