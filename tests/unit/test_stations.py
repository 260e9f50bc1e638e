"""Station categories (ITU-R M.585): what kind of station each form of MMSI is."""

from __future__ import annotations

import pytest

from models.stations import DISTRESS, Station, is_vessel, station_category, station_form


@pytest.mark.parametrize(
    ("mmsi", "category"),
    [
        (366123456, Station.SHIP),  # United States
        (538004505, Station.SHIP),  # Marshall Islands
        (775999999, Station.SHIP),  # Venezuela
        (23200123, Station.GROUP),  # 023200123: a group of British ships
        (3669884, Station.COAST),  # 003669884: a US coast / base station
        (2320001, Station.COAST),  # 002320001: a British one
        (111232001, Station.SAR_AIRCRAFT),  # 111 232 001: a British SAR aircraft
        (823212345, Station.HANDHELD),  # 8 232 12345
        (872023009, Station.HANDHELD),  # Bolivia (in the demo sample)
        (982321234, Station.CRAFT),  # 98 232 1234: a tender of a British ship
        (992321234, Station.AID_TO_NAVIGATION),  # 99 232 1234
        (993160013, Station.AID_TO_NAVIGATION),  # Canada (in the demo sample)
        (970123456, Station.AIS_SART),  # manufacturer 12, unit 3456
        (972010001, Station.MOB),
        (974990123, Station.EPIRB),
        (979120001, Station.AMRD),
        (200000000, Station.INVALID),  # a ship's form, MID 200 allocated to no state
        (994000312, Station.INVALID),  # an AtoN's form, MID 400 allocated to no state
        (111112638, Station.INVALID),  # 111 then 112: no MID starts with 1
        (123456789, Station.INVALID),  # first digit 1 is no form
        (969955519, Station.INVALID),  # 96: no form
        (800000000, Station.INVALID),  # a handheld's form with MID 000
        (12345, Station.INVALID),  # 000012345
        (0, Station.INVALID),
        (1_000_000_000, Station.INVALID),  # ten digits (AIS carries 30 bits)
        (-1, Station.INVALID),
    ],
)
def test_station_category(mmsi: int, category: Station) -> None:
    assert station_category(mmsi) is category


def test_station_form_gives_the_mid_allocated_or_not() -> None:
    assert station_form(994000312) == (Station.AID_TO_NAVIGATION, 400)
    assert station_form(3669884) == (Station.COAST, 366)
    assert station_form(970123456) == (Station.AIS_SART, None)
    assert station_form(123456789) == (Station.INVALID, None)


def test_which_stations_are_vessels() -> None:
    vessels = {s for s in Station if is_vessel(s)}
    assert vessels == {
        Station.SHIP,
        Station.GROUP,
        Station.HANDHELD,
        Station.CRAFT,
        Station.INVALID,
    }
    assert {Station.AIS_SART, Station.MOB, Station.EPIRB} == DISTRESS
