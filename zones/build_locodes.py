"""Build ``zones/data/locodes.csv``, the UN/LOCODE of every World Port Index port that has one.

    python -m zones.build_locodes [SOURCE_DIR [OUTPUT]]

``SOURCE_DIR`` is the folder ``python -m zones.build`` reads (default ``$VIGILMAR_ZONE_SOURCES``
or ``../shared/data/zones``); ``nga-wpi/UpdatedPub150.csv`` is used. Each row of the output is
a UN/LOCODE written closed up (``DOSDQ``) and the zone id of its port (``wpi-11040``, as the
pack and the harbour layer name WPI ports), sorted, so the same source gives the same file.
``zones.locodes`` reads it: a port risk file (``models.port_risk``) may name ports by either.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from zones.build import source_and_output
from zones.locodes import locodes_path

__all__ = ["locode_rows", "main"]

_LOCODE = re.compile(r"^([A-Z]{2})\s?([A-Z2-9]{3})$")


def locode_rows(wpi_csv: Path) -> list[tuple[str, str]]:
    """(LOCODE, zone id) of every WPI port with a well-formed UN/LOCODE, sorted."""
    rows: set[tuple[str, str]] = set()
    with wpi_csv.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            code = _LOCODE.match(row["UN/LOCODE"].strip().upper())
            number = row["World Port Index Number"].strip()
            if code and number.isascii() and number.isdigit():
                rows.add((code.group(1) + code.group(2), f"wpi-{int(number)}"))
    return sorted(rows)


def locodes_text(rows: Sequence[tuple[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("locode", "zone_id"))
    writer.writerows(rows)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    paths = source_and_output(argv, locodes_path(), __doc__)
    if paths is None:
        return 2
    source_dir, output = paths
    rows = locode_rows(source_dir / "nga-wpi" / "UpdatedPub150.csv")
    output.write_text(locodes_text(rows), encoding="utf-8")
    print(f"{output}: {len(rows):,} UN/LOCODEs of WPI ports", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
