"""Zone matching throughput on the shipped zones: batched (``ZoneIndex.pairs``/``match``, and the
world harbour layer's ``CircleIndex.pairs`` alone) against one point at a time
(``ZoneIndex.zones_at``).

Run from the repository root: ``.venv/bin/python -m benchmarks.zone_matching`` (``--points``,
``--repeat``, ``--per-point-repeat``, ``--per-point-points`` to change the defaults: 1,000,000
points, median of 5 batched runs; 100,000 points, median of 3 per-point runs).

Five workloads, fixed seeds:

``open region``
    uniform over the pack's region box (lon -120..-30, lat -60..33): mostly open sea and land,
    the easy case — most points fall in no zone's bounding box.
``harbour traffic``
    the 2,089 real positions of the Puerto Rico / US Virgin Islands sample
    (``replay/samples``), each repeated with up to ±500 m of jitter: ships in and around
    ports, the hard case for the pack — nearly every point is in a port, an anchorage, the
    territorial sea and the EEZ, so every point needs real point-in-polygon tests. The world
    layer is silent here (the pack's region).
``open world``
    uniform over the sphere between 80° S and 80° N.
``world traffic``
    the 8,177 real positions of the worldwide receiver sample (``replay/samples``, 1,856 of
    them in the pack's region), each repeated with up to ±500 m of jitter.
``world harbours``
    the world layer's worst case: a random circle of the layer (so the densest anchorages,
    Singapore's 1,514 circles, Fujairah's 773, are drawn most), a point uniform within 1.5
    radii of its centre: three in four points are in a harbour, in 4 zones on average
    (overlapping anchorages and ports).

Results, 2026-12-02 (2-vCPU VM shared with other sessions, load average 3-4 during the run,
Python 3.11, numpy 2.4, shapely 2.2; the harbour layer's 25,328 zones, 58,688 circles, loaded
and indexed in 0.62 s; medians of 5 runs of 1M points, per point of 3 runs of 20,000):

=================  ===========  ==============  =============  ===========  ==============
workload           layer pairs  pairs (arrays)  match (lists)  zones_at     zones per point
=================  ===========  ==============  =============  ===========  ==============
open region        289 M pts/s  5.8 M pts/s     5.7 M pts/s    0.03 M pts/s  0.03
harbour traffic    288 M pts/s  0.39 M pts/s    0.34 M pts/s   0.02 M pts/s  2.58
open world         8.6 M pts/s  7.2 M pts/s     5.3 M pts/s    0.02 M pts/s  0.01
world traffic      5.5 M pts/s  3.1 M pts/s     1.8 M pts/s    0.02 M pts/s  0.80
world harbours     1.5 M pts/s  1.1 M pts/s     0.64 M pts/s   0.01 M pts/s  4.04
=================  ===========  ==============  =============  ===========  ==============

(``layer pairs``: the harbour layer's ``CircleIndex`` alone; the others the whole catalogue,
pack and layer.) Why these numbers:

* The pack's index first drops, with one vectorised lookup in a boolean occupancy grid (cells
  touched by any zone's bounding box), the points that cannot be in any zone; in the open
  region that is 88 % of them (3 % are in a zone), which is why it runs at millions of points
  per second.
* The remaining points become shapely points, one STRtree query over the zones' bounding
  boxes gives the candidate pairs, and ``shapely.intersects_xy`` tests them against the
  zones' *prepared* geometries — each a single call into GEOS for the whole array.
* In harbour traffic every point is a candidate and lies in 2.6 zones on average (port,
  anchorage, territorial sea, EEZ; the last two outlines have 1,000+ vertices), so the cost
  is the point-in-polygon tests themselves. Before this index tested prepared zones, it used
  ``STRtree.query(points, predicate="intersects")``, which prepares the points instead and
  walks every vertex of the EEZ for each one: 0.08 M pts/s here, 8x slower.
* The harbour layer (``zones.circles``) needs no geometry at all: one ``searchsorted`` finds a
  point's 0.02° cell, a 16-bit mask per cell and zone says whether the point's subcell is
  inside the zone for sure, and only circles reaching an uncertain subcell get a haversine
  test — 2.2 per point in the world-harbours workload, where a point's cell lists 13 entries.
  Inside the pack's region it answers nothing in one comparison (the first two rows).
* ``zones_at`` does the same work one point at a time: Python call overhead, one ``Point``
  and one tree query per point, and a whole array pass of the layer for one point. ``match``
  adds a Python tuple per point over ``pairs``.

The engine matches reports in batches, so its figure is the batched one: at harbour density
~0.4-1 M positions per second on one core on a loaded machine, far above any AIS feed (a
worldwide feed is a few thousand messages per second).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from models.decode import Decoder
from models.records import InputLine, Outcome, PositionReport
from zones.catalogue import load_catalogue
from zones.geodesy import EARTH_RADIUS_M
from zones.harbours import load_harbours
from zones.index import ZoneIndex
from zones.pack_writer import REGION

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "replay" / "samples"
PR_USVI = SAMPLES / "2022-01-03-puerto-rico-usvi.marinecadastre.csv"
WORLDWIDE = SAMPLES / "2022-11-10-worldwide.gfw-ais-listener.nmea"
JITTER_M = 500.0
M_PER_DEG = 111_195.0

Points = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]


def open_region(count: int) -> Points:
    rng = np.random.default_rng(1)
    lon = rng.uniform(REGION.lon_min, REGION.lon_max, count)
    lat = rng.uniform(REGION.lat_min, REGION.lat_max, count)
    return lon, lat


def harbour_traffic(count: int) -> Points:
    with PR_USVI.open(newline="") as file:
        rows = [(float(row["LON"]), float(row["LAT"])) for row in csv.DictReader(file)]
    return _jittered(np.array(rows), count, seed=2)


def open_world(count: int) -> Points:
    """Uniform over the sphere between 80 S and 80 N (equal area, not equal degrees)."""
    rng = np.random.default_rng(3)
    lon = rng.uniform(-180.0, 180.0, count)
    lat = np.degrees(np.arcsin(rng.uniform(np.sin(np.radians(-80)), np.sin(np.radians(80)), count)))
    return lon, lat


def world_traffic(count: int) -> Points:
    """The real positions of the worldwide receiver sample (8,177 reports, 1,856 of them in the
    pack's region), each repeated with up to 500 m of jitter."""
    decoder, out = Decoder(), list[Outcome]()
    with WORLDWIDE.open(encoding="utf-8") as file:
        for number, text in enumerate(file):
            decoder.feed(InputLine(text, WORLDWIDE.name, number), out)
    decoder.flush(out)
    rows = [
        (o.lon, o.lat)
        for o in out
        if isinstance(o, PositionReport) and o.lon is not None and o.lat is not None
        if not o.impossible
    ]
    return _jittered(np.array(rows, dtype=np.float64), count, seed=4)


def world_harbours(count: int) -> Points:
    """Inside and around the world layer's harbours: a random circle of the layer, a point up
    to 1.5 radii from its centre (uniform over that disc): three in four fall in a harbour."""
    layer = load_harbours()
    centres = np.concatenate([zone.centres for zone in layer.zones])
    radius = np.repeat(
        [zone.radius_m for zone in layer.zones], [len(z.centres) for z in layer.zones]
    )
    rng = np.random.default_rng(5)
    pick = rng.integers(0, len(centres), count)
    reach = 1.5 * radius[pick] * np.sqrt(rng.uniform(0, 1, count)) / EARTH_RADIUS_M
    bearing = rng.uniform(0, 2 * np.pi, count)
    lat0, lon0 = np.radians(centres[pick, 1]), np.radians(centres[pick, 0])
    lat = np.arcsin(np.sin(lat0) * np.cos(reach) + np.cos(lat0) * np.sin(reach) * np.cos(bearing))
    lon = lon0 + np.arctan2(
        np.sin(bearing) * np.sin(reach) * np.cos(lat0), np.cos(reach) - np.sin(lat0) * np.sin(lat)
    )
    lon = (np.degrees(lon) + 180.0) % 360.0 - 180.0
    return lon, np.degrees(lat)


def _jittered(real: npt.NDArray[np.float64], count: int, seed: int) -> Points:
    rng = np.random.default_rng(seed)
    picks = real[rng.integers(0, len(real), count)]
    lat = picks[:, 1] + rng.uniform(-1, 1, count) * JITTER_M / M_PER_DEG
    scale = M_PER_DEG * np.cos(np.radians(picks[:, 1]))
    lon = picks[:, 0] + rng.uniform(-1, 1, count) * JITTER_M / scale
    return lon, lat


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def per_point(index: ZoneIndex, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> int:
    zones_at = index.zones_at
    found = 0
    for x, y in zip(lon.tolist(), lat.tolist(), strict=True):
        found += len(zones_at(x, y))
    return found


WORKLOADS: dict[str, Callable[[int], Points]] = {
    "open region": open_region,
    "harbour traffic": harbour_traffic,
    "open world": open_world,
    "world traffic": world_traffic,
    "world harbours": world_harbours,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="batched runs (median)")
    parser.add_argument("--per-point-repeat", type=int, default=3, help="per-point runs (median)")
    parser.add_argument(
        "--per-point-points", type=int, default=100_000, help="points of the per-point runs"
    )
    args = parser.parse_args(argv)

    start = time.perf_counter()
    layer = load_harbours()
    layer_seconds = time.perf_counter() - start
    print(f"harbour layer: {len(layer)} zones, {layer.circle_count} circles, loaded and indexed "
          f"in {layer_seconds:.2f} s")  # fmt: skip
    start = time.perf_counter()
    index = load_catalogue()
    print(f"catalogue: {len(index)} zones (pack + harbour layer), loaded and indexed in "
          f"{time.perf_counter() - start:.2f} s")  # fmt: skip
    print(f"{args.points:,} points per batched run, {args.per_point_points:,} per per-point run; "
          f"medians of {args.repeat} / {args.per_point_repeat}")  # fmt: skip
    print(f"{'workload':16} {'layer pairs':>15} {'pairs':>15} {'match':>15} {'zones_at':>15} "
          f"{'ratio':>6}  hits/pt")  # fmt: skip
    for name, make in WORKLOADS.items():
        lon, lat = make(args.points)
        point_at, _ = index.pairs(lon, lat)
        few_lon, few_lat = lon[: args.per_point_points], lat[: args.per_point_points]
        runs: list[tuple[Callable[[], object], int, int]] = [
            (lambda x=lon, y=lat: layer.pairs(x, y), args.repeat, args.points),
            (lambda x=lon, y=lat: index.pairs(x, y), args.repeat, args.points),
            (lambda x=lon, y=lat: index.match(x, y), args.repeat, args.points),
            (lambda x=few_lon, y=few_lat: per_point(index, x, y), args.per_point_repeat,
             len(few_lon)),
        ]  # fmt: skip
        rates = [points / statistics.median(timed(run, repeat)) for run, repeat, points in runs]
        cells = " ".join(f"{rate / 1e6:9.2f} M pt/s" for rate in rates)
        print(f"{name:16} {cells} {rates[1] / rates[3]:5.0f}x  {point_at.size / args.points:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
