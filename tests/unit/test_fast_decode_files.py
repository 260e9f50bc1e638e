"""``models.fast_decode`` against pyais on every position report of the shared real files.

Every file under ``/work/shared/data`` (the module skips when it is absent) is read as text;
every AIS sentence in it (single-part, and multipart messages assembled in the order their parts
come, per channel and sequence id) whose payload is a position report (types 1, 2, 3, 18, 19,
27) is decoded both by ``position_report`` and by ``models.normalise.to_record`` (pyais), and the
two records must be equal field by field — values and their Python types, so that JSON output
is the same too. A payload the fast reader does not take (too short, not ASCII) must be one
the decoder would not give it.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import pytest

from models.fast_decode import FAST_TYPES, position_report
from models.normalise import MIN_BITS, to_record

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

if not DATA.is_dir():
    pytest.skip(f"shared data not found under {DATA}", allow_module_level=True)

_SENTENCE = re.compile(r"!..VD[MO],([0-9]),([0-9]),([0-9]?),([^,]*),([^,]*),([0-5])")


def _text(path: Path) -> str:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8", "replace")


def payloads(text: str) -> Iterator[tuple[str, int]]:
    """(payload, fill bits) of every AIS message in ``text``."""
    groups: dict[tuple[str, str], list[str]] = {}
    for match in _SENTENCE.finditer(text):
        total, part, seq, channel, payload, fill = match.groups()
        if total == "1":
            yield payload, int(fill)
            continue
        key = (seq, channel)
        if part == "1":
            groups[key] = [payload]
        elif key in groups and len(groups[key]) == int(part) - 1:
            groups[key].append(payload)
            if part == total:
                yield "".join(groups.pop(key)), int(fill)
        else:
            groups.pop(key, None)


def message_type(payload: str) -> int:
    code = ord(payload[0]) - 48
    return code - 8 if code > 40 else code


def typed(record: object) -> list[tuple[str, type, object]]:
    values = [(f.name, getattr(record, f.name)) for f in fields(record)]  # type: ignore[arg-type]
    return [(name, type(value), value) for name, value in values]


def test_every_position_report_of_the_real_files_decodes_as_pyais_does() -> None:
    compared: Counter[int] = Counter()
    files = 0
    for path in sorted(p for p in DATA.rglob("*") if p.is_file()):
        found = False
        for payload, fill in payloads(_text(path)):
            if not payload or message_type(payload) not in FAST_TYPES:
                continue
            msg_type = message_type(payload)
            fast = position_report(msg_type, payload, fill, 1.5e9, path.name)
            if fast is None:  # left to pyais: only what the decoder fails or pyais rejects
                short = 6 * len(payload) - fill < MIN_BITS[msg_type]
                assert short or not payload.isascii(), (path, payload, fill)
                continue
            reference = to_record(msg_type, payload, fill, 1.5e9, path.name)
            assert typed(fast) == typed(reference), (path, payload, fill)
            compared[msg_type] += 1
            found = True
        files += found
    # What the shared files hold today (every type, and more than fifty thousand reports).
    assert set(compared) == FAST_TYPES, compared
    assert sum(compared.values()) > 50_000, compared
    assert files >= 15
