"""Leading time columns, own-ship clocks and AIS-catcher receive times, rule by rule (issue 13)."""

from __future__ import annotations

import io
import json
from datetime import UTC
from zoneinfo import ZoneInfo

import pytest

from models.decode import Decoder
from models.nmea import Clock, LineClock, leading_time, rmc_time, time_column, time_zone
from models.records import Failure, InputLine, Outcome, PositionReport
from replay.readers import AISCATCHER, NMEA, POSITIONS_CSV, detect_format
from replay.readers_csv import read_csv
from replay.readers_jsonl import read_aiscatcher

G = "!AIVDM,1,1,,A,13prmQ?P001EOA4OC3h@u?vl20SR,0*7F"
T = 1_668_046_497  # 2022-11-10T02:14:57Z
RMC = "$GPRMC,021457.00,A,1829.1230,N,06605.0000,W,0.0,0.0,101122,,,A*4F"


class Decoded:
    """A decoder that has read ``lines`` (of source ``log``), and what it gave."""

    def __init__(self, lines: list[str], zone: str = "UTC", received: float | None = None):
        self.decoder = Decoder(timezone=time_zone(zone))
        self.out: list[Outcome] = []
        for n, text in enumerate(lines, 1):
            self.decoder.feed(InputLine(text, "log", n, received), self.out)
        self.decoder.flush(self.out)
        self.stats = self.decoder.stats


def decode(lines: list[str], zone: str = "UTC", received: float | None = None) -> Decoded:
    return Decoded(lines, zone, received)


def outcomes(decoded: Decoded) -> list[Outcome]:
    return decoded.out


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("1668046497,", T),
        ("1668046497123;", T + 0.123),
        ("1668046497\t", T),
        ("1668046497 ", T),
        ("1668046497.5 , ", T + 0.5),
        ("2022-11-10 02:14:57, ", T),
        ("2022-11-10 02:14:57.250 ", T + 0.25),
        ("2022-11-10 02:14:57,250 ", T + 0.25),  # Python logging's asctime
        ("2022-11-10T02:14:57Z\t", T),
        ("2022-11-10T04:14:57+02:00,", T),
        ("2022-11-09T22:14:57-0400;", T),
        ("2022-11-10 02:14:57 UTC,", T),
    ],
)
def test_leading_time_columns(prefix: str, expected: float) -> None:
    found = leading_time(prefix)
    assert found is not None
    assert found.timestamp == pytest.approx(expected)


@pytest.mark.parametrize(
    "prefix",
    ["1668046497", "12345,", "abc,", "2022-11-10,", "02:14:57,", "1668046497,x,", "[2022-11-10]"],
)
def test_what_is_not_a_time_column(prefix: str) -> None:
    assert leading_time(prefix) is None


def test_a_naive_time_is_read_in_the_named_zone_and_says_so() -> None:
    found = time_column("2022-11-10 10:14:57", ZoneInfo("Asia/Shanghai"))
    assert found is not None
    assert found.naive
    assert found.timestamp == T
    zoned = time_column("2022-11-10T10:14:57+08:00", ZoneInfo("Europe/Oslo"))
    assert zoned is not None
    assert not zoned.naive
    assert zoned.timestamp == T


def test_a_time_shaped_column_that_is_no_time_fails_the_line_once() -> None:
    decoder = decode(
        [f"2022-13-10 02:14:57,{G}", f"2022-11-10T02:14:57+30:00,{G}", f"4102444801,{G}"]
    )
    failures = outcomes(decoder)
    assert [f.reason.value for f in failures if isinstance(f, Failure)] == ["bad_time"] * 3
    assert len(failures) == 3
    assert "no date and time" in failures[0].detail  # type: ignore[union-attr]


def test_an_unknown_prefix_is_one_failure_never_a_decoded_message_as_well() -> None:
    decoder = decode([f"station-7 {G}", f"2022-11-10: {G}"])
    out = outcomes(decoder)
    assert [o.reason.value for o in out if isinstance(o, Failure)] == ["unknown_prefix"] * 2
    assert len(out) == 2
    assert decoder.stats.messages == 2
    assert decoder.stats.decoded_total == 0


