"""Alert budget on real traffic: how many episodes of each type, how many near a harbour, how
many in storms, per 1,000 vessel-hours (issue 12, item 7).

Run from the repository root: ``python -m benchmarks.precision`` (``make precision``). It exits 0
whatever it finds: it is a yardstick, not a test. Method and baseline: RESULTS.md here.

Inputs (``INPUT_SETS``): every real-traffic set in ``/work/shared/data`` and every AIS file in it
— AMSA (receiver log and exactEarth satellite logs), GFW ais-listener, DMA AisLib, Kystverket,
pyais samples, the MarineCadastre day, the GFW gpsdio-segment and pyseas month-long tracks —
plus the demo samples of ``replay/samples``. Left out on purpose: ``gfw-ais-tools`` (messages
broken on purpose for negative tests) and ``gpsd-conformance`` / ``libais-vectors`` (decoder
conformance vectors, not traffic). Files without any receive time (plain NMEA) are replayed
too; they can raise identity alerts only. The demo samples are copies of data already in the
sets (the worldwide NMEA is ais-listener's tag-block file unchanged, the Puerto Rico CSV a
subset of the MarineCadastre rows, the North Pacific CSV the pyseas tracks), so they get their
own rows but are left out of the total, which would otherwise count them twice.

Each file is replayed on its own, in-process, as ``vigilmar replay FILE`` does it: default
``Config()``, the shipped zone pack, ``Reader(..., sort_records=True)``, ``ReplayRunner``. One
replay per file, not per set, because a set's files are recordings of different days or years:
stitched together they would add the days between recordings to vessel spans and dark periods.

Measures, per set and in total, per alert type:

* episodes: distinct ``alert_id`` (open, update and closed messages of one episode count once);
* near-harbour share (loitering, encounter): episodes whose position (that of the episode's
  first message) lies within ``NEAR_KM`` (10 km, haversine) of a known port or anchorage
  worldwide — NGA World Port Index, GFW named anchorages (``gfw-anchorages/*.csv``) and the
  UN/LOCODE ports of ``searoute/ports.geojson`` — not only the Caribbean zones the pack ships;
* storm share: episodes beyond the second of one type for one vessel (the alert's ``mmsi``; for
  an encounter the lower MMSI) on one UTC day of the episode's start;
* episodes per 1,000 vessel-hours. Vessel-hours: for each vessel with at least one timed
  position report in a file, the span from its earliest to its latest report time in that file
  (as given to the engine, late reports included), summed over vessels and files. Vessels seen
  once add 0; a span counts the vessel's silences in full.

Goals (issue 12): at most 5 % near-harbour for loitering and encounter, at most 5 % storm
episodes per type. The table marks PASS, MISS or n/a (no episodes to judge).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely

from benchmarks.replay_throughput import code_revision
from models.alerts import Alert, AlertType
from models.config import Config
from models.engine import Engine
from models.records import Decoded, PositionReport
from replay.errors import InputError
from replay.readers import Reader
from replay.runner import ReplayRunner
from zones.catalogue import load_catalogue
from zones.index import ZoneIndex

ROOT = Path(__file__).resolve().parent.parent
DATA = Path("/work/shared/data")
SAMPLES = ROOT / "replay" / "samples"
NEAR_KM = 10.0
NEAR_GOAL = 0.05
STORM_GOAL = 0.05
STORM_FREE = 2  # episodes of one type, vessel and UTC day that are not a storm
NEAR_TYPES = (AlertType.LOITERING, AlertType.ENCOUNTER)
EARTH_KM = 6371.0088
DEMO = "demo samples"
TOTAL = "total (without demo copies)"

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class InputSet:
    """Files replayed one by one: in the data folder's ``name`` folder unless ``folder`` says
    otherwise; ``in_total`` false for copies of data other sets hold."""

    name: str
    files: tuple[str, ...]
    folder: Path | None = None
    in_total: bool = True

    def paths(self, data: Path) -> list[Path]:
        return [(self.folder or data / self.name) / name for name in self.files]


INPUT_SETS = (
    InputSet("amsa-risky", ("ais.txt.gz", "exact-earth-augmented.txt",
             "exact-earth-augmented-2.txt", "exact-earth-augmented-3.txt",
             "exact-earth-with-tag-block.txt", "nmea-timestamped.txt")),
    InputSet("gfw-ais-listener", ("nmea-with-tagblock.txt", "nmea.txt", "mixed-nmea.txt")),
    InputSet("dma-aislib", ("stream_example.txt", "replay_dump.txt", "ais250.txt",
             "decode_encode_messages.txt")),
    InputSet("ais-dotnet-kystverket", ("Ais1000Lines.nm4",)),
    InputSet("pyais-samples", ("gatehouse.nmea", "timestamped.ais", "mixed.txt", "messages.ais",
             "nmea_data_sample.txt")),
    InputSet("marinecadastre-20220103", ("AIS_2022_01_03_first99999.csv",)),
    InputSet("gfw-gpsdio-segment-tracks", ("tracks.jsonl",)),
    InputSet("gfw-pyseas-tracks", ("position_messages.csv.zip",)),
    InputSet(DEMO, ("2018-01-north-pacific.gfw-pyseas.csv.gz",
             "2022-01-03-puerto-rico-usvi.marinecadastre.csv",
             "2022-11-10-worldwide.gfw-ais-listener.nmea"), SAMPLES, in_total=False),
)  # fmt: skip


# -- pure helpers -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Episode:
    """One episode as its first alert message gave it."""

    alert_id: str
    type: AlertType
    mmsi: int
    start: float
    lat: float | None
    lon: float | None


def storm_flags(episodes: Sequence[Episode], free: int = STORM_FREE) -> list[bool]:
    """For each episode, whether it lies beyond the ``free``-th of its type for its vessel on the
    UTC day it started (in start order; ties by ``alert_id``, so the result is deterministic)."""
    order = sorted(range(len(episodes)), key=lambda i: (episodes[i].start, episodes[i].alert_id))
    seen: Counter[tuple[AlertType, int, int]] = Counter()
    flags = [False] * len(episodes)
    for i in order:
        episode = episodes[i]
        key = (episode.type, episode.mmsi, int(episode.start // 86_400))
        seen[key] += 1
        flags[i] = seen[key] > free
    return flags


def storm_counts(episodes: Sequence[Episode], free: int = STORM_FREE) -> Counter[AlertType]:
    """Storm episodes per type: e.g. 5 jumps of one vessel on one day give 3."""
    flags = storm_flags(episodes, free)
    return Counter(e.type for e, storm in zip(episodes, flags, strict=True) if storm)


def near_share(distances_km: Floats, radius_km: float = NEAR_KM) -> tuple[int, int]:
    """(episodes within ``radius_km`` of a harbour, episodes with a known distance): ``NaN``
    marks an episode without a position and counts in neither."""
    known = ~np.isnan(distances_km)
    return int(np.count_nonzero(distances_km[known] <= radius_km)), int(np.count_nonzero(known))


def vessel_hours(spans: Mapping[int, tuple[float, float]]) -> float:
    """Sum over vessels of (latest - earliest report time), in hours."""
    return sum(last - first for first, last in spans.values()) / 3600.0


def haversine_km(lat1: Floats, lon1: Floats, lat2: Floats, lon2: Floats) -> Floats:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    distance: Floats = 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return distance


class HarbourIndex:
    """Known harbour points; ``nearest`` finds, for many positions at once, the closest one
    within a radius. An STRtree of the points is queried with one lon/lat box per position and
    the candidates are measured by haversine. Points within ``WRAP_DEG`` of the antimeridian are
    indexed twice (also shifted by 360 degrees), so boxes crossing it find them; a box is at most
    ``WRAP_DEG`` wide either side, which only matters within ~0.5 degrees of a pole."""

    WRAP_DEG = 10.0

    def __init__(self, lats: Sequence[float], lons: Sequence[float], names: Sequence[str]):
        self.lats = np.asarray(lats, dtype=np.float64)
        self.lons = np.asarray(lons, dtype=np.float64)
        self.names = list(names)
        wrap = np.flatnonzero(np.abs(self.lons) > 180.0 - self.WRAP_DEG)
        tree_lons = np.concatenate([self.lons, self.lons[wrap] - 360.0 * np.sign(self.lons[wrap])])
        self._owner = np.concatenate([np.arange(len(self.lats)), wrap])
        self._tree = shapely.STRtree(shapely.points(tree_lons, self.lats[self._owner]))

    def __len__(self) -> int:
        return len(self.lats)

    def nearest(
        self, lats: Floats, lons: Floats, radius_km: float = NEAR_KM
    ) -> tuple[Floats, npt.NDArray[np.int64]]:
        """Distance (km) to the nearest point within ``radius_km`` and its index; ``inf`` and -1
        where none is that close, ``NaN`` and -1 where the position is ``NaN``."""
        distance = np.full(len(lats), np.inf)
        index = np.full(len(lats), -1, dtype=np.int64)
        located = ~(np.isnan(lats) | np.isnan(lons))
        distance[~located] = np.nan
        known = np.flatnonzero(located)
        if not len(known) or not len(self):
            return distance, index
        qlat, qlon = lats[known], lons[known]
        dlat = np.degrees(radius_km / EARTH_KM)
        cos = np.maximum(np.cos(np.radians(qlat)), 1e-9)
        dlon = np.minimum(dlat / cos, self.WRAP_DEG)
        boxes = shapely.box(qlon - dlon, qlat - dlat, qlon + dlon, qlat + dlat)
        query, tree = self._tree.query(boxes)
        owner = self._owner[tree]
        measured = haversine_km(qlat[query], qlon[query], self.lats[owner], self.lons[owner])
        close = measured <= radius_km
        query, owner, measured = query[close], owner[close], measured[close]
        order = np.lexsort((measured, query))  # by position, nearest first
        first = order[np.unique(query[order], return_index=True)[1]]
        distance[known[query[first]]] = measured[first]
        index[known[query[first]]] = owner[first]
        return distance, index


def load_harbours(data: Path) -> HarbourIndex:
    """The worldwide port and anchorage points: NGA WPI, GFW anchorages, searoute ports; the
    few points off the globe are left out."""
    lats: list[float] = []
    lons: list[float] = []
    names: list[str] = []

    def add(lat: str | float, lon: str | float, name: str) -> None:
        y, x = float(lat), float(lon)
        if abs(y) <= 90.0 and abs(x) <= 180.0:  # GFW lists POINTE NOIRE at longitude 1001
            lats.append(y)
            lons.append(x)
            names.append(name.strip())

    zones = data / "zones"
    with (zones / "nga-wpi" / "UpdatedPub150.csv").open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            add(row["Latitude"], row["Longitude"], f"{row['Main Port Name']} (WPI)")
    for path in sorted((zones / "gfw-anchorages").glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                add(row["latitude"], row["longitude"], f"{row['label']} (GFW {path.stem})")
    ports = json.loads((zones / "searoute" / "ports.geojson").read_text(encoding="utf-8"))
    for feature in ports["features"]:
        lon, lat = feature["geometry"]["coordinates"][:2]
        add(lat, lon, f"{feature['properties'].get('name') or '?'} (UN/LOCODE)")
    return HarbourIndex(lats, lons, names)


# -- replay -------------------------------------------------------------------------------------


class EpisodeSink:
    """An alert sink that keeps the first message of every episode."""

    def __init__(self) -> None:
        self.episodes: dict[str, Episode] = {}

    def write(self, alerts: list[Alert]) -> None:
        for alert in alerts:
            if alert.alert_id not in self.episodes:
                self.episodes[alert.alert_id] = Episode(
                    alert.alert_id, alert.type, alert.mmsi, alert.start, alert.lat, alert.lon
                )


class SpanTracker:
    """Earliest and latest report time of every vessel with timed positions."""

    def __init__(self) -> None:
        self.spans: dict[int, tuple[float, float]] = {}

    def observe(self, records: list[Decoded]) -> None:
        spans = self.spans
        for record in records:
            if isinstance(record, PositionReport) and record.timestamp is not None:
                t = record.timestamp
                first, last = spans.get(record.mmsi, (t, t))
                spans[record.mmsi] = (min(first, t), max(last, t))


@dataclass(slots=True)
class Tally:
    """What the replays of some files found."""

    files: int = 0
    messages: int = 0
    vessels: int = 0
    hours: float = 0.0
    episodes: list[Episode] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # the file of each episode

    def add(self, other: Tally) -> None:
        self.files += other.files
        self.messages += other.messages
        self.vessels += other.vessels
        self.hours += other.hours
        self.episodes.extend(other.episodes)
        self.sources.extend(other.sources)


def replay_file(path: Path, zones: ZoneIndex) -> Tally:
    """``vigilmar replay PATH`` in-process: default config, the given zone catalogue."""
    sink, spans = EpisodeSink(), SpanTracker()
    runner = ReplayRunner(Engine(Config(), zones), sink, on_records=spans.observe)
    summary = runner.run(iter(Reader([path], sort_records=True)))
    episodes = list(sink.episodes.values())
    return Tally(1, summary.messages, summary.vessels, vessel_hours(spans.spans), episodes,
                 [path.name] * len(episodes))  # fmt: skip


# -- report -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figures:
    """One alert type's figures in one tally."""

    episodes: int
    storm: int
    near: int  # loitering and encounter only: episodes within NEAR_KM of a known harbour
    located: int  # ... and episodes with a position


