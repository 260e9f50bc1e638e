"""Layer ``port``: the NGA World Port Index ports of the region, as circles sized by harbour.

Every WPI port whose position lies in ``REGION`` becomes a ``port`` zone: a circle round the
WPI position with a radius by WPI harbour size — Very Small 4 km, Small 6 km, Medium 8 km,
Large 12 km; ports without a size get 4 km. Zone id ``wpi-<WPI number>``, name the WPI main
port name.

Why these radii: the WPI gives one point per port, often the town or the harbour entrance
rather than the berths, and a port zone must hold the whole harbour — its berths, marinas and
inner anchorage — because ships moored there must not raise loitering alerts. Measured on real
AIS in the region (the MarineCadastre day and the GFW listener sample), radii half these
sizes left 55-60 % of positions reporting "moored" outside every port and anchorage zone (in
Puerto Rico: Crown Bay in St Thomas harbour, Puerto del Rey at Fajardo); these radii bring
that to 33-40 %, and what remains is mostly oil platforms, river berths and marinas the
sources do not list. Even the largest circle stays far inside the 20 nm Global Fishing Watch
keeps between loitering and the coast, so loitering offshore is unaffected.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from zones.geodesy import geodesic_circle
from zones.pack_writer import REGION, Box, Feature, make_feature

__all__ = ["WPI_COUNTRY_ALPHA2", "WPI_RADIUS_M", "WPI_SOURCE", "wpi_ports"]

WPI_SOURCE = "NGA World Port Index (Pub 150)"
WPI_RADIUS_M = {"Very Small": 4000.0, "Small": 6000.0, "Medium": 8000.0, "Large": 12000.0}
WPI_DEFAULT_RADIUS_M = 4000.0

# WPI country names (US GENC short names) -> ISO 3166-1 alpha-2, for every name in REGION.
# Checked against the UN/LOCODE prefixes of the same WPI rows. A name missing here gets no
# ``country`` (and a warning), never a guess. "France" is Baie du Marigot, Saint-Martin
# (ISO MF), but the WPI names the country, so FR is what the source supports; likewise
# Gustavia (Saint-Barthélemy, LOCODE BL) is listed under Guadeloupe.
WPI_COUNTRY_ALPHA2 = {
    "Antigua and Barbuda": "AG",
    "Argentina": "AR",
    "Aruba": "AW",
    "Barbados": "BB",
    "Belize": "BZ",
    "Bermuda": "BM",
    "Brazil": "BR",
    "British Virgin Islands": "VG",
    "Caribbean Netherlands": "BQ",
    "Cayman Islands": "KY",
    "Chile": "CL",
    "Colombia": "CO",
    "Costa Rica": "CR",
    "Cuba": "CU",
    "Curacao": "CW",
    "Dominica": "DM",
    "Dominican Republic": "DO",
    "Ecuador": "EC",
    "El Salvador": "SV",
    "Falkland Islands (Islas Malvinas)": "FK",
    "France": "FR",
    "French Guiana": "GF",
    "Grenada": "GD",
    "Guadeloupe": "GP",
    "Guatemala": "GT",
    "Guyana": "GY",
    "Haiti": "HT",
    "Honduras": "HN",
    "Jamaica": "JM",
    "Martinique": "MQ",
    "Mexico": "MX",
    "Nicaragua": "NI",
    "Panama": "PA",
    "Paraguay": "PY",
    "Peru": "PE",
    "Puerto Rico": "PR",
    "Saint Kitts and Nevis": "KN",
    "Saint Lucia": "LC",
    "Saint Vincent and the Grenadines (Windward Islands)": "VC",
    "Sint Maarten": "SX",
    "South Georgia and South Sandwich Islands": "GS",
    "Suriname": "SR",
    "The Bahamas": "BS",
    "Trinidad and Tobago": "TT",
    "Turks and Caicos Islands": "TC",
    "U.S. Virgin Islands": "VI",
    "United States": "US",
    "Uruguay": "UY",
    "Venezuela": "VE",
}


def wpi_ports(source_dir: Path, region: Box = REGION) -> list[Feature]:
    """``port`` zones for every WPI port in ``region``: circles sized by harbour size."""
    path = source_dir / "nga-wpi" / "UpdatedPub150.csv"
    features = []
    with path.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            lon, lat = float(row["Longitude"]), float(row["Latitude"])
            if (lon, lat) not in region:
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
            features.append(make_feature(properties, geodesic_circle(lon, lat, radius)))
    return features
