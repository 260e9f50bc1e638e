"""Hostile NMEA: lines a fuzzer (or a broken receiver) produces never stop the decoder, and every
AIS message in them ends decoded or as a failure with a reason (issue 11).

``G`` is a real type 1 sentence (AMSA receiver log); the type 5 is a real two-part message with
its NMEA 4 tag blocks (libais tag block sample, ORBCOMM satellite feed).
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from models.decode import MULTIPART_SECONDS, Decoder
from models.nmea import LineClock, checksum_ok, parse_epoch, parse_tag_block, pghp_time, zda_time
from models.records import (
    Failure,
    InputLine,
    Outcome,
    PositionReport,
    StaticReport,
    TimeWindow,
)

G = "!AIVDM,1,1,,A,13prmQ?P001EOA4OC3h@u?vl20SR,0*7F"
TYPE5 = (
    "!AIVDM,2,1,6,A,53@o0E000001Q0CG37U8u<Tp4q@D00000000000018330400000000000000,0*63",
    "!AIVDM,2,2,6,A,00000000008,2*2A",
)
T = 1418169601  # the type 5's receive time (2014-12-10)


def sentence(body: str) -> str:
    """``!body*hh`` with the checksum computed (``$`` when the body is not AIS); a character
    that is not ASCII counts as '?', as ``checksum_ok`` counts it."""
    checksum = 0
    for byte in body.encode("ascii", "replace"):
        checksum ^= byte
    start = "!" if body[2:5] in ("VDM", "VDO") else "$"
    return f"{start}{body}*{checksum:02X}"


def tagged(fields: str, text: str) -> str:
    return f"\\{fields}*00\\{text}"


def decode(lines: Iterable[str], decoder: Decoder | None = None) -> tuple[list[Outcome], Decoder]:
    decoder = decoder or Decoder()
    out = decoder.decode_all([InputLine(text, "log", n) for n, text in enumerate(lines, 1)])
    stats = decoder.stats
    assert stats.messages == stats.decoded_total + stats.failed_total
    for outcome in out:
        if isinstance(outcome, Failure):
            assert outcome.source == "log"
            assert outcome.line_no > 0
    return out, decoder


def reasons(out: list[Outcome]) -> list[str]:
    return [o.reason.value for o in out if isinstance(o, Failure)]


# --- 1. digits that are not ASCII ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (G.replace(",0*7F", ",²*70"), "malformed"),  # fill bits '²', checksum valid
        (G.replace(",0*7F", ",٣*70"), "malformed"),  # fill bits Arabic-Indic 3, checksum valid
        (sentence("AIVDM,²,1,,A,13prmQ?P001EOA4OC3h@u?vl20SR,0"), "malformed"),  # total
        (sentence("AIVDM,1,١,,A,13prmQ?P001EOA4OC3h@u?vl20SR,0"), "malformed"),  # part
        (G[:-2] + "٧F", "bad_checksum"),  # int("٧F", 16) == 0x7F, but it is not hex
        (G[:-2] + " F", "bad_checksum"),  # int(" F", 16) == 15
        (tagged("c:²", G), "bad_time"),  # a receive time that is not a number
        (tagged("s:rx,c:1418169601²", G), "bad_time"),
    ],
)
def test_non_ascii_digits_are_refused_with_a_reason(line: str, expected: str) -> None:
    out, _ = decode([line])
    assert reasons(out) == [expected]


@pytest.mark.parametrize("line", [tagged("g:²-2-1", G), tagged("g:1-2-²", G), G + ",²", G + ",1²"])
def test_non_ascii_digits_in_optional_fields_leave_the_sentence_alone(line: str) -> None:
    """A group tag or trailing column that is not a number is no group and no time."""
    out, _ = decode([line])
    assert len(out) == 1
    assert isinstance(out[0], PositionReport)
    assert out[0].timestamp is None


def test_the_parsers_take_ascii_digits_only() -> None:
    assert parse_epoch("²") is None
    assert parse_epoch("1418169601") == 1418169601
    assert parse_epoch("1418169601.5") == 1418169601.5
    assert parse_tag_block("g:²-2-1").group is None
    assert parse_tag_block("g:1-2-٣").group is None
    assert parse_tag_block("g:1-2-7218").group == (1, 2, "7218")
    assert pghp_time(["PGHP", "1", "2008", "5", "9", "0", "0", "0", "1²"]) is None
    assert zda_time(["GPZDA", "12000٣", "01", "01", "2020", "00", "00"]) is None
    assert not checksum_ok(G[:-2] + "٧F")


# --- 2. times that cannot be -----------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        tagged("c:99999999999999999999", G),  # 1e17 s after the ms rule
        tagged("c:" + "9" * 400, G),  # float() gives inf
        tagged("c:12415440354", G),  # year 2363 (pyais sample "mixed.txt")
        tagged("c:100", G),  # 1970
        G + ",99999999999999",  # a trailing epoch column, year 5138
        G + ",9" + "9" * 400,  # a trailing epoch column that is inf
    ],
)
def test_a_sentence_with_an_impossible_time_of_its_own_fails_as_bad_time(line: str) -> None:
    out, decoder = decode([sentence("GPZDA,120000.00,01,01,2020,00,00"), line, G])
    assert reasons(out) == ["bad_time"]
    (failure,) = [o for o in out if isinstance(o, Failure)]
    assert failure.line_no == 2
    assert "not a receive time between 1990-01-01T00:00:00Z and 2100-01-01T00:00:00Z" in (
        failure.detail
    )
    # It did not become the source's clock: the next sentence has the ZDA time.
    (record,) = [o for o in out if isinstance(o, PositionReport)]
    assert record.timestamp == 1577880000.0
    assert decoder.stats.inherited == 1


@pytest.mark.parametrize(
    "clock",
    [
        "$GPZDA,1200nan,01,01,2020,00,00*69",  # float("nan") would be the clock
        sentence("GPZDA,1200inf,01,01,2020,00,00"),
        sentence("GPZDA,120000,01,01,2200,00,00"),  # year 2200
        sentence("GPZDA,120000,01,01,99999,00,00"),
        sentence("PGHP,1,99999,1,1,0,0,0,0,,,,"),  # year 99999
        sentence("PGHP,1,2200,1,1,0,0,0,0,,,,"),
        sentence("PGHP,1,2008,5,9,0,0,0,99999999999999999999,,,,"),  # milliseconds
        sentence("PGHP,1,2008,5,9,99,0,0,0,,,,"),  # hour 99
    ],
)
def test_an_impossible_clock_line_does_not_become_the_clock(clock: str) -> None:
    """A ZDA/PGHP line giving no plausible time is counted as a ``bad_clock`` other line; the
    sentences after it keep the clock from before it."""
    good = sentence("GPZDA,120000.00,01,01,2020,00,00")
    out, decoder = decode([good, G, clock, G])
    assert reasons(out) == []
    assert [o.timestamp for o in out if isinstance(o, PositionReport)] == [1577880000.0] * 2
    assert decoder.stats.ignored["bad_clock"] == 1
    assert decoder.stats.ignored["zda"] + decoder.stats.ignored["pghp"] == 1


def test_an_impossible_clock_before_any_other_leaves_sentences_untimed() -> None:
    out, decoder = decode(["$GPZDA,1200nan,01,01,2020,00,00*69", G])
    assert isinstance(out[0], PositionReport)
    assert out[0].timestamp is None
    assert decoder.stats.untimed == 1


def test_a_receiver_without_a_fix_sends_an_empty_zda_which_is_no_bad_clock() -> None:
    _, decoder = decode([sentence("GPZDA,,,,,,"), G])
    assert decoder.stats.ignored == {"zda": 1}


def test_a_narrower_time_window_makes_times_outside_it_bad() -> None:
    """A live edge narrows the window to its own clock; the line's receive time outside it is
    not used either."""
    window = TimeWindow(T - 3600, T + 3600)
    lines = [tagged(f"c:{T}", G), tagged(f"c:{T + 7200}", G), G]
    decoder = Decoder(time_window=window)
    out = decoder.decode_all([InputLine(text, "log", n) for n, text in enumerate(lines, 1)])
    assert reasons(out) == ["bad_time"]
    late = Decoder(time_window=window)
    out = late.decode_all([InputLine(G, "kafka", 1, received=float("nan"))])
    assert isinstance(out[0], PositionReport)
    assert out[0].timestamp is None


def test_the_line_clock_of_the_feeder_skips_impossible_times() -> None:
    clock = LineClock()
    assert clock.time_of(tagged(f"c:{T}", G)) == T
    assert clock.time_of(tagged("c:" + "9" * 400, G)) == T
    assert clock.time_of("$GPZDA,1200nan,01,01,2020,00,00*69") == T


# --- 3. multipart assembly -------------------------------------------------------------------


def test_a_multipart_message_within_the_window_decodes_once() -> None:
    out, _ = decode([TYPE5[0], G, G, TYPE5[1]])
    statics = [o for o in out if isinstance(o, StaticReport)]
    assert len(statics) == 1
    assert reasons(out) == []


@pytest.mark.parametrize(("between", "completes"), [(98, True), (99, False)])
def test_all_parts_come_within_the_window_of_sentences(between: int, completes: bool) -> None:
    """Window 100: a message may span 100 AIS sentences, its first and last part included."""
    out, _ = decode([TYPE5[0], *[G] * between, TYPE5[1]], Decoder(multipart_window=100))
    assert len([o for o in out if isinstance(o, StaticReport)]) == int(completes)
    assert reasons(out) == ([] if completes else ["incomplete_multipart", "orphan_fragment"])


def test_a_multipart_message_completing_after_the_window_fails() -> None:
    """Window 100 sentences: the second part 150 sentences later is an orphan, the first part an
    incomplete message, reported when the window passes (not at the end of input)."""
    decoder = Decoder(multipart_window=100)
    out: list[Outcome] = []
    decoder.feed(InputLine(TYPE5[0], "log", 1), out)
    for n in range(2, 101):
        decoder.feed(InputLine(G, "log", n), out)
    assert reasons(out) == []
    decoder.feed(InputLine(G, "log", 101), out)
    assert reasons(out) == ["incomplete_multipart"]
    for n in range(102, 152):
        decoder.feed(InputLine(G, "log", n), out)
    decoder.feed(InputLine(TYPE5[1], "log", 152), out)
    decoder.flush(out)
    assert reasons(out) == ["incomplete_multipart", "orphan_fragment"]
    assert not [o for o in out if isinstance(o, StaticReport)]
    assert [o.line_no for o in out if isinstance(o, Failure)] == [1, 152]


def test_two_sentences_per_line_of_unfinished_groups_stay_bounded() -> None:
    """The fuzzing case: lines of two first fragments that never complete, group ids rising. The
    groups a source holds stay within the window, and each is failed as the window passes."""
    window = 100
    decoder = Decoder(multipart_window=window)
    out: list[Outcome] = []
    decoder.feed(InputLine(G, "log", 1), out)  # makes the sentence count odd at every line end
    lines = 3000
    most = 0
    for n in range(2, lines + 2):
        first = tagged(f"g:1-2-{2 * n}", TYPE5[0])
        second = tagged(f"g:1-2-{2 * n + 1}", TYPE5[0])
        decoder.feed(InputLine(first + second, "log", n), out)
        most = max(most, decoder.open_groups)
    assert most <= window
    expired_while_reading = reasons(out).count("incomplete_multipart")
    assert expired_while_reading >= 2 * lines - window
    decoder.flush(out)
    assert reasons(out) == ["incomplete_multipart"] * (2 * lines)
    stats = decoder.stats
    assert stats.messages == stats.decoded_total + stats.failed_total == 2 * lines + 1


def test_sources_are_assembled_and_bounded_apart() -> None:
    """Two receivers interleaved: each completes its own message; one source's traffic does not
    expire the other's groups, and neither can hold more than the window."""
    decoder = Decoder(multipart_window=10)
    out: list[Outcome] = []
    decoder.feed(InputLine(TYPE5[0], "a", 1), out)
    for n in range(2, 40):
        decoder.feed(InputLine(G, "b", n), out)
    decoder.feed(InputLine(TYPE5[1], "a", 40), out)
    assert reasons(out) == []
    assert len([o for o in out if isinstance(o, StaticReport)]) == 1


