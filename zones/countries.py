"""Country codes of the harbour sources, as ISO 3166-1 alpha-2: for building the harbour layer.

``ISO3_ALPHA2``
    every ISO 3166-1 alpha-3 code used by the Global Fishing Watch named anchorages (161
    codes; the placeholders ``""`` and ``"NA"`` are no country), to its alpha-2 code, as
    ISO 3166-1 lists them. Checked against the data: for the 146 of them that also label a
    WPI port in GFW's ``WPI_ports.csv``, the alpha-2 code is the UN/LOCODE prefix most of
    that country's WPI ports carry (a test repeats the check when the sources are present).
    As with the Caribbean pack, the source's code is kept where a territory has its own
    alpha-2 code elsewhere (GFW files Saint-Martin under FRA, so FR).

``WPI_NAME_ALPHA2``
    the WPI country names none of whose ports carries a UN/LOCODE to take the code from
    (``zones.layer_harbours`` takes every other name's code from its ports' UN/LOCODE
    prefixes), and Western Sahara, whose two ports carry EH and MA.
"""

from __future__ import annotations

__all__ = ["ISO3_ALPHA2", "WPI_NAME_ALPHA2"]

ISO3_ALPHA2 = {
    "AGO": "AO", "ALA": "AX", "ARE": "AE", "ARG": "AR", "ASM": "AS", "ATA": "AQ", "AUS": "AU",
    "AZE": "AZ", "BEL": "BE", "BEN": "BJ", "BES": "BQ", "BGD": "BD", "BGR": "BG", "BHR": "BH",
    "BHS": "BS", "BLM": "BL", "BLZ": "BZ", "BOL": "BO", "BRA": "BR", "BRB": "BB", "BRN": "BN",
    "CAN": "CA", "CCK": "CC", "CHE": "CH", "CHL": "CL", "CHN": "CN", "CIV": "CI", "CMR": "CM",
    "COD": "CD", "COG": "CG", "COK": "CK", "COL": "CO", "COM": "KM", "CPV": "CV", "CRI": "CR",
    "CUB": "CU", "CUW": "CW", "CXR": "CX", "CYM": "KY", "CYP": "CY", "CZE": "CZ", "DEU": "DE",
    "DJI": "DJ", "DMA": "DM", "DNK": "DK", "DOM": "DO", "DZA": "DZ", "ECU": "EC", "EGY": "EG",
    "ERI": "ER", "ESH": "EH", "ESP": "ES", "EST": "EE", "FIN": "FI", "FJI": "FJ", "FLK": "FK",
    "FRA": "FR", "FRO": "FO", "FSM": "FM", "GBR": "GB", "GEO": "GE", "GHA": "GH", "GIB": "GI",
    "GIN": "GN", "GNB": "GW", "GNQ": "GQ", "GRC": "GR", "GRD": "GD", "GRL": "GL", "GTM": "GT",
    "GUM": "GU", "HKG": "HK", "HND": "HN", "HRV": "HR", "HTI": "HT", "HUN": "HU", "IDN": "ID",
    "IND": "IN", "IRL": "IE", "IRN": "IR", "ISL": "IS", "ITA": "IT", "JAM": "JM", "JPN": "JP",
    "KIR": "KI", "KOR": "KR", "KWT": "KW", "LBN": "LB", "LBR": "LR", "LBY": "LY", "LCA": "LC",
    "LKA": "LK", "LTU": "LT", "LVA": "LV", "MAR": "MA", "MCO": "MC", "MDG": "MG", "MDV": "MV",
    "MEX": "MX", "MHL": "MH", "MLT": "MT", "MOZ": "MZ", "MRT": "MR", "MUS": "MU", "MYS": "MY",
    "MYT": "YT", "NAM": "NA", "NCL": "NC", "NGA": "NG", "NLD": "NL", "NOR": "NO", "NZL": "NZ",
    "OMN": "OM", "PAK": "PK", "PAN": "PA", "PER": "PE", "PHL": "PH", "PNG": "PG", "POL": "PL",
    "PRI": "PR", "PRT": "PT", "PRY": "PY", "PYF": "PF", "QAT": "QA", "ROU": "RO", "RUS": "RU",
    "SAU": "SA", "SEN": "SN", "SGP": "SG", "SGS": "GS", "SJM": "SJ", "SLB": "SB", "SLE": "SL",
    "SRB": "RS", "SUR": "SR", "SVK": "SK", "SWE": "SE", "SYC": "SC", "TCA": "TC", "TGO": "TG",
    "THA": "TH", "TKM": "TM", "TON": "TO", "TTO": "TT", "TUN": "TN", "TUR": "TR", "TUV": "TV",
    "TWN": "TW", "TZA": "TZ", "UKR": "UA", "URY": "UY", "USA": "US", "VCT": "VC", "VEN": "VE",
    "VGB": "VG", "VIR": "VI", "VNM": "VN", "VUT": "VU", "WSM": "WS", "YEM": "YE", "ZAF": "ZA",
}  # fmt: skip

# US Minor Outlying Islands (UM): Johnston Atoll, Midway, Wake.
WPI_NAME_ALPHA2 = {
    "Gibraltar": "GI",
    "Johnson Atoll": "UM",
    "Midway Islands": "UM",
    "Norfolk Island": "NF",
    "Palau": "PW",
    "Wake Island": "UM",
    "Western Sahara": "EH",
}
