"""Small text files users give (vessel lists, port risks): read whole, size-capped, UTF-8."""

from __future__ import annotations

from pathlib import Path


def read_text(path: Path, label: str, error: type[ValueError], max_bytes: int) -> str:
    """The text of ``path`` (a UTF-8 BOM dropped). Raises ``error`` with a message starting
    ``"{label} {path}: "``: unreadable, larger than ``max_bytes``, or not UTF-8 (with the line)."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise error(f"{label} {path}: cannot read it ({err.strerror})") from err
    if len(raw) > max_bytes:
        raise error(f"{label} {path}: larger than {max_bytes} bytes")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise error(f"{label} {path}: line {line}: not UTF-8 text ({err.reason})") from err