def figures(tally: Tally, harbours: HarbourIndex) -> dict[AlertType, Figures]:
    """Figures per alert type, for the types with episodes, in ``AlertType`` order."""
    episodes = tally.episodes
    storms = storm_counts(episodes)
    lats = np.array([np.nan if e.lat is None else e.lat for e in episodes], dtype=np.float64)
    lons = np.array([np.nan if e.lon is None else e.lon for e in episodes], dtype=np.float64)
    types = np.array([e.type.value for e in episodes], dtype=object)
    result = {}
    for kind in AlertType:
        mask = types == kind.value
        if count := int(np.count_nonzero(mask)):
            near, located = 0, 0
            if kind in NEAR_TYPES:
                near, located = near_share(harbours.nearest(lats[mask], lons[mask])[0])
            result[kind] = Figures(count, storms[kind], near, located)
    return result


def goals(by_type: Mapping[AlertType, Figures]) -> list[tuple[str, int, int, str]]:
    """(goal, episodes that miss it, episodes judged, PASS | MISS | n/a) for the issue's goals."""

    def verdict(part: int, whole: int, goal: float) -> str:
        return "n/a" if not whole else "PASS" if part <= goal * whole else "MISS"

    none = Figures(0, 0, 0, 0)
    result = []
    for kind in NEAR_TYPES:
        f = by_type.get(kind, none)
        result.append((f"{kind.value} near a harbour", f.near, f.located,
                       verdict(f.near, f.located, NEAR_GOAL)))  # fmt: skip
    for kind in AlertType:
        f = by_type.get(kind, none)
        result.append((f"{kind.value} storm", f.storm, f.episodes,
                       verdict(f.storm, f.episodes, STORM_GOAL)))  # fmt: skip
    return result


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    -"


