"""Cutting hostile byte streams into lines (issue 11): a line too long to keep is one failure at
its own number, and a stream that breaks off ends in one ``truncated_input`` failure."""

from __future__ import annotations

import gzip
import io
import zlib

import pytest

from models.records import Failure, FailureReason
from replay.sources import MAX_LINE, iter_blocks

G = b"!AIVDM,1,1,,A,13prmQ?P001EOA4OC3h@u?vl20SR,0*7F"


def lines_of(data: bytes, chunk: int | None = None) -> list[tuple[int, str | FailureReason]]:
    """(line number, text or failure reason) of every line, read ``chunk`` bytes at a time."""
    stream = io.BytesIO(data)

    def read(size: int) -> bytes:
        return stream.read(size if chunk is None else min(size, chunk))

    found: list[tuple[int, str | FailureReason]] = []
    for first, lines, failures in iter_blocks(read, "log"):
        for line_no, text in enumerate(lines, first):
            failure = failures.get(line_no)
            found.append((line_no, text if failure is None else failure.reason))
    return found


LONG = FailureReason.MALFORMED
#: Each case: the stream, and per line its first character or the failure it becomes.
CASES = [
    (G + b"\n" + b"x" * (3 * MAX_LINE) + b"\n" + G + b"\n", ["!", LONG, "!"]),
    (b"x" * (MAX_LINE + 1) + b"\n" + G, [LONG, "!"]),  # the first line, one byte too long
    (b"x" * MAX_LINE + b"\n" + G, ["x", "!"]),  # exactly as long as a line may be: kept
    (G + b"\n" + b"x" * (2 * MAX_LINE + 5), ["!", LONG]),  # at the end, without a newline
    (G + b"\n" + b"x" * (MAX_LINE + 9) + b"\n", ["!", LONG]),  # a last newline ends a line
    (b"x" * (MAX_LINE + 1) + b"\n", [LONG]),
    (b"\xef\xbb\xbf", []),  # a byte order mark alone is no line, as an empty file is none
    (b"\xef\xbb\xbf\n", [""]),
]


@pytest.mark.parametrize(("data", "expected"), CASES)
@pytest.mark.parametrize("chunk", [None, 4096])
def test_a_line_too_long_is_one_failure_at_its_own_number(
    data: bytes, expected: list[str | FailureReason], chunk: int | None
) -> None:
    found = lines_of(data, chunk)
    assert [number for number, _ in found] == list(range(1, len(expected) + 1))
    shown = [text if isinstance(text, FailureReason) else text[:1] for _, text in found]
    assert shown == [e if isinstance(e, FailureReason) else e[:1] for e in expected]


def test_a_refused_line_says_how_long_it_was() -> None:
    ((_, _, failures),) = [b for b in iter_blocks(io.BytesIO(b"y" * (MAX_LINE + 7)).read, "f")]
    failure = failures[1]
    assert failure.detail == f"a line of {MAX_LINE + 7:,} bytes, longer than {MAX_LINE:,}: not read"
    assert failure.raw.startswith("yyyy")
    assert len(failure.raw) < 200


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.9, 0.999])
def test_a_truncated_gzip_gives_every_whole_line_before_the_break(keep: float) -> None:
    lines = [G + b",%d" % n for n in range(30_000)]
    packed = gzip.compress(b"\n".join(lines) + b"\n")
    broken = packed[: int(len(packed) * keep)]
    readable = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(broken)
    whole = readable.count(b"\n")
    with gzip.GzipFile(fileobj=io.BytesIO(broken)) as stream:
        blocks = list(iter_blocks(stream.read1, "log.gz"))
    texts = [text for _, block, _ in blocks for text in block]
    assert texts[:whole] == [line.decode() for line in lines[:whole]]
    assert len(texts) == whole + 1
    failure: Failure = blocks[-1][2][whole + 1]
    assert failure.reason is FailureReason.TRUNCATED_INPUT
    assert (failure.source, failure.line_no) == ("log.gz", whole + 1)
    assert f"after byte {len(readable):,} (counted after decompression)" in failure.detail
