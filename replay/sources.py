"""Where replay input comes from: patterns to files, compression by magic bytes, zip members, and
raw bytes cut into decoded lines.

Nothing here knows about AIS formats. The readers ask for ``Block``s of lines and get them in
order, with lines that cannot be used already turned into ``Failure`` records: a line that is not
UTF-8 (``not_utf8``), a line longer than ``MAX_LINE`` (one ``malformed`` failure, so the numbers
of the lines after it stay true), and the end of a stream that breaks off — a truncated or
corrupt ``.gz``/``.bz2``/``.xz`` or zip member — as one ``truncated_input`` failure after the
lines that could be read. Only an input that cannot be read at all raises ``InputError``.
"""

from __future__ import annotations

import bz2
import glob
import gzip
import io
import lzma
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

from models.records import Failure, FailureReason
from replay.errors import InputError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = [
    "STDIN",
    "Block",
    "InputFile",
    "Opened",
    "Source",
    "expand_inputs",
    "find_inputs",
    "iter_blocks",
    "open_source",
    "open_stream",
    "read_sample",
    "sample_lines",
    "sniff_compression",
    "zip_members",
]

STDIN = "-"
CHUNK_SIZE = 1 << 20  # bytes read at a time
SAMPLE_SIZE = 1 << 16  # bytes looked at to recognise a format
MAX_LINE = 1 << 20  # bytes; a longer "line" is refused whole (binary junk must not fill memory)
_SHOWN = 120  # bytes of a refused line or a broken-off last line kept in its failure
_ZIP_READ = 8192  # bytes asked of a zip member at a time (it reads as much compressed data)

_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty archive
)
_BOM = b"\xef\xbb\xbf"
_CORRUPT = (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile)
_CORRUPT_ADVICE = (
    "the file looks truncated or corrupt; test it (gzip -t, bzip2 -t, xz -t, unzip -t) "
    "or leave it out"
)

#: One piece of a stream: number of its first line, its lines (CR/LF stripped; a line that is
#: not UTF-8 holds its text decoded with replacement characters), and the failures by line number.
Block = tuple[int, list[str], dict[int, Failure]]


class ByteSource(Protocol):
    """Anything bytes can be read from (files, decompressors, zip members, stdin)."""

    def read(self, size: int = -1, /) -> bytes: ...


# --- finding inputs --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file to read. ``explicit`` is False for files found by walking a directory or matching a
    glob: those are skipped, not refused, when their content is not AIS."""

    path: Path
    explicit: bool

    @property
    def is_stdin(self) -> bool:
        return str(self.path) == STDIN


def expand_inputs(patterns: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Files named by ``patterns`` in a deterministic order, ``Path("-")`` for standard input.

    A pattern is a file, a directory (every non-hidden file below it, sorted by path) or a glob
    (``*``, ``?``, ``[...]``, ``**``; matches sorted). A file reached twice is listed once.
    Raises ``InputError`` for a path that does not exist or a glob that matches nothing.
    """
    return [found.path for found in find_inputs(patterns)]


def find_inputs(patterns: Sequence[str | os.PathLike[str]]) -> list[InputFile]:
    """As ``expand_inputs``, remembering which files were named explicitly."""
    found: dict[Path, InputFile] = {}
    for pattern in patterns:
        for item in _expand_one(os.fspath(pattern)):
            if item.path not in found or item.explicit:  # named explicitly anywhere wins
                found[item.path] = item
    return list(found.values())


def _expand_one(pattern: str) -> list[InputFile]:
    if pattern == STDIN:
        return [InputFile(Path(STDIN), explicit=True)]
    path = Path(pattern)
    if path.is_dir():
        files = _walk(path)
        if not files:
            raise InputError(
                path, "directory holds no files (hidden files are ignored)", "check the path"
            )
        return [InputFile(file, explicit=False) for file in files]
    if path.exists():
        return [InputFile(path, explicit=True)]
    if any(char in pattern for char in "*?["):
        matches = sorted(glob.glob(pattern, recursive=True))
        if not matches:
            raise InputError(pattern, "no file matches this pattern", "check the wildcard")
        found: list[InputFile] = []
        for match in map(Path, matches):
            files = _walk(match) if match.is_dir() else [match]
            found.extend(InputFile(file, explicit=False) for file in files)
        return found
    raise InputError(pattern, "no such file or directory", "check the path")


