"""Build the world harbour layer, ``zones/data/harbours.json.gz``, from real public sources.

    python -m zones.build_harbours [SOURCE_DIR [OUTPUT]]

``SOURCE_DIR`` is the folder ``python -m zones.build`` reads (default ``$VIGILMAR_ZONE_SOURCES``
or ``../shared/data/zones`` beside the repository): ``nga-wpi/``, ``gfw-anchorages/`` and
``searoute/`` are used. ``OUTPUT`` defaults to the shipped layer. The build is deterministic:
the same sources give a byte-identical file (sorted ids, fixed JSON form, gzip with no name
and no time stamp). The rules are in ``zones.layer_harbours``, the format in ``zones.harbours``.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from zones.build import source_and_output
from zones.harbours import FORMAT, harbour_layer_path, parse_harbours
from zones.layer_harbours import Harbour, world_harbours
from zones.pack_writer import REGION, Box

__all__ = ["build_harbours", "harbours_bytes", "harbours_text", "main"]


def harbours_text(harbours: Sequence[Harbour], silent: Box = REGION) -> str:
    """The layer's JSON text: a header, then one harbour per line, in the given order."""
    sources = sorted({harbour.source for harbour in harbours})
    source_index = {source: index for index, source in enumerate(sources)}

    def dumps(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    lines = [
        dumps(
            [
                harbour.id,
                harbour.kind,
                harbour.name,
                harbour.country,
                source_index[harbour.source],
                int(harbour.radius_m) if harbour.radius_m.is_integer() else harbour.radius_m,
                [value for point in harbour.points for value in point],
            ]
        )
        for harbour in harbours
    ]
    box = [silent.lon_min, silent.lat_min, silent.lon_max, silent.lat_max]
    header = f'{{"format":{dumps(FORMAT)},\n"silent_inside":{dumps(box)},\n'
    header += f'"sources":{dumps(sources)},\n"harbours":[\n'
    return header + ",\n".join(lines) + "\n]}\n"


def harbours_bytes(text: str) -> bytes:
    """The text gzip-compressed the same way on every run: level 9, no file name, time 0."""
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def build_harbours(source_dir: Path, region: Box = REGION) -> bytes:
    """The layer file's bytes for the sources in ``source_dir``."""
    return harbours_bytes(harbours_text(world_harbours(source_dir, region), region))


def main(argv: Sequence[str] | None = None) -> int:
    """Build the layer, write it, and read back what was written."""
    paths = source_and_output(argv, harbour_layer_path(), __doc__)
    if paths is None:
        return 2
    source_dir, output = paths
    data = build_harbours(source_dir)
    output.write_bytes(data)
    layer = parse_harbours(json.loads(gzip.decompress(output.read_bytes())))
    kinds = Counter(f"{zone.kind.value} ({zone.source})" for zone in layer.zones)
    summary = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    print(
        f"{output}: {len(layer)} harbours, {layer.circle_count} circles ({summary}), "
        f"{len(data) / 1024:.0f} KiB",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
