"""Normalisation in one place: one vessel gives equal records from an NMEA log, a MarineCadastre
export, a positions CSV and JSON Lines, and the field readers take ASCII numbers only."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyais import encode_dict

from models.decode import Decoder
from models.normalise import FieldError, imo, message_type, mmsi, number, parse_time, whole
from models.records import (
    FailureReason,
    InputLine,
    PositionReport,
    StaticReport,
    TimeWindow,
)
from replay.readers import Reader
from tests.nmea_tracks import tag_block

T0 = int(datetime(2022, 1, 3, 14, 30, tzinfo=UTC).timestamp())
MC_HEADER = (
    "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,"
    "Length,Width,Draft,Cargo,TransceiverClass"
)


@dataclass(frozen=True)
class Vessel:
    """What one Class A vessel sends: a position report (type 1) and static data (type 5), with
    values as the transponder has them (sentinels included, text with its '@' padding)."""

    mmsi: int
    lat: float
    lon: float
    speed: float
    course: float
    heading: int
    status: int
    name: str
    callsign: str
    imo: int
    ship_type: int


VESSELS = {
    "under way": Vessel(
        367000001, 18.4, -66.1, 12.5, 90.5, 91, 0, 'RAY "CHIEF",@TONEY@@', "@WDG75", 9000001, 70
    ),
    "sentinels": Vessel(367000002, 91.0, 181.0, 102.3, 360.0, 511, 15, "@@SEA@STAR", "", 0, 0),
    "off the globe": Vessel(367000003, 100.0, -66.1, 0.0, 0.0, 0, 1, "DRIFTER", "AB@CD", 0, 99),
}


def nmea_records(vessel: Vessel) -> list[PositionReport | StaticReport]:
    """Encode with pyais, decode with our decoder."""
    static = encode_dict(
        {
            "type": 5,
            "mmsi": vessel.mmsi,
            "shipname": vessel.name,
            "callsign": vessel.callsign,
            "imo": vessel.imo,
            "ship_type": vessel.ship_type,
        },
        talker_id="AI",
    )
    position = encode_dict(
        {
            "type": 1,
            "mmsi": vessel.mmsi,
            "lat": vessel.lat,
            "lon": vessel.lon,
            "speed": vessel.speed,
            "course": vessel.course,
            "heading": vessel.heading,
            "status": vessel.status,
        },
        talker_id="AI",
    )
    lines = [tag_block("test", T0) + sentence for sentence in [*static, *position]]
    out = Decoder().decode_all([InputLine(text, "log.nmea", n) for n, text in enumerate(lines, 1)])
    assert all(isinstance(record, PositionReport | StaticReport) for record in out), out
    return out  # type: ignore[return-value]


def csv_line(fields: list[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(fields)
    return buffer.getvalue()


def marinecadastre(vessel: Vessel) -> str:
    moment = datetime.fromtimestamp(T0, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    imo_text = f"IMO{vessel.imo:07d}"
    row = [vessel.mmsi, moment, vessel.lat, vessel.lon, vessel.speed, vessel.course]
    row += [vessel.heading, vessel.name, imo_text, vessel.callsign, vessel.ship_type]
    row += [vessel.status, 30, 6, "", "", "A"]
    return f"{MC_HEADER}\n{csv_line(row)}\n"


def positions_csv(vessel: Vessel) -> str:
    header = "ssvid,lat,lon,timestamp,speed,course,heading,status"
    moment = datetime.fromtimestamp(T0, tz=UTC).isoformat()
    row = [vessel.mmsi, vessel.lat, vessel.lon, moment, vessel.speed, vessel.course]
    return f"{header}\n{csv_line([*row, vessel.heading, vessel.status])}\n"


def json_lines(vessel: Vessel) -> str:
    """gpsd-style objects (``gpsdecode -j``), as an export of the same messages would hold."""
    static = {
        "type": 5,
        "mmsi": vessel.mmsi,
        "timestamp": T0,
        "shipname": vessel.name,
        "callsign": vessel.callsign,
        "imo": vessel.imo,
        "shiptype": vessel.ship_type,
    }
    position = {
        "type": 1,
        "mmsi": vessel.mmsi,
        "timestamp": T0,
        "lat": vessel.lat,
        "lon": vessel.lon,
        "speed": vessel.speed,
        "course": vessel.course,
        "heading": vessel.heading,
        "status": vessel.status,
    }
    return f"{json.dumps(static)}\n{json.dumps(position)}\n"


def read_file(path: Path, text: str) -> list[PositionReport | StaticReport]:
    path.write_text(text)
    items = list(Reader([str(path)]))
    assert all(isinstance(item, PositionReport | StaticReport) for item in items), items
    return items  # type: ignore[return-value]


def without_source(records: list[PositionReport | StaticReport]) -> dict[type, object]:
    found: dict[type, object] = {}
    for record in records:
        assert type(record) not in found, records
        found[type(record)] = replace(record, source="")
    return found


@pytest.mark.parametrize("case", list(VESSELS))
def test_one_vessel_gives_equal_records_from_nmea_csv_and_json_lines(
    tmp_path: Path, case: str
) -> None:
    vessel = VESSELS[case]
    nmea = without_source(nmea_records(vessel))
    cadastre = without_source(read_file(tmp_path / "day.csv", marinecadastre(vessel)))
    positions = without_source(read_file(tmp_path / "export.csv", positions_csv(vessel)))
    jsonl = without_source(read_file(tmp_path / "decoded.jsonl", json_lines(vessel)))
    assert cadastre == nmea
    assert jsonl == nmea
    assert positions == {PositionReport: nmea[PositionReport]}


def test_the_vessels_cover_padding_odd_text_sentinels_and_impossible_positions() -> None:
    """What the equality above is about: NMEA's values, as the engine must see them."""
    under_way = without_source(nmea_records(VESSELS["under way"]))
    assert under_way[StaticReport] == StaticReport(
        367000001, T0, 5, name='RAY "CHIEF", TONEY', callsign="WDG75", imo=9000001, ship_type=70
    )
    assert under_way[PositionReport] == PositionReport(
        367000001, T0, 1, 18.4, -66.1, speed=12.5, course=90.5, heading=91, status=0
    )
    sentinels = without_source(nmea_records(VESSELS["sentinels"]))
    assert sentinels[StaticReport] == StaticReport(367000002, T0, 5, name="SEA STAR")
    assert sentinels[PositionReport] == PositionReport(367000002, T0, 1, None, None, status=15)
    off_globe = without_source(nmea_records(VESSELS["off the globe"]))
    position = off_globe[PositionReport]
    assert isinstance(position, PositionReport)
    assert (position.lat, position.impossible, position.heading) == (100.0, True, 0)
    static = off_globe[StaticReport]
    assert isinstance(static, StaticReport)
    assert (static.callsign, static.ship_type) == ("AB CD", 99)


