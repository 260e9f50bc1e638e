"""``models.fast_decode.static_report`` against pyais over static reports made by its encoder.

Type 5 and type 24 part A and B messages with random field values — text of any six-bit
characters ('@' padding and spaces included, any length up to the field), every raw ship type
0..255, any IMO and MMSI — are encoded by pyais (``MessageTypeN.create(...).encode()``), then
decoded as sent, cut short (down to below the fields' end) or with characters added, by
``static_report`` and by ``models.normalise.to_record`` (pyais). The records must be equal,
values and types; what the fast reader leaves is what pyais refuses or a payload too short.
"""

from __future__ import annotations

from dataclasses import fields

from hypothesis import given
from hypothesis import strategies as st
from pyais.messages import MessageType5, MessageType24PartA, MessageType24PartB

from models.fast_decode import static_report
from models.normalise import to_record

SIXBIT = "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !\"#$%&'()*+,-./0123456789:;<=>?"
#: Bits up to the end of the last field read.
NEEDED = {5: 422, 0: 160, 1: 132}


def text(chars: int) -> st.SearchStrategy[str]:
    return st.text(st.sampled_from(SIXBIT), max_size=chars)


def typed(record: object) -> list[tuple[str, type, object]]:
    values = [(f.name, getattr(record, f.name)) for f in fields(record)]  # type: ignore[arg-type]
    return [(name, type(value), value) for name, value in values]


def assert_same(payload: str, fill: int, needed: int) -> None:
    msg_type = 5 if payload[0] == "5" else 24
    fast = static_report(msg_type, payload, fill, 1.7e9, "rx")
    if 6 * len(payload) - fill < needed:
        assert fast is None
        return
    assert fast is not None
    assert typed(fast) == typed(to_record(msg_type, payload, fill, 1.7e9, "rx"))


def encoded(message: object, cut: int, extra: str) -> tuple[str, int]:
    payload, fill = message.encode()  # type: ignore[attr-defined]
    if cut:
        payload, fill = payload[:-cut], 0
    return payload + extra, fill


variations = st.tuples(st.integers(0, 6), st.text(st.sampled_from(SIXBIT[1:30]), max_size=4))
mmsis = st.integers(0, (1 << 30) - 1)


@given(
    mmsis,
    st.integers(0, (1 << 30) - 1),
    text(7),
    text(20),
    st.integers(0, 255),
    text(20),
    variations,
)
def test_type_5_reads_as_pyais_does(
    mmsi: int,
    imo: int,
    callsign: str,
    name: str,
    ship_type: int,
    destination: str,
    variation: tuple[int, str],
) -> None:
    message = MessageType5.create(
        mmsi=mmsi,
        imo=imo,
        callsign=callsign,
        shipname=name,
        ship_type=ship_type,
        destination=destination,
    )
    payload, fill = encoded(message, *variation)
    assert_same(payload, fill, NEEDED[5])


@given(mmsis, text(20), variations)
def test_type_24_part_a_reads_as_pyais_does(
    mmsi: int, name: str, variation: tuple[int, str]
) -> None:
    payload, fill = encoded(MessageType24PartA.create(mmsi=mmsi, shipname=name), *variation)
    assert_same(payload, fill, NEEDED[0])


@given(mmsis, text(7), st.integers(0, 255), variations)
def test_type_24_part_b_reads_as_pyais_does(
    mmsi: int, callsign: str, ship_type: int, variation: tuple[int, str]
) -> None:
    message = MessageType24PartB.create(mmsi=mmsi, partno=1, callsign=callsign, ship_type=ship_type)
    payload, fill = encoded(message, *variation)
    assert_same(payload, fill, NEEDED[1])


@given(st.sampled_from("58"), st.text(st.characters(min_codepoint=32, max_codepoint=127)))
def test_random_payloads_read_as_pyais_does_or_go_to_it(first: str, rest: str) -> None:
    payload = first + rest
    msg_type = 5 if first == "5" else 24
    fast = static_report(msg_type, payload, 0, 1.7e9, "rx")
    if fast is not None:
        assert typed(fast) == typed(to_record(msg_type, payload, 0, 1.7e9, "rx"))
