"""Fuzzing ``Decoder.feed`` with mutated real NMEA (issue 11): whatever the bytes, no exception
escapes, every AIS message ends as exactly one outcome (``messages == decoded + failed``, one
outcome each), every failure says where it came from, and no decoded time is implausible.

The lines are real: the reader fixtures (AMSA receiver noise, Gatehouse ``$PGHP``, exactEarth
epoch columns, GFW tag blocks) and, when the shared data set is here, its logs. Mutations: bytes
and characters changed, inserted or deleted (non-ASCII digits among them), sentences split and
joined, tag blocks and trailing epochs with random values.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.decode import Decoder
from models.records import PLAUSIBLE, Failure, InputLine, Outcome

ROOT = Path(__file__).resolve().parents[2]
READERS = ROOT / "tests" / "data" / "readers"
SHARED = ROOT.parent / "shared" / "data"
SHARED_LOGS = [
    "amsa-risky/ais.txt.gz",
    "gfw-ais-listener/nmea-with-tagblock.txt",
    "gfw-ais-tools/bad-type5.nmea",
    "pyais-samples/mixed.txt",
    "libais-vectors/tagblock.nmea",
]
PER_FILE = 400  # lines taken from each shared log


def _lines(path: Path, limit: int | None = None) -> list[str]:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    lines = [line for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[:limit]


def real_lines() -> list[str]:
    found: list[str] = []
    for name in ("receiver-noise.txt", "gatehouse.nmea", "epoch-column.txt", "tagblock.nmea"):
        found += _lines(READERS / name)
    for name in SHARED_LOGS:
        if (SHARED / name).is_file():
            found += _lines(SHARED / name, PER_FILE)
    return found


LINES = real_lines()

#: Characters a fuzzer puts in: NMEA punctuation, ASCII and non-ASCII digits, controls, letters.
NASTY = ",*!$\\:-.0123456789AaFf ²³¹٣١۴१०\x00\r\t\x7fé€\ufeff"
nasty_text = st.text(alphabet=NASTY, max_size=12)
number_text = st.one_of(
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet="0123456789²٣.", min_size=1, max_size=30),
    st.just("9" * 400),
    st.sampled_from(["nan", "inf", "-inf", "1e309", "1668046497", "1668046497000", ""]),
)


@st.composite
def tag_block(draw: st.DrawFn) -> str:
    fields = draw(
        st.lists(
            st.one_of(
                number_text.map(lambda v: f"c:{v}"),
                st.tuples(number_text, number_text, number_text).map(
                    lambda g: f"g:{g[0]}-{g[1]}-{g[2]}"
                ),
                nasty_text.map(lambda v: f"s:{v}"),
                nasty_text,
            ),
            max_size=4,
        )
    )
    return "\\" + ",".join(fields) + draw(st.sampled_from(["*00", "*7F", "", "*"])) + "\\"


@st.composite
def mutated_line(draw: st.DrawFn) -> str:
    line = draw(st.sampled_from(LINES))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(line)))
        kind = draw(st.integers(0, 7))
        if kind == 0:  # change a character
            line = line[:at] + draw(st.sampled_from(NASTY)) + line[at + 1 :]
        elif kind == 1:  # insert text
            line = line[:at] + draw(nasty_text) + line[at:]
        elif kind == 2:  # delete a stretch
            line = line[:at] + line[at + draw(st.integers(1, 20)) :]
        elif kind == 3:  # a tag block in front of (or inside) it
            line = line[:at] + draw(tag_block()) + line[at:]
        elif kind == 4:  # a trailing epoch column
            line = line + "," + draw(number_text)
        elif kind == 5:  # join another real line on (two sentences on one line)
            line = line + draw(st.sampled_from(["", " ", ","])) + draw(st.sampled_from(LINES))
        elif kind == 6:  # keep only the start (a sentence split across lines)
            line = line[:at]
        else:  # keep only the end
            line = line[at:]
    return line


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    lines=st.lists(mutated_line(), min_size=1, max_size=60),
    window=st.integers(1, 30),
    received=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
    sources=st.integers(1, 3),
)
def test_no_mutated_line_escapes_as_an_exception(
    lines: list[str], window: int, received: float | None, sources: int
) -> None:
    decoder = Decoder(multipart_window=window, multipart_seconds=60.0)
    out: list[Outcome] = []
    for number, text in enumerate(lines, 1):
        source = f"log{number % sources}"
        decoder.feed(InputLine(text, source, number, received), out)
    decoder.flush(out)
    stats = decoder.stats
    assert stats.messages == stats.decoded_total + stats.failed_total == len(out)
    assert stats.lines == len(lines)
    assert decoder.open_groups == 0
    for outcome in out:
        if isinstance(outcome, Failure):
            assert outcome.source.startswith("log")
            assert 1 <= outcome.line_no <= len(lines)
            assert outcome.detail
        else:
            assert outcome.timestamp is None or outcome.timestamp in PLAUSIBLE


def test_the_corpus_is_real_and_varied() -> None:
    """The fuzzer starts from enough real lines of every kind it should see."""
    assert len(LINES) >= 50  # the reader fixtures alone give 61
    assert any(line.startswith("\\") for line in LINES)  # tag blocks
    assert any(line.startswith("$PGHP") for line in LINES)
    assert any(",2,1," in line for line in LINES)  # multipart