def print_tables(tallies: Mapping[str, Tally], harbours: HarbourIndex) -> None:
    print(f"\n{'input set':29}{'files':>6}{'messages':>10}{'vessels':>9}{'vessel-h':>10}"
          f"{'episodes':>10}")  # fmt: skip
    for name, t in tallies.items():
        print(f"{name:29}{t.files:6}{t.messages:10,}{t.vessels:9,}{t.hours:10,.1f}"
              f"{len(t.episodes):10,}")  # fmt: skip
    print(f"\n{'input set':29}{'type':17}{'episodes':>9}{'/1k vh':>9}{'storm':>7}{'storm%':>7}"
          f"{'near':>6}{'near%':>7}")  # fmt: skip
    for name, t in tallies.items():
        label = name
        for kind, f in figures(t, harbours).items():
            rate = f"{1000 * f.episodes / t.hours:9,.1f}" if t.hours else f"{'-':>9}"
            near = f"{f.near:6}{_pct(f.near, f.located):>7}" if kind in NEAR_TYPES else ""
            print(f"{label:29}{kind.value:17}{f.episodes:9,}{rate}{f.storm:7,}"
                  f"{_pct(f.storm, f.episodes):>7}{near}")  # fmt: skip
            label = ""
        if label:
            print(f"{label:29}(no alerts)")


