"""What kind of station an MMSI belongs to, by its form (ITU-R M.585).

Every MMSI has nine digits (leading zeros included); its form says what kind of station it is:

| form          | station                                              | as a vessel? |
|---------------|------------------------------------------------------|--------------|
| ``MIDXXXXXX`` | ship station (MID first digit 2–7)                   | yes          |
| ``0MIDXXXXX`` | group of ship stations (a call identity)             | yes          |
| ``00MIDXXXX`` | coast station, AIS base station                      | no           |
| ``111MIDXXX`` | SAR aircraft                                         | no           |
| ``8MIDXXXXX`` | handheld VHF transceiver with DSC and GNSS           | yes          |
| ``98MIDXXXX`` | craft associated with a parent ship (tender, RIB)    | yes          |
| ``99MIDXXXX`` | aid to navigation (AtoN)                             | no           |
| ``970XXYYYY`` | AIS-SART (search and rescue transmitter)             | no: distress |
| ``972XXYYYY`` | MOB-AIS (man overboard)                              | no: distress |
| ``974XXYYYY`` | EPIRB-AIS                                            | no: distress |
| ``979XXYYYY`` | autonomous maritime radio device, group B (M.585-8)  | no           |

A form with a MID needs an allocated MID (the ITU table in ``zones/data/mid.csv``); ``XX`` of
the distress and AMRD forms is a manufacturer's number, not a MID. A number with no form, or
with a MID allocated to no state, is ``INVALID``: no station's at all.

"As a vessel" says which stations the engine follows with every vessel behaviour. Aids to
navigation, coast stations and AMRDs are meant to stay put (a buoy, a base station, a net
marker): their positions are checked only for ship-like motion (``MOVING_CHECKED``). Distress
beacons raise ``distress`` and nothing else; a SAR aircraft flies, hovers and lands, so no
vessel behaviour applies to it. Handhelds are carried aboard small craft: followed as vessels,
and also checked for the sustained motion of a ship.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from zones.flags import mid_allocation

__all__ = [
    "DISTRESS",
    "MOVING_CHECKED",
    "Station",
    "is_vessel",
    "station_category",
    "station_form",
]


class Station(StrEnum):
    """The kind of station an MMSI identifies (ITU-R M.585)."""

    SHIP = "ship"
    GROUP = "group"
    COAST = "coast_station"
    SAR_AIRCRAFT = "sar_aircraft"
    HANDHELD = "handheld"
    CRAFT = "craft_of_parent_ship"
    AID_TO_NAVIGATION = "aid_to_navigation"
    AIS_SART = "ais_sart"
    MOB = "mob"
    EPIRB = "epirb_ais"
    AMRD = "amrd"
    INVALID = "invalid"

    @property
    def label(self) -> str:
        """How a sentence names this kind of station."""
        return _LABELS[self]


_LABELS = {
    Station.SHIP: "ship station",
    Station.GROUP: "group call identity",
    Station.COAST: "coast or base station",
    Station.SAR_AIRCRAFT: "SAR aircraft",
    Station.HANDHELD: "handheld VHF transceiver",
    Station.CRAFT: "craft associated with a parent ship",
    Station.AID_TO_NAVIGATION: "aid to navigation",
    Station.AIS_SART: "AIS-SART",
    Station.MOB: "MOB-AIS",
    Station.EPIRB: "EPIRB-AIS",
    Station.AMRD: "autonomous maritime radio device",
    Station.INVALID: "invalid number",
}

#: Prefixes of the forms without a MID (``XX`` is the manufacturer's number).
_DEVICES = {
    "970": Station.AIS_SART,
    "972": Station.MOB,
    "974": Station.EPIRB,
    "979": Station.AMRD,
}

#: Distress beacons: a position report from one is a distress signal.
DISTRESS = frozenset({Station.AIS_SART, Station.MOB, Station.EPIRB})

#: Stations followed with every vessel behaviour (an invalid number may be a ship's too).
_VESSELS = frozenset(
    {Station.SHIP, Station.GROUP, Station.HANDHELD, Station.CRAFT, Station.INVALID}
)

#: Stations that should not move like ships: their positions are checked for it.
MOVING_CHECKED = frozenset(
    {Station.COAST, Station.AID_TO_NAVIGATION, Station.HANDHELD, Station.AMRD}
)


def station_form(mmsi: int) -> tuple[Station, int | None]:
    """The form ``mmsi`` has and the MID it carries (allocated or not): ``(INVALID, None)`` for
    a number that has no form of ITU-R M.585; no MID for the distress and AMRD forms."""
    if not 0 <= mmsi <= 999_999_999:
        return Station.INVALID, None
    digits = f"{mmsi:09d}"
    device = _DEVICES.get(digits[:3])
    if device is not None:
        return device, None
    if digits[0] in "234567":
        form, mid = Station.SHIP, digits[0:3]
    elif digits.startswith("111"):
        form, mid = Station.SAR_AIRCRAFT, digits[3:6]
    elif digits.startswith("99"):
        form, mid = Station.AID_TO_NAVIGATION, digits[2:5]
    elif digits.startswith("98"):
        form, mid = Station.CRAFT, digits[2:5]
    elif digits.startswith("8"):
        form, mid = Station.HANDHELD, digits[1:4]
    elif digits.startswith("00"):
        form, mid = Station.COAST, digits[2:5]
    elif digits.startswith("0"):
        form, mid = Station.GROUP, digits[1:4]
    else:
        return Station.INVALID, None
    if mid[0] not in "234567":
        return Station.INVALID, None
    return form, int(mid)


@lru_cache(maxsize=1 << 16)
def station_category(mmsi: int) -> Station:
    """The kind of station ``mmsi`` identifies; ``INVALID`` when it is no station's: no form,
    or a MID allocated to no state."""
    form, mid = station_form(mmsi)
    if mid is not None and not mid_allocation(mid):
        return Station.INVALID
    return form


def is_vessel(category: Station) -> bool:
    """Whether the engine follows a station of this kind with every vessel behaviour."""
    return category in _VESSELS