# --- field readers ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["²", "١٢", "１２", "1_000", "12a", "0x1f", "--1", "1e", "."])
def test_only_ascii_numbers_are_numbers(text: str) -> None:
    for read in (number, whole, imo, mmsi, message_type):
        with pytest.raises(FieldError) as caught:
            read(text, "field")
        assert caught.value.reason is FailureReason.BAD_ROW, read
        assert "field" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12.0), (" -1.5 ", -1.5), ("+.5", 0.5), ("1e3", 1000.0), (7, 7.0), ("", None)],
)
def test_ascii_numbers_read(value: object, expected: float | None) -> None:
    assert number(value, "field") == expected


@pytest.mark.parametrize(
    "value", ["nan", "NaN", "-inf", "Infinity", "1e999", float("nan"), float("inf"), 10**400]
)
def test_numbers_that_are_not_finite_are_bad_values(value: object) -> None:
    with pytest.raises(FieldError) as caught:
        number(value, "speed")
    assert caught.value.reason is FailureReason.BAD_VALUE


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (1_073_741_824, FailureReason.BAD_VALUE),
        (-1, FailureReason.BAD_VALUE),
        ("367000001.5", FailureReason.BAD_VALUE),
        (None, FailureReason.BAD_ROW),
        (True, FailureReason.BAD_ROW),
    ],
)
def test_mmsi_is_a_whole_number_of_thirty_bits_at_most(
    value: object, reason: FailureReason
) -> None:
    with pytest.raises(FieldError) as caught:
        mmsi(value)
    assert caught.value.reason is reason
    assert mmsi("1073741823") == 1_073_741_823  # what NMEA can carry (not a ship: flagged later)
    assert mmsi(0) == 0


def test_message_types_outside_1_to_27_are_unsupported() -> None:
    assert message_type("27") == 27
    for value in (0, 28, "64"):
        with pytest.raises(FieldError) as caught:
            message_type(value)
        assert caught.value.reason is FailureReason.UNSUPPORTED_TYPE


@pytest.mark.parametrize(
    "value",
    [
        "1" * 23,
        "10000-01-01T00:00:00",
        "0000-01-01",
        "2022-13-01T00:00:00",
        "2022-01-03T25:00:00",
        "1969-12-31T23:59:59Z",
        "2100-01-01T00:00:01Z",
        "nan",
        "-Infinity",
        "1e300",
        "12345",
        1e300,
        float("nan"),
        float("inf"),
        -5,
        10**400,
    ],
)
def test_impossible_times_are_bad_times(value: object) -> None:
    with pytest.raises(FieldError) as caught:
        parse_time(value)
    assert caught.value.reason is FailureReason.BAD_TIME


@pytest.mark.parametrize("value", ["yesterday", "١٦٤١١٦٨٠٠٠", "2022-01-03T00:00:00١", True])
def test_text_that_is_no_time_is_a_bad_row(value: object) -> None:
    with pytest.raises(FieldError) as caught:
        parse_time(value)
    assert caught.value.reason is FailureReason.BAD_ROW


def test_times_are_judged_by_the_window_given() -> None:
    window = TimeWindow(earliest=T0, latest=T0 + 60)
    assert parse_time(str(T0 + 60), window=window) == T0 + 60
    assert parse_time((T0 + 60) * 1000, window=window) == T0 + 60  # epoch milliseconds
    with pytest.raises(FieldError, match=r"outside 2022-01-03T14:30:00Z \.\. 2022-01-03T14:31:00Z"):
        parse_time("2022-01-03T14:31:01Z", window=window)