def print_goals(by_type: Mapping[AlertType, Figures]) -> None:
    print(f"\ngoals (issue 12), on the total: near a harbour <= {NEAR_GOAL:.0%} of loitering and "
          f"encounter episodes; storm <= {STORM_GOAL:.0%} of each type's episodes")  # fmt: skip
    print(f"{'goal':30}{'episodes':>13}{'share':>8}  result")
    for goal, part, whole, verdict in goals(by_type):
        print(f"{goal:30}{f'{part:,}/{whole:,}':>13}{_pct(part, whole):>8}  {verdict}")


def print_examples(total: Tally, harbours: HarbourIndex, top: int = 3) -> None:
    """Where the noise is: the vessel-days with most episodes of a type (storms), and the
    harbours most often near a loitering or encounter episode."""
    print(f"\nwhere the noise is (top {top}):")
    days: Counter[tuple[AlertType, int, int, str]] = Counter()
    for episode, source in zip(total.episodes, total.sources, strict=True):
        days[(episode.type, episode.mmsi, int(episode.start // 86_400), source)] += 1
    for kind in AlertType:
        storms = ((-n, key[1:]) for key, n in days.items() if key[0] == kind and n > STORM_FREE)
        if worst := sorted(storms)[:top]:
            text = "; ".join(f"{mmsi} on {time.strftime('%Y-%m-%d', time.gmtime(day * 86_400))}: "
                             f"{-n} ({source})" for n, (mmsi, day, source) in worst)  # fmt: skip
            print(f"  {kind.value}, most per vessel-day: {text}")
    for kind in NEAR_TYPES:
        chosen = [e for e in total.episodes if e.type == kind and e.lat is not None]
        lats = np.array([e.lat for e in chosen], dtype=np.float64)
        lons = np.array([e.lon for e in chosen], dtype=np.float64)
        named = Counter(harbours.names[i] for i in harbours.nearest(lats, lons)[1] if i >= 0)
        if named:
            places = "; ".join(f"{name}: {n}" for name, n in named.most_common(top))
            print(f"  {kind.value}, nearest harbours: {places}")


def run(sets: Iterable[InputSet], data: Path, zones: ZoneIndex) -> dict[str, Tally]:
    tallies: dict[str, Tally] = {}
    chosen = list(sets)
    for n, input_set in enumerate(chosen, 1):
        started, tally = time.perf_counter(), Tally()
        for path in input_set.paths(data):
            tally.add(replay_file(path, zones))
        print(f"[{n}/{len(chosen)}] {input_set.name}: {tally.files} files, {tally.messages:,} "
              f"messages, {tally.vessels:,} vessels, {tally.hours:,.1f} vessel-h, "
              f"{len(tally.episodes):,} episodes in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)  # fmt: skip
        tallies[input_set.name] = tally
    return tallies


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help=f"data folder ({DATA})")
    parser.add_argument("--only", action="append", metavar="SET", help="just this input set",
                        choices=[s.name for s in INPUT_SETS])  # fmt: skip
    args = parser.parse_args(argv)
    started = time.perf_counter()
    sets = [s for s in INPUT_SETS if not args.only or s.name in args.only]
    try:
        harbours = load_harbours(args.data)
        zones = load_catalogue()
        print(f"precision on real traffic; code {code_revision()}; default config, shipped "
              f"zones ({len(zones):,})\nnear = within {NEAR_KM:g} km of one of {len(harbours):,} "
              f"known ports and anchorages worldwide; storm = beyond the first {STORM_FREE} "
              f"episodes of a type for a vessel on a UTC day")  # fmt: skip
        tallies = run(sets, args.data, zones)
    except (OSError, InputError) as err:
        print(f"precision: cannot read the inputs: {err}", file=sys.stderr)
        return 2
    total = Tally()
    for s in sets:
        if s.in_total:
            total.add(tallies[s.name])
    tallies[TOTAL] = total
    print_tables(tallies, harbours)
    print_goals(figures(total, harbours))
    print_examples(total, harbours)
    print(f"\nrun time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
