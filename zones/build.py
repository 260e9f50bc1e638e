"""Build the shipped zone pack, ``zones/data/default.geojson``, from real public sources.

    python -m zones.build [SOURCE_DIR [OUTPUT]]

``SOURCE_DIR`` holds the source datasets in the layout of the project's shared data folder
(``nga-wpi/UpdatedPub150.csv``, ``gfw-anchorages/anchorage_overrides.csv``, ...); it defaults to
``$VIGILMAR_ZONE_SOURCES`` or else ``../shared/data/zones`` beside the repository (resolved from
this package's location, not the working directory). ``OUTPUT`` defaults to the shipped
pack. The build is deterministic: the same sources give a byte-identical file (a test checks
the checked-in pack against a fresh build).

The pack covers ``REGION`` (lon -120..-30, lat -60..33: the Gulf of Mexico, the Caribbean,
Central America and both coasts of South America) and is the union of *layers*, each a
function from the source folder to GeoJSON features of one kind from one dataset:

=================  ==================  ====================================================
layer              kind                source
=================  ==================  ====================================================
``wpi_ports``      ``port``            NGA World Port Index — circles by harbour size
``anchorages``     ``anchorage``       Global Fishing Watch named anchorages — 3 km round
                                       the points of one named anchorage
``us_caribbean_    ``territorial_sea``  NOAA maritime limit lines round Puerto Rico and the
waters``           ``eez``             US Virgin Islands, polygonised
``shipping_lanes`` ``corridor``        Global Shipping Lanes — 5 nm either side, in tiles
=================  ==================  ====================================================

Every boundary comes from a real source: no invented outlines. To extend the pack, write
another layer (a ``zones/layer_*.py`` module) and add it to ``LAYERS``. Each layer's module
documents its rules; ``zones/data/SOURCES.md`` lists datasets and licences.

The harbours of the rest of the world are not in the pack: ``python -m zones.build_harbours``
builds them, from the same source folder, into the world harbour layer (``zones.harbours``).
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from zones.catalogue import default_pack_path
from zones.layer_anchorages import anchorages
from zones.layer_lanes import shipping_lanes
from zones.layer_limits import us_caribbean_waters
from zones.layer_ports import wpi_ports
from zones.pack import check_pack
from zones.pack_writer import Feature, pack_text

__all__ = ["DEFAULT_SOURCES", "LAYERS", "build", "main"]

Layer = Callable[[Path], list[Feature]]

LAYERS: tuple[Layer, ...] = (wpi_ports, anchorages, us_caribbean_waters, shipping_lanes)
# The project's shared data folder is a sibling of the repository: <root>/../shared/data/zones.
DEFAULT_SOURCES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "zones"


def build(source_dir: Path, layers: Sequence[Layer] = LAYERS) -> str:
    """The pack's text: every layer's features, sorted by id, one per line."""
    return pack_text(feature for layer in layers for feature in layer(source_dir))


def source_and_output(
    argv: Sequence[str] | None, default_output: Path, usage: str | None
) -> tuple[Path, Path] | None:
    """A builder's ``[SOURCE_DIR [OUTPUT]]`` arguments (sources default to
    ``$VIGILMAR_ZONE_SOURCES``, then ``DEFAULT_SOURCES``); ``None`` after printing ``usage``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 2 or any(arg.startswith("-") for arg in args):
        print(usage, file=sys.stderr)
        return None
    source_dir = Path(args[0] if args else os.environ.get("VIGILMAR_ZONE_SOURCES", DEFAULT_SOURCES))
    return source_dir, Path(args[1]) if len(args) > 1 else default_output


def main(argv: Sequence[str] | None = None) -> int:
    """Build the pack, write it, validate what was written; 1 if it has problems."""
    paths = source_and_output(argv, default_pack_path(), __doc__)
    if paths is None:
        return 2
    source_dir, output = paths
    text = build(source_dir)
    output.write_text(text, encoding="utf-8")
    zones, problems = check_pack(output)
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    kinds = Counter(zone.kind.value for zone in zones)
    summary = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    size = len(text.encode("utf-8")) / 1024
    print(f"{output}: {len(zones)} zones ({summary}), {size:.0f} KiB", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