def _walk(root: Path) -> list[Path]:
    """Every regular, non-hidden file below ``root`` (not following links to directories)."""
    files: list[Path] = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        files.extend(Path(folder, name) for name in names if not name.startswith("."))
    return sorted((file for file in files if file.is_file()), key=lambda f: f.parts)


# --- opening ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """One readable unit: a whole file, one member of a zip archive, or standard input."""

    path: Path
    member: str | None = None

    @property
    def name(self) -> str:
        """How records and messages name it: the path, ``archive.zip!member.csv`` for members."""
        return str(self.path) if self.member is None else f"{self.path}!{self.member}"


@dataclass(frozen=True, slots=True)
class Opened:
    """A source opened for reading: its decompressed bytes, and how far through the file we are
    (0..1, measured on the compressed file when the file is compressed)."""

    read: Callable[[int], bytes]
    progress: Callable[[], float]


def sniff_compression(head: bytes) -> str | None:
    """``"gzip"``, ``"bzip2"``, ``"xz"``, ``"zip"`` or ``None``, from the first bytes of a file."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


def zip_members(path: Path) -> list[zipfile.ZipInfo]:
    """The files of a zip archive in name order, without directories and hidden files."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (OSError, zipfile.BadZipFile) as err:
        raise InputError(path, f"cannot read the zip archive ({err})", _CORRUPT_ADVICE) from err
    kept = [info for info in infos if not info.is_dir() and not _hidden_member(info.filename)]
    return sorted(kept, key=lambda info: info.filename)


def _hidden_member(name: str) -> bool:
    return name.startswith("__MACOSX/") or any(part.startswith(".") for part in name.split("/"))


@contextmanager
def open_source(source: Source) -> Iterator[Opened]:
    """Open a file or zip member, decompressing gzip/bzip2/xz found by magic bytes.

    Raises ``InputError`` when it cannot be opened at all.
    """
    with ExitStack() as stack:
        try:
            opened = _open(source, stack)
        except (*_CORRUPT, RuntimeError, NotImplementedError, KeyError) as err:
            raise _unreadable(source.name, err) from err
        yield opened


def _open(source: Source, stack: ExitStack) -> Opened:
    raw = stack.enter_context(source.path.open("rb"))
    if source.member is None:
        size = os.fstat(raw.fileno()).st_size
        kind = sniff_compression(raw.read(8))
        raw.seek(0)
        if kind == "zip":
            raise RuntimeError("a zip archive is read member by member")
        stream = _decompressed(kind, raw, stack)
        return Opened(_reader(stream), lambda: raw.tell() / size if size else 1.0)
    archive = stack.enter_context(zipfile.ZipFile(raw))
    info = archive.getinfo(source.member)
    with archive.open(info) as probe:
        inner = sniff_compression(probe.read(8))
    member = stack.enter_context(archive.open(info))
    stream = _decompressed(None if inner == "zip" else inner, member, stack)
    total = info.file_size
    return Opened(_reader(stream), lambda: member.tell() / total if total else 1.0)


def _reader(stream: ByteSource) -> Callable[[int], bytes]:
    """How to read ``stream``: ``read1`` where a stream has it. A decompressor's ``read(n)``
    loses what it had decompressed in that call when the data then breaks off; ``read1`` returns
    it first, so what comes before the break is replayed — all of it when a file is truncated;
    where the data is corrupt, all but what the last read took in (gzip reads 8 KiB of
    compressed data at a time, and a zip member is read here as gzip is)."""
    if isinstance(stream, zipfile.ZipExtFile):
        member = stream
        return lambda size: member.read1(min(size, _ZIP_READ))
    read1: Callable[[int], bytes] | None = getattr(stream, "read1", None)
    return stream.read if read1 is None else read1


def _decompressed(kind: str | None, stream: IO[bytes], stack: ExitStack) -> ByteSource:
    if kind == "gzip":
        return stack.enter_context(gzip.GzipFile(fileobj=stream, mode="rb"))
    if kind == "bzip2":
        return stack.enter_context(bz2.BZ2File(stream))
    if kind == "xz":
        return stack.enter_context(lzma.LZMAFile(stream))
    return stream