def test_a_header_is_tolerated_on_the_first_line_only() -> None:
    decoder = decode(["epoch,AIS_Sentences", f"{T},{G}", "epoch,AIS_Sentences"])
    out = outcomes(decoder)
    assert isinstance(out[0], PositionReport)
    assert out[0].timestamp == T
    assert decoder.stats.ignored["header"] == 1
    assert [o.reason.value for o in out[1:] if isinstance(o, Failure)] == ["malformed"]


def test_rmc_and_zda_are_file_clocks() -> None:
    zda = "$GPZDA,021500.00,10,11,2022,00,00*63"
    decoder = decode([RMC, G, G, zda, G])
    times = [o.timestamp for o in outcomes(decoder) if isinstance(o, PositionReport)]
    assert times == [T, T, T + 3]
    assert decoder.stats.clocks["log"] == {Clock.RMC: 2, Clock.ZDA: 1}
    assert decoder.stats.inherited == 3


def test_an_rmc_without_a_fix_claims_nothing_and_a_bad_one_is_no_clock() -> None:
    void = "$GPRMC,,V,,,,,,,,,,N*53"
    bad = "$GPRMC,021457.00,A,1829.1230,N,06605.0000,W,0.0,0.0,321322,,,A*7E"
    decoder = decode([void, bad, G])
    assert decoder.stats.ignored == {"rmc": 1, "bad_clock": 1}
    assert decoder.stats.untimed == 1
    assert rmc_time(["GPRMC", "235959", "A", "", "", "", "", "", "", "311279"]) == pytest.approx(
        3_471_292_799.0
    )  # 79 is 2079: GPS time began in 1980


def test_a_receive_time_given_with_the_line_wins_over_a_naive_leading_time_only() -> None:
    """The feeder read a naive time in its --timezone and put it in the Kafka timestamp: the
    worker's decoder (UTC by default) must not read it again in the wrong zone."""
    naive = decode([f"2022-11-10 10:14:57,{G}"], received=T)
    assert [o.timestamp for o in outcomes(naive)] == [T]  # type: ignore[union-attr]
    assert naive.stats.clocks["log"] == {Clock.RECEIVED: 1}
    zoned = decode([f"{T + 60},{G}"], received=T)
    assert [o.timestamp for o in outcomes(zoned)] == [T + 60]  # type: ignore[union-attr]


def test_the_clock_counts_name_the_zone_a_naive_time_was_read_in() -> None:
    decoder = decode([f"2022-11-10 03:14:57,{G}", G], zone="Europe/Oslo")
    assert decoder.stats.clocks["log"] == {
        f"{Clock.LEADING_LOCAL} (read as Europe/Oslo)": 2  # the second took the first's time
    }


def test_the_feeders_line_clock_reads_the_same_clocks() -> None:
    clock = LineClock(zone=ZoneInfo("Asia/Shanghai"))
    assert clock.time_of(f"2022-11-10 10:14:57,{G}") == T
    assert clock.time_of(G) == T
    assert clock.time_of(RMC.replace("021457", "021500")) == T + 3
    assert clock.time_of(f"{T + 10}000;{G}") == T + 10
    assert clock.time_of(f"junk {G}") == T + 10  # no time of its own: the latest


def test_unknown_time_zones_are_refused_by_name() -> None:
    assert time_zone("utc") is UTC
    with pytest.raises(ValueError, match="Mars/Olympus"):
        time_zone("Mars/Olympus")


