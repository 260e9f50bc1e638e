"""Conformance of ``models.decode.Decoder`` against gpsd's and libais's regression captures.

Data (under ``/work/shared/data``; the module skips when it is absent)
    * ``gpsd-conformance``: gpsd's AIS regression tests, BSD-2-Clause (``COPYING``), taken from
      ntpsec+gpsd @ 46977faa8f94eb036ca68c24a3fc0d233732e707 (``SOURCE.txt``). Five daemon
      captures (``*.log`` with ``*.log.chk``) and ``sample.aivdm`` with its ``gpsdecode -j`` dump
      ``sample.aivdm.js.chk``. The daemon ``.chk`` files are unscaled (``"scaled":false``: raw
      1/10000-minute positions, speed and course in tenths; type 27 in 1/10 minute, whole knots
      and degrees); ``.js.chk`` is scaled (degrees, knots). Both spell "not available" as the
      raw AIS sentinels (lat 91, lon 181, speed 102.3, course 360, heading 511; type 27 speed
      63, course 511), and IMO 0 / empty text for missing static data. ``_position_core``
      converts either form to our units and the sentinels (and IMO 0, empty text) to ``None``,
      so they compare equal to our ``None``. ``sample.aivdm.ju.chk`` (unscaled) is only used to
      check that conversion against ``.js.chk``.
    * ``libais-vectors``: Kurt Schwehr's libais (Apache-2.0) @ 87dadfaa1b4d,
      ``typeexamples.nmea/.json`` (one message of every type, scaled JSON, IMO as a string) and
      ``tagblock.nmea/.json``, where our record time must equal the tag block's ``c:``.

Pairing
    Every input line is fed on its own, so each outcome of ours knows the line that produced it
    (a multipart message decodes once, on its last part, on both sides). In the daemon captures
    gpsd echoes each sentence before its JSON, and re-reports the last AIS message after later
    non-AIS sentences ($GPRMC ...; 108 repeats in ``ais-nmea``): only the first AIS object right
    after a ``!xxVDM`` echo counts. Each reference message is then paired with the next outcome
    of ours (decoded record or Failure — a Failure's type and MMSI are read from the header bits
    of its raw payload) with the same (type, MMSI), scanning forward at most ``PAIR_WINDOW``
    outcomes; outcomes gpsd has no counterpart for are skipped. gpsd reports type 24 once, on
    part B, with the name of the vessel's last part A merged in: it pairs with our part-B record
    and its name is compared with our latest part-A name for that MMSI. In the daemon captures
    the pairing is checked to land on the very line gpsd echoed.

Compared (core fields)
    type, MMSI, lat/lon (1e-4 deg), speed (0.05 kn), course (0.05 deg), heading (exact); for
    types 5/24 name, call sign, IMO (exact, after stripping). Type 19's name is not compared:
    our ``PositionReport`` does not carry it (4 messages). Other message types are only paired.

Measured (gpsd messages of types 1, 2, 3, 5, 18, 19, 24, 27 decoded with every core field equal)
    ===========================  ======  =======  ==================================
    file                         agree   of       gpsd AIS messages (all types)
    ===========================  ======  =======  ==================================
    ais-18-27                    136     138      138
    ais-nmea                     160     160      166 (after dropping 108 repeats)
    ais-nmea-type6-fid55         935     940      1265
    ais-raw-messages             97      97       108
    ais_unpack_sixbit            9       9        12
    sample.aivdm                 16      17       97
    overall                      1353    1361     0.99412 agreement
    ===========================  ======  =======  ==================================

    libais ``typeexamples``: 6 of 7 core messages agree (all 26 paired); ``tagblock``: 4 of 4,
    and all 4 record times equal the tag block ``c:``. Every gpsd message of every type pairs
    with an outcome of ours; the decoder never raises on these files.

Mapped to equality (not differences), counts over the gpsd core messages
    heading 511 -> None: 603; course 360 -> None: 101; type-27 course 511 -> None: 1;
    speed 102.3 -> None: 16; lat 91 / lon 181 -> None: 14 (always both halves together);
    IMO 0 -> None: 62; empty call sign -> None: 6.

Known differences (``KNOWN_DIFFERENCES``, asserted to be exactly what is observed)
    * heading 360..510 (out of range, not the 511 sentinel): gpsd and libais print the number,
      we give ``None`` — 5 messages (type 18: 2x 360, 2x 480; libais type 2: 472).
    * six-bit text with leading '@': type 5 call sign "@@J130B" — gpsd stops at the first '@'
      (""), we blank every '@' and strip ("J130B") — 3 messages (one vessel).
    * 163-bit type 1 in ``sample.aivdm`` (all position fields end at bit 137): gpsd decodes it,
      we fail it as ``bad_bit_count`` because ``MIN_BITS[1]`` is 168 — 1 message.

Not counted (no gpsd message to compare with)
    * ``ais-18-27``: gpsd prints no type 24 at all; of its 138 halves we decode the 69 part A
      and fail the 69 with part number 3 (invalid; pyais raises ``UnknownPartNoException``,
      ``decode_error``).
    * gpsd drops a type-24 part B without a cached part A, and never prints part A alone; we
      report every half (61 unpaired halves in ``ais-nmea-type6-fid55``).
    * ``sample.aivdm`` lines that are not sentences (3 ``malformed`` failures).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from models.decode import Decoder
from models.records import (
    Failure,
    InputLine,
    Outcome,
    PositionReport,
    StaticReport,
)

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
GPSD = DATA / "gpsd-conformance"
LIBAIS = DATA / "libais-vectors"

if not (GPSD.is_dir() and LIBAIS.is_dir()):
    pytest.skip(
        f"shared conformance data not found under {DATA} (needs gpsd-conformance and "
        "libais-vectors)",
        allow_module_level=True,
    )

#: (input capture, gpsd's expected decode). The daemon captures echo each input sentence before
#: the JSON it produced; ``sample.aivdm.js.chk`` is ``gpsdecode -j`` output (scaled, no echoes).
GPSD_CASES: dict[str, tuple[str, str]] = {
    "ais-18-27": ("ais-18-27.log", "ais-18-27.log.chk"),
    "ais-nmea": ("ais-nmea.log", "ais-nmea.log.chk"),
    "ais-nmea-type6-fid55": ("ais-nmea-type6-fid55.log", "ais-nmea-type6-fid55.log.chk"),
    "ais-raw-messages": ("ais-raw-messages.log", "ais-raw-messages.log.chk"),
    "ais_unpack_sixbit": ("ais_unpack_sixbit.log", "ais_unpack_sixbit.log.chk"),
    "sample.aivdm": ("sample.aivdm", "sample.aivdm.js.chk"),
}

POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27})
CORE_TYPES = frozenset({1, 2, 3, 5, 18, 19, 24, 27})
SIMPLE_POSITION_TYPES = frozenset({1, 2, 3, 18})

LATLON_TOL = 1e-4  # degrees; the finest AIS encoding is 1/10000 minute (1.7e-6 deg)
SPEED_TOL = 0.05  # knots; encoded in 0.1 kn steps
COURSE_TOL = 0.05  # degrees; encoded in 0.1 deg steps
TOLERANCE = {"lat": LATLON_TOL, "lon": LATLON_TOL, "speed": SPEED_TOL, "course": COURSE_TOL}

# How far ahead in our outcomes a gpsd message may find its partner (outcomes gpsd does not
# report — type-24 halves, failures, messages gpsd drops — sit in between).
PAIR_WINDOW = 64


# -- gpsd / libais expectations -------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """One message a reference decoder reported, with its core fields in our units."""

    index: int  # position among the reference's messages of this file
    msg_type: int
    mmsi: int
    core: dict[str, Any]  # lat/lon/speed/course/heading or name/callsign/imo, sentinels as None
    echo: str | None = None  # the input sentence gpsd echoed just before this message
    part: str | None = None  # "A"/"B" for libais's per-part type-24 records, None for gpsd's
    tag_time: float | None = None  # libais tagblock_timestamp, Unix seconds


def _float(value: Any) -> float | None:
    if value is None or isinstance(value, str):  # gpsd/libais never quote a real number here
        return None
    return float(value)


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _position_core(obj: dict[str, Any]) -> dict[str, Any]:
    """Lat/lon/speed/course/heading in degrees and knots; AIS sentinels become None."""
    msg_type = int(obj["type"])
    scaled = bool(obj.get("scaled", False))
    lat, lon = _float(obj.get("lat")), _float(obj.get("lon"))
    speed, course = _float(obj.get("speed")), _float(obj.get("course"))
    if msg_type == 27:
        # raw positions in 1/10 minute; speed in knots, course in degrees either way
        if not scaled:
            lat = None if lat is None else lat / 600.0
            lon = None if lon is None else lon / 600.0
        speed_na, course_na = 63.0, 511.0
    else:
        # raw positions in 1/10000 minute, speed and course in tenths
        if not scaled:
            lat = None if lat is None else lat / 600_000.0
            lon = None if lon is None else lon / 600_000.0
            speed = None if speed is None else speed / 10.0
            course = None if course is None else course / 10.0
        speed_na, course_na = 102.3, 360.0
    # Sentinels (ITU-R M.1371): lat 91 / lon 181 mean "no position"; we drop both halves.
    if (lat is not None and math.isclose(lat, 91.0)) or (
        lon is not None and math.isclose(lon, 181.0)
    ):
        lat = lon = None
    if speed is not None and math.isclose(speed, speed_na, abs_tol=1e-6):
        speed = None
    if course is not None and math.isclose(course, course_na, abs_tol=1e-6):
        course = None
    core: dict[str, Any] = {"lat": lat, "lon": lon, "speed": speed, "course": course}
    if msg_type != 27:  # type 27 carries no heading
        heading = obj.get("heading")
        core["heading"] = None if heading is None or int(heading) == 511 else int(heading)
    return core


def _imo(value: Any) -> int | None:
    if value is None:
        return None
    number = int(value)  # libais quotes it ("9383663"), gpsd does not
    return number or None  # 0 is "not available"


def _static_core(obj: dict[str, Any]) -> dict[str, Any]:
    msg_type = int(obj["type"])
    if msg_type == 5:
        return {
            "name": _text(obj.get("shipname")),
            "callsign": _text(obj.get("callsign")),
            "imo": _imo(obj.get("imo")),
        }
    core: dict[str, Any] = {}
    if "shipname" in obj:
        core["name"] = _text(obj.get("shipname"))
    if "callsign" in obj:
        core["callsign"] = _text(obj.get("callsign"))
    return core


def reference_core(obj: dict[str, Any]) -> dict[str, Any]:
    msg_type = int(obj["type"])
    if msg_type in POSITION_TYPES:
        return _position_core(obj)
    if msg_type in (5, 24):
        return _static_core(obj)
    return {}


def _expected(obj: dict[str, Any], index: int, echo: str | None) -> Expected:
    part: str | None = None
    if obj["type"] == 24 and "part_num" in obj:
        part = "A" if int(obj["part_num"]) == 0 else "B"
    return Expected(
        index=index,
        msg_type=int(obj["type"]),
        mmsi=int(obj["mmsi"]),
        core=reference_core(obj),
        echo=echo,
        part=part,
    )


def _is_vdm(text: str) -> bool:
    return text[:1] == "!" and text[3:6] in ("VDM", "VDO")


@cache
def gpsd_expected(chk_name: str) -> tuple[Expected, ...]:
    """gpsd's AIS messages of one ``.chk`` file, in order.

    In the daemon captures every input sentence is echoed before the JSON it produced. gpsd's
    daemon also re-reports the last AIS message after later non-AIS sentences ($GPRMC ...); only
    the first AIS object right after a ``!xxVDM`` echo is a decode of that sentence, the repeats
    are skipped.
    """
    lines = (GPSD / chk_name).read_text(encoding="utf-8").splitlines()
    daemon = any(not line.startswith("{") for line in lines if line)
    found: list[Expected] = []
    echo: str | None = None
    fresh = not daemon
    for line in lines:
        if not line.startswith("{"):
            echo, fresh = line, _is_vdm(line)
            continue
        obj = json.loads(line)
        if obj.get("class") != "AIS" or not fresh:
            continue
        found.append(_expected(obj, len(found), echo if daemon else None))
        fresh = not daemon
    return tuple(found)


# -- our decode -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ours:
    """One outcome of our decoder with the (1-based) input line whose feeding produced it."""

    outcome: Outcome
    line_no: int  # 0: produced by the final flush

    @property
    def key(self) -> tuple[int, int] | None:
        return outcome_key(self.outcome)


def _sixbit(char: str) -> int:
    code = ord(char) - 48
    return code - 8 if code > 40 else code


def payload_key(payload: str) -> tuple[int, int] | None:
    """(type, MMSI) from the header of a payload — enough to pair a Failure with gpsd."""
    if len(payload) < 7 or any(not 0 <= _sixbit(c) < 64 for c in payload[:7]):
        return None
    bits = 0
    for char in payload[:7]:
        bits = (bits << 6) | _sixbit(char)
    return bits >> 36, (bits >> 4) & 0x3FFFFFFF


def failure_key(failure: Failure) -> tuple[int, int] | None:
    payload = ""
    for sentence in failure.raw.split("\n"):
        start = max(sentence.rfind("!"), 0)
        fields = sentence[start:].split(",")
        if len(fields) >= 6:
            payload += fields[5]
    return payload_key(payload)


def outcome_key(outcome: Outcome) -> tuple[int, int] | None:
    if isinstance(outcome, Failure):
        return failure_key(outcome)
    return outcome.msg_type, outcome.mmsi


def decode_lines(lines: list[str], source: str) -> list[Ours]:
    """Feed ``lines`` one at a time (never raising is part of the contract) and flush."""
    decoder = Decoder()
    ours: list[Ours] = []
    for line_no, text in enumerate(lines, start=1):
        out: list[Outcome] = []
        decoder.feed(InputLine(text, source, line_no), out)
        ours.extend(Ours(outcome, line_no) for outcome in out)
    out = []
    decoder.flush(out)
    ours.extend(Ours(outcome, 0) for outcome in out)
    return ours


@cache
def read_lines(path: Path) -> tuple[str, ...]:
    return tuple(path.read_text(encoding="utf-8", errors="replace").splitlines())


@cache
def decode_file(path: Path) -> tuple[Ours, ...]:
    return tuple(decode_lines(list(read_lines(path)), path.name))


# -- pairing and comparison -----------------------------------------------------------------------


@dataclass
class Pair:
    expected: Expected
    ours: Ours | None  # None: no outcome of ours with this (type, MMSI) in sequence
    name_a: str | None = None  # for gpsd's merged type 24: the name of our latest part A
    diffs: list[str] = field(default_factory=list)  # "field: expected X, got Y" / "failed: ..."

    @property
    def agrees(self) -> bool:
        return self.ours is not None and not self.diffs


def _same_part(exp: Expected, outcome: Outcome) -> bool:
    """Type 24 comes in halves: libais reports each part, gpsd reports once, on part B."""
    if exp.msg_type != 24 or not isinstance(outcome, StaticReport):
        return True
    return outcome.part == (exp.part or "B")


def pair_in_sequence(expected: tuple[Expected, ...], ours: tuple[Ours, ...]) -> list[Pair]:
    """Pair each reference message with the next outcome of ours with the same (type, MMSI).

    Both sides are in input order and a multipart message decodes once on each side, so a
    forward scan suffices; the window keeps one unmatched message from swallowing a later
    partner of the same vessel.
    """
    pairs: list[Pair] = []
    cursor = 0
    for exp in expected:
        key = (exp.msg_type, exp.mmsi)
        hit: int | None = None
        for index in range(cursor, min(cursor + PAIR_WINDOW, len(ours))):
            if ours[index].key == key and _same_part(exp, ours[index].outcome):
                hit = index
                break
        if hit is None:
            pairs.append(Pair(exp, None))
            continue
        pairs.append(Pair(exp, ours[hit]))
        cursor = hit + 1
    return pairs


def _ours_core(outcome: PositionReport | StaticReport) -> dict[str, Any]:
    if isinstance(outcome, PositionReport):
        core: dict[str, Any] = {
            "lat": outcome.lat,
            "lon": outcome.lon,
            "speed": outcome.speed,
            "course": outcome.course,
        }
        if outcome.msg_type != 27:
            core["heading"] = outcome.heading
        return core
    return {"name": outcome.name, "callsign": outcome.callsign, "imo": outcome.imo}


def _equal(name: str, want: Any, got: Any) -> bool:
    if want is None or got is None:
        return want is None and got is None
    if name in TOLERANCE:
        return abs(float(want) - float(got)) <= TOLERANCE[name] + 1e-9
    return bool(want == got)


def compare(pair: Pair) -> None:
    """Fill ``pair.diffs`` with every core field on which we disagree with the reference."""
    exp, ours = pair.expected, pair.ours
    if ours is None:
        pair.diffs.append("unpaired: no outcome of ours with this type and MMSI")
        return
    outcome = ours.outcome
    if isinstance(outcome, Failure):
        pair.diffs.append(f"failed: {outcome.reason.value} ({outcome.detail})")
        return
    if not isinstance(outcome, PositionReport | StaticReport):
        if exp.msg_type in CORE_TYPES:
            pair.diffs.append(f"not tracked: {type(outcome).__name__}")
        return  # other types: pairing on (type, MMSI) is all there is to compare
    got = _ours_core(outcome)
    if exp.msg_type == 24 and exp.part is None:
        # gpsd reports type 24 once, on part B (which ``_same_part`` paired it with), merged
        # with the name of the last part A of that MMSI.
        got["name"] = pair.name_a
    for name, want in exp.core.items():
        if name not in got:
            continue  # e.g. type 19's name: our PositionReport does not carry it
        if not _equal(name, want, got[name]):
            pair.diffs.append(f"{name}: expected {want!r}, got {got[name]!r}")


def compare_file(expected: tuple[Expected, ...], ours: tuple[Ours, ...]) -> list[Pair]:
    pairs = pair_in_sequence(expected, ours)
    paired = {id(pair.ours): pair for pair in pairs if pair.ours is not None}
    names_a: dict[int, str | None] = {}  # our latest type-24 part A name per MMSI, in order
    for item in ours:
        pair = paired.get(id(item))
        if pair is not None:
            pair.name_a = names_a.get(pair.expected.mmsi)
        record = item.outcome
        if isinstance(record, StaticReport) and record.msg_type == 24 and record.part == "A":
            names_a[record.mmsi] = record.name
    for pair in pairs:
        compare(pair)
    return pairs


@cache
def gpsd_pairs(case: str) -> tuple[Pair, ...]:
    log_name, chk_name = GPSD_CASES[case]
    return tuple(compare_file(gpsd_expected(chk_name), decode_file(GPSD / log_name)))


def agreement(pairs: tuple[Pair, ...] | list[Pair]) -> tuple[int, int]:
    core = [p for p in pairs if p.expected.msg_type in CORE_TYPES]
    return sum(p.agrees for p in core), len(core)


# -- libais ---------------------------------------------------------------------------------------


def _iso_seconds(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()


@cache
def libais_expected(json_name: str) -> tuple[Expected, ...]:
    found: list[Expected] = []
    for line in (LIBAIS / json_name).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        exp = _expected(obj, len(found), None)
        stamp = obj.get("tagblock_timestamp")
        if stamp is not None:
            exp = replace(exp, tag_time=_iso_seconds(stamp))
        found.append(exp)
    return tuple(found)


@cache
def libais_pairs(name: str) -> tuple[Pair, ...]:
    return tuple(
        compare_file(libais_expected(f"{name}.json"), decode_file(LIBAIS / f"{name}.nmea"))
    )


# -- known differences ----------------------------------------------------------------------------

#: Every disagreement on a core message type, by (file, type, MMSI, field), with how often it
#: occurs. A disagreement not listed here fails the suite, and so does an entry no longer seen.
#: ("failed" is the field when we return a Failure for a message the reference decodes.)
KNOWN_DIFFERENCES: dict[tuple[str, int, int, str], int] = {
    # Heading 360 is out of range (0-359, 511 = n/a): gpsd passes it through, we make any heading
    # >= 360 None (models/normalise.py, _position).
    ("ais-18-27", 18, 230055040, "heading"): 2,
    # Heading 480, same class as above.
    ("ais-nmea-type6-fid55", 18, 413570370, "heading"): 1,
    # Heading 480, same class as above.
    ("ais-nmea-type6-fid55", 18, 413198828, "heading"): 1,
    # Heading 472, same class as above (libais passes it through like gpsd).
    ("libais:typeexamples", 2, 277315048, "heading"): 1,
    # Call sign bits read "@@J130B": gpsd ends six-bit text at the first '@' (-> ""), we blank
    # every '@' and strip (-> "J130B") (models/normalise.py, clean_text).
    ("ais-nmea-type6-fid55", 5, 244710865, "callsign"): 3,
}


def _difference_keys(case: str, pair: Pair) -> list[tuple[str, int, int, str]]:
    exp = pair.expected
    return [(case, exp.msg_type, exp.mmsi, diff.split(":", 1)[0]) for diff in pair.diffs]


def all_pairs() -> dict[str, tuple[Pair, ...]]:
    found = {case: gpsd_pairs(case) for case in GPSD_CASES}
    for name in ("typeexamples", "tagblock"):
        found[f"libais:{name}"] = libais_pairs(name)
    return found


def observed_differences() -> Counter[tuple[str, int, int, str]]:
    seen: Counter[tuple[str, int, int, str]] = Counter()
    for case, pairs in all_pairs().items():
        for pair in pairs:
            if pair.expected.msg_type in CORE_TYPES:
                seen.update(_difference_keys(case, pair))
    return seen


def _describe(case: str, pair: Pair) -> str:
    exp = pair.expected
    where = f"line {pair.ours.line_no}" if pair.ours is not None else "unpaired"
    return f"{case} #{exp.index} type {exp.msg_type} MMSI {exp.mmsi} ({where}): {pair.diffs}"


# -- tests ----------------------------------------------------------------------------------------

#: Measured agreement on gpsd's core-type messages (see the module docstring); floors sit at or
#: just under the measurement so that any new disagreement fails.
FILE_FLOORS: dict[str, float] = {
    "ais-18-27": 0.985,  # 136/138
    "ais-nmea": 1.0,  # 160/160
    "ais-nmea-type6-fid55": 0.994,  # 935/940
    "ais-raw-messages": 1.0,  # 97/97
    "ais_unpack_sixbit": 1.0,  # 9/9
    "sample.aivdm": 1.0,  # 17/17
}
OVERALL_FLOOR = 0.9948  # 1354/1361 = 0.99486


@pytest.mark.parametrize("case", list(GPSD_CASES))
def test_decoder_accounts_for_every_message_without_raising(case: str) -> None:
    lines = read_lines(GPSD / GPSD_CASES[case][0])
    decoder = Decoder()
    out: list[Outcome] = []
    for line_no, text in enumerate(lines, start=1):
        decoder.feed(InputLine(text, case, line_no), out)  # raising here fails the test
    decoder.flush(out)
    stats = decoder.stats
    assert len(out) == stats.messages == stats.decoded_total + stats.failed_total
    for outcome in out:
        if isinstance(outcome, Failure):
            assert outcome.reason.value, outcome
            assert outcome.detail, outcome


@pytest.mark.parametrize("case", list(GPSD_CASES))
def test_every_gpsd_message_has_an_outcome_of_ours(case: str) -> None:
    pairs = gpsd_pairs(case)
    assert len(pairs) == len(gpsd_expected(GPSD_CASES[case][1])) > 0
    unpaired = [_describe(case, p) for p in pairs if p.ours is None]
    assert not unpaired, "\n".join(unpaired)
    for pair in pairs:
        assert pair.ours is not None
        if isinstance(pair.ours.outcome, Failure):
            assert pair.ours.outcome.reason.value, _describe(case, pair)


@pytest.mark.parametrize("case", [c for c in GPSD_CASES if GPSD_CASES[c][1].endswith(".log.chk")])
def test_pairing_matches_the_sentence_gpsd_echoed(case: str) -> None:
    """In the daemon captures the pairing must land on the very line gpsd decoded."""
    lines = read_lines(GPSD / GPSD_CASES[case][0])
    for pair in gpsd_pairs(case):
        assert pair.ours is not None
        assert pair.expected.echo is not None
        assert pair.ours.line_no > 0, _describe(case, pair)
        assert lines[pair.ours.line_no - 1].strip() == pair.expected.echo.strip(), _describe(
            case, pair
        )


@pytest.mark.parametrize("case", list(GPSD_CASES))
def test_agreement_rate_per_file(case: str) -> None:
    agreed, total = agreement(gpsd_pairs(case))
    assert total > 0
    assert agreed / total >= FILE_FLOORS[case], f"{case}: {agreed}/{total} agree"


def test_overall_agreement_rate() -> None:
    agreed = total = 0
    for case in GPSD_CASES:
        a, n = agreement(gpsd_pairs(case))
        agreed, total = agreed + a, total + n
    assert total == 1361
    assert agreed / total >= OVERALL_FLOOR, f"{agreed}/{total} agree"


def test_no_disagreement_on_simple_position_types() -> None:
    """Types 1, 2, 3 and 18 agree everywhere, except the allowlisted differences."""
    unexpected = [
        _describe(case, pair)
        for case, pairs in all_pairs().items()
        for pair in pairs
        if pair.expected.msg_type in SIMPLE_POSITION_TYPES
        and any(key not in KNOWN_DIFFERENCES for key in _difference_keys(case, pair))
    ]
    assert not unexpected, "\n".join(unexpected)


def test_known_differences_are_exactly_the_observed_ones() -> None:
    seen = observed_differences()
    new = {key: n for key, n in seen.items() if key not in KNOWN_DIFFERENCES}
    assert not new, f"disagreements not in KNOWN_DIFFERENCES: {new}"
    assert dict(seen) == KNOWN_DIFFERENCES, "a known difference changed or went away: update it"


def test_sentinels_compare_as_none() -> None:
    """gpsd prints "not available" as numbers (heading 511, course 3600 ...); they must pair
    with our None and count as agreement, and they must actually occur in the captures."""
    nones: Counter[str] = Counter()
    for case in GPSD_CASES:
        for pair in gpsd_pairs(case):
            if pair.expected.msg_type in POSITION_TYPES and pair.agrees:
                nones.update(k for k, v in pair.expected.core.items() if v is None)
    assert nones["heading"] >= 600
    assert nones["course"] >= 100
    assert nones["speed"] >= 16
    assert nones["lat"] == nones["lon"] >= 14


def test_sample_scaled_and_unscaled_chk_agree() -> None:
    """gpsdecode's scaled (-j) and raw (-j -u) dumps of sample.aivdm normalise to the same."""
    scaled, raw = gpsd_expected("sample.aivdm.js.chk"), gpsd_expected("sample.aivdm.ju.chk")
    assert len(scaled) == len(raw) == 97
    for one, two in zip(scaled, raw, strict=True):
        assert (one.msg_type, one.mmsi, one.core.keys()) == (
            two.msg_type,
            two.mmsi,
            two.core.keys(),
        )
        for name, want in one.core.items():
            assert _equal(name, want, two.core[name]), (one, two)


@pytest.mark.parametrize("name", ["typeexamples", "tagblock"])
def test_libais_vectors_agree(name: str) -> None:
    pairs = libais_pairs(name)
    assert len(pairs) == len(libais_expected(f"{name}.json")) > 0
    case = f"libais:{name}"
    wrong = [
        _describe(case, pair)
        for pair in pairs
        if pair.ours is None
        or any(key not in KNOWN_DIFFERENCES for key in _difference_keys(case, pair))
    ]
    assert not wrong, "\n".join(wrong)


def _tag_c(line: str) -> float:
    body = line[1 : line.index("\\", 1)]
    times = [field[2:] for field in body.split("*")[0].split(",") if field.startswith("c:")]
    assert len(times) == 1, line
    return float(times[0])


def test_libais_tagblock_time_is_our_timestamp() -> None:
    lines = read_lines(LIBAIS / "tagblock.nmea")
    pairs = libais_pairs("tagblock")
    assert len(pairs) == 4
    for pair in pairs:
        assert pair.ours is not None
        outcome = pair.ours.outcome
        assert not isinstance(outcome, Failure), outcome
        assert outcome.timestamp == _tag_c(lines[pair.ours.line_no - 1])
        assert outcome.timestamp == pair.expected.tag_time