def open_stream(stream: ByteSource, stack: ExitStack, name: str) -> tuple[Opened, bytes]:
    """A stream that can be read only once (standard input, a pipe) opened for reading, gzip,
    bzip2 or xz undone, with its first bytes already taken off for format recognition: they come
    before what ``read`` returns. Progress is not known (always 0)."""
    head = read_sample(stream.read, name)
    kind = sniff_compression(head)
    if kind is None:
        return Opened(stream.read, lambda: 0.0), head
    if kind == "zip":
        raise InputError(name, "a zip archive cannot be read from a pipe", "name the .zip file")
    try:
        compressed = io.BufferedReader(_Prefixed(head, stream))
        decompressed = _decompressed(kind, compressed, stack)
    except _CORRUPT as err:
        raise _unreadable(name, err) from err
    read = _reader(decompressed)
    return Opened(read, lambda: 0.0), read_sample(read, name)


class _Prefixed(io.RawIOBase):
    """A byte stream with some bytes already read from it put back in front."""

    def __init__(self, head: bytes, rest: ByteSource) -> None:
        super().__init__()
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            data, self._head = self._head[: len(view)], self._head[len(view) :]
        else:
            data = self._rest.read(len(view))
        view[: len(data)] = data
        return len(data)


def _unreadable(name: str, err: BaseException) -> InputError:
    if isinstance(err, FileNotFoundError):
        return InputError(name, "no such file", "check the path")
    if isinstance(err, PermissionError):
        return InputError(name, "permission denied", "check the file's permissions")
    return InputError(name, f"cannot read ({err})", _CORRUPT_ADVICE)


# --- lines -----------------------------------------------------------------------------------


def read_sample(read: Callable[[int], bytes], name: str) -> bytes:
    """Up to ``SAMPLE_SIZE`` bytes from the start of a stream (fewer only at its end, or where it
    breaks off: reading it in full then reports that). Raises ``InputError`` when not even the
    first bytes can be read."""
    parts: list[bytes] = []
    wanted = SAMPLE_SIZE
    while wanted > 0:
        try:
            chunk = read(wanted)
        except _CORRUPT as err:
            if parts:
                break
            raise _unreadable(name, err) from err
        if not chunk:
            break
        parts.append(chunk)
        wanted -= len(chunk)
    return b"".join(parts)


def sample_lines(head: bytes) -> list[str]:
    """The lines of a sample, decoded leniently; a line cut off by the sample's end is dropped."""
    truncated = len(head) >= SAMPLE_SIZE
    if head.startswith(_BOM):
        head = head[len(_BOM) :]
    pieces = head.split(b"\n")
    if truncated and len(pieces) > 1:
        pieces.pop()
    return [piece.rstrip(b"\r").decode("utf-8", "replace") for piece in pieces]


def iter_blocks(
    read: Callable[[int], bytes],
    name: str,
    *,
    head: bytes = b"",
    on_chunk: Callable[[], None] | None = None,
) -> Iterator[Block]:
    """The lines of a stream in blocks, numbered from 1, newlines (LF or CRLF) stripped.

    ``head`` holds bytes already read from the stream. ``on_chunk`` is called after every read.
    A trailing line without a newline is kept. A line longer than ``MAX_LINE`` comes as an empty
    line with a ``malformed`` failure. When reading fails part way (decompression: a truncated or
    corrupt file), the last block holds, at the number of the line that was being read, an empty
    line with a ``truncated_input`` failure giving the byte offset, counted in the decompressed
    data, up to which the stream was read; nothing is raised.
    """
    lines = _LineCutter(name)
    if head:
        yield from lines.cut(head)
    while True:
        try:
            chunk = read(CHUNK_SIZE)
        except _CORRUPT as err:
            yield lines.broken_off(err)
            return
        if on_chunk is not None:
            on_chunk()
        if not chunk:
            yield from lines.end()
            return
        yield from lines.cut(chunk)