# --- readers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["epoch,AIS_Sentences", f"{T},{G}", f"{T},{G}"], NMEA),
        ([f"2022-11-10 02:14:57, {G}"], NMEA),
        ([f"{T}\t{RMC}", f"{T}\t{G}"], NMEA),
        (
            ['{"class":"AIS","rxtime":"20221110021457","nmea":["' + G + '"],"mmsi":261010820}'],
            AISCATCHER,
        ),
        (["epoch,mmsi,lat,lon", f"{T},261010820,54.7,18.7"], POSITIONS_CSV),
        (["unix_time,MMSI,LAT,LON", f"{T},261010820,54.7,18.7"], POSITIONS_CSV),
    ],
)
def test_the_formats_are_recognised_from_content(lines: list[str], expected: str) -> None:
    assert detect_format(lines) == expected


def catcher(*documents: object) -> list[InputLine | Failure]:
    lines = [d if isinstance(d, str) else json.dumps(d) for d in documents]
    return list(read_aiscatcher(iter([(1, lines, {})]), "catcher.json"))


def test_aiscatcher_objects_give_their_sentences_with_their_receive_time() -> None:
    part1 = "!AIVDM,2,1,1,A,55NPvo800001L@OCWO@EDLDpTF0br0QDLE:2220q000005OP07T0DhhAkmC0,0*65"
    part2 = "!AIVDM,2,2,1,A,K83Dp888880,2*69"
    items = catcher(
        {"class": "AIS", "rxtime": "20221110021457", "nmea": [G]},
        {"class": "AIS", "rxuxtime": T + 5, "rxtime": "20221110021500", "nmea": [part1, part2]},
        {"class": "AIS", "nmea": [G]},
    )
    assert items == [
        InputLine(G, "catcher.json", 1, T),
        InputLine(part1, "catcher.json", 2, T + 5),
        InputLine(part2, "catcher.json", 2, T + 5),
        InputLine(G, "catcher.json", 3, None),
    ]


def test_aiscatcher_lines_that_cannot_be_read_are_one_failure_each() -> None:
    items = catcher(
        "not json",
        {"class": "AIS", "rxtime": "20221310021457", "nmea": [G]},
        {"class": "AIS", "rxtime": "21500101000000", "nmea": [G]},
        {"class": "AIS", "nmea": []},
        {"class": "AIS", "nmea": [7]},
    )
    reasons = [item.reason.value for item in items if isinstance(item, Failure)]
    assert reasons == ["bad_row", "bad_time", "bad_time", "bad_row", "bad_row"]
    assert [item.line_no for item in items] == [1, 2, 3, 4, 5]


def test_a_positions_csv_reads_naive_times_in_the_named_zone() -> None:
    lines = ["datetime,mmsi,lat,lon", "2022-11-10 10:14:57,261010820,54.7,18.7"]
    lines.append("2022-11-10T02:15:57Z,261010820,54.7,18.7")
    shanghai = ZoneInfo("Asia/Shanghai")
    items = list(read_csv(iter([(1, lines, {})]), "p.csv", {}, zone=shanghai))
    assert [item.timestamp for item in items] == [T, T + 60]  # type: ignore[union-attr]
    utc = list(read_csv(iter([(1, lines, {})]), "p.csv", {}))
    assert utc[0].timestamp == T + 8 * 3600  # type: ignore[union-attr]


def test_a_marinecadastre_file_is_utc_whatever_the_zone() -> None:
    header = "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType"
    row = "261010820,2022-11-10T02:14:57,54.7,18.7,0,0,511,,,,"
    items = list(read_csv(iter([(1, [header, row], {})]), "m.csv", {}, zone=ZoneInfo("Asia/Tokyo")))
    assert [item.timestamp for item in items] == [T]  # type: ignore[union-attr]


def test_the_summary_names_each_files_clocks() -> None:
    from replay.runner import ReplaySummary, write_summary

    decoder = decode([f"{T},{G}", G, f"{T}x {G}"])
    summary = ReplaySummary(decode=decoder.stats, files=["log"])
    stream = io.StringIO()
    write_summary(summary, stream)
    text = stream.getvalue()
    assert "    log: leading epoch column 2\n" in text
    assert "unknown_prefix 1" in text
