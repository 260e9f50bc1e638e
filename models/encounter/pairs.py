"""Encounter episodes per pair of vessels, from the close buckets the cells found.

``PairStage`` takes ``PairBucket``s in any order (a pair drifting across cells is found by
different cells, perhaps on different workers) and, once the watermark says a bucket is
complete everywhere, applies them per pair in bucket order: close buckets no more than
``max_gap_minutes`` apart make one episode, which opens once it spans ``min_hours`` and closes
when no close bucket followed within the gap. One alert per pair and episode: ``mmsi`` is the
lower MMSI, ``other_mmsi`` the higher, and the id depends only on the pair and the episode's
first comparison, never on which vessel reported first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import floor
from statistics import median

from models.alerts import Alert, AlertType, Finding, Status, VesselInfo
from models.config import Config
from models.encounter.cells import PairBucket
from models.encounter.mover import History
from models.geo import SECONDS_PER_HOUR
from models.scoring import scored_alert

Pair = tuple[int, int]


@dataclass(slots=True)
class Episode:
    start: float
    lat: float
    lon: float
    last: float
    min_m: float
    samples: int
    medians: list[float] = field(default_factory=list)
    open: bool = False
    vessel_a: VesselInfo = field(default_factory=VesselInfo)
    vessel_b: VesselInfo = field(default_factory=VesselInfo)
    history: History = ()

    @staticmethod
    def begin(bucket: PairBucket) -> Episode:
        episode = Episode(bucket.first_t, bucket.lat, bucket.lon, bucket.last_t, bucket.min_m, 0)
        episode.extend(bucket)
        return episode

    def extend(self, bucket: PairBucket) -> None:
        self.last = max(self.last, bucket.last_t)
        self.min_m = min(self.min_m, bucket.min_m)
        self.samples += bucket.samples
        self.medians.append(bucket.median_m)
        self.vessel_a, self.vessel_b = bucket.vessel_a, bucket.vessel_b
        self.history = bucket.history


@dataclass(slots=True)
class PairStats:
    buckets: int = 0
    late: int = 0  # pair buckets that came after the watermark had passed them
    episodes: int = 0  # episodes long enough to alert


class PairStage:
    def __init__(self, config: Config) -> None:
        self.config = config
        encounter = config.encounter
        self.pending: dict[Pair, list[PairBucket]] = {}
        self.episodes: dict[Pair, Episode] = {}
        self.watermark = float("-inf")
        self.stats = PairStats()
        self._bucket = encounter.bucket_minutes * 60.0
        self._tolerance = encounter.tolerance_minutes * 60.0
        self._gap = encounter.max_gap_minutes * 60.0
        self._min_seconds = encounter.min_hours * SECONDS_PER_HOUR

    def add(self, bucket: PairBucket) -> bool:
        if self._complete(bucket.bucket) <= self.watermark:
            self.stats.late += 1
            return False
        held = self.pending.setdefault(bucket.pair, [])
        if not any(h.bucket == bucket.bucket for h in held):  # repeated after a restart
            held.append(bucket)
        return True

    def advance(self, watermark: float) -> list[Alert]:
        """Apply every bucket the watermark completed, pair by pair, and end the episodes no
        close bucket can extend any more."""
        if watermark <= self.watermark:
            return []
        self.watermark = watermark
        alerts: list[Alert] = []
        for pair in sorted(self.pending):
            held = self.pending[pair]
            ready = sorted(
                (b for b in held if self._complete(b.bucket) <= watermark), key=lambda b: b.bucket
            )
            if not ready:
                continue
            for bucket in ready:
                alerts.extend(self._apply(pair, bucket))
            rest = [b for b in held if self._complete(b.bucket) > watermark]
            if rest:
                self.pending[pair] = rest
            else:
                del self.pending[pair]
        for pair in sorted(self.episodes):
            episode = self.episodes[pair]
            if self._deadline(episode) <= watermark:
                del self.episodes[pair]
                if episode.open:
                    alerts.append(self._alert(pair, episode, Status.CLOSED))
        return alerts

    def _apply(self, pair: Pair, bucket: PairBucket) -> list[Alert]:
        self.stats.buckets += 1
        alerts: list[Alert] = []
        episode = self.episodes.get(pair)
        if episode is not None and bucket.first_t - episode.last > self._gap:
            if episode.open:
                alerts.append(self._alert(pair, episode, Status.CLOSED))
            episode = None
        if episode is None:
            episode = self.episodes[pair] = Episode.begin(bucket)
        else:
            episode.extend(bucket)
        if not episode.open and episode.last - episode.start >= self._min_seconds:
            episode.open = True
            self.stats.episodes += 1
            alerts.append(self._alert(pair, episode, Status.OPEN))
        return alerts

    def _complete(self, bucket: int) -> float:
        """The event time by which every cell has evaluated ``bucket``."""
        return (bucket + 1) * self._bucket + self._tolerance

    def _deadline(self, episode: Episode) -> float:
        """When no close bucket within the gap of the episode's last one can still come."""
        return self._complete(floor((episode.last + self._gap) / self._bucket))

    # -- alerts ---------------------------------------------------------------------------------

    def _alert(self, pair: Pair, episode: Episode, status: Status) -> Alert:
        finding = self._finding(pair, episode, status)
        scoring = self.config.scoring
        window = episode.start - scoring.history_hours * SECONDS_PER_HOUR
        recent = tuple(kind for kind, start in episode.history if window <= start)
        return scored_alert(finding, episode.vessel_a, recent, scoring)

    def _finding(self, pair: Pair, episode: Episode, status: Status) -> Finding:
        a, b = pair
        hours = (episode.last - episode.start) / SECONDS_PER_HOUR
        middle = median(episode.medians)
        other = episode.vessel_b
        who = f"{other.name} (MMSI {b})" if other.name else f"MMSI {b}"
        closed = status is Status.CLOSED
        limit = self.config.encounter.max_speed_knots
        return Finding(
            type=AlertType.ENCOUNTER,
            status=status,
            mmsi=a,
            other_mmsi=b,
            start=episode.start,
            end=episode.last if closed else None,
            lat=episode.lat,
            lon=episode.lon,
            evidence={
                "duration_hours": round(hours, 2),
                "min_distance_m": round(episode.min_m, 1),
                "median_distance_m": round(middle, 1),
                "comparisons": episode.samples,
                "other_name": other.name,
                "other_flag": other.flag,
            },
            magnitude=hours / self.config.encounter.min_hours,
            summary=(
                f"Encounter with {who} "
                f"{'for' if closed else 'for at least'} {hours:.1f} h: "
                f"{middle:.0f} m apart (closest {episode.min_m:.0f} m), both under {limit:g} kn, "
                "outside any port or anchorage"
            ),
        )
