"""``models.fast_decode.static_report`` against pyais on every static report of the real files.

Every type 5 and type 24 message of the files under ``/work/shared/data`` (skipped when absent)
is decoded by ``static_report`` and by ``models.normalise.to_record`` (pyais); the records must
be equal field by field, values and their Python types. A payload the fast reader does not take
must be one the decoder fails before decoding (too short), or one pyais refuses or the fast
reader leaves to it (not ASCII, a part number 2 or 3, a payload too short for its fields).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pyais.exceptions import UnknownPartNoException

from models.fast_decode import FAST_STATIC_TYPES, static_report
from models.normalise import MIN_BITS, to_record
from tests.unit.test_fast_decode_files import DATA, _text, message_type, payloads, typed

if not DATA.is_dir():
    pytest.skip(f"shared data not found under {DATA}", allow_module_level=True)


def test_every_static_report_of_the_real_files_decodes_as_pyais_does() -> None:
    compared: Counter[str] = Counter()
    left: Counter[str] = Counter()
    files = 0
    for path in sorted(p for p in DATA.rglob("*") if p.is_file()):
        found = False
        for payload, fill in payloads(_text(Path(path))):
            if not payload or message_type(payload) not in FAST_STATIC_TYPES:
                continue
            msg_type = message_type(payload)
            if 6 * len(payload) - fill < MIN_BITS[msg_type]:
                continue  # the decoder fails it as bad_bit_count before any reader
            fast = static_report(msg_type, payload, fill, 1.5e9, path.name)
            if fast is None:  # left to pyais: here only parts 2 and 3, which pyais refuses
                with pytest.raises(UnknownPartNoException):
                    to_record(msg_type, payload, fill, 1.5e9, path.name)
                left[str(msg_type)] += 1
                continue
            reference = to_record(msg_type, payload, fill, 1.5e9, path.name)
            assert typed(fast) == typed(reference), (path, payload, fill)
            compared[f"{msg_type}{fast.part or ''}"] += 1
            found = True
        files += found
    # What the shared files hold today: hundreds of each kind, thousands of type 5.
    assert set(compared) == {"5", "24A", "24B"}, compared
    assert min(compared.values()) > 500, compared
    assert sum(left.values()) < sum(compared.values()) // 20, (left, compared)
    assert files >= 10