class _LineCutter:
    """Bytes in, in chunks of at most ``MAX_LINE``; blocks of numbered lines out."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pending = b""  # the start of a line whose end has not been read yet
        self.next_no = 1
        self.at_start = True
        self.offset = 0  # bytes of the (decompressed) stream read so far
        self.skipped = 0  # > 0 while dropping a line longer than MAX_LINE: its bytes so far
        self.shown = b""  # the start of that line

    def cut(self, chunk: bytes) -> list[Block]:
        self.offset += len(chunk)
        blocks: list[Block] = []
        if self.skipped:
            end = chunk.find(b"\n")
            if end < 0:
                self.skipped += len(chunk)
                return blocks
            blocks.append(self._too_long(self.skipped + end, self.shown))
            self.skipped, self.shown = 0, b""
            chunk = chunk[end + 1 :]
            if not chunk:
                return blocks
        data = self.pending + chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            if len(data) > MAX_LINE:
                self.skipped, self.shown, self.pending = len(data), data[:_SHOWN], b""
            else:
                self.pending = data
            return blocks
        # Only the first line can be too long: it may start in ``pending``; any later line lies
        # inside ``chunk``, and a chunk is at most MAX_LINE bytes.
        if data.find(b"\n", 0, MAX_LINE + 1) < 0:
            first = data.find(b"\n")
            blocks.append(self._too_long(first, data[:_SHOWN]))
            data, cut = data[first + 1 :], cut - first - 1
        self.pending = data[cut + 1 :]
        if cut >= 0:
            blocks.append(self._lines(data[:cut]))
        return blocks

    def end(self) -> list[Block]:
        """The stream ended: the last line, if it had no newline."""
        if self.skipped:
            return [self._too_long(self.skipped, self.shown)]
        if self.pending and not (self.at_start and self.pending == _BOM):  # a BOM is no line
            return [self._lines(self.pending)]
        return []

    def broken_off(self, err: BaseException) -> Block:
        """The stream cannot be read further: one failure where it breaks off."""
        line_no = self.next_no
        partial = self.pending or self.shown
        detail = (
            f"the data breaks off after byte {self.offset:,} (counted after decompression): {err}"
        )
        if partial:
            detail += f"; line {line_no:,} is incomplete and not read"
        failure = Failure(
            FailureReason.TRUNCATED_INPUT,
            raw=partial[:_SHOWN].decode("utf-8", "backslashreplace"),
            source=self.name,
            line_no=line_no,
            detail=detail,
        )
        return line_no, [""], {line_no: failure}

    def _lines(self, body: bytes) -> Block:
        if self.at_start:
            self.at_start = False
            if body.startswith(_BOM):
                body = body[len(_BOM) :]
        first = self.next_no
        lines, failures = decode_lines(body, self.name, first)
        self.next_no += len(lines)
        return first, lines, failures

    def _too_long(self, size: int, start: bytes) -> Block:
        self.at_start = False
        line_no = self.next_no
        self.next_no += 1
        failure = Failure(
            FailureReason.MALFORMED,
            raw=start.decode("utf-8", "backslashreplace") + "...",
            source=self.name,
            line_no=line_no,
            detail=f"a line of {size:,} bytes, longer than {MAX_LINE:,}: not read",
        )
        return line_no, [""], {line_no: failure}


def decode_lines(body: bytes, name: str, first_no: int) -> tuple[list[str], dict[int, Failure]]:
    """Split ``body`` on LF and decode it as UTF-8, the whole block at once when it can be."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _decode_each(body.split(b"\n"), name, first_no)
    lines = text.split("\n")
    if "\r" in text:
        lines = [line.rstrip("\r") for line in lines]
    return lines, {}


def _decode_each(
    raws: list[bytes], name: str, first_no: int
) -> tuple[list[str], dict[int, Failure]]:
    lines: list[str] = []
    failures: dict[int, Failure] = {}
    for line_no, raw in enumerate(raws, first_no):
        raw = raw.rstrip(b"\r")
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError as err:
            failures[line_no] = Failure(
                FailureReason.NOT_UTF8,
                raw=raw.decode("utf-8", "backslashreplace"),
                source=name,
                line_no=line_no,
                detail=f"byte 0x{raw[err.start]:02x} at column {err.start + 1} is not UTF-8",
            )
            lines.append(raw.decode("utf-8", "replace"))
    return lines, failures