@pytest.mark.parametrize("seq", ["12", "a", "²", "-1"])
def test_sequence_ids_outside_0_to_9_are_malformed(seq: str) -> None:
    body = TYPE5[0][1:-3].split(",")
    body[3] = seq
    out, decoder = decode([sentence(",".join(body))])
    assert reasons(out) == ["malformed"]
    assert decoder.open_groups == 0


def test_a_fragment_longer_than_any_nmea_sentence_is_malformed() -> None:
    body = TYPE5[0][1:-3].split(",")
    body[5] = body[5] * 10
    out, decoder = decode([sentence(",".join(body))])
    assert reasons(out) == ["malformed"]
    assert decoder.open_groups == 0


def test_a_group_far_older_in_event_time_than_its_station_expires() -> None:
    first = tagged(f"s:rx1,c:{T}", TYPE5[0])
    later = tagged(f"s:rx1,c:{T + MULTIPART_SECONDS + 1}", G)
    second = tagged(f"s:rx1,c:{T}", TYPE5[1])
    out, _ = decode([first, later, second])
    assert reasons(out) == ["incomplete_multipart", "orphan_fragment"]
    assert "s of event time" in next(o for o in out if isinstance(o, Failure)).detail


def test_another_station_far_ahead_in_time_expires_nothing() -> None:
    """Satellite feeds interleave stations whose receive times are far apart (the libais sample
    puts 40 minutes between the two parts' neighbours)."""
    first = tagged(f"s:rx1,c:{T}", TYPE5[0])
    other = tagged(f"s:rx2,c:{T + 10 * MULTIPART_SECONDS}", G)
    second = tagged(f"s:rx1,c:{T}", TYPE5[1])
    out, _ = decode([first, other, second])
    assert reasons(out) == []
    assert len([o for o in out if isinstance(o, StaticReport)]) == 1
