"""A leading time column changes a sentence's time, never what it says (issue 13).

Whatever valid AIS sentence (pyais encodes a random position or static report, single or
multipart) and whatever supported prefix — Unix seconds or milliseconds, ISO 8601 with ``Z`` or
an offset, ``YYYY-MM-DD HH:MM:SS[.fff]`` read in a named zone — with whatever separator
(``,``, ``;``, a tab, spaces), the decoder gives the record it gives for the bare sentence, with
the prefix's time; and a prefix it does not know is one ``unknown_prefix`` failure for the line.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from pyais import encode_dict

from models.decode import Decoder
from models.nmea import LineClock
from models.records import Failure, InputLine, Outcome

ZONES = ["UTC", "Europe/Oslo", "America/Puerto_Rico", "Asia/Shanghai", "Australia/Lord_Howe"]
#: 2000-01-01 .. 2030-01-01 UTC, whole milliseconds.
millis = st.integers(min_value=946_684_800_000, max_value=1_893_456_000_000)
separators = st.sampled_from([",", ";", "\t", " ", ", ", "  ", " ,", "\t;"])

position = st.fixed_dictionaries(
    {
        "type": st.sampled_from([1, 2, 3, 18]),
        "mmsi": st.integers(min_value=200_000_000, max_value=799_999_999),
        "lat": st.floats(min_value=-90, max_value=90),
        "lon": st.floats(min_value=-180, max_value=180),
        "speed": st.floats(min_value=0, max_value=60),
        "course": st.floats(min_value=0, max_value=359.9),
        "heading": st.integers(min_value=0, max_value=359),
    }
)
static = st.fixed_dictionaries(
    {
        "type": st.just(5),
        "mmsi": st.integers(min_value=200_000_000, max_value=799_999_999),
        "shipname": st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ ", min_size=1, max_size=20),
        "callsign": st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=7),
        "imo": st.integers(min_value=1_000_000, max_value=9_999_999),
        "ship_type": st.integers(min_value=20, max_value=99),
    }
)


def sentences(message: dict[str, object]) -> list[str]:
    return list(encode_dict(message, talker_id="AI", radio_channel="A"))


def decode(lines: list[str], zone: str = "UTC") -> list[Outcome]:
    decoder = Decoder(timezone=ZoneInfo(zone))
    return decoder.decode_all([InputLine(text, "log", n) for n, text in enumerate(lines, 1)])


@st.composite
def prefixes(draw: st.DrawFn) -> tuple[str, float, str]:
    """A leading time column for the instant ``ms`` (milliseconds), the instant it means, and
    the zone a naive one is to be read in."""
    ms = draw(millis)
    zone = draw(st.sampled_from(ZONES))
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    kind = draw(st.sampled_from(["s", "ms", "zulu", "offset", "naive", "naive_ms", "iso_t"]))
    seconds = float(ms // 1000)
    if kind == "s":
        return str(ms // 1000), seconds, zone
    if kind == "ms":
        return str(ms), ms / 1000, zone
    if kind == "zulu":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ"), seconds, zone
    if kind == "offset":
        minutes = draw(st.integers(min_value=-12 * 60, max_value=14 * 60))
        shifted = moment.astimezone(timezone(timedelta(minutes=minutes)))
        text = shifted.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}" + shifted.strftime("%z")
        return text[:-2] + ":" + text[-2:], ms / 1000, zone
    here = moment.astimezone(ZoneInfo(zone))
    # A local time repeated when the clocks go back is read as the first (fold 0): judge the
    # instant the written text means in that zone, as a reader of the log would.
    meant = here.replace(tzinfo=None).replace(tzinfo=ZoneInfo(zone))
    if kind == "naive":
        return here.strftime("%Y-%m-%d %H:%M:%S"), float(int(meant.timestamp())), zone
    if kind == "naive_ms":
        text = here.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}"
        return text, meant.timestamp(), zone
    return here.strftime("%Y-%m-%dT%H:%M:%S"), float(int(meant.timestamp())), zone


@settings(max_examples=300, deadline=None)
@given(st.one_of(position, static), prefixes(), separators)
def test_a_valid_sentence_under_any_prefix_decodes_to_the_same_record(
    message: dict[str, object], prefix: tuple[str, float, str], separator: str
) -> None:
    text, instant, zone = prefix
    bare = sentences(message)
    plain = decode(bare)
    prefixed = decode([f"{text}{separator}{sentence}" for sentence in bare], zone)
    assert len(plain) == 1
    assert not isinstance(plain[0], Failure)
    assert len(prefixed) == 1
    record = prefixed[0]
    assert not isinstance(record, Failure), record
    assert record.timestamp is not None
    assert abs(record.timestamp - instant) < 1e-3
    assert replace(record, timestamp=None) == plain[0]
    clock = LineClock(zone=ZoneInfo(zone))
    stamped = clock.time_of(f"{text}{separator}{bare[0]}")
    assert stamped is not None
    assert abs(stamped - instant) < 1e-3


#: Not a time: words, a few digits (fewer than an epoch has), brackets. (A line beginning with
#: ``#`` is a comment, not a prefix.)
words = st.text(alphabet="abcdefxyz:_-/[]|#@", min_size=1, max_size=12).filter(
    lambda text: not text.startswith("#")
)


@settings(max_examples=200, deadline=None)
@given(position, st.one_of(words, st.integers(0, 10**8 - 1).map(str)), separators)
def test_an_unknown_prefix_is_one_failure_for_the_line(
    message: dict[str, object], junk: str, separator: str
) -> None:
    line = f"{junk}{separator}{sentences(message)[0]}"
    out = decode(["!AIVDM,1,1,,A,13prmQ?P001EOA4OC3h@u?vl20SR,0*7F", line])
    assert len(out) == 2
    failure = out[1]
    assert isinstance(failure, Failure)
    assert failure.reason.value == "unknown_prefix"
    assert failure.raw == line.strip()
    assert failure.line_no == 2
