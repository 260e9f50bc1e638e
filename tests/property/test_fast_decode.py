"""``models.fast_decode`` against pyais over random position reports made by pyais's encoder.

Every field the engine reads takes any raw value its bits can hold — sentinels (lat 91, lon 181,
speed 1023, course 3600, heading 511), out-of-range values (heading 360..510, course above 360,
latitudes off the globe) and the extremes of each signed field among them — and the message is
encoded by pyais (``MessageTypeN.create(...).encode()``). The payload is then decoded by
``position_report`` and by ``models.normalise.to_record`` (pyais), as sent, cut short (down to
the bits the fields need, with fill bits) or with characters added; and random ASCII payloads,
garbage included, are decoded by both. The records must be equal, values and types.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pyais.messages import (
    MessageType1,
    MessageType2,
    MessageType3,
    MessageType18,
    MessageType19,
    MessageType27,
)

from models.fast_decode import FAST_TYPES, position_report
from models.normalise import to_record

CLASS_A: dict[int, Any] = {1: MessageType1, 2: MessageType2, 3: MessageType3}
CLASS_B: dict[int, Any] = {18: MessageType18, 19: MessageType19}
#: Bits up to the last field read (heading; type 27's course).
NEEDED = {1: 137, 2: 137, 3: 137, 18: 133, 19: 133, 27: 94}


def unsigned(bits: int) -> st.SearchStrategy[int]:
    return st.integers(0, (1 << bits) - 1)


def signed(bits: int) -> st.SearchStrategy[int]:
    return st.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)


def typed(record: object) -> list[tuple[str, type, object]]:
    values = [(f.name, getattr(record, f.name)) for f in fields(record)]  # type: ignore[arg-type]
    return [(name, type(value), value) for name, value in values]


def assert_same(msg_type: int, payload: str, fill: int) -> None:
    fast = position_report(msg_type, payload, fill, 1.7e9, "rx")
    if 6 * len(payload) - fill < NEEDED[msg_type]:
        assert fast is None
        return
    assert fast is not None
    assert typed(fast) == typed(to_record(msg_type, payload, fill, 1.7e9, "rx"))


@st.composite
def class_a_or_b(draw: st.DrawFn) -> tuple[int, str, int]:
    msg_type = draw(st.sampled_from([1, 2, 3, 18, 19]))
    values: dict[str, Any] = {
        "mmsi": draw(unsigned(30)),
        "repeat": draw(unsigned(2)),
        # Raw values written so that pyais's encoder (int() of value * 10) gives them back.
        "speed": (draw(unsigned(10)) + 0.5) / 10,
        "accuracy": draw(st.booleans()),
        "lon": draw(signed(28)) / 600_000,
        "lat": draw(signed(27)) / 600_000,
        "course": (draw(unsigned(12)) + 0.5) / 10,
        "heading": draw(unsigned(9)),
        "second": draw(unsigned(6)),
        "raim": draw(st.booleans()),
        "radio": draw(unsigned(19)),
    }
    if msg_type in CLASS_A:
        values["status"] = draw(unsigned(4))
        values["turn"] = draw(st.sampled_from([0.0, 2.0, -5.0, 720.0]))
        values["maneuver"] = draw(unsigned(2))
        payload, fill = CLASS_A[msg_type].create(**values).encode()
    else:
        values["reserved_1"] = draw(unsigned(8))
        if msg_type == 19:
            values["shipname"] = draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789", max_size=20))
            values["ship_type"] = draw(unsigned(8))
            del values["radio"]
        payload, fill = CLASS_B[msg_type].create(**values).encode()
    return msg_type, payload, fill


@st.composite
def long_range(draw: st.DrawFn) -> tuple[int, str, int]:
    values = {
        "mmsi": draw(unsigned(30)),
        "accuracy": draw(st.booleans()),
        "raim": draw(st.booleans()),
        "status": draw(unsigned(4)),
        "lon": draw(signed(18)) / 600,
        "lat": draw(signed(17)) / 600,
        "speed": float(draw(unsigned(6))),
        "course": float(draw(unsigned(9))),
        "gnss": draw(st.booleans()),
    }
    payload, fill = MessageType27.create(**values).encode()
    return 27, payload, fill


SENTINELS = st.sampled_from(
    [
        # (field, raw value written as the encoder wants it)
        ("lat", 91.0),
        ("lon", 181.0),
        ("speed", 102.35),
        ("course", 360.05),
        ("heading", 511),
        ("heading", 360),
        ("lat", -90.5),
        ("lon", 180.5),
    ]
)


@given(class_a_or_b() | long_range())
def test_a_position_report_decodes_as_pyais_decodes_it(message: tuple[int, str, int]) -> None:
    msg_type, payload, fill = message
    assert_same(msg_type, payload, fill)


@given(st.sampled_from(sorted(CLASS_A)), SENTINELS, unsigned(30))
def test_not_available_and_impossible_values_decode_as_pyais_decodes_them(
    msg_type: int, sentinel: tuple[str, float], mmsi: int
) -> None:
    name, value = sentinel
    payload, fill = CLASS_A[msg_type].create(mmsi=mmsi, **{name: value}).encode()
    record = position_report(msg_type, payload, fill, 1.7e9, "rx")
    assert record is not None
    assert typed(record) == typed(to_record(msg_type, payload, fill, 1.7e9, "rx"))
    if value in (91.0, 181.0):  # not available: no position
        assert (record.lat, record.lon, record.impossible) == (None, None, False)
    elif name in ("lat", "lon"):  # off the globe: kept, flagged
        assert record.impossible
        assert getattr(record, name) == value
    else:
        assert getattr(record, name) is None


@given(class_a_or_b() | long_range(), st.data())
def test_short_and_long_payloads_decode_as_pyais_decodes_them(
    message: tuple[int, str, int], data: st.DataObject
) -> None:
    msg_type, payload, _ = message
    shortest = -(-NEEDED[msg_type] // 6)  # characters holding the bits the fields need
    cut = data.draw(st.integers(shortest - 1, len(payload)))
    extra = data.draw(st.text("0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVW`abcdefghijklmnopqrstuvw"))
    fill = data.draw(st.integers(0, 5))
    shorter = payload[:cut] + (extra if cut == len(payload) else "")
    assert_same(msg_type, shorter, fill)


@given(
    st.sampled_from(sorted(FAST_TYPES)),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=15, max_size=40),
    st.integers(0, 5),
)
def test_garbled_ascii_payloads_decode_as_pyais_decodes_them(
    msg_type: int, rest: str, fill: int
) -> None:
    """Characters outside the AIS alphabet get pyais's values for them, not an error."""
    assert_same(msg_type, chr(48 + msg_type) + rest, fill)


def test_a_payload_that_is_not_ascii_is_left_to_pyais() -> None:
    payload, fill = MessageType1.create(mmsi=366_000_001).encode()
    assert position_report(1, payload[:10] + "é" + payload[11:], fill, 1.7e9, "rx") is None
